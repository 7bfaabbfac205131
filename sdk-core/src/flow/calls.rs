//! The evaluate and submit calls: builders that run when awaited.

use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use super::client::Contract;
use super::engine::resolve::Resolution;
use super::engine::{Targets, Via};
use super::hotkeys::{CallKind, Held, HotKeys};
use super::results::{Committed, Endorser};
use super::retry::{Attempt, AttemptOutcome, RetryPolicy};
use super::rules::call::{AfterSettling, Call, Fate, Gate, Next, Settlement};
use super::rules::tally::Tally;
use super::steps::{Proposal, Setup, Transaction, LOOKUP_DEADLINE};
use super::strategy::CommitStrategy;
use super::IntoArg;
use crate::error::{Error, Result, Stage};
use crate::proto::peer::ChaincodeEvent;
use crate::protocol::rwset::KeyAccess;
use crate::protocol::ProposalRequest;

/// The argument and transient-data methods every call builder has (on its `spec` field).
macro_rules! call_inputs {
    () => {
        /// Adds one argument (a string or bytes).
        pub fn arg(mut self, arg: impl IntoArg) -> Self {
            self.spec.args.push(arg.into_arg());
            self
        }

        /// Adds arguments.
        pub fn args<A: IntoArg>(mut self, args: impl IntoIterator<Item = A>) -> Self {
            self.spec
                .args
                .extend(args.into_iter().map(IntoArg::into_arg));
            self
        }

        /// Adds a transient (private, never written to the ledger) entry.
        pub fn transient(mut self, key: impl Into<String>, value: impl IntoArg) -> Self {
            self.spec.transient.insert(key.into(), value.into_arg());
            self
        }
    };
}

impl Contract {
    /// Evaluates `function` on one peer (a query; nothing is ordered). Add arguments and
    /// options, then `.await`.
    pub fn evaluate(&self, function: impl Into<String>) -> Evaluate {
        Evaluate::new(self.clone(), function.into())
    }

    /// Submits `function`: endorse, order, wait for the commit. Add arguments and options,
    /// then `.await` — or call [`Submit::build`] for the step-by-step form, whose bytes can be
    /// signed elsewhere (offline, HSM).
    pub fn submit(&self, function: impl Into<String>) -> Submit {
        Submit::new(self.clone(), function.into())
    }
}

/// A boxed future, as the call builders return from `into_future`.
pub type CallFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// What the call builders share: the function, its arguments and transient data.
#[derive(Debug, Clone)]
pub(crate) struct CallSpec {
    pub(crate) contract: Contract,
    pub(crate) function: String,
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) transient: BTreeMap<String, Vec<u8>>,
}

impl CallSpec {
    pub(crate) fn request(&self) -> ProposalRequest {
        let inner = self.contract.inner();
        ProposalRequest {
            channel: self.contract.network.channel.clone(),
            chaincode: self.contract.chaincode.clone(),
            function: self.function.clone(),
            args: self.args.clone(),
            transient: self.transient.clone(),
            creator: inner.identity.serialized(),
            tls_cert_hash: inner.connections.client_cert_hash(),
            nonce: None,
            timestamp: SystemTime::now(),
            is_init: false,
            tx_id_hash: inner.suite.tx_id_hash,
        }
    }
}

/// An evaluate (query) being set up; `.await` it to run.
#[must_use = "an evaluate does nothing until awaited"]
#[derive(Debug, Clone)]
pub struct Evaluate {
    spec: CallSpec,
    peers: Vec<String>,
    timeout: Option<Duration>,
}

impl Evaluate {
    pub(crate) fn new(contract: Contract, function: String) -> Self {
        Evaluate {
            spec: CallSpec {
                contract,
                function,
                args: Vec::new(),
                transient: BTreeMap::new(),
            },
            peers: Vec::new(),
            timeout: None,
        }
    }

    call_inputs!();

    /// Evaluates on these peers only (profile names), in this order.
    pub fn peers<S: Into<String>>(mut self, peers: impl IntoIterator<Item = S>) -> Self {
        self.peers = peers.into_iter().map(Into::into).collect();
        self
    }

    /// The evaluate deadline for this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    async fn run(self) -> Result<Vec<u8>> {
        let inner = self.spec.contract.inner();
        let proposal = crate::protocol::UnsignedProposal::new(self.spec.request())?;
        let signature = inner.identity.sign(proposal.bytes())?;
        let deadline = self.timeout.unwrap_or(inner.deadlines.evaluate);
        inner
            .evaluate_via(
                &self.spec.contract.network.channel,
                &proposal,
                proposal.signed(signature),
                &self.peers,
                deadline,
            )
            .await
    }
}

impl IntoFuture for Evaluate {
    type Output = Result<Vec<u8>>;
    type IntoFuture = CallFuture<Vec<u8>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// A submit being set up; `.await` it to endorse, order and wait for the commit, or call
/// [`Submit::build`] for the step-by-step form.
#[must_use = "a submit does nothing until awaited"]
#[derive(Debug, Clone)]
pub struct Submit {
    pub(crate) spec: CallSpec,
    pub(crate) setup: Setup,
    pub(crate) retry: RetryPolicy,
}

impl Submit {
    pub(crate) fn new(contract: Contract, function: String) -> Self {
        let inner = contract.inner();
        let deadlines = inner.deadlines;
        let strategy = inner.commit_strategy;
        let retry = inner.retry;
        let policy = contract.policy.clone();
        Submit {
            spec: CallSpec {
                contract,
                function,
                args: Vec::new(),
                transient: BTreeMap::new(),
            },
            setup: Setup {
                targets: Targets {
                    policy,
                    ..Targets::default()
                },
                deadlines,
                strategy,
            },
            retry,
        }
    }

    call_inputs!();

    /// Endorse on one peer of each of these organizations (MSP IDs or profile keys) only.
    pub fn endorsing_orgs<S: Into<String>>(mut self, orgs: impl IntoIterator<Item = S>) -> Self {
        self.setup.targets.orgs = orgs.into_iter().map(Into::into).collect();
        self
    }

    /// Endorse on exactly these peers (profile names, or addresses of discovered peers).
    pub fn endorsing_peers<S: Into<String>>(mut self, peers: impl IntoIterator<Item = S>) -> Self {
        self.setup.targets.peers = peers.into_iter().map(Into::into).collect();
        self
    }

    /// The private data collections the call reads or writes: discovery then picks endorsers
    /// among the collections' member organizations.
    pub fn collections<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.setup.targets.collections = names.into_iter().map(Into::into).collect();
        self
    }

    /// Other chaincodes this call invokes (chaincode-to-chaincode): discovery then picks
    /// endorsers that satisfy every one's policy.
    pub fn calls_chaincodes<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.setup.targets.calls = names.into_iter().map(Into::into).collect();
        self
    }

    /// How this call is retried (the client's policy unless set; [`RetryPolicy::none`] turns
    /// retries off).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// No retry for this call: one attempt.
    pub fn no_retry(self) -> Self {
        self.retry(RetryPolicy::none())
    }

    /// The commit strategy for this call.
    pub fn commit_strategy(mut self, strategy: CommitStrategy) -> Self {
        self.setup.strategy = strategy;
        self
    }

    /// The endorsement deadline for this call.
    pub fn endorse_timeout(mut self, d: Duration) -> Self {
        self.setup.deadlines.endorse = d;
        self
    }

    /// The ordering deadline for this call.
    pub fn submit_timeout(mut self, d: Duration) -> Self {
        self.setup.deadlines.submit = d;
        self
    }

    /// The commit-wait deadline for this call.
    pub fn commit_timeout(mut self, d: Duration) -> Self {
        self.setup.deadlines.commit = d;
        self
    }

    /// Builds the proposal without signing it: its [`Proposal::bytes`] are what the creator
    /// signs, for signing outside this process.
    pub fn build(self) -> Result<Proposal> {
        let unsigned = crate::protocol::UnsignedProposal::new(self.spec.request())?;
        Ok(Proposal::new(self.spec.contract, self.setup, unsigned))
    }

    async fn run(self) -> Result<Committed> {
        use tracing::Instrument;
        let span = tracing::info_span!(
            "submit",
            channel = %self.spec.contract.network.channel,
            chaincode = %self.spec.contract.chaincode,
            function = %self.spec.function,
        );
        let started = std::time::Instant::now();
        let chaincode = self.spec.contract.chaincode.clone();
        let result = self.run_attempts().instrument(span).await;
        let outcome = match &result {
            Ok(_) => "committed",
            Err(Error::Indeterminate { .. }) => "indeterminate",
            Err(Error::Retried { last, .. }) if matches!(**last, Error::Indeterminate { .. }) => {
                "indeterminate"
            }
            Err(_) => "failed",
        };
        metrics::counter!("fabweave_submits_total", "chaincode" => chaincode.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("fabweave_submit_seconds", "chaincode" => chaincode, "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
        result
    }

    /// Attempts as [`crate::flow::rules::call`] says: until one commits, a failure no new
    /// transaction can fix, or the retry policy says stop — never sending a new transaction
    /// while an earlier one may still commit.
    async fn run_attempts(self) -> Result<Committed> {
        let engine = self.spec.contract.inner();
        let policy = self.retry;
        let hot = self.spec.contract.hot_keys.then(|| {
            engine.hot_keys(
                &self.spec.contract.network.channel,
                &self.spec.contract.chaincode,
            )
        });
        let started = std::time::Instant::now();
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut call = Call::default();
        let mut unsettled: Option<Unsettled> = None;
        let mut tries = 0u32;
        loop {
            tries += 1;
            let span = tracing::info_span!("attempt", n = tries);
            let result = {
                use tracing::Instrument;
                Box::pin(self.attempt(hot.as_ref(), &mut call, &mut unsettled))
                    .instrument(span)
                    .await
            };
            let chaincode = self.spec.contract.chaincode.clone();
            let (e, fate, tx_id) = match result {
                Ok(mut done) => {
                    metrics::counter!("fabweave_attempts_total", "chaincode" => chaincode, "result" => "committed")
                        .increment(1);
                    let outcome = AttemptOutcome::Committed {
                        block: done.block_number(),
                    };
                    // An earlier attempt found committed after all is marked so.
                    match attempts.iter_mut().find(|a| a.tx_id == done.tx_id) {
                        Some(a) => a.outcome = outcome,
                        None => attempts.push(Attempt {
                            tx_id: done.tx_id.clone(),
                            outcome,
                        }),
                    }
                    done.attempts = attempts;
                    // The transaction id of every commit, for applications following their logs.
                    tracing::debug!(tx_id = %done.tx_id, block = done.block_number(), attempts = tries,
                        "committed");
                    return Ok(done);
                }
                Err(ended) => ended,
            };
            metrics::counter!("fabweave_attempts_total", "chaincode" => chaincode, "result" => attempt_result(&e, fate))
                .increment(1);
            // An attempt held back (built, never sent) made no transaction: it is no attempt.
            if fate != Fate::Held {
                attempts.push(Attempt {
                    tx_id,
                    outcome: AttemptOutcome::Failed(e.clone()),
                });
            }
            let wait = policy.wait_before(tries + 1, jitter());
            let budget_left =
                tries < policy.max_attempts && started.elapsed() + wait <= policy.deadline;
            match call.after(fate, budget_left) {
                Next::Again => {
                    tracing::info!(attempt = tries, error = %e, ?wait, "trying again");
                    tokio::time::sleep(wait).await;
                }
                Next::Stop => {
                    tracing::info!(attempts = tries, error = %e, "submit gave up");
                    let last = match (&unsettled, call.pending()) {
                        // The caller must hear of the transaction that may yet commit.
                        (Some(u), true) => u.in_doubt(&e),
                        _ => e,
                    };
                    return Err(if attempts.len() <= 1 {
                        last
                    } else {
                        Error::Retried {
                            attempts,
                            last: Box::new(last),
                        }
                    });
                }
            }
        }
    }

    /// One attempt: endorse (holding the call's keys under hot-key scheduling), settle an
    /// earlier attempt whose fate is unknown, order, wait for the commit. An attempt that
    /// fails says what became of its transaction ([`Fate`]) and its tx id.
    async fn attempt(
        &self,
        hot: Option<&std::sync::Arc<HotKeys>>,
        call: &mut Call,
        unsettled: &mut Option<Unsettled>,
    ) -> std::result::Result<Committed, (Error, Fate, String)> {
        let engine = self.spec.contract.inner();
        let identity = engine.identity.clone();
        let kind = CallKind::of(&self.spec.function, &self.spec.args);
        let void = |e: Error| {
            let fate = Fate::Void {
                retryable: e.is_retryable(),
            };
            let tx_id = e.tx_id().unwrap_or_default().to_owned();
            (e, fate, tx_id)
        };
        let mut held: Option<Held> = None;
        if let Some(h) = hot {
            if let Some(keys) = h.predicted(kind) {
                let waited = std::time::Instant::now();
                held = Some(h.take(&keys).await);
                metrics::histogram!("fabweave_hot_key_wait_seconds")
                    .record(waited.elapsed().as_secs_f64());
            }
        }
        let (tx, access) = loop {
            let proposal = self.clone().build().map_err(void)?;
            let signature = identity.sign(proposal.bytes()).map_err(void)?;
            let phase = std::time::Instant::now();
            let tx = proposal.endorse(signature).await.map_err(void)?;
            metrics::histogram!("fabweave_phase_seconds", "phase" => "endorse")
                .record(phase.elapsed().as_secs_f64());
            let access = KeyAccess::from_results(tx.endorsed().results()).unwrap_or_default();
            if let Some(h) = hot {
                let keys = access.application_keys();
                h.learn(kind, &keys);
                if !held.as_ref().is_some_and(|g| g.covers(&keys)) {
                    // Give back what this call held before taking what it needs.
                    drop(held.take());
                    match h.try_take(&keys) {
                        Some(g) => held = Some(g),
                        None => {
                            // Another transaction holds these keys: this simulation read
                            // values about to change. Wait, then simulate again.
                            held = Some(h.take(&keys).await);
                            continue;
                        }
                    }
                }
            }
            break (tx, access);
        };
        if call.gate() == Gate::SettleFirst {
            if let Some(u) = unsettled.as_ref() {
                let (settlement, block, why) = self.settle(u, &tx, &access).await;
                match call.settled(settlement) {
                    AfterSettling::EarlierCommitted => {
                        if let Some(u) = unsettled.take() {
                            return Ok(u.committed(block));
                        }
                    }
                    AfterSettling::Send => *unsettled = None,
                    AfterSettling::Hold => {
                        let e = Error::Indeterminate {
                            tx_id: u.tx_id.clone(),
                            stage: u.stage,
                            message: why,
                        };
                        return Err((e, Fate::Held, tx.tx_id().to_owned()));
                    }
                }
            }
        }
        let pending = Unsettled {
            tx_id: tx.tx_id().to_owned(),
            settleable: access.reads.iter().any(|r| !r.namespace.starts_with('_')),
            access,
            result: tx.result().to_vec(),
            event: tx.endorsed().event().cloned(),
            endorsers: Endorser::of(tx.endorsed()),
            via: tx.via(),
            stage: Stage::Submit,
            reason: String::new(),
        };
        let sent = |e: Error, pending: Unsettled, unsettled: &mut Option<Unsettled>| {
            let tx_id = pending.tx_id.clone();
            let fate = fate_of(&e, pending.settleable);
            if matches!(fate, Fate::Pending { .. }) {
                *unsettled = Some(pending.lost(&e));
            }
            (e, fate, tx_id)
        };
        let signature = identity
            .sign(tx.bytes())
            .map_err(|e| (e, Fate::Void { retryable: false }, pending.tx_id.clone()))?;
        let phase = std::time::Instant::now();
        let submitted = match tx.submit(signature).await {
            Ok(s) => s,
            Err(e) => return Err(sent(e, pending, unsettled)),
        };
        metrics::histogram!("fabweave_phase_seconds", "phase" => "order")
            .record(phase.elapsed().as_secs_f64());
        let phase = std::time::Instant::now();
        let result = submitted.status().await;
        metrics::histogram!("fabweave_phase_seconds", "phase" => "commit")
            .record(phase.elapsed().as_secs_f64());
        // The keys are given back (`held` dropped) only now that the outcome is known.
        drop(held);
        result.map_err(|e| sent(e, pending, unsettled))
    }

    /// Settles the earlier attempt `u`, whose fate is unknown, using the new, endorsed
    /// transaction `tx`: `u` is void if the ledger has it as invalid, or if the peers that just
    /// simulated `tx` saw a newer version of a key `u` read and do not have `u` (the committing
    /// peers would then find a read conflict); it is the outcome if the ledger has it as valid.
    /// Returns what was found, the block when it committed, and why, in words.
    async fn settle(
        &self,
        u: &Unsettled,
        tx: &Transaction,
        access: &KeyAccess,
    ) -> (Settlement, u64, String) {
        let engine = self.spec.contract.inner();
        let channel = &self.spec.contract.network.channel;
        let outdated = u.access.outdated_by(access);
        let endorsers: Vec<String> = tx
            .endorsed()
            .peers()
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let only = outdated.then_some(endorsers.as_slice());
        let found = engine
            .lookup_transaction(channel, &u.tx_id, only, LOOKUP_DEADLINE, Tally::default())
            .await;
        tracing::info!(earlier = %u.tx_id, outdated, ?found, "settling an earlier attempt");
        match found {
            Resolution::Committed { block, code: 0 } => {
                (Settlement::Committed, block, "committed".into())
            }
            Resolution::Committed { code, .. } => (
                Settlement::Void,
                0,
                format!(
                    "committed as invalid ({})",
                    crate::protocol::validation_code_name(code)
                ),
            ),
            Resolution::Absent { .. } if outdated => (
                Settlement::Void,
                0,
                "a key it read has changed since, and it is not on the ledger".into(),
            ),
            Resolution::Absent { .. } => (
                Settlement::Unknown,
                0,
                u.in_doubt_words(
                    "not on the ledger yet, and no key it read has changed since: it may still \
                     be committed",
                ),
            ),
            Resolution::Unknown(why) => (
                Settlement::Unknown,
                0,
                u.in_doubt_words(&format!("the ledger could not settle it: {why}")),
            ),
        }
    }
}

/// What became of a transaction that ended with `e`: pending if it may still commit (it left
/// the client and its fate is unknown), else void.
fn fate_of(e: &Error, settleable: bool) -> Fate {
    match e {
        Error::Indeterminate { .. }
        | Error::Timeout {
            stage: Stage::Submit | Stage::Commit,
            ..
        } => Fate::Pending { settleable },
        other => Fate::Void {
            retryable: other.is_retryable(),
        },
    }
}

/// An attempt that left the client and whose fate is unknown, with what is needed to settle
/// it.
struct Unsettled {
    tx_id: String,
    access: KeyAccess,
    /// Whether it read application keys (so a later simulation can prove it void).
    settleable: bool,
    result: Vec<u8>,
    event: Option<ChaincodeEvent>,
    endorsers: Vec<Endorser>,
    via: Via,
    /// The stage at which its fate became unknown, and why.
    stage: Stage,
    reason: String,
}

impl Unsettled {
    /// This attempt, lost with `e`.
    fn lost(mut self, e: &Error) -> Unsettled {
        if let Error::Indeterminate { stage, message, .. } = e {
            self.stage = *stage;
            self.reason = message.clone();
        } else {
            self.stage = Stage::Commit;
            self.reason = e.to_string();
        }
        self
    }

    /// The call's outcome when settling found it committed in `block`.
    fn committed(self, block: u64) -> Committed {
        Committed {
            tx_id: self.tx_id,
            block: Some(block),
            payload: self.result,
            event: self.event,
            peer: None,
            endorsers: self.endorsers,
            attempts: Vec::new(),
            from_ledger: true,
            via: self.via,
        }
    }

    /// The words of an in-doubt outcome: one transaction, sent once, fate unknown.
    fn in_doubt_words(&self, now: &str) -> String {
        let mut m = format!(
            "the transaction was sent once and its fate is unknown ({}); {now}; no replacement \
             was sent",
            self.reason
        );
        if !self.settleable {
            m.push_str(
                " (it read no key, so no later simulation can show that it will never commit: \
                 look it up on the ledger later)",
            );
        }
        m
    }

    /// The call's final error while this attempt is still in doubt; `last` is how the call's
    /// last attempt ended.
    fn in_doubt(&self, last: &Error) -> Error {
        let message = match last {
            Error::Indeterminate { tx_id, message, .. } if *tx_id == self.tx_id => {
                if message.contains("no replacement was sent") {
                    message.clone()
                } else {
                    self.in_doubt_words("it could not be settled")
                }
            }
            other => self.in_doubt_words(&format!("a later attempt failed: {other}")),
        };
        Error::Indeterminate {
            tx_id: self.tx_id.clone(),
            stage: self.stage,
            message,
        }
    }
}

/// The label of a failed attempt in metrics.
fn attempt_result(e: &Error, fate: Fate) -> &'static str {
    match (e, fate) {
        (_, Fate::Held) => "held",
        (Error::Commit { code: 11 | 12, .. }, _) => "read_conflict",
        (Error::Commit { .. }, _) => "invalid",
        (Error::Indeterminate { .. }, _) => "indeterminate",
        (Error::Endorse { .. }, _) => "endorse_failed",
        (Error::Submit { .. }, _) => "order_failed",
        (Error::Timeout { .. }, _) => "timeout",
        _ => "failed",
    }
}

/// A number in `[0, 1)` for backoff jitter.
fn jitter() -> f64 {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(b) >> 11) as f64 / (1u64 << 53) as f64
}

impl IntoFuture for Submit {
    type Output = Result<Committed>;
    type IntoFuture = CallFuture<Committed>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}
