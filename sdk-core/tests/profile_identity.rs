//! Identities loaded through profiles (`Profile::identity` / `identity_of`): from a BCS download's
//! re-rooted MSP folder, from a `{username}` cryptoPath, from `users` entries (inline PEM or
//! files) and a CCP's `adminPrivateKey`/`signedCert`, and every way that can fail, each with
//! the exact error variant and what its message names.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{date_time_ymd, CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};

use fabweave::config::{LoadOptions, Material, Profile};
use fabweave::error::{ConfigProblem, Error, IdentityProblem};
use fabweave::identity::Identity;

const ORG: &str = "12e4567890123456789012345678901234567890";
const ORD: &str = "77aa000000000000000000000000000000000000";
const PASS: &[u8] = b"fabweave";

fn profiles() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/profiles")
}

fn identity_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

fn read_identity_fixture(name: &str) -> String {
    fs::read_to_string(identity_fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

fn bcs() -> Profile {
    let env = HashMap::from([("HOME".to_owned(), "/nonexistent-home".to_owned())]);
    Profile::load_with(
        profiles().join("bcs/bcs-sdk-config.yaml"),
        &LoadOptions::default().with_env(env),
    )
    .unwrap()
}

fn alibaba() -> Profile {
    let dir = profiles().join("alibaba");
    let env = HashMap::from([(
        "FIXTURE_TLS".to_owned(),
        dir.join("crypto/tls").display().to_string(),
    )]);
    Profile::load_with(
        dir.join("connection-profile.yaml"),
        &LoadOptions::default().with_env(env),
    )
    .unwrap()
}

/// The identity error's file and problem, with its message.
fn identity_error(err: Error) -> (Option<PathBuf>, IdentityProblem, String) {
    let text = err.to_string();
    match err {
        Error::Identity { file, problem } => (file, problem, text),
        other => panic!("expected an identity error, got {other:?}"),
    }
}

/// Signs, and checks the signature with the certificate's public key.
fn assert_signs(id: &Identity) {
    let message = b"proposal bytes";
    let signature = id.sign(message).unwrap();
    fabweave::crypto::verify(id.certificate().public_key_der(), message, &signature).unwrap();
    // The signature is over this message, not any.
    assert!(
        fabweave::crypto::verify(id.certificate().public_key_der(), b"other", &signature).is_err()
    );
}

/// A PEM as one YAML double-quoted scalar.
fn yaml_quoted(pem: &str) -> String {
    format!("\"{}\"", pem.replace('\n', "\\n"))
}

/// The base64 lines of a PEM (what must never be shown).
fn pem_body_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----") && !l.contains(':'))
        .collect()
}

/// A folder with `profile.yaml`: client org `A` (MSP `AMSP`), one plaintext peer, and `org_extra`
/// (YAML lines at the organization's indentation, e.g. a `users:` block).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, content).unwrap();
        path
    }

    fn profile(&self, org_extra: &str) -> PathBuf {
        let text = format!(
            "client:\n  organization: A\n\
             organizations:\n  A:\n    mspid: AMSP\n    peers: [p0]\n{org_extra}\
             peers:\n  p0: {{url: 'grpc://peer0.a.test:7051'}}\n"
        );
        self.write("profile.yaml", text)
    }

    /// A profile whose user `User1` is given by `cert` and `key` files (relative paths).
    fn users_by_path(&self, cert: &str, key: &str) -> Profile {
        let path = self.profile(&format!(
            "    users:\n      User1:\n        cert: {{path: {cert}}}\n        key: {{path: {key}}}\n"
        ));
        Profile::load(path).unwrap()
    }

    /// A profile whose user `User1` is given inline.
    fn users_inline(&self, cert_pem: &str, key_pem: &str) -> Profile {
        let path = self.profile(&format!(
            "    users:\n      User1:\n        cert:\n          pem: {}\n        key:\n          pem: {}\n",
            yaml_quoted(cert_pem),
            yaml_quoted(key_pem)
        ));
        Profile::load(path).unwrap()
    }
}

/// A P-256 certificate for `cn` valid from `not_before` to `not_after` (Unix seconds), and its
/// key as PKCS#8 PEM.
fn rcgen_cert(cn: &str, not_before: u64, not_after: u64) -> (String, String) {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(DnType::OrganizationName, "a");
    params.distinguished_name.push(DnType::CommonName, cn);
    let epoch = date_time_ymd(1970, 1, 1);
    params.not_before = epoch + Duration::from_secs(not_before);
    params.not_after = epoch + Duration::from_secs(not_after);
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), key.serialize_pem())
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

// ---- BCS: the MSP folder under an absolute path baked in by the console ----

#[test]
fn bcs_identity_from_the_rerooted_msp_folder_signs_and_verifies() {
    let p = bcs();
    let msp = profiles().join(format!("bcs/{ORG}.peer/msp"));
    let id = p.identity("Admin", None).unwrap();
    assert_eq!(id.msp_id(), format!("{ORG}MSP"));
    assert_eq!(
        id.certificate().subject_common_name(),
        Some("Admin@12e45678.peer-12e45678.default.svc.cluster.local")
    );
    assert_eq!(
        id.source(),
        Some(msp.join("signcerts/cert.pem").as_path()),
        "loaded from the folder found under the profile's, not /srv/app/bcs"
    );
    assert_signs(&id);

    // The key the identity signs with is the keystore's one file, named `<uuid>_sk` as BCS
    // names it (neither `priv_sk` nor `<SKI>_sk`).
    let keys: Vec<String> = fs::read_dir(msp.join("keystore"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(keys, ["3f9c1a2e-5b7d-4e61-9a0c-d2b4f8e61c35_sk"]);
    let uuid = keys[0].strip_suffix("_sk").unwrap();
    let groups: Vec<usize> = uuid.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{uuid}");
    let key = fabweave::crypto::load_private_key(
        &fs::read(msp.join("keystore").join(&keys[0])).unwrap(),
        None,
    )
    .unwrap();
    assert_eq!(key.public_key_der(), id.signer().public_key_der());
}

#[test]
fn bcs_identity_of_the_orderer_org() {
    let p = bcs();
    // `identity_of` takes the organization's key, in any case; the orderer org's MSP ID was
    // written `mspID`.
    let id = p.identity_of("OrdererOrg", "Admin", None).unwrap();
    assert_eq!(id.msp_id(), format!("{ORD}MSP"));
    assert_eq!(
        id.source(),
        Some(
            profiles()
                .join(format!("bcs/{ORD}.orderer/msp/signcerts/cert.pem"))
                .as_path()
        )
    );
    assert_signs(&id);
    // The orderer org's identity is not the client org's.
    let client = p.identity("Admin", None).unwrap();
    assert_ne!(client.certificate(), id.certificate());
}

// ---- Alibaba: cryptoPath with {username} ----

#[test]
fn alibaba_username_template_resolves_the_user_folder() {
    let p = alibaba();
    let id = p.identity("appuser", None).unwrap();
    assert_eq!(id.msp_id(), "bankMSP");
    assert_eq!(id.certificate().subject_common_name(), Some("appuser"));
    assert_eq!(
        id.source(),
        Some(
            profiles()
                .join("alibaba/crypto/users/appuser/msp/signcerts/appuser-cert.pem")
                .as_path()
        )
    );
    assert_signs(&id);
}

#[test]
fn alibaba_user_without_a_folder_is_user_not_found() {
    let p = alibaba();
    let err = p.identity("nobody", None).unwrap_err();
    let (file, problem, text) = identity_error(err);
    let folder = profiles().join("alibaba/crypto/users/nobody/msp");
    assert_eq!(file.as_deref(), Some(folder.as_path()));
    assert_eq!(
        problem,
        IdentityProblem::UserNotFound {
            user: "nobody".into(),
            org: "bankMSP".into()
        }
    );
    assert!(text.contains("`nobody`"), "{text}");
    assert!(text.contains("bankMSP"), "{text}");
    assert!(text.contains(&folder.display().to_string()), "{text}");
}

// ---- users: entries ----

#[test]
fn user_files_load_relative_to_the_profile() {
    let s = Scratch::new();
    s.write("user1/cert.pem", read_identity_fixture("ec_cert.pem"));
    s.write("user1/key.pem", read_identity_fixture("ec_sec1.pem"));
    let p = s.users_by_path("user1/cert.pem", "user1/key.pem");
    let org = p.client_organization().unwrap();
    assert_eq!(org.users.len(), 1);
    assert_eq!(org.users[0].cert, Material::File(s.path("user1/cert.pem")));
    // Users are found without regard to case, as organizations are.
    let id = p.identity("user1", None).unwrap();
    assert_eq!(id.msp_id(), "AMSP");
    assert_eq!(
        id.certificate().subject_common_name(),
        Some("User1@org1.example.com")
    );
    assert_signs(&id);
}

#[test]
fn inline_key_of_another_certificate_is_key_cert_mismatch() {
    let s = Scratch::new();
    let p = s.users_inline(
        &read_identity_fixture("ec_cert.pem"),
        &read_identity_fixture("other_key.pem"),
    );
    let err = p.identity("User1", None).unwrap_err();
    let (_, problem, text) = identity_error(err);
    assert_eq!(
        problem,
        IdentityProblem::KeyCertMismatch { certificate: None }
    );
    assert!(
        text.contains("does not match") && text.contains("same enrollment"),
        "{text}"
    );
}

#[test]
fn key_file_of_another_certificate_is_key_cert_mismatch() {
    let s = Scratch::new();
    s.write("user1/cert.pem", read_identity_fixture("ec_cert.pem"));
    s.write("user1/key.pem", read_identity_fixture("other_key.pem"));
    let p = s.users_by_path("user1/cert.pem", "user1/key.pem");
    let err = p.identity("User1", None).unwrap_err();
    let (_, problem, text) = identity_error(err);
    assert!(
        matches!(problem, IdentityProblem::KeyCertMismatch { .. }),
        "{problem:?}"
    );
    assert!(
        text.contains("does not match") && text.contains("same enrollment"),
        "{text}"
    );
}

#[test]
fn expired_certificate_loads_and_check_validity_says_how_long_ago() {
    let now = unix_now();
    // Expired 90 minutes ago.
    let (cert, key) = rcgen_cert("Expired", now - 400 * 86_400, now - 90 * 60);
    let s = Scratch::new();
    s.write("expired/cert.pem", &cert);
    s.write("expired/key.pem", &key);
    let p = s.users_by_path("expired/cert.pem", "expired/key.pem");
    // Loading does not check validity, so an expired identity can still be inspected.
    let id = p.identity("User1", None).unwrap();
    assert_eq!(id.certificate().subject_common_name(), Some("Expired"));
    let err = id.check_validity(SystemTime::now()).unwrap_err();
    let (_, problem, text) = identity_error(err);
    let IdentityProblem::Expired {
        not_after,
        seconds_ago,
    } = problem
    else {
        panic!("expected Expired, got {problem:?}")
    };
    assert!(
        (90 * 60..90 * 60 + 60).contains(&seconds_ago),
        "{seconds_ago}"
    );
    assert!(text.contains(&format!("expired at {not_after}")), "{text}");
    assert!(text.contains("90 min ago"), "{text}");
    assert!(text.contains("reenroll"), "{text}");

    // Long expired: counted in days.
    let (cert, key) = rcgen_cert("Old", 946_684_800, 978_307_200); // 2000-01-01 .. 2001-01-01
    let p = s.users_inline(&cert, &key);
    let id = p.identity("User1", None).unwrap();
    let err = id.check_validity(SystemTime::now()).unwrap_err();
    let (_, problem, text) = identity_error(err);
    let IdentityProblem::Expired {
        not_after,
        seconds_ago,
    } = problem
    else {
        panic!("expected Expired, got {problem:?}")
    };
    assert_eq!(not_after, "2001-01-01T00:00:00Z");
    assert!(
        seconds_ago.abs_diff(unix_now() - 978_307_200) <= 2,
        "{seconds_ago}"
    );
    assert!(
        text.contains(&format!("{} days ago", seconds_ago / 86_400)),
        "{text}"
    );
}

#[test]
fn not_yet_valid_certificate_names_clock_skew_and_ca_backdating() {
    let now = unix_now();
    // Issued by a CA whose clock is 10 minutes ahead of this machine's.
    let (cert, key) = rcgen_cert("Fresh", now + 600, now + 365 * 86_400);
    let s = Scratch::new();
    let p = s.users_inline(&cert, &key);
    let id = p.identity("User1", None).unwrap();
    let err = id.check_validity(SystemTime::now()).unwrap_err();
    let (_, problem, text) = identity_error(err);
    let IdentityProblem::NotYetValid {
        not_before,
        seconds_ahead,
    } = problem
    else {
        panic!("expected NotYetValid, got {problem:?}")
    };
    assert!((540..=600).contains(&seconds_ahead), "{seconds_ahead}");
    assert!(
        text.contains(&format!("not valid until {not_before}")),
        "{text}"
    );
    assert!(
        text.contains(&format!("{} min from now", seconds_ahead / 60)),
        "{text}"
    );
    assert!(text.contains("clock") && text.contains("NTP"), "{text}");
    assert!(
        text.contains("backdates NotBefore by 5 min"),
        "names the CA's 5-minute backdating: {text}"
    );
    // Once the validity starts, the same identity is fine.
    id.check_validity(UNIX_EPOCH + Duration::from_secs(now + 601))
        .unwrap();
}

#[test]
fn encrypted_key_file_needs_the_right_passphrase() {
    // ec_pkcs8_encrypted.pem is User1's key (ec_cert.pem), PBES2/AES-256-CBC, passphrase fabweave.
    let p = Scratch::new();
    let profile = p.users_by_path(
        &identity_fixture("ec_cert.pem").display().to_string(),
        &identity_fixture("ec_pkcs8_encrypted.pem")
            .display()
            .to_string(),
    );
    let id = profile.identity("User1", Some(PASS)).unwrap();
    assert_eq!(
        id.certificate().subject_common_name(),
        Some("User1@org1.example.com")
    );
    assert_signs(&id);

    let err = profile.identity("User1", Some(b"wrong")).unwrap_err();
    let (_, problem, text) = identity_error(err);
    assert_eq!(problem, IdentityProblem::WrongPassphrase);
    assert!(text.contains("passphrase does not decrypt"), "{text}");
    assert!(
        !text.contains("wrong"),
        "the passphrase is not echoed: {text}"
    );

    let err = profile.identity("User1", None).unwrap_err();
    let (_, problem, text) = identity_error(err);
    assert_eq!(problem, IdentityProblem::PassphraseRequired);
    assert!(text.contains("encrypted; give its passphrase"), "{text}");
}

#[test]
fn encrypted_key_in_a_crypto_path_msp_folder_names_the_key_file() {
    let s = Scratch::new();
    s.write(
        "msp/User1/signcerts/cert.pem",
        read_identity_fixture("ec_cert.pem"),
    );
    let key = s.write(
        "msp/User1/keystore/0b8d0f4e-1c2a-4f4e-9a55-2f7c5e1d9b01_sk",
        read_identity_fixture("ec_pkcs8_encrypted.pem"),
    );
    let p = Profile::load(s.profile("    cryptoPath: msp/{userName}\n")).unwrap();
    let id = p.identity("User1", Some(PASS)).unwrap();
    assert_signs(&id);
    for (pass, expected) in [
        (Some(&b"wrong"[..]), IdentityProblem::WrongPassphrase),
        (None, IdentityProblem::PassphraseRequired),
    ] {
        let (file, problem, text) = identity_error(p.identity("User1", pass).unwrap_err());
        assert_eq!(problem, expected);
        assert_eq!(file.as_deref(), Some(key.as_path()));
        assert!(text.contains(&key.display().to_string()), "{text}");
    }
}

#[test]
fn ccp_admin_private_key_and_signed_cert_become_user_admin() {
    let s = Scratch::new();
    let cert = read_identity_fixture("ec_cert.pem");
    let key = read_identity_fixture("ec_pkcs8.pem");
    let doc = serde_json::json!({
        "name": "shop",
        "client": {"organization": "Shop"},
        "organizations": {"Shop": {
            "mspid": "ShopMSP",
            "peers": ["peer0.shop.test"],
            "adminPrivateKey": {"pem": key},
            "signedCert": {"pem": cert},
        }},
        "peers": {"peer0.shop.test": {"url": "grpc://localhost:17051"}},
    });
    let path = s.write("connection-shop.json", doc.to_string());
    let p = Profile::load(&path).unwrap();
    assert!(p.diagnostics.is_empty(), "{:#?}", p.diagnostics);
    let org = p.client_organization().unwrap();
    assert_eq!(
        org.users
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>(),
        ["Admin"]
    );
    let id = p.identity("Admin", None).unwrap();
    assert_eq!(id.msp_id(), "ShopMSP");
    assert_eq!(
        id.certificate().subject_common_name(),
        Some("User1@org1.example.com")
    );
    assert_signs(&id);
    assert_eq!(
        p.identity("admin", None).unwrap().certificate(),
        id.certificate()
    );
    // Only Admin: no cryptoPath to look other users up in.
    let err = p.identity("User1", None).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Config {
                problem: ConfigProblem::UnknownUser { .. },
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn user_the_profile_does_not_know_is_unknown_user() {
    let s = Scratch::new();
    let path = s.profile("");
    let p = Profile::load(&path).unwrap();
    let err = p.identity("User1", None).unwrap_err();
    let text = err.to_string();
    match err {
        Error::Config {
            file, key, problem, ..
        } => {
            assert_eq!(file.as_deref(), Some(path.as_path()));
            assert_eq!(key.as_deref(), Some("organizations.A"));
            assert_eq!(
                problem,
                ConfigProblem::UnknownUser {
                    user: "User1".into(),
                    org: "A".into()
                }
            );
        }
        other => panic!("expected a config error, got {other:?}"),
    }
    assert!(text.contains("`User1`") && text.contains("`A`"), "{text}");
    assert!(text.contains(&path.display().to_string()), "{text}");

    // An organization the profile does not have.
    let err = p.identity_of("B", "User1", None).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Config {
                problem: ConfigProblem::UnknownUser { org, .. },
                ..
            } if org == "B"
        ),
        "{err:?}"
    );
}

#[test]
fn identity_without_a_client_organization_is_a_config_error() {
    let s = Scratch::new();
    let path = s.write(
        "noclient.yaml",
        "organizations:\n  A: {mspid: AMSP, cryptoPath: msp}\n",
    );
    let p = Profile::load(&path).unwrap();
    let err = p.identity("User1", None).unwrap_err();
    match &err {
        Error::Config { key, problem, .. } => {
            assert_eq!(key.as_deref(), Some("client.organization"));
            assert_eq!(problem, &ConfigProblem::MissingKey);
        }
        other => panic!("{other:?}"),
    }
    // identity_of does not need it.
    let (_, problem, _) = identity_error(p.identity_of("A", "User1", None).unwrap_err());
    assert!(
        matches!(problem, IdentityProblem::UserNotFound { .. }),
        "{problem:?}"
    );
}

#[test]
fn debug_output_never_shows_the_private_key() {
    let key_pem = read_identity_fixture("ec_pkcs8.pem");
    let body = pem_body_lines(&key_pem);
    assert!(!body.is_empty());
    let leaks = |debug: &str| -> Vec<&str> {
        body.iter()
            .copied()
            .filter(|line| debug.contains(line))
            .collect()
    };

    // Inline in a users entry.
    let s = Scratch::new();
    let p = s.users_inline(&read_identity_fixture("ec_cert.pem"), &key_pem);
    let id = p.identity("User1", None).unwrap();
    for debug in [
        format!("{p:?}"),
        format!("{p:#?}"),
        format!("{id:?}"),
        format!("{id:#?}"),
    ] {
        assert!(leaks(&debug).is_empty(), "key material in Debug: {debug}");
    }
    // What Debug does show.
    let debug = format!("{id:?}");
    assert!(debug.contains("AMSP") && debug.contains("User1@org1.example.com"));
    assert!(format!("{p:?}").contains("Pem(PRIVATE KEY)"));

    // A CCP's adminPrivateKey.
    let doc = serde_json::json!({
        "client": {"organization": "Shop"},
        "organizations": {"Shop": {
            "mspid": "ShopMSP",
            "adminPrivateKey": {"pem": key_pem},
            "signedCert": {"pem": read_identity_fixture("ec_cert.pem")},
        }},
    });
    let p = Profile::load(s.write("ccp.json", doc.to_string())).unwrap();
    let id = p.identity("Admin", None).unwrap();
    for debug in [format!("{p:#?}"), format!("{id:#?}")] {
        assert!(leaks(&debug).is_empty(), "key material in Debug: {debug}");
    }

    // An identity from an MSP folder: the key file's content is not shown either.
    let msp_key = fs::read_to_string(profiles().join(format!(
        "bcs/{ORG}.peer/msp/keystore/3f9c1a2e-5b7d-4e61-9a0c-d2b4f8e61c35_sk"
    )))
    .unwrap();
    let id = bcs().identity("Admin", None).unwrap();
    let debug = format!("{id:#?}");
    for line in pem_body_lines(&msp_key) {
        assert!(!debug.contains(line), "key material in Debug: {debug}");
    }
}

/// What `users` entries given by `path` should report, as `Identity::from_files` does: the key
/// file in key errors, both files for a mismatch, and the certificate as the identity's source
/// (so that `check_validity` names it). `identity_of` reads the files itself and calls
/// `Identity::from_pem`, which loses both paths.
#[test]
fn user_files_are_named_in_errors_and_as_source() {
    let s = Scratch::new();
    let cert = s.write("user1/cert.pem", read_identity_fixture("ec_cert.pem"));
    let key = s.write("user1/key.pem", read_identity_fixture("other_key.pem"));
    let p = s.users_by_path("user1/cert.pem", "user1/key.pem");
    let (file, problem, text) = identity_error(p.identity("User1", None).unwrap_err());
    assert_eq!(file.as_deref(), Some(key.as_path()));
    assert_eq!(
        problem,
        IdentityProblem::KeyCertMismatch {
            certificate: Some(cert.clone())
        }
    );
    assert!(
        text.contains(&key.display().to_string()) && text.contains(&cert.display().to_string()),
        "{text}"
    );

    let enc = s.write(
        "user1/key.pem",
        read_identity_fixture("ec_pkcs8_encrypted.pem"),
    );
    let p = s.users_by_path("user1/cert.pem", "user1/key.pem");
    let (file, problem, _) = identity_error(p.identity("User1", None).unwrap_err());
    assert_eq!(problem, IdentityProblem::PassphraseRequired);
    assert_eq!(file.as_deref(), Some(enc.as_path()));
    let id = p.identity("User1", Some(PASS)).unwrap();
    assert_eq!(id.source(), Some(cert.as_path()));
}
