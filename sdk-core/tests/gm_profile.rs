//! A BCS-style profile of an OSCCA ("GM") instance (`client.BCCSP.security.default.provider:
//! SM`) selects the SM suite by itself: proposals carry `tx_id = hex(SM3(nonce ‖ creator))`
//! and `tls_cert_hash = SM3(client TLS certificate DER)`, and are signed with SM2 over
//! `SM3(Z_A ‖ M)` — each checked against OpenSSL's own SM3 and SM2.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use fabweave::config::Profile;
use fabweave::crypto::CryptoSuite;
use fabweave::flow::Client;
use fabweave::identity::Identity;
use fabweave::proto::common::{ChannelHeader, Header, SignatureHeader};
use fabweave::proto::peer::Proposal;
use fabweave::proto::Message;

fn openssl(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl must be installed (it is part of the test toolchain)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl {args:?}: {text}");
    text
}

/// OpenSSL's SM3 of a file, as lower-case hex.
fn openssl_sm3(dir: &Path, file: &str) -> String {
    let out = openssl(dir, &["dgst", "-sm3", "-r", file]);
    out.split_whitespace().next().unwrap().to_owned()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn gm_profile_makes_proposals_a_bcs_gm_network_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The user's SM2 key and certificate; a P-256 client TLS pair (BCS keeps TLS standard).
    openssl(d, &["genpkey", "-algorithm", "SM2", "-out", "user.key"]);
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "user.key",
            "-sm3",
            "-sigopt",
            "distid:1234567812345678",
            "-subj",
            "/CN=User1@org1.example.com",
            "-days",
            "2",
            "-out",
            "user.pem",
        ],
    );
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
