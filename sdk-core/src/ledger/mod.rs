//! The ledger for people: the peers' query system chaincode (`qscc`) and configuration system
//! chaincode (`cscc`) queries, and a decoder that turns blocks into readable structures.
//!
//! Everything here is pure: [`Query::request`] gives the proposal to sign and send, the readers
//! ([`chain_info`], [`block`], [`processed_transaction`], [`channels`]) turn a peer's answer
//! into values, and [`decode_block`] reads a block. Sending, choosing peers and failing over is
//! the job of [`crate::flow::Ledger`] (`network.ledger()`).
//!
//! ```
//! use fabweave::ledger::{self, Query};
//! use fabweave::proto::peer::Response;
//!
//! let request = Query::BlockByNumber(7).request("mychannel", b"creator".to_vec());
//! assert_eq!(request.chaincode, "qscc");
//! assert_eq!(request.function, "GetBlockByNumber");
//! assert_eq!(request.args, [b"mychannel".to_vec(), b"7".to_vec()]);
//!
//! // qscc answers an unknown block with status 500 and a "not found" message.
//! let missing = Response {
//!     status: 500,
//!     message: "Failed to get block number 7, error no such block number [7] in index".into(),
//!     payload: Vec::new(),
//! };
//! assert_eq!(ledger::block(&missing, "peer0").unwrap(), None);
//! ```
//!
//! The wire facts these follow are in the project's protocol notes (§5 blocks, §7 qscc/cscc).

mod block;

use prost::Message;

pub use block::{
    block_header_hash, decode_block, decode_envelope, Creator, Data, DataEncoding, DecodedAction,
    DecodedBlock, DecodedConfig, DecodedEvent, DecodedMetadata, DecodedResponse,
    DecodedTransaction, HashedRead, HashedWrite, KeyVersion, MetadataEntry, MetadataWrite, NsRwSet,
    PrivateCollection, RangeQuery, RangeQueryMerkle, Read, Write,
};

use crate::error::{Error, Result};
use crate::proto::common::{Block, BlockchainInfo, Envelope};
use crate::proto::peer::{ChannelQueryResponse, ProcessedTransaction, Response};
use crate::protocol::ProposalRequest;

/// The query system chaincode's name.
pub const QSCC: &str = "qscc";

/// The configuration system chaincode's name.
pub const CSCC: &str = "cscc";

/// One ledger query: which system chaincode function to call, with its argument.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Query {
    /// qscc `GetChainInfo`: height and the hashes of the last two blocks.
    ChainInfo,
    /// qscc `GetBlockByNumber`.
    BlockByNumber(u64),
    /// qscc `GetBlockByHash`, with the block's header hash (see [`block_header_hash`]).
    BlockByHash(Vec<u8>),
    /// qscc `GetBlockByTxID`: the block holding a transaction.
    BlockByTxId(String),
    /// qscc `GetTransactionByID`: a transaction with its validation code.
    TransactionById(String),
    /// cscc `GetChannels`: the channels the peer has joined (asked with no channel; only
    /// members of the peer's own organization may ask).
    Channels,
}

impl Query {
    /// The system chaincode answering the query: [`QSCC`] or [`CSCC`].
    pub fn chaincode(&self) -> &'static str {
        match self {
            Query::Channels => CSCC,
            _ => QSCC,
        }
    }

    /// The chaincode function (`args[0]`).
    pub fn function(&self) -> &'static str {
        match self {
            Query::ChainInfo => "GetChainInfo",
            Query::BlockByNumber(_) => "GetBlockByNumber",
            Query::BlockByHash(_) => "GetBlockByHash",
            Query::BlockByTxId(_) => "GetBlockByTxID",
            Query::TransactionById(_) => "GetTransactionByID",
            Query::Channels => "GetChannels",
        }
    }

    /// The proposal request asking the query on `channel` as `creator` (a marshaled
    /// `msp.SerializedIdentity`): qscc gets `[function, channel, arg]` with the channel in the
    /// header too (so identities of other organizations pass its ACL); cscc `GetChannels` gets
    /// `[function]` and an empty header channel, as the peer requires.
    pub fn request(&self, channel: &str, creator: Vec<u8>) -> ProposalRequest {
        if let Query::Channels = self {
            return ProposalRequest::new("", CSCC, self.function(), creator);
        }
        let request =
            ProposalRequest::new(channel, QSCC, self.function(), creator).arg(channel.as_bytes());
        match self {
            Query::ChainInfo | Query::Channels => request,
            Query::BlockByNumber(n) => request.arg(n.to_string()),
            Query::BlockByHash(hash) => request.arg(hash.clone()),
            Query::BlockByTxId(tx_id) | Query::TransactionById(tx_id) => {
                request.arg(tx_id.as_bytes())
            }
        }
    }
}

/// What qscc `GetChainInfo` says of a channel's ledger on one peer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ChainInfo {
    /// The number of blocks (the next block's number).
    pub height: u64,
    /// The header hash of the last block (number `height - 1`).
    pub current_block_hash: Vec<u8>,
    /// The header hash of the block before it.
    pub previous_block_hash: Vec<u8>,
    /// When the peer joined from a snapshot: the last block the snapshot holds.
    pub bootstrapped_from_snapshot_at: Option<u64>,
}

/// A transaction as qscc `GetTransactionByID` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProcessedTx {
    /// The transaction's envelope, as ordered.
    pub envelope: Envelope,
    /// Its validation code (`TxValidationCode`; 0: VALID).
    pub validation_code: i32,
}

impl ProcessedTx {
    /// The validation code's name, e.g. `VALID` or `MVCC_READ_CONFLICT`.
    pub fn validation_code_name(&self) -> String {
        crate::protocol::validation_code_name(self.validation_code)
    }

    /// The transaction decoded as [`decode_block`] decodes each of a block's (index 0).
    pub fn decode(&self) -> Result<DecodedTransaction> {
        decode_envelope(&self.envelope, 0, Some(self.validation_code))
    }
}

fn protocol_error(from: &str, message: String) -> Error {
    Error::Protocol {
        endpoint: from.to_owned(),
        message,
    }
}

/// Whether a failed qscc answer says that the thing asked for does not exist: qscc answers
/// status 500 with the ledger's error, e.g. "no such transaction ID [..] in index", "no such
/// block number [..] in index", "entry not found in index". A channel the peer has not joined
/// ("channel 'x' not found") is an error, not an absent entry.
fn says_not_found(message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    lower.contains("no such") || (lower.contains("not found") && !lower.contains("channel"))
}

/// The payload of a successful answer; `Ok(None)` for a not-found answer, the error for others.
fn success_payload<'a>(
    answer: &'a Response,
    function: &str,
    from: &str,
    not_found_ok: bool,
) -> Result<Option<&'a [u8]>> {
    if (200..400).contains(&answer.status) {
        return Ok(Some(answer.payload.as_slice()));
    }
    if not_found_ok && says_not_found(&answer.message) {
        return Ok(None);
    }
    Err(protocol_error(
        from,
        format!(
            "{function} failed with status {}: {}",
            answer.status, answer.message
        ),
    ))
}

/// Reads the answer of qscc `GetChainInfo` given by `from` (named in errors).
pub fn chain_info(answer: &Response, from: &str) -> Result<ChainInfo> {
    let payload = success_payload(answer, "GetChainInfo", from, false)?.unwrap_or_default();
    let info = BlockchainInfo::decode(payload).map_err(|e| {
        protocol_error(
            from,
            format!("GetChainInfo answer is not a BlockchainInfo: {e}"),
        )
    })?;
    Ok(ChainInfo {
        height: info.height,
        current_block_hash: info.current_block_hash,
        previous_block_hash: info.previous_block_hash,
        bootstrapped_from_snapshot_at: info
            .bootstrapping_snapshot_info
            .map(|s| s.last_block_in_snapshot),
    })
}

/// Reads the answer of qscc `GetBlockByNumber`, `GetBlockByHash` or `GetBlockByTxID` given by
/// `from`: the block, or `None` when the peer's ledger has no such block (yet).
pub fn block(answer: &Response, from: &str) -> Result<Option<Block>> {
    let Some(payload) = success_payload(answer, "the block query", from, true)? else {
        return Ok(None);
    };
    let block = Block::decode(payload)
        .map_err(|e| protocol_error(from, format!("the answer is not a block: {e}")))?;
    if block.header.is_none() {
        return Err(protocol_error(
            from,
            "the answer is a block without a header".into(),
        ));
    }
    Ok(Some(block))
}

/// Reads the answer of qscc `GetTransactionByID` given by `from`: the transaction and its
/// validation code, or `None` when the peer's ledger has no transaction with that id (yet).
/// An empty answer is an error, not a valid transaction (an empty message decodes as one with
/// code 0).
pub fn processed_transaction(answer: &Response, from: &str) -> Result<Option<ProcessedTx>> {
    let Some(payload) = success_payload(answer, "GetTransactionByID", from, true)? else {
        return Ok(None);
    };
    if payload.is_empty() {
        return Err(protocol_error(
            from,
            "GetTransactionByID answered with an empty payload".into(),
        ));
    }
    let processed = ProcessedTransaction::decode(payload).map_err(|e| {
        protocol_error(
            from,
            format!("GetTransactionByID answer is not a ProcessedTransaction: {e}"),
        )
    })?;
    Ok(Some(ProcessedTx {
        envelope: processed.transaction_envelope.unwrap_or_default(),
        validation_code: processed.validation_code,
    }))
}

/// [`processed_transaction`], checked to be the transaction `tx_id` of `channel`: an answer
/// whose envelope names another transaction (or none) is an error.
pub fn processed_transaction_of(
    answer: &Response,
    from: &str,
    channel: &str,
    tx_id: &str,
) -> Result<Option<ProcessedTx>> {
    let Some(tx) = processed_transaction(answer, from)? else {
        return Ok(None);
    };
    match crate::protocol::envelope_ids(&tx.envelope) {
        Some((ch, id)) if id == tx_id && ch == channel => Ok(Some(tx)),
        Some((ch, id)) => Err(protocol_error(
            from,
            format!("GetTransactionByID for {tx_id} on {channel} answered with transaction {id} of channel {ch}"),
        )),
        None => Err(protocol_error(
            from,
            format!("GetTransactionByID for {tx_id} answered with an envelope that does not decode"),
        )),
    }
}

/// Reads the answer of cscc `GetChannels` given by `from`: the channel names.
pub fn channels(answer: &Response, from: &str) -> Result<Vec<String>> {
    let payload = success_payload(answer, "GetChannels", from, false)?.unwrap_or_default();
    let response = ChannelQueryResponse::decode(payload).map_err(|e| {
        protocol_error(
            from,
            format!("GetChannels answer is not a ChannelQueryResponse: {e}"),
        )
    })?;
    Ok(response
        .channels
        .into_iter()
        .map(|c| c.channel_id)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::common::BootstrappingSnapshotInfo;
    use crate::proto::peer::ChannelInfo;

    fn ok(payload: Vec<u8>) -> Response {
        Response {
            status: 200,
            message: String::new(),
            payload,
        }
    }

    fn failed(message: &str) -> Response {
        Response {
            status: 500,
            message: message.into(),
            payload: Vec::new(),
        }
    }

    #[test]
    fn requests() {
        let creator = b"creator".to_vec();
        let r = Query::ChainInfo.request("ch", creator.clone());
        assert_eq!((r.channel.as_str(), r.chaincode.as_str()), ("ch", "qscc"));
        assert_eq!((r.function.as_str(), r.args.len()), ("GetChainInfo", 1));
        let r = Query::BlockByHash(vec![0xff, 0]).request("ch", creator.clone());
        assert_eq!(r.args, [b"ch".to_vec(), vec![0xff, 0]]);
        let r = Query::TransactionById("abc".into()).request("ch", creator.clone());
        assert_eq!(r.function, "GetTransactionByID");
        assert_eq!(r.args, [b"ch".to_vec(), b"abc".to_vec()]);
        let r = Query::BlockByTxId("abc".into()).request("ch", creator.clone());
        assert_eq!(r.function, "GetBlockByTxID");
        let r = Query::Channels.request("ch", creator);
        assert_eq!((r.channel.as_str(), r.chaincode.as_str()), ("", "cscc"));
        assert!(r.args.is_empty());
        assert!(crate::protocol::UnsignedProposal::new(r).is_ok());
    }

    #[test]
    fn answers() {
        let info = BlockchainInfo {
            height: 9,
            current_block_hash: vec![1; 32],
            previous_block_hash: vec![2; 32],
            bootstrapping_snapshot_info: Some(BootstrappingSnapshotInfo {
                last_block_in_snapshot: 4,
            }),
        };
        let got = chain_info(&ok(info.encode_to_vec()), "p").ok();
        assert_eq!(got.as_ref().map(|i| i.height), Some(9));
        assert_eq!(got.and_then(|i| i.bootstrapped_from_snapshot_at), Some(4));
        assert!(chain_info(&ok(vec![0xff]), "p").is_err());
        match chain_info(&failed("access denied"), "peer0 (localhost:1)") {
            Err(Error::Protocol { endpoint, message }) => {
                assert_eq!(endpoint, "peer0 (localhost:1)");
                assert!(message.contains("access denied"), "{message}");
            }
            other => panic!("{other:?}"),
        }

        assert_eq!(
            block(&failed("no such block number [9] in index"), "p"),
            Ok(None)
        );
        assert!(block(&failed("channel 'nochannel' not found"), "p").is_err());
        assert!(block(&failed("access denied"), "p").is_err());
        assert!(block(&ok(Block::default().encode_to_vec()), "p").is_err());
        assert!(block(&ok(vec![0x0a, 0xff]), "p").is_err());

        assert_eq!(
            processed_transaction(&failed("no such transaction ID [x] in index"), "p"),
            Ok(None)
        );
        let tx = ProcessedTransaction {
            transaction_envelope: Some(Envelope::default()),
            validation_code: 0,
        };
        let got = processed_transaction(&ok(tx.encode_to_vec()), "p");
        assert_eq!(
            got.ok().flatten().map(|t| t.validation_code_name()),
            Some("VALID".to_owned())
        );

        let list = ChannelQueryResponse {
            channels: vec![ChannelInfo {
                channel_id: "mychannel".into(),
            }],
        };
        assert_eq!(
            channels(&ok(list.encode_to_vec()), "p"),
            Ok(vec!["mychannel".to_owned()])
        );
        assert!(channels(&failed("access denied"), "p").is_err());
    }
}
