//! The client, its networks and contracts, and the engine behind every call: choosing peers,
//! endorsing, broadcasting, and waiting for commits.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::stream::{FuturesUnordered, StreamExt};

use super::calls::{Evaluate, Submit};
use super::strategy::{CommitStrategy, Deadlines, QueryStrategy};
use crate::config::{Peer, Profile, TlsClientPair};
use crate::error::{ConfigProblem, Error, PeerFailure, Result, Stage};
use crate::events::{CommitHub, TxOutcome};
use crate::identity::Identity;
use crate::proto::common::{Envelope, Status};
use crate::proto::peer::{ProposalResponse, SignedProposal};
use crate::protocol::{self, Endorsed, PeerTarget, UnsignedProposal};
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
        let client_tls = client_tls_pair(&self.profile)?;
        let connections = Connections::new(client_tls, self.deadlines.connect);
        let hub = CommitHub::new(connections.clone(), identity.clone());
        Ok(Client {
            inner: Arc::new(Inner {
                profile: self.profile,
                identity,
                connections,
                hub,
                deadlines: self.deadlines,
                commit_strategy: self.commit_strategy,
                query_strategy: self.query_strategy,
                verify_endorsements: self.verify_endorsements,
                next_query_peer: AtomicUsize::new(0),
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

    /// The profile the client was built from.
    pub fn profile(&self) -> &Profile {
        &self.inner.profile
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
        }
    }

    /// The channel's name.
    pub fn name(&self) -> &str {
        &self.channel
    }
}

/// A chaincode on a channel.
#[derive(Clone, Debug)]
pub struct Contract {
    pub(crate) network: Network,
    pub(crate) chaincode: String,
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
}

pub(crate) struct Inner {
    pub(crate) profile: Profile,
    pub(crate) identity: Identity,
    pub(crate) connections: Connections,
    pub(crate) hub: CommitHub,
    pub(crate) deadlines: Deadlines,
    pub(crate) commit_strategy: CommitStrategy,
    pub(crate) query_strategy: QueryStrategy,
    pub(crate) verify_endorsements: bool,
    next_query_peer: AtomicUsize,
}

fn target(peer: &Peer) -> PeerTarget {
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
    /// The MSP ID of a peer's organization.
    fn msp_of(&self, peer: &Peer) -> Option<&str> {
        let org = peer.organization.as_deref()?;
        self.profile.organization(org).map(|o| o.msp_id.as_str())
    }

    fn own_msp(&self) -> &str {
        self.identity.msp_id()
    }

    /// The channel's peers having a role, in profile order.
    fn channel_peers(
        &self,
        channel: &str,
        role: impl Fn(&crate::config::PeerRoles) -> bool,
    ) -> Vec<&Peer> {
        self.profile
            .channel(channel)
            .peers
            .iter()
            .filter(|cp| role(&cp.roles))
            .filter_map(|cp| self.profile.peer(&cp.name))
            .collect()
    }

    /// Endorsing groups: one list of candidate peers per organization that must endorse.
    fn endorsement_groups(&self, channel: &str, targets: &Targets) -> Result<Vec<Vec<&Peer>>> {
        if !targets.peers.is_empty() {
            return targets
                .peers
                .iter()
                .map(|name| {
                    self.profile.peer(name).map(|p| vec![p]).ok_or_else(|| {
                        Error::config(
                            "peers",
                            ConfigProblem::Undefined {
                                what: "peer",
                                name: name.clone(),
                            },
                        )
                    })
                })
                .collect();
        }
        let peers = self.channel_peers(channel, |r| r.endorsing_peer);
        let mut groups: Vec<(String, Vec<&Peer>)> = Vec::new();
        for p in peers {
            let Some(msp) = self.msp_of(p) else { continue };
            match groups.iter_mut().find(|(m, _)| m == msp) {
                Some((_, g)) => g.push(p),
                None => groups.push((msp.to_owned(), vec![p])),
            }
        }
        if !targets.orgs.is_empty() {
            let mut chosen = Vec::new();
            for want in &targets.orgs {
                let msp = self
                    .profile
                    .organization(want)
                    .map(|o| o.msp_id.clone())
                    .unwrap_or_else(|| want.clone());
                match groups.iter().find(|(m, _)| *m == msp) {
                    Some((_, g)) => chosen.push(g.clone()),
                    None => {
                        return Err(Error::config(
                            format!("channels.{channel}.peers"),
                            ConfigProblem::Undefined {
                                what: "endorsing peer of organization",
                                name: want.clone(),
                            },
                        ))
                    }
                }
            }
            return Ok(chosen);
        }
        if groups.is_empty() {
            return Err(Error::config(
                format!("channels.{channel}.peers"),
                ConfigProblem::Undefined {
                    what: "endorsing peer for channel",
                    name: channel.to_owned(),
                },
            ));
        }
        Ok(groups.into_iter().map(|(_, g)| g).collect())
    }

    /// Sends a signed proposal to one peer.
    async fn process(
        &self,
        peer: &Peer,
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
                Err((
                    unreachable,
                    format!("{}: {}", status.code(), status.message()),
                ))
            }
        }
    }

    /// Endorses on one peer of each group, moving to the group's next peer when one cannot be
    /// reached.
    pub(crate) async fn endorse(
        &self,
        channel: &str,
        proposal: &UnsignedProposal,
        signed: SignedProposal,
        targets: &Targets,
        deadline: Duration,
    ) -> Result<Endorsed> {
        let groups = self.endorsement_groups(channel, targets)?;
        let tx_id = proposal.tx_id().to_owned();
        let work = async {
            let calls = groups.iter().map(|group| {
                let signed = signed.clone();
                async move {
                    let mut last = None;
                    for peer in group {
                        match self.process(peer, signed.clone()).await {
                            Ok(resp) => return (target(peer), Ok(resp)),
                            Err((true, msg)) => last = Some((target(peer), Err(msg))),
                            Err((false, msg)) => return (target(peer), Err(msg)),
                        }
                    }
                    last.unwrap_or_else(|| {
                        (
                            PeerTarget {
                                name: "(none)".into(),
                                address: String::new(),
                            },
                            Err("no peer in this group".into()),
                        )
                    })
                }
            });
            let answers = join_all(calls).await;
            protocol::check_endorsements(proposal, answers, self.verify_endorsements)
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
        let mut peers: Vec<&Peer> = if only.is_empty() {
            self.channel_peers(channel, |r| r.chaincode_query)
        } else {
            only.iter().filter_map(|n| self.profile.peer(n)).collect()
        };
        // The client's own organization first, keeping profile order within each part.
        let own = self.own_msp().to_owned();
        peers.sort_by_key(|p| self.msp_of(p) != Some(own.as_str()));
        if peers.is_empty() {
            return Err(Error::config(
                format!("channels.{channel}.peers"),
                ConfigProblem::Undefined {
                    what: "chaincode query peer for channel",
                    name: channel.to_owned(),
                },
            ));
        }
        if self.query_strategy == QueryStrategy::RoundRobin {
            let n = self.next_query_peer.fetch_add(1, Ordering::Relaxed) % peers.len();
            peers.rotate_left(n);
        }
        let tx_id = proposal.tx_id().to_owned();
        let work = async {
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

    /// The peers whose commit events a strategy waits for.
    fn commit_peers(&self, channel: &str, strategy: CommitStrategy) -> Vec<&Peer> {
        let all = self.channel_peers(channel, |r| r.event_source);
        let (own_only, fallback) = strategy.scope();
        if !own_only {
            return all;
        }
        let own = self.own_msp();
        let mine: Vec<&Peer> = all
            .iter()
            .copied()
            .filter(|p| self.msp_of(p) == Some(own))
            .collect();
        if mine.is_empty() && fallback {
            all
        } else {
            mine
        }
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
        let peers = self.commit_peers(channel, strategy);
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
        let ch = self.profile.channel(channel);
        let mut orderers: Vec<&crate::config::Orderer> = ch
            .orderers
            .iter()
            .filter_map(|n| self.profile.orderer(n))
            .collect();
        if orderers.is_empty() {
            orderers = self.profile.orderers.iter().collect();
        }
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
        let per_orderer = (deadline / orderers.len() as u32).max(MIN_ORDERER_ATTEMPT);
        let work = async {
            let mut last = Error::Submit {
                tx_id: tx_id.to_owned(),
                orderer: String::new(),
                status: 0,
                message: "no orderer tried".into(),
            };
            for o in orderers {
                let address = o.endpoint.address();
                let submit_err = |status: i32, message: String| Error::Submit {
                    tx_id: tx_id.to_owned(),
                    orderer: address.clone(),
                    status,
                    message,
                };
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
                        last = submit_err(0, message);
                        continue;
                    }
                    Err(_) => {
                        last = submit_err(0, format!("no answer within {per_orderer:?}"));
                        continue;
                    }
                };
                match answer {
                    Some(Ok(resp)) if resp.status == Status::Success as i32 => return Ok(()),
                    Some(Ok(resp)) => {
                        last = submit_err(resp.status, resp.info);
                        // 4xx: the transaction itself is bad; another orderer would say the same.
                        if (400..500).contains(&resp.status) {
                            return Err(last);
                        }
                    }
                    Some(Err(status)) => {
                        last = submit_err(0, format!("{}: {}", status.code(), status.message()))
                    }
                    None => {
                        last =
                            submit_err(0, "the orderer closed the stream without answering".into())
                    }
                }
            }
            Err(last)
        };
        within(Stage::Submit, deadline, Some(tx_id), work).await
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
