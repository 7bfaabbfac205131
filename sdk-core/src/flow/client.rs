//! The client, its networks and contracts, and the engine behind every call: choosing peers,
//! endorsing, broadcasting, and waiting for commits.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::calls::{Evaluate, Submit};
use super::gateway::{GatewayState, Mode, Via};
use super::hotkeys::HotKeys;
use super::retry::RetryPolicy;
use super::strategy::{CommitStrategy, Deadlines, QueryStrategy};
use crate::config::{Profile, TlsClientPair};
use crate::crypto::CryptoSuite;
use crate::error::{ConfigProblem, Error, PeerFailure, Result, Stage};
use crate::events::{CommitHub, TxOutcome};
use crate::identity::Identity;
use crate::proto::common::{Envelope, Status};
use crate::proto::peer::{ProposalResponse, SignedProposal};
use crate::protocol::discovery::ChaincodeCall;
use crate::protocol::{self, Endorsed, PeerTarget, UnsignedProposal};
use crate::routing::plan::Plan;
use crate::routing::policy::SignaturePolicy;
use crate::routing::{ChannelView, Route, RouteOrderer, RoutePeer, Router, RoutingOptions, Wanted};
use crate::transport::{self, Connections};

/// A connection to a Fabric network as one identity: the entry point of the SDK.
///
/// Cheap to clone; clones share connections and event streams.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("identity", &self.inner.identity)
            .field("deadlines", &self.inner.deadlines)
            .finish()
    }
}

/// Builds a [`Client`].
#[must_use]
pub struct ClientBuilder {
    profile: Profile,
    identity: Option<Identity>,
    user: Option<String>,
    passphrase: Option<zeroize::Zeroizing<Vec<u8>>>,
    deadlines: Deadlines,
    commit_strategy: CommitStrategy,
    query_strategy: QueryStrategy,
    verify_endorsements: bool,
    routing: RoutingOptions,
    retry: RetryPolicy,
    suite: Option<CryptoSuite>,
    mode: Mode,
}

impl ClientBuilder {
    /// Uses this identity.
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Loads this user's identity from the profile (its organization's `users` or `cryptoPath`).
    pub fn user(mut self, name: impl Into<String>) -> Self {
        self.user = Some(name.into());
        self
    }

    /// The passphrase of the user's encrypted key.
    pub fn passphrase(mut self, passphrase: impl AsRef<[u8]>) -> Self {
        self.passphrase = Some(zeroize::Zeroizing::new(passphrase.as_ref().to_vec()));
        self
    }

    /// Deadlines for every call (each call may override them).
    pub fn deadlines(mut self, deadlines: Deadlines) -> Self {
        self.deadlines = deadlines;
        self
    }

    /// The default commit strategy ([`CommitStrategy::PreferMspidScopeAllForTx`] unless set).
    pub fn commit_strategy(mut self, strategy: CommitStrategy) -> Self {
        self.commit_strategy = strategy;
        self
    }

    /// How evaluate picks its peer ([`QueryStrategy::Single`] unless set).
    pub fn query_strategy(mut self, strategy: QueryStrategy) -> Self {
        self.query_strategy = strategy;
        self
    }

    /// Whether to verify each endorser's signature (on by default).
    pub fn verify_endorsements(mut self, on: bool) -> Self {
        self.verify_endorsements = on;
        self
    }

    /// Whether to use the peers' discovery service to find the channel's peers, orderers and
    /// endorsement layouts (on by default; see [`RoutingOptions::discovery`]).
    pub fn discovery(mut self, on: bool) -> Self {
        self.routing.discovery = on;
        self
    }

    /// Dials the DNS names discovery reports at `localhost`, keeping their ports (for a
    /// network running in containers on this machine; off by default).
    pub fn as_localhost(mut self, on: bool) -> Self {
        self.routing.as_localhost = on;
        self
    }

    /// How submits are retried (see [`RetryPolicy`]; on by default, each call may override
    /// it).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The crypto suite (transaction-id and TLS-certificate hashes) to use instead of the one
    /// the profile's `client.BCCSP.security` and the identity's key call for (see
    /// [`CryptoSuite::choose`]).
    pub fn crypto_suite(mut self, suite: CryptoSuite) -> Self {
        self.suite = Some(suite);
        self
    }

    /// Whether calls go through the peer Gateway service or the client-side flow
    /// ([`Mode::Auto`] unless set: the Gateway where the peer offers it).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Every routing option at once.
    pub fn routing(mut self, options: RoutingOptions) -> Self {
        self.routing = options;
        self
    }

    /// Loads the identity and prepares the connections (which are made on first use).
    pub async fn connect(self) -> Result<Client> {
        let identity = match (self.identity, &self.user) {
            (Some(id), _) => id,
            (None, Some(user)) => self
                .profile
                .identity(user, self.passphrase.as_deref().map(Vec::as_slice))?,
            (None, None) => {
                return Err(Error::config("client", ConfigProblem::MissingKey)
                    .in_file_opt(self.profile.source.as_deref()))
            }
        };
        let client_tls = match client_tls_pair(&self.profile)? {
            Some(pair) => Some(pair),
            None if self.routing.discovery => Some(transport::ephemeral_client_pair()?),
            None => None,
        };
        let suite = match self.suite {
            Some(s) => s,
            None => {
                let (suite, note) =
                    CryptoSuite::choose(&self.profile.client.crypto, identity.signer().algorithm());
                if let Some(note) = note {
                    tracing::warn!(suite = suite.name, "{note}");
                }
                suite
            }
        };
        let identity = sm2_identity_for(identity, suite)?;
        let connections = Connections::new(client_tls, self.deadlines.connect)
            .with_cert_hash(suite.tls_cert_hash);
        let hub = CommitHub::new(connections.clone(), identity.clone());
        let router = Router::new(connections.clone(), identity.clone(), self.routing);
        Ok(Client {
            inner: Arc::new(Inner {
                profile: self.profile,
                identity,
                connections,
                hub,
                router,
                suite,
                retry: self.retry,
                hot_keys: Mutex::new(HashMap::new()),
                deadlines: self.deadlines,
                commit_strategy: self.commit_strategy,
                query_strategy: self.query_strategy,
                verify_endorsements: self.verify_endorsements,
                next_query_peer: AtomicUsize::new(0),
                mode: self.mode,
                gateways: GatewayState::default(),
            }),
        })
    }
}

/// The mutual-TLS client pair named by the profile (`client.tlsCerts.client`, or the client
/// organization's `tlsCryptoCertPath`/`tlsCryptoKeyPath`).
fn client_tls_pair(profile: &Profile) -> Result<Option<transport::ClientTlsPem>> {
    let pair: Option<&TlsClientPair> = profile.client.tls_client.as_ref().or_else(|| {
        profile
            .client_organization()
            .and_then(|o| o.tls_client.as_ref())
    });
    let Some(pair) = pair else { return Ok(None) };
    Ok(Some((pair.cert.read()?.to_vec(), pair.key.read()?)))
}

impl Client {
    /// Starts building a client for `profile`.
    pub fn builder(profile: Profile) -> ClientBuilder {
        ClientBuilder {
            profile,
            identity: None,
            user: None,
            passphrase: None,
            deadlines: Deadlines::default(),
            commit_strategy: CommitStrategy::default(),
            query_strategy: QueryStrategy::default(),
            verify_endorsements: true,
            routing: RoutingOptions::default(),
            retry: RetryPolicy::default(),
            suite: None,
            mode: Mode::default(),
        }
    }

    /// A channel.
    pub fn network(&self, channel: impl Into<String>) -> Network {
        Network {
            client: self.clone(),
            channel: channel.into(),
        }
    }

    /// The identity the client signs as.
    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    /// The crypto suite in use (transaction-id and TLS-certificate hashes).
    pub fn crypto_suite(&self) -> CryptoSuite {
        self.inner.suite
    }

    /// The profile the client was built from.
    pub fn profile(&self) -> &Profile {
        &self.inner.profile
    }

    /// The mode the client was built with (see [`ClientBuilder::mode`]).
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// Which flow served the client's most recent evaluate or endorsement (any clone, any
    /// task; `None` before the first call) — in [`Mode::Auto`], whether the peer's Gateway was
    /// used. A submit's own flow is [`super::Committed::via`].
    pub fn last_via(&self) -> Option<Via> {
        self.inner.gateways.last()
    }
}

/// A channel, as seen by a client.
#[derive(Clone, Debug)]
pub struct Network {
    pub(crate) client: Client,
    pub(crate) channel: String,
}

impl Network {
    /// A chaincode on this channel.
    pub fn contract(&self, chaincode: impl Into<String>) -> Contract {
        Contract {
            network: self.clone(),
            chaincode: chaincode.into(),
            policy: None,
            hot_keys: false,
        }
    }

    /// The channel's name.
    pub fn name(&self) -> &str {
        &self.channel
    }

    /// The channel's peers and orderers as the client sees them: the profile's, with what
    /// discovery reports (cached; asked when stale).
    pub async fn view(&self) -> Arc<ChannelView> {
        let inner = &self.client.inner;
        inner.router.view(&inner.profile, &self.channel).await
    }

    /// [`Network::view`], asking discovery again now.
    pub async fn refresh(&self) -> Arc<ChannelView> {
        let inner = &self.client.inner;
        inner.router.invalidate(&self.channel);
        inner.router.view(&inner.profile, &self.channel).await
    }
}

/// A chaincode on a channel.
#[derive(Clone, Debug)]
pub struct Contract {
    pub(crate) network: Network,
    pub(crate) chaincode: String,
    pub(crate) policy: Option<Arc<SignaturePolicy>>,
    pub(crate) hot_keys: bool,
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

    /// The chaincode's name.
    pub fn name(&self) -> &str {
        &self.chaincode
    }

    /// This contract with hot-key scheduling: submits whose transactions read or write the
    /// same keys go out one after another (each endorsed once the previous one committed)
    /// instead of racing into read conflicts. The keys are learned from the endorsements'
    /// read/write sets, per function and arguments. Worth it for contracts whose calls contend
    /// for a few keys (counters, balances); it costs nothing to calls that do not.
    pub fn with_hot_key_scheduling(mut self) -> Self {
        self.hot_keys = true;
        self
    }

    /// This contract, planning endorsements with `policy` where discovery is off or no peer
    /// answers it (instead of a policy from the profile, or one peer of every organization).
    /// Takes the policy or an `Arc` of it (shared by many contracts without copying).
    pub fn with_endorsement_policy(mut self, policy: impl Into<Arc<SignaturePolicy>>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The channel.
    pub fn network(&self) -> &Network {
        &self.network
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.network.client.inner
    }
}

/// Which peers endorse a submit.
#[derive(Debug, Clone, Default)]
pub(crate) struct Targets {
    /// MSP IDs (or organization keys) whose peers must endorse; empty = every org with
    /// endorsing peers on the channel.
    pub(crate) orgs: Vec<String>,
    /// Exact peers (by profile name); overrides `orgs`.
    pub(crate) peers: Vec<String>,
    /// Private data collections the call touches (endorsers are limited to their members).
    pub(crate) collections: Vec<String>,
    /// Other chaincodes the call reaches (chaincode-to-chaincode).
    pub(crate) calls: Vec<String>,
    /// The endorsement policy to plan with when discovery is off or unavailable.
    pub(crate) policy: Option<Arc<SignaturePolicy>>,
}

impl Targets {
    /// The discovery interest of a call to `chaincode`.
    pub(crate) fn interest(&self, chaincode: &str) -> Vec<ChaincodeCall> {
        let mut first = ChaincodeCall::new(chaincode);
        first.collections = self.collections.clone();
        let mut interest = vec![first];
        interest.extend(self.calls.iter().map(ChaincodeCall::new));
        interest
    }
}

/// How an endorser's answer counts.
enum Answer {
    /// An endorsement.
    Endorsed,
    /// The peer could not simulate (chaincode not installed there, an internal error): another
    /// peer may.
    PeerFailure(String),
    /// The chaincode returned an error.
    ChaincodeError,
}

fn classify(resp: &ProposalResponse) -> Answer {
    let (status, message) = resp
        .response
        .as_ref()
        .map_or((0, ""), |r| (r.status, r.message.as_str()));
    if (200..400).contains(&status) && resp.endorsement.is_some() {
        return Answer::Endorsed;
    }
    // A failure of the peer itself comes as status 500 without a payload (the gateway draws
    // the same line); a chaincode error carries the simulation's payload.
    if status == 0 || (status == 500 && resp.payload.is_empty()) || (200..400).contains(&status) {
        let message = if (200..400).contains(&status) {
            "the peer answered without an endorsement".to_owned()
        } else {
            format!("status {status}: {message}")
        };
        return Answer::PeerFailure(message);
    }
    Answer::ChaincodeError
}

/// The error of an endorsement whose policy could not be met: the groups that lacked peers and
/// why each of their peers failed.
fn unmet_policy(
    profile: &Profile,
    tx_id: &str,
    chaincode: &str,
    channel: &str,
    route: &Route,
    plan: &Plan,
    statuses: &[i32],
) -> Error {
    let shortfalls = plan.shortfalls();
    let groups: Vec<String> = shortfalls
        .iter()
        .map(|s| {
            let label = route.labels.get(s.group).map_or("?", String::as_str);
            let members: Vec<&str> = s
                .members
                .iter()
                .filter_map(|&i| route.peers.get(i).map(|p| p.name.as_str()))
                .collect();
            format!(
                "{label} needs {} endorsement{}, got {} (its peers: {})",
                s.needed,
                if s.needed == 1 { "" } else { "s" },
                s.endorsed,
                if members.is_empty() {
                    "none".to_owned()
                } else {
                    members.join(", ")
                }
            )
        })
        .collect();
    let peers = plan
        .failures()
        .iter()
        .map(|(i, message)| {
            let p = &route.peers[*i];
            PeerFailure {
                peer: p.name.clone(),
                address: p.endpoint.address(),
                status: statuses.get(*i).copied().unwrap_or(0),
                message: message.clone(),
                msp_id: p.msp_id.clone().unwrap_or_default(),
            }
        })
        .collect();
    let message = if groups.is_empty() {
        format!(
            "no peers satisfy the endorsement policy of {chaincode} on {channel} (route from {})",
            route.source
        )
    } else {
        format!(
            "the endorsement policy of {chaincode} on {channel} cannot be met (route from {}): {}",
            route.source,
            groups.join("; ")
        )
    };
    let message = match &route.note {
        Some(note) => format!("{message} ({note})"),
        None => message,
    };
    // Peers only discovery knows, failing to connect: their reported addresses may not be
    // reachable from here (in-cluster names, container names).
    let unreachable_discovered = plan.failures().iter().any(|(i, why)| {
        let p = &route.peers[*i];
        p.discovered
            && profile.peer(&p.name).is_none()
            && ["dns error", "lookup", "connect", "timed out", "Timeout"]
                .iter()
                .any(|w| why.contains(w))
    });
    let message = if unreachable_discovered {
        format!(
            "{message}; some peers were reported by discovery at addresses this client could \
             not reach: map them to reachable ones with entityMatchers in the profile, or use \
             ClientBuilder::as_localhost(true) when the network runs on this machine"
        )
    } else {
        message
    };
    Error::Endorse {
        tx_id: tx_id.to_owned(),
        message,
        peers,
    }
}

pub(crate) struct Inner {
    pub(crate) profile: Profile,
    pub(crate) identity: Identity,
    pub(crate) connections: Connections,
    pub(crate) hub: CommitHub,
    pub(crate) router: Router,
    pub(crate) suite: CryptoSuite,
    pub(crate) retry: RetryPolicy,
    hot_keys: Mutex<HashMap<(String, String), Arc<HotKeys>>>,
    pub(crate) deadlines: Deadlines,
    pub(crate) commit_strategy: CommitStrategy,
    pub(crate) query_strategy: QueryStrategy,
    pub(crate) verify_endorsements: bool,
    pub(crate) next_query_peer: AtomicUsize,
    pub(crate) mode: Mode,
    pub(crate) gateways: GatewayState,
}

fn target(peer: &RoutePeer) -> PeerTarget {
    PeerTarget {
        name: peer.name.clone(),
        address: peer.endpoint.address(),
    }
}

/// Runs `fut` under `deadline`, turning expiry into a timeout error of `stage`.
pub(crate) async fn within<T>(
    stage: Stage,
    deadline: Duration,
    tx_id: Option<&str>,
    fut: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    match tokio::time::timeout(deadline, fut).await {
        Ok(r) => r,
        Err(_) => Err(Error::Timeout {
            stage,
            after: deadline,
            tx_id: tx_id.map(str::to_owned),
            waiting_for: None,
        }),
    }
}

impl Inner {
    /// The hot-key scheduler of a contract (shared by every `Contract` value naming it).
    pub(crate) fn hot_keys(&self, channel: &str, chaincode: &str) -> Arc<HotKeys> {
        let mut map = self
            .hot_keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry((channel.to_owned(), chaincode.to_owned()))
            .or_default()
            .clone()
    }

    pub(crate) fn own_msp(&self) -> &str {
        self.identity.msp_id()
    }

    /// Sends a signed proposal to one peer. Errors say whether the peer could not be reached
    /// (`true`) or refused the call.
    pub(crate) async fn process(
        &self,
        peer: &RoutePeer,
        signed: SignedProposal,
    ) -> std::result::Result<ProposalResponse, (bool, String)> {
        let channel = self
            .connections
            .channel(&peer.endpoint)
            .await
            .map_err(|e| (true, e.to_string()))?;
        let mut client = transport::endorser(&channel);
        match client.process_proposal(signed).await {
            Ok(r) => Ok(r.into_inner()),
            Err(status) => {
                let unreachable = matches!(
                    status.code(),
                    tonic::Code::Unavailable | tonic::Code::Cancelled
                );
                let message = format!("{}: {}", status.code(), status.message());
                if unreachable {
                    self.connections
                        .health()
                        .failed(&peer.endpoint.address(), &message);
                }
                Err((unreachable, message))
            }
        }
    }

    /// Endorses along the route the router gives for this call: asks the plan's peers in
    /// parallel, replaces a peer that fails with another of its group (or moves to another
    /// layout), and stops at the first chaincode error.
    pub(crate) async fn endorse(
        &self,
        channel: &str,
        proposal: &UnsignedProposal,
        signed: SignedProposal,
        targets: &Targets,
        deadline: Duration,
    ) -> Result<Endorsed> {
        let tx_id = proposal.tx_id().to_owned();
        let work = async {
            let chaincode = proposal.chaincode().to_owned();
            let interest = targets.interest(&chaincode);
            let policy = targets
                .policy
                .as_deref()
                .or_else(|| self.profile.endorsement_policy(channel, &chaincode));
            let wanted = Wanted {
                interest: &interest,
                orgs: &targets.orgs,
                peers: &targets.peers,
                policy,
            };
            let route = self.router.route(&self.profile, channel, &wanted).await?;
            let mut plan = route.plan(
                &self.connections,
                self.own_msp(),
                self.router.options.lag_threshold,
                self.router.next_spread(),
            );
            let mut answers: Vec<Option<ProposalResponse>> = vec![None; route.peers.len()];
            // Per peer, the status its failure is reported with (0: not reached).
            let mut statuses = vec![0i32; route.peers.len()];
            let mut asked = FuturesUnordered::new();
            loop {
                for i in plan.next_peers() {
                    let signed = signed.clone();
                    let peer = &route.peers[i];
                    asked.push(async move { (i, self.process(peer, signed).await) });
                }
                if let Some(done) = plan.satisfied() {
                    let chosen = done
                        .into_iter()
                        .filter_map(|i| {
                            let resp = answers[i].take()?;
                            Some((target(&route.peers[i]), Ok(resp)))
                        })
                        .collect();
                    return protocol::check_endorsements_with(
                        proposal,
                        chosen,
                        self.verify_endorsements.then_some(self.suite.sm2_digest),
                    );
                }
                let Some((i, answer)) = asked.next().await else {
                    break;
                };
                let peer = &route.peers[i];
                match answer {
                    Ok(resp) => match classify(&resp) {
                        Answer::Endorsed => {
                            self.connections
                                .health()
                                .succeeded(&peer.endpoint.address());
                            answers[i] = Some(resp);
                            plan.endorsed(i);
                        }
                        Answer::PeerFailure(message) => {
                            statuses[i] = resp.response.as_ref().map_or(0, |r| r.status);
                            plan.failed(i, message)
                        }
                        // The chaincode said no: another peer would say the same.
                        Answer::ChaincodeError => {
                            return protocol::check_endorsements_with(
                                proposal,
                                vec![(target(peer), Ok(resp))],
                                self.verify_endorsements.then_some(self.suite.sm2_digest),
                            )
                        }
                    },
                    Err((unreachable, message)) => {
                        // A peer that answered the call with an error (access denied, a
                        // malformed proposal) would answer a new one the same way.
                        if !unreachable {
                            statuses[i] = 500;
                        }
                        plan.failed(i, message)
                    }
                }
            }
            // No layout can be met any more: what discovery said may be outdated.
            self.router.invalidate(channel);
            Err(unmet_policy(
                &self.profile,
                &tx_id,
                &chaincode,
                channel,
                &route,
                &plan,
                &statuses,
            ))
        };
        within(Stage::Endorse, deadline, Some(&tx_id), work).await
    }

    /// Evaluates on one peer chosen by the query strategy, moving on when a peer cannot be
    /// reached.
    pub(crate) async fn evaluate(
        &self,
        channel: &str,
        proposal: &UnsignedProposal,
        signed: SignedProposal,
        only: &[String],
        deadline: Duration,
    ) -> Result<Vec<u8>> {
        let tx_id = proposal.tx_id().to_owned();
        let work = async {
            let view = self.router.view(&self.profile, channel).await;
            let chaincode = proposal.chaincode();
            let mut peers: Vec<&RoutePeer> = if only.is_empty() {
                view.peers
                    .iter()
                    .filter(|p| p.roles.chaincode_query && p.runs(chaincode))
                    .collect()
            } else {
                only.iter().filter_map(|n| view.peer(n)).collect()
            };
            if peers.is_empty() {
                return Err(Error::config(
                    format!("channels.{channel}.peers"),
                    ConfigProblem::Undefined {
                        what: "chaincode query peer for channel",
                        name: channel.to_owned(),
                    },
                ));
            }
            // Healthy peers first, then the client's own organization, keeping profile (then
            // discovery) order within each part.
            let own = self.own_msp();
            let health = self.connections.health();
            if only.is_empty() {
                peers.sort_by_key(|p| {
                    (
                        health.is_set_aside(&p.endpoint.address()),
                        p.msp_id.as_deref() != Some(own),
                    )
                });
            }
            if self.query_strategy == QueryStrategy::RoundRobin {
                let first = peers
                    .iter()
                    .position(|p| {
                        health.is_set_aside(&p.endpoint.address())
                            || p.msp_id.as_deref() != Some(own)
                    })
                    .unwrap_or(peers.len())
                    .max(1);
                let n = self.next_query_peer.fetch_add(1, Ordering::Relaxed) % first;
                peers[..first].rotate_left(n);
            }
            let mut failures = Vec::new();
            for peer in &peers {
                match self.process(peer, signed.clone()).await {
                    Ok(resp) => return protocol::evaluation_payload(proposal, &target(peer), resp),
                    Err((reachable_failure, msg)) => {
                        failures.push(PeerFailure {
                            peer: peer.name.clone(),
                            address: peer.endpoint.address(),
                            status: 0,
                            message: msg,
                            msp_id: peer.msp_id.clone().unwrap_or_default(),
                        });
                        if !reachable_failure {
                            break;
                        }
                    }
                }
            }
            Err(Error::Endorse {
                tx_id: tx_id.clone(),
                message: "no peer could evaluate the proposal".into(),
                peers: failures,
            })
        };
        within(Stage::Evaluate, deadline, Some(&tx_id), work).await
    }

    /// The peers whose commit events a strategy waits for: the channel's event sources (from
    /// the profile and discovery) in the strategy's scope, leaving out peers set aside after a
    /// failure unless no other is left.
    fn commit_peers(&self, view: &ChannelView, strategy: CommitStrategy) -> Vec<RoutePeer> {
        let all: Vec<&RoutePeer> = view.peers.iter().filter(|p| p.roles.event_source).collect();
        let (own_only, fallback) = strategy.scope();
        let own = self.own_msp();
        let mine: Vec<&RoutePeer> = all
            .iter()
            .copied()
            .filter(|p| p.msp_id.as_deref() == Some(own))
            .collect();
        let scope = if !own_only || (mine.is_empty() && fallback) {
            all
        } else {
            mine
        };
        let health = self.connections.health();
        let healthy: Vec<&RoutePeer> = scope
            .iter()
            .copied()
            .filter(|p| !health.is_set_aside(&p.endpoint.address()))
            .collect();
        let chosen = if healthy.is_empty() { scope } else { healthy };
        chosen.into_iter().cloned().collect()
    }

    /// Starts listening for `tx_id` on the strategy's peers — before anything is broadcast,
    /// so no commit event can be missed. Peers whose event stream cannot be opened are left out;
    /// if none is left the call fails here, before the transaction exists anywhere.
    pub(crate) async fn listen(
        &self,
        channel: &str,
        strategy: CommitStrategy,
        tx_id: &str,
        deadline: Duration,
    ) -> Result<Vec<crate::events::Registration>> {
        if strategy == CommitStrategy::None {
            return Ok(Vec::new());
        }
        let view = self.router.view(&self.profile, channel).await;
        let peers = self.commit_peers(&view, strategy);
        let mut regs = Vec::new();
        let mut failures = Vec::new();
        for peer in peers {
            let watched = within(
                Stage::Connect,
                deadline,
                Some(tx_id),
                self.hub.watch(&peer.name, &peer.endpoint, channel),
            )
            .await;
            match watched {
                Ok(()) => regs.push(self.hub.register(&peer.name, channel, tx_id)),
                Err(e) => failures.push(format!("{}: {e}", peer.name)),
            }
        }
        if regs.is_empty() {
            return Err(Error::Transport {
                endpoint: format!("event sources of channel {channel}"),
                message: if failures.is_empty() {
                    format!("no event-source peer for strategy {}", strategy.name())
                } else {
                    failures.join("; ")
                },
            });
        }
        Ok(regs)
    }

    /// Sends the envelope to the channel's orderers in random order until one accepts it.
    pub(crate) async fn broadcast(
        &self,
        channel: &str,
        envelope: Envelope,
        tx_id: &str,
        deadline: Duration,
    ) -> Result<()> {
        let view = self.router.view(&self.profile, channel).await;
        let mut orderers: Vec<&RouteOrderer> = view.orderers.iter().collect();
        if orderers.is_empty() {
            return Err(Error::config(
                format!("channels.{channel}.orderers"),
                ConfigProblem::Undefined {
                    what: "orderer for channel",
                    name: channel.to_owned(),
                },
            ));
        }
        let start = random_index(orderers.len());
        orderers.rotate_left(start);
        // Orderers that failed recently go last.
        let health = self.connections.health();
        orderers.sort_by_key(|o| health.is_set_aside(&o.endpoint.address()));
        let per_orderer = (deadline / orderers.len() as u32).max(MIN_ORDERER_ATTEMPT);
        // Set once an orderer may have taken the transaction without saying so (the answer
        // timed out, the stream broke after the envelope went out): the transaction may then
        // be ordered even though no orderer accepted it in time.
        let maybe_taken = AtomicBool::new(false);
        let work = async {
            let mut last = Error::Submit {
                tx_id: tx_id.to_owned(),
                orderer: String::new(),
                status: 0,
                message: "no orderer tried".into(),
                orderers: Vec::new(),
            };
            for o in orderers {
                let address = o.endpoint.address();
                let submit_err = |status: i32, message: String| Error::Submit {
                    tx_id: tx_id.to_owned(),
                    orderer: address.clone(),
                    status,
                    message,
                    orderers: Vec::new(),
                };
                let health = self.connections.health();
                let channel = match self.connections.channel(&o.endpoint).await {
                    Ok(c) => c,
                    Err(e) => {
                        last = submit_err(0, e.to_string());
                        continue;
                    }
                };
                let mut client = transport::broadcast(&channel);
                // Each orderer gets its share of the deadline: one that accepts the stream but
                // never answers (a restarted Raft follower still catching up) must not use up
                // the time the others need. Sending the same transaction to the next orderer is
                // safe: the committer keeps the first copy and marks any later one a duplicate.
                let attempt = async {
                    match client
                        .broadcast(tokio_stream::iter([envelope.clone()]))
                        .await
                    {
                        Ok(stream) => Ok(stream.into_inner().next().await),
                        Err(status) => Err(format!("{}: {}", status.code(), status.message())),
                    }
                };
                let answer = match tokio::time::timeout(per_orderer, attempt).await {
                    Ok(Ok(answer)) => answer,
                    Ok(Err(message)) => {
                        if !never_sent(&message) {
                            maybe_taken.store(true, Ordering::Relaxed);
                        }
                        last = submit_err(0, message);
                        continue;
                    }
                    Err(_) => {
                        let message = format!("no answer within {per_orderer:?}");
                        health.failed(&address, &message);
                        maybe_taken.store(true, Ordering::Relaxed);
                        last = submit_err(0, message);
                        continue;
                    }
                };
                match answer {
                    Some(Ok(resp)) if resp.status == Status::Success as i32 => {
                        health.succeeded(&address);
                        return Ok(());
                    }
                    Some(Ok(resp)) => {
                        last = submit_err(resp.status, resp.info);
                        // 4xx: the transaction itself is bad; another orderer would say the same.
                        if (400..500).contains(&resp.status) {
                            return Err(last);
                        }
                    }
                    Some(Err(status)) => {
                        maybe_taken.store(true, Ordering::Relaxed);
                        last = submit_err(0, format!("{}: {}", status.code(), status.message()))
                    }
                    None => {
                        maybe_taken.store(true, Ordering::Relaxed);
                        last =
                            submit_err(0, "the orderer closed the stream without answering".into())
                    }
                }
            }
            Err(last)
        };
        match within(Stage::Submit, deadline, Some(tx_id), work).await {
            Err(e) if maybe_taken.load(Ordering::Relaxed) => Err(Error::Indeterminate {
                tx_id: tx_id.to_owned(),
                stage: Stage::Submit,
                message: format!(
                    "an orderer may have taken the transaction without confirming it; last: {e}"
                ),
            }),
            other => other,
        }
    }

    /// Waits for the registrations as the strategy says: the first, or all.
    pub(crate) async fn wait_commit(
        &self,
        regs: Vec<crate::events::Registration>,
        strategy: CommitStrategy,
        tx_id: &str,
        deadline: Duration,
    ) -> Result<Option<TxOutcome>> {
        if regs.is_empty() {
            return Ok(None);
        }
        let started = tokio::time::Instant::now();
        let work = async {
            let mut pending: FuturesUnordered<_> = regs.into_iter().map(|r| r.wait()).collect();
            let mut first: Option<TxOutcome> = None;
            loop {
                // Once one peer confirmed the commit, the others get a bounded grace: a peer
                // that went down must not turn a proven commit into a timeout.
                let next = match &first {
                    None => pending.next().await,
                    Some(_) => {
                        let left = deadline.saturating_sub(started.elapsed()).min(ALL_GRACE);
                        match tokio::time::timeout(left, pending.next()).await {
                            Ok(n) => n,
                            Err(_) => {
                                tracing::warn!(
                                    tx_id,
                                    lagging = pending.len(),
                                    "peers did not report the commit in time"
                                );
                                None
                            }
                        }
                    }
                };
                let Some(result) = next else { break };
                let outcome = match result {
                    Ok(o) => o,
                    // A stream that stopped for good no longer counts towards ALL.
                    Err(_) => continue,
                };
                if outcome.code != 0 {
                    return Err(Error::Commit {
                        tx_id: tx_id.to_owned(),
                        code: outcome.code,
                        code_name: protocol::validation_code_name(outcome.code),
                        block: outcome.block,
                    });
                }
                if !strategy.all() {
                    return Ok(Some(outcome));
                }
                first.get_or_insert(outcome);
            }
            match first {
                Some(o) => Ok(Some(o)),
                None => Err(Error::Transport {
                    endpoint: "event sources".into(),
                    message: format!("every event stream stopped before {tx_id} was seen"),
                }),
            }
        };
        within(Stage::Commit, deadline, Some(tx_id), work).await
    }
}

/// Whether a failed broadcast call certainly never sent the envelope (the connection could not
/// be made).
pub(crate) fn never_sent(message: &str) -> bool {
    [
        "tcp connect error",
        "Connection refused",
        "connection refused",
        "dns error",
    ]
    .iter()
    .any(|w| message.contains(w))
}

/// The least time one orderer is given before the next is tried.
const MIN_ORDERER_ATTEMPT: Duration = Duration::from_secs(2);

/// Under an ALL strategy, how long the other peers may take to report a commit that one peer
/// already confirmed.
const ALL_GRACE: Duration = Duration::from_secs(5);

fn random_index(n: usize) -> usize {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() {
        return 0;
    }
    (u64::from_le_bytes(b) % n as u64) as usize
}

/// The identity, its SM2 signer switched to the suite's way of computing `e` when the suite
/// is not the standard one. An SM2 signer that cannot switch (one that hashes on its own) is a
/// configuration error naming the suite.
fn sm2_identity_for(identity: Identity, suite: CryptoSuite) -> Result<Identity> {
    let signer = identity.signer();
    if suite.sm2_digest == crate::crypto::Sm2Digest::Standard
        || signer.algorithm() != crate::crypto::SignatureAlgorithm::Sm2Sm3
    {
        return Ok(identity);
    }
    match signer.with_sm2_digest(suite.sm2_digest) {
        Some(switched) => identity.with_signer(switched?),
        None => Err(Error::Crypto {
            message: format!(
                "the crypto suite {} signs SM2 over {} digests, but the identity's signer \
                 computes its own; use an in-memory SM2 key or the bcs-gm suite",
                suite.name, suite.sm2_digest
            ),
        }),
    }
}
