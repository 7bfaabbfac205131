//! The normalized network model every profile format loads into.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::Error;

/// The profile format a file was recognized as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileFormat {
    /// fabric-sdk-go's `config.yaml` schema (Huawei BCS, Alibaba BaaS "Go" profiles).
    SdkGo,
    /// The common connection profile (fabric-samples, Alibaba BaaS "standard" profiles).
    Ccp,
}

/// A connection profile, normalized.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Profile {
    /// The file it was loaded from, if any.
    pub source: Option<PathBuf>,
    /// The format it was recognized as.
    pub format: ProfileFormat,
    /// The profile's `name`, if any.
    pub name: Option<String>,
    /// Client-side settings.
    pub client: ClientSettings,
    /// Organizations, in file order.
    pub organizations: Vec<Organization>,
    /// Peers, in file order.
    pub peers: Vec<Peer>,
    /// Orderers, in file order.
    pub orderers: Vec<Orderer>,
    /// Fabric CA servers, in file order.
    pub certificate_authorities: Vec<CertificateAuthority>,
    /// Channels, in file order.
    pub channels: Vec<Channel>,
    /// Rules that map host names (e.g. discovered in-cluster names) to reachable addresses.
    pub entity_matchers: Vec<EntityMatcher>,
    /// Everything found wrong or suspicious, blocking or not.
    pub diagnostics: Vec<Diagnostic>,
}

/// Settings of the client application.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClientSettings {
    /// The organization (key under `organizations`) the application belongs to.
    pub organization: Option<String>,
    /// Timeouts.
    pub timeouts: Timeouts,
    /// The client TLS certificate and key for mutual TLS (`client.tlsCerts.client`, or the
    /// organization's `tlsCryptoCertPath`/`tlsCryptoKeyPath`).
    pub tls_client: Option<TlsClientPair>,
    /// Whether to trust the system's root certificates as well (`client.tlsCerts.systemCertPool`).
    pub system_cert_pool: bool,
    /// The cryptography the network uses (`client.BCCSP.security`).
    pub crypto: CryptoSettings,
    /// `client.cryptoconfig.path`, the root of relative `cryptoPath`s.
    pub crypto_config_path: Option<PathBuf>,
    /// `client.logging.level`.
    pub logging_level: Option<String>,
}

/// Timeouts of the network calls, with fabric-sdk-go's defaults where the profile is silent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// Connecting to a peer (`client.peer.timeout.connection`, default 10 s).
    pub peer_connection: Duration,
    /// A peer's answer to a proposal (`client.peer.timeout.response`, default 180 s; CCP:
    /// `client.connection.timeout.peer.endorser`).
    pub peer_response: Duration,
    /// Connecting to an orderer (`client.orderer.timeout.connection`, default 15 s).
    pub orderer_connection: Duration,
    /// An orderer's answer (`client.orderer.timeout.response`, default 120 s).
    pub orderer_response: Duration,
    /// Connecting to the discovery service (`client.discovery.timeout.connection`, default 15 s).
    pub discovery_connection: Duration,
    /// A discovery answer (`client.discovery.timeout.response`, default 15 s).
    pub discovery_response: Duration,
    /// Registering for events (`client.eventService.timeout.registrationResponse`, default 15 s).
    pub event_registration: Duration,
    /// A whole query (`client.global.timeout.query`, default 180 s).
    pub query: Duration,
    /// A whole transaction (`client.global.timeout.execute`, default 180 s).
    pub execute: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            peer_connection: Duration::from_secs(10),
            peer_response: Duration::from_secs(180),
            orderer_connection: Duration::from_secs(15),
            orderer_response: Duration::from_secs(120),
            discovery_connection: Duration::from_secs(15),
            discovery_response: Duration::from_secs(15),
            event_registration: Duration::from_secs(15),
            query: Duration::from_secs(180),
            execute: Duration::from_secs(180),
        }
    }
}

/// The cryptographic provider a profile asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoProvider {
    /// Software ECDSA (`SW`).
    Software,
    /// OSCCA SM2/SM3 (`SM` or `GM`).
    Sm,
    /// A PKCS#11 HSM.
    Pkcs11,
    /// Anything else, as written.
    Other(String),
}

/// The hash family of the MSPs (`hashAlgorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashFamily {
    /// SHA-2 (SHA-256 at security level 256).
    Sha2,
    /// SHA-3.
    Sha3,
    /// SM3.
    Sm3,
}

/// `client.BCCSP.security`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CryptoSettings {
    /// The provider (`default.provider`), software ECDSA when absent.
    pub provider: CryptoProvider,
    /// The hash family, SHA-2 when absent (SM3 for the SM provider).
    pub hash_family: HashFamily,
    /// Security level in bits (`level`), 256 when absent.
    pub level: u32,
    /// A crypto suite named by the profile (`client.cryptoSuite`, a fabweave key; one of
    /// `crate::crypto::CryptoSuite::ALL`), overriding the choice from the provider and key.
    pub suite: Option<String>,
}

impl Default for CryptoSettings {
    fn default() -> Self {
        CryptoSettings {
            provider: CryptoProvider::Software,
            hash_family: HashFamily::Sha2,
            level: 256,
            suite: None,
        }
    }
}

/// Certificate or key material given inline or by file.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Material {
    /// PEM text inline in the profile (may be a private key: zeroized on drop).
    Pem(zeroize::Zeroizing<String>),
    /// A file, the path resolved (variables substituted, made absolute, re-rooted if needed).
    File(PathBuf),
}

impl Material {
    /// The material's bytes: the inline PEM, or the file's content (held zeroized, since it may
    /// be a private key). A file that cannot be read is an identity error naming it.
    pub fn read(&self) -> crate::error::Result<zeroize::Zeroizing<Vec<u8>>> {
        match self {
            Material::Pem(p) => Ok(zeroize::Zeroizing::new(p.as_bytes().to_vec())),
            Material::File(path) => std::fs::read(path)
                .map(zeroize::Zeroizing::new)
                .map_err(|e| {
                    crate::error::Error::identity(
                        Some(path.clone()),
                        crate::error::IdentityProblem::Unreadable {
                            reason: e.to_string(),
                        },
                    )
                }),
        }
    }
}

impl std::fmt::Debug for Material {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Inline PEM may be a private key: show only its label.
        match self {
            Material::Pem(pem) => {
                let label = pem
                    .lines()
                    .find_map(|l| l.strip_prefix("-----BEGIN "))
                    .and_then(|l| l.strip_suffix("-----"))
                    .unwrap_or("?");
                write!(f, "Pem({label})")
            }
            Material::File(path) => write!(f, "File({})", path.display()),
        }
    }
}

/// A client TLS certificate and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsClientPair {
    /// The certificate.
    pub cert: Material,
    /// The private key.
    pub key: Material,
}

/// An organization.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Organization {
    /// Its key in the profile.
    pub name: String,
    /// MSP ID (`mspid`, any case).
    pub msp_id: String,
    /// Keys of its peers.
    pub peers: Vec<String>,
    /// Keys of its CAs.
    pub certificate_authorities: Vec<String>,
    /// `cryptoPath`: the MSP folder of its users; may hold `{username}` / `{userName}`.
    pub crypto_path: Option<PathBuf>,
    /// Identities written into the profile (`users.<name>.{cert,key}`; a CCP's
    /// `adminPrivateKey`/`signedCert` become user `Admin`).
    pub users: Vec<UserMaterial>,
    /// The organization's client TLS pair (`tlsCryptoCertPath`/`tlsCryptoKeyPath`).
    pub tls_client: Option<TlsClientPair>,
}

/// A user's certificate and key named in the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserMaterial {
    /// The user name.
    pub name: String,
    /// The signing certificate.
    pub cert: Material,
    /// The private key.
    pub key: Material,
}

/// TLS settings of one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TlsSettings {
    /// Whether TLS is used (`grpcs://`, or a scheme-less URL without `allow-insecure`).
    pub enabled: bool,
    /// Trusted CA certificates, PEM (several certificates may share one string).
    pub ca_certs: Vec<String>,
    /// The name to expect in the server certificate and send as SNI
    /// (`ssl-target-name-override`, or `hostnameOverride`); the URL host when absent.
    pub server_name: Option<String>,
}

/// HTTP/2 keep-alive options (`grpcOptions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct KeepAlive {
    /// Ping interval (`keep-alive-time`); none when absent or zero.
    pub time: Option<Duration>,
    /// How long to wait for a ping's answer (`keep-alive-timeout`), 20 s when absent.
    pub timeout: Option<Duration>,
    /// Whether to ping without active calls (`keep-alive-permit`).
    pub permit_without_calls: bool,
}

/// A gRPC endpoint: where to dial and how to secure it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Endpoint {
    /// The URL as written.
    pub url: String,
    /// Host to dial (after host mapping).
    pub host: String,
    /// Port to dial.
    pub port: u16,
    /// TLS settings.
    pub tls: TlsSettings,
    /// Keep-alive options.
    pub keep_alive: KeepAlive,
}

impl Endpoint {
    /// `host:port` to dial.
    pub fn address(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The TLS server name: the override, or the URL's host.
    pub fn server_name(&self) -> &str {
        self.tls.server_name.as_deref().unwrap_or(&self.host)
    }
}

/// A peer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Peer {
    /// Its key in the profile, verbatim (may contain `.` and `:`).
    pub name: String,
    /// The organization that lists it, if any.
    pub organization: Option<String>,
    /// Where and how to connect.
    pub endpoint: Endpoint,
}

/// An orderer.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Orderer {
    /// Its key in the profile.
    pub name: String,
    /// Where and how to connect.
    pub endpoint: Endpoint,
}

/// A Fabric CA server.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CertificateAuthority {
    /// Its key in the profile.
    pub name: String,
    /// The URL as written (`https://host:port`).
    pub url: String,
    /// `caName`, for servers hosting several CAs.
    pub ca_name: Option<String>,
    /// TLS CA certificates, PEM.
    pub tls_ca_certs: Vec<String>,
    /// The TLS server name to expect.
    pub server_name: Option<String>,
    /// `httpOptions.verify`; fabweave verifies TLS regardless unless told otherwise.
    pub verify: Option<bool>,
    /// The registrar (`registrar.enrollId` / `enrollSecret`).
    pub registrar: Option<Registrar>,
    /// A client TLS pair for the CA (`tlsCACerts.client`).
    pub tls_client: Option<TlsClientPair>,
}

/// A CA registrar's credentials.
#[derive(Clone, PartialEq, Eq)]
pub struct Registrar {
    /// Enrollment ID.
    pub enroll_id: String,
    /// Enrollment secret.
    pub enroll_secret: String,
}

impl std::fmt::Debug for Registrar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registrar")
            .field("enroll_id", &self.enroll_id)
            .field("enroll_secret", &"<hidden>")
            .finish()
    }
}

/// What a peer does for a channel (all true unless the profile says otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PeerRoles {
    /// May be sent proposals for endorsement.
    pub endorsing_peer: bool,
    /// May be sent chaincode queries.
    pub chaincode_query: bool,
    /// May be sent ledger queries (qscc).
    pub ledger_query: bool,
    /// May be a source of block events.
    pub event_source: bool,
    /// May be asked for service discovery.
    pub discover: bool,
}

impl Default for PeerRoles {
    fn default() -> Self {
        PeerRoles {
            endorsing_peer: true,
            chaincode_query: true,
            ledger_query: true,
            event_source: true,
            discover: true,
        }
    }
}

/// A channel peer with its roles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelPeer {
    /// The peer's key.
    pub name: String,
    /// Its roles on the channel.
    pub roles: PeerRoles,
}

/// A channel.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Channel {
    /// The channel name.
    pub name: String,
    /// Its peers (from `channels._default` when the channel lists none).
    pub peers: Vec<ChannelPeer>,
    /// Its orderers' keys.
    pub orderers: Vec<String>,
    /// `chaincodes`, informational.
    pub chaincodes: Vec<String>,
    /// `endorsementPolicies`: chaincode name → the policy to plan endorsements with when
    /// discovery is off or unavailable.
    pub endorsement_policies: Vec<(String, crate::routing::policy::SignaturePolicy)>,
}

/// An `entityMatchers` rule.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EntityMatcher {
    /// Which section: peer, orderer, certificateAuthority, channel.
    pub kind: MatcherKind,
    /// The regular expression.
    pub pattern: regex::Regex,
    /// Replacement for the dial address (`$1` etc. allowed); `None` keeps it.
    pub url_substitution: Option<String>,
    /// Replacement for the TLS server name.
    pub ssl_target_override_substitution: Option<String>,
    /// The entry whose settings apply (`mappedHost`, or `mappedName` for channels).
    pub mapped_host: Option<String>,
    /// Drop the endpoint altogether.
    pub ignore_endpoint: bool,
}

/// The section of an entity matcher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MatcherKind {
    /// `entityMatchers.peer`.
    Peer,
    /// `entityMatchers.orderer`.
    Orderer,
    /// `entityMatchers.certificateAuthority` (or `certificateAuthorities`).
    CertificateAuthority,
    /// `entityMatchers.channel`.
    Channel,
}

/// How serious a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; nothing breaks.
    Warning,
    /// Blocks a connection.
    Error,
}

/// A problem found in a profile.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// How serious.
    pub severity: Severity,
    /// What and where.
    pub error: Error,
}
