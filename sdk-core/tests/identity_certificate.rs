//! Certificates: parsing PEM bundles and DER, the fields fabweave reads, and validity checks
//! whose errors say how far off the clock is and what to do. Time-dependent cases use
//! certificates made here with rcgen, with fixed validity periods and an explicit `now`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{date_time_ymd, CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};

use fabweave::error::{Error, IdentityProblem};
use fabweave::identity::{parse_certificates_pem, Certificate, Identity};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// 2020-01-01T00:00:00Z and 2030-01-01T00:00:00Z.
const NOT_BEFORE: u64 = 1_577_836_800;
const NOT_AFTER: u64 = 1_893_456_000;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A P-256 certificate valid 2020-01-01..2030-01-01, and its key as PKCS#8 PEM.
fn rcgen_identity(cn: &str, key: Option<&KeyPair>) -> (String, String) {
    let generated;
    let key = match key {
        Some(k) => k,
        None => {
            generated = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
            &generated
        }
    };
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "org1");
    params.distinguished_name.push(DnType::CommonName, cn);
    params.not_before = date_time_ymd(2020, 1, 1);
    params.not_after = date_time_ymd(2030, 1, 1);
    let cert = params.self_signed(key).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn problem(err: Error) -> IdentityProblem {
    match err {
        Error::Identity { problem, .. } => problem,
        other => panic!("not an identity error: {other:?}"),
    }
}

#[test]
fn fields_of_the_fixture_certificate() {
    let cert = Certificate::from_pem(&read("ec_cert.pem")).unwrap();
    assert_eq!(cert.subject_common_name(), Some("User1@org1.example.com"));
    assert!(
        cert.subject().contains("CN=User1@org1.example.com"),
        "{}",
        cert.subject()
    );
    assert!(cert.subject().contains("OU=client"), "{}", cert.subject());
    assert!(
        cert.issuer().contains("CN=ca.org1.example.com"),
        "{}",
        cert.issuer()
    );
    assert!(cert.is_p256());
    assert_eq!(cert.der(), read("ec_cert.der").as_slice());
    assert_eq!(cert.pem().as_bytes(), read("ec_cert.pem").as_slice());
    assert!(cert.not_before() < cert.not_after());
    // make.sh issues for 100 years from the day it ran.
    let years = cert
        .not_after()
        .duration_since(cert.not_before())
        .unwrap()
        .as_secs()
        / (365 * 86_400);
    assert!((99..=100).contains(&years), "{years}");
    cert.check_validity(SystemTime::now()).unwrap();

    let from_der = Certificate::from_der(&read("ec_cert.der")).unwrap();
    assert_eq!(from_der, cert);
    assert!(from_der.pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
    assert_eq!(
        Certificate::from_pem(from_der.pem().as_bytes()).unwrap(),
        cert
    );
}

#[test]
fn public_key_of_a_non_p256_certificate() {
    let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).unwrap();
    let cert = CertificateParams::new(vec!["p384.example.com".to_string()])
        .unwrap()
        .self_signed(&key)
        .unwrap();
    let parsed = Certificate::from_der(cert.der()).unwrap();
    assert!(!parsed.is_p256());
    let err = fabweave::crypto::verify(parsed.public_key_der(), b"m", b"\x30\x00").unwrap_err();
    assert!(err.to_string().contains("P-384"), "{err}");
}

#[test]
fn bundles() {
    let certs = parse_certificates_pem(&read("bundle.pem")).unwrap();
    assert_eq!(certs.len(), 2);
    assert_eq!(
        certs[0],
        Certificate::from_pem(&read("ec_cert.pem")).unwrap()
    );
    assert_eq!(
        certs[1],
        Certificate::from_pem(&read("ca_cert.pem")).unwrap()
    );
    // Non-certificate blocks and text between blocks are skipped.
    let mut mixed = b"# TLS CAs of org1\n".to_vec();
    mixed.extend(read("ec_pkcs8.pem"));
    mixed.extend(read("ca_cert.pem"));
    let certs = parse_certificates_pem(&mixed).unwrap();
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0].pem().as_bytes(), read("ca_cert.pem").as_slice());
}

#[test]
fn pem_without_a_certificate_is_an_error() {
    for (input, expected) in [
        (&b""[..], "no PEM block"),
        (b"just text\n", "no PEM block"),
        (&read("ec_pkcs8.pem")[..], "found only: PRIVATE KEY"),
        (
            b"-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n",
            "not an X.509 certificate",
        ),
        (
            b"-----BEGIN CERTIFICATE-----\nMIIB\n",
            "no `END CERTIFICATE`",
        ),
    ] {
        let err = parse_certificates_pem(input).unwrap_err();
        let text = err.to_string();
        match problem(err) {
            IdentityProblem::Malformed { what, reason } => {
                assert_eq!(what, "certificate");
                assert!(reason.contains(expected), "{reason}");
            }
            other => panic!("{other:?}"),
        }
        assert!(text.contains("malformed certificate"), "{text}");
    }
    assert!(Certificate::from_der(b"\x30\x00").is_err());
}

#[test]
fn validity_window_is_inclusive() {
    let (cert, key) = rcgen_identity("User1", None);
    let id = Identity::from_pem("Org1MSP", cert.as_bytes(), key.as_bytes(), None).unwrap();
    assert_eq!(id.certificate().not_before(), at(NOT_BEFORE));
    assert_eq!(id.certificate().not_after(), at(NOT_AFTER));
    id.check_validity(at(NOT_BEFORE)).unwrap();
    id.check_validity(at(NOT_BEFORE + 1)).unwrap();
    id.check_validity(at(NOT_AFTER)).unwrap();
}

#[test]
fn expired_says_when_and_how_long_ago() {
    let (cert, key) = rcgen_identity("User1", None);
    let dir = tempfile::tempdir().unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key_sk"));
    std::fs::write(&cert_path, &cert).unwrap();
    std::fs::write(&key_path, &key).unwrap();
    let id = Identity::from_files("Org1MSP", &cert_path, &key_path, None).unwrap();

    let err = id.check_validity(at(NOT_AFTER + 3 * 3600)).unwrap_err();
    let text = err.to_string();
    match &err {
        Error::Identity { file, problem } => {
            assert_eq!(file.as_deref(), Some(cert_path.as_path()));
            assert_eq!(
                *problem,
                IdentityProblem::Expired {
                    not_after: "2030-01-01T00:00:00Z".into(),
                    seconds_ago: 3 * 3600,
                }
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(text.contains(&cert_path.display().to_string()), "{text}");
    assert!(
        text.contains("expired at 2030-01-01T00:00:00Z, 3 h ago"),
        "{text}"
    );
    assert!(text.contains("reenroll"), "{text}");

    let err = id.check_validity(at(NOT_AFTER + 40 * 86_400)).unwrap_err();
    assert!(err.to_string().contains("40 days ago"), "{err}");
}

#[test]
fn not_yet_valid_names_clock_skew_and_backdating() {
    let (cert, key) = rcgen_identity("User1", None);
    let id = Identity::from_pem("Org1MSP", cert.as_bytes(), key.as_bytes(), None).unwrap();
    let err = id.check_validity(at(NOT_BEFORE - 180)).unwrap_err();
    let text = err.to_string();
    assert_eq!(
        problem(err),
        IdentityProblem::NotYetValid {
            not_before: "2020-01-01T00:00:00Z".into(),
            seconds_ahead: 180,
        }
    );
    assert!(
        text.contains("not valid until 2020-01-01T00:00:00Z, 3 min from now"),
        "{text}"
    );
    assert!(text.contains("clock"), "{text}");
    assert!(text.contains("backdate"), "{text}");
}

#[test]
fn rcgen_key_mismatch() {
    let key_a = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let key_b = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let (cert_a, _) = rcgen_identity("A", Some(&key_a));
    let err = Identity::from_pem(
        "Org1MSP",
        cert_a.as_bytes(),
        key_b.serialize_pem().as_bytes(),
        None,
    )
    .unwrap_err();
    assert_eq!(
        problem(err),
        IdentityProblem::KeyCertMismatch { certificate: None }
    );
    Identity::from_pem(
        "Org1MSP",
        cert_a.as_bytes(),
        key_a.serialize_pem().as_bytes(),
        None,
    )
    .unwrap();
}
