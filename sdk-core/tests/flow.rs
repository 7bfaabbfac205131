//! The client-side transaction flow against the real network: once with the peers' Gateway
//! service switched off (as Fabric 2.2 / Huawei BCS v4 peers run, proving fabweave needs no
//! Gateway), once with it on. Both run the same scenarios (tests/support/scenarios.rs).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/scenarios.rs"]
mod scenarios;
mod support;

use fabweave::flow::{Mode, Via};
use support::TestNetwork;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_flow_without_the_gateway() {
    let net = TestNetwork::up(30000, &["--no-gateway"]);
    scenarios::scenarios(&net, Mode::Client, Via::Client, "").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_side_flow_with_the_gateway_on() {
    let net = TestNetwork::up(30400, &[]);
    scenarios::scenarios(&net, Mode::Client, Via::Client, "").await;
}
