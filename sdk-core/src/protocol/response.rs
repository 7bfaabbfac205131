//! Proposal responses: checking the endorsers' answers against the proposal and against each
//! other, and reading evaluation results (protocol notes §2).

use prost::Message;

use crate::crypto::{hex, sha256, verify_with, Sm2Digest};
use crate::error::{Error, PeerFailure, Result};
use crate::identity::Certificate;
use crate::proto::kvrwset::KvrwSet;
use crate::proto::msp::SerializedIdentity;
use crate::proto::peer::{
    ChaincodeAction, ChaincodeEvent, ChaincodeId, Endorsement, ProposalResponse,
    ProposalResponsePayload, Response,
};
use crate::proto::rwset::TxReadWriteSet;

use super::proposal::UnsignedProposal;

/// The message of an [`Error::Endorse`] whose peers endorsed different results.
pub const ENDORSEMENTS_DIFFER: &str =
    "the peers' endorsements differ (their ledgers may be at different heights)";

/// A peer asked to endorse or evaluate: its name in the profile and the address dialed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PeerTarget {
    /// The peer's name in the profile, e.g. `peer0.org1.example.com`.
    pub name: String,
    /// The address dialed, e.g. `peer0.org1.example.com:7051`.
    pub address: String,
}

impl PeerTarget {
    /// A peer named `name` at `address`.
    pub fn new(name: impl Into<String>, address: impl Into<String>) -> PeerTarget {
        PeerTarget {
            name: name.into(),
            address: address.into(),
        }
    }

    fn failure(&self, status: i32, message: impl Into<String>) -> PeerFailure {
        PeerFailure {
            peer: self.name.clone(),
            address: self.address.clone(),
            status,
            message: message.into(),
            msp_id: String::new(),
        }
    }
}

/// Endorsements that agree: what [`check_endorsements`] returns, and what a transaction is
/// assembled from.
#[derive(Debug, Clone, PartialEq)]
pub struct Endorsed {
    tx_id: String,
    payload: Vec<u8>,
    endorsements: Vec<Endorsement>,
    response: Response,
    event: Option<ChaincodeEvent>,
    results: Vec<u8>,
    chaincode_id: Option<ChaincodeId>,
    peers: Vec<PeerTarget>,
}

impl Endorsed {
    /// The transaction id of the proposal.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The marshaled `ProposalResponsePayload` every endorser signed (byte-identical).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The endorsements, one per distinct endorser identity, in the order the peers were given.
    pub fn endorsements(&self) -> &[Endorsement] {
        &self.endorsements
    }

    /// The chaincode's response (status, message, payload) as the endorsers signed it.
    pub fn response(&self) -> &Response {
        &self.response
    }

    /// The chaincode's status, e.g. 200.
    pub fn status(&self) -> i32 {
        self.response.status
    }

    /// The chaincode's return value (`Response.payload`).
    pub fn result(&self) -> &[u8] {
        &self.response.payload
    }

    /// The chaincode event the transaction would emit, if any.
    pub fn event(&self) -> Option<&ChaincodeEvent> {
        self.event.as_ref()
    }

    /// The marshaled `rwset.TxReadWriteSet` of the simulation.
    pub fn results(&self) -> &[u8] {
        &self.results
    }

    /// The chaincode name and the version of its definition, as the endorsers reported them.
    pub fn chaincode_id(&self) -> Option<&ChaincodeId> {
        self.chaincode_id.as_ref()
    }

    /// The peers that endorsed, in the order they were given, one per distinct endorser
    /// identity (matching [`Endorsed::endorsements`]).
    pub fn peers(&self) -> &[PeerTarget] {
        &self.peers
    }
}

/// One answer that passed the per-peer checks.
struct Accepted {
    peer: PeerTarget,
    status: i32,
    payload: Vec<u8>,
    endorsement: Endorsement,
    response: Option<Response>,
}

/// Checks the endorsers' answers to `proposal` and gathers them into an [`Endorsed`].
///
/// Every answer must have been received (`Ok`), carry a response status in 200..400, hold an
/// endorsement whose `ProposalResponsePayload.proposal_hash` is the proposal's hash (see
/// [`UnsignedProposal::is_proposal_hash`]) and, with `verify_signatures`, whose signature over
/// `payload ‖ endorser` verifies with the public key of the endorser's certificate. (Whether that
/// certificate chains to the channel's MSP roots is not checked here; the committing peers check
/// it.) Then all payloads must be byte-identical. Endorsements are de-duplicated by endorser.
///
/// Errors are [`Error::Endorse`] with the proposal's tx id:
/// - when any answer fails its checks, one [`PeerFailure`] for each such peer — status 0 and the
///   error text for a failed call, the peer's status and message (a chaincode error carries the
///   chaincode's message) otherwise;
/// - when the payloads differ, the message [`ENDORSEMENTS_DIFFER`] and one [`PeerFailure`] per
///   peer describing which result it returned (chaincode status, reads and their newest version,
///   writes, payload digest);
/// - when `answers` is empty.
pub fn check_endorsements(
    proposal: &UnsignedProposal,
    answers: Vec<(PeerTarget, Result<ProposalResponse, String>)>,
    verify_signatures: bool,
) -> Result<Endorsed> {
    check_endorsements_with(
        proposal,
        answers,
        verify_signatures.then_some(Sm2Digest::Standard),
    )
}

/// [`check_endorsements`], verifying signatures when `verify` is set, with SM2 endorsements
/// checked the [`Sm2Digest`] way the network's crypto suite says (ECDSA ones as usual).
pub fn check_endorsements_with(
    proposal: &UnsignedProposal,
    answers: Vec<(PeerTarget, Result<ProposalResponse, String>)>,
    verify: Option<Sm2Digest>,
) -> Result<Endorsed> {
    let tx_id = proposal.tx_id();
    if answers.is_empty() {
        return Err(endorse_error(
            tx_id,
            "no peer was asked to endorse",
            Vec::new(),
        ));
    }
    let total = answers.len();
    let mut accepted = Vec::with_capacity(total);
    let mut failures = Vec::new();
    for (peer, answer) in answers {
        match check_one(proposal, peer, answer, verify) {
            Ok(a) => accepted.push(a),
            Err(f) => failures.push(f),
        }
    }
    if !failures.is_empty() {
        let message = if total == 1 {
            format!("peer {} did not endorse", failures[0].peer)
        } else {
            format!("{} of {total} peers did not endorse", failures.len())
        };
        return Err(endorse_error(tx_id, message, failures));
    }

    let Some(first) = accepted.first() else {
        return Err(endorse_error(tx_id, "no peer endorsed", Vec::new()));
    };
    if accepted.iter().any(|a| a.payload != first.payload) {
        return Err(endorse_error(
            tx_id,
            ENDORSEMENTS_DIFFER,
            describe_variants(&accepted),
        ));
    }

    let prp = match ProposalResponsePayload::decode(first.payload.as_slice()) {
        Ok(prp) => prp,
        Err(e) => {
            return Err(malformed_for_all(
                tx_id,
                &accepted,
                format!("ProposalResponsePayload: {e}"),
            ))
        }
    };
    let action = match ChaincodeAction::decode(prp.extension.as_slice()) {
        Ok(action) => action,
        Err(e) => {
            return Err(malformed_for_all(
                tx_id,
                &accepted,
                format!("ChaincodeAction: {e}"),
            ))
        }
    };
    let event = if action.events.is_empty() {
        None
    } else {
        match ChaincodeEvent::decode(action.events.as_slice()) {
            Ok(ev) => Some(ev),
            Err(e) => {
                return Err(malformed_for_all(
                    tx_id,
                    &accepted,
                    format!("ChaincodeEvent: {e}"),
                ))
            }
        }
    };
    let response = action
        .response
        .or_else(|| first.response.clone())
        .unwrap_or_default();

    let mut endorsements: Vec<Endorsement> = Vec::with_capacity(accepted.len());
    let mut peers = Vec::with_capacity(accepted.len());
    let mut payload = Vec::new();
    for (i, a) in accepted.into_iter().enumerate() {
        if i == 0 {
            payload = a.payload;
        }
        if !endorsements
            .iter()
            .any(|e| e.endorser == a.endorsement.endorser)
        {
            endorsements.push(a.endorsement);
            peers.push(a.peer);
        }
    }

    Ok(Endorsed {
        tx_id: tx_id.to_owned(),
        payload,
        endorsements,
        response,
        event,
        results: action.results,
        chaincode_id: action.chaincode_id,
        peers,
    })
}

/// The result of an evaluation (a query): the chaincode's `Response.payload` when the peer's
/// status is in 200..400.
///
/// Errors: [`Error::Endorse`] with the proposal's tx id and this peer's status and message (a
/// chaincode error carries the chaincode's message).
pub fn evaluation_payload(
    proposal: &UnsignedProposal,
    peer: &PeerTarget,
    answer: ProposalResponse,
) -> Result<Vec<u8>> {
    match answer.response {
        Some(r) if is_success(r.status) => Ok(r.payload),
        other => {
            let failure = status_failure(peer, other.as_ref());
            Err(endorse_error(
                proposal.tx_id(),
                format!("evaluation on peer {} failed", peer.name),
                vec![failure],
            ))
        }
    }
}

/// Whether a response status means success: 200..400, as Fabric's shim and endorser judge.
fn is_success(status: i32) -> bool {
    (200..400).contains(&status)
}

fn endorse_error(tx_id: &str, message: impl Into<String>, peers: Vec<PeerFailure>) -> Error {
    Error::Endorse {
        tx_id: tx_id.to_owned(),
        message: message.into(),
        peers,
    }
}

/// The failure for a response that is absent or has a status outside 200..400.
fn status_failure(peer: &PeerTarget, response: Option<&Response>) -> PeerFailure {
    match response {
        None => peer.failure(0, "the peer's answer holds no response"),
        Some(r) if r.message.is_empty() => {
            peer.failure(r.status, format!("status {} without a message", r.status))
        }
        Some(r) => peer.failure(r.status, r.message.clone()),
    }
}

/// The checks of one answer on its own.
fn check_one(
    proposal: &UnsignedProposal,
    peer: PeerTarget,
    answer: Result<ProposalResponse, String>,
    verify: Option<Sm2Digest>,
) -> Result<Accepted, PeerFailure> {
    let answer = match answer {
        Ok(a) => a,
        Err(message) => return Err(peer.failure(0, message)),
    };
    let status = match &answer.response {
        Some(r) if is_success(r.status) => r.status,
        other => return Err(status_failure(&peer, other.as_ref())),
    };
    let Some(endorsement) = answer.endorsement else {
        return Err(peer.failure(
            status,
            format!("the peer answered status {status} but returned no endorsement"),
        ));
    };
    let prp = match ProposalResponsePayload::decode(answer.payload.as_slice()) {
        Ok(prp) => prp,
        Err(e) => {
            return Err(peer.failure(status, format!("malformed ProposalResponsePayload: {e}")))
        }
    };
    if !proposal.is_proposal_hash(&prp.proposal_hash) {
        return Err(peer.failure(
            status,
            format!(
                "the endorsement is for another proposal: proposal hash {} instead of {}",
                hex(&prp.proposal_hash),
                hex(proposal.proposal_hash())
            ),
        ));
    }
    if let Some(sm2_digest) = verify {
        verify_endorsement(&peer, &answer.payload, &endorsement, sm2_digest)
            .map_err(|message| peer.failure(status, message))?;
    }
    Ok(Accepted {
        peer,
        status,
        payload: answer.payload,
        endorsement,
        response: answer.response,
    })
}

/// Verifies the endorser's signature over `payload ‖ endorser`; the error names the peer.
fn verify_endorsement(
    peer: &PeerTarget,
    payload: &[u8],
    endorsement: &Endorsement,
    sm2_digest: Sm2Digest,
) -> Result<(), String> {
    let identity = SerializedIdentity::decode(endorsement.endorser.as_slice()).map_err(|e| {
        format!(
            "the endorser identity of peer {} is not a SerializedIdentity: {e}",
            peer.name
        )
    })?;
    let cert = Certificate::from_pem(&identity.id_bytes).map_err(|e| {
        format!(
            "the endorser certificate of peer {} ({}) cannot be read: {e}",
            peer.name, identity.mspid
        )
    })?;
    let mut message = Vec::with_capacity(payload.len() + endorsement.endorser.len());
    message.extend_from_slice(payload);
    message.extend_from_slice(&endorsement.endorser);
    verify_with(
        cert.public_key_der(),
        &message,
        &endorsement.signature,
        sm2_digest,
    )
    .map_err(|e| {
        let reason = match e {
            Error::Crypto { message } => message,
            other => other.to_string(),
        };
        format!(
            "the endorsement signature of peer {} ({}, {}) does not verify: {reason}",
            peer.name,
            identity.mspid,
            cert.subject()
        )
    })
}

/// One failure per peer, saying that the (identical) payload is malformed.
fn malformed_for_all(tx_id: &str, accepted: &[Accepted], what: String) -> Error {
    let peers = accepted
        .iter()
        .map(|a| a.peer.failure(a.status, format!("malformed {what}")))
        .collect();
    endorse_error(tx_id, "the endorsed payload is malformed", peers)
}

/// One failure per peer saying which of the distinct payloads it returned, and what that
/// payload holds.
fn describe_variants(accepted: &[Accepted]) -> Vec<PeerFailure> {
    let mut variants: Vec<&[u8]> = Vec::new();
    for a in accepted {
        if !variants.contains(&a.payload.as_slice()) {
            variants.push(&a.payload);
        }
    }
    let descriptions: Vec<String> = variants.iter().map(|v| describe_payload(v)).collect();
    accepted
        .iter()
        .map(|a| {
            let i = variants
                .iter()
                .position(|v| *v == a.payload.as_slice())
                .unwrap_or_default();
            a.peer.failure(
                a.status,
                format!(
                    "returned result {} of {}: {}",
                    i + 1,
                    variants.len(),
                    descriptions[i]
                ),
            )
        })
        .collect()
}

/// A one-line summary of a `ProposalResponsePayload`, to tell endorsements apart.
fn describe_payload(payload: &[u8]) -> String {
    let digest = hex(&sha256(payload));
    let short = &digest[..16];
    let Ok(prp) = ProposalResponsePayload::decode(payload) else {
        return format!("undecodable payload (sha256 {short})");
    };
    let Ok(action) = ChaincodeAction::decode(prp.extension.as_slice()) else {
        return format!("undecodable chaincode action (payload sha256 {short})");
    };
    let mut reads = 0usize;
    let mut writes = 0usize;
    let mut newest: Option<(u64, u64)> = None;
    if let Ok(set) = TxReadWriteSet::decode(action.results.as_slice()) {
        for ns in set.ns_rwset {
            let Ok(kv) = KvrwSet::decode(ns.rwset.as_slice()) else {
                continue;
            };
            reads += kv.reads.len();
            writes += kv.writes.len();
            for version in kv.reads.iter().filter_map(|r| r.version.as_ref()) {
                let v = (version.block_num, version.tx_num);
                if newest.is_none_or(|n| v > n) {
                    newest = Some(v);
                }
            }
        }
    }
    let (status, returned) = action
        .response
        .as_ref()
        .map_or((0, 0), |r| (r.status, r.payload.len()));
    let newest = match newest {
        Some((block, tx)) => format!(" (newest read at block {block}, tx {tx})"),
        None => String::new(),
    };
    let event = if action.events.is_empty() {
        "no event"
    } else {
        "an event"
    };
    format!(
        "chaincode status {status}, {reads} read(s){newest}, {writes} write(s), \
         {returned}-byte result, {event}, payload sha256 {short}…"
    )
}
