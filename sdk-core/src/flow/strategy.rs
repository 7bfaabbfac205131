//! Strategies: which peers to wait on for a commit, and which peer answers a query.

use std::time::Duration;

/// Which peers' commit events a submit waits for, with fabric-network's names and meanings.
///
/// "ALL" means every peer in scope whose event stream is up when the transaction is sent;
/// a peer that cannot be reached is left out rather than waited for until the deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum CommitStrategy {
    /// The first commit event from any event-source peer of the client's organization.
    MspidScopeAnyForTx,
    /// A commit event from every event-source peer of the client's organization.
    MspidScopeAllForTx,
    /// The first commit event from any event-source peer of the channel.
    NetworkScopeAnyForTx,
    /// A commit event from every event-source peer of the channel.
    NetworkScopeAllForTx,
    /// As `MspidScopeAnyForTx`; the channel's peers when the organization has none.
    PreferMspidScopeAnyForTx,
    /// As `MspidScopeAllForTx`; the channel's peers when the organization has none. The
    /// default, as in fabric-network: once a submit returns, every peer of the client's own
    /// organization has the new state, so a following evaluate reads it wherever it goes.
    #[default]
    PreferMspidScopeAllForTx,
    /// Do not wait: return once the orderer accepted the transaction.
    None,
}

impl CommitStrategy {
    /// Parses fabric-network's names (`MSPID_SCOPE_ANYFORTX`, …, `NONE`), case-insensitively.
    pub fn from_name(name: &str) -> Option<CommitStrategy> {
        Some(match name.to_ascii_uppercase().as_str() {
            "MSPID_SCOPE_ANYFORTX" => CommitStrategy::MspidScopeAnyForTx,
            "MSPID_SCOPE_ALLFORTX" => CommitStrategy::MspidScopeAllForTx,
            "NETWORK_SCOPE_ANYFORTX" => CommitStrategy::NetworkScopeAnyForTx,
            "NETWORK_SCOPE_ALLFORTX" => CommitStrategy::NetworkScopeAllForTx,
            "PREFER_MSPID_SCOPE_ANYFORTX" => CommitStrategy::PreferMspidScopeAnyForTx,
            "PREFER_MSPID_SCOPE_ALLFORTX" => CommitStrategy::PreferMspidScopeAllForTx,
            "NONE" => CommitStrategy::None,
            _ => return None,
        })
    }

    /// fabric-network's name of the strategy.
    pub fn name(self) -> &'static str {
        match self {
            CommitStrategy::MspidScopeAnyForTx => "MSPID_SCOPE_ANYFORTX",
            CommitStrategy::MspidScopeAllForTx => "MSPID_SCOPE_ALLFORTX",
            CommitStrategy::NetworkScopeAnyForTx => "NETWORK_SCOPE_ANYFORTX",
            CommitStrategy::NetworkScopeAllForTx => "NETWORK_SCOPE_ALLFORTX",
            CommitStrategy::PreferMspidScopeAnyForTx => "PREFER_MSPID_SCOPE_ANYFORTX",
            CommitStrategy::PreferMspidScopeAllForTx => "PREFER_MSPID_SCOPE_ALLFORTX",
            CommitStrategy::None => "NONE",
        }
    }

    /// Whether every peer in scope must report (rather than the first).
    pub(crate) fn all(self) -> bool {
        matches!(
            self,
            CommitStrategy::MspidScopeAllForTx
                | CommitStrategy::NetworkScopeAllForTx
                | CommitStrategy::PreferMspidScopeAllForTx
        )
    }

    /// (own organization only, fall back to the network when it has none)
    pub(crate) fn scope(self) -> (bool, bool) {
        match self {
            CommitStrategy::MspidScopeAnyForTx | CommitStrategy::MspidScopeAllForTx => {
                (true, false)
            }
            CommitStrategy::PreferMspidScopeAnyForTx | CommitStrategy::PreferMspidScopeAllForTx => {
                (true, true)
            }
            _ => (false, false),
        }
    }
}

/// Which peer answers an evaluate (query).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum QueryStrategy {
    /// Always the first available peer, the client's own organization first; the next one only
    /// when it fails (fabric-network's PREFER_MSPID_SCOPE_SINGLE). The default.
    #[default]
    Single,
    /// Rotate over the peers, the client's own organization first.
    RoundRobin,
}

/// Deadlines of each stage of a call. Every network call has one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Deadlines {
    /// Establishing a connection to a peer or orderer.
    pub connect: Duration,
    /// An evaluate, including moving on to other peers.
    pub evaluate: Duration,
    /// Collecting all endorsements.
    pub endorse: Duration,
    /// Getting the orderer's acceptance, including trying other orderers.
    pub submit: Duration,
    /// Waiting for the commit events.
    pub commit: Duration,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            connect: Duration::from_secs(10),
            evaluate: Duration::from_secs(30),
            endorse: Duration::from_secs(30),
            submit: Duration::from_secs(15),
            commit: Duration::from_secs(60),
        }
    }
}
