//! Endorsement routing against the real network: discovery layouts for AND and OR policies,
//! private data collections, failover when peers stop and reuse when they return, fast and
//! precise failure when an organization is down, a profile naming a single peer, and static
//! plans from a policy with discovery off. Run once with the peers' Gateway service off (as
//! Fabric 2.2 peers) and once with it on.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use fabweave::config::Profile;
use fabweave::flow::{Client, Committed, Mode, Network};
use fabweave::identity::Identity;
use fabweave::routing::policy::SignaturePolicy;
use fabweave::Error;
use serde_json::Value;
use support::TestNetwork;

fn profile_path(net: &TestNetwork, org: &str, kind: &str) -> String {
    net.manifest()["orgs"][org]["profiles"][kind]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn bcs_client(net: &TestNetwork, org: &str) -> Client {
    let profile = Profile::load(profile_path(net, org, "bcsUser")).unwrap();
    Client::builder(profile)
        // Client-side routing is what this suite tests, on Gateway networks too.
        .mode(Mode::Client)
        .user("User1")
        .connect()
        .await
        .unwrap()
}

fn user1(net: &TestNetwork, org: &str) -> Identity {
    let o = &net.manifest()["orgs"][org];
    Identity::from_files(
        o["mspId"].as_str().unwrap(),
        o["user1"]["cert"].as_str().unwrap(),
        o["user1"]["key"].as_str().unwrap(),
        None,
    )
    .unwrap()
}

/// Writes a variant of Org1's common connection profile (fabric-samples shape: own peers, no
/// orderers, no channels) next to it, changed by `edit`.
fn ccp_variant(net: &TestNetwork, name: &str, edit: impl FnOnce(&mut Value)) -> PathBuf {
    let path = profile_path(net, "org1", "ccpJson");
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    edit(&mut doc);
    let out = PathBuf::from(&path).with_file_name(format!("{name}.json"));
    std::fs::write(&out, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    out
}

fn msps(done: &Committed) -> BTreeSet<String> {
    done.endorsers().iter().map(|e| e.msp_id.clone()).collect()
}

fn addresses(done: &Committed) -> BTreeSet<String> {
    done.endorsers().iter().map(|e| e.address.clone()).collect()
}

fn port_of(net: &TestNetwork, peer: &str) -> String {
    let address = net.peer(peer)["address"].as_str().unwrap();
    address.rsplit_once(':').unwrap().1.to_owned()
}

/// Waits until discovery reports every peer with the chaincodes installed and none lagging
/// (gossip spreads the peers' state and heights a few seconds after the network is up or a
/// peer restarts; routing passes over peers more than 5 blocks behind while others are left).
async fn wait_discovered(ch: &Network, peers: usize) {
    let started = Instant::now();
    loop {
        let view = ch.refresh().await;
        let ready: Vec<u64> = view
            .peers
            .iter()
            .filter(|p| p.discovered && p.runs("kv") && p.runs("kv_and") && p.runs("kv_or"))
            .map(|p| p.height.unwrap_or(0))
            .collect();
        let (low, high) = (ready.iter().min(), ready.iter().max());
        if ready.len() >= peers && high.zip(low).is_some_and(|(h, l)| h - l <= 2) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "discovery did not report {peers} peers with the chaincodes in 60 s: {view:#?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

async fn scenarios(net: &TestNetwork) {
    let org1 = bcs_client(net, "org1").await;
    let org2 = bcs_client(net, "org2").await;
    let ch1 = org1.network("mychannel");
    let ch2 = org2.network("mychannel");
    wait_discovered(&ch1, 4).await;

    // scenario: discovery_reports_the_channel
    // Discovery reports every peer and orderer, with heights.
    let view = ch1.view().await;
    assert_eq!(view.peers.len(), 4, "{view:#?}");
    assert!(view.peers.iter().all(|p| p.height.unwrap_or(0) > 0));
    assert_eq!(view.orderers.len(), 3, "{:#?}", view.orderers);
    assert!(view.config.is_some());

    // scenario: and_policy_endorsed_by_both_orgs
    // AND policy: endorsements from both organizations.
    let done = ch1
        .contract("kv_and")
        .submit("put")
        .args(["route-and", "1"])
        .await
        .unwrap();
    assert_eq!(msps(&done), ["Org1MSP", "Org2MSP"].map(String::from).into());
    assert_eq!(done.endorsers().len(), 2);

    // scenario: or_policy_endorsed_by_own_org
    // OR policy: one endorsement, from the client's own organization.
    for (ch, own) in [(&ch1, "Org1MSP"), (&ch2, "Org2MSP")] {
        let done = ch
            .contract("kv_or")
            .submit("put")
            .args(["route-or", own])
            .await
            .unwrap();
        assert_eq!(done.endorsers().len(), 1, "{:?}", done.endorsers());
        assert_eq!(done.endorsers()[0].msp_id, own);
    }

    // scenario: private_data_endorsed_by_collection_members
    // A private-data put on the Org1-only collection, by an Org2 client: endorsed by Org1 peers
    // only (the collection's members, not the client's own organization), and committed.
    let done = ch2
        .contract("kv_or")
        .submit("putPrivate")
        .args(["org1Only", "secret-key"])
        .transient("value", "s3cret")
        .collections(["org1Only"])
        .await
        .unwrap();
    assert!(done.block_number() > 0);
    assert_eq!(msps(&done), ["Org1MSP".to_owned()].into());
    let got = ch1
        .contract("kv_or")
        .evaluate("getPrivate")
        .args(["org1Only", "secret-key"])
        .await
        .unwrap();
    assert_eq!(got, b"s3cret");

    // scenario: single_peer_profile_discovers_the_rest
    // A profile that names a single Org1 peer (no orderers, no channels, no client TLS pair)
    // reaches everything else through discovery.
    let single = ccp_variant(net, "single-peer", |doc| {
        let peers = doc["peers"].as_object_mut().unwrap();
        peers.retain(|name, _| name.starts_with("peer0."));
        doc["organizations"]["Org1"]["peers"] = serde_json::json!(["peer0.org1.example.com"]);
    });
    let profile = Profile::load(&single).unwrap();
    assert_eq!(profile.peers.len(), 1);
    assert!(profile.orderers.is_empty());
    let lone = Client::builder(profile)
        // Client-side routing is what this suite tests, on Gateway networks too.
        .mode(Mode::Client)
        .identity(user1(net, "org1"))
        .connect()
        .await
        .unwrap();
    let lone_ch = lone.network("mychannel");
    let done = lone_ch
        .contract("kv_and")
        .submit("put")
        .args(["from-one-peer", "1"])
        .await
        .unwrap();
    assert_eq!(msps(&done), ["Org1MSP", "Org2MSP"].map(String::from).into());
    let view = lone_ch.view().await;
    assert_eq!(view.peers.len(), 4, "{view:#?}");
    assert_eq!(view.orderers.len(), 3);

    // scenario: static_plan_from_caller_policy
    // Discovery off, policy given by the caller: the static plan satisfies AND and OR.
    let profile = Profile::load(profile_path(net, "org1", "bcsUser")).unwrap();
    let offline = Client::builder(profile)
        // Client-side routing is what this suite tests, on Gateway networks too.
        .mode(Mode::Client)
        .user("User1")
        .discovery(false)
        .connect()
        .await
        .unwrap();
    let och = offline.network("mychannel");
    let and = SignaturePolicy::parse("AND('Org1MSP.peer', 'Org2MSP.peer')").unwrap();
    let or = SignaturePolicy::parse("OR('Org1MSP.peer', 'Org2MSP.peer')").unwrap();
    let done = och
        .contract("kv_and")
        .with_endorsement_policy(and)
        .submit("put")
        .args(["static-and", "1"])
        .await
        .unwrap();
    assert_eq!(msps(&done), ["Org1MSP", "Org2MSP"].map(String::from).into());
    let done = och
        .contract("kv_or")
        .with_endorsement_policy(or)
        .submit("put")
        .args(["static-or", "1"])
        .await
        .unwrap();
    assert_eq!(done.endorsers().len(), 1);
    assert_eq!(done.endorsers()[0].msp_id, "Org1MSP");
    assert!(!och.view().await.peers.iter().any(|p| p.discovered));

    // scenario: static_plan_from_profile_policy
    // ... and a policy given by the profile (channels.<ch>.endorsementPolicies).
    let with_policy = ccp_variant(net, "with-policy", |doc| {
        let o1 = doc["peers"]["peer0.org1.example.com"].clone();
        let mut peers = doc["peers"].as_object().unwrap().clone();
        // Org2's peers and the orderers come from the manifest: without discovery the profile
        // must list them.
        let m = net.manifest();
        let mut org2_peers = Vec::new();
        for p in m["peers"].as_array().unwrap() {
            if p["org"] != "org2" {
                continue;
            }
            let host = p["tlsHost"].as_str().unwrap().to_owned();
            let ca = std::fs::read_to_string(p["tlsCaFile"].as_str().unwrap()).unwrap();
            let mut entry = o1.clone();
            entry["url"] = format!("grpcs://{}", p["address"].as_str().unwrap()).into();
            entry["grpcOptions"]["ssl-target-name-override"] = host.clone().into();
            entry["grpcOptions"]["hostnameOverride"] = host.clone().into();
            entry["tlsCACerts"] = serde_json::json!({ "pem": ca });
            peers.insert(host.clone(), entry);
            org2_peers.push(Value::from(host));
        }
        doc["peers"] = Value::Object(peers);
        doc["organizations"]["Org2"] =
            serde_json::json!({ "mspid": "Org2MSP", "peers": org2_peers });
        let mut orderers = serde_json::Map::new();
        for o in m["orderers"].as_array().unwrap() {
            let ca = std::fs::read_to_string(o["tlsCaFile"].as_str().unwrap()).unwrap();
            orderers.insert(
                o["tlsHost"].as_str().unwrap().to_owned(),
                serde_json::json!({
                    "url": format!("grpcs://{}", o["address"].as_str().unwrap()),
                    "tlsCACerts": { "pem": ca },
                    "grpcOptions": { "ssl-target-name-override": o["tlsHost"] },
                }),
            );
        }
        doc["orderers"] = Value::Object(orderers);
        let names: serde_json::Map<String, Value> = doc["peers"]
            .as_object()
            .unwrap()
            .keys()
            .map(|k| (k.clone(), serde_json::json!({})))
            .collect();
        doc["channels"] = serde_json::json!({
            "mychannel": {
                "peers": names,
                "endorsementPolicies": { "kv_and": "AND('Org1MSP.peer','Org2MSP.peer')" }
            }
        });
    });
    let profile = Profile::load(&with_policy).unwrap();
    assert!(profile.endorsement_policy("mychannel", "kv_and").is_some());
    let pclient = Client::builder(profile)
        // Client-side routing is what this suite tests, on Gateway networks too.
        .mode(Mode::Client)
        .identity(user1(net, "org1"))
        .discovery(false)
        .connect()
        .await
        .unwrap();
    let done = pclient
        .network("mychannel")
        .contract("kv_and")
        .submit("put")
        .args(["profile-and", "1"])
        .await
        .unwrap();
    assert_eq!(msps(&done), ["Org1MSP", "Org2MSP"].map(String::from).into());

    // scenario: failover_when_peers_stop
    // One peer of each organization stopped: submissions keep committing, on the other peers.
    let kv = ch1.contract("kv");
    let down = ["peer0.org1", "peer0.org2"];
    let down_ports: Vec<String> = down.iter().map(|p| port_of(net, p)).collect();
    for p in down {
        assert!(net.net(&["stop", p]).status.success());
    }
    for i in 0..8 {
        let done = kv
            .submit("put")
            .args([format!("failover-{i}"), "v".into()])
            .await
            .unwrap();
        assert_eq!(msps(&done), ["Org1MSP", "Org2MSP"].map(String::from).into());
        for a in addresses(&done) {
            assert!(
                !down_ports
                    .iter()
                    .any(|port| a.ends_with(&format!(":{port}"))),
                "endorsed by stopped peer {a}"
            );
        }
    }
    // Restarted, they take load again once discovery reports them caught up (until then the
    // cached layouts may show them lagging, and routing passes over lagging peers).
    for p in down {
        assert!(net.net(&["start", p]).status.success());
    }
    wait_discovered(&ch1, 4).await;
    let started = Instant::now();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while seen.len() < down_ports.len() {
        let done = kv.submit("put").args(["after-restart", "v"]).await.unwrap();
        for a in addresses(&done) {
            for port in &down_ports {
                if a.ends_with(&format!(":{port}")) {
                    seen.insert(port.clone());
                }
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(90),
            "restarted peers took no load in 90 s (seen {seen:?})"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // scenario: org_down_fails_fast
    // Every Org2 peer stopped: an AND-policy submit fails fast, naming Org2's group and each
    // of its peers' errors. First the restarted peers' state must have spread through gossip,
    // so that discovery's layouts (fetched now, and cached) list both Org2 peers again.
    wait_discovered(&ch1, 4).await;
    ch1.contract("kv_and")
        .submit("put")
        .args(["before-org2-down", "1"])
        .await
        .unwrap();
    let org2_peers = ["peer0.org2", "peer1.org2"];
    for p in org2_peers {
        assert!(net.net(&["stop", p]).status.success());
    }
    let started = Instant::now();
    let err = ch1
        .contract("kv_and")
        .submit("put")
        .args(["org2-down", "1"])
        .no_retry()
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}: {err}");
    match &err {
        Error::Endorse { message, peers, .. } => {
            assert!(message.contains("Org2MSP"), "{message}");
            assert!(message.contains("cannot be met"), "{message}");
            for p in org2_peers {
                let port = port_of(net, p);
                assert!(
                    peers
                        .iter()
                        .any(|f| f.address.ends_with(&format!(":{port}")) && !f.message.is_empty()),
                    "{p} missing from {peers:?}: {err}"
                );
            }
        }
        other => panic!("expected an endorsement error, got {other:?}"),
    }
    // With the default retries (unreachable peers are worth another try) it still ends fast,
    // every attempt an endorsement failure naming Org2's group.
    let started = Instant::now();
    let err = ch1
        .contract("kv_and")
        .submit("put")
        .args(["org2-down", "2"])
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(15), "{err}");
    match &err {
        Error::Retried { attempts, last } => {
            assert!(attempts.len() > 1);
            assert!(last.to_string().contains("Org2MSP"), "{last}");
        }
        Error::Endorse { message, .. } => assert!(message.contains("Org2MSP")),
        other => panic!("expected endorsement failures, got {other:?}"),
    }
    for p in org2_peers {
        assert!(net.net(&["start", p]).status.success());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_without_the_gateway() {
    let net = TestNetwork::up(30800, &["--no-gateway"]);
    scenarios(&net).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_with_the_gateway_on() {
    let net = TestNetwork::up(31200, &[]);
    scenarios(&net).await;
}
