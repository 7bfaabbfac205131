//! Loading identities: PEM, files, MSP folders, and every way they can fail, with errors that
//! name the file or folder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fabweave::crypto::{load_private_key, Signer};
use fabweave::error::{Error, IdentityProblem};
use fabweave::identity::{Certificate, Identity};
use fabweave::proto::msp::SerializedIdentity;
use fabweave::proto::Message;

const PASS: &[u8] = b"fabweave";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// The identity error's file and problem; also checks Display names the file.
fn identity_error(err: Error) -> (Option<PathBuf>, IdentityProblem) {
    let text = err.to_string();
    match err {
        Error::Identity { file, problem } => {
            if let Some(file) = &file {
                assert!(
                    text.contains(&file.display().to_string()),
                    "Display does not name {}: {text}",
                    file.display()
                );
            }
            (file, problem)
        }
        other => panic!("not an identity error: {other:?}"),
    }
}

/// An MSP folder in a temp dir: `certs` go to signcerts/, `keys` to keystore/ (name, content).
fn msp_dir(certs: &[(&str, &[u8])], keys: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (sub, files) in [("signcerts", certs), ("keystore", keys)] {
        fs::create_dir(dir.path().join(sub)).unwrap();
        for (name, content) in files {
            fs::write(dir.path().join(sub).join(name), content).unwrap();
        }
    }
    dir
}

fn assert_user1(id: &Identity) {
    assert_eq!(id.msp_id(), "Org1MSP");
    assert_eq!(
        id.certificate().subject_common_name(),
        Some("User1@org1.example.com")
    );
    let sig = id.sign(b"payload").unwrap();
    id.certificate().verify_signature(b"payload", &sig).unwrap();
}

#[test]
fn from_pem_and_serialized_identity() {
    let cert_pem = read("ec_cert.pem");
    let id = Identity::from_pem("Org1MSP", &cert_pem, &read("ec_pkcs8.pem"), None).unwrap();
    assert_user1(&id);
    let decoded = SerializedIdentity::decode(id.serialized().as_slice()).unwrap();
    assert_eq!(decoded.mspid, "Org1MSP");
    // The certificate exactly as the file holds it: Fabric's own SDKs send the file's bytes.
    assert_eq!(decoded.id_bytes, cert_pem);
    // Field numbers as in Fabric's msp/identities.proto: mspid = 1, id_bytes = 2.
    let bytes = id.serialized();
    assert_eq!(bytes[0], 0x0a);
    assert_eq!(&bytes[2..9], b"Org1MSP");
    assert_eq!(bytes[9], 0x12);
    assert!(id.source().is_none());
}

#[test]
fn serialized_keeps_crlf_and_takes_the_first_certificate_of_a_bundle() {
    let crlf = String::from_utf8(read("ec_cert.pem"))
        .unwrap()
        .replace('\n', "\r\n");
    let id = Identity::from_pem("Org1MSP", crlf.as_bytes(), &read("ec_sec1.pem"), None).unwrap();
    let decoded = SerializedIdentity::decode(id.serialized().as_slice()).unwrap();
    assert_eq!(decoded.id_bytes, crlf.as_bytes());

    let bundle =
        Identity::from_pem("Org1MSP", &read("bundle.pem"), &read("ec_sec1.pem"), None).unwrap();
    let decoded = SerializedIdentity::decode(bundle.serialized().as_slice()).unwrap();
    assert_eq!(decoded.id_bytes, read("ec_cert.pem"));
}

#[test]
fn from_der_certificate_serializes_as_pem() {
    let id =
        Identity::from_pem("Org1MSP", &read("ec_cert.der"), &read("ec_pkcs8.der"), None).unwrap();
    let decoded = SerializedIdentity::decode(id.serialized().as_slice()).unwrap();
    let from_pem = Certificate::from_pem(&decoded.id_bytes).unwrap();
    assert_eq!(&from_pem, id.certificate());
}

#[test]
fn from_files_with_every_key_format() {
    for (key, pass) in [
        ("ec_pkcs8.pem", None),
        ("ec_sec1.der", None),
        ("ec_pkcs8_encrypted.pem", Some(PASS)),
        ("ec_legacy_aes256.pem", Some(PASS)),
    ] {
        let id = Identity::from_files("Org1MSP", fixture("ec_cert.pem"), fixture(key), pass)
            .unwrap_or_else(|e| panic!("{key}: {e}"));
        assert_user1(&id);
        assert_eq!(id.source(), Some(fixture("ec_cert.pem").as_path()));
    }
}

#[test]
fn new_accepts_any_signer_and_checks_it() {
    let cert = Certificate::from_pem(&read("ec_cert.pem")).unwrap();
    let signer: Arc<dyn Signer> = load_private_key(&read("ec_pkcs8.pem"), None).unwrap();
    let id = Identity::new("Org1MSP", cert.clone(), signer.clone()).unwrap();
    assert!(Arc::ptr_eq(id.signer(), &signer));

    let other = load_private_key(&read("other_key.pem"), None).unwrap();
    let (file, problem) =
        identity_error(Identity::new("Org1MSP", cert.clone(), other).unwrap_err());
    assert_eq!(file, None);
    assert_eq!(
        problem,
        IdentityProblem::KeyCertMismatch { certificate: None }
    );

    let (_, problem) = identity_error(Identity::new(" ", cert, signer).unwrap_err());
    assert!(
        matches!(problem, IdentityProblem::Malformed { what: "MSP ID", .. }),
        "{problem:?}"
    );
}

#[test]
fn mismatched_key_names_both_files() {
    let err = Identity::from_files(
        "Org1MSP",
        fixture("ec_cert.pem"),
        fixture("other_key.pem"),
        None,
    )
    .unwrap_err();
    let text = err.to_string();
    let (file, problem) = identity_error(err);
    assert_eq!(file, Some(fixture("other_key.pem")));
    assert_eq!(
        problem,
        IdentityProblem::KeyCertMismatch {
            certificate: Some(fixture("ec_cert.pem"))
        }
    );
    assert!(
        text.contains(&fixture("ec_cert.pem").display().to_string()),
        "{text}"
    );
    assert!(text.contains("same enrollment"), "{text}");
}

/// A key fixture, its passphrase, and the problem expected.
type KeyCase = (
    &'static str,
    Option<&'static [u8]>,
    fn(&IdentityProblem) -> bool,
);

#[test]
fn key_errors_name_the_key_file() {
    let cases: [KeyCase; 5] = [
        ("ec_pkcs8_encrypted.pem", None, |p| {
            *p == IdentityProblem::PassphraseRequired
        }),
        ("ec_pkcs8_encrypted.pem", Some(b"wrong"), |p| {
            *p == IdentityProblem::WrongPassphrase
        }),
        ("ec_legacy_aes128.pem", Some(b"wrong"), |p| {
            *p == IdentityProblem::WrongPassphrase
        }),
        (
            "p384_pkcs8.pem",
            None,
            |p| matches!(p, IdentityProblem::UnsupportedKey { algorithm } if algorithm.contains("P-384")),
        ),
        (
            "rsa_pkcs1.pem",
            None,
            |p| matches!(p, IdentityProblem::UnsupportedKey { algorithm } if algorithm == "RSA"),
        ),
    ];
    for (key, pass, expected) in cases {
        let err = Identity::from_files("Org1MSP", fixture("ec_cert.pem"), fixture(key), pass)
            .unwrap_err();
        let (file, problem) = identity_error(err);
        assert_eq!(file, Some(fixture(key)), "{key}");
        assert!(expected(&problem), "{key}: {problem:?}");
    }
}

#[test]
fn unreadable_and_malformed_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let (file, problem) = identity_error(
        Identity::from_files("Org1MSP", &missing, fixture("ec_pkcs8.pem"), None).unwrap_err(),
    );
    assert_eq!(file, Some(missing.clone()));
    assert!(matches!(problem, IdentityProblem::Unreadable { .. }));

    let bad_cert = dir.path().join("cert.pem");
    fs::write(
        &bad_cert,
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let (file, problem) = identity_error(
        Identity::from_files("Org1MSP", &bad_cert, fixture("ec_pkcs8.pem"), None).unwrap_err(),
    );
    assert_eq!(file, Some(bad_cert.clone()));
    assert!(
        matches!(
            problem,
            IdentityProblem::Malformed {
                what: "certificate",
                ..
            }
        ),
        "{problem:?}"
    );

    let bad_key = dir.path().join("key_sk");
    fs::write(
        &bad_key,
        "-----BEGIN PRIVATE KEY-----\n%%%\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let (file, problem) = identity_error(
        Identity::from_files("Org1MSP", fixture("ec_cert.pem"), &bad_key, None).unwrap_err(),
    );
    assert_eq!(file, Some(bad_key));
    assert!(
        matches!(
            problem,
            IdentityProblem::Malformed {
                what: "private key",
                ..
            }
        ),
        "{problem:?}"
    );
}

#[test]
fn msp_dir_with_a_uuid_named_key() {
    let id = Identity::from_msp_dir("Org1MSP", fixture("msp"), None).unwrap();
    assert_user1(&id);
    assert_eq!(
        id.source(),
        Some(fixture("msp/signcerts/cert.pem").as_path())
    );
    let keys: Vec<_> = fs::read_dir(fixture("msp/keystore")).unwrap().collect();
    assert_eq!(keys.len(), 1);
}

#[test]
fn msp_dir_picks_the_matching_key_among_several() {
    // The non-matching key sorts first, so taking the first file would fail.
    let id = Identity::from_msp_dir("Org1MSP", fixture("msp_two_keys"), None).unwrap();
    assert_user1(&id);
    let mut names: Vec<_> = fs::read_dir(fixture("msp_two_keys/keystore"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    let first = load_private_key(&fs::read(&names[0]).unwrap(), None).unwrap();
    assert!(!first.matches_public_key(id.certificate().public_key_der()));
}

#[test]
fn msp_dir_with_an_encrypted_key_among_others() {
    let cert = read("ec_cert.pem");
    let other = read("other_key.pem");
    let encrypted = read("ec_pkcs8_encrypted.pem");
    let dir = msp_dir(
        &[("cert.pem", &cert)],
        &[
            ("a_sk", &other),
            ("b_sk", &encrypted),
            (".DS_Store", b"junk"),
        ],
    );
    assert_user1(&Identity::from_msp_dir("Org1MSP", dir.path(), Some(PASS)).unwrap());
    // Without the passphrase, the encrypted file may be the right key: say so.
    let (file, problem) =
        identity_error(Identity::from_msp_dir("Org1MSP", dir.path(), None).unwrap_err());
    assert_eq!(problem, IdentityProblem::PassphraseRequired);
    assert_eq!(file, Some(dir.path().join("keystore/b_sk")));
}

#[test]
fn msp_dir_errors_name_the_folder() {
    let cert = read("ec_cert.pem");
    let key = read("ec_pkcs8.pem");
    let other = read("other_key.pem");
    let p384 = read("p384_pkcs8.pem");

    // Empty keystore.
    let dir = msp_dir(&[("cert.pem", &cert)], &[]);
    let (file, problem) =
        identity_error(Identity::from_msp_dir("Org1MSP", dir.path(), None).unwrap_err());
    assert_eq!(file, Some(dir.path().join("keystore")));
    assert_eq!(problem, IdentityProblem::NotExactlyOneFile { found: 0 });

    // Empty signcerts.
    let dir = msp_dir(&[], &[("k_sk", &key)]);
    let (file, problem) =
        identity_error(Identity::from_msp_dir("Org1MSP", dir.path(), None).unwrap_err());
    assert_eq!(file, Some(dir.path().join("signcerts")));
    assert_eq!(problem, IdentityProblem::NotExactlyOneFile { found: 0 });

    // Several certificates: listed.
    let dir = msp_dir(&[("b.pem", &cert), ("a.pem", &cert)], &[("k_sk", &key)]);
    let err = Identity::from_msp_dir("Org1MSP", dir.path(), None).unwrap_err();
    assert!(err.to_string().contains("a.pem, b.pem"), "{err}");
    let (file, problem) = identity_error(err);
    assert_eq!(file, Some(dir.path().join("signcerts")));
    assert_eq!(
        problem,
        IdentityProblem::SeveralFiles {
            files: vec!["a.pem".into(), "b.pem".into()]
        }
    );

    // Several keys, none matching: listed with the certificate.
    let dir = msp_dir(&[("cert.pem", &cert)], &[("x_sk", &other), ("y_sk", &p384)]);
    let err = Identity::from_msp_dir("Org1MSP", dir.path(), None).unwrap_err();
    assert!(err.to_string().contains("x_sk, y_sk"), "{err}");
    let (file, problem) = identity_error(err);
    assert_eq!(file, Some(dir.path().join("keystore")));
    assert_eq!(
        problem,
        IdentityProblem::NoMatchingKey {
            files: vec!["x_sk".into(), "y_sk".into()],
            certificate: dir.path().join("signcerts/cert.pem"),
        }
    );

    // One key, not matching: names the key and the certificate.
    let dir = msp_dir(&[("cert.pem", &cert)], &[("x_sk", &other)]);
    let (file, problem) =
        identity_error(Identity::from_msp_dir("Org1MSP", dir.path(), None).unwrap_err());
    assert_eq!(file, Some(dir.path().join("keystore/x_sk")));
    assert_eq!(
        problem,
        IdentityProblem::KeyCertMismatch {
            certificate: Some(dir.path().join("signcerts/cert.pem"))
        }
    );

    // No MSP folder at all.
    let missing = Path::new("/nonexistent/fabweave/msp");
    let (file, problem) =
        identity_error(Identity::from_msp_dir("Org1MSP", missing, None).unwrap_err());
    assert_eq!(file, Some(missing.join("signcerts")));
    assert!(matches!(problem, IdentityProblem::Unreadable { .. }));
}

#[test]
fn debug_shows_who_not_what() {
    let id = Identity::from_msp_dir("Org1MSP", fixture("msp"), None).unwrap();
    let text = format!("{id:?}");
    assert!(text.contains("Org1MSP"), "{text}");
    assert!(text.contains("User1@org1.example.com"), "{text}");
    assert!(text.contains("not_after: \"2"), "{text}");
    assert!(!text.contains("BEGIN"), "{text}");
}
