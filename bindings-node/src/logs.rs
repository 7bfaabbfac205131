//! sdk-core's `tracing` events as records handed to a JavaScript function.
//!
//! Installed once, when the addon loads (`logs.js` calls [`install_logs`]): a global `tracing`
//! subscriber, only if the process has none yet, that forwards the events of targets
//! `fabweave::…` to the handler given to `setLogHandler`. Events of the SDK's dependencies
//! (h2, tonic, rustls) are not forwarded.
//!
//! Cost when no handler wants an event: the level the handler was set for is cached in one
//! atomic ([`THRESHOLD`], nothing when no handler is set), so a disabled event costs a check of
//! its target and an atomic load.
//!
//! Never blocking: the thread that emits an event (a runtime worker, often holding one of
//! sdk-core's locks) never waits for JavaScript. It queues the record on a napi thread-safe
//! function in non-blocking mode; a full queue ([`QUEUE`] records) drops the record and counts
//! it, and the count is reported by a `warn` record of target `fabweave` once the queue takes
//! records again. Node's main thread calls the handler with the records in order, shortly after
//! the events. The thread-safe function is unreferenced: a handler never keeps the process
//! alive.

use std::fmt;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{SystemTime, UNIX_EPOCH};

use napi::bindgen_prelude::{Function, Unknown};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::Status;
use napi_derive::napi;
use serde_json::{Map, Number, Value as Json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

use crate::error;

/// Records waiting for Node's main thread at most; more are dropped and counted.
const QUEUE: usize = 10_000;

/// The largest integer JavaScript numbers hold exactly (2^53 − 1); larger field values are
/// given as strings.
const MAX_SAFE: u64 = 9_007_199_254_740_991;

/// The most verbose level forwarded, as a rank (1 error … 5 trace); 0: nothing.
static THRESHOLD: AtomicU8 = AtomicU8::new(0);
/// Records dropped because the queue was full, not yet reported.
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// The handler records go to (the main thread replaces it; emitting threads clone it).
static HANDLER: Mutex<Option<Arc<Handler>>> = Mutex::new(None);
/// Whether the subscriber was installed: `Some(true)` when it is this addon's.
static INSTALLED: Mutex<Option<bool>> = Mutex::new(None);

/// The JavaScript handler as a thread-safe function: not callee-handled, weak (unreferenced),
/// with a bounded queue.
type Handler =
    ThreadsafeFunction<LogRecord, Unknown<'static>, LogRecord, Status, false, true, QUEUE>;

/// One log record as the handler receives it (`logs.js` turns `time` into a `Date`).
#[napi(object)]
pub struct LogRecord {
    /// 'error', 'warn', 'info', 'debug' or 'trace'.
    pub level: String,
    /// The emitting module of sdk-core, dotted: `fabweave.flow.calls`.
    pub target: String,
    /// The event's message.
    pub message: String,
    /// The fields of the enclosing spans and of the event, by name (an event's field wins over
    /// a span's of the same name, an inner span's over an outer one's).
    pub fields: Json,
    /// When the event was emitted, in milliseconds since the epoch.
    pub time: f64,
}

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::ERROR => "error",
        Level::WARN => "warn",
        Level::INFO => "info",
        Level::DEBUG => "debug",
        Level::TRACE => "trace",
    }
}

/// Whether events of `target` are forwarded: sdk-core's (`fabweave` and its modules).
fn forwarded(target: &str) -> bool {
    target == "fabweave" || target.starts_with("fabweave::")
}

/// A field's value, kept typed so handlers get numbers and booleans as such.
#[derive(Clone)]
enum Value {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
}

impl Value {
    fn to_json(&self) -> Json {
        match self {
            Value::Str(s) => Json::String(s.clone()),
            Value::I64(v) if v.unsigned_abs() <= MAX_SAFE => Json::Number((*v).into()),
            Value::I64(v) => Json::String(v.to_string()),
            Value::U64(v) if *v <= MAX_SAFE => Json::Number((*v).into()),
            Value::U64(v) => Json::String(v.to_string()),
            Value::F64(v) => {
                Number::from_f64(*v).map_or_else(|| Json::String(v.to_string()), Json::Number)
            }
            Value::Bool(v) => Json::Bool(*v),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::I64(v) => write!(f, "{v}"),
            Value::U64(v) => write!(f, "{v}"),
            Value::F64(v) => write!(f, "{v}"),
            Value::Bool(v) => write!(f, "{v}"),
        }
    }
}

/// The fields of an event or span, in the order given; `message` apart.
#[derive(Default)]
struct Fields {
    message: Option<String>,
    values: Vec<(&'static str, Value)>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = Some(value.to_string());
        } else {
            self.values.push((field.name(), value));
        }
    }
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, Value::Str(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, Value::Str(value.to_owned()));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, Value::I64(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, Value::U64(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, Value::F64(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, Value::Bool(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, Value::Str(value.to_string()));
    }
}

fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// Queues `record` for the current handler without waiting; false if it was dropped.
fn send(record: LogRecord) -> bool {
    let handler = HANDLER
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let Some(handler) = handler else {
        return true;
    };
    match handler.call(record, ThreadsafeFunctionCallMode::NonBlocking) {
        Status::Ok => {
            let dropped = DROPPED.swap(0, Ordering::Relaxed);
            if dropped > 0 {
                let report = LogRecord {
                    level: "warn".into(),
                    target: "fabweave".into(),
                    message: format!(
                        "{dropped} log records of fabweave were dropped: more than {QUEUE} were \
                         waiting for the JavaScript thread"
                    ),
                    fields: Json::Object(Map::from_iter([(
                        "dropped".to_owned(),
                        Value::U64(dropped).to_json(),
                    )])),
                    time: now_ms(),
                };
                if handler.call(report, ThreadsafeFunctionCallMode::NonBlocking) != Status::Ok {
                    DROPPED.fetch_add(dropped, Ordering::Relaxed);
                }
            }
            true
        }
        Status::QueueFull => {
            DROPPED.fetch_add(1, Ordering::Relaxed);
            false
        }
        // Closing: the environment is going away (or the handler was replaced meanwhile).
        _ => false,
    }
}

/// The `tracing` layer: filters on [`THRESHOLD`] and queues records.
struct NodeLogging;

impl<S> Layer<S> for NodeLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if forwarded(metadata.target()) {
            // Asked again at every event: the level changes at run time.
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        forwarded(metadata.target()) && rank(metadata.level()) <= THRESHOLD.load(Ordering::Relaxed)
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &SpanRecord<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut ext = span.extensions_mut();
            if let Some(fields) = ext.get_mut::<Fields>() {
                values.record(fields);
            }
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let mut own = Fields::default();
        event.record(&mut own);
        let mut fields = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(f) = span.extensions().get::<Fields>() {
                    for (k, v) in &f.values {
                        fields.insert((*k).to_owned(), v.to_json());
                    }
                }
            }
        }
        for (k, v) in &own.values {
            fields.insert((*k).to_owned(), v.to_json());
        }
        send(LogRecord {
            level: level_name(metadata.level()).to_owned(),
            target: metadata.target().replace("::", "."),
            message: own.message.unwrap_or_default(),
            fields: Json::Object(fields),
            time: now_ms(),
        });
    }
}

/// Installs the subscriber once per process; true if fabweave's events can be forwarded
/// (false when another subscriber of this process was installed first).
#[napi]
pub fn install_logs() -> bool {
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(ours) = *installed {
        return ours;
    }
    let subscriber = tracing_subscriber::registry().with(NodeLogging);
    let ours = tracing::subscriber::set_global_default(subscriber).is_ok();
    *installed = Some(ours);
    ours
}

/// Sends the records of level `level` (1 error … 5 trace) and more severe to `handler`, or
/// none when `handler` is null (the previous handler is released). `logs.js` wraps the
/// user's handler so that it never throws.
#[napi]
pub fn set_log_handler(
    handler: Option<Function<LogRecord, Unknown<'static>>>,
    level: u32,
) -> napi::Result<()> {
    if !(1..=5).contains(&level) {
        return Err(error::invalid(format!(
            "level must be 1 (error) to 5 (trace), not {level}"
        )));
    }
    let tsfn: Option<Arc<Handler>> = match handler {
        Some(f) => Some(Arc::new(
            f.build_threadsafe_function()
                .callee_handled::<false>()
                .weak::<true>()
                .max_queue_size::<QUEUE>()
                .build()?,
        )),
        None => None,
    };
    let threshold = if tsfn.is_some() { level as u8 } else { 0 };
    // Off first, so that no event is queued for the handler being replaced.
    THRESHOLD.store(0, Ordering::Relaxed);
    let previous = std::mem::replace(
        &mut *HANDLER.lock().unwrap_or_else(PoisonError::into_inner),
        tsfn,
    );
    drop(previous);
    DROPPED.store(0, Ordering::Relaxed);
    THRESHOLD.store(threshold, Ordering::Relaxed);
    Ok(())
}
