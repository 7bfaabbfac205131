//! Endorsements and transactions: `check_endorsements` against fake endorsers built here (rcgen
//! P-256 certificates, real signatures over `payload ‖ endorser`), `evaluation_payload`, and the
//! transaction envelope decoded back layer by layer. Pure: no network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, UNIX_EPOCH};

use rcgen::{CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};

use fabweave::crypto::{load_private_key, sha256};
use fabweave::error::{Error, PeerFailure};
use fabweave::identity::Identity;
use fabweave::proto::common::{Envelope, Header, Payload};
use fabweave::proto::kvrwset::{KvRead, KvWrite, KvrwSet, Version};
use fabweave::proto::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEvent, ChaincodeId, ChaincodeProposalPayload,
    Endorsement, ProposalResponse, ProposalResponsePayload, Response, Transaction,
};
use fabweave::proto::rwset::{NsReadWriteSet, TxReadWriteSet};
use fabweave::proto::Message;
use fabweave::protocol::{
    check_endorsements, evaluation_payload, Endorsed, PeerTarget, ProposalRequest,
    UnsignedProposal, UnsignedTransaction, ENDORSEMENTS_DIFFER,
};

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

/// The client (User1 of the identity fixtures).
fn user() -> Identity {
    Identity::from_msp_dir("Org1MSP", fixture("msp"), None).unwrap()
}

/// A fake endorsing peer: a target and an identity with a fresh P-256 key.
struct FakePeer {
    target: PeerTarget,
    identity: Identity,
}

impl FakePeer {
    fn new(name: &str, msp: &str) -> FakePeer {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(vec![name.to_owned()]).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.self_signed(&key).unwrap();
        let identity = Identity::from_pem(
            msp,
            cert.pem().as_bytes(),
            key.serialize_pem().as_bytes(),
            None,
        )
        .unwrap();
        FakePeer {
            target: PeerTarget::new(name, format!("{name}:7051")),
            identity,
        }
    }

    /// The same identity reached under another name and address.
    fn alias(&self, name: &str) -> FakePeer {
        FakePeer {
            target: PeerTarget::new(name, format!("{name}:9051")),
            identity: self.identity.clone(),
        }
    }

    /// A successful answer: status 200, `payload`, endorsed (signature over payload ‖ endorser).
    fn endorse(&self, payload: &[u8]) -> ProposalResponse {
        let endorser = self.identity.serialized();
        let signature = self.identity.sign(&[payload, &endorser].concat()).unwrap();
        ProposalResponse {
            version: 1,
            timestamp: None,
            response: Some(Response {
                status: 200,
                message: String::new(),
                payload: b"result".to_vec(),
            }),
            payload: payload.to_vec(),
            endorsement: Some(Endorsement {
                endorser,
                signature,
            }),
            interest: None,
        }
    }

    fn answer(&self, payload: &[u8]) -> (PeerTarget, Result<ProposalResponse, String>) {
        (self.target.clone(), Ok(self.endorse(payload)))
    }
}

fn proposal() -> UnsignedProposal {
    UnsignedProposal::new(
        ProposalRequest::new("mychannel", "basic", "CreateAsset", user().serialized())
            .arg("a1")
            .arg("blue")
            .transient("secret", b"do not put me in the transaction".to_vec())
            .nonce(vec![7; 24])
            .timestamp(UNIX_EPOCH + Duration::from_secs(1_700_000_000)),
    )
    .unwrap()
}

/// A read/write set: one read of `asset` at (block, 0) and one write.
fn results(read_block: u64) -> Vec<u8> {
    let kv = KvrwSet {
        reads: vec![KvRead {
            key: "a1".into(),
            version: Some(Version {
                block_num: read_block,
                tx_num: 0,
            }),
        }],
        writes: vec![KvWrite {
            key: "a1".into(),
            is_delete: false,
            value: b"{\"color\":\"blue\"}".to_vec(),
        }],
        ..KvrwSet::default()
    };
    TxReadWriteSet {
        data_model: 0,
        ns_rwset: vec![NsReadWriteSet {
            namespace: "basic".into(),
            rwset: kv.encode_to_vec(),
            collection_hashed_rwset: Vec::new(),
        }],
    }
    .encode_to_vec()
}

fn event() -> ChaincodeEvent {
    ChaincodeEvent {
        chaincode_id: "basic".into(),
        tx_id: proposal().tx_id().to_owned(),
        event_name: "AssetCreated".into(),
        payload: b"a1".to_vec(),
    }
}

/// A `ProposalResponsePayload` for `proposal_hash` whose simulation read at `read_block`.
fn payload_for(proposal_hash: &[u8], read_block: u64) -> Vec<u8> {
    let action = ChaincodeAction {
        results: results(read_block),
        events: event().encode_to_vec(),
        response: Some(Response {
            status: 200,
            message: String::new(),
            payload: b"result".to_vec(),
        }),
        chaincode_id: Some(ChaincodeId {
            path: String::new(),
            name: "basic".into(),
            version: "1.0".into(),
        }),
    };
    ProposalResponsePayload {
        proposal_hash: proposal_hash.to_vec(),
        extension: action.encode_to_vec(),
    }
    .encode_to_vec()
}

fn good_payload(p: &UnsignedProposal) -> Vec<u8> {
    payload_for(p.proposal_hash(), 5)
}

/// A chaincode error as the endorser returns it: status 500, the chaincode's message, no
/// endorsement.
fn chaincode_error(status: i32, message: &str) -> ProposalResponse {
    ProposalResponse {
        version: 1,
        response: Some(Response {
            status,
            message: message.into(),
            payload: Vec::new(),
        }),
        ..ProposalResponse::default()
    }
}

/// The fields of an `Error::Endorse`.
fn endorse_error(err: Error) -> (String, String, Vec<PeerFailure>) {
    match err {
        Error::Endorse {
            tx_id,
            message,
            peers,
        } => (tx_id, message, peers),
        other => panic!("expected Error::Endorse, got {other:?}"),
    }
}

fn endorsed() -> (UnsignedProposal, Endorsed) {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let b = FakePeer::new("peer0.org2", "Org2MSP");
    let endorsed =
        check_endorsements(&p, vec![a.answer(&payload), b.answer(&payload)], true).unwrap();
    (p, endorsed)
}

#[test]
fn two_endorsers_that_agree() {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let b = FakePeer::new("peer0.org2", "Org2MSP");
    let endorsed =
        check_endorsements(&p, vec![a.answer(&payload), b.answer(&payload)], true).unwrap();

    assert_eq!(endorsed.tx_id(), p.tx_id());
    assert_eq!(endorsed.payload(), payload.as_slice());
    let endorsers: Vec<_> = endorsed
        .endorsements()
        .iter()
        .map(|e| e.endorser.clone())
        .collect();
    assert_eq!(
        endorsers,
        vec![a.identity.serialized(), b.identity.serialized()]
    );
    assert_eq!(endorsed.status(), 200);
    assert_eq!(endorsed.result(), b"result");
    assert_eq!(endorsed.response().status, 200);
    assert_eq!(endorsed.event(), Some(&event()));
    assert_eq!(endorsed.results(), results(5).as_slice());
    let cc = endorsed.chaincode_id().unwrap();
    assert_eq!((cc.name.as_str(), cc.version.as_str()), ("basic", "1.0"));
    assert_eq!(endorsed.peers(), &[a.target.clone(), b.target.clone()]);
}

#[test]
fn endorsements_are_deduplicated_by_endorser() {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let same = a.alias("peer0-again.org1");
    let endorsed =
        check_endorsements(&p, vec![a.answer(&payload), same.answer(&payload)], true).unwrap();
    assert_eq!(endorsed.endorsements().len(), 1);
    // One peer per distinct endorser, matching the endorsements (the first one named).
    assert_eq!(endorsed.peers().len(), 1);
    assert_eq!(endorsed.peers()[0].name, "peer0.org1");
}

#[test]
fn no_event_when_the_chaincode_set_none() {
    let p = proposal();
    let action = ChaincodeAction {
        results: results(5),
        response: Some(Response {
            status: 200,
            ..Response::default()
        }),
        ..ChaincodeAction::default()
    };
    let payload = ProposalResponsePayload {
        proposal_hash: p.proposal_hash().to_vec(),
        extension: action.encode_to_vec(),
    }
    .encode_to_vec();
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let endorsed = check_endorsements(&p, vec![a.answer(&payload)], true).unwrap();
    assert!(endorsed.event().is_none());
    assert!(endorsed.result().is_empty());
}

#[test]
fn payloads_that_differ_are_refused_and_described() {
    let p = proposal();
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let b = FakePeer::new("peer0.org2", "Org2MSP");
    let c = FakePeer::new("peer1.org2", "Org2MSP");
    let behind = payload_for(p.proposal_hash(), 5);
    let ahead = payload_for(p.proposal_hash(), 6);
    let err = check_endorsements(
        &p,
        vec![a.answer(&behind), b.answer(&ahead), c.answer(&behind)],
        true,
    )
    .unwrap_err();
    let (tx_id, message, peers) = endorse_error(err);
    assert_eq!(tx_id, p.tx_id());
    assert_eq!(
        message,
        "the peers' endorsements differ (their ledgers may be at different heights)"
    );
    assert_eq!(message, ENDORSEMENTS_DIFFER);
    assert_eq!(peers.len(), 3, "{peers:?}");
    let names: Vec<_> = peers.iter().map(|f| f.peer.as_str()).collect();
    assert_eq!(names, ["peer0.org1", "peer0.org2", "peer1.org2"]);
    assert_eq!(peers[1].address, "peer0.org2:7051");
    assert!(peers.iter().all(|f| f.status == 200));
    assert!(
        peers[0].message.starts_with("returned result 1 of 2"),
        "{}",
        peers[0].message
    );
    assert!(
        peers[1].message.starts_with("returned result 2 of 2"),
        "{}",
        peers[1].message
    );
    assert!(
        peers[2].message.starts_with("returned result 1 of 2"),
        "{}",
        peers[2].message
    );
    assert!(
        peers[0].message.contains("newest read at block 5"),
        "{}",
        peers[0].message
    );
    assert!(
        peers[1].message.contains("newest read at block 6"),
        "{}",
        peers[1].message
    );
    assert!(peers[0].message.contains("1 write"), "{}", peers[0].message);
}

#[test]
fn a_bad_signature_is_refused_naming_the_peer() {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let b = FakePeer::new("peer0.org2", "Org2MSP");
    let mut forged = b.endorse(&payload);
    // Signed by a key that is not the endorser's.
    let other = load_private_key(&std::fs::read(fixture("other_key.pem")).unwrap(), None).unwrap();
    let endorser = b.identity.serialized();
    forged.endorsement.as_mut().unwrap().signature = other
        .sign(&[payload.as_slice(), &endorser].concat())
        .unwrap();

    let answers = || vec![a.answer(&payload), (b.target.clone(), Ok(forged.clone()))];
    let err = check_endorsements(&p, answers(), true).unwrap_err();
    let (tx_id, message, peers) = endorse_error(err.clone());
    assert_eq!(tx_id, p.tx_id());
    assert_eq!(message, "1 of 2 peers did not endorse");
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].peer, "peer0.org2");
    assert_eq!(peers[0].address, "peer0.org2:7051");
    assert_eq!(peers[0].status, 200);
    assert!(
        peers[0]
            .message
            .contains("endorsement signature of peer peer0.org2 (Org2MSP"),
        "{}",
        peers[0].message
    );
    assert!(
        peers[0].message.contains("does not verify"),
        "{}",
        peers[0].message
    );
    assert!(!err.is_retryable());

    // A signature over the payload alone (without the endorser bytes) is wrong too.
    let mut payload_only = b.endorse(&payload);
    payload_only.endorsement.as_mut().unwrap().signature = b.identity.sign(&payload).unwrap();
    let err = check_endorsements(&p, vec![(b.target.clone(), Ok(payload_only))], true).unwrap_err();
    let (_, message, peers) = endorse_error(err);
    assert_eq!(message, "peer peer0.org2 did not endorse");
    assert!(peers[0].message.contains("does not verify"));

    // Without verification the forged endorsement passes: the flag is what checks it.
    assert!(check_endorsements(&p, answers(), false).is_ok());
}

#[test]
fn an_endorser_that_is_not_a_certificate_is_refused() {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let mut answer = a.endorse(&payload);
    answer.endorsement.as_mut().unwrap().endorser = b"not a serialized identity \xff".to_vec();
    let err = check_endorsements(&p, vec![(a.target.clone(), Ok(answer))], true).unwrap_err();
    let (_, _, peers) = endorse_error(err);
    assert_eq!(peers.len(), 1);
    assert!(
        peers[0].message.contains("peer0.org1"),
        "{}",
        peers[0].message
    );
}

#[test]
fn a_chaincode_error_carries_the_chaincodes_message() {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let b = FakePeer::new("peer0.org2", "Org2MSP");
    let err = check_endorsements(
        &p,
        vec![
            a.answer(&payload),
            (
                b.target.clone(),
                Ok(chaincode_error(500, "the asset a1 already exists")),
            ),
        ],
        true,
    )
    .unwrap_err();
    assert!(!err.is_retryable());
    let (tx_id, message, peers) = endorse_error(err.clone());
    assert_eq!(tx_id, p.tx_id());
    assert_eq!(message, "1 of 2 peers did not endorse");
    assert_eq!(
        peers,
        vec![PeerFailure {
            peer: "peer0.org2".into(),
            address: "peer0.org2:7051".into(),
            status: 500,
            message: "the asset a1 already exists".into(),
            msp_id: String::new(),
        }]
    );
    let text = err.to_string();
    assert!(
        text.contains("status 500, the asset a1 already exists"),
        "{text}"
    );
}

#[test]
fn a_missing_endorsement_is_refused() {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let mut answer = a.endorse(&payload);
    answer.endorsement = None;
    let err = check_endorsements(&p, vec![(a.target.clone(), Ok(answer))], false).unwrap_err();
    let (_, message, peers) = endorse_error(err);
    assert_eq!(message, "peer peer0.org1 did not endorse");
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].status, 200);
    assert!(
        peers[0].message.contains("no endorsement"),
        "{}",
        peers[0].message
    );
}

#[test]
fn an_endorsement_of_another_proposal_is_refused() {
    let p = proposal();
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let stale = payload_for(&sha256(b"some other proposal"), 5);
    let err = check_endorsements(&p, vec![a.answer(&stale)], true).unwrap_err();
    let (_, _, peers) = endorse_error(err);
    assert_eq!(peers.len(), 1);
    assert!(
        peers[0].message.contains("another proposal"),
        "{}",
        peers[0].message
    );
    assert!(
        peers[0].message.contains(&fabweave_hex(p.proposal_hash())),
        "{}",
        peers[0].message
    );
}

#[test]
fn a_transport_error_is_reported_with_status_zero() {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let b = PeerTarget::new("peer0.org2", "peer0.org2:9051");
    let grpc = "status: Unavailable, message: \"connection refused\"".to_owned();
    let err = check_endorsements(
        &p,
        vec![a.answer(&payload), (b.clone(), Err(grpc.clone()))],
        true,
    )
    .unwrap_err();
    // Every failed peer is a transport failure: worth retrying.
    assert!(err.is_retryable());
    let (_, _, peers) = endorse_error(err);
    assert_eq!(
        peers,
        vec![PeerFailure {
            peer: b.name,
            address: b.address,
            status: 0,
            message: grpc,
            msp_id: String::new(),
        }]
    );
}

#[test]
fn every_failing_peer_is_listed() {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let b = FakePeer::new("peer0.org2", "Org2MSP");
    let c = FakePeer::new("peer0.org3", "Org3MSP");
    let d = PeerTarget::new("peer0.org4", "peer0.org4:7051");
    let mut unsigned = c.endorse(&payload);
    unsigned.endorsement = None;
    let err = check_endorsements(
        &p,
        vec![
            (b.target.clone(), Ok(chaincode_error(500, "boom"))),
            a.answer(&payload),
            (c.target.clone(), Ok(unsigned)),
            (d.clone(), Err("deadline exceeded".into())),
            (
                PeerTarget::new("peer1.org4", "peer1.org4:7051"),
                Ok(ProposalResponse::default()),
            ),
        ],
        true,
    )
    .unwrap_err();
    let (_, message, peers) = endorse_error(err);
    assert_eq!(message, "4 of 5 peers did not endorse");
    let summary: Vec<_> = peers.iter().map(|f| (f.peer.as_str(), f.status)).collect();
    assert_eq!(
        summary,
        [
            ("peer0.org2", 500),
            ("peer0.org3", 200),
            ("peer0.org4", 0),
            ("peer1.org4", 0)
        ]
    );
    assert_eq!(peers[0].message, "boom");
    assert_eq!(peers[2].message, "deadline exceeded");
    assert!(
        peers[3].message.contains("no response"),
        "{}",
        peers[3].message
    );
}

#[test]
fn statuses_300_to_399_pass_and_400_fails() {
    let p = proposal();
    let payload = good_payload(&p);
    let a = FakePeer::new("peer0.org1", "Org1MSP");
    let mut redirect = a.endorse(&payload);
    redirect.response.as_mut().unwrap().status = 399;
    assert!(check_endorsements(&p, vec![(a.target.clone(), Ok(redirect))], true).is_ok());
    let err = check_endorsements(
        &p,
        vec![(
            a.target.clone(),
            Ok(chaincode_error(404, "namespace basic is not defined")),
        )],
        true,
    )
    .unwrap_err();
    let (_, _, peers) = endorse_error(err);
    assert_eq!(peers[0].status, 404);
    assert_eq!(peers[0].message, "namespace basic is not defined");
}

#[test]
fn no_answers_is_an_error() {
    let p = proposal();
    let (tx_id, _, peers) = endorse_error(check_endorsements(&p, Vec::new(), true).unwrap_err());
    assert_eq!(tx_id, p.tx_id());
    assert!(peers.is_empty());
}

#[test]
fn evaluation_returns_the_payload_or_the_peers_error() {
    let p = proposal();
    let peer = PeerTarget::new("peer0.org1", "peer0.org1:7051");
    let ok = ProposalResponse {
        response: Some(Response {
            status: 200,
            message: String::new(),
            payload: b"{\"id\":\"a1\"}".to_vec(),
        }),
        ..ProposalResponse::default()
    };
    assert_eq!(
        evaluation_payload(&p, &peer, ok).unwrap(),
        b"{\"id\":\"a1\"}"
    );

    let err = evaluation_payload(
        &p,
        &peer,
        chaincode_error(500, "the asset a9 does not exist"),
    )
    .unwrap_err();
    let (tx_id, message, peers) = endorse_error(err);
    assert_eq!(tx_id, p.tx_id());
    assert!(message.contains("peer0.org1"), "{message}");
    assert_eq!(
        peers,
        vec![PeerFailure {
            peer: "peer0.org1".into(),
            address: "peer0.org1:7051".into(),
            status: 500,
            message: "the asset a9 does not exist".into(),
            msp_id: String::new(),
        }]
    );

    let (_, _, peers) =
        endorse_error(evaluation_payload(&p, &peer, ProposalResponse::default()).unwrap_err());
    assert_eq!(peers[0].status, 0);
}

#[test]
fn transaction_envelope_decodes_back_layer_by_layer() {
    let (p, endorsed) = endorsed();
    let client = user();
    let tx = UnsignedTransaction::new(&p, &endorsed).unwrap();
    assert_eq!(tx.tx_id(), p.tx_id());

    let signature = client.sign(tx.bytes()).unwrap();
    let envelope: Envelope = tx.signed(signature.clone());
    assert_eq!(envelope.payload, tx.bytes());
    assert_eq!(envelope.signature, signature);
    client
        .certificate()
        .verify_signature(&envelope.payload, &envelope.signature)
        .unwrap();

    let payload = Payload::decode(envelope.payload.as_slice()).unwrap();
    let header: Header = payload.header.unwrap();
    assert_eq!(header.channel_header, p.channel_header());
    assert_eq!(header.signature_header, p.signature_header());
    assert_eq!(header.encode_to_vec(), p.header());

    let transaction = Transaction::decode(payload.data.as_slice()).unwrap();
    assert_eq!(transaction.actions.len(), 1);
    let action = &transaction.actions[0];
    assert_eq!(action.header, p.signature_header());

    let cap = ChaincodeActionPayload::decode(action.payload.as_slice()).unwrap();
    assert_eq!(
        cap.chaincode_proposal_payload,
        p.payload_without_transient()
    );
    let cpp = ChaincodeProposalPayload::decode(cap.chaincode_proposal_payload.as_slice()).unwrap();
    assert!(cpp.transient_map.is_empty());
    assert!(!envelope
        .payload
        .windows(7)
        .any(|w| w == b"do not ".as_slice()));

    let endorsed_action = cap.action.unwrap();
    assert_eq!(
        endorsed_action.proposal_response_payload,
        endorsed.payload()
    );
    assert_eq!(endorsed_action.endorsements, endorsed.endorsements());
    assert_eq!(endorsed_action.endorsements.len(), 2);

    // What the committer checks: the hash of the headers and the carried proposal payload
    // equals the hash the endorsers signed.
    let prp = ProposalResponsePayload::decode(endorsed_action.proposal_response_payload.as_slice())
        .unwrap();
    let rehash = sha256(
        &[
            header.channel_header.as_slice(),
            action.header.as_slice(),
            cap.chaincode_proposal_payload.as_slice(),
        ]
        .concat(),
    );
    assert_eq!(prp.proposal_hash, rehash);
}

#[test]
fn a_transaction_needs_the_endorsements_of_its_own_proposal() {
    let (_, endorsed) = endorsed();
    let other = UnsignedProposal::new(
        ProposalRequest::new("mychannel", "basic", "CreateAsset", user().serialized())
            .nonce(vec![8; 24]),
    )
    .unwrap();
    let (tx_id, message, _) =
        endorse_error(UnsignedTransaction::new(&other, &endorsed).unwrap_err());
    assert_eq!(tx_id, other.tx_id());
    assert!(message.contains(endorsed.tx_id()), "{message}");
}

fn fabweave_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
