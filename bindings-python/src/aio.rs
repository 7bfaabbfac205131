//! The asyncio twins of `connect`, `Client`, `Network` and `Contract` (`fabweave.aio`): the
//! same calls as coroutines, run on the shared runtime (pyo3-async-runtimes), results and
//! errors converted as in the sync API.

use std::future::Future;
use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::{error, open, parse_mode, passphrase_bytes, runtime, Shared};

/// Turns a core future into a Python awaitable; errors are mapped with the GIL re-taken.
fn awaitable<'py, T>(
    py: Python<'py>,
    fut: impl Future<Output = fabweave::Result<T>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    runtime(py)?;
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
        fut.await
            .map_err(|e| Python::attach(|py| error::to_py(py, e)))
    })
}

/// Connects to a Fabric network as `user`; a coroutine resolving to an `aio.Client`.
#[pyfunction]
#[pyo3(name = "aio_connect", signature = (profile, *, user, passphrase=None, mode="auto"))]
fn connect<'py>(
    py: Python<'py>,
    profile: PathBuf,
    user: String,
    passphrase: Option<&Bound<'py, PyAny>>,
    mode: &str,
) -> PyResult<Bound<'py, PyAny>> {
    let mode = parse_mode(mode)?;
    let passphrase = passphrase_bytes(passphrase)?;
    awaitable(py, async move {
        let client = open(profile, user, passphrase, mode).await?;
        Ok(AsyncClient {
            shared: Shared::new(client),
        })
    })
}

/// A connection to a Fabric network as one identity, for asyncio.
#[pyclass(frozen, name = "AsyncClient", module = "fabweave.aio")]
pub(crate) struct AsyncClient {
    shared: Shared,
}

#[pymethods]
impl AsyncClient {
    /// A channel.
    fn network(&self, py: Python<'_>, name: String) -> PyResult<AsyncNetwork> {
        self.shared.get(py)?;
        Ok(AsyncNetwork {
            shared: self.shared.clone(),
            name,
        })
    }

    /// Closes the client's connections and event streams (at once; not a coroutine).
    fn close(&self, py: Python<'_>) {
        let client = self.shared.close();
        py.detach(move || drop(client));
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.shared.is_closed()
    }

    fn __aenter__<'py>(slf: Py<Self>, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        runtime(py)?;
        pyo3_async_runtimes::tokio::future_into_py(py, async move { Ok(slf) })
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__<'py>(
        &self,
        py: Python<'py>,
        _exc: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.close(py);
        pyo3_async_runtimes::tokio::future_into_py(py, async move { Ok(false) })
    }

    fn __repr__(&self) -> String {
        let state = if self.shared.is_closed() {
            "closed"
        } else {
            "open"
        };
        format!("<fabweave.aio.Client {state}>")
    }
}

/// A channel of the network, for asyncio.
#[pyclass(frozen, name = "AsyncNetwork", module = "fabweave.aio")]
pub(crate) struct AsyncNetwork {
    shared: Shared,
    name: String,
}

#[pymethods]
impl AsyncNetwork {
    /// The channel's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// A chaincode on this channel.
    fn contract(&self, py: Python<'_>, name: String) -> PyResult<AsyncContract> {
        self.shared.get(py)?;
        Ok(AsyncContract {
            inner: crate::Contract {
                shared: self.shared.clone(),
                channel: self.name.clone(),
                name,
            },
        })
    }

    fn __repr__(&self) -> String {
        format!("<fabweave.aio.Network {}>", self.name)
    }
}

/// A chaincode on a channel, for asyncio.
#[pyclass(frozen, name = "AsyncContract", module = "fabweave.aio")]
pub(crate) struct AsyncContract {
    inner: crate::Contract,
}

/// A payload, as `bytes` once back in Python.
struct Payload(Vec<u8>);

impl<'py> IntoPyObject<'py> for Payload {
    type Target = PyBytes;
    type Output = Bound<'py, PyBytes>;
    type Error = std::convert::Infallible;

    fn into_pyobject(self, py: Python<'py>) -> Result<Self::Output, Self::Error> {
        Ok(PyBytes::new(py, &self.0))
    }
}

#[pymethods]
impl AsyncContract {
    /// The chaincode's name.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.name
    }

    /// Endorses, orders and waits for the commit of `function(*args)`; a coroutine resolving
    /// to `Committed`.
    #[pyo3(signature = (function, *args, transient=None, endorsing_orgs=None))]
    fn submit<'py>(
        &self,
        py: Python<'py>,
        function: String,
        args: &Bound<'py, PyTuple>,
        transient: Option<&Bound<'py, PyDict>>,
        endorsing_orgs: Option<Vec<String>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let call = self
            .inner
            .submit_call(py, function, args, transient, endorsing_orgs)?;
        awaitable(py, async move { call.run().await })
    }

    /// Evaluates `function(*args)` on one peer; a coroutine resolving to the payload (bytes).
    #[pyo3(signature = (function, *args, transient=None))]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        function: String,
        args: &Bound<'py, PyTuple>,
        transient: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let call = self.inner.evaluate_call(py, function, args, transient)?;
        awaitable(py, async move { call.run().await.map(Payload) })
    }

    fn __repr__(&self) -> String {
        format!(
            "<fabweave.aio.Contract {}/{}>",
            self.inner.channel, self.inner.name
        )
    }
}

/// Adds the asyncio classes and `aio_connect` to the native module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(connect, m)?)?;
    m.add_class::<AsyncClient>()?;
    m.add_class::<AsyncNetwork>()?;
    m.add_class::<AsyncContract>()?;
    Ok(())
}
