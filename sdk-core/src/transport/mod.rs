//! Connections to peers and orderers: one gRPC channel per endpoint, shared by everything.
//!
//! [`Connections`] dials an endpoint on first use and hands out the same
//! [`tonic::transport::Channel`] (one HTTP/2 connection, multiplexing every call and stream)
//! afterwards. TLS is set up from the profile's [`Endpoint`]: its CA certificates are the only
//! roots, its server name is checked and sent as SNI; a client certificate is presented for
//! mutual TLS when one was given; plaintext is used only when the endpoint says TLS is off.
//! HTTP/2 keep-alive is on for every connection (60 s interval, 20 s timeout, as Fabric's own
//! clients) unless the profile sets other values (its 0 counts as unset); intervals are raised to
//! at least 60 s because Fabric peers drop clients that ping more often.
//!
//! A channel reconnects by itself after its connection breaks (the next call dials again), so
//! callers keep using it across a peer restart. Channels belong to the tokio runtime that
//! first dialed them; use one runtime per [`Connections`].
//!
//! [`endorser`], [`gateway`], [`broadcast`] and [`deliver`] wrap a channel in a client that accepts
//! messages of up to 100 MiB each way, as Fabric's own servers do (tonic's 4 MiB default
//! rejects large blocks). The typed calls on [`Connections`] read less where less can come:
//! broadcast answers ([`MAX_BROADCAST_ANSWER`]), discovery answers ([`MAX_DISCOVERY_ANSWER`]) and
//! filtered blocks ([`MAX_FILTERED_BLOCK`]).
//!
//! ```no_run
//! # async fn demo(peer: &fabweave::config::Endpoint) -> fabweave::Result<()> {
//! use std::time::Duration;
//! use fabweave::transport::{self, Connections};
//!
//! let connections = Connections::new(None, Duration::from_secs(10));
//! let channel = connections.channel(peer).await?; // dials once, reused afterwards
//! let _endorser = transport::endorser(&channel);
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::sync::OnceCell;
use tonic::transport::{Certificate as TlsCertificate, Channel, ClientTlsConfig};
use zeroize::Zeroizing;

use crate::config::Endpoint;
use crate::crypto::sha256;
use crate::error::{Error, Result, Stage};
use crate::identity::Certificate;
use crate::proto::discovery::discovery_client::DiscoveryClient;
use crate::proto::gateway::gateway_client::GatewayClient;
use crate::proto::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use crate::proto::peer::deliver_client::DeliverClient;
use crate::proto::peer::endorser_client::EndorserClient;

mod health;
mod rpc;
pub use health::{EndpointStatus, Health, SET_ASIDE_MAX, SET_ASIDE_MIN};
pub use rpc::{
    CallError, Code, DeliverService, DeliverStream, MAX_BROADCAST_ANSWER, MAX_DISCOVERY_ANSWER,
    MAX_FILTERED_BLOCK,
};

/// The largest message sent or received: 100 MiB, Fabric's server default both ways.
pub const MAX_MESSAGE_SIZE: usize = 100 * 1024 * 1024;

/// The shortest HTTP/2 keep-alive ping interval used. Fabric peers and orderers drop clients
/// that ping more often than their `keepalive.minInterval` (60 s by default) with
/// `ENHANCE_YOUR_CALM`, so shorter intervals from a profile are raised to this.
pub const MIN_KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(60);

/// The keep-alive ping interval when the profile does not set one (60 s, as Fabric's own
/// clients: `peer.keepalive.client.interval`).
pub const DEFAULT_KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(60);

/// How long to wait for a keep-alive ping's answer when the profile does not say (20 s, as
/// Fabric's clients).
pub const DEFAULT_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// A client TLS certificate (PEM, or DER) and its PEM private key, for mutual TLS.
pub type ClientTlsPem = (Vec<u8>, Zeroizing<Vec<u8>>);

/// What identifies a connection: where to dial, which name to verify (`None`: plaintext) and
/// against which roots (SHA-256 of the CA certificates), so that an endpoint with other TLS
/// settings never rides a connection verified under different ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    address: String,
    server_name: Option<String>,
    roots: [u8; 32],
}

impl Key {
    fn of(endpoint: &Endpoint) -> Key {
        let tls = endpoint.tls.enabled;
        Key {
            address: endpoint.address(),
            server_name: tls.then(|| endpoint.server_name().to_owned()),
            roots: if tls {
                sha256(endpoint.tls.ca_certs.join("\n").as_bytes())
            } else {
                [0; 32]
            },
        }
    }
}

/// The client's side of mutual TLS.
enum ClientTls {
    /// No client certificate.
    None,
    /// A certificate and key, and the certificate's DER.
    Pair {
        identity: tonic::transport::Identity,
        cert_der: Vec<u8>,
    },
    /// The pair given could not be used; TLS connections fail with this message.
    Invalid(String),
}

struct Inner {
    client_tls: ClientTls,
    connect_timeout: Duration,
    channels: Mutex<HashMap<Key, Arc<OnceCell<Channel>>>>,
    dials: AtomicUsize,
    health: Health,
    cert_hash: crate::crypto::HashAlgorithm,
}

/// The SDK's connections: one gRPC channel per endpoint (address, TLS server name and TLS CA
/// certificates), dialed on first use and shared by every caller afterwards.
///
/// Cloning is cheap and clones share the channels.
#[derive(Clone)]
pub struct Connections {
    inner: Arc<Inner>,
}

impl fmt::Debug for Connections {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let client_tls = match &self.inner.client_tls {
            ClientTls::None => "none",
            ClientTls::Pair { .. } => "certificate",
            ClientTls::Invalid(_) => "invalid",
        };
        f.debug_struct("Connections")
            .field("endpoints", &lock(&self.inner.channels).len())
            .field("dials", &self.dials())
            .field("client_tls", &client_tls)
            .field("connect_timeout", &self.inner.connect_timeout)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Connections {
    /// Connections that present `client_tls` — a PEM (or DER) certificate and its PEM private
    /// key — to TLS servers (mutual TLS), or no client certificate when `None`, and give up
    /// dialing after `connect_timeout`.
    ///
    /// A pair that cannot be parsed is not an error here: every TLS connection then fails with
    /// an [`Error::Transport`] that says why, so plaintext endpoints keep working.
    pub fn new(client_tls: Option<ClientTlsPem>, connect_timeout: Duration) -> Connections {
        let client_tls = match client_tls {
            None => ClientTls::None,
            Some((cert, key)) => client_pair(&cert, &key),
        };
        Connections {
            inner: Arc::new(Inner {
                client_tls,
                connect_timeout,
                channels: Mutex::new(HashMap::new()),
                dials: AtomicUsize::new(0),
                health: Health::default(),
                cert_hash: crate::crypto::HashAlgorithm::Sha256,
            }),
        }
    }

    /// The hash of the client TLS certificate's DER, for the `tls_cert_hash` of channel
    /// headers (servers requiring mutual TLS check it): SHA-256, or the hash set with
    /// [`Connections::with_cert_hash`] (SM3 on OSCCA networks); `None` without a client
    /// certificate.
    pub fn client_cert_hash(&self) -> Option<Vec<u8>> {
        match &self.inner.client_tls {
            ClientTls::Pair { cert_der, .. } => Some(self.inner.cert_hash.digest(cert_der)),
            _ => None,
        }
    }

    /// These connections, hashing the client TLS certificate with `hash` for channel headers.
    /// Call before cloning: clones made earlier keep the old setting.
    pub fn with_cert_hash(mut self, hash: crate::crypto::HashAlgorithm) -> Connections {
        if let Some(inner) = Arc::get_mut(&mut self.inner) {
            inner.cert_hash = hash;
        }
        self
    }

    /// The health of the endpoints these connections reach: failed endpoints are set aside
    /// for a while (see [`Health`]). Dial failures are recorded here; callers record the
    /// outcome of their calls.
    pub fn health(&self) -> &Health {
        &self.inner.health
    }

    /// The dial deadline.
    pub fn connect_timeout(&self) -> Duration {
        self.inner.connect_timeout
    }

    /// How many connections were dialed successfully so far (one per endpoint unless an
    /// endpoint's first dial failed and a later one succeeded).
    pub fn dials(&self) -> usize {
        self.inner.dials.load(Ordering::Relaxed)
    }

    /// The channel to `endpoint`, dialing it if this is the first use.
    ///
    /// Concurrent first uses wait for the same dial. A failed dial is not remembered: the next
    /// call dials again.
    ///
    /// Errors: [`Error::Timeout`] with [`Stage::Connect`] (waiting for the address) when the
    /// dial takes longer than the connect timeout; [`Error::Transport`] naming the address for
    /// everything else — nothing listening, a TLS failure (the message says whether the
    /// certificate does not match the server name or was not issued by the endpoint's CA and
    /// what to change), a TLS endpoint without CA certificates, an unusable client pair.
    pub async fn channel(&self, endpoint: &Endpoint) -> Result<Channel> {
        let cell = lock(&self.inner.channels)
            .entry(Key::of(endpoint))
            .or_default()
            .clone();
        match cell.get_or_try_init(|| self.dial(endpoint)).await {
            Ok(channel) => Ok(channel.clone()),
            Err(e) => {
                self.inner
                    .health
                    .failed(&endpoint.address(), &e.to_string());
                Err(e)
            }
        }
    }

    async fn dial(&self, endpoint: &Endpoint) -> Result<Channel> {
        let address = endpoint.address();
        let builder = self.builder(endpoint)?;
        let timeout = self.inner.connect_timeout;
        match tokio::time::timeout(timeout, builder.connect()).await {
            Err(_) => Err(connect_timeout(&address, timeout)),
            Ok(Err(e)) => {
                let message = describe(&e);
                if message.contains("timed out") {
                    Err(connect_timeout(&address, timeout))
                } else {
                    Err(Error::Transport {
                        message: with_hint(message, endpoint),
                        endpoint: address,
                    })
                }
            }
            Ok(Ok(channel)) => {
                self.inner.dials.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(address = %address, "connected");
                Ok(channel)
            }
        }
    }

    fn builder(&self, endpoint: &Endpoint) -> Result<tonic::transport::Endpoint> {
        let address = endpoint.address();
        let transport = |message: String| Error::Transport {
            endpoint: address.clone(),
            message,
        };
        let scheme = if endpoint.tls.enabled {
            "https"
        } else {
            "http"
        };
        let mut builder = tonic::transport::Endpoint::from_shared(format!("{scheme}://{address}"))
            .map_err(|e| transport(format!("not a valid address: {}", describe(&e))))?
            // Also bounds the redials a channel makes by itself after a connection broke.
            .connect_timeout(self.inner.connect_timeout)
            .tcp_nodelay(true);
        // Keep-alive on every connection: without it a half-open connection (a peer paused,
        // packets dropped, a NAT entry expired) is never noticed by a client that only waits,
        // such as a deliver stream. A profile's 0 (fabric-sdk-go's template value, in most
        // downloads) means "not set".
        let time = endpoint
            .keep_alive
            .time
            .filter(|t| !t.is_zero())
            .unwrap_or(DEFAULT_KEEP_ALIVE_INTERVAL);
        builder = builder
            .http2_keep_alive_interval(time.max(MIN_KEEP_ALIVE_INTERVAL))
            .keep_alive_timeout(
                endpoint
                    .keep_alive
                    .timeout
                    .unwrap_or(DEFAULT_KEEP_ALIVE_TIMEOUT),
            )
            .keep_alive_while_idle(endpoint.keep_alive.permit_without_calls);
        if !endpoint.tls.enabled {
            return Ok(builder);
        }
        if endpoint.tls.ca_certs.is_empty() {
            return Err(transport(
                "TLS is on but the profile gives no TLS CA certificate for this endpoint; add \
                 its organization's TLS CA (tlsCACerts) to the profile"
                    .into(),
            ));
        }
        let mut tls = ClientTlsConfig::new()
            .domain_name(endpoint.server_name())
            .ca_certificates(endpoint.tls.ca_certs.iter().map(TlsCertificate::from_pem));
        match &self.inner.client_tls {
            ClientTls::None => {}
            ClientTls::Pair { identity, .. } => tls = tls.identity(identity.clone()),
            ClientTls::Invalid(message) => return Err(transport(message.clone())),
        }
        builder
            .tls_config(tls)
            .map_err(|e| transport(format!("TLS settings not usable: {}", describe(&e))))
    }
}

/// A throwaway self-signed client TLS certificate (P-256) and its PEM key, for a client whose
/// profile gives no client TLS pair: a peer's discovery service answers only TLS clients that
/// present a certificate (it binds the request to its hash), even where TLS is not mutual.
pub fn ephemeral_client_pair() -> Result<ClientTlsPem> {
    let crypto = |e: rcgen::Error| Error::Crypto {
        message: format!("could not make a client TLS certificate: {e}"),
    };
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).map_err(crypto)?;
    let mut params =
        rcgen::CertificateParams::new(vec!["fabweave-client".to_owned()]).map_err(crypto)?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "fabweave client");
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    let cert = params.self_signed(&key).map_err(crypto)?;
    Ok((
        cert.pem().into_bytes(),
        Zeroizing::new(key.serialize_pem().into_bytes()),
    ))
}

fn connect_timeout(address: &str, after: Duration) -> Error {
    Error::Timeout {
        stage: Stage::Connect,
        after,
        tx_id: None,
        waiting_for: Some(address.to_owned()),
    }
}

fn client_pair(cert: &[u8], key: &[u8]) -> ClientTls {
    let certificate = match Certificate::from_bytes(cert) {
        Ok(c) => c,
        Err(e) => return ClientTls::Invalid(format!("client TLS certificate: {e}")),
    };
    if !key.windows(11).any(|w| w == b"-----BEGIN ") {
        return ClientTls::Invalid(
            "client TLS key: expected a PEM private key (-----BEGIN PRIVATE KEY----- or \
             -----BEGIN EC PRIVATE KEY-----)"
                .into(),
        );
    }
    ClientTls::Pair {
        identity: tonic::transport::Identity::from_pem(certificate.pem(), key),
        cert_der: certificate.der().to_vec(),
    }
}

/// An error and its sources, joined with `: `, skipping parts that repeat the previous one.
pub(crate) fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(e);
    while let Some(err) = current {
        let text = err.to_string();
        // tonic's own top level says nothing its sources do not.
        let empty = text == "transport error" && err.source().is_some();
        if !empty && !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = err.source();
    }
    parts.join(": ")
}

/// Adds what to do for the causes that can be recognized.
fn with_hint(message: String, endpoint: &Endpoint) -> String {
    let m = message.to_ascii_lowercase();
    let hint = if m.contains("notvalidforname") || m.contains("not valid for name") {
        format!(
            "the server's TLS certificate is not valid for the name `{}`; set the endpoint's \
             TLS server name (`ssl-target-name-override` or `hostnameOverride`) to a name in \
             the certificate",
            endpoint.server_name()
        )
    } else if m.contains("unknownissuer") || m.contains("unknown issuer") {
        "the server's TLS certificate was not issued by the endpoint's TLS CA certificates \
         (tlsCACerts); check that they are the TLS CA of this node's organization"
            .to_owned()
    } else if m.contains("connection refused") {
        "nothing accepts connections at this address; check the host and port, and that the \
         node is running"
            .to_owned()
    } else if m.contains("failed to lookup") || m.contains("dns error") {
        format!(
            "the host `{}` does not resolve; map it to a reachable address \
             (LoadOptions::map_host)",
            endpoint.host
        )
    } else if m.contains("invalidcontenttype") || m.contains("corrupt message") {
        "the server does not answer with TLS; if it is a plaintext endpoint, write its URL \
         as grpc:// (or set allow-insecure)"
            .to_owned()
    } else {
        return message;
    };
    format!("{message} ({hint})")
}

/// An endorser client on `channel` accepting messages of up to [`MAX_MESSAGE_SIZE`].
pub fn endorser(channel: &Channel) -> EndorserClient<Channel> {
    EndorserClient::new(channel.clone())
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

/// An orderer (`AtomicBroadcast`: broadcast and deliver) client on `channel` accepting
/// messages of up to [`MAX_MESSAGE_SIZE`].
pub fn broadcast(channel: &Channel) -> AtomicBroadcastClient<Channel> {
    AtomicBroadcastClient::new(channel.clone())
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

/// A peer Gateway service client (Evaluate, Endorse, Submit, CommitStatus, ChaincodeEvents)
/// on `channel` accepting messages of up to [`MAX_MESSAGE_SIZE`].
pub fn gateway(channel: &Channel) -> GatewayClient<Channel> {
    GatewayClient::new(channel.clone())
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

/// A discovery client on `channel` accepting messages of up to [`MAX_MESSAGE_SIZE`].
pub fn discovery(channel: &Channel) -> DiscoveryClient<Channel> {
    DiscoveryClient::new(channel.clone())
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

/// A peer deliver (blocks, filtered blocks, blocks with private data) client on `channel`
/// accepting messages of up to [`MAX_MESSAGE_SIZE`].
pub fn deliver(channel: &Channel) -> DeliverClient<Channel> {
    DeliverClient::new(channel.clone())
        .max_decoding_message_size(MAX_MESSAGE_SIZE)
        .max_encoding_message_size(MAX_MESSAGE_SIZE)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::config::{KeepAlive, TlsSettings};

    fn endpoint(host: &str, port: u16) -> Endpoint {
        Endpoint {
            url: format!("grpc://{host}:{port}"),
            host: host.into(),
            port,
            tls: TlsSettings {
                enabled: false,
                ca_certs: vec![],
                server_name: None,
            },
            keep_alive: KeepAlive::default(),
        }
    }

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/tests/fixtures/identity/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn keys_separate_address_and_server_name() {
        let mut e = endpoint("127.0.0.1", 7051);
        let plain = Key::of(&e);
        assert_eq!(plain.server_name, None);
        e.tls = TlsSettings {
            enabled: true,
            ca_certs: vec![],
            server_name: Some("peer0".into()),
        };
        let tls = Key::of(&e);
        assert_eq!(tls.server_name.as_deref(), Some("peer0"));
        assert_ne!(plain, tls);
        e.tls.server_name = None;
        assert_eq!(Key::of(&e).server_name.as_deref(), Some("127.0.0.1"));
        e.keep_alive = KeepAlive::default();
        assert_eq!(Key::of(&e).address, "127.0.0.1:7051");
        // Other roots, other connection.
        let before = Key::of(&e);
        e.tls.ca_certs = vec!["-----BEGIN CERTIFICATE-----".into()];
        assert_ne!(Key::of(&e), before);
    }

    #[test]
    fn client_pair_hash_is_sha256_of_der() {
        let c = Connections::new(
            Some((
                fixture("ec_cert.pem"),
                Zeroizing::new(fixture("ec_pkcs8.pem")),
            )),
            Duration::from_secs(1),
        );
        assert_eq!(
            c.client_cert_hash().unwrap(),
            sha256(&fixture("ec_cert.der")).to_vec()
        );
        // DER certificates are accepted too.
        let c = Connections::new(
            Some((
                fixture("ec_cert.der"),
                Zeroizing::new(fixture("ec_pkcs8.pem")),
            )),
            Duration::from_secs(1),
        );
        assert_eq!(
            c.client_cert_hash().unwrap(),
            sha256(&fixture("ec_cert.der")).to_vec()
        );
        assert!(Connections::new(None, Duration::from_secs(1))
            .client_cert_hash()
            .is_none());
    }

    #[tokio::test]
    async fn unusable_settings_fail_before_dialing() {
        let mut e = endpoint("127.0.0.1", 1);
        e.tls = TlsSettings {
            enabled: true,
            ca_certs: vec![],
            server_name: None,
        };
        let c = Connections::new(None, Duration::from_secs(1));
        let err = c.channel(&e).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { endpoint, message }
                if endpoint == "127.0.0.1:1" && message.contains("tlsCACerts")),
            "{err}"
        );

        e.tls.ca_certs = vec![String::from_utf8(fixture("ca_cert.pem")).unwrap()];
        let bad = Connections::new(
            Some((
                b"not a certificate".to_vec(),
                Zeroizing::new(fixture("ec_pkcs8.pem")),
            )),
            Duration::from_secs(1),
        );
        assert!(bad.client_cert_hash().is_none());
        let err = bad.channel(&e).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { message, .. } if message.contains("client TLS certificate")),
            "{err}"
        );
        let bad_key = Connections::new(
            Some((
                fixture("ec_cert.pem"),
                Zeroizing::new(fixture("ec_pkcs8.der")),
            )),
            Duration::from_secs(1),
        );
        let err = bad_key.channel(&e).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { message, .. } if message.contains("client TLS key")),
            "{err}"
        );
        assert_eq!(bad.dials() + bad_key.dials() + c.dials(), 0);
    }

    #[test]
    fn hints_name_the_fix() {
        let e = endpoint("peer0.example.com", 7051);
        let m = with_hint("invalid peer certificate: NotValidForName".into(), &e);
        assert!(m.contains("ssl-target-name-override"), "{m}");
        let m = with_hint("invalid peer certificate: UnknownIssuer".into(), &e);
        assert!(m.contains("tlsCACerts"), "{m}");
        let m = with_hint(
            "tcp connect error: Connection refused (os error 111)".into(),
            &e,
        );
        assert!(m.contains("node is running"), "{m}");
        let m = with_hint("something else".into(), &e);
        assert_eq!(m, "something else");
    }
}
