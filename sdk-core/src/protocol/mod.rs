//! Pure builders and checkers of Fabric messages: bytes in, bytes out, no I/O.
//!
//! A chaincode call goes through these steps; each step's bytes are signed by the caller (an
//! in-memory key, an HSM, an offline signer), so nothing here holds a key:
//!
//! 1. [`ProposalRequest`] → [`UnsignedProposal`]: the marshaled `Proposal` to sign, its tx id,
//!    and the pieces later steps need byte for byte; [`UnsignedProposal::signed`] gives the
//!    `SignedProposal` for the endorsers.
//! 2. The endorsers' answers → [`check_endorsements`] → [`Endorsed`] (statuses, proposal hash,
//!    endorser signatures, identical payloads), or [`evaluation_payload`] for a query.
//! 3. [`UnsignedTransaction`]: the marshaled `common.Payload` to sign;
//!    [`UnsignedTransaction::signed`] gives the `Envelope` for the orderer.
//!
//! ```
//! use fabweave::protocol::{ProposalRequest, UnsignedProposal};
//!
//! let req = ProposalRequest::new("mychannel", "basic", "ReadAsset", b"serialized identity".to_vec())
//!     .arg("a1");
//! let proposal = UnsignedProposal::new(req)?;
//! let signature = vec![0x30]; // the creator's signature over proposal.bytes()
//! let signed = proposal.signed(signature);
//! assert_eq!(signed.proposal_bytes, proposal.bytes());
//! # Ok::<(), fabweave::Error>(())
//! ```
//!
//! The wire facts these follow are in the project's protocol notes (§1 proposals, §2 responses,
//! §3 transactions, §6 validation codes).

pub mod deliver;
pub mod discovery;
pub mod gateway;
pub mod ordering;
mod proposal;
mod response;
pub mod rwset;
mod transaction;

pub use proposal::{
    compute_tx_id, compute_tx_id_with, new_nonce, ProposalRequest, UnsignedProposal, NONCE_LEN,
};
pub use response::{
    check_endorsements, check_endorsements_with, evaluation_payload, Endorsed, PeerTarget,
    ENDORSEMENTS_DIFFER,
};
pub use transaction::{envelope_ids, validation_code_name, UnsignedTransaction};
