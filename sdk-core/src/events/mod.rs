//! Deliver streams: the shared commit waiter, and block and chaincode event streams with
//! checkpoints.
//!
//! **Event streams** ([`EventStream`], opened with `Network::block_events` and
//! `Contract::chaincode_events` in [`crate::flow`]) read full, filtered or private-data blocks
//! from one peer of the channel at a time. When that peer's stream fails they reopen it on
//! another peer — the client's organization first, then any peer of the channel — from the
//! block after the last one fully handed over, skipping the transactions of a partly handed
//! over block, so no event is lost or repeated; with backoff between rounds, and
//! [`crate::Error::EventsUnavailable`] only after [`EventOptions::give_up_after`] without any
//! peer delivering. A [`Checkpointer`] ([`InMemoryCheckpointer`], [`FileCheckpointer`]) carries
//! the position across restarts of the application (see [`Checkpointer`] for the exactly-once
//! contract).
//!
//! **The commit hub**:
//! [`CommitHub`] keeps **one** `DeliverFiltered` stream per (peer, channel), however many
//! transactions wait on it, and tells each waiter the block and validation code of its
//! transaction:
//!
//! 1. [`CommitHub::watch`] makes sure the stream runs (it starts at the newest block) and
//!    returns once it delivered its first block;
//! 2. [`CommitHub::register`] the transaction id **before** broadcasting it;
//! 3. broadcast, then await the [`Registration`] (or [`Registration::wait_timeout`]).
//!
//! A transaction seen in a block since the stream started is remembered (the last
//! [`HubOptions::cache_capacity`] per stream), so registering after it committed still
//! resolves at once. When the stream breaks (a peer restart, a network cut) it is opened again
//! with backoff from the block after the last one seen, so no block is missed. Streams stop
//! when the last clone of the hub is dropped, or on [`CommitHub::unwatch`].
//!
//! ```no_run
//! # async fn demo(hub: fabweave::events::CommitHub, peer: fabweave::config::Peer) -> fabweave::Result<()> {
//! hub.watch(&peer.name, &peer.endpoint, "mychannel").await?;
//! let registration = hub.register(&peer.name, "mychannel", "9f2c…tx id");
//! // … broadcast the transaction …
//! let outcome = registration.await?;
//! println!("block {}, code {}", outcome.block, outcome.code);
//! # Ok(()) }
//! ```

mod blocks;
mod chaincode;
mod checkpoint;
mod commit;
mod session;
mod source;
mod stream;

pub use blocks::BlockEvent;
pub use chaincode::{events_of, events_of_block, events_of_filtered_block, ChaincodeEvent};
pub use checkpoint::{
    Checkpoint, Checkpointer, FileCheckpointer, InMemoryCheckpointer, Positioned,
};
pub use commit::{CommitHub, HubOptions, Registration, StreamInfo, TxOutcome};
pub use source::{BlockContent, BlockKind, EventOptions, EventPeer, EventStream, StartAt};

pub(crate) use blocks::WholeBlocks;
pub(crate) use chaincode::ChaincodeFilter;
pub(crate) use source::{spawn, PeerLister, Source};
