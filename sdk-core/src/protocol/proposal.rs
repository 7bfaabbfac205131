//! Chaincode proposals: nonce, transaction id, the layered `Proposal` message, its hash, and the
//! signed form sent to endorsers (protocol notes §1).

use std::collections::BTreeMap;
use std::time::SystemTime;

use prost::Message;

use crate::crypto::hex;
use crate::error::{Error, Result};
use crate::proto::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use crate::proto::peer::{
    chaincode_spec, ChaincodeHeaderExtension, ChaincodeId, ChaincodeInput, ChaincodeInvocationSpec,
    ChaincodeSpec, Proposal, SignedProposal,
};

/// The length of a proposal nonce in bytes, as Fabric's own clients use.
pub const NONCE_LEN: usize = 24;

/// A fresh proposal nonce: [`NONCE_LEN`] (24) random bytes from the operating system's RNG.
///
/// Errors: [`Error::Crypto`] when the operating system cannot supply random bytes.
pub fn new_nonce() -> Result<Vec<u8>> {
    let mut nonce = vec![0u8; NONCE_LEN];
    getrandom::getrandom(&mut nonce).map_err(|e| Error::Crypto {
        message: format!("the operating system's random generator failed: {e}"),
    })?;
    Ok(nonce)
}

/// The transaction id of a proposal: lowercase hex of SHA-256(`nonce` ‖ `creator`), 64
/// characters, where `creator` is the marshaled `msp.SerializedIdentity`.
///
/// ```
/// let id = fabweave::protocol::compute_tx_id(b"nonce", b"creator");
/// assert_eq!(id.len(), 64);
/// ```
pub fn compute_tx_id(nonce: &[u8], creator: &[u8]) -> String {
    compute_tx_id_with(crate::crypto::HashAlgorithm::Sha256, nonce, creator)
}

/// The transaction id with another hash: `hex(hash(nonce ‖ creator))` — SM3 on OSCCA ("GM")
/// networks such as Huawei BCS in SM mode.
pub fn compute_tx_id_with(
    hash: crate::crypto::HashAlgorithm,
    nonce: &[u8],
    creator: &[u8],
) -> String {
    let mut data = Vec::with_capacity(nonce.len() + creator.len());
    data.extend_from_slice(nonce);
    data.extend_from_slice(creator);
    hex(&hash.digest(&data))
}

/// What to propose: the chaincode call and who proposes it.
///
/// Build with [`ProposalRequest::new`] and the chainable setters, or fill the public fields.
///
/// ```
/// use fabweave::protocol::{ProposalRequest, UnsignedProposal};
///
/// let req = ProposalRequest::new("mychannel", "basic", "CreateAsset", b"creator".to_vec())
///     .arg("a1")
///     .arg("blue")
///     .transient("secret", b"s3cr3t".to_vec());
/// let proposal = UnsignedProposal::new(req).unwrap();
/// assert_eq!(proposal.tx_id().len(), 64);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRequest {
    /// The channel; empty only for peer-local calls (e.g. cscc `GetChannels`).
    pub channel: String,
    /// The chaincode name, e.g. `basic` or `qscc`.
    pub chaincode: String,
    /// The function, sent as `args[0]`; `Contract:function` passes through unchanged.
    pub function: String,
    /// The arguments after the function, as raw bytes.
    pub args: Vec<Vec<u8>>,
    /// Private inputs: sent to the endorsers, never hashed into the proposal hash, never
    /// put in the transaction.
    pub transient: BTreeMap<String, Vec<u8>>,
    /// The proposer: a marshaled `msp.SerializedIdentity` (see
    /// [`crate::identity::Identity::serialized`]).
    pub creator: Vec<u8>,
    /// SHA-256 of the client's DER TLS certificate, for `ChannelHeader.tls_cert_hash` when
    /// mutual TLS is used; `None` leaves it empty.
    pub tls_cert_hash: Option<Vec<u8>>,
    /// The nonce; `None` draws a fresh one with [`new_nonce`].
    pub nonce: Option<Vec<u8>>,
    /// The proposal's timestamp (Fabric 3 rejects proposals far from the peer's clock).
    pub timestamp: SystemTime,
    /// Call as the chaincode's `Init` (only for definitions with `init_required`).
    pub is_init: bool,
    /// The hash that makes the transaction id from the nonce and creator (SHA-256; SM3 on
    /// OSCCA networks).
    pub tx_id_hash: crate::crypto::HashAlgorithm,
}

impl ProposalRequest {
    /// A request to call `function` of `chaincode` on `channel` as `creator` (a marshaled
    /// `msp.SerializedIdentity`), with no arguments, no transient data, a fresh nonce and the
    /// current time.
    pub fn new(
        channel: impl Into<String>,
        chaincode: impl Into<String>,
        function: impl Into<String>,
        creator: Vec<u8>,
    ) -> ProposalRequest {
        ProposalRequest {
            channel: channel.into(),
            chaincode: chaincode.into(),
            function: function.into(),
            args: Vec::new(),
            transient: BTreeMap::new(),
            creator,
            tls_cert_hash: None,
            nonce: None,
            timestamp: SystemTime::now(),
            is_init: false,
            tx_id_hash: crate::crypto::HashAlgorithm::Sha256,
        }
    }

    /// Sets the hash that makes the transaction id (see [`compute_tx_id_with`]).
    pub fn tx_id_hash(mut self, hash: crate::crypto::HashAlgorithm) -> ProposalRequest {
        self.tx_id_hash = hash;
        self
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl Into<Vec<u8>>) -> ProposalRequest {
        self.args.push(arg.into());
        self
    }

    /// Appends several arguments.
    pub fn args<I, A>(mut self, args: I) -> ProposalRequest
    where
        I: IntoIterator<Item = A>,
        A: Into<Vec<u8>>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds (or replaces) one transient entry.
    pub fn transient(
        mut self,
        key: impl Into<String>,
        value: impl Into<Vec<u8>>,
    ) -> ProposalRequest {
        self.transient.insert(key.into(), value.into());
        self
    }

    /// Sets `ChannelHeader.tls_cert_hash` (SHA-256 of the client's DER TLS certificate).
    pub fn tls_cert_hash(mut self, hash: Vec<u8>) -> ProposalRequest {
        self.tls_cert_hash = Some(hash);
        self
    }

    /// Uses this nonce instead of a fresh one (for tests and known-answer vectors).
    pub fn nonce(mut self, nonce: Vec<u8>) -> ProposalRequest {
        self.nonce = Some(nonce);
        self
    }

    /// Sets the timestamp.
    pub fn timestamp(mut self, timestamp: SystemTime) -> ProposalRequest {
        self.timestamp = timestamp;
        self
    }

    /// Marks the call as the chaincode's initialization (`ChaincodeInput.is_init`).
    pub fn init(mut self, is_init: bool) -> ProposalRequest {
        self.is_init = is_init;
        self
    }
}

/// A proposal ready to be signed by its creator.
///
/// [`UnsignedProposal::bytes`] is the marshaled `Proposal`, the exact bytes the creator signs;
/// [`UnsignedProposal::signed`] wraps them with the signature for the endorsers. The pieces
/// that later steps need byte for byte — the channel and signature headers, the `Header`, and
/// the `ChaincodeProposalPayload` without transient data — are kept as encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct UnsignedProposal {
    tx_id: String,
    channel: String,
    chaincode: String,
    channel_header: Vec<u8>,
    signature_header: Vec<u8>,
    header: Vec<u8>,
    payload_without_transient: Vec<u8>,
    proposal_hash: [u8; 32],
    proposal_hash_sm3: Option<[u8; 32]>,
    bytes: Vec<u8>,
}

fn invalid_request(message: String) -> Error {
    Error::Protocol {
        endpoint: "proposal request".into(),
        message,
    }
}

impl UnsignedProposal {
    /// Builds the proposal (protocol notes §1): a `ChannelHeader` of type
    /// `ENDORSER_TRANSACTION`, version 0, epoch 0, with the timestamp, channel, tx id, the
    /// chaincode name in its `ChaincodeHeaderExtension` and the optional TLS certificate hash;
    /// a `SignatureHeader{creator, nonce}`; and a `ChaincodeProposalPayload` whose input is a
    /// `ChaincodeInvocationSpec` with `args = [function, args...]`, plus the transient map.
    ///
    /// Errors: [`Error::Protocol`] for an empty chaincode name, creator or nonce (the peer would
    /// reject them); [`Error::Crypto`] when no nonce is given and the OS RNG fails.
    pub fn new(req: ProposalRequest) -> Result<UnsignedProposal> {
        if req.chaincode.is_empty() {
            return Err(invalid_request(
                "the chaincode name is empty; name the chaincode to call".into(),
            ));
        }
        if req.creator.is_empty() {
            return Err(invalid_request(
                "the creator is empty; give the identity's serialized form".into(),
            ));
        }
        let nonce = match req.nonce {
            Some(n) if n.is_empty() => {
                return Err(invalid_request("the nonce is empty".into()));
            }
            Some(n) => n,
            None => new_nonce()?,
        };
        let tx_id = compute_tx_id_with(req.tx_id_hash, &nonce, &req.creator);
        let chaincode_id = ChaincodeId {
            name: req.chaincode.clone(),
            ..ChaincodeId::default()
        };

        let channel_header = ChannelHeader {
            r#type: HeaderType::EndorserTransaction as i32,
            version: 0,
            timestamp: Some(prost_types::Timestamp::from(req.timestamp)),
            channel_id: req.channel.clone(),
            tx_id: tx_id.clone(),
            epoch: 0,
            extension: ChaincodeHeaderExtension {
                chaincode_id: Some(chaincode_id.clone()),
            }
            .encode_to_vec(),
            tls_cert_hash: req.tls_cert_hash.unwrap_or_default(),
        }
        .encode_to_vec();
        let signature_header = SignatureHeader {
            creator: req.creator,
            nonce,
        }
        .encode_to_vec();
        let header = Header {
            channel_header: channel_header.clone(),
            signature_header: signature_header.clone(),
        }
        .encode_to_vec();

        let mut args = Vec::with_capacity(req.args.len() + 1);
        args.push(req.function.into_bytes());
        args.extend(req.args);
        let input = ChaincodeInvocationSpec {
            chaincode_spec: Some(ChaincodeSpec {
                r#type: chaincode_spec::Type::Undefined as i32,
                chaincode_id: Some(chaincode_id),
                input: Some(ChaincodeInput {
                    args,
                    decorations: Default::default(),
                    is_init: req.is_init,
                }),
                timeout: 0,
            }),
        }
        .encode_to_vec();

        // The endorser hashes, and the committer re-hashes, this encoding: one bytes field 1.
        let mut cpp = SortedProposalPayload {
            input,
            transient_map: BTreeMap::new(),
        };
        let payload_without_transient = cpp.encode_to_vec();
        let payload = if req.transient.is_empty() {
            payload_without_transient.clone()
        } else {
            cpp.transient_map = req.transient;
            cpp.encode_to_vec()
        };

        let proposal_hash = hash_parts(
            &channel_header,
            &signature_header,
            &payload_without_transient,
        );
        // GM peers hash with SM3 where upstream Fabric uses SHA-256 (the forks that replaced
        // Fabric's hashing did it everywhere; others map BCCSP's SHA-256 to SM3).
        let proposal_hash_sm3 = (req.tx_id_hash == crate::crypto::HashAlgorithm::Sm3).then(|| {
            crate::crypto::sm3(
                &[
                    channel_header.as_slice(),
                    signature_header.as_slice(),
                    payload_without_transient.as_slice(),
                ]
                .concat(),
            )
        });
        let bytes = Proposal {
            header: header.clone(),
            payload,
            extension: Vec::new(),
        }
        .encode_to_vec();

        Ok(UnsignedProposal {
            tx_id,
            channel: req.channel,
            chaincode: req.chaincode,
            channel_header,
            signature_header,
            header,
            payload_without_transient,
            proposal_hash,
            proposal_hash_sm3,
            bytes,
        })
    }

    /// The transaction id (64 lowercase hex characters).
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The marshaled `Proposal`: the bytes the creator signs.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The channel.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The chaincode name.
    pub fn chaincode(&self) -> &str {
        &self.chaincode
    }

    /// The marshaled `ChannelHeader`.
    pub fn channel_header(&self) -> &[u8] {
        &self.channel_header
    }

    /// The marshaled `SignatureHeader` (also the transaction action's header).
    pub fn signature_header(&self) -> &[u8] {
        &self.signature_header
    }

    /// The marshaled `Header` (also the transaction payload's header).
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// The marshaled `ChaincodeProposalPayload` without the transient map: the exact bytes the
    /// endorser hashes and the transaction carries.
    pub fn payload_without_transient(&self) -> &[u8] {
        &self.payload_without_transient
    }

    /// SHA-256(channel header ‖ signature header ‖ payload without transient), the value every
    /// endorsement's `ProposalResponsePayload.proposal_hash` must hold.
    pub fn proposal_hash(&self) -> &[u8; 32] {
        &self.proposal_hash
    }

    /// Whether `hash` is this proposal's hash as the endorsers compute it: the SHA-256
    /// [`UnsignedProposal::proposal_hash`], or on OSCCA networks (SM3 transaction ids) the
    /// same bytes under SM3, which GM peers use instead.
    pub fn is_proposal_hash(&self, hash: &[u8]) -> bool {
        hash == self.proposal_hash || self.proposal_hash_sm3.is_some_and(|h| hash == h)
    }

    /// The `SignedProposal` for the endorsers, with the creator's `signature` over
    /// [`UnsignedProposal::bytes`].
    pub fn signed(&self, signature: Vec<u8>) -> SignedProposal {
        SignedProposal {
            proposal_bytes: self.bytes.clone(),
            signature,
        }
    }
}

impl std::fmt::Debug for UnsignedProposal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnsignedProposal")
            .field("tx_id", &self.tx_id)
            .field("channel", &self.channel)
            .field("chaincode", &self.chaincode)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// `protos.ChaincodeProposalPayload` with its transient map in key order, so that the same
/// request always gives the same bytes (the generated type holds a `HashMap`).
#[derive(Clone, PartialEq, Message)]
struct SortedProposalPayload {
    #[prost(bytes = "vec", tag = "1")]
    input: Vec<u8>,
    #[prost(btree_map = "string, bytes", tag = "2")]
    transient_map: BTreeMap<String, Vec<u8>>,
}

/// SHA-256 of the three byte strings, concatenated.
fn hash_parts(channel_header: &[u8], signature_header: &[u8], payload: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    h.update(channel_header);
    h.update(signature_header);
    h.update(payload);
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    use crate::proto::common::{ChannelHeader, Header, SignatureHeader};
    use crate::proto::peer::{ChaincodeHeaderExtension, Proposal};

    /// SHA-256 of 24 × 0x01 followed by the ASCII bytes `creator`, computed independently
    /// with `openssl dgst -sha256`.
    const TX_ID_VECTOR: &str = "091695e89e3ba88417a106b21ce5df1ad5dec914d669cc51fa1c48959ac3b0bd";

    fn request() -> ProposalRequest {
        ProposalRequest::new("mychannel", "basic", "Asset:Create", b"creator".to_vec())
            .arg("a1")
            .arg(vec![0u8, 0xff])
            .nonce(vec![1; 24])
            .timestamp(UNIX_EPOCH + Duration::new(1_700_000_000, 123_000_000))
    }

    #[test]
    fn tx_id_known_answer() {
        assert_eq!(compute_tx_id(&[1; 24], b"creator"), TX_ID_VECTOR);
        let p = UnsignedProposal::new(request()).unwrap();
        assert_eq!(p.tx_id(), TX_ID_VECTOR);
    }

    #[test]
    fn nonces_are_24_random_bytes() {
        let a = new_nonce().unwrap();
        let b = new_nonce().unwrap();
        assert_eq!(a.len(), 24);
        assert_eq!(b.len(), 24);
        assert_ne!(a, b);
    }

    #[test]
    fn fresh_nonce_when_none_given() {
        let mut req = request();
        req.nonce = None;
        let a = UnsignedProposal::new(req.clone()).unwrap();
        let b = UnsignedProposal::new(req).unwrap();
        assert_ne!(a.tx_id(), b.tx_id());
        let sh = SignatureHeader::decode(a.signature_header()).unwrap();
        assert_eq!(sh.nonce.len(), 24);
        assert_eq!(a.tx_id(), compute_tx_id(&sh.nonce, b"creator"));
    }

    #[test]
    fn payload_without_transient_is_one_bytes_field() {
        // ChaincodeInvocationSpec{ChaincodeSpec{chaincode_id{name "basic"}, input{args ["f", "a"]}}}
        // encoded by hand: type UNDEFINED (0) and is_init false are omitted.
        let p = UnsignedProposal::new(
            ProposalRequest::new("ch", "basic", "f", b"c".to_vec())
                .arg("a")
                .nonce(vec![7]),
        )
        .unwrap();
        let spec: Vec<u8> = [
            &[0x12, 0x07, 0x12, 0x05][..],
            b"basic",
            &[0x1a, 0x06, 0x0a, 0x01, b'f', 0x0a, 0x01, b'a'],
        ]
        .concat();
        let cis = [&[0x0a, spec.len() as u8][..], &spec].concat();
        let cpp = [&[0x0a, cis.len() as u8][..], &cis].concat();
        assert_eq!(p.payload_without_transient(), cpp.as_slice());
    }

    #[test]
    fn transient_map_is_encoded_in_key_order() {
        let build = || {
            let mut req = request();
            for k in ["zeta", "alpha", "mid", "beta", "omega", "gamma"] {
                req = req.transient(k, k.as_bytes().to_vec());
            }
            UnsignedProposal::new(req).unwrap()
        };
        let a = build();
        assert_eq!(a.bytes(), build().bytes());
        let proposal = Proposal::decode(a.bytes()).unwrap();
        let cpp = crate::proto::peer::ChaincodeProposalPayload::decode(proposal.payload.as_slice())
            .unwrap();
        assert_eq!(cpp.transient_map.len(), 6);
        assert_eq!(cpp.transient_map["mid"], b"mid");
        let text = String::from_utf8_lossy(&proposal.payload).into_owned();
        let pos = |k: &str| text.find(k).unwrap();
        assert!(
            pos("alpha") < pos("beta") && pos("beta") < pos("gamma") && pos("omega") < pos("zeta")
        );
    }

    #[test]
    fn empty_chaincode_creator_or_nonce_is_refused() {
        let mut req = request();
        req.chaincode.clear();
        let err = UnsignedProposal::new(req).unwrap_err();
        assert!(err.to_string().contains("chaincode name is empty"), "{err}");
        let mut req = request();
        req.creator.clear();
        assert!(UnsignedProposal::new(req).is_err());
        let req = request().nonce(Vec::new());
        assert!(UnsignedProposal::new(req).is_err());
    }

    #[test]
    fn header_pieces_match_the_proposal() {
        let p = UnsignedProposal::new(request().tls_cert_hash(vec![9; 32])).unwrap();
        let proposal = Proposal::decode(p.bytes()).unwrap();
        assert_eq!(proposal.header, p.header());
        let header = Header::decode(p.header()).unwrap();
        assert_eq!(header.channel_header, p.channel_header());
        assert_eq!(header.signature_header, p.signature_header());
        let ch = ChannelHeader::decode(p.channel_header()).unwrap();
        assert_eq!(ch.tls_cert_hash, vec![9; 32]);
        let ext = ChaincodeHeaderExtension::decode(ch.extension.as_slice()).unwrap();
        assert_eq!(ext.chaincode_id.unwrap().name, "basic");
        assert_eq!(p.channel(), "mychannel");
        assert_eq!(p.chaincode(), "basic");
    }
}
