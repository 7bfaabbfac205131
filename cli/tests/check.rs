//! `fabweave profile check`, run as users run it: the printed model, the problems, the result
//! line and the exit status (0 nothing blocks, 1 something does, 2 usage).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ORG: &str = "12e4567890123456789012345678901234567890";
const PEER0: &str = "peer-12e4567890123456789012345678901234567890-0.peer-12e4567890123456789012345678901234567890.default.svc.cluster.local:7051";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk-core/tests/fixtures")
}

fn bcs() -> PathBuf {
    fixtures().join("profiles/bcs/bcs-sdk-config.yaml")
}

/// Runs `fabweave ARGS` with a fixed GOPATH (the BCS template's CA paths name it).
fn fabweave(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabweave"));
    cmd.args(args).env("GOPATH", "/nonexistent-gopath");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn check(args: &[&str]) -> Output {
    let mut all = vec!["profile", "check"];
    all.extend_from_slice(args);
    fabweave(&all, &[])
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

/// Asserts the exit status, showing the output when it differs.
fn assert_status(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
}

/// The lines of the `problems:` list with this label (`error` or `warning`).
fn problems<'a>(text: &'a str, label: &str) -> Vec<&'a str> {
    let prefix = format!("  {label}: ");
    text.lines()
        .filter_map(|l| l.strip_prefix(prefix.as_str()))
        .collect()
}

/// A scratch folder for one test, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("fabweave-cli-check-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn arg(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn ccp_profile_is_ok_and_lists_the_peers() {
    let path = fixtures().join("profiles/ccp/connection-shop.json");
    let out = check(&[arg(&path)]);
    assert_status(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("(common connection profile)"), "{text}");
    assert!(text.contains("Shop — MSP ShopMSP, 2 peer(s)"), "{text}");
    assert!(
        text.contains(
            "peer0.shop.test — localhost:17051 TLS (TLS name peer0.shop.test, 1 CA cert(s)), org Shop"
        ),
        "{text}"
    );
    assert!(
        text.contains("peer1.shop.test — localhost:17151 TLS"),
        "{text}"
    );
    assert!(!text.contains("problems:"), "{text}");
    assert!(text.contains("result: OK — 0 warning(s)"), "{text}");
}

#[test]
fn bcs_download_is_ok_with_warnings_only() {
    let out = check(&[arg(&bcs())]);
    assert_status(&out, 0);
    let text = stdout(&out);
    assert!(text.contains("(fabric-sdk-go config.yaml)"), "{text}");
    assert!(
        text.contains(&format!("{ORG} — MSP {ORG}MSP, 2 peer(s), CAs [ca-org1]")),
        "{text}"
    );
    assert!(text.contains("203.0.113.10:30605 TLS"), "{text}");
    assert!(problems(&text, "error").is_empty(), "{text}");
    let warnings = problems(&text, "warning");
    assert_eq!(warnings.len(), 6, "{text}");
    // The template CA block, left in the download: its three junk paths.
    let ca: Vec<_> = warnings
        .iter()
        .filter(|w| w.contains("at `certificateAuthorities.ca-org1.tlsCACerts"))
        .collect();
    assert_eq!(ca.len(), 3, "{text}");
    assert!(ca.iter().any(|w| w.contains("ca_root.pem")), "{text}");
    assert!(warnings.iter().any(|w| w.contains("eventUrl")), "{text}");
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(&format!("organizations.{ORG}.adminPrivateKey"))),
        "{text}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("7 absolute path(s) in the profile do not exist")),
        "{text}"
    );
    // Warnings name the file and the line.
    assert!(
        warnings
            .iter()
            .any(|w| w.contains(&format!("{}:96:15", bcs().display()))),
        "{text}"
    );
    assert!(text.contains("result: OK — 6 warning(s)"), "{text}");
    assert!(!text.contains("identity"), "no --user, no identity: {text}");
}

#[test]
fn bcs_with_user_admin_prints_the_identity() {
    let out = check(&[arg(&bcs()), "--user", "Admin"]);
    assert_status(&out, 0);
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with("identity Admin: "))
        .unwrap_or_else(|| panic!("no identity line:\n{text}"));
    assert!(line.contains(&format!("msp_id: \"{ORG}MSP\"")), "{line}");
    assert!(
        line.contains("Admin@12e45678.peer-12e45678.default.svc.cluster.local"),
        "{line}"
    );
    assert!(line.contains("ECDSA P-256"), "{line}");
    assert!(text.contains("result: OK — 6 warning(s)"), "{text}");
    // The key itself is never printed.
    let key = std::fs::read_to_string(fixtures().join(format!(
        "profiles/bcs/{ORG}.peer/msp/keystore/3f9c1a2e-5b7d-4e61-9a0c-d2b4f8e61c35_sk"
    )))
    .unwrap();
    for body in key.lines().filter(|l| !l.starts_with("-----")) {
        assert!(!text.contains(body), "key material printed:\n{text}");
    }
}

#[test]
fn map_host_rewrites_the_dial_address_and_keeps_tls_names() {
    let out = check(&[arg(&bcs()), "--map-host", "203.0.113.10=127.0.0.1"]);
    assert_status(&out, 0);
    let text = stdout(&out);
    let peer0 = text
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("{PEER0} — ")))
        .unwrap_or_else(|| panic!("no peer0 line:\n{text}"));
    assert!(peer0.contains("— 127.0.0.1:30605 TLS"), "{peer0}");
    assert!(
        peer0.contains(&format!("TLS name {}", PEER0.trim_end_matches(":7051"))),
        "{peer0}"
    );
    assert!(text.contains("127.0.0.1:30606"), "{text}");
    assert!(text.contains("127.0.0.1:30805"), "orderer too: {text}");
    assert!(
        !text.contains("203.0.113.10:"),
        "every address mapped: {text}"
    );
}

#[test]
fn alibaba_user_folder_found_or_blocked() {
    let dir = fixtures().join("profiles/alibaba");
    let tls = dir.join("crypto/tls");
    let profile = dir.join("connection-profile.yaml");
    let env = [("FIXTURE_TLS", arg(&tls))];
    let out = fabweave(
        &["profile", "check", arg(&profile), "--user", "appuser"],
        &env,
    );
    assert_status(&out, 0);
    assert!(
        stdout(&out).contains("identity appuser: Identity { msp_id: \"bankMSP\""),
        "{}",
        stdout(&out)
    );

    let out = fabweave(
        &["profile", "check", arg(&profile), "--user", "nobody"],
        &env,
    );
    assert_status(&out, 1);
    let text = stdout(&out);
    let errors = problems(&text, "error");
    assert_eq!(errors.len(), 1, "{text}");
    assert!(
        errors[0].contains("user `nobody` of `bankMSP`")
            && errors[0].contains(&dir.join("crypto/users/nobody/msp").display().to_string()),
        "{text}"
    );
    assert!(text.contains("result: BLOCKED — 1 error(s)"), "{text}");
}

#[test]
fn passphrase_is_read_from_the_named_environment_variable() {
    let s = Scratch::new("passphrase");
    let cert = fixtures().join("identity/ec_cert.pem");
    let key = fixtures().join("identity/ec_pkcs8_encrypted.pem");
    let profile = s.write(
        "enc.yaml",
        &format!(
            "client: {{organization: A}}\n\
             organizations:\n  A:\n    mspid: AMSP\n    peers: [p0]\n    users:\n      User1:\n        \
             cert: {{path: {}}}\n        key: {{path: {}}}\n\
             peers:\n  p0: {{url: 'grpc://peer0.a.test:7051'}}\n",
            cert.display(),
            key.display()
        ),
    );
    let base = ["profile", "check", arg(&profile), "--user", "User1"];

    let mut args = base.to_vec();
    args.extend(["--passphrase-env", "FABWEAVE_TEST_PASS"]);
    let out = fabweave(&args, &[("FABWEAVE_TEST_PASS", "fabweave")]);
    assert_status(&out, 0);
    assert!(
        stdout(&out).contains("identity User1: Identity { msp_id: \"AMSP\""),
        "{}",
        stdout(&out)
    );

    let out = fabweave(&args, &[("FABWEAVE_TEST_PASS", "not-it")]);
    assert_status(&out, 1);
    let text = stdout(&out);
    assert!(
        problems(&text, "error")
            .iter()
            .any(|e| e.contains("passphrase does not decrypt")),
        "{text}"
    );
    assert!(!text.contains("not-it"), "passphrase echoed: {text}");

    let out = fabweave(&base, &[]);
    assert_status(&out, 1);
    assert!(
        stdout(&out).contains("encrypted; give its passphrase"),
        "{}",
        stdout(&out)
    );

    // Naming a variable that is not set is a usage error.
    let mut args = base.to_vec();
    args.extend(["--passphrase-env", "FABWEAVE_TEST_UNSET_VARIABLE"]);
    let out = fabweave(&args, &[]);
    assert_status(&out, 2);
    assert!(
        stderr(&out).contains("FABWEAVE_TEST_UNSET_VARIABLE is not set"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn channel_naming_an_undefined_peer_is_blocked_with_its_key_path() {
    let s = Scratch::new("undefined");
    let path = s.write(
        "undef.yaml",
        "client: {organization: A}\n\
         organizations:\n  A: {mspid: AMSP, peers: [p0]}\n\
         peers:\n  p0: {url: 'grpc://h:7051'}\n\
         channels:\n  ch1:\n    peers:\n      p0: {}\n      ghost:7051: {endorsingPeer: true}\n",
    );
    let out = check(&[arg(&path)]);
    assert_status(&out, 1);
    let text = stdout(&out);
    let errors = problems(&text, "error");
    assert_eq!(errors.len(), 1, "{text}");
    assert!(
        errors[0].contains(&format!("{}:10:", path.display())),
        "{text}"
    );
    assert!(
        errors[0].contains("at `channels.ch1.peers.ghost:7051`"),
        "{text}"
    );
    assert!(
        errors[0].contains("peer `ghost:7051` is not defined"),
        "{text}"
    );
    assert!(
        text.contains("result: BLOCKED — 1 error(s), 0 warning(s)"),
        "{text}"
    );
    // The model is still printed, to show what was understood.
    assert!(text.contains("ch1 — orderers []"), "{text}");
}

#[test]
fn syntax_error_prints_file_line_and_column() {
    let s = Scratch::new("syntax");
    let path = s.write(
        "bad.json",
        "{\n  \"client\": {\"organization\": \"A\"},\n  \"peers\": {,}\n}\n",
    );
    let out = check(&[arg(&path)]);
    assert_status(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("{}:3:13: syntax error", path.display())),
        "{text}"
    );
    assert!(text.contains("result: BLOCKED"), "{text}");

    let path = s.write(
        "bad.yaml",
        "client:\n  organization: A\npeers:\n  p0: {url: grpcs://h:1\n  p1: x\n",
    );
    let out = check(&[arg(&path)]);
    assert_status(&out, 1);
    let text = stdout(&out);
    let prefix = format!("error: profile {}:", path.display());
    let at = text
        .lines()
        .find_map(|l| l.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("no file:line:col:\n{text}"));
    let mut parts = at.splitn(3, ':');
    let line: u32 = parts.next().unwrap().parse().unwrap();
    let col: u32 = parts.next().unwrap().parse().unwrap();
    assert!(line >= 4 && col >= 1, "{at}");
    assert!(text.contains("syntax error"), "{text}");
}

#[test]
fn missing_file_is_blocked() {
    let s = Scratch::new("missing");
    let path = s.0.join("no-such-profile.yaml");
    let out = check(&[arg(&path)]);
    assert_status(&out, 1);
    let text = stdout(&out);
    assert!(
        text.contains(&format!("profile {}: cannot read the file", path.display())),
        "{text}"
    );
    assert!(
        text.contains("result: BLOCKED — the profile could not be read"),
        "{text}"
    );
}

#[test]
fn bad_usage_exits_2_with_the_usage() {
    let profile = bcs();
    // Without a command, or with an unknown one: the list of commands.
    for (args, message) in [
        (vec![], "missing COMMAND"),
        (vec!["check", arg(&profile)], "unknown command `check`"),
    ] {
        let out = fabweave(&args, &[]);
        assert_status(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("fabweave: {message}")),
            "{args:?}: {err}"
        );
        assert!(err.contains("usage: fabweave COMMAND"), "{args:?}: {err}");
        assert!(err.contains("profile check FILE"), "{args:?}: {err}");
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    }
    for (args, message) in [
        (vec!["profile"], "expected `profile check`"),
        (vec!["profile", "check"], "missing FILE"),
        (
            vec!["profile", "check", arg(&profile), "--frobnicate"],
            "unknown option --frobnicate",
        ),
        (
            vec!["profile", "check", arg(&profile), "extra.yaml"],
            "unexpected argument extra.yaml",
        ),
        (
            vec!["profile", "check", arg(&profile), "--map-host", "no-equals"],
            "--map-host takes FROM=TO",
        ),
        (
            vec!["profile", "check", arg(&profile), "--user"],
            "--user needs a value",
        ),
    ] {
        let out = fabweave(&args, &[]);
        assert_status(&out, 2);
        let err = stderr(&out);
        assert!(
            err.contains(&format!("fabweave: {message}")),
            "{args:?}: {err}"
        );
        assert!(
            err.contains("usage: fabweave profile check FILE"),
            "{args:?}: {err}"
        );
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    }
}
