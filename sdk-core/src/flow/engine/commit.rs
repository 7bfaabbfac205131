//! Waiting for a commit: listeners registered on the commit hub before anything is sent, and a
//! wait that ends when the reports prove an outcome ([`crate::flow::rules::tally`]).

use std::collections::HashMap;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::{Ctx, Engine};
use crate::error::{Error, Result, Stage};
use crate::events::{Registration, TxOutcome};
use crate::flow::rules::tally::{Proof, Report, Tally};
use crate::flow::strategy::CommitStrategy;
use crate::routing::{ChannelView, RoutePeer};

/// Under an ALL strategy, how long the other peers may take to report a commit that one peer
/// already reported; and under any strategy, how long more reports are awaited when the first
/// ones prove nothing (one foreign peer's word).
const GRACE: Duration = Duration::from_secs(5);

/// How long the network may stay silent about a transaction before the same signed envelope is
/// offered to the orderers again (then doubling, up to [`REOFFER_EVERY_MAX`]). An orderer can lose what it took
/// (a Raft leader that goes away drops what it had not ordered yet; an orderer out of consensus
/// takes envelopes and never orders them); the same envelope commits once at most, so offering
/// it again is always safe.
pub(crate) const REOFFER_AFTER: Duration = Duration::from_secs(6);

/// The longest silence between two offers (a Raft election after a leader hangs takes up to
/// about 20 s on Fabric 2.5's defaults; offers at 6, 16, 26 s… reach the new leader soon).
pub(crate) const REOFFER_EVERY_MAX: Duration = Duration::from_secs(10);

/// `DUPLICATE_TXID`: a later copy of a transaction id already on the ledger. It says nothing of
/// the first copy's outcome, which the ledger tells.
const DUPLICATE_TXID: i32 = 9;

/// What a commit wait may offer to the orderers again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Reoffer<'a> {
    pub(crate) channel: &'a str,
    pub(crate) envelope: &'a crate::proto::common::Envelope,
    pub(crate) submit_deadline: Duration,
}

/// One peer's listener for one transaction.
#[derive(Debug)]
pub(crate) struct Listener {
    registration: Registration,
    own_org: bool,
}

/// How a commit wait ended.
#[derive(Debug)]
pub(crate) enum Waited {
    /// The reports prove this outcome (its `code`: 0 valid, else why invalid).
    Proven(TxOutcome),
    /// The wait ended without proof: why, and the reports so far, to be weighed with the
    /// ledger's answers.
    Unproven {
        /// Why the wait ended.
        why: Error,
        /// What the peers reported.
        tally: Tally,
    },
}

impl Engine {
    /// The peers whose commit events a strategy waits for: the channel's event sources (from
    /// the profile and discovery) in the strategy's scope, leaving out peers set aside after a
    /// failure unless no other is left.
    fn commit_peers(&self, view: &ChannelView, strategy: CommitStrategy) -> Vec<RoutePeer> {
        let all: Vec<&RoutePeer> = view.peers.iter().filter(|p| p.roles.event_source).collect();
        let (own_only, fallback) = strategy.scope();
        let mine: Vec<&RoutePeer> = all.iter().copied().filter(|p| self.is_own(p)).collect();
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
    ) -> Result<Vec<Listener>> {
        if strategy == CommitStrategy::None {
            return Ok(Vec::new());
        }
        let ctx = Ctx::new(channel, tx_id, Stage::Connect, deadline);
        let view = ctx
            .bound(async { Ok(self.router.view(&self.profile, channel).await) })
            .await?;
        let peers = self.commit_peers(&view, strategy);
        // All at once, each with the whole connect deadline: one peer that hangs must not use
        // up the others' time.
        let watched = futures_util::future::join_all(peers.iter().map(|peer| async move {
            Ctx::new(channel, tx_id, Stage::Connect, deadline)
                .bound(self.hub.watch(&peer.name, &peer.endpoint, channel))
                .await
        }))
        .await;
        let mut listeners = Vec::new();
        let mut failures = Vec::new();
        for (peer, watched) in peers.into_iter().zip(watched) {
            match watched {
                Ok(()) => listeners.push(Listener {
                    registration: self.hub.register(&peer.name, channel, tx_id),
                    own_org: self.is_own(&peer),
                }),
                Err(e) => failures.push(format!("{}: {e}", peer.name)),
            }
        }
        if listeners.is_empty() {
            return Err(Error::Transport {
                endpoint: format!("event sources of channel {channel}"),
                message: if failures.is_empty() {
                    format!("no event-source peer for strategy {}", strategy.name())
                } else {
                    failures.join("; ")
                },
            });
        }
        Ok(listeners)
    }

    /// Waits for the listeners' reports until they prove an outcome: under an ANY strategy the
    /// first proof ends the wait; under ALL every listener reports (the others get [`GRACE`]
    /// once one has). One peer's word is not proof unless it is of the client's own
    /// organization; a report that proves nothing yet is weighed with the next ones, for up to
    /// [`GRACE`]. Nothing the wait does can leave a transaction in doubt, so it ends at the
    /// deadline whatever it is doing.
    pub(crate) async fn wait_commit(
        &self,
        listeners: Vec<Listener>,
        strategy: CommitStrategy,
        tx_id: &str,
        deadline: Duration,
        reoffer: Option<Reoffer<'_>>,
    ) -> Waited {
        let ctx = Ctx::new("", tx_id, Stage::Commit, deadline);
        let mut next_offer = tokio::time::Instant::now() + REOFFER_AFTER;
        let mut gap = REOFFER_AFTER;
        let mut offers = 0u32;
        let expected = listeners.len();
        let mut pending: FuturesUnordered<_> = listeners
            .into_iter()
            .map(|l| {
                let own = l.own_org;
                async move { (own, l.registration.wait().await) }
            })
            .collect();
        let mut tally = Tally::default();
        let mut outcomes: HashMap<String, TxOutcome> = HashMap::new();
        let mut stopped = 0usize;
        let why = loop {
            let patience = if tally.reports().is_empty() {
                ctx.left()
            } else {
                ctx.left().min(GRACE)
            };
            // While no peer has said anything of it, offer it again now and then.
            let silent = tally.reports().is_empty();
            let offer_in = match reoffer {
                Some(_) if silent => {
                    next_offer.saturating_duration_since(tokio::time::Instant::now())
                }
                _ => patience,
            };
            let next = match tokio::time::timeout(patience.min(offer_in), pending.next()).await {
                Err(_) if silent && offer_in < patience => {
                    if let Some(r) = reoffer {
                        offers += 1;
                        let within = r.submit_deadline.min(ctx.left());
                        let offered = self
                            .broadcast(r.channel, r.envelope.clone(), tx_id, within)
                            .await;
                        tracing::info!(
                            tx_id,
                            offers,
                            ?offered,
                            "no word of the transaction: offered the same envelope again"
                        );
                    }
                    gap = gap.saturating_mul(2).min(REOFFER_EVERY_MAX);
                    next_offer = tokio::time::Instant::now() + gap;
                    continue;
                }
                Ok(Some(n)) => n,
                Ok(None) if !tally.reports().is_empty() => break unproven(tx_id),
                Ok(None) => {
                    break Error::Transport {
                        endpoint: "event sources".into(),
                        message: format!(
                            "{stopped} of {expected} event streams stopped (or reported only a \
                             later copy) before {tx_id} was proven committed"
                        ),
                    }
                }
                Err(_) if tally.reports().is_empty() => break ctx.timeout(None),
                Err(_) => {
                    tracing::warn!(
                        tx_id,
                        lagging = pending.len(),
                        "peers did not report the commit in time"
                    );
                    break ctx.timeout(Some(format!("{} more event source(s)", pending.len())));
                }
            };
            let outcome = match next {
                // A later copy: the first one's outcome is the ledger's to tell.
                (_, Ok(o)) if o.code == DUPLICATE_TXID => {
                    stopped += 1;
                    continue;
                }
                (own_org, Ok(o)) => {
                    tally.add(Report {
                        peer: o.peer.clone(),
                        own_org,
                        code: o.code,
                        block: o.block,
                    });
                    o
                }
                // A stream that stopped for good no longer counts.
                (_, Err(_)) => {
                    stopped += 1;
                    continue;
                }
            };
            outcomes.insert(outcome.peer.clone(), outcome);
            if strategy.all() && !pending.is_empty() {
                continue;
            }
            if let Proof::Proven { by, .. } = tally.proof() {
                if !strategy.all() {
                    let peer = &tally.reports()[by].peer;
                    if let Some(o) = outcomes.remove(peer) {
                        return Waited::Proven(o);
                    }
                }
            }
            if strategy.all() {
                break unproven(tx_id);
            }
        };
        match tally.proof() {
            Proof::Proven { by, .. } => {
                let peer = tally.reports()[by].peer.clone();
                match outcomes.remove(&peer) {
                    Some(o) => Waited::Proven(o),
                    None => Waited::Unproven { why, tally },
                }
            }
            _ => Waited::Unproven { why, tally },
        }
    }
}

/// Why a wait whose every listener reported ended without proof.
fn unproven(tx_id: &str) -> Error {
    Error::Protocol {
        endpoint: "event sources".into(),
        message: format!(
            "the peers' reports of {tx_id} prove no outcome (one foreign peer's word, or peers \
             that disagree)"
        ),
    }
}
