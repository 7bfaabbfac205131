//! The Fabric CA client (wrapped by `CaClient` in `ca.js`): enroll, reenroll, register, revoke
//! and the identity calls of sdk-core's `fabweave::ca::CaClient`, with their results as plain
//! objects (`CaInfo`, `IdentityInfo`, `Revocation`) or the `Enrollment` class, which keeps the
//! private key on the Rust side.
//!
//! `ca.js` has already turned PEM-or-path options into bytes and attribute maps into lists;
//! this file only converts them to sdk-core requests.
//!
//! Calls made for an enrolled identity (the registrar, or the identity to reenroll) take a
//! [`CaCredential`]: the certificate and signer of an [`Enrollment`], or of a certificate and
//! private key given as PEM. Those calls borrow JavaScript objects, which napi-rs's `async fn`
//! cannot, so they copy what they need and run on the runtime through `Env::spawn_future`.

use std::path::PathBuf;

use fabweave::ca::{
    self, Attribute, AttributeRequest, CaInfo as CoreCaInfo, EnrollRequest,
    Enrollment as CoreEnrollment, IdentityInfo as CoreIdentityInfo, KeyAlgorithm, ReenrollRequest,
    RegistrationRequest, Revocation as CoreRevocation, RevocationRequest,
};
use fabweave::config::Profile;
use fabweave::identity::Identity;
use napi::bindgen_prelude::{Buffer, PromiseRaw, Uint8Array};
use napi::Env;
use napi_derive::napi;
use serde_json::Value;

use crate::{error, opt_seconds, to_bytes, Arg};

/// The MSP ID given to a credential whose MSP is not known. A CA's authentication token covers
/// the certificate only, so the CA never sees it; credentials are never used with peers.
const UNKNOWN_MSP: &str = "unknown";

// ---- Options -----------------------------------------------------------------------------------

/// `new CaClient(url, options)`'s options (PEM-or-path values already read by `ca.js`).
#[napi(object)]
pub struct CaClientOptions {
    /// The CA of the server to address (its default CA when absent).
    pub ca_name: Option<String>,
    /// The TLS CA certificate(s) to trust, PEM.
    pub tls_ca_cert: Option<Vec<Uint8Array>>,
    /// The name expected in the CA's TLS certificate when the URL's host is not it.
    pub server_name: Option<String>,
    /// A client TLS certificate for a CA that asks for mutual TLS, PEM.
    pub client_cert: Option<Uint8Array>,
    /// Its private key, PEM.
    pub client_key: Option<Uint8Array>,
    /// Seconds to connect (TCP and TLS handshake); 10 unless given.
    pub connect_timeout: Option<f64>,
    /// Seconds for a request once connected; 30 unless given.
    pub request_timeout: Option<f64>,
    /// The MSP ID enrollments carry (`enrollment.mspId`).
    pub msp_id: Option<String>,
}

/// `CaClient.fromProfile(profile, options)`'s options.
#[napi(object)]
pub struct CaProfileOptions {
    /// The CA by its key in the profile's `certificateAuthorities` (the client organization's
    /// first CA when absent).
    pub ca: Option<String>,
    /// Seconds to connect; 10 unless given.
    pub connect_timeout: Option<f64>,
    /// Seconds for a request once connected; 30 unless given.
    pub request_timeout: Option<f64>,
}

/// An attribute asked for in a certificate (`ca.js` turns names and name-to-optional maps
/// into these).
#[napi(object)]
pub struct CaAttributeRequest {
    /// The attribute's name.
    pub name: String,
    /// Whether the enrollment may go on without it.
    pub optional: Option<bool>,
}

/// `enroll`'s options.
#[napi(object)]
#[derive(Default)]
pub struct EnrollOptions {
    /// `p256` (the default) or `sm2` (for a GM CA): the kind of key generated.
    pub key_algorithm: Option<String>,
    /// Attributes to put in the certificate.
    pub attributes: Option<Vec<CaAttributeRequest>>,
    /// The CA's signing profile, e.g. `tls`.
    pub profile: Option<String>,
    /// Subject alternative names.
    pub hosts: Option<Vec<String>>,
    /// The CA-side key label (HSM).
    pub label: Option<String>,
    /// The CA of the server, instead of the client's.
    pub ca_name: Option<String>,
}

/// `reenroll`'s options.
#[napi(object)]
#[derive(Default)]
pub struct ReenrollOptions {
    /// Keep the current key instead of generating a new one.
    pub keep_key: Option<bool>,
    /// Attributes to put in the certificate.
    pub attributes: Option<Vec<CaAttributeRequest>>,
    /// The CA's signing profile.
    pub profile: Option<String>,
    /// Subject alternative names.
    pub hosts: Option<Vec<String>>,
    /// The CA-side key label.
    pub label: Option<String>,
    /// The CA of the server, instead of the client's.
    pub ca_name: Option<String>,
}

/// An attribute of a registered identity (given to `register`, shown by `IdentityInfo`).
#[napi(object)]
pub struct CaAttribute {
    /// The attribute's name.
    pub name: String,
    /// Its value.
    pub value: String,
    /// Whether it goes into enrollment certificates by default.
    pub ecert: Option<bool>,
}

/// `register`'s and `modifyIdentity`'s options.
#[napi(object)]
#[derive(Default)]
pub struct RegisterOptions {
    /// The enrollment secret (the CA generates one when absent).
    pub secret: Option<String>,
    /// `client` (the default for `register`), `peer`, `orderer`, `admin`, `user`.
    pub r#type: Option<String>,
    /// The affiliation, e.g. `org1.department1` (the registrar's by default).
    pub affiliation: Option<String>,
    /// How many enrollments are allowed (-1: no limit).
    pub max_enrollments: Option<i32>,
    /// The identity's attributes.
    pub attributes: Option<Vec<CaAttribute>>,
    /// The CA of the server, instead of the client's.
    pub ca_name: Option<String>,
}

/// `revoke`'s options: an identity `id`, or one certificate by `serial` and `aki`.
#[napi(object)]
#[derive(Default)]
pub struct RevokeOptions {
    /// The identity whose certificates to revoke (it can no longer enroll).
    pub id: Option<String>,
    /// A certificate's serial number (hex), with `aki`.
    pub serial: Option<String>,
    /// The certificate's authority key identifier (hex).
    pub aki: Option<String>,
    /// The reason, by the CA's name, e.g. `keycompromise`, `superseded`.
    pub reason: Option<String>,
    /// Ask for a CRL in the answer.
    pub gencrl: Option<bool>,
    /// The CA of the server, instead of the client's.
    pub ca_name: Option<String>,
}

// ---- Results -----------------------------------------------------------------------------------

/// What a CA says about itself.
#[napi(object)]
pub struct CaInfo {
    /// The CA's name.
    pub ca_name: String,
    /// The CA's certificate chain, PEM: the signing CA first, up to the root.
    pub ca_chain: String,
    /// The server's version, e.g. `1.5.15` (empty when the server does not say).
    pub version: String,
    /// The Idemix issuer public key as sent (empty without Idemix).
    pub issuer_public_key: Buffer,
    /// The Idemix revocation public key as sent (empty without Idemix).
    pub issuer_revocation_public_key: Buffer,
}

impl From<&CoreCaInfo> for CaInfo {
    fn from(info: &CoreCaInfo) -> Self {
        CaInfo {
            ca_name: info.ca_name.clone(),
            ca_chain: info.ca_chain_pem(),
            version: info.version.clone(),
            issuer_public_key: info.issuer_public_key.clone().into(),
            issuer_revocation_public_key: info.issuer_revocation_public_key.clone().into(),
        }
    }
}

/// An identity registered with the CA.
#[napi(object)]
pub struct IdentityInfo {
    /// The enrollment ID.
    pub id: String,
    /// The type: `client`, `peer`, `orderer`, `admin`, `user`.
    pub r#type: String,
    /// The affiliation (empty for the root).
    pub affiliation: String,
    /// The attributes, the CA's `hf.*` ones included.
    pub attributes: Vec<CaAttribute>,
    /// How many enrollments are allowed (-1: no limit).
    pub max_enrollments: i64,
    /// The CA that answered.
    pub ca_name: String,
    /// The secret a modification set or generated, else null.
    pub secret: Option<String>,
}

impl From<CoreIdentityInfo> for IdentityInfo {
    fn from(info: CoreIdentityInfo) -> Self {
        IdentityInfo {
            id: info.id,
            r#type: info.identity_type,
            affiliation: info.affiliation,
            attributes: info
                .attributes
                .into_iter()
                .map(|a| CaAttribute {
                    name: a.name,
                    value: a.value,
                    ecert: Some(a.ecert),
                })
                .collect(),
            max_enrollments: info.max_enrollments,
            ca_name: info.ca_name,
            secret: info.secret,
        }
    }
}

/// A certificate a revocation revoked.
#[napi(object)]
pub struct RevokedCertificate {
    /// Its serial number, hex.
    pub serial: String,
    /// Its authority key identifier, hex.
    pub aki: String,
}

/// What a revocation did.
#[napi(object)]
pub struct Revocation {
    /// The certificates revoked.
    pub revoked: Vec<RevokedCertificate>,
    /// The CRL, PEM, when `gencrl` asked for one; else null.
    pub crl: Option<String>,
}

impl From<CoreRevocation> for Revocation {
    fn from(r: CoreRevocation) -> Self {
        Revocation {
            revoked: r
                .revoked
                .into_iter()
                .map(|c| RevokedCertificate {
                    serial: c.serial,
                    aki: c.aki,
                })
                .collect(),
            crl: r.crl_pem,
        }
    }
}

// ---- Conversion ----------------------------------------------------------------------------------

fn key_algorithm(name: Option<&str>) -> napi::Result<KeyAlgorithm> {
    match name.map(str::to_ascii_lowercase).as_deref() {
        None | Some("p256") | Some("p-256") => Ok(KeyAlgorithm::P256),
        Some("sm2") => Ok(KeyAlgorithm::Sm2),
        Some(other) => Err(error::invalid(format!(
            "keyAlgorithm must be 'p256' or 'sm2', not {other:?}"
        ))),
    }
}

fn attribute_requests(list: Option<Vec<CaAttributeRequest>>) -> Vec<AttributeRequest> {
    list.unwrap_or_default()
        .into_iter()
        .map(|a| AttributeRequest::new(a.name, a.optional.unwrap_or(false)))
        .collect()
}

fn registration(id: String, o: RegisterOptions) -> RegistrationRequest {
    let mut req = RegistrationRequest::new(id);
    req.identity_type = o.r#type;
    req.secret = o.secret;
    req.affiliation = o.affiliation;
    req.max_enrollments = o.max_enrollments;
    req.attributes = o
        .attributes
        .unwrap_or_default()
        .into_iter()
        .map(|a| Attribute::new(a.name, a.value, a.ecert.unwrap_or(false)))
        .collect();
    req.ca_name = o.ca_name;
    req
}

/// Applies the timeout options (sdk-core's default for the one not given).
fn with_timeouts(
    client: ca::CaClient,
    connect: Option<f64>,
    request: Option<f64>,
) -> napi::Result<ca::CaClient> {
    let connect = opt_seconds(connect, "connectTimeout")?;
    let request = opt_seconds(request, "requestTimeout")?;
    if connect.is_none() && request.is_none() {
        return Ok(client);
    }
    Ok(client.timeouts(
        connect.unwrap_or(ca::DEFAULT_CONNECT_TIMEOUT),
        request.unwrap_or(ca::DEFAULT_REQUEST_TIMEOUT),
    ))
}

/// Runs a CA call on the runtime; its promise rejects with the mapped error.
fn spawn<'env, T, F>(env: &'env Env, fut: F) -> napi::Result<PromiseRaw<'env, T>>
where
    T: 'static + Send + napi::bindgen_prelude::ToNapiValue,
    F: 'static + Send + std::future::Future<Output = fabweave::Result<T>>,
{
    env.spawn_future(async move { fut.await.map_err(error::to_js) })
}

// ---- The client ------------------------------------------------------------------------------------

/// A client of one Fabric CA server (wrapped by `CaClient` in `ca.js`).
#[napi]
pub struct CaClient {
    inner: ca::CaClient,
    /// The MSP ID enrollments carry: from the profile, or the `mspId` option.
    msp_id: Option<String>,
}

#[napi]
impl CaClient {
    /// A client for the CA at `url` (`https://host:port`; `http://` without TLS).
    #[napi(constructor)]
    pub fn new(url: String, options: Option<CaClientOptions>) -> napi::Result<Self> {
        let o = options.unwrap_or(CaClientOptions {
            ca_name: None,
            tls_ca_cert: None,
            server_name: None,
            client_cert: None,
            client_key: None,
            connect_timeout: None,
            request_timeout: None,
            msp_id: None,
        });
        let mut pems = Vec::new();
        for (i, pem) in o.tls_ca_cert.unwrap_or_default().iter().enumerate() {
            let text = std::str::from_utf8(pem)
                .map_err(|_| error::invalid(format!("tlsCaCert[{i}] must be PEM text (UTF-8)")))?;
            pems.push(text.to_owned());
        }
        let mut inner = ca::CaClient::from_url(&url, pems, o.ca_name).map_err(error::to_js)?;
        if let Some(name) = o.server_name {
            inner = inner.server_name(name);
        }
        match (&o.client_cert, &o.client_key) {
            // The key is read in place: no copy of it is left in Rust's memory.
            (Some(cert), Some(key)) => {
                inner = inner.client_tls(cert, key).map_err(error::to_js)?;
            }
            (None, None) => {}
            _ => {
                return Err(error::invalid(
                    "clientCert and clientKey go together: give both or neither",
                ))
            }
        }
        let inner = with_timeouts(inner, o.connect_timeout, o.request_timeout)?;
        Ok(CaClient {
            inner,
            msp_id: o.msp_id,
        })
    }

    /// The CA `options.ca` of the connection profile at `profile`, or the client
    /// organization's first CA; enrollments carry the MSP ID of the organization listing it.
    #[napi(factory)]
    pub fn from_profile(profile: String, options: Option<CaProfileOptions>) -> napi::Result<Self> {
        let (ca, connect, request) = match options {
            Some(o) => (o.ca, o.connect_timeout, o.request_timeout),
            None => (None, None, None),
        };
        let profile = Profile::load(PathBuf::from(profile)).map_err(error::to_js)?;
        let (entry, msp_id) = profile.ca_for(ca.as_deref()).map_err(error::to_js)?;
        let inner = ca::CaClient::new(entry).map_err(error::to_js)?;
        Ok(CaClient {
            inner: with_timeouts(inner, connect, request)?,
            msp_id: msp_id.map(str::to_owned),
        })
    }

    /// The URL as given.
    #[napi(getter)]
    pub fn url(&self) -> String {
        self.inner.url().to_owned()
    }

    /// The CA of the server this client addresses, or null for the server's default CA.
    #[napi(getter)]
    pub fn ca_name(&self) -> Option<String> {
        self.inner.ca_name().map(str::to_owned)
    }

    /// The MSP ID enrollments carry, or null.
    #[napi(getter)]
    pub fn msp_id(&self) -> Option<String> {
        self.msp_id.clone()
    }

    /// The CA's name, certificate chain and version (no authentication).
    #[napi]
    pub async fn info(&self) -> napi::Result<CaInfo> {
        let info = self.inner.info().await.map_err(error::to_js)?;
        Ok(CaInfo::from(&info))
    }

    /// Enrolls `id` with `secret`: the key pair is generated here and only a certificate
    /// request is sent.
    #[napi]
    pub async fn enroll(
        &self,
        id: String,
        secret: String,
        options: Option<EnrollOptions>,
    ) -> napi::Result<Enrollment> {
        let o = options.unwrap_or_default();
        let mut req = EnrollRequest::new(id, secret);
        req.key_algorithm = key_algorithm(o.key_algorithm.as_deref())?;
        req.attr_reqs = attribute_requests(o.attributes);
        req.profile = o.profile;
        req.hosts = o.hosts.unwrap_or_default();
        req.label = o.label;
        req.ca_name = o.ca_name;
        let inner = self.inner.enroll(req).await.map_err(error::to_js)?;
        Ok(Enrollment {
            inner,
            msp_id: self.msp_id.clone(),
        })
    }

    /// A new certificate for `current`, authenticated by `current` itself.
    #[napi(ts_return_type = "Promise<Enrollment>")]
    pub fn reenroll<'env>(
        &self,
        env: &'env Env,
        current: &CaCredential,
        options: Option<ReenrollOptions>,
    ) -> napi::Result<PromiseRaw<'env, Enrollment>> {
        let o = options.unwrap_or_default();
        let mut req = ReenrollRequest::new().keep_key(o.keep_key.unwrap_or(false));
        req.attr_reqs = attribute_requests(o.attributes);
        req.profile = o.profile;
        req.hosts = o.hosts.unwrap_or_default();
        req.label = o.label;
        req.ca_name = o.ca_name;
        let ca = self.inner.clone();
        let current = current.inner.clone();
        let msp_id = self.msp_id.clone().or_else(|| current.msp_id_known());
        spawn(env, async move {
            let inner = ca.reenroll(&current.identity, req).await?;
            Ok(Enrollment { inner, msp_id })
        })
    }

    /// Registers identity `id` on behalf of `registrar`; resolves to its enrollment secret.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn register<'env>(
        &self,
        env: &'env Env,
        registrar: &CaCredential,
        id: String,
        options: Option<RegisterOptions>,
    ) -> napi::Result<PromiseRaw<'env, String>> {
        let req = registration(id, options.unwrap_or_default());
        let ca = self.inner.clone();
        let registrar = registrar.inner.identity.clone();
        spawn(env, async move { ca.register(&registrar, req).await })
    }

    /// Revokes an identity or one certificate on behalf of `registrar`.
    #[napi(ts_return_type = "Promise<Revocation>")]
    pub fn revoke<'env>(
        &self,
        env: &'env Env,
        registrar: &CaCredential,
        options: RevokeOptions,
    ) -> napi::Result<PromiseRaw<'env, Revocation>> {
        if options.id.is_none() && (options.serial.is_none() || options.aki.is_none()) {
            return Err(error::invalid(
                "revoke needs an identity id, or a certificate's serial and aki",
            ));
        }
        let mut req = RevocationRequest::default().gencrl(options.gencrl.unwrap_or(false));
        req.id = options.id;
        req.serial = options.serial;
        req.aki = options.aki;
        req.reason = options.reason;
        req.ca_name = options.ca_name;
        let ca = self.inner.clone();
        let registrar = registrar.inner.identity.clone();
        spawn(env, async move {
            ca.revoke(&registrar, req).await.map(Revocation::from)
        })
    }

    /// The identities `registrar` may see.
    #[napi(ts_return_type = "Promise<IdentityInfo[]>")]
    pub fn identities<'env>(
        &self,
        env: &'env Env,
        registrar: &CaCredential,
    ) -> napi::Result<PromiseRaw<'env, Vec<IdentityInfo>>> {
        let ca = self.inner.clone();
        let registrar = registrar.inner.identity.clone();
        spawn(env, async move {
            let all = ca.identities(&registrar).await?;
            Ok(all.into_iter().map(IdentityInfo::from).collect())
        })
    }

    /// Identity `id` as `registrar` sees it.
    #[napi(ts_return_type = "Promise<IdentityInfo>")]
    pub fn identity<'env>(
        &self,
        env: &'env Env,
        registrar: &CaCredential,
        id: String,
    ) -> napi::Result<PromiseRaw<'env, IdentityInfo>> {
        let ca = self.inner.clone();
        let registrar = registrar.inner.identity.clone();
        spawn(env, async move {
            ca.identity(&registrar, &id).await.map(IdentityInfo::from)
        })
    }

    /// Changes identity `id`: the options given replace the identity's.
    #[napi(ts_return_type = "Promise<IdentityInfo>")]
    pub fn modify_identity<'env>(
        &self,
        env: &'env Env,
        registrar: &CaCredential,
        id: String,
        options: Option<RegisterOptions>,
    ) -> napi::Result<PromiseRaw<'env, IdentityInfo>> {
        let req = registration(String::new(), options.unwrap_or_default());
        let ca = self.inner.clone();
        let registrar = registrar.inner.identity.clone();
        spawn(env, async move {
            ca.modify_identity(&registrar, &id, req)
                .await
                .map(IdentityInfo::from)
        })
    }

    /// Removes identity `id`; `force` also removes the registrar's own.
    #[napi(ts_return_type = "Promise<IdentityInfo>")]
    pub fn remove_identity<'env>(
        &self,
        env: &'env Env,
        registrar: &CaCredential,
        id: String,
        force: Option<bool>,
    ) -> napi::Result<PromiseRaw<'env, IdentityInfo>> {
        let ca = self.inner.clone();
        let registrar = registrar.inner.identity.clone();
        let force = force.unwrap_or(false);
        spawn(env, async move {
            ca.remove_identity(&registrar, &id, force)
                .await
                .map(IdentityInfo::from)
        })
    }

    /// The affiliation tree `registrar` may see, as the CA returns it.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub fn affiliations<'env>(
        &self,
        env: &'env Env,
        registrar: &CaCredential,
    ) -> napi::Result<PromiseRaw<'env, Value>> {
        let ca = self.inner.clone();
        let registrar = registrar.inner.identity.clone();
        spawn(env, async move { ca.affiliations(&registrar).await })
    }
}

// ---- Enrollments and credentials -------------------------------------------------------------------

/// An issued certificate with its private key (wrapped by `Enrollment` in `ca.js`). The key
/// stays here: `privateKeyPem()` hands it out only when asked.
#[napi]
pub struct Enrollment {
    inner: CoreEnrollment,
    msp_id: Option<String>,
}

#[napi]
impl Enrollment {
    /// The certificate, PEM, as the CA issued it.
    #[napi(getter)]
    pub fn certificate(&self) -> String {
        self.inner.certificate_pem().to_owned()
    }

    /// The CA's certificate chain, PEM (signing CA first).
    #[napi(getter)]
    pub fn ca_chain(&self) -> String {
        self.inner.ca_chain_pem().to_owned()
    }

    /// What the CA said about itself in the answer.
    #[napi(getter)]
    pub fn ca_info(&self) -> CaInfo {
        CaInfo::from(self.inner.ca_info())
    }

    /// The MSP ID of the client's organization (profile or `mspId` option), or null.
    #[napi(getter)]
    pub fn msp_id(&self) -> Option<String> {
        self.msp_id.clone()
    }

    /// The certificate's subject common name (the enrollment ID).
    #[napi(getter)]
    pub fn common_name(&self) -> Option<String> {
        self.inner
            .certificate()
            .ok()
            .and_then(|c| c.subject_common_name().map(str::to_owned))
    }

    /// The certificate's subject, e.g. `CN=user1,OU=client,...`.
    #[napi(getter)]
    pub fn subject(&self) -> Option<String> {
        self.inner
            .certificate()
            .ok()
            .map(|c| c.subject().to_owned())
    }

    /// Whether the enrollment carries a new key (false when a reenrollment kept the key).
    #[napi(getter)]
    pub fn has_private_key(&self) -> bool {
        self.inner.private_key_pem().is_some()
    }

    /// The private key, unencrypted PKCS#8 PEM, or null when a reenrollment kept the key.
    #[napi]
    pub fn private_key_pem(&self) -> Option<String> {
        self.inner.private_key_pem().map(str::to_owned)
    }

    /// The enrollment as an identity of `msp_id` (default: the CaClient's MSP ID), to connect
    /// or sign with, or to put in a wallet.
    #[napi]
    pub fn identity(&self, msp_id: Option<String>) -> napi::Result<crate::identity::Identity> {
        let Some(msp_id) = msp_id.or_else(|| self.msp_id.clone()) else {
            return Err(error::invalid(
                "enrollment.identity() needs an MSP ID: give it (identity('Org1MSP')), or make \
                 the CaClient with one (CaClient.fromProfile, or the mspId option)"
                    .to_owned(),
            ));
        };
        let core = self
            .inner
            .clone()
            .into_identity(&msp_id)
            .map_err(error::to_js)?;
        Ok(crate::identity::Identity::from_enrollment(
            core,
            self.inner.private_key_pem(),
        ))
    }

    /// The certificate and signer, for the calls an enrolled identity authenticates.
    #[napi]
    pub fn credential(&self) -> napi::Result<CaCredential> {
        let msp_id = self.msp_id.as_deref().unwrap_or(UNKNOWN_MSP);
        let identity = self
            .inner
            .clone()
            .into_identity(msp_id)
            .map_err(error::to_js)?;
        Ok(CaCredential {
            inner: Credential {
                identity,
                msp_known: self.msp_id.is_some(),
            },
        })
    }
}

/// An identity that authenticates CA calls, and whether its MSP ID is real.
#[derive(Clone)]
struct Credential {
    identity: Identity,
    msp_known: bool,
}

impl Credential {
    fn msp_id_known(&self) -> Option<String> {
        self.msp_known.then(|| self.identity.msp_id().to_owned())
    }
}

/// A certificate and the signer of its key, for the CA calls made on behalf of an enrolled
/// identity (the registrar, or the identity to reenroll). Internal: `ca.js` makes one from an
/// `Enrollment` or from `{certificate, privateKeyPem}`.
#[napi]
pub struct CaCredential {
    inner: Credential,
}

/// A credential from an `Identity` (its MSP ID is real).
#[napi]
pub fn ca_credential_of(identity: &crate::identity::Identity) -> CaCredential {
    CaCredential {
        inner: Credential {
            identity: identity.inner.clone(),
            msp_known: true,
        },
    }
}

/// A credential from a certificate and private key (PEM or DER); `passphrase` decrypts an
/// encrypted key.
#[napi]
pub fn ca_credential(
    certificate: Arg,
    private_key: Arg,
    passphrase: Option<Arg>,
    msp_id: Option<String>,
) -> napi::Result<CaCredential> {
    let passphrase = passphrase.map(to_bytes);
    let key = match &private_key {
        napi::bindgen_prelude::Either::A(s) => s.as_bytes(),
        napi::bindgen_prelude::Either::B(b) => b.as_ref(),
    };
    let identity = Identity::from_pem(
        msp_id.as_deref().unwrap_or(UNKNOWN_MSP),
        &to_bytes(certificate),
        key,
        passphrase.as_deref(),
    )
    .map_err(error::to_js)?;
    Ok(CaCredential {
        inner: Credential {
            identity,
            msp_known: msp_id.is_some(),
        },
    })
}
