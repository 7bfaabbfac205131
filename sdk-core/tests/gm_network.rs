//! SM2-signed transactions commit on real GM peers: the local network run with a GM Fabric fork
//! (`FABWEAVE_FABRIC_VERSION=gm-2.4.3`: hxx258456/fabric-gm v0.0.2, Fabric 2.4.3 with SM2/SM3,
//! built from the Go module proxy; 3 Raft orderers, 2 orgs × 2 peers, cryptogen's SM2
//! certificates, plaintext gRPC since the fork's TLS is GM TLS, no Gateway).
//!
//! The profiles the network writes name the `gm-sm3-prehash` suite (SM3 transaction ids, SM2
//! over `SM3(Z_A ‖ SM3(M))`). The peers check the creator's signature and the transaction id, the
//! orderers the envelope's signature, and the committing peers the endorsements — so a commit
//! proves all of them; the same client with the BCS suite is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use fabweave::config::Profile;
use fabweave::crypto::{CryptoSuite, SignatureAlgorithm};
use fabweave::flow::{Client, CommitStrategy};
use fabweave::ErrorKind;
use support::TestNetwork;

const BASE: u16 = 24000;

fn profile(net: &TestNetwork, org: &str, kind: &str) -> Profile {
    let path = net.manifest()["orgs"][org]["profiles"][kind]
        .as_str()
        .unwrap_or_else(|| panic!("no {kind} profile for {org}"))
        .to_owned();
    Profile::load(&path).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sm2_signed_transactions_commit_on_gm_peers() {
    let net = TestNetwork::up_env(BASE, &[], &[("FABWEAVE_FABRIC_VERSION", "gm-2.4.3")]);
    assert_eq!(net.manifest()["tls"], false);

    let org1 = Client::builder(profile(&net, "org1", "bcsUser"))
        .user("User1")
        .connect()
        .await
        .unwrap();
    assert_eq!(
        org1.identity().signer().algorithm(),
        SignatureAlgorithm::Sm2Sm3
    );
    assert_eq!(org1.crypto_suite(), CryptoSuite::GM_SM3_PREHASH);
    let org2 = Client::builder(profile(&net, "org2", "bcsUser"))
        .user("User1")
        .connect()
        .await
        .unwrap();

    // Under each policy (kv needs both orgs), submitted by the SDK, committed by the GM peers,
    // read back by the other org through the SDK and by the fork's own peer CLI.
    for name in ["kv", "kv_or", "kv_and"] {
        let key = format!("gm-{name}");
        let done = org1
            .network("mychannel")
            .contract(name)
            .submit("put")
            .args([key.as_str(), "sm2"])
            // Org2 reads it back at once: every peer of the channel must have it.
            .commit_strategy(CommitStrategy::NetworkScopeAllForTx)
            .await
            .unwrap();
        assert!(done.block_number() > 0, "{name}");
        assert_eq!(done.tx_id().len(), 64);
        let got = org2
            .network("mychannel")
            .contract(name)
            .evaluate("get")
            .arg(&key)
            .await
            .unwrap();
        assert_eq!(got, b"sm2", "{name}");
        assert_eq!(net.query("peer1.org2", name, &["get", &key]), "sm2");
    }

    // The same identity signing the BCS way (SM3(Z_A ‖ M)) is refused by the GM peers.
    let wrong = Client::builder(profile(&net, "org1", "bcsUser"))
        .user("User1")
        .crypto_suite(CryptoSuite::BCS_GM)
        .connect()
        .await
        .unwrap();
    let err = wrong
        .network("mychannel")
        .contract("kv_or")
        .submit("put")
        .args(["gm-wrong", "x"])
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Endorse, "{err}");
    // Access denied is final: not retried as new transactions.
    assert!(!err.is_retryable(), "{err}");
    assert!(err.to_string().contains("access denied"), "{err}");
    assert!(!err.to_string().starts_with("gave up after"), "{err}");
    let missing = org1
        .network("mychannel")
        .contract("kv_or")
        .evaluate("get")
        .arg("gm-wrong")
        .await
        .unwrap_err();
    assert!(missing.to_string().contains("not found"), "{missing}");
}
