//! Exact encodings of Fabric messages, computed by hand from Fabric's field
//! numbers. A wrong field number, wire type or enum value in `proto/` fails
//! here, where a plain encode/decode round trip would still pass.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::fmt::Debug;

use fabweave::proto::common::{
    self, signature_policy, BlockHeader, BlockMetadataIndex, BlockchainInfo,
    BootstrappingSnapshotInfo, ChannelHeader, Envelope, Header, HeaderType, ImplicitMetaPolicy,
    LastConfig, Metadata, MetadataSignature, MspPrincipal, MspRole, OrdererBlockMetadata,
    SignatureHeader, SignaturePolicy, SignaturePolicyEnvelope, Status,
};
use fabweave::proto::discovery::{self, query, query_result};
use fabweave::proto::gateway::{
    ChaincodeEventsRequest, CommitStatusResponse, EndorseResponse, ErrorDetail,
};
use fabweave::proto::gossip::{gossip_message, AliveMessage, GossipMessage, Member, PeerTime};
use fabweave::proto::kvrwset::{
    range_query_info, KvMetadataEntry, KvMetadataWrite, KvRead, KvWrite, KvrwSet, QueryReads,
    RangeQueryInfo, Version,
};
use fabweave::proto::lifecycle::QueryChaincodeDefinitionResult;
use fabweave::proto::msp::{FabricMspConfig, SerializedIdentity};
use fabweave::proto::orderer::{
    self, seek_info, seek_position, BroadcastResponse, SeekInfo, SeekNewest, SeekNextCommit,
    SeekOldest, SeekPosition, SeekSpecified,
};
use fabweave::proto::peer::{
    self, application_policy, chaincode_spec, filtered_transaction, ApplicationPolicy,
    BlockAndPrivateData, ChaincodeAction, ChaincodeActionPayload, ChaincodeCall,
    ChaincodeEndorsedAction, ChaincodeEvent, ChaincodeHeaderExtension, ChaincodeId, ChaincodeInput,
    ChaincodeInterest, ChaincodeInvocationSpec, ChaincodeProposalPayload, ChaincodeSpec,
    Endorsement, FilteredBlock, FilteredChaincodeAction, FilteredTransaction,
    FilteredTransactionActions, ProcessedTransaction, ProposalResponse, Response, Transaction,
    TransactionAction, TxValidationCode,
};
use fabweave::proto::rwset::{
    CollectionHashedReadWriteSet, NsPvtReadWriteSet, NsReadWriteSet, TxPvtReadWriteSet,
    TxReadWriteSet,
};
use fabweave::proto::{Message, Timestamp};

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Asserts that `msg` encodes to exactly `expected` and that `expected` decodes to `msg`.
#[track_caller]
fn assert_wire<M: Message + Default + PartialEq + Debug>(msg: &M, expected: &[u8]) {
    assert_eq!(hex(&msg.encode_to_vec()), hex(expected));
    assert_eq!(&M::decode(expected).unwrap(), msg);
}

/// Concatenates byte pieces, so expected encodings can be written field by field.
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn serialized_identity() {
    let id = SerializedIdentity {
        mspid: "Org1MSP".into(),
        id_bytes: b"x".to_vec(),
    };
    assert_wire(&id, &cat(&[&[0x0a, 0x07], b"Org1MSP", &[0x12, 0x01], b"x"]));
}

#[test]
fn channel_header_uses_fields_1_to_8() {
    let header = ChannelHeader {
        r#type: HeaderType::EndorserTransaction as i32,
        version: 1,
        timestamp: Some(Timestamp {
            seconds: 1,
            nanos: 2,
        }),
        channel_id: "ch".into(),
        tx_id: "ab".into(),
        epoch: 5,
        extension: vec![0xee],
        tls_cert_hash: vec![0xff],
    };
    assert_wire(
        &header,
        &[
            0x08, 0x03, // type = ENDORSER_TRANSACTION
            0x10, 0x01, // version
            0x1a, 0x04, 0x08, 0x01, 0x10, 0x02, // timestamp
            0x22, 0x02, b'c', b'h', // channel_id
            0x2a, 0x02, b'a', b'b', // tx_id
            0x30, 0x05, // epoch
            0x3a, 0x01, 0xee, // extension
            0x42, 0x01, 0xff, // tls_cert_hash
        ],
    );
}

#[test]
fn headers_and_envelope() {
    let sig = SignatureHeader {
        creator: b"c".to_vec(),
        nonce: b"n".to_vec(),
    };
    assert_wire(&sig, &[0x0a, 0x01, b'c', 0x12, 0x01, b'n']);
    let header = Header {
        channel_header: vec![1],
        signature_header: vec![2],
    };
    assert_wire(&header, &[0x0a, 0x01, 0x01, 0x12, 0x01, 0x02]);
    let payload = common::Payload {
        header: Some(header),
        data: vec![3],
    };
    assert_wire(
        &payload,
        &[
            0x0a, 0x06, 0x0a, 0x01, 0x01, 0x12, 0x01, 0x02, 0x12, 0x01, 0x03,
        ],
    );
    let env = Envelope {
        payload: b"p".to_vec(),
        signature: b"s".to_vec(),
    };
    assert_wire(&env, &[0x0a, 0x01, b'p', 0x12, 0x01, b's']);
}

#[test]
fn enum_values_match_fabric() {
    let header_types = [
        (HeaderType::Message, 0),
        (HeaderType::Config, 1),
        (HeaderType::ConfigUpdate, 2),
        (HeaderType::EndorserTransaction, 3),
        (HeaderType::OrdererTransaction, 4),
        (HeaderType::DeliverSeekInfo, 5),
        (HeaderType::ChaincodePackage, 6),
    ];
    for (t, n) in header_types {
        assert_eq!(t as i32, n, "{t:?}");
    }
    let statuses = [
        (Status::Unknown, 0),
        (Status::Success, 200),
        (Status::BadRequest, 400),
        (Status::Forbidden, 403),
        (Status::NotFound, 404),
        (Status::RequestEntityTooLarge, 413),
        (Status::InternalServerError, 500),
        (Status::NotImplemented, 501),
        (Status::ServiceUnavailable, 503),
    ];
    for (s, n) in statuses {
        assert_eq!(s as i32, n, "{s:?}");
    }
    assert_eq!(BlockMetadataIndex::Signatures as i32, 0);
    assert_eq!(BlockMetadataIndex::LastConfig as i32, 1);
    assert_eq!(BlockMetadataIndex::TransactionsFilter as i32, 2);
    assert_eq!(BlockMetadataIndex::Orderer as i32, 3);
    assert_eq!(BlockMetadataIndex::CommitHash as i32, 4);
    assert_eq!(common::msp_role::MspRoleType::Member as i32, 0);
    assert_eq!(common::msp_role::MspRoleType::Admin as i32, 1);
    assert_eq!(common::msp_role::MspRoleType::Client as i32, 2);
    assert_eq!(common::msp_role::MspRoleType::Peer as i32, 3);
    assert_eq!(common::msp_role::MspRoleType::Orderer as i32, 4);
    assert_eq!(common::msp_principal::Classification::Role as i32, 0);
    assert_eq!(
        common::msp_principal::Classification::OrganizationUnit as i32,
        1
    );
    assert_eq!(common::msp_principal::Classification::Identity as i32, 2);
    assert_eq!(common::msp_principal::Classification::Anonymity as i32, 3);
    assert_eq!(common::msp_principal::Classification::Combined as i32, 4);
    assert_eq!(common::implicit_meta_policy::Rule::Any as i32, 0);
    assert_eq!(common::implicit_meta_policy::Rule::All as i32, 1);
    assert_eq!(common::implicit_meta_policy::Rule::Majority as i32, 2);
    assert_eq!(common::policy::PolicyType::Signature as i32, 1);
    assert_eq!(common::policy::PolicyType::ImplicitMeta as i32, 3);
    assert_eq!(chaincode_spec::Type::Undefined as i32, 0);
    assert_eq!(chaincode_spec::Type::Golang as i32, 1);
    assert_eq!(chaincode_spec::Type::Node as i32, 2);
    assert_eq!(chaincode_spec::Type::Car as i32, 3);
    assert_eq!(chaincode_spec::Type::Java as i32, 4);
    assert_eq!(seek_info::SeekBehavior::BlockUntilReady as i32, 0);
    assert_eq!(seek_info::SeekBehavior::FailIfNotReady as i32, 1);
    assert_eq!(seek_info::SeekErrorResponse::Strict as i32, 0);
    assert_eq!(seek_info::SeekErrorResponse::BestEffort as i32, 1);
    assert_eq!(seek_info::SeekContentType::Block as i32, 0);
    assert_eq!(seek_info::SeekContentType::HeaderWithSig as i32, 1);
}

#[test]
fn tx_validation_codes_match_fabric() {
    // Every code Fabric defines, by its Fabric name, so both the number and
    // the name are checked.
    let codes = [
        ("VALID", 0),
        ("NIL_ENVELOPE", 1),
        ("BAD_PAYLOAD", 2),
        ("BAD_COMMON_HEADER", 3),
        ("BAD_CREATOR_SIGNATURE", 4),
        ("INVALID_ENDORSER_TRANSACTION", 5),
        ("INVALID_CONFIG_TRANSACTION", 6),
        ("UNSUPPORTED_TX_PAYLOAD", 7),
        ("BAD_PROPOSAL_TXID", 8),
        ("DUPLICATE_TXID", 9),
        ("ENDORSEMENT_POLICY_FAILURE", 10),
        ("MVCC_READ_CONFLICT", 11),
        ("PHANTOM_READ_CONFLICT", 12),
        ("UNKNOWN_TX_TYPE", 13),
        ("TARGET_CHAIN_NOT_FOUND", 14),
        ("MARSHAL_TX_ERROR", 15),
        ("NIL_TXACTION", 16),
        ("EXPIRED_CHAINCODE", 17),
        ("CHAINCODE_VERSION_CONFLICT", 18),
        ("BAD_HEADER_EXTENSION", 19),
        ("BAD_CHANNEL_HEADER", 20),
        ("BAD_RESPONSE_PAYLOAD", 21),
        ("BAD_RWSET", 22),
        ("ILLEGAL_WRITESET", 23),
        ("INVALID_WRITESET", 24),
        ("INVALID_CHAINCODE", 25),
        ("NOT_VALIDATED", 254),
        ("INVALID_OTHER_REASON", 255),
    ];
    for (name, n) in codes {
        let code = TxValidationCode::from_str_name(name).expect(name);
        assert_eq!(code as i32, n, "{name}");
        assert_eq!(TxValidationCode::try_from(n).unwrap().as_str_name(), name);
    }
    // Nothing else: 26..=253 are unassigned.
    for n in 26..=253 {
        assert!(
            TxValidationCode::try_from(n).is_err(),
            "{n} should be unassigned"
        );
    }
    assert_eq!(TxValidationCode::MvccReadConflict as i32, 11);
}

#[test]
fn seek_positions() {
    let newest = SeekPosition {
        r#type: Some(seek_position::Type::Newest(SeekNewest {})),
    };
    assert_wire(&newest, &[0x0a, 0x00]);
    let oldest = SeekPosition {
        r#type: Some(seek_position::Type::Oldest(SeekOldest {})),
    };
    assert_wire(&oldest, &[0x12, 0x00]);
    let specified = SeekPosition {
        r#type: Some(seek_position::Type::Specified(SeekSpecified { number: 5 })),
    };
    assert_wire(&specified, &[0x1a, 0x02, 0x08, 0x05]);
    let next = SeekPosition {
        r#type: Some(seek_position::Type::NextCommit(SeekNextCommit {})),
    };
    assert_wire(&next, &[0x22, 0x00]);
}

#[test]
fn seek_info_all_fields() {
    let info = SeekInfo {
        start: Some(SeekPosition {
            r#type: Some(seek_position::Type::Newest(SeekNewest {})),
        }),
        stop: Some(SeekPosition {
            r#type: Some(seek_position::Type::Specified(SeekSpecified {
                number: u64::MAX,
            })),
        }),
        behavior: seek_info::SeekBehavior::FailIfNotReady as i32,
        error_response: seek_info::SeekErrorResponse::BestEffort as i32,
        content_type: seek_info::SeekContentType::HeaderWithSig as i32,
    };
    let max = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    assert_wire(
        &info,
        &cat(&[
            &[0x0a, 0x02, 0x0a, 0x00], // start = newest
            &[0x12, 0x0d, 0x1a, 0x0b, 0x08],
            &max,          // stop = specified(u64::MAX)
            &[0x18, 0x01], // behavior
            &[0x20, 0x01], // error_response
            &[0x28, 0x01], // content_type
        ]),
    );
}

#[test]
fn orderer_responses() {
    let resp = BroadcastResponse {
        status: Status::ServiceUnavailable as i32,
        info: "x".into(),
    };
    assert_wire(&resp, &[0x08, 0xf7, 0x03, 0x12, 0x01, b'x']);

    let block = common::Block {
        header: Some(BlockHeader {
            number: 1,
            previous_hash: b"a".to_vec(),
            data_hash: b"b".to_vec(),
        }),
        data: None,
        metadata: None,
    };
    let deliver = orderer::DeliverResponse {
        r#type: Some(orderer::deliver_response::Type::Block(block)),
    };
    assert_wire(
        &deliver,
        &[
            0x12, 0x0a, 0x0a, 0x08, 0x08, 0x01, 0x12, 0x01, b'a', 0x1a, 0x01, b'b',
        ],
    );
    let status = orderer::DeliverResponse {
        r#type: Some(orderer::deliver_response::Type::Status(
            Status::Success as i32,
        )),
    };
    assert_wire(&status, &[0x08, 0xc8, 0x01]);
}

#[test]
fn chaincode_invocation() {
    let ext = ChaincodeHeaderExtension {
        chaincode_id: Some(ChaincodeId {
            name: "cc".into(),
            ..Default::default()
        }),
    };
    assert_wire(&ext, &[0x12, 0x04, 0x12, 0x02, b'c', b'c']);

    let spec = ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Golang as i32,
            chaincode_id: Some(ChaincodeId {
                name: "cc".into(),
                ..Default::default()
            }),
            input: Some(ChaincodeInput {
                args: vec![b"f".to_vec(), b"a".to_vec()],
                decorations: HashMap::new(),
                is_init: true,
            }),
            timeout: 0,
        }),
    };
    assert_wire(
        &spec,
        &[
            0x0a, 0x12, // chaincode_spec
            0x08, 0x01, // type = GOLANG
            0x12, 0x04, 0x12, 0x02, b'c', b'c', // chaincode_id.name
            0x1a, 0x08, // input
            0x0a, 0x01, b'f', 0x0a, 0x01, b'a', // args
            0x18, 0x01, // is_init
        ],
    );

    let payload = ChaincodeProposalPayload {
        input: vec![0xaa],
        transient_map: HashMap::from([("k".to_string(), b"v".to_vec())]),
    };
    assert_wire(
        &payload,
        &[
            0x0a, 0x01, 0xaa, 0x12, 0x06, 0x0a, 0x01, b'k', 0x12, 0x01, b'v',
        ],
    );
}

#[test]
fn proposal_response_skips_field_3() {
    let resp = ProposalResponse {
        version: 1,
        timestamp: None,
        response: Some(Response {
            status: 200,
            message: String::new(),
            payload: vec![],
        }),
        payload: b"p".to_vec(),
        endorsement: Some(Endorsement {
            endorser: b"e".to_vec(),
            signature: b"s".to_vec(),
        }),
        interest: Some(ChaincodeInterest {
            chaincodes: vec![ChaincodeCall {
                name: "cc".into(),
                disregard_namespace_policy: true,
                ..Default::default()
            }],
        }),
    };
    assert_wire(
        &resp,
        &[
            0x08, 0x01, // version
            0x22, 0x03, 0x08, 0xc8, 0x01, // response.status = 200
            0x2a, 0x01, b'p', // payload
            0x32, 0x06, 0x0a, 0x01, b'e', 0x12, 0x01, b's', // endorsement
            0x3a, 0x08, 0x0a, 0x06, 0x0a, 0x02, b'c', b'c', 0x30, 0x01, // interest
        ],
    );
}

#[test]
fn chaincode_action_and_transaction() {
    let action = ChaincodeAction {
        results: b"r".to_vec(),
        events: b"e".to_vec(),
        response: Some(Response {
            status: 200,
            ..Default::default()
        }),
        chaincode_id: Some(ChaincodeId {
            name: "cc".into(),
            version: "1".into(),
            path: String::new(),
        }),
    };
    assert_wire(
        &action,
        &[
            0x0a, 0x01, b'r', 0x12, 0x01, b'e', 0x1a, 0x03, 0x08, 0xc8, 0x01, 0x22, 0x07, 0x12,
            0x02, b'c', b'c', 0x1a, 0x01, b'1',
        ],
    );

    let cap = ChaincodeActionPayload {
        chaincode_proposal_payload: b"c".to_vec(),
        action: Some(ChaincodeEndorsedAction {
            proposal_response_payload: b"r".to_vec(),
            endorsements: vec![Endorsement {
                endorser: b"e".to_vec(),
                signature: b"s".to_vec(),
            }],
        }),
    };
    assert_wire(
        &cap,
        &[
            0x0a, 0x01, b'c', 0x12, 0x0b, 0x0a, 0x01, b'r', 0x12, 0x06, 0x0a, 0x01, b'e', 0x12,
            0x01, b's',
        ],
    );

    let tx = Transaction {
        actions: vec![TransactionAction {
            header: b"h".to_vec(),
            payload: b"p".to_vec(),
        }],
    };
    assert_wire(&tx, &[0x0a, 0x06, 0x0a, 0x01, b'h', 0x12, 0x01, b'p']);

    let processed = ProcessedTransaction {
        transaction_envelope: Some(Envelope {
            payload: b"p".to_vec(),
            signature: vec![],
        }),
        validation_code: TxValidationCode::MvccReadConflict as i32,
    };
    assert_wire(&processed, &[0x0a, 0x03, 0x0a, 0x01, b'p', 0x10, 0x0b]);
}

#[test]
fn block_metadata() {
    let obm = OrdererBlockMetadata {
        last_config: Some(LastConfig { index: 4 }),
        consenter_metadata: vec![],
    };
    let meta = Metadata {
        value: obm.encode_to_vec(),
        signatures: vec![MetadataSignature {
            signature_header: b"h".to_vec(),
            signature: b"s".to_vec(),
            identifier_header: b"i".to_vec(),
        }],
    };
    assert_wire(
        &meta,
        &[
            0x0a, 0x04, 0x0a, 0x02, 0x08,
            0x04, // value = OrdererBlockMetadata{last_config{4}}
            0x12, 0x09, 0x0a, 0x01, b'h', 0x12, 0x01, b's', 0x1a, 0x01, b'i',
        ],
    );
    let bm = common::BlockMetadata {
        metadata: vec![b"a".to_vec(), vec![], vec![0, 11]],
    };
    assert_wire(&bm, &[0x0a, 0x01, b'a', 0x0a, 0x00, 0x0a, 0x02, 0x00, 0x0b]);

    let info = BlockchainInfo {
        height: 5,
        current_block_hash: b"c".to_vec(),
        previous_block_hash: b"p".to_vec(),
        bootstrapping_snapshot_info: Some(BootstrappingSnapshotInfo {
            last_block_in_snapshot: 3,
        }),
    };
    assert_wire(
        &info,
        &[
            0x08, 0x05, 0x12, 0x01, b'c', 0x1a, 0x01, b'p', 0x22, 0x02, 0x08, 0x03,
        ],
    );
}

#[test]
fn peer_deliver_responses() {
    let fb = FilteredBlock {
        channel_id: "c".into(),
        number: 7,
        filtered_transactions: vec![FilteredTransaction {
            txid: "t".into(),
            r#type: HeaderType::EndorserTransaction as i32,
            tx_validation_code: TxValidationCode::MvccReadConflict as i32,
            data: Some(filtered_transaction::Data::TransactionActions(
                FilteredTransactionActions {
                    chaincode_actions: vec![FilteredChaincodeAction {
                        chaincode_event: Some(ChaincodeEvent {
                            chaincode_id: "cc".into(),
                            event_name: "e".into(),
                            ..Default::default()
                        }),
                    }],
                },
            )),
        }],
    };
    let fb_bytes = [
        0x0a, 0x01, b'c', // channel_id
        0x10, 0x07, // number
        0x22, 0x14, // filtered_transactions (field 4)
        0x0a, 0x01, b't', 0x10, 0x03, 0x18, 0x0b, // txid, type, code
        0x22, 0x0b, 0x0a, 0x09, 0x0a, 0x07, 0x0a, 0x02, b'c', b'c', 0x1a, 0x01, b'e',
    ];
    assert_wire(&fb, &fb_bytes);
    let resp = peer::DeliverResponse {
        r#type: Some(peer::deliver_response::Type::FilteredBlock(fb)),
    };
    assert_wire(&resp, &cat(&[&[0x1a, 0x1b], &fb_bytes]));
    let status = peer::DeliverResponse {
        r#type: Some(peer::deliver_response::Type::Status(
            Status::NotFound as i32,
        )),
    };
    assert_wire(&status, &[0x08, 0x94, 0x03]);

    let bpd = BlockAndPrivateData {
        block: None,
        private_data_map: HashMap::from([(
            3,
            TxPvtReadWriteSet {
                data_model: 0,
                ns_pvt_rwset: vec![NsPvtReadWriteSet {
                    namespace: "cc".into(),
                    collection_pvt_rwset: vec![],
                }],
            },
        )]),
    };
    assert_wire(
        &bpd,
        &[
            0x12, 0x0a, 0x08, 0x03, 0x12, 0x06, 0x12, 0x04, 0x0a, 0x02, b'c', b'c',
        ],
    );
}

#[test]
fn read_write_sets() {
    let kv = KvrwSet {
        reads: vec![KvRead {
            key: "k".into(),
            version: Some(Version {
                block_num: 1,
                tx_num: 2,
            }),
        }],
        range_queries_info: vec![RangeQueryInfo {
            start_key: "a".into(),
            end_key: "b".into(),
            itr_exhausted: true,
            reads_info: Some(range_query_info::ReadsInfo::RawReads(QueryReads {
                kv_reads: vec![KvRead {
                    key: "a".into(),
                    version: None,
                }],
            })),
        }],
        writes: vec![KvWrite {
            key: "k".into(),
            is_delete: false,
            value: b"v".to_vec(),
        }],
        metadata_writes: vec![KvMetadataWrite {
            key: "k".into(),
            entries: vec![KvMetadataEntry {
                name: "n".into(),
                value: b"x".to_vec(),
            }],
        }],
    };
    assert_wire(
        &kv,
        &[
            0x0a, 0x09, 0x0a, 0x01, b'k', 0x12, 0x04, 0x08, 0x01, 0x10, 0x02, // reads
            0x12, 0x0f, 0x0a, 0x01, b'a', 0x12, 0x01, b'b', 0x18, 0x01, // range query
            0x22, 0x05, 0x0a, 0x03, 0x0a, 0x01, b'a', // raw_reads
            0x1a, 0x06, 0x0a, 0x01, b'k', 0x1a, 0x01, b'v', // writes
            0x22, 0x0b, 0x0a, 0x01, b'k', 0x12, 0x06, 0x0a, 0x01, b'n', 0x12, 0x01, b'x',
        ],
    );

    let tx = TxReadWriteSet {
        data_model: 0,
        ns_rwset: vec![NsReadWriteSet {
            namespace: "cc".into(),
            rwset: vec![1],
            collection_hashed_rwset: vec![CollectionHashedReadWriteSet {
                collection_name: "c".into(),
                hashed_rwset: vec![2],
                pvt_rwset_hash: vec![3],
            }],
        }],
    };
    assert_wire(
        &tx,
        &[
            0x12, 0x12, 0x0a, 0x02, b'c', b'c', 0x12, 0x01, 0x01, 0x1a, 0x09, 0x0a, 0x01, b'c',
            0x12, 0x01, 0x02, 0x1a, 0x01, 0x03,
        ],
    );
}

#[test]
fn signature_policies() {
    let role = MspRole {
        msp_identifier: "A".into(),
        role: common::msp_role::MspRoleType::Peer as i32,
    };
    let signed_by = |i| SignaturePolicy {
        r#type: Some(signature_policy::Type::SignedBy(i)),
    };
    let env = SignaturePolicyEnvelope {
        version: 0,
        rule: Some(SignaturePolicy {
            r#type: Some(signature_policy::Type::NOutOf(signature_policy::NOutOf {
                n: 1,
                rules: vec![signed_by(0), signed_by(1)],
            })),
        }),
        identities: vec![MspPrincipal {
            principal_classification: common::msp_principal::Classification::Role as i32,
            principal: role.encode_to_vec(),
        }],
    };
    assert_wire(
        &env,
        &[
            0x12, 0x0c, 0x12, 0x0a, // rule = n_out_of
            0x08, 0x01, // n
            0x12, 0x02, 0x08, 0x00, // signed_by(0): a set oneof is sent even when zero
            0x12, 0x02, 0x08, 0x01, // signed_by(1)
            0x1a, 0x07, 0x12, 0x05, 0x0a, 0x01, b'A', 0x10, 0x03, // identities
        ],
    );

    let meta = ImplicitMetaPolicy {
        sub_policy: "Endorsement".into(),
        rule: common::implicit_meta_policy::Rule::Majority as i32,
    };
    assert_wire(&meta, &cat(&[&[0x0a, 0x0b], b"Endorsement", &[0x10, 0x02]]));

    let app = ApplicationPolicy {
        r#type: Some(application_policy::Type::ChannelConfigPolicyReference(
            "/C".into(),
        )),
    };
    assert_wire(&app, &[0x12, 0x02, b'/', b'C']);
}

#[test]
fn discovery_queries() {
    let q = |channel: &str, query| discovery::Query {
        channel: channel.into(),
        query: Some(query),
    };
    assert_wire(
        &q("ch", query::Query::ConfigQuery(discovery::ConfigQuery {})),
        &[0x0a, 0x02, b'c', b'h', 0x12, 0x00],
    );
    assert_wire(
        &q(
            "ch",
            query::Query::PeerQuery(discovery::PeerMembershipQuery { filter: None }),
        ),
        &[0x0a, 0x02, b'c', b'h', 0x1a, 0x00],
    );
    let interest = ChaincodeInterest {
        chaincodes: vec![ChaincodeCall {
            name: "cc".into(),
            ..Default::default()
        }],
    };
    assert_wire(
        &q(
            "ch",
            query::Query::CcQuery(discovery::ChaincodeQuery {
                interests: vec![interest],
            }),
        ),
        &[
            0x0a, 0x02, b'c', b'h', 0x22, 0x08, 0x0a, 0x06, 0x0a, 0x04, 0x0a, 0x02, b'c', b'c',
        ],
    );
    assert_wire(
        &q("", query::Query::LocalPeers(discovery::LocalPeerQuery {})),
        &[0x2a, 0x00],
    );

    let auth = discovery::AuthInfo {
        client_identity: b"i".to_vec(),
        client_tls_cert_hash: b"h".to_vec(),
    };
    assert_wire(&auth, &[0x0a, 0x01, b'i', 0x12, 0x01, b'h']);
}

#[test]
fn discovery_results() {
    let err = discovery::QueryResult {
        result: Some(query_result::Result::Error(discovery::Error {
            content: "access denied".into(),
        })),
    };
    assert_wire(&err, &cat(&[&[0x0a, 0x0f, 0x0a, 0x0d], b"access denied"]));

    let layout = discovery::Layout {
        quantities_by_group: HashMap::from([("G0".to_string(), 2)]),
    };
    assert_wire(&layout, &[0x0a, 0x06, 0x0a, 0x02, b'G', b'0', 0x10, 0x02]);

    let endpoint = discovery::Endpoint {
        host: "o".into(),
        port: 7050,
    };
    assert_wire(&endpoint, &[0x0a, 0x01, b'o', 0x10, 0x8a, 0x37]);

    let config = discovery::ConfigResult {
        msps: HashMap::from([(
            "O".to_string(),
            FabricMspConfig {
                name: "O".into(),
                tls_root_certs: vec![b"t".to_vec()],
                ..Default::default()
            },
        )]),
        orderers: HashMap::new(),
    };
    // tls_root_certs is field 9 (tag 0x4a).
    assert_wire(
        &config,
        &[
            0x0a, 0x0b, 0x0a, 0x01, b'O', 0x12, 0x06, 0x0a, 0x01, b'O', 0x4a, 0x01, b't',
        ],
    );
}

#[test]
fn gossip_messages() {
    let alive = GossipMessage {
        content: Some(gossip_message::Content::AliveMsg(AliveMessage {
            membership: Some(Member {
                endpoint: "p:1".into(),
                ..Default::default()
            }),
            timestamp: Some(PeerTime {
                inc_num: 1,
                seq_num: 2,
            }),
            identity: b"i".to_vec(),
        })),
        ..Default::default()
    };
    assert_wire(
        &alive,
        &[
            0x2a, 0x10, // alive_msg (field 5)
            0x0a, 0x05, 0x0a, 0x03, b'p', b':', b'1', // membership.endpoint
            0x12, 0x04, 0x08, 0x01, 0x10, 0x02, // timestamp
            0x22, 0x01, b'i', // identity (field 4)
        ],
    );

    let state = GossipMessage {
        content: Some(gossip_message::Content::StateInfo(
            fabweave::proto::gossip::StateInfo {
                properties: Some(fabweave::proto::gossip::Properties {
                    ledger_height: 10,
                    left_channel: false,
                    chaincodes: vec![fabweave::proto::gossip::Chaincode {
                        name: "cc".into(),
                        version: "1.0".into(),
                        metadata: vec![],
                    }],
                }),
                ..Default::default()
            },
        )),
        ..Default::default()
    };
    assert_wire(
        &state,
        &[
            0x7a, 0x0f, // state_info (field 15)
            0x2a, 0x0d, // properties (field 5)
            0x08, 0x0a, // ledger_height
            0x1a, 0x09, 0x0a, 0x02, b'c', b'c', 0x12, 0x03, b'1', b'.', b'0',
        ],
    );

    let ident = GossipMessage {
        content: Some(gossip_message::Content::PeerIdentity(
            fabweave::proto::gossip::PeerIdentity {
                pki_id: b"k".to_vec(),
                ..Default::default()
            },
        )),
        ..Default::default()
    };
    assert_wire(&ident, &[0xaa, 0x01, 0x03, 0x0a, 0x01, b'k']); // field 21
}

#[test]
fn gateway_messages() {
    let status = CommitStatusResponse {
        result: TxValidationCode::MvccReadConflict as i32,
        block_number: 9,
    };
    assert_wire(&status, &[0x08, 0x0b, 0x10, 0x09]);

    let events = ChaincodeEventsRequest {
        channel_id: "c".into(),
        chaincode_id: "cc".into(),
        identity: b"i".to_vec(),
        start_position: Some(SeekPosition {
            r#type: Some(seek_position::Type::NextCommit(SeekNextCommit {})),
        }),
        after_transaction_id: "t".into(),
    };
    assert_wire(
        &events,
        &[
            0x0a, 0x01, b'c', 0x12, 0x02, b'c', b'c', 0x1a, 0x01, b'i', 0x22, 0x02, 0x22, 0x00,
            0x2a, 0x01, b't',
        ],
    );

    let detail = ErrorDetail {
        address: "a".into(),
        msp_id: "m".into(),
        message: "x".into(),
    };
    assert_wire(
        &detail,
        &[0x0a, 0x01, b'a', 0x12, 0x01, b'm', 0x1a, 0x01, b'x'],
    );

    let endorsed = EndorseResponse {
        prepared_transaction: Some(Envelope {
            payload: b"p".to_vec(),
            signature: b"s".to_vec(),
        }),
    };
    assert_wire(&endorsed, &[0x0a, 0x06, 0x0a, 0x01, b'p', 0x12, 0x01, b's']);
}

#[test]
fn lifecycle_results() {
    let def = QueryChaincodeDefinitionResult {
        sequence: 1,
        version: "1.0".into(),
        init_required: true,
        ..Default::default()
    };
    assert_wire(
        &def,
        &[0x08, 0x01, 0x12, 0x03, b'1', b'.', b'0', 0x38, 0x01],
    );
}
