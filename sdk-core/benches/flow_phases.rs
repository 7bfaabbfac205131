//! Client CPU per submitted transaction, phase by phase, in process and without a network:
//!
//! - (a) `proposal build + sign`: `ProposalRequest` → `UnsignedProposal::new` (fresh nonce, tx id,
//!   proposal hash) → `Identity::sign` (ECDSA P-256) → `SignedProposal`;
//! - (b) `check 2 endorsements`: `check_endorsements` over two endorsers' `ProposalResponse`s
//!   (Org1 and Org2 peers, CA-issued P-256 certificates, each signing `payload ‖ endorser` as a
//!   peer does), with signature verification, and without it for comparison;
//! - (c) `envelope build + sign`: `UnsignedTransaction::new` → `Identity::sign` → `Envelope`;
//! - (d) `all phases`: (a) + (b) + (c) in one iteration, on a fresh proposal each time.
//!
//! Sizes are those of the load generator's `put`: a 16-byte key and a 100-byte value, a
//! read/write set with one KVRWSet write (plus the `_lifecycle` read real endorsers add), the value
//! echoed as the chaincode's response. The `parts` group times the primitives the phases are made
//! of, to see where the time goes.
//!
//! Run: `cargo bench -p fabweave --bench flow_phases`
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use fabweave::crypto::verify;
use fabweave::identity::{Certificate, Identity};
use fabweave::proto::kvrwset::{KvRead, KvWrite, KvrwSet, Version};
use fabweave::proto::peer::{
    ChaincodeAction, ChaincodeId, Endorsement, ProposalResponse, ProposalResponsePayload, Response,
};
use fabweave::proto::rwset::{NsReadWriteSet, TxReadWriteSet};
use fabweave::proto::Message;
use fabweave::protocol::{
    check_endorsements, new_nonce, PeerTarget, ProposalRequest, UnsignedProposal,
    UnsignedTransaction,
};
use rcgen::{
    CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    PKCS_ECDSA_P256_SHA256,
};

const CHANNEL: &str = "mychannel";
const CHAINCODE: &str = "kv";
/// A 16-byte key and a 100-byte value, as the load generator writes.
const KEY: &[u8; 16] = b"0123456789abcdef";
const VALUE: [u8; 100] = [b'v'; 100];

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

/// The client: User1 of the identity fixtures (Org1MSP).
fn client() -> Identity {
    Identity::from_msp_dir("Org1MSP", fixture("msp"), None).expect("the fixture MSP loads")
}

/// An endorsing peer: a P-256 identity whose certificate a CA of its organization issued, as
/// cryptogen and Fabric CA make them (OU=peer, SAN, key usage).
struct Endorser {
    target: PeerTarget,
    identity: Identity,
}

impl Endorser {
    fn new(peer: &str, org: &str, msp: &str) -> Endorser {
        let ca_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        for (t, v) in [
            (DnType::CountryName, "US"),
            (DnType::StateOrProvinceName, "North Carolina"),
            (DnType::LocalityName, "Durham"),
            (DnType::OrganizationName, org),
        ] {
            ca.distinguished_name.push(t, v);
        }
        ca.distinguished_name
            .push(DnType::CommonName, format!("ca.{org}"));
        let issuer = Issuer::from_params(&ca, &ca_key);

        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let name = format!("{peer}.{org}");
        let mut params = CertificateParams::new(vec![name.clone(), "localhost".into()]).unwrap();
        for (t, v) in [
            (DnType::CountryName, "US"),
            (DnType::StateOrProvinceName, "North Carolina"),
            (DnType::LocalityName, "Durham"),
            (DnType::OrganizationalUnitName, "peer"),
            (DnType::CommonName, name.as_str()),
        ] {
            params.distinguished_name.push(t, v);
        }
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &issuer).unwrap();
        let identity = Identity::from_pem(
            msp,
            cert.pem().as_bytes(),
            key.serialize_pem().as_bytes(),
            None,
        )
        .unwrap();
        Endorser {
            target: PeerTarget::new(name.clone(), format!("{name}:7051")),
            identity,
        }
    }

    /// A successful answer, signed as a peer signs: over `payload ‖ endorser`.
    fn answer(&self, payload: &[u8]) -> (PeerTarget, Result<ProposalResponse, String>) {
        let endorser = self.identity.serialized();
        let mut message = Vec::with_capacity(payload.len() + endorser.len());
        message.extend_from_slice(payload);
        message.extend_from_slice(&endorser);
        let signature = self.identity.sign(&message).unwrap();
        let response = ProposalResponse {
            version: 1,
            timestamp: Some(fabweave::proto::Timestamp::from(
                std::time::SystemTime::now(),
            )),
            response: Some(Response {
                status: 200,
                message: String::new(),
                payload: VALUE.to_vec(),
            }),
            payload: payload.to_vec(),
            endorsement: Some(Endorsement {
                endorser,
                signature,
            }),
            interest: None,
        };
        (self.target.clone(), Ok(response))
    }
}

/// The `ProposalResponsePayload` a peer returns for a `put KEY VALUE` of `proposal_hash`: the
/// `_lifecycle` definition read plus the chaincode's one write, and the echoed value.
fn endorsed_payload(proposal_hash: &[u8]) -> Vec<u8> {
    let lifecycle = KvrwSet {
        reads: vec![KvRead {
            key: format!("namespaces/fields/{CHAINCODE}/Sequence"),
            version: Some(Version {
                block_num: 7,
                tx_num: 0,
            }),
        }],
        ..KvrwSet::default()
    };
    let kv = KvrwSet {
        writes: vec![KvWrite {
            key: String::from_utf8(KEY.to_vec()).unwrap(),
            is_delete: false,
            value: VALUE.to_vec(),
        }],
        ..KvrwSet::default()
    };
    let results = TxReadWriteSet {
        data_model: 0,
        ns_rwset: vec![
            NsReadWriteSet {
                namespace: "_lifecycle".into(),
                rwset: lifecycle.encode_to_vec(),
                collection_hashed_rwset: Vec::new(),
            },
            NsReadWriteSet {
                namespace: CHAINCODE.into(),
                rwset: kv.encode_to_vec(),
                collection_hashed_rwset: Vec::new(),
            },
        ],
    }
    .encode_to_vec();
    let action = ChaincodeAction {
        results,
        events: Vec::new(),
        response: Some(Response {
            status: 200,
            message: String::new(),
            payload: VALUE.to_vec(),
        }),
        chaincode_id: Some(ChaincodeId {
            path: String::new(),
            name: CHAINCODE.into(),
            version: "1".into(),
        }),
    };
    ProposalResponsePayload {
        proposal_hash: proposal_hash.to_vec(),
        extension: action.encode_to_vec(),
    }
    .encode_to_vec()
}

/// The request a `contract.submit("put").args([KEY, VALUE])` makes: fresh nonce, current time.
fn request(creator: &[u8]) -> ProposalRequest {
    ProposalRequest::new(CHANNEL, CHAINCODE, "put", creator.to_vec())
        .arg(KEY.to_vec())
        .arg(VALUE.to_vec())
}

type Answers = Vec<(PeerTarget, Result<ProposalResponse, String>)>;

/// A fresh request and the two endorsers' answers to it (peer-side work, not timed). The nonce is
/// drawn here so that the timed proposal is the one the answers endorse.
fn endorsed_request(creator: &[u8], peers: &[Endorser]) -> (ProposalRequest, Answers) {
    let req = request(creator).nonce(new_nonce().unwrap());
    let proposal = UnsignedProposal::new(req.clone()).unwrap();
    let payload = endorsed_payload(proposal.proposal_hash());
    let answers = peers.iter().map(|p| p.answer(&payload)).collect();
    (req, answers)
}

fn bench(c: &mut Criterion) {
    let user = client();
    let creator = user.serialized();
    let peers = [
        Endorser::new("peer0", "org1.example.com", "Org1MSP"),
        Endorser::new("peer0", "org2.example.com", "Org2MSP"),
    ];

    // Fixed inputs of (b) and (c), checked once.
    let proposal = UnsignedProposal::new(request(&creator)).unwrap();
    let payload = endorsed_payload(proposal.proposal_hash());
    let answers: Answers = peers.iter().map(|p| p.answer(&payload)).collect();
    let endorsed = check_endorsements(&proposal, answers.clone(), true).unwrap();
    assert_eq!(endorsed.endorsements().len(), 2);
    let tx = UnsignedTransaction::new(&proposal, &endorsed).unwrap();
    eprintln!(
        "sizes: proposal {} B, endorsed payload {} B, endorser identity {} B, envelope payload {} B",
        proposal.bytes().len(),
        payload.len(),
        peers[0].identity.serialized().len(),
        tx.bytes().len()
    );

    let mut g = c.benchmark_group("flow phases (put, 16 B key, 100 B value)");
    g.bench_function("a) proposal build + sign", |b| {
        b.iter(|| {
            let p = UnsignedProposal::new(request(&creator)).unwrap();
            let signature = user.sign(p.bytes()).unwrap();
            black_box(p.signed(signature))
        })
    });
    g.bench_function("b) check 2 endorsements, signatures verified", |b| {
        b.iter_batched(
            || answers.clone(),
            |a| black_box(check_endorsements(&proposal, a, true).unwrap()),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("b') check 2 endorsements, signatures not verified", |b| {
        b.iter_batched(
            || answers.clone(),
            |a| black_box(check_endorsements(&proposal, a, false).unwrap()),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("c) envelope build + sign", |b| {
        b.iter(|| {
            let t = UnsignedTransaction::new(&proposal, &endorsed).unwrap();
            let signature = user.sign(t.bytes()).unwrap();
            black_box(t.signed(signature))
        })
    });
    g.bench_function("d) all phases (a + b + c)", |b| {
        b.iter_batched(
            || endorsed_request(&creator, &peers),
            |(req, answers)| {
                let p = UnsignedProposal::new(req).unwrap();
                let signed = p.signed(user.sign(p.bytes()).unwrap());
                black_box(&signed);
                let e = check_endorsements(&p, answers, true).unwrap();
                let t = UnsignedTransaction::new(&p, &e).unwrap();
                let signature = user.sign(t.bytes()).unwrap();
                black_box(t.signed(signature))
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();

    // The primitives behind the phases.
    let endorser = peers[0].identity.serialized();
    let (_, first) = &answers[0];
    let first = first.as_ref().unwrap();
    let signature = first.endorsement.as_ref().unwrap().signature.clone();
    let signed_message = [first.payload.as_slice(), endorser.as_slice()].concat();
    let cert_pem = peers[0].identity.certificate().pem().as_bytes().to_vec();
    let public_key = peers[0].identity.certificate().public_key_der().to_vec();
    verify(&public_key, &signed_message, &signature).unwrap();

    let mut g = c.benchmark_group("parts");
    g.bench_function("P-256 sign (proposal bytes)", |b| {
        b.iter(|| black_box(user.sign(black_box(proposal.bytes())).unwrap()))
    });
    g.bench_function("P-256 verify (one endorsement)", |b| {
        b.iter(|| verify(&public_key, black_box(&signed_message), &signature).unwrap())
    });
    g.bench_function("endorser certificate parse (PEM)", |b| {
        b.iter(|| black_box(Certificate::from_pem(black_box(&cert_pem)).unwrap()))
    });
    g.bench_function("UnsignedProposal::new (no signing)", |b| {
        b.iter(|| black_box(UnsignedProposal::new(request(&creator)).unwrap()))
    });
    g.bench_function("UnsignedTransaction::new (no signing)", |b| {
        b.iter(|| black_box(UnsignedTransaction::new(&proposal, &endorsed).unwrap()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
