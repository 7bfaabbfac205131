//! Private key loading: every format fabweave reads, and every way a key file can be wrong.
//!
//! Fixtures come from `tests/fixtures/identity/make.sh` (openssl); all `ec_*` files hold the
//! same P-256 key, the one certified by `ec_cert.pem`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use fabweave::crypto::{load_private_key, verify, P256Signer, SignatureAlgorithm, Signer};
use fabweave::error::{Error, ErrorKind, IdentityProblem};
use fabweave::identity::Certificate;

const PASS: &[u8] = b"fabweave";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn user_cert() -> Certificate {
    Certificate::from_pem(&read("ec_cert.pem")).unwrap()
}

fn problem(err: Error) -> IdentityProblem {
    assert_eq!(err.kind(), ErrorKind::Identity, "{err}");
    match err {
        Error::Identity { problem, .. } => problem,
        other => panic!("not an identity error: {other:?}"),
    }
}

/// Loads `name`, checks it is the user's key and that it signs verifiably.
fn assert_user_key(name: &str, passphrase: Option<&[u8]>) {
    let signer = load_private_key(&read(name), passphrase)
        .unwrap_or_else(|e| panic!("{name} did not load: {e}"));
    assert_eq!(signer.algorithm(), SignatureAlgorithm::EcdsaP256Sha256);
    let cert = user_cert();
    assert!(
        signer.matches_public_key(cert.public_key_der()),
        "{name} is not the key of ec_cert.pem"
    );
    let sig = signer.sign(name.as_bytes()).unwrap();
    cert.verify_signature(name.as_bytes(), &sig).unwrap();
}

#[test]
fn loads_unencrypted_formats() {
    for name in [
        "ec_pkcs8.pem",
        "ec_pkcs8.der",
        "ec_sec1.pem",
        "ec_sec1.der",
        "ec_sec1_with_params.pem",
    ] {
        assert_user_key(name, None);
        // A passphrase given for an unencrypted key is ignored.
        assert_user_key(name, Some(PASS));
    }
}

#[test]
fn loads_encrypted_pkcs8() {
    for name in [
        "ec_pkcs8_encrypted.pem",
        "ec_pkcs8_encrypted_sha1.pem",
        "ec_pkcs8_encrypted.der",
    ] {
        assert_user_key(name, Some(PASS));
    }
}

#[test]
fn loads_legacy_openssl_encrypted_pem() {
    for name in ["ec_legacy_aes256.pem", "ec_legacy_aes128.pem"] {
        assert_user_key(name, Some(PASS));
    }
}

#[test]
fn tolerates_crlf_and_surrounding_text() {
    let text = String::from_utf8(read("ec_legacy_aes256.pem")).unwrap();
    let crlf = format!(
        "Bag Attributes\r\n    friendlyName: user1\r\n{}",
        text.replace('\n', "\r\n")
    );
    let signer = load_private_key(crlf.as_bytes(), Some(PASS)).unwrap();
    assert!(signer.matches_public_key(user_cert().public_key_der()));
}

#[test]
fn p256_signer_constructors_agree() {
    let from_pem = P256Signer::from_pem(&read("ec_sec1.pem"), None).unwrap();
    let from_der = P256Signer::from_der(&read("ec_pkcs8.der"), None).unwrap();
    let from_enc = P256Signer::from_der(&read("ec_pkcs8_encrypted.der"), Some(PASS)).unwrap();
    assert_eq!(from_pem.public_key_der(), from_der.public_key_der());
    assert_eq!(from_pem.public_key_der(), from_enc.public_key_der());
    assert_eq!(from_pem.ski(), from_der.ski());
    // Fabric's SKI: SHA-256 of the uncompressed point, the last 65 bytes of the SPKI.
    let spki = from_pem.public_key_der();
    assert_eq!(
        from_pem.ski(),
        fabweave::crypto::sha256(&spki[spki.len() - 65..])
    );
}

#[test]
fn wrong_passphrase() {
    for name in [
        "ec_pkcs8_encrypted.pem",
        "ec_pkcs8_encrypted_sha1.pem",
        "ec_pkcs8_encrypted.der",
        "ec_legacy_aes256.pem",
        "ec_legacy_aes128.pem",
    ] {
        // Several wrong passphrases: some leave valid CBC padding by chance, and must still be
        // reported as a wrong passphrase rather than a malformed key.
        for i in 0..40 {
            let wrong = format!("not-the-passphrase-{i}");
            let err = load_private_key(&read(name), Some(wrong.as_bytes())).unwrap_err();
            let text = err.to_string();
            assert_eq!(
                problem(err),
                IdentityProblem::WrongPassphrase,
                "{name} with {wrong}"
            );
            assert!(!text.contains(&wrong), "passphrase leaked into: {text}");
        }
    }
}

#[test]
fn missing_passphrase() {
    for name in [
        "ec_pkcs8_encrypted.pem",
        "ec_pkcs8_encrypted.der",
        "ec_legacy_aes256.pem",
        "ec_legacy_aes128.pem",
    ] {
        let err = load_private_key(&read(name), None).unwrap_err();
        assert_eq!(problem(err), IdentityProblem::PassphraseRequired, "{name}");
    }
}

#[test]
fn unsupported_key_types_are_named() {
    for (name, expected) in [
        ("p384_pkcs8.pem", "P-384"),
        ("p384_sec1.pem", "P-384"),
        ("rsa_pkcs8.pem", "RSA"),
        ("rsa_pkcs1.pem", "RSA"),
        ("ed25519.pem", "Ed25519"),
    ] {
        let err = load_private_key(&read(name), None).unwrap_err();
        let text = err.to_string();
        match problem(err) {
            IdentityProblem::UnsupportedKey { algorithm } => {
                assert!(algorithm.contains(expected), "{name}: {algorithm}")
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(text.contains("fabweave signs with ECDSA P-256"), "{text}");
    }
}

#[test]
fn unsupported_legacy_cipher_says_how_to_convert() {
    let err = load_private_key(&read("ec_legacy_des3.pem"), Some(PASS)).unwrap_err();
    match problem(err) {
        IdentityProblem::Malformed { what, reason } => {
            assert_eq!(what, "private key");
            assert!(reason.contains("DES-EDE3-CBC"), "{reason}");
            assert!(reason.contains("openssl pkcs8 -topk8"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_inputs() {
    let cases: [(&str, &[u8], &str); 6] = [
        ("empty", b"", "neither PEM nor"),
        ("garbage DER", b"\x30\x03\x02\x01", "neither PEM nor"),
        (
            "bad base64",
            b"-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n",
            "base64",
        ),
        (
            "no END line",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n",
            "no `END PRIVATE KEY`",
        ),
        (
            "not PKCS#8",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            "not a PKCS#8",
        ),
        (
            "a certificate",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
            "found only: CERTIFICATE",
        ),
    ];
    for (label, input, expected) in cases {
        match problem(load_private_key(input, None).unwrap_err()) {
            IdentityProblem::Malformed { what, reason } => {
                assert_eq!(what, "private key", "{label}");
                assert!(reason.contains(expected), "{label}: {reason}");
            }
            other => panic!("{label}: {other:?}"),
        }
    }
    // A certificate file given as a key names what it found.
    let err = load_private_key(&read("ec_cert.pem"), None).unwrap_err();
    assert!(err.to_string().contains("found only: CERTIFICATE"), "{err}");
}

#[test]
fn verify_rejects_a_malformed_public_key() {
    let err = verify(b"not a key", b"m", b"s").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Crypto);
    assert!(err.to_string().contains("malformed public key"), "{err}");
}
