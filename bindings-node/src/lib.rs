//! fabweave for Node.js: the native addon `fabweave.node`, thin over sdk-core.
//!
//! Only conversion lives here (option objects to builder calls, results to plain objects) and
//! error mapping ([`error`]). The addon is not the public API: `index.js` wraps it in the
//! `Client`, `Network` and `Contract` classes users see, type-checks arguments, and turns the
//! addon's errors into the `Error` subclasses of `errors.js`.
//!
//! Every network call is an `async fn`: napi-rs runs it on its tokio runtime and settles the
//! returned promise on Node's main thread.

// napi-derive registers the exported items with Node only outside `cfg(test)`, so in the test
// build that `clippy --all-targets` checks, everything looks unused.
#![cfg_attr(test, allow(dead_code))]

use std::collections::HashMap;
use std::time::Duration;

use napi::bindgen_prelude::{Either, Uint8Array};

mod ca;
mod client;
mod error;
mod events;
mod identity;
mod ledger;
mod logs;
mod steps;
mod wallet;

/// A chaincode argument or transient value as JavaScript gives it: a string (sent as UTF-8) or
/// a `Uint8Array` (a `Buffer` is one).
pub(crate) type Arg = Either<String, Uint8Array>;

/// The bytes of an [`Arg`].
pub(crate) fn to_bytes(arg: Arg) -> Vec<u8> {
    match arg {
        Either::A(s) => s.into_bytes(),
        Either::B(b) => b.to_vec(),
    }
}

/// Positional chaincode arguments.
pub(crate) fn to_args(args: Option<Vec<Arg>>) -> Vec<Vec<u8>> {
    args.unwrap_or_default().into_iter().map(to_bytes).collect()
}

/// A `transient` map of names to values.
pub(crate) fn to_transient(transient: Option<HashMap<String, Arg>>) -> Vec<(String, Vec<u8>)> {
    transient
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, to_bytes(v)))
        .collect()
}

/// A duration option given in seconds, e.g. `commitTimeout: 30`.
pub(crate) fn seconds(value: f64, what: &str) -> napi::Result<Duration> {
    Duration::try_from_secs_f64(value).map_err(|_| {
        error::invalid(format!(
            "{what} must be a finite, non-negative number of seconds, not {value}"
        ))
    })
}

/// An optional duration option.
pub(crate) fn opt_seconds(value: Option<f64>, what: &str) -> napi::Result<Option<Duration>> {
    value.map(|v| seconds(v, what)).transpose()
}

/// `snake_case` to `camelCase`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// sdk-core's decoded JSON (blocks, transactions) with every object key in camelCase. Every key
/// there is a field name (it has no maps keyed by data), so renaming them all is safe.
pub(crate) fn camel_keys(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (camel(&k), camel_keys(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_keys).collect()),
        other => other,
    }
}
