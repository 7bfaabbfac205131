//! Loading realistic profiles — a BCS download with its quirks and its JSON twin, a CCP in JSON
//! and YAML, an Alibaba-style fabric-sdk-go profile — into the normalized model, field by field.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use fabweave::config::{
    CryptoProvider, HashFamily, LoadOptions, MappedEndpoint, Material, Profile, ProfileFormat,
    Severity,
};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/profiles")
}

const ORG: &str = "12e4567890123456789012345678901234567890";
const PEER0: &str = "peer-12e4567890123456789012345678901234567890-0.peer-12e4567890123456789012345678901234567890.default.svc.cluster.local:7051";
const PEER1: &str = "peer-12e4567890123456789012345678901234567890-1.peer-12e4567890123456789012345678901234567890.default.svc.cluster.local:7051";

fn warnings(p: &Profile) -> Vec<String> {
    p.diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .map(|d| d.error.to_string())
        .collect()
}

fn check_bcs(p: &Profile) {
    let dir = fixtures().join("bcs");
    assert_eq!(p.format, ProfileFormat::SdkGo);
    assert_eq!(p.name.as_deref(), Some("global-trade-network"));
    // An org id made of digits and one `e` stays text (YAML would read it as a float).
    assert_eq!(p.client.organization.as_deref(), Some(ORG));
    let t = &p.client.timeouts;
    assert_eq!(t.peer_connection, Duration::from_secs(10));
    assert_eq!(
        t.peer_response,
        Duration::from_secs(45),
        "legacy queryResponse"
    );
    assert_eq!(
        t.execute,
        Duration::from_secs(120),
        "legacy executeTxResponse"
    );
    assert_eq!(t.event_registration, Duration::from_secs(50));
    assert_eq!(t.orderer_connection, Duration::from_secs(10));
    assert_eq!(t.orderer_response, Duration::from_secs(45));
    assert_eq!(
        t.discovery_response,
        Duration::from_secs(15),
        "sdk-go default"
    );
    assert_eq!(p.client.crypto.provider, CryptoProvider::Software);
    assert_eq!(p.client.crypto.hash_family, HashFamily::Sha2);
    assert_eq!(p.client.crypto.level, 256);
    assert_eq!(p.client.logging_level.as_deref(), Some("info"));

    // Organizations: mspid / mspID alike; absolute /srv/app/bcs paths found under the folder.
    assert_eq!(p.organizations.len(), 2);
    let org = p.client_organization().unwrap();
    assert_eq!(org.name, ORG);
    assert_eq!(org.msp_id, format!("{ORG}MSP"));
    assert_eq!(org.peers, [PEER0, PEER1]);
    assert_eq!(
        org.crypto_path.as_deref(),
        Some(dir.join(format!("{ORG}.peer/msp")).as_path())
    );
    let tls = org.tls_client.as_ref().unwrap();
    assert_eq!(
        tls.cert,
        Material::File(dir.join(format!("{ORG}.peer/tls/server.crt")))
    );
    assert_eq!(
        tls.key,
        Material::File(dir.join(format!("{ORG}.peer/tls/server.key")))
    );
    assert!(
        org.users.is_empty(),
        "the adminPrivateKey placeholder is not an identity"
    );
    let ord_org = p.organization("OrdererOrg").unwrap();
    assert_eq!(
        ord_org.msp_id,
        "77aa000000000000000000000000000000000000MSP"
    );
    assert!(ord_org.peers.is_empty());

    // Peers: keys with `:7051` kept whole, dialed at the EIP, TLS name the in-cluster host.
    assert_eq!(p.peers.len(), 2);
    let p0 = p.peer(PEER0).unwrap();
    assert_eq!(p0.organization.as_deref(), Some(ORG));
    assert_eq!(p0.endpoint.address(), "203.0.113.10:30605");
    assert!(p0.endpoint.tls.enabled);
    assert_eq!(p0.endpoint.server_name(), PEER0.trim_end_matches(":7051"));
    assert_eq!(p0.endpoint.tls.ca_certs.len(), 1);
    assert!(p0.endpoint.tls.ca_certs[0].starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(p0.endpoint.keep_alive.time, None, "0s means off");
    let p1 = p.peer(PEER1).unwrap();
    assert_eq!(p1.endpoint.port, 30606);
    assert_eq!(p1.endpoint.keep_alive.time, Some(Duration::from_secs(120)));
    assert_eq!(
        p1.endpoint.keep_alive.timeout,
        Some(Duration::from_secs(20))
    );
    assert!(!p1.endpoint.keep_alive.permit_without_calls);

    assert_eq!(p.orderers.len(), 1);
    let o = &p.orderers[0];
    assert_eq!(o.endpoint.address(), "203.0.113.10:30805");
    assert!(o.endpoint.server_name().starts_with("orderer-77aa"));
    assert_eq!(o.endpoint.tls.ca_certs.len(), 1);

    // Channel with peer roles.
    let ch = p.channel("tradechan");
    assert_eq!(ch.peers.len(), 2);
    assert!(ch.peers[0].roles.event_source);
    assert!(!ch.peers[1].roles.event_source);
    assert!(ch.peers[1].roles.endorsing_peer && ch.peers[1].roles.discover);
    assert_eq!(ch.orderers, std::slice::from_ref(&o.name));
    assert_eq!(ch.chaincodes, ["tradecc:latest"]);

    // The unused template CA block: loaded leniently, its problems only warnings.
    let ca = p.certificate_authority("ca-org1").unwrap();
    assert_eq!(ca.ca_name.as_deref(), Some("ca-org1"));
    assert_eq!(ca.registrar.as_ref().unwrap().enroll_id, "admin");
    assert!(
        !format!("{:?}", ca.registrar).contains("adminpw"),
        "secrets hidden in Debug"
    );
    assert!(!p.has_errors(), "{:#?}", p.diagnostics);
    let w = warnings(p).join("\n");
    assert!(w.contains("ca_root.pem"), "junk CA path warned about:\n{w}");
    assert!(w.contains("eventUrl"), "{w}");
    assert!(w.contains("adminPrivateKey"), "{w}");
    assert!(w.contains("the files were found under"), "{w}");
}

#[test]
fn bcs_download_yaml() {
    let env = HashMap::from([("HOME".to_owned(), "/nonexistent-home".to_owned())]);
    let opts = LoadOptions::default().with_env(env);
    let p = Profile::load_with(fixtures().join("bcs/bcs-sdk-config.yaml"), &opts).unwrap();
    check_bcs(&p);
}

#[test]
fn bcs_download_json_twin_loads_the_same() {
    let env = HashMap::from([("HOME".to_owned(), "/nonexistent-home".to_owned())]);
    let opts = LoadOptions::default().with_env(env);
    let p = Profile::load_with(fixtures().join("bcs/bcs-sdk-config.json"), &opts).unwrap();
    check_bcs(&p);
}

#[test]
fn bcs_in_cluster_names_mapped_without_editing() {
    // Users outside the EIP's reach port-forward: dial everything at localhost, keep TLS names.
    let opts = LoadOptions::default().map_host("203.0.113.10", "127.0.0.1");
    let p = Profile::load_with(fixtures().join("bcs/bcs-sdk-config.yaml"), &opts).unwrap();
    let p0 = p.peer(PEER0).unwrap();
    assert_eq!(p0.endpoint.address(), "127.0.0.1:30605");
    assert_eq!(p0.endpoint.server_name(), PEER0.trim_end_matches(":7051"));
    let opts = LoadOptions::default().map_host("203.0.113.10:30606", "10.0.0.9:7051");
    let p = Profile::load_with(fixtures().join("bcs/bcs-sdk-config.yaml"), &opts).unwrap();
    assert_eq!(p.peer(PEER1).unwrap().endpoint.address(), "10.0.0.9:7051");
    assert_eq!(
        p.peer(PEER0).unwrap().endpoint.address(),
        "203.0.113.10:30605"
    );
}

fn check_ccp(p: &Profile) {
    assert_eq!(p.format, ProfileFormat::Ccp);
    assert_eq!(p.name.as_deref(), Some("shop-net-shop"));
    assert_eq!(p.client.organization.as_deref(), Some("Shop"));
    assert_eq!(p.client.timeouts.peer_response, Duration::from_secs(300));
    assert_eq!(p.client.timeouts.peer_connection, Duration::from_secs(10));
    let org = p.client_organization().unwrap();
    assert_eq!(org.msp_id, "ShopMSP");
    assert_eq!(org.peers, ["peer0.shop.test", "peer1.shop.test"]);
    assert_eq!(org.certificate_authorities, ["ca.shop.test"]);
    assert_eq!(org.crypto_path, None);
    let peer = p.peer("peer1.shop.test").unwrap();
    assert_eq!(peer.endpoint.address(), "localhost:17151");
    assert_eq!(peer.endpoint.server_name(), "peer1.shop.test");
    assert_eq!(peer.endpoint.tls.ca_certs.len(), 1);
    assert!(peer.endpoint.tls.ca_certs[0].contains("BEGIN CERTIFICATE"));
    let ca = p.certificate_authority("ca.shop.test").unwrap();
    assert_eq!(ca.url, "https://localhost:17054");
    assert_eq!(ca.ca_name.as_deref(), Some("ca-shop"));
    assert_eq!(ca.tls_ca_certs.len(), 1);
    assert_eq!(ca.verify, Some(false));
    // The CA to enroll with: the client organization's first, or one by name.
    let (first, msp) = p.ca_for(None).unwrap();
    assert_eq!(
        (first.name.as_str(), msp),
        ("ca.shop.test", Some("ShopMSP"))
    );
    let (named, _) = p.ca_for(Some("CA.SHOP.TEST")).unwrap();
    assert_eq!(named.name, "ca.shop.test");
    let err = p.ca_for(Some("ca.nowhere")).unwrap_err().to_string();
    assert!(err.contains("ca.nowhere"), "{err}");
    assert!(p.channels.is_empty() && p.orderers.is_empty());
    // No channels section: a channel takes every peer with every role.
    let ch = p.channel("mychannel");
    assert_eq!(ch.peers.len(), 2);
    assert!(ch
        .peers
        .iter()
        .all(|cp| cp.roles.endorsing_peer && cp.roles.event_source));
    assert!(p.diagnostics.is_empty(), "{:#?}", p.diagnostics);
}

#[test]
fn ccp_json() {
    check_ccp(&Profile::load(fixtures().join("ccp/connection-shop.json")).unwrap());
}

#[test]
fn ccp_yaml() {
    check_ccp(&Profile::load(fixtures().join("ccp/connection-shop.yaml")).unwrap());
}

#[test]
fn alibaba_go_profile() {
    let dir = fixtures().join("alibaba");
    let env = HashMap::from([(
        "FIXTURE_TLS".to_owned(),
        dir.join("crypto/tls").display().to_string(),
    )]);
    let opts = LoadOptions::default().with_env(env);
    let p = Profile::load_with(dir.join("connection-profile.yaml"), &opts).unwrap();
    assert_eq!(p.format, ProfileFormat::SdkGo);
    let org = p.client_organization().unwrap();
    assert_eq!(org.msp_id, "bankMSP");
    // Relative cryptoPath joins client.cryptoconfig.path (itself relative to the profile).
    assert_eq!(
        org.crypto_path.as_deref(),
        Some(dir.join("crypto/users/{username}/msp").as_path())
    );
    // `_default` supplies TLS CA (via ${VAR} and $VAR) and grpcOptions.
    let peer = p.peer("peer1.bank.aliyunbaas.top:31111").unwrap();
    assert_eq!(peer.endpoint.address(), "peer1.bank.aliyunbaas.top:31111");
    assert_eq!(peer.endpoint.tls.ca_certs.len(), 1);
    assert_eq!(peer.endpoint.keep_alive.time, Some(Duration::from_secs(60)));
    let ord = p.orderer("orderer1").unwrap();
    assert!(
        ord.endpoint.tls.enabled,
        "scheme-less URL without allow-insecure uses TLS"
    );
    assert_eq!(
        ord.endpoint.keep_alive.timeout,
        Some(Duration::from_secs(20))
    );
    assert_eq!(ord.endpoint.server_name(), "orderer1.aliyunbaas.top");
    // A channel without peers/orderers takes `_default`'s.
    let ch = p.channel("settle");
    assert_eq!(ch.peers.len(), 1);
    assert_eq!(ch.orderers, ["orderer1"]);
    assert_eq!(ch.chaincodes, ["ledger:1.0"]);
    // The registrar written as a list (Node style).
    let ca = p.certificate_authority("ca1.bank.aliyunbaas.top").unwrap();
    assert_eq!(ca.registrar.as_ref().unwrap().enroll_id, "appadmin");
    assert_eq!(ca.tls_ca_certs.len(), 1);
    assert!(!p.has_errors(), "{:#?}", p.diagnostics);

    // Entity matchers map discovered in-cluster names onto reachable, configured entries.
    match p.resolve_peer("peer7.bank.svc.cluster.local:7051") {
        MappedEndpoint::Use(e) => {
            assert_eq!(e.address(), "peer7.bank.aliyunbaas.top:31111");
            assert_eq!(e.server_name(), "peer7.bank.aliyunbaas.top");
            assert_eq!(e.tls.ca_certs.len(), 1, "TLS CA of the mapped host");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        p.resolve_peer("old.retired.internal:7051"),
        MappedEndpoint::Ignored
    );
    assert_eq!(p.resolve_peer("stranger:7051"), MappedEndpoint::Unknown);
    match p.resolve_peer("peer1.bank.aliyunbaas.top:31111") {
        MappedEndpoint::Use(e) => assert_eq!(e.port, 31111),
        other => panic!("{other:?}"),
    }
    match p.resolve_orderer("o3.ord.internal:7050") {
        MappedEndpoint::Use(e) => {
            assert_eq!(e.address(), "orderer1.aliyunbaas.top:31010");
            assert_eq!(e.server_name(), "orderer1.aliyunbaas.top");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn as_localhost_keeps_tls_names() {
    let p = Profile::from_text(
        "client: {organization: A}\norganizations: {A: {mspid: AMSP, peers: [p0]}}\n\
         peers: {p0: {url: 'grpc://peer0.a.svc:7051'}}\n",
        fixtures(),
        &LoadOptions::default().as_localhost(true),
    )
    .unwrap();
    let e = &p.peer("p0").unwrap().endpoint;
    assert_eq!(e.address(), "localhost:7051");
    assert!(!e.tls.enabled);
    assert_eq!(e.server_name(), "peer0.a.svc");
}
