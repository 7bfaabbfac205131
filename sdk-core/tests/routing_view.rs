//! Discovered endpoints made reachable: entity matchers, the profile's own entries, the
//! as-localhost switch, TLS CA certificates from the channel's MSP configuration; and the
//! channel view merged from the profile and discovery.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fabweave::config::{LoadOptions, Profile};
use fabweave::protocol::discovery::{ChannelConfig, DiscoveredPeer, MspInfo};
use fabweave::routing::{ChannelView, Reach};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/profiles")
}

/// Alibaba's download: one peer of `bankMSP`, entity matchers for in-cluster names.
fn alibaba() -> Profile {
    let dir = fixtures().join("alibaba");
    let env = HashMap::from([(
        "FIXTURE_TLS".to_owned(),
        dir.join("crypto/tls").display().to_string(),
    )]);
    let opts = LoadOptions::default().with_env(env);
    Profile::load_with(dir.join("connection-profile.yaml"), &opts).unwrap()
}

const MSP_TLS_CA: &str = "-----BEGIN CERTIFICATE-----\nTLSROOT\n-----END CERTIFICATE-----\n";

#[test]
fn entity_matchers_apply_to_discovered_peers() {
    let p = alibaba();
    let reach = Reach {
        profile: &p,
        as_localhost: false,
    };
    let tls = vec![MSP_TLS_CA.to_owned()];
    // A matcher with a mapped host: the mapped entry's TLS settings.
    let e = reach
        .peer("peer7.bank.svc.cluster.local:7051", &tls)
        .unwrap();
    assert_eq!(e.address(), "peer7.bank.aliyunbaas.top:31111");
    assert_eq!(e.server_name(), "peer7.bank.aliyunbaas.top");
    assert!(e.tls.enabled);
    assert_ne!(e.tls.ca_certs, tls, "the mapped host's CA, not discovery's");
    // ignoreEndpoint.
    assert!(reach.peer("old.retired.internal:7051", &tls).is_none());
    // The profile's own entry for the reported address.
    let own = reach.peer("peer1.bank.aliyunbaas.top:31111", &tls).unwrap();
    assert_eq!(
        own,
        p.peer("peer1.bank.aliyunbaas.top:31111").unwrap().endpoint
    );
    // Orderer matchers.
    let o = reach.orderer("o2.ord.internal:7050", &tls).unwrap();
    assert_eq!(o.address(), "orderer1.aliyunbaas.top:31010");
}

#[test]
fn unknown_discovered_names_dialed_as_reported_or_at_localhost() {
    let p = alibaba();
    let tls = vec![MSP_TLS_CA.to_owned()];
    let plain = Reach {
        profile: &p,
        as_localhost: false,
    };
    let e = plain.peer("peer0.other.example.com:9051", &tls).unwrap();
    assert_eq!(e.address(), "peer0.other.example.com:9051");
    assert_eq!(e.server_name(), "peer0.other.example.com");
    assert!(e.tls.enabled, "TLS, as the profile's peers use it");
    assert_eq!(e.tls.ca_certs, tls, "TLS CA from the channel's MSP config");

    let local = Reach {
        profile: &p,
        as_localhost: true,
    };
    let e = local.peer("peer0.other.example.com:9051", &tls).unwrap();
    assert_eq!(e.address(), "localhost:9051");
    assert_eq!(
        e.server_name(),
        "peer0.other.example.com",
        "name kept for TLS"
    );
    // IP addresses are dialed as they are.
    let e = local.peer("10.1.2.3:7051", &tls).unwrap();
    assert_eq!(e.address(), "10.1.2.3:7051");
    // Malformed addresses are skipped, not guessed.
    assert!(local.peer("no-port", &tls).is_none());
    assert!(local.peer("host:notaport", &tls).is_none());
}

fn discovered(msp: &str, endpoint: &str, height: u64) -> DiscoveredPeer {
    DiscoveredPeer {
        msp_id: msp.into(),
        endpoint: endpoint.into(),
        ledger_height: Some(height),
        chaincodes: vec![("ledger".into(), "1.0".into())],
        ..Default::default()
    }
}

#[test]
fn view_merges_profile_and_discovery() {
    let p = alibaba();
    let base = ChannelView::from_profile(&p, "settle");
    assert_eq!(base.peers.len(), 1);
    assert_eq!(base.orderers.len(), 1);
    assert!(base.peers[0].chaincodes.is_none());

    let config = ChannelConfig {
        msps: vec![
            MspInfo {
                msp_id: "bankMSP".into(),
                ..Default::default()
            },
            MspInfo {
                msp_id: "fundMSP".into(),
                tls_root_certs: vec![MSP_TLS_CA.as_bytes().to_vec()],
                ..Default::default()
            },
            MspInfo {
                msp_id: "OrdererMSP".into(),
                tls_root_certs: vec![MSP_TLS_CA.as_bytes().to_vec()],
                ..Default::default()
            },
        ],
        orderers: vec![(
            "OrdererMSP".into(),
            vec![
                ("orderer1.aliyunbaas.top".into(), 31010),
                ("orderer2.example.com".into(), 7050),
            ],
        )],
    };
    let mut left = discovered("fundMSP", "peer9.fund.example.com:7051", 10);
    left.left_channel = true;
    let peers = vec![
        discovered("bankMSP", "peer1.bank.aliyunbaas.top:31111", 12),
        discovered("fundMSP", "peer0.fund.example.com:7051", 11),
        discovered("fundMSP", "old.retired.internal:7051", 11),
        left,
    ];
    let reach = Reach {
        profile: &p,
        as_localhost: true,
    };
    let view = base.merge(Some(config), &peers, &reach);
    // The profile's peer keeps its name and settings, and gains discovery's facts.
    assert_eq!(view.peers.len(), 2, "{view:#?}");
    let own = view.peer("peer1.bank.aliyunbaas.top:31111").unwrap();
    assert_eq!(own.msp_id.as_deref(), Some("bankMSP"));
    assert_eq!(own.height, Some(12));
    assert!(own.discovered && own.runs("ledger") && !own.runs("other"));
    // A peer only discovery knows: named by its address, reached at localhost, trusted with
    // its organization's TLS root from the channel config.
    let fund = view.peer("peer0.fund.example.com:7051").unwrap();
    assert_eq!(fund.endpoint.address(), "localhost:7051");
    assert_eq!(fund.endpoint.server_name(), "peer0.fund.example.com");
    assert_eq!(fund.endpoint.tls.ca_certs, [MSP_TLS_CA]);
    assert_eq!(fund.msp_id.as_deref(), Some("fundMSP"));
    // Orderers: the profile's, plus the one it does not know.
    let names: Vec<&str> = view.orderers.iter().map(|o| o.name.as_str()).collect();
    assert_eq!(names, ["orderer1", "orderer2.example.com:7050"]);
    assert_eq!(view.orderers[1].endpoint.tls.ca_certs, [MSP_TLS_CA]);
    assert!(view.config.is_some());
}
