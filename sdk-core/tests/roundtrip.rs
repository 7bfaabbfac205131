//! Representative Fabric messages survive encode → decode unchanged, through
//! every layer of nesting that Fabric packs into `bytes` fields.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::fmt::Debug;

use fabweave::proto::common::{
    Block, BlockData, BlockHeader, BlockMetadata, BlockMetadataIndex, ChannelHeader, Config,
    ConfigEnvelope, ConfigGroup, ConfigPolicy, ConfigValue, Envelope, Header, HeaderType,
    LastConfig, Metadata, MetadataSignature, OrdererBlockMetadata, Payload, Policy,
    SignatureHeader,
};
use fabweave::proto::discovery::{
    self, query, query_result, AuthInfo, ChaincodeQuery, ConfigQuery, ConfigResult,
    EndorsementDescriptor, Layout, LocalPeerQuery, PeerMembershipQuery, PeerMembershipResult,
    Peers, QueryResult, SignedRequest,
};
use fabweave::proto::gateway::{
    ChaincodeEventsRequest, ChaincodeEventsResponse, CommitStatusRequest, EndorseRequest,
    EvaluateRequest, EvaluateResponse, PreparedTransaction, ProposedTransaction,
    SignedChaincodeEventsRequest, SignedCommitStatusRequest, SubmitRequest,
};
use fabweave::proto::gossip::{self, gossip_message, AliveMessage, GossipMessage, Member};
use fabweave::proto::kvrwset::{
    range_query_info, KvRead, KvWrite, KvrwSet, QueryReadsMerkleSummary, RangeQueryInfo, Version,
};
use fabweave::proto::msp::{
    FabricCryptoConfig, FabricMspConfig, FabricNodeOUs, FabricOuIdentifier, MspConfig,
    SerializedIdentity,
};
use fabweave::proto::orderer::{
    seek_info, seek_position, SeekInfo, SeekNewest, SeekNextCommit, SeekOldest, SeekPosition,
    SeekSpecified,
};
use fabweave::proto::peer::{
    chaincode_spec, ChaincodeAction, ChaincodeActionPayload, ChaincodeCall,
    ChaincodeEndorsedAction, ChaincodeEvent, ChaincodeHeaderExtension, ChaincodeId, ChaincodeInput,
    ChaincodeInterest, ChaincodeInvocationSpec, ChaincodeProposalPayload, ChaincodeSpec,
    Endorsement, Proposal, ProposalResponse, ProposalResponsePayload, Response, SignedProposal,
    Transaction, TransactionAction, TxValidationCode,
};
use fabweave::proto::rwset::{NsReadWriteSet, TxReadWriteSet};
use fabweave::proto::{Message, Timestamp};

/// Encodes, decodes, compares, and checks that re-encoding gives the same bytes.
#[track_caller]
fn roundtrip<M: Message + Default + PartialEq + Debug>(msg: &M) -> Vec<u8> {
    let bytes = msg.encode_to_vec();
    let back = M::decode(bytes.as_slice()).unwrap();
    assert_eq!(&back, msg);
    assert_eq!(back.encode_to_vec(), bytes);
    bytes
}

fn creator() -> Vec<u8> {
    SerializedIdentity {
        mspid: "Org1MSP".into(),
        id_bytes: b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_vec(),
    }
    .encode_to_vec()
}

fn channel_header(kind: HeaderType, tx_id: &str) -> ChannelHeader {
    ChannelHeader {
        r#type: kind as i32,
        version: 0,
        timestamp: Some(Timestamp {
            seconds: 1_700_000_000,
            nanos: 123_000_000,
        }),
        channel_id: "mychannel".into(),
        tx_id: tx_id.into(),
        epoch: 0,
        extension: ChaincodeHeaderExtension {
            chaincode_id: Some(ChaincodeId {
                name: "basic".into(),
                ..Default::default()
            }),
        }
        .encode_to_vec(),
        tls_cert_hash: vec![0xab; 32],
    }
}

fn seek(kind: seek_position::Type) -> SeekPosition {
    SeekPosition { r#type: Some(kind) }
}

#[test]
fn full_proposal() {
    let ch = channel_header(HeaderType::EndorserTransaction, &"0f".repeat(32));
    let sh = SignatureHeader {
        creator: creator(),
        nonce: vec![7; 24],
    };
    let header = Header {
        channel_header: roundtrip(&ch),
        signature_header: roundtrip(&sh),
    };

    let spec = ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            r#type: chaincode_spec::Type::Undefined as i32,
            chaincode_id: Some(ChaincodeId {
                name: "basic".into(),
                ..Default::default()
            }),
            input: Some(ChaincodeInput {
                args: vec![b"CreateAsset".to_vec(), b"a1".to_vec(), vec![0, 255]],
                decorations: HashMap::new(),
                is_init: false,
            }),
            timeout: 0,
        }),
    };
    let cpp = ChaincodeProposalPayload {
        input: roundtrip(&spec),
        transient_map: HashMap::from([("secret".to_string(), b"s3cr3t".to_vec())]),
    };
    let proposal = Proposal {
        header: roundtrip(&header),
        payload: roundtrip(&cpp),
        extension: vec![],
    };
    let signed = SignedProposal {
        proposal_bytes: roundtrip(&proposal),
        signature: vec![0x30, 0x44, 1, 2],
    };
    let wire = roundtrip(&signed);

    // Unpack layer by layer, as an endorser does.
    let signed = SignedProposal::decode(wire.as_slice()).unwrap();
    let proposal = Proposal::decode(signed.proposal_bytes.as_slice()).unwrap();
    let header = Header::decode(proposal.header.as_slice()).unwrap();
    assert_eq!(
        ChannelHeader::decode(header.channel_header.as_slice()).unwrap(),
        ch
    );
    assert_eq!(
        SignatureHeader::decode(header.signature_header.as_slice()).unwrap(),
        sh
    );
    let ext = ChaincodeHeaderExtension::decode(ch.extension.as_slice()).unwrap();
    assert_eq!(ext.chaincode_id.unwrap().name, "basic");
    let payload = ChaincodeProposalPayload::decode(proposal.payload.as_slice()).unwrap();
    assert_eq!(payload.transient_map["secret"], b"s3cr3t");
    let spec_back = ChaincodeInvocationSpec::decode(payload.input.as_slice()).unwrap();
    assert_eq!(spec_back, spec);
}

fn endorsed_payload() -> Vec<u8> {
    let kv = KvrwSet {
        reads: vec![KvRead {
            key: "a1".into(),
            version: Some(Version {
                block_num: 4,
                tx_num: 0,
            }),
        }],
        range_queries_info: vec![RangeQueryInfo {
            start_key: "a".into(),
            end_key: "b".into(),
            itr_exhausted: false,
            reads_info: Some(range_query_info::ReadsInfo::ReadsMerkleHashes(
                QueryReadsMerkleSummary {
                    max_degree: 50,
                    max_level: 2,
                    max_level_hashes: vec![vec![1; 32], vec![2; 32]],
                },
            )),
        }],
        writes: vec![KvWrite {
            key: "a1".into(),
            is_delete: false,
            value: br#"{"color":"blue"}"#.to_vec(),
        }],
        metadata_writes: vec![],
    };
    let results = TxReadWriteSet {
        data_model: 0,
        ns_rwset: vec![
            NsReadWriteSet {
                namespace: "_lifecycle".into(),
                rwset: vec![],
                collection_hashed_rwset: vec![],
            },
            NsReadWriteSet {
                namespace: "basic".into(),
                rwset: roundtrip(&kv),
                collection_hashed_rwset: vec![],
            },
        ],
    };
    let event = ChaincodeEvent {
        chaincode_id: "basic".into(),
        tx_id: "tx".into(),
        event_name: "Created".into(),
        payload: b"a1".to_vec(),
    };
    let action = ChaincodeAction {
        results: roundtrip(&results),
        events: roundtrip(&event),
        response: Some(Response {
            status: 200,
            message: String::new(),
            payload: b"ok".to_vec(),
        }),
        chaincode_id: Some(ChaincodeId {
            name: "basic".into(),
            version: "1.0".into(),
            path: String::new(),
        }),
    };
    roundtrip(&ProposalResponsePayload {
        proposal_hash: vec![9; 32],
        extension: roundtrip(&action),
    })
}

#[test]
fn proposal_response() {
    let resp = ProposalResponse {
        version: 1,
        timestamp: Some(Timestamp {
            seconds: 1_700_000_001,
            nanos: 0,
        }),
        response: Some(Response {
            status: 200,
            message: "OK".into(),
            payload: b"ok".to_vec(),
        }),
        payload: endorsed_payload(),
        endorsement: Some(Endorsement {
            endorser: creator(),
            signature: vec![0x30, 0x45],
        }),
        interest: Some(ChaincodeInterest {
            chaincodes: vec![ChaincodeCall {
                name: "basic".into(),
                collection_names: vec!["private".into()],
                no_private_reads: true,
                no_public_writes: false,
                key_policies: vec![],
                disregard_namespace_policy: false,
            }],
        }),
    };
    let bytes = roundtrip(&resp);
    let back = ProposalResponse::decode(bytes.as_slice()).unwrap();
    let prp = ProposalResponsePayload::decode(back.payload.as_slice()).unwrap();
    let action = ChaincodeAction::decode(prp.extension.as_slice()).unwrap();
    assert_eq!(action.response.unwrap().payload, b"ok");
    let rw = TxReadWriteSet::decode(action.results.as_slice()).unwrap();
    assert_eq!(rw.ns_rwset[1].namespace, "basic");
    let kv = KvrwSet::decode(rw.ns_rwset[1].rwset.as_slice()).unwrap();
    assert_eq!(kv.writes[0].key, "a1");
    assert_eq!(
        ChaincodeEvent::decode(action.events.as_slice())
            .unwrap()
            .event_name,
        "Created"
    );
}

fn transaction_envelope() -> Envelope {
    let ch = channel_header(HeaderType::EndorserTransaction, "tx1");
    let sh = SignatureHeader {
        creator: creator(),
        nonce: vec![1; 24],
    };
    let header = Header {
        channel_header: ch.encode_to_vec(),
        signature_header: sh.encode_to_vec(),
    };
    let cpp = ChaincodeProposalPayload {
        input: vec![1, 2, 3],
        transient_map: HashMap::new(),
    };
    let cap = ChaincodeActionPayload {
        chaincode_proposal_payload: roundtrip(&cpp),
        action: Some(ChaincodeEndorsedAction {
            proposal_response_payload: endorsed_payload(),
            endorsements: vec![
                Endorsement {
                    endorser: b"peer0.org1".to_vec(),
                    signature: vec![1],
                },
                Endorsement {
                    endorser: b"peer0.org2".to_vec(),
                    signature: vec![2],
                },
            ],
        }),
    };
    let tx = Transaction {
        actions: vec![TransactionAction {
            header: header.signature_header.clone(),
            payload: roundtrip(&cap),
        }],
    };
    let payload = Payload {
        header: Some(header),
        data: roundtrip(&tx),
    };
    Envelope {
        payload: roundtrip(&payload),
        signature: vec![0x30, 0x44],
    }
}

#[test]
fn transaction_envelope_unpacks() {
    let env = transaction_envelope();
    let bytes = roundtrip(&env);
    let env = Envelope::decode(bytes.as_slice()).unwrap();
    let payload = Payload::decode(env.payload.as_slice()).unwrap();
    let header = payload.header.unwrap();
    let ch = ChannelHeader::decode(header.channel_header.as_slice()).unwrap();
    assert_eq!(ch.r#type, HeaderType::EndorserTransaction as i32);
    assert_eq!(ch.tx_id, "tx1");
    let tx = Transaction::decode(payload.data.as_slice()).unwrap();
    assert_eq!(tx.actions.len(), 1);
    assert_eq!(tx.actions[0].header, header.signature_header);
    let cap = ChaincodeActionPayload::decode(tx.actions[0].payload.as_slice()).unwrap();
    assert_eq!(cap.action.unwrap().endorsements.len(), 2);
}

#[test]
fn block_with_metadata() {
    let tx = transaction_envelope().encode_to_vec();
    let signatures = Metadata {
        value: OrdererBlockMetadata {
            last_config: Some(LastConfig { index: 2 }),
            consenter_metadata: vec![5],
        }
        .encode_to_vec(),
        signatures: vec![MetadataSignature {
            signature_header: SignatureHeader {
                creator: creator(),
                nonce: vec![3; 24],
            }
            .encode_to_vec(),
            signature: vec![0x30, 0x44],
            identifier_header: vec![],
        }],
    };
    let last_config = Metadata {
        value: LastConfig { index: 2 }.encode_to_vec(),
        signatures: vec![],
    };
    let filter = vec![
        TxValidationCode::Valid as u8,
        TxValidationCode::MvccReadConflict as u8,
    ];
    let block = Block {
        header: Some(BlockHeader {
            number: 11,
            previous_hash: vec![1; 32],
            data_hash: vec![2; 32],
        }),
        data: Some(BlockData {
            data: vec![tx.clone(), tx],
        }),
        metadata: Some(BlockMetadata {
            metadata: vec![
                roundtrip(&signatures),
                roundtrip(&last_config),
                filter,
                vec![],
                vec![4; 32],
            ],
        }),
    };
    let bytes = roundtrip(&block);
    let back = Block::decode(bytes.as_slice()).unwrap();
    let md = back.metadata.unwrap().metadata;
    let filter = &md[BlockMetadataIndex::TransactionsFilter as usize];
    assert_eq!(filter[1], 11);
    let sigs = Metadata::decode(md[BlockMetadataIndex::Signatures as usize].as_slice()).unwrap();
    let obm = OrdererBlockMetadata::decode(sigs.value.as_slice()).unwrap();
    assert_eq!(obm.last_config.unwrap().index, 2);
}

#[test]
fn seek_info_every_position() {
    let positions = [
        seek(seek_position::Type::Newest(SeekNewest {})),
        seek(seek_position::Type::Oldest(SeekOldest {})),
        seek(seek_position::Type::Specified(SeekSpecified { number: 0 })),
        seek(seek_position::Type::Specified(SeekSpecified {
            number: u64::MAX,
        })),
        seek(seek_position::Type::NextCommit(SeekNextCommit {})),
    ];
    for start in &positions {
        for stop in &positions {
            let info = SeekInfo {
                start: Some(*start),
                stop: Some(*stop),
                behavior: seek_info::SeekBehavior::BlockUntilReady as i32,
                error_response: seek_info::SeekErrorResponse::Strict as i32,
                content_type: seek_info::SeekContentType::Block as i32,
            };
            roundtrip(&info);
        }
    }
    // A deliver request: the SeekInfo rides in a DELIVER_SEEK_INFO envelope.
    let info = SeekInfo {
        start: Some(positions[4]),
        stop: Some(positions[3]),
        ..Default::default()
    };
    let header = Header {
        channel_header: channel_header(HeaderType::DeliverSeekInfo, "").encode_to_vec(),
        signature_header: SignatureHeader {
            creator: creator(),
            nonce: vec![],
        }
        .encode_to_vec(),
    };
    let env = Envelope {
        payload: Payload {
            header: Some(header),
            data: roundtrip(&info),
        }
        .encode_to_vec(),
        signature: vec![1],
    };
    roundtrip(&env);
}

#[test]
fn config_block_content() {
    let msp = MspConfig {
        r#type: 0,
        config: FabricMspConfig {
            name: "Org1MSP".into(),
            root_certs: vec![b"root".to_vec()],
            tls_root_certs: vec![b"tlsroot".to_vec()],
            crypto_config: Some(FabricCryptoConfig {
                signature_hash_family: "SHA2".into(),
                identity_identifier_hash_function: "SHA256".into(),
            }),
            fabric_node_ous: Some(FabricNodeOUs {
                enable: true,
                client_ou_identifier: Some(FabricOuIdentifier {
                    certificate: b"root".to_vec(),
                    organizational_unit_identifier: "client".into(),
                }),
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec(),
    };
    let org = ConfigGroup {
        version: 1,
        groups: HashMap::new(),
        values: HashMap::from([(
            "MSP".to_string(),
            ConfigValue {
                version: 0,
                value: roundtrip(&msp),
                mod_policy: "Admins".into(),
            },
        )]),
        policies: HashMap::from([(
            "Readers".to_string(),
            ConfigPolicy {
                version: 0,
                policy: Some(Policy {
                    r#type: 1,
                    value: vec![1],
                }),
                mod_policy: "Admins".into(),
            },
        )]),
        mod_policy: "Admins".into(),
    };
    let app = ConfigGroup {
        groups: HashMap::from([("Org1MSP".to_string(), org)]),
        ..Default::default()
    };
    let root = ConfigGroup {
        groups: HashMap::from([("Application".to_string(), app)]),
        ..Default::default()
    };
    let env = ConfigEnvelope {
        config: Some(Config {
            sequence: 3,
            channel_group: Some(root),
        }),
        last_update: Some(Envelope::default()),
    };
    roundtrip(&env);
}

#[test]
fn discovery_request_every_query() {
    let interest = ChaincodeInterest {
        chaincodes: vec![
            ChaincodeCall {
                name: "basic".into(),
                ..Default::default()
            },
            ChaincodeCall {
                name: "other".into(),
                collection_names: vec!["c1".into()],
                ..Default::default()
            },
        ],
    };
    let queries = vec![
        discovery::Query {
            channel: "mychannel".into(),
            query: Some(query::Query::ConfigQuery(ConfigQuery {})),
        },
        discovery::Query {
            channel: "mychannel".into(),
            query: Some(query::Query::PeerQuery(PeerMembershipQuery {
                filter: Some(interest.clone()),
            })),
        },
        discovery::Query {
            channel: "mychannel".into(),
            query: Some(query::Query::CcQuery(ChaincodeQuery {
                interests: vec![interest],
            })),
        },
        discovery::Query {
            channel: String::new(),
            query: Some(query::Query::LocalPeers(LocalPeerQuery {})),
        },
    ];
    let request = discovery::Request {
        authentication: Some(AuthInfo {
            client_identity: creator(),
            client_tls_cert_hash: vec![5; 32],
        }),
        queries,
    };
    let signed = SignedRequest {
        payload: roundtrip(&request),
        signature: vec![0x30],
    };
    roundtrip(&signed);
}

#[test]
fn discovery_response_every_result() {
    let alive = GossipMessage {
        nonce: 1,
        channel: vec![],
        tag: gossip::gossip_message::Tag::Empty as i32,
        content: Some(gossip_message::Content::AliveMsg(AliveMessage {
            membership: Some(Member {
                endpoint: "peer0.org1:7051".into(),
                metadata: vec![],
                pki_id: vec![1],
            }),
            timestamp: Some(gossip::PeerTime {
                inc_num: 1,
                seq_num: 2,
            }),
            identity: creator(),
        })),
    };
    let peer = discovery::Peer {
        state_info: None,
        membership_info: Some(gossip::Envelope {
            payload: roundtrip(&alive),
            signature: vec![1],
            secret_envelope: None,
        }),
        identity: creator(),
    };
    let peers = Peers { peers: vec![peer] };
    let results = vec![
        QueryResult {
            result: Some(query_result::Result::Error(discovery::Error {
                content: "access denied".into(),
            })),
        },
        QueryResult {
            result: Some(query_result::Result::ConfigResult(ConfigResult {
                msps: HashMap::from([(
                    "Org1MSP".to_string(),
                    FabricMspConfig {
                        name: "Org1MSP".into(),
                        ..Default::default()
                    },
                )]),
                orderers: HashMap::from([(
                    "OrdererMSP".to_string(),
                    discovery::Endpoints {
                        endpoint: vec![discovery::Endpoint {
                            host: "orderer".into(),
                            port: 7050,
                        }],
                    },
                )]),
            })),
        },
        QueryResult {
            result: Some(query_result::Result::CcQueryRes(
                discovery::ChaincodeQueryResult {
                    content: vec![EndorsementDescriptor {
                        chaincode: "basic".into(),
                        endorsers_by_groups: HashMap::from([("G0".to_string(), peers.clone())]),
                        layouts: vec![Layout {
                            quantities_by_group: HashMap::from([("G0".to_string(), 1)]),
                        }],
                    }],
                },
            )),
        },
        QueryResult {
            result: Some(query_result::Result::Members(PeerMembershipResult {
                peers_by_org: HashMap::from([("Org1MSP".to_string(), peers)]),
            })),
        },
    ];
    roundtrip(&discovery::Response { results });
}

#[test]
fn gateway_requests() {
    let signed = SignedProposal {
        proposal_bytes: vec![1, 2, 3],
        signature: vec![4],
    };
    roundtrip(&EndorseRequest {
        transaction_id: "tx".into(),
        channel_id: "mychannel".into(),
        proposed_transaction: Some(signed.clone()),
        endorsing_organizations: vec!["Org1MSP".into(), "Org2MSP".into()],
    });
    roundtrip(&EvaluateRequest {
        transaction_id: "tx".into(),
        channel_id: "mychannel".into(),
        proposed_transaction: Some(signed.clone()),
        target_organizations: vec!["Org1MSP".into()],
    });
    roundtrip(&EvaluateResponse {
        result: Some(Response {
            status: 200,
            message: String::new(),
            payload: b"v".to_vec(),
        }),
    });
    roundtrip(&SubmitRequest {
        transaction_id: "tx".into(),
        channel_id: "mychannel".into(),
        prepared_transaction: Some(transaction_envelope()),
    });
    let status = CommitStatusRequest {
        transaction_id: "tx".into(),
        channel_id: "mychannel".into(),
        identity: creator(),
    };
    roundtrip(&SignedCommitStatusRequest {
        request: roundtrip(&status),
        signature: vec![1],
    });
    let events = ChaincodeEventsRequest {
        channel_id: "mychannel".into(),
        chaincode_id: "basic".into(),
        identity: creator(),
        start_position: Some(seek(seek_position::Type::Specified(SeekSpecified {
            number: 3,
        }))),
        after_transaction_id: "tx".into(),
    };
    roundtrip(&SignedChaincodeEventsRequest {
        request: roundtrip(&events),
        signature: vec![1],
    });
    roundtrip(&ChaincodeEventsResponse {
        events: vec![ChaincodeEvent {
            chaincode_id: "basic".into(),
            tx_id: "tx".into(),
            event_name: "e".into(),
            payload: vec![1],
        }],
        block_number: 12,
    });
    roundtrip(&ProposedTransaction {
        transaction_id: "tx".into(),
        proposal: Some(signed),
        endorsing_organizations: vec!["Org1MSP".into()],
    });
    roundtrip(&PreparedTransaction {
        transaction_id: "tx".into(),
        envelope: Some(transaction_envelope()),
    });
}

#[test]
fn unknown_fields_are_skipped() {
    // A newer Fabric may add fields; older decoders must ignore them. Field 3
    // of SignatureHeader does not exist: append it and decode.
    let sh = SignatureHeader {
        creator: b"c".to_vec(),
        nonce: b"n".to_vec(),
    };
    let mut bytes = sh.encode_to_vec();
    bytes.extend_from_slice(&[0x1a, 0x01, b'z']);
    assert_eq!(SignatureHeader::decode(bytes.as_slice()).unwrap(), sh);
}
