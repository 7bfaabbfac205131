//! The local Fabric network works end to end with Fabric's own CLI: each of the three deployed
//! chaincode names takes a write and returns it, their endorsement policies differ as deployed,
//! the peers offer the Gateway service, and a stopped peer catches up after a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{assert_success, gateway_probe, TestNetwork};

const BASE: u16 = 28000;

#[tokio::test]
async fn network_serves_each_chaincode_name_and_recovers_a_stopped_peer() {
    let net = TestNetwork::up(BASE, &[]);

    // One write per chaincode name, each endorsed as its policy needs, read back from a peer of
    // the other org (so it went through ordering and both orgs committed it).
    let cases = [
        ("kv", &["peer0.org1", "peer0.org2"][..]),
        ("kv_and", &["peer0.org1", "peer1.org2"][..]),
        ("kv_or", &["peer1.org2"][..]),
    ];
    for (name, endorsers) in cases {
        let key = format!("cli-{name}");
        let value = format!("value of {name}");
        let out = net.invoke("peer0.org1", name, &["put", &key, &value], endorsers);
        assert_success(&format!("invoke {name}"), &out);
        assert_eq!(
            net.query("peer1.org2", name, &["get", &key]),
            value,
            "{name} on peer1.org2"
        );
        assert_eq!(
            net.query("peer0.org1", name, &["get", &key]),
            value,
            "{name} on peer0.org1"
        );
    }

    // The names differ in policy: one org's endorsement is enough for kv_or only.
    for name in ["kv", "kv_and"] {
        let out = net.invoke(
            "peer0.org1",
            name,
            &["put", "one-org", "x"],
            &["peer0.org1"],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("ENDORSEMENT_POLICY_FAILURE"),
            "{name} endorsed by Org1 alone should be invalidated, got {}: {stderr}",
            out.status
        );
    }
    let out = net.invoke(
        "peer0.org1",
        "kv_or",
        &["put", "one-org", "x"],
        &["peer0.org1"],
    );
    assert_success("kv_or endorsed by Org1 alone", &out);

    // A chaincode error surfaces as such.
    let out = net.invoke(
        "peer0.org1",
        "kv_or",
        &["fail", "no such asset"],
        &["peer0.org1"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such asset"));

    // The default network offers the Gateway service: an empty request is refused as invalid,
    // not as an unknown service.
    let code = gateway_probe(net.peer("peer0.org1")).await;
    assert_eq!(code, tonic::Code::InvalidArgument, "Gateway on peer0.org1");

    // Stop one peer, commit while it is down, start it: it catches up and serves the new state.
    assert_success("stop peer1.org2", &net.net(&["stop", "peer1.org2"]));
    for _ in 0..3 {
        let out = net.invoke(
            "peer0.org1",
            "kv_or",
            &["increment", "counter"],
            &["peer0.org1"],
        );
        assert_success("increment while peer1.org2 is down", &out);
    }
    let height_while_down = net.height("peer0.org1");
    assert_success("start peer1.org2", &net.net(&["start", "peer1.org2"]));
    assert!(net.height("peer1.org2") >= height_while_down);
    assert_eq!(net.query("peer1.org2", "kv_or", &["get", "counter"]), "3");
}
