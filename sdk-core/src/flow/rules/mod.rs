//! The decisions that can lose or double a transaction, as pure functions of typed outcomes:
//! no I/O, no clock, no randomness — the engine gathers the answers and acts on what these say.
//!
//! - [`order`]: one round of offering an envelope to the orderers — per answer, accepted, try
//!   the next, stop; at the end, accepted, refused, not taken, or in doubt.
//! - [`tally`]: what a set of peers' reports of one transaction prove (commit events and ledger
//!   lookups alike): a code proven by the client's own organization or by two peers, or
//!   nothing yet, or a dispute.
//! - [`call`]: the one retry rule — when a submit may build and send a new transaction, and
//!   when it must settle an earlier one first or stop.
//!
//! Each is tested table by table, and by random sequences checked against its invariant.

pub(crate) mod call;
pub(crate) mod order;
pub(crate) mod tally;
