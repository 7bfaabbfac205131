//! Transactions: the envelope assembled from a proposal and its endorsements (protocol notes
//! §3), and the names of validation codes (§6).

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::common::{Envelope, Header, Payload};
use crate::proto::peer::{
    ChaincodeActionPayload, ChaincodeEndorsedAction, ProposalResponsePayload, Transaction,
    TransactionAction, TxValidationCode,
};

use super::proposal::UnsignedProposal;
use super::response::Endorsed;

/// The channel and transaction id an envelope's channel header names, if it decodes.
pub fn envelope_ids(envelope: &Envelope) -> Option<(String, String)> {
    let payload = Payload::decode(envelope.payload.as_slice()).ok()?;
    let header = payload.header?;
    let ch = crate::proto::common::ChannelHeader::decode(header.channel_header.as_slice()).ok()?;
    Some((ch.channel_id, ch.tx_id))
}

/// A transaction ready to be signed by the proposal's creator and sent to an orderer.
///
/// [`UnsignedTransaction::bytes`] is the marshaled `common.Payload`, the exact bytes the creator
/// signs; [`UnsignedTransaction::signed`] wraps them into the `Envelope` for the orderer.
#[derive(Clone, PartialEq, Eq)]
pub struct UnsignedTransaction {
    tx_id: String,
    bytes: Vec<u8>,
}

impl UnsignedTransaction {
    /// Assembles the transaction exactly as Fabric does (protocol notes §3):
    /// `ChaincodeEndorsedAction{the endorsed payload, the endorsements}` inside a
    /// `ChaincodeActionPayload{the proposal payload without transient data, action}`, inside a
    /// `TransactionAction{header = the proposal's SignatureHeader}`, the only action of a
    /// `Transaction`, inside a `Payload{header = the proposal's Header}`.
    ///
    /// Errors: [`Error::Endorse`] when `endorsed` does not belong to `proposal` (another tx id or
    /// proposal hash) or holds no endorsement.
    pub fn new(proposal: &UnsignedProposal, endorsed: &Endorsed) -> Result<UnsignedTransaction> {
        let mismatch = |message: &str| Error::Endorse {
            tx_id: proposal.tx_id().to_owned(),
            message: message.to_owned(),
            peers: Vec::new(),
        };
        if endorsed.tx_id() != proposal.tx_id() {
            return Err(mismatch(&format!(
                "the endorsements are for transaction {}, not this one",
                endorsed.tx_id()
            )));
        }
        let hash_matches = ProposalResponsePayload::decode(endorsed.payload())
            .is_ok_and(|prp| proposal.is_proposal_hash(&prp.proposal_hash));
        if !hash_matches {
            return Err(mismatch("the endorsements are for another proposal"));
        }
        if endorsed.endorsements().is_empty() {
            return Err(mismatch(
                "there is no endorsement to build a transaction from",
            ));
        }

        let action_payload = ChaincodeActionPayload {
            chaincode_proposal_payload: proposal.payload_without_transient().to_vec(),
            action: Some(ChaincodeEndorsedAction {
                proposal_response_payload: endorsed.payload().to_vec(),
                endorsements: endorsed.endorsements().to_vec(),
            }),
        }
        .encode_to_vec();
        let transaction = Transaction {
            actions: vec![TransactionAction {
                header: proposal.signature_header().to_vec(),
                payload: action_payload,
            }],
        }
        .encode_to_vec();
        let bytes = Payload {
            header: Some(Header {
                channel_header: proposal.channel_header().to_vec(),
                signature_header: proposal.signature_header().to_vec(),
            }),
            data: transaction,
        }
        .encode_to_vec();
        Ok(UnsignedTransaction {
            tx_id: proposal.tx_id().to_owned(),
            bytes,
        })
    }

    /// The transaction id.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The marshaled `common.Payload`: the bytes the proposal's creator signs.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The `Envelope` for the orderer, with the creator's `signature` over
    /// [`UnsignedTransaction::bytes`].
    pub fn signed(&self, signature: Vec<u8>) -> Envelope {
        Envelope {
            payload: self.bytes.clone(),
            signature,
        }
    }
}

impl std::fmt::Debug for UnsignedTransaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnsignedTransaction")
            .field("tx_id", &self.tx_id)
            .field("bytes", &self.bytes.len())
            .finish()
    }
}

/// The name of a transaction validation code (`TxValidationCode`), e.g. 11 →
/// `MVCC_READ_CONFLICT`; codes Fabric does not define → `UNKNOWN(n)`.
///
/// ```
/// use fabweave::protocol::validation_code_name;
/// assert_eq!(validation_code_name(0), "VALID");
/// assert_eq!(validation_code_name(11), "MVCC_READ_CONFLICT");
/// assert_eq!(validation_code_name(77), "UNKNOWN(77)");
/// ```
pub fn validation_code_name(code: i32) -> String {
    match TxValidationCode::try_from(code) {
        Ok(c) => c.as_str_name().to_owned(),
        Err(_) => format!("UNKNOWN({code})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_code_names() {
        assert_eq!(validation_code_name(0), "VALID");
        assert_eq!(validation_code_name(8), "BAD_PROPOSAL_TXID");
        assert_eq!(validation_code_name(10), "ENDORSEMENT_POLICY_FAILURE");
        assert_eq!(validation_code_name(11), "MVCC_READ_CONFLICT");
        assert_eq!(validation_code_name(12), "PHANTOM_READ_CONFLICT");
        assert_eq!(validation_code_name(25), "INVALID_CHAINCODE");
        assert_eq!(validation_code_name(254), "NOT_VALIDATED");
        assert_eq!(validation_code_name(255), "INVALID_OTHER_REASON");
        assert_eq!(validation_code_name(26), "UNKNOWN(26)");
        assert_eq!(validation_code_name(-1), "UNKNOWN(-1)");
    }
}
