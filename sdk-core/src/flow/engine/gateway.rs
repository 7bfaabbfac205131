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

use std::future::Future;
use std::time::Duration;

use prost::Message;

use super::endorse::peer_share;
use super::{Ctx, Engine, Mode, Targets, Via};
use crate::config::Endpoint;
use crate::error::{Error, PeerFailure, Result, Stage};
use crate::events::TxOutcome;
use crate::flow::rules::order::gateway_submit_verdict;
use crate::proto::common::Envelope;
use crate::proto::gateway::{
    EndorseRequest, ErrorDetail, EvaluateRequest, SignedCommitStatusRequest, SubmitRequest,
};
use crate::proto::peer::SignedProposal;
use crate::protocol::ordering::OrdererVerdict;
use crate::protocol::{self, gateway as wire, Endorsed, PeerTarget, UnsignedProposal};
use crate::routing::{ChannelView, RoutePeer};
use crate::transport::{CallError, Code};

/// How trying the Gateway went.
// Made once per call and taken apart at once: its size does not matter.
#[allow(clippy::large_enum_variant)]
enum Reached<T> {
    /// A Gateway peer answered (with a result or an error), and which one.
    Done(std::result::Result<(T, RoutePeer), (CallError, RoutePeer)>),
    /// Every peer asked has no Gateway service.
    NotOffered(Vec<String>),
    /// No peer could be reached (or none was there to ask); the last failure.
    Unreachable(Error),
}

/// Below this much time left in a stage, a failed peer is not followed by another.
const LAST_TRY_FLOOR: Duration = Duration::from_millis(50);

/// The pause before asking for a commit status again when no Gateway peer could answer.
const COMMIT_STATUS_PAUSE: Duration = Duration::from_millis(250);

fn label(peer: &RoutePeer) -> String {
    format!("{} ({})", peer.name, peer.endpoint.address())
}

/// Whether a failed call never got an answer from the Gateway itself (the connection failed,
/// broke or stayed silent; the peer said it is unavailable without naming anything it tried):
/// another peer may be asked instead.
fn unreachable(e: &CallError) -> bool {
    match e {
        CallError::Refused {
            code: Code::Unavailable | Code::Cancelled,
            message,
            details,
        } => details.is_empty() && !message.starts_with("no "),
        CallError::Refused { .. } => false,
        _ => true,
    }
}

/// Whether a failed call surely never reached the Gateway: only then may a submit go to
/// another Gateway peer as if it had not been made.
fn not_sent(e: &CallError) -> bool {
    !e.may_have_arrived()
}

impl Engine {
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

    /// Makes a Gateway call on the channel's Gateway peers in turn, each given `share` of the
    /// stage's time left: a peer known to have no
    /// Gateway is skipped, one that cannot be reached (or, for `elsewhere`, whose failure says
    /// another peer may be asked) gives way to the next, the first answer ends it.
    async fn on_gateways<T, F, Fut>(
        &self,
        peers: Vec<RoutePeer>,
        elsewhere: fn(&CallError) -> bool,
        ctx: &Ctx<'_>,
        share: fn(&Ctx<'_>) -> Duration,
        mut call: F,
    ) -> Reached<T>
    where
        F: FnMut(Endpoint, Duration) -> Fut,
        Fut: Future<Output = std::result::Result<T, CallError>>,
    {
        let mut not_offered = Vec::new();
        let mut last: Option<Error> = None;
        for peer in peers {
            let address = peer.endpoint.address();
            if self.gateways.offered(&address) == Some(false) {
                not_offered.push(label(&peer));
                continue;
            }
            let health = self.connections.health();
            let answer = {
                // Never closed, so acquiring cannot fail; without a permit the call still goes.
                let _permit = self.gateways.permits.acquire().await.ok();
                call(peer.endpoint.clone(), share(ctx)).await
            };
            match answer {
                Ok(t) => {
                    self.gateways.remember(&address, true);
                    return Reached::Done(Ok((t, peer)));
                }
                Err(e) if e.code() == Some(Code::Unimplemented) => {
                    self.gateways.remember(&address, false);
                    not_offered.push(label(&peer));
                }
                // The stage's time is up: no other peer can help.
                Err(e) if ctx.left() < LAST_TRY_FLOOR => {
                    return Reached::Done(Err((e, peer)));
                }
                // A busy peer refused it before doing anything: another may take it.
                Err(e) if elsewhere(&e) || e.code() == Some(Code::ResourceExhausted) => {
                    if e.is_answer() {
                        health.failed(&address, &e.to_string());
                    }
                    last = Some(match e {
                        CallError::NotSent { error } => error,
                        other => Error::Transport {
                            endpoint: address,
                            message: other.to_string(),
                        },
                    });
                }
                Err(e) => {
                    self.gateways.remember(&address, true);
                    return Reached::Done(Err((e, peer)));
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

    /// Carries one stage of a call (evaluate or endorse) through the channel's Gateway peers:
    /// `Some(Ok)` with the answer and the peer that gave it, `Some(Err)` when the Gateway failed
    /// the call (or, in [`Mode::Gateway`], could not be used), `None` when the call goes on with
    /// the client-side flow ([`Mode::Auto`]: no Gateway reachable or offered, or — for an
    /// endorsement — a Gateway that can plan none: nothing was endorsed, and the client-side
    /// flow's own discovery and routing may know more).
    async fn gateway_stage<T, F, Fut>(
        &self,
        view: &ChannelView,
        ctx: &Ctx<'_>,
        call: F,
    ) -> Option<Result<(T, RoutePeer)>>
    where
        F: FnMut(Endpoint, Duration) -> Fut,
        Fut: Future<Output = std::result::Result<T, CallError>>,
    {
        let peers = self.gateway_peers(view, None);
        match self
            .on_gateways(peers, unreachable, ctx, peer_share, call)
            .await
        {
            Reached::Done(Ok(answer)) => {
                self.gateways.served(Via::Gateway);
                Some(Ok(answer))
            }
            Reached::Done(Err((e, _)))
                if ctx.stage == Stage::Endorse && self.mode == Mode::Auto && no_plan(&e) =>
            {
                tracing::debug!(tx_id = ctx.tx_id, error = %e,
                    "the Gateway can plan no endorsement; endorsing client-side");
                None
            }
            Reached::Done(Err((e, peer))) => {
                self.gateways.served(Via::Gateway);
                Some(Err(
                    self.endorse_error(view, ctx.stage, ctx.tx_id, &peer, &e)
                ))
            }
            Reached::NotOffered(peers) => self.gateway_unusable(peers, None).map(Err),
            Reached::Unreachable(e) => self.gateway_unusable(Vec::new(), Some(e)).map(Err),
        }
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
            let ctx = Ctx::new(channel, tx_id, Stage::Evaluate, deadline);
            let answered = self
                .gateway_stage(&view, &ctx, |endpoint, left| {
                    let request = request.clone();
                    async move {
                        self.connections
                            .gateway_evaluate(&endpoint, request, left)
                            .await
                    }
                })
                .await;
            if let Some(answered) = answered {
                let (resp, peer) = answered?;
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
            let ctx = Ctx::new(channel, tx_id, Stage::Endorse, deadline);
            let answered = self
                .gateway_stage(&view, &ctx, |endpoint, left| {
                    let request = request.clone();
                    async move {
                        self.connections
                            .gateway_endorse(&endpoint, request, left)
                            .await
                    }
                })
                .await;
            if let Some(answered) = answered {
                let (resp, peer) = answered?;
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
        let ctx = Ctx::new(channel, tx_id, Stage::Submit, deadline);
        // Nothing is sent before the view is there: running out of time here leaves no doubt.
        let view = ctx
            .bound(async { Ok(self.router.view(&self.profile, channel).await) })
            .await
            .map_err(|e| Error::Submit {
                tx_id: tx_id.to_owned(),
                orderer: String::new(),
                status: 0,
                message: format!("not sent: the channel's peers were not known in time ({e})"),
                orderers: Vec::new(),
            })?;
        let peers = self.gateway_peers(&view, Some(first));
        let request = SubmitRequest {
            transaction_id: tx_id.to_owned(),
            channel_id: channel.to_owned(),
            prepared_transaction: Some(envelope),
        };
        // Each call runs to its own end (it is given the time left): a call cut off from
        // outside could not say whether the Gateway took the transaction.
        let reached = self
            .on_gateways(
                peers,
                not_sent,
                &ctx,
                |c| c.left(),
                |endpoint, left| {
                    let request = request.clone();
                    async move {
                        self.connections
                            .gateway_submit(&endpoint, request, left)
                            .await
                    }
                },
            )
            .await;
        let unconfirmed = match reached {
            Reached::Done(Ok((_, peer))) => return Ok(peer),
            Reached::Done(Err((e, peer))) => self.submit_error(tx_id, &peer, &e),
            Reached::NotOffered(peers) => return Err(Error::NoGateway { peers }),
            Reached::Unreachable(e) => {
                return Err(Error::Submit {
                    tx_id: tx_id.to_owned(),
                    orderer: String::new(),
                    status: 0,
                    message: format!("no Gateway peer could be reached: {e}"),
                    orderers: Vec::new(),
                })
            }
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
        let ctx = Ctx::new(channel, tx_id, Stage::Commit, deadline);
        let work = async {
            // Asking again is harmless: while no peer can answer (unreachable, busy), keep
            // asking until the deadline.
            loop {
                let reached = self
                    .on_gateways(
                        peers.clone(),
                        unreachable,
                        &ctx,
                        |c| c.left(),
                        |endpoint, left| {
                            let request = signed.clone();
                            async move {
                                self.connections
                                    .gateway_commit_status(&endpoint, request, left)
                                    .await
                            }
                        },
                    )
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
        let reached = ctx.bound(work).await?;
        match reached {
            // Valid or not, the outcome one Gateway peer reports: the caller weighs it.
            Reached::Done(Ok((resp, peer))) => Ok(TxOutcome {
                peer: peer.name,
                channel: channel.to_owned(),
                tx_id: tx_id.to_owned(),
                block: resp.block_number,
                code: resp.result,
                events: Vec::new(),
            }),
            Reached::Done(Err((e, peer))) => {
                let address = peer.endpoint.address();
                match e {
                    CallError::Deadline { .. }
                    | CallError::Refused {
                        code: Code::DeadlineExceeded,
                        ..
                    } => Err(ctx.timeout(Some(address))),
                    other => Err(Error::Transport {
                        endpoint: address,
                        message: format!("CommitStatus: {other}"),
                    }),
                }
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
        e: &CallError,
    ) -> Error {
        let (code, message, details) = match e {
            CallError::Refused {
                code,
                message,
                details,
            } => (*code, message.as_str(), details.clone()),
            CallError::Deadline { after, .. } => {
                return Error::Timeout {
                    stage,
                    after: *after,
                    tx_id: Some(tx_id.to_owned()),
                    waiting_for: Some(gateway.endpoint.address()),
                }
            }
            other => {
                // Reached only for calls that may not move on; a broken call is no refusal.
                return Error::Transport {
                    endpoint: gateway.endpoint.address(),
                    message: other.to_string(),
                };
            }
        };
        if code == Code::DeadlineExceeded {
            return Error::Timeout {
                stage,
                after: Duration::ZERO,
                tx_id: Some(tx_id.to_owned()),
                waiting_for: Some(gateway.endpoint.address()),
            };
        }
        // Unavailable: the Gateway could reach no peer (nothing was endorsed; worth a retry).
        // No plan: the Gateway knows too few live peers for the policy (gossip membership
        // still forming, peers down) — as when the client-side flow reaches too few: 503.
        let fallback = if code == Code::Unavailable {
            0
        } else if no_plan(e) {
            503
        } else {
            500
        };
        let peers = if details.is_empty() {
            vec![PeerFailure {
                peer: gateway.name.clone(),
                address: gateway.endpoint.address(),
                status: wire::chaincode_status(message).unwrap_or(fallback),
                message: message.to_owned(),
                msp_id: gateway.msp_id.clone().unwrap_or_default(),
            }]
        } else {
            details
                .into_iter()
                .map(|d| {
                    let status = wire::chaincode_status(&d.message).unwrap_or(
                        if looks_unreachable(&d.message) {
                            0
                        } else {
                            fallback
                        },
                    );
                    self.detail_failure(view, d, status)
                })
                .collect()
        };
        Error::Endorse {
            tx_id: tx_id.to_owned(),
            message: format!("the Gateway on {} answered {code}: {message}", gateway.name),
            peers,
        }
    }

    /// The error of a failed Gateway Submit, from what the Gateway says the orderers did
    /// ([`gateway_submit_verdict`]): refused for good — [`Error::Submit`] with status 400, not
    /// retried; not taken by any orderer — [`Error::Submit`] with status 0, retried; anything
    /// else (including a call that broke or ran out of time after it was sent) may have left an
    /// orderer with it — [`Error::Indeterminate`].
    fn submit_error(&self, tx_id: &str, gateway: &RoutePeer, e: &CallError) -> Error {
        if !e.may_have_arrived() {
            return Error::Submit {
                tx_id: tx_id.to_owned(),
                orderer: String::new(),
                status: 0,
                message: format!(
                    "not sent: the Gateway on {} could not be reached: {e}",
                    gateway.name
                ),
                orderers: Vec::new(),
            };
        }
        let CallError::Refused {
            code,
            message,
            details,
        } = e
        else {
            return Error::Indeterminate {
                tx_id: tx_id.to_owned(),
                stage: Stage::Submit,
                message: format!(
                    "the Gateway on {} may have taken the transaction: {e}",
                    gateway.name
                ),
            };
        };
        let view_less = |d: &ErrorDetail| PeerFailure {
            peer: d.address.clone(),
            address: d.address.clone(),
            status: 0,
            message: d.message.clone(),
            msp_id: d.msp_id.clone(),
        };
        let orderers: Vec<PeerFailure> = details.iter().map(view_less).collect();
        let orderer = orderers
            .first()
            .map_or_else(|| gateway.endpoint.address(), |o| o.address.clone());
        let text = format!("through the Gateway on {}: {code}: {message}", gateway.name);
        let reports: Vec<&str> = details.iter().map(|d| d.message.as_str()).collect();
        match gateway_submit_verdict(*code, message, &reports) {
            verdict @ (OrdererVerdict::Refused | OrdererVerdict::NotTaken) => Error::Submit {
                tx_id: tx_id.to_owned(),
                orderer,
                status: if verdict == OrdererVerdict::Refused {
                    400
                } else {
                    0
                },
                message: text,
                orderers,
            },
            OrdererVerdict::Accepted | OrdererVerdict::MaybeTaken => Error::Indeterminate {
                tx_id: tx_id.to_owned(),
                stage: Stage::Submit,
                message: with_details(
                    &format!("an orderer may have taken the transaction; {text}"),
                    details,
                ),
            },
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
fn no_plan(e: &CallError) -> bool {
    match e {
        CallError::Refused { message, .. } => {
            message.contains("no combination of peers") || message.contains("no peer combination")
        }
        _ => false,
    }
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

    fn refused(code: Code, message: &str) -> CallError {
        CallError::Refused {
            code,
            message: message.into(),
            details: Vec::new(),
        }
    }

    #[test]
    fn only_connection_failures_move_on_to_another_peer() {
        assert!(unreachable(&CallError::Broken {
            message: "connection reset".into()
        }));
        assert!(unreachable(&refused(Code::Unavailable, "shutting down")));
        assert!(!unreachable(&refused(
            Code::Unavailable,
            "no peers available to evaluate chaincode kv in channel mychannel"
        )));
        assert!(!unreachable(&refused(Code::Aborted, "failed to endorse")));
        assert!(looks_unreachable("rpc error: code = Unavailable desc = x"));
        assert!(!looks_unreachable("chaincode response 500, boom"));
        // A submit moves on only when it surely never left.
        assert!(!not_sent(&CallError::Broken {
            message: "reset".into()
        }));
        assert!(!not_sent(&CallError::Deadline {
            after: Duration::from_secs(1),
            sent: true
        }));
        assert!(not_sent(&CallError::Deadline {
            after: Duration::from_secs(1),
            sent: false
        }));
    }
}
