//! Block decoding throughput, in process: a synthetic block of 500 endorser transactions, each
//! built as a submit builds it (proposal, endorsements, envelope signed with P-256):
//!
//! - a `put` of a 16-byte key and a 100-byte value on `kv`, read/write set with the `_lifecycle`
//!   read real endorsers add, two reads with versions and one write; every tenth transaction
//!   also sets a chaincode event; two endorsers (Org1 and Org2 certificates);
//! - `decode_block`: [`fabweave::ledger::decode_block`] on the parsed `common.Block`;
//! - `Block::decode + decode_block`: from the block's bytes (as qscc returns them);
//! - `decode_block + to_json`: with the JSON rendering.
//!
//! Criterion reports the time per block and, as throughput, transactions per second.
//!
//! Run: `cargo bench -p fabweave --bench block_decode`
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use fabweave::identity::Identity;
use fabweave::ledger::decode_block;
use fabweave::proto::common::{
    Block, BlockData, BlockHeader, BlockMetadata, LastConfig, Metadata, MetadataSignature,
    OrdererBlockMetadata, SignatureHeader,
};
use fabweave::proto::kvrwset::{KvRead, KvWrite, KvrwSet, Version};
use fabweave::proto::msp::SerializedIdentity;
use fabweave::proto::peer::{
    ChaincodeAction, ChaincodeEvent, ChaincodeId, Endorsement, ProposalResponse,
    ProposalResponsePayload, Response,
};
use fabweave::proto::rwset::{NsReadWriteSet, TxReadWriteSet};
use fabweave::proto::Message;
use fabweave::protocol::{
    check_endorsements, PeerTarget, ProposalRequest, UnsignedProposal, UnsignedTransaction,
};

const TXS: usize = 500;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/identity")
        .join(name)
}

fn ns(namespace: &str, kv: KvrwSet) -> NsReadWriteSet {
    NsReadWriteSet {
        namespace: namespace.into(),
        rwset: kv.encode_to_vec(),
        collection_hashed_rwset: Vec::new(),
    }
}

fn version(block: u64, tx: u64) -> Option<Version> {
    Some(Version {
        block_num: block,
        tx_num: tx,
    })
}

/// One `put` transaction, endorsed by both endorsers, signed by the client: the envelope bytes.
fn transaction(client: &Identity, endorsers: &[Vec<u8>], i: usize) -> Vec<u8> {
    let key = format!("key-{i:012}");
    let value = [b'v'; 100];
    let request = ProposalRequest::new("mychannel", "kv", "put", client.serialized())
        .arg(key.as_bytes())
        .arg(value.as_slice());
    let proposal = UnsignedProposal::new(request).unwrap();
    let results = TxReadWriteSet {
        data_model: 0,
        ns_rwset: vec![
            ns(
                "_lifecycle",
                KvrwSet {
                    reads: vec![KvRead {
                        key: "namespaces/fields/kv/Sequence".into(),
                        version: version(3, 0),
                    }],
                    ..Default::default()
                },
            ),
            ns(
                "kv",
                KvrwSet {
                    reads: vec![
                        KvRead {
                            key: key.clone(),
                            version: version(40 + i as u64 / 100, i as u64 % 100),
                        },
                        KvRead {
                            key: "counter".into(),
                            version: version(41, 7),
                        },
                    ],
                    writes: vec![KvWrite {
                        key,
                        is_delete: false,
                        value: value.to_vec(),
                    }],
                    ..Default::default()
                },
            ),
        ],
    };
    let event = i.is_multiple_of(10).then(|| ChaincodeEvent {
        chaincode_id: "kv".into(),
        tx_id: proposal.tx_id().to_owned(),
        event_name: "put".into(),
        payload: b"{\"key\":\"k\"}".to_vec(),
    });
    let action = ChaincodeAction {
        results: results.encode_to_vec(),
        events: event.map(|e| e.encode_to_vec()).unwrap_or_default(),
        response: Some(Response {
            status: 200,
            message: String::new(),
            payload: value.to_vec(),
        }),
        chaincode_id: Some(ChaincodeId {
            name: "kv".into(),
            version: "1.0".into(),
            ..Default::default()
        }),
    };
    let payload = ProposalResponsePayload {
        proposal_hash: proposal.proposal_hash().to_vec(),
        extension: action.encode_to_vec(),
    }
    .encode_to_vec();
    let answers = endorsers
        .iter()
        .enumerate()
        .map(|(n, endorser)| {
            let answer = ProposalResponse {
                version: 1,
                response: action.response.clone(),
                payload: payload.clone(),
                endorsement: Some(Endorsement {
                    endorser: endorser.clone(),
                    // Not verified by the decoder; the size of a DER P-256 signature.
                    signature: vec![0x30; 71],
                }),
                ..Default::default()
            };
            (
                PeerTarget::new(format!("peer{n}"), "localhost:7051"),
                Ok(answer),
            )
        })
        .collect();
    let endorsed = check_endorsements(&proposal, answers, false).unwrap();
    let tx = UnsignedTransaction::new(&proposal, &endorsed).unwrap();
    let signature = client.sign(tx.bytes()).unwrap();
    tx.signed(signature).encode_to_vec()
}

fn block() -> Block {
    let client = Identity::from_msp_dir("Org1MSP", fixture("msp"), None).unwrap();
    let org2 = SerializedIdentity {
        mspid: "Org2MSP".into(),
        id_bytes: std::fs::read(fixture("ec_cert.pem")).unwrap(),
    }
    .encode_to_vec();
    let endorsers = [client.serialized(), org2];
    let data: Vec<Vec<u8>> = (0..TXS)
        .map(|i| transaction(&client, &endorsers, i))
        .collect();
    let signatures = Metadata {
        value: OrdererBlockMetadata {
            last_config: Some(LastConfig { index: 2 }),
            consenter_metadata: vec![0; 40],
        }
        .encode_to_vec(),
        signatures: vec![MetadataSignature {
            signature_header: SignatureHeader {
                creator: endorsers[1].clone(),
                nonce: vec![1; 24],
            }
            .encode_to_vec(),
            signature: vec![0x30; 71],
            identifier_header: Vec::new(),
        }],
    };
    Block {
        header: Some(BlockHeader {
            number: 42,
            previous_hash: vec![0xaa; 32],
            data_hash: fabweave::crypto::sha256(&data.concat()).to_vec(),
        }),
        data: Some(BlockData { data }),
        metadata: Some(BlockMetadata {
            metadata: vec![signatures.encode_to_vec(), Vec::new(), vec![0; TXS]],
        }),
    }
}

fn bench(c: &mut Criterion) {
    let block = block();
    let bytes = block.encode_to_vec();
    let decoded = decode_block(&block).unwrap();
    assert_eq!(decoded.transactions.len(), TXS);
    eprintln!(
        "block: {TXS} transactions, {} bytes; JSON {} bytes",
        bytes.len(),
        decoded.to_json().len()
    );

    let mut g = c.benchmark_group("block_decode");
    g.throughput(Throughput::Elements(TXS as u64));
    g.bench_function("decode_block (500 tx)", |b| {
        b.iter(|| decode_block(black_box(&block)).unwrap())
    });
    g.bench_function("Block::decode + decode_block (500 tx)", |b| {
        b.iter(|| decode_block(&Block::decode(black_box(bytes.as_slice())).unwrap()).unwrap())
    });
    g.bench_function("decode_block + to_json (500 tx)", |b| {
        b.iter(|| decode_block(black_box(&block)).unwrap().to_json())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
