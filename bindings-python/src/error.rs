//! The one place where `fabweave::Error` becomes a Python exception.
//!
//! The hierarchy is created when the module is imported (as plain Python classes, so
//! `TimeoutError` can also derive from the builtin `TimeoutError`); each exception carries the
//! Rust error's fields as attributes, and every exception has `kind`, `retryable` and
//! `transaction_id`.

use fabweave::{ConfigProblem, Error, PeerFailure};
use pyo3::exceptions::{PyException, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};

/// The exception classes, created once per interpreter.
struct Classes {
    base: Py<PyType>,
    profile: Py<PyType>,
    identity: Py<PyType>,
    crypto: Py<PyType>,
    transport: Py<PyType>,
    discovery: Py<PyType>,
    endorse: Py<PyType>,
    submit: Py<PyType>,
    commit: Py<PyType>,
    timeout: Py<PyType>,
    indeterminate: Py<PyType>,
    protocol: Py<PyType>,
    ca: Py<PyType>,
    checkpoint: Py<PyType>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

/// `type(name, bases, {"__module__": "fabweave", "__doc__": doc})`.
fn class<'py>(
    py: Python<'py>,
    name: &str,
    bases: &[&Bound<'py, PyAny>],
    doc: &str,
) -> PyResult<Py<PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", "fabweave")?;
    namespace.set_item("__doc__", doc)?;
    let bases = PyTuple::new(py, bases)?;
    let made = py
        .import("builtins")?
        .getattr("type")?
        .call1((name, bases, namespace))?;
    Ok(made.cast_into::<PyType>()?.unbind())
}

/// Creates the exception classes and adds them to module `m`.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let classes = CLASSES.get_or_try_init(py, || -> PyResult<Classes> {
        let exception = py.get_type::<PyException>().into_any();
        let base = class(
            py,
            "FabweaveError",
            &[&exception],
            "Base class of every fabweave error. Attributes: kind (str), retryable (bool: \
             whether a new try could succeed without looking at the ledger first), \
             transaction_id (str or None).",
        )?;
        let b = base.bind(py).clone().into_any();
        let sub = |name: &str, doc: &str| class(py, name, &[&b], doc);
        let builtin_timeout = py
            .get_type::<pyo3::exceptions::PyTimeoutError>()
            .into_any();
        Ok(Classes {
            profile: sub(
                "ProfileError",
                "A connection profile could not be read or is inconsistent (file, key, line, column).",
            )?,
            identity: sub(
                "IdentityError",
                "An identity (certificate, key, MSP folder) could not be loaded or used (file).",
            )?,
            crypto: sub("CryptoError", "A cryptographic operation failed.")?,
            transport: sub(
                "TransportError",
                "A connection to a peer or orderer could not be made or broke (endpoint).",
            )?,
            discovery: sub(
                "DiscoveryError",
                "Service discovery could not say which peers to use (channel, peers).",
            )?,
            endorse: sub(
                "EndorseError",
                "Endorsement or evaluation failed on the peers (transaction_id, message, peers: \
                 a list of dicts with peer, address, msp_id, status, message).",
            )?,
            submit: sub(
                "SubmitError",
                "No orderer accepted the transaction (transaction_id, orderer, status, message, \
                 orderers).",
            )?,
            commit: sub(
                "CommitError",
                "The transaction was ordered but is invalid (transaction_id, validation_code, \
                 validation_code_name, block_number).",
            )?,
            timeout: class(
                py,
                "TimeoutError",
                &[&b, &builtin_timeout],
                "A stage ran out of time (stage, after in seconds, transaction_id, waiting_for). \
                 Also a builtin TimeoutError.",
            )?,
            indeterminate: sub(
                "IndeterminateError",
                "A transaction left the client and its outcome is unknown; it was not sent again \
                 (transaction_id, stage, message). Look it up before trying again.",
            )?,
            protocol: sub(
                "ProtocolError",
                "A peer or orderer answered with something malformed (endpoint, message).",
            )?,
            ca: sub(
                "CaError",
                "A Fabric CA refused a request (url, status, code, message, hint).",
            )?,
            checkpoint: sub(
                "CheckpointError",
                "An event checkpoint could not be read or written (file, message).",
            )?,
            base,
        })
    })?;
    for (name, ty) in [
        ("FabweaveError", &classes.base),
        ("ProfileError", &classes.profile),
        ("IdentityError", &classes.identity),
        ("CryptoError", &classes.crypto),
        ("TransportError", &classes.transport),
        ("DiscoveryError", &classes.discovery),
        ("EndorseError", &classes.endorse),
        ("SubmitError", &classes.submit),
        ("CommitError", &classes.commit),
        ("TimeoutError", &classes.timeout),
        ("IndeterminateError", &classes.indeterminate),
        ("ProtocolError", &classes.protocol),
        ("CaError", &classes.ca),
        ("CheckpointError", &classes.checkpoint),
    ] {
        m.add(name, ty.bind(py))?;
    }
    Ok(())
}

/// A `FabweaveError` with a message, for failures of the binding itself (closed client,
/// use after `fork()`).
pub fn plain(py: Python<'_>, message: impl Into<String>) -> PyErr {
    let message = message.into();
    match CLASSES.get(py) {
        Some(c) => PyErr::from_type(c.base.bind(py).clone(), message),
        None => PyRuntimeError::new_err(message),
    }
}

/// The Python exception for `err`.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let message = err.to_string();
    match build(py, &err, &message) {
        Ok(e) => e,
        // Building the rich exception failed (out of memory, say): the message still gets out.
        Err(_) => plain(py, message),
    }
}

fn build(py: Python<'_>, err: &Error, message: &str) -> PyResult<PyErr> {
    let Some(classes) = CLASSES.get(py) else {
        return Ok(PyRuntimeError::new_err(message.to_owned()));
    };
    // A retried submit is reported as its last error, with every attempt.
    let (last, attempts) = match err {
        Error::Retried { attempts, last } => (last.as_ref(), Some(attempts)),
        other => (other, None),
    };
    let ty = class_of(classes, last);
    let value = ty.bind(py).call1((message,))?;
    let set = |name: &str, v: Bound<'_, PyAny>| value.setattr(name, v);
    set(
        "kind",
        format!("{:?}", err.kind())
            .to_lowercase()
            .into_pyobject(py)?
            .into_any(),
    )?;
    set(
        "retryable",
        err.is_retryable().into_pyobject(py)?.to_owned().into_any(),
    )?;
    set("transaction_id", err.tx_id().into_pyobject(py)?)?;
    match last {
        Error::Config {
            file,
            key,
            position,
            problem,
        } => {
            set(
                "file",
                file.as_ref()
                    .map(|f| f.display().to_string())
                    .into_pyobject(py)?,
            )?;
            set("key", key.clone().into_pyobject(py)?)?;
            set("line", position.map(|p| p.line).into_pyobject(py)?)?;
            set("column", position.map(|p| p.column).into_pyobject(py)?)?;
            set("problem", problem.to_string().into_pyobject(py)?.into_any())?;
            if let ConfigProblem::MissingFile { path, .. } = problem {
                set(
                    "missing_file",
                    path.display().to_string().into_pyobject(py)?.into_any(),
                )?;
            }
        }
        Error::Identity { file, problem } => {
            set(
                "file",
                file.as_ref()
                    .map(|f| f.display().to_string())
                    .into_pyobject(py)?,
            )?;
            set("problem", problem.to_string().into_pyobject(py)?.into_any())?;
        }
        Error::Crypto { message } => set("message", str_obj(py, message))?,
        Error::Transport { endpoint, message } | Error::Protocol { endpoint, message } => {
            set("endpoint", str_obj(py, endpoint))?;
            set("message", str_obj(py, message))?;
        }
        Error::Endorse { message, peers, .. } => {
            set("message", str_obj(py, message))?;
            set("peers", peer_list(py, peers)?)?;
        }
        Error::Submit {
            orderer,
            status,
            message,
            orderers,
            ..
        } => {
            set("orderer", str_obj(py, orderer))?;
            set("status", status.into_pyobject(py)?.into_any())?;
            set("message", str_obj(py, message))?;
            set("orderers", peer_list(py, orderers)?)?;
        }
        Error::Commit {
            code,
            code_name,
            block,
            ..
        } => {
            set("validation_code", code.into_pyobject(py)?.into_any())?;
            set("validation_code_name", str_obj(py, code_name))?;
            set("block_number", block.into_pyobject(py)?.into_any())?;
        }
        Error::Timeout {
            stage,
            after,
            waiting_for,
            ..
        } => {
            set("stage", str_obj(py, &stage.to_string()))?;
            set("after", after.as_secs_f64().into_pyobject(py)?.into_any())?;
            set("waiting_for", waiting_for.clone().into_pyobject(py)?)?;
        }
        Error::Indeterminate { stage, message, .. } => {
            set("stage", str_obj(py, &stage.to_string()))?;
            set("message", str_obj(py, message))?;
        }
        Error::NoGateway { peers } => set("peers", PyList::new(py, peers)?.into_any())?,
        Error::Discovery {
            channel,
            peers,
            message,
        } => {
            set("channel", str_obj(py, channel))?;
            set("peers", PyList::new(py, peers)?.into_any())?;
            set("message", str_obj(py, message))?;
        }
        Error::Ca {
            url,
            status,
            code,
            message,
            hint,
        } => {
            set("url", str_obj(py, url))?;
            set("status", status.into_pyobject(py)?.into_any())?;
            set("code", code.into_pyobject(py)?.into_any())?;
            set("message", str_obj(py, message))?;
            set("hint", hint.clone().into_pyobject(py)?)?;
        }
        Error::Checkpoint { file, message } => {
            set(
                "file",
                file.as_ref()
                    .map(|f| f.display().to_string())
                    .into_pyobject(py)?,
            )?;
            set("message", str_obj(py, message))?;
        }
        Error::EventsUnavailable {
            channel,
            after,
            peers,
        } => {
            set("channel", str_obj(py, channel))?;
            set("after", after.as_secs_f64().into_pyobject(py)?.into_any())?;
            set("peers", peer_list(py, peers)?)?;
        }
        _ => {}
    }
    if let Some(attempts) = attempts {
        set("attempts", crate::client::attempt_list(py, attempts)?)?;
    }
    Ok(PyErr::from_value(value))
}

fn str_obj<'py>(py: Python<'py>, s: &str) -> Bound<'py, PyAny> {
    pyo3::types::PyString::new(py, s).into_any()
}

/// Per-peer details as a list of dicts {peer, address, msp_id, status, message}.
fn peer_list<'py>(py: Python<'py>, peers: &[PeerFailure]) -> PyResult<Bound<'py, PyAny>> {
    let list = PyList::empty(py);
    for p in peers {
        let d = PyDict::new(py);
        d.set_item("peer", &p.peer)?;
        d.set_item("address", &p.address)?;
        d.set_item("msp_id", &p.msp_id)?;
        d.set_item("status", p.status)?;
        d.set_item("message", &p.message)?;
        list.append(d)?;
    }
    Ok(list.into_any())
}

fn class_of<'a>(c: &'a Classes, err: &Error) -> &'a Py<PyType> {
    match err {
        Error::Config { .. } | Error::NoGateway { .. } => &c.profile,
        Error::Identity { .. } => &c.identity,
        Error::Crypto { .. } => &c.crypto,
        Error::Transport { .. } | Error::EventsUnavailable { .. } => &c.transport,
        Error::Discovery { .. } => &c.discovery,
        Error::Endorse { .. } => &c.endorse,
        Error::Submit { .. } => &c.submit,
        Error::Commit { .. } => &c.commit,
        Error::Timeout { .. } => &c.timeout,
        Error::Indeterminate { .. } => &c.indeterminate,
        Error::Protocol { .. } => &c.protocol,
        Error::Ca { .. } => &c.ca,
        Error::Checkpoint { .. } => &c.checkpoint,
        Error::Retried { last, .. } => class_of(c, last),
        _ => &c.base,
    }
}
