//! The public handles: [`Client`] (built with [`ClientBuilder`]), its [`Network`]s (channels)
//! and their [`Contract`]s (chaincodes). Calls are started from a contract
//! ([`Contract::evaluate`], [`Contract::submit`]) and carried by the engine.

use std::sync::Arc;

use super::engine::{Engine, GatewayState, Mode, Via};
use super::retry::RetryPolicy;
use super::strategy::{CommitStrategy, Deadlines, QueryStrategy};
use crate::config::{Profile, TlsClientPair};
use crate::crypto::CryptoSuite;
use crate::error::{ConfigProblem, Error, Result};
use crate::events::CommitHub;
use crate::identity::Identity;
use crate::routing::policy::SignaturePolicy;
use crate::routing::{ChannelView, Router, RoutingOptions};
use crate::transport::{self, Connections};

/// A connection to a Fabric network as one identity: the entry point of the SDK.
///
/// Cheap to clone; clones share connections and event streams.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Engine>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("identity", &self.inner.identity)
            .field("deadlines", &self.inner.deadlines)
            .finish()
    }
}

/// Builds a [`Client`].
#[must_use]
pub struct ClientBuilder {
    profile: Profile,
    identity: Option<Identity>,
    user: Option<String>,
    passphrase: Option<zeroize::Zeroizing<Vec<u8>>>,
    deadlines: Deadlines,
    commit_strategy: CommitStrategy,
    query_strategy: QueryStrategy,
    verify_endorsements: bool,
    routing: RoutingOptions,
    retry: RetryPolicy,
    suite: Option<CryptoSuite>,
    mode: Mode,
}

impl ClientBuilder {
    /// Uses this identity.
    pub fn identity(mut self, identity: Identity) -> Self {
        self.identity = Some(identity);
        self
    }

    /// Loads this user's identity from the profile (its organization's `users` or `cryptoPath`).
    pub fn user(mut self, name: impl Into<String>) -> Self {
        self.user = Some(name.into());
        self
    }

    /// The passphrase of the user's encrypted key.
    pub fn passphrase(mut self, passphrase: impl AsRef<[u8]>) -> Self {
        self.passphrase = Some(zeroize::Zeroizing::new(passphrase.as_ref().to_vec()));
        self
    }

    /// Deadlines for every call (each call may override them).
    pub fn deadlines(mut self, deadlines: Deadlines) -> Self {
        self.deadlines = deadlines;
        self
    }

    /// The default commit strategy ([`CommitStrategy::PreferMspidScopeAllForTx`] unless set).
    pub fn commit_strategy(mut self, strategy: CommitStrategy) -> Self {
        self.commit_strategy = strategy;
        self
    }

    /// How evaluate picks its peer ([`QueryStrategy::Single`] unless set).
    pub fn query_strategy(mut self, strategy: QueryStrategy) -> Self {
        self.query_strategy = strategy;
        self
    }

    /// Whether to verify each endorser's signature (on by default).
    pub fn verify_endorsements(mut self, on: bool) -> Self {
        self.verify_endorsements = on;
        self
    }

    /// Whether to use the peers' discovery service to find the channel's peers, orderers and
    /// endorsement layouts (on by default; see [`RoutingOptions::discovery`]).
    pub fn discovery(mut self, on: bool) -> Self {
        self.routing.discovery = on;
        self
    }

    /// Dials the DNS names discovery reports at `localhost`, keeping their ports (for a
    /// network running in containers on this machine; off by default).
    pub fn as_localhost(mut self, on: bool) -> Self {
        self.routing.as_localhost = on;
        self
    }

    /// How submits are retried (see [`RetryPolicy`]; on by default, each call may override
    /// it).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The crypto suite (transaction-id and TLS-certificate hashes) to use instead of the one
    /// the profile's `client.BCCSP.security` and the identity's key call for (see
    /// [`CryptoSuite::choose`]).
    pub fn crypto_suite(mut self, suite: CryptoSuite) -> Self {
        self.suite = Some(suite);
        self
    }

    /// Whether calls go through the peer Gateway service or the client-side flow
    /// ([`Mode::Auto`] unless set: the Gateway where the peer offers it).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Every routing option at once.
    pub fn routing(mut self, options: RoutingOptions) -> Self {
        self.routing = options;
        self
    }

    /// Loads the identity and prepares the connections (which are made on first use).
    pub async fn connect(self) -> Result<Client> {
        let identity = match (self.identity, &self.user) {
            (Some(id), _) => id,
            (None, Some(user)) => self
                .profile
                .identity(user, self.passphrase.as_deref().map(Vec::as_slice))?,
            (None, None) => {
                return Err(Error::config("client", ConfigProblem::MissingKey)
                    .in_file_opt(self.profile.source.as_deref()))
            }
        };
        let client_tls = match client_tls_pair(&self.profile)? {
            Some(pair) => Some(pair),
            None if self.routing.discovery => Some(transport::ephemeral_client_pair()?),
            None => None,
        };
        let suite = match self.suite {
            Some(s) => s,
            None => {
                let (suite, note) =
                    CryptoSuite::choose(&self.profile.client.crypto, identity.signer().algorithm());
                if let Some(note) = note {
                    tracing::warn!(suite = suite.name, "{note}");
                }
                suite
            }
        };
        let identity = sm2_identity_for(identity, suite)?;
        let connections = Connections::new(client_tls, self.deadlines.connect)
            .with_cert_hash(suite.tls_cert_hash);
        let hub = CommitHub::new(connections.clone(), identity.clone());
        let router = Router::new(connections.clone(), identity.clone(), self.routing);
        Ok(Client {
            inner: Arc::new(Engine {
                profile: self.profile,
                identity,
                connections,
                hub,
                router,
                suite,
                retry: self.retry,
                hot_keys: Default::default(),
                deadlines: self.deadlines,
                commit_strategy: self.commit_strategy,
                query_strategy: self.query_strategy,
                verify_endorsements: self.verify_endorsements,
                next_query_peer: Default::default(),
                mode: self.mode,
                gateways: GatewayState::default(),
            }),
        })
    }
}

/// The mutual-TLS client pair named by the profile (`client.tlsCerts.client`, or the client
/// organization's `tlsCryptoCertPath`/`tlsCryptoKeyPath`).
fn client_tls_pair(profile: &Profile) -> Result<Option<transport::ClientTlsPem>> {
    let pair: Option<&TlsClientPair> = profile.client.tls_client.as_ref().or_else(|| {
        profile
            .client_organization()
            .and_then(|o| o.tls_client.as_ref())
    });
    let Some(pair) = pair else { return Ok(None) };
    Ok(Some((pair.cert.read()?.to_vec(), pair.key.read()?)))
}

impl Client {
    /// Starts building a client for `profile`.
    pub fn builder(profile: Profile) -> ClientBuilder {
        ClientBuilder {
            profile,
            identity: None,
            user: None,
            passphrase: None,
            deadlines: Deadlines::default(),
            commit_strategy: CommitStrategy::default(),
            query_strategy: QueryStrategy::default(),
            verify_endorsements: true,
            routing: RoutingOptions::default(),
            retry: RetryPolicy::default(),
            suite: None,
            mode: Mode::default(),
        }
    }

    /// A channel.
    pub fn network(&self, channel: impl Into<String>) -> Network {
        Network {
            client: self.clone(),
            channel: channel.into(),
        }
    }

    /// The identity the client signs as.
    pub fn identity(&self) -> &Identity {
        &self.inner.identity
    }

    /// The crypto suite in use (transaction-id and TLS-certificate hashes).
    pub fn crypto_suite(&self) -> CryptoSuite {
        self.inner.suite
    }

    /// The profile the client was built from.
    pub fn profile(&self) -> &Profile {
        &self.inner.profile
    }

    /// The mode the client was built with (see [`ClientBuilder::mode`]).
    pub fn mode(&self) -> Mode {
        self.inner.mode
    }

    /// Which flow served the client's most recent evaluate or endorsement (any clone, any
    /// task; `None` before the first call) — in [`Mode::Auto`], whether the peer's Gateway was
    /// used. A submit's own flow is [`super::Committed::via`].
    pub fn last_via(&self) -> Option<Via> {
        self.inner.gateways.last()
    }
}

/// A channel, as seen by a client.
#[derive(Clone, Debug)]
pub struct Network {
    pub(crate) client: Client,
    pub(crate) channel: String,
}

impl Network {
    /// A chaincode on this channel.
    pub fn contract(&self, chaincode: impl Into<String>) -> Contract {
        Contract {
            network: self.clone(),
            chaincode: chaincode.into(),
            policy: None,
            hot_keys: false,
        }
    }

    /// The channel's name.
    pub fn name(&self) -> &str {
        &self.channel
    }

    /// The channel's peers and orderers as the client sees them: the profile's, with what
    /// discovery reports (cached; asked when stale).
    pub async fn view(&self) -> Arc<ChannelView> {
        let inner = &self.client.inner;
        inner.router.view(&inner.profile, &self.channel).await
    }

    /// [`Network::view`], asking discovery again now.
    pub async fn refresh(&self) -> Arc<ChannelView> {
        let inner = &self.client.inner;
        inner.router.invalidate(&self.channel);
        inner.router.view(&inner.profile, &self.channel).await
    }
}

/// A chaincode on a channel.
#[derive(Clone, Debug)]
pub struct Contract {
    pub(crate) network: Network,
    pub(crate) chaincode: String,
    pub(crate) policy: Option<Arc<SignaturePolicy>>,
    pub(crate) hot_keys: bool,
}

impl Contract {
    /// The chaincode's name.
    pub fn name(&self) -> &str {
        &self.chaincode
    }

    /// This contract with hot-key scheduling: submits whose transactions read or write the
    /// same keys go out one after another (each endorsed once the previous one committed)
    /// instead of racing into read conflicts. The keys are learned from the endorsements'
    /// read/write sets, per function and arguments. Worth it for contracts whose calls contend
    /// for a few keys (counters, balances); it costs nothing to calls that do not.
    pub fn with_hot_key_scheduling(mut self) -> Self {
        self.hot_keys = true;
        self
    }

    /// This contract, planning endorsements with `policy` where discovery is off or no peer
    /// answers it (instead of a policy from the profile, or one peer of every organization).
    /// Takes the policy or an `Arc` of it (shared by many contracts without copying).
    pub fn with_endorsement_policy(mut self, policy: impl Into<Arc<SignaturePolicy>>) -> Self {
        self.policy = Some(policy.into());
        self
    }

    /// The channel.
    pub fn network(&self) -> &Network {
        &self.network
    }

    pub(crate) fn inner(&self) -> &Engine {
        &self.network.client.inner
    }
}

/// The identity, its SM2 signer switched to the suite's way of computing `e` when the suite
/// is not the standard one. An SM2 signer that cannot switch (one that hashes on its own) is a
/// configuration error naming the suite.
fn sm2_identity_for(identity: Identity, suite: CryptoSuite) -> Result<Identity> {
    let signer = identity.signer();
    if suite.sm2_digest == crate::crypto::Sm2Digest::Standard
        || signer.algorithm() != crate::crypto::SignatureAlgorithm::Sm2Sm3
    {
        return Ok(identity);
    }
    match signer.with_sm2_digest(suite.sm2_digest) {
        Some(switched) => identity.with_signer(switched?),
        None => Err(Error::Crypto {
            message: format!(
                "the crypto suite {} signs SM2 over {} digests, but the identity's signer \
                 computes its own; use an in-memory SM2 key or the bcs-gm suite",
                suite.name, suite.sm2_digest
            ),
        }),
    }
}
