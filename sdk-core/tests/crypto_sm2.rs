//! SM2/SM3 interop with OpenSSL 3: keys OpenSSL makes load in fabweave (PKCS#8 plain and
//! encrypted, SEC1), signatures fabweave makes over a real proposal verify with `openssl
//! pkeyutl` (distinguishing ID 1234567812345678), signatures OpenSSL makes verify in fabweave,
//! and an SM2 certificate with its key forms an identity.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod gmtools;

use fabweave::crypto::{load_private_key, verify, verify_sm2, SignatureAlgorithm, DEFAULT_DISTID};
use fabweave::identity::Identity;
use fabweave::protocol::{ProposalRequest, UnsignedProposal};
use gmtools::{openssl, pem_to_der};

#[test]
fn fabweave_signatures_verify_with_openssl_and_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(d, &["genpkey", "-algorithm", "SM2", "-out", "k.pem"]);
    openssl(d, &["pkey", "-in", "k.pem", "-pubout", "-out", "pub.pem"]);
    let key = std::fs::read(d.join("k.pem")).unwrap();
    let signer = load_private_key(&key, None).unwrap();
    assert_eq!(signer.algorithm(), SignatureAlgorithm::Sm2Sm3);
    let pub_der = pem_to_der(&std::fs::read_to_string(d.join("pub.pem")).unwrap());
    assert!(signer.matches_public_key(&pub_der));

    // A real proposal's bytes, signed by fabweave, verified by OpenSSL.
    let proposal = UnsignedProposal::new(
        ProposalRequest::new("mychannel", "kv", "put", b"creator".to_vec())
            .arg("k")
            .arg("v"),
    )
    .unwrap();
    for (name, message) in [
        ("proposal", proposal.bytes().to_vec()),
        ("abc", b"abc".to_vec()),
    ] {
        let signature = signer.sign(&message).unwrap();
        std::fs::write(d.join(format!("{name}.bin")), &message).unwrap();
        std::fs::write(d.join(format!("{name}.sig")), &signature).unwrap();
        let out = openssl(
            d,
            &[
                "pkeyutl",
                "-verify",
                "-in",
                &format!("{name}.bin"),
                "-pubin",
                "-inkey",
                "pub.pem",
                "-rawin",
                "-digest",
                "sm3",
                "-pkeyopt",
                &format!("distid:{DEFAULT_DISTID}"),
                "-sigfile",
                &format!("{name}.sig"),
            ],
        );
        assert!(out.contains("Signature Verified Successfully"), "{out}");
    }

    // OpenSSL signs; fabweave verifies (and refuses a changed message or another ID).
    std::fs::write(d.join("m.bin"), b"signed by openssl").unwrap();
    openssl(
        d,
        &[
            "pkeyutl",
            "-sign",
            "-in",
            "m.bin",
            "-inkey",
            "k.pem",
            "-rawin",
            "-digest",
            "sm3",
            "-pkeyopt",
            "distid:1234567812345678",
            "-out",
            "m.sig",
        ],
    );
    let sig = std::fs::read(d.join("m.sig")).unwrap();
    verify(&pub_der, b"signed by openssl", &sig).unwrap();
    verify_sm2(&pub_der, b"signed by openssl", &sig, DEFAULT_DISTID).unwrap();
    assert!(verify(&pub_der, b"signed by someone", &sig).is_err());
    assert!(verify_sm2(&pub_der, b"signed by openssl", &sig, "another-id").is_err());
}

#[test]
fn openssl_sm2_key_formats_load() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(d, &["genpkey", "-algorithm", "SM2", "-out", "k.pem"]);
    openssl(
        d,
        &[
            "pkcs8",
            "-topk8",
            "-in",
            "k.pem",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:secret",
            "-out",
            "enc.pem",
        ],
    );
    // The OSCCA way: PBES2 with SM4-CBC (PBKDF2 with HMAC-SHA256, then SHA-1 and SHA-512).
    for (prf, file) in [
        ("hmacWithSHA256", "sm4.pem"),
        ("hmacWithSHA1", "sm4-sha1.pem"),
        ("hmacWithSHA512", "sm4-sha512.pem"),
    ] {
        openssl(
            d,
            &[
                "pkcs8",
                "-topk8",
                "-in",
                "k.pem",
                "-v2",
                "sm4-cbc",
                "-v2prf",
                prf,
                "-passout",
                "pass:secret",
                "-out",
                file,
            ],
        );
    }
    openssl(d, &["ec", "-in", "k.pem", "-out", "sec1.pem"]);
    let plain = load_private_key(&std::fs::read(d.join("k.pem")).unwrap(), None).unwrap();
    for file in ["sm4.pem", "sm4-sha1.pem", "sm4-sha512.pem"] {
        let pem = std::fs::read(d.join(file)).unwrap();
        let sm4 = load_private_key(&pem, Some(b"secret".as_slice())).unwrap();
        assert_eq!(sm4.public_key_der(), plain.public_key_der(), "{file}");
        let wrong = load_private_key(&pem, Some(b"wrong")).unwrap_err();
        assert!(wrong.to_string().contains("passphrase"), "{file}: {wrong}");
        let missing = load_private_key(&pem, None).unwrap_err();
        assert!(
            missing.to_string().contains("passphrase"),
            "{file}: {missing}"
        );
    }
    let enc = load_private_key(
        &std::fs::read(d.join("enc.pem")).unwrap(),
        Some(b"secret".as_slice()),
    )
    .unwrap();
    let sec1 = load_private_key(&std::fs::read(d.join("sec1.pem")).unwrap(), None).unwrap();
    assert_eq!(plain.public_key_der(), enc.public_key_der());
    assert_eq!(plain.public_key_der(), sec1.public_key_der());
    assert!(load_private_key(&std::fs::read(d.join("enc.pem")).unwrap(), Some(b"wrong")).is_err());
}

#[test]
fn sm2_certificate_and_key_form_an_identity() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    openssl(d, &["genpkey", "-algorithm", "SM2", "-out", "k.pem"]);
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "k.pem",
            "-sm3",
            "-sigopt",
            "distid:1234567812345678",
            "-subj",
            "/CN=User1@org1.example.com",
            "-days",
            "2",
            "-out",
            "cert.pem",
        ],
    );
    let text = openssl(d, &["x509", "-in", "cert.pem", "-noout", "-text"]);
    assert!(text.contains("SM2"), "{text}");
    let identity = Identity::from_pem(
        "Org1MSP",
        &std::fs::read(d.join("cert.pem")).unwrap(),
        &std::fs::read(d.join("k.pem")).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(
        identity.certificate().subject_common_name(),
        Some("User1@org1.example.com")
    );
    let signature = identity.sign(b"envelope payload").unwrap();
    verify(
        identity.certificate().public_key_der(),
        b"envelope payload",
        &signature,
    )
    .unwrap();
}
