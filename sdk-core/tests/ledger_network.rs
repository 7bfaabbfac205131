//! Ledger queries (qscc, cscc) and the block decoder against the real network: a `put` is
//! found again by its tx id, decoded down to its write set, and the chain of block hashes holds.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use fabweave::config::Profile;
use fabweave::flow::Client;
use fabweave::ledger::{block_header_hash, decode_block};
use fabweave::{Error, Stage};
use support::TestNetwork;

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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_queries_and_decoded_blocks() {
    let net = TestNetwork::up(24400, &[]);
    let client = client(&net, "org1").await;
    let network = client.network("mychannel");
    let ledger = network.ledger();

    let done = network
        .contract("kv_or")
        .submit("put")
        .args(["ledger-key", "ledger-value"])
        .await
        .unwrap();
    let (tx_id, n) = (done.tx_id().to_owned(), done.block_number());

    let info = ledger.chain_info().await.unwrap();
    assert!(info.height > n, "height {} ≤ block {n}", info.height);
    assert_eq!(info.current_block_hash.len(), 32);

    // The block holding the put, decoded down to its call and write set.
    let block = ledger.block_by_tx_id(&tx_id).await.unwrap().expect("found");
    let decoded = decode_block(&block).unwrap();
    assert_eq!(decoded.number, n);
    let tx = decoded.transaction(&tx_id).expect("the tx is in its block");
    assert_eq!(tx.header_type, "ENDORSER_TRANSACTION");
    assert_eq!(tx.channel, "mychannel");
    assert_eq!(tx.validation_code, Some(0));
    assert_eq!(tx.validation_code_name.as_deref(), Some("VALID"));
    assert!(tx.timestamp.is_some());
    let creator = tx.creator.as_ref().unwrap();
    assert_eq!(creator.msp_id, "Org1MSP");
    assert!(creator
        .subject
        .as_deref()
        .is_some_and(|s| s.contains("User1")));
    let action = &tx.actions[0];
    assert_eq!(action.chaincode, "kv_or");
    assert_eq!(
        action.function.as_ref().and_then(|f| f.as_str()),
        Some("put")
    );
    let args: Vec<_> = action.args.iter().map(|a| a.as_str()).collect();
    assert_eq!(args, [Some("ledger-key"), Some("ledger-value")]);
    assert!(!action.endorsers.is_empty());
    assert!(action.endorsers.iter().all(|e| e.subject.is_some()));
    let ns = action
        .rwsets
        .iter()
        .find(|s| s.namespace == "kv_or")
        .expect("a kv_or read/write set");
    let write = ns.writes.iter().find(|w| w.key == "ledger-key").unwrap();
    assert!(!write.is_delete);
    assert_eq!(
        write.value.as_ref().and_then(|v| v.as_str()),
        Some("ledger-value")
    );
    assert!(decoded.metadata.last_config.is_some());
    assert!(!decoded.metadata.signers.is_empty());

    // The JSON rendering parses and holds the call.
    let json: serde_json::Value = serde_json::from_str(&decoded.to_json()).unwrap();
    let found = json["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tx_id"] == tx_id.as_str())
        .unwrap();
    assert_eq!(found["actions"][0]["function"]["value"], "put");
    assert_eq!(found["validation_code_name"], "VALID");

    // The transaction by id, with its validation code.
    let processed = ledger.transaction(&tx_id).await.unwrap().expect("found");
    assert_eq!(processed.validation_code, 0);
    assert_eq!(processed.validation_code_name(), "VALID");
    assert_eq!(processed.decode().unwrap().tx_id, tx_id);

    // Another block after it: its previous hash is block N's header hash, and leads back to N.
    network
        .contract("kv_or")
        .submit("put")
        .args(["ledger-key2", "v2"])
        .await
        .unwrap();
    let next = ledger.block_by_number(n + 1).await.unwrap().expect("N+1");
    let previous = next.header.as_ref().unwrap().previous_hash.clone();
    assert_eq!(decoded.hash, hex(&previous));
    let by_hash = ledger.block_by_hash(&previous).await.unwrap().expect("N");
    assert_eq!(by_hash, block);
    assert_eq!(
        ledger.block_by_number(n).await.unwrap().as_ref(),
        Some(&block)
    );

    // The chain info's current hash is the last block's header hash.
    let info = ledger.chain_info().await.unwrap();
    let last = ledger
        .block_by_number(info.height - 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        block_header_hash(last.header.as_ref().unwrap()).to_vec(),
        info.current_block_hash
    );

    // The genesis block is a configuration block.
    let genesis = decode_block(&ledger.block_by_number(0).await.unwrap().unwrap()).unwrap();
    let config_tx = &genesis.transactions[0];
    assert_eq!(config_tx.header_type, "CONFIG");
    let config = config_tx.config.as_ref().unwrap();
    assert!(
        config.application_orgs.iter().any(|o| o == "Org1MSP"),
        "{config:?}"
    );
    assert!(!config.orderer_orgs.is_empty());

    // Things that do not exist are typed not-found results, not errors.
    let unknown = "0".repeat(64);
    assert_eq!(ledger.transaction(&unknown).await.unwrap(), None);
    assert_eq!(ledger.block_by_tx_id(&unknown).await.unwrap(), None);
    assert_eq!(ledger.block_by_number(1_000_000).await.unwrap(), None);
    assert_eq!(ledger.block_by_hash(&[7; 32]).await.unwrap(), None);

    // The channels a peer of the client's organization joined.
    let view = network.view().await;
    let own: Vec<String> = view
        .peers
        .iter()
        .filter(|p| p.msp_id.as_deref() == Some("Org1MSP"))
        .map(|p| p.name.clone())
        .collect();
    let channels = ledger.channels_of(&own[0]).await.unwrap();
    assert!(channels.iter().any(|c| c == "mychannel"), "{channels:?}");
    match ledger.channels_of("no-such-peer").await {
        Err(e @ Error::Config { .. }) => assert!(e.to_string().contains("no-such-peer")),
        other => panic!("{other:?}"),
    }

    // A deadline that cannot be met is a timeout of the evaluate stage naming the peer.
    match ledger
        .clone()
        .timeout(Duration::from_micros(1))
        .chain_info()
        .await
    {
        Err(Error::Timeout { stage, .. }) => assert_eq!(stage, Stage::Evaluate),
        other => panic!("{other:?}"),
    }

    // With the client's own peers down, the query moves on to the other organization's.
    for node in ["peer0.org1", "peer1.org1"] {
        assert!(net.net(&["stop", node]).status.success(), "stop {node}");
    }
    let info = ledger.chain_info().await.unwrap();
    assert!(info.height > n + 1);
    // Asking only a stopped peer: a transport error naming it.
    match ledger.clone().peers([own[0].clone()]).chain_info().await {
        Err(Error::Transport { endpoint, message }) => {
            assert!(message.contains(&own[0]), "{endpoint}: {message}")
        }
        other => panic!("{other:?}"),
    }
}
