//! Deliver streams and the shared commit waiter.
//!
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

mod commit;
mod stream;

pub use commit::{CommitHub, HubOptions, Registration, StreamInfo, TxOutcome};
