//! Deliver: the signed seek envelope that opens a block stream, and the commit statuses a
//! filtered block carries (protocol notes §5 and §6).
//!
//! Pure: bytes in, bytes out. The streams themselves live in [`crate::events`].
//!
//! ```
//! use fabweave::identity::Identity;
//! use fabweave::protocol::deliver::{seek_envelope, SeekFrom};
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/msp");
//! let id = Identity::from_msp_dir("Org1MSP", dir, None).unwrap();
//! // Follow mychannel forever, from the newest block on.
//! let envelope = seek_envelope("mychannel", &id, SeekFrom::Newest, None, None).unwrap();
//! assert!(!envelope.signature.is_empty());
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use prost::Message;

use super::{compute_tx_id, new_nonce};
use crate::error::Result;
use crate::identity::Identity;
use crate::proto::common::{ChannelHeader, Envelope, Header, HeaderType, Payload, SignatureHeader};
use crate::proto::orderer::seek_info::{SeekBehavior, SeekContentType, SeekErrorResponse};
use crate::proto::orderer::{
    seek_position, SeekInfo, SeekNewest, SeekNextCommit, SeekOldest, SeekPosition, SeekSpecified,
};
use crate::proto::peer::{filtered_transaction, FilteredBlock};

/// Where a deliver stream starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeekFrom {
    /// The newest block at the time of the request (height − 1).
    Newest,
    /// The first block of the channel (the genesis block).
    Oldest,
    /// Block number `n`. A server whose height is below `n` answers `NOT_FOUND`; at exactly
    /// `n` it waits for the block.
    Block(u64),
    /// The next block to be committed after the request (Fabric 2.3+; a 2.2 server answers
    /// `NOT_FOUND`).
    NextCommit,
}

impl SeekFrom {
    fn position(self) -> SeekPosition {
        use seek_position::Type;
        let r#type = match self {
            SeekFrom::Newest => Type::Newest(SeekNewest {}),
            SeekFrom::Oldest => Type::Oldest(SeekOldest {}),
            SeekFrom::Block(number) => Type::Specified(SeekSpecified { number }),
            SeekFrom::NextCommit => Type::NextCommit(SeekNextCommit {}),
        };
        SeekPosition {
            r#type: Some(r#type),
        }
    }
}

/// A signed `DELIVER_SEEK_INFO` envelope asking for the blocks of `channel` from `start` to
/// `stop` (inclusive), waiting for blocks that do not exist yet (`BLOCK_UNTIL_READY`).
///
/// `stop: None` follows the channel forever (`specified(u64::MAX)`, as fabric-gateway and
/// fabric-sdk-go do). `tls_cert_hash` is SHA-256 of the client's DER TLS certificate; a server
/// that requires mutual TLS refuses the stream (`BAD_REQUEST`) unless it matches the
/// certificate presented on the connection (see
/// [`crate::transport::Connections::client_cert_hash`]). The channel header carries the
/// current time (servers refuse envelopes more than 15 minutes off), the signature header the
/// identity, a nonce and the matching tx id; the payload is signed by `identity`.
///
/// Errors: [`crate::Error::Crypto`] from the signer or the nonce's random generator.
pub fn seek_envelope(
    channel: &str,
    identity: &Identity,
    start: SeekFrom,
    stop: Option<u64>,
    tls_cert_hash: Option<&[u8]>,
) -> Result<Envelope> {
    let creator = identity.serialized();
    let nonce = new_nonce()?;
    let tx_id = compute_tx_id(&nonce, &creator);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let channel_header = ChannelHeader {
        r#type: HeaderType::DeliverSeekInfo as i32,
        version: 0,
        timestamp: Some(prost_types::Timestamp {
            seconds: i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
            nanos: i32::try_from(now.subsec_nanos()).unwrap_or(0),
        }),
        channel_id: channel.to_owned(),
        tx_id,
        epoch: 0,
        extension: Vec::new(),
        tls_cert_hash: tls_cert_hash.map(<[u8]>::to_vec).unwrap_or_default(),
    };
    let seek = SeekInfo {
        start: Some(start.position()),
        stop: Some(SeekFrom::Block(stop.unwrap_or(u64::MAX)).position()),
        behavior: SeekBehavior::BlockUntilReady as i32,
        error_response: SeekErrorResponse::Strict as i32,
        content_type: SeekContentType::Block as i32,
    };
    let payload = Payload {
        header: Some(Header {
            channel_header: channel_header.encode_to_vec(),
            signature_header: SignatureHeader { creator, nonce }.encode_to_vec(),
        }),
        data: seek.encode_to_vec(),
    }
    .encode_to_vec();
    let signature = identity.sign(&payload)?;
    Ok(Envelope { payload, signature })
}

/// The commit status of one transaction in a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TxStatus {
    /// The transaction id (may be empty for some configuration transactions).
    pub tx_id: String,
    /// The validation code (`TxValidationCode`): 0 is `VALID`, e.g. 10
    /// `ENDORSEMENT_POLICY_FAILURE`, 11 `MVCC_READ_CONFLICT`.
    pub code: i32,
    /// The chaincode events the transaction emitted, as `(chaincode name, event name)`;
    /// filtered blocks carry no event payloads.
    pub events: Vec<(String, String)>,
}

impl TxStatus {
    /// Whether the transaction was committed as valid (code 0).
    pub fn is_valid(&self) -> bool {
        self.code == 0
    }
}

/// The commit statuses of one block, in block order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockStatus {
    /// The block number.
    pub number: u64,
    /// Its transactions, in order.
    pub txs: Vec<TxStatus>,
}

/// The statuses a filtered block (from `DeliverFiltered`) reports.
pub fn filtered_block_status(fb: &FilteredBlock) -> BlockStatus {
    let txs = fb
        .filtered_transactions
        .iter()
        .map(|ft| {
            let events = match &ft.data {
                Some(filtered_transaction::Data::TransactionActions(actions)) => actions
                    .chaincode_actions
                    .iter()
                    .filter_map(|a| a.chaincode_event.as_ref())
                    .map(|e| (e.chaincode_id.clone(), e.event_name.clone()))
                    .collect(),
                None => Vec::new(),
            };
            TxStatus {
                tx_id: ft.txid.clone(),
                code: ft.tx_validation_code,
                events,
            }
        })
        .collect();
    BlockStatus {
        number: fb.number,
        txs,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::crypto::{hex, sha256};
    use crate::proto::msp::SerializedIdentity;
    use crate::proto::peer::{
        ChaincodeEvent, FilteredChaincodeAction, FilteredTransaction, FilteredTransactionActions,
    };

    fn identity() -> Identity {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/msp");
        Identity::from_msp_dir("Org1MSP", dir, None).unwrap()
    }

    fn open(env: &Envelope) -> (ChannelHeader, SignatureHeader, SeekInfo) {
        let payload = Payload::decode(env.payload.as_slice()).unwrap();
        let header = payload.header.unwrap();
        (
            ChannelHeader::decode(header.channel_header.as_slice()).unwrap(),
            SignatureHeader::decode(header.signature_header.as_slice()).unwrap(),
            SeekInfo::decode(payload.data.as_slice()).unwrap(),
        )
    }

    fn position(p: &Option<SeekPosition>) -> seek_position::Type {
        (*p).unwrap().r#type.unwrap()
    }

    #[test]
    fn seek_envelope_has_every_field_fabric_checks() {
        let id = identity();
        let env = seek_envelope("mychannel", &id, SeekFrom::Newest, None, None).unwrap();
        let (ch, sh, seek) = open(&env);

        assert_eq!(ch.r#type, HeaderType::DeliverSeekInfo as i32);
        assert_eq!(ch.r#type, 5);
        assert_eq!(ch.channel_id, "mychannel");
        let ts = ch.timestamp.unwrap();
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        assert!((now.as_secs() as i64 - ts.seconds).abs() <= 5);
        assert!(ch.tls_cert_hash.is_empty());

        assert_eq!(sh.creator, id.serialized());
        let creator = SerializedIdentity::decode(sh.creator.as_slice()).unwrap();
        assert_eq!(creator.mspid, "Org1MSP");
        assert_eq!(sh.nonce.len(), crate::protocol::NONCE_LEN);
        assert_eq!(
            ch.tx_id,
            hex(&sha256(&[sh.nonce.as_slice(), &sh.creator].concat()))
        );

        assert_eq!(
            position(&seek.start),
            seek_position::Type::Newest(SeekNewest {})
        );
        assert_eq!(
            position(&seek.stop),
            seek_position::Type::Specified(SeekSpecified { number: u64::MAX })
        );
        assert_eq!(seek.behavior, SeekBehavior::BlockUntilReady as i32);
        assert_eq!(seek.error_response, SeekErrorResponse::Strict as i32);
        assert_eq!(seek.content_type, SeekContentType::Block as i32);

        // Signed by the identity over exactly the payload bytes.
        id.certificate()
            .verify_signature(&env.payload, &env.signature)
            .unwrap();
        let mut tampered = env.payload.clone();
        tampered[3] ^= 1;
        assert!(id
            .certificate()
            .verify_signature(&tampered, &env.signature)
            .is_err());
    }

    #[test]
    fn seek_positions_and_tls_binding() {
        let id = identity();
        let cases = [
            (SeekFrom::Oldest, seek_position::Type::Oldest(SeekOldest {})),
            (
                SeekFrom::Block(42),
                seek_position::Type::Specified(SeekSpecified { number: 42 }),
            ),
            (
                SeekFrom::NextCommit,
                seek_position::Type::NextCommit(SeekNextCommit {}),
            ),
        ];
        for (from, want) in cases {
            let env = seek_envelope("ch", &id, from, Some(50), Some(&[7u8; 32])).unwrap();
            let (ch, _, seek) = open(&env);
            assert_eq!(position(&seek.start), want);
            assert_eq!(
                position(&seek.stop),
                seek_position::Type::Specified(SeekSpecified { number: 50 })
            );
            assert_eq!(ch.tls_cert_hash, vec![7u8; 32]);
        }
    }

    #[test]
    fn each_envelope_gets_a_fresh_nonce_and_tx_id() {
        let id = identity();
        let a = open(&seek_envelope("ch", &id, SeekFrom::Newest, None, None).unwrap());
        let b = open(&seek_envelope("ch", &id, SeekFrom::Newest, None, None).unwrap());
        assert_ne!(a.1.nonce, b.1.nonce);
        assert_ne!(a.0.tx_id, b.0.tx_id);
    }

    #[test]
    fn filtered_block_statuses_codes_and_events() {
        let event = |cc: &str, name: &str| FilteredChaincodeAction {
            chaincode_event: Some(ChaincodeEvent {
                chaincode_id: cc.into(),
                tx_id: "t1".into(),
                event_name: name.into(),
                payload: Vec::new(),
            }),
        };
        let fb = FilteredBlock {
            channel_id: "mychannel".into(),
            number: 7,
            filtered_transactions: vec![
                FilteredTransaction {
                    txid: "t1".into(),
                    r#type: HeaderType::EndorserTransaction as i32,
                    tx_validation_code: 0,
                    data: Some(filtered_transaction::Data::TransactionActions(
                        FilteredTransactionActions {
                            chaincode_actions: vec![
                                event("kv", "Put"),
                                FilteredChaincodeAction {
                                    chaincode_event: None,
                                },
                                event("kv", "Audit"),
                            ],
                        },
                    )),
                },
                FilteredTransaction {
                    txid: "t2".into(),
                    r#type: HeaderType::EndorserTransaction as i32,
                    tx_validation_code: 10,
                    data: None,
                },
                FilteredTransaction {
                    txid: String::new(),
                    r#type: HeaderType::Config as i32,
                    tx_validation_code: 0,
                    data: None,
                },
            ],
        };
        let status = filtered_block_status(&fb);
        assert_eq!(status.number, 7);
        assert_eq!(status.txs.len(), 3);
        assert_eq!(status.txs[0].tx_id, "t1");
        assert!(status.txs[0].is_valid());
        assert_eq!(
            status.txs[0].events,
            vec![("kv".into(), "Put".into()), ("kv".into(), "Audit".into())]
        );
        assert_eq!(status.txs[1].code, 10);
        assert!(!status.txs[1].is_valid());
        assert!(status.txs[1].events.is_empty());
        assert_eq!(status.txs[2].tx_id, "");

        let empty = filtered_block_status(&FilteredBlock::default());
        assert_eq!(empty.number, 0);
        assert!(empty.txs.is_empty());
    }
}
