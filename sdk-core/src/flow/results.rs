//! What a submit gives back: the [`Committed`] transaction and its [`Endorser`]s.

use super::engine::Via;
use super::retry::Attempt;
use crate::proto::peer::ChaincodeEvent;

/// A committed transaction.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Committed {
    pub(crate) tx_id: String,
    pub(crate) block: Option<u64>,
    pub(crate) payload: Vec<u8>,
    pub(crate) event: Option<ChaincodeEvent>,
    pub(crate) peer: Option<String>,
    pub(crate) endorsers: Vec<Endorser>,
    pub(crate) attempts: Vec<Attempt>,
    pub(crate) from_ledger: bool,
    pub(crate) via: Via,
}

impl Committed {
    /// The transaction id.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The block it was committed in (0 when the commit strategy was `None`: not waited for).
    pub fn block_number(&self) -> u64 {
        self.block.unwrap_or(0)
    }

    /// Whether the commit was observed (false only with the `None` strategy).
    pub fn is_confirmed(&self) -> bool {
        self.block.is_some()
    }

    /// The chaincode's response payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The chaincode event the transaction set, if any (with its payload).
    pub fn event(&self) -> Option<&ChaincodeEvent> {
        self.event.as_ref()
    }

    /// The peer whose commit event confirmed it first.
    pub fn confirmed_by(&self) -> Option<&str> {
        self.peer.as_deref()
    }

    /// The peers whose endorsements the transaction carries.
    pub fn endorsers(&self) -> &[Endorser] {
        &self.endorsers
    }

    /// Every attempt this submit made, the committed one last (one entry without retries;
    /// empty for the step-by-step form).
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Whether the commit was learned from the ledger (looked up after the commit wait ended
    /// without an event) rather than from a commit event.
    pub fn resolved_from_ledger(&self) -> bool {
        self.from_ledger
    }

    /// Which flow carried the committed transaction: [`Via::Gateway`] (the peer Gateway
    /// service endorsed, ordered and reported it) or [`Via::Client`] (fabweave reached the
    /// endorsers, orderers and event streams itself). In [`super::Mode::Auto`] this says
    /// whether the peer offered the Gateway.
    pub fn via(&self) -> Via {
        self.via
    }
}

/// A peer that endorsed a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endorser {
    /// The peer's name (profile name, or discovered address).
    pub peer: String,
    /// The address it was reached at.
    pub address: String,
    /// The MSP ID of the identity that signed the endorsement.
    pub msp_id: String,
}

impl Endorser {
    /// The endorsers of `endorsed`: its peers, with the MSP ID each endorsement was signed
    /// under.
    pub(crate) fn of(endorsed: &crate::protocol::Endorsed) -> Vec<Endorser> {
        use prost::Message;
        endorsed
            .peers()
            .iter()
            .zip(endorsed.endorsements())
            .map(|(p, e)| Endorser {
                peer: p.name.clone(),
                address: p.address.clone(),
                msp_id: crate::proto::msp::SerializedIdentity::decode(e.endorser.as_slice())
                    .map(|id| id.mspid)
                    .unwrap_or_default(),
            })
            .collect()
    }
}
