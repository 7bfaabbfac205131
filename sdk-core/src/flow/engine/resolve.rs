//! Finding out what became of a transaction whose commit was not proven: the ledgers of the
//! channel's peers decide, weighed like commit events ([`crate::flow::rules::tally`]).

use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::Engine;
use crate::flow::rules::tally::{Proof, Report, Tally};
use crate::ledger::{self, Query};
use crate::routing::RoutePeer;

/// What the ledgers say of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Proven committed in this block with this validation code (0: valid).
    Committed {
        /// The block.
        block: u64,
        /// The validation code.
        code: i32,
    },
    /// No peer claims to have it, and `peers` peers that answered do not (up to their height).
    Absent {
        /// How many peers answered that they do not have it.
        peers: usize,
    },
    /// Nothing can be said: no peer could be asked, or what peers claim proves nothing (one
    /// foreign peer's word, a dispute).
    Unknown(String),
}

impl Engine {
    /// Looks `tx_id` up on the channel's ledger-query peers — all of them at once, or those
    /// named in `only` — within `deadline`, and weighs their answers together with `seen` (what
    /// commit events already reported). An answer must name the transaction asked for and
    /// carry a transaction; anything else counts as no answer. The lookup waits for every own-
    /// organization peer it asked (their word is proof) and for the others until the answers
    /// prove something or all are in.
    pub(crate) async fn lookup_transaction(
        &self,
        channel: &str,
        tx_id: &str,
        only: Option<&[String]>,
        deadline: Duration,
        seen: Tally,
    ) -> Resolution {
        let view =
            match tokio::time::timeout(deadline, self.router.view(&self.profile, channel)).await {
                Ok(v) => v,
                Err(_) => {
                    return Resolution::Unknown("the channel's peers were not known in time".into())
                }
            };
        let peers: Vec<&RoutePeer> = match only {
            Some(names) => names.iter().filter_map(|n| view.peer(n)).collect(),
            None => view.peers.iter().filter(|p| p.roles.ledger_query).collect(),
        };
        if peers.is_empty() && seen.reports().is_empty() {
            return Resolution::Unknown("no peer to ask".into());
        }
        let until = tokio::time::Instant::now() + deadline;
        let asks = peers.iter().map(|p| async move {
            let query = Query::TransactionById(tx_id.to_owned());
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            let answer = self
                .ledger_call(p, channel, &query, left)
                .await
                .and_then(|r| ledger::processed_transaction_of(&r, &p.name, channel, tx_id));
            (*p, answer)
        });
        let mut answers: FuturesUnordered<_> = asks.collect();
        let mut own_waiting = peers.iter().filter(|p| self.is_own(p)).count();
        let mut tally = seen;
        let mut absent = 0;
        let mut errors = Vec::new();
        loop {
            if own_waiting == 0 && matches!(tally.proof(), Proof::Proven { .. }) {
                break;
            }
            let next = tokio::time::timeout_at(until, answers.next()).await;
            let Ok(Some((peer, answer))) = next else {
                if next.is_err() {
                    errors.push(format!(
                        "no answer within {deadline:?} from {} peer(s)",
                        answers.len()
                    ));
                }
                break;
            };
            if self.is_own(peer) {
                own_waiting -= 1;
            }
            match answer {
                Ok(Some(tx)) => {
                    let block = match self.block_of(peer, channel, tx_id, until).await {
                        Some(b) => b,
                        None => {
                            errors.push(format!("{}: its block could not be read", peer.name));
                            continue;
                        }
                    };
                    tally.add(Report {
                        peer: peer.name.clone(),
                        own_org: self.is_own(peer),
                        code: tx.validation_code,
                        block,
                    });
                }
                Ok(None) => absent += 1,
                Err(e) => errors.push(format!("{}: {e}", peer.name)),
            }
        }
        tracing::debug!(tx_id, reports = ?tally.reports(), absent, ?errors, "ledger lookup");
        match tally.proof() {
            Proof::Proven { code, block, .. } => Resolution::Committed { block, code },
            Proof::Nothing if absent > 0 => Resolution::Absent { peers: absent },
            Proof::Nothing => Resolution::Unknown(errors.join("; ")),
            Proof::Unproven => Resolution::Unknown(format!(
                "{}; that proves nothing on its own (not of your organization, and no other peer \
                 confirms it)",
                claims(&tally)
            )),
            Proof::Disputed => Resolution::Unknown(format!("peers disagree: {}", claims(&tally))),
        }
    }

    /// The number of the block holding `tx_id`, as `peer` has it (the block must hold the
    /// transaction).
    async fn block_of(
        &self,
        peer: &RoutePeer,
        channel: &str,
        tx_id: &str,
        until: tokio::time::Instant,
    ) -> Option<u64> {
        let left = until.saturating_duration_since(tokio::time::Instant::now());
        let query = Query::BlockByTxId(tx_id.to_owned());
        let answer = self.ledger_call(peer, channel, &query, left).await.ok()?;
        let block = ledger::block(&answer, &peer.name).ok().flatten()?;
        let holds = block.data.as_ref().is_some_and(|d| {
            d.data.iter().any(|bytes| {
                use prost::Message;
                crate::proto::common::Envelope::decode(bytes.as_slice())
                    .ok()
                    .and_then(|e| crate::protocol::envelope_ids(&e))
                    .is_some_and(|(_, id)| id == tx_id)
            })
        });
        if !holds {
            return None;
        }
        block.header.map(|h| h.number)
    }
}

/// What the peers claimed, for messages.
fn claims(tally: &Tally) -> String {
    tally
        .reports()
        .iter()
        .map(|r| {
            format!(
                "{} says {} in block {}",
                r.peer,
                crate::protocol::validation_code_name(r.code),
                r.block
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}
