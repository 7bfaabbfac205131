//! The engine behind every call: one [`Engine`] per client, holding the identity, connections,
//! router and commit hub, and carrying calls one job per file:
//!
//! - [`endorse`]: endorse on the peers a route names, evaluate on one peer (client-side flow);
//! - [`order`]: offer the signed envelope to the orderers ([`crate::flow::rules::order`]
//!   decides each step);
//! - [`commit`]: listen for the commit before sending, and wait for it
//!   ([`crate::flow::rules::tally`] decides what the reports prove);
//! - [`resolve`]: look a transaction up on the ledger when its commit was not seen;
//! - [`gateway`]: the same jobs through the peer Gateway service, and the choice between the
//!   two ways ([`Carrier`]);
//! - [`ledger`]: signed qscc/cscc queries to one peer at a time.
//!
//! Every network call goes through [`crate::transport`]'s typed wrappers; the engine never
//! looks at gRPC statuses. Nothing here knows the public handles above it.

pub(crate) mod commit;
mod endorse;
pub(crate) mod gateway;
pub(crate) mod ledger;
mod modes;
mod order;
pub(crate) mod resolve;

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) use modes::GatewayState;
pub use modes::{Mode, Via};

use super::hotkeys::HotKeys;
use super::retry::RetryPolicy;
use super::strategy::{CommitStrategy, Deadlines, QueryStrategy};
use crate::config::Profile;
use crate::crypto::CryptoSuite;
use crate::error::{Error, Result, Stage};
use crate::events::CommitHub;
use crate::identity::Identity;
use crate::protocol::discovery::ChaincodeCall;
use crate::protocol::PeerTarget;
use crate::routing::policy::SignaturePolicy;
use crate::routing::{RoutePeer, Router};
use crate::transport::Connections;

/// What a client is made of, shared by every handle and every call.
pub(crate) struct Engine {
    pub(crate) profile: Profile,
    pub(crate) identity: Identity,
    pub(crate) connections: Connections,
    pub(crate) hub: CommitHub,
    pub(crate) router: Router,
    pub(crate) suite: CryptoSuite,
    pub(crate) retry: RetryPolicy,
    pub(crate) hot_keys: Mutex<HashMap<(String, String), Arc<HotKeys>>>,
    pub(crate) deadlines: Deadlines,
    pub(crate) commit_strategy: CommitStrategy,
    pub(crate) query_strategy: QueryStrategy,
    pub(crate) verify_endorsements: bool,
    pub(crate) next_query_peer: AtomicUsize,
    pub(crate) mode: Mode,
    pub(crate) gateways: GatewayState,
}

/// Which peers endorse a submit.
#[derive(Debug, Clone, Default)]
pub(crate) struct Targets {
    /// MSP IDs (or organization keys) whose peers must endorse; empty = every org with
    /// endorsing peers on the channel.
    pub(crate) orgs: Vec<String>,
    /// Exact peers (by profile name); overrides `orgs`.
    pub(crate) peers: Vec<String>,
    /// Private data collections the call touches (endorsers are limited to their members).
    pub(crate) collections: Vec<String>,
    /// Other chaincodes the call reaches (chaincode-to-chaincode).
    pub(crate) calls: Vec<String>,
    /// The endorsement policy to plan with when discovery is off or unavailable.
    pub(crate) policy: Option<Arc<SignaturePolicy>>,
}

impl Targets {
    /// The discovery interest of a call to `chaincode`.
    pub(crate) fn interest(&self, chaincode: &str) -> Vec<ChaincodeCall> {
        let mut first = ChaincodeCall::new(chaincode);
        first.collections = self.collections.clone();
        let mut interest = vec![first];
        interest.extend(self.calls.iter().map(ChaincodeCall::new));
        interest
    }
}

/// One stage of one call: its channel, transaction, stage and the time it has. Everything the
/// stage does — dialing, every peer or orderer it tries, the discovery it needs — fits in that
/// time; the stage's own calls are given what is left, so none is cut off from outside.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) channel: &'a str,
    pub(crate) tx_id: &'a str,
    pub(crate) stage: Stage,
    budget: Duration,
    until: tokio::time::Instant,
}

impl<'a> Ctx<'a> {
    /// A stage starting now with `budget`.
    pub(crate) fn new(channel: &'a str, tx_id: &'a str, stage: Stage, budget: Duration) -> Self {
        Ctx {
            channel,
            tx_id,
            stage,
            budget,
            until: tokio::time::Instant::now() + budget,
        }
    }

    /// The time left.
    pub(crate) fn left(&self) -> Duration {
        self.until
            .saturating_duration_since(tokio::time::Instant::now())
    }

    /// The stage's timeout error, naming what it waited for.
    pub(crate) fn timeout(&self, waiting_for: Option<String>) -> Error {
        Error::Timeout {
            stage: self.stage,
            after: self.budget,
            tx_id: (!self.tx_id.is_empty()).then(|| self.tx_id.to_owned()),
            waiting_for,
        }
    }

    /// Runs `fut` within the time left, turning expiry into the stage's timeout. Only for work
    /// that can be dropped at any point without leaving anything in doubt.
    pub(crate) async fn bound<T>(
        &self,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        match tokio::time::timeout(self.left(), fut).await {
            Ok(r) => r,
            Err(_) => Err(self.timeout(None)),
        }
    }
}

pub(crate) fn target(peer: &RoutePeer) -> PeerTarget {
    PeerTarget {
        name: peer.name.clone(),
        address: peer.endpoint.address(),
    }
}

/// A random index below `n` (0 when the system has no randomness to give).
pub(crate) fn random_index(n: usize) -> usize {
    let mut b = [0u8; 8];
    if getrandom::getrandom(&mut b).is_err() || n == 0 {
        return 0;
    }
    (u64::from_le_bytes(b) % n as u64) as usize
}

impl Engine {
    /// The hot-key scheduler of a contract (shared by every `Contract` value naming it).
    pub(crate) fn hot_keys(&self, channel: &str, chaincode: &str) -> Arc<HotKeys> {
        let mut map = self
            .hot_keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry((channel.to_owned(), chaincode.to_owned()))
            .or_default()
            .clone()
    }

    pub(crate) fn own_msp(&self) -> &str {
        self.identity.msp_id()
    }

    /// Whether `peer` belongs to the client's own organization.
    pub(crate) fn is_own(&self, peer: &RoutePeer) -> bool {
        peer.msp_id.as_deref() == Some(self.own_msp())
    }
}
