//! The step-by-step submit, for signing elsewhere (offline, an HSM, another process):
//! `Contract.new_proposal` gives a `Proposal`; each step hands out the exact bytes to sign and
//! takes the signature for them. sdk-core's steps consume themselves, so each Python step
//! object holds its value in a `Mutex<Option<..>>` and can be used once.

use std::sync::Mutex;

use fabweave::flow;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyMemoryView};

use crate::client::{endorser_list, via_name, Committed, Shared};
use crate::{error, twin, Api, Bytes};

/// A signature given by Python: `bytes`, `bytearray` or `memoryview` (never `str`).
fn signature_bytes(value: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = value.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if value.cast::<PyMemoryView>().is_ok() {
        let copied = value.call_method0("tobytes")?;
        return Ok(copied.cast::<PyBytes>()?.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "signature must be bytes, bytearray or memoryview (the DER-encoded signature), not {}",
        value.get_type().name()?
    )))
}

/// Takes the step's sdk-core value out of `slot`, or says that the step was already used.
fn take<T>(py: Python<'_>, slot: &Mutex<Option<T>>, what: &str, steps: &str) -> PyResult<T> {
    slot.lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .ok_or_else(|| {
            error::plain(
                py,
                format!(
                    "this {what} was already used ({steps} runs once, whether it succeeded or \
                     not); start again with Contract.new_proposal"
                ),
            )
        })
}

/// Whether the step's value was consumed.
fn used<T>(slot: &Mutex<Option<T>>) -> bool {
    slot.lock().unwrap_or_else(|e| e.into_inner()).is_none()
}

/// The proposal of a submit that the caller signs: built by `Contract.new_proposal`.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct Proposal {
    shared: Shared,
    tx_id: String,
    bytes: Vec<u8>,
    inner: Mutex<Option<flow::Proposal>>,
    api: Api,
}
twin!(Proposal, AsyncProposal, "Proposal");

impl Proposal {
    /// The Python proposal for `call`, built (no network) by sdk-core.
    pub(crate) fn build(
        py: Python<'_>,
        shared: Shared,
        call: flow::Submit,
        api: Api,
    ) -> PyResult<Py<PyAny>> {
        let proposal = call.build().map_err(|e| error::to_py(py, e))?;
        Proposal {
            shared,
            tx_id: proposal.tx_id().to_owned(),
            bytes: proposal.bytes().to_vec(),
            inner: Mutex::new(Some(proposal)),
            api,
        }
        .into_py_api(py)
    }
}

#[pymethods]
impl Proposal {
    /// The transaction id.
    #[getter]
    fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The bytes to sign (the serialized proposal): an ECDSA P-256 signature over their
    /// SHA-256, DER-encoded with a low S, made with the key of the client's identity.
    #[getter]
    fn bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.bytes)
    }

    /// Evaluates the signed proposal on one peer (as `Contract.evaluate` does) and returns the
    /// chaincode's payload. Uses up the proposal.
    fn evaluate(&self, py: Python<'_>, signature: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let signature = signature_bytes(signature)?;
        self.shared.get(py)?;
        let proposal = take(py, &self.inner, "Proposal", "evaluate or endorse")?;
        self.api.run(
            py,
            async move { proposal.evaluate(signature).await.map(Bytes) },
        )
    }

    /// Sends the signed proposal for endorsement (to a peer Gateway or to the endorsers, as
    /// the client's mode says) and returns the `Transaction` to sign. Uses up the proposal.
    fn endorse(&self, py: Python<'_>, signature: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let signature = signature_bytes(signature)?;
        self.shared.get(py)?;
        let proposal = take(py, &self.inner, "Proposal", "evaluate or endorse")?;
        let (shared, api) = (self.shared.clone(), self.api);
        self.api.run(py, async move {
            let tx = proposal.endorse(signature).await?;
            Ok(Transaction {
                shared,
                tx_id: tx.tx_id().to_owned(),
                bytes: tx.bytes().to_vec(),
                result: tx.result().to_vec(),
                via: via_name(tx.via()),
                inner: Mutex::new(Some(tx)),
                api,
            })
        })
    }

    fn __repr__(&self) -> String {
        let used = if used(&self.inner) { " used" } else { "" };
        format!(
            "<{}.Proposal tx_id={}{used}>",
            self.api.module(),
            self.tx_id
        )
    }
}

/// An endorsed transaction that the caller signs before it is submitted.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct Transaction {
    shared: Shared,
    tx_id: String,
    bytes: Vec<u8>,
    result: Vec<u8>,
    via: &'static str,
    inner: Mutex<Option<flow::Transaction>>,
    api: Api,
}
twin!(Transaction, AsyncTransaction, "Transaction");

#[pymethods]
impl Transaction {
    /// The transaction id.
    #[getter]
    fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The bytes to sign (the transaction's serialized payload), signed as the proposal was.
    #[getter]
    fn bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.bytes)
    }

    /// The chaincode's response payload, as endorsed.
    #[getter]
    fn result<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.result)
    }

    /// `"gateway"` or `"client"`: which flow endorsed the transaction and will submit it.
    #[getter]
    fn via(&self) -> &'static str {
        self.via
    }

    /// Sends the signed transaction to the orderer (through the Gateway that endorsed it, in
    /// the Gateway flow), listening for its commit from before; returns `Submitted`. Uses up
    /// the transaction.
    fn submit(&self, py: Python<'_>, signature: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let signature = signature_bytes(signature)?;
        self.shared.get(py)?;
        let tx = take(py, &self.inner, "Transaction", "submit")?;
        let (shared, api) = (self.shared.clone(), self.api);
        self.api.run(py, async move {
            let submitted = tx.submit(signature).await?;
            Ok(Submitted {
                shared,
                tx_id: submitted.tx_id().to_owned(),
                result: submitted.result().to_vec(),
                endorsers: submitted.endorsers().to_vec(),
                via: via_name(submitted.via()),
                inner: Mutex::new(Some(submitted)),
                api,
            })
        })
    }

    fn __repr__(&self) -> String {
        let used = if used(&self.inner) { " used" } else { "" };
        format!(
            "<{}.Transaction tx_id={} via={}{used}>",
            self.api.module(),
            self.tx_id,
            self.via
        )
    }
}

/// A transaction the orderer accepted; `status()` waits for its commit.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct Submitted {
    shared: Shared,
    tx_id: String,
    result: Vec<u8>,
    endorsers: Vec<flow::Endorser>,
    via: &'static str,
    inner: Mutex<Option<flow::Submitted>>,
    api: Api,
}
twin!(Submitted, AsyncSubmitted, "Submitted");

#[pymethods]
impl Submitted {
    /// The transaction id.
    #[getter]
    fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The chaincode's response payload, as endorsed.
    #[getter]
    fn result<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.result)
    }

    /// The peers whose endorsements the transaction carries: dicts with peer, address,
    /// msp_id.
    #[getter]
    fn endorsers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        endorser_list(py, &self.endorsers)
    }

    /// `"gateway"` or `"client"`: which flow submitted the transaction and reports its commit.
    #[getter]
    fn via(&self) -> &'static str {
        self.via
    }

    /// Waits for the commit as the commit strategy says and returns `Committed`; an invalid
    /// transaction raises `CommitError`, an unknown outcome `IndeterminateError`. Can be
    /// called once.
    fn status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.shared.get(py)?;
        let submitted = take(py, &self.inner, "Submitted", "status")?;
        self.api.run(
            py,
            async move { submitted.status().await.map(Committed::from) },
        )
    }

    fn __repr__(&self) -> String {
        let used = if used(&self.inner) { " used" } else { "" };
        format!(
            "<{}.Submitted tx_id={} via={}{used}>",
            self.api.module(),
            self.tx_id,
            self.via
        )
    }
}

/// Adds the step classes (and their asyncio twins) to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Proposal>()?;
    m.add("AsyncProposal", m.py().get_type::<AsyncProposal>())?;
    m.add_class::<Transaction>()?;
    m.add("AsyncTransaction", m.py().get_type::<AsyncTransaction>())?;
    m.add_class::<Submitted>()?;
    m.add("AsyncSubmitted", m.py().get_type::<AsyncSubmitted>())?;
    Ok(())
}
