//! The evaluate and submit calls: builders that run when awaited.

use std::collections::BTreeMap;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, SystemTime};

use super::client::{Contract, Targets};
use super::steps::Proposal;
use super::strategy::{CommitStrategy, Deadlines};
use super::IntoArg;
use crate::error::Result;
use crate::proto::peer::ChaincodeEvent;
use crate::protocol::ProposalRequest;

/// The argument and transient-data methods every call builder has (on its `spec` field).
macro_rules! call_inputs {
    () => {
        /// Adds one argument (a string or bytes).
        pub fn arg(mut self, arg: impl IntoArg) -> Self {
            self.spec.args.push(arg.into_arg());
            self
        }

        /// Adds arguments.
        pub fn args<A: IntoArg>(mut self, args: impl IntoIterator<Item = A>) -> Self {
            self.spec
                .args
                .extend(args.into_iter().map(IntoArg::into_arg));
            self
        }

        /// Adds a transient (private, never written to the ledger) entry.
        pub fn transient(mut self, key: impl Into<String>, value: impl IntoArg) -> Self {
            self.spec.transient.insert(key.into(), value.into_arg());
            self
        }
    };
}

/// A boxed future, as the call builders return from `into_future`.
pub type CallFuture<T> = Pin<Box<dyn Future<Output = Result<T>> + Send>>;

/// What the call builders share: the function, its arguments and transient data.
#[derive(Debug, Clone)]
pub(crate) struct CallSpec {
    pub(crate) contract: Contract,
    pub(crate) function: String,
    pub(crate) args: Vec<Vec<u8>>,
    pub(crate) transient: BTreeMap<String, Vec<u8>>,
}

impl CallSpec {
    pub(crate) fn request(&self) -> ProposalRequest {
        let inner = self.contract.inner();
        ProposalRequest {
            channel: self.contract.network.channel.clone(),
            chaincode: self.contract.chaincode.clone(),
            function: self.function.clone(),
            args: self.args.clone(),
            transient: self.transient.clone(),
            creator: inner.identity.serialized(),
            tls_cert_hash: inner.connections.client_cert_hash(),
            nonce: None,
            timestamp: SystemTime::now(),
            is_init: false,
        }
    }
}

/// An evaluate (query) being set up; `.await` it to run.
#[must_use = "an evaluate does nothing until awaited"]
#[derive(Debug, Clone)]
pub struct Evaluate {
    spec: CallSpec,
    peers: Vec<String>,
    timeout: Option<Duration>,
}

impl Evaluate {
    pub(crate) fn new(contract: Contract, function: String) -> Self {
        Evaluate {
            spec: CallSpec {
                contract,
                function,
                args: Vec::new(),
                transient: BTreeMap::new(),
            },
            peers: Vec::new(),
            timeout: None,
        }
    }

    call_inputs!();

    /// Evaluates on these peers only (profile names), in this order.
    pub fn peers<S: Into<String>>(mut self, peers: impl IntoIterator<Item = S>) -> Self {
        self.peers = peers.into_iter().map(Into::into).collect();
        self
    }

    /// The evaluate deadline for this call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    async fn run(self) -> Result<Vec<u8>> {
        let inner = self.spec.contract.inner();
        let proposal = crate::protocol::UnsignedProposal::new(self.spec.request())?;
        let signature = inner.identity.sign(proposal.bytes())?;
        let deadline = self.timeout.unwrap_or(inner.deadlines.evaluate);
        inner
            .evaluate(
                &self.spec.contract.network.channel,
                &proposal,
                proposal.signed(signature),
                &self.peers,
                deadline,
            )
            .await
    }
}

impl IntoFuture for Evaluate {
    type Output = Result<Vec<u8>>;
    type IntoFuture = CallFuture<Vec<u8>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// A submit being set up; `.await` it to endorse, order and wait for the commit, or call
/// [`Submit::build`] for the step-by-step form.
#[must_use = "a submit does nothing until awaited"]
#[derive(Debug, Clone)]
pub struct Submit {
    pub(crate) spec: CallSpec,
    pub(crate) targets: Targets,
    pub(crate) deadlines: Deadlines,
    pub(crate) strategy: CommitStrategy,
}

impl Submit {
    pub(crate) fn new(contract: Contract, function: String) -> Self {
        let inner = contract.inner();
        let deadlines = inner.deadlines;
        let strategy = inner.commit_strategy;
        let policy = contract.policy.clone();
        Submit {
            spec: CallSpec {
                contract,
                function,
                args: Vec::new(),
                transient: BTreeMap::new(),
            },
            targets: Targets {
                policy,
                ..Targets::default()
            },
            deadlines,
            strategy,
        }
    }

    call_inputs!();

    /// Endorse on one peer of each of these organizations (MSP IDs or profile keys) only.
    pub fn endorsing_orgs<S: Into<String>>(mut self, orgs: impl IntoIterator<Item = S>) -> Self {
        self.targets.orgs = orgs.into_iter().map(Into::into).collect();
        self
    }

    /// Endorse on exactly these peers (profile names, or addresses of discovered peers).
    pub fn endorsing_peers<S: Into<String>>(mut self, peers: impl IntoIterator<Item = S>) -> Self {
        self.targets.peers = peers.into_iter().map(Into::into).collect();
        self
    }

    /// The private data collections the call reads or writes: discovery then picks endorsers
    /// among the collections' member organizations.
    pub fn collections<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.targets.collections = names.into_iter().map(Into::into).collect();
        self
    }

    /// Other chaincodes this call invokes (chaincode-to-chaincode): discovery then picks
    /// endorsers that satisfy every one's policy.
    pub fn calls_chaincodes<S: Into<String>>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        self.targets.calls = names.into_iter().map(Into::into).collect();
        self
    }

    /// The commit strategy for this call.
    pub fn commit_strategy(mut self, strategy: CommitStrategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// The endorsement deadline for this call.
    pub fn endorse_timeout(mut self, d: Duration) -> Self {
        self.deadlines.endorse = d;
        self
    }

    /// The ordering deadline for this call.
    pub fn submit_timeout(mut self, d: Duration) -> Self {
        self.deadlines.submit = d;
        self
    }

    /// The commit-wait deadline for this call.
    pub fn commit_timeout(mut self, d: Duration) -> Self {
        self.deadlines.commit = d;
        self
    }

    /// Builds the proposal without signing it: its [`Proposal::bytes`] are what the creator
    /// signs, for signing outside this process.
    pub fn build(self) -> Result<Proposal> {
        let unsigned = crate::protocol::UnsignedProposal::new(self.spec.request())?;
        Ok(Proposal::new(self, unsigned))
    }

    async fn run(self) -> Result<Committed> {
        // The stages before the wait run in their own heap future, freed once the orderer
        // accepted the transaction: a waiting submit then holds only what the wait needs.
        let submitted = Box::pin(async move {
            let identity = self.spec.contract.inner().identity.clone();
            let proposal = self.build()?;
            let signature = identity.sign(proposal.bytes())?;
            let tx = proposal.endorse(signature).await?;
            let signature = identity.sign(tx.bytes())?;
            tx.submit(signature).await
        })
        .await?;
        submitted.status().await
    }
}

impl IntoFuture for Submit {
    type Output = Result<Committed>;
    type IntoFuture = CallFuture<Committed>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.run())
    }
}

/// A committed transaction.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Committed {
    pub(crate) tx_id: String,
    pub(crate) block: Option<u64>,
    pub(crate) payload: Vec<u8>,
    pub(crate) event: Option<ChaincodeEvent>,
    pub(crate) peer: Option<String>,
    pub(crate) endorsers: Vec<Endorser>,
}

impl Committed {
    /// The transaction id.
    pub fn tx_id(&self) -> &str {
        &self.tx_id
    }

    /// The block it was committed in (0 when the commit strategy was `None`: not waited for).
    pub fn block_number(&self) -> u64 {
        self.block.unwrap_or(0)
    }

    /// Whether the commit was observed (false only with the `None` strategy).
    pub fn is_confirmed(&self) -> bool {
        self.block.is_some()
    }

    /// The chaincode's response payload.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The chaincode event the transaction set, if any (with its payload).
    pub fn event(&self) -> Option<&ChaincodeEvent> {
        self.event.as_ref()
    }

    /// The peer whose commit event confirmed it first.
    pub fn confirmed_by(&self) -> Option<&str> {
        self.peer.as_deref()
    }

    /// The peers whose endorsements the transaction carries.
    pub fn endorsers(&self) -> &[Endorser] {
        &self.endorsers
    }
}

/// A peer that endorsed a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endorser {
    /// The peer's name (profile name, or discovered address).
    pub peer: String,
    /// The address it was reached at.
    pub address: String,
    /// The MSP ID of the identity that signed the endorsement.
    pub msp_id: String,
}

impl Endorser {
    /// The endorsers of `endorsed`: its peers, with the MSP ID each endorsement was signed
    /// under.
    pub(crate) fn of(endorsed: &crate::protocol::Endorsed) -> Vec<Endorser> {
        use prost::Message;
        endorsed
            .peers()
            .iter()
            .zip(endorsed.endorsements())
            .map(|(p, e)| Endorser {
                peer: p.name.clone(),
                address: p.address.clone(),
                msp_id: crate::proto::msp::SerializedIdentity::decode(e.endorser.as_slice())
                    .map(|id| id.mspid)
                    .unwrap_or_default(),
            })
            .collect()
    }
}
