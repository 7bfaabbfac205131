//! The transaction scenarios every flow must pass (tests/flow.rs runs them client-side,
//! tests/gateway_flow.rs through the peer Gateway service and client-side on a Gateway network).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use fabweave::config::Profile;
use fabweave::flow::{Client, CommitStrategy, Mode, Via};
use fabweave::{Error, ErrorKind, Stage};

use crate::support::TestNetwork;

pub async fn client(net: &TestNetwork, org: &str, mode: Mode) -> Client {
    let path = net.manifest()["orgs"][org]["profiles"]["bcsUser"]
        .as_str()
        .unwrap()
        .to_owned();
    let profile = Profile::load(&path).unwrap();
    Client::builder(profile)
        .user("User1")
        .mode(mode)
        .connect()
        .await
        .unwrap()
}

/// Runs every scenario with clients in `mode`, checking that each call was carried by `via`.
/// Counters and bulk keys start with `tag`, so runs on one network do not see each other's.
pub async fn scenarios(net: &TestNetwork, mode: Mode, via: Via, tag: &str) {
    let org1 = client(net, "org1", mode).await;
    let org2 = client(net, "org2", mode).await;
    let ch1 = org1.network("mychannel");
    let ch2 = org2.network("mychannel");

    // scenario: submit_evaluate_every_policy
    // Submit and evaluate under all three names and policies; read back from the other org.
    for name in ["kv", "kv_or", "kv_and"] {
        let key = format!("flow-{name}");
        let done = ch1
            .contract(name)
            .submit("put")
            .args([key.as_str(), "v1"])
            // Org2 reads it back at once: every peer of the channel must have it (the default
            // strategy waits for Org1's peers only).
            .commit_strategy(CommitStrategy::NetworkScopeAllForTx)
            .await
            .unwrap();
        assert_eq!(done.tx_id().len(), 64);
        assert!(done.block_number() > 0 && done.is_confirmed());
        assert_eq!(done.payload(), b"v1");
        assert_eq!(done.via(), via);
        assert_eq!(org1.last_via(), Some(via));
        let got = ch2.contract(name).evaluate("get").arg(&key).await.unwrap();
        assert_eq!(got, b"v1", "{name} read back by Org2");
        assert_eq!(org2.last_via(), Some(via));
    }

    // scenario: endorsing_orgs_or_commits
    // Endorsing organizations chosen by the caller: kv_or with Org2 alone commits; kv_and with
    // Org1 alone is ordered but invalid.
    let done = ch1
        .contract("kv_or")
        .submit("put")
        .args(["by-org2", "x"])
        .endorsing_orgs(["Org2MSP"])
        .await
        .unwrap();
    assert!(done.block_number() > 0);
    // scenario: endorsing_orgs_and_policy_failure
    let err = ch1
        .contract("kv_and")
        .submit("put")
        .args(["by-org1", "x"])
        .endorsing_orgs(["Org1MSP"])
        .await
        .unwrap_err();
    match &err {
        Error::Commit {
            code,
            code_name,
            block,
            tx_id,
        } => {
            assert_eq!(*code, 10);
            assert_eq!(code_name, "ENDORSEMENT_POLICY_FAILURE");
            assert!(*block > 0 && tx_id.len() == 64);
        }
        other => panic!("{other:?}"),
    }

    // scenario: private_data_org1_collection
    // Private data through transient fields, both collections.
    let kv_or = ch1.contract("kv_or");
    kv_or
        .submit("putPrivate")
        .args(["org1Only", "secret"])
        .transient("value", "s1")
        .endorsing_orgs(["Org1MSP"])
        .await
        .unwrap();
    assert_eq!(
        kv_or
            .evaluate("getPrivate")
            .args(["org1Only", "secret"])
            .await
            .unwrap(),
        b"s1"
    );
    // scenario: private_data_shared_collection
    let kv = ch1.contract("kv");
    kv.submit("putPrivate")
        .args(["shared", "both"])
        .transient("value", "s2")
        .commit_strategy(CommitStrategy::NetworkScopeAllForTx)
        .await
        .unwrap();
    assert_eq!(
        ch2.contract("kv")
            .evaluate("getPrivate")
            .args(["shared", "both"])
            .await
            .unwrap(),
        b"s2"
    );

    // scenario: chaincode_event_with_commit
    // The chaincode event comes back with the committed transaction, payload included.
    let done = kv
        .submit("event")
        .args(["flow-event", "payload-1"])
        .await
        .unwrap();
    let ev = done.event().expect("event");
    assert_eq!(ev.event_name, "flow-event");
    assert_eq!(ev.payload, b"payload-1");
    assert_eq!(ev.tx_id, done.tx_id());

    assert_eq!(done.via(), via);

    // scenario: chaincode_error_on_submit
    // A chaincode error is an endorse error carrying the peer's message.
    let err = kv
        .submit("fail")
        .arg("asset a9 is locked")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Endorse);
    assert!(err.to_string().contains("asset a9 is locked"), "{err}");
    match &err {
        Error::Endorse { peers, .. } => assert!(peers
            .iter()
            .any(|p| p.status == 500 && p.message.contains("a9"))),
        other => panic!("{other:?}"),
    }
    // scenario: chaincode_error_on_evaluate
    let err = kv.evaluate("fail").arg("no such asset").await.unwrap_err();
    assert!(err.to_string().contains("no such asset"), "{err}");

    // scenario: concurrent_increments_without_retry
    // Concurrent increments of one key without retries: some commit, the others end
    // MVCC_READ_CONFLICT, and the counter equals the number committed.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let c = kv_or.clone();
            let key = format!("{tag}hot");
            tokio::spawn(async move { c.submit("increment").arg(key).no_retry().await })
        })
        .collect();
    let mut ok = 0;
    let mut conflicts = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(Error::Commit { code: 11, .. }) => conflicts += 1,
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert!(ok >= 1 && conflicts >= 1, "ok {ok}, conflicts {conflicts}");
    let counter = kv_or
        .evaluate("get")
        .arg(format!("{tag}hot"))
        .await
        .unwrap();
    assert_eq!(String::from_utf8(counter).unwrap(), ok.to_string());
    // scenario: concurrent_increments_retried_commit_once
    // With the default retry policy every one of them commits, each exactly once.
    let tasks: Vec<_> = (0..4)
        .map(|_| {
            let c = kv_or.clone();
            let key = format!("{tag}hot-retried");
            tokio::spawn(async move { c.submit("increment").arg(key).await })
        })
        .collect();
    for t in tasks {
        let done = t.await.unwrap().unwrap();
        let committed = done
            .attempts()
            .iter()
            .filter(|a| matches!(a.outcome, fabweave::flow::AttemptOutcome::Committed { .. }))
            .count();
        assert_eq!(committed, 1, "{:?}", done.attempts());
    }
    let counter = kv_or
        .evaluate("get")
        .arg(format!("{tag}hot-retried"))
        .await
        .unwrap();
    assert_eq!(counter, b"4");

    // scenario: endorse_stage_deadline
    // A stage deadline: the chaincode sleeps longer than the endorse timeout.
    let started = Instant::now();
    let err = kv_or
        .submit("sleep")
        .arg("3000")
        .endorse_timeout(Duration::from_millis(500))
        .await
        .unwrap_err();
    match &err {
        Error::Timeout { stage, .. } => assert_eq!(*stage, Stage::Endorse),
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("endorse"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(2));

    // scenario: commit_strategy_none_returns_when_ordered
    // The NONE strategy returns once ordered.
    let done = kv_or
        .submit("put")
        .args(["no-wait", "1"])
        .commit_strategy(CommitStrategy::None)
        .await
        .unwrap();
    assert!(!done.is_confirmed());

    // scenario: thousand_concurrent_submits
    // 1,000 transactions at once: every one ends, committed or with a typed error, within the
    // deadlines; and every one reported committed is on the ledger.
    let started = Instant::now();
    let tasks: Vec<_> = (0..1000)
        .map(|i| {
            let c = kv_or.clone();
            let key = format!("{tag}bulk-{i:04}");
            tokio::spawn(async move { c.submit("put").args([key, format!("{i}")]).await })
        })
        .collect();
    let mut committed = 0;
    let mut failed = Vec::new();
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(180), t)
            .await
            .expect("a submit waited forever")
            .unwrap()
        {
            Ok(done) => {
                assert!(done.block_number() > 0);
                committed += 1;
            }
            Err(e) => failed.push(e),
        }
    }
    assert_eq!(committed + failed.len(), 1000);
    assert!(
        failed
            .iter()
            .all(|e| e.tx_id().is_some() || e.kind() == ErrorKind::Transport),
        "{failed:?}"
    );
    let listed = kv_or
        .evaluate("range")
        .args([format!("{tag}bulk-"), format!("{tag}bulk-~")])
        .await
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed).unwrap();
    assert_eq!(
        listed.as_array().unwrap().len(),
        committed,
        "committed transactions on the ledger"
    );
    assert!(
        committed >= 990,
        "only {committed} of 1000 committed: {:?}",
        failed.first()
    );
    eprintln!(
        "1000 concurrent submits: {committed} committed in {:?}",
        started.elapsed()
    );

    // scenario: orderer_stopped_submits_continue
    // One orderer stopped: submissions keep committing through the others. Client-side here:
    // through the Gateway, choosing the orderer is the peer's job (a Fabric Gateway that picks
    // a broken orderer connection waits up to its broadcast timeout, 30 s, past our submit
    // deadline; fabweave then offers the same transaction to the orderers itself, which
    // gateway_flow.rs's gateway_submits_after_orderer_restart covers).
    if via == Via::Client {
        let out = net.net(&["stop", "orderer0"]);
        assert!(out.status.success());
        for i in 0..6 {
            kv_or
                .submit("put")
                .args([format!("after-stop-{i}"), "v".into()])
                .await
                .unwrap();
        }
        let out = net.net(&["start", "orderer0"]);
        assert!(
            out.status.success(),
            "net start orderer0: {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // scenario: own_peer_down_default_strategy_returns
    // One of our organization's peers down: the default ALL strategy still returns the commit
    // the other peer confirmed, after a bounded grace, instead of timing out.
    assert!(net.net(&["stop", "peer1.org1"]).status.success());
    let started = Instant::now();
    let done = kv_or.submit("put").args(["peer-down", "1"]).await.unwrap();
    assert!(done.block_number() > 0);
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    assert!(net.net(&["start", "peer1.org1"]).status.success());
}
