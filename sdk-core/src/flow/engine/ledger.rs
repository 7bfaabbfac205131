//! Ledger queries through the client's identity: the one place qscc and cscc proposals are
//! signed and sent. What to ask and how to read the answers is [`crate::ledger`]'s (pure)
//! business.

use std::sync::atomic::Ordering;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::Engine;
use crate::error::{ConfigProblem, Error, Result, Stage};
use crate::flow::strategy::QueryStrategy;
use crate::ledger::Query;
use crate::proto::peer::Response;
use crate::protocol::UnsignedProposal;
use crate::routing::RoutePeer;

/// `name (address)`, as errors name a peer.
pub(crate) fn describe(peer: &RoutePeer) -> String {
    format!("{} ({})", peer.name, peer.endpoint.address())
}

pub(crate) fn timeout(deadline: Duration, waiting_for: Option<String>) -> Error {
    Error::Timeout {
        stage: Stage::Evaluate,
        after: deadline,
        tx_id: None,
        waiting_for,
    }
}

impl Engine {
    /// Signs and sends one ledger query to one peer, within `within`; the system chaincode's
    /// response.
    ///
    /// Errors: [`Error::Transport`] naming the peer when it cannot be reached or refuses the
    /// call, [`Error::Timeout`] (stage evaluate) when it does not answer in time; proposal
    /// building and signing errors.
    pub(crate) async fn ledger_call(
        &self,
        peer: &RoutePeer,
        channel: &str,
        query: &Query,
        within: Duration,
    ) -> Result<Response> {
        let request = query
            .request(channel, self.identity.serialized())
            .tx_id_hash(self.suite.tx_id_hash);
        let request = match self.connections.client_cert_hash() {
            Some(hash) => request.tls_cert_hash(hash),
            None => request,
        };
        let proposal = UnsignedProposal::new(request)?;
        let signature = self.identity.sign(proposal.bytes())?;
        match self.process(peer, proposal.signed(signature), within).await {
            Ok(resp) => Ok(resp.response.unwrap_or_default()),
            Err(e @ crate::transport::CallError::Deadline { .. }) => {
                Err(e.into_error(&describe(peer), Stage::Evaluate, None))
            }
            Err(e) => Err(Error::Transport {
                endpoint: peer.endpoint.address(),
                message: format!("{}: {e}", peer.name),
            }),
        }
    }

    /// The channel's ledger-query peers in the order a query tries them: those named in
    /// `only` in that order, else healthy peers before those set aside, the client's own
    /// organization first, rotated under [`QueryStrategy::RoundRobin`] — as evaluate does.
    pub(crate) fn ledger_peers<'v>(
        &self,
        view: &'v crate::routing::ChannelView,
        only: &[String],
    ) -> Vec<&'v RoutePeer> {
        if !only.is_empty() {
            return only.iter().filter_map(|n| view.peer(n)).collect();
        }
        let mut peers: Vec<&RoutePeer> =
            view.peers.iter().filter(|p| p.roles.ledger_query).collect();
        let own = self.own_msp();
        let health = self.connections.health();
        peers.sort_by_key(|p| {
            (
                health.is_set_aside(&p.endpoint.address()),
                p.msp_id.as_deref() != Some(own),
            )
        });
        if self.query_strategy == QueryStrategy::RoundRobin && !peers.is_empty() {
            let first = peers
                .iter()
                .position(|p| {
                    health.is_set_aside(&p.endpoint.address()) || p.msp_id.as_deref() != Some(own)
                })
                .unwrap_or(peers.len())
                .max(1);
            let n = self.next_query_peer.fetch_add(1, Ordering::Relaxed) % first;
            peers[..first].rotate_left(n);
        }
        peers
    }

    /// Asks `query` of the channel's ledger-query peers in turn (see [`Engine::ledger_peers`])
    /// until one gives an answer `read` accepts, all within `deadline`.
    ///
    /// Errors: when every peer failed, the first peer's [`Error::Protocol`] if some peer
    /// answered with an error, else [`Error::Transport`] — each listing every peer's failure;
    /// [`Error::Timeout`] (stage evaluate) naming the peer being waited for; a configuration
    /// error when the channel has no ledger-query peer.
    pub(crate) async fn ledger_query<T>(
        &self,
        channel: &str,
        query: &Query,
        only: &[String],
        deadline: Duration,
        read: impl Fn(&Response, &str) -> Result<T>,
    ) -> Result<T> {
        let waiting_for: Mutex<Option<String>> = Mutex::new(None);
        let until = tokio::time::Instant::now() + deadline;
        let work = async {
            let view = self.router.view(&self.profile, channel).await;
            let peers = self.ledger_peers(&view, only);
            if peers.is_empty() {
                return Err(Error::config(
                    format!("channels.{channel}.peers"),
                    ConfigProblem::Undefined {
                        what: "ledger query peer for channel",
                        name: channel.to_owned(),
                    },
                ));
            }
            let mut failures: Vec<(String, Error)> = Vec::new();
            for peer in peers {
                let who = describe(peer);
                *waiting_for.lock().unwrap_or_else(PoisonError::into_inner) = Some(who.clone());
                let left = until.saturating_duration_since(tokio::time::Instant::now());
                let answer = self
                    .ledger_call(peer, channel, query, left)
                    .await
                    .and_then(|answer| read(&answer, &who));
                match answer {
                    Ok(value) => return Ok(value),
                    Err(e) => failures.push((who, e)),
                }
            }
            Err(all_failed(channel, query, failures))
        };
        match tokio::time::timeout(deadline, work).await {
            Ok(result) => result,
            Err(_) => Err(timeout(
                deadline,
                waiting_for
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner),
            )),
        }
    }
}

/// The error of a query no peer answered: the first peer's own error when there was one peer,
/// else one naming the first peer that answered with an error (or the first peer), listing
/// every peer's failure.
fn all_failed(channel: &str, query: &Query, mut failures: Vec<(String, Error)>) -> Error {
    if failures.len() == 1 {
        if let Some((_, e)) = failures.pop() {
            return e;
        }
    }
    let all = failures
        .iter()
        .map(|(who, e)| format!("{who}: {e}"))
        .collect::<Vec<_>>()
        .join("; ");
    let message = format!(
        "no peer of channel {channel} answered {} {}: {all}",
        query.chaincode(),
        query.function()
    );
    let answered = failures
        .iter()
        .find(|(_, e)| matches!(e, Error::Protocol { .. }));
    match answered.or(failures.first()) {
        Some((who, Error::Protocol { .. })) => Error::Protocol {
            endpoint: who.clone(),
            message,
        },
        Some((_, Error::Transport { endpoint, .. })) => Error::Transport {
            endpoint: endpoint.clone(),
            message,
        },
        Some((_, other)) => other.clone(),
        None => Error::Transport {
            endpoint: format!("ledger query peers of channel {channel}"),
            message,
        },
    }
}
