//! Which way calls reach the ledger ([`Mode`]), which way one went ([`Via`]), and what a client
//! learned about its peers' Gateway service.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

/// Which way a client reaches the ledger (see [`crate::flow::ClientBuilder::mode`]).
///
/// ```no_run
/// # async fn demo(profile: fabweave::config::Profile) -> fabweave::Result<()> {
/// use fabweave::flow::{Client, Mode, Via};
///
/// let client = Client::builder(profile).user("User1").mode(Mode::Gateway).connect().await?;
/// let done = client.network("mychannel").contract("basic").submit("CreateAsset").arg("a1").await?;
/// assert_eq!(done.via(), Via::Gateway);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mode {
    /// The peer Gateway service where the client's peer offers it, the client-side flow where it
    /// does not (a peer answering a Gateway call with `UNIMPLEMENTED` is remembered as having
    /// none). Calls that pin exact peers (`Submit::endorsing_peers`, `Evaluate::peers`) use the
    /// client-side flow, which can honour them. The default.
    #[default]
    Auto,
    /// Always the Gateway. A peer without it gives [`crate::Error::NoGateway`]. Pinned peers are
    /// passed to the Gateway as their organizations (it picks the peers itself).
    Gateway,
    /// Always the client-side flow: fabweave plans endorsements, broadcasts to orderers and
    /// waits for commit events itself, as Fabric 2.2 peers require.
    Client,
}

/// Which flow served a call: see [`crate::flow::Committed::via`] and [`crate::flow::Client::last_via`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Via {
    /// The peer Gateway service.
    Gateway,
    /// The client-side flow (endorsers, orderers and event streams reached directly).
    Client,
}

/// How many Gateway calls one client has in flight at most. A Fabric peer serves 500 Gateway
/// calls at once by default (`peer.limits.concurrency.gatewayService`) and refuses the others
/// with `RESOURCE_EXHAUSTED`; commit-status waits each hold one for a block time.
const MAX_GATEWAY_CALLS: usize = 256;

/// What the client learned about its peers' Gateway service, and which flow served last.
#[derive(Debug)]
pub(crate) struct GatewayState {
    /// Per peer address: whether it offers the Gateway (absent: not asked yet).
    offered: Mutex<HashMap<String, bool>>,
    /// The flow of the last call: 0 none yet, 1 client, 2 gateway.
    last: AtomicU8,
    /// Bounds the calls in flight (see [`MAX_GATEWAY_CALLS`]).
    pub(crate) permits: tokio::sync::Semaphore,
}

impl Default for GatewayState {
    fn default() -> Self {
        GatewayState {
            offered: Mutex::new(HashMap::new()),
            last: AtomicU8::new(0),
            permits: tokio::sync::Semaphore::new(MAX_GATEWAY_CALLS),
        }
    }
}

impl GatewayState {
    pub(crate) fn offered(&self, address: &str) -> Option<bool> {
        self.lock().get(address).copied()
    }

    pub(crate) fn remember(&self, address: &str, offered: bool) {
        let before = self.lock().insert(address.to_owned(), offered);
        if before != Some(offered) {
            tracing::debug!(address, offered, "peer Gateway service");
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, bool>> {
        self.offered
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn served(&self, via: Via) {
        let v = match via {
            Via::Client => 1,
            Via::Gateway => 2,
        };
        self.last.store(v, Ordering::Relaxed);
    }

    pub(crate) fn last(&self) -> Option<Via> {
        match self.last.load(Ordering::Relaxed) {
            1 => Some(Via::Client),
            2 => Some(Via::Gateway),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_remembers_peers_and_the_last_flow() {
        let s = GatewayState::default();
        assert_eq!(s.offered("a:1"), None);
        s.remember("a:1", false);
        assert_eq!(s.offered("a:1"), Some(false));
        assert_eq!(s.last(), None);
        s.served(Via::Gateway);
        assert_eq!(s.last(), Some(Via::Gateway));
        s.served(Via::Client);
        assert_eq!(s.last(), Some(Via::Client));
    }
}
