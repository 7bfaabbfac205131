//! Endorsing on the peers a route names, and evaluating on one peer: the client-side flow's
//! first stage.

use std::sync::atomic::Ordering;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::{target, Engine, Targets};
use crate::config::Profile;
use crate::error::{ConfigProblem, Error, PeerFailure, Result, Stage};
use crate::flow::strategy::QueryStrategy;
use crate::proto::peer::{ProposalResponse, SignedProposal};
use crate::protocol::{self, Endorsed, UnsignedProposal};
use crate::routing::plan::Plan;
use crate::routing::{Route, RoutePeer, Wanted};
use crate::transport::{CallError, Code};

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

impl Engine {
    /// Sends a signed proposal to one peer, within `within`. A peer that cannot be reached,
    /// breaks the call or stays silent is set aside by the transport; one that answers the call
    /// with `UNAVAILABLE` (shutting down, overloaded) is set aside here.
    pub(crate) async fn process(
        &self,
        peer: &RoutePeer,
        signed: SignedProposal,
        within: Duration,
    ) -> std::result::Result<ProposalResponse, CallError> {
        let answer = self
            .connections
            .process_proposal(&peer.endpoint, signed, within)
            .await;
        if let Err(e) = &answer {
            if passes_over(e) && e.is_answer() {
                self.connections
                    .health()
                    .failed(&peer.endpoint.address(), &e.to_string());
            }
        }
        answer
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
        let ctx = super::Ctx::new(channel, &tx_id, Stage::Endorse, deadline);
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
                    let share = peer_share(&ctx);
                    asked.push(async move { (i, self.process(peer, signed, share).await) });
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
                    Err(e) if out_of_time(&e, &ctx) => {
                        return Err(ctx.timeout(Some(peer.endpoint.address())))
                    }
                    Err(e) => {
                        // A peer that answered the call with an error (access denied, a
                        // malformed proposal) would answer a new one the same way.
                        if !passes_over(&e) {
                            statuses[i] = 500;
                        }
                        plan.failed(i, e.to_string())
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
        ctx.bound(work).await
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
        let ctx = super::Ctx::new(channel, &tx_id, Stage::Evaluate, deadline);
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
                match self.process(peer, signed.clone(), peer_share(&ctx)).await {
                    Ok(resp) => return protocol::evaluation_payload(proposal, &target(peer), resp),
                    Err(e) if out_of_time(&e, &ctx) => {
                        return Err(ctx.timeout(Some(peer.endpoint.address())))
                    }
                    Err(e) => {
                        let next = passes_over(&e);
                        failures.push(PeerFailure {
                            peer: peer.name.clone(),
                            address: peer.endpoint.address(),
                            status: 0,
                            message: e.to_string(),
                            msp_id: peer.msp_id.clone().unwrap_or_default(),
                        });
                        if !next {
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
        ctx.bound(work).await
    }
}

/// Whether a peer's failure lets the call move on to another peer: it could not be reached,
/// broke the call, stayed silent, or said it is unavailable — as opposed to refusing this
/// proposal (access denied, a malformed proposal), which any peer would.
fn passes_over(e: &CallError) -> bool {
    match e.code() {
        None => true,
        Some(code) => matches!(code, Code::Unavailable | Code::Cancelled),
    }
}

/// The time one peer gets within a stage: two thirds of what is left (at least a second, when
/// that much is left), so that a peer that hangs fails — and is set aside — while the stage
/// still has time to ask another.
pub(super) fn peer_share(ctx: &super::Ctx<'_>) -> Duration {
    let left = ctx.left();
    (left * 2 / 3).max(left.min(Duration::from_secs(1)))
}

/// Whether a peer's failure is the stage running out of time (its deadline passed, and no time
/// is left for another peer): the stage's timeout, not the peer's failure.
fn out_of_time(e: &CallError, ctx: &super::Ctx<'_>) -> bool {
    matches!(e, CallError::Deadline { .. }) && ctx.left() < Duration::from_millis(50)
}
