//! fabweave for Python: the native module `fabweave._fabweave`, thin over sdk-core.
//!
//! Only conversion lives here (Python values to builder calls, results to Python objects) and
//! error mapping ([`error`]). Every call runs on one shared tokio runtime with the GIL
//! released; the asyncio twins ([`aio`]) run the same futures on the same runtime.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use fabweave::config::Profile;
use fabweave::flow::{self, Mode};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString, PyTuple};
use tokio::runtime::Runtime;

mod aio;
mod error;

/// The runtime every call runs on, and the process that made it: a runtime does not survive
/// `fork()` (its threads stay in the parent), so a child gets a clear error instead of a hang.
static RUNTIME: OnceLock<(Runtime, u32)> = OnceLock::new();

fn runtime(py: Python<'_>) -> PyResult<&'static Runtime> {
    let (rt, pid) = match RUNTIME.get() {
        Some(made) => made,
        None => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .thread_name("fabweave")
                .build()
                .map_err(|e| error::plain(py, format!("cannot start fabweave's runtime: {e}")))?;
            // Another thread may have won the race; its runtime is used and this one dropped.
            let made = RUNTIME.get_or_init(|| (rt, std::process::id()));
            let _ = pyo3_async_runtimes::tokio::init_with_runtime(&made.0);
            made
        }
    };
    if *pid != std::process::id() {
        return Err(error::plain(
            py,
            "fabweave was used in this process's parent before fork(); its connections and \
             threads do not survive a fork: use fabweave only after forking (or in a process \
             started with multiprocessing's 'spawn' method)",
        ));
    }
    Ok(rt)
}

/// Runs `fut` to completion on the shared runtime with the GIL released.
fn block_on<T: Send>(
    py: Python<'_>,
    fut: impl Future<Output = fabweave::Result<T>> + Send,
) -> PyResult<T> {
    let rt = runtime(py)?;
    py.detach(|| rt.block_on(fut))
        .map_err(|e| error::to_py(py, e))
}

/// A chaincode argument or transient value: `str` (as UTF-8) or bytes-like.
fn to_bytes(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(s) = value.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = value.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be str or bytes, not {}",
        value.get_type().name()?
    )))
}

fn to_args(args: &Bound<'_, PyTuple>) -> PyResult<Vec<Vec<u8>>> {
    args.iter()
        .enumerate()
        .map(|(i, a)| to_bytes(&a, &format!("argument {}", i + 1)))
        .collect()
}

fn to_transient(transient: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<(String, Vec<u8>)>> {
    let Some(map) = transient else {
        return Ok(Vec::new());
    };
    map.iter()
        .map(|(k, v)| {
            let key: String = k
                .extract()
                .map_err(|_| PyTypeError::new_err("transient keys must be str"))?;
            let value = to_bytes(&v, &format!("transient value {key:?}"))?;
            Ok((key, value))
        })
        .collect()
}

fn parse_mode(mode: &str) -> PyResult<Mode> {
    match mode {
        "auto" => Ok(Mode::Auto),
        "gateway" => Ok(Mode::Gateway),
        "client" => Ok(Mode::Client),
        other => Err(PyValueError::new_err(format!(
            "mode must be 'auto', 'gateway' or 'client', not {other:?}"
        ))),
    }
}

/// Loads the profile and connects (shared by the sync and asyncio `connect`).
async fn open(
    profile: PathBuf,
    user: String,
    passphrase: Option<Vec<u8>>,
    mode: Mode,
) -> fabweave::Result<flow::Client> {
    let profile = Profile::load(&profile)?;
    let mut builder = flow::Client::builder(profile).user(user).mode(mode);
    if let Some(p) = passphrase {
        builder = builder.passphrase(p);
    }
    builder.connect().await
}

fn passphrase_bytes(passphrase: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u8>>> {
    passphrase
        .filter(|p| !p.is_none())
        .map(|p| to_bytes(p, "passphrase"))
        .transpose()
}

/// The client behind a Python `Client` and every network and contract taken from it; `None`
/// once closed.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Option<flow::Client>>>);

impl Shared {
    fn new(client: flow::Client) -> Self {
        Shared(Arc::new(Mutex::new(Some(client))))
    }

    fn get(&self, py: Python<'_>) -> PyResult<flow::Client> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .clone()
            .ok_or_else(|| error::plain(py, "the client is closed"))
    }

    fn close(&self) -> Option<flow::Client> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn is_closed(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_none()
    }

    fn contract(&self, py: Python<'_>, channel: &str, chaincode: &str) -> PyResult<flow::Contract> {
        Ok(self.get(py)?.network(channel).contract(chaincode))
    }
}

/// Connects to a Fabric network as `user` of the profile's organization.
#[pyfunction]
#[pyo3(signature = (profile, *, user, passphrase=None, mode="auto"))]
fn connect(
    py: Python<'_>,
    profile: PathBuf,
    user: String,
    passphrase: Option<&Bound<'_, PyAny>>,
    mode: &str,
) -> PyResult<Client> {
    let mode = parse_mode(mode)?;
    let passphrase = passphrase_bytes(passphrase)?;
    let client = block_on(py, open(profile, user, passphrase, mode))?;
    Ok(Client {
        shared: Shared::new(client),
    })
}

/// A connection to a Fabric network as one identity.
#[pyclass(frozen, module = "fabweave")]
struct Client {
    shared: Shared,
}

#[pymethods]
impl Client {
    /// A channel.
    fn network(&self, py: Python<'_>, name: String) -> PyResult<Network> {
        self.shared.get(py)?;
        Ok(Network {
            shared: self.shared.clone(),
            name,
        })
    }

    /// Closes the client's connections and event streams; calls after it raise
    /// `FabweaveError`. Closing twice is harmless.
    fn close(&self, py: Python<'_>) {
        let client = self.shared.close();
        // Dropping may join stream tasks: without the GIL.
        py.detach(move || drop(client));
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.shared.is_closed()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __repr__(&self) -> String {
        let state = if self.shared.is_closed() {
            "closed"
        } else {
            "open"
        };
        format!("<fabweave.Client {state}>")
    }
}

/// A channel of the network.
#[pyclass(frozen, module = "fabweave")]
struct Network {
    shared: Shared,
    name: String,
}

#[pymethods]
impl Network {
    /// The channel's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// A chaincode on this channel.
    fn contract(&self, py: Python<'_>, name: String) -> PyResult<Contract> {
        self.shared.get(py)?;
        Ok(Contract {
            shared: self.shared.clone(),
            channel: self.name.clone(),
            name,
        })
    }

    fn __repr__(&self) -> String {
        format!("<fabweave.Network {}>", self.name)
    }
}

/// A chaincode on a channel.
#[pyclass(frozen, module = "fabweave")]
struct Contract {
    shared: Shared,
    channel: String,
    name: String,
}

/// A submit's inputs, converted while the GIL is held.
struct SubmitCall {
    contract: flow::Contract,
    function: String,
    args: Vec<Vec<u8>>,
    transient: Vec<(String, Vec<u8>)>,
    endorsing_orgs: Option<Vec<String>>,
}

impl SubmitCall {
    async fn run(self) -> fabweave::Result<Committed> {
        let mut call = self.contract.submit(self.function).args(self.args);
        for (k, v) in self.transient {
            call = call.transient(k, v);
        }
        if let Some(orgs) = self.endorsing_orgs {
            call = call.endorsing_orgs(orgs);
        }
        call.await.map(Committed::from)
    }
}

/// An evaluate's inputs, converted while the GIL is held.
struct EvaluateCall {
    contract: flow::Contract,
    function: String,
    args: Vec<Vec<u8>>,
    transient: Vec<(String, Vec<u8>)>,
}

impl EvaluateCall {
    async fn run(self) -> fabweave::Result<Vec<u8>> {
        let mut call = self.contract.evaluate(self.function).args(self.args);
        for (k, v) in self.transient {
            call = call.transient(k, v);
        }
        call.await
    }
}

impl Contract {
    fn submit_call(
        &self,
        py: Python<'_>,
        function: String,
        args: &Bound<'_, PyTuple>,
        transient: Option<&Bound<'_, PyDict>>,
        endorsing_orgs: Option<Vec<String>>,
    ) -> PyResult<SubmitCall> {
        Ok(SubmitCall {
            contract: self.shared.contract(py, &self.channel, &self.name)?,
            function,
            args: to_args(args)?,
            transient: to_transient(transient)?,
            endorsing_orgs,
        })
    }

    fn evaluate_call(
        &self,
        py: Python<'_>,
        function: String,
        args: &Bound<'_, PyTuple>,
        transient: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<EvaluateCall> {
        Ok(EvaluateCall {
            contract: self.shared.contract(py, &self.channel, &self.name)?,
            function,
            args: to_args(args)?,
            transient: to_transient(transient)?,
        })
    }
}

#[pymethods]
impl Contract {
    /// The chaincode's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Endorses, orders and waits for the commit of `function(*args)`.
    #[pyo3(signature = (function, *args, transient=None, endorsing_orgs=None))]
    fn submit(
        &self,
        py: Python<'_>,
        function: String,
        args: &Bound<'_, PyTuple>,
        transient: Option<&Bound<'_, PyDict>>,
        endorsing_orgs: Option<Vec<String>>,
    ) -> PyResult<Committed> {
        let call = self.submit_call(py, function, args, transient, endorsing_orgs)?;
        block_on(py, call.run())
    }

    /// Evaluates (queries) `function(*args)` on one peer; returns the chaincode's payload.
    #[pyo3(signature = (function, *args, transient=None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        function: String,
        args: &Bound<'py, PyTuple>,
        transient: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let call = self.evaluate_call(py, function, args, transient)?;
        let payload = block_on(py, call.run())?;
        Ok(PyBytes::new(py, &payload))
    }

    fn __repr__(&self) -> String {
        format!("<fabweave.Contract {}/{}>", self.channel, self.name)
    }
}

/// A committed transaction.
#[pyclass(frozen, module = "fabweave")]
struct Committed {
    /// The transaction id.
    #[pyo3(get)]
    tx_id: String,
    /// The block it was committed in (0 when the commit was not waited for).
    #[pyo3(get)]
    block_number: u64,
    payload: Vec<u8>,
    /// How many transactions this submit sent (1 unless it was retried).
    #[pyo3(get)]
    attempts: usize,
}

impl From<flow::Committed> for Committed {
    fn from(done: flow::Committed) -> Self {
        Committed {
            tx_id: done.tx_id().to_owned(),
            block_number: done.block_number(),
            payload: done.payload().to_vec(),
            attempts: done.attempts().len().max(1),
        }
    }
}

#[pymethods]
impl Committed {
    /// The chaincode's response payload.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.payload)
    }

    fn __repr__(&self) -> String {
        format!(
            "Committed(tx_id={:?}, block_number={}, attempts={}, payload=<{} bytes>)",
            self.tx_id,
            self.block_number,
            self.attempts,
            self.payload.len()
        )
    }
}

/// The native module; `fabweave/__init__.py` re-exports it.
#[pymodule]
fn _fabweave(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    m.add_function(wrap_pyfunction!(connect, m)?)?;
    m.add_class::<Client>()?;
    m.add_class::<Network>()?;
    m.add_class::<Contract>()?;
    m.add_class::<Committed>()?;
    aio::register(m)?;
    Ok(())
}
