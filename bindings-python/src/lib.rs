//! fabweave for Python: the native module `fabweave._fabweave`, thin over sdk-core.
//!
//! Only conversion lives here (Python values to builder calls, results to Python objects) and
//! error mapping ([`error`]). Every call runs on one shared tokio runtime with the GIL
//! released.
//!
//! The sync API (`fabweave`) and the asyncio API (`fabweave.aio`) are one implementation: each
//! object remembers its [`Api`], and a method that touches the network builds one future and
//! hands it to [`Api::run`], which either blocks on it (sync) or returns an awaitable (asyncio).
//! The asyncio classes are empty subclasses (see [`twin!`]) so that both APIs have their own
//! class names.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString, PyTuple};
use tokio::runtime::Runtime;

mod ca;
mod client;
mod error;
mod events;
mod identity;
mod ledger;
mod logs;
mod steps;
mod wallet;

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

/// A result on its way back to Python: converted once the GIL is held again.
pub(crate) trait ToPy: Send + 'static {
    /// The Python object for `self`.
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>>;
}

/// Payloads and other byte strings: `bytes` in Python.
pub(crate) struct Bytes(pub Vec<u8>);

impl ToPy for Bytes {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(PyBytes::new(py, &self.0).into_any().unbind())
    }
}

/// Plain values converted by pyo3 (str, int, lists of them, None).
macro_rules! plain_to_py {
    ($($t:ty),*) => {$(
        impl ToPy for $t {
            fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                Ok(self.into_pyobject(py)?.to_owned().into_any().unbind())
            }
        }
    )*};
}
plain_to_py!((), bool, u64, u32, String);

impl<T: ToPy> ToPy for Option<T>
where
    Option<T>: Send,
{
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self {
            Some(v) => v.to_py(py),
            None => Ok(py.None()),
        }
    }
}

impl<T: ToPy> ToPy for Vec<T> {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let items = self
            .into_iter()
            .map(|v| v.to_py(py))
            .collect::<PyResult<Vec<_>>>()?;
        Ok(pyo3::types::PyList::new(py, items)?.into_any().unbind())
    }
}

/// A [`ToPy`] value that pyo3-async-runtimes can hand to asyncio.
struct Converted<T>(T);

impl<'py, T: ToPy> IntoPyObject<'py> for Converted<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.0.to_py(py)?.into_bound(py))
    }
}

/// Which of the two APIs an object belongs to: `fabweave` (blocking calls) or `fabweave.aio`
/// (coroutines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    /// Calls block (with the GIL released) and return the result.
    Sync,
    /// Calls return awaitables for asyncio.
    Async,
}

impl Api {
    /// Runs `fut` as this API does: to completion (sync) or as an awaitable (asyncio). Errors
    /// become the Python exceptions of [`error`].
    pub(crate) fn run<T: ToPy>(
        self,
        py: Python<'_>,
        fut: impl Future<Output = fabweave::Result<T>> + Send + 'static,
    ) -> PyResult<Py<PyAny>> {
        let rt = runtime(py)?;
        match self {
            Api::Sync => {
                let out = py
                    .detach(|| rt.block_on(fut))
                    .map_err(|e| error::to_py(py, e))?;
                out.to_py(py)
            }
            Api::Async => pyo3_async_runtimes::tokio::future_into_py(py, async move {
                match fut.await {
                    Ok(v) => Ok(Converted(v)),
                    Err(e) => Err(Python::attach(|py| error::to_py(py, e))),
                }
            })
            .map(Bound::unbind),
        }
    }

    /// The prefix of `repr()`s: `fabweave` or `fabweave.aio`.
    pub(crate) fn module(self) -> &'static str {
        match self {
            Api::Sync => "fabweave",
            Api::Async => "fabweave.aio",
        }
    }
}

/// Declares `$async_class`, the `fabweave.aio` twin of pyclass `$class` (which must be
/// `#[pyclass(subclass, frozen)]` with a field `api: Api`): an empty subclass named
/// `$py_name` in module `fabweave.aio`. `$class::into_py_api` then makes the object of the
/// right class for its `api`.
macro_rules! twin {
    ($class:ident, $async_class:ident, $py_name:literal) => {
        #[doc = concat!("The `fabweave.aio` twin of [`", stringify!($class), "`]: the same methods, as coroutines.")]
        #[pyclass(extends = $class, frozen, name = $py_name, module = "fabweave.aio")]
        pub(crate) struct $async_class;

        impl $class {
            /// The Python object: of the asyncio class when `self.api` is `Api::Async`.
            pub(crate) fn into_py_api(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                match self.api {
                    $crate::Api::Sync => Ok(Py::new(py, self)?.into_any()),
                    $crate::Api::Async => Ok(Py::new(
                        py,
                        pyo3::PyClassInitializer::from(self).add_subclass($async_class),
                    )?
                    .into_any()),
                }
            }
        }

        impl $crate::ToPy for $class {
            fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                self.into_py_api(py)
            }
        }
    };
}
pub(crate) use twin;

/// Result pyclasses (no twin): made with `Py::new`.
macro_rules! pyclass_to_py {
    ($($t:ty),*) => {$(
        impl $crate::ToPy for $t {
            fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                Ok(Py::new(py, self)?.into_any())
            }
        }
    )*};
}
pub(crate) use pyclass_to_py;

/// A chaincode argument or transient value: `str` (as UTF-8) or bytes-like.
pub(crate) fn to_bytes(value: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
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

/// Positional chaincode arguments.
pub(crate) fn to_args(args: &Bound<'_, PyTuple>) -> PyResult<Vec<Vec<u8>>> {
    args.iter()
        .enumerate()
        .map(|(i, a)| to_bytes(&a, &format!("argument {}", i + 1)))
        .collect()
}

/// A `transient=` mapping of str to str/bytes.
pub(crate) fn to_transient(
    transient: Option<&Bound<'_, PyDict>>,
) -> PyResult<Vec<(String, Vec<u8>)>> {
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

/// A duration option given in seconds (int or float), e.g. `commit_timeout=30`.
pub(crate) fn seconds(value: f64, what: &str) -> PyResult<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        PyValueError::new_err(format!(
            "{what} must be a finite, non-negative number of seconds, not {value}"
        ))
    })
}

/// An optional duration option.
pub(crate) fn opt_seconds(value: Option<f64>, what: &str) -> PyResult<Option<Duration>> {
    value.map(|v| seconds(v, what)).transpose()
}

/// The native module; `fabweave/__init__.py` and `fabweave/aio.py` re-export it.
#[pymodule]
fn _fabweave(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    client::register(m)?;
    identity::register(m)?;
    ca::register(m)?;
    steps::register(m)?;
    events::register(m)?;
    ledger::register(m)?;
    wallet::register(m)?;
    logs::register(m)?;
    Ok(())
}
