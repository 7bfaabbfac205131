//! Discovery: the request decoded back field by field, and responses built here the way a
//! Fabric peer fills them (gossip envelopes of alive and state-info messages, FabricMSPConfig
//! with TLS CAs, orderer endpoints repeated under two orderer organizations, endorsement
//! descriptors with groups and layouts), parsed into fabweave's types. Pure: no network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use rcgen::{CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};

use fabweave::error::{Error, ErrorKind};
use fabweave::proto::discovery::{
    query, query_result, ConfigResult, Endpoint, Endpoints, Error as QueryError, Layout, Peer,
    PeerMembershipResult, Peers, QueryResult, Request, Response,
};
use fabweave::proto::discovery::{ChaincodeQueryResult, EndorsementDescriptor as DescriptorProto};
use fabweave::proto::gossip::{
    gossip_message, AliveMessage, Chaincode, Envelope, GossipMessage, Member, PeerTime, Properties,
    StateInfo,
};
use fabweave::proto::msp::{FabricCryptoConfig, FabricMspConfig, SerializedIdentity};
use fabweave::proto::Message;
use fabweave::protocol::discovery::{
    discovery_request, parse_discovery_response, signed_discovery_request, ChaincodeCall,
    ChannelConfig, DiscoveredPeer, DiscoveryAnswer, DiscoveryQuery, EndorsementDescriptor, MspInfo,
};

// ---------------------------------------------------------------------------------------------
// Building blocks

/// A self-signed P-256 certificate, PEM, as Fabric keeps CA certificates in an MSP.
fn cert_pem(cn: &str) -> Vec<u8> {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(vec![cn.to_owned()]).unwrap();
    params.distinguished_name.push(DnType::CommonName, cn);
    params.self_signed(&key).unwrap().pem().into_bytes()
}

/// A marshaled SerializedIdentity.
fn identity(msp: &str, cn: &str) -> Vec<u8> {
    SerializedIdentity {
        mspid: msp.into(),
        id_bytes: format!("-----BEGIN CERTIFICATE-----\n{cn}\n-----END CERTIFICATE-----\n")
            .into_bytes(),
    }
    .encode_to_vec()
}

fn envelope(content: gossip_message::Content) -> Envelope {
    Envelope {
        payload: GossipMessage {
            nonce: 0,
            channel: Vec::new(),
            tag: gossip_message::Tag::Empty as i32,
            content: Some(content),
        }
        .encode_to_vec(),
        signature: vec![0x30, 0x44, 0x02, 0x20],
        secret_envelope: None,
    }
}

/// The membership envelope of a peer: an alive message whose member has `endpoint`.
fn alive(endpoint: &str, id: &[u8]) -> Envelope {
    envelope(gossip_message::Content::AliveMsg(AliveMessage {
        membership: Some(Member {
            endpoint: endpoint.into(),
            metadata: Vec::new(),
            pki_id: endpoint.as_bytes().to_vec(),
        }),
        timestamp: Some(PeerTime {
            inc_num: 1_700_000_000_000_000_000,
            seq_num: 42,
        }),
        identity: id.to_vec(),
    }))
}

/// The state-info envelope of a peer on a channel.
fn state(height: u64, left: bool, chaincodes: &[(&str, &str)]) -> Envelope {
    envelope(gossip_message::Content::StateInfo(StateInfo {
        timestamp: Some(PeerTime {
            inc_num: 1_700_000_000_000_000_000,
            seq_num: 7,
        }),
        pki_id: vec![0xab; 32],
        channel_mac: vec![0xcd; 32],
        properties: Some(Properties {
            ledger_height: height,
            left_channel: left,
            chaincodes: chaincodes
                .iter()
                .map(|(name, version)| Chaincode {
                    name: (*name).into(),
                    version: (*version).into(),
                    metadata: Vec::new(),
                })
                .collect(),
        }),
    }))
}

/// A channel peer as discovery reports it, and what fabweave should make of it.
fn channel_peer(
    msp: &str,
    endpoint: &str,
    height: u64,
    left: bool,
    chaincodes: &[(&str, &str)],
) -> (Peer, DiscoveredPeer) {
    let id = identity(msp, endpoint);
    let proto = Peer {
        state_info: Some(state(height, left, chaincodes)),
        membership_info: Some(alive(endpoint, &id)),
        identity: id.clone(),
    };
    let expected = DiscoveredPeer {
        msp_id: msp.into(),
        endpoint: endpoint.into(),
        identity: id,
        ledger_height: Some(height),
        chaincodes: chaincodes
            .iter()
            .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
            .collect(),
        left_channel: left,
    };
    (proto, expected)
}

/// A peer known to gossip but without an external endpoint (discovery leaves it out).
fn hidden_peer(msp: &str) -> Peer {
    let id = identity(msp, "hidden");
    Peer {
        state_info: Some(state(3, false, &[])),
        membership_info: Some(alive("", &id)),
        identity: id,
    }
}

fn ok(result: query_result::Result) -> QueryResult {
    QueryResult {
        result: Some(result),
    }
}

fn query_error(text: &str) -> QueryResult {
    ok(query_result::Result::Error(QueryError {
        content: text.into(),
    }))
}

fn members(by_org: Vec<(&str, Vec<Peer>)>) -> QueryResult {
    ok(query_result::Result::Members(PeerMembershipResult {
        peers_by_org: by_org
            .into_iter()
            .map(|(org, peers)| (org.to_string(), Peers { peers }))
            .collect(),
    }))
}

fn protocol_message(err: Error) -> String {
    assert_eq!(err.kind(), ErrorKind::Protocol, "{err:?}");
    match err {
        Error::Protocol { message, .. } => message,
        other => panic!("not a protocol error: {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// Requests

#[test]
fn request_carries_auth_info_and_every_query_kind() {
    let id = identity("Org1MSP", "User1@org1.example.com");
    let tls_hash = [0x11u8; 32];
    let mut private = ChaincodeCall::new("marbles");
    private.collections = vec![
        "collectionMarbles".into(),
        "collectionMarblePrivateDetails".into(),
    ];
    private.no_public_writes = true;
    let mut reader = ChaincodeCall::new("audit");
    reader.no_private_reads = true;
    let queries = [
        DiscoveryQuery::Config,
        DiscoveryQuery::Peers,
        DiscoveryQuery::Endorsers(vec![
            vec![ChaincodeCall::new("basic")],
            // A chaincode-to-chaincode chain: one interest listing both.
            vec![private.clone(), reader.clone()],
        ]),
        DiscoveryQuery::LocalPeers,
    ];
    let payload = discovery_request(&id, Some(&tls_hash), "mychannel", &queries);
    let request = Request::decode(payload.as_slice()).unwrap();

    let auth = request.authentication.unwrap();
    assert_eq!(auth.client_identity, id);
    assert_eq!(auth.client_tls_cert_hash, tls_hash.to_vec());

    assert_eq!(request.queries.len(), 4);
    let channels: Vec<&str> = request.queries.iter().map(|q| q.channel.as_str()).collect();
    assert_eq!(channels, ["mychannel", "mychannel", "mychannel", ""]);

    assert!(matches!(
        request.queries[0].query,
        Some(query::Query::ConfigQuery(_))
    ));
    match &request.queries[1].query {
        Some(query::Query::PeerQuery(p)) => assert_eq!(p.filter, None),
        other => panic!("expected a peer query, got {other:?}"),
    }
    match &request.queries[2].query {
        Some(query::Query::CcQuery(cc)) => {
            assert_eq!(cc.interests.len(), 2);
            let first = &cc.interests[0].chaincodes;
            assert_eq!(first.len(), 1);
            assert_eq!(first[0].name, "basic");
            assert!(first[0].collection_names.is_empty());
            assert!(!first[0].no_private_reads && !first[0].no_public_writes);

            let chain = &cc.interests[1].chaincodes;
            assert_eq!(chain.len(), 2);
            assert_eq!(chain[0].name, "marbles");
            assert_eq!(
                chain[0].collection_names,
                ["collectionMarbles", "collectionMarblePrivateDetails"]
            );
            assert!(!chain[0].no_private_reads);
            assert!(chain[0].no_public_writes);
            assert!(chain[0].key_policies.is_empty());
            assert!(!chain[0].disregard_namespace_policy);
            assert_eq!(chain[1].name, "audit");
            assert!(chain[1].collection_names.is_empty());
            assert!(chain[1].no_private_reads);
            assert!(!chain[1].no_public_writes);
        }
        other => panic!("expected a chaincode query, got {other:?}"),
    }
    assert!(matches!(
        request.queries[3].query,
        Some(query::Query::LocalPeers(_))
    ));
}

#[test]
fn request_without_tls_hash_and_signed_wrapper() {
    let id = identity("Org1MSP", "Admin@org1.example.com");
    let payload = discovery_request(&id, None, "ignored", &[DiscoveryQuery::LocalPeers]);
    let request = Request::decode(payload.as_slice()).unwrap();
    let auth = request.authentication.unwrap();
    assert_eq!(auth.client_identity, id);
    assert!(auth.client_tls_cert_hash.is_empty());
    assert_eq!(request.queries.len(), 1);
    assert_eq!(request.queries[0].channel, "");

    let signed = signed_discovery_request(payload.clone(), vec![0x30, 0x45, 0x02]);
    assert_eq!(signed.payload, payload);
    assert_eq!(signed.signature, vec![0x30, 0x45, 0x02]);

    // The same inputs give the same bytes: nothing random or time-dependent is inside.
    assert_eq!(
        discovery_request(&id, None, "ignored", &[DiscoveryQuery::LocalPeers]),
        payload
    );
}

#[test]
fn chaincode_call_new_touches_no_collection() {
    assert_eq!(
        ChaincodeCall::new("basic"),
        ChaincodeCall {
            name: "basic".into(),
            collections: vec![],
            no_private_reads: false,
            no_public_writes: false,
        }
    );
}

// ---------------------------------------------------------------------------------------------
// Config

struct Pems {
    org1_ca: Vec<u8>,
    org1_ica: Vec<u8>,
    org1_admin: Vec<u8>,
    org1_tls: Vec<u8>,
    org1_tls_ica: Vec<u8>,
    org2_ca: Vec<u8>,
    org2_tls: Vec<u8>,
    orderer_ca: Vec<u8>,
    orderer_tls: Vec<u8>,
    orderer_tls_ica: Vec<u8>,
    orderer2_tls: Vec<u8>,
}

fn pems() -> Pems {
    Pems {
        org1_ca: cert_pem("ca.org1.example.com"),
        org1_ica: cert_pem("ica.org1.example.com"),
        org1_admin: cert_pem("Admin@org1.example.com"),
        org1_tls: cert_pem("tlsca.org1.example.com"),
        org1_tls_ica: cert_pem("tlsica.org1.example.com"),
        org2_ca: cert_pem("ca.org2.example.com"),
        org2_tls: cert_pem("tlsca.org2.example.com"),
        orderer_ca: cert_pem("ca.example.com"),
        orderer_tls: cert_pem("tlsca.example.com"),
        orderer_tls_ica: cert_pem("tlsica.example.com"),
        orderer2_tls: cert_pem("tlsca.orderer2.example.com"),
    }
}

fn fabric_msp(name: &str, roots: &[&[u8]], tls_roots: &[&[u8]]) -> FabricMspConfig {
    FabricMspConfig {
        name: name.into(),
        root_certs: roots.iter().map(|c| c.to_vec()).collect(),
        tls_root_certs: tls_roots.iter().map(|c| c.to_vec()).collect(),
        crypto_config: Some(FabricCryptoConfig {
            signature_hash_family: "SHA2".into(),
            identity_identifier_hash_function: "SHA256".into(),
        }),
        ..Default::default()
    }
}

fn endpoints(list: &[(&str, u32)]) -> Endpoints {
    Endpoints {
        endpoint: list
            .iter()
            .map(|(host, port)| Endpoint {
                host: (*host).into(),
                port: *port,
            })
            .collect(),
    }
}

fn config_result(p: &Pems) -> ConfigResult {
    let mut org1 = fabric_msp("Org1MSP", &[&p.org1_ca], &[&p.org1_tls]);
    org1.intermediate_certs = vec![p.org1_ica.clone()];
    org1.admins = vec![p.org1_admin.clone()];
    org1.tls_intermediate_certs = vec![p.org1_tls_ica.clone()];
    org1.revocation_list = vec![b"-----BEGIN X509 CRL-----".to_vec()];
    let mut orderer = fabric_msp("OrdererMSP", &[&p.orderer_ca], &[&p.orderer_tls]);
    orderer.tls_intermediate_certs = vec![p.orderer_tls_ica.clone()];
    // The second orderer org trusts its own TLS CA and the first org's (shared) one.
    let orderer2 = fabric_msp(
        "Orderer2MSP",
        &[&p.orderer_ca],
        &[&p.orderer2_tls, &p.orderer_tls],
    );
    // No org-level endpoints: the global addresses repeated under each orderer org, in
    // whatever order the peer's map iteration gives.
    let global = [
        ("orderer2.example.com", 8050),
        ("orderer.example.com", 7050),
        ("orderer.example.com", 7049),
    ];
    ConfigResult {
        msps: HashMap::from([
            (
                "Org2MSP".to_string(),
                fabric_msp("Org2MSP", &[&p.org2_ca], &[&p.org2_tls]),
            ),
            ("OrdererMSP".to_string(), orderer),
            ("Org1MSP".to_string(), org1),
            ("Orderer2MSP".to_string(), orderer2),
        ]),
        orderers: HashMap::from([
            ("Orderer2MSP".to_string(), endpoints(&global)),
            ("OrdererMSP".to_string(), endpoints(&global)),
        ]),
    }
}

fn expected_config(p: &Pems) -> ChannelConfig {
    let sorted_global = vec![
        ("orderer.example.com".to_string(), 7049),
        ("orderer.example.com".to_string(), 7050),
        ("orderer2.example.com".to_string(), 8050),
    ];
    ChannelConfig {
        msps: vec![
            MspInfo {
                msp_id: "Orderer2MSP".into(),
                root_certs: vec![p.orderer_ca.clone()],
                intermediate_certs: vec![],
                admins: vec![],
                tls_root_certs: vec![p.orderer2_tls.clone(), p.orderer_tls.clone()],
                tls_intermediate_certs: vec![],
            },
            MspInfo {
                msp_id: "OrdererMSP".into(),
                root_certs: vec![p.orderer_ca.clone()],
                intermediate_certs: vec![],
                admins: vec![],
                tls_root_certs: vec![p.orderer_tls.clone()],
                tls_intermediate_certs: vec![p.orderer_tls_ica.clone()],
            },
            MspInfo {
                msp_id: "Org1MSP".into(),
                root_certs: vec![p.org1_ca.clone()],
                intermediate_certs: vec![p.org1_ica.clone()],
                admins: vec![p.org1_admin.clone()],
                tls_root_certs: vec![p.org1_tls.clone()],
                tls_intermediate_certs: vec![p.org1_tls_ica.clone()],
            },
            MspInfo {
                msp_id: "Org2MSP".into(),
                root_certs: vec![p.org2_ca.clone()],
                intermediate_certs: vec![],
                admins: vec![],
                tls_root_certs: vec![p.org2_tls.clone()],
                tls_intermediate_certs: vec![],
            },
        ],
        orderers: vec![
            ("Orderer2MSP".into(), sorted_global.clone()),
            ("OrdererMSP".into(), sorted_global),
        ],
    }
}

fn pem(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn config_result_gives_msps_and_orderers_sorted() {
    let p = pems();
    let response = Response {
        results: vec![ok(query_result::Result::ConfigResult(config_result(&p)))],
    };
    let answers = parse_discovery_response(&response, &[DiscoveryQuery::Config]).unwrap();
    assert_eq!(
        answers,
        vec![Ok(DiscoveryAnswer::Config(expected_config(&p)))]
    );
}

#[test]
fn tls_ca_pems_of_one_msp_and_of_all_orderer_orgs() {
    let p = pems();
    let config = expected_config(&p);

    assert_eq!(
        config.msp("Org1MSP").unwrap().admins,
        vec![p.org1_admin.clone()]
    );
    assert!(config.msp("Org3MSP").is_none());

    assert_eq!(
        config.tls_ca_pems("Org1MSP"),
        vec![pem(&p.org1_tls), pem(&p.org1_tls_ica)]
    );
    assert_eq!(config.tls_ca_pems("Org2MSP"), vec![pem(&p.org2_tls)]);
    assert!(config.tls_ca_pems("Org3MSP").is_empty());
    for s in config.tls_ca_pems("Org1MSP") {
        assert!(s.starts_with("-----BEGIN CERTIFICATE-----"), "{s}");
    }

    // Pooled over both orderer orgs (MSP order), the shared root only once, no peer org's CA.
    assert_eq!(
        config.orderer_tls_ca_pems(),
        vec![
            pem(&p.orderer2_tls),
            pem(&p.orderer_tls),
            pem(&p.orderer_tls_ica)
        ]
    );

    // An orderer org missing from the MSPs contributes nothing (and does not fail).
    let mut partial = config.clone();
    partial.msps.retain(|m| m.msp_id != "Orderer2MSP");
    assert_eq!(
        partial.orderer_tls_ca_pems(),
        vec![pem(&p.orderer_tls), pem(&p.orderer_tls_ica)]
    );
    assert!(ChannelConfig::default().orderer_tls_ca_pems().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Peers

#[test]
fn channel_peers_are_decoded_and_sorted() {
    let (o1p1, e_o1p1) = channel_peer(
        "Org1MSP",
        "peer1.org1.example.com:8051",
        11,
        false,
        &[("basic", "1.0")],
    );
    let (o1p0, e_o1p0) = channel_peer(
        "Org1MSP",
        "peer0.org1.example.com:7051",
        12,
        false,
        &[("basic", "1.0"), ("_lifecycle", "")],
    );
    let (o2p0, e_o2p0) = channel_peer("Org2MSP", "peer0.org2.example.com:9051", 12, true, &[]);
    let no_membership = Peer {
        membership_info: None,
        ..o1p0.clone()
    };
    let response = Response {
        results: vec![members(vec![
            ("Org2MSP", vec![o2p0]),
            (
                "Org1MSP",
                vec![o1p1, hidden_peer("Org1MSP"), o1p0, no_membership],
            ),
        ])],
    };
    let answers = parse_discovery_response(&response, &[DiscoveryQuery::Peers]).unwrap();
    assert_eq!(
        answers,
        vec![Ok(DiscoveryAnswer::Peers(vec![e_o1p0, e_o1p1, e_o2p0]))]
    );
}

#[test]
fn local_peers_have_no_channel_state() {
    let id0 = identity("Org1MSP", "peer0");
    let id1 = identity("Org1MSP", "peer1");
    let local = |endpoint: &str, id: &[u8]| Peer {
        state_info: None,
        membership_info: Some(alive(endpoint, id)),
        identity: id.to_vec(),
    };
    let response = Response {
        results: vec![members(vec![(
            "Org1MSP",
            vec![
                local("peer1.org1.example.com:8051", &id1),
                local("peer0.org1.example.com:7051", &id0),
            ],
        )])],
    };
    let answers = parse_discovery_response(&response, &[DiscoveryQuery::LocalPeers]).unwrap();
    let expected = |endpoint: &str, id: &[u8]| DiscoveredPeer {
        msp_id: "Org1MSP".into(),
        endpoint: endpoint.into(),
        identity: id.to_vec(),
        ledger_height: None,
        chaincodes: vec![],
        left_channel: false,
    };
    assert_eq!(
        answers,
        vec![Ok(DiscoveryAnswer::Peers(vec![
            expected("peer0.org1.example.com:7051", &id0),
            expected("peer1.org1.example.com:8051", &id1),
        ]))]
    );
}

// ---------------------------------------------------------------------------------------------
// Endorsers

fn layout(pairs: &[(&str, u32)]) -> Layout {
    Layout {
        quantities_by_group: pairs.iter().map(|(g, n)| ((*g).to_string(), *n)).collect(),
    }
}

#[test]
fn endorsement_descriptors_with_groups_and_layouts() {
    let cc = [("basic", "1.0")];
    let (o1p0, e_o1p0) = channel_peer("Org1MSP", "peer0.org1.example.com:7051", 20, false, &cc);
    let (o1p1, e_o1p1) = channel_peer("Org1MSP", "peer1.org1.example.com:8051", 19, false, &cc);
    let (o2p0, e_o2p0) = channel_peer("Org2MSP", "peer0.org2.example.com:9051", 20, false, &cc);

    let basic = DescriptorProto {
        chaincode: "basic".into(),
        endorsers_by_groups: HashMap::from([
            (
                "G1".to_string(),
                Peers {
                    peers: vec![o2p0.clone()],
                },
            ),
            (
                "G0".to_string(),
                Peers {
                    peers: vec![o1p1.clone(), hidden_peer("Org1MSP"), o1p0.clone()],
                },
            ),
        ]),
        layouts: vec![layout(&[("G1", 1), ("G0", 1)]), layout(&[("G0", 2)])],
    };
    let kv = DescriptorProto {
        chaincode: "kv".into(),
        endorsers_by_groups: HashMap::from([(
            "G0".to_string(),
            Peers {
                peers: vec![o2p0, o1p0],
            },
        )]),
        layouts: vec![layout(&[("G0", 1)])],
    };
    let response = Response {
        results: vec![ok(query_result::Result::CcQueryRes(ChaincodeQueryResult {
            content: vec![basic, kv],
        }))],
    };
    let queries = [DiscoveryQuery::Endorsers(vec![
        vec![ChaincodeCall::new("basic")],
        vec![ChaincodeCall::new("kv"), ChaincodeCall::new("basic")],
    ])];
    let answers = parse_discovery_response(&response, &queries).unwrap();
    assert_eq!(
        answers,
        vec![Ok(DiscoveryAnswer::Endorsers(vec![
            EndorsementDescriptor {
                chaincode: "basic".into(),
                groups: vec![
                    ("G0".into(), vec![e_o1p0.clone(), e_o1p1]),
                    ("G1".into(), vec![e_o2p0.clone()]),
                ],
                layouts: vec![
                    vec![("G0".into(), 1), ("G1".into(), 1)],
                    vec![("G0".into(), 2)],
                ],
            },
            EndorsementDescriptor {
                chaincode: "kv".into(),
                groups: vec![("G0".into(), vec![e_o1p0, e_o2p0])],
                layouts: vec![vec![("G0".into(), 1)]],
            },
        ]))]
    );
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn query_errors_become_per_query_err() {
    let p = pems();
    let queries = [
        DiscoveryQuery::LocalPeers,
        DiscoveryQuery::Config,
        DiscoveryQuery::Endorsers(vec![vec![ChaincodeCall::new("kv")]]),
        DiscoveryQuery::Peers,
    ];
    let response = Response {
        results: vec![
            query_error("access denied"),
            ok(query_result::Result::ConfigResult(config_result(&p))),
            query_error("failed constructing descriptor for chaincodes:<name:\"kv\" >"),
            members(vec![]),
        ],
    };
    let answers = parse_discovery_response(&response, &queries).unwrap();
    assert_eq!(
        answers,
        vec![
            Err("access denied".to_string()),
            Ok(DiscoveryAnswer::Config(expected_config(&p))),
            Err("failed constructing descriptor for chaincodes:<name:\"kv\" >".to_string()),
            Ok(DiscoveryAnswer::Peers(vec![])),
        ]
    );
}

#[test]
fn result_count_must_match_query_count() {
    let two = [DiscoveryQuery::Config, DiscoveryQuery::Peers];
    let one_result = Response {
        results: vec![query_error("access denied")],
    };
    let msg = protocol_message(parse_discovery_response(&one_result, &two).unwrap_err());
    assert!(msg.contains("1 result(s) for 2 queries"), "{msg}");

    let three_results = Response {
        results: vec![query_error("a"), query_error("b"), query_error("c")],
    };
    let msg = protocol_message(parse_discovery_response(&three_results, &two).unwrap_err());
    assert!(msg.contains("3 result(s) for 2 queries"), "{msg}");

    assert_eq!(
        parse_discovery_response(&Response { results: vec![] }, &[]).unwrap(),
        vec![]
    );
}

#[test]
fn wrong_or_empty_result_kind_is_a_protocol_error() {
    let p = pems();
    let config = ok(query_result::Result::ConfigResult(config_result(&p)));

    let response = Response {
        results: vec![query_error("x"), config.clone()],
    };
    let err = parse_discovery_response(&response, &[DiscoveryQuery::Config, DiscoveryQuery::Peers])
        .unwrap_err();
    let msg = protocol_message(err);
    assert!(msg.contains("result 2 of 2 (peers query)"), "{msg}");
    assert!(
        msg.contains("expected a peer membership result, got a config result"),
        "{msg}"
    );

    let response = Response {
        results: vec![members(vec![])],
    };
    let msg = protocol_message(
        parse_discovery_response(&response, &[DiscoveryQuery::Endorsers(vec![])]).unwrap_err(),
    );
    assert!(
        msg.contains("expected a chaincode query result, got a peer membership result"),
        "{msg}"
    );

    let response = Response {
        results: vec![QueryResult { result: None }],
    };
    let msg = protocol_message(
        parse_discovery_response(&response, &[DiscoveryQuery::Config]).unwrap_err(),
    );
    assert!(msg.contains("got an empty result"), "{msg}");
}

#[test]
fn descriptor_count_must_match_interest_count() {
    let response = Response {
        results: vec![ok(query_result::Result::CcQueryRes(ChaincodeQueryResult {
            content: vec![DescriptorProto {
                chaincode: "basic".into(),
                ..Default::default()
            }],
        }))],
    };
    let queries = [DiscoveryQuery::Endorsers(vec![
        vec![ChaincodeCall::new("basic")],
        vec![ChaincodeCall::new("kv")],
    ])];
    let msg = protocol_message(parse_discovery_response(&response, &queries).unwrap_err());
    assert!(
        msg.contains("1 endorsement descriptor(s) for 2 interest(s)"),
        "{msg}"
    );
}

/// Length-delimited field 1 claiming 5 bytes with only 1 present.
const TRUNCATED: [u8; 3] = [0x0a, 0x05, 0x01];

#[test]
fn undecodable_bytes_are_protocol_errors() {
    let (good, _) = channel_peer("Org1MSP", "peer0.org1.example.com:7051", 5, false, &[]);
    let peers_query = [DiscoveryQuery::Peers];
    let parse_one = |peer: Peer| {
        let response = Response {
            results: vec![members(vec![("Org1MSP", vec![peer])])],
        };
        protocol_message(parse_discovery_response(&response, &peers_query).unwrap_err())
    };

    let msg = parse_one(Peer {
        identity: TRUNCATED.to_vec(),
        ..good.clone()
    });
    assert!(
        msg.contains("identity is not a SerializedIdentity"),
        "{msg}"
    );

    let msg = parse_one(Peer {
        membership_info: Some(Envelope {
            payload: TRUNCATED.to_vec(),
            ..Default::default()
        }),
        ..good.clone()
    });
    assert!(msg.contains("membership info"), "{msg}");
    assert!(msg.contains("not a gossip message"), "{msg}");

    let msg = parse_one(Peer {
        state_info: Some(Envelope {
            payload: TRUNCATED.to_vec(),
            ..Default::default()
        }),
        ..good.clone()
    });
    assert!(msg.contains("state info"), "{msg}");

    // Well-formed gossip of the wrong kind.
    let msg = parse_one(Peer {
        membership_info: good.state_info.clone(),
        ..good.clone()
    });
    assert!(msg.contains("instead of an alive message"), "{msg}");
    let msg = parse_one(Peer {
        state_info: good.membership_info.clone(),
        ..good.clone()
    });
    assert!(msg.contains("instead of a state info message"), "{msg}");

    // The same inside an endorsement group names the chaincode and group.
    let response = Response {
        results: vec![ok(query_result::Result::CcQueryRes(ChaincodeQueryResult {
            content: vec![DescriptorProto {
                chaincode: "basic".into(),
                endorsers_by_groups: HashMap::from([(
                    "G0".to_string(),
                    Peers {
                        peers: vec![Peer {
                            identity: TRUNCATED.to_vec(),
                            ..good.clone()
                        }],
                    },
                )]),
                layouts: vec![layout(&[("G0", 1)])],
            }],
        }))],
    };
    let queries = [DiscoveryQuery::Endorsers(vec![vec![ChaincodeCall::new(
        "basic",
    )]])];
    let msg = protocol_message(parse_discovery_response(&response, &queries).unwrap_err());
    assert!(msg.contains("chaincode basic, group G0"), "{msg}");
}

#[test]
fn orderer_port_out_of_range_is_a_protocol_error() {
    let config = ConfigResult {
        msps: HashMap::new(),
        orderers: HashMap::from([(
            "OrdererMSP".to_string(),
            endpoints(&[("orderer.example.com", 70_000)]),
        )]),
    };
    let response = Response {
        results: vec![ok(query_result::Result::ConfigResult(config))],
    };
    let msg = protocol_message(
        parse_discovery_response(&response, &[DiscoveryQuery::Config]).unwrap_err(),
    );
    assert!(msg.contains("orderer.example.com:70000"), "{msg}");
}

/// Random bytes in every byte field a peer fills: answers or errors, never a panic.
#[test]
fn garbage_never_panics() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let bytes = |next: &mut dyn FnMut() -> u64| {
        let len = (next() % 40) as usize;
        (0..len).map(|_| next() as u8).collect::<Vec<u8>>()
    };
    for _ in 0..2_000 {
        let peer = Peer {
            state_info: Some(Envelope {
                payload: bytes(&mut next),
                ..Default::default()
            }),
            membership_info: Some(Envelope {
                payload: bytes(&mut next),
                ..Default::default()
            }),
            identity: bytes(&mut next),
        };
        let response = Response {
            results: vec![members(vec![("Org1MSP", vec![peer])])],
        };
        if let Err(e) = parse_discovery_response(&response, &[DiscoveryQuery::Peers]) {
            assert_eq!(e.kind(), ErrorKind::Protocol);
        }
    }
}
