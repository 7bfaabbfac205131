//! Event streams of a network (blocks) and of a contract (chaincode events).
//!
//! ```no_run
//! # async fn demo(client: fabweave::flow::Client) -> fabweave::Result<()> {
//! use fabweave::events::{BlockKind, StartAt};
//! use futures_util::StreamExt;
//!
//! let network = client.network("mychannel");
//! let mut blocks = network
//!     .block_events()
//!     .kind(BlockKind::Filtered)
//!     .start(StartAt::Block(10))
//!     .await?;
//! while let Some(block) = blocks.next().await {
//!     println!("block {}", block?.block_number);
//! }
//!
//! let mut events = network.contract("basic").chaincode_events().event_name("Transfer").await?;
//! if let Some(event) = events.next().await {
//!     let event = event?;
//!     println!("{} {} {:?}", event.tx_id, event.event_name, event.payload);
//! }
//! events.close();
//! # Ok(()) }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use super::client::{Contract, Network};
use crate::error::Result;
use crate::events::{
    self, BlockEvent, BlockKind, ChaincodeEvent, ChaincodeFilter, Checkpointer, EventOptions,
    EventPeer, EventStream, PeerLister, Source, StartAt, WholeBlocks,
};

impl Network {
    /// A stream of this channel's blocks: configure it, then `.await` it (or call
    /// [`BlockEvents::open`]). Full blocks from the newest one on unless told otherwise.
    pub fn block_events(&self) -> BlockEvents {
        BlockEvents {
            network: self.clone(),
            common: Common::new(BlockKind::Full),
        }
    }
}

impl Contract {
    /// A stream of the events this chaincode emits in valid transactions: configure it, then
    /// `.await` it (or call [`ChaincodeEvents::open`]). Read from full blocks (with payloads)
    /// from the newest block on unless told otherwise.
    pub fn chaincode_events(&self) -> ChaincodeEvents {
        ChaincodeEvents {
            contract: self.clone(),
            event_name: None,
            common: Common::new(BlockKind::Full),
        }
    }
}

/// Options both builders share.
#[derive(Clone)]
struct Common {
    kind: BlockKind,
    start: StartAt,
    checkpointer: Option<Arc<dyn Checkpointer>>,
    options: EventOptions,
}

impl Common {
    fn new(kind: BlockKind) -> Common {
        Common {
            kind,
            start: StartAt::default(),
            checkpointer: None,
            options: EventOptions::default(),
        }
    }

    /// The checkpointer's position, if any.
    fn resume(&self) -> Result<Option<events::Checkpoint>> {
        match &self.checkpointer {
            Some(c) => c.load(),
            None => Ok(None),
        }
    }
}

/// The channel's event-source peers, asked of the network's view (profile and discovery)
/// before each round of a stream.
fn lister(network: &Network) -> PeerLister {
    let network = network.clone();
    Arc::new(move || {
        let network = network.clone();
        Box::pin(async move {
            let view = network.view().await;
            let sources: Vec<_> = view.peers.iter().filter(|p| p.roles.event_source).collect();
            let chosen = if sources.is_empty() {
                view.peers.iter().collect()
            } else {
                sources
            };
            chosen
                .into_iter()
                .map(|p| EventPeer {
                    name: p.name.clone(),
                    msp_id: p.msp_id.clone(),
                    endpoint: p.endpoint.clone(),
                })
                .collect()
        })
    })
}

fn source<E>(network: &Network, common: &Common, emitter: E) -> Source<E> {
    let inner = &network.client.inner;
    Source {
        connections: inner.connections.clone(),
        identity: inner.identity.clone(),
        channel: network.channel.clone(),
        own_msp: inner.identity.msp_id().to_owned(),
        kind: common.kind,
        peers: lister(network),
        options: common.options,
        start: common.start.clone(),
        emitter,
    }
}

macro_rules! common_options {
    () => {
        /// Where to start when the checkpointer has no checkpoint (or there is none):
        /// [`StartAt::Newest`] by default.
        pub fn start(mut self, start: StartAt) -> Self {
            self.common.start = start;
            self
        }

        /// Resumes after the checkpointer's position, if it has one (see [`Checkpointer`]);
        /// [`crate::events::EventStream::ack`] records into it.
        pub fn checkpointer(mut self, checkpointer: Arc<dyn Checkpointer>) -> Self {
            self.common.checkpointer = Some(checkpointer);
            self
        }

        /// Every stream option at once (backoff, give-up time, buffer).
        pub fn options(mut self, options: EventOptions) -> Self {
            self.common.options = options;
            self
        }

        /// How long to keep trying while no peer delivers before the stream ends with
        /// [`crate::Error::EventsUnavailable`] (default 5 min).
        pub fn give_up_after(mut self, after: Duration) -> Self {
            self.common.options.give_up_after = after;
            self
        }
    };
}

/// Builds a stream of blocks, from [`Network::block_events`].
#[must_use = "a stream builder does nothing until awaited"]
pub struct BlockEvents {
    network: Network,
    common: Common,
}

impl BlockEvents {
    common_options!();

    /// Full blocks (default), filtered blocks, or full blocks with the private data the
    /// client's organization may read.
    pub fn kind(mut self, kind: BlockKind) -> Self {
        self.common.kind = kind;
        self
    }

    /// Opens the stream: reads the checkpointer and starts reading in the background (within
    /// the current tokio runtime). Connection problems show in the stream, not here.
    ///
    /// Errors: [`crate::Error::Checkpoint`] when the checkpointer cannot be read.
    pub async fn open(self) -> Result<EventStream<BlockEvent>> {
        let resume = self.common.resume()?;
        let source = source(&self.network, &self.common, WholeBlocks);
        Ok(events::spawn(source, resume, self.common.checkpointer))
    }
}

impl IntoFuture for BlockEvents {
    type Output = Result<EventStream<BlockEvent>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.open())
    }
}

/// Builds a stream of chaincode events, from [`Contract::chaincode_events`].
#[must_use = "a stream builder does nothing until awaited"]
pub struct ChaincodeEvents {
    contract: Contract,
    event_name: Option<String>,
    common: Common,
}

impl ChaincodeEvents {
    common_options!();

    /// Only events of this name.
    pub fn event_name(mut self, name: impl Into<String>) -> Self {
        self.event_name = Some(name.into());
        self
    }

    /// Which blocks to read events from: full blocks (default; events with payloads), filtered
    /// blocks (smaller, but events come **without payloads**), or blocks with private data.
    pub fn kind(mut self, kind: BlockKind) -> Self {
        self.common.kind = kind;
        self
    }

    /// Opens the stream: reads the checkpointer and starts reading in the background (within
    /// the current tokio runtime). Connection problems show in the stream, not here.
    ///
    /// Errors: [`crate::Error::Checkpoint`] when the checkpointer cannot be read.
    pub async fn open(self) -> Result<EventStream<ChaincodeEvent>> {
        let resume = self.common.resume()?;
        let filter = ChaincodeFilter {
            chaincode: self.contract.chaincode.clone(),
            event_name: self.event_name,
        };
        let source = source(&self.contract.network, &self.common, filter);
        Ok(events::spawn(source, resume, self.common.checkpointer))
    }
}

impl IntoFuture for ChaincodeEvents {
    type Output = Result<EventStream<ChaincodeEvent>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.open())
    }
}
