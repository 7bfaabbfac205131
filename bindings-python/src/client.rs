//! `connect`, `Client`, `Network`, `Contract` and the results of submit and evaluate, for both
//! APIs (see [`crate::Api`]).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use fabweave::config::Profile;
use fabweave::crypto::CryptoSuite;
use fabweave::events::ChaincodeEvent as CoreEvent;
use fabweave::flow::{
    self, AttemptOutcome, CommitStrategy, Deadlines, Mode, QueryStrategy, RetryPolicy as CoreRetry,
    Via,
};
use fabweave::routing::policy::SignaturePolicy;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::{
    error, opt_seconds, pyclass_to_py, seconds, to_args, to_bytes, to_transient, twin, Api, Bytes,
    ToPy,
};

fn parse_mode(mode: &str) -> PyResult<Mode> {
    match mode {
        "auto" => Ok(Mode::Auto),
        "gateway" => Ok(Mode::Gateway),
        "client" => Ok(Mode::Client),
        other => Err(PyValueError::new_err(format!(
            "mode must be 'auto', 'gateway' or 'client', not {other:?}"
        ))),
    }
}

/// A commit strategy by fabric-network's name (`"NETWORK_SCOPE_ALLFORTX"`, …, `"NONE"`).
pub(crate) fn parse_commit_strategy(name: &str) -> PyResult<CommitStrategy> {
    CommitStrategy::from_name(name).ok_or_else(|| {
        PyValueError::new_err(format!(
            "unknown commit strategy {name:?}: use one of MSPID_SCOPE_ANYFORTX, \
             MSPID_SCOPE_ALLFORTX, NETWORK_SCOPE_ANYFORTX, NETWORK_SCOPE_ALLFORTX, \
             PREFER_MSPID_SCOPE_ANYFORTX, PREFER_MSPID_SCOPE_ALLFORTX, NONE"
        ))
    })
}

fn parse_query_strategy(name: &str) -> PyResult<QueryStrategy> {
    match name.to_ascii_uppercase().as_str() {
        "SINGLE" | "PREFER_MSPID_SCOPE_SINGLE" => Ok(QueryStrategy::Single),
        "ROUND_ROBIN" | "PREFER_MSPID_SCOPE_ROUND_ROBIN" => Ok(QueryStrategy::RoundRobin),
        _ => Err(PyValueError::new_err(format!(
            "unknown query strategy {name:?}: use 'single' or 'round_robin'"
        ))),
    }
}

/// `"gateway"` or `"client"`: the Python name of a flow.
pub(crate) fn via_name(via: Via) -> &'static str {
    match via {
        Via::Gateway => "gateway",
        _ => "client",
    }
}

/// How submits are retried: read conflicts, unreachable endorsers or orderers and other
/// failures that cannot have changed the ledger are retried as new transactions.
#[pyclass(frozen, module = "fabweave")]
#[derive(Clone)]
pub(crate) struct RetryPolicy {
    pub(crate) policy: CoreRetry,
}

#[pymethods]
impl RetryPolicy {
    /// `attempts` in all (1: no retry); waits from `initial_backoff` doubling up to
    /// `max_backoff` seconds; no new attempt after `deadline` seconds.
    #[new]
    #[pyo3(signature = (*, attempts=5, initial_backoff=0.1, max_backoff=2.0, deadline=120.0))]
    fn new(attempts: u32, initial_backoff: f64, max_backoff: f64, deadline: f64) -> PyResult<Self> {
        Ok(RetryPolicy {
            policy: CoreRetry::default()
                .attempts(attempts)
                .backoff(
                    seconds(initial_backoff, "initial_backoff")?,
                    seconds(max_backoff, "max_backoff")?,
                )
                .deadline(seconds(deadline, "deadline")?),
        })
    }

    /// One attempt: no retry.
    #[staticmethod]
    fn none() -> Self {
        RetryPolicy {
            policy: CoreRetry::none(),
        }
    }

    /// Attempts in all, the first included.
    #[getter]
    fn attempts(&self) -> u32 {
        self.policy.max_attempts
    }

    /// The wait before the second attempt, in seconds.
    #[getter]
    fn initial_backoff(&self) -> f64 {
        self.policy.initial_backoff.as_secs_f64()
    }

    /// The longest wait between attempts, in seconds.
    #[getter]
    fn max_backoff(&self) -> f64 {
        self.policy.max_backoff.as_secs_f64()
    }

    /// No new attempt starts after this many seconds.
    #[getter]
    fn deadline(&self) -> f64 {
        self.policy.deadline.as_secs_f64()
    }

    fn __repr__(&self) -> String {
        format!(
            "RetryPolicy(attempts={}, initial_backoff={}, max_backoff={}, deadline={})",
            self.attempts(),
            self.initial_backoff(),
            self.max_backoff(),
            self.deadline()
        )
    }
}

/// `connect`'s options, converted while the GIL is held.
struct Connect {
    profile: PathBuf,
    user: Option<String>,
    identity: Option<fabweave::identity::Identity>,
    passphrase: Option<Vec<u8>>,
    mode: Mode,
    commit_strategy: Option<CommitStrategy>,
    query_strategy: Option<QueryStrategy>,
    deadlines: Deadlines,
    retry: Option<CoreRetry>,
    discovery: Option<bool>,
    as_localhost: Option<bool>,
    verify_endorsements: Option<bool>,
    crypto_suite: Option<CryptoSuite>,
    api: Api,
}

impl Connect {
    async fn run(self) -> fabweave::Result<Client> {
        let profile = Profile::load(&self.profile)?;
        let mut b = flow::Client::builder(profile)
            .mode(self.mode)
            .deadlines(self.deadlines);
        if let Some(user) = self.user {
            b = b.user(user);
        }
        if let Some(identity) = self.identity {
            b = b.identity(identity);
        }
        if let Some(p) = self.passphrase {
            b = b.passphrase(p);
        }
        if let Some(s) = self.commit_strategy {
            b = b.commit_strategy(s);
        }
        if let Some(s) = self.query_strategy {
            b = b.query_strategy(s);
        }
        if let Some(r) = self.retry {
            b = b.retry(r);
        }
        if let Some(on) = self.discovery {
            b = b.discovery(on);
        }
        if let Some(on) = self.as_localhost {
            b = b.as_localhost(on);
        }
        if let Some(on) = self.verify_endorsements {
            b = b.verify_endorsements(on);
        }
        if let Some(s) = self.crypto_suite {
            b = b.crypto_suite(s);
        }
        let client = b.connect().await?;
        Ok(Client {
            shared: Shared::new(client),
            api: self.api,
        })
    }
}

/// Both `connect`s: converts the options and connects as `api` does.
#[allow(clippy::too_many_arguments)]
fn connect_with(
    py: Python<'_>,
    api: Api,
    profile: PathBuf,
    user: Option<String>,
    identity: Option<PyRef<'_, crate::identity::Identity>>,
    passphrase: Option<&Bound<'_, PyAny>>,
    mode: &str,
    commit_strategy: Option<&str>,
    query_strategy: Option<&str>,
    timeouts: Option<&Bound<'_, PyDict>>,
    retry: Option<PyRef<'_, RetryPolicy>>,
    discovery: Option<bool>,
    as_localhost: Option<bool>,
    verify_endorsements: Option<bool>,
    crypto_suite: Option<&str>,
) -> PyResult<Py<PyAny>> {
    let crypto_suite = crypto_suite
        .map(|name| {
            CryptoSuite::by_name(name).ok_or_else(|| {
                let known: Vec<&str> = CryptoSuite::ALL.iter().map(|s| s.name).collect();
                PyValueError::new_err(format!(
                    "unknown crypto suite {name:?}: use one of {}",
                    known.join(", ")
                ))
            })
        })
        .transpose()?;
    let call = Connect {
        profile,
        user,
        identity: identity.map(|i| i.inner.clone()),
        passphrase: passphrase
            .filter(|p| !p.is_none())
            .map(|p| to_bytes(p, "passphrase"))
            .transpose()?,
        mode: parse_mode(mode)?,
        commit_strategy: commit_strategy.map(parse_commit_strategy).transpose()?,
        query_strategy: query_strategy.map(parse_query_strategy).transpose()?,
        deadlines: deadlines(timeouts)?,
        retry: retry.map(|r| r.policy),
        discovery,
        as_localhost,
        verify_endorsements,
        crypto_suite,
        api,
    };
    api.run(py, call.run())
}

/// `timeouts={"connect": 5, "evaluate": 10, "endorse": 10, "submit": 5, "commit": 30}` (seconds;
/// any subset).
fn deadlines(timeouts: Option<&Bound<'_, PyDict>>) -> PyResult<Deadlines> {
    let mut d = Deadlines::default();
    let Some(map) = timeouts else {
        return Ok(d);
    };
    for (k, v) in map.iter() {
        let key: String = k.extract()?;
        let secs = seconds(v.extract()?, &format!("timeouts[{key:?}]"))?;
        match key.as_str() {
            "connect" => d.connect = secs,
            "evaluate" => d.evaluate = secs,
            "endorse" => d.endorse = secs,
            "submit" => d.submit = secs,
            "commit" => d.commit = secs,
            other => {
                return Err(PyValueError::new_err(format!(
                    "unknown timeout {other:?}: use connect, evaluate, endorse, submit, commit"
                )))
            }
        }
    }
    Ok(d)
}

/// `connect` (sync) and `aio_connect` (asyncio): one parameter list, two APIs.
macro_rules! connect_fn {
    ($(#[$doc:meta])* $name:ident, $py_name:literal, $api:expr) => {
        $(#[$doc])*
        #[pyfunction]
        #[pyo3(name = $py_name, signature = (profile, *, user=None, identity=None,
            passphrase=None, mode="auto", commit_strategy=None, query_strategy=None,
            timeouts=None, retry=None, discovery=None, as_localhost=None,
            verify_endorsements=None, crypto_suite=None))]
        #[allow(clippy::too_many_arguments)]
        fn $name(
            py: Python<'_>,
            profile: PathBuf,
            user: Option<String>,
            identity: Option<PyRef<'_, crate::identity::Identity>>,
            passphrase: Option<&Bound<'_, PyAny>>,
            mode: &str,
            commit_strategy: Option<&str>,
            query_strategy: Option<&str>,
            timeouts: Option<&Bound<'_, PyDict>>,
            retry: Option<PyRef<'_, RetryPolicy>>,
            discovery: Option<bool>,
            as_localhost: Option<bool>,
            verify_endorsements: Option<bool>,
            crypto_suite: Option<&str>,
        ) -> PyResult<Py<PyAny>> {
            connect_with(
                py,
                $api,
                profile,
                user,
                identity,
                passphrase,
                mode,
                commit_strategy,
                query_strategy,
                timeouts,
                retry,
                discovery,
                as_localhost,
                verify_endorsements,
                crypto_suite,
            )
        }
    };
}

connect_fn!(
    /// Connects to a Fabric network as `user` of the profile's organization.
    connect,
    "connect",
    Api::Sync
);
connect_fn!(
    /// Connects to a Fabric network as `user`; a coroutine resolving to an `aio.Client`.
    aio_connect,
    "aio_connect",
    Api::Async
);

/// The client behind a Python `Client` and every network and contract taken from it; `None`
/// once closed.
#[derive(Clone, Default)]
pub(crate) struct Shared(Arc<Mutex<Option<flow::Client>>>);

impl Shared {
    pub(crate) fn new(client: flow::Client) -> Self {
        Shared(Arc::new(Mutex::new(Some(client))))
    }

    /// The client, or a `FabweaveError` once closed.
    pub(crate) fn get(&self, py: Python<'_>) -> PyResult<flow::Client> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        guard
            .clone()
            .ok_or_else(|| error::plain(py, "the client is closed"))
    }

    fn close(&self) -> Option<flow::Client> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }

    fn is_closed(&self) -> bool {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).is_none()
    }
}

/// A connection to a Fabric network as one identity.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct Client {
    pub(crate) shared: Shared,
    pub(crate) api: Api,
}
twin!(Client, AsyncClient, "Client");

#[pymethods]
impl Client {
    /// A channel.
    fn network(&self, py: Python<'_>, name: String) -> PyResult<Py<PyAny>> {
        self.shared.get(py)?;
        Network {
            shared: self.shared.clone(),
            name,
            api: self.api,
        }
        .into_py_api(py)
    }

    /// The MSP ID of the client's identity.
    #[getter]
    fn msp_id(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.shared.get(py)?.identity().msp_id().to_owned())
    }

    /// `"gateway"` or `"client"`: which flow carried the last call, or None before any.
    #[getter]
    fn last_via(&self, py: Python<'_>) -> PyResult<Option<&'static str>> {
        Ok(self.shared.get(py)?.last_via().map(via_name))
    }

    /// Closes the client's connections and event streams; calls after it raise
    /// `FabweaveError`. Closing twice is harmless. Not a coroutine in `fabweave.aio` either.
    fn close(&self, py: Python<'_>) {
        let client = self.shared.close();
        // Dropping may join stream tasks: without the GIL.
        py.detach(move || drop(client));
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.shared.is_closed()
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> bool {
        self.close(py);
        false
    }

    fn __aenter__<'py>(slf: Py<Self>, py: Python<'py>) -> PyResult<Py<PyAny>> {
        Api::Async.run(py, async move { Ok(Passed(slf.into_any())) })
    }

    #[pyo3(signature = (*_exc))]
    fn __aexit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<Py<PyAny>> {
        self.close(py);
        Api::Async.run(py, async { Ok(false) })
    }

    fn __repr__(&self) -> String {
        let state = if self.shared.is_closed() {
            "closed"
        } else {
            "open"
        };
        format!("<{}.Client {state}>", self.api.module())
    }
}

/// A Python object passed through a future unchanged.
pub(crate) struct Passed(pub Py<PyAny>);

impl ToPy for Passed {
    fn to_py(self, _py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self.0)
    }
}

/// A channel of the network.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct Network {
    pub(crate) shared: Shared,
    pub(crate) name: String,
    pub(crate) api: Api,
}
twin!(Network, AsyncNetwork, "Network");

impl Network {
    /// The core network, or an error once the client is closed.
    pub(crate) fn core(&self, py: Python<'_>) -> PyResult<flow::Network> {
        Ok(self.shared.get(py)?.network(&self.name))
    }
}

#[pymethods]
impl Network {
    /// The channel's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// What the client knows of the channel (from the profile and, once asked, discovery): a
    /// dict with `peers` (name, msp_id, address, height, chaincodes, discovered), `orderers`
    /// (name, address) and `msps` (the channel's MSP IDs; empty until discovery answered).
    fn view(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let network = self.core(py)?;
        self.api
            .run(py, async move { Ok(View(network.view().await)) })
    }

    /// Asks discovery again now (rather than when the cached answer ages out) and returns the
    /// new view, as `view()` does.
    fn refresh(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let network = self.core(py)?;
        self.api
            .run(py, async move { Ok(View(network.refresh().await)) })
    }

    /// A chaincode on this channel. `hot_key_scheduling=True` sends submits that touch the
    /// same keys one after another instead of racing into read conflicts;
    /// `endorsement_policy` (e.g. `"AND('Org1MSP.peer','Org2MSP.peer')"`) plans endorsements
    /// where discovery is off or no peer answers it.
    #[pyo3(signature = (name, *, hot_key_scheduling=false, endorsement_policy=None))]
    fn contract(
        &self,
        py: Python<'_>,
        name: String,
        hot_key_scheduling: bool,
        endorsement_policy: Option<&str>,
    ) -> PyResult<Py<PyAny>> {
        self.shared.get(py)?;
        let endorsement_policy = endorsement_policy
            .map(|text| {
                SignaturePolicy::parse(text)
                    .map(Arc::new)
                    .map_err(|e| error::to_py(py, e))
            })
            .transpose()?;
        Contract {
            shared: self.shared.clone(),
            channel: self.name.clone(),
            name,
            hot_key_scheduling,
            endorsement_policy,
            api: self.api,
        }
        .into_py_api(py)
    }

    /// Opens a stream of this channel's blocks (see `crate::events`): `kind` "full",
    /// "filtered" or "with_private_data"; `start` "newest", "oldest", "next_commit", a block
    /// number or a `Checkpoint`; `checkpoint` a checkpointer to resume from.
    #[pyo3(signature = (*, kind="full", start=crate::events::Start::NEWEST, checkpoint=None,
        give_up_after=None),
        text_signature = "($self, *, kind='full', start='newest', checkpoint=None, give_up_after=None)")]
    fn block_events(
        &self,
        py: Python<'_>,
        kind: &str,
        start: crate::events::Start,
        checkpoint: Option<PyRef<'_, crate::events::Checkpointer>>,
        give_up_after: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        crate::events::block_events(self, py, kind, start, checkpoint, give_up_after)
    }

    /// The channel's ledger (qscc and cscc queries; see `crate::ledger`).
    #[pyo3(signature = (*, timeout=None, peers=None))]
    fn ledger(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        peers: Option<Vec<String>>,
    ) -> PyResult<Py<PyAny>> {
        crate::ledger::ledger(self, py, timeout, peers)
    }

    fn __repr__(&self) -> String {
        format!("<{}.Network {}>", self.api.module(), self.name)
    }
}

/// A channel view on its way to Python, as dicts and lists.
struct View(Arc<fabweave::routing::ChannelView>);

impl ToPy for View {
    fn to_py(self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let peers = pyo3::types::PyList::empty(py);
        for p in &self.0.peers {
            let d = PyDict::new(py);
            d.set_item("name", &p.name)?;
            d.set_item("msp_id", &p.msp_id)?;
            d.set_item("address", p.endpoint.address())?;
            d.set_item("height", p.height)?;
            d.set_item("chaincodes", &p.chaincodes)?;
            d.set_item("discovered", p.discovered)?;
            peers.append(d)?;
        }
        let orderers = pyo3::types::PyList::empty(py);
        for o in &self.0.orderers {
            let d = PyDict::new(py);
            d.set_item("name", &o.name)?;
            d.set_item("address", o.endpoint.address())?;
            orderers.append(d)?;
        }
        let msps: Vec<&str> = self
            .0
            .config
            .iter()
            .flat_map(|c| c.msps.iter().map(|m| m.msp_id.as_str()))
            .collect();
        let view = PyDict::new(py);
        view.set_item("peers", peers)?;
        view.set_item("orderers", orderers)?;
        view.set_item("msps", msps)?;
        Ok(view.into_any().unbind())
    }
}

/// A chaincode on a channel.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct Contract {
    pub(crate) shared: Shared,
    pub(crate) channel: String,
    pub(crate) name: String,
    /// `Contract::with_hot_key_scheduling`.
    pub(crate) hot_key_scheduling: bool,
    /// `Contract::with_endorsement_policy`.
    pub(crate) endorsement_policy: Option<Arc<SignaturePolicy>>,
    pub(crate) api: Api,
}
twin!(Contract, AsyncContract, "Contract");

impl Contract {
    /// The core contract, or an error once the client is closed.
    pub(crate) fn core(&self, py: Python<'_>) -> PyResult<flow::Contract> {
        let mut contract = self
            .shared
            .get(py)?
            .network(&self.channel)
            .contract(&self.name);
        if self.hot_key_scheduling {
            contract = contract.with_hot_key_scheduling();
        }
        if let Some(policy) = &self.endorsement_policy {
            contract = contract.with_endorsement_policy(Arc::clone(policy));
        }
        Ok(contract)
    }

    /// The submit builder for these Python arguments (shared with the step-by-step form).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn submit_builder(
        &self,
        py: Python<'_>,
        function: String,
        args: &Bound<'_, PyTuple>,
        transient: Option<&Bound<'_, PyDict>>,
        endorsing_orgs: Option<Vec<String>>,
        endorsing_peers: Option<Vec<String>>,
        collections: Option<Vec<String>>,
        calls_chaincodes: Option<Vec<String>>,
        commit_strategy: Option<&str>,
        retry: Option<PyRef<'_, RetryPolicy>>,
        endorse_timeout: Option<f64>,
        submit_timeout: Option<f64>,
        commit_timeout: Option<f64>,
    ) -> PyResult<flow::Submit> {
        let mut call = self.core(py)?.submit(function).args(to_args(args)?);
        for (k, v) in to_transient(transient)? {
            call = call.transient(k, v);
        }
        if let Some(orgs) = endorsing_orgs {
            call = call.endorsing_orgs(orgs);
        }
        if let Some(peers) = endorsing_peers {
            call = call.endorsing_peers(peers);
        }
        if let Some(names) = collections {
            call = call.collections(names);
        }
        if let Some(names) = calls_chaincodes {
            call = call.calls_chaincodes(names);
        }
        if let Some(s) = commit_strategy {
            call = call.commit_strategy(parse_commit_strategy(s)?);
        }
        if let Some(r) = retry {
            call = call.retry(r.policy);
        }
        if let Some(d) = opt_seconds(endorse_timeout, "endorse_timeout")? {
            call = call.endorse_timeout(d);
        }
        if let Some(d) = opt_seconds(submit_timeout, "submit_timeout")? {
            call = call.submit_timeout(d);
        }
        if let Some(d) = opt_seconds(commit_timeout, "commit_timeout")? {
            call = call.commit_timeout(d);
        }
        Ok(call)
    }

    /// The evaluate builder for these Python arguments.
    pub(crate) fn evaluate_builder(
        &self,
        py: Python<'_>,
        function: String,
        args: &Bound<'_, PyTuple>,
        transient: Option<&Bound<'_, PyDict>>,
        peers: Option<Vec<String>>,
        timeout: Option<f64>,
    ) -> PyResult<flow::Evaluate> {
        let mut call = self.core(py)?.evaluate(function).args(to_args(args)?);
        for (k, v) in to_transient(transient)? {
            call = call.transient(k, v);
        }
        if let Some(peers) = peers {
            call = call.peers(peers);
        }
        if let Some(d) = opt_seconds(timeout, "timeout")? {
            call = call.timeout(d);
        }
        Ok(call)
    }
}

#[pymethods]
impl Contract {
    /// The chaincode's name.
    #[getter]
    fn name(&self) -> &str {
        &self.name
    }

    /// Endorses, orders and waits for the commit of `function(*args)`.
    #[pyo3(signature = (function, *args, transient=None, endorsing_orgs=None,
        endorsing_peers=None, collections=None, calls_chaincodes=None, commit_strategy=None,
        retry=None, endorse_timeout=None, submit_timeout=None, commit_timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn submit(
        &self,
        py: Python<'_>,
        function: String,
        args: &Bound<'_, PyTuple>,
        transient: Option<&Bound<'_, PyDict>>,
        endorsing_orgs: Option<Vec<String>>,
        endorsing_peers: Option<Vec<String>>,
        collections: Option<Vec<String>>,
        calls_chaincodes: Option<Vec<String>>,
        commit_strategy: Option<&str>,
        retry: Option<PyRef<'_, RetryPolicy>>,
        endorse_timeout: Option<f64>,
        submit_timeout: Option<f64>,
        commit_timeout: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        let call = self.submit_builder(
            py,
            function,
            args,
            transient,
            endorsing_orgs,
            endorsing_peers,
            collections,
            calls_chaincodes,
            commit_strategy,
            retry,
            endorse_timeout,
            submit_timeout,
            commit_timeout,
        )?;
        self.api
            .run(py, async move { call.await.map(Committed::from) })
    }

    /// The first step of a submit signed elsewhere: the `Proposal` of `function(*args)`,
    /// with the bytes to sign (nothing is sent yet). Takes the options of `submit` but
    /// `retry`: the steps never retry.
    #[pyo3(signature = (function, *args, transient=None, endorsing_orgs=None,
        endorsing_peers=None, collections=None, calls_chaincodes=None, commit_strategy=None,
        endorse_timeout=None, submit_timeout=None, commit_timeout=None))]
    #[allow(clippy::too_many_arguments)]
    fn new_proposal(
        &self,
        py: Python<'_>,
        function: String,
        args: &Bound<'_, PyTuple>,
        transient: Option<&Bound<'_, PyDict>>,
        endorsing_orgs: Option<Vec<String>>,
        endorsing_peers: Option<Vec<String>>,
        collections: Option<Vec<String>>,
        calls_chaincodes: Option<Vec<String>>,
        commit_strategy: Option<&str>,
        endorse_timeout: Option<f64>,
        submit_timeout: Option<f64>,
        commit_timeout: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        let call = self.submit_builder(
            py,
            function,
            args,
            transient,
            endorsing_orgs,
            endorsing_peers,
            collections,
            calls_chaincodes,
            commit_strategy,
            None,
            endorse_timeout,
            submit_timeout,
            commit_timeout,
        )?;
        crate::steps::Proposal::build(py, self.shared.clone(), call, self.api)
    }

    /// Evaluates (queries) `function(*args)` on one peer; returns the chaincode's payload.
    #[pyo3(signature = (function, *args, transient=None, peers=None, timeout=None))]
    fn evaluate(
        &self,
        py: Python<'_>,
        function: String,
        args: &Bound<'_, PyTuple>,
        transient: Option<&Bound<'_, PyDict>>,
        peers: Option<Vec<String>>,
        timeout: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        let call = self.evaluate_builder(py, function, args, transient, peers, timeout)?;
        self.api.run(py, async move { call.await.map(Bytes) })
    }

    /// Opens a stream of the events this chaincode emits (see `crate::events`).
    #[pyo3(signature = (*, event_name=None, start=crate::events::Start::NEWEST, checkpoint=None,
        kind="full", give_up_after=None),
        text_signature = "($self, *, event_name=None, start='newest', checkpoint=None, kind='full', give_up_after=None)")]
    fn chaincode_events(
        &self,
        py: Python<'_>,
        event_name: Option<String>,
        start: crate::events::Start,
        checkpoint: Option<PyRef<'_, crate::events::Checkpointer>>,
        kind: &str,
        give_up_after: Option<f64>,
    ) -> PyResult<Py<PyAny>> {
        crate::events::chaincode_events(
            self,
            py,
            event_name,
            start,
            checkpoint,
            kind,
            give_up_after,
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "<{}.Contract {}/{}>",
            self.api.module(),
            self.channel,
            self.name
        )
    }
}

/// An event a chaincode emitted (`SetEvent`) in a valid transaction.
#[pyclass(frozen, module = "fabweave")]
pub(crate) struct ChaincodeEvent {
    /// The block of the transaction.
    #[pyo3(get)]
    block_number: u64,
    /// The transaction's index within the block (None on `Committed.events`, where it is not
    /// known).
    #[pyo3(get)]
    tx_index: Option<u32>,
    /// The transaction id.
    #[pyo3(get)]
    tx_id: String,
    /// The chaincode that emitted it.
    #[pyo3(get)]
    chaincode_id: String,
    /// The event's name.
    #[pyo3(get)]
    event_name: String,
    payload: Vec<u8>,
}
pyclass_to_py!(ChaincodeEvent, Committed, Attempt);

impl From<CoreEvent> for ChaincodeEvent {
    fn from(e: CoreEvent) -> Self {
        ChaincodeEvent {
            block_number: e.block_number,
            tx_index: Some(e.tx_index),
            tx_id: e.tx_id,
            chaincode_id: e.chaincode_id,
            event_name: e.event_name,
            payload: e.payload,
        }
    }
}

#[pymethods]
impl ChaincodeEvent {
    /// The event's payload (empty when read from filtered blocks).
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.payload)
    }

    fn __repr__(&self) -> String {
        format!(
            "ChaincodeEvent(block_number={}, tx_index={:?}, tx_id={:?}, chaincode_id={:?}, \
             event_name={:?}, payload=<{} bytes>)",
            self.block_number,
            self.tx_index,
            self.tx_id,
            self.chaincode_id,
            self.event_name,
            self.payload.len()
        )
    }
}

/// One attempt of a submit: its transaction and what became of it.
#[pyclass(frozen, module = "fabweave")]
pub(crate) struct Attempt {
    /// Its transaction id.
    #[pyo3(get)]
    tx_id: String,
    /// The block it was committed in, or None if it failed.
    #[pyo3(get)]
    block_number: Option<u64>,
    /// Why it failed (the error's message), or None if it committed.
    #[pyo3(get)]
    error: Option<String>,
    /// Whether it failed with a read conflict (MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT).
    #[pyo3(get)]
    conflict: bool,
}

impl From<&flow::Attempt> for Attempt {
    fn from(a: &flow::Attempt) -> Self {
        let (block_number, error, conflict) = match &a.outcome {
            AttemptOutcome::Committed { block } => (Some(*block), None, false),
            AttemptOutcome::Failed(e) => {
                let conflict = matches!(
                    e,
                    fabweave::Error::Commit { code_name, .. }
                        if code_name.contains("CONFLICT")
                );
                (None, Some(e.to_string()), conflict)
            }
            _ => (None, Some("unknown outcome".to_owned()), false),
        };
        Attempt {
            tx_id: a.tx_id.clone(),
            block_number,
            error,
            conflict,
        }
    }
}

#[pymethods]
impl Attempt {
    fn __repr__(&self) -> String {
        match (&self.block_number, &self.error) {
            (Some(b), _) => format!("Attempt(tx_id={:?}, block_number={b})", self.tx_id),
            (None, e) => format!(
                "Attempt(tx_id={:?}, error={:?})",
                self.tx_id,
                e.as_deref().unwrap_or_default()
            ),
        }
    }
}

/// Endorsers as a list of dicts {peer, address, msp_id} (`Committed` and `Submitted`).
pub(crate) fn endorser_list<'py>(
    py: Python<'py>,
    endorsers: &[flow::Endorser],
) -> PyResult<Bound<'py, PyAny>> {
    let list = pyo3::types::PyList::empty(py);
    for e in endorsers {
        let d = PyDict::new(py);
        d.set_item("peer", &e.peer)?;
        d.set_item("address", &e.address)?;
        d.set_item("msp_id", &e.msp_id)?;
        list.append(d)?;
    }
    Ok(list.into_any())
}

/// The attempts of a retried submit, as `Attempt` objects (also used by `error`).
pub(crate) fn attempt_list<'py>(
    py: Python<'py>,
    attempts: &[flow::Attempt],
) -> PyResult<Bound<'py, PyAny>> {
    let items = attempts
        .iter()
        .map(|a| Py::new(py, Attempt::from(a)))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(pyo3::types::PyList::new(py, items)?.into_any())
}

/// A committed transaction.
#[pyclass(frozen, module = "fabweave")]
pub(crate) struct Committed {
    /// The transaction id.
    #[pyo3(get)]
    tx_id: String,
    /// The block it was committed in (0 when the commit was not waited for).
    #[pyo3(get)]
    block_number: u64,
    /// Whether the commit was observed (False only with commit strategy "NONE").
    #[pyo3(get)]
    confirmed: bool,
    payload: Vec<u8>,
    event: Option<fabweave::proto::peer::ChaincodeEvent>,
    /// The peer whose commit event confirmed it first.
    #[pyo3(get)]
    confirmed_by: Option<String>,
    endorsers: Vec<flow::Endorser>,
    attempts: Vec<flow::Attempt>,
    /// Whether the outcome was learned from the ledger rather than from a commit event.
    #[pyo3(get)]
    resolved_from_ledger: bool,
    /// `"gateway"` or `"client"`: which flow carried the transaction.
    #[pyo3(get)]
    via: &'static str,
}

impl From<flow::Committed> for Committed {
    fn from(done: flow::Committed) -> Self {
        Committed {
            tx_id: done.tx_id().to_owned(),
            block_number: done.block_number(),
            confirmed: done.is_confirmed(),
            payload: done.payload().to_vec(),
            event: done.event().cloned(),
            confirmed_by: done.confirmed_by().map(str::to_owned),
            endorsers: done.endorsers().to_vec(),
            attempts: done.attempts().to_vec(),
            resolved_from_ledger: done.resolved_from_ledger(),
            via: via_name(done.via()),
        }
    }
}

#[pymethods]
impl Committed {
    /// The chaincode's response payload.
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.payload)
    }

    /// The chaincode events the transaction set (Fabric allows one per transaction).
    #[getter]
    fn events(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.event
            .iter()
            .map(|e| ChaincodeEvent {
                block_number: self.block_number,
                tx_index: None,
                tx_id: self.tx_id.clone(),
                chaincode_id: e.chaincode_id.clone(),
                event_name: e.event_name.clone(),
                payload: e.payload.clone(),
            })
            .collect::<Vec<_>>()
            .to_py(py)
    }

    /// The peers whose endorsements the transaction carries: dicts with peer, address,
    /// msp_id.
    #[getter]
    fn endorsers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        endorser_list(py, &self.endorsers)
    }

    /// Every transaction this submit sent, the committed one last (one unless retried).
    #[getter]
    fn attempts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        attempt_list(py, &self.attempts)
    }

    fn __repr__(&self) -> String {
        format!(
            "Committed(tx_id={:?}, block_number={}, attempts={}, via={:?}, payload=<{} bytes>)",
            self.tx_id,
            self.block_number,
            self.attempts.len().max(1),
            self.via,
            self.payload.len()
        )
    }
}

/// Adds this module's functions and classes to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(connect, m)?)?;
    m.add_function(wrap_pyfunction!(aio_connect, m)?)?;
    m.add_class::<Client>()?;
    m.add("AsyncClient", m.py().get_type::<AsyncClient>())?;
    m.add_class::<Network>()?;
    m.add("AsyncNetwork", m.py().get_type::<AsyncNetwork>())?;
    m.add_class::<Contract>()?;
    m.add("AsyncContract", m.py().get_type::<AsyncContract>())?;
    m.add_class::<Committed>()?;
    m.add_class::<Attempt>()?;
    m.add_class::<ChaincodeEvent>()?;
    m.add_class::<RetryPolicy>()?;
    Ok(())
}
