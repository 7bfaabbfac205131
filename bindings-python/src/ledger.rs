//! `Network.ledger()`: the channel's ledger as the peers' qscc and cscc show it, for both APIs.
//! Blocks and transactions come back decoded by sdk-core, as dicts (the JSON rendering of its
//! decoded structures converted to Python values).

use std::time::Duration;

use fabweave::flow;
use fabweave::ledger::{decode_block, DecodedBlock, DecodedTransaction};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList, PyString};

use crate::client::{Network, Shared};
use crate::{error, opt_seconds, pyclass_to_py, twin, Api, ToPy};

/// A JSON value as the Python value `json.loads` would give: dict, list, str, int, float,
/// bool or None.
pub(crate) fn json_to_py<'py>(
    py: Python<'py>,
    value: &serde_json::Value,
) -> PyResult<Bound<'py, PyAny>> {
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => (*b).into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any()
            } else if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any(),
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|v| json_to_py(py, v))
                .collect::<PyResult<Vec<_>>>()?;
            PyList::new(py, items)?.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, json_to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// A decoded block on its way to Python: a dict.
pub(crate) struct BlockDict(pub DecodedBlock);

impl ToPy for BlockDict {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(json_to_py(py, &self.0.to_json_value())?.unbind())
    }
}

/// A decoded transaction on its way to Python: a dict.
struct TxDict(DecodedTransaction);

impl ToPy for TxDict {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let value = serde_json::to_value(&self.0)
            .map_err(|e| error::plain(py, format!("cannot render the transaction: {e}")))?;
        Ok(json_to_py(py, &value)?.unbind())
    }
}

/// What qscc `GetChainInfo` says of the channel's ledger on one peer.
#[pyclass(frozen, module = "fabweave")]
pub(crate) struct ChainInfo {
    /// The number of blocks (the next block's number).
    #[pyo3(get)]
    height: u64,
    current_block_hash: Vec<u8>,
    previous_block_hash: Vec<u8>,
    /// When the peer joined from a snapshot: the last block the snapshot holds; else None.
    #[pyo3(get)]
    bootstrapped_from_snapshot_at: Option<u64>,
}
pyclass_to_py!(ChainInfo);

impl From<fabweave::ledger::ChainInfo> for ChainInfo {
    fn from(info: fabweave::ledger::ChainInfo) -> Self {
        ChainInfo {
            height: info.height,
            current_block_hash: info.current_block_hash,
            previous_block_hash: info.previous_block_hash,
            bootstrapped_from_snapshot_at: info.bootstrapped_from_snapshot_at,
        }
    }
}

#[pymethods]
impl ChainInfo {
    /// The header hash of the last block (number `height - 1`), 32 bytes: what
    /// `block_by_hash` takes (`.hex()` is the `hash` of the decoded block).
    #[getter]
    fn current_block_hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.current_block_hash)
    }

    /// The header hash of the block before it.
    #[getter]
    fn previous_block_hash<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.previous_block_hash)
    }

    /// A short description.
    fn __repr__(&self) -> String {
        let hex: String = self
            .current_block_hash
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!(
            "ChainInfo(height={}, current_block_hash={hex})",
            self.height
        )
    }
}

/// The ledger of one channel: chain info, blocks and transactions (qscc), and the channels a
/// peer joined (cscc). Each query goes to one peer (the client's organization first), moving
/// on to the next when a peer fails.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct Ledger {
    shared: Shared,
    channel: String,
    timeout: Option<Duration>,
    peers: Vec<String>,
    api: Api,
}
twin!(Ledger, AsyncLedger, "Ledger");

impl Ledger {
    fn core(&self, py: Python<'_>) -> PyResult<flow::Ledger> {
        let mut ledger = self.shared.get(py)?.network(&self.channel).ledger();
        if let Some(t) = self.timeout {
            ledger = ledger.timeout(t);
        }
        if !self.peers.is_empty() {
            ledger = ledger.peers(self.peers.clone());
        }
        Ok(ledger)
    }
}

/// `hash=` of `block_by_hash`: bytes, or the hex text decoded blocks show.
fn hash_bytes(hash: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = hash.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = hash.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if hash.cast::<PyString>().is_ok() {
        let bytes = hash
            .py()
            .get_type::<PyBytes>()
            .call_method1("fromhex", (hash,))?;
        return Ok(bytes.cast::<PyBytes>()?.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "hash must be bytes or a hex str, not {}",
        hash.get_type().name()?
    )))
}

#[pymethods]
impl Ledger {
    /// The channel.
    #[getter]
    fn channel(&self) -> &str {
        &self.channel
    }

    /// The channel's height and the hashes of its last two blocks, as one peer has them.
    fn chain_info(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let ledger = self.core(py)?;
        self.api.run(
            py,
            async move { ledger.chain_info().await.map(ChainInfo::from) },
        )
    }

    /// The block with this number, decoded as a dict; None when the peer's ledger does not
    /// have it (yet).
    fn block_by_number(&self, py: Python<'_>, number: u64) -> PyResult<Py<PyAny>> {
        let ledger = self.core(py)?;
        self.api.run(py, async move {
            let block = ledger.block_by_number(number).await?;
            decoded(block)
        })
    }

    /// The block with this header hash (bytes, or hex text as in a decoded block's `hash`),
    /// decoded as a dict; None when not found.
    fn block_by_hash(&self, py: Python<'_>, hash: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let hash = hash_bytes(hash)?;
        let ledger = self.core(py)?;
        self.api.run(py, async move {
            let block = ledger.block_by_hash(&hash).await?;
            decoded(block)
        })
    }

    /// The block holding the transaction `tx_id`, decoded as a dict; None when not found.
    fn block_by_tx_id(&self, py: Python<'_>, tx_id: String) -> PyResult<Py<PyAny>> {
        let ledger = self.core(py)?;
        self.api.run(py, async move {
            let block = ledger.block_by_tx_id(&tx_id).await?;
            decoded(block)
        })
    }

    /// The transaction `tx_id` decoded as a dict (as each of a decoded block's `transactions`,
    /// with `validation_code` and `validation_code_name`; its `index` is 0, as qscc does not
    /// say where in its block it is); None when not found.
    fn transaction(&self, py: Python<'_>, tx_id: String) -> PyResult<Py<PyAny>> {
        let ledger = self.core(py)?;
        self.api.run(py, async move {
            match ledger.transaction(&tx_id).await? {
                Some(tx) => tx.decode().map(|d| Some(TxDict(d))),
                None => Ok(None),
            }
        })
    }

    /// The channels `peer` (a name or address the channel knows) has joined. Only identities
    /// of the peer's own organization may ask.
    fn channels(&self, py: Python<'_>, peer: String) -> PyResult<Py<PyAny>> {
        let ledger = self.core(py)?;
        self.api
            .run(py, async move { ledger.channels_of(&peer).await })
    }

    /// A short description.
    fn __repr__(&self) -> String {
        format!("<{}.Ledger {}>", self.api.module(), self.channel)
    }
}

fn decoded(block: Option<fabweave::proto::common::Block>) -> fabweave::Result<Option<BlockDict>> {
    block.map(|b| decode_block(&b).map(BlockDict)).transpose()
}

/// `Network.ledger(...)`: the ledger object of the network's API.
pub(crate) fn ledger(
    network: &Network,
    py: Python<'_>,
    timeout: Option<f64>,
    peers: Option<Vec<String>>,
) -> PyResult<Py<PyAny>> {
    network.shared.get(py)?;
    Ledger {
        shared: network.shared.clone(),
        channel: network.name.clone(),
        timeout: opt_seconds(timeout, "timeout")?,
        peers: peers.unwrap_or_default(),
        api: network.api,
    }
    .into_py_api(py)
}

/// Adds this module's classes to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Ledger>()?;
    m.add("AsyncLedger", m.py().get_type::<AsyncLedger>())?;
    m.add_class::<ChainInfo>()?;
    Ok(())
}
