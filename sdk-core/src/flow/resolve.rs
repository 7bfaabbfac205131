//! Finding out what became of a transaction whose commit was not seen: the ledger decides.

use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};

use super::client::Inner;
use crate::error::{Error, Result};
use crate::ledger::{self, TxLookup, QSCC};
use crate::protocol::{ProposalRequest, UnsignedProposal};
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
    /// Asks `function(channel, arg)` of qscc on one peer; the response's status, message and
    /// payload.
    async fn qscc(
        &self,
        peer: &RoutePeer,
        channel: &str,
        function: &str,
        arg: &str,
    ) -> Result<(i32, String, Vec<u8>)> {
        let request = ProposalRequest::new(channel, QSCC, function, self.identity.serialized())
            .arg(channel)
            .arg(arg)
            .tx_id_hash(self.suite.tx_id_hash);
        let request = match self.connections.client_cert_hash() {
            Some(hash) => request.tls_cert_hash(hash),
            None => request,
        };
        let proposal = UnsignedProposal::new(request)?;
        let signature = self.identity.sign(proposal.bytes())?;
        match self.process(peer, proposal.signed(signature)).await {
            Ok(resp) => {
                let r = resp.response.unwrap_or_default();
                Ok((r.status, r.message, r.payload))
            }
            Err((_, message)) => Err(Error::Transport {
                endpoint: peer.endpoint.address(),
                message,
            }),
        }
    }

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
            let answer =
                tokio::time::timeout(deadline, self.qscc(p, channel, "GetTransactionByID", tx_id))
                    .await
                    .unwrap_or_else(|_| {
                        Err(Error::Timeout {
                            stage: crate::error::Stage::Evaluate,
                            after: deadline,
                            tx_id: None,
                            waiting_for: Some(p.endpoint.address()),
                        })
                    });
            let lookup = answer.and_then(|(status, message, payload)| {
                ledger::transaction_by_id(status, &message, &payload)
            });
            (*p, lookup)
        });
        // The first peer that has it settles it; a peer that hangs does not hold that up.
        let mut answers: FuturesUnordered<_> = asks.collect();
        let mut absent = 0;
        let mut errors = Vec::new();
        while let Some((peer, answer)) = answers.next().await {
            match answer {
                Ok(TxLookup::Found { code }) => {
                    let block = match tokio::time::timeout(
                        deadline,
                        self.qscc(peer, channel, "GetBlockByTxID", tx_id),
                    )
                    .await
                    {
                        Ok(Ok((status, _, payload))) if (200..400).contains(&status) => {
                            ledger::block_number(&payload).unwrap_or(0)
                        }
                        _ => 0,
                    };
                    return Resolution::Committed { block, code };
                }
                Ok(_) => absent += 1,
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
