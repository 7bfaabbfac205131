//! How long loading a large profile takes: 50 organizations, 500 peers (10 per org), 3
//! orderers, one channel naming every peer with its roles, TLS CA certificates inline (one
//! distinct certificate per org, so every peer's PEM is parsed and checked).
//!
//! Run: `cargo bench -p fabweave --bench profile_load`

use std::fmt::Write;

use criterion::{criterion_group, criterion_main, Criterion};
use fabweave::config::{LoadOptions, Profile};

const ORGS: usize = 50;
const PEERS_PER_ORG: usize = 10;

fn big_profile(tls_pem: &str) -> String {
    let pem = tls_pem.replace('\n', "\\n");
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
        let _ = writeln!(s, "  o{i}:\n    url: grpcs://10.0.0.1:{}\n    grpcOptions: {{ssl-target-name-override: o{i}.example.com}}\n    tlsCACerts: {{pem: \"{pem}\"}}", 7050 + i);
    }
    s.push_str("peers:\n");
    for o in 0..ORGS {
        for p in 0..PEERS_PER_ORG {
            let _ = writeln!(
                s,
                "  peer{p}.org{o}.example.com:7051:\n    url: grpcs://10.1.{o}.{p}:7051\n    grpcOptions:\n      ssl-target-name-override: peer{p}.org{o}.example.com\n      keep-alive-time: 60s\n    tlsCACerts: {{pem: \"{pem}\"}}"
            );
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let manifest = env!("CARGO_MANIFEST_DIR");
    let pem = std::fs::read_to_string(format!(
        "{manifest}/tests/fixtures/profiles/alibaba/crypto/tls/tlsca.pem"
    ))
    .unwrap_or_default();
    let text = big_profile(&pem);
    let dir = std::env::temp_dir().join(format!("fabweave-bench-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("big.yaml");
    let _ = std::fs::write(&path, &text);
    let opts = LoadOptions::default();
    match Profile::load_with(&path, &opts) {
        Ok(p) => assert_eq!(
            (p.peers.len(), p.organizations.len()),
            (ORGS * PEERS_PER_ORG, ORGS)
        ),
        Err(e) => panic!("the benchmark profile does not load: {e}"),
    }
    c.bench_function("load profile: 50 orgs, 500 peers (YAML file)", |b| {
        b.iter(|| Profile::load_with(&path, &opts))
    });
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, bench);
criterion_main!(benches);
