//! A BCS-style profile of an OSCCA ("GM") instance (`client.BCCSP.security.default.provider:
//! SM`) selects the SM suite by itself: proposals carry `tx_id = hex(SM3(nonce ‖ creator))`
//! and `tls_cert_hash = SM3(client TLS certificate DER)`, and are signed with SM2 over
//! `SM3(Z_A ‖ M)` — each checked against OpenSSL's own SM3 and SM2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod gmtools;

use std::path::Path;

use fabweave::config::Profile;
use fabweave::crypto::CryptoSuite;
use fabweave::flow::Client;
use fabweave::identity::Identity;
use fabweave::proto::common::{ChannelHeader, Header, SignatureHeader};
use fabweave::proto::peer::Proposal;
use fabweave::proto::Message;
use gmtools::{hex, openssl, openssl_sm3};

#[tokio::test]
async fn gm_profile_makes_proposals_a_bcs_gm_network_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The user's SM2 key and certificate; a P-256 client TLS pair (BCS keeps TLS standard).
    gmtools::sm2_key_and_cert(d, "user", "User1@org1.example.com");
    openssl(
        d,
        &[
            "genpkey",
            "-algorithm",
            "EC",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-out",
            "tls.key",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "tls.key",
            "-subj",
            "/CN=client",
            "-days",
            "2",
            "-out",
            "tls.pem",
        ],
    );
    let profile_text = format!(
        "version: 1.0.0\n\
         client:\n  organization: org1\n  BCCSP:\n    security:\n      enabled: true\n      \
         default:\n        provider: SM\n      hashAlgorithm: SM3\n      level: 256\n  \
         tlsCerts:\n    client:\n      cert:\n        path: {d}/tls.pem\n      key:\n        \
         path: {d}/tls.key\n\
         organizations:\n  org1:\n    mspid: Org1MSP\n    peers: [peer0]\n\
         peers:\n  peer0:\n    url: grpcs://127.0.0.1:1\n    tlsCACerts:\n      path: {d}/tls.pem\n",
        d = d.display()
    );
    std::fs::write(d.join("sdk-config.yaml"), profile_text).unwrap();
    let profile = Profile::load(d.join("sdk-config.yaml")).unwrap();
    let identity = Identity::from_pem(
        "Org1MSP",
        &std::fs::read(d.join("user.pem")).unwrap(),
        &std::fs::read(d.join("user.key")).unwrap(),
        None,
    )
    .unwrap();
    let client = Client::builder(profile)
        .identity(identity.clone())
        .connect()
        .await
        .unwrap();
    assert_eq!(client.crypto_suite(), CryptoSuite::BCS_GM);

    let proposal = client
        .network("mychannel")
        .contract("kv")
        .submit("put")
        .args(["k", "v"])
        .build()
        .unwrap();
    let decoded = Proposal::decode(proposal.bytes()).unwrap();
    let header = Header::decode(decoded.header.as_slice()).unwrap();
    let channel_header = ChannelHeader::decode(header.channel_header.as_slice()).unwrap();
    let signature_header = SignatureHeader::decode(header.signature_header.as_slice()).unwrap();

    // tx id = hex(SM3(nonce ‖ creator)), as OpenSSL computes it.
    let mut preimage = signature_header.nonce.clone();
    preimage.extend_from_slice(&signature_header.creator);
    std::fs::write(d.join("txid.bin"), &preimage).unwrap();
    assert_eq!(channel_header.tx_id, openssl_sm3(d, "txid.bin"));
    assert_eq!(proposal.tx_id(), channel_header.tx_id);

    // tls_cert_hash = SM3(DER of the client TLS certificate).
    openssl(
        d,
        &[
            "x509", "-in", "tls.pem", "-outform", "DER", "-out", "tls.der",
        ],
    );
    assert_eq!(
        hex(&channel_header.tls_cert_hash),
        openssl_sm3(d, "tls.der")
    );

    // The proposal signature: SM2 with the standard ID, verified by OpenSSL.
    let signature = identity.sign(proposal.bytes()).unwrap();
    std::fs::write(d.join("proposal.bin"), proposal.bytes()).unwrap();
    std::fs::write(d.join("proposal.sig"), &signature).unwrap();
    openssl(
        d,
        &[
            "x509", "-in", "user.pem", "-pubkey", "-noout", "-out", "user.pub",
        ],
    );
    let out = openssl(
        d,
        &[
            "pkeyutl",
            "-verify",
            "-in",
            "proposal.bin",
            "-pubin",
            "-inkey",
            "user.pub",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-sigfile",
            "proposal.sig",
        ],
    );
    assert!(out.contains("Signature Verified Successfully"), "{out}");
}

#[tokio::test]
async fn standard_profile_keeps_sha256() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/identity/ec_pkcs8.pem");
    let cert = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/identity/ec_cert.pem");
    let identity = Identity::from_files("Org1MSP", &cert, &path, None).unwrap();
    let profile = Profile::from_text(
        "client: {organization: org1}
organizations:
  org1: {mspid: Org1MSP}
",
        std::env::temp_dir(),
        &fabweave::config::LoadOptions::default(),
    )
    .unwrap();
    let client = Client::builder(profile)
        .identity(identity)
        .discovery(false)
        .connect()
        .await
        .unwrap();
    assert_eq!(client.crypto_suite(), CryptoSuite::FABRIC);
}

/// `client.cryptoSuite` names one of the suites the GM forks need; the client's identity then
/// signs that way (here `e = SM3(Z_A ‖ SM3(M))`, which never verifies as standard SM2), and an unknown
/// name is refused with the list of known ones.
#[tokio::test]
async fn profile_names_a_fork_suite() {
    use fabweave::crypto::{verify, verify_with, Sm2Digest};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    gmtools::sm2_key_and_cert(d, "user", "user1");
    let identity =
        Identity::from_files("Org1MSP", d.join("user.pem"), d.join("user.key"), None).unwrap();
    let text = |suite: &str| {
        format!(
            "client:\n  organization: org1\n  cryptoSuite: {suite}\n\
             organizations:\n  org1: {{mspid: Org1MSP}}\n"
        )
    };
    let options = fabweave::config::LoadOptions::default();
    let profile = Profile::from_text(&text("gm-sm3-prehash"), d, &options).unwrap();
    let client = Client::builder(profile)
        .identity(identity.clone())
        .discovery(false)
        .connect()
        .await
        .unwrap();
    assert_eq!(client.crypto_suite(), CryptoSuite::GM_SM3_PREHASH);
    let spki = identity.certificate().public_key_der();
    let signature = client.identity().sign(b"proposal bytes").unwrap();
    verify_with(spki, b"proposal bytes", &signature, Sm2Digest::Sm3Prehash).unwrap();
    assert!(verify(spki, b"proposal bytes", &signature).is_err());
    // The identity given stays standard.
    verify(spki, b"x", &identity.sign(b"x").unwrap()).unwrap();

    let err = Profile::from_text(&text("gm-nonsense"), d, &options).unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("client.cryptoSuite") && message.contains("bcs-gm-tjfoc132"),
        "{message}"
    );
}
