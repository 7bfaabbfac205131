//! Bad profiles give typed errors that name the file, the key path and, for syntax errors, the
//! line and column.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use fabweave::config::{LoadOptions, Profile, Severity};
use fabweave::{ConfigProblem, Error, ErrorKind};

fn scratch(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fabweave-profile-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn tls_ca() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/profiles/alibaba/crypto/tls/tlsca.pem");
    std::fs::read_to_string(p).unwrap()
}

/// A valid minimal profile with `extra` appended.
fn profile(extra: &str) -> String {
    let pem = tls_ca().replace('\n', "\\n");
    format!(
        "client: {{organization: A}}\n\
         organizations:\n  A: {{mspid: AMSP, peers: [p0]}}\n\
         peers:\n  p0: {{url: 'grpcs://h:7051', tlsCACerts: {{pem: \"{pem}\"}}}}\n{extra}"
    )
}

fn config_error(err: &Error) -> (&Option<PathBuf>, &Option<String>, &ConfigProblem) {
    match err {
        Error::Config {
            file, key, problem, ..
        } => (file, key, problem),
        other => panic!("expected a config error, got {other:?}"),
    }
}

#[test]
fn the_minimal_profile_is_fine() {
    let p = Profile::load(scratch("ok.yaml", &profile(""))).unwrap();
    assert!(p.diagnostics.is_empty(), "{:#?}", p.diagnostics);
}

#[test]
fn unreadable_file() {
    let err = Profile::load("/nonexistent/profile.yaml").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    let (file, _, problem) = config_error(&err);
    assert_eq!(
        file.as_deref(),
        Some(Path::new("/nonexistent/profile.yaml"))
    );
    assert!(matches!(problem, ConfigProblem::Unreadable { .. }));
    assert!(
        err.to_string().contains("/nonexistent/profile.yaml"),
        "{err}"
    );
}

#[test]
fn yaml_syntax_error_names_line_and_column() {
    let path = scratch(
        "bad.yaml",
        "client:\n  organization: A\npeers:\n  p0: {url: grpcs://h:1\n  p1: x\n",
    );
    let err = Profile::load(&path).unwrap_err();
    match &err {
        Error::Config {
            file,
            position: Some(pos),
            problem: ConfigProblem::Syntax { .. },
            ..
        } => {
            assert_eq!(file.as_deref(), Some(path.as_path()));
            assert!(pos.line >= 4, "{pos:?}");
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("bad.yaml:"), "{text}");
}

#[test]
fn json_syntax_error_names_line_and_column() {
    let path = scratch(
        "bad.json",
        "{\n  \"client\": {\"organization\": \"A\"},\n  \"peers\": {,}\n}\n",
    );
    let err = Profile::load(&path).unwrap_err();
    match &err {
        Error::Config {
            position: Some(pos),
            problem: ConfigProblem::Syntax { .. },
            ..
        } => assert_eq!((pos.line, pos.column), (3, 13)),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("bad.json:3:13"), "{err}");
}

#[test]
fn not_a_profile() {
    let err = Profile::load(scratch("list.yaml", "- a\n- b\n")).unwrap_err();
    assert!(matches!(config_error(&err).2, ConfigProblem::UnknownFormat));
    let err = Profile::load(scratch("other.yaml", "apiVersion: v1\nkind: Pod\n")).unwrap_err();
    assert!(matches!(config_error(&err).2, ConfigProblem::UnknownFormat));
}

#[test]
fn channel_naming_an_undefined_peer() {
    let path = scratch("undef.yaml", &profile("channels:\n  ch1:\n    peers:\n      p0: {}\n      ghost:7051: {endorsingPeer: true}\n"));
    let err = Profile::load(&path).unwrap_err();
    let (file, key, problem) = config_error(&err);
    assert_eq!(file.as_deref(), Some(path.as_path()));
    assert_eq!(key.as_deref(), Some("channels.ch1.peers.ghost:7051"));
    assert_eq!(
        problem,
        &ConfigProblem::Undefined {
            what: "peer",
            name: "ghost:7051".into()
        }
    );
    match &err {
        Error::Config { position, .. } => assert_eq!(position.map(|p| p.line), Some(10)),
        _ => unreachable!(),
    }
    let text = err.to_string();
    assert!(
        text.contains("ghost:7051") && text.contains("undef.yaml"),
        "{text}"
    );
}

#[test]
fn organization_without_msp_id() {
    let err = Profile::load(scratch(
        "nomsp.yaml",
        &profile("").replace("mspid: AMSP, ", ""),
    ))
    .unwrap_err();
    let (_, key, problem) = config_error(&err);
    assert_eq!(key.as_deref(), Some("organizations.A"));
    assert_eq!(problem, &ConfigProblem::MissingMspId { org: "A".into() });
    assert!(err.to_string().contains("mspid"), "{err}");
}

#[test]
fn tls_ca_that_is_not_a_certificate() {
    let text = "client: {organization: A}\norganizations: {A: {mspid: AMSP, peers: [p0]}}\n\
                peers:\n  p0: {url: 'grpcs://h:7051', tlsCACerts: {pem: 'not a certificate'}}\n";
    let err = Profile::load(scratch("badca.yaml", text)).unwrap_err();
    let (_, key, problem) = config_error(&err);
    assert_eq!(key.as_deref(), Some("peers.p0.tlsCACerts.pem"));
    assert!(
        matches!(problem, ConfigProblem::NotACertificate { .. }),
        "{problem:?}"
    );

    // A file holding a private key instead of a certificate.
    let key_file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/profiles/alibaba/crypto/users/appuser/msp/keystore/priv_sk");
    let text = format!(
        "client: {{organization: A}}\norganizations: {{A: {{mspid: AMSP, peers: [p0]}}}}\n\
         peers:\n  p0: {{url: 'grpcs://h:7051', tlsCACerts: {{path: '{}'}}}}\n",
        key_file.display()
    );
    let err = Profile::load(scratch("keyasca.yaml", &text)).unwrap_err();
    let (_, key, problem) = config_error(&err);
    assert_eq!(key.as_deref(), Some("peers.p0.tlsCACerts.path"));
    match problem {
        ConfigProblem::NotACertificate { reason } => {
            assert!(reason.contains("priv_sk"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unset_variable_in_a_used_path_is_an_error_and_in_junk_a_warning() {
    let text = "client: {organization: A}\norganizations: {A: {mspid: AMSP, peers: [p0]}}\n\
                peers:\n  p0: {url: 'grpcs://h:7051', tlsCACerts: {path: '${FABWEAVE_NO_SUCH_VAR}/ca.pem'}}\n";
    let err = Profile::load(scratch("unset.yaml", text)).unwrap_err();
    let (_, key, problem) = config_error(&err);
    assert_eq!(key.as_deref(), Some("peers.p0.tlsCACerts.path"));
    assert_eq!(
        problem,
        &ConfigProblem::UnsetVariable {
            name: "FABWEAVE_NO_SUCH_VAR".into()
        }
    );

    let junk = profile("certificateAuthorities:\n  ca-org1:\n    url: https://ca:7054\n    tlsCACerts: {path: $FABWEAVE_NO_SUCH_VAR/ca.pem}\n");
    let p = Profile::inspect(scratch("junk.yaml", &junk), &LoadOptions::default()).unwrap();
    assert!(!p.has_errors());
    let d = &p.diagnostics[0];
    assert_eq!(d.severity, Severity::Warning);
    assert!(
        d.error.to_string().contains("FABWEAVE_NO_SUCH_VAR"),
        "{}",
        d.error
    );
}

#[test]
fn bad_url_and_missing_url() {
    let err = Profile::load(scratch(
        "url.yaml",
        &profile("").replace("grpcs://h:7051", "grpcs://h"),
    ))
    .unwrap_err();
    let (_, key, _) = config_error(&err);
    assert_eq!(key.as_deref(), Some("peers.p0.url"));
}

#[test]
fn inspect_reports_every_problem() {
    let text = "client: {organization: Nope}\norganizations:\n  A: {peers: [p0]}\n  B: {mspid: BMSP, peers: [ghost]}\n\
                peers:\n  p0: {url: 'grpcs://h', tlsCACerts: {pem: 'x'}}\n";
    let p = Profile::inspect(scratch("many.yaml", text), &LoadOptions::default()).unwrap();
    let errors: Vec<String> = p
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.error.to_string())
        .collect();
    let all = errors.join("\n");
    assert!(errors.len() >= 4, "{all}");
    for needle in [
        "peers.p0.url",
        "organizations.A",
        "ghost",
        "client.organization",
    ] {
        assert!(all.contains(needle), "missing {needle} in:\n{all}");
    }
}

#[test]
fn endorsement_policies_are_read_and_checked() {
    let ok = profile(
        "channels:\n  mychannel:\n    peers: {p0: {}}\n    endorsementPolicies:\n      \
         kv: \"AND('AMSP.peer', 'BMSP.peer')\"\n",
    );
    let p = Profile::load(scratch("policy.yaml", &ok)).unwrap();
    let policy = p.endorsement_policy("mychannel", "kv").unwrap();
    assert_eq!(policy.identities().len(), 2);
    assert!(p.endorsement_policy("mychannel", "other").is_none());
    assert!(p.endorsement_policy("otherchannel", "kv").is_none());

    let bad = profile(
        "channels:\n  mychannel:\n    peers: {p0: {}}\n    endorsementPolicies:\n      \
         kv: \"AND('AMSP.peer', 'B_MSP.peer')\"\n",
    );
    let err = Profile::load(scratch("bad-policy.yaml", &bad)).unwrap_err();
    let (file, key, problem) = config_error(&err);
    assert!(file.as_deref().unwrap().ends_with("bad-policy.yaml"));
    assert_eq!(
        key.as_deref(),
        Some("channels.mychannel.endorsementPolicies.kv")
    );
    assert!(
        matches!(problem, ConfigProblem::InvalidValue { .. }),
        "{problem:?}"
    );
    assert!(err.to_string().contains("underscore"), "{err}");
    match &err {
        Error::Config { position, .. } => assert_eq!(position.map(|p| p.line), Some(10)),
        _ => unreachable!(),
    }
}
