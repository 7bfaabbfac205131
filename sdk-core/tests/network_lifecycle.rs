//! The network script's lifecycle: `up --no-gateway` starts peers without the Gateway service
//! (as Fabric 2.2 peers such as Huawei BCS v4 run) while the classic endorse/order flow works,
//! and `up`/`down` can be repeated with nothing left behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use support::{alive, assert_success, gateway_probe, listening, TestNetwork};

const BASE: u16 = 28400;

/// Every address the manifest lists, for checking that nothing listens after `down`.
fn addresses(net: &TestNetwork) -> Vec<String> {
    let m = net.manifest();
    let mut out = Vec::new();
    for kind in ["orderers", "peers"] {
        for node in m[kind].as_array().unwrap() {
            out.push(node["address"].as_str().unwrap().to_owned());
            out.push(node["operationsAddress"].as_str().unwrap().to_owned());
        }
    }
    for ca in m["cas"].as_array().unwrap() {
        out.push(
            ca["url"]
                .as_str()
                .unwrap()
                .trim_start_matches("https://")
                .to_owned(),
        );
    }
    out
}

fn down_and_check_clean(net: &mut TestNetwork) {
    let pids = net.pids();
    let addrs = addresses(net);
    assert_eq!(
        pids.len(),
        10,
        "3 orderers, 4 peers, 2 CAs and the chaincode server"
    );
    assert!(pids.iter().all(|p| alive(*p)));
    net.down();
    let left: Vec<_> = pids.iter().filter(|p| alive(**p)).collect();
    assert!(left.is_empty(), "processes left after down: {left:?}");
    let open: Vec<_> = addrs.iter().filter(|a| listening(a)).collect();
    assert!(open.is_empty(), "still listening after down: {open:?}");
    assert!(!net.home().exists(), "state folder removed");
}

#[tokio::test]
async fn up_without_gateway_then_up_down_again() {
    let mut net = TestNetwork::up(BASE, &["--no-gateway"]);
    assert_eq!(net.manifest()["gateway"], false);
    for peer in ["peer0.org1", "peer1.org2"] {
        let code = gateway_probe(net.peer(peer)).await;
        assert_eq!(
            code,
            tonic::Code::Unimplemented,
            "Gateway must be absent on {peer}"
        );
    }
    // Endorser, Broadcast and Deliver still carry a transaction.
    let out = net.invoke(
        "peer0.org2",
        "kv",
        &["put", "k", "v"],
        &["peer0.org1", "peer0.org2"],
    );
    assert_success("invoke without the Gateway", &out);
    assert_eq!(net.query("peer1.org1", "kv", &["get", "k"]), "v");
    down_and_check_clean(&mut net);

    // Second cycle on the same base and folder, with the Gateway this time.
    net.start(&[]);
    assert_eq!(net.manifest()["gateway"], true);
    let code = gateway_probe(net.peer("peer0.org2")).await;
    assert_eq!(code, tonic::Code::InvalidArgument);
    // A fresh ledger: the first cycle's write is gone.
    let out = net.peer_cli(
        "peer0.org1",
        &[
            "chaincode",
            "query",
            "-C",
            "mychannel",
            "-n",
            "kv",
            "-c",
            r#"{"Args":["get","k"]}"#,
        ],
    );
    assert!(
        !out.status.success(),
        "key from the previous network must not exist"
    );
    down_and_check_clean(&mut net);
}
