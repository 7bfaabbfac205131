//! The step-by-step form of a submit — proposal, endorse, transaction, submit, status — each
//! step handing out the exact bytes to sign, so signing can happen elsewhere (offline, HSM).

use std::time::Duration;

use super::calls::{Committed, Endorser, Submit};
use super::gateway::Via;
use super::resolve::Resolution;
use crate::error::{Error, Result, Stage};
use crate::events::Registration;
use crate::protocol::{Endorsed, UnsignedProposal, UnsignedTransaction};
use crate::routing::RoutePeer;

/// An unsigned proposal.
#[derive(Debug)]
pub struct Proposal {
    call: Submit,
    unsigned: UnsignedProposal,
}

impl Proposal {
    pub(crate) fn new(call: Submit, unsigned: UnsignedProposal) -> Self {
        Proposal { call, unsigned }
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
        let inner = self.call.spec.contract.inner();
        let signature = inner
            .identity
            .accept_signature(self.unsigned.bytes(), signature)?;
        let signed = self.unsigned.signed(signature);
        inner
            .evaluate_via(
                &self.call.spec.contract.network.channel,
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
        let inner = self.call.spec.contract.inner();
        let signature = inner
            .identity
            .accept_signature(self.unsigned.bytes(), signature)?;
        let signed = self.unsigned.signed(signature);
        let (endorsed, gateway) = inner
            .endorse_via(
                &self.call.spec.contract.network.channel,
                &self.unsigned,
                signed,
                &self.call.targets,
                self.call.deadlines.endorse,
            )
            .await?;
        let unsigned = UnsignedTransaction::new(&self.unsigned, &endorsed)?;
        Ok(Transaction {
            call: self.call,
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
    call: Submit,
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
        let inner = self.call.spec.contract.inner();
        let channel = &self.call.spec.contract.network.channel;
        let tx_id = self.unsigned.tx_id().to_owned();
        let signature = inner
            .identity
            .accept_signature(self.unsigned.bytes(), signature)?;
        let envelope = self.unsigned.signed(signature);
        let (registrations, gateway) = match &self.gateway {
            Some(peer) => {
                // The commit strategy holds in the Gateway flow too: listen on the peers it
                // names (for the default, every peer of your organization) before submitting.
                let registrations = inner
                    .listen(
                        channel,
                        self.call.strategy,
                        &tx_id,
                        self.call.deadlines.connect,
                    )
                    .await
                    .unwrap_or_else(|e| {
                        tracing::debug!(%tx_id, error = %e,
                            "no commit listener; the Gateway's CommitStatus will answer");
                        Vec::new()
                    });
                let served = inner
                    .gateway_submit(channel, &tx_id, envelope, peer, self.call.deadlines.submit)
                    .await?;
                (registrations, Some(served))
            }
            None => {
                let registrations = inner
                    .listen(
                        channel,
                        self.call.strategy,
                        &tx_id,
                        self.call.deadlines.connect,
                    )
                    .await?;
                inner
                    .broadcast(channel, envelope, &tx_id, self.call.deadlines.submit)
                    .await?;
                (registrations, None)
            }
        };
        // Keep only what the wait needs: thousands of transactions may be waiting at once.
        let result = self.endorsed.result().to_vec();
        let event = self.endorsed.event().cloned();
        let endorsers = Endorser::of(&self.endorsed);
        Ok(Submitted {
            contract: self.call.spec.contract,
            strategy: self.call.strategy,
            commit_deadline: self.call.deadlines.commit,
            tx_id,
            result,
            event,
            endorsers,
            registrations,
            gateway,
        })
    }
}

/// A transaction the orderer accepted; [`Submitted::status`] waits for its commit.
#[derive(Debug)]
pub struct Submitted {
    contract: super::client::Contract,
    strategy: super::strategy::CommitStrategy,
    commit_deadline: std::time::Duration,
    tx_id: String,
    result: Vec<u8>,
    event: Option<crate::proto::peer::ChaincodeEvent>,
    endorsers: Vec<Endorser>,
    registrations: Vec<Registration>,
    /// The Gateway peer that took it (`None`: the client-side flow).
    gateway: Option<RoutePeer>,
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
    pub async fn status(self) -> Result<Committed> {
        let inner = self.contract.inner();
        let channel = self.contract.network.channel.clone();
        let via = self.via();
        let waited = match &self.gateway {
            Some(_) if self.strategy == super::strategy::CommitStrategy::None => Ok(None),
            // No listener could be registered for the strategy's peers: the Gateway's own
            // answer.
            Some(peer) if self.registrations.is_empty() => inner
                .gateway_commit_status(&channel, &self.tx_id, peer, self.commit_deadline)
                .await
                .map(Some),
            _ => {
                inner
                    .wait_commit(
                        self.registrations,
                        self.strategy,
                        &self.tx_id,
                        self.commit_deadline,
                    )
                    .await
            }
        };
        let lost = match waited {
            Ok(outcome) => {
                return Ok(Committed {
                    tx_id: self.tx_id,
                    block: outcome.as_ref().map(|o| o.block),
                    payload: self.result,
                    event: self.event,
                    peer: outcome.map(|o| o.peer),
                    endorsers: self.endorsers,
                    attempts: Vec::new(),
                    from_ledger: false,
                    via,
                })
            }
            Err(e @ (Error::Timeout { .. } | Error::Transport { .. })) => e,
            Err(e) => return Err(e),
        };
        tracing::info!(tx_id = %self.tx_id, error = %lost,
            "commit not seen; looking the transaction up on the ledger");
        match inner
            .lookup_transaction(&channel, &self.tx_id, None, LOOKUP_DEADLINE)
            .await
        {
            Resolution::Committed { block, code: 0 } => Ok(Committed {
                tx_id: self.tx_id,
                block: Some(block),
                payload: self.result,
                event: self.event,
                peer: None,
                endorsers: self.endorsers,
                attempts: Vec::new(),
                from_ledger: true,
                via,
            }),
            Resolution::Committed { block, code } => Err(Error::Commit {
                tx_id: self.tx_id,
                code,
                code_name: crate::protocol::validation_code_name(code),
                block,
            }),
            Resolution::Absent { peers } => Err(Error::Indeterminate {
                tx_id: self.tx_id,
                stage: Stage::Commit,
                message: format!("{lost}; the ledgers of {peers} peer(s) do not have it (yet)"),
            }),
            Resolution::Unknown(why) => Err(Error::Indeterminate {
                tx_id: self.tx_id,
                stage: Stage::Commit,
                message: format!("{lost}; the ledger could not be asked: {why}"),
            }),
        }
    }
}
