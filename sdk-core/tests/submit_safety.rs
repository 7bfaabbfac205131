//! Never lose or double a transaction, against the real network: contended increments retried
//! on read conflicts (with and without hot-key scheduling) add up exactly; a commit wait cut
//! after the broadcast is settled from the ledger; a transaction an orderer may have taken is
//! never sent again while it can still commit; chaincode errors and endorsement policy
//! failures are not retried.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use fabweave::config::Profile;
use fabweave::flow::{AttemptOutcome, Client, CommitStrategy, Contract, RetryPolicy};
use fabweave::{Error, Stage};
use support::{Frozen, TestNetwork};

async fn client(net: &TestNetwork, org: &str, retry: RetryPolicy) -> Client {
    let path = net.manifest()["orgs"][org]["profiles"]["bcsUser"]
        .as_str()
        .unwrap()
        .to_owned();
    Client::builder(Profile::load(&path).unwrap())
        .user("User1")
        .retry(retry)
        .connect()
        .await
        .unwrap()
}

/// `calls` increments spread over `keys` keys, `concurrency` at a time; returns the attempts
/// they took in all. Every call must succeed.
async fn increments(
    contract: &Contract,
    prefix: &str,
    keys: usize,
    calls: usize,
    concurrency: usize,
) -> usize {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let contract = contract.clone();
        let next = Arc::clone(&next);
        let prefix = prefix.to_owned();
        workers.push(tokio::spawn(async move {
            let mut attempts = 0;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= calls {
                    return attempts;
                }
                let key = format!("{prefix}-{}", i % keys);
                let done = contract.submit("increment").arg(&key).await;
                let done = match done {
                    Ok(d) => d,
                    Err(e) => panic!("increment {i} of {key} failed: {e}"),
                };
                let committed = done
                    .attempts()
                    .iter()
                    .filter(|a| matches!(a.outcome, AttemptOutcome::Committed { .. }))
                    .count();
                assert_eq!(committed, 1, "{:?}", done.attempts());
                attempts += done.attempts().len();
            }
        }));
    }
    let mut total = 0;
    for w in workers {
        total += w.await.unwrap();
    }
    total
}

async fn counters(contract: &Contract, prefix: &str, keys: usize) -> u64 {
    let mut sum = 0;
    for k in 0..keys {
        let v = contract
            .evaluate("get")
            .arg(format!("{prefix}-{k}"))
            .await
            .unwrap();
        sum += String::from_utf8(v).unwrap().parse::<u64>().unwrap();
    }
    sum
}

async fn scenarios(net: &TestNetwork) {
    // Enough attempts for 16 callers per key: only one per key and block can win.
    let patient = RetryPolicy::default()
        .attempts(1000)
        .deadline(Duration::from_secs(600));
    let org1 = client(net, "org1", patient).await;
    let ch = org1.network("mychannel");
    let kv = ch.contract("kv_or");

    // scenario: contended_increments_add_up
    // 64 at a time on 4 keys, 1,000 calls: all succeed, the counters add up exactly.
    for (label, contract, prefix) in [
        ("plain retry", kv.clone(), "plain"),
        (
            "hot-key scheduling",
            kv.clone().with_hot_key_scheduling(),
            "hot",
        ),
    ] {
        let started = Instant::now();
        let attempts = increments(&contract, prefix, 4, 1000, 64).await;
        let took = started.elapsed();
        let sum = counters(&kv, prefix, 4).await;
        println!(
            "{label}: 1000 increments on 4 keys at concurrency 64 took {attempts} attempts, {:.1} s ({:.1} committed/s)",
            took.as_secs_f64(),
            1000.0 / took.as_secs_f64()
        );
        assert_eq!(sum, 1000, "{label}: counters add up to {sum}");
        assert!(attempts >= 1000);
    }

    // scenario: errors_not_retried
    // Not retried: a chaincode error, an endorsement policy failure.
    let err = kv.submit("fail").arg("boom").await.unwrap_err();
    match &err {
        Error::Endorse { peers, .. } => assert!(peers.iter().any(|p| p.message.contains("boom"))),
        other => panic!("expected a plain endorsement error, got {other:?}"),
    }
    let err = ch
        .contract("kv_and")
        .submit("put")
        .args(["policy", "x"])
        .endorsing_orgs(["Org1MSP"])
        .await
        .unwrap_err();
    match &err {
        Error::Commit { code, .. } => assert_eq!(*code, 10),
        other => panic!("expected a plain commit error, got {other:?}"),
    }

    // scenario: commit_wait_cut_settled_from_ledger
    // Commit waiting cut after the broadcast: the client's own peers (the event sources of
    // the MSPID scope) hang; the outcome comes from the other organization's ledger.
    let strategy = CommitStrategy::MspidScopeAllForTx;
    kv.submit("put")
        .args(["warm-up", "1"])
        .commit_strategy(strategy)
        .await
        .unwrap();
    let tx = kv
        .submit("increment")
        .arg("cut-1")
        .commit_strategy(strategy)
        .commit_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let signature = org1.identity().sign(tx.bytes()).unwrap();
    let endorsed = tx.endorse(signature).await.unwrap();
    let frozen = Frozen::nodes(net, &["peer0.org1", "peer1.org1"]);
    let signature = org1.identity().sign(endorsed.bytes()).unwrap();
    let submitted = endorsed.submit(signature).await.unwrap();
    let done = submitted.status().await.unwrap();
    assert!(done.resolved_from_ledger(), "{done:?}");
    assert!(done.block_number() > 0);
    // The awaited form: the same, and no second transaction (endorsed by Org2: Org1's
    // peers hang).
    let done = kv
        .submit("increment")
        .arg("cut-2")
        .endorsing_orgs(["Org2MSP"])
        .commit_strategy(strategy)
        .commit_timeout(Duration::from_secs(3))
        .await
        .unwrap();
    assert!(done.resolved_from_ledger());
    assert_eq!(done.attempts().len(), 1);
    drop(frozen);
    let org2 = client(net, "org2", RetryPolicy::default()).await;
    let kv2 = org2.network("mychannel").contract("kv_or");
    for key in ["cut-1", "cut-2"] {
        assert_eq!(kv2.evaluate("get").arg(key).await.unwrap(), b"1", "{key}");
    }

    // scenario: in_doubt_transaction_not_resent
    // Every orderer hangs after taking the transaction: its fate is unknown, and it can still
    // be ordered (nothing it read has changed), so it is not sent again — the retries only
    // simulate a new one, to see whether a key it read changed.
    let frozen = Frozen::nodes(net, &["orderer0", "orderer1", "orderer2"]);
    let started = Instant::now();
    let err = kv
        .submit("increment")
        .arg("ambiguous")
        .submit_timeout(Duration::from_secs(3))
        .commit_timeout(Duration::from_secs(8))
        .retry(RetryPolicy::default().attempts(3))
        .await
        .unwrap_err();
    // One transaction, sent once: the later attempts were only simulated, to settle it, and
    // never sent, so the error names it alone (no list of attempts).
    let lost_tx = match &err {
        Error::Indeterminate {
            tx_id,
            stage,
            message,
        } => {
            // Sent, then awaited (and offered again) until the commit deadline.
            assert_eq!(*stage, Stage::Commit, "{message}");
            assert!(message.contains("no replacement was sent"), "{message}");
            tx_id.clone()
        }
        other => panic!("expected one transaction in doubt, got {other:?}"),
    };
    assert!(started.elapsed() < Duration::from_secs(60));
    drop(frozen);
    // Resumed, the orderers may still order what they took (or may have dropped it with the
    // stream the client gave up on): the counter becomes 1 or stays unset, never 2.
    let started = Instant::now();
    let mut before = 0u64;
    while started.elapsed() < Duration::from_secs(30) {
        if let Ok(v) = kv2.evaluate("get").arg("ambiguous").await {
            assert_eq!(v, b"1", "{lost_tx} applied more than once");
            before = 1;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "the transaction in doubt was {} after the orderers resumed",
        if before == 1 { "committed" } else { "dropped" }
    );
    // A later increment moves on from there, exactly once.
    kv.submit("increment").arg("ambiguous").await.unwrap();
    assert_eq!(
        kv2.evaluate("get").arg("ambiguous").await.unwrap(),
        (before + 1).to_string().into_bytes()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn submits_are_never_lost_or_doubled() {
    let net = TestNetwork::up(31600, &["--no-gateway"]);
    scenarios(&net).await;
}
