//! Wallets: in memory and in a folder, in fabric-network's `<label>.id` format, with private
//! keys optionally encrypted at rest.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use fabweave::error::{Error, IdentityProblem};
use fabweave::identity::wallet::{
    FileWallet, InMemoryWallet, Wallet, WalletEntry, MIN_PBKDF2_ITERATIONS, PBKDF2_ITERATIONS,
};
use fabweave::identity::Identity;

const PASS: &str = "correct horse battery staple";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

fn read(name: &str) -> String {
    fs::read_to_string(fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}

/// A wallet encrypting keys with the fewest iterations allowed: PBKDF2 is slow in debug builds.
/// The default count is checked by `openssl_decrypts_encrypted_keys`.
fn encrypting_wallet(dir: &Path) -> FileWallet {
    let wallet = FileWallet::with_passphrase(dir, PASS)
        .unwrap()
        .with_pbkdf2_iterations(MIN_PBKDF2_ITERATIONS)
        .unwrap();
    assert_eq!(wallet.pbkdf2_iterations(), 100_000);
    wallet
}

fn user1() -> WalletEntry {
    WalletEntry::new("Org1MSP", read("ec_cert.pem"), read("ec_pkcs8.pem"))
}

/// The identity error's file and problem; also checks that Display names the file.
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

fn assert_signs(id: &Identity) {
    assert_eq!(id.msp_id(), "Org1MSP");
    assert_eq!(
        id.certificate().subject_common_name(),
        Some("User1@org1.example.com")
    );
    let sig = id.sign(b"wallet payload").unwrap();
    id.certificate()
        .verify_signature(b"wallet payload", &sig)
        .unwrap();
    fabweave::crypto::verify(id.certificate().public_key_der(), b"wallet payload", &sig).unwrap();
}

/// `s` as a JSON string literal, escaped by hand (PEM text only needs newlines escaped).
fn js(s: &str) -> String {
    assert!(!s.contains('"') && !s.contains('\\'));
    format!("\"{}\"", s.replace('\r', "\\r").replace('\n', "\\n"))
}

/// Exactly what fabric-network 2.2 writes: `JSON.stringify` of its X.509 identity data.
fn fabric_network_json(msp_id: &str, cert: &str, key: &str) -> String {
    format!(
        r#"{{"credentials":{{"certificate":{},"privateKey":{}}},"mspId":{},"type":"X.509","version":1}}"#,
        js(cert),
        js(key),
        js(msp_id)
    )
}

/// The `credentials.privateKey` of a wallet file.
fn stored_key(path: &Path) -> String {
    let json: serde_json::Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    json["credentials"]["privateKey"]
        .as_str()
        .unwrap()
        .to_string()
}

/// The base64 lines of a PEM, without the BEGIN/END lines.
fn body_lines(pem: &str) -> Vec<&str> {
    pem.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
        .collect()
}

fn round_trip(wallet: &dyn Wallet) {
    assert!(wallet.labels().unwrap().is_empty());
    assert_eq!(wallet.get("appUser").unwrap(), None);
    assert!(wallet.identity("appUser").unwrap().is_none());

    let entry = user1();
    wallet.put("appUser", &entry).unwrap();
    wallet.put("admin", &entry).unwrap();
    assert_eq!(wallet.labels().unwrap(), ["admin", "appUser"]);

    let got = wallet.get("appUser").unwrap().unwrap();
    assert_eq!(got, entry);
    assert_eq!(got.msp_id(), "Org1MSP");
    assert_eq!(got.certificate_pem(), read("ec_cert.pem"));
    assert_eq!(got.private_key_pem(), read("ec_pkcs8.pem"));
    assert_signs(&got.to_identity().unwrap());
    assert_signs(&wallet.identity("admin").unwrap().unwrap());

    // Replacing an entry.
    let other = WalletEntry::new("Org2MSP", read("ec_cert.pem"), read("ec_sec1.pem"));
    wallet.put("appUser", &other).unwrap();
    assert_eq!(wallet.get("appUser").unwrap().unwrap(), other);
    assert_eq!(wallet.labels().unwrap(), ["admin", "appUser"]);

    assert!(wallet.remove("appUser").unwrap());
    assert!(!wallet.remove("appUser").unwrap());
    assert_eq!(wallet.get("appUser").unwrap(), None);
    assert_eq!(wallet.labels().unwrap(), ["admin"]);
}

#[test]
fn in_memory_round_trip() {
    round_trip(&InMemoryWallet::new());
    round_trip(&InMemoryWallet::default());
}

#[test]
fn file_round_trip_and_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nested/wallet");
    let wallet = FileWallet::open(&dir).unwrap();
    assert!(dir.is_dir(), "open creates the folder");
    assert_eq!(wallet.dir(), dir);
    assert!(!wallet.encrypts_keys());
    round_trip(&wallet);

    // One `<label>.id` per entry, no temporary files left behind.
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["admin.id"]);
    assert_eq!(wallet.path("admin").unwrap(), dir.join("admin.id"));

    // Other files in the folder are not entries.
    fs::write(dir.join("notes.txt"), "x").unwrap();
    fs::create_dir(dir.join("sub.id")).unwrap();
    assert_eq!(wallet.labels().unwrap(), ["admin"]);

    // A second handle on the same folder sees the same entries.
    let again = FileWallet::open(&dir).unwrap();
    assert_eq!(again.get("admin").unwrap().unwrap(), user1());
}

#[cfg(unix)]
#[test]
fn files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let wallet = FileWallet::open(tmp.path()).unwrap();
    wallet.put("appUser", &user1()).unwrap();
    let mode = fs::metadata(tmp.path().join("appUser.id"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");

    // Also when the entry replaces a file that was readable by others.
    fs::set_permissions(
        tmp.path().join("appUser.id"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    wallet.put("appUser", &user1()).unwrap();
    let mode = fs::metadata(tmp.path().join("appUser.id"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
}

#[test]
fn reads_what_fabric_network_writes() {
    let tmp = tempfile::tempdir().unwrap();
    // The Node SDK writes the key with CRLF line endings (jsrsasign), the certificate with LF.
    let key = read("ec_pkcs8.pem").replace('\n', "\r\n");
    let cert = read("ec_cert.pem");
    fs::write(
        tmp.path().join("appUser.id"),
        fabric_network_json("Org1MSP", &cert, &key),
    )
    .unwrap();

    for wallet in [
        FileWallet::open(tmp.path()).unwrap(),
        // A wallet that encrypts keys still reads entries whose key is in clear.
        FileWallet::with_passphrase(tmp.path(), PASS).unwrap(),
    ] {
        assert_eq!(wallet.labels().unwrap(), ["appUser"]);
        let entry = wallet.get("appUser").unwrap().unwrap();
        assert_eq!(entry.msp_id(), "Org1MSP");
        assert_eq!(entry.certificate_pem(), cert);
        assert_eq!(entry.private_key_pem(), key);
        assert_signs(&entry.to_identity().unwrap());
        assert_signs(&wallet.identity("appUser").unwrap().unwrap());
    }
}

#[test]
fn reads_tolerantly() {
    let tmp = tempfile::tempdir().unwrap();
    let cert = read("ec_cert.pem");
    let key = read("ec_pkcs8.pem");
    // Pretty-printed, other key order, unknown fields, no version.
    let json = format!(
        "{{\n  \"type\": \"X.509\",\n  \"mspId\": \"Org1MSP\",\n  \"comment\": {{\"by\": \"hand\"}},\n  \
         \"credentials\": {{\n    \"privateKey\": {},\n    \"certificate\": {},\n    \"extra\": 1\n  }}\n}}\n",
        js(&key),
        js(&cert)
    );
    fs::write(tmp.path().join("user.id"), json).unwrap();
    let wallet = FileWallet::open(tmp.path()).unwrap();
    let entry = wallet.get("user").unwrap().unwrap();
    assert_eq!(entry, user1());
    assert_signs(&entry.to_identity().unwrap());
}

#[test]
fn writes_what_fabric_network_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let wallet = FileWallet::open(tmp.path()).unwrap();
    // CRLF in the key, as from the Node SDK, survives the round trip.
    let key = read("ec_pkcs8.pem").replace('\n', "\r\n");
    let entry = WalletEntry::new("Org1MSP", read("ec_cert.pem"), key.clone());
    wallet.put("appUser", &entry).unwrap();

    let written = fs::read_to_string(tmp.path().join("appUser.id")).unwrap();
    // Byte for byte what `JSON.stringify` gives in fabric-network.
    assert_eq!(
        written,
        fabric_network_json("Org1MSP", &read("ec_cert.pem"), &key)
    );

    let json: serde_json::Value = serde_json::from_str(&written).unwrap();
    let top: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(top, ["credentials", "mspId", "type", "version"]);
    let credentials: Vec<&str> = json["credentials"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(credentials, ["certificate", "privateKey"]);
    assert_eq!(json["type"], "X.509");
    assert_eq!(json["version"], 1);
    assert!(written.contains(r#""type":"X.509""#));
    assert!(written.contains(r#""version":1"#));
    assert_eq!(json["mspId"], "Org1MSP");
    assert_eq!(json["credentials"]["privateKey"], key.as_str());
}

#[test]
fn keys_encrypted_at_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let wallet = encrypting_wallet(tmp.path());
    assert!(wallet.encrypts_keys());
    wallet.put("appUser", &user1()).unwrap();
    // SEC1 keys are converted to PKCS#8 before encryption.
    wallet
        .put(
            "sec1User",
            &WalletEntry::new("Org1MSP", read("ec_cert.pem"), read("ec_sec1.pem")),
        )
        .unwrap();

    let path = tmp.path().join("appUser.id");
    let file = fs::read_to_string(&path).unwrap();
    assert!(file.contains("BEGIN ENCRYPTED PRIVATE KEY"), "{file}");
    assert!(!file.contains("BEGIN PRIVATE KEY"));
    assert!(!file.contains("BEGIN EC PRIVATE KEY"));
    for line in body_lines(&read("ec_pkcs8.pem"))
        .into_iter()
        .chain(body_lines(&read("ec_sec1.pem")))
    {
        assert!(!file.contains(line), "plaintext key line in the file");
    }
    let json: serde_json::Value = serde_json::from_str(&file).unwrap();
    assert_eq!(json["type"], "X.509");
    assert_eq!(json["version"], 1);
    assert_eq!(
        json["credentials"]["certificate"],
        read("ec_cert.pem").as_str()
    );

    // Read back with the passphrase: unencrypted PKCS#8, the same key.
    let got = wallet.get("appUser").unwrap().unwrap();
    assert!(got
        .private_key_pem()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(
        body_lines(got.private_key_pem()),
        body_lines(&read("ec_pkcs8.pem"))
    );
    assert_signs(&got.to_identity().unwrap());
    let sec1 = wallet.get("sec1User").unwrap().unwrap();
    assert!(sec1
        .private_key_pem()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_signs(&sec1.to_identity().unwrap());
    assert_signs(&wallet.identity("appUser").unwrap().unwrap());

    // Another handle with the same passphrase (and the default iteration count: reading uses
    // the file's).
    let again = FileWallet::with_passphrase(tmp.path(), PASS).unwrap();
    assert_eq!(again.get("appUser").unwrap().unwrap(), got);

    // Fresh salt and IV on every write.
    wallet.put("copy", &user1()).unwrap();
    assert_ne!(stored_key(&path), stored_key(&tmp.path().join("copy.id")));

    // An already-encrypted PKCS#8 key under the wallet's passphrase is re-encrypted.
    let encrypted = stored_key(&path);
    wallet
        .put(
            "reput",
            &WalletEntry::new("Org1MSP", read("ec_cert.pem"), encrypted.clone()),
        )
        .unwrap();
    assert_ne!(stored_key(&tmp.path().join("reput.id")), encrypted);
    assert_eq!(wallet.get("reput").unwrap().unwrap(), got);
}

#[test]
fn encrypted_keys_need_the_right_passphrase() {
    let tmp = tempfile::tempdir().unwrap();
    encrypting_wallet(tmp.path())
        .put("appUser", &user1())
        .unwrap();
    let path = tmp.path().join("appUser.id");

    let err = FileWallet::open(tmp.path())
        .unwrap()
        .get("appUser")
        .unwrap_err();
    assert!(err.to_string().contains("passphrase"), "{err}");
    assert_eq!(
        identity_error(err),
        (Some(path.clone()), IdentityProblem::PassphraseRequired)
    );

    let wrong = FileWallet::with_passphrase(tmp.path(), "not it").unwrap();
    let err = wrong.get("appUser").unwrap_err();
    assert!(err.to_string().contains("passphrase"), "{err}");
    assert_eq!(
        identity_error(err),
        (Some(path.clone()), IdentityProblem::WrongPassphrase)
    );
    let err = wrong.identity("appUser").unwrap_err();
    assert_eq!(
        identity_error(err),
        (Some(path.clone()), IdentityProblem::WrongPassphrase)
    );
    // Putting a key encrypted under another passphrase fails the same way.
    let err = wrong
        .put(
            "other",
            &WalletEntry::new("Org1MSP", read("ec_cert.pem"), stored_key(&path)),
        )
        .unwrap_err();
    assert_eq!(identity_error(err).1, IdentityProblem::WrongPassphrase);
    assert!(!tmp.path().join("other.id").exists());

    // Labels are listed without any passphrase.
    assert_eq!(
        FileWallet::open(tmp.path()).unwrap().labels().unwrap(),
        ["appUser"]
    );

    // An entry holding an encrypted key can still be used with its passphrase.
    let raw = WalletEntry::new("Org1MSP", read("ec_cert.pem"), stored_key(&path));
    assert_eq!(
        identity_error(raw.to_identity().unwrap_err()).1,
        IdentityProblem::PassphraseRequired
    );
    assert_signs(
        &raw.to_identity_with_passphrase(Some(PASS.as_bytes()))
            .unwrap(),
    );

    // An empty passphrase is refused, and so are too few iterations.
    let err = FileWallet::with_passphrase(tmp.path(), "").unwrap_err();
    assert!(err.to_string().contains("passphrase"), "{err}");
    let err = FileWallet::with_passphrase(tmp.path(), PASS)
        .unwrap()
        .with_pbkdf2_iterations(MIN_PBKDF2_ITERATIONS - 1)
        .unwrap_err();
    assert!(err.to_string().contains("99999"), "{err}");
}

#[test]
fn openssl_decrypts_encrypted_keys() {
    let tmp = tempfile::tempdir().unwrap();
    // The default iteration count.
    let wallet = FileWallet::with_passphrase(tmp.path().join("wallet"), PASS).unwrap();
    assert_eq!(wallet.pbkdf2_iterations(), PBKDF2_ITERATIONS);
    wallet.put("appUser", &user1()).unwrap();
    let encrypted = tmp.path().join("encrypted.pem");
    fs::write(
        &encrypted,
        stored_key(&tmp.path().join("wallet/appUser.id")),
    )
    .unwrap();
    let plain = tmp.path().join("plain.pem");

    // openssl is present on the machines these tests run on: a missing one is a failure.
    let output = Command::new("openssl")
        .arg("pkcs8")
        .arg("-in")
        .arg(&encrypted)
        .arg("-passin")
        .arg(format!("pass:{PASS}"))
        .arg("-out")
        .arg(&plain)
        .output()
        .expect("running openssl (it must be on PATH)");
    assert!(
        output.status.success(),
        "openssl pkcs8 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let decrypted = fs::read_to_string(&plain).unwrap();
    assert!(
        decrypted.starts_with("-----BEGIN PRIVATE KEY-----"),
        "{decrypted}"
    );
    assert_eq!(body_lines(&decrypted), body_lines(&read("ec_pkcs8.pem")));

    // The algorithms promised: PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC, 600,000 iterations.
    let output = Command::new("openssl")
        .arg("asn1parse")
        .arg("-in")
        .arg(&encrypted)
        .output()
        .expect("running openssl asn1parse");
    assert!(output.status.success());
    let asn1 = String::from_utf8_lossy(&output.stdout);
    for what in ["PBES2", "PBKDF2", "hmacWithSHA256", "aes-256-cbc"] {
        assert!(asn1.contains(what), "{what} missing from:\n{asn1}");
    }
    let iteration_count = asn1.lines().find_map(|l| {
        let (_, value) = l.split_once("prim: INTEGER")?;
        u32::from_str_radix(value.trim().trim_start_matches(':'), 16).ok()
    });
    assert_eq!(iteration_count, Some(PBKDF2_ITERATIONS), "{asn1}");
    assert_eq!(PBKDF2_ITERATIONS, 600_000);

    // And a wrong passphrase fails there too.
    let output = Command::new("openssl")
        .args(["pkcs8", "-passin", "pass:not it", "-in"])
        .arg(&encrypted)
        .output()
        .expect("running openssl");
    assert!(!output.status.success());
}

#[test]
fn bad_labels_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wallet");
    let file_wallet = FileWallet::open(&dir).unwrap();
    let memory = InMemoryWallet::new();
    let wallets: [&dyn Wallet; 2] = [&file_wallet, &memory];
    let entry = user1();
    for label in [
        "",
        ".",
        "..",
        "../escape",
        "a/b",
        "/etc/passwd",
        "a\\b",
        "..\\x",
        "a\0b",
    ] {
        for wallet in wallets {
            for err in [
                wallet.put(label, &entry).unwrap_err(),
                wallet.get(label).unwrap_err(),
                wallet.remove(label).unwrap_err(),
                wallet.identity(label).unwrap_err(),
            ] {
                match identity_error(err) {
                    (
                        _,
                        IdentityProblem::Malformed {
                            what: "wallet label",
                            ..
                        },
                    ) => {}
                    other => panic!("{label:?}: {other:?}"),
                }
            }
        }
        assert!(file_wallet.path(label).is_err());
    }
    assert!(memory.labels().unwrap().is_empty());
    assert!(file_wallet.labels().unwrap().is_empty());
    // Nothing was written anywhere.
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
    assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
}

#[test]
fn other_identity_types_are_rejected() {
    let tmp = tempfile::tempdir().unwrap();
    let cert = read("ec_cert.pem");
    fs::write(
        tmp.path().join("hsm.id"),
        format!(
            r#"{{"credentials":{{"certificate":{}}},"mspId":"Org1MSP","type":"HSM-X.509","version":1}}"#,
            js(&cert)
        ),
    )
    .unwrap();
    fs::write(
        tmp.path().join("idemix.id"),
        r#"{"credentials":{"certificate":"x"},"mspId":"Org1MSP","type":"idemix","version":1}"#,
    )
    .unwrap();
    fs::write(
        tmp.path().join("v2.id"),
        fabric_network_json("Org1MSP", &cert, &read("ec_pkcs8.pem"))
            .replace(r#""version":1"#, r#""version":2"#),
    )
    .unwrap();
    fs::write(tmp.path().join("junk.id"), "not json").unwrap();

    let wallet = FileWallet::open(tmp.path()).unwrap();
    assert_eq!(wallet.labels().unwrap(), ["hsm", "idemix", "junk", "v2"]);
    for (label, needle) in [
        ("hsm", "HSM-X.509"),
        ("idemix", "idemix"),
        ("v2", "version 2"),
        ("junk", "not JSON"),
    ] {
        let err = wallet.get(label).unwrap_err();
        let text = err.to_string();
        assert!(text.contains(needle), "{label}: {text}");
        let (file, problem) = identity_error(err);
        assert_eq!(file, Some(tmp.path().join(format!("{label}.id"))));
        assert!(
            matches!(
                problem,
                IdentityProblem::Malformed {
                    what: "wallet entry",
                    ..
                }
            ),
            "{problem:?}"
        );
    }
}

#[test]
fn debug_hides_the_key() {
    let entry = user1();
    let key = read("ec_pkcs8.pem");
    let shown = format!("{entry:?} {entry:#?}");
    assert!(shown.contains("Org1MSP"), "{shown}");
    assert!(shown.contains("User1@org1.example.com"), "{shown}");
    assert!(!shown.contains("PRIVATE KEY"), "{shown}");
    for line in body_lines(&key) {
        assert!(!shown.contains(line), "{shown}");
    }

    let memory = InMemoryWallet::new();
    memory.put("appUser", &entry).unwrap();
    let shown = format!("{memory:?}");
    assert!(
        shown.contains("appUser") && !shown.contains("PRIVATE KEY"),
        "{shown}"
    );

    let tmp = tempfile::tempdir().unwrap();
    let shown = format!(
        "{:?}",
        FileWallet::with_passphrase(tmp.path(), PASS).unwrap()
    );
    assert!(!shown.contains(PASS), "{shown}");
}

#[test]
fn entries_from_files() {
    let entry = WalletEntry::from_files("Org1MSP", fixture("ec_cert.pem"), fixture("ec_pkcs8.pem"))
        .unwrap();
    assert_eq!(entry, user1());

    // A key that is not the certificate's is refused, naming the key file.
    let err = WalletEntry::from_files("Org1MSP", fixture("ec_cert.pem"), fixture("other_key.pem"))
        .unwrap_err();
    let (file, problem) = identity_error(err);
    assert_eq!(file, Some(fixture("other_key.pem")));
    assert!(matches!(problem, IdentityProblem::KeyCertMismatch { .. }));

    // A wrong key in a hand-made entry shows up when it is used.
    let mismatched = WalletEntry::new("Org1MSP", read("ec_cert.pem"), read("other_key.pem"));
    assert!(matches!(
        identity_error(mismatched.to_identity().unwrap_err()).1,
        IdentityProblem::KeyCertMismatch { .. }
    ));
}
