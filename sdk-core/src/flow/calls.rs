//! The evaluate and submit calls: builders that run when awaited.

use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use super::client::{Contract, Targets};
use super::gateway::Via;
use super::hotkeys::{CallKind, Held, HotKeys};
use super::resolve::Resolution;
use super::retry::{Attempt, AttemptOutcome, RetryPolicy};
use super::steps::{Proposal, Transaction, LOOKUP_DEADLINE};
use super::strategy::{CommitStrategy, Deadlines};
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
    pub(crate) targets: Targets,
    pub(crate) deadlines: Deadlines,
    pub(crate) strategy: CommitStrategy,
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
            targets: Targets {
                policy,
                ..Targets::default()
            },
            deadlines,
            strategy,
            retry,
        }
    }

    call_inputs!();

    /// Endorse on one peer of each of these organizations (MSP IDs or profile keys) only.
    pub fn endorsing_orgs<S: Into<String>>(mut self, orgs: impl IntoIterator<Item = S>) -> Self {
        self.targets.orgs = orgs.into_iter().map(Into::into).collect();
        self
    }

    /// Endorse on exactly these peers (profile names, or addresses of discovered peers).
    pub fn endorsing_peers<S: Into<String>>(mut self, peers: impl IntoIterator<Item = S>) -> Self {
        self.targets.peers = peers.into_iter().map(Into::into).collect();
        self
    }

    /// The private data collections the call reads or writes: discovery then picks endorsers
    /// among the collections' member organizations.
    pub fn collections<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.targets.collections = names.into_iter().map(Into::into).collect();
        self
    }

    /// Other chaincodes this call invokes (chaincode-to-chaincode): discovery then picks
    /// endorsers that satisfy every one's policy.
    pub fn calls_chaincodes<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.targets.calls = names.into_iter().map(Into::into).collect();
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
        self.strategy = strategy;
        self
    }

    /// The endorsement deadline for this call.
    pub fn endorse_timeout(mut self, d: Duration) -> Self {
        self.deadlines.endorse = d;
        self
    }

    /// The ordering deadline for this call.
    pub fn submit_timeout(mut self, d: Duration) -> Self {
        self.deadlines.submit = d;
        self
    }

    /// The commit-wait deadline for this call.
    pub fn commit_timeout(mut self, d: Duration) -> Self {
        self.deadlines.commit = d;
        self
    }

    /// Builds the proposal without signing it: its [`Proposal::bytes`] are what the creator
    /// signs, for signing outside this process.
    pub fn build(self) -> Result<Proposal> {
        let unsigned = crate::protocol::UnsignedProposal::new(self.spec.request())?;
        Ok(Proposal::new(self, unsigned))
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
            Err(_) => "failed",
        };
        metrics::counter!("fabweave_submits_total", "chaincode" => chaincode.clone(), "outcome" => outcome)
            .increment(1);
        metrics::histogram!("fabweave_submit_seconds", "chaincode" => chaincode, "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
        result
    }

    /// Attempts until one commits, a failure no new transaction can fix, or the retry policy
    /// says stop.
    async fn run_attempts(self) -> Result<Committed> {
        let inner = self.spec.contract.inner();
        let policy = self.retry;
        let hot = self.spec.contract.hot_keys.then(|| {
            inner.hot_keys(
                &self.spec.contract.network.channel,
                &self.spec.contract.chaincode,
            )
        });
        let started = std::time::Instant::now();
        let mut attempts: Vec<Attempt> = Vec::new();
        let mut unsettled: Option<Unsettled> = None;
        loop {
            let n = attempts.len() as u32 + 1;
            let span = tracing::info_span!("attempt", n);
            let result = {
                use tracing::Instrument;
                Box::pin(self.attempt(hot.as_ref(), &mut unsettled))
                    .instrument(span)
                    .await
            };
            let chaincode = self.spec.contract.chaincode.clone();
            match result {
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
                    tracing::debug!(tx_id = %done.tx_id, block = done.block_number(), attempts = n,
                        "committed");
                    return Ok(done);
                }
                Err(e) => {
                    metrics::counter!("fabweave_attempts_total", "chaincode" => chaincode, "result" => attempt_result(&e))
                        .increment(1);
                    attempts.push(Attempt {
                        tx_id: e.tx_id().unwrap_or_default().to_owned(),
                        outcome: AttemptOutcome::Failed(e.clone()),
                    });
                    // An attempt whose fate is unknown is settled by the next one (which
                    // goes out only once the earlier one provably cannot commit).
                    let again = e.is_retryable() || unsettled.is_some();
                    let wait = policy.wait_before(n + 1, jitter());
                    let out_of_time = started.elapsed() + wait > policy.deadline;
                    if !again || n >= policy.max_attempts || out_of_time {
                        tracing::info!(attempts = n, error = %e, "submit gave up");
                        let last = match unsettled {
                            // The caller must hear of the transaction that may yet commit.
                            Some(u) if !matches!(e, Error::Indeterminate { .. }) => {
                                Error::Indeterminate {
                                    tx_id: u.tx_id,
                                    stage: Stage::Commit,
                                    message: format!(
                                        "its outcome is still unknown; a later attempt failed: {e}"
                                    ),
                                }
                            }
                            _ => e,
                        };
                        return Err(if attempts.len() == 1 {
                            last
                        } else {
                            Error::Retried {
                                attempts,
                                last: Box::new(last),
                            }
                        });
                    }
                    tracing::info!(attempt = n, error = %e, ?wait, "retrying as a new transaction");
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// One attempt: endorse (holding the call's keys under hot-key scheduling), settle an
    /// earlier attempt whose fate is unknown, order, wait for the commit.
    async fn attempt(
        &self,
        hot: Option<&std::sync::Arc<HotKeys>>,
        unsettled: &mut Option<Unsettled>,
    ) -> Result<Committed> {
        let inner = self.spec.contract.inner();
        let identity = inner.identity.clone();
        let kind = CallKind::of(&self.spec.function, &self.spec.args);
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
            let proposal = self.clone().build()?;
            let signature = identity.sign(proposal.bytes())?;
            let phase = std::time::Instant::now();
            let tx = proposal.endorse(signature).await?;
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
        if let Some(u) = unsettled.take() {
            match self.settle(&u, &tx, &access).await {
                Settled::Earlier(done) => return Ok(*done),
                Settled::Proceed => {}
                Settled::Unknown(e) => {
                    *unsettled = Some(u);
                    return Err(e);
                }
            }
        }
        let pending = Unsettled {
            tx_id: tx.tx_id().to_owned(),
            access,
            result: tx.result().to_vec(),
            event: tx.endorsed().event().cloned(),
            endorsers: Endorser::of(tx.endorsed()),
            via: tx.via(),
        };
        let signature = identity.sign(tx.bytes())?;
        let phase = std::time::Instant::now();
        let submitted = match tx.submit(signature).await {
            Ok(s) => s,
            Err(e) => {
                if matches!(e, Error::Indeterminate { .. }) {
                    *unsettled = Some(pending);
                }
                return Err(e);
            }
        };
        metrics::histogram!("fabweave_phase_seconds", "phase" => "order")
            .record(phase.elapsed().as_secs_f64());
        let phase = std::time::Instant::now();
        let result = submitted.status().await;
        metrics::histogram!("fabweave_phase_seconds", "phase" => "commit")
            .record(phase.elapsed().as_secs_f64());
        if matches!(result, Err(Error::Indeterminate { .. })) {
            *unsettled = Some(pending);
        }
        // The keys are given back (`held` dropped) only now that the outcome is known.
        drop(held);
        result
    }

    /// Decides whether the new, endorsed transaction `tx` may go out while the earlier one
    /// `u` has an unknown fate. It may if the earlier one is on the ledger as invalid, or is
    /// absent from the ledger of the peers that just simulated `tx` while they saw a newer
    /// version of a key it read (it can then never be valid). If the earlier one is on the
    /// ledger as valid, that is the outcome.
    async fn settle(&self, u: &Unsettled, tx: &Transaction, access: &KeyAccess) -> Settled {
        let inner = self.spec.contract.inner();
        let channel = &self.spec.contract.network.channel;
        let outdated = u.access.outdated_by(access);
        let endorsers: Vec<String> = tx
            .endorsed()
            .peers()
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let only = outdated.then_some(endorsers.as_slice());
        let found = inner
            .lookup_transaction(channel, &u.tx_id, only, LOOKUP_DEADLINE)
            .await;
        tracing::info!(earlier = %u.tx_id, outdated, ?found, "settling an earlier attempt");
        match found {
            Resolution::Committed { block, code: 0 } => Settled::Earlier(Box::new(Committed {
                tx_id: u.tx_id.clone(),
                block: Some(block),
                payload: u.result.clone(),
                event: u.event.clone(),
                peer: None,
                endorsers: u.endorsers.clone(),
                attempts: Vec::new(),
                from_ledger: true,
                via: u.via,
            })),
            Resolution::Committed { .. } => Settled::Proceed,
            Resolution::Absent { .. } if outdated => Settled::Proceed,
            Resolution::Absent { .. } => Settled::Unknown(Error::Indeterminate {
                tx_id: u.tx_id.clone(),
                stage: Stage::Commit,
                message: "not on the ledger yet, and no key it read has changed since: it may \
                          still be committed, so no replacement was sent"
                    .into(),
            }),
            Resolution::Unknown(why) => Settled::Unknown(Error::Indeterminate {
                tx_id: u.tx_id.clone(),
                stage: Stage::Commit,
                message: format!("the ledger could not be asked: {why}"),
            }),
        }
    }
}

/// An attempt that left the client and whose fate is unknown, with what is needed to settle
/// it.
struct Unsettled {
    tx_id: String,
    access: KeyAccess,
    result: Vec<u8>,
    event: Option<ChaincodeEvent>,
    endorsers: Vec<Endorser>,
    via: Via,
}

enum Settled {
    /// The earlier attempt committed: this is the outcome.
    Earlier(Box<Committed>),
    /// The earlier attempt cannot change the ledger any more: go on.
    Proceed,
    /// Still unknown.
    Unknown(Error),
}

/// The label of a failed attempt in metrics.
fn attempt_result(e: &Error) -> &'static str {
    match e {
        Error::Commit { code: 11 | 12, .. } => "read_conflict",
        Error::Commit { .. } => "invalid",
        Error::Indeterminate { .. } => "indeterminate",
        Error::Endorse { .. } => "endorse_failed",
        Error::Submit { .. } => "order_failed",
        Error::Timeout { .. } => "timeout",
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

/// A committed transaction.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Committed {
    pub(crate) tx_id: String,
    pub(crate) block: Option<u64>,
    pub(crate) payload: Vec<u8>,
    pub(crate) event: Option<ChaincodeEvent>,
    pub(crate) peer: Option<String>,
    pub(crate) endorsers: Vec<Endorser>,
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) from_ledger: bool,
    pub(crate) via: Via,
}

impl Committed {
    /// The transaction id.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The block it was committed in (0 when the commit strategy was `None`: not waited for).
    pub fn block_number(&self) -> u64 {
        self.block.unwrap_or(0)
    }

    /// Whether the commit was observed (false only with the `None` strategy).
    pub fn is_confirmed(&self) -> bool {
        self.block.is_some()
    }

    /// The chaincode's response payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The chaincode event the transaction set, if any (with its payload).
    pub fn event(&self) -> Option<&ChaincodeEvent> {
        self.event.as_ref()
    }

    /// The peer whose commit event confirmed it first.
    pub fn confirmed_by(&self) -> Option<&str> {
        self.peer.as_deref()
    }

    /// The peers whose endorsements the transaction carries.
    pub fn endorsers(&self) -> &[Endorser] {
        &self.endorsers
    }

    /// Every attempt this submit made, the committed one last (one entry without retries;
    /// empty for the step-by-step form).
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Whether the commit was learned from the ledger (looked up after the commit wait ended
    /// without an event) rather than from a commit event.
    pub fn resolved_from_ledger(&self) -> bool {
        self.from_ledger
    }

    /// Which flow carried the committed transaction: [`Via::Gateway`] (the peer Gateway
    /// service endorsed, ordered and reported it) or [`Via::Client`] (fabweave reached the
    /// endorsers, orderers and event streams itself). In [`super::Mode::Auto`] this says
    /// whether the peer offered the Gateway.
    pub fn via(&self) -> Via {
        self.via
    }
}

/// A peer that endorsed a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endorser {
    /// The peer's name (profile name, or discovered address).
    pub peer: String,
    /// The address it was reached at.
    pub address: String,
    /// The MSP ID of the identity that signed the endorsement.
    pub msp_id: String,
}

impl Endorser {
    /// The endorsers of `endorsed`: its peers, with the MSP ID each endorsement was signed
    /// under.
    pub(crate) fn of(endorsed: &crate::protocol::Endorsed) -> Vec<Endorser> {
        use prost::Message;
        endorsed
            .peers()
            .iter()
            .zip(endorsed.endorsements())
            .map(|(p, e)| Endorser {
                peer: p.name.clone(),
                address: p.address.clone(),
                msp_id: crate::proto::msp::SerializedIdentity::decode(e.endorser.as_slice())
                    .map(|id| id.mspid)
                    .unwrap_or_default(),
            })
            .collect()
    }
}
