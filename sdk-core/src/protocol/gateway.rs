//! The peer Gateway service's messages (protocol notes §9): the commit-status request to sign,
//! the endorsements inside the transaction a Gateway prepared, and the per-node details of its
//! errors.

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::common::{Envelope, Payload};
use crate::proto::gateway::{CommitStatusRequest, ErrorDetail};
use crate::proto::peer::{
    ChaincodeAction, ChaincodeActionPayload, Endorsement, ProposalResponse,
    ProposalResponsePayload, Transaction,
};

/// The marshaled `CommitStatusRequest` for `tx_id` on `channel`, asked as `identity` (the
/// caller's serialized identity): the bytes the caller signs for `SignedCommitStatusRequest`.
pub fn commit_status_request(tx_id: &str, channel: &str, identity: Vec<u8>) -> Vec<u8> {
    CommitStatusRequest {
        transaction_id: tx_id.to_owned(),
        channel_id: channel.to_owned(),
        identity,
    }
    .encode_to_vec()
}

/// The endorsements of a transaction the Gateway prepared (`EndorseResponse.prepared_transaction`),
/// each as the `ProposalResponse` its endorser would have answered: status and response from the
/// endorsed `ChaincodeAction`, the shared `ProposalResponsePayload` bytes, and the endorsement.
/// They can then be checked like answers collected by the client itself
/// ([`super::check_endorsements_with`]) and the transaction assembled by
/// [`super::UnsignedTransaction::new`], so the bytes signed are always built here.
///
/// Errors: [`Error::Protocol`] naming `endpoint` when the envelope is not an endorser
/// transaction with exactly one endorsed action.
pub fn prepared_endorsements(endpoint: &str, envelope: &Envelope) -> Result<Vec<ProposalResponse>> {
    let malformed = |what: &str, e: &dyn std::fmt::Display| Error::Protocol {
        endpoint: endpoint.to_owned(),
        message: format!("the Gateway's prepared transaction: malformed {what}: {e}"),
    };
    let payload =
        Payload::decode(envelope.payload.as_slice()).map_err(|e| malformed("Payload", &e))?;
    let tx =
        Transaction::decode(payload.data.as_slice()).map_err(|e| malformed("Transaction", &e))?;
    let [action] = tx.actions.as_slice() else {
        return Err(malformed(
            "Transaction",
            &format!("{} actions instead of one", tx.actions.len()),
        ));
    };
    let cap = ChaincodeActionPayload::decode(action.payload.as_slice())
        .map_err(|e| malformed("ChaincodeActionPayload", &e))?;
    let Some(endorsed) = cap.action else {
        return Err(malformed("ChaincodeActionPayload", &"no endorsed action"));
    };
    let prp = ProposalResponsePayload::decode(endorsed.proposal_response_payload.as_slice())
        .map_err(|e| malformed("ProposalResponsePayload", &e))?;
    let cc_action = ChaincodeAction::decode(prp.extension.as_slice())
        .map_err(|e| malformed("ChaincodeAction", &e))?;
    let response = cc_action.response.unwrap_or_default();
    Ok(endorsed
        .endorsements
        .into_iter()
        .map(|e: Endorsement| ProposalResponse {
            version: 1,
            timestamp: None,
            response: Some(response.clone()),
            payload: endorsed.proposal_response_payload.clone(),
            endorsement: Some(e),
            interest: None,
        })
        .collect())
}

/// The `google.rpc.Status` a gRPC error carries in its `grpc-status-details-bin` trailer.
#[derive(Clone, PartialEq, Message)]
struct RpcStatus {
    #[prost(int32, tag = "1")]
    code: i32,
    #[prost(string, tag = "2")]
    message: String,
    #[prost(message, repeated, tag = "3")]
    details: Vec<prost_types::Any>,
}

/// The `gateway.ErrorDetail`s (address, MSP ID, message of each node that failed) in the
/// details of a Gateway error (the marshaled `google.rpc.Status` of a gRPC status). Details of
/// other types, and bytes that do not decode, are skipped.
pub fn error_details(status_details: &[u8]) -> Vec<ErrorDetail> {
    let Ok(status) = RpcStatus::decode(status_details) else {
        return Vec::new();
    };
    status
        .details
        .iter()
        .filter(|any| {
            any.type_url.ends_with("/gateway.ErrorDetail") || any.type_url == "gateway.ErrorDetail"
        })
        .filter_map(|any| ErrorDetail::decode(any.value.as_slice()).ok())
        .collect()
}

/// The chaincode status in a Gateway message such as `chaincode response 500, asset a9 is
/// locked` (how the Gateway reports a chaincode error), if there is one.
pub fn chaincode_status(message: &str) -> Option<i32> {
    let rest = &message[message.find("chaincode response ")? + "chaincode response ".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::proto::peer::{ChaincodeEndorsedAction, Response, TransactionAction};

    #[test]
    fn details_come_out_of_the_rpc_status() {
        let detail = ErrorDetail {
            address: "peer0.org1:7051".into(),
            msp_id: "Org1MSP".into(),
            message: "chaincode response 500, asset a9 is locked".into(),
        };
        let status = RpcStatus {
            code: 10,
            message: "failed to endorse transaction".into(),
            details: vec![
                prost_types::Any {
                    type_url: "type.googleapis.com/gateway.ErrorDetail".into(),
                    value: detail.encode_to_vec(),
                },
                prost_types::Any {
                    type_url: "type.googleapis.com/other.Thing".into(),
                    value: vec![1, 2, 3],
                },
            ],
        }
        .encode_to_vec();
        assert_eq!(error_details(&status), vec![detail.clone()]);
        assert!(error_details(b"\xff\xff").is_empty());
        assert_eq!(chaincode_status(&detail.message), Some(500));
        assert_eq!(
            chaincode_status("evaluate call to endorser returned error: chaincode response 404, x"),
            Some(404)
        );
        assert_eq!(chaincode_status("connection refused"), None);
    }

    #[test]
    fn prepared_endorsements_carry_the_shared_payload() {
        let action = ChaincodeAction {
            response: Some(Response {
                status: 200,
                message: String::new(),
                payload: b"v1".to_vec(),
            }),
            ..ChaincodeAction::default()
        };
        let prp = ProposalResponsePayload {
            proposal_hash: vec![7; 32],
            extension: action.encode_to_vec(),
        }
        .encode_to_vec();
        let endorsements = vec![
            Endorsement {
                endorser: b"a".to_vec(),
                signature: b"sa".to_vec(),
            },
            Endorsement {
                endorser: b"b".to_vec(),
                signature: b"sb".to_vec(),
            },
        ];
        let cap = ChaincodeActionPayload {
            chaincode_proposal_payload: vec![],
            action: Some(ChaincodeEndorsedAction {
                proposal_response_payload: prp.clone(),
                endorsements: endorsements.clone(),
            }),
        };
        let tx = Transaction {
            actions: vec![TransactionAction {
                header: vec![],
                payload: cap.encode_to_vec(),
            }],
        };
        let envelope = Envelope {
            payload: Payload {
                header: None,
                data: tx.encode_to_vec(),
            }
            .encode_to_vec(),
            signature: vec![],
        };
        let answers = prepared_endorsements("gw", &envelope).unwrap();
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[1].payload, prp);
        assert_eq!(answers[1].endorsement.as_ref().unwrap(), &endorsements[1]);
        assert_eq!(answers[0].response.as_ref().unwrap().payload, b"v1");

        let empty = Envelope {
            payload: Payload {
                header: None,
                data: Transaction { actions: vec![] }.encode_to_vec(),
            }
            .encode_to_vec(),
            signature: vec![],
        };
        let err = prepared_endorsements("gw", &empty).unwrap_err();
        assert!(err.to_string().contains("0 actions"), "{err}");
    }
}
