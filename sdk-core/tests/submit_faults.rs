//! The submit guarantee when the network misbehaves between the client and its nodes, on the
//! real network: a fault proxy (toxiproxy, `tests/network/net proxy`) in front of an orderer
//! takes envelopes and never answers, swallows everything, or delays what the client sends; the
//! Raft leader hangs; an endorser hangs with its connection open; a lying peer (a stub in front
//! of a real peer) misreports outcomes. Each case checks what the README promises: the call
//! ends `Ok` (one transaction, committed once) or `Indeterminate` (one transaction, sent once),
//! and a counter the call increments never moves by more than one.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/liar.rs"]
mod liar;
mod support;

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fabweave::config::Profile;
use fabweave::flow::{AttemptOutcome, Client, CommitStrategy, Contract, Mode};
use fabweave::Error;
use support::{Frozen, TestNetwork};

fn profile(net: &TestNetwork) -> Profile {
    let path = net.manifest()["orgs"]["org1"]["profiles"]["bcsUser"]
        .as_str()
        .unwrap()
        .to_owned();
    Profile::load(&path).unwrap()
}

/// Org1's profile with only the orderers named, each dialed at the address given (a proxy) or
/// its own.
fn with_orderers(net: &TestNetwork, orderers: &[(&str, Option<&str>)]) -> Profile {
    let mut p = profile(net);
    p.orderers
        .retain(|o| orderers.iter().any(|(n, _)| o.name.starts_with(n)));
    for o in &mut p.orderers {
        let via = orderers
            .iter()
            .find(|(n, _)| o.name.starts_with(n))
            .and_then(|(_, a)| *a);
        if let Some(address) = via {
            let (host, port) = address.rsplit_once(':').unwrap();
            o.endpoint.host = host.to_owned();
            o.endpoint.port = port.parse().unwrap();
            o.endpoint.url = format!("grpcs://{address}");
        }
    }
    assert_eq!(p.orderers.len(), orderers.len());
    p
}

/// A client-side-flow client that uses exactly the profile's orderers (no discovery).
async fn client(profile: Profile) -> Client {
    Client::builder(profile)
        .user("User1")
        .mode(Mode::Client)
        .discovery(false)
        .connect()
        .await
        .unwrap()
}

/// The counter `key`, as the ledger has it now (`None`: never written).
async fn counter(kv: &Contract, key: &str) -> Option<u64> {
    match kv.evaluate("get").arg(key).await {
        Ok(v) => Some(String::from_utf8(v).unwrap().parse().unwrap()),
        Err(e) if e.to_string().contains("not found") => None,
        Err(e) => panic!("get {key}: {e}"),
    }
}

/// The counter once it stops changing (checked for `settle`), for transactions that may still
/// be ordered after the fault is lifted.
async fn settled_counter(kv: &Contract, key: &str, settle: Duration) -> Option<u64> {
    let mut last = counter(kv, key).await;
    let mut stable_since = Instant::now();
    let started = Instant::now();
    while stable_since.elapsed() < settle && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = counter(kv, key).await;
        if now != last {
            last = now;
            stable_since = Instant::now();
        }
    }
    last
}

/// The transaction a failed call says may still commit, if it ended in doubt.
fn in_doubt(e: &Error) -> Option<&str> {
    match e {
        Error::Indeterminate { tx_id, .. } => Some(tx_id),
        Error::Retried { last, .. } => in_doubt(last),
        _ => None,
    }
}

/// Checks a call that incremented `key` once: `Ok` with exactly one committed attempt and the
/// counter at `before + 1`, or in doubt and the counter at `before` or `before + 1` — never
/// more.
async fn exactly_once(
    what: &str,
    result: &Result<fabweave::flow::Committed, Error>,
    observer: &Contract,
    key: &str,
    before: u64,
) {
    let after = settled_counter(observer, key, Duration::from_secs(4))
        .await
        .unwrap_or(0);
    match result {
        Ok(done) => {
            let committed = done
                .attempts()
                .iter()
                .filter(|a| matches!(a.outcome, AttemptOutcome::Committed { .. }))
                .count();
            assert_eq!(committed, 1, "{what}: {:?}", done.attempts());
            assert_eq!(after, before + 1, "{what}: committed {}", done.tx_id());
        }
        Err(e) => {
            assert!(
                in_doubt(e).is_some(),
                "{what}: expected Ok or in doubt, got {e}"
            );
            assert!(
                after == before || after == before + 1,
                "{what}: the counter went from {before} to {after}: {e}"
            );
        }
    }
}

/// Hole 1: the only orderer takes the envelope and never answers. The submit's time runs out
/// while the envelope is in flight: that is doubt, never a reason to send a new transaction. The
/// commit wait that follows finds the transaction committed.
async fn orderer_takes_it_and_never_answers(net: &TestNetwork, observer: &Contract) {
    let proxy = net.proxy("orderer0");
    let c = client(with_orderers(net, &[("orderer0", Some(&proxy))])).await;
    let kv = c.network("mychannel").contract("kv_or");
    // The connection through the proxy exists before the fault, as in a long-running client.
    kv.submit("increment")
        .arg("hole-1")
        .endorsing_orgs(["Org1MSP"])
        .await
        .unwrap();
    net.toxic("orderer0", "hole", "timeout", "downstream", &["timeout=0"]);
    let result = kv
        .submit("increment")
        .arg("hole-1")
        .endorsing_orgs(["Org1MSP"])
        .submit_timeout(Duration::from_secs(3))
        .await;
    let blind = kv
        .submit("put")
        .args(["hole-blind", "1"])
        .endorsing_orgs(["Org1MSP"])
        .submit_timeout(Duration::from_secs(3))
        .await;
    net.proxy_clear("orderer0");
    println!("black-holed orderer: {result:?}; blind write: {blind:?}");
    exactly_once("black-holed orderer", &result, observer, "hole-1", 1).await;
    // The orderer took it: its commit events say so, for the one transaction sent.
    let done = result.expect("the transaction the orderer took is seen committed");
    assert_eq!(done.attempts().len(), 1, "{:?}", done.attempts());
    let done = blind.expect("the blind write the orderer took is seen committed");
    assert_eq!(done.attempts().len(), 1, "{:?}", done.attempts());
    assert_eq!(counter(observer, "hole-blind").await, Some(1));
}

/// Hole 1, when the client cannot tell: the orderer's connection swallows everything both ways.
/// The envelope may have reached it, so the call ends in doubt about the one transaction it
/// sent, after offering that same envelope again; a blind write cannot be settled by simulating
/// again, so the call stops at once rather than re-endorsing.
async fn orderer_swallows_everything(net: &TestNetwork, observer: &Contract) {
    let proxy = net.proxy("orderer0");
    let c = client(with_orderers(net, &[("orderer0", Some(&proxy))])).await;
    let kv = c.network("mychannel").contract("kv_or");
    kv.submit("put")
        .args(["void-warm", "1"])
        .endorsing_orgs(["Org1MSP"])
        .await
        .unwrap();
    net.toxic("orderer0", "void-up", "timeout", "upstream", &["timeout=0"]);
    net.toxic(
        "orderer0",
        "void-down",
        "timeout",
        "downstream",
        &["timeout=0"],
    );
    let started = Instant::now();
    let err = kv
        .submit("put")
        .args(["void-blind", "1"])
        .endorsing_orgs(["Org1MSP"])
        .submit_timeout(Duration::from_secs(3))
        .commit_timeout(Duration::from_secs(8))
        .await
        .unwrap_err();
    let took = started.elapsed();
    net.proxy_clear("orderer0");
    println!("swallowing orderer: {err} after {took:?}");
    assert!(took < Duration::from_secs(30), "{took:?}");
    match &err {
        Error::Indeterminate { message, .. } => {
            assert!(message.contains("sent once"), "{message}");
            assert!(message.contains("read no key"), "{message}");
        }
        other => panic!("expected one transaction in doubt, got {other:?}"),
    }
    // Nothing reached the orderer: nothing was written, and nothing else was sent.
    assert_eq!(
        settled_counter(observer, "void-blind", Duration::from_secs(3)).await,
        None
    );
}

/// Hole 1, as it happens in a fresh client: the first dial to the only orderer is slow (its
/// connection delays everything the client sends), so the submit's time runs out after the
/// envelope left but before it arrived. The orderer orders it: a new transaction would double
/// the increment.
async fn deadline_while_in_flight(net: &TestNetwork, observer: &Contract) {
    let proxy = net.proxy("orderer1");
    net.toxic("orderer1", "slow", "latency", "upstream", &["latency=800"]);
    let c = client(with_orderers(net, &[("orderer1", Some(&proxy))])).await;
    let kv = c.network("mychannel").contract("kv_or");
    let before = counter(observer, "in-flight").await.unwrap_or(0);
    let result = kv
        .submit("increment")
        .arg("in-flight")
        .endorsing_orgs(["Org1MSP"])
        .submit_timeout(Duration::from_millis(1400))
        .await;
    net.proxy_clear("orderer1");
    println!("deadline while in flight: {result:?}");
    exactly_once(
        "deadline while in flight",
        &result,
        observer,
        "in-flight",
        before,
    )
    .await;
    let done = result.expect("the envelope in flight is seen committed");
    assert_eq!(done.attempts().len(), 1, "{:?}", done.attempts());
}

/// Hole 8: the Raft leader hangs. Followers accept envelopes and forward them to it; the
/// forwarded ones are lost when the followers elect another leader. The network stays silent
/// about the transaction, so the same envelope is offered again and commits — once.
async fn leader_hangs_envelope_offered_again(net: &TestNetwork, observer: &Contract) {
    let leader = net
        .raft_leader()
        .expect("the orderers' logs name a Raft leader");
    let followers: Vec<&str> = ["orderer0", "orderer1", "orderer2"]
        .into_iter()
        .filter(|o| *o != leader)
        .collect();
    println!("Raft leader {leader}, followers {followers:?}");
    let c = client(with_orderers(
        net,
        &[(followers[0], None), (followers[1], None)],
    ))
    .await;
    let kv = c.network("mychannel").contract("kv_or");
    kv.submit("increment")
        .arg("forwarded")
        .endorsing_orgs(["Org1MSP"])
        .await
        .unwrap();
    let frozen = Frozen::nodes(net, &[leader.as_str()]);
    let started = Instant::now();
    let submit = tokio::spawn(
        kv.submit("increment")
            .arg("forwarded")
            .endorsing_orgs(["Org1MSP"])
            .commit_timeout(Duration::from_secs(60))
            .into_future(),
    );
    // The old leader stays hung long past the followers' election (about 20 s here).
    let mut result = None;
    for _ in 0..80 {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if submit.is_finished() {
            break;
        }
    }
    let hung_for = started.elapsed();
    if submit.is_finished() {
        result = Some(submit.await.unwrap());
    }
    drop(frozen);
    let result = match result {
        Some(r) => r,
        None => panic!("the submit waited for the hung leader ({hung_for:?})"),
    };
    println!("leader hung: {result:?} after {hung_for:?}");
    exactly_once("leader hung", &result, observer, "forwarded", 1).await;
    let done = result.expect("the envelope offered again commits");
    assert_eq!(done.attempts().len(), 1, "{:?}", done.attempts());
}

/// Hole 4: an endorser that hangs with its connection open costs one attempt's share once, then
/// is set aside: the next calls do not wait for it.
async fn hung_endorser_is_set_aside(net: &TestNetwork) {
    let c = client(profile(net)).await;
    let kv = c.network("mychannel").contract("kv_or");
    kv.submit("put")
        .args(["hung", "1"])
        .endorsing_orgs(["Org1MSP"])
        .await
        .unwrap();
    let frozen = Frozen::nodes(net, &["peer0.org1"]);
    // Evaluate sticks to the first peer of the client's organization: peer0.org1.
    let started = Instant::now();
    let v = kv
        .evaluate("get")
        .arg("hung")
        .timeout(Duration::from_secs(6))
        .await
        .expect("another peer answers once the hung one's share is up");
    assert_eq!(v, b"1");
    let first = started.elapsed();
    let started = Instant::now();
    kv.evaluate("get").arg("hung").await.unwrap();
    let second = started.elapsed();
    let started = Instant::now();
    kv.submit("put")
        .args(["hung", "2"])
        .endorsing_orgs(["Org1MSP"])
        .endorse_timeout(Duration::from_secs(6))
        .commit_strategy(CommitStrategy::MspidScopeAnyForTx)
        .await
        .unwrap();
    let third = started.elapsed();
    drop(frozen);
    println!("hung endorser: first evaluate {first:?}, second {second:?}, submit {third:?}");
    assert!(first < Duration::from_secs(6), "{first:?}");
    assert!(
        second < Duration::from_secs(2),
        "the hung peer was asked again: {second:?}"
    );
    assert!(
        third < Duration::from_secs(4),
        "the hung peer was asked again: {third:?}"
    );
}

/// Org1's profile with a lying peer added as a peer of Org2: an event source and a ledger-query
/// peer (never asked to endorse), reached in plaintext.
fn with_liar(net: &TestNetwork, liar: &liar::Liar) -> Profile {
    let mut p = profile(net);
    let real = p
        .peers
        .iter()
        .find(|x| x.name.starts_with("peer0.org2"))
        .expect("peer0.org2 in the profile")
        .clone();
    let mut fake = real.clone();
    fake.name = "liar.org2".into();
    let (host, port) = liar.address.rsplit_once(':').unwrap();
    fake.endpoint.host = host.to_owned();
    fake.endpoint.port = port.parse().unwrap();
    fake.endpoint.url = format!("grpc://{}", liar.address);
    fake.endpoint.tls.enabled = false;
    p.peers.push(fake);
    for ch in &mut p.channels {
        let Some(entry) = ch.peers.iter().find(|c| c.name == real.name).cloned() else {
            continue;
        };
        let mut entry = entry;
        entry.name = "liar.org2".into();
        entry.roles.endorsing_peer = false;
        entry.roles.chaincode_query = false;
        entry.roles.discover = false;
        entry.roles.event_source = true;
        entry.roles.ledger_query = true;
        ch.peers.push(entry);
    }
    p
}

/// Hole 3: one peer's word does not decide an outcome. A lying peer of another organization
/// reports a valid transaction as a read conflict, and answers ledger lookups with another
/// transaction claimed invalid: the client reports the true outcome and sends no replacement.
async fn lying_peer_is_outvoted(net: &TestNetwork, observer: &Contract) {
    let liar = liar::Liar::start(net.peer("peer0.org2")).await;
    let c = client(with_liar(net, &liar)).await;
    let ch = c.network("mychannel");
    let kv = ch.contract("kv_or");
    // Commit events: under NETWORK_SCOPE_ALLFORTX every event source reports, the liar too.
    let done = kv
        .submit("increment")
        .arg("lie-1")
        .endorsing_orgs(["Org1MSP"])
        .commit_strategy(CommitStrategy::NetworkScopeAllForTx)
        .await
        .expect("the liar's read conflict is outvoted");
    assert_eq!(done.attempts().len(), 1, "{:?}", done.attempts());
    assert!(!done.resolved_from_ledger());
    assert_eq!(
        settled_counter(observer, "lie-1", Duration::from_secs(2)).await,
        Some(1)
    );

    // Ledger lookups: the liar's first lookup is real; later ones get that transaction.
    let seen = ch
        .ledger()
        .peers(["liar.org2"])
        .transaction(done.tx_id())
        .await
        .unwrap()
        .expect("the liar passes its first lookup on");
    assert_eq!(seen.validation_code, liar::CLAIMED);
    // The commit wait is cut (the client's own peers hang after endorsing), so the outcome
    // comes from the ledgers — the liar's among them.
    let tx = kv
        .submit("increment")
        .arg("lie-2")
        .endorsing_orgs(["Org1MSP"])
        .commit_strategy(CommitStrategy::MspidScopeAllForTx)
        .commit_timeout(Duration::from_secs(3))
        .build()
        .unwrap();
    let signature = c.identity().sign(tx.bytes()).unwrap();
    let endorsed = tx.endorse(signature).await.unwrap();
    let frozen = Frozen::nodes(net, &["peer0.org1", "peer1.org1"]);
    let signature = c.identity().sign(endorsed.bytes()).unwrap();
    let submitted = endorsed.submit(signature).await.unwrap();
    let result = submitted.status().await;
    drop(frozen);
    let lookups = liar.lookups();
    println!("lying peer, ledger lookup: {result:?} ({lookups} lookups of the liar)");
    assert!(lookups >= 2, "the liar was not asked");
    let done = result.expect("the other organization's ledgers outvote the liar");
    assert!(done.resolved_from_ledger());
    assert_eq!(
        settled_counter(observer, "lie-2", Duration::from_secs(2)).await,
        Some(1)
    );
}

/// Runs one scenario to its end; a failure is reported (and the next scenario still runs), so
/// one run says which of them fail.
async fn run<F, Fut>(name: &str, failed: &mut Vec<String>, scenario: F)
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let started = Instant::now();
    match tokio::spawn(scenario()).await {
        Ok(()) => println!("{name}: passed in {:?}", started.elapsed()),
        Err(e) => {
            println!("{name}: FAILED after {:?}: {e}", started.elapsed());
            failed.push(name.to_owned());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn submits_hold_under_network_faults() {
    let net = Arc::new(TestNetwork::up(32800, &["--no-gateway"]));
    let observer = Client::builder(profile(&net))
        .user("User1")
        .connect()
        .await
        .unwrap();
    let observer = observer.network("mychannel").contract("kv_or");
    let mut failed = Vec::new();
    let (n, o) = (net.clone(), observer.clone());
    // scenario: orderer_black_hole_not_resent
    run("orderer black hole", &mut failed, || async move {
        orderer_takes_it_and_never_answers(&n, &o).await
    })
    .await;
    let (n, o) = (net.clone(), observer.clone());
    // scenario: orderer_swallows_everything_in_doubt
    run(
        "orderer swallowing everything",
        &mut failed,
        || async move { orderer_swallows_everything(&n, &o).await },
    )
    .await;
    let (n, o) = (net.clone(), observer.clone());
    // scenario: orderer_deadline_while_in_flight
    run("deadline while in flight", &mut failed, || async move {
        deadline_while_in_flight(&n, &o).await
    })
    .await;
    let (n, o) = (net.clone(), observer.clone());
    // scenario: raft_leader_hung_envelope_offered_again
    run("Raft leader hung", &mut failed, || async move {
        leader_hangs_envelope_offered_again(&n, &o).await
    })
    .await;
    let n = net.clone();
    // scenario: hung_endorser_set_aside
    run("hung endorser", &mut failed, || async move {
        hung_endorser_is_set_aside(&n).await
    })
    .await;
    let (n, o) = (net.clone(), observer.clone());
    // scenario: lying_peer_outvoted
    run("lying peer", &mut failed, || async move {
        lying_peer_is_outvoted(&n, &o).await
    })
    .await;
    assert!(failed.is_empty(), "failed: {failed:?}");
}
