//! Proposals: the transaction id, the layered `Proposal` message decoded back field by field,
//! the proposal hash (what endorsers sign over), and the signed form. Pure: no network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, UNIX_EPOCH};

use fabweave::crypto::sha256;
use fabweave::identity::Identity;
use fabweave::proto::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use fabweave::proto::msp::SerializedIdentity;
use fabweave::proto::peer::{
    chaincode_spec, ChaincodeHeaderExtension, ChaincodeInvocationSpec, ChaincodeProposalPayload,
    Proposal,
};
use fabweave::proto::Message;
use fabweave::protocol::{compute_tx_id, ProposalRequest, UnsignedProposal};

/// SHA-256 of 24 bytes 0x01 followed by the ASCII bytes `creator`, from `openssl dgst -sha256`.
const TX_ID_VECTOR: &str = "091695e89e3ba88417a106b21ce5df1ad5dec914d669cc51fa1c48959ac3b0bd";

fn user() -> Identity {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/msp");
    Identity::from_msp_dir("Org1MSP", dir, None).unwrap()
}

const NONCE: [u8; 24] = [0x5a; 24];

fn request(creator: Vec<u8>) -> ProposalRequest {
    ProposalRequest::new("mychannel", "basic", "AssetContract:CreateAsset", creator)
        .arg("a1")
        .arg(vec![0x00, 0xff, 0x10])
        .nonce(NONCE.to_vec())
        .timestamp(UNIX_EPOCH + Duration::new(1_700_000_123, 456_000_000))
}

#[test]
fn tx_id_matches_an_independent_sha256() {
    assert_eq!(compute_tx_id(&[0x01; 24], b"creator"), TX_ID_VECTOR);
    let p = UnsignedProposal::new(
        ProposalRequest::new("ch", "cc", "f", b"creator".to_vec()).nonce(vec![0x01; 24]),
    )
    .unwrap();
    assert_eq!(p.tx_id(), TX_ID_VECTOR);
    // Lowercase hex, 64 characters.
    assert!(p
        .tx_id()
        .chars()
        .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
}

#[test]
fn proposal_decodes_back_layer_by_layer() {
    let id = user();
    let creator = id.serialized();
    let p = UnsignedProposal::new(
        request(creator.clone())
            .tls_cert_hash(vec![0xab; 32])
            .transient("price", b"100".to_vec())
            .transient("secret", vec![1, 2, 3])
            .init(true),
    )
    .unwrap();

    let proposal = Proposal::decode(p.bytes()).unwrap();
    assert!(proposal.extension.is_empty());
    assert_eq!(proposal.header, p.header());

    let header = Header::decode(proposal.header.as_slice()).unwrap();
    let ch = ChannelHeader::decode(header.channel_header.as_slice()).unwrap();
    assert_eq!(ch.r#type, HeaderType::EndorserTransaction as i32);
    assert_eq!(ch.r#type, 3);
    assert_eq!(ch.version, 0);
    assert_eq!(ch.epoch, 0);
    assert_eq!(ch.channel_id, "mychannel");
    assert_eq!(ch.tx_id, p.tx_id());
    assert_eq!(ch.tls_cert_hash, vec![0xab; 32]);
    let ts = ch
        .timestamp
        .expect("timestamp must be set (Fabric 3 rejects unset)");
    assert_eq!((ts.seconds, ts.nanos), (1_700_000_123, 456_000_000));
    let ext = ChaincodeHeaderExtension::decode(ch.extension.as_slice()).unwrap();
    let ext_id = ext.chaincode_id.unwrap();
    assert_eq!(ext_id.name, "basic");
    assert!(ext_id.version.is_empty() && ext_id.path.is_empty());

    let sh = SignatureHeader::decode(header.signature_header.as_slice()).unwrap();
    assert_eq!(sh.creator, creator);
    assert_eq!(sh.nonce, NONCE);
    let who = SerializedIdentity::decode(sh.creator.as_slice()).unwrap();
    assert_eq!(who.mspid, "Org1MSP");
    assert!(who.id_bytes.starts_with(b"-----BEGIN CERTIFICATE-----"));
    assert_eq!(ch.tx_id, compute_tx_id(&sh.nonce, &sh.creator));

    let cpp = ChaincodeProposalPayload::decode(proposal.payload.as_slice()).unwrap();
    assert_eq!(cpp.transient_map.len(), 2);
    assert_eq!(cpp.transient_map["price"], b"100");
    assert_eq!(cpp.transient_map["secret"], vec![1, 2, 3]);
    let cis = ChaincodeInvocationSpec::decode(cpp.input.as_slice()).unwrap();
    let spec = cis.chaincode_spec.unwrap();
    assert_eq!(spec.r#type, chaincode_spec::Type::Undefined as i32);
    assert_eq!(spec.timeout, 0);
    assert_eq!(spec.chaincode_id.unwrap().name, ext_id.name);
    let input = spec.input.unwrap();
    assert_eq!(
        input.args,
        vec![
            b"AssetContract:CreateAsset".to_vec(),
            b"a1".to_vec(),
            vec![0x00, 0xff, 0x10]
        ]
    );
    assert!(input.is_init);
    assert!(input.decorations.is_empty());
    assert_eq!(p.channel(), "mychannel");
    assert_eq!(p.chaincode(), "basic");
}

#[test]
fn proposal_hash_is_sha256_of_the_three_byte_strings() {
    let p =
        UnsignedProposal::new(request(user().serialized()).transient("k", b"v".to_vec())).unwrap();
    // Rebuild, from the decoded proposal, what the endorser hashes.
    let proposal = Proposal::decode(p.bytes()).unwrap();
    let header = Header::decode(proposal.header.as_slice()).unwrap();
    let cpp = ChaincodeProposalPayload::decode(proposal.payload.as_slice()).unwrap();
    let without_transient = ChaincodeProposalPayload {
        input: cpp.input,
        transient_map: Default::default(),
    }
    .encode_to_vec();
    assert_eq!(without_transient, p.payload_without_transient());
    assert_eq!(header.channel_header, p.channel_header());
    assert_eq!(header.signature_header, p.signature_header());

    let concatenation = [
        header.channel_header.as_slice(),
        header.signature_header.as_slice(),
        without_transient.as_slice(),
    ]
    .concat();
    assert_eq!(*p.proposal_hash(), sha256(&concatenation));
    // Not the hash of the Proposal itself.
    assert_ne!(*p.proposal_hash(), sha256(p.bytes()));
}

#[test]
fn transient_data_changes_the_bytes_but_not_the_hash() {
    let creator = user().serialized();
    let plain = UnsignedProposal::new(request(creator.clone())).unwrap();
    let private = UnsignedProposal::new(
        request(creator.clone()).transient("secret", b"only for the endorsers".to_vec()),
    )
    .unwrap();
    assert_eq!(plain.tx_id(), private.tx_id());
    assert_eq!(plain.proposal_hash(), private.proposal_hash());
    assert_eq!(
        plain.payload_without_transient(),
        private.payload_without_transient()
    );
    assert_eq!(plain.header(), private.header());
    assert_ne!(plain.bytes(), private.bytes());
    assert!(!contains(plain.bytes(), b"only for the endorsers"));
    assert!(contains(private.bytes(), b"only for the endorsers"));
    assert!(!contains(
        private.payload_without_transient(),
        b"only for the endorsers"
    ));

    // Whereas the arguments are hashed.
    let other_args = UnsignedProposal::new(request(creator).arg("extra")).unwrap();
    assert_ne!(plain.proposal_hash(), other_args.proposal_hash());
}

#[test]
fn signed_proposal_carries_the_creators_signature_over_the_bytes() {
    let id = user();
    let p = UnsignedProposal::new(request(id.serialized())).unwrap();
    let signature = id.sign(p.bytes()).unwrap();
    let signed = p.signed(signature.clone());
    assert_eq!(signed.proposal_bytes, p.bytes());
    assert_eq!(signed.signature, signature);
    id.certificate()
        .verify_signature(&signed.proposal_bytes, &signed.signature)
        .unwrap();
}

#[test]
fn same_inputs_give_the_same_bytes() {
    let creator = user().serialized();
    let a = UnsignedProposal::new(request(creator.clone())).unwrap();
    let b = UnsignedProposal::new(request(creator)).unwrap();
    assert_eq!(a.bytes(), b.bytes());
    assert_eq!(a, b);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
