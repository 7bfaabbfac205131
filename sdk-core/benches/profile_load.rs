//! How long loading a large profile takes: 50 organizations with 10 peers each (500 peers),
//! 3 orderers, one channel naming every peer with its roles, and one distinct TLS CA
//! certificate per organization, checked for every peer that names it. Two shapes:
//! - `inline PEM`: every peer carries its CA certificate inline, as common connection profiles do;
//! - `file paths`: every peer points at its org's CA file, as BCS and Alibaba downloads do.
//!
//! Run: `cargo bench -p fabweave --bench profile_load`
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::fmt::Write;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion};
use fabweave::config::{LoadOptions, Profile};
use rcgen::{CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256};

const ORGS: usize = 50;
const PEERS_PER_ORG: usize = 10;

fn ca_pem(org: usize) -> String {
    let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("key");
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params
        .distinguished_name
        .push(DnType::CommonName, format!("tlsca.org{org}.example.com"));
    params.self_signed(&key).expect("certificate").pem()
}

/// `tls(org)` gives the `tlsCACerts` mapping of an org's peers.
fn big_profile(tls: &dyn Fn(usize) -> String) -> String {
    let mut s = String::new();
    s.push_str("name: big\nversion: 1.0.0\nx-type: hlfv1\nclient:\n  organization: org0\n  BCCSP:\n    security:\n      default: {provider: SW}\n      hashAlgorithm: SHA2\n");
    s.push_str("channels:\n  big:\n    orderers: [o0, o1, o2]\n    peers:\n");
    for o in 0..ORGS {
        for p in 0..PEERS_PER_ORG {
            let _ = writeln!(s, "      peer{p}.org{o}.example.com:7051: {{endorsingPeer: true, chaincodeQuery: true, ledgerQuery: true, eventSource: {}}}", p == 0);
        }
    }
    s.push_str("organizations:\n");
    for o in 0..ORGS {
        let peers: Vec<String> = (0..PEERS_PER_ORG)
            .map(|p| format!("peer{p}.org{o}.example.com:7051"))
            .collect();
        let _ = writeln!(
            s,
            "  org{o}:\n    mspid: Org{o}MSP\n    peers: [{}]",
            peers.join(", ")
        );
    }
    s.push_str("orderers:\n");
    for i in 0..3 {
        let _ = writeln!(s, "  o{i}:\n    url: grpcs://10.0.0.1:{}\n    grpcOptions: {{ssl-target-name-override: o{i}.example.com}}\n    tlsCACerts: {}", 7050 + i, tls(0));
    }
    s.push_str("peers:\n");
    for o in 0..ORGS {
        for p in 0..PEERS_PER_ORG {
            let _ = writeln!(
                s,
                "  peer{p}.org{o}.example.com:7051:\n    url: grpcs://10.1.{o}.{p}:7051\n    grpcOptions:\n      ssl-target-name-override: peer{p}.org{o}.example.com\n      keep-alive-time: 60s\n    tlsCACerts: {}",
                tls(o)
            );
        }
    }
    s
}

fn write_and_check(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write the benchmark profile");
    match Profile::load(path) {
        Ok(p) => assert_eq!(
            (p.peers.len(), p.organizations.len()),
            (ORGS * PEERS_PER_ORG, ORGS)
        ),
        Err(e) => panic!("the benchmark profile does not load: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("fabweave-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let pems: Vec<String> = (0..ORGS).map(ca_pem).collect();
    for (o, pem) in pems.iter().enumerate() {
        std::fs::write(dir.join(format!("tlsca.org{o}.pem")), pem).expect("write CA");
    }

    let inline = dir.join("inline.yaml");
    write_and_check(
        &inline,
        &big_profile(&|o| format!("{{pem: \"{}\"}}", pems[o].replace('\n', "\\n"))),
    );
    let files = dir.join("files.yaml");
    write_and_check(
        &files,
        &big_profile(&|o| format!("{{path: tlsca.org{o}.pem}}")),
    );

    let opts = LoadOptions::default();
    c.bench_function("load profile, 50 orgs / 500 peers, inline PEM", |b| {
        b.iter(|| Profile::load_with(&inline, &opts))
    });
    c.bench_function("load profile, 50 orgs / 500 peers, file paths", |b| {
        b.iter(|| Profile::load_with(&files, &opts))
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
