//! GM ("OSCCA") enrollment material checked against OpenSSL 3, without a network: certificate
//! signing requests made by `fabweave::ca::certificate_request_pem` (what `CaClient::enroll`
//! sends) verify with `openssl req -verify` — SM2-with-SM3 ones with the distinguishing ID
//! 1234567812345678, ECDSA P-256 ones as usual — and show their subject and alternative names;
//! a tampered request does not verify; SM2 keys from `fabweave::ca::generate_key` read in
//! OpenSSL; and an OpenSSL SM2 CA signs our request into a certificate that, with our key, is a
//! working identity.
//!
//! OpenSSL 3.0 prints "verify failure" for a bad request yet exits 0, so the tests look for its
//! success message rather than trusting the exit status.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod gmtools;

use std::path::Path;

use fabweave::ca::{certificate_request_pem, generate_key, KeyAlgorithm};
use fabweave::crypto::{load_private_key, verify, SignatureAlgorithm, DEFAULT_DISTID};
use fabweave::identity::Identity;
use gmtools::{openssl, pem_to_der, run_openssl};

/// What OpenSSL prints (on stderr) when a request's self-signature verifies.
const VERIFY_OK: &str = "Certificate request self-signature verify OK";

fn hosts() -> Vec<String> {
    [
        "peer0.org1.example.com",
        "127.0.0.1",
        "::1",
        "admin@org1.example.com",
    ]
    .iter()
    .map(|h| (*h).to_owned())
    .collect()
}

const CN: &str = "User1@org1.example.com";

/// A request for `CN` and `hosts()` by a new key of `algorithm`, written to `dir/r.csr`;
/// returns the key's PEM and the request's PEM.
fn request(dir: &Path, algorithm: KeyAlgorithm) -> (String, String) {
    let (signer, key_pem) = generate_key(algorithm).unwrap();
    let csr = certificate_request_pem(signer.as_ref(), CN, &hosts()).unwrap();
    assert!(
        csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----\n"),
        "{csr}"
    );
    std::fs::write(dir.join("r.csr"), &csr).unwrap();
    std::fs::write(dir.join("key.pem"), key_pem.as_bytes()).unwrap();
    (key_pem.to_string(), csr)
}

/// The names every request of these tests shows in `openssl req -text`.
fn assert_names(text: &str) {
    for expected in [
        "Subject: CN = User1@org1.example.com",
        "Requested Extensions:",
        "X509v3 Subject Alternative Name:",
        "DNS:peer0.org1.example.com",
        "IP Address:127.0.0.1",
        "email:admin@org1.example.com",
    ] {
        assert!(text.contains(expected), "no `{expected}` in:\n{text}");
    }
    // OpenSSL 3.0 writes IPv6 addresses in full; later versions may compress them.
    assert!(
        text.contains("IP Address:0:0:0:0:0:0:0:1") || text.contains("IP Address:::1"),
        "no ::1 in:\n{text}"
    );
}

#[test]
fn sm2_request_verifies_with_openssl_and_shows_its_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    request(d, KeyAlgorithm::Sm2);
    let distid = format!("distid:{DEFAULT_DISTID}");
    let out = openssl(
        d,
        &[
            "req", "-in", "r.csr", "-noout", "-verify", "-vfyopt", &distid,
        ],
    );
    assert!(out.contains(VERIFY_OK), "{out}");
    assert!(!out.contains("failure"), "{out}");

    let text = openssl(d, &["req", "-in", "r.csr", "-noout", "-text"]);
    assert_names(&text);
    assert!(text.contains("Signature Algorithm: SM2-with-SM3"), "{text}");
    assert!(
        text.contains("Public Key Algorithm: id-ecPublicKey"),
        "{text}"
    );
    assert!(text.contains("ASN1 OID: SM2"), "{text}");
    assert!(text.contains("Version: 1 (0x0)"), "{text}");
}

#[test]
fn p256_request_verifies_with_openssl_and_shows_its_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    request(d, KeyAlgorithm::P256);
    let out = openssl(d, &["req", "-in", "r.csr", "-noout", "-verify"]);
    assert!(out.contains(VERIFY_OK), "{out}");
    assert!(!out.contains("failure"), "{out}");

    let text = openssl(d, &["req", "-in", "r.csr", "-noout", "-text"]);
    assert_names(&text);
    assert!(
        text.contains("Signature Algorithm: ecdsa-with-SHA256"),
        "{text}"
    );
    assert!(text.contains("NIST CURVE: P-256"), "{text}");
}

#[test]
fn common_names_with_separators_stay_one_attribute() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (signer, _) = generate_key(KeyAlgorithm::Sm2).unwrap();
    let csr = certificate_request_pem(signer.as_ref(), "a,O=evil+b", &[]).unwrap();
    std::fs::write(d.join("r.csr"), &csr).unwrap();
    // RFC 2253 output escapes the separators (`=` needs none): one CN, no O.
    let out = openssl(
        d,
        &[
            "req", "-in", "r.csr", "-noout", "-subject", "-nameopt", "RFC2253",
        ],
    );
    assert_eq!(out.trim(), "subject=CN=a\\,O=evil\\+b", "{out}");
    let out = openssl(
        d,
        &[
            "req",
            "-in",
            "r.csr",
            "-noout",
            "-subject",
            "-nameopt",
            "multiline",
        ],
    );
    let lines: Vec<String> = out
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(lines, ["subject=", "commonName = a,O=evil+b"], "{out}");
    let distid = format!("distid:{DEFAULT_DISTID}");
    let out = openssl(
        d,
        &[
            "req", "-in", "r.csr", "-noout", "-verify", "-vfyopt", &distid,
        ],
    );
    assert!(out.contains(VERIFY_OK), "{out}");
}

#[test]
fn tampered_requests_do_not_verify() {
    for (algorithm, vfyopt) in [
        (KeyAlgorithm::Sm2, Some(format!("distid:{DEFAULT_DISTID}"))),
        (KeyAlgorithm::P256, None),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let (_, csr) = request(d, algorithm);
        let mut der = pem_to_der(&csr);
        std::fs::write(d.join("good.der"), &der).unwrap();
        // Flip one byte of the common name: "User1" becomes "Vser1".
        let at = der
            .windows(CN.len())
            .position(|w| w == CN.as_bytes())
            .unwrap();
        der[at] ^= 0x03;
        std::fs::write(d.join("bad.der"), &der).unwrap();

        let verify_args = |file: &'static str| {
            let mut args = vec!["req", "-inform", "DER", "-in", file, "-noout", "-verify"];
            if let Some(opt) = &vfyopt {
                args.extend(["-vfyopt", opt.as_str()]);
            }
            run_openssl(d, &args)
        };
        // The untampered DER verifies, so the failure below is the flipped byte's doing.
        let (_, good) = verify_args("good.der");
        assert!(good.contains(VERIFY_OK), "{algorithm}: {good}");
        // OpenSSL 3.0 exits 0 here; later versions may not. Either way it says so.
        let (_, bad) = verify_args("bad.der");
        assert!(!bad.contains(VERIFY_OK), "{algorithm}: {bad}");
        assert!(bad.contains("verify failure"), "{algorithm}: {bad}");
    }
}

#[test]
fn sm2_keys_read_in_openssl_and_load_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (signer, key_pem) = generate_key(KeyAlgorithm::Sm2).unwrap();
    assert_eq!(signer.algorithm(), SignatureAlgorithm::Sm2Sm3);
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    std::fs::write(d.join("key.pem"), key_pem.as_bytes()).unwrap();

    let text = openssl(d, &["pkey", "-in", "key.pem", "-noout", "-text"]);
    assert!(text.contains("ASN1 OID: SM2"), "{text}");
    assert!(text.contains("Private-Key: (256 bit)"), "{text}");
    // OpenSSL derives the same public key.
    openssl(d, &["pkey", "-in", "key.pem", "-pubout", "-out", "pub.pem"]);
    let pub_der = pem_to_der(&std::fs::read_to_string(d.join("pub.pem")).unwrap());
    assert_eq!(pub_der, signer.public_key_der());

    // fabweave loads the PEM back into the same key.
    let again = load_private_key(key_pem.as_bytes(), None).unwrap();
    assert_eq!(again.algorithm(), SignatureAlgorithm::Sm2Sm3);
    assert_eq!(again.public_key_der(), signer.public_key_der());
    let sig = again.sign(b"hello").unwrap();
    verify(&signer.public_key_der(), b"hello", &sig).unwrap();

    // The P-256 default still makes P-256 keys.
    let (p256, p256_pem) = generate_key(KeyAlgorithm::default()).unwrap();
    assert_eq!(p256.algorithm(), SignatureAlgorithm::EcdsaP256Sha256);
    std::fs::write(d.join("p256.pem"), p256_pem.as_bytes()).unwrap();
    let text = openssl(d, &["pkey", "-in", "p256.pem", "-noout", "-text"]);
    assert!(text.contains("NIST CURVE: P-256"), "{text}");
}

#[test]
fn openssl_sm2_ca_signs_our_request_into_an_identity() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let distid = format!("distid:{DEFAULT_DISTID}");
    openssl(d, &["genpkey", "-algorithm", "SM2", "-out", "ca.key"]);
    openssl(
        d,
        &[
            "req", "-x509", "-new", "-key", "ca.key", "-sm3", "-sigopt", &distid, "-subj",
            "/CN=gmca", "-days", "1", "-out", "ca.pem",
        ],
    );
    let (key_pem, _) = request(d, KeyAlgorithm::Sm2);
    // `x509 -req` checks the request's self-signature before signing (and refuses it without
    // the distinguishing ID).
    let out = openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "r.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-sm3",
            "-sigopt",
            &distid,
            "-vfyopt",
            &distid,
            "-copy_extensions",
            "copy",
            "-days",
            "1",
            "-out",
            "user.pem",
        ],
    );
    assert!(out.contains("self-signature ok"), "{out}");
    let text = openssl(d, &["x509", "-in", "user.pem", "-noout", "-text"]);
    assert!(text.contains("Signature Algorithm: SM2-with-SM3"), "{text}");
    assert!(text.contains("DNS:peer0.org1.example.com"), "{text}");
    let out = openssl(
        d,
        &[
            "verify", "-CAfile", "ca.pem", "-vfyopt", &distid, "user.pem",
        ],
    );
    assert!(out.contains("user.pem: OK"), "{out}");

    // The certificate and our key make an identity that signs verifiably.
    let cert = std::fs::read(d.join("user.pem")).unwrap();
    let identity = Identity::from_pem("Org1MSP", &cert, key_pem.as_bytes(), None).unwrap();
    assert_eq!(identity.msp_id(), "Org1MSP");
    assert_eq!(identity.certificate().subject_common_name(), Some(CN));
    let signature = identity.sign(b"proposal bytes").unwrap();
    identity
        .certificate()
        .verify_signature(b"proposal bytes", &signature)
        .unwrap();
    assert!(identity
        .certificate()
        .verify_signature(b"other bytes", &signature)
        .is_err());

    // Another key's request would not match the certificate.
    let (other, _) = generate_key(KeyAlgorithm::Sm2).unwrap();
    assert!(!other.matches_public_key(identity.certificate().public_key_der()));
}
