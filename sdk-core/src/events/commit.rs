//! The commit hub: streams by (peer, channel), waiters by transaction id, recent statuses.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::sync::{oneshot, watch};

use super::stream;
use crate::config::Endpoint;
use crate::error::{Error, Result, Stage};
use crate::identity::Identity;
use crate::protocol::deliver::BlockStatus;
use crate::transport::Connections;

/// Tuning of a [`CommitHub`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct HubOptions {
    /// How many recent transaction statuses each stream remembers, so that a registration
    /// made just after its transaction committed still resolves (default 8192).
    pub cache_capacity: usize,
    /// The first wait before reopening a broken stream (default 100 ms); doubled after each
    /// failure in a row.
    pub backoff_min: Duration,
    /// The longest wait between reopening attempts (default 5 s).
    pub backoff_max: Duration,
    /// How long [`CommitHub::watch`] waits for a new stream's first block (default 15 s, the
    /// profile's `eventService.timeout.registrationResponse` default).
    pub start_timeout: Duration,
}

impl Default for HubOptions {
    fn default() -> Self {
        HubOptions {
            cache_capacity: 8192,
            backoff_min: Duration::from_millis(100),
            backoff_max: Duration::from_secs(5),
            start_timeout: Duration::from_secs(15),
        }
    }
}

/// How a transaction ended on one peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxOutcome {
    /// The peer that reported it (its name as given to [`CommitHub::watch`]).
    pub peer: String,
    /// The channel.
    pub channel: String,
    /// The transaction id.
    pub tx_id: String,
    /// The block it is in.
    pub block: u64,
    /// Its validation code (`TxValidationCode`): 0 `VALID`, otherwise why it is invalid (e.g.
    /// 10 `ENDORSEMENT_POLICY_FAILURE`, 11 `MVCC_READ_CONFLICT`).
    pub code: i32,
    /// The chaincode events it emitted, as `(chaincode name, event name)` (no payloads:
    /// filtered blocks drop them).
    pub events: Vec<(String, String)>,
}

impl TxOutcome {
    /// Whether the transaction was committed as valid.
    pub fn is_valid(&self) -> bool {
        self.code == 0
    }
}

/// What a stream is doing, for [`CommitHub::stream_info`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StreamInfo {
    /// Whether its task runs (delivering, or reopening the stream).
    pub running: bool,
    /// The last block seen + 1, once a block was seen.
    pub height: Option<u64>,
    /// How many times a deliver stream was opened (1 until a reconnection).
    pub sessions: u64,
    /// How many registrations wait.
    pub waiting: usize,
    /// The last error the stream met, if any (kept after it recovered).
    pub last_error: Option<Error>,
}

/// Where a stream is in its life, published to [`CommitHub::watch`] callers.
#[derive(Debug, Clone)]
pub(super) enum Phase {
    /// No task, or a task that has not delivered a block yet.
    Starting,
    /// A block was delivered; from now on nothing is missed.
    Running,
    /// The task gave up before its first block (it is restarted by the next `watch`).
    Failed(Error),
}

type Waiter = (u64, oneshot::Sender<TxOutcome>);

/// Per-stream data shared by the hub, the stream's task and its registrations.
pub(super) struct State {
    waiters: HashMap<String, Vec<Waiter>>,
    waiting: usize,
    next_id: u64,
    recent: HashMap<String, TxOutcome>,
    order: VecDeque<String>,
    next_block: Option<u64>,
    sessions: u64,
    last_error: Option<Error>,
}

/// One (peer, channel): its state, its phase and its task.
pub(super) struct Stream {
    pub(super) peer: String,
    pub(super) channel: String,
    capacity: usize,
    state: Mutex<State>,
    pub(super) phase: watch::Sender<Phase>,
    task: Mutex<Option<tokio::task::AbortHandle>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Stream {
    fn new(peer: &str, channel: &str, capacity: usize) -> Stream {
        Stream {
            peer: peer.to_owned(),
            channel: channel.to_owned(),
            capacity,
            state: Mutex::new(State {
                waiters: HashMap::new(),
                waiting: 0,
                next_id: 0,
                recent: HashMap::new(),
                order: VecDeque::new(),
                next_block: None,
                sessions: 0,
                last_error: None,
            }),
            phase: watch::channel(Phase::Starting).0,
            task: Mutex::new(None),
        }
    }

    /// The block to resume from: the one after the last seen, if any.
    pub(super) fn next_block(&self) -> Option<u64> {
        lock(&self.state).next_block
    }

    pub(super) fn session_opened(&self) {
        lock(&self.state).sessions += 1;
    }

    pub(super) fn record_error(&self, error: Error) {
        lock(&self.state).last_error = Some(error);
    }

    /// Resolves the waiters of the block's transactions and remembers their statuses. A block
    /// after a gap (blocks missing in between) is not taken: the stream must be reopened from
    /// the block expected (`Err` with its number), or the missing blocks' transactions would
    /// never be reported.
    pub(super) fn on_block(&self, block: BlockStatus) -> Result<(), u64> {
        {
            let mut st = lock(&self.state);
            if st.next_block.is_some_and(|next| block.number < next) {
                return Ok(()); // already seen
            }
            if let Some(next) = st.next_block.filter(|next| block.number > *next) {
                return Err(next);
            }
            st.next_block = Some(block.number.saturating_add(1));
            for tx in block.txs {
                if tx.tx_id.is_empty() {
                    continue;
                }
                let outcome = TxOutcome {
                    peer: self.peer.clone(),
                    channel: self.channel.clone(),
                    tx_id: tx.tx_id,
                    block: block.number,
                    code: tx.code,
                    events: tx.events,
                };
                if let Some(waiters) = st.waiters.remove(&outcome.tx_id) {
                    st.waiting -= waiters.len();
                    for (_, sender) in waiters {
                        let _ = sender.send(outcome.clone());
                    }
                }
                // The first status of a tx id is the one that counts: a later copy of the same
                // id is a DUPLICATE_TXID replay.
                if !st.recent.contains_key(&outcome.tx_id) {
                    st.order.push_back(outcome.tx_id.clone());
                    st.recent.insert(outcome.tx_id.clone(), outcome);
                    while st.order.len() > self.capacity {
                        if let Some(old) = st.order.pop_front() {
                            st.recent.remove(&old);
                        }
                    }
                }
            }
        }
        self.phase.send_if_modified(|p| {
            let changed = !matches!(p, Phase::Running);
            *p = Phase::Running;
            changed
        });
        Ok(())
    }

    fn register(self: &Arc<Self>, tx_id: &str) -> Registration {
        let (sender, receiver) = oneshot::channel();
        let mut st = lock(&self.state);
        let id = match st.recent.get(tx_id) {
            Some(outcome) => {
                let _ = sender.send(outcome.clone());
                None
            }
            None => {
                let id = st.next_id;
                st.next_id += 1;
                st.waiters
                    .entry(tx_id.to_owned())
                    .or_default()
                    .push((id, sender));
                st.waiting += 1;
                Some(id)
            }
        };
        Registration {
            receiver,
            id,
            tx_id: tx_id.to_owned(),
            peer: self.peer.clone(),
            channel: self.channel.clone(),
            stream: Arc::downgrade(self),
        }
    }

    fn unregister(&self, tx_id: &str, id: u64) {
        let mut st = lock(&self.state);
        let Some(waiters) = st.waiters.get_mut(tx_id) else {
            return;
        };
        let before = waiters.len();
        waiters.retain(|(i, _)| *i != id);
        let removed = before - waiters.len();
        if waiters.is_empty() {
            st.waiters.remove(tx_id);
        }
        st.waiting -= removed;
    }

    fn is_running(&self) -> bool {
        lock(&self.task).as_ref().is_some_and(|t| !t.is_finished())
    }

    /// Stops the task and fails every waiter.
    fn stop(&self) {
        if let Some(task) = lock(&self.task).take() {
            task.abort();
        }
        let mut st = lock(&self.state);
        st.waiters.clear();
        st.waiting = 0;
        drop(st);
        self.phase.send_replace(Phase::Failed(Error::Transport {
            endpoint: self.peer.clone(),
            message: format!("the commit event stream on {} was stopped", self.channel),
        }));
    }

    fn info(&self) -> StreamInfo {
        let running = self.is_running();
        let st = lock(&self.state);
        StreamInfo {
            running,
            height: st.next_block,
            sessions: st.sessions,
            waiting: st.waiting,
            last_error: st.last_error.clone(),
        }
    }
}

struct HubInner {
    connections: Connections,
    identity: Identity,
    options: HubOptions,
    streams: Mutex<HashMap<(String, String), Arc<Stream>>>,
}

impl Drop for HubInner {
    fn drop(&mut self) {
        for stream in lock(&self.streams).values() {
            stream.stop();
        }
    }
}

/// Commit statuses from one filtered deliver stream per (peer, channel), shared by every
/// transaction that waits. See the [module documentation](crate::events).
///
/// Cloning is cheap; clones share the streams, which stop when the last clone is dropped.
#[derive(Clone)]
pub struct CommitHub {
    inner: Arc<HubInner>,
}

impl fmt::Debug for CommitHub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let streams: Vec<String> = lock(&self.inner.streams)
            .keys()
            .map(|(p, c)| format!("{p}/{c}"))
            .collect();
        f.debug_struct("CommitHub")
            .field("identity", &self.inner.identity.msp_id())
            .field("streams", &streams)
            .finish()
    }
}

impl CommitHub {
    /// A hub that dials peers through `connections` and opens streams as `identity` (which must
    /// be a reader of the channels: `/Channel/Application/Readers` by default).
    pub fn new(connections: Connections, identity: Identity) -> CommitHub {
        CommitHub::with_options(connections, identity, HubOptions::default())
    }

    /// [`CommitHub::new`] with other [`HubOptions`].
    pub fn with_options(
        connections: Connections,
        identity: Identity,
        options: HubOptions,
    ) -> CommitHub {
        CommitHub {
            inner: Arc::new(HubInner {
                connections,
                identity,
                options,
                streams: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn stream(&self, peer: &str, channel: &str) -> Arc<Stream> {
        lock(&self.inner.streams)
            .entry((peer.to_owned(), channel.to_owned()))
            .or_insert_with(|| {
                Arc::new(Stream::new(
                    peer,
                    channel,
                    self.inner.options.cache_capacity,
                ))
            })
            .clone()
    }

    fn existing(&self, peer: &str, channel: &str) -> Option<Arc<Stream>> {
        lock(&self.inner.streams)
            .get(&(peer.to_owned(), channel.to_owned()))
            .cloned()
    }

    /// Makes sure the filtered deliver stream of `channel` on the peer named `peer_name`
    /// (reached at `endpoint`) runs, and returns once it delivered a block — from then on, a
    /// transaction registered before it is broadcast cannot be missed. A stream that already
    /// runs returns at once (also while it reconnects: it resumes where it stopped).
    ///
    /// Must be called within a tokio runtime (the stream runs as a spawned task). Streams are
    /// keyed by peer name and channel; the endpoint given first is the one used.
    ///
    /// Errors: what stopped the first attempt — [`Error::Transport`] or a connect
    /// [`Error::Timeout`] from dialing, [`Error::Protocol`] when the peer refused the stream
    /// (e.g. `FORBIDDEN` for a non-member, `NOT_FOUND` for an unknown channel) — or an
    /// [`Error::Timeout`] ([`Stage::Connect`]) after [`HubOptions::start_timeout`]. The next
    /// call tries again.
    pub async fn watch(&self, peer_name: &str, endpoint: &Endpoint, channel: &str) -> Result<()> {
        let stream = self.stream(peer_name, channel);
        let mut phase = {
            let mut task = lock(&stream.task);
            if task.as_ref().is_none_or(|t| t.is_finished()) {
                stream.phase.send_replace(Phase::Starting);
                let handle = tokio::spawn(stream::run(
                    Arc::clone(&stream),
                    self.inner.connections.clone(),
                    self.inner.identity.clone(),
                    endpoint.clone(),
                    self.inner.options,
                ));
                *task = Some(handle.abort_handle());
            }
            stream.phase.subscribe()
        };
        let started = async {
            loop {
                match &*phase.borrow_and_update() {
                    Phase::Running => return Ok(()),
                    Phase::Failed(e) => return Err(e.clone()),
                    Phase::Starting => {}
                }
                if phase.changed().await.is_err() {
                    return Err(Error::Transport {
                        endpoint: peer_name.to_owned(),
                        message: format!("the commit event stream on {channel} was stopped"),
                    });
                }
            }
        };
        let after = self.inner.options.start_timeout;
        match tokio::time::timeout(after, started).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                stage: Stage::Connect,
                after,
                tx_id: None,
                waiting_for: Some(format!(
                    "the first block of {channel} from {peer_name} ({})",
                    endpoint.address()
                )),
            }),
        }
    }

    /// Waits for `tx_id` on the stream of (`peer_name`, `channel`). Register **before**
    /// broadcasting; a transaction already seen since the stream started (within the last
    /// [`HubOptions::cache_capacity`]) resolves at once.
    ///
    /// Registering does not start a stream: call [`CommitHub::watch`] first. Dropping the
    /// [`Registration`] withdraws it.
    pub fn register(&self, peer_name: &str, channel: &str, tx_id: &str) -> Registration {
        self.stream(peer_name, channel).register(tx_id)
    }

    /// The last block seen on (`peer`, `channel`) + 1, once the stream delivered a block.
    pub fn height(&self, peer: &str, channel: &str) -> Option<u64> {
        self.existing(peer, channel)?.next_block()
    }

    /// What the stream of (`peer`, `channel`) is doing, if the hub knows it.
    pub fn stream_info(&self, peer: &str, channel: &str) -> Option<StreamInfo> {
        Some(self.existing(peer, channel)?.info())
    }

    /// How many streams run (one per watched (peer, channel)).
    pub fn running_streams(&self) -> usize {
        lock(&self.inner.streams)
            .values()
            .filter(|s| s.is_running())
            .count()
    }

    /// Stops the stream of (`peer`, `channel`); its registrations fail with
    /// [`Error::Transport`].
    pub fn unwatch(&self, peer: &str, channel: &str) {
        let removed = lock(&self.inner.streams).remove(&(peer.to_owned(), channel.to_owned()));
        if let Some(stream) = removed {
            stream.stop();
        }
    }
}

/// A wait for one transaction on one peer, from [`CommitHub::register`].
///
/// Await it (or call [`Registration::wait`]) for the [`TxOutcome`]; dropping it withdraws the
/// wait. It fails with [`Error::Transport`] only if the stream is stopped (hub dropped,
/// [`CommitHub::unwatch`]) before the transaction is seen; it does not time out by itself (see
/// [`Registration::wait_timeout`]).
pub struct Registration {
    receiver: oneshot::Receiver<TxOutcome>,
    id: Option<u64>,
    tx_id: String,
    peer: String,
    channel: String,
    stream: Weak<Stream>,
}

impl fmt::Debug for Registration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Registration")
            .field("tx_id", &self.tx_id)
            .field("peer", &self.peer)
            .field("channel", &self.channel)
            .field("waiting", &self.id.is_some())
            .finish()
    }
}

impl Registration {
    /// The transaction id waited for.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The peer whose stream reports it.
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// Waits for the transaction's outcome (see [`Registration`]).
    pub async fn wait(self) -> Result<TxOutcome> {
        self.await
    }

    /// Waits at most `after`; then [`Error::Timeout`] with [`Stage::Commit`], the tx id and the
    /// peer.
    pub async fn wait_timeout(self, after: Duration) -> Result<TxOutcome> {
        let tx_id = self.tx_id.clone();
        let peer = self.peer.clone();
        match tokio::time::timeout(after, self).await {
            Ok(result) => result,
            Err(_) => Err(Error::Timeout {
                stage: Stage::Commit,
                after,
                tx_id: Some(tx_id),
                waiting_for: Some(peer),
            }),
        }
    }
}

impl Future for Registration {
    type Output = Result<TxOutcome>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match Pin::new(&mut self.receiver).poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(outcome)) => {
                self.id = None;
                Poll::Ready(Ok(outcome))
            }
            Poll::Ready(Err(_)) => {
                self.id = None;
                Poll::Ready(Err(Error::Transport {
                    endpoint: self.peer.clone(),
                    message: format!(
                        "the commit event stream on {} was stopped before transaction {} was \
                         seen",
                        self.channel, self.tx_id
                    ),
                }))
            }
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let (Some(id), Some(stream)) = (self.id, self.stream.upgrade()) {
            stream.unregister(&self.tx_id, id);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::protocol::deliver::TxStatus;

    fn hub(capacity: usize) -> CommitHub {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/msp");
        let identity = Identity::from_msp_dir("Org1MSP", dir, None).unwrap();
        let options = HubOptions {
            cache_capacity: capacity,
            ..HubOptions::default()
        };
        CommitHub::with_options(
            Connections::new(None, Duration::from_secs(1)),
            identity,
            options,
        )
    }

    fn block(number: u64, txs: &[(&str, i32)]) -> BlockStatus {
        BlockStatus {
            number,
            txs: txs
                .iter()
                .map(|(id, code)| TxStatus {
                    tx_id: (*id).into(),
                    code: *code,
                    events: vec![("kv".into(), "Put".into())],
                })
                .collect(),
        }
    }

    #[tokio::test]
    async fn registered_before_the_block_resolves_with_its_status() {
        let hub = hub(100);
        let a = hub.register("p0", "ch", "a");
        let a2 = hub.register("p0", "ch", "a");
        let b = hub.register("p0", "ch", "b");
        let other_peer = hub.register("p1", "ch", "a");
        assert_eq!(hub.stream_info("p0", "ch").unwrap().waiting, 3);

        hub.existing("p0", "ch")
            .unwrap()
            .on_block(block(5, &[("a", 0), ("b", 10)]))
            .unwrap();
        let a = a.await.unwrap();
        assert_eq!(
            a,
            TxOutcome {
                peer: "p0".into(),
                channel: "ch".into(),
                tx_id: "a".into(),
                block: 5,
                code: 0,
                events: vec![("kv".into(), "Put".into())],
            }
        );
        assert!(a.is_valid());
        assert_eq!(a2.wait().await.unwrap().block, 5);
        let b = b.wait().await.unwrap();
        assert_eq!((b.code, b.is_valid()), (10, false));
        assert_eq!(hub.height("p0", "ch"), Some(6));
        assert_eq!(hub.stream_info("p0", "ch").unwrap().waiting, 0);

        // Another peer's stream has not seen it.
        assert_eq!(hub.stream_info("p1", "ch").unwrap().waiting, 1);
        let err = other_peer
            .wait_timeout(Duration::from_millis(20))
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            Error::Timeout { stage: Stage::Commit, tx_id: Some(ref t), waiting_for: Some(ref p), .. }
                if t == "a" && p == "p1"
        ));
        assert_eq!(hub.stream_info("p1", "ch").unwrap().waiting, 0);
    }

    #[tokio::test]
    async fn registered_after_the_block_resolves_from_the_cache() {
        let hub = hub(3);
        let stream = hub.stream("p0", "ch");
        stream.on_block(block(1, &[("t1", 0), ("t2", 11)])).unwrap();
        stream.on_block(block(2, &[("t3", 0), ("t4", 0)])).unwrap();
        // A replayed tx id (DUPLICATE_TXID) does not overwrite the first status.
        stream.on_block(block(3, &[("t4", 9)])).unwrap();
        // A block seen again (after a reconnection) is ignored.
        stream.on_block(block(2, &[("t9", 0)])).unwrap();
        // A block after a gap is refused: the stream reopens from the block expected.
        assert_eq!(stream.on_block(block(6, &[("t8", 0)])), Err(4));

        let t4 = hub.register("p0", "ch", "t4").await.unwrap();
        assert_eq!((t4.block, t4.code), (2, 0));
        let t2 = hub.register("p0", "ch", "t2").await.unwrap();
        assert_eq!((t2.block, t2.code), (1, 11));
        // Capacity 3: t1 was forgotten; it waits like any new registration.
        let t1 = hub.register("p0", "ch", "t1");
        assert_eq!(hub.stream_info("p0", "ch").unwrap().waiting, 1);
        drop(t1);
        assert!(hub
            .register("p0", "ch", "t9")
            .wait_timeout(Duration::from_millis(10))
            .await
            .is_err());
        assert_eq!(hub.height("p0", "ch"), Some(4));
    }

    #[tokio::test]
    async fn ten_thousand_dropped_registrations_leave_nothing_behind() {
        let hub = hub(10);
        let mut regs: Vec<Registration> = (0..10_000)
            .map(|i| hub.register("p0", "ch", &format!("tx{}", i % 5000)))
            .collect();
        let info = hub.stream_info("p0", "ch").unwrap();
        assert_eq!(info.waiting, 10_000);
        let stream = hub.existing("p0", "ch").unwrap();
        assert_eq!(lock(&stream.state).waiters.len(), 5000);

        // Half resolve, half are dropped unresolved.
        stream
            .on_block(block(1, &[("tx0", 0), ("tx1", 0)]))
            .unwrap();
        assert_eq!(hub.stream_info("p0", "ch").unwrap().waiting, 9_996);
        let resolved = regs.remove(0);
        assert_eq!(resolved.await.unwrap().tx_id, "tx0");
        regs.truncate(5000);
        // Kept: originals 1..=5000 (tx1 and tx0 at 5000 resolved) → 4998 still wait.
        assert_eq!(hub.stream_info("p0", "ch").unwrap().waiting, 4_998);
        drop(regs);
        assert_eq!(hub.stream_info("p0", "ch").unwrap().waiting, 0);
        let st = lock(&stream.state);
        assert!(st.waiters.is_empty());
        assert!(st.waiters.capacity() < 20_000);
    }

    #[tokio::test]
    async fn dropping_the_hub_or_unwatching_fails_the_waiters() {
        let hub = hub(10);
        let a = hub.register("p0", "ch", "a");
        let b = hub.register("p1", "ch", "b");
        hub.unwatch("p0", "ch");
        let err = a.await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { endpoint, .. } if endpoint == "p0"),
            "{err}"
        );
        assert!(hub.stream_info("p0", "ch").is_none());

        let clone = hub.clone();
        drop(hub);
        assert_eq!(clone.stream_info("p1", "ch").unwrap().waiting, 1);
        drop(clone);
        assert!(b.await.is_err());
    }

    #[tokio::test]
    async fn watch_of_an_unreachable_peer_fails_and_can_be_retried() {
        let hub = hub(10);
        let endpoint = Endpoint {
            url: "grpc://127.0.0.1:1".into(),
            host: "127.0.0.1".into(),
            port: 1,
            tls: crate::config::TlsSettings {
                enabled: false,
                ca_certs: vec![],
                server_name: None,
            },
            keep_alive: crate::config::KeepAlive::default(),
        };
        let pending = hub.register("p0", "ch", "a");
        for _ in 0..2 {
            let err = hub.watch("p0", &endpoint, "ch").await.unwrap_err();
            assert!(matches!(&err, Error::Transport { .. }), "{err}");
        }
        let info = hub.stream_info("p0", "ch").unwrap();
        assert_eq!(info.sessions, 0);
        assert!(info.last_error.is_some());
        // The registration made before is still there for a later, successful watch.
        assert_eq!(info.waiting, 1);
        drop(pending);
    }
}
