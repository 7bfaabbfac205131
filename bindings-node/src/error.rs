//! The one place where `fabweave::Error` becomes something JavaScript can throw.
//!
//! A napi-rs rejection carries a status and a string, so the error travels as a JSON object in
//! that string: `{"code", "message", "fields", "attempts"?}`. `errors.js` (the one JavaScript
//! file that knows the classes) parses it and throws the `Error` subclass for `code`, with
//! `fields` as properties and, for a retried submit, its `attempts` and a `cause` chain through
//! them. This file decides the codes and the fields; `errors.js` decides the classes.
//!
//! Every error gets `kind` (the core's [`fabweave::ErrorKind`], lower case), `retryable` and
//! `transactionId` (or null). The core's `message` fields are called `reason` here, as
//! `message` is the JavaScript error's whole text.

use fabweave::flow::{Attempt, AttemptOutcome};
use fabweave::{ConfigProblem, Error, PeerFailure};
use serde_json::{json, Map, Value};

/// The marker `errors.js` looks for at the start of a rejection's message.
const PREFIX: &str = "{\"code\":\"";

/// The code of a value that does not fit its option (e.g. an unknown commit strategy);
/// `errors.js` throws a `TypeError` with it, as Node does for `ERR_INVALID_ARG_VALUE`.
pub(crate) const INVALID: &str = "ERR_INVALID_ARG_VALUE";

/// A napi error that `errors.js` turns into the class for `code`. Written out by hand so that
/// `code` comes first whatever order serde_json keeps keys in: `errors.js` recognizes the
/// addon's errors by that start.
fn encode(
    code: &str,
    message: &str,
    fields: Map<String, Value>,
    attempts: Option<Value>,
) -> napi::Error {
    let mut text = format!(
        "{{\"code\":{},\"message\":{},\"fields\":{}",
        Value::from(code),
        Value::from(message),
        Value::Object(fields)
    );
    if let Some(a) = attempts {
        text.push_str(&format!(",\"attempts\":{a}"));
    }
    text.push('}');
    debug_assert!(text.starts_with(PREFIX));
    napi::Error::from_reason(text)
}

/// An option value that cannot be used (thrown as a `TypeError`).
pub(crate) fn invalid(message: impl Into<String>) -> napi::Error {
    encode(INVALID, &message.into(), Map::new(), None)
}

/// A call on a client after `close()` (`FABWEAVE_CLOSED`).
pub(crate) fn closed() -> napi::Error {
    encode(
        "FABWEAVE_CLOSED",
        "the client is closed: connect again to make new calls",
        Map::new(),
        None,
    )
}

/// The JavaScript error for `err`.
pub(crate) fn to_js(err: Error) -> napi::Error {
    let (code, message, fields, attempts) = describe(&err);
    encode(code, &message, fields, attempts)
}

/// The code, message, fields and (for a retried submit) attempts of `err`, as JSON.
fn describe(err: &Error) -> (&'static str, String, Map<String, Value>, Option<Value>) {
    // A retried submit is reported as its last error, with every attempt.
    let (last, attempts) = match err {
        Error::Retried { attempts, last } => (last.as_ref(), Some(attempt_list(attempts))),
        other => (other, None),
    };
    let mut f = Map::new();
    f.insert(
        "kind".into(),
        Value::from(format!("{:?}", err.kind()).to_lowercase()),
    );
    f.insert("retryable".into(), Value::from(err.is_retryable()));
    f.insert("transactionId".into(), json!(err.tx_id()));
    let mut set = |k: &str, v: Value| {
        f.insert(k.into(), v);
    };
    let code = match last {
        Error::Config {
            file,
            key,
            position,
            problem,
        } => {
            set(
                "file",
                json!(file.as_ref().map(|p| p.display().to_string())),
            );
            set("key", json!(key));
            set("line", json!(position.map(|p| p.line)));
            set("column", json!(position.map(|p| p.column)));
            set("problem", json!(problem.to_string()));
            if let ConfigProblem::MissingFile { path, .. } = problem {
                set("missingFile", json!(path.display().to_string()));
            }
            "FABWEAVE_PROFILE"
        }
        Error::NoGateway { peers } => {
            set("peers", json!(peers));
            "FABWEAVE_NO_GATEWAY"
        }
        Error::Identity { file, problem } => {
            set(
                "file",
                json!(file.as_ref().map(|p| p.display().to_string())),
            );
            set("problem", json!(problem.to_string()));
            "FABWEAVE_IDENTITY"
        }
        Error::Crypto { message } => {
            set("reason", json!(message));
            "FABWEAVE_CRYPTO"
        }
        Error::Transport { endpoint, message } => {
            set("endpoint", json!(endpoint));
            set("reason", json!(message));
            "FABWEAVE_TRANSPORT"
        }
        Error::Protocol { endpoint, message } => {
            set("endpoint", json!(endpoint));
            set("reason", json!(message));
            "FABWEAVE_PROTOCOL"
        }
        Error::Endorse { message, peers, .. } => {
            set("reason", json!(message));
            set("details", details(peers));
            "FABWEAVE_ENDORSE"
        }
        Error::Submit {
            orderer,
            status,
            message,
            orderers,
            ..
        } => {
            set("orderer", json!(orderer));
            set("status", json!(status));
            set("reason", json!(message));
            set("details", details(orderers));
            "FABWEAVE_SUBMIT"
        }
        Error::Commit {
            code,
            code_name,
            block,
            ..
        } => {
            set("validationCode", json!(code));
            set("validationCodeName", json!(code_name));
            set("blockNumber", json!(block));
            "FABWEAVE_COMMIT"
        }
        Error::Timeout {
            stage,
            after,
            waiting_for,
            ..
        } => {
            set("stage", json!(stage.to_string()));
            set("after", json!(after.as_secs_f64()));
            set("waitingFor", json!(waiting_for));
            "FABWEAVE_TIMEOUT"
        }
        Error::Indeterminate { stage, message, .. } => {
            set("stage", json!(stage.to_string()));
            set("reason", json!(message));
            "FABWEAVE_INDETERMINATE"
        }
        Error::Discovery {
            channel,
            peers,
            message,
        } => {
            set("channel", json!(channel));
            set("peers", json!(peers));
            set("reason", json!(message));
            "FABWEAVE_DISCOVERY"
        }
        Error::Ca {
            url,
            status,
            code,
            message,
            hint,
        } => {
            set("url", json!(url));
            set("status", json!(status));
            // `code` is the JavaScript error's own code.
            set("caCode", json!(code));
            set("reason", json!(message));
            set("hint", json!(hint));
            "FABWEAVE_CA"
        }
        Error::Checkpoint { file, message } => {
            set(
                "file",
                json!(file.as_ref().map(|p| p.display().to_string())),
            );
            set("reason", json!(message));
            "FABWEAVE_CHECKPOINT"
        }
        Error::EventsUnavailable {
            channel,
            after,
            peers,
        } => {
            set("channel", json!(channel));
            set("after", json!(after.as_secs_f64()));
            set("details", details(peers));
            "FABWEAVE_EVENTS_UNAVAILABLE"
        }
        _ => "FABWEAVE_ERROR",
    };
    (code, err.to_string(), f, attempts)
}

/// Per-peer (or per-orderer) details: `[{peer, address, mspId, status, message}]`.
fn details(peers: &[PeerFailure]) -> Value {
    peers
        .iter()
        .map(|p| {
            json!({
                "peer": p.peer,
                "address": p.address,
                "mspId": p.msp_id,
                "status": p.status,
                "message": p.message,
            })
        })
        .collect()
}

/// The attempt's error as the JSON `errors.js` turns into an error object, or null.
fn attempt_error(a: &Attempt) -> Value {
    match &a.outcome {
        AttemptOutcome::Committed { .. } => Value::Null,
        AttemptOutcome::Failed(e) => {
            let (code, message, fields, attempts) = describe(e);
            json!({ "code": code, "message": message, "fields": fields, "attempts": attempts })
        }
        _ => json!({ "code": "FABWEAVE_ERROR", "message": "unknown outcome", "fields": {} }),
    }
}

/// The block an attempt committed in, or null.
fn attempt_block(a: &Attempt) -> Value {
    match &a.outcome {
        AttemptOutcome::Committed { block } => json!(block),
        _ => Value::Null,
    }
}

/// A submit's attempts: `[{txId, blockNumber, error}]`, `error` as the JSON of [`encode`].
pub(crate) fn attempt_list(attempts: &[Attempt]) -> Value {
    attempts
        .iter()
        .map(|a| {
            json!({
                "txId": a.tx_id,
                "blockNumber": attempt_block(a),
                "error": attempt_error(a),
            })
        })
        .collect()
}
