//! The step-by-step form of a submit — proposal, endorse, transaction, submit, status — each
//! step handing out the exact bytes to sign, so signing can happen elsewhere (offline, HSM).

use std::time::Duration;

use super::client::Contract;
use super::engine::commit::{Listener, Reoffer, Waited};
use super::engine::resolve::Resolution;
use super::engine::{Targets, Via};
use super::results::{Committed, Endorser};
use super::rules::tally::{Proof, Report, Tally};
use super::strategy::{CommitStrategy, Deadlines};
use crate::error::{Error, Result, Stage};
use crate::events::TxOutcome;
use crate::protocol::{Endorsed, UnsignedProposal, UnsignedTransaction};
use crate::routing::RoutePeer;

/// How a submit is carried: its endorsers, deadlines and commit strategy.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    pub(crate) targets: Targets,
    pub(crate) deadlines: Deadlines,
    pub(crate) strategy: CommitStrategy,
}

/// An unsigned proposal.
#[derive(Debug)]
pub struct Proposal {
    contract: Contract,
    setup: Setup,
    unsigned: UnsignedProposal,
}

impl Proposal {
    pub(crate) fn new(contract: Contract, setup: Setup, unsigned: UnsignedProposal) -> Self {
        Proposal {
            contract,
            setup,
            unsigned,
        }
    }

    /// The transaction id.
    pub fn tx_id(&self) -> &str {
        self.unsigned.tx_id()
    }

    /// The bytes the creator signs (the marshaled Proposal).
    pub fn bytes(&self) -> &[u8] {
        self.unsigned.bytes()
    }

    /// Evaluates the signed proposal on one peer, as `Contract::evaluate` would.
    pub async fn evaluate(self, signature: Vec<u8>) -> Result<Vec<u8>> {
        let inner = self.contract.inner();
        let signature = inner
            .identity
            .accept_signature(self.unsigned.bytes(), signature)?;
        let signed = self.unsigned.signed(signature);
        inner
            .evaluate_via(
                &self.contract.network.channel,
                &self.unsigned,
                signed,
                &[],
                inner.deadlines.evaluate,
            )
            .await
    }

    /// Sends the signed proposal for endorsement — to the peer Gateway service or to the
    /// endorsers themselves, as the client's [`super::Mode`] says; returns the transaction to
    /// sign. Either way the transaction's bytes are assembled here from the checked
    /// endorsements.
    pub async fn endorse(self, signature: Vec<u8>) -> Result<Transaction> {
        let inner = self.contract.inner();
        let signature = inner
            .identity
            .accept_signature(self.unsigned.bytes(), signature)?;
        let signed = self.unsigned.signed(signature);
        let (endorsed, gateway) = inner
            .endorse_via(
                &self.contract.network.channel,
                &self.unsigned,
                signed,
                &self.setup.targets,
                self.setup.deadlines.endorse,
            )
            .await?;
        let unsigned = UnsignedTransaction::new(&self.unsigned, &endorsed)?;
        Ok(Transaction {
            contract: self.contract,
            setup: self.setup,
            endorsed,
            unsigned,
            gateway,
        })
    }
}

/// How long the ledger lookup after a lost commit wait may take.
pub(crate) const LOOKUP_DEADLINE: Duration = Duration::from_secs(10);

/// An endorsed transaction, not yet signed.
#[derive(Debug)]
pub struct Transaction {
    contract: Contract,
    setup: Setup,
    endorsed: Endorsed,
    unsigned: UnsignedTransaction,
    /// The Gateway peer that endorsed it (`None`: the client-side flow).
    gateway: Option<RoutePeer>,
}

impl Transaction {
    /// The transaction id.
    pub fn tx_id(&self) -> &str {
        self.unsigned.tx_id()
    }

    /// The bytes the creator signs (the marshaled envelope payload).
    pub fn bytes(&self) -> &[u8] {
        self.unsigned.bytes()
    }

    /// The chaincode's response payload, as endorsed.
    pub fn result(&self) -> &[u8] {
        self.endorsed.result()
    }

    /// The endorsements, checked.
    pub fn endorsed(&self) -> &Endorsed {
        &self.endorsed
    }

    /// Which flow endorsed it, and will submit it.
    pub fn via(&self) -> Via {
        if self.gateway.is_some() {
            Via::Gateway
        } else {
            Via::Client
        }
    }

    /// Starts listening for the commit, then sends the signed transaction to the orderer (in
    /// the Gateway flow: through the Gateway that endorsed it).
    pub async fn submit(self, signature: Vec<u8>) -> Result<Submitted> {
        let inner = self.contract.inner();
        let channel = &self.contract.network.channel;
        let tx_id = self.unsigned.tx_id().to_owned();
        let signature = inner
            .identity
            .accept_signature(self.unsigned.bytes(), signature)?;
        let envelope = self.unsigned.signed(signature);
        // Kept while the commit is awaited, to be offered to the orderers again if the network
        // stays silent about it (the same transaction: it commits once at most).
        let copy = envelope.clone();
        let (listeners, sent) = match &self.gateway {
            Some(peer) => {
                // The commit strategy holds in the Gateway flow too: listen on the peers it
                // names (for the default, every peer of your organization) before submitting.
                let listeners = inner
                    .listen(
                        channel,
                        self.setup.strategy,
                        &tx_id,
                        self.setup.deadlines.connect,
                    )
                    .await
                    .unwrap_or_else(|e| {
                        tracing::debug!(%tx_id, error = %e,
                            "no commit listener; the Gateway's CommitStatus will answer");
                        Vec::new()
                    });
                let served = inner
                    .gateway_submit(channel, &tx_id, envelope, peer, self.setup.deadlines.submit)
                    .await
                    .map(Some);
                (listeners, served)
            }
            None => {
                let listeners = inner
                    .listen(
                        channel,
                        self.setup.strategy,
                        &tx_id,
                        self.setup.deadlines.connect,
                    )
                    .await?;
                let sent = inner
                    .broadcast(channel, envelope, &tx_id, self.setup.deadlines.submit)
                    .await
                    .map(|()| None);
                (listeners, sent)
            }
        };
        // An orderer may have taken it without confirming: its commit, if it comes, is what the
        // listeners wait for — and the wait offers the same envelope again.
        let (gateway, in_doubt) = match sent {
            Ok(served) => (served, None),
            Err(Error::Indeterminate {
                stage: Stage::Submit,
                message,
                ..
            }) if !listeners.is_empty() => {
                tracing::info!(%tx_id, reason = %message,
                    "an orderer may have taken the transaction; waiting for its commit");
                (self.gateway.clone(), Some(message))
            }
            Err(e) => return Err(e),
        };
        // Keep only what the wait needs: thousands of transactions may be waiting at once.
        let result = self.endorsed.result().to_vec();
        let event = self.endorsed.event().cloned();
        let endorsers = Endorser::of(&self.endorsed);
        Ok(Submitted {
            contract: self.contract,
            strategy: self.setup.strategy,
            commit_deadline: self.setup.deadlines.commit,
            tx_id,
            result,
            event,
            endorsers,
            listeners,
            gateway,
            envelope: copy,
            submit_deadline: self.setup.deadlines.submit,
            in_doubt,
        })
    }
}

/// A transaction sent to the orderers — accepted, or taken without a confirmation (then
/// [`Submitted::status`] finds out); [`Submitted::status`] waits for its commit.
#[derive(Debug)]
pub struct Submitted {
    contract: Contract,
    strategy: CommitStrategy,
    commit_deadline: std::time::Duration,
    tx_id: String,
    result: Vec<u8>,
    event: Option<crate::proto::peer::ChaincodeEvent>,
    endorsers: Vec<Endorser>,
    listeners: Vec<Listener>,
    /// The Gateway peer that took it (`None`: the client-side flow).
    gateway: Option<RoutePeer>,
    /// The signed transaction, offered again while the network stays silent about it.
    envelope: crate::proto::common::Envelope,
    submit_deadline: Duration,
    /// Why its acceptance by an orderer is in doubt, if it is.
    in_doubt: Option<String>,
}

impl Submitted {
    /// The transaction id.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The chaincode's response payload, as endorsed.
    pub fn result(&self) -> &[u8] {
        &self.result
    }

    /// The peers whose endorsements the transaction carries.
    pub fn endorsers(&self) -> &[Endorser] {
        &self.endorsers
    }

    /// Which flow submitted it, and will report its commit.
    pub fn via(&self) -> Via {
        if self.gateway.is_some() {
            Via::Gateway
        } else {
            Via::Client
        }
    }

    /// Waits for the commit as the strategy says, in both flows (the listeners were registered
    /// before the transaction was sent); a transaction committed as invalid gives
    /// `Error::Commit` with its validation code and block. In the Gateway flow, when no
    /// listener could be registered, the Gateway peer's `CommitStatus` (signed by the client)
    /// answers instead.
    ///
    /// When the wait ends without an answer (the deadline passed, every event stream broke),
    /// the outcome is looked up on the ledger of the channel's peers: committed (valid or not)
    /// is reported as such; otherwise the result is [`Error::Indeterminate`] — the transaction
    /// may still be committed.
    pub async fn status(mut self) -> Result<Committed> {
        let inner = self.contract.inner();
        let channel = self.contract.network.channel.clone();
        let waited = match &self.gateway {
            _ if self.strategy == CommitStrategy::None => return Ok(self.committed(None, false)),
            // No listener could be registered for the strategy's peers: the Gateway's own
            // answer, weighed like a commit event of that peer.
            Some(peer) if self.listeners.is_empty() => {
                let answer = inner
                    .gateway_commit_status(&channel, &self.tx_id, peer, self.commit_deadline)
                    .await;
                match answer {
                    Ok(outcome) => {
                        let mut tally = Tally::default();
                        tally.add(Report {
                            peer: outcome.peer.clone(),
                            own_org: inner.is_own(peer),
                            code: outcome.code,
                            block: outcome.block,
                        });
                        match tally.proof() {
                            Proof::Proven { .. } => Waited::Proven(outcome),
                            _ => Waited::Unproven {
                                why: Error::Protocol {
                                    endpoint: peer.endpoint.address(),
                                    message: "the Gateway of another organization reported it"
                                        .into(),
                                },
                                tally,
                            },
                        }
                    }
                    Err(e @ (Error::Timeout { .. } | Error::Transport { .. })) => {
                        Waited::Unproven {
                            why: e,
                            tally: Tally::default(),
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            _ => {
                let reoffer = Reoffer {
                    channel: &channel,
                    envelope: &self.envelope,
                    submit_deadline: self.submit_deadline,
                };
                inner
                    .wait_commit(
                        std::mem::take(&mut self.listeners),
                        self.strategy,
                        &self.tx_id,
                        self.commit_deadline,
                        Some(reoffer),
                    )
                    .await
            }
        };
        let (lost, seen) = match waited {
            Waited::Proven(o) if o.code == 0 => return Ok(self.committed(Some(o), false)),
            Waited::Proven(o) => return Err(invalid(&self.tx_id, o.code, o.block)),
            Waited::Unproven { why, tally } => (why, tally),
        };
        tracing::info!(tx_id = %self.tx_id, error = %lost, reports = seen.reports().len(),
            "commit not proven; looking the transaction up on the ledger");
        let lost = match &self.in_doubt {
            Some(why) => format!("{why}; then {lost}"),
            None => lost.to_string(),
        };
        match inner
            .lookup_transaction(&channel, &self.tx_id, None, LOOKUP_DEADLINE, seen)
            .await
        {
            Resolution::Committed { block, code: 0 } => {
                let mut done = self.committed(None, true);
                done.block = Some(block);
                Ok(done)
            }
            Resolution::Committed { block, code } => Err(invalid(&self.tx_id, code, block)),
            Resolution::Absent { peers } => Err(Error::Indeterminate {
                tx_id: self.tx_id,
                stage: Stage::Commit,
                message: format!("{lost}; the ledgers of {peers} peer(s) do not have it (yet)"),
            }),
            Resolution::Unknown(why) => Err(Error::Indeterminate {
                tx_id: self.tx_id,
                stage: Stage::Commit,
                message: format!("{lost}; the ledger could not settle it: {why}"),
            }),
        }
    }

    /// This transaction as committed (`outcome`: the event that proved it; none when not
    /// waited for or learned from the ledger).
    fn committed(self, outcome: Option<TxOutcome>, from_ledger: bool) -> Committed {
        let via = self.via();
        Committed {
            tx_id: self.tx_id,
            block: outcome.as_ref().map(|o| o.block),
            payload: self.result,
            event: self.event,
            peer: outcome.map(|o| o.peer),
            endorsers: self.endorsers,
            attempts: Vec::new(),
            from_ledger,
            via,
        }
    }
}

/// The error of a transaction proven committed as invalid.
fn invalid(tx_id: &str, code: i32, block: u64) -> Error {
    Error::Commit {
        tx_id: tx_id.to_owned(),
        code,
        code_name: crate::protocol::validation_code_name(code),
        block,
    }
}
