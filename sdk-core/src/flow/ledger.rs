//! Ledger queries through a client: the one place qscc and cscc proposals are signed and sent.
//! What to ask and how to read the answers is [`crate::ledger`]'s (pure) business.

use std::time::Duration;

use super::client::Network;
use super::engine::ledger::{describe, timeout};
use super::engine::Engine;
use crate::error::{ConfigProblem, Error, Result};
use crate::ledger::{self, ChainInfo, ProcessedTx, Query};
use crate::proto::common::Block;
use crate::proto::peer::Response;

/// The ledger of one channel as its peers' query system chaincode (qscc) shows it, and the
/// channels a peer has joined (cscc). Get one with [`Network::ledger`].
///
/// Each query goes to one peer: a ledger-query peer of the client's own organization first
/// (healthy peers before those set aside after failures, rotating under
/// [`QueryStrategy::RoundRobin`]), moving on to the next when a peer cannot be reached, refuses
/// the call or answers with an error. An answer that the thing asked for does not exist
/// (`Ok(None)`) is the answer of that peer's ledger, which may lag behind others by a block or
/// two. The whole call runs under the client's evaluate deadline unless
/// [`Ledger::timeout`] sets another.
///
/// ```no_run
/// # async fn demo(client: fabweave::flow::Client) -> Result<(), fabweave::Error> {
/// let ledger = client.network("mychannel").ledger();
/// let info = ledger.chain_info().await?;
/// if let Some(block) = ledger.block_by_number(info.height - 1).await? {
///     println!("{}", fabweave::ledger::decode_block(&block)?.to_json());
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Ledger {
    network: Network,
    timeout: Option<Duration>,
    peers: Vec<String>,
}

impl Network {
    /// The channel's ledger: chain info, blocks and transactions (qscc), channels of a peer
    /// (cscc).
    pub fn ledger(&self) -> Ledger {
        Ledger {
            network: self.clone(),
            timeout: None,
            peers: Vec::new(),
        }
    }
}

impl Ledger {
    /// Gives each call this deadline instead of the client's evaluate deadline.
    #[must_use]
    pub fn timeout(mut self, deadline: Duration) -> Ledger {
        self.timeout = Some(deadline);
        self
    }

    /// Asks only these peers (names or addresses), in this order.
    #[must_use]
    pub fn peers<I, S>(mut self, names: I) -> Ledger
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.peers = names.into_iter().map(Into::into).collect();
        self
    }

    fn inner(&self) -> &Engine {
        &self.network.client.inner
    }

    fn deadline(&self) -> Duration {
        self.timeout.unwrap_or(self.inner().deadlines.evaluate)
    }

    async fn ask<T>(&self, query: Query, read: impl Fn(&Response, &str) -> Result<T>) -> Result<T> {
        self.inner()
            .ledger_query(
                &self.network.channel,
                &query,
                &self.peers,
                self.deadline(),
                read,
            )
            .await
    }

    /// The channel's height and the hashes of its last two blocks (qscc `GetChainInfo`).
    pub async fn chain_info(&self) -> Result<ChainInfo> {
        self.ask(Query::ChainInfo, ledger::chain_info).await
    }

    /// The block with this number, or `None` when the peer's ledger does not have it (yet).
    pub async fn block_by_number(&self, number: u64) -> Result<Option<Block>> {
        self.ask(Query::BlockByNumber(number), ledger::block).await
    }

    /// The block with this header hash (see [`ledger::block_header_hash`]), or `None`.
    pub async fn block_by_hash(&self, hash: &[u8]) -> Result<Option<Block>> {
        self.ask(Query::BlockByHash(hash.to_vec()), ledger::block)
            .await
    }

    /// The block holding this transaction, or `None` when the peer's ledger has no
    /// transaction with that id (yet).
    pub async fn block_by_tx_id(&self, tx_id: &str) -> Result<Option<Block>> {
        self.ask(Query::BlockByTxId(tx_id.to_owned()), ledger::block)
            .await
    }

    /// The transaction with this id and its validation code, or `None` when the peer's ledger
    /// has no transaction with that id (yet). An answer that holds another transaction is the
    /// peer's error, and the next peer is asked.
    pub async fn transaction(&self, tx_id: &str) -> Result<Option<ProcessedTx>> {
        let channel = self.network.channel.clone();
        self.ask(Query::TransactionById(tx_id.to_owned()), |r, from| {
            ledger::processed_transaction_of(r, from, &channel, tx_id)
        })
        .await
    }

    /// The channels `peer` (a name or address this channel's view knows) has joined (cscc
    /// `GetChannels`). Only identities of the peer's own organization may ask.
    pub async fn channels_of(&self, peer: &str) -> Result<Vec<String>> {
        let inner = self.inner();
        let channel = &self.network.channel;
        let view = inner.router.view(&inner.profile, channel).await;
        let Some(target) = view.peer(peer) else {
            return Err(Error::config(
                format!("channels.{channel}.peers"),
                ConfigProblem::Undefined {
                    what: "peer",
                    name: peer.to_owned(),
                },
            ));
        };
        let deadline = self.deadline();
        let answer = match tokio::time::timeout(
            deadline,
            inner.ledger_call(target, channel, &Query::Channels, deadline),
        )
        .await
        {
            Ok(answer) => answer?,
            Err(_) => return Err(timeout(deadline, Some(describe(target)))),
        };
        ledger::channels(&answer, &describe(target))
    }
}
