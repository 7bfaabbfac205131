//! Blocks for people: [`decode_block`] reads a `common.Block` down to each transaction's call,
//! read/write set, event and endorsers; [`DecodedBlock::to_json`] renders it.

use std::collections::HashMap;
use std::time::{Duration, UNIX_EPOCH};

use base64ct::{Base64, Encoding};
use prost::Message;
use serde::Serialize;

use crate::crypto::hex;
use crate::error::{Error, Result};
use crate::identity::Certificate;
use crate::proto::common::{
    Block, BlockHeader, ChannelHeader, ConfigEnvelope, ConfigGroup, Envelope, HeaderType,
    LastConfig, Metadata, OrdererBlockMetadata, Payload, SignatureHeader,
};
use crate::proto::kvrwset::{
    range_query_info::ReadsInfo, HashedRwSet, KvMetadataEntry, KvRead, KvrwSet, Version,
};
use crate::proto::msp::SerializedIdentity;
use crate::proto::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEvent, ChaincodeInvocationSpec,
    ChaincodeProposalPayload, ProposalResponsePayload, Transaction,
};
use crate::proto::rwset::TxReadWriteSet;
use crate::protocol::validation_code_name;

/// How a [`Data`] value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DataEncoding {
    /// The bytes are valid UTF-8 and `value` is that text.
    Utf8,
    /// The bytes are not valid UTF-8; `value` is their standard base64 (with padding).
    Base64,
}

/// Bytes meant to be read (an argument, a value, a payload): text when they are UTF-8, base64
/// otherwise, saying which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Data {
    /// How `value` is written.
    pub encoding: DataEncoding,
    /// The text, or the base64 of the bytes.
    pub value: String,
}

impl Data {
    /// Renders `bytes`.
    pub fn new(bytes: &[u8]) -> Data {
        match std::str::from_utf8(bytes) {
            Ok(text) => Data {
                encoding: DataEncoding::Utf8,
                value: text.to_owned(),
            },
            Err(_) => Data {
                encoding: DataEncoding::Base64,
                value: Base64::encode_string(bytes),
            },
        }
    }

    /// The text, when the bytes were UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        (self.encoding == DataEncoding::Utf8).then_some(self.value.as_str())
    }

    /// The original bytes (empty if a base64 value was tampered with).
    pub fn to_bytes(&self) -> Vec<u8> {
        match self.encoding {
            DataEncoding::Utf8 => self.value.as_bytes().to_vec(),
            DataEncoding::Base64 => Base64::decode_vec(&self.value).unwrap_or_default(),
        }
    }
}

/// Who signed something: an MSP ID and the certificate's subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Creator {
    /// The MSP ID, e.g. `Org1MSP`.
    pub msp_id: String,
    /// The certificate's subject as RFC 4514 text (e.g. `CN=User1@org1.example.com,OU=client`);
    /// `null` when the identity is not an X.509 certificate this crate can read.
    pub subject: Option<String>,
}

/// A key version: the block and the transaction inside it that last wrote the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct KeyVersion {
    /// The block number.
    pub block: u64,
    /// The transaction's index in the block.
    pub tx: u64,
}

/// A key read during simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Read {
    /// The key (composite keys keep their `\u0000` separators).
    pub key: String,
    /// The version read; `null` when the key did not exist.
    pub version: Option<KeyVersion>,
}

/// The Merkle summary that stands in for a range query's reads when there are many.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RangeQueryMerkle {
    /// The tree's maximum degree.
    pub max_degree: u32,
    /// The level the hashes are at.
    pub max_level: u32,
    /// The hashes at that level, hex.
    pub max_level_hashes: Vec<String>,
}

/// A range query run during simulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RangeQuery {
    /// The first key (inclusive).
    pub start_key: String,
    /// The end key (exclusive).
    pub end_key: String,
    /// Whether the chaincode read the iterator to its end.
    pub exhausted: bool,
    /// The keys it returned, with their versions (empty when summarized by `merkle`).
    pub reads: Vec<Read>,
    /// The summary of the reads when there were too many to list.
    pub merkle: Option<RangeQueryMerkle>,
}

/// A key written or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Write {
    /// The key.
    pub key: String,
    /// Whether the key is deleted.
    pub is_delete: bool,
    /// The value written; `null` for a delete.
    pub value: Option<Data>,
}

/// One entry of key metadata (e.g. `VALIDATION_PARAMETER` for state-based endorsement).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetadataEntry {
    /// The entry's name.
    pub name: String,
    /// Its value.
    pub value: Data,
}

/// Metadata written for a key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MetadataWrite {
    /// The key (for a private collection: the key's hash, hex).
    pub key: String,
    /// The entries written.
    pub entries: Vec<MetadataEntry>,
}

/// A private-data key read, as the block holds it: hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashedRead {
    /// The key's hash, hex.
    pub key_hash: String,
    /// The version read; `null` when the key did not exist.
    pub version: Option<KeyVersion>,
}

/// A private-data key written, as the block holds it: hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashedWrite {
    /// The key's hash, hex.
    pub key_hash: String,
    /// Whether the key is deleted.
    pub is_delete: bool,
    /// Whether the key is purged (its history removed from private data stores).
    pub is_purge: bool,
    /// The value's hash, hex (empty for a delete).
    pub value_hash: String,
}

/// What a transaction did in one private data collection, as the block holds it: hashes only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrivateCollection {
    /// The collection's name.
    pub collection: String,
    /// The hash of the private read/write set the collection's members store, hex.
    pub pvt_rwset_hash: String,
    /// Keys read.
    pub hashed_reads: Vec<HashedRead>,
    /// Keys written or deleted.
    pub hashed_writes: Vec<HashedWrite>,
    /// Key metadata written (keys as hex hashes).
    pub metadata_writes: Vec<MetadataWrite>,
}

/// What a transaction read and wrote in one chaincode namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NsRwSet {
    /// The namespace: the chaincode name, or `_lifecycle` and the like.
    pub namespace: String,
    /// Keys read.
    pub reads: Vec<Read>,
    /// Range queries run.
    pub range_queries: Vec<RangeQuery>,
    /// Keys written or deleted.
    pub writes: Vec<Write>,
    /// Key metadata written.
    pub metadata_writes: Vec<MetadataWrite>,
    /// Private data collections touched (hashes).
    pub collections: Vec<PrivateCollection>,
}

/// The chaincode's response, as endorsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodedResponse {
    /// The status, e.g. 200.
    pub status: i32,
    /// The message (usually empty on success).
    pub message: String,
    /// The payload the chaincode returned.
    pub payload: Data,
}

/// A chaincode event set by the transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodedEvent {
    /// The chaincode that set it.
    pub chaincode_id: String,
    /// The event's name.
    pub name: String,
    /// Its payload.
    pub payload: Data,
}

/// One chaincode call of an endorser transaction, with what it did and who endorsed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodedAction {
    /// The chaincode called.
    pub chaincode: String,
    /// The chaincode definition's version the endorsers ran, when they said.
    pub chaincode_version: Option<String>,
    /// The function (`args[0]`); `null` when the call had no arguments.
    pub function: Option<Data>,
    /// The arguments after the function.
    pub args: Vec<Data>,
    /// Whether the call was the chaincode's initialization.
    pub is_init: bool,
    /// The chaincode's response.
    pub response: Option<DecodedResponse>,
    /// The read/write set, per namespace.
    pub rwsets: Vec<NsRwSet>,
    /// The chaincode event, if one was set.
    pub event: Option<DecodedEvent>,
    /// The endorsers.
    pub endorsers: Vec<Creator>,
}

/// A summary of a configuration transaction's channel configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodedConfig {
    /// The configuration's sequence number.
    pub sequence: u64,
    /// The application organizations (MSP group names), sorted.
    pub application_orgs: Vec<String>,
    /// The orderer organizations, sorted.
    pub orderer_orgs: Vec<String>,
}

/// One transaction of a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodedTransaction {
    /// Its index in the block.
    pub index: usize,
    /// The transaction id (empty for configuration transactions that carry none).
    pub tx_id: String,
    /// The header type's name: `ENDORSER_TRANSACTION`, `CONFIG`, … (`UNKNOWN(n)` otherwise).
    pub header_type: String,
    /// The channel.
    pub channel: String,
    /// The creator's timestamp, RFC 3339 in UTC.
    pub timestamp: Option<String>,
    /// Who created (signed) the transaction.
    pub creator: Option<Creator>,
    /// The validation code the committing peer gave (0: valid); `null` when the block carries
    /// no codes (blocks fresh from an orderer).
    pub validation_code: Option<i32>,
    /// The validation code's name, e.g. `VALID`, `MVCC_READ_CONFLICT`.
    pub validation_code_name: Option<String>,
    /// The chaincode calls (endorser transactions have one).
    pub actions: Vec<DecodedAction>,
    /// The channel configuration (configuration transactions).
    pub config: Option<DecodedConfig>,
    /// Why the transaction could not be decoded: only for entries the committing peers marked
    /// invalid (a malformed entry marked valid makes the whole block an error).
    pub malformed: Option<String>,
}

/// What a block's metadata says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodedMetadata {
    /// The number of the last configuration block, as the orderer recorded it.
    pub last_config: Option<u64>,
    /// The validation code of each transaction, in order (empty when the block carries none).
    pub validation_codes: Vec<u8>,
    /// The orderers that signed the block.
    pub signers: Vec<Creator>,
    /// The peer's commit hash, hex, when present.
    pub commit_hash: Option<String>,
}

/// A block, decoded for people.
///
/// # JSON rendering ([`DecodedBlock::to_json`])
///
/// The field names of the decoded structures are the JSON field names, and they are stable: new
/// fields may be added, existing ones keep their name and meaning. Byte strings that are
/// meant to be read (arguments, values, payloads) are [`Data`] objects,
/// `{"encoding": "utf8" | "base64", "value": "..."}`: the text when the bytes are valid UTF-8,
/// standard base64 (with padding) otherwise. Hashes are lowercase hex strings. Absent optional
/// values are `null`. Timestamps are RFC 3339 in UTC (`2024-05-01T12:00:00.123456789Z`).
///
/// ```json
/// {"number": 5, "hash": "…", "previous_hash": "…", "data_hash": "…",
///  "metadata": {"last_config": 0, "validation_codes": [0], "signers": [...], "commit_hash": "…"},
///  "transactions": [{"index": 0, "tx_id": "…", "header_type": "ENDORSER_TRANSACTION",
///    "channel": "mychannel", "timestamp": "…", "creator": {"msp_id": "Org1MSP", "subject": "CN=…"},
///    "validation_code": 0, "validation_code_name": "VALID",
///    "actions": [{"chaincode": "kv", "chaincode_version": "1.0",
///      "function": {"encoding": "utf8", "value": "put"}, "args": [...], "is_init": false,
///      "response": {"status": 200, "message": "", "payload": {...}},
///      "rwsets": [{"namespace": "kv", "reads": [...], "range_queries": [...], "writes": [...],
///                  "metadata_writes": [...], "collections": [...]}],
///      "event": null, "endorsers": [{"msp_id": "Org1MSP", "subject": "CN=peer0…"}]}],
///    "config": null, "malformed": null}]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecodedBlock {
    /// The block number.
    pub number: u64,
    /// The block's header hash, hex: what the next block's `previous_hash` holds and what
    /// qscc `GetBlockByHash` takes.
    pub hash: String,
    /// The previous block's header hash, hex.
    pub previous_hash: String,
    /// The hash of the block's data, hex.
    pub data_hash: String,
    /// The metadata.
    pub metadata: DecodedMetadata,
    /// The transactions, in order.
    pub transactions: Vec<DecodedTransaction>,
}

impl DecodedBlock {
    /// The block as JSON (see [`DecodedBlock`] for the field names).
    pub fn to_json(&self) -> String {
        to_json(self)
    }

    /// The block as a JSON value.
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_else(|e| json_failure(&e))
    }

    /// The transaction with this id.
    pub fn transaction(&self, tx_id: &str) -> Option<&DecodedTransaction> {
        self.transactions.iter().find(|t| t.tx_id == tx_id)
    }
}

impl DecodedTransaction {
    /// The transaction as JSON.
    pub fn to_json(&self) -> String {
        to_json(self)
    }
}

// Serializing these structures cannot fail (no maps, no floats); should it ever, the JSON says
// so rather than the program stopping.
fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| json_failure(&e).to_string())
}

fn json_failure(e: &serde_json::Error) -> serde_json::Value {
    serde_json::json!({ "error": format!("cannot render as JSON: {e}") })
}

/// The header hash of a block: SHA-256 of the DER `SEQUENCE{INTEGER number, OCTET STRING
/// previous_hash, OCTET STRING data_hash}`, as Fabric computes it (the next block's
/// `previous_hash`; the key of qscc `GetBlockByHash`).
pub fn block_header_hash(header: &BlockHeader) -> [u8; 32] {
    let mut body = Vec::with_capacity(80);
    let number = header.number.to_be_bytes();
    let first = number
        .iter()
        .position(|b| *b != 0)
        .unwrap_or(number.len() - 1);
    let mut integer = number[first..].to_vec();
    if integer[0] & 0x80 != 0 {
        integer.insert(0, 0);
    }
    der_item(&mut body, 0x02, &integer);
    der_item(&mut body, 0x04, &header.previous_hash);
    der_item(&mut body, 0x04, &header.data_hash);
    let mut der = Vec::with_capacity(body.len() + 4);
    der_item(&mut der, 0x30, &body);
    crate::crypto::sha256(&der)
}

fn der_item(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let first = bytes
            .iter()
            .position(|b| *b != 0)
            .unwrap_or(bytes.len() - 1);
        out.push(0x80 | (bytes.len() - first) as u8);
        out.extend_from_slice(&bytes[first..]);
    }
    out.extend_from_slice(content);
}

/// The identities seen in one block, decoded once each (a block's transactions are mostly
/// signed and endorsed by the same few certificates).
#[derive(Default)]
struct Identities(HashMap<Vec<u8>, Creator>);

impl Identities {
    fn creator(&mut self, serialized: &[u8]) -> std::result::Result<Creator, String> {
        if let Some(c) = self.0.get(serialized) {
            return Ok(c.clone());
        }
        let id = SerializedIdentity::decode(serialized)
            .map_err(|e| format!("identity is not a SerializedIdentity: {e}"))?;
        let creator = Creator {
            msp_id: id.mspid,
            subject: Certificate::from_bytes(&id.id_bytes)
                .ok()
                .map(|c| c.subject().to_owned()),
        };
        self.0.insert(serialized.to_vec(), creator.clone());
        Ok(creator)
    }
}

/// Decodes a block for people: its header and hash, metadata, and every transaction down to
/// its call, read/write set, event and endorsers (see [`DecodedBlock`]).
///
/// A data entry that does not decode is reported in its transaction's `malformed` field when
/// the committing peers marked it invalid (such entries are legitimately in blocks).
///
/// Errors: [`Error::Protocol`] (endpoint `block N`) for a block without a header, metadata that
/// does not decode, or a transaction that does not decode although it is marked valid or the
/// block carries no validation codes.
pub fn decode_block(block: &Block) -> Result<DecodedBlock> {
    let header = block.header.as_ref().ok_or_else(|| Error::Protocol {
        endpoint: "block".into(),
        message: "the block has no header".into(),
    })?;
    let number = header.number;
    let bad = |message: String| Error::Protocol {
        endpoint: format!("block {number}"),
        message,
    };
    let mut ids = Identities::default();
    let metadata = decode_metadata(block, &mut ids).map_err(bad)?;
    let data = block
        .data
        .as_ref()
        .map(|d| d.data.as_slice())
        .unwrap_or(&[]);
    let mut transactions = Vec::with_capacity(data.len());
    for (index, entry) in data.iter().enumerate() {
        let code = metadata.validation_codes.get(index).map(|c| i32::from(*c));
        let tx = match decode_entry(entry, index, code, &mut ids) {
            Ok(tx) => tx,
            Err(why) if code.is_some_and(|c| c != 0) => malformed(index, code, why),
            Err(why) => return Err(bad(format!("transaction {index}: {why}"))),
        };
        transactions.push(tx);
    }
    Ok(DecodedBlock {
        number,
        hash: hex(&block_header_hash(header)),
        previous_hash: hex(&header.previous_hash),
        data_hash: hex(&header.data_hash),
        metadata,
        transactions,
    })
}

/// Decodes one transaction envelope as [`decode_block`] decodes each of a block's, given its
/// index in the block and validation code when known (e.g. from qscc `GetTransactionByID`).
///
/// Errors: [`Error::Protocol`] (endpoint `transaction`) when the envelope does not decode.
pub fn decode_envelope(
    envelope: &Envelope,
    index: usize,
    code: Option<i32>,
) -> Result<DecodedTransaction> {
    decode_payload(&envelope.payload, index, code, &mut Identities::default()).map_err(|message| {
        Error::Protocol {
            endpoint: "transaction".into(),
            message,
        }
    })
}

fn malformed(index: usize, code: Option<i32>, why: String) -> DecodedTransaction {
    DecodedTransaction {
        index,
        tx_id: String::new(),
        header_type: String::new(),
        channel: String::new(),
        timestamp: None,
        creator: None,
        validation_code: code,
        validation_code_name: code.map(validation_code_name),
        actions: Vec::new(),
        config: None,
        malformed: Some(why),
    }
}

fn decode_metadata(
    block: &Block,
    ids: &mut Identities,
) -> std::result::Result<DecodedMetadata, String> {
    let entries = block
        .metadata
        .as_ref()
        .map(|m| m.metadata.as_slice())
        .unwrap_or(&[]);
    let entry = |i: usize| entries.get(i).filter(|e| !e.is_empty());
    let mut last_config = None;
    let mut signers = Vec::new();
    if let Some(bytes) = entry(0) {
        let signatures = Metadata::decode(bytes.as_slice())
            .map_err(|e| format!("SIGNATURES metadata does not decode: {e}"))?;
        if !signatures.value.is_empty() {
            let value = OrdererBlockMetadata::decode(signatures.value.as_slice())
                .map_err(|e| format!("OrdererBlockMetadata does not decode: {e}"))?;
            last_config = value.last_config.map(|l| l.index);
        }
        for s in &signatures.signatures {
            let header = SignatureHeader::decode(s.signature_header.as_slice())
                .map_err(|e| format!("a block signature's header does not decode: {e}"))?;
            // BFT signatures name the signer by consenter id, with no creator.
            if !header.creator.is_empty() {
                signers.push(ids.creator(&header.creator)?);
            }
        }
    }
    // Deprecated LAST_CONFIG, still written; older blocks carry only this one.
    if last_config.is_none() {
        last_config = entry(1)
            .and_then(|b| Metadata::decode(b.as_slice()).ok())
            .and_then(|m| LastConfig::decode(m.value.as_slice()).ok())
            .map(|l| l.index);
    }
    Ok(DecodedMetadata {
        last_config,
        validation_codes: entry(2).cloned().unwrap_or_default(),
        signers,
        commit_hash: entry(4)
            .and_then(|b| Metadata::decode(b.as_slice()).ok())
            .map(|m| hex(&m.value)),
    })
}

fn decode_entry(
    entry: &[u8],
    index: usize,
    code: Option<i32>,
    ids: &mut Identities,
) -> std::result::Result<DecodedTransaction, String> {
    let envelope =
        Envelope::decode(entry).map_err(|e| format!("the entry is not an Envelope: {e}"))?;
    decode_payload(&envelope.payload, index, code, ids)
}

fn decode_payload(
    payload: &[u8],
    index: usize,
    code: Option<i32>,
    ids: &mut Identities,
) -> std::result::Result<DecodedTransaction, String> {
    let payload =
        Payload::decode(payload).map_err(|e| format!("the payload does not decode: {e}"))?;
    let header = payload.header.ok_or("the payload has no header")?;
    let channel_header = ChannelHeader::decode(header.channel_header.as_slice())
        .map_err(|e| format!("the channel header does not decode: {e}"))?;
    let signature_header = SignatureHeader::decode(header.signature_header.as_slice())
        .map_err(|e| format!("the signature header does not decode: {e}"))?;
    let creator = if signature_header.creator.is_empty() {
        None
    } else {
        Some(ids.creator(&signature_header.creator)?)
    };
    let kind = HeaderType::try_from(channel_header.r#type);
    let mut tx = DecodedTransaction {
        index,
        tx_id: channel_header.tx_id,
        header_type: match kind {
            Ok(k) => k.as_str_name().to_owned(),
            Err(_) => format!("UNKNOWN({})", channel_header.r#type),
        },
        channel: channel_header.channel_id,
        timestamp: channel_header.timestamp.as_ref().and_then(rfc3339),
        creator,
        validation_code: code,
        validation_code_name: code.map(validation_code_name),
        actions: Vec::new(),
        config: None,
        malformed: None,
    };
    match kind {
        Ok(HeaderType::EndorserTransaction) => {
            let transaction = Transaction::decode(payload.data.as_slice())
                .map_err(|e| format!("the Transaction does not decode: {e}"))?;
            for (i, action) in transaction.actions.iter().enumerate() {
                let decoded =
                    decode_action(&action.payload, ids).map_err(|e| format!("action {i}: {e}"))?;
                tx.actions.push(decoded);
            }
        }
        Ok(HeaderType::Config) => {
            let envelope = ConfigEnvelope::decode(payload.data.as_slice())
                .map_err(|e| format!("the ConfigEnvelope does not decode: {e}"))?;
            if let Some(config) = envelope.config {
                let orgs = |name: &str| -> Vec<String> {
                    let group = config
                        .channel_group
                        .as_ref()
                        .and_then(|g| g.groups.get(name));
                    sorted_keys(group)
                };
                tx.config = Some(DecodedConfig {
                    sequence: config.sequence,
                    application_orgs: orgs("Application"),
                    orderer_orgs: orgs("Orderer"),
                });
            }
        }
        _ => {}
    }
    Ok(tx)
}

fn sorted_keys(group: Option<&ConfigGroup>) -> Vec<String> {
    let mut keys: Vec<String> = group
        .map(|g| g.groups.keys().cloned().collect())
        .unwrap_or_default();
    keys.sort();
    keys
}

fn decode_action(
    payload: &[u8],
    ids: &mut Identities,
) -> std::result::Result<DecodedAction, String> {
    let action_payload = ChaincodeActionPayload::decode(payload)
        .map_err(|e| format!("the ChaincodeActionPayload does not decode: {e}"))?;
    let proposal_payload =
        ChaincodeProposalPayload::decode(action_payload.chaincode_proposal_payload.as_slice())
            .map_err(|e| format!("the ChaincodeProposalPayload does not decode: {e}"))?;
    let invocation = ChaincodeInvocationSpec::decode(proposal_payload.input.as_slice())
        .map_err(|e| format!("the ChaincodeInvocationSpec does not decode: {e}"))?;
    let spec = invocation.chaincode_spec.unwrap_or_default();
    let input = spec.input.unwrap_or_default();
    let mut args = input.args.iter().map(|a| Data::new(a));
    let mut decoded = DecodedAction {
        chaincode: spec.chaincode_id.map(|c| c.name).unwrap_or_default(),
        chaincode_version: None,
        function: args.next(),
        args: args.collect(),
        is_init: input.is_init,
        response: None,
        rwsets: Vec::new(),
        event: None,
        endorsers: Vec::new(),
    };
    let Some(endorsed) = action_payload.action else {
        return Ok(decoded);
    };
    for e in &endorsed.endorsements {
        decoded.endorsers.push(ids.creator(&e.endorser)?);
    }
    let prp = ProposalResponsePayload::decode(endorsed.proposal_response_payload.as_slice())
        .map_err(|e| format!("the ProposalResponsePayload does not decode: {e}"))?;
    let action = ChaincodeAction::decode(prp.extension.as_slice())
        .map_err(|e| format!("the ChaincodeAction does not decode: {e}"))?;
    if let Some(id) = action.chaincode_id {
        if decoded.chaincode.is_empty() {
            decoded.chaincode = id.name;
        }
        decoded.chaincode_version = (!id.version.is_empty()).then_some(id.version);
    }
    decoded.response = action.response.map(|r| DecodedResponse {
        status: r.status,
        message: r.message,
        payload: Data::new(&r.payload),
    });
    if !action.events.is_empty() {
        let event = ChaincodeEvent::decode(action.events.as_slice())
            .map_err(|e| format!("the ChaincodeEvent does not decode: {e}"))?;
        decoded.event = Some(DecodedEvent {
            chaincode_id: event.chaincode_id,
            name: event.event_name,
            payload: Data::new(&event.payload),
        });
    }
    decoded.rwsets = decode_rwsets(&action.results)?;
    Ok(decoded)
}

fn version(v: Option<Version>) -> Option<KeyVersion> {
    v.map(|v| KeyVersion {
        block: v.block_num,
        tx: v.tx_num,
    })
}

fn read(r: KvRead) -> Read {
    Read {
        key: r.key,
        version: version(r.version),
    }
}

fn metadata_entries(entries: Vec<KvMetadataEntry>) -> Vec<MetadataEntry> {
    entries
        .into_iter()
        .map(|e| MetadataEntry {
            name: e.name,
            value: Data::new(&e.value),
        })
        .collect()
}

fn decode_rwsets(results: &[u8]) -> std::result::Result<Vec<NsRwSet>, String> {
    let tx = TxReadWriteSet::decode(results)
        .map_err(|e| format!("the TxReadWriteSet does not decode: {e}"))?;
    let mut sets = Vec::with_capacity(tx.ns_rwset.len());
    for ns in tx.ns_rwset {
        let kv = KvrwSet::decode(ns.rwset.as_slice()).map_err(|e| {
            format!(
                "the KVRWSet of namespace {} does not decode: {e}",
                ns.namespace
            )
        })?;
        let range_queries = kv
            .range_queries_info
            .into_iter()
            .map(|q| {
                let (reads, merkle) = match q.reads_info {
                    Some(ReadsInfo::RawReads(r)) => {
                        (r.kv_reads.into_iter().map(read).collect(), None)
                    }
                    Some(ReadsInfo::ReadsMerkleHashes(m)) => (
                        Vec::new(),
                        Some(RangeQueryMerkle {
                            max_degree: m.max_degree,
                            max_level: m.max_level,
                            max_level_hashes: m.max_level_hashes.iter().map(|h| hex(h)).collect(),
                        }),
                    ),
                    None => (Vec::new(), None),
                };
                RangeQuery {
                    start_key: q.start_key,
                    end_key: q.end_key,
                    exhausted: q.itr_exhausted,
                    reads,
                    merkle,
                }
            })
            .collect();
        let mut collections = Vec::with_capacity(ns.collection_hashed_rwset.len());
        for c in ns.collection_hashed_rwset {
            let hashed = HashedRwSet::decode(c.hashed_rwset.as_slice()).map_err(|e| {
                format!(
                    "the hashed read/write set of collection {} does not decode: {e}",
                    c.collection_name
                )
            })?;
            collections.push(PrivateCollection {
                collection: c.collection_name,
                pvt_rwset_hash: hex(&c.pvt_rwset_hash),
                hashed_reads: hashed
                    .hashed_reads
                    .into_iter()
                    .map(|r| HashedRead {
                        key_hash: hex(&r.key_hash),
                        version: version(r.version),
                    })
                    .collect(),
                hashed_writes: hashed
                    .hashed_writes
                    .into_iter()
                    .map(|w| HashedWrite {
                        key_hash: hex(&w.key_hash),
                        is_delete: w.is_delete,
                        is_purge: w.is_purge,
                        value_hash: hex(&w.value_hash),
                    })
                    .collect(),
                metadata_writes: hashed
                    .metadata_writes
                    .into_iter()
                    .map(|m| MetadataWrite {
                        key: hex(&m.key_hash),
                        entries: metadata_entries(m.entries),
                    })
                    .collect(),
            });
        }
        sets.push(NsRwSet {
            namespace: ns.namespace,
            reads: kv.reads.into_iter().map(read).collect(),
            range_queries,
            writes: kv
                .writes
                .into_iter()
                .map(|w| Write {
                    key: w.key,
                    is_delete: w.is_delete,
                    value: (!w.is_delete).then(|| Data::new(&w.value)),
                })
                .collect(),
            metadata_writes: kv
                .metadata_writes
                .into_iter()
                .map(|m| MetadataWrite {
                    key: m.key,
                    entries: metadata_entries(m.entries),
                })
                .collect(),
            collections,
        });
    }
    Ok(sets)
}

/// RFC 3339 in UTC with the nanoseconds when there are any; `None` for a timestamp out of
/// range.
fn rfc3339(t: &prost_types::Timestamp) -> Option<String> {
    let secs = Duration::from_secs(t.seconds.unsigned_abs());
    let at = if t.seconds >= 0 {
        UNIX_EPOCH.checked_add(secs)?
    } else {
        UNIX_EPOCH.checked_sub(secs)?
    };
    let text = crate::identity::time::rfc3339(at);
    match t.nanos {
        1..=999_999_999 => {
            let fraction = format!("{:09}", t.nanos);
            let fraction = fraction.trim_end_matches('0');
            Some(format!("{}.{fraction}Z", text.trim_end_matches('Z')))
        }
        _ => Some(text),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::identity::Identity;
    use crate::proto::common::{BlockData, BlockMetadata, Config, Header, MetadataSignature};
    use crate::proto::kvrwset::{
        KvMetadataWrite, KvReadHash, KvWrite, KvWriteHash, QueryReads, QueryReadsMerkleSummary,
        RangeQueryInfo,
    };
    use crate::proto::peer::{ChaincodeId, Endorsement, ProposalResponse, Response};
    use crate::proto::rwset::{CollectionHashedReadWriteSet, NsReadWriteSet};
    use crate::protocol::{
        check_endorsements, PeerTarget, ProposalRequest, UnsignedProposal, UnsignedTransaction,
    };

    const CHANNEL: &str = "mychannel";

    fn identity() -> Identity {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/msp");
        Identity::from_msp_dir("Org1MSP", dir, None).unwrap()
    }

    fn version(block: u64, tx: u64) -> Option<Version> {
        Some(Version {
            block_num: block,
            tx_num: tx,
        })
    }

    fn ns(namespace: &str, kv: KvrwSet) -> NsReadWriteSet {
        NsReadWriteSet {
            namespace: namespace.into(),
            rwset: kv.encode_to_vec(),
            collection_hashed_rwset: Vec::new(),
        }
    }

    /// An endorser transaction built the way a submit builds it: proposal, one endorsement
    /// carrying `rwset` and `event`, envelope.
    fn endorser_tx(
        id: &Identity,
        function: &str,
        args: Vec<Vec<u8>>,
        rwset: Vec<NsReadWriteSet>,
        event: Option<ChaincodeEvent>,
    ) -> (String, Vec<u8>) {
        let request = ProposalRequest::new(CHANNEL, "kv", function, id.serialized()).args(args);
        let proposal = UnsignedProposal::new(request).unwrap();
        let action = ChaincodeAction {
            results: TxReadWriteSet {
                data_model: 0,
                ns_rwset: rwset,
            }
            .encode_to_vec(),
            events: event.map(|e| e.encode_to_vec()).unwrap_or_default(),
            response: Some(Response {
                status: 200,
                message: String::new(),
                payload: b"ok".to_vec(),
            }),
            chaincode_id: Some(ChaincodeId {
                name: "kv".into(),
                version: "1.0".into(),
                ..Default::default()
            }),
        };
        let payload = ProposalResponsePayload {
            proposal_hash: proposal.proposal_hash().to_vec(),
            extension: action.encode_to_vec(),
        }
        .encode_to_vec();
        let answer = ProposalResponse {
            version: 1,
            response: action.response.clone(),
            payload,
            endorsement: Some(Endorsement {
                endorser: id.serialized(),
                signature: vec![0x30; 70],
            }),
            ..Default::default()
        };
        let endorsed = check_endorsements(
            &proposal,
            vec![(PeerTarget::new("peer0", "localhost:1"), Ok(answer))],
            false,
        )
        .unwrap();
        let tx = UnsignedTransaction::new(&proposal, &endorsed).unwrap();
        let signature = id.sign(tx.bytes()).unwrap();
        (
            proposal.tx_id().to_owned(),
            tx.signed(signature).encode_to_vec(),
        )
    }

    fn config_tx(id: &Identity) -> Vec<u8> {
        let group = |children: &[&str]| ConfigGroup {
            groups: children
                .iter()
                .map(|c| ((*c).to_owned(), ConfigGroup::default()))
                .collect(),
            ..Default::default()
        };
        let mut channel = ConfigGroup::default();
        channel
            .groups
            .insert("Application".into(), group(&["Org2MSP", "Org1MSP"]));
        channel
            .groups
            .insert("Orderer".into(), group(&["OrdererMSP"]));
        let header = Header {
            channel_header: ChannelHeader {
                r#type: HeaderType::Config as i32,
                channel_id: CHANNEL.into(),
                timestamp: Some(prost_types::Timestamp {
                    seconds: 1_700_000_000,
                    nanos: 120_000_000,
                }),
                ..Default::default()
            }
            .encode_to_vec(),
            signature_header: SignatureHeader {
                creator: id.serialized(),
                nonce: vec![1; 24],
            }
            .encode_to_vec(),
        };
        let payload = Payload {
            header: Some(header),
            data: ConfigEnvelope {
                config: Some(Config {
                    sequence: 3,
                    channel_group: Some(channel),
                }),
                last_update: None,
            }
            .encode_to_vec(),
        };
        Envelope {
            payload: payload.encode_to_vec(),
            signature: vec![0x30; 70],
        }
        .encode_to_vec()
    }

    fn block(number: u64, entries: Vec<Vec<u8>>, codes: Option<Vec<u8>>, id: &Identity) -> Block {
        let signatures = Metadata {
            value: OrdererBlockMetadata {
                last_config: Some(LastConfig { index: 0 }),
                consenter_metadata: Vec::new(),
            }
            .encode_to_vec(),
            signatures: vec![MetadataSignature {
                signature_header: SignatureHeader {
                    creator: id.serialized(),
                    nonce: vec![2; 24],
                }
                .encode_to_vec(),
                signature: vec![0x30; 70],
                identifier_header: Vec::new(),
            }],
        };
        let mut metadata = vec![signatures.encode_to_vec(), Vec::new()];
        if let Some(codes) = codes {
            metadata.push(codes);
        }
        Block {
            header: Some(BlockHeader {
                number,
                previous_hash: vec![0xaa; 32],
                data_hash: crate::crypto::sha256(&entries.concat()).to_vec(),
            }),
            data: Some(BlockData { data: entries }),
            metadata: Some(BlockMetadata { metadata }),
        }
    }

    /// A block of five endorser transactions: a put, a delete, a range read (one raw, one
    /// summarized), an event with non-UTF-8 arguments, a private-data write.
    fn endorser_block(id: &Identity) -> (Vec<String>, Block) {
        let mut ids = Vec::new();
        let mut entries = Vec::new();
        let mut push = |(tx_id, entry): (String, Vec<u8>)| {
            ids.push(tx_id);
            entries.push(entry);
        };
        let lifecycle = ns(
            "_lifecycle",
            KvrwSet {
                reads: vec![KvRead {
                    key: "namespaces/fields/kv/Sequence".into(),
                    version: version(3, 0),
                }],
                ..Default::default()
            },
        );
        push(endorser_tx(
            id,
            "put",
            vec![b"k1".to_vec(), b"v1".to_vec()],
            vec![
                lifecycle.clone(),
                ns(
                    "kv",
                    KvrwSet {
                        writes: vec![KvWrite {
                            key: "k1".into(),
                            is_delete: false,
                            value: b"v1".to_vec(),
                        }],
                        metadata_writes: vec![KvMetadataWrite {
                            key: "k1".into(),
                            entries: vec![KvMetadataEntry {
                                name: "VALIDATION_PARAMETER".into(),
                                value: vec![0xff, 0x00],
                            }],
                        }],
                        ..Default::default()
                    },
                ),
            ],
            None,
        ));
        push(endorser_tx(
            id,
            "del",
            vec![b"k2".to_vec()],
            vec![ns(
                "kv",
                KvrwSet {
                    reads: vec![KvRead {
                        key: "k2".into(),
                        version: version(4, 1),
                    }],
                    writes: vec![KvWrite {
                        key: "k2".into(),
                        is_delete: true,
                        value: Vec::new(),
                    }],
                    ..Default::default()
                },
            )],
            None,
        ));
        push(endorser_tx(
            id,
            "range",
            vec![b"a".to_vec(), b"c".to_vec()],
            vec![ns(
                "kv",
                KvrwSet {
                    range_queries_info: vec![
                        RangeQueryInfo {
                            start_key: "a".into(),
                            end_key: "c".into(),
                            itr_exhausted: true,
                            reads_info: Some(ReadsInfo::RawReads(QueryReads {
                                kv_reads: vec![
                                    KvRead {
                                        key: "a".into(),
                                        version: version(2, 0),
                                    },
                                    KvRead {
                                        key: "b".into(),
                                        version: version(5, 3),
                                    },
                                ],
                            })),
                        },
                        RangeQueryInfo {
                            start_key: "x".into(),
                            end_key: "z".into(),
                            itr_exhausted: false,
                            reads_info: Some(ReadsInfo::ReadsMerkleHashes(
                                QueryReadsMerkleSummary {
                                    max_degree: 50,
                                    max_level: 1,
                                    max_level_hashes: vec![vec![0xab; 4]],
                                },
                            )),
                        },
                    ],
                    ..Default::default()
                },
            )],
            None,
        ));
        push(endorser_tx(
            id,
            "event",
            vec![vec![0xff, 0xfe, 0x00], b"payload".to_vec()],
            vec![],
            Some(ChaincodeEvent {
                chaincode_id: "kv".into(),
                tx_id: String::new(),
                event_name: "moved".into(),
                payload: vec![0xc3, 0x28],
            }),
        ));
        let mut private = ns("kv", KvrwSet::default());
        private.collection_hashed_rwset = vec![CollectionHashedReadWriteSet {
            collection_name: "org1Only".into(),
            hashed_rwset: HashedRwSet {
                hashed_reads: vec![KvReadHash {
                    key_hash: vec![0x01; 32],
                    version: None,
                }],
                hashed_writes: vec![KvWriteHash {
                    key_hash: vec![0x02; 32],
                    is_delete: false,
                    value_hash: vec![0x03; 32],
                    is_purge: false,
                }],
                metadata_writes: Vec::new(),
            }
            .encode_to_vec(),
            pvt_rwset_hash: vec![0x04; 32],
        }];
        push(endorser_tx(
            id,
            "putPrivate",
            vec![b"org1Only".to_vec(), b"pk".to_vec()],
            vec![private],
            None,
        ));
        (ids, block(7, entries, Some(vec![0, 0, 11, 0, 0]), id))
    }

    #[test]
    fn endorser_transactions() {
        let id = identity();
        let (ids, block) = endorser_block(&id);
        let decoded = decode_block(&block).unwrap();
        assert_eq!(decoded.number, 7);
        assert_eq!(decoded.previous_hash, "aa".repeat(32));
        assert_eq!(decoded.hash.len(), 64);
        assert_eq!(decoded.metadata.last_config, Some(0));
        assert_eq!(decoded.metadata.validation_codes, [0, 0, 11, 0, 0]);
        assert_eq!(decoded.metadata.signers.len(), 1);
        assert_eq!(decoded.transactions.len(), 5);

        let put = &decoded.transactions[0];
        assert_eq!(put.index, 0);
        assert_eq!(put.tx_id, ids[0]);
        assert_eq!(put.header_type, "ENDORSER_TRANSACTION");
        assert_eq!(put.channel, CHANNEL);
        assert!(put.timestamp.as_deref().is_some_and(|t| t.ends_with('Z')));
        let creator = put.creator.as_ref().unwrap();
        assert_eq!(creator.msp_id, "Org1MSP");
        assert!(creator
            .subject
            .as_deref()
            .is_some_and(|s| s.contains("CN=")));
        assert_eq!(put.validation_code, Some(0));
        assert_eq!(put.validation_code_name.as_deref(), Some("VALID"));
        assert!(put.malformed.is_none() && put.config.is_none());
        let action = &put.actions[0];
        assert_eq!(action.chaincode, "kv");
        assert_eq!(action.chaincode_version.as_deref(), Some("1.0"));
        assert_eq!(action.function.as_ref().and_then(Data::as_str), Some("put"));
        let args: Vec<_> = action.args.iter().map(|a| a.as_str()).collect();
        assert_eq!(args, [Some("k1"), Some("v1")]);
        assert_eq!(action.response.as_ref().map(|r| r.status), Some(200));
        assert_eq!(action.endorsers, std::slice::from_ref(creator));
        assert_eq!(action.rwsets.len(), 2);
        assert_eq!(action.rwsets[0].namespace, "_lifecycle");
        assert_eq!(
            action.rwsets[0].reads[0].version,
            Some(KeyVersion { block: 3, tx: 0 })
        );
        let kv = &action.rwsets[1];
        assert_eq!(kv.writes[0].key, "k1");
        assert!(!kv.writes[0].is_delete);
        assert_eq!(
            kv.writes[0].value.as_ref().and_then(Data::as_str),
            Some("v1")
        );
        let entry = &kv.metadata_writes[0].entries[0];
        assert_eq!(entry.value.encoding, DataEncoding::Base64);
        assert_eq!(entry.value.to_bytes(), [0xff, 0x00]);

        let del = &decoded.transactions[1].actions[0].rwsets[0];
        assert_eq!(del.reads[0].version, Some(KeyVersion { block: 4, tx: 1 }));
        assert!(del.writes[0].is_delete);
        assert_eq!(del.writes[0].value, None);

        let range = &decoded.transactions[2];
        assert_eq!(
            range.validation_code_name.as_deref(),
            Some("MVCC_READ_CONFLICT")
        );
        let queries = &range.actions[0].rwsets[0].range_queries;
        assert_eq!(queries[0].start_key, "a");
        assert!(queries[0].exhausted && queries[0].merkle.is_none());
        assert_eq!(queries[0].reads[1].key, "b");
        let merkle = queries[1].merkle.as_ref().unwrap();
        assert_eq!(merkle.max_level_hashes, ["abababab"]);
        assert!(queries[1].reads.is_empty());

        let event = &decoded.transactions[3].actions[0];
        assert_eq!(event.args[0].encoding, DataEncoding::Base64);
        assert_eq!(event.args[0].to_bytes(), [0xff, 0xfe, 0x00]);
        assert_eq!(event.args[1].as_str(), Some("payload"));
        let ev = event.event.as_ref().unwrap();
        assert_eq!(
            (ev.chaincode_id.as_str(), ev.name.as_str()),
            ("kv", "moved")
        );
        assert_eq!(ev.payload.encoding, DataEncoding::Base64);
        assert!(event.rwsets.is_empty());

        let private = &decoded.transactions[4].actions[0].rwsets[0].collections[0];
        assert_eq!(private.collection, "org1Only");
        assert_eq!(private.pvt_rwset_hash, "04".repeat(32));
        assert_eq!(private.hashed_reads[0].version, None);
        assert_eq!(private.hashed_writes[0].key_hash, "02".repeat(32));
        assert_eq!(private.hashed_writes[0].value_hash, "03".repeat(32));

        assert_eq!(decoded.transaction(&ids[1]).map(|t| t.index), Some(1));
    }

    #[test]
    fn json_rendering() {
        let id = identity();
        let (ids, block) = endorser_block(&id);
        let decoded = decode_block(&block).unwrap();
        let json: serde_json::Value = serde_json::from_str(&decoded.to_json()).unwrap();
        assert_eq!(json, decoded.to_json_value());
        assert_eq!(json["number"], 7);
        assert_eq!(json["metadata"]["validation_codes"][2], 11);
        let tx = &json["transactions"][0];
        assert_eq!(tx["tx_id"], ids[0].as_str());
        assert_eq!(tx["header_type"], "ENDORSER_TRANSACTION");
        assert_eq!(tx["validation_code_name"], "VALID");
        assert_eq!(tx["creator"]["msp_id"], "Org1MSP");
        let action = &tx["actions"][0];
        assert_eq!(action["function"]["encoding"], "utf8");
        assert_eq!(action["function"]["value"], "put");
        assert_eq!(action["args"][1]["value"], "v1");
        assert_eq!(action["rwsets"][1]["writes"][0]["key"], "k1");
        assert_eq!(action["rwsets"][1]["writes"][0]["value"]["value"], "v1");
        assert_eq!(action["event"], serde_json::Value::Null);
        let binary = &json["transactions"][3]["actions"][0]["args"][0];
        assert_eq!(binary["encoding"], "base64");
        assert_eq!(binary["value"], "//4A");
        assert_eq!(
            json["transactions"][1]["actions"][0]["rwsets"][0]["writes"][0]["is_delete"],
            true
        );
        let one: serde_json::Value =
            serde_json::from_str(&decoded.transactions[0].to_json()).unwrap();
        assert_eq!(one["tx_id"], ids[0].as_str());
    }

    #[test]
    fn config_block() {
        let id = identity();
        let block = block(0, vec![config_tx(&id)], Some(vec![0]), &id);
        let decoded = decode_block(&block).unwrap();
        let tx = &decoded.transactions[0];
        assert_eq!(tx.header_type, "CONFIG");
        assert_eq!(tx.timestamp.as_deref(), Some("2023-11-14T22:13:20.12Z"));
        assert!(tx.actions.is_empty());
        let config = tx.config.as_ref().unwrap();
        assert_eq!(config.sequence, 3);
        assert_eq!(config.application_orgs, ["Org1MSP", "Org2MSP"]);
        assert_eq!(config.orderer_orgs, ["OrdererMSP"]);
    }

    #[test]
    fn header_hash() {
        // Number 0 encodes as INTEGER 0 (one zero byte); 128 needs a leading zero byte.
        let h = |number: u64| BlockHeader {
            number,
            previous_hash: vec![1; 32],
            data_hash: vec![2; 32],
        };
        let der = |n: &[u8]| {
            let mut body = vec![0x02, n.len() as u8];
            body.extend_from_slice(n);
            body.extend_from_slice(&[0x04, 32]);
            body.extend_from_slice(&[1; 32]);
            body.extend_from_slice(&[0x04, 32]);
            body.extend_from_slice(&[2; 32]);
            let mut der = vec![0x30, body.len() as u8];
            der.extend(body);
            crate::crypto::sha256(&der)
        };
        assert_eq!(block_header_hash(&h(0)), der(&[0]));
        assert_eq!(block_header_hash(&h(127)), der(&[127]));
        assert_eq!(block_header_hash(&h(128)), der(&[0, 128]));
        assert_eq!(block_header_hash(&h(256)), der(&[1, 0]));
        // Long-form lengths for hashes of unusual size.
        let long = BlockHeader {
            number: 1,
            previous_hash: vec![0; 200],
            data_hash: Vec::new(),
        };
        assert_eq!(block_header_hash(&long).len(), 32);
    }

    #[test]
    fn malformed_blocks() {
        let id = identity();
        let bad = |r: Result<DecodedBlock>| match r {
            Err(Error::Protocol { endpoint, message }) => (endpoint, message),
            other => panic!("{other:?}"),
        };
        assert_eq!(bad(decode_block(&Block::default())).0, "block");

        // Garbage marked valid, or with no codes at all: an error naming the block and entry.
        let garbage = vec![0x0a, 0x05, 0xff];
        let (endpoint, message) = bad(decode_block(&block(
            9,
            vec![garbage.clone()],
            Some(vec![0]),
            &id,
        )));
        assert_eq!(endpoint, "block 9");
        assert!(message.starts_with("transaction 0:"), "{message}");
        bad(decode_block(&block(9, vec![garbage.clone()], None, &id)));

        // Garbage the peers marked invalid: reported in the transaction.
        let (_, entry) = endorser_tx(&id, "put", vec![b"k".to_vec()], vec![], None);
        let decoded = decode_block(&block(9, vec![garbage, entry], Some(vec![2, 0]), &id)).unwrap();
        let tx = &decoded.transactions[0];
        assert_eq!(tx.validation_code_name.as_deref(), Some("BAD_PAYLOAD"));
        assert!(tx.malformed.is_some());
        assert!(decoded.transactions[1].malformed.is_none());

        // Undecodable signatures metadata.
        let mut b = block(9, Vec::new(), None, &id);
        if let Some(m) = b.metadata.as_mut() {
            m.metadata[0] = vec![0x12, 0x09, 0x01];
        }
        assert_eq!(bad(decode_block(&b)).0, "block 9");

        // A transaction whose inner layers are garbage.
        let payload = Payload {
            header: Some(Header {
                channel_header: ChannelHeader {
                    r#type: HeaderType::EndorserTransaction as i32,
                    ..Default::default()
                }
                .encode_to_vec(),
                signature_header: Vec::new(),
            }),
            data: vec![0x0a, 0x03, 0x12, 0x01, 0xff],
        };
        let entry = Envelope {
            payload: payload.encode_to_vec(),
            signature: Vec::new(),
        };
        let message = bad(decode_block(&block(
            1,
            vec![entry.encode_to_vec()],
            None,
            &id,
        )))
        .1;
        assert!(message.contains("action 0"), "{message}");
        assert!(decode_envelope(&entry, 0, None).is_err());
    }

    #[test]
    fn corrupted_blocks_never_panic() {
        let id = identity();
        let (_, good) = endorser_block(&id);
        let bytes = good.encode_to_vec();
        let mut decoded = 0;
        for i in (0..bytes.len()).step_by(7) {
            for flip in [0x01u8, 0x80, 0xff] {
                let mut corrupt = bytes.clone();
                corrupt[i] ^= flip;
                if let Ok(b) = Block::decode(corrupt.as_slice()) {
                    decoded += 1;
                    let _ = decode_block(&b);
                }
            }
            if let Ok(b) = Block::decode(&bytes[..i]) {
                let _ = decode_block(&b);
            }
        }
        assert!(decoded > 0);
    }

    #[test]
    fn timestamps() {
        let t = |seconds, nanos| rfc3339(&prost_types::Timestamp { seconds, nanos });
        assert_eq!(t(0, 0).as_deref(), Some("1970-01-01T00:00:00Z"));
        assert_eq!(t(0, 5).as_deref(), Some("1970-01-01T00:00:00.000000005Z"));
        assert_eq!(t(-1, 0).as_deref(), Some("1969-12-31T23:59:59Z"));
        assert_eq!(t(1, -3).as_deref(), Some("1970-01-01T00:00:01Z"));
        let _ = t(i64::MAX, 0);
        let _ = t(i64::MIN, 0);
    }
}
