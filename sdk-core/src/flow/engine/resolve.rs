//! Finding out what became of a transaction whose commit was not seen: the ledger decides.

use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::client::Inner;
use crate::error::Error;
use crate::ledger::{self, Query};
use crate::routing::RoutePeer;

/// What the ledger says of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolution {
    /// Committed in this block with this validation code (0: valid).
    Committed { block: u64, code: i32 },
    /// Every peer asked that answered has no such transaction (up to its height).
    Absent { peers: usize },
    /// No peer could say.
    Unknown(String),
}

impl Inner {
    /// Looks `tx_id` up on the channel's ledger-query peers — all of them at once, or those
    /// named in `only` — within `deadline`.
    pub(crate) async fn lookup_transaction(
        &self,
        channel: &str,
        tx_id: &str,
        only: Option<&[String]>,
        deadline: Duration,
    ) -> Resolution {
        let view = self.router.view(&self.profile, channel).await;
        let peers: Vec<&RoutePeer> = match only {
            Some(names) => names.iter().filter_map(|n| view.peer(n)).collect(),
            None => view.peers.iter().filter(|p| p.roles.ledger_query).collect(),
        };
        if peers.is_empty() {
            return Resolution::Unknown("no peer to ask".into());
        }
        let asks = peers.iter().map(|p| async move {
            let query = Query::TransactionById(tx_id.to_owned());
            let answer = tokio::time::timeout(deadline, self.ledger_call(p, channel, &query))
                .await
                .unwrap_or_else(|_| {
                    Err(Error::Timeout {
                        stage: crate::error::Stage::Evaluate,
                        after: deadline,
                        tx_id: None,
                        waiting_for: Some(p.endpoint.address()),
                    })
                });
            let lookup = answer.and_then(|r| ledger::processed_transaction(&r, &p.name));
            (*p, lookup)
        });
        // The first peer that has it settles it; a peer that hangs does not hold that up.
        let mut answers: FuturesUnordered<_> = asks.collect();
        let mut absent = 0;
        let mut errors = Vec::new();
        while let Some((peer, answer)) = answers.next().await {
            match answer {
                Ok(Some(tx)) => {
                    let query = Query::BlockByTxId(tx_id.to_owned());
                    let block = match tokio::time::timeout(
                        deadline,
                        self.ledger_call(peer, channel, &query),
                    )
                    .await
                    {
                        Ok(Ok(r)) => ledger::block(&r, &peer.name)
                            .ok()
                            .flatten()
                            .and_then(|b| b.header)
                            .map_or(0, |h| h.number),
                        _ => 0,
                    };
                    return Resolution::Committed {
                        block,
                        code: tx.validation_code,
                    };
                }
                Ok(None) => absent += 1,
                Err(e) => errors.push(format!("{}: {e}", peer.name)),
            }
        }
        if absent > 0 {
            Resolution::Absent { peers: absent }
        } else {
            Resolution::Unknown(errors.join("; "))
        }
    }
}
