//! Event streams: the chaincode events of a contract and the blocks of a channel, with the
//! checkpointers that let a restarted listener resume where it stopped.
//!
//! `events.js` wraps the native streams of this file in its `EventStream` class (an
//! `AsyncIterable` with `close()`). A native stream holds sdk-core's [`EventStream`] behind a
//! plain mutex that is locked only while polling, never across a wait, so `close()`, `ack()`
//! and the getters never wait for an event to arrive. `next()` calls take turns (an async
//! mutex) so that two of them never race for the same item, and `close()` settles every
//! pending `next()` at once: it resolves to `null`, the end of the stream, as a stream that
//! ends by itself does.

use std::future::poll_fn;
use std::path::PathBuf;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use fabweave::events::{self as fev, BlockContent, BlockKind, EventStream, StartAt};
use fabweave::proto::common::Block;
use fabweave::proto::Message;
use fabweave::protocol::deliver::filtered_block_status;
use fabweave::protocol::validation_code_name;
use futures_util::future::{select, Either as Which};
use futures_util::StreamExt;
use napi::bindgen_prelude::{Buffer, ClassInstance, Either3, PromiseRaw};
use napi::tokio::sync::{Mutex as Turns, Notify};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use crate::client::{ChaincodeEvent, Client};
use crate::{camel_keys, error, opt_seconds};

/// The largest block number JavaScript numbers hold exactly (2^53 − 1).
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

/// A position in the ledger: the last event processed.
#[napi(object)]
#[derive(Clone)]
pub struct Checkpoint {
    /// The block of the last event processed.
    pub block_number: f64,
    /// The index of its transaction within the block; null when the whole block was
    /// processed.
    pub tx_index: Option<u32>,
    /// That transaction's id, when known (informational).
    pub tx_id: Option<String>,
}

/// A block number given by JavaScript: a non-negative integer.
fn block_number(value: f64, what: &str) -> napi::Result<u64> {
    if value.is_finite() && value >= 0.0 && value.fract() == 0.0 && value <= MAX_SAFE {
        // Exact: an integer no larger than 2^53 − 1.
        Ok(value as u64)
    } else {
        Err(error::invalid(format!(
            "{what} must be a non-negative integer block number, not {value}"
        )))
    }
}

impl Checkpoint {
    fn to_core(&self, what: &str) -> napi::Result<fev::Checkpoint> {
        Ok(fev::Checkpoint {
            block_number: block_number(self.block_number, &format!("{what}.blockNumber"))?,
            tx_index: self.tx_index,
            tx_id: self.tx_id.clone().filter(|id| !id.is_empty()),
        })
    }
}

impl From<fev::Checkpoint> for Checkpoint {
    fn from(c: fev::Checkpoint) -> Self {
        Checkpoint {
            block_number: c.block_number as f64,
            tx_index: c.tx_index,
            tx_id: c.tx_id,
        }
    }
}

impl From<fev::ChaincodeEvent> for ChaincodeEvent {
    fn from(e: fev::ChaincodeEvent) -> Self {
        ChaincodeEvent {
            block_number: e.block_number as f64,
            tx_index: Some(e.tx_index),
            tx_id: e.tx_id,
            chaincode_id: e.chaincode_id,
            event_name: e.event_name,
            payload: e.payload.into(),
        }
    }
}

/// Where streams record what the application processed (wrapped by `InMemoryCheckpointer` and
/// `FileCheckpointer` in `events.js`).
#[napi]
pub struct Checkpointer {
    inner: Arc<dyn fev::Checkpointer>,
}

#[napi]
impl Checkpointer {
    /// An empty checkpointer in memory.
    #[napi(factory)]
    pub fn in_memory() -> Self {
        Checkpointer {
            inner: Arc::new(fev::InMemoryCheckpointer::new()),
        }
    }

    /// Opens (reads) the checkpoint file at `path`; a missing file is an empty checkpoint,
    /// created on the first save (its folder must exist).
    #[napi(factory)]
    pub fn open_file(path: String) -> napi::Result<Self> {
        let opened = fev::FileCheckpointer::open(PathBuf::from(path)).map_err(error::to_js)?;
        Ok(Checkpointer {
            inner: Arc::new(opened),
        })
    }

    /// The last position recorded, or null.
    #[napi(getter)]
    pub fn checkpoint(&self) -> napi::Result<Option<Checkpoint>> {
        let loaded = self.inner.load().map_err(error::to_js)?;
        Ok(loaded.map(Checkpoint::from))
    }

    /// Records `position` as the last event processed (a file checkpointer writes and syncs
    /// its file off the main thread).
    #[napi]
    pub async fn save(&self, position: Checkpoint) -> napi::Result<()> {
        save(Some(Arc::clone(&self.inner)), position.to_core("position")?).await
    }
}

/// Saves `position` in `checkpointer` on a blocking thread (a file checkpointer syncs a file).
async fn save(
    checkpointer: Option<Arc<dyn fev::Checkpointer>>,
    position: fev::Checkpoint,
) -> napi::Result<()> {
    let Some(c) = checkpointer else {
        return Ok(());
    };
    napi::tokio::task::spawn_blocking(move || c.save(&position))
        .await
        .map_err(|e| napi::Error::from_reason(format!("the checkpoint save did not finish: {e}")))?
        .map_err(error::to_js)
}

/// A transaction of a block event: its position, id and validation code.
#[napi(object)]
pub struct BlockTransaction {
    /// Its index in the block.
    pub index: u32,
    /// The transaction id (empty for configuration transactions that carry none).
    pub tx_id: String,
    /// The validation code the committing peer gave (0: valid); null when the block carries
    /// no codes.
    pub validation_code: Option<i32>,
    /// The validation code's name, e.g. `VALID`, `MVCC_READ_CONFLICT`.
    pub validation_code_name: Option<String>,
}

/// One block of a block event stream, as `events.js`'s `BlockEvent` is made from it.
#[napi(object)]
pub struct BlockEventData {
    /// The block number.
    pub number: f64,
    /// `full`, `filtered` or `withPrivateData`: what the stream reads.
    pub kind: String,
    /// The block's transactions, in order.
    pub transactions: Vec<BlockTransaction>,
    /// The chaincode events of the block's valid transactions, in block order (without
    /// payloads in filtered blocks).
    pub chaincode_events: Vec<ChaincodeEvent>,
    /// The block as the peer sent it, protobuf-encoded: a `common.Block` (kinds `full` and
    /// `withPrivateData`) or a `protos.FilteredBlock` (kind `filtered`).
    pub bytes: Buffer,
}

fn kind_name(content: &BlockContent) -> &'static str {
    match content {
        BlockContent::Full(_) => "full",
        BlockContent::Filtered(_) => "filtered",
        BlockContent::WithPrivateData(_) => "withPrivateData",
    }
}

fn parse_kind(kind: &str) -> napi::Result<BlockKind> {
    match kind {
        "full" => Ok(BlockKind::Full),
        "filtered" => Ok(BlockKind::Filtered),
        "withPrivateData" => Ok(BlockKind::WithPrivateData),
        other => Err(error::invalid(format!(
            "kind must be 'full', 'filtered' or 'withPrivateData', not {other:?}"
        ))),
    }
}

impl BlockEventData {
    fn new(event: fev::BlockEvent) -> napi::Result<Self> {
        let kind = kind_name(&event.content).to_owned();
        let chaincode_events = event
            .chaincode_events()
            .into_iter()
            .map(ChaincodeEvent::from)
            .collect();
        let (transactions, bytes) = match &event.content {
            BlockContent::Filtered(f) => {
                let txs = filtered_block_status(f)
                    .txs
                    .into_iter()
                    .enumerate()
                    .map(|(i, tx)| BlockTransaction {
                        index: u32::try_from(i).unwrap_or(u32::MAX),
                        tx_id: tx.tx_id,
                        validation_code: Some(tx.code),
                        validation_code_name: Some(validation_code_name(tx.code)),
                    })
                    .collect();
                (txs, f.encode_to_vec())
            }
            BlockContent::Full(_) | BlockContent::WithPrivateData(_) => match event.block() {
                Some(block) => (full_block_transactions(block)?, block.encode_to_vec()),
                None => (Vec::new(), Vec::new()),
            },
        };
        Ok(BlockEventData {
            number: event.block_number as f64,
            kind,
            transactions,
            chaincode_events,
            bytes: bytes.into(),
        })
    }
}

/// The transactions of a full block, as sdk-core's block decoder reads them.
fn full_block_transactions(block: &Block) -> napi::Result<Vec<BlockTransaction>> {
    let decoded = fabweave::ledger::decode_block(block).map_err(error::to_js)?;
    Ok(decoded
        .transactions
        .into_iter()
        .map(|t| BlockTransaction {
            index: u32::try_from(t.index).unwrap_or(u32::MAX),
            tx_id: t.tx_id,
            validation_code: t.validation_code,
            validation_code_name: t.validation_code_name,
        })
        .collect())
}

/// Decodes a protobuf-encoded `common.Block` for people (sdk-core's `decode_block`), with
/// camelCase keys: `BlockEvent.decode()`.
#[napi]
pub fn decode_block(bytes: Buffer) -> napi::Result<Value> {
    let block = Block::decode(bytes.as_ref()).map_err(|e| {
        error::to_js(fabweave::Error::Protocol {
            endpoint: "block".into(),
            message: format!("not a common.Block: {e}"),
        })
    })?;
    let decoded = fabweave::ledger::decode_block(&block).map_err(error::to_js)?;
    Ok(camel_keys(decoded.to_json_value()))
}

/// An sdk-core stream shared by a native stream object and the `next()` calls in progress.
struct Feed<T> {
    stream: Mutex<EventStream<T>>,
    /// `next()` calls take turns: one waits for the stream at a time.
    turns: Turns<()>,
    closed: AtomicBool,
    closing: Notify,
    checkpointer: Option<Arc<dyn fev::Checkpointer>>,
}

impl<T: Send + 'static> Feed<T> {
    fn new(stream: EventStream<T>, checkpointer: Option<Arc<dyn fev::Checkpointer>>) -> Arc<Self> {
        Arc::new(Feed {
            stream: Mutex::new(stream),
            turns: Turns::new(()),
            closed: AtomicBool::new(false),
            closing: Notify::new(),
            checkpointer,
        })
    }

    fn with<R>(&self, f: impl FnOnce(&mut EventStream<T>) -> R) -> R {
        f(&mut self.stream.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The next item; `None` at the end of the stream or once closed (a close while waiting
    /// ends the wait at once).
    async fn next(self: Arc<Self>) -> Option<fabweave::Result<T>> {
        // Registered before the flag is read: a close() from now on wakes it.
        let closing = pin!(self.closing.notified());
        if self.closed.load(Ordering::SeqCst) {
            return None;
        }
        let read = pin!(async {
            let _turn = self.turns.lock().await;
            poll_fn(|cx| self.with(|s| s.poll_next_unpin(cx))).await
        });
        match select(closing, read).await {
            Which::Left(_) => None,
            Which::Right((item, _)) => item,
        }
    }

    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.closing.notify_waiters();
        self.with(EventStream::close);
    }
}

/// The native methods of a stream class `$class` of core items `$core`, handed to JavaScript
/// as `$item` (made by the expression `$convert` from `item`).
macro_rules! stream_class {
    ($(#[$doc:meta])* $class:ident, $core:ty, $item:ty, $convert:expr) => {
        $(#[$doc])*
        #[napi]
        pub struct $class {
            feed: Arc<Feed<$core>>,
        }

        #[napi]
        impl $class {
            /// The next item, or null at the end of the stream (after `close()`, which also
            /// ends a `next()` in progress). Rejects with the error the stream ended with.
            #[napi]
            pub async fn next(&self) -> napi::Result<Option<$item>> {
                match Arc::clone(&self.feed).next().await {
                    Some(Ok(item)) => {
                        let convert: fn($core) -> napi::Result<$item> = $convert;
                        convert(item).map(Some)
                    }
                    Some(Err(e)) => Err(error::to_js(e)),
                    None => Ok(None),
                }
            }

            /// Records `position` as processed in the stream's checkpointer (nothing without
            /// one).
            #[napi]
            pub async fn ack(&self, position: Checkpoint) -> napi::Result<()> {
                let position = position.to_core("event")?;
                save(self.feed.checkpointer.clone(), position).await
            }

            /// Stops reading: the deliver stream ends and pending `next()` calls resolve to
            /// null. Closing twice is harmless.
            #[napi]
            pub fn close(&self) {
                self.feed.close();
            }

            /// Whether `close()` was called.
            #[napi(getter)]
            pub fn closed(&self) -> bool {
                self.feed.closed.load(Ordering::SeqCst)
            }

            /// The peer the stream reads from now, while connected.
            #[napi(getter)]
            pub fn peer(&self) -> Option<String> {
                self.feed.with(|s| s.peer())
            }

            /// How many deliver streams were opened so far (1 until a reconnection).
            #[napi(getter)]
            pub fn sessions(&self) -> f64 {
                self.feed.with(|s| s.sessions()) as f64
            }

            /// The last error a peer's stream ended with (kept after the stream recovered),
            /// encoded as `errors.js` reads it, or null.
            #[napi(getter)]
            pub fn last_error(&self) -> Option<String> {
                self.feed
                    .with(|s| s.last_error())
                    .map(|e| error::to_js(e).reason)
            }

            /// The channel.
            #[napi(getter)]
            pub fn channel(&self) -> String {
                self.feed.with(|s| s.channel().to_owned())
            }
        }
    };
}

stream_class!(
    /// The chaincode events of one contract, in ledger order.
    ChaincodeEventStream,
    fev::ChaincodeEvent,
    ChaincodeEvent,
    |e| Ok(ChaincodeEvent::from(e))
);

stream_class!(
    /// The blocks of one channel, in order.
    BlockEventStream,
    fev::BlockEvent,
    BlockEventData,
    BlockEventData::new
);

/// Where a stream starts: `newest`, `oldest`, `nextCommit`, a block number, or after a
/// checkpoint.
type Start = Either3<String, f64, Checkpoint>;

fn parse_start(start: Option<Start>) -> napi::Result<StartAt> {
    match start {
        None => Ok(StartAt::Newest),
        Some(Either3::A(name)) => match name.as_str() {
            "newest" => Ok(StartAt::Newest),
            "oldest" => Ok(StartAt::Oldest),
            "nextCommit" => Ok(StartAt::NextCommit),
            other => Err(error::invalid(format!(
                "start must be 'newest', 'oldest', 'nextCommit', a block number or a \
                 checkpoint, not {other:?}"
            ))),
        },
        Some(Either3::B(n)) => Ok(StartAt::Block(block_number(n, "start")?)),
        Some(Either3::C(c)) => Ok(StartAt::After(c.to_core("start")?)),
    }
}

/// `contract.chaincodeEvents()`'s options (the checkpointer comes as its own argument).
#[napi(object)]
#[derive(Default)]
pub struct ChaincodeEventsOptions {
    /// Only events of this name.
    pub event_name: Option<String>,
    /// Where to start when the checkpointer has no position: `newest` (default), `oldest`,
    /// `nextCommit`, a block number, or a checkpoint to resume after.
    pub start: Option<Start>,
    /// The blocks events are read from: `full` (default), `filtered` (no payloads) or
    /// `withPrivateData`.
    pub kind: Option<String>,
    /// Seconds without any peer delivering before the stream ends with an error (default 300).
    pub give_up_after: Option<f64>,
}

/// `network.blockEvents()`'s options (the checkpointer comes as its own argument).
#[napi(object)]
#[derive(Default)]
pub struct BlockEventsOptions {
    /// `full` (default), `filtered` or `withPrivateData`.
    pub kind: Option<String>,
    /// Where to start when the checkpointer has no position: `newest` (default), `oldest`,
    /// `nextCommit`, a block number, or a checkpoint to resume after.
    pub start: Option<Start>,
    /// Seconds without any peer delivering before the stream ends with an error (default 300).
    pub give_up_after: Option<f64>,
}

/// Applies the options both stream builders share.
macro_rules! apply_common {
    ($builder:expr, $kind:expr, $start:expr, $checkpointer:expr, $give_up_after:expr) => {{
        let mut b = $builder
            .kind(parse_kind($kind.as_deref().unwrap_or("full"))?)
            .start(parse_start($start)?);
        if let Some(c) = $checkpointer {
            b = b.checkpointer(c);
        }
        if let Some(d) = opt_seconds($give_up_after, "giveUpAfter")? {
            b = b.give_up_after(d);
        }
        b
    }};
}

#[napi]
impl Client {
    /// Opens a stream of the events chaincode `contract` of channel `channel` emits in valid
    /// transactions; resolves once the stream's reader runs (connection problems show in the
    /// stream).
    #[napi(ts_return_type = "Promise<ChaincodeEventStream>")]
    pub fn chaincode_events<'env>(
        &self,
        env: &'env Env,
        channel: String,
        contract: String,
        options: Option<ChaincodeEventsOptions>,
        checkpointer: Option<ClassInstance<'_, Checkpointer>>,
    ) -> napi::Result<PromiseRaw<'env, ChaincodeEventStream>> {
        let o = options.unwrap_or_default();
        let checkpointer = checkpointer.map(|c| Arc::clone(&c.inner));
        let mut builder = apply_common!(
            self.get()?
                .network(channel)
                .contract(contract)
                .chaincode_events(),
            o.kind,
            o.start,
            checkpointer.clone(),
            o.give_up_after
        );
        if let Some(name) = o.event_name {
            builder = builder.event_name(name);
        }
        env.spawn_future(async move {
            let stream = builder.open().await.map_err(error::to_js)?;
            Ok(ChaincodeEventStream {
                feed: Feed::new(stream, checkpointer),
            })
        })
    }

    /// Opens a stream of channel `channel`'s blocks; resolves once the stream's reader runs
    /// (connection problems show in the stream).
    #[napi(ts_return_type = "Promise<BlockEventStream>")]
    pub fn block_events<'env>(
        &self,
        env: &'env Env,
        channel: String,
        options: Option<BlockEventsOptions>,
        checkpointer: Option<ClassInstance<'_, Checkpointer>>,
    ) -> napi::Result<PromiseRaw<'env, BlockEventStream>> {
        let o = options.unwrap_or_default();
        let checkpointer = checkpointer.map(|c| Arc::clone(&c.inner));
        let builder = apply_common!(
            self.get()?.network(channel).block_events(),
            o.kind,
            o.start,
            checkpointer.clone(),
            o.give_up_after
        );
        env.spawn_future(async move {
            let stream = builder.open().await.map_err(error::to_js)?;
            Ok(BlockEventStream {
                feed: Feed::new(stream, checkpointer),
            })
        })
    }
}
