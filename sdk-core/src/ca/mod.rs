//! A Fabric CA (v1.5) client: enroll, reenroll, register, revoke, and manage identities over
//! the CA's REST API.
//!
//! [`CaClient`] talks to one CA server — from a profile's `certificateAuthorities` entry
//! ([`CaClient::new`]) or from a URL ([`CaClient::from_url`]). Over `https://` it trusts only
//! the TLS CA certificates it is given, checks the server name (the profile's override, or the
//! URL's host; IP addresses work), and presents a client certificate when the profile has one;
//! `http://` URLs are plaintext. Every request has a connect deadline and a request deadline
//! (10 s and 30 s unless set with [`CaClient::timeouts`]).
//!
//! Enrolling generates the key pair locally (ECDSA P-256, or SM2 for an OSCCA "GM" CA with
//! [`EnrollRequest::key_algorithm`]) and sends only a certificate signing request whose common
//! name is the enrollment ID; the request is signed with ECDSA-with-SHA256 or SM2-with-SM3.
//! [`generate_key`] and [`certificate_request_pem`] do the same for a CA fabweave does not
//! talk to. Calls made on behalf of an enrolled identity (reenroll, register, revoke,
//! identities, affiliations) carry a token signed by that identity.
//!
//! A refusal by the CA is an [`Error::Ca`] with the HTTP status, the CA's
//! code and message, and, for the classic cases, what to check (code 20 on enroll: wrong
//! secret, unknown identity or enrollments used up; code 71: the registrar lacks the authority).
//!
//! ```no_run
//! # async fn demo(profile: &fabweave::config::Profile) -> Result<(), Box<dyn std::error::Error>> {
//! use fabweave::ca::{CaClient, EnrollRequest, RegistrationRequest};
//!
//! let ca = CaClient::new(profile.certificate_authority("ca.org1.example.com").unwrap())?;
//! let admin = ca
//!     .enroll(EnrollRequest::new("admin", "adminpw"))
//!     .await?
//!     .into_identity("Org1MSP")?;
//! let secret = ca
//!     .register(
//!         &admin,
//!         RegistrationRequest::new("user1")
//!             .affiliation("org1.department1")
//!             .attribute("role", "auditor", true),
//!     )
//!     .await?;
//! let user = ca.enroll(EnrollRequest::new("user1", secret)).await?;
//! std::fs::write("user1-cert.pem", user.certificate_pem())?;
//! # Ok(()) }
//! ```

mod csr;
mod http;
mod lifecycle;
mod types;
mod validity;
mod wire;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hyper::Method;
use serde_json::{json, Map, Value};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};
use zeroize::Zeroizing;

pub use lifecycle::{Enroller, Expiry, DEFAULT_RENEW_BEFORE};
pub use types::{
    Attribute, AttributeRequest, CaInfo, EnrollRequest, Enrollment, IdentityInfo, KeyAlgorithm,
    ReenrollRequest, RegistrationRequest, Revocation, RevocationRequest, RevokedCertificate,
};
pub use validity::diagnose_validity;

use crate::config::CertificateAuthority;
use crate::crypto::Signer;
use crate::error::{Error, IdentityProblem, Result};
use crate::identity::{Certificate, Identity};
use http::{Conn, Outgoing, Target};
use wire::AuthKind;

/// How long connecting (TCP and TLS handshake) may take unless set otherwise: 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request may take once connected unless set otherwise: 30 s.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Generates a key pair of `algorithm` locally, as [`CaClient::enroll`] does: returns a signer
/// holding it and the private key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`,
/// zeroized when dropped) to store it. The PEM loads back with
/// [`crate::crypto::load_private_key`]; an SM2 key's signer uses the distinguishing ID
/// [`crate::crypto::DEFAULT_DISTID`].
///
/// Errors: [`Error::Crypto`] when the OS random generator fails.
///
/// ```
/// use fabweave::ca::{certificate_request_pem, generate_key, KeyAlgorithm};
///
/// # fn main() -> fabweave::error::Result<()> {
/// let (signer, key_pem) = generate_key(KeyAlgorithm::Sm2)?;
/// let csr = certificate_request_pem(signer.as_ref(), "user1", &["user1@org1.example.com".into()])?;
/// assert!(csr.starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
/// assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
/// # Ok(())
/// # }
/// ```
pub fn generate_key(algorithm: KeyAlgorithm) -> Result<(Arc<dyn Signer>, Zeroizing<String>)> {
    csr::generate_key(algorithm)
}

/// A PKCS#10 certificate signing request (PEM, `-----BEGIN CERTIFICATE REQUEST-----`) as
/// [`CaClient::enroll`] sends it, for a CA you reach by other means: subject `CN=common_name`
/// (taken literally: `,`, `=`, `+` or `@` need no escaping), the `hosts` as subject
/// alternative names in an extensionRequest (IP addresses; names with `@` as e-mail
/// addresses; anything else as DNS names; none when `hosts` is empty), `signer`'s public key,
/// signed by `signer`: ECDSA-with-SHA256 for an ECDSA P-256 signer, SM2-with-SM3 (OID
/// 1.2.156.10197.1.501) for an SM2 one, with the signer's distinguishing ID (OpenSSL:
/// `openssl req -verify -vfyopt distid:1234567812345678`).
///
/// Errors: [`Error::Crypto`] for a signer of another algorithm, a host that is not ASCII (write
/// internationalized names in their `xn--` form; the message names the host), or a failed
/// signature.
pub fn certificate_request_pem(
    signer: &dyn Signer,
    common_name: &str,
    hosts: &[String],
) -> Result<String> {
    csr::csr_pem(signer, common_name, hosts)
}

/// A client of one Fabric CA server.
///
/// Cloning is cheap (the TLS configuration is shared). Each request opens its own connection.
#[derive(Clone)]
pub struct CaClient {
    conn: Conn,
    url: String,
    ca_name: Option<String>,
    /// The trusted roots, kept to rebuild the TLS configuration when a client pair is set.
    roots: Option<Arc<RootCertStore>>,
    client_tls: bool,
}

impl fmt::Debug for CaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaClient")
            .field("url", &self.url)
            .field("ca_name", &self.ca_name)
            .field("tls", &self.conn.tls.is_some())
            .field("server_name", &self.conn.server_name)
            .field("client_tls", &self.client_tls)
            .field("connect_timeout", &self.conn.connect_timeout)
            .field("request_timeout", &self.conn.request_timeout)
            .finish()
    }
}

fn config_error(key: String, expected: &str, found: String) -> Error {
    Error::config(
        key,
        crate::error::ConfigProblem::InvalidValue {
            expected: expected.to_owned(),
            found,
        },
    )
}

impl CaClient {
    /// A client for a profile's CA entry: its URL, CA name, TLS CA certificates, TLS server name
    /// override (`grpcOptions.ssl-target-name-override` / `hostnameOverride`) and client TLS
    /// pair (`tlsCACerts.client`). `httpOptions.verify: false` is ignored: the CA's TLS
    /// certificate is always verified.
    ///
    /// Errors: a URL that is not `http(s)://host[:port][/path]` ([`Error::Config`] at the
    /// entry's `url`), an `https` URL without TLS CA certificates, certificates or a client
    /// pair that do not parse.
    pub fn new(ca: &CertificateAuthority) -> Result<CaClient> {
        let key = format!("certificateAuthorities.{}", ca.name);
        let mut client = CaClient::build(&ca.url, &ca.tls_ca_certs, ca.ca_name.clone()).map_err(
            |e| match e {
                Error::Config {
                    key: Some(k),
                    problem,
                    ..
                } => Error::config(format!("{key}.{k}"), problem),
                other => other,
            },
        )?;
        if let Some(name) = &ca.server_name {
            client = client.server_name(name.clone());
        }
        if ca.verify == Some(false) {
            tracing::warn!(
                ca = %ca.name,
                "httpOptions.verify is false in the profile; fabweave verifies the CA's TLS \
                 certificate regardless"
            );
        }
        if let Some(pair) = &ca.tls_client {
            let cert = pair.cert.read()?;
            let key_pem = pair.key.read()?;
            client = client.client_tls(&cert, &key_pem)?;
        }
        Ok(client)
    }

    /// A client for the CA at `url` (`https://host:port`, or `http://` without TLS; a path
    /// prefix is kept for a CA behind a reverse proxy), trusting the TLS CA certificates
    /// `tls_ca_pems` (PEM; ignored for `http://`) and addressing CA `ca_name` of the server
    /// (its default CA when `None`).
    ///
    /// Errors: as [`CaClient::new`].
    pub fn from_url(
        url: &str,
        tls_ca_pems: Vec<String>,
        ca_name: Option<String>,
    ) -> Result<CaClient> {
        CaClient::build(url, &tls_ca_pems, ca_name)
    }

    fn build(url: &str, tls_ca_pems: &[String], ca_name: Option<String>) -> Result<CaClient> {
        let target = Target::parse(url).map_err(|why| {
            config_error(
                "url".into(),
                "a CA URL such as https://host:7054",
                format!("`{url}`: {why}"),
            )
        })?;
        let (tls, roots) = if target.tls {
            if tls_ca_pems.is_empty() {
                return Err(Error::Transport {
                    endpoint: target.origin(),
                    message: "the CA URL is https:// but no TLS CA certificate was given; add \
                              the CA server's TLS CA (tlsCACerts) to the profile"
                        .into(),
                });
            }
            let roots = http::root_store(tls_ca_pems)
                .map_err(|why| config_error("tlsCACerts".into(), "PEM certificates", why))?;
            let config =
                http::client_config(roots.clone(), None).map_err(|message| Error::Transport {
                    endpoint: target.origin(),
                    message,
                })?;
            (Some(Arc::new(config)), Some(Arc::new(roots)))
        } else {
            (None, None)
        };
        Ok(CaClient {
            url: url.trim().to_owned(),
            ca_name: ca_name.filter(|n| !n.is_empty()),
            roots,
            client_tls: false,
            conn: Conn {
                target,
                tls,
                server_name: None,
                connect_timeout: DEFAULT_CONNECT_TIMEOUT,
                request_timeout: DEFAULT_REQUEST_TIMEOUT,
            },
        })
    }

    /// Expects `name` in the CA's TLS certificate (and sends it as SNI) instead of the URL's
    /// host — for a CA reached through an address its certificate does not name.
    pub fn server_name(mut self, name: impl Into<String>) -> CaClient {
        let name = name.into();
        self.conn.server_name = (!name.is_empty()).then_some(name);
        self
    }

    /// Sets the connect deadline (TCP and TLS handshake) and the request deadline (sending the
    /// request and reading the answer).
    pub fn timeouts(mut self, connect: Duration, request: Duration) -> CaClient {
        self.conn.connect_timeout = connect;
        self.conn.request_timeout = request;
        self
    }

    /// Presents a client TLS certificate (PEM or DER) with its unencrypted private key (PEM or
    /// DER) to a CA that requires mutual TLS. Without effect for `http://` URLs.
    pub fn client_tls(mut self, cert: &[u8], key: &[u8]) -> Result<CaClient> {
        let Some(roots) = &self.roots else {
            return Ok(self);
        };
        let transport = |message: String| Error::Transport {
            endpoint: self.conn.target.origin(),
            message,
        };
        let pair: (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) =
            http::client_pair(cert, key).map_err(transport)?;
        let config: ClientConfig =
            http::client_config(RootCertStore::clone(roots), Some(pair)).map_err(transport)?;
        self.conn.tls = Some(Arc::new(config));
        self.client_tls = true;
        Ok(self)
    }

    /// The URL as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The CA of the server this client addresses (`caname` in bodies, `?ca=` on GETs), or
    /// `None` for the server's default CA.
    pub fn ca_name(&self) -> Option<&str> {
        self.ca_name.as_deref()
    }

    /// The CA's name, certificate chain and version (`cainfo`; no authentication).
    pub async fn info(&self) -> Result<CaInfo> {
        let query = self.ca_query();
        let (url, result) = self
            .call(Method::GET, "cainfo", &query, None, Auth::None)
            .await?;
        wire::ca_info(&result).map_err(|why| wire::malformed(&url, why))
    }

    /// Enrolls with an enrollment ID and secret: generates a key ([`EnrollRequest::key_algorithm`]:
    /// ECDSA P-256 by default, SM2 for a GM CA), sends a CSR (common name = the enrollment ID,
    /// `hosts` as subject alternative names; see [`certificate_request_pem`]) and returns the
    /// certificate with the key.
    ///
    /// A certificate whose NotBefore lies in the future (clock skew) or before its CA
    /// certificate's is returned anyway, with a `tracing` warning explaining it (see
    /// [`diagnose_validity`]).
    ///
    /// Errors: [`Error::Ca`] when the CA refuses (code 20 "Authentication failure": wrong
    /// secret, unknown identity, or no enrollments left), transport errors and deadlines, and
    /// [`Error::Protocol`] for an answer that holds no usable certificate.
    pub async fn enroll(&self, req: EnrollRequest) -> Result<Enrollment> {
        let (signer, key_pem) = csr::generate_key(req.key_algorithm)?;
        let csr = csr::csr_pem(signer.as_ref(), &req.enrollment_id, &req.hosts)?;
        let body = enroll_body(
            &csr,
            &req.hosts,
            req.profile.as_deref(),
            req.label.as_deref(),
            &req.attr_reqs,
            self.target_ca(req.ca_name.as_deref()),
        );
        let auth = wire::basic_auth(&req.enrollment_id, &req.secret);
        let (url, result) = self
            .call(Method::POST, "enroll", &[], Some(body), Auth::Basic(auth))
            .await?;
        self.enrollment(&url, &result, signer, Some(key_pem))
    }

    /// Reenrolls `current`: a new certificate for the same enrollment ID (the CSR's common name
    /// is the current certificate's), authenticated by a token `current` signs. A new key, of
    /// the same kind as `current`'s (SM2 for an SM2 identity, ECDSA P-256 otherwise), is
    /// generated unless [`ReenrollRequest::keep_key`] is set, in which case `current`'s signer
    /// signs the CSR and [`Enrollment::private_key_pem`] is `None`.
    ///
    /// Errors: as [`CaClient::enroll`]; code 20 here means the CA refused `current`'s
    /// certificate (revoked, expired, another CA's).
    pub async fn reenroll(&self, current: &Identity, req: ReenrollRequest) -> Result<Enrollment> {
        let id = current
            .certificate()
            .subject_common_name()
            .ok_or_else(|| {
                Error::identity(
                    current.source().map(|p| p.to_path_buf()),
                    IdentityProblem::Malformed {
                        what: "certificate",
                        reason: "it has no common name, so the CA cannot tell the enrollment ID \
                                 to reenroll"
                            .into(),
                    },
                )
            })?
            .to_owned();
        let (signer, key_pem) = if req.keep_key {
            (current.signer().clone(), None)
        } else {
            let algorithm = csr::key_algorithm_of(current.signer().algorithm())?;
            let (signer, pem) = csr::generate_key(algorithm)?;
            (signer, Some(pem))
        };
        let csr = csr::csr_pem(signer.as_ref(), &id, &req.hosts)?;
        let body = enroll_body(
            &csr,
            &req.hosts,
            req.profile.as_deref(),
            req.label.as_deref(),
            &req.attr_reqs,
            self.target_ca(req.ca_name.as_deref()),
        );
        let (url, result) = self
            .call(
                Method::POST,
                "reenroll",
                &[],
                Some(body),
                Auth::Token(current),
            )
            .await?;
        self.enrollment(&url, &result, signer, key_pem)
    }

    /// Registers an identity on behalf of `registrar`; returns its enrollment secret (the one
    /// given, or the one the CA generated).
    ///
    /// Errors: [`Error::Ca`], e.g. code 71 when the registrar may not register this type,
    /// affiliation or attribute, or code 0 with the CA's message for an identity that exists.
    pub async fn register(&self, registrar: &Identity, req: RegistrationRequest) -> Result<String> {
        let mut body = identity_body(&req, self.target_ca(req.ca_name.as_deref()));
        body.insert("id".into(), json!(req.id));
        body.entry("type")
            .or_insert_with(|| Value::String("client".into()));
        let (url, result) = self
            .call(
                Method::POST,
                "register",
                &[],
                Some(Value::Object(body)),
                Auth::Token(registrar),
            )
            .await?;
        result
            .get("secret")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| wire::malformed(&url, format!("no `secret` in the answer: {result}")))
    }

    /// Revokes an identity (all its certificates; it can no longer enroll) or one certificate,
    /// on behalf of `registrar` (which needs `hf.Revoker`).
    pub async fn revoke(&self, registrar: &Identity, req: RevocationRequest) -> Result<Revocation> {
        let mut body = Map::new();
        for (key, value) in [
            ("id", &req.id),
            ("serial", &req.serial),
            ("aki", &req.aki),
            ("reason", &req.reason),
        ] {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                body.insert(key.into(), json!(v));
            }
        }
        if req.gencrl {
            body.insert("gencrl".into(), json!(true));
        }
        if let Some(ca) = self.target_ca(req.ca_name.as_deref()) {
            body.insert("caname".into(), json!(ca));
        }
        let (url, result) = self
            .call(
                Method::POST,
                "revoke",
                &[],
                Some(Value::Object(body)),
                Auth::Token(registrar),
            )
            .await?;
        wire::revocation(&result).map_err(|why| wire::malformed(&url, why))
    }

    /// The identities `registrar` may see.
    pub async fn identities(&self, registrar: &Identity) -> Result<Vec<IdentityInfo>> {
        let query = self.ca_query();
        let (url, result) = self
            .call(
                Method::GET,
                "identities",
                &query,
                None,
                Auth::Token(registrar),
            )
            .await?;
        let list = match result.get("identities") {
            None | Some(Value::Null) => return Ok(Vec::new()),
            Some(Value::Array(list)) => list,
            Some(other) => {
                return Err(wire::malformed(
                    &url,
                    format!("`identities` is not a list: {other}"),
                ))
            }
        };
        list.iter()
            .map(|v| wire::identity_info(v).map_err(|why| wire::malformed(&url, why)))
            .collect()
    }

    /// One identity.
    pub async fn identity(&self, registrar: &Identity, id: &str) -> Result<IdentityInfo> {
        let query = self.ca_query();
        let op = format!("identities/{}", http::escape(id));
        let (url, result) = self
            .call(Method::GET, &op, &query, None, Auth::Token(registrar))
            .await?;
        wire::identity_info(&result).map_err(|why| wire::malformed(&url, why))
    }

    /// Changes identity `id`: the type, affiliation, attributes, maximum enrollments and secret
    /// given in `req` (fields left unset are kept; `req.id` is ignored). Returns the identity as
    /// changed.
    pub async fn modify_identity(
        &self,
        registrar: &Identity,
        id: &str,
        req: RegistrationRequest,
    ) -> Result<IdentityInfo> {
        let body = identity_body(&req, self.target_ca(req.ca_name.as_deref()));
        let op = format!("identities/{}", http::escape(id));
        let (url, result) = self
            .call(
                Method::PUT,
                &op,
                &[],
                Some(Value::Object(body)),
                Auth::Token(registrar),
            )
            .await?;
        wire::identity_info(&result).map_err(|why| wire::malformed(&url, why))
    }

    /// Removes identity `id` (the CA must allow it: `cfg.identities.allowremove`); `force`
    /// also removes the caller's own identity. Returns the identity removed.
    pub async fn remove_identity(
        &self,
        registrar: &Identity,
        id: &str,
        force: bool,
    ) -> Result<IdentityInfo> {
        let mut query: Vec<(&str, &str)> = Vec::new();
        if force {
            query.push(("force", "true"));
        }
        query.extend(self.ca_query());
        let op = format!("identities/{}", http::escape(id));
        let (url, result) = self
            .call(Method::DELETE, &op, &query, None, Auth::Token(registrar))
            .await?;
        wire::identity_info(&result).map_err(|why| wire::malformed(&url, why))
    }

    /// The affiliation tree `registrar` may see, as the CA returns it (`name`, `affiliations`,
    /// `identities`, `caname`).
    pub async fn affiliations(&self, registrar: &Identity) -> Result<Value> {
        let query = self.ca_query();
        let (_, result) = self
            .call(
                Method::GET,
                "affiliations",
                &query,
                None,
                Auth::Token(registrar),
            )
            .await?;
        Ok(result)
    }

    /// `?ca=` for GETs, when a CA name is set.
    fn ca_query(&self) -> Vec<(&'static str, &str)> {
        self.ca_name
            .as_deref()
            .map(|ca| vec![("ca", ca)])
            .unwrap_or_default()
    }

    /// The CA a body addresses: the request's, else the client's.
    fn target_ca<'a>(&'a self, requested: Option<&'a str>) -> Option<&'a str> {
        requested
            .filter(|n| !n.is_empty())
            .or(self.ca_name.as_deref())
    }

    /// Sends one API call; returns the full URL and the envelope's `result`.
    async fn call(
        &self,
        method: Method,
        op: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
        auth: Auth<'_>,
    ) -> Result<(String, Value)> {
        let uri = self.conn.target.request_uri(op, query);
        let url = format!("{}{uri}", self.conn.target.origin());
        let body = match body {
            Some(v) => serde_json::to_vec(&v)
                .map_err(|e| wire::malformed(&url, format!("cannot encode the request: {e}")))?,
            None => Vec::new(),
        };
        let (authorization, kind) = match auth {
            Auth::None => (None, AuthKind::None),
            Auth::Basic(header) => (Some(header), AuthKind::Secret),
            Auth::Token(identity) => (
                Some(wire::token(identity, method.as_str(), &uri, &body)?),
                AuthKind::Token,
            ),
        };
        tracing::debug!(method = %method, url = %url, "CA request");
        let answer = http::exchange(
            &self.conn,
            Outgoing {
                method,
                uri,
                authorization,
                body,
            },
        )
        .await?;
        match wire::read_envelope(answer.status, &answer.body) {
            wire::Reply::Success(result) => Ok((url, result)),
            wire::Reply::Foreign(text) if (200..300).contains(&answer.status) => Err(
                wire::malformed(&url, format!("not a Fabric CA answer: {text}")),
            ),
            reply => Err(wire::refusal(&url, answer.status, kind, reply)),
        }
    }

    /// An enrollment from an enroll or reenroll result, checked against the key.
    fn enrollment(
        &self,
        url: &str,
        result: &Value,
        signer: Arc<dyn Signer>,
        key_pem: Option<zeroize::Zeroizing<String>>,
    ) -> Result<Enrollment> {
        let (certificate_pem, ca_info) =
            wire::enrollment(result).map_err(|why| wire::malformed(url, why))?;
        let cert = Certificate::from_pem(certificate_pem.as_bytes()).map_err(|e| {
            wire::malformed(url, format!("the issued certificate does not parse: {e}"))
        })?;
        if !signer.matches_public_key(cert.public_key_der()) {
            return Err(wire::malformed(
                url,
                "the issued certificate does not hold the key of the request",
            ));
        }
        let ca_chain_pem = ca_info.ca_chain_pem();
        if let Some(why) = diagnose_validity(&certificate_pem, &ca_chain_pem, SystemTime::now()) {
            tracing::warn!(
                url = %url,
                subject = %cert.subject(),
                "certificate issued but not usable as is: {why}"
            );
        }
        Ok(Enrollment {
            certificate_pem,
            ca_info,
            ca_chain_pem,
            signer,
            key_pem,
        })
    }
}

/// How a call authenticates.
enum Auth<'a> {
    None,
    /// A ready `Basic` header.
    Basic(String),
    Token(&'a Identity),
}

/// The body of enroll and reenroll. Empty lists and unset options are left out: an absent
/// `attr_reqs` makes the CA add the identity's `ecert` attributes, an empty one adds none.
fn enroll_body(
    csr: &str,
    hosts: &[String],
    profile: Option<&str>,
    label: Option<&str>,
    attr_reqs: &[AttributeRequest],
    ca_name: Option<&str>,
) -> Value {
    let mut body = Map::new();
    body.insert("certificate_request".into(), json!(csr));
    if !hosts.is_empty() {
        body.insert("hosts".into(), json!(hosts));
    }
    if let Some(p) = profile.filter(|p| !p.is_empty()) {
        body.insert("profile".into(), json!(p));
    }
    if let Some(l) = label.filter(|l| !l.is_empty()) {
        body.insert("label".into(), json!(l));
    }
    if !attr_reqs.is_empty() {
        let reqs: Vec<Value> = attr_reqs
            .iter()
            .map(|a| json!({"name": a.name, "optional": a.optional}))
            .collect();
        body.insert("attr_reqs".into(), Value::Array(reqs));
    }
    if let Some(ca) = ca_name {
        body.insert("caname".into(), json!(ca));
    }
    Value::Object(body)
}

/// The fields of a registration or modification that are set (no `id`).
fn identity_body(req: &RegistrationRequest, ca_name: Option<&str>) -> Map<String, Value> {
    let mut body = Map::new();
    if let Some(t) = req.identity_type.as_ref().filter(|t| !t.is_empty()) {
        body.insert("type".into(), json!(t));
    }
    if let Some(s) = req.secret.as_ref().filter(|s| !s.is_empty()) {
        body.insert("secret".into(), json!(s));
    }
    if let Some(m) = req.max_enrollments {
        body.insert("max_enrollments".into(), json!(m));
    }
    if let Some(a) = req.affiliation.as_ref() {
        body.insert("affiliation".into(), json!(a));
    }
    if !req.attributes.is_empty() {
        let attrs: Vec<Value> = req
            .attributes
            .iter()
            .map(|a| json!({"name": a.name, "value": a.value, "ecert": a.ecert}))
            .collect();
        body.insert("attrs".into(), Value::Array(attrs));
    }
    if let Some(ca) = ca_name {
        body.insert("caname".into(), json!(ca));
    }
    body
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/tests/fixtures/identity/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn clients_from_urls() {
        let c = CaClient::from_url("http://127.0.0.1:7054", vec![], None).unwrap();
        assert!(c.conn.tls.is_none());
        assert_eq!(c.ca_name(), None);
        let c = CaClient::from_url(
            "https://ca.org1.example.com:7054",
            vec![fixture("ca_cert.pem")],
            Some("ca-org1".into()),
        )
        .unwrap()
        .server_name("localhost")
        .timeouts(Duration::from_secs(1), Duration::from_secs(2));
        assert!(c.conn.tls.is_some());
        assert_eq!(c.conn.tls_name(), "localhost");
        assert_eq!(c.ca_name(), Some("ca-org1"));
        assert_eq!(c.conn.connect_timeout, Duration::from_secs(1));
        assert_eq!(c.conn.request_timeout, Duration::from_secs(2));
        assert_eq!(c.ca_query(), [("ca", "ca-org1")]);
        assert_eq!(c.target_ca(None), Some("ca-org1"));
        assert_eq!(c.target_ca(Some("other")), Some("other"));
        let dbg = format!("{c:?}");
        assert!(
            dbg.contains("ca-org1") && dbg.contains("localhost"),
            "{dbg}"
        );

        // An IP address is the server name when there is no override.
        let c = CaClient::from_url("https://127.0.0.1:7054", vec![fixture("ca_cert.pem")], None)
            .unwrap();
        assert_eq!(c.conn.tls_name(), "127.0.0.1");

        // With a client pair.
        let c = c
            .client_tls(
                fixture("ec_cert.pem").as_bytes(),
                fixture("ec_pkcs8.pem").as_bytes(),
            )
            .unwrap();
        assert!(c.client_tls);
    }

    #[test]
    fn unusable_settings_are_refused_up_front() {
        let err = CaClient::from_url("https://ca:7054", vec![], None).unwrap_err();
        assert!(
            matches!(&err, Error::Transport { endpoint, message } if endpoint == "https://ca:7054" && message.contains("tlsCACerts")),
            "{err}"
        );
        let err = CaClient::from_url("ca:7054", vec![], None).unwrap_err();
        assert!(
            matches!(&err, Error::Config { key: Some(k), .. } if k == "url"),
            "{err}"
        );
        let err = CaClient::from_url("https://ca:7054", vec!["junk".into()], None).unwrap_err();
        assert!(err.to_string().contains("tlsCACerts"), "{err}");
    }

    #[test]
    fn clients_from_profile_entries() {
        let ca = CertificateAuthority {
            name: "ca.org1.example.com".into(),
            url: "https://localhost:7054".into(),
            ca_name: Some("ca-org1".into()),
            tls_ca_certs: vec![fixture("ca_cert.pem")],
            server_name: Some("ca.org1.example.com".into()),
            verify: Some(false),
            registrar: None,
            tls_client: None,
        };
        let c = CaClient::new(&ca).unwrap();
        assert_eq!(c.conn.tls_name(), "ca.org1.example.com");
        assert_eq!(c.ca_name(), Some("ca-org1"));
        assert_eq!(c.url(), "https://localhost:7054");

        let bad = CertificateAuthority {
            url: "grpcs://localhost:7054".into(),
            ..ca
        };
        let err = CaClient::new(&bad).unwrap_err();
        assert!(
            matches!(&err, Error::Config { key: Some(k), .. } if k == "certificateAuthorities.ca.org1.example.com.url"),
            "{err:?}"
        );
    }

    #[test]
    fn enroll_bodies_leave_out_what_is_unset() {
        let body = enroll_body("CSR", &[], None, None, &[], None);
        assert_eq!(body, json!({"certificate_request": "CSR"}));
        let body = enroll_body(
            "CSR",
            &["peer0".into(), "127.0.0.1".into()],
            Some("tls"),
            Some("hsm1"),
            &[
                AttributeRequest::new("role", false),
                AttributeRequest::new("hf.Type", true),
            ],
            Some("ca-org1"),
        );
        assert_eq!(
            body,
            json!({
                "certificate_request": "CSR",
                "hosts": ["peer0", "127.0.0.1"],
                "profile": "tls",
                "label": "hsm1",
                "attr_reqs": [{"name": "role", "optional": false}, {"name": "hf.Type", "optional": true}],
                "caname": "ca-org1"
            })
        );
    }

    #[test]
    fn registration_bodies() {
        let req = RegistrationRequest::new("user1")
            .affiliation("org1.department1")
            .max_enrollments(3)
            .secret("pw")
            .attribute("role", "auditor", true);
        let body = identity_body(&req, Some("ca-org1"));
        assert_eq!(
            Value::Object(body),
            json!({
                "secret": "pw",
                "max_enrollments": 3,
                "affiliation": "org1.department1",
                "attrs": [{"name": "role", "value": "auditor", "ecert": true}],
                "caname": "ca-org1"
            })
        );
        // A modification sends only what is set.
        let body = identity_body(&RegistrationRequest::default().identity_type("peer"), None);
        assert_eq!(Value::Object(body), json!({"type": "peer"}));
        // Secrets stay out of Debug.
        let dbg = format!("{req:?} {:?}", EnrollRequest::new("u", "topsecret"));
        assert!(!dbg.contains("pw\"") && !dbg.contains("topsecret"), "{dbg}");
    }

    #[test]
    fn enrollments_hide_the_key_and_become_identities() {
        let (signer, pem) = csr::generate_key(KeyAlgorithm::P256).unwrap();
        // A certificate for the key, self-signed with rcgen from the PEM.
        let kp = rcgen::KeyPair::from_pem(&pem).unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "user1");
        let cert = params.self_signed(&kp).unwrap();
        let enrollment = Enrollment {
            certificate_pem: cert.pem(),
            ca_info: CaInfo::default(),
            ca_chain_pem: String::new(),
            signer,
            key_pem: Some(pem.clone()),
        };
        let dbg = format!("{enrollment:?}");
        assert!(
            !dbg.contains("PRIVATE KEY") && dbg.contains("<hidden>"),
            "{dbg}"
        );
        assert_eq!(enrollment.private_key_pem(), Some(pem.as_str()));
        let id = enrollment.into_identity("Org1MSP").unwrap();
        assert_eq!(id.msp_id(), "Org1MSP");
        assert_eq!(id.certificate().subject_common_name(), Some("user1"));
        let sig = id.sign(b"m").unwrap();
        id.certificate().verify_signature(b"m", &sig).unwrap();
    }
}
