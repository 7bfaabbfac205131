//! The Gateway flow: the same calls carried over the peer Gateway service (Fabric 2.4+) —
//! Evaluate, Endorse, Submit, CommitStatus — and the choice between it and the client-side flow
//! ([`Mode`]).
//!
//! The proposal and the transaction are built and signed exactly as in the client-side flow
//! (the same `protocol` code, the same crypto suite): the Gateway plans and collects the
//! endorsements, fabweave checks them like its own (proposal hash, endorser signatures) and
//! assembles the transaction it signs from them, so it never signs bytes it did not build.
//! The Gateway then sends it to the orderers and reports its commit.
//!
//! Calls go to a peer of the client's own organization (profile order, healthy peers first),
//! moving on to the next when one cannot be reached; only when the organization has no peer on
//! the channel are other organizations' peers used. In [`Mode::Auto`] a peer that answers a
//! Gateway call with `UNIMPLEMENTED` is remembered as having no Gateway, and the call (and later
//! calls to that peer) use the client-side flow.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use prost::Message;
use tonic::transport::Channel;

use super::client::{never_sent, within, Inner, Targets};
use crate::error::{Error, PeerFailure, Result, Stage};
use crate::events::TxOutcome;
use crate::proto::common::Envelope;
use crate::proto::gateway::gateway_client::GatewayClient;
use crate::proto::gateway::{
    EndorseRequest, ErrorDetail, EvaluateRequest, SignedCommitStatusRequest, SubmitRequest,
};
use crate::proto::peer::SignedProposal;
use crate::protocol::{self, gateway as wire, Endorsed, PeerTarget, UnsignedProposal};
use crate::routing::{ChannelView, RoutePeer};
use crate::transport;

/// Which way a client reaches the ledger (see [`super::ClientBuilder::mode`]).
///
/// ```no_run
/// # async fn demo(profile: fabweave::config::Profile) -> fabweave::Result<()> {
/// use fabweave::flow::{Client, Mode, Via};
///
/// let client = Client::builder(profile).user("User1").mode(Mode::Gateway).connect().await?;
/// let done = client.network("mychannel").contract("basic").submit("CreateAsset").arg("a1").await?;
/// assert_eq!(done.via(), Via::Gateway);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mode {
    /// The peer Gateway service where the client's peer offers it, the client-side flow where it
    /// does not (a peer answering a Gateway call with `UNIMPLEMENTED` is remembered as having
    /// none). Calls that pin exact peers (`Submit::endorsing_peers`, `Evaluate::peers`) use the
    /// client-side flow, which can honour them. The default.
    #[default]
    Auto,
    /// Always the Gateway. A peer without it gives [`Error::NoGateway`]. Pinned peers are
    /// passed to the Gateway as their organizations (it picks the peers itself).
    Gateway,
    /// Always the client-side flow: fabweave plans endorsements, broadcasts to orderers and
    /// waits for commit events itself, as Fabric 2.2 peers require.
    Client,
}

/// Which flow served a call: see [`super::Committed::via`] and [`super::Client::last_via`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Via {
    /// The peer Gateway service.
    Gateway,
    /// The client-side flow (endorsers, orderers and event streams reached directly).
    Client,
}

/// How many Gateway calls one client has in flight at most. A Fabric peer serves 500 Gateway
/// calls at once by default (`peer.limits.concurrency.gatewayService`) and refuses the others
/// with `RESOURCE_EXHAUSTED`; commit-status waits each hold one for a block time.
const MAX_GATEWAY_CALLS: usize = 256;

/// What the client learned about its peers' Gateway service, and which flow served last.
#[derive(Debug)]
pub(crate) struct GatewayState {
    /// Per peer address: whether it offers the Gateway (absent: not asked yet).
    offered: Mutex<HashMap<String, bool>>,
    /// The flow of the last call: 0 none yet, 1 client, 2 gateway.
    last: AtomicU8,
    /// Bounds the calls in flight (see [`MAX_GATEWAY_CALLS`]).
    permits: tokio::sync::Semaphore,
}

impl Default for GatewayState {
    fn default() -> Self {
        GatewayState {
            offered: Mutex::new(HashMap::new()),
            last: AtomicU8::new(0),
            permits: tokio::sync::Semaphore::new(MAX_GATEWAY_CALLS),
        }
    }
}

impl GatewayState {
    fn offered(&self, address: &str) -> Option<bool> {
        self.lock().get(address).copied()
    }

    fn remember(&self, address: &str, offered: bool) {
        let before = self.lock().insert(address.to_owned(), offered);
        if before != Some(offered) {
            tracing::debug!(address, offered, "peer Gateway service");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, bool>> {
        self.offered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn served(&self, via: Via) {
        let v = match via {
            Via::Client => 1,
            Via::Gateway => 2,
        };
        self.last.store(v, Ordering::Relaxed);
    }

    pub(crate) fn last(&self) -> Option<Via> {
        match self.last.load(Ordering::Relaxed) {
            1 => Some(Via::Client),
            2 => Some(Via::Gateway),
            _ => None,
        }
    }
}

/// How trying the Gateway went.
enum Reached<T> {
    /// A Gateway peer answered (with a result or an error), and which one.
    Done(std::result::Result<(T, RoutePeer), (tonic::Status, RoutePeer)>),
    /// Every peer asked has no Gateway service.
    NotOffered(Vec<String>),
    /// No peer could be reached (or none was there to ask); the last failure.
    Unreachable(Error),
}

/// The pause before asking for a commit status again when no Gateway peer could answer.
const COMMIT_STATUS_PAUSE: Duration = Duration::from_millis(250);

fn label(peer: &RoutePeer) -> String {
    format!("{} ({})", peer.name, peer.endpoint.address())
}

/// Whether a failed call never got an answer from the Gateway itself (the connection failed or
/// broke): another peer may be asked instead.
fn unreachable(status: &tonic::Status) -> bool {
    matches!(
        status.code(),
        tonic::Code::Unavailable | tonic::Code::Cancelled
    ) && wire::error_details(status.details()).is_empty()
        && !status.message().starts_with("no ")
}

fn timed<T>(message: T, deadline: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    // The Gateway stops working on the call when the client stops waiting.
    request.set_timeout(deadline);
    request
}

impl Inner {
    /// The organizations a Gateway call names, or `None` when the call takes the client-side
    /// flow without asking the Gateway: in [`Mode::Client`], or in [`Mode::Auto`] for calls that
    /// pin exact peers.
    fn gateway_orgs(
        &self,
        view: &ChannelView,
        pinned: &[String],
        orgs: &[String],
    ) -> Option<Vec<String>> {
        match self.mode {
            Mode::Client => None,
            Mode::Auto if !pinned.is_empty() => None,
            _ if !pinned.is_empty() => {
                let mut msps: Vec<String> = Vec::new();
                for name in pinned {
                    if let Some(msp) = view.peer(name).and_then(|p| p.msp_id.clone()) {
                        if !msps.contains(&msp) {
                            msps.push(msp);
                        }
                    }
                }
                tracing::info!(
                    ?pinned,
                    ?msps,
                    "the Gateway picks peers itself: naming their organizations"
                );
                Some(msps)
            }
            _ => Some(
                orgs.iter()
                    .map(|want| {
                        self.profile
                            .organization(want)
                            .map_or_else(|| want.clone(), |o| o.msp_id.clone())
                    })
                    .collect(),
            ),
        }
    }

    /// The peers a Gateway call may go to, in order: the client's own organization's (the
    /// others' only when it has none on the channel), healthy ones first, then profile (then
    /// discovery) order; `first` (the peer that served an earlier stage) leads.
    fn gateway_peers(&self, view: &ChannelView, first: Option<&RoutePeer>) -> Vec<RoutePeer> {
        let own = self.identity.msp_id();
        let usable = |p: &&RoutePeer| p.roles.endorsing_peer || p.roles.chaincode_query;
        let mine: Vec<&RoutePeer> = view
            .peers
            .iter()
            .filter(usable)
            .filter(|p| p.msp_id.as_deref() == Some(own))
            .collect();
        let mut peers: Vec<RoutePeer> = if mine.is_empty() {
            view.peers.iter().filter(usable).cloned().collect()
        } else {
            mine.into_iter().cloned().collect()
        };
        let health = self.connections.health();
        peers.sort_by_key(|p| health.is_set_aside(&p.endpoint.address()));
        if let Some(f) = first {
            if let Some(i) = peers.iter().position(|p| p.name == f.name) {
                let p = peers.remove(i);
                peers.insert(0, p);
            }
        }
        peers
    }

    /// Makes a Gateway call on the channel's Gateway peers in turn: a peer known to have no
    /// Gateway is skipped, one that cannot be reached (or, for `elsewhere`, whose failure says
    /// another peer may be asked) gives way to the next, the first answer ends it.
    async fn on_gateways<T, F, Fut>(
        &self,
        peers: Vec<RoutePeer>,
        elsewhere: fn(&tonic::Status) -> bool,
        mut call: F,
    ) -> Reached<T>
    where
        F: FnMut(GatewayClient<Channel>) -> Fut,
        Fut: Future<Output = std::result::Result<T, tonic::Status>>,
    {
        let mut not_offered = Vec::new();
        let mut last: Option<Error> = None;
        for peer in peers {
            let address = peer.endpoint.address();
            if self.gateways.offered(&address) == Some(false) {
                not_offered.push(label(&peer));
                continue;
            }
            let channel = match self.connections.channel(&peer.endpoint).await {
                Ok(c) => c,
                Err(e) => {
                    last = Some(e);
                    continue;
                }
            };
            let health = self.connections.health();
            let answer = {
                // Never closed, so acquiring cannot fail; without a permit the call still goes.
                let _permit = self.gateways.permits.acquire().await.ok();
                call(transport::gateway(&channel)).await
            };
            match answer {
                Ok(t) => {
                    self.gateways.remember(&address, true);
                    health.succeeded(&address);
                    return Reached::Done(Ok((t, peer)));
                }
                Err(s) if s.code() == tonic::Code::Unimplemented => {
                    self.gateways.remember(&address, false);
                    not_offered.push(label(&peer));
                }
                // A busy peer refused it before doing anything: another may take it.
                Err(s) if elsewhere(&s) || s.code() == tonic::Code::ResourceExhausted => {
                    let message = format!("{}: {}", s.code(), s.message());
                    health.failed(&address, &message);
                    last = Some(Error::Transport {
                        endpoint: address,
                        message,
                    });
                }
                Err(s) => {
                    self.gateways.remember(&address, true);
                    return Reached::Done(Err((s, peer)));
                }
            }
        }
        match last {
            Some(e) => Reached::Unreachable(e),
            None if !not_offered.is_empty() => Reached::NotOffered(not_offered),
            None => Reached::Unreachable(Error::Transport {
                endpoint: "gateway peers".into(),
                message: format!(
                    "no peer of {} (or of any organization) on the channel to send the call to",
                    self.identity.msp_id()
                ),
            }),
        }
    }

    /// What a Gateway that could not be used means for the call: in [`Mode::Gateway`] the error
    /// (`Some`); in [`Mode::Auto`] nothing — the call goes on with the client-side flow.
    fn gateway_unusable(&self, peers: Vec<String>, unreachable: Option<Error>) -> Option<Error> {
        if self.mode != Mode::Gateway {
            tracing::debug!(?peers, "no usable Gateway: client-side flow");
            return None;
        }
        Some(unreachable.unwrap_or(Error::NoGateway { peers }))
    }

    /// Evaluates through the Gateway where the mode says so, else (or when the peer has none, in
    /// [`Mode::Auto`]) with the client-side flow.
    pub(crate) async fn evaluate_via(
        &self,
        channel: &str,
        proposal: &UnsignedProposal,
        signed: SignedProposal,
        only: &[String],
        deadline: Duration,
    ) -> Result<Vec<u8>> {
        let view = self.router.view(&self.profile, channel).await;
        if let Some(orgs) = self.gateway_orgs(&view, only, &[]) {
            let tx_id = proposal.tx_id();
            let request = EvaluateRequest {
                transaction_id: tx_id.to_owned(),
                channel_id: channel.to_owned(),
                proposed_transaction: Some(signed.clone()),
                target_organizations: orgs,
            };
            let peers = self.gateway_peers(&view, None);
            let reached = within(Stage::Evaluate, deadline, Some(tx_id), async {
                Ok(self
                    .on_gateways(peers, unreachable, |mut client| {
                        let request = timed(request.clone(), deadline);
                        async move {
                            client
                                .evaluate(request)
                                .await
                                .map(tonic::Response::into_inner)
                        }
                    })
                    .await)
            })
            .await?;
            let failed = match reached {
                Reached::Done(Ok((resp, peer))) => {
                    self.gateways.served(Via::Gateway);
                    let result = resp.result.unwrap_or_default();
                    if (200..400).contains(&result.status) {
                        return Ok(result.payload);
                    }
                    return Err(Error::Endorse {
                        tx_id: tx_id.to_owned(),
                        message: format!("evaluation through the Gateway on {} failed", peer.name),
                        peers: vec![PeerFailure {
                            peer: peer.name.clone(),
                            address: peer.endpoint.address(),
                            status: result.status,
                            message: result.message,
                            msp_id: peer.msp_id.clone().unwrap_or_default(),
                        }],
                    });
                }
                Reached::Done(Err((status, peer))) => {
                    self.gateways.served(Via::Gateway);
                    return Err(self.endorse_error(
                        &view,
                        Stage::Evaluate,
                        tx_id,
                        &peer,
                        &status,
                        deadline,
                    ));
                }
                Reached::NotOffered(peers) => self.gateway_unusable(peers, None),
                Reached::Unreachable(e) => self.gateway_unusable(Vec::new(), Some(e)),
            };
            if let Some(e) = failed {
                return Err(e);
            }
        }
        self.gateways.served(Via::Client);
        self.evaluate(channel, proposal, signed, only, deadline)
            .await
    }

    /// Endorses through the Gateway where the mode says so (returning the Gateway peer that
    /// served), else (or when the peer has none, in [`Mode::Auto`]) with the client-side flow.
    pub(crate) async fn endorse_via(
        &self,
        channel: &str,
        proposal: &UnsignedProposal,
        signed: SignedProposal,
        targets: &Targets,
        deadline: Duration,
    ) -> Result<(Endorsed, Option<RoutePeer>)> {
        let view = self.router.view(&self.profile, channel).await;
        if let Some(orgs) = self.gateway_orgs(&view, &targets.peers, &targets.orgs) {
            let tx_id = proposal.tx_id();
            let request = EndorseRequest {
                transaction_id: tx_id.to_owned(),
                channel_id: channel.to_owned(),
                proposed_transaction: Some(signed.clone()),
                endorsing_organizations: orgs,
            };
            let peers = self.gateway_peers(&view, None);
            let reached = within(Stage::Endorse, deadline, Some(tx_id), async {
                Ok(self
                    .on_gateways(peers, unreachable, |mut client| {
                        let request = timed(request.clone(), deadline);
                        async move {
                            client
                                .endorse(request)
                                .await
                                .map(tonic::Response::into_inner)
                        }
                    })
                    .await)
            })
            .await?;
            let failed = match reached {
                Reached::Done(Ok((resp, peer))) => {
                    self.gateways.served(Via::Gateway);
                    let address = peer.endpoint.address();
                    let Some(envelope) = resp.prepared_transaction else {
                        return Err(Error::Protocol {
                            endpoint: address,
                            message: "the Gateway endorsed without a prepared transaction".into(),
                        });
                    };
                    let answers = wire::prepared_endorsements(&address, &envelope)?
                        .into_iter()
                        .map(|r| (self.endorser_target(&view, &r), Ok(r)))
                        .collect();
                    let endorsed = protocol::check_endorsements_with(
                        proposal,
                        answers,
                        self.verify_endorsements.then_some(self.suite.sm2_digest),
                    )?;
                    return Ok((endorsed, Some(peer)));
                }
                // In Auto, a Gateway that knows too few live peers for the policy (its gossip
                // view still forming after a start, peers it has not heard of): nothing was
                // endorsed, and the client-side flow's own discovery and routing may know more.
                Reached::Done(Err((status, _)))
                    if self.mode == Mode::Auto && no_plan(status.message()) =>
                {
                    tracing::debug!(%tx_id, message = status.message(),
                        "the Gateway can plan no endorsement; endorsing client-side");
                    None
                }
                Reached::Done(Err((status, peer))) => {
                    self.gateways.served(Via::Gateway);
                    return Err(self.endorse_error(
                        &view,
                        Stage::Endorse,
                        tx_id,
                        &peer,
                        &status,
                        deadline,
                    ));
                }
                Reached::NotOffered(peers) => self.gateway_unusable(peers, None),
                Reached::Unreachable(e) => self.gateway_unusable(Vec::new(), Some(e)),
            };
            if let Some(e) = failed {
                return Err(e);
            }
        }
        self.gateways.served(Via::Client);
        let endorsed = self
            .endorse(channel, proposal, signed, targets, deadline)
            .await?;
        Ok((endorsed, None))
    }

    /// The peer behind an endorsement the Gateway collected: the channel peer whose name or
    /// host is the endorser certificate's common name, else a target named after the
    /// certificate (with no address).
    fn endorser_target(
        &self,
        view: &ChannelView,
        answer: &crate::proto::peer::ProposalResponse,
    ) -> PeerTarget {
        let endorser = answer
            .endorsement
            .as_ref()
            .map(|e| e.endorser.as_slice())
            .unwrap_or_default();
        let id = crate::proto::msp::SerializedIdentity::decode(endorser).unwrap_or_default();
        let cert = crate::identity::Certificate::from_bytes(&id.id_bytes).ok();
        let cn = cert
            .as_ref()
            .and_then(|c| c.subject_common_name())
            .unwrap_or_default()
            .to_owned();
        let found = view.peers.iter().find(|p| {
            p.msp_id.as_deref() == Some(id.mspid.as_str())
                && !cn.is_empty()
                && (p.name == cn || p.endpoint.host == cn || p.endpoint.server_name() == cn)
        });
        match found {
            Some(p) => PeerTarget::new(p.name.clone(), p.endpoint.address()),
            None if cn.is_empty() => PeerTarget::new(id.mspid, ""),
            None => PeerTarget::new(cn, ""),
        }
    }

    /// Sends the signed transaction to the orderers through a Gateway peer (`first` first);
    /// returns the peer that took it. A peer is given up for the next only when the call surely
    /// never reached it. Once it may have, and the Gateway neither confirmed nor said that no
    /// orderer took it, the same envelope is offered to the orderers directly; only when they
    /// do not take it either is the outcome [`Error::Indeterminate`].
    pub(crate) async fn gateway_submit(
        &self,
        channel: &str,
        tx_id: &str,
        envelope: Envelope,
        first: &RoutePeer,
        deadline: Duration,
    ) -> Result<RoutePeer> {
        let view = self.router.view(&self.profile, channel).await;
        let peers = self.gateway_peers(&view, Some(first));
        let request = SubmitRequest {
            transaction_id: tx_id.to_owned(),
            channel_id: channel.to_owned(),
            prepared_transaction: Some(envelope),
        };
        let not_sent = |s: &tonic::Status| unreachable(s) && never_sent(s.message());
        let work = async {
            Ok(self
                .on_gateways(peers, not_sent, |mut client| {
                    let request = timed(request.clone(), deadline);
                    async move {
                        client
                            .submit(request)
                            .await
                            .map(tonic::Response::into_inner)
                    }
                })
                .await)
        };
        let unconfirmed = match within(Stage::Submit, deadline, Some(tx_id), work).await {
            Ok(Reached::Done(Ok((_, peer)))) => return Ok(peer),
            Ok(Reached::Done(Err((status, peer)))) => self.submit_error(tx_id, &peer, &status),
            Ok(Reached::NotOffered(peers)) => return Err(Error::NoGateway { peers }),
            Ok(Reached::Unreachable(e)) => {
                return Err(Error::Submit {
                    tx_id: tx_id.to_owned(),
                    orderer: String::new(),
                    status: 0,
                    message: format!("no Gateway peer could be reached: {e}"),
                    orderers: Vec::new(),
                })
            }
            // The Gateway may have passed it on to an orderer before the deadline.
            Err(e) => Error::Indeterminate {
                tx_id: tx_id.to_owned(),
                stage: Stage::Submit,
                message: format!("the Gateway did not confirm the submit: {e}"),
            },
        };
        // The Gateway took the transaction but did not confirm that an orderer did (a Fabric
        // Gateway can wait on a broken orderer connection, after an orderer restarts, for
        // longer than our deadline): offer the same signed envelope to the orderers. It is the
        // same transaction (the same id), so it commits once at most, whichever copy is
        // ordered first.
        let (
            Error::Indeterminate {
                stage: Stage::Submit,
                message,
                ..
            },
            Some(envelope),
        ) = (&unconfirmed, request.prepared_transaction)
        else {
            return Err(unconfirmed);
        };
        tracing::info!(tx_id, reason = %message,
            "the Gateway did not confirm the submit; sending the same transaction to the orderers");
        match self.broadcast(channel, envelope, tx_id, deadline).await {
            Ok(()) => Ok(first.clone()),
            Err(e) => Err(Error::Indeterminate {
                tx_id: tx_id.to_owned(),
                stage: Stage::Submit,
                message: format!(
                    "{message}; the same signed transaction, offered to the orderers directly, \
                     was not accepted either ({e})"
                ),
            }),
        }
    }

    /// Waits for the commit through a Gateway peer's CommitStatus (`first` first, the next one
    /// when a peer cannot be reached). A transaction committed as invalid is [`Error::Commit`];
    /// a wait that ends without an answer is a [`Error::Timeout`] or [`Error::Transport`] of
    /// the commit stage, for the caller to settle from the ledger.
    pub(crate) async fn gateway_commit_status(
        &self,
        channel: &str,
        tx_id: &str,
        first: &RoutePeer,
        deadline: Duration,
    ) -> Result<TxOutcome> {
        let view = self.router.view(&self.profile, channel).await;
        let peers = self.gateway_peers(&view, Some(first));
        let request = wire::commit_status_request(tx_id, channel, self.identity.serialized());
        let signed = SignedCommitStatusRequest {
            signature: self.identity.sign(&request)?,
            request,
        };
        let started = tokio::time::Instant::now();
        let work = async {
            // Asking again is harmless: while no peer can answer (unreachable, busy), keep
            // asking until the deadline.
            loop {
                let left = deadline.saturating_sub(started.elapsed());
                let reached = self
                    .on_gateways(peers.clone(), unreachable, |mut client| {
                        let request = timed(signed.clone(), left);
                        async move {
                            client
                                .commit_status(request)
                                .await
                                .map(tonic::Response::into_inner)
                        }
                    })
                    .await;
                match reached {
                    Reached::Unreachable(e) => {
                        tracing::debug!(tx_id, error = %e, "no Gateway answered CommitStatus; asking again");
                        tokio::time::sleep(COMMIT_STATUS_PAUSE).await;
                    }
                    other => return Ok(other),
                }
            }
        };
        let reached = within(Stage::Commit, deadline, Some(tx_id), work).await?;
        match reached {
            Reached::Done(Ok((resp, peer))) => {
                if resp.result != 0 {
                    return Err(Error::Commit {
                        tx_id: tx_id.to_owned(),
                        code: resp.result,
                        code_name: protocol::validation_code_name(resp.result),
                        block: resp.block_number,
                    });
                }
                Ok(TxOutcome {
                    peer: peer.name,
                    channel: channel.to_owned(),
                    tx_id: tx_id.to_owned(),
                    block: resp.block_number,
                    code: 0,
                    events: Vec::new(),
                })
            }
            Reached::Done(Err((status, peer))) => {
                if status.code() == tonic::Code::DeadlineExceeded {
                    return Err(Error::Timeout {
                        stage: Stage::Commit,
                        after: deadline,
                        tx_id: Some(tx_id.to_owned()),
                        waiting_for: Some(peer.endpoint.address()),
                    });
                }
                Err(Error::Transport {
                    endpoint: peer.endpoint.address(),
                    message: with_details(
                        &format!("CommitStatus: {}: {}", status.code(), status.message()),
                        &wire::error_details(status.details()),
                    ),
                })
            }
            Reached::NotOffered(peers) => Err(Error::NoGateway { peers }),
            Reached::Unreachable(e) => Err(e),
        }
    }

    /// The error of a failed Gateway Evaluate or Endorse: a timeout for `DeadlineExceeded`,
    /// otherwise [`Error::Endorse`] with one [`PeerFailure`] per node the Gateway's details
    /// name (the Gateway peer itself when they name none).
    fn endorse_error(
        &self,
        view: &ChannelView,
        stage: Stage,
        tx_id: &str,
        gateway: &RoutePeer,
        status: &tonic::Status,
        deadline: Duration,
    ) -> Error {
        if status.code() == tonic::Code::DeadlineExceeded {
            return Error::Timeout {
                stage,
                after: deadline,
                tx_id: Some(tx_id.to_owned()),
                waiting_for: Some(gateway.endpoint.address()),
            };
        }
        let details = wire::error_details(status.details());
        // Unavailable: the Gateway could reach no peer (nothing was endorsed; worth a retry).
        // No plan: the Gateway knows too few live peers for the policy (gossip membership
        // still forming, peers down) — as when the client-side flow reaches too few: 503.
        let fallback = if status.code() == tonic::Code::Unavailable {
            0
        } else if no_plan(status.message()) {
            503
        } else {
            500
        };
        let peers = if details.is_empty() {
            vec![PeerFailure {
                peer: gateway.name.clone(),
                address: gateway.endpoint.address(),
                status: wire::chaincode_status(status.message()).unwrap_or(fallback),
                message: status.message().to_owned(),
                msp_id: gateway.msp_id.clone().unwrap_or_default(),
            }]
        } else {
            details
                .into_iter()
                .map(|d| {
                    let code = wire::chaincode_status(&d.message).unwrap_or(
                        if looks_unreachable(&d.message) {
                            0
                        } else {
                            fallback
                        },
                    );
                    self.detail_failure(view, d, code)
                })
                .collect()
        };
        Error::Endorse {
            tx_id: tx_id.to_owned(),
            message: format!(
                "the Gateway on {} answered {}: {}",
                gateway.name,
                status.code(),
                status.message()
            ),
            peers,
        }
    }

    /// The error of a failed Gateway Submit: the orderers refused it (`Aborted`: a 4xx from an
    /// orderer, or a malformed or unauthorised transaction) — [`Error::Submit`], not retried; no
    /// orderer could be reached, each failing before it was sent — [`Error::Submit`] with status
    /// 0, retried; anything else may have left an orderer with it — [`Error::Indeterminate`].
    fn submit_error(&self, tx_id: &str, gateway: &RoutePeer, status: &tonic::Status) -> Error {
        let details = wire::error_details(status.details());
        let view_less = |d: ErrorDetail| PeerFailure {
            peer: d.address.clone(),
            address: d.address,
            status: 0,
            message: d.message,
            msp_id: d.msp_id,
        };
        let orderers: Vec<PeerFailure> = details.iter().cloned().map(view_less).collect();
        let orderer = orderers
            .first()
            .map_or_else(|| gateway.endpoint.address(), |o| o.address.clone());
        let message = format!(
            "through the Gateway on {}: {}: {}",
            gateway.name,
            status.code(),
            status.message()
        );
        let refused = matches!(
            status.code(),
            tonic::Code::Aborted
                | tonic::Code::InvalidArgument
                | tonic::Code::PermissionDenied
                | tonic::Code::FailedPrecondition
                | tonic::Code::NotFound
        );
        let none_sent = status.code() == tonic::Code::Unavailable
            && !details.is_empty()
            && details.iter().all(|d| never_sent(&d.message));
        if refused || none_sent {
            return Error::Submit {
                tx_id: tx_id.to_owned(),
                orderer,
                status: if refused { 400 } else { 0 },
                message,
                orderers,
            };
        }
        Error::Indeterminate {
            tx_id: tx_id.to_owned(),
            stage: Stage::Submit,
            message: with_details(
                &format!("an orderer may have taken the transaction; {message}"),
                &details,
            ),
        }
    }

    /// A Gateway error detail as a [`PeerFailure`], named after the channel peer at its address
    /// when there is one.
    fn detail_failure(&self, view: &ChannelView, d: ErrorDetail, status: i32) -> PeerFailure {
        let name = view
            .peers
            .iter()
            .find(|p| p.endpoint.address() == d.address || p.name == d.address)
            .map_or_else(|| d.address.clone(), |p| p.name.clone());
        PeerFailure {
            peer: name,
            address: d.address,
            status,
            message: d.message,
            msp_id: d.msp_id,
        }
    }
}

/// Whether the Gateway found no set of live peers satisfying the endorsement policy.
fn no_plan(message: &str) -> bool {
    message.contains("no combination of peers") || message.contains("no peer combination")
}

/// Whether a Gateway detail says a node could not be reached.
fn looks_unreachable(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    [
        "unavailable",
        "connection refused",
        "failed to connect",
        "connection error",
    ]
    .iter()
    .any(|w| m.contains(w))
}

fn with_details(message: &str, details: &[ErrorDetail]) -> String {
    let mut out = message.to_owned();
    for d in details {
        out.push_str(&format!("; {} ({}): {}", d.address, d.msp_id, d.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_remembers_peers_and_the_last_flow() {
        let s = GatewayState::default();
        assert_eq!(s.offered("a:1"), None);
        s.remember("a:1", false);
        assert_eq!(s.offered("a:1"), Some(false));
        assert_eq!(s.last(), None);
        s.served(Via::Gateway);
        assert_eq!(s.last(), Some(Via::Gateway));
        s.served(Via::Client);
        assert_eq!(s.last(), Some(Via::Client));
    }

    #[test]
    fn only_connection_failures_move_on_to_another_peer() {
        assert!(unreachable(&tonic::Status::unavailable(
            "tcp connect error"
        )));
        assert!(!unreachable(&tonic::Status::unavailable(
            "no peers available to evaluate chaincode kv in channel mychannel"
        )));
        assert!(!unreachable(&tonic::Status::aborted("failed to endorse")));
        assert!(looks_unreachable("rpc error: code = Unavailable desc = x"));
        assert!(!looks_unreachable("chaincode response 500, boom"));
    }
}
