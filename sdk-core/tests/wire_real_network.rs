//! The wire schema against what real Fabric writes: blocks fetched from a real orderer decode
//! with fabweave's messages down to the read/write set, and a transaction block re-encodes to
//! exactly the bytes Fabric produced (prost drops unknown fields, so a field missing from our
//! schema, or a wrong number, changes the bytes).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use fabweave::proto::common::{
    Block, BlockMetadataIndex, ChannelHeader, ConfigEnvelope, Envelope, HeaderType, Metadata,
    Payload, SignatureHeader,
};
use fabweave::proto::kvrwset::KvrwSet;
use fabweave::proto::msp::{FabricMspConfig, MspConfig, SerializedIdentity};
use fabweave::proto::peer::{
    ChaincodeAction, ChaincodeActionPayload, ChaincodeEvent, ChaincodeProposalPayload,
    ProposalResponsePayload, Transaction, TxValidationCode,
};
use fabweave::proto::rwset::TxReadWriteSet;
use prost::Message;
use support::{assert_success, TestNetwork};

const BASE: u16 = 28800;

/// Decodes `bytes` as `M` and checks that encoding it again gives the same bytes.
fn exact<M: Message + Default>(what: &str, bytes: &[u8]) -> M {
    let msg = M::decode(bytes).unwrap_or_else(|e| panic!("{what} does not decode: {e}"));
    assert_eq!(msg.encode_to_vec(), bytes, "{what} re-encodes differently");
    msg
}

/// `peer channel fetch WHICH` from peer1.org2's Deliver service (blocks as the peer committed
/// them, with validation flags), or from an orderer's.
fn fetch(net: &TestNetwork, which: &str, from_orderer: bool) -> Vec<u8> {
    let file = net.home().join(format!("fetched-{which}.block"));
    let file_arg = file.to_str().unwrap().to_owned();
    let mut args = vec!["channel", "fetch", which, &file_arg, "-c", "mychannel"];
    let orderer = &net.manifest()["orderers"][1];
    if from_orderer {
        args.extend([
            "-o",
            orderer["address"].as_str().unwrap(),
            "--ordererTLSHostnameOverride",
            orderer["tlsHost"].as_str().unwrap(),
            "--tls",
            "--cafile",
            orderer["tlsCaFile"].as_str().unwrap(),
        ]);
    }
    let out = net.peer_cli("peer1.org2", &args);
    assert_success(&format!("peer channel fetch {which}"), &out);
    std::fs::read(&file).unwrap()
}

#[test]
fn real_blocks_decode_and_reencode_byte_for_byte() {
    let net = TestNetwork::up(BASE, &[]);

    // A transaction endorsed by both orgs that writes a key and sets a chaincode event.
    let out = net.invoke(
        "peer0.org1",
        "kv",
        &["event", "wire-event", "wire-payload"],
        &["peer0.org1", "peer0.org2"],
    );
    assert_success("invoke event", &out);

    let raw = fetch(&net, "newest", false);
    let block: Block = exact("transaction block", &raw);
    let header = block.header.as_ref().unwrap();
    assert!(header.number >= 1);
    let data = &block.data.as_ref().unwrap().data;
    assert_eq!(data.len(), 1, "one transaction in the newest block");

    let env: Envelope = exact("envelope", &data[0]);
    assert!(!env.signature.is_empty());
    let payload: Payload = exact("payload", &env.payload);
    let hdr = payload.header.as_ref().unwrap();
    let ch: ChannelHeader = exact("channel header", &hdr.channel_header);
    assert_eq!(ch.r#type, HeaderType::EndorserTransaction as i32);
    assert_eq!(ch.channel_id, "mychannel");
    assert_eq!(ch.tx_id.len(), 64);
    let sh: SignatureHeader = exact("signature header", &hdr.signature_header);
    let creator: SerializedIdentity = exact("creator", &sh.creator);
    assert_eq!(creator.mspid, "Org1MSP");
    assert!(String::from_utf8_lossy(&creator.id_bytes).starts_with("-----BEGIN CERTIFICATE-----"));

    let tx: Transaction = exact("transaction", &payload.data);
    assert_eq!(tx.actions.len(), 1);
    let cap: ChaincodeActionPayload = exact("chaincode action payload", &tx.actions[0].payload);
    let cpp: ChaincodeProposalPayload = exact("proposal payload", &cap.chaincode_proposal_payload);
    assert!(
        cpp.transient_map.is_empty(),
        "transient data never reaches the ledger"
    );
    let action = cap.action.as_ref().unwrap();
    let mut endorsers: Vec<String> = action
        .endorsements
        .iter()
        .map(|e| exact::<SerializedIdentity>("endorser", &e.endorser).mspid)
        .collect();
    endorsers.sort();
    assert_eq!(endorsers, ["Org1MSP", "Org2MSP"]);

    let prp: ProposalResponsePayload = exact(
        "proposal response payload",
        &action.proposal_response_payload,
    );
    assert_eq!(prp.proposal_hash.len(), 32);
    let cca: ChaincodeAction = exact("chaincode action", &prp.extension);
    assert_eq!(cca.chaincode_id.as_ref().unwrap().name, "kv");
    assert_eq!(cca.response.as_ref().unwrap().status, 200);
    assert_eq!(cca.response.as_ref().unwrap().payload, b"wire-payload");
    let event: ChaincodeEvent = exact("chaincode event", &cca.events);
    assert_eq!(event.event_name, "wire-event");
    assert_eq!(event.payload, b"wire-payload");
    assert_eq!(event.tx_id, ch.tx_id);

    let rw: TxReadWriteSet = exact("read/write set", &cca.results);
    let ns = rw.ns_rwset.iter().find(|ns| ns.namespace == "kv").unwrap();
    let kv: KvrwSet = exact("kv read/write set", &ns.rwset);
    let write = kv
        .writes
        .iter()
        .find(|w| w.key == "event:wire-event")
        .unwrap();
    assert_eq!(write.value, b"wire-payload");
    assert!(!write.is_delete);

    // Block metadata: the orderer's signatures, and the peer's validation flags (VALID).
    let meta = &block.metadata.as_ref().unwrap().metadata;
    let sigs: Metadata = exact(
        "signatures metadata",
        &meta[BlockMetadataIndex::Signatures as usize],
    );
    assert!(!sigs.signatures.is_empty());
    let filter = &meta[BlockMetadataIndex::TransactionsFilter as usize];
    assert_eq!(filter.len(), 1);
    assert_eq!(filter[0] as i32, TxValidationCode::Valid as i32);

    // The genesis block: a channel configuration naming both orgs' MSPs. Its maps have no
    // fixed order on the wire, so it is checked by content rather than bytes.
    let raw = fetch(&net, "oldest", true);
    let block = Block::decode(raw.as_slice()).unwrap();
    assert_eq!(block.header.as_ref().unwrap().number, 0);
    let env = Envelope::decode(block.data.as_ref().unwrap().data[0].as_slice()).unwrap();
    let payload = Payload::decode(env.payload.as_slice()).unwrap();
    let ch =
        ChannelHeader::decode(payload.header.as_ref().unwrap().channel_header.as_slice()).unwrap();
    assert_eq!(ch.r#type, HeaderType::Config as i32);
    let config = ConfigEnvelope::decode(payload.data.as_slice()).unwrap();
    let root = config.config.unwrap().channel_group.unwrap();
    let app = &root.groups["Application"];
    for org in ["Org1MSP", "Org2MSP"] {
        let msp = MspConfig::decode(app.groups[org].values["MSP"].value.as_slice()).unwrap();
        assert_eq!(msp.r#type, 0, "a Fabric (X.509) MSP");
        let fabric = FabricMspConfig::decode(msp.config.as_slice()).unwrap();
        assert_eq!(fabric.name, org);
        assert_eq!(fabric.root_certs.len(), 1);
        assert_eq!(fabric.tls_root_certs.len(), 1);
        assert!(fabric.fabric_node_ous.unwrap().enable);
    }
    assert!(root.groups["Orderer"].groups.contains_key("OrdererOrg"));
    assert!(root.groups["Orderer"].values.contains_key("ConsensusType"));
}
