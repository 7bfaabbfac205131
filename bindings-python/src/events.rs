//! Event streams for both APIs: chaincode events of a contract and blocks of a network, with
//! the checkpointers that let a restarted listener resume where it stopped.
//!
//! A stream is opened by `Contract.chaincode_events(...)` / `Network.block_events(...)`
//! (a blocking call in `fabweave`, a coroutine in `fabweave.aio`). The sync stream is an
//! iterator whose `__next__` waits with the GIL released, in short slices so that Ctrl-C
//! (`KeyboardInterrupt`) gets through; the asyncio stream is an async iterator. Events are
//! recorded in the checkpointer only when the application says so (`stream.ack(event)`), after
//! processing them, as sdk-core's exactly-once contract wants.

use std::future::{poll_fn, Future};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use fabweave::events::{self as fev, BlockContent, BlockKind, EventStream, StartAt};
use fabweave::flow;
use futures_util::StreamExt;
use pyo3::exceptions::{PyStopAsyncIteration, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyString, PyTuple};

use crate::client::{ChaincodeEvent, Contract, Network, Passed};
use crate::{error, opt_seconds, twin, Api, ToPy};

/// How long a sync `__next__` waits before it checks for signals (Ctrl-C) and waits again.
const SIGNAL_SLICE: Duration = Duration::from_millis(100);

/// A position in the ledger: the last event processed.
#[pyclass(frozen, eq, hash, module = "fabweave")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct Checkpoint {
    inner: fev::Checkpoint,
}

#[pymethods]
impl Checkpoint {
    /// The transaction at `tx_index` of block `block_number` (and everything before it) was
    /// processed; with `tx_index=None`, the whole block was.
    #[new]
    #[pyo3(signature = (block_number, tx_index=None, tx_id=None))]
    fn new(block_number: u64, tx_index: Option<u32>, tx_id: Option<String>) -> Self {
        Checkpoint {
            inner: fev::Checkpoint {
                block_number,
                tx_index,
                tx_id: tx_id.filter(|id| !id.is_empty()),
            },
        }
    }

    /// The block of the last event processed.
    #[getter]
    fn block_number(&self) -> u64 {
        self.inner.block_number
    }

    /// The index of its transaction within the block; None when the whole block was processed.
    #[getter]
    fn tx_index(&self) -> Option<u32> {
        self.inner.tx_index
    }

    /// That transaction's id, when known (informational).
    #[getter]
    fn tx_id(&self) -> Option<&str> {
        self.inner.tx_id.as_deref()
    }

    /// A short description.
    fn __repr__(&self) -> String {
        format!(
            "Checkpoint(block_number={}, tx_index={}, tx_id={})",
            self.inner.block_number,
            self.inner
                .tx_index
                .map_or("None".to_owned(), |i| i.to_string()),
            self.inner
                .tx_id
                .as_ref()
                .map_or("None".to_owned(), |id| format!("{id:?}"))
        )
    }
}

/// The checkpoint `position` stands for: a `Checkpoint`, a `ChaincodeEvent` from a stream, or a
/// `BlockEvent`.
fn position_of(position: &Bound<'_, PyAny>) -> PyResult<fev::Checkpoint> {
    if let Ok(c) = position.cast::<Checkpoint>() {
        return Ok(c.get().inner.clone());
    }
    if let Ok(b) = position.cast::<BlockEvent>() {
        return Ok(fev::Checkpoint::block(b.get().inner.block_number));
    }
    if position.cast::<ChaincodeEvent>().is_ok() {
        let block_number: u64 = position.getattr("block_number")?.extract()?;
        let tx_index: Option<u32> = position.getattr("tx_index")?.extract()?;
        let tx_id: String = position.getattr("tx_id")?.extract()?;
        let Some(tx_index) = tx_index else {
            return Err(PyValueError::new_err(
                "this ChaincodeEvent has no transaction index (events of Committed.events have \
                 none): checkpoint events read from a stream, or a Checkpoint",
            ));
        };
        return Ok(fev::Checkpoint::transaction(block_number, tx_index, tx_id));
    }
    Err(PyTypeError::new_err(format!(
        "expected a Checkpoint, ChaincodeEvent or BlockEvent, not {}",
        position.get_type().name()?
    )))
}

/// Where a stream's application got to, kept across streams (`checkpoint=` of
/// `chaincode_events` and `block_events`). Use `FileCheckpointer` or `InMemoryCheckpointer`.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct Checkpointer {
    inner: Arc<dyn fev::Checkpointer>,
}

#[pymethods]
impl Checkpointer {
    /// The last position recorded, or None.
    #[getter]
    fn checkpoint(&self, py: Python<'_>) -> PyResult<Option<Checkpoint>> {
        let loaded = self.inner.load().map_err(|e| error::to_py(py, e))?;
        Ok(loaded.map(|inner| Checkpoint { inner }))
    }

    /// Records `position` (a `Checkpoint`, or a `ChaincodeEvent` or `BlockEvent` read from a
    /// stream) as the last event processed. `stream.ack(event)` does the same.
    fn save(&self, py: Python<'_>, position: &Bound<'_, PyAny>) -> PyResult<()> {
        let position = position_of(position)?;
        let inner = Arc::clone(&self.inner);
        py.detach(move || inner.save(&position))
            .map_err(|e| error::to_py(py, e))
    }
}

/// A checkpointer in memory: survives closing and reopening a stream within the process.
#[pyclass(extends = Checkpointer, frozen, module = "fabweave")]
pub(crate) struct InMemoryCheckpointer;

#[pymethods]
impl InMemoryCheckpointer {
    /// An empty checkpointer.
    #[new]
    fn new() -> PyClassInitializer<Self> {
        PyClassInitializer::from(Checkpointer {
            inner: Arc::new(fev::InMemoryCheckpointer::new()),
        })
        .add_subclass(InMemoryCheckpointer)
    }

    /// A short description.
    fn __repr__(slf: PyRef<'_, Self>, py: Python<'_>) -> PyResult<String> {
        let at = slf.as_super().checkpoint(py)?.map(|c| c.__repr__());
        Ok(format!(
            "InMemoryCheckpointer({})",
            at.as_deref().unwrap_or("empty")
        ))
    }
}

/// A checkpointer in a small JSON file, rewritten atomically on each save: a restarted process
/// opening the same file resumes after the last event it recorded.
#[pyclass(extends = Checkpointer, frozen, module = "fabweave")]
pub(crate) struct FileCheckpointer {
    path: PathBuf,
}

#[pymethods]
impl FileCheckpointer {
    /// Opens (reads) the checkpoint file at `path`; a missing file is an empty checkpoint,
    /// created on the first save (its folder must exist). Raises `CheckpointError` when the
    /// file cannot be read or is not a checkpoint.
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<PyClassInitializer<Self>> {
        let opened = fev::FileCheckpointer::open(&path).map_err(|e| error::to_py(py, e))?;
        Ok(PyClassInitializer::from(Checkpointer {
            inner: Arc::new(opened),
        })
        .add_subclass(FileCheckpointer { path }))
    }

    /// The checkpoint file.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// A short description.
    fn __repr__(&self) -> String {
        format!("FileCheckpointer({:?})", self.path.display().to_string())
    }
}

/// `start=` of a stream: `"newest"`, `"oldest"`, `"next_commit"`, a block number, or a
/// `Checkpoint` to resume after.
pub(crate) struct Start(StartAt);

impl Start {
    /// The default: the newest block.
    pub(crate) const NEWEST: Start = Start(StartAt::Newest);
}

impl<'a, 'py> FromPyObject<'a, 'py> for Start {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(c) = obj.cast::<Checkpoint>() {
            return Ok(Start(StartAt::After(c.get().inner.clone())));
        }
        if let Ok(name) = obj.cast::<PyString>() {
            return match name.to_str()? {
                "newest" => Ok(Start(StartAt::Newest)),
                "oldest" => Ok(Start(StartAt::Oldest)),
                "next_commit" => Ok(Start(StartAt::NextCommit)),
                other => Err(PyValueError::new_err(format!(
                    "start must be 'newest', 'oldest', 'next_commit', a block number or a \
                     Checkpoint, not {other:?}"
                ))),
            };
        }
        if obj.is_instance_of::<PyBool>() {
            return Err(PyTypeError::new_err("start must not be a bool"));
        }
        if let Ok(n) = obj.extract::<u64>() {
            return Ok(Start(StartAt::Block(n)));
        }
        Err(PyTypeError::new_err(format!(
            "start must be 'newest', 'oldest', 'next_commit', a non-negative block number or a \
             Checkpoint, not {}",
            obj.get_type().name()?
        )))
    }
}

/// `kind=` of a stream: `"full"`, `"filtered"` or `"with_private_data"`.
fn parse_kind(kind: &str) -> PyResult<BlockKind> {
    match kind {
        "full" => Ok(BlockKind::Full),
        "filtered" => Ok(BlockKind::Filtered),
        "with_private_data" => Ok(BlockKind::WithPrivateData),
        other => Err(PyValueError::new_err(format!(
            "kind must be 'full', 'filtered' or 'with_private_data', not {other:?}"
        ))),
    }
}

fn kind_name(content: &BlockContent) -> &'static str {
    match content {
        BlockContent::Full(_) => "full",
        BlockContent::Filtered(_) => "filtered",
        BlockContent::WithPrivateData(_) => "with_private_data",
    }
}

/// One block from a block event stream.
#[pyclass(frozen, module = "fabweave")]
pub(crate) struct BlockEvent {
    inner: fev::BlockEvent,
}

impl From<fev::BlockEvent> for BlockEvent {
    fn from(inner: fev::BlockEvent) -> Self {
        BlockEvent { inner }
    }
}

crate::pyclass_to_py!(BlockEvent);

#[pymethods]
impl BlockEvent {
    /// The block number.
    #[getter]
    fn number(&self) -> u64 {
        self.inner.block_number
    }

    /// `"full"`, `"filtered"` or `"with_private_data"`: what the stream reads.
    #[getter]
    fn kind(&self) -> &'static str {
        kind_name(&self.inner.content)
    }

    /// The chaincode events of the block's valid transactions, in block order (without
    /// payloads in filtered blocks).
    #[getter]
    fn chaincode_events(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.inner
            .chaincode_events()
            .into_iter()
            .map(ChaincodeEvent::from)
            .collect::<Vec<_>>()
            .to_py(py)
    }

    /// The block decoded for people, as a dict (the JSON rendering of sdk-core's
    /// `DecodedBlock`: number, hash, previous_hash, data_hash, metadata, transactions with
    /// their calls, read/write sets, events and endorsers); None for filtered blocks, which
    /// are not full blocks.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.inner.block() {
            Some(block) => {
                let decoded =
                    fabweave::ledger::decode_block(block).map_err(|e| error::to_py(py, e))?;
                crate::ledger::BlockDict(decoded).to_py(py)
            }
            None => Ok(py.None()),
        }
    }

    /// A short description.
    fn __repr__(&self) -> String {
        format!(
            "BlockEvent(number={}, kind={:?})",
            self.inner.block_number,
            self.kind()
        )
    }
}

/// The next item of a stream as the asyncio API hands it over: the item, or the end
/// (`StopAsyncIteration`).
struct Next<P>(Option<P>);

impl<P: ToPy> ToPy for Next<P> {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.0 {
            Some(item) => item.to_py(py),
            None => Err(PyStopAsyncIteration::new_err(())),
        }
    }
}

/// An sdk-core stream shared by a Python stream object and the waits in progress on it. The
/// lock is held only while polling (never across a wait), so `close()`, `peer` and `ack()` do
/// not wait for an item to arrive.
struct Feed<T> {
    stream: Arc<Mutex<EventStream<T>>>,
    closed: Arc<AtomicBool>,
}

impl<T: Send + 'static> Feed<T> {
    fn new(stream: EventStream<T>) -> Self {
        Feed {
            stream: Arc::new(Mutex::new(stream)),
            closed: Arc::new(AtomicBool::new(false)),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut EventStream<T>) -> R) -> R {
        f(&mut self.stream.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The next item; `None` at the end of the stream.
    fn next(&self) -> impl Future<Output = Option<fabweave::Result<T>>> + Send + 'static {
        let stream = Arc::clone(&self.stream);
        poll_fn(move |cx| {
            stream
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .poll_next_unpin(cx)
        })
    }

    /// Waits for the next item with the GIL released, checking for signals every
    /// [`SIGNAL_SLICE`] (waiting again is safe: nothing is lost between polls).
    fn next_blocking(&self, py: Python<'_>) -> PyResult<Option<T>> {
        let rt = crate::runtime(py)?;
        loop {
            let next = self.next();
            let got =
                py.detach(|| rt.block_on(async { tokio::time::timeout(SIGNAL_SLICE, next).await }));
            match got {
                Ok(Some(Ok(item))) => return Ok(Some(item)),
                Ok(Some(Err(e))) => return Err(error::to_py(py, e)),
                Ok(None) => return Ok(None),
                Err(_) => py.check_signals()?,
            }
        }
    }

    /// The asyncio awaitable of the next item, converted to `P`.
    fn next_awaitable<P>(&self, py: Python<'_>) -> PyResult<Py<PyAny>>
    where
        P: From<T> + ToPy,
    {
        let next = self.next();
        Api::Async.run(py, async move {
            match next.await {
                Some(Ok(item)) => Ok(Next(Some(P::from(item)))),
                Some(Err(e)) => Err(e),
                None => Ok(Next(None)),
            }
        })
    }

    fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        self.with(EventStream::close);
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed)
    }

    fn ack(&self, py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<()> {
        let position = position_of(event)?;
        let stream = Arc::clone(&self.stream);
        // The file checkpointer writes and syncs a file: without the GIL.
        py.detach(move || {
            stream
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .ack(&position)
        })
        .map_err(|e| error::to_py(py, e))
    }
}

/// The Python methods of a stream class `$class` of items `$item` (a pyclass made `From` the
/// core item).
macro_rules! stream_methods {
    ($class:ident, $item:ty, $what:literal) => {
        #[pymethods]
        impl $class {
            /// The stream itself (sync API only).
            fn __iter__(slf: Py<Self>) -> PyResult<Py<Self>> {
                if slf.get().api == Api::Async {
                    return Err(PyTypeError::new_err(concat!(
                        "a fabweave.aio ",
                        $what,
                        " is read with `async for`"
                    )));
                }
                Ok(slf)
            }

            /// Waits for the next item (the GIL released; Ctrl-C interrupts the wait).
            fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
                if self.api == Api::Async {
                    return Err(PyTypeError::new_err(concat!(
                        "a fabweave.aio ",
                        $what,
                        " is read with `async for`"
                    )));
                }
                match self.feed.next_blocking(py)? {
                    Some(item) => Ok(Some(<$item>::from(item).to_py(py)?)),
                    None => Ok(None),
                }
            }

            /// The stream itself (asyncio API only).
            fn __aiter__(slf: Py<Self>) -> PyResult<Py<Self>> {
                if slf.get().api == Api::Sync {
                    return Err(PyTypeError::new_err(concat!(
                        "a fabweave ",
                        $what,
                        " is read with `for`; use fabweave.aio for `async for`"
                    )));
                }
                Ok(slf)
            }

            /// An awaitable of the next item; `StopAsyncIteration` at the end.
            fn __anext__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
                if self.api == Api::Sync {
                    return Err(PyTypeError::new_err(concat!(
                        "a fabweave ",
                        $what,
                        " is read with `for`; use fabweave.aio for `async for`"
                    )));
                }
                self.feed.next_awaitable::<$item>(py)
            }

            /// Records `event` (read from this stream) as processed in the stream's
            /// checkpointer; nothing when the stream has none. Call it after processing the
            /// event: a stream reopened with the checkpointer starts after the last event
            /// acknowledged. Not a coroutine in `fabweave.aio` either.
            fn ack(&self, py: Python<'_>, event: &Bound<'_, PyAny>) -> PyResult<()> {
                self.feed.ack(py, event)
            }

            /// Stops reading: the stream ends (items received and not yet taken are dropped).
            /// Closing twice is harmless. Not a coroutine in `fabweave.aio` either.
            fn close(&self) {
                self.feed.close();
            }

            /// Whether `close()` was called.
            #[getter]
            fn closed(&self) -> bool {
                self.feed.is_closed()
            }

            /// The peer the stream reads from now, while connected.
            #[getter]
            fn peer(&self) -> Option<String> {
                self.feed.with(|s| s.peer())
            }

            /// How many deliver streams were opened so far (1 until a reconnection).
            #[getter]
            fn sessions(&self) -> u64 {
                self.feed.with(|s| s.sessions())
            }

            /// The last error a peer's stream ended with (kept after the stream recovered), as
            /// a `FabweaveError`, or None.
            #[getter]
            fn last_error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
                self.feed
                    .with(|s| s.last_error())
                    .map(|e| error::to_py(py, e).into_value(py).into_any())
            }

            /// The channel.
            #[getter]
            fn channel(&self) -> String {
                self.feed.with(|s| s.channel().to_owned())
            }

            /// The stream itself; leaving the `with` block closes it.
            fn __enter__(slf: Py<Self>) -> Py<Self> {
                slf
            }

            /// Closes the stream.
            #[pyo3(signature = (*_exc))]
            fn __exit__(&self, _exc: &Bound<'_, PyTuple>) -> bool {
                self.close();
                false
            }

            /// An awaitable of the stream itself; leaving the `async with` block closes it.
            fn __aenter__(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<PyAny>> {
                Api::Async.run(py, async move { Ok(Passed(slf.into_any())) })
            }

            /// Closes the stream; an awaitable of False.
            #[pyo3(signature = (*_exc))]
            fn __aexit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
                self.close();
                Api::Async.run(py, async { Ok(false) })
            }

            /// A short description.
            fn __repr__(&self) -> String {
                let state = if self.closed() {
                    "closed".to_owned()
                } else {
                    match self.peer() {
                        Some(p) => format!("reading from {p}"),
                        None => "connecting".to_owned(),
                    }
                };
                format!(
                    "<{}.{} {} {state}>",
                    self.api.module(),
                    stringify!($class),
                    self.channel()
                )
            }
        }
    };
}

/// The chaincode events of one contract, in ledger order: an iterator (`fabweave`) or an async
/// iterator (`fabweave.aio`) of `ChaincodeEvent`.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct ChaincodeEventStream {
    feed: Feed<fev::ChaincodeEvent>,
    api: Api,
}
twin!(
    ChaincodeEventStream,
    AsyncChaincodeEventStream,
    "ChaincodeEventStream"
);
stream_methods!(ChaincodeEventStream, ChaincodeEvent, "ChaincodeEventStream");

/// The blocks of one channel, in order: an iterator (`fabweave`) or an async iterator
/// (`fabweave.aio`) of `BlockEvent`.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct BlockEventStream {
    feed: Feed<fev::BlockEvent>,
    api: Api,
}
twin!(BlockEventStream, AsyncBlockEventStream, "BlockEventStream");
stream_methods!(BlockEventStream, BlockEvent, "BlockEventStream");

/// The options both stream kinds share, converted.
struct Common {
    start: StartAt,
    checkpointer: Option<Arc<dyn fev::Checkpointer>>,
    give_up_after: Option<Duration>,
}

impl Common {
    fn new(
        start: Start,
        checkpoint: Option<PyRef<'_, Checkpointer>>,
        give_up_after: Option<f64>,
    ) -> PyResult<Self> {
        Ok(Common {
            start: start.0,
            checkpointer: checkpoint.map(|c| Arc::clone(&c.inner)),
            give_up_after: opt_seconds(give_up_after, "give_up_after")?,
        })
    }
}

/// Applies [`Common`] to a stream builder (both have the same option methods).
macro_rules! apply_common {
    ($builder:expr, $common:expr) => {{
        let common = $common;
        let mut b = $builder.start(common.start);
        if let Some(c) = common.checkpointer {
            b = b.checkpointer(c);
        }
        if let Some(d) = common.give_up_after {
            b = b.give_up_after(d);
        }
        b
    }};
}

/// `Contract.chaincode_events(...)`: opens the stream as the contract's API does.
#[allow(clippy::too_many_arguments)]
pub(crate) fn chaincode_events(
    contract: &Contract,
    py: Python<'_>,
    event_name: Option<String>,
    start: Start,
    checkpoint: Option<PyRef<'_, Checkpointer>>,
    kind: &str,
    give_up_after: Option<f64>,
) -> PyResult<Py<PyAny>> {
    let core_contract: flow::Contract = contract.core(py)?;
    let mut builder = apply_common!(
        core_contract.chaincode_events().kind(parse_kind(kind)?),
        Common::new(start, checkpoint, give_up_after)?
    );
    if let Some(name) = event_name {
        builder = builder.event_name(name);
    }
    let api = contract.api;
    api.run(py, async move {
        let stream = builder.open().await?;
        Ok(ChaincodeEventStream {
            feed: Feed::new(stream),
            api,
        })
    })
}

/// `Network.block_events(...)`: opens the stream as the network's API does.
pub(crate) fn block_events(
    network: &Network,
    py: Python<'_>,
    kind: &str,
    start: Start,
    checkpoint: Option<PyRef<'_, Checkpointer>>,
    give_up_after: Option<f64>,
) -> PyResult<Py<PyAny>> {
    let core_network: flow::Network = network.core(py)?;
    let builder = apply_common!(
        core_network.block_events().kind(parse_kind(kind)?),
        Common::new(start, checkpoint, give_up_after)?
    );
    let api = network.api;
    api.run(py, async move {
        let stream = builder.open().await?;
        Ok(BlockEventStream {
            feed: Feed::new(stream),
            api,
        })
    })
}

/// Adds this module's classes to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Checkpoint>()?;
    m.add_class::<Checkpointer>()?;
    m.add_class::<InMemoryCheckpointer>()?;
    m.add_class::<FileCheckpointer>()?;
    m.add_class::<BlockEvent>()?;
    m.add_class::<ChaincodeEventStream>()?;
    m.add(
        "AsyncChaincodeEventStream",
        m.py().get_type::<AsyncChaincodeEventStream>(),
    )?;
    m.add_class::<BlockEventStream>()?;
    m.add(
        "AsyncBlockEventStream",
        m.py().get_type::<AsyncBlockEventStream>(),
    )?;
    Ok(())
}
