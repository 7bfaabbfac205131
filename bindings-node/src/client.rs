//! `connect` and the native client: submit and evaluate through sdk-core's builders.
//!
//! Channels and chaincodes are names only, so `Network` and `Contract` live in `index.js`; each
//! of their calls comes here with the channel and chaincode names.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use fabweave::config::Profile;
use fabweave::crypto::CryptoSuite;
use fabweave::flow::{self, CommitStrategy, Deadlines, Mode, QueryStrategy, RetryPolicy, Via};
use fabweave::routing::policy::SignaturePolicy;
use napi::bindgen_prelude::{Buffer, Either};
use napi_derive::napi;
use serde_json::Value;

use crate::{error, opt_seconds, seconds, to_args, to_transient, Arg};

/// Per-stage time limits in seconds; any subset.
#[napi(object)]
pub struct Timeouts {
    /// Establishing a connection to a peer or orderer.
    pub connect: Option<f64>,
    /// An evaluate, moving on to other peers included.
    pub evaluate: Option<f64>,
    /// Collecting every endorsement.
    pub endorse: Option<f64>,
    /// Getting an orderer to accept the transaction.
    pub submit: Option<f64>,
    /// Waiting for the commit.
    pub commit: Option<f64>,
}

/// How submits are retried as new transactions (read conflicts, unreachable endorsers or
/// orderers, other failures that cannot have changed the ledger).
#[napi(object)]
pub struct Retry {
    /// Attempts in all, the first included (1: no retry).
    pub attempts: Option<u32>,
    /// The wait before the second attempt, in seconds; it doubles up to `maxBackoff`.
    pub initial_backoff: Option<f64>,
    /// The longest wait between attempts, in seconds.
    pub max_backoff: Option<f64>,
    /// No new attempt starts after this many seconds.
    pub deadline: Option<f64>,
}

/// `connect`'s options.
#[napi(object, object_to_js = false)]
pub struct ConnectOptions {
    /// The connection profile (YAML or JSON) file.
    pub profile: String,
    /// A user of the profile's organization, e.g. `User1`.
    pub user: Option<String>,
    /// An identity to connect as, instead of `user` (napi-rs roots it while `connect` runs).
    pub identity: Option<&'static crate::identity::Identity>,
    /// The passphrase of an encrypted private key.
    pub passphrase: Option<Arg>,
    /// `auto` (the default), `gateway` or `client`.
    pub mode: Option<String>,
    /// A commit strategy by fabric-network's name, e.g. `NETWORK_SCOPE_ALLFORTX`.
    pub commit_strategy: Option<String>,
    /// `single` or `round_robin`: how evaluates pick their peer.
    pub query_strategy: Option<String>,
    /// Per-stage time limits.
    pub timeouts: Option<Timeouts>,
    /// The default retry of submits; `false` for one attempt.
    pub retry: Option<Either<bool, Retry>>,
    /// Whether to ask service discovery for peers.
    pub discovery: Option<bool>,
    /// Whether to dial discovered peers at localhost (networks in containers).
    pub as_localhost: Option<bool>,
    /// Whether to check endorsement signatures before ordering.
    pub verify_endorsements: Option<bool>,
    /// A crypto suite by name, e.g. `p256-sha256`.
    pub crypto_suite: Option<String>,
}

/// `submit`'s options.
#[napi(object)]
#[derive(Default)]
pub struct SubmitOptions {
    /// Positional arguments.
    pub args: Option<Vec<Arg>>,
    /// Transient data (not written to the ledger).
    pub transient: Option<HashMap<String, Arg>>,
    /// Endorse on peers of these MSP IDs only.
    pub endorsing_orgs: Option<Vec<String>>,
    /// Endorse on these peers (names in the profile).
    pub endorsing_peers: Option<Vec<String>>,
    /// Private data collections the transaction writes.
    pub collections: Option<Vec<String>>,
    /// Other chaincodes the function calls.
    pub calls_chaincodes: Option<Vec<String>>,
    /// This submit's commit strategy.
    pub commit_strategy: Option<String>,
    /// This submit's retry; `false` for one attempt.
    pub retry: Option<Either<bool, Retry>>,
    /// Seconds to collect endorsements.
    pub endorse_timeout: Option<f64>,
    /// Seconds for an orderer to accept.
    pub submit_timeout: Option<f64>,
    /// Seconds to wait for the commit.
    pub commit_timeout: Option<f64>,
}

/// `evaluate`'s options.
#[napi(object)]
#[derive(Default)]
pub struct EvaluateOptions {
    /// Positional arguments.
    pub args: Option<Vec<Arg>>,
    /// Transient data.
    pub transient: Option<HashMap<String, Arg>>,
    /// Evaluate on these peers (names in the profile), in this order.
    pub peers: Option<Vec<String>>,
    /// Seconds for the whole evaluate.
    pub timeout: Option<f64>,
}

/// `network.contract(name, options)`'s options.
#[napi(object)]
#[derive(Default)]
pub struct ContractOptions {
    /// Send submits that touch the same keys one after another instead of racing into read
    /// conflicts.
    pub hot_key_scheduling: Option<bool>,
    /// A signature policy, e.g. `AND('Org1MSP.peer','Org2MSP.peer')`, to plan endorsements
    /// with where discovery is off or no peer answers it.
    pub endorsement_policy: Option<String>,
}

/// A peer as the client knows it.
#[napi(object)]
pub struct PeerView {
    /// The peer's name (from the profile, or its address when discovered).
    pub name: String,
    /// Its organization's MSP ID; null when neither the profile nor discovery says.
    pub msp_id: Option<String>,
    /// `host:port`.
    pub address: String,
    /// Its ledger height as discovery last reported it; null when unknown.
    pub height: Option<f64>,
    /// The chaincodes discovery reported installed on it; null until discovery answered.
    pub chaincodes: Option<Vec<String>>,
    /// Whether discovery reported it (rather than only the profile).
    pub discovered: bool,
}

/// An orderer as the client knows it.
#[napi(object)]
pub struct OrdererView {
    /// The orderer's name.
    pub name: String,
    /// `host:port`.
    pub address: String,
}

/// What the client knows of a channel: from the profile and, once asked, discovery.
#[napi(object)]
pub struct ChannelView {
    /// The channel's peers.
    pub peers: Vec<PeerView>,
    /// The channel's orderers.
    pub orderers: Vec<OrdererView>,
    /// The channel's MSP IDs (empty until discovery answered).
    pub msps: Vec<String>,
}

impl From<&fabweave::routing::ChannelView> for ChannelView {
    fn from(v: &fabweave::routing::ChannelView) -> Self {
        ChannelView {
            peers: v
                .peers
                .iter()
                .map(|p| PeerView {
                    name: p.name.clone(),
                    msp_id: p.msp_id.clone(),
                    address: p.endpoint.address().to_owned(),
                    height: p.height.map(|h| h as f64),
                    chaincodes: p.chaincodes.clone(),
                    discovered: p.discovered,
                })
                .collect(),
            orderers: v
                .orderers
                .iter()
                .map(|o| OrdererView {
                    name: o.name.clone(),
                    address: o.endpoint.address().to_owned(),
                })
                .collect(),
            msps: v
                .config
                .iter()
                .flat_map(|c| c.msps.iter().map(|m| m.msp_id.clone()))
                .collect(),
        }
    }
}

/// An event a chaincode set in a committed transaction.
#[napi(object)]
pub struct ChaincodeEvent {
    /// The block of the transaction.
    pub block_number: f64,
    /// The transaction's index within the block (null on `Committed.events`, where it is not
    /// known).
    pub tx_index: Option<u32>,
    /// The transaction id.
    pub tx_id: String,
    /// The chaincode that set it.
    pub chaincode_id: String,
    /// The event's name.
    pub event_name: String,
    /// The event's payload.
    pub payload: Buffer,
}

/// A peer whose endorsement a transaction carries.
#[napi(object)]
pub struct Endorser {
    /// The peer's name (profile name, or discovered address).
    pub peer: String,
    /// The address it was reached at.
    pub address: String,
    /// The MSP ID the endorsement was signed under.
    pub msp_id: String,
}

impl From<&flow::Endorser> for Endorser {
    fn from(e: &flow::Endorser) -> Self {
        Endorser {
            peer: e.peer.clone(),
            address: e.address.clone(),
            msp_id: e.msp_id.clone(),
        }
    }
}

/// A committed transaction.
#[napi(object)]
pub struct Committed {
    /// The transaction id.
    pub tx_id: String,
    /// The block it was committed in (0 when the commit was not waited for).
    pub block_number: f64,
    /// Whether the commit was observed (false only with commit strategy `NONE`).
    pub confirmed: bool,
    /// The chaincode's response payload.
    pub payload: Buffer,
    /// The chaincode events the transaction set (Fabric allows one per transaction).
    pub events: Vec<ChaincodeEvent>,
    /// Every attempt, the committed one last: `{txId, blockNumber, error}` with `error` as
    /// `errors.js` reads it.
    pub attempts: Value,
    /// The peers whose endorsements the transaction carries.
    pub endorsers: Vec<Endorser>,
    /// The peer whose commit event confirmed it first.
    pub confirmed_by: Option<String>,
    /// Whether the outcome was learned from the ledger rather than from a commit event.
    pub resolved_from_ledger: bool,
    /// `gateway` or `client`: which flow carried the transaction.
    pub via: String,
}

impl From<flow::Committed> for Committed {
    fn from(done: flow::Committed) -> Self {
        let block_number = done.block_number() as f64;
        Committed {
            tx_id: done.tx_id().to_owned(),
            block_number,
            confirmed: done.is_confirmed(),
            payload: done.payload().to_vec().into(),
            events: done
                .event()
                .map(|e| ChaincodeEvent {
                    block_number,
                    tx_index: None,
                    tx_id: done.tx_id().to_owned(),
                    chaincode_id: e.chaincode_id.clone(),
                    event_name: e.event_name.clone(),
                    payload: e.payload.clone().into(),
                })
                .into_iter()
                .collect(),
            attempts: error::attempt_list(done.attempts()),
            endorsers: done.endorsers().iter().map(Endorser::from).collect(),
            confirmed_by: done.confirmed_by().map(str::to_owned),
            resolved_from_ledger: done.resolved_from_ledger(),
            via: via_name(done.via()).to_owned(),
        }
    }
}

/// `gateway` or `client`: the JavaScript name of a flow.
pub(crate) fn via_name(via: Via) -> &'static str {
    match via {
        Via::Gateway => "gateway",
        _ => "client",
    }
}

fn parse_mode(mode: &str) -> napi::Result<Mode> {
    match mode {
        "auto" => Ok(Mode::Auto),
        "gateway" => Ok(Mode::Gateway),
        "client" => Ok(Mode::Client),
        other => Err(error::invalid(format!(
            "mode must be 'auto', 'gateway' or 'client', not {other:?}"
        ))),
    }
}

pub(crate) fn parse_commit_strategy(name: &str) -> napi::Result<CommitStrategy> {
    CommitStrategy::from_name(name).ok_or_else(|| {
        error::invalid(format!(
            "unknown commitStrategy {name:?}: use one of MSPID_SCOPE_ANYFORTX, \
             MSPID_SCOPE_ALLFORTX, NETWORK_SCOPE_ANYFORTX, NETWORK_SCOPE_ALLFORTX, \
             PREFER_MSPID_SCOPE_ANYFORTX, PREFER_MSPID_SCOPE_ALLFORTX, NONE"
        ))
    })
}

fn parse_query_strategy(name: &str) -> napi::Result<QueryStrategy> {
    match name.to_ascii_uppercase().as_str() {
        "SINGLE" | "PREFER_MSPID_SCOPE_SINGLE" => Ok(QueryStrategy::Single),
        "ROUND_ROBIN" | "PREFER_MSPID_SCOPE_ROUND_ROBIN" => Ok(QueryStrategy::RoundRobin),
        _ => Err(error::invalid(format!(
            "unknown queryStrategy {name:?}: use 'single' or 'round_robin'"
        ))),
    }
}

fn parse_crypto_suite(name: &str) -> napi::Result<CryptoSuite> {
    CryptoSuite::by_name(name).ok_or_else(|| {
        let known: Vec<&str> = CryptoSuite::ALL.iter().map(|s| s.name).collect();
        error::invalid(format!(
            "unknown cryptoSuite {name:?}: use one of {}",
            known.join(", ")
        ))
    })
}

/// A `retry` option: `false` for one attempt, or a policy whose missing fields keep the
/// defaults.
fn parse_retry(retry: Either<bool, Retry>, what: &str) -> napi::Result<RetryPolicy> {
    let r = match retry {
        Either::A(false) => return Ok(RetryPolicy::none()),
        Either::A(true) => return Ok(RetryPolicy::default()),
        Either::B(r) => r,
    };
    let mut policy = RetryPolicy::default();
    if let Some(n) = r.attempts {
        policy = policy.attempts(n);
    }
    if r.initial_backoff.is_some() || r.max_backoff.is_some() {
        let initial = match r.initial_backoff {
            Some(s) => seconds(s, &format!("{what}.initialBackoff"))?,
            None => policy.initial_backoff,
        };
        let max = match r.max_backoff {
            Some(s) => seconds(s, &format!("{what}.maxBackoff"))?,
            None => policy.max_backoff,
        };
        policy = policy.backoff(initial, max);
    }
    if let Some(s) = r.deadline {
        policy = policy.deadline(seconds(s, &format!("{what}.deadline"))?);
    }
    Ok(policy)
}

fn deadlines(t: Option<Timeouts>) -> napi::Result<Deadlines> {
    let mut d = Deadlines::default();
    let Some(t) = t else { return Ok(d) };
    for (value, slot, name) in [
        (t.connect, &mut d.connect, "timeouts.connect"),
        (t.evaluate, &mut d.evaluate, "timeouts.evaluate"),
        (t.endorse, &mut d.endorse, "timeouts.endorse"),
        (t.submit, &mut d.submit, "timeouts.submit"),
        (t.commit, &mut d.commit, "timeouts.commit"),
    ] {
        if let Some(v) = value {
            *slot = seconds(v, name)?;
        }
    }
    Ok(d)
}

/// Connects to a Fabric network as `options.user` of the profile's organization, or as
/// `options.identity`.
#[napi]
pub async fn connect(options: ConnectOptions) -> napi::Result<Client> {
    let mode = parse_mode(options.mode.as_deref().unwrap_or("auto"))?;
    let deadlines = deadlines(options.timeouts)?;
    let commit_strategy = options
        .commit_strategy
        .as_deref()
        .map(parse_commit_strategy)
        .transpose()?;
    let query_strategy = options
        .query_strategy
        .as_deref()
        .map(parse_query_strategy)
        .transpose()?;
    let retry = options.retry.map(|r| parse_retry(r, "retry")).transpose()?;
    let crypto_suite = options
        .crypto_suite
        .as_deref()
        .map(parse_crypto_suite)
        .transpose()?;
    let identity = match (options.identity, &options.user) {
        (Some(_), Some(_)) => {
            return Err(error::invalid(
                "connect takes either user or identity, not both",
            ))
        }
        (None, None) => {
            return Err(error::invalid(
                "connect needs user (a user of the profile's organization) or identity",
            ))
        }
        (identity, _) => identity.map(|i| i.inner.clone()),
    };
    let profile = Profile::load(PathBuf::from(options.profile)).map_err(error::to_js)?;
    let mut b = flow::Client::builder(profile)
        .mode(mode)
        .deadlines(deadlines);
    if let Some(user) = options.user {
        b = b.user(user);
    }
    if let Some(identity) = identity {
        b = b.identity(identity);
    }
    if let Some(p) = options.passphrase {
        b = b.passphrase(crate::to_bytes(p));
    }
    if let Some(s) = commit_strategy {
        b = b.commit_strategy(s);
    }
    if let Some(s) = query_strategy {
        b = b.query_strategy(s);
    }
    if let Some(r) = retry {
        b = b.retry(r);
    }
    if let Some(on) = options.discovery {
        b = b.discovery(on);
    }
    if let Some(on) = options.as_localhost {
        b = b.as_localhost(on);
    }
    if let Some(on) = options.verify_endorsements {
        b = b.verify_endorsements(on);
    }
    if let Some(s) = crypto_suite {
        b = b.crypto_suite(s);
    }
    let client = b.connect().await.map_err(error::to_js)?;
    Ok(Client {
        inner: Arc::new(Mutex::new(Some(client))),
        policies: Mutex::default(),
    })
}

/// A connection to a Fabric network as one identity (wrapped by `Client` in `index.js`).
#[napi]
pub struct Client {
    /// The core client; `None` once closed.
    pub(crate) inner: Arc<Mutex<Option<flow::Client>>>,
    /// Endorsement policies of contracts, parsed once by their text.
    policies: Mutex<HashMap<String, Arc<SignaturePolicy>>>,
}

impl Client {
    /// The core client, or `FABWEAVE_CLOSED` once closed.
    pub(crate) fn get(&self) -> napi::Result<flow::Client> {
        let guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        guard.clone().ok_or_else(error::closed)
    }

    /// A parsed endorsement policy, from the cache or parsed now.
    fn policy(&self, text: &str) -> napi::Result<Arc<SignaturePolicy>> {
        let mut cache = self.policies.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(p) = cache.get(text) {
            return Ok(Arc::clone(p));
        }
        let parsed = Arc::new(SignaturePolicy::parse(text).map_err(error::to_js)?);
        cache.insert(text.to_owned(), Arc::clone(&parsed));
        Ok(parsed)
    }

    /// The core contract `name` on `channel` with the contract's options.
    pub(crate) fn contract(
        &self,
        channel: String,
        name: String,
        options: Option<&ContractOptions>,
    ) -> napi::Result<flow::Contract> {
        let mut contract = self.get()?.network(channel).contract(name);
        if let Some(o) = options {
            if o.hot_key_scheduling == Some(true) {
                contract = contract.with_hot_key_scheduling();
            }
            if let Some(text) = &o.endorsement_policy {
                contract = contract.with_endorsement_policy(self.policy(text)?);
            }
        }
        Ok(contract)
    }

    /// sdk-core's submit builder for `function` with a submit's options: shared by `submit`
    /// and the step-by-step `newProposal` (whose options are a submit's without `retry`).
    pub(crate) fn submit_call(
        &self,
        channel: String,
        contract: String,
        function: String,
        o: SubmitOptions,
        contract_options: Option<&ContractOptions>,
    ) -> napi::Result<flow::Submit> {
        let mut call = self
            .contract(channel, contract, contract_options)?
            .submit(function)
            .args(to_args(o.args));
        for (k, v) in to_transient(o.transient) {
            call = call.transient(k, v);
        }
        if let Some(orgs) = o.endorsing_orgs {
            call = call.endorsing_orgs(orgs);
        }
        if let Some(peers) = o.endorsing_peers {
            call = call.endorsing_peers(peers);
        }
        if let Some(names) = o.collections {
            call = call.collections(names);
        }
        if let Some(names) = o.calls_chaincodes {
            call = call.calls_chaincodes(names);
        }
        if let Some(s) = o.commit_strategy {
            call = call.commit_strategy(parse_commit_strategy(&s)?);
        }
        if let Some(r) = o.retry {
            call = call.retry(parse_retry(r, "retry")?);
        }
        if let Some(d) = opt_seconds(o.endorse_timeout, "endorseTimeout")? {
            call = call.endorse_timeout(d);
        }
        if let Some(d) = opt_seconds(o.submit_timeout, "submitTimeout")? {
            call = call.submit_timeout(d);
        }
        if let Some(d) = opt_seconds(o.commit_timeout, "commitTimeout")? {
            call = call.commit_timeout(d);
        }
        Ok(call)
    }
}

#[napi]
impl Client {
    /// Endorses, orders and waits for the commit of `function(...args)` on chaincode
    /// `contract` of channel `channel`.
    #[napi]
    pub async fn submit(
        &self,
        channel: String,
        contract: String,
        function: String,
        options: Option<SubmitOptions>,
        contract_options: Option<ContractOptions>,
    ) -> napi::Result<Committed> {
        let call = self.submit_call(
            channel,
            contract,
            function,
            options.unwrap_or_default(),
            contract_options.as_ref(),
        )?;
        call.await.map(Committed::from).map_err(error::to_js)
    }

    /// Evaluates (queries) `function(...args)` on one peer; resolves to the chaincode's
    /// payload.
    #[napi]
    pub async fn evaluate(
        &self,
        channel: String,
        contract: String,
        function: String,
        options: Option<EvaluateOptions>,
        contract_options: Option<ContractOptions>,
    ) -> napi::Result<Buffer> {
        let o = options.unwrap_or_default();
        let mut call = self
            .contract(channel, contract, contract_options.as_ref())?
            .evaluate(function)
            .args(to_args(o.args));
        for (k, v) in to_transient(o.transient) {
            call = call.transient(k, v);
        }
        if let Some(peers) = o.peers {
            call = call.peers(peers);
        }
        if let Some(d) = opt_seconds(o.timeout, "timeout")? {
            call = call.timeout(d);
        }
        call.await.map(Buffer::from).map_err(error::to_js)
    }

    /// Checks a contract's options (parsing its endorsement policy) when the contract is made,
    /// so a malformed policy fails there rather than at the first call.
    #[napi]
    pub fn check_contract(&self, options: ContractOptions) -> napi::Result<()> {
        self.get()?;
        if let Some(text) = &options.endorsement_policy {
            self.policy(text)?;
        }
        Ok(())
    }

    /// What the client knows of `channel`, from the profile and (once asked) discovery.
    #[napi]
    pub async fn view(&self, channel: String) -> napi::Result<ChannelView> {
        let view = self.get()?.network(channel).view().await;
        Ok(ChannelView::from(&*view))
    }

    /// Asks discovery about `channel` again now and returns the new view.
    #[napi]
    pub async fn refresh(&self, channel: String) -> napi::Result<ChannelView> {
        let view = self.get()?.network(channel).refresh().await;
        Ok(ChannelView::from(&*view))
    }

    /// The MSP ID of the client's identity.
    #[napi(getter)]
    pub fn msp_id(&self) -> napi::Result<String> {
        Ok(self.get()?.identity().msp_id().to_owned())
    }

    /// `gateway` or `client`: which flow carried the last call, or null before any.
    #[napi(getter)]
    pub fn last_via(&self) -> napi::Result<Option<String>> {
        Ok(self.get()?.last_via().map(|v| via_name(v).to_owned()))
    }

    /// Fails with `FABWEAVE_CLOSED` once the client is closed (for the calls of `index.js`
    /// that do not reach the network, such as `network()`).
    #[napi]
    pub fn ensure_open(&self) -> napi::Result<()> {
        self.get().map(drop)
    }

    /// Whether `close()` was called.
    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none()
    }

    /// Closes the client's connections and event streams (dropped on the runtime, where their
    /// tasks live); later calls fail with `FABWEAVE_CLOSED`. Closing twice is harmless.
    #[napi]
    pub async fn close(&self) -> napi::Result<()> {
        let client = self.inner.lock().unwrap_or_else(|e| e.into_inner()).take();
        drop(client);
        Ok(())
    }
}
