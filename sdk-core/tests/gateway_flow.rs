//! The Gateway flow against the real network: the scenarios of tests/flow.rs through the peer
//! Gateway service and client-side on the same Gateway network; `Mode::Auto` picking the
//! Gateway only where the peers offer it; forced Gateway mode on peers without it; Gateway
//! error details; read-conflict retries through the Gateway.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/scenarios.rs"]
mod scenarios;
mod support;

use std::time::Duration;

use fabweave::flow::{AttemptOutcome, Mode, RetryPolicy, Via};
use fabweave::{Error, ErrorKind};
use scenarios::client;
use support::TestNetwork;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_and_client_flows_on_a_gateway_network() {
    let net = TestNetwork::up(25200, &[]);
    // Until gossip has told the Gateways about the other organization's peers they can plan
    // no endorsement for AND policies (a retryable error); wait for that, with a deadline.
    let warm = client(&net, "org1", Mode::Gateway).await;
    let started = std::time::Instant::now();
    loop {
        let tried = warm
            .network("mychannel")
            .contract("kv_and")
            .submit("put")
            .args(["gw-warm", "1"])
            .no_retry()
            .await;
        match tried {
            Ok(_) => break,
            Err(e) if e.is_retryable() && started.elapsed() < Duration::from_secs(90) => {
                eprintln!("Gateway not ready yet: {e}");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => panic!("{e}"),
        }
    }

    // scenario: auto_picks_the_gateway
    // Auto picks the Gateway where the peer offers it.
    let auto = client(&net, "org1", Mode::Auto).await;
    assert_eq!(auto.mode(), Mode::Auto);
    assert_eq!(auto.last_via(), None);
    let kv = auto.network("mychannel").contract("kv");
    let done = kv.submit("put").args(["gw-auto", "a"]).await.unwrap();
    assert_eq!(done.via(), Via::Gateway);
    assert_eq!(kv.evaluate("get").arg("gw-auto").await.unwrap(), b"a");
    assert_eq!(auto.last_via(), Some(Via::Gateway));
    // Calls pinning exact peers keep the client-side flow, which can honour them.
    let peer = auto.profile().peers[0].name.clone();
    kv.evaluate("get")
        .arg("gw-auto")
        .peers([peer])
        .await
        .unwrap();
    assert_eq!(auto.last_via(), Some(Via::Client));

    // scenario: gateway_endorsers_named
    // The Gateway's endorsers are known by name, with their organizations.
    let gw = client(&net, "org1", Mode::Gateway).await;
    let kv_and = gw.network("mychannel").contract("kv_and");
    let done = kv_and.submit("put").args(["gw-and", "1"]).await.unwrap();
    assert_eq!(done.via(), Via::Gateway);
    let mut msps: Vec<&str> = done.endorsers().iter().map(|e| e.msp_id.as_str()).collect();
    msps.sort_unstable();
    assert_eq!(msps, ["Org1MSP", "Org2MSP"], "{:?}", done.endorsers());
    assert!(
        done.endorsers().iter().all(|e| !e.address.is_empty()),
        "{:?}",
        done.endorsers()
    );

    // scenario: gateway_chaincode_error_details
    // A chaincode error comes back with the Gateway's per-peer details.
    let err = gw
        .network("mychannel")
        .contract("kv")
        .submit("fail")
        .arg("asset g7 is locked")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Endorse);
    assert!(!err.is_retryable());
    match &err {
        Error::Endorse { peers, .. } => assert!(
            peers.iter().any(|p| p.status == 500
                && p.message.contains("g7")
                && p.msp_id.ends_with("MSP")
                && !p.address.is_empty()),
            "{peers:?}"
        ),
        other => panic!("{other:?}"),
    }

    // scenario: gateway_conflicts_retried
    // Read conflicts are retried as new transactions through the Gateway: many callers
    // increment one key; the counter equals the number of submits that succeeded, and each of
    // those committed exactly one of its attempts.
    let kv_or = gw.network("mychannel").contract("kv_or");
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let c = kv_or.clone();
            tokio::spawn(async move {
                c.submit("increment")
                    .arg("gw-counter")
                    .retry(RetryPolicy::default().attempts(10))
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    let mut retried = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(done) => {
                assert_eq!(done.via(), Via::Gateway);
                let committed = done
                    .attempts()
                    .iter()
                    .filter(|a| matches!(a.outcome, AttemptOutcome::Committed { .. }))
                    .count();
                assert_eq!(committed, 1, "{:?}", done.attempts());
                if done.attempts().len() > 1 {
                    retried += 1;
                }
                ok += 1;
            }
            Err(e) => eprintln!("an increment failed: {e}"),
        }
    }
    let counter = kv_or.evaluate("get").arg("gw-counter").await.unwrap();
    assert_eq!(String::from_utf8(counter).unwrap(), ok.to_string());
    assert!(ok >= 1);
    eprintln!("gateway increments: {ok} of 8 committed, {retried} after a read conflict");

    scenarios::scenarios(&net, Mode::Gateway, Via::Gateway, "gw-").await;
    scenarios::scenarios(&net, Mode::Client, Via::Client, "cl-").await;

    // scenario: gateway_unconfirmed_submit_sent_to_orderers
    // The Gateway peer hangs (SIGSTOP) after endorsing: its Submit is never confirmed, so
    // fabweave offers the same signed transaction (same id) to the orderers itself. It commits,
    // and only once: the counter moves by one.
    let kv_or = gw.network("mychannel").contract("kv_or");
    kv_or
        .submit("increment")
        .arg("gw-unconfirmed")
        .await
        .unwrap();
    let submit_timeout = Duration::from_secs(3);
    let tx = kv_or
        .submit("increment")
        .arg("gw-unconfirmed")
        .submit_timeout(submit_timeout)
        .build()
        .unwrap();
    let signature = gw.identity().sign(tx.bytes()).unwrap();
    let endorsed = tx.endorse(signature).await.unwrap();
    assert_eq!(endorsed.via(), Via::Gateway);
    let started = std::time::Instant::now();
    let submitted = {
        // The profile's first peer, whose Gateway endorsed the transaction.
        let _frozen = support::Frozen::nodes(&net, &["peer0.org1"]);
        let signature = gw.identity().sign(endorsed.bytes()).unwrap();
        endorsed.submit(signature).await.unwrap()
    };
    // It waited out the Gateway (so the frozen peer was the Gateway), then the orderers took it.
    assert!(
        started.elapsed() >= submit_timeout,
        "{:?}",
        started.elapsed()
    );
    let done = submitted.status().await.unwrap();
    assert!(done.block_number() > 0);
    let counter = kv_or.evaluate("get").arg("gw-unconfirmed").await.unwrap();
    assert_eq!(String::from_utf8(counter).unwrap(), "2");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_uses_the_client_flow_where_there_is_no_gateway() {
    let net = TestNetwork::up(25600, &["--no-gateway"]);

    // scenario: auto_without_gateway_uses_client
    let auto = client(&net, "org1", Mode::Auto).await;
    let kv = auto.network("mychannel").contract("kv");
    let done = kv.submit("put").args(["auto", "c"]).await.unwrap();
    assert_eq!(done.via(), Via::Client);
    assert!(done.block_number() > 0);
    assert_eq!(kv.evaluate("get").arg("auto").await.unwrap(), b"c");
    assert_eq!(auto.last_via(), Some(Via::Client));
    // Remembered: later calls go straight to the client-side flow.
    let done = kv.submit("put").args(["auto", "d"]).await.unwrap();
    assert_eq!(done.via(), Via::Client);

    // scenario: forced_gateway_without_gateway_fails
    // Forced Gateway mode says what is wrong and what to do, for submits and evaluates.
    let gw = client(&net, "org1", Mode::Gateway).await;
    let kv = gw.network("mychannel").contract("kv");
    for err in [
        kv.submit("put").args(["forced", "x"]).await.unwrap_err(),
        kv.evaluate("get").arg("auto").await.unwrap_err(),
    ] {
        match &err {
            Error::NoGateway { peers } => assert!(!peers.is_empty()),
            other => panic!("{other:?}"),
        }
        assert!(!err.is_retryable());
        let text = err.to_string();
        assert!(
            text.contains("Gateway") && text.contains("Mode::Auto"),
            "{text}"
        );
    }
    // Nothing was written.
    assert_eq!(
        client(&net, "org1", Mode::Client)
            .await
            .network("mychannel")
            .contract("kv")
            .evaluate("get")
            .arg("forced")
            .await
            .unwrap_or_default(),
        b""
    );
}
