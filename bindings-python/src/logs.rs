//! sdk-core's `tracing` events as records of Python's `logging`.
//!
//! Installed once, when the native module is imported: a global `tracing` subscriber (only if
//! the process has none yet) that forwards the events of targets `fabweave::…` to the Python
//! logger of the same dotted name (`fabweave::flow::calls` → `fabweave.flow.calls`, children of
//! the logger `fabweave`). Events of the SDK's dependencies (h2, tonic, rustls) are not
//! forwarded.
//!
//! Cost when Python does not want an event: the lowest level any `fabweave` logger is enabled
//! for (and `logging.disable`) is cached in one atomic, so a disabled event costs an atomic load
//! and no GIL. The cache is refreshed at import, whenever Python's `logging` changes a level
//! (`Logger.setLevel`, `logging.disable` and the configuration functions all clear the
//! manager's level cache, `Manager._clear_cache`, which this module wraps), and by
//! `fabweave.refresh_log_level()` for changes made another way (assigning `logger.level`).
//!
//! No deadlock: the thread that emits an event never waits for the GIL. It puts the record in
//! a bounded queue (dropped, and counted, when the queue is full) that one thread of this
//! module drains: that thread takes the GIL for a batch of records and holds no lock of
//! sdk-core meanwhile. Taking the GIL on the emitting thread would deadlock whenever that
//! thread holds one of sdk-core's locks (the endpoint-health table logs under its lock) while
//! a Python thread holding the GIL waits for the same lock. Records therefore arrive shortly
//! after the event, in order, with the event's time; `fabweave.flush_logs()` waits until every
//! record emitted before it was handed to `logging`.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::types::{PyCFunction, PyDict, PyTuple};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// Python's level numbers. TRACE has no standard level: 5, named "TRACE" unless the program
/// named level 5 already.
const TRACE: u32 = 5;
const DEBUG: u32 = 10;
const INFO: u32 = 20;
const WARNING: u32 = 30;
const ERROR: u32 = 40;
/// A threshold no event reaches: nothing is forwarded.
const OFF: u32 = u32::MAX;

/// Records waiting for the draining thread at most; more are dropped and counted.
const QUEUE: usize = 10_000;
/// Records handed to `logging` per GIL acquisition at most.
const BATCH: usize = 512;

/// The lowest Python level an event needs to be forwarded (see the module's documentation).
static THRESHOLD: AtomicU32 = AtomicU32::new(OFF);
/// Records dropped because the queue was full, not yet reported.
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// Set at interpreter exit: no more records are queued.
static CLOSED: AtomicBool = AtomicBool::new(false);
/// The queue's sending end (the subscriber's copy is in its layer).
static SENDER: OnceLock<SyncSender<Msg>> = OnceLock::new();
/// Whether the bridge was installed (once per process).
static INSTALLED: Mutex<bool> = Mutex::new(false);

thread_local! {
    /// True on the draining thread: a handler that calls `flush_logs()` there must not wait
    /// for itself.
    static DRAINING: Cell<bool> = const { Cell::new(false) };
}

fn py_level(level: &Level) -> u32 {
    match *level {
        Level::TRACE => TRACE,
        Level::DEBUG => DEBUG,
        Level::INFO => INFO,
        Level::WARN => WARNING,
        Level::ERROR => ERROR,
    }
}

/// Whether events of `target` are forwarded: sdk-core's (`fabweave` and its modules).
fn forwarded(target: &str) -> bool {
    target == "fabweave" || target.starts_with("fabweave::")
}

/// A field's value, kept typed so `logging` handlers get ints and bools as such.
#[derive(Clone)]
enum Value {
    Str(String),
    I64(i64),
    U64(u64),
    F64(f64),
    Bool(bool),
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

impl<'py> IntoPyObject<'py> for &Value {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;

    fn into_pyobject(self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(match self {
            Value::Str(s) => s.into_pyobject(py)?.into_any(),
            Value::I64(v) => v.into_pyobject(py)?.into_any(),
            Value::U64(v) => v.into_pyobject(py)?.into_any(),
            Value::F64(v) => v.into_pyobject(py)?.into_any(),
            Value::Bool(v) => v.into_pyobject(py)?.to_owned().into_any(),
        })
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

/// One event on its way to Python.
struct LogRecord {
    target: &'static str,
    level: u32,
    file: Option<&'static str>,
    line: Option<u32>,
    /// Seconds since the epoch, when the event was emitted.
    created: f64,
    thread: Option<String>,
    /// The message, followed by the event's fields as ` key=value`.
    message: String,
    /// The enclosing spans' fields (outermost first), then the event's.
    fields: Vec<(&'static str, Value)>,
}

/// What the queue carries.
enum Msg {
    Record(Box<LogRecord>),
    /// Acknowledged once every record queued before it was handled.
    Flush(SyncSender<()>),
    /// As `Flush`, then the draining thread ends.
    Stop(SyncSender<()>),
}

/// The `tracing` layer: filters on [`THRESHOLD`] and queues records.
struct PythonLogging {
    sender: SyncSender<Msg>,
}

impl<S> Layer<S> for PythonLogging
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if forwarded(metadata.target()) {
            // Asked again at every event: the threshold changes at run time.
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        forwarded(metadata.target())
            && py_level(metadata.level()) >= THRESHOLD.load(Ordering::Relaxed)
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
        if CLOSED.load(Ordering::Relaxed) {
            return;
        }
        let metadata = event.metadata();
        let mut own = Fields::default();
        event.record(&mut own);
        let mut message = own.message.take().unwrap_or_default();
        for (name, value) in &own.values {
            message.push_str(&format!(" {name}={value}"));
        }
        let mut fields = Vec::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(f) = span.extensions().get::<Fields>() {
                    fields.extend(f.values.iter().cloned());
                }
            }
        }
        fields.extend(own.values);
        let created = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        let record = LogRecord {
            target: metadata.target(),
            level: py_level(metadata.level()),
            file: metadata.file(),
            line: metadata.line(),
            created,
            thread: std::thread::current().name().map(str::to_owned),
            message,
            fields,
        };
        match self.sender.try_send(Msg::Record(Box::new(record))) {
            Ok(()) | Err(TrySendError::Disconnected(_)) => {}
            Err(TrySendError::Full(_)) => {
                DROPPED.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// The Python side of the draining thread: `logging` and the loggers already looked up.
struct Sink {
    logging: Py<PyModule>,
    loggers: HashMap<&'static str, Py<PyAny>>,
}

impl Sink {
    fn logger<'py>(
        &mut self,
        py: Python<'py>,
        target: &'static str,
    ) -> PyResult<Bound<'py, PyAny>> {
        if let Some(l) = self.loggers.get(target) {
            return Ok(l.bind(py).clone());
        }
        let name = target.replace("::", ".");
        let logger = self.logging.bind(py).call_method1("getLogger", (name,))?;
        self.loggers.insert(target, logger.clone().unbind());
        Ok(logger)
    }

    /// Hands one record to its logger, as `Logger.log` would (level check, filters,
    /// handlers, propagation), with the event's time, place and thread.
    fn handle<'py>(&mut self, py: Python<'py>, r: &LogRecord) -> PyResult<()> {
        let logger = self.logger(py, r.target)?;
        if !logger
            .call_method1("isEnabledFor", (r.level,))?
            .is_truthy()?
        {
            return Ok(());
        }
        let fields = PyDict::new(py);
        for (k, v) in &r.fields {
            fields.set_item(*k, v)?;
        }
        let extra = PyDict::new(py);
        extra.set_item("fabweave_fields", fields)?;
        let record = logger.call_method1(
            "makeRecord",
            (
                logger.getattr("name")?,
                r.level,
                r.file.unwrap_or("(unknown file)"),
                r.line.unwrap_or(0),
                r.message.as_str(),
                PyTuple::empty(py),
                py.None(),
                py.None(),
                extra,
            ),
        )?;
        record.setattr("created", r.created)?;
        record.setattr("msecs", (r.created.fract() * 1000.0).floor())?;
        if let Ok(start) = self.logging.bind(py).getattr("_startTime") {
            if let Ok(start) = start.extract::<f64>() {
                record.setattr("relativeCreated", (r.created - start) * 1000.0)?;
            }
        }
        // The emitting thread: "fabweave" for the runtime's, the caller's for events of
        // calls made outside the runtime (unnamed to Rust).
        record.setattr("threadName", r.thread.as_deref().unwrap_or("(unnamed)"))?;
        logger.call_method1("handle", (record,))?;
        Ok(())
    }

    /// Reports records dropped since the last report, as a WARNING of logger `fabweave`.
    fn report_dropped<'py>(&mut self, py: Python<'py>) -> PyResult<()> {
        let n = DROPPED.swap(0, Ordering::Relaxed);
        if n == 0 {
            return Ok(());
        }
        let logger = self.logger(py, "fabweave")?;
        logger.call_method1(
            "warning",
            (format!(
                "{n} log records of fabweave were dropped: more than {QUEUE} were waiting for \
                 the GIL"
            ),),
        )?;
        Ok(())
    }
}

/// The draining thread: takes the GIL once per batch of queued records.
fn drain(receiver: Receiver<Msg>, mut sink: Sink) {
    DRAINING.with(|d| d.set(true));
    loop {
        let first = match receiver.recv_timeout(Duration::from_secs(1)) {
            Ok(m) => m,
            Err(RecvTimeoutError::Timeout) => {
                if DROPPED.load(Ordering::Relaxed) > 0 {
                    let _ = Python::try_attach(|py| sink.report_dropped(py));
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match receiver.try_recv() {
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        let mut acks = Vec::new();
        let mut stop = false;
        let attached = Python::try_attach(|py| {
            for m in &batch {
                match m {
                    Msg::Record(r) => {
                        if let Err(e) = sink.handle(py, r) {
                            // A broken handler or configuration: say so once per record, as
                            // `logging` does for handler errors, and go on.
                            e.print(py);
                        }
                    }
                    Msg::Flush(ack) => acks.push(ack.clone()),
                    Msg::Stop(ack) => {
                        acks.push(ack.clone());
                        stop = true;
                    }
                }
            }
            if let Err(e) = sink.report_dropped(py) {
                e.print(py);
            }
        });
        if attached.is_none() {
            // The interpreter is gone or going: nothing more can be logged.
            return;
        }
        for ack in acks {
            let _ = ack.try_send(());
        }
        if stop {
            return;
        }
    }
}

/// Recomputes [`THRESHOLD`] from Python's `logging`: the lowest effective level of logger
/// `fabweave` and of its existing children, above `logging.disable`'s level.
fn refresh(py: Python<'_>) -> PyResult<()> {
    let logging = py.import("logging")?;
    let manager = logging.getattr("Logger")?.getattr("manager")?;
    let logger_class = logging.getattr("Logger")?;
    let mut lowest: u32 = logging
        .call_method1("getLogger", ("fabweave",))?
        .call_method0("getEffectiveLevel")?
        .extract()?;
    let loggers = manager.getattr("loggerDict")?.cast_into::<PyDict>()?;
    for (name, logger) in loggers.iter() {
        let Ok(name) = name.extract::<String>() else {
            continue;
        };
        if name.starts_with("fabweave.") && logger.is_instance(&logger_class)? {
            let level: u32 = logger.call_method0("getEffectiveLevel")?.extract()?;
            lowest = lowest.min(level);
        }
    }
    let disabled: u32 = manager.getattr("disable")?.extract().unwrap_or(0);
    // A level of 0 (NOTSET) everywhere up to the root means everything.
    let threshold = lowest.max(disabled.saturating_add(1)).max(1);
    THRESHOLD.store(
        if CLOSED.load(Ordering::Relaxed) {
            OFF
        } else {
            threshold
        },
        Ordering::Relaxed,
    );
    Ok(())
}

/// Re-reads the levels of the `fabweave` loggers. Level changes made with `setLevel`,
/// `logging.disable` or `logging.config` are noticed by themselves; call this after changing
/// levels another way (such as assigning `Logger.level`).
/// Python's own cache of enabled levels is cleared as well, as `setLevel` would.
#[pyfunction]
fn refresh_log_level(py: Python<'_>) -> PyResult<()> {
    let manager = py
        .import("logging")?
        .getattr("Logger")?
        .getattr("manager")?;
    if manager.hasattr("_clear_cache")? {
        manager.call_method0("_clear_cache")?;
    }
    refresh(py)
}

/// Waits until every log record fabweave emitted before this call was handed to `logging`
/// (records reach `logging` from a background thread, shortly after the event). False if
/// that took longer than `timeout` seconds.
#[pyfunction]
#[pyo3(signature = (timeout=5.0))]
fn flush_logs(py: Python<'_>, timeout: f64) -> PyResult<bool> {
    let timeout = crate::seconds(timeout, "timeout")?;
    Ok(py.detach(|| send_and_wait(Msg::Flush, timeout)))
}

/// Queues the marker `make(ack)` behind the records queued so far and waits at most
/// `timeout` for the draining thread to reach it. False if it did not.
fn send_and_wait(make: fn(SyncSender<()>) -> Msg, timeout: Duration) -> bool {
    if DRAINING.with(Cell::get) {
        return false;
    }
    let Some(sender) = SENDER.get() else {
        return true;
    };
    let (ack, acked) = mpsc::sync_channel(1);
    if sender.send(make(ack)).is_err() {
        return true;
    }
    acked.recv_timeout(timeout).is_ok()
}

/// At interpreter exit (`atexit`): stops forwarding, hands the queued records to `logging`
/// and ends the draining thread, which must not take the GIL once the interpreter finalizes.
#[pyfunction]
fn _close_logs(py: Python<'_>) {
    CLOSED.store(true, Ordering::Relaxed);
    THRESHOLD.store(OFF, Ordering::Relaxed);
    py.detach(|| send_and_wait(Msg::Stop, Duration::from_secs(2)));
}

/// Installs the bridge once per process: the subscriber, the draining thread, the level
/// cache and its refresh hook, and the exit hook.
fn install(py: Python<'_>) -> PyResult<()> {
    let mut installed = INSTALLED.lock().unwrap_or_else(PoisonError::into_inner);
    if *installed {
        return Ok(());
    }
    *installed = true;
    let logging = py.import("logging")?;
    if logging
        .call_method1("getLevelName", (TRACE,))?
        .extract::<String>()
        .is_ok_and(|n| n == format!("Level {TRACE}"))
    {
        logging.call_method1("addLevelName", (TRACE, "TRACE"))?;
    }
    let (sender, receiver) = mpsc::sync_channel(QUEUE);
    let subscriber = tracing_subscriber::registry().with(PythonLogging {
        sender: sender.clone(),
    });
    if tracing::subscriber::set_global_default(subscriber).is_err() {
        // Another library of this process installed its own subscriber first: fabweave's
        // events go there.
        return Ok(());
    }
    let _ = SENDER.set(sender);
    let sink = Sink {
        logging: logging.clone().unbind(),
        loggers: HashMap::new(),
    };
    std::thread::Builder::new()
        .name("fabweave-logging".into())
        .spawn(move || drain(receiver, sink))
        .map_err(|e| crate::error::plain(py, format!("cannot start fabweave's log thread: {e}")))?;

    // Level changes clear the manager's cache of enabled levels: wrap that to refresh ours.
    let manager = logging.getattr("Logger")?.getattr("manager")?;
    if let Ok(clear) = manager.getattr("_clear_cache") {
        let clear = clear.unbind();
        let hook = PyCFunction::new_closure(
            py,
            Some(c"_clear_cache"),
            None,
            move |args: &Bound<'_, PyTuple>,
                  kwargs: Option<&Bound<'_, PyDict>>|
                  -> PyResult<Py<PyAny>> {
                let py = args.py();
                let out = clear.bind(py).call(args, kwargs)?.unbind();
                refresh(py)?;
                Ok(out)
            },
        )?;
        manager.setattr("_clear_cache", hook)?;
    }
    refresh(py)?;
    py.import("atexit")?
        .call_method1("register", (wrap_pyfunction!(_close_logs, py)?,))?;
    Ok(())
}

/// Adds `refresh_log_level` and `flush_logs` to the module and installs the bridge.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(refresh_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(flush_logs, m)?)?;
    install(m.py())
}
