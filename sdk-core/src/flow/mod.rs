//! Evaluate and submit transactions, two ways (see [`Mode`]): through the peer Gateway service
//! (Fabric 2.4+), or without it — fabweave endorses on the peers the call needs, checks that
//! they agree, sends the transaction to an orderer, and waits for the commit on the peers'
//! event streams, as Fabric 2.2 networks (Huawei BCS v4) require. By default the Gateway is
//! used where the peer offers it. Both share the proposal, signing, errors, retries and
//! ambiguous-outcome resolution; [`Committed::via`] says which one served a submit.
//!
//! ```no_run
//! # async fn demo() -> Result<(), fabweave::Error> {
//! use fabweave::config::Profile;
//! use fabweave::flow::Client;
//!
//! let profile = Profile::load("org1-sdk-config.yaml")?;
//! let client = Client::builder(profile).user("User1").connect().await?;
//! let contract = client.network("mychannel").contract("basic");
//! let done = contract.submit("CreateAsset").args(["a1", "blue"]).await?;
//! println!("{} committed in block {}", done.tx_id(), done.block_number());
//! let value = contract.evaluate("ReadAsset").arg("a1").await?;
//! # Ok(())
//! # }
//! ```

mod calls;
mod client;
mod engine;
mod events;
mod hotkeys;
mod ledger;
mod results;
mod retry;
mod rules;
mod steps;
mod strategy;

pub use calls::{Evaluate, Submit};
pub use client::{Client, ClientBuilder, Contract, Network};
pub use engine::{Mode, Via};
pub use events::{BlockEvents, ChaincodeEvents};
pub use ledger::Ledger;
pub use results::{Committed, Endorser};
pub use retry::{Attempt, AttemptOutcome, RetryPolicy};
pub use steps::{Proposal, Submitted, Transaction};
pub use strategy::{CommitStrategy, Deadlines, QueryStrategy};

/// Arguments accepted wherever chaincode arguments are given: strings and bytes alike.
pub trait IntoArg {
    /// The argument's bytes.
    fn into_arg(self) -> Vec<u8>;
}

impl IntoArg for &str {
    fn into_arg(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}
impl IntoArg for String {
    fn into_arg(self) -> Vec<u8> {
        self.into_bytes()
    }
}
impl IntoArg for &String {
    fn into_arg(self) -> Vec<u8> {
        self.as_bytes().to_vec()
    }
}
impl IntoArg for Vec<u8> {
    fn into_arg(self) -> Vec<u8> {
        self
    }
}
impl IntoArg for &[u8] {
    fn into_arg(self) -> Vec<u8> {
        self.to_vec()
    }
}
impl<const N: usize> IntoArg for &[u8; N] {
    fn into_arg(self) -> Vec<u8> {
        self.to_vec()
    }
}
