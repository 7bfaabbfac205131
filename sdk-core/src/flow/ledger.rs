//! Ledger queries through a client: the one place qscc and cscc proposals are signed and sent.
//! What to ask and how to read the answers is [`crate::ledger`]'s (pure) business.

use std::sync::atomic::Ordering;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use super::client::{Inner, Network};
use super::strategy::QueryStrategy;
use crate::error::{ConfigProblem, Error, Result, Stage};
use crate::ledger::{self, ChainInfo, ProcessedTx, Query};
use crate::proto::common::Block;
use crate::proto::peer::Response;
use crate::protocol::UnsignedProposal;
use crate::routing::RoutePeer;

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

    fn inner(&self) -> &Inner {
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
    /// has no transaction with that id (yet).
    pub async fn transaction(&self, tx_id: &str) -> Result<Option<ProcessedTx>> {
        self.ask(
            Query::TransactionById(tx_id.to_owned()),
            ledger::processed_transaction,
        )
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
            inner.ledger_call(target, channel, &Query::Channels),
        )
        .await
        {
            Ok(answer) => answer?,
            Err(_) => return Err(timeout(deadline, Some(describe(target)))),
        };
        ledger::channels(&answer, &describe(target))
    }
}

/// `name (address)`, as errors name a peer.
fn describe(peer: &RoutePeer) -> String {
    format!("{} ({})", peer.name, peer.endpoint.address())
}

fn timeout(deadline: Duration, waiting_for: Option<String>) -> Error {
    Error::Timeout {
        stage: Stage::Evaluate,
        after: deadline,
        tx_id: None,
        waiting_for,
    }
}

impl Inner {
    /// Signs and sends one ledger query to one peer; the system chaincode's response.
    ///
    /// Errors: [`Error::Transport`] naming the peer when it cannot be reached or refuses the
    /// call; proposal building and signing errors.
    pub(crate) async fn ledger_call(
        &self,
        peer: &RoutePeer,
        channel: &str,
        query: &Query,
    ) -> Result<Response> {
        let request = query
            .request(channel, self.identity.serialized())
            .tx_id_hash(self.suite.tx_id_hash);
        let request = match self.connections.client_cert_hash() {
            Some(hash) => request.tls_cert_hash(hash),
            None => request,
        };
        let proposal = UnsignedProposal::new(request)?;
        let signature = self.identity.sign(proposal.bytes())?;
        match self.process(peer, proposal.signed(signature)).await {
            Ok(resp) => Ok(resp.response.unwrap_or_default()),
            Err((_, message)) => Err(Error::Transport {
                endpoint: peer.endpoint.address(),
                message: format!("{}: {message}", peer.name),
            }),
        }
    }

    /// The channel's ledger-query peers in the order a query tries them: those named in
    /// `only` in that order, else healthy peers before those set aside, the client's own
    /// organization first, rotated under [`QueryStrategy::RoundRobin`] — as evaluate does.
    pub(crate) fn ledger_peers<'v>(
        &self,
        view: &'v crate::routing::ChannelView,
        only: &[String],
    ) -> Vec<&'v RoutePeer> {
        if !only.is_empty() {
            return only.iter().filter_map(|n| view.peer(n)).collect();
        }
        let mut peers: Vec<&RoutePeer> =
            view.peers.iter().filter(|p| p.roles.ledger_query).collect();
        let own = self.own_msp();
        let health = self.connections.health();
        peers.sort_by_key(|p| {
            (
                health.is_set_aside(&p.endpoint.address()),
                p.msp_id.as_deref() != Some(own),
            )
        });
        if self.query_strategy == QueryStrategy::RoundRobin && !peers.is_empty() {
            let first = peers
                .iter()
                .position(|p| {
                    health.is_set_aside(&p.endpoint.address()) || p.msp_id.as_deref() != Some(own)
                })
                .unwrap_or(peers.len())
                .max(1);
            let n = self.next_query_peer.fetch_add(1, Ordering::Relaxed) % first;
            peers[..first].rotate_left(n);
        }
        peers
    }

    /// Asks `query` of the channel's ledger-query peers in turn (see [`Inner::ledger_peers`])
    /// until one gives an answer `read` accepts, all within `deadline`.
    ///
    /// Errors: when every peer failed, the first peer's [`Error::Protocol`] if some peer
    /// answered with an error, else [`Error::Transport`] — each listing every peer's failure;
    /// [`Error::Timeout`] (stage evaluate) naming the peer being waited for; a configuration
    /// error when the channel has no ledger-query peer.
    pub(crate) async fn ledger_query<T>(
        &self,
        channel: &str,
        query: &Query,
        only: &[String],
        deadline: Duration,
        read: impl Fn(&Response, &str) -> Result<T>,
    ) -> Result<T> {
        let waiting_for: Mutex<Option<String>> = Mutex::new(None);
        let work = async {
            let view = self.router.view(&self.profile, channel).await;
            let peers = self.ledger_peers(&view, only);
            if peers.is_empty() {
                return Err(Error::config(
                    format!("channels.{channel}.peers"),
                    ConfigProblem::Undefined {
                        what: "ledger query peer for channel",
                        name: channel.to_owned(),
                    },
                ));
            }
            let mut failures: Vec<(String, Error)> = Vec::new();
            for peer in peers {
                let who = describe(peer);
                *waiting_for.lock().unwrap_or_else(PoisonError::into_inner) = Some(who.clone());
                let answer = self
                    .ledger_call(peer, channel, query)
                    .await
                    .and_then(|answer| read(&answer, &who));
                match answer {
                    Ok(value) => return Ok(value),
                    Err(e) => failures.push((who, e)),
                }
            }
            Err(all_failed(channel, query, failures))
        };
        match tokio::time::timeout(deadline, work).await {
            Ok(result) => result,
            Err(_) => Err(timeout(
                deadline,
                waiting_for
                    .into_inner()
                    .unwrap_or_else(PoisonError::into_inner),
            )),
        }
    }
}

/// The error of a query no peer answered: the first peer's own error when there was one peer,
/// else one naming the first peer that answered with an error (or the first peer), listing
/// every peer's failure.
fn all_failed(channel: &str, query: &Query, mut failures: Vec<(String, Error)>) -> Error {
    if failures.len() == 1 {
        if let Some((_, e)) = failures.pop() {
            return e;
        }
    }
    let all = failures
        .iter()
        .map(|(who, e)| format!("{who}: {e}"))
        .collect::<Vec<_>>()
        .join("; ");
    let message = format!(
        "no peer of channel {channel} answered {} {}: {all}",
        query.chaincode(),
        query.function()
    );
    let answered = failures
        .iter()
        .find(|(_, e)| matches!(e, Error::Protocol { .. }));
    match answered.or(failures.first()) {
        Some((who, Error::Protocol { .. })) => Error::Protocol {
            endpoint: who.clone(),
            message,
        },
        Some((_, Error::Transport { endpoint, .. })) => Error::Transport {
            endpoint: endpoint.clone(),
            message,
        },
        Some((_, other)) => other.clone(),
        None => Error::Transport {
            endpoint: format!("ledger query peers of channel {channel}"),
            message,
        },
    }
}
