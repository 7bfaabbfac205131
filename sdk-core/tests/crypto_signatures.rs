//! ECDSA P-256 signatures: low-S, DER, verifiable by the p256 crate and by openssl, and high-S
//! signatures rejected as Fabric rejects them. Also: a signer's Debug leaks no secret.
//!
//! openssl is a declared prerequisite of the test suite: the tests that call it fail, loudly, if
//! it is missing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

use base64ct::{Base64, Encoding};
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::scalar::IsHigh;
use p256::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey, LineEnding};
use zeroize::Zeroizing;

use rcgen::PublicKeyData;

use fabweave::crypto::{load_private_key, same_public_key, to_low_s, verify, P256Signer, Signer};
use fabweave::error::ErrorKind;
use fabweave::identity::Certificate;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn user_signer() -> Arc<dyn Signer> {
    load_private_key(&read("ec_pkcs8.pem"), None).unwrap()
}

fn openssl(args: &[&str]) -> std::process::Output {
    Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!("openssl is a prerequisite of these tests and could not be run: {e}")
        })
}

#[test]
fn signatures_are_der_low_s_and_verify() {
    let signer = user_signer();
    let key = VerifyingKey::from_public_key_der(&signer.public_key_der()).unwrap();
    let cert = Certificate::from_pem(&read("ec_cert.pem")).unwrap();
    for i in 0..200u32 {
        let message = format!("message {i}").repeat(i as usize % 7 + 1);
        let der = signer.sign(message.as_bytes()).unwrap();
        // Strict DER: from_der rejects BER variants and trailing bytes.
        let sig = Signature::from_der(&der).unwrap();
        assert!(!bool::from(sig.s().is_high()), "high S in signature {i}");
        key.verify(message.as_bytes(), &sig).unwrap();
        verify(&signer.public_key_der(), message.as_bytes(), &der).unwrap();
        cert.verify_signature(message.as_bytes(), &der).unwrap();
        // The signature is over this message only.
        assert!(verify(&signer.public_key_der(), b"other", &der).is_err());
    }
}

#[test]
fn openssl_verifies_a_fabweave_signature() {
    let dir = tempfile::tempdir().unwrap();
    let signer = user_signer();
    let message = b"a Fabric proposal, signed by fabweave";
    let signature = signer.sign(message).unwrap();
    let public = p256::PublicKey::from_public_key_der(&signer.public_key_der())
        .unwrap()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let (msg, sig, key) = (
        dir.path().join("msg"),
        dir.path().join("sig"),
        dir.path().join("pub.pem"),
    );
    std::fs::write(&msg, message).unwrap();
    std::fs::write(&sig, &signature).unwrap();
    std::fs::write(&key, public).unwrap();
    let out = openssl(&[
        "dgst",
        "-sha256",
        "-verify",
        key.to_str().unwrap(),
        "-signature",
        sig.to_str().unwrap(),
        msg.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("Verified OK"),
        "openssl: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // And a tampered signature is refused by openssl too, so the check above can fail.
    let mut bad = signature.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    std::fs::write(&sig, &bad).unwrap();
    let out = openssl(&[
        "dgst",
        "-sha256",
        "-verify",
        key.to_str().unwrap(),
        "-signature",
        sig.to_str().unwrap(),
        msg.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
}

/// openssl signs without normalizing S, so about half its signatures are high-S: fabweave's
/// `verify` must accept the low ones and refuse the high ones, as a Fabric peer does.
#[test]
fn verify_accepts_openssl_low_s_and_rejects_high_s() {
    let dir = tempfile::tempdir().unwrap();
    let public_key = Certificate::from_pem(&read("ec_cert.pem"))
        .unwrap()
        .public_key_der()
        .to_vec();
    let key = VerifyingKey::from_public_key_der(&public_key).unwrap();
    let key_path = fixture("ec_pkcs8.pem");
    let (mut low, mut high) = (0, 0);
    for i in 0..64 {
        let msg = dir.path().join(format!("m{i}"));
        let sig = dir.path().join(format!("s{i}"));
        let message = format!("openssl message {i}");
        std::fs::write(&msg, &message).unwrap();
        let out = openssl(&[
            "dgst",
            "-sha256",
            "-sign",
            key_path.to_str().unwrap(),
            "-out",
            sig.to_str().unwrap(),
            msg.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let der = std::fs::read(&sig).unwrap();
        let parsed = Signature::from_der(&der).unwrap();
        // The signature is valid either way...
        key.verify(message.as_bytes(), &parsed).unwrap();
        let result = verify(&public_key, message.as_bytes(), &der);
        if bool::from(parsed.s().is_high()) {
            high += 1;
            let err = result.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Crypto);
            assert!(err.to_string().contains("high S"), "{err}");
        } else {
            low += 1;
            result.unwrap();
        }
        if low >= 3 && high >= 3 {
            break;
        }
    }
    assert!(
        low >= 3 && high >= 3,
        "saw {low} low-S and {high} high-S signatures"
    );
}

#[test]
fn verify_rejects_a_high_s_twin_of_a_valid_signature() {
    let signer = user_signer();
    let message = b"malleable?";
    let der = signer.sign(message).unwrap();
    let sig = Signature::from_der(&der).unwrap();
    // (r, n - s) is the other valid signature of the same message.
    let twin = Signature::from_scalars(sig.r(), -*sig.s()).unwrap();
    let twin_der = twin.to_der();
    let key = VerifyingKey::from_public_key_der(&signer.public_key_der()).unwrap();
    key.verify(message, &twin).unwrap();
    let err = verify(&signer.public_key_der(), message, twin_der.as_bytes()).unwrap_err();
    assert!(err.to_string().contains("high S"), "{err}");
}

#[test]
fn to_low_s_turns_the_high_s_twin_into_the_low_one_and_keeps_low_ones() {
    let signer = user_signer();
    let message = b"from an HSM";
    let der = signer.sign(message).unwrap();
    let sig = Signature::from_der(&der).unwrap();
    let twin = Signature::from_scalars(sig.r(), -*sig.s()).unwrap();
    let lowered = to_low_s(twin.to_der().as_bytes()).unwrap();
    assert_eq!(lowered, der);
    verify(&signer.public_key_der(), message, &lowered).unwrap();
    assert_eq!(to_low_s(&der).unwrap(), der);
    let err = to_low_s(b"r||s, not DER").unwrap_err();
    assert!(
        err.to_string().contains("malformed ECDSA signature"),
        "{err}"
    );
}

#[test]
fn verify_rejects_malformed_signatures_and_other_keys() {
    let signer = user_signer();
    let der = signer.sign(b"m").unwrap();
    let mut trailing = der.clone();
    trailing.push(0);
    for bad in [&b""[..], b"\x30\x00", &der[..der.len() - 1], &trailing[..]] {
        let err = verify(&signer.public_key_der(), b"m", bad).unwrap_err();
        assert!(err.to_string().contains("malformed"), "{err}");
    }
    let ed = rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
    let err = verify(&ed.subject_public_key_info(), b"m", &der).unwrap_err();
    assert!(err.to_string().contains("Ed25519"), "{err}");
}

#[test]
fn public_keys_compare_as_points() {
    let signer = user_signer();
    let uncompressed = signer.public_key_der();
    let cert = Certificate::from_pem(&read("ec_cert.pem")).unwrap();
    assert_eq!(uncompressed, cert.public_key_der());
    // The same key with a compressed point still matches.
    let public = p256::PublicKey::from_public_key_der(&uncompressed).unwrap();
    let compressed = {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let point = public.to_encoded_point(true);
        // SEQUENCE { AlgorithmIdentifier { id-ecPublicKey, prime256v1 }, BIT STRING point }
        let mut spki = Vec::new();
        let algorithm: &[u8] = &[
            0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
            0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07,
        ];
        let bits_len = 1 + point.as_bytes().len();
        spki.extend_from_slice(&[0x30, (algorithm.len() + 2 + bits_len) as u8]);
        spki.extend_from_slice(algorithm);
        spki.extend_from_slice(&[0x03, bits_len as u8, 0x00]);
        spki.extend_from_slice(point.as_bytes());
        spki
    };
    assert_ne!(compressed, uncompressed);
    assert!(same_public_key(&compressed, &uncompressed));
    assert!(signer.matches_public_key(&compressed));
    let other = load_private_key(&read("other_key.pem"), None).unwrap();
    assert!(!same_public_key(&other.public_key_der(), &uncompressed));
}

/// The secret scalar of the user's key, read independently of fabweave.
fn secret_scalar() -> Zeroizing<Vec<u8>> {
    let key = p256::SecretKey::from_pkcs8_der(&read("ec_pkcs8.der")).unwrap();
    Zeroizing::new(key.to_bytes().to_vec())
}

/// Every 6-byte window of `secret` in hex (both cases) and every 8-character base64 window.
fn secret_fragments(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for w in secret.windows(6) {
        let hex: String = w.iter().map(|b| format!("{b:02x}")).collect();
        out.push(hex.to_uppercase());
        out.push(hex);
    }
    let b64 = Base64::encode_string(secret);
    for i in 0..b64.len().saturating_sub(8) {
        out.push(b64[i..i + 8].to_string());
    }
    out
}

#[test]
fn debug_shows_no_secret() {
    let secret = secret_scalar();
    let fragments = secret_fragments(&secret);
    let signer = P256Signer::from_pem(&read("ec_pkcs8.pem"), None).unwrap();
    let dyn_signer = user_signer();
    let identity = fabweave::identity::Identity::from_files(
        "Org1MSP",
        fixture("ec_cert.pem"),
        fixture("ec_pkcs8.pem"),
        None,
    )
    .unwrap();
    for text in [
        format!("{signer:?}"),
        format!("{signer:#?}"),
        format!("{dyn_signer:?}"),
        format!("{identity:?}"),
        format!("{identity:#?}"),
    ] {
        assert!(text.contains("ECDSA P-256"), "{text}");
        for fragment in &fragments {
            assert!(!text.contains(fragment.as_str()), "secret shown in {text}");
        }
    }
    // The check above can fail: it finds the scalar where it is printed.
    let hex: String = secret.iter().map(|b| format!("{b:02X}")).collect();
    let b64 = format!("key={}", Base64::encode_string(&secret));
    for leaky in [hex, b64] {
        assert!(fragments.iter().any(|f| leaky.contains(f.as_str())));
    }
}
