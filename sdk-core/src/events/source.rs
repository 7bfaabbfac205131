//! The machinery behind block and chaincode event streams: a task that reads one deliver
//! stream at a time from the channel's peers, hands what it reads to the application through a
//! bounded queue, and — when the peer's stream fails — reopens it on another peer (the client's
//! organization first, then any peer of the channel), resuming after the last item delivered.
//!
//! Resumption is by position: the task remembers the last item handed over as a
//! [`Checkpoint`] (block, and transaction index for per-transaction items); a new stream asks
//! for [`Checkpoint::resume_block`] and skips what the checkpoint covers, so nothing is lost
//! and nothing repeats across reconnections.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use futures_util::Stream;
use tokio::sync::mpsc;

use super::checkpoint::{Checkpoint, Checkpointer, Positioned};
use super::session::{self, call_error, Opened};
use crate::config::Endpoint;
use crate::error::{Error, PeerFailure, Result};
use crate::identity::Identity;
use crate::proto::common::{Block, Status};
use crate::proto::peer::{deliver_response, BlockAndPrivateData, FilteredBlock};
use crate::protocol::deliver::SeekFrom;
use crate::transport::{Connections, DeliverService};

/// Which deliver service a stream reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BlockKind {
    /// Full blocks (`Deliver`): every transaction with its read/write sets and chaincode event
    /// payloads. ACL `event/Block` (channel readers).
    #[default]
    Full,
    /// Filtered blocks (`DeliverFiltered`): transaction ids, validation codes and chaincode
    /// event names — no payloads, no read/write sets; small. ACL `event/FilteredBlock`.
    Filtered,
    /// Full blocks with the private data the caller's organization may read
    /// (`DeliverWithPrivateData`), keyed by transaction index. ACL `event/Block`.
    WithPrivateData,
}

impl BlockKind {
    /// The gRPC method's name, for messages.
    pub fn method(self) -> &'static str {
        match self {
            BlockKind::Full => "Deliver",
            BlockKind::Filtered => "DeliverFiltered",
            BlockKind::WithPrivateData => "DeliverWithPrivateData",
        }
    }
}

/// Where a stream starts when its checkpointer has no checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum StartAt {
    /// The newest block already committed (the peer's height − 1), then every later one.
    /// Works on every Fabric version.
    #[default]
    Newest,
    /// The first block of the channel.
    Oldest,
    /// Block `n`: the peer waits for it if the channel is exactly that high; a peer lower than
    /// that answers `NOT_FOUND` and another peer is tried.
    Block(u64),
    /// The next block committed after the stream opens (Fabric 2.3+).
    NextCommit,
    /// After this checkpoint: from its block, skipping what it covers.
    After(Checkpoint),
}

/// Tuning of an event stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventOptions {
    /// The first wait after every peer failed in a row (default 100 ms); doubled after each
    /// such round.
    pub backoff_min: Duration,
    /// The longest wait between rounds (default 5 s).
    pub backoff_max: Duration,
    /// How long the stream keeps trying when no peer delivers a block, before it ends with
    /// [`Error::EventsUnavailable`] (default 5 min).
    pub give_up_after: Duration,
    /// How many items may wait for the application before the stream stops reading
    /// (default 256).
    pub buffer: usize,
}

impl Default for EventOptions {
    fn default() -> Self {
        EventOptions {
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            give_up_after: Duration::from_secs(300),
            buffer: 256,
        }
    }
}

/// A peer a stream may read from.
#[derive(Debug, Clone)]
pub struct EventPeer {
    /// Its name (profile or discovery).
    pub name: String,
    /// Its organization's MSP ID, when known.
    pub msp_id: Option<String>,
    /// Where to reach it.
    pub endpoint: Endpoint,
}

/// What one deliver response carried.
#[derive(Debug, Clone, PartialEq)]
pub enum BlockContent {
    /// A full block.
    Full(Block),
    /// A filtered block.
    Filtered(FilteredBlock),
    /// A full block with the caller's private data.
    WithPrivateData(BlockAndPrivateData),
}

impl BlockContent {
    /// The block number.
    pub fn number(&self) -> u64 {
        match self {
            BlockContent::Full(b) => block_number(b),
            BlockContent::Filtered(f) => f.number,
            BlockContent::WithPrivateData(p) => p.block.as_ref().map_or(0, block_number),
        }
    }

    /// The full block, for [`BlockKind::Full`] and [`BlockKind::WithPrivateData`].
    pub fn block(&self) -> Option<&Block> {
        match self {
            BlockContent::Full(b) => Some(b),
            BlockContent::WithPrivateData(p) => p.block.as_ref(),
            BlockContent::Filtered(_) => None,
        }
    }
}

fn block_number(b: &Block) -> u64 {
    b.header.as_ref().map_or(0, |h| h.number)
}

/// Lists the peers a stream may read from (asked again before each round, so that what
/// discovery learns is used).
pub(crate) type PeerLister = Arc<dyn Fn() -> BoxFuture<'static, Vec<EventPeer>> + Send + Sync>;

/// Turns a block into the items handed to the application.
pub(crate) trait Emitter: Send + 'static {
    /// What the stream yields.
    type Item: Send + 'static;
    /// The block's items not covered by `done` (the last item handed over), each with its
    /// transaction index (`None`: the item is the whole block).
    fn items(
        &mut self,
        content: BlockContent,
        done: Option<&Checkpoint>,
    ) -> Vec<(Option<u32>, Self::Item)>;
}

/// Everything a stream's task needs.
pub(crate) struct Source<E> {
    pub(crate) connections: Connections,
    pub(crate) identity: Identity,
    pub(crate) channel: String,
    pub(crate) own_msp: String,
    pub(crate) kind: BlockKind,
    pub(crate) peers: PeerLister,
    pub(crate) options: EventOptions,
    pub(crate) start: StartAt,
    pub(crate) emitter: E,
}

/// State shared between a stream's task and its handle.
#[derive(Default)]
struct Shared {
    peer: Mutex<Option<String>>,
    sessions: AtomicU64,
    last_error: Mutex<Option<Error>>,
}

impl Shared {
    fn set_peer(&self, peer: Option<&str>) {
        *self.peer.lock().unwrap_or_else(PoisonError::into_inner) = peer.map(str::to_owned);
    }
}

/// A stream of events (chaincode events or blocks): a [`futures_util::Stream`] of
/// `Result<T>`.
///
/// It ends (`None`) after [`EventStream::close`], or after yielding an error it cannot recover
/// from ([`Error::EventsUnavailable`] when no peer delivered for
/// [`EventOptions::give_up_after`], [`Error::Protocol`] when a peer refused the stream with
/// `FORBIDDEN` or `BAD_REQUEST`). Dropping it stops reading at once.
pub struct EventStream<T> {
    receiver: mpsc::Receiver<Result<T>>,
    shared: Arc<Shared>,
    task: tokio::task::AbortHandle,
    checkpointer: Option<Arc<dyn Checkpointer>>,
    channel: String,
    closed: bool,
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream")
            .field("channel", &self.channel)
            .field("peer", &self.peer())
            .field("sessions", &self.sessions())
            .field("closed", &self.closed)
            .finish()
    }
}

impl<T> EventStream<T> {
    /// The peer the stream reads from now (its name), while connected.
    pub fn peer(&self) -> Option<String> {
        self.shared
            .peer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// How many deliver streams were opened so far (1 until a reconnection).
    pub fn sessions(&self) -> u64 {
        self.shared.sessions.load(Ordering::Relaxed)
    }

    /// The last error a peer's stream ended with (kept after the stream recovered).
    pub fn last_error(&self) -> Option<Error> {
        self.shared
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The channel.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// Records `event` as processed in the stream's checkpointer (nothing when the stream has
    /// none). Call it after processing the event.
    ///
    /// Errors: [`Error::Checkpoint`] from the checkpointer.
    pub fn ack(&self, event: &dyn Positioned) -> Result<()> {
        match &self.checkpointer {
            Some(c) => c.checkpoint(event),
            None => Ok(()),
        }
    }

    /// Stops reading: the deliver stream is closed, and the stream ends (items already
    /// received and not yet taken are dropped).
    pub fn close(&mut self) {
        self.task.abort();
        self.receiver.close();
        self.closed = true;
        self.shared.set_peer(None);
    }
}

impl<T> Stream for EventStream<T> {
    type Item = Result<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.closed {
            return Poll::Ready(None);
        }
        this.receiver.poll_recv(cx)
    }
}

impl<T> Drop for EventStream<T> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the stream's task (needs a tokio runtime) and returns its handle. `resume` (from a
/// checkpointer) overrides the start position.
pub(crate) fn spawn<E: Emitter>(
    source: Source<E>,
    resume: Option<Checkpoint>,
    checkpointer: Option<Arc<dyn Checkpointer>>,
) -> EventStream<E::Item> {
    let (sender, receiver) = mpsc::channel(source.options.buffer.max(1));
    let shared = Arc::new(Shared::default());
    let channel = source.channel.clone();
    let resume = resume.or_else(|| match &source.start {
        StartAt::After(c) => Some(c.clone()),
        _ => None,
    });
    let task = tokio::spawn(run(source, resume, sender, Arc::clone(&shared))).abort_handle();
    EventStream {
        receiver,
        shared,
        task,
        checkpointer,
        channel,
        closed: false,
    }
}

/// How a session ended.
enum End {
    /// The application dropped or closed the stream.
    Closed,
    /// The peer's stream failed.
    Broke {
        delivered: bool,
        error: Error,
        fatal: bool,
    },
}

/// How long a peer that failed goes to the back of the list.
const AVOID_FOR: Duration = Duration::from_secs(30);

async fn run<E: Emitter>(
    mut source: Source<E>,
    mut cursor: Option<Checkpoint>,
    sender: mpsc::Sender<Result<E::Item>>,
    shared: Arc<Shared>,
) {
    let mut backoff = source.options.backoff_min;
    let mut failing_since: Option<Instant> = None;
    let mut failures: BTreeMap<String, PeerFailure> = BTreeMap::new();
    let mut avoid: HashMap<String, Instant> = HashMap::new();
    loop {
        let peers = order((source.peers)().await, &source, &avoid);
        if peers.is_empty() {
            failing_since.get_or_insert_with(Instant::now);
        }
        let mut delivered_any = false;
        for peer in &peers {
            let opened = Instant::now();
            let end = session(&mut source, peer, &mut cursor, &sender, &shared).await;
            shared.set_peer(None);
            let (delivered, error, fatal) = match end {
                End::Closed => return,
                End::Broke {
                    delivered,
                    error,
                    fatal,
                } => (delivered, error, fatal),
            };
            tracing::debug!(peer = %peer.name, channel = %source.channel, %error, delivered,
                "event stream ended; reopening");
            *shared
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(error.clone());
            if fatal {
                let _ = sender.send(Err(error)).await;
                return;
            }
            let address = peer.endpoint.address();
            if matches!(error, Error::Transport { .. } | Error::Timeout { .. }) {
                source
                    .connections
                    .health()
                    .failed(&address, &error.to_string());
            }
            avoid.insert(peer.name.clone(), Instant::now());
            if delivered || opened.elapsed() > source.options.backoff_max * 2 {
                // It worked until now: the outage starts here.
                failures.clear();
                failing_since = Some(Instant::now());
            } else {
                failing_since.get_or_insert_with(Instant::now);
            }
            failures.insert(
                peer.name.clone(),
                PeerFailure {
                    peer: peer.name.clone(),
                    address,
                    msp_id: peer.msp_id.clone().unwrap_or_default(),
                    status: 0,
                    message: error.to_string(),
                },
            );
            if delivered {
                delivered_any = true;
                backoff = source.options.backoff_min;
                // Re-list: the next best peer may have changed.
                break;
            }
            if give_up(failing_since, &source.options) {
                break;
            }
        }
        if give_up(failing_since, &source.options) {
            let error = Error::EventsUnavailable {
                channel: source.channel.clone(),
                after: failing_since.map_or(Duration::ZERO, |t| t.elapsed()),
                peers: failures.into_values().collect(),
            };
            *shared
                .last_error
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(error.clone());
            let _ = sender.send(Err(error)).await;
            return;
        }
        if delivered_any {
            continue;
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = sender.closed() => return,
        }
        backoff = backoff.saturating_mul(2).min(source.options.backoff_max);
    }
}

fn give_up(failing_since: Option<Instant>, options: &EventOptions) -> bool {
    failing_since.is_some_and(|t| t.elapsed() >= options.give_up_after)
}

/// The peers in the order they are tried: not recently failed first, then the client's own
/// organization first; the list's order within each part.
fn order<E>(
    mut peers: Vec<EventPeer>,
    source: &Source<E>,
    avoid: &HashMap<String, Instant>,
) -> Vec<EventPeer> {
    let health = source.connections.health();
    peers.sort_by_key(|p| {
        let recently_failed = avoid.get(&p.name).is_some_and(|t| t.elapsed() < AVOID_FOR)
            || health.is_set_aside(&p.endpoint.address());
        (
            recently_failed,
            p.msp_id.as_deref() != Some(&source.own_msp),
        )
    });
    peers
}

/// One deliver stream on one peer, until it fails or the application goes away.
async fn session<E: Emitter>(
    source: &mut Source<E>,
    peer: &EventPeer,
    cursor: &mut Option<Checkpoint>,
    sender: &mpsc::Sender<Result<E::Item>>,
    shared: &Shared,
) -> End {
    let address = peer.endpoint.address();
    let broke = |delivered: bool, error: Error| End::Broke {
        delivered,
        error,
        fatal: false,
    };
    let start = match (cursor.as_ref(), &source.start) {
        (Some(c), _) => SeekFrom::Block(c.resume_block()),
        (None, StartAt::Newest) => SeekFrom::Newest,
        (None, StartAt::Oldest) => SeekFrom::Oldest,
        (None, StartAt::Block(n)) => SeekFrom::Block(*n),
        (None, StartAt::NextCommit) => SeekFrom::NextCommit,
        (None, StartAt::After(c)) => SeekFrom::Block(c.resume_block()),
    };
    let service = match source.kind {
        BlockKind::Full => DeliverService::Blocks,
        BlockKind::Filtered => DeliverService::Filtered,
        BlockKind::WithPrivateData => DeliverService::WithPrivateData,
    };
    shared.set_peer(Some(&peer.name));
    // No deadline on opening: a peer whose height is the block asked for sends nothing (not
    // even headers) until that block commits. A dead peer fails the call.
    let opened = session::open(
        &source.connections,
        &source.identity,
        &peer.endpoint,
        &source.channel,
        service,
        start,
    );
    let mut responses = tokio::select! {
        r = opened => match r {
            Ok(r) => r,
            Err(Opened::Unsendable(error)) => {
                return End::Broke {
                    delivered: false,
                    error,
                    fatal: true,
                }
            }
            Err(Opened::Failed(e)) => return broke(false, e),
        },
        _ = sender.closed() => return End::Closed,
    };
    shared.sessions.fetch_add(1, Ordering::Relaxed);
    let mut delivered = false;
    loop {
        let message = tokio::select! {
            m = responses.next() => m,
            _ = sender.closed() => return End::Closed,
        };
        let content = match message {
            Ok(Some(r)) => match r.r#type {
                Some(deliver_response::Type::Block(b)) => BlockContent::Full(b),
                Some(deliver_response::Type::FilteredBlock(f)) => BlockContent::Filtered(f),
                Some(deliver_response::Type::BlockAndPrivateData(p)) => {
                    BlockContent::WithPrivateData(p)
                }
                Some(deliver_response::Type::Status(code)) => {
                    let (error, fatal) = status_end(&address, &source.channel, source.kind, code);
                    return End::Broke {
                        delivered,
                        error,
                        fatal,
                    };
                }
                None => {
                    let error = Error::Protocol {
                        endpoint: address.clone(),
                        message: "empty deliver response".into(),
                    };
                    return broke(delivered, error);
                }
            },
            Ok(None) => {
                let error = Error::Transport {
                    endpoint: address.clone(),
                    message: "the peer ended the deliver stream".into(),
                };
                return broke(delivered, error);
            }
            Err(e) => return broke(delivered, call_error(&address, e)),
        };
        let number = content.number();
        match accept(cursor.as_ref(), number) {
            Accept::Take => {}
            Accept::Seen => continue,
            Accept::Gap { expected } => {
                let error = Error::Protocol {
                    endpoint: address.clone(),
                    message: format!("asked for block {expected} but got block {number}"),
                };
                return broke(delivered, error);
            }
        }
        if !delivered {
            source.connections.health().succeeded(&address);
            delivered = true;
        }
        for (index, item) in source.emitter.items(content, cursor.as_ref()) {
            if sender.send(Ok(item)).await.is_err() {
                return End::Closed;
            }
            if let Some(i) = index {
                *cursor = Some(Checkpoint::transaction(number, i, ""));
            }
        }
        *cursor = Some(Checkpoint::block(number));
    }
}

/// What to do with a block that arrives after `done` was handed over.
#[derive(Debug, PartialEq, Eq)]
enum Accept {
    /// Hand over what `done` does not cover.
    Take,
    /// Handed over entirely already (a peer replaying after a reconnection).
    Seen,
    /// Blocks are missing in between: the stream must be reopened.
    Gap {
        /// The block that should have come.
        expected: u64,
    },
}

fn accept(done: Option<&Checkpoint>, number: u64) -> Accept {
    match done {
        None => Accept::Take,
        Some(c) if c.covers_block(number) => Accept::Seen,
        Some(c) if number > c.resume_block() => Accept::Gap {
            expected: c.resume_block(),
        },
        Some(_) => Accept::Take,
    }
}

/// The error a deliver status ends a stream with, and whether another peer would say the same
/// (the identity may not read the channel, or the request itself is bad).
fn status_end(address: &str, channel: &str, kind: BlockKind, code: i32) -> (Error, bool) {
    let status = Status::try_from(code).ok();
    let name = status.map_or("unknown status", |s| s.as_str_name());
    let (hint, fatal) = match status {
        Some(Status::Forbidden) => (
            format!(
                "; the identity may not read this channel's {} (ACL event/{}), or its \
                 certificate expired",
                kind.method(),
                if kind == BlockKind::Filtered {
                    "FilteredBlock"
                } else {
                    "Block"
                }
            ),
            true,
        ),
        Some(Status::BadRequest) => (
            "; check the client clock, and the client TLS certificate under mutual TLS".into(),
            true,
        ),
        Some(Status::NotFound) => (
            "; the peer does not know the channel, or has not reached the block yet".into(),
            false,
        ),
        _ => (String::new(), false),
    };
    let error = Error::Protocol {
        endpoint: address.to_owned(),
        message: format!(
            "{} stream of {channel} ended with status {code} {name}{hint}",
            kind.method()
        ),
    };
    (error, fatal)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn blocks_after_a_reconnection() {
        assert_eq!(accept(None, 7), Accept::Take);
        let whole = Checkpoint::block(7);
        assert_eq!(accept(Some(&whole), 6), Accept::Seen);
        assert_eq!(accept(Some(&whole), 7), Accept::Seen);
        assert_eq!(accept(Some(&whole), 8), Accept::Take);
        assert_eq!(accept(Some(&whole), 9), Accept::Gap { expected: 8 });
        // Part of block 7 handed over: block 7 comes again (its rest is taken), 8 is a gap.
        let part = Checkpoint::transaction(7, 2, "t");
        assert_eq!(accept(Some(&part), 6), Accept::Seen);
        assert_eq!(accept(Some(&part), 7), Accept::Take);
        assert_eq!(accept(Some(&part), 8), Accept::Gap { expected: 7 });
    }

    #[test]
    fn statuses_that_end_the_stream_for_good() {
        let (e, fatal) = status_end("p:1", "ch", BlockKind::WithPrivateData, 403);
        assert!(fatal);
        assert!(e.to_string().contains("FORBIDDEN"), "{e}");
        assert!(e.to_string().contains("DeliverWithPrivateData"), "{e}");
        assert!(status_end("p:1", "ch", BlockKind::Full, 400).1);
        assert!(!status_end("p:1", "ch", BlockKind::Full, 404).1);
        assert!(!status_end("p:1", "ch", BlockKind::Full, 503).1);
    }
}
