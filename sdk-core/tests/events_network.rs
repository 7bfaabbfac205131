//! Event streams against a real network: chaincode events checkpointed to a file across a
//! restart of the listener (each event exactly once, also when the restart falls inside a
//! block); a stream that survives the stop of the peer it reads from (another peer of the
//! organization takes over, nothing lost or repeated); full and filtered block streams from a
//! block number; blocks with private data carrying the `org1Only` write set for an Org1 user
//! and not for an Org2 user; and the typed error of a stream no peer can serve.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::future::IntoFuture;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fabweave::config::Profile;
use fabweave::events::{
    BlockKind, ChaincodeEvent, Checkpointer, EventStream, FileCheckpointer, Positioned, StartAt,
};
use fabweave::flow::{Client, CommitStrategy, Contract, Network};
use fabweave::proto::common::{ChannelHeader, Envelope, Payload};
use fabweave::proto::kvrwset::KvrwSet;
use fabweave::proto::Message;
use fabweave::{Error, ErrorKind};
use futures_util::StreamExt;
use support::{assert_success, TestNetwork};

const BASE: u16 = 24800;
const WAIT: Duration = Duration::from_secs(60);

async fn client(net: &TestNetwork, org: &str) -> Client {
    let path = net.manifest()["orgs"][org]["profiles"]["bcsUser"]
        .as_str()
        .unwrap()
        .to_owned();
    let profile = Profile::load(&path).unwrap();
    Client::builder(profile)
        .user("User1")
        .connect()
        .await
        .unwrap()
}

/// A suffix no earlier run used.
fn stamp() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The next item of a stream, within [`WAIT`].
async fn next<T: std::fmt::Debug>(stream: &mut EventStream<T>) -> T {
    match tokio::time::timeout(WAIT, stream.next()).await {
        Ok(Some(Ok(item))) => item,
        Ok(Some(Err(e))) => panic!("stream error: {e}"),
        Ok(None) => panic!("the stream ended"),
        Err(_) => panic!(
            "no item within {WAIT:?} (peer {:?}, last error {:?})",
            stream.peer(),
            stream.last_error()
        ),
    }
}

/// Submits `event NAME PAYLOAD` on `contract`; returns the block.
async fn emit(contract: &Contract, name: &str, payload: &str) -> u64 {
    contract
        .submit("event")
        .args([name, payload])
        .commit_strategy(CommitStrategy::MspidScopeAnyForTx)
        .await
        .unwrap()
        .block_number()
}

/// Submits the payloads concurrently (so that several may share a block).
async fn emit_all(contract: &Contract, name: &str, payloads: &[String]) {
    let calls = payloads.iter().map(|p| {
        contract
            .submit("event")
            .args([name, p.as_str()])
            .commit_strategy(CommitStrategy::MspidScopeAnyForTx)
            .into_future()
    });
    for r in futures_util::future::join_all(calls).await {
        r.unwrap();
    }
}

fn payload(e: &ChaincodeEvent) -> String {
    String::from_utf8(e.payload.clone()).unwrap()
}

/// The positions of `events` strictly increase (ledger order, no repeats).
fn assert_ledger_order(events: &[ChaincodeEvent]) {
    for w in events.windows(2) {
        assert!(
            (w[0].block_number, w[0].tx_index) < (w[1].block_number, w[1].tx_index),
            "out of order or repeated: {:?} then {:?}",
            (w[0].block_number, w[0].tx_index, payload(&w[0])),
            (w[1].block_number, w[1].tx_index, payload(&w[1]))
        );
    }
}

/// The manifest node (e.g. `peer0.org1`) of the peer the network knows as `name`.
async fn node_of(net: &TestNetwork, network: &Network, name: &str) -> String {
    let view = network.view().await;
    let address = view
        .peer(name)
        .unwrap_or_else(|| panic!("no peer {name} in the view"))
        .endpoint
        .address();
    net.manifest()["peers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["address"].as_str() == Some(address.as_str()))
        .unwrap_or_else(|| panic!("no node at {address}"))["name"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The index of transaction `tx_id` in a full block.
fn tx_index(block: &fabweave::proto::common::Block, tx_id: &str) -> usize {
    block
        .data
        .as_ref()
        .unwrap()
        .data
        .iter()
        .position(|bytes| {
            let env = Envelope::decode(bytes.as_slice()).unwrap();
            let payload = Payload::decode(env.payload.as_slice()).unwrap();
            let ch =
                ChannelHeader::decode(payload.header.unwrap().channel_header.as_slice()).unwrap();
            ch.tx_id == tx_id
        })
        .unwrap_or_else(|| panic!("{tx_id} not in the block"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_streams_on_a_real_network() {
    let net = TestNetwork::up(BASE, &[]);
    let org1 = client(&net, "org1").await;
    let org2 = client(&net, "org2").await;
    let ch1 = org1.network("mychannel");

    checkpointed_listener_restarts_exactly_once(&ch1).await;
    eprintln!("(a) checkpoint across a restart: ok");
    block_streams_from_a_block_number(&ch1).await;
    eprintln!("(c) full and filtered blocks: ok");
    private_data_blocks(&ch1, &org2.network("mychannel")).await;
    eprintln!("(d) blocks with private data: ok");
    unknown_channel_gives_a_typed_error(&org1).await;
    eprintln!("give-up error: ok");
    stream_survives_the_stop_of_its_peer(&net, &ch1).await;
    eprintln!("(b) failover: ok");
}

/// (a) A listener checkpointing to a file is stopped partway through a burst of events and
/// restarted after more transactions: together the two runs see every event exactly once.
async fn checkpointed_listener_restarts_exactly_once(ch1: &Network) {
    let kv = ch1.contract("kv");
    let name = format!("cp-{}", stamp());
    let b0 = emit(&kv, &name, "0").await;

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("listener.checkpoint.json");
    let checkpointer = Arc::new(FileCheckpointer::open(&path).unwrap());
    let mut first = kv
        .chaincode_events()
        .event_name(&name)
        .start(StartAt::Block(b0))
        .checkpointer(checkpointer.clone())
        .await
        .unwrap();
    let mut processed = Vec::new();
    let e = next(&mut first).await;
    assert_eq!((payload(&e), e.block_number), ("0".into(), b0));
    assert_eq!(e.chaincode_id, "kv");
    assert_eq!(e.event_name, name);
    assert_eq!(e.tx_id.len(), 64);
    checkpointer.checkpoint(&e).unwrap();
    processed.push(e);

    // A burst, likely to share blocks; the listener processes two of its four events and stops.
    let burst: Vec<String> = (1..=4).map(|i| i.to_string()).collect();
    emit_all(&kv, &name, &burst).await;
    for _ in 0..2 {
        let e = next(&mut first).await;
        checkpointer.checkpoint(&e).unwrap();
        processed.push(e);
    }
    drop(first);
    let stopped_at = processed.last().unwrap().clone();

    // More transactions while it is down; then a new process (a new checkpointer on the same
    // file) resumes. Its start position is ignored: the checkpoint wins.
    emit_all(&kv, &name, &["5".to_owned(), "6".to_owned()]).await;
    let reopened = Arc::new(FileCheckpointer::open(&path).unwrap());
    assert_eq!(
        reopened.load().unwrap(),
        Some(Positioned::checkpoint(&stopped_at))
    );
    let mut second = kv
        .chaincode_events()
        .event_name(&name)
        .start(StartAt::Oldest)
        .checkpointer(reopened.clone())
        .await
        .unwrap();
    let mut resumed = Vec::new();
    for _ in 0..4 {
        let e = next(&mut second).await;
        second.ack(&e).unwrap();
        resumed.push(e);
    }
    // The next event is a new one: nothing from before repeats.
    emit(&kv, &name, "7").await;
    let e = next(&mut second).await;
    assert_eq!(payload(&e), "7");
    resumed.push(e);
    second.close();
    assert!(second.next().await.is_none());

    let partial = resumed[0].block_number == stopped_at.block_number;
    eprintln!(
        "    restart {} a block (stopped at block {} index {})",
        if partial { "inside" } else { "between" },
        stopped_at.block_number,
        stopped_at.tx_index
    );
    let all: Vec<ChaincodeEvent> = processed.into_iter().chain(resumed).collect();
    assert_ledger_order(&all);
    let mut payloads: Vec<String> = all.iter().map(payload).collect();
    payloads.sort();
    assert_eq!(payloads, ["0", "1", "2", "3", "4", "5", "6", "7"]);
    let saved = FileCheckpointer::open(&path)
        .unwrap()
        .load()
        .unwrap()
        .unwrap();
    assert_eq!(saved.block_number, all[6].block_number);
}

/// (c) Full and filtered block streams from a given block deliver consecutive blocks.
async fn block_streams_from_a_block_number(ch1: &Network) {
    let kv = ch1.contract("kv");
    let done = kv
        .submit("put")
        .args(["blocks-start", "v"])
        .commit_strategy(CommitStrategy::MspidScopeAnyForTx)
        .await
        .unwrap();
    let start = done.block_number();
    let mut full = ch1
        .block_events()
        .start(StartAt::Block(start))
        .await
        .unwrap();
    let mut filtered = ch1
        .block_events()
        .kind(BlockKind::Filtered)
        .start(StartAt::Block(start))
        .await
        .unwrap();
    for i in 0..2 {
        kv.submit("put")
            .args([format!("blocks-{i}"), "v".into()])
            .commit_strategy(CommitStrategy::MspidScopeAnyForTx)
            .await
            .unwrap();
    }
    for n in start..start + 3 {
        let b = next(&mut full).await;
        assert_eq!(b.block_number, n);
        let block = b.block().unwrap();
        assert_eq!(block.header.as_ref().unwrap().number, n);
        assert!(!block.data.as_ref().unwrap().data.is_empty());
        assert!(b.filtered_block().is_none());

        let f = next(&mut filtered).await;
        assert_eq!(f.block_number, n);
        let fb = f.filtered_block().unwrap();
        assert_eq!((fb.number, fb.channel_id.as_str()), (n, "mychannel"));
        assert!(!fb.filtered_transactions.is_empty());
        if n == start {
            tx_index(block, done.tx_id());
            assert!(fb
                .filtered_transactions
                .iter()
                .any(|t| t.txid == done.tx_id() && t.tx_validation_code == 0));
        }
    }
}

/// (d) Blocks with private data carry the `org1Only` write set for an Org1 user, and not for an
/// Org2 user (whose organization is not a member of the collection).
async fn private_data_blocks(ch1: &Network, ch2: &Network) {
    let key = format!("secret-{}", stamp());
    let done = ch1
        .contract("kv_or")
        .submit("putPrivate")
        .args(["org1Only", key.as_str()])
        .transient("value", "s3cr3t")
        .endorsing_orgs(["Org1MSP"])
        .commit_strategy(CommitStrategy::MspidScopeAnyForTx)
        .await
        .unwrap();
    let number = done.block_number();

    let mut org1 = ch1
        .block_events()
        .kind(BlockKind::WithPrivateData)
        .start(StartAt::Block(number))
        .await
        .unwrap();
    let b = next(&mut org1).await;
    assert_eq!(b.block_number, number);
    let index = tx_index(b.block().unwrap(), done.tx_id()) as u64;
    let pvt = b
        .private_data()
        .unwrap()
        .get(&index)
        .expect("private data of the transaction");
    let collection = pvt
        .ns_pvt_rwset
        .iter()
        .filter(|ns| ns.namespace == "kv_or")
        .flat_map(|ns| &ns.collection_pvt_rwset)
        .find(|c| c.collection_name == "org1Only")
        .expect("the org1Only collection");
    let rwset = KvrwSet::decode(collection.rwset.as_slice()).unwrap();
    let write = rwset
        .writes
        .iter()
        .find(|w| w.key == key)
        .expect("the private write");
    assert_eq!(write.value, b"s3cr3t");
    drop(org1);

    let mut org2 = ch2
        .block_events()
        .kind(BlockKind::WithPrivateData)
        .start(StartAt::Block(number))
        .await
        .unwrap();
    let b = next(&mut org2).await;
    assert_eq!(b.block_number, number);
    let leaked = b.private_data().unwrap().get(&index).is_some_and(|pvt| {
        pvt.ns_pvt_rwset
            .iter()
            .flat_map(|ns| &ns.collection_pvt_rwset)
            .any(|c| c.collection_name == "org1Only")
    });
    assert!(!leaked, "Org2 must not receive org1Only private data");
}

/// A stream no peer can serve (an unknown channel: every peer answers NOT_FOUND) ends with
/// `EventsUnavailable` naming the peers, after the configured time.
async fn unknown_channel_gives_a_typed_error(org1: &Client) {
    let started = Instant::now();
    let mut stream = org1
        .network("nosuchchannel")
        .block_events()
        .kind(BlockKind::Filtered)
        .give_up_after(Duration::from_secs(2))
        .await
        .unwrap();
    let item = tokio::time::timeout(WAIT, stream.next())
        .await
        .expect("the stream gives up in time");
    let err = match item {
        Some(Err(e)) => e,
        other => panic!("{other:?}"),
    };
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(err.kind(), ErrorKind::Transport);
    match &err {
        Error::EventsUnavailable { channel, peers, .. } => {
            assert_eq!(channel, "nosuchchannel");
            assert!(!peers.is_empty(), "{err}");
        }
        other => panic!("{other}"),
    }
    assert!(
        stream.next().await.is_none(),
        "the stream ends after the error"
    );
}

/// (b) The stream's peer is stopped: another peer of Org1 takes over, and the events committed
/// meanwhile arrive once each, in order.
async fn stream_survives_the_stop_of_its_peer(net: &TestNetwork, ch1: &Network) {
    let kv = ch1.contract("kv");
    let name = format!("failover-{}", stamp());
    let b0 = emit(&kv, &name, "0").await;
    let mut stream = kv
        .chaincode_events()
        .event_name(&name)
        .start(StartAt::Block(b0))
        .await
        .unwrap();
    let mut seen = vec![next(&mut stream).await];
    for i in 1..=2 {
        emit(&kv, &name, &i.to_string()).await;
        seen.push(next(&mut stream).await);
    }
    let before = stream.peer().expect("connected");
    let node = node_of(net, ch1, &before).await;
    assert!(
        node.ends_with(".org1"),
        "reads from its own org first: {node}"
    );
    assert_success(&format!("stop {node}"), &net.net(&["stop", node.as_str()]));

    for i in 3..=5 {
        emit(&kv, &name, &i.to_string()).await;
    }
    for _ in 3..=5 {
        seen.push(next(&mut stream).await);
    }
    let after = stream.peer().expect("reconnected");
    assert_ne!(after, before);
    let other = node_of(net, ch1, &after).await;
    assert!(
        other.ends_with(".org1"),
        "another Org1 peer took over: {other}"
    );
    assert!(stream.sessions() >= 2);
    emit(&kv, &name, "6").await;
    seen.push(next(&mut stream).await);

    let payloads: Vec<String> = seen.iter().map(payload).collect();
    assert_eq!(payloads, ["0", "1", "2", "3", "4", "5", "6"]);
    assert_ledger_order(&seen);
    drop(stream);
    assert_success(
        &format!("start {node}"),
        &net.net(&["start", node.as_str()]),
    );
}
