//! What goes to the CA and what comes back: requests with public fields and builder methods,
//! answers as plain data.

use std::fmt;
use std::sync::Arc;

use zeroize::Zeroizing;

use crate::crypto::Signer;
use crate::error::Result;
use crate::identity::{parse_certificates_pem, Certificate, Identity};

/// An attribute to put in the enrollment certificate (`attr_reqs` of an enroll or reenroll).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct AttributeRequest {
    /// The attribute's name, e.g. `role` or `hf.EnrollmentID`.
    pub name: String,
    /// Whether the enrollment still succeeds when the identity lacks the attribute (otherwise
    /// the CA refuses it).
    pub optional: bool,
}

impl AttributeRequest {
    /// A request for attribute `name`.
    pub fn new(name: impl Into<String>, optional: bool) -> AttributeRequest {
        AttributeRequest {
            name: name.into(),
            optional,
        }
    }
}

/// An identity's attribute, as registered (`attrs`) or listed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Attribute {
    /// The name, e.g. `role`.
    pub name: String,
    /// The value, e.g. `auditor`.
    pub value: String,
    /// Whether the CA puts it into enrollment certificates by default (when an enroll asks for
    /// no attributes).
    pub ecert: bool,
}

impl Attribute {
    /// An attribute `name=value`.
    pub fn new(name: impl Into<String>, value: impl Into<String>, ecert: bool) -> Attribute {
        Attribute {
            name: name.into(),
            value: value.into(),
            ecert,
        }
    }
}

/// The kind of key pair generated locally for an enrollment.
///
/// ECDSA P-256 is what standard Fabric CAs issue certificates for; OSCCA ("GM") Fabric CAs
/// expect SM2 keys, whose certificate signing requests are signed with SM2-with-SM3 (with the
/// distinguishing ID [`crate::crypto::DEFAULT_DISTID`]).
///
/// ```
/// use fabweave::ca::{EnrollRequest, KeyAlgorithm};
///
/// let req = EnrollRequest::new("user1", "user1pw").key_algorithm(KeyAlgorithm::Sm2);
/// assert_eq!(req.key_algorithm, KeyAlgorithm::Sm2);
/// assert_eq!(KeyAlgorithm::default(), KeyAlgorithm::P256);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256 (secp256r1), signing with SHA-256: the standard Fabric CA's keys.
    #[default]
    P256,
    /// SM2 (GB/T 32918, curve sm2p256v1), signing with SM3: the keys of GM Fabric CAs.
    Sm2,
}

impl KeyAlgorithm {
    /// A short human-readable name, e.g. `ECDSA P-256`.
    pub fn name(self) -> &'static str {
        match self {
            KeyAlgorithm::P256 => "ECDSA P-256",
            KeyAlgorithm::Sm2 => "SM2",
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An enrollment: the enrollment ID and secret and what to ask for. The key pair is generated
/// locally (ECDSA P-256 unless [`EnrollRequest::key_algorithm`] asks for SM2); only a
/// certificate signing request leaves the machine.
///
/// ```
/// use fabweave::ca::EnrollRequest;
///
/// let req = EnrollRequest::new("peer0", "peer0pw")
///     .profile("tls")
///     .host("peer0.org1.example.com")
///     .attribute("role", true);
/// assert_eq!(req.hosts, ["peer0.org1.example.com"]);
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct EnrollRequest {
    /// The enrollment ID; also the CSR's common name, as the CA requires.
    pub enrollment_id: String,
    /// The enrollment secret (hidden from `Debug`).
    pub secret: String,
    /// Subject alternative names: DNS names, IP addresses, e-mail addresses (`hosts`).
    pub hosts: Vec<String>,
    /// The CA signing profile, e.g. `tls` for a TLS certificate; the CA's default when `None`.
    pub profile: Option<String>,
    /// The HSM key label on the CA side (`label`), rarely needed.
    pub label: Option<String>,
    /// Attributes to put in the certificate. None asked: the CA adds the identity's attributes
    /// registered with `ecert: true`.
    pub attr_reqs: Vec<AttributeRequest>,
    /// The CA to address on a server hosting several; the client's CA name when `None`.
    pub ca_name: Option<String>,
    /// The kind of key pair to generate: ECDSA P-256 (the default) or SM2 for a GM CA.
    pub key_algorithm: KeyAlgorithm,
}

impl EnrollRequest {
    /// An enrollment of `enrollment_id` with `secret`.
    pub fn new(enrollment_id: impl Into<String>, secret: impl Into<String>) -> EnrollRequest {
        EnrollRequest {
            enrollment_id: enrollment_id.into(),
            secret: secret.into(),
            ..EnrollRequest::default()
        }
    }

    /// Adds a subject alternative name.
    pub fn host(mut self, host: impl Into<String>) -> EnrollRequest {
        self.hosts.push(host.into());
        self
    }

    /// Sets the signing profile (`tls` for a TLS certificate).
    pub fn profile(mut self, profile: impl Into<String>) -> EnrollRequest {
        self.profile = Some(profile.into());
        self
    }

    /// Sets the CA-side key label.
    pub fn label(mut self, label: impl Into<String>) -> EnrollRequest {
        self.label = Some(label.into());
        self
    }

    /// Asks for attribute `name` in the certificate.
    pub fn attribute(mut self, name: impl Into<String>, optional: bool) -> EnrollRequest {
        self.attr_reqs.push(AttributeRequest::new(name, optional));
        self
    }

    /// Addresses the CA `ca_name` of the server.
    pub fn ca_name(mut self, ca_name: impl Into<String>) -> EnrollRequest {
        self.ca_name = Some(ca_name.into());
        self
    }

    /// Sets the kind of key pair to generate (SM2 for a GM CA; ECDSA P-256 by default).
    pub fn key_algorithm(mut self, algorithm: KeyAlgorithm) -> EnrollRequest {
        self.key_algorithm = algorithm;
        self
    }
}

impl fmt::Debug for EnrollRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrollRequest")
            .field("enrollment_id", &self.enrollment_id)
            .field("secret", &"<hidden>")
            .field("hosts", &self.hosts)
            .field("profile", &self.profile)
            .field("label", &self.label)
            .field("attr_reqs", &self.attr_reqs)
            .field("ca_name", &self.ca_name)
            .field("key_algorithm", &self.key_algorithm)
            .finish()
    }
}

/// A reenrollment: a new certificate for the identity that asks (authenticated by its current
/// certificate), with a new key unless [`ReenrollRequest::keep_key`] is set. A new key is of
/// the same kind as the current one (SM2 for an SM2 identity, ECDSA P-256 otherwise).
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ReenrollRequest {
    /// Keep the current key (the CSR is signed by the identity's signer) instead of generating
    /// a new one.
    pub keep_key: bool,
    /// Subject alternative names, as for [`EnrollRequest::hosts`].
    pub hosts: Vec<String>,
    /// The signing profile.
    pub profile: Option<String>,
    /// The CA-side key label.
    pub label: Option<String>,
    /// Attributes to put in the certificate.
    pub attr_reqs: Vec<AttributeRequest>,
    /// The CA to address; the client's CA name when `None`.
    pub ca_name: Option<String>,
}

impl ReenrollRequest {
    /// A reenrollment with a new key and the CA's defaults.
    pub fn new() -> ReenrollRequest {
        ReenrollRequest::default()
    }

    /// Keeps the current key instead of generating a new one.
    pub fn keep_key(mut self, keep: bool) -> ReenrollRequest {
        self.keep_key = keep;
        self
    }

    /// Adds a subject alternative name.
    pub fn host(mut self, host: impl Into<String>) -> ReenrollRequest {
        self.hosts.push(host.into());
        self
    }

    /// Sets the signing profile.
    pub fn profile(mut self, profile: impl Into<String>) -> ReenrollRequest {
        self.profile = Some(profile.into());
        self
    }

    /// Sets the CA-side key label.
    pub fn label(mut self, label: impl Into<String>) -> ReenrollRequest {
        self.label = Some(label.into());
        self
    }

    /// Asks for attribute `name` in the certificate.
    pub fn attribute(mut self, name: impl Into<String>, optional: bool) -> ReenrollRequest {
        self.attr_reqs.push(AttributeRequest::new(name, optional));
        self
    }

    /// Addresses the CA `ca_name` of the server.
    pub fn ca_name(mut self, ca_name: impl Into<String>) -> ReenrollRequest {
        self.ca_name = Some(ca_name.into());
        self
    }
}

/// A registration (or, for [`super::CaClient::modify_identity`], the changes to an identity:
/// fields left `None` or empty are not changed).
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct RegistrationRequest {
    /// The enrollment ID to register (ignored by `modify_identity`, which takes it apart).
    pub id: String,
    /// The identity type: `client` (the default for a registration), `peer`, `orderer`,
    /// `admin`, `user`.
    pub identity_type: Option<String>,
    /// The enrollment secret; the CA generates one when `None` (hidden from `Debug`).
    pub secret: Option<String>,
    /// How many times the identity may enroll (-1: no limit); the CA's default when `None`.
    pub max_enrollments: Option<i32>,
    /// The affiliation, e.g. `org1.department1`; the registrar's when `None`.
    pub affiliation: Option<String>,
    /// Attributes.
    pub attributes: Vec<Attribute>,
    /// The CA to address; the client's CA name when `None`.
    pub ca_name: Option<String>,
}

impl RegistrationRequest {
    /// A registration of `id` (type `client` unless set).
    pub fn new(id: impl Into<String>) -> RegistrationRequest {
        RegistrationRequest {
            id: id.into(),
            ..RegistrationRequest::default()
        }
    }

    /// Sets the identity type (`client`, `peer`, `orderer`, `admin`, ...).
    pub fn identity_type(mut self, identity_type: impl Into<String>) -> RegistrationRequest {
        self.identity_type = Some(identity_type.into());
        self
    }

    /// Sets the enrollment secret.
    pub fn secret(mut self, secret: impl Into<String>) -> RegistrationRequest {
        self.secret = Some(secret.into());
        self
    }

    /// Sets how many times the identity may enroll (-1: no limit).
    pub fn max_enrollments(mut self, max: i32) -> RegistrationRequest {
        self.max_enrollments = Some(max);
        self
    }

    /// Sets the affiliation.
    pub fn affiliation(mut self, affiliation: impl Into<String>) -> RegistrationRequest {
        self.affiliation = Some(affiliation.into());
        self
    }

    /// Adds attribute `name=value`; `ecert`: put it in enrollment certificates by default.
    pub fn attribute(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        ecert: bool,
    ) -> RegistrationRequest {
        self.attributes.push(Attribute::new(name, value, ecert));
        self
    }

    /// Addresses the CA `ca_name` of the server.
    pub fn ca_name(mut self, ca_name: impl Into<String>) -> RegistrationRequest {
        self.ca_name = Some(ca_name.into());
        self
    }
}

impl fmt::Debug for RegistrationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistrationRequest")
            .field("id", &self.id)
            .field("identity_type", &self.identity_type)
            .field("secret", &self.secret.as_ref().map(|_| "<hidden>"))
            .field("max_enrollments", &self.max_enrollments)
            .field("affiliation", &self.affiliation)
            .field("attributes", &self.attributes)
            .field("ca_name", &self.ca_name)
            .finish()
    }
}

/// A revocation: every certificate of an identity (and the identity itself, which can no longer
/// enroll), or one certificate by serial number and authority key identifier.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RevocationRequest {
    /// The enrollment ID whose certificates to revoke.
    pub id: Option<String>,
    /// The certificate's serial number, hex (the CA lower-cases it and strips colons and leading
    /// zeros).
    pub serial: Option<String>,
    /// The certificate's authority key identifier, hex.
    pub aki: Option<String>,
    /// The reason, as the CA names them: `unspecified`, `keycompromise`, `cacompromise`,
    /// `affiliationchanged`, `superseded`, `cessationofoperation`, `certificatehold`,
    /// `removefromcrl`, `privilegewithdrawn`, `aacompromise`.
    pub reason: Option<String>,
    /// Also return a fresh CRL.
    pub gencrl: bool,
    /// The CA to address; the client's CA name when `None`.
    pub ca_name: Option<String>,
}

impl RevocationRequest {
    /// Revokes identity `id` and all its certificates.
    pub fn identity(id: impl Into<String>) -> RevocationRequest {
        RevocationRequest {
            id: Some(id.into()),
            ..RevocationRequest::default()
        }
    }

    /// Revokes one certificate, by serial number and authority key identifier (both hex).
    pub fn certificate(serial: impl Into<String>, aki: impl Into<String>) -> RevocationRequest {
        RevocationRequest {
            serial: Some(serial.into()),
            aki: Some(aki.into()),
            ..RevocationRequest::default()
        }
    }

    /// Sets the reason (e.g. `keycompromise`).
    pub fn reason(mut self, reason: impl Into<String>) -> RevocationRequest {
        self.reason = Some(reason.into());
        self
    }

    /// Asks for a CRL in the answer.
    pub fn gencrl(mut self, gencrl: bool) -> RevocationRequest {
        self.gencrl = gencrl;
        self
    }

    /// Addresses the CA `ca_name` of the server.
    pub fn ca_name(mut self, ca_name: impl Into<String>) -> RevocationRequest {
        self.ca_name = Some(ca_name.into());
        self
    }
}

/// A revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RevokedCertificate {
    /// Serial number, hex as the CA writes it.
    pub serial: String,
    /// Authority key identifier, hex.
    pub aki: String,
}

/// What a revocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Revocation {
    /// The certificates revoked (none when the identity had no valid certificate left).
    pub revoked: Vec<RevokedCertificate>,
    /// The CRL, PEM, when one was asked for.
    pub crl_pem: Option<String>,
}

/// An identity registered with the CA.
#[derive(Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct IdentityInfo {
    /// Enrollment ID.
    pub id: String,
    /// Type (`client`, `peer`, ...).
    pub identity_type: String,
    /// Affiliation (empty for the root).
    pub affiliation: String,
    /// Attributes, the CA's `hf.*` ones included.
    pub attributes: Vec<Attribute>,
    /// Enrollments allowed (-1: no limit).
    pub max_enrollments: i64,
    /// The CA that answered.
    pub ca_name: String,
    /// The secret, when a modification set or generated one (hidden from `Debug`).
    pub secret: Option<String>,
}

impl IdentityInfo {
    /// The value of attribute `name`, if the identity has it.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.as_str())
    }
}

impl fmt::Debug for IdentityInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityInfo")
            .field("id", &self.id)
            .field("identity_type", &self.identity_type)
            .field("affiliation", &self.affiliation)
            .field("attributes", &self.attributes)
            .field("max_enrollments", &self.max_enrollments)
            .field("ca_name", &self.ca_name)
            .field("secret", &self.secret.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

/// What `cainfo` says about a CA (also part of every enrollment's answer).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CaInfo {
    /// The CA's name (`CAName`).
    pub ca_name: String,
    /// The CA's certificate chain, PEM (`CAChain`, decoded from base64): the signing CA first,
    /// up to the root.
    pub ca_chain: Vec<u8>,
    /// The server's version, e.g. `1.5.21` (empty from servers that do not say).
    pub version: String,
    /// The Idemix issuer public key (`IssuerPublicKey`), as sent; empty without Idemix.
    pub issuer_public_key: Vec<u8>,
    /// The Idemix revocation public key (`IssuerRevocationPublicKey`), as sent.
    pub issuer_revocation_public_key: Vec<u8>,
}

impl CaInfo {
    /// The chain as text.
    pub fn ca_chain_pem(&self) -> String {
        String::from_utf8_lossy(&self.ca_chain).into_owned()
    }

    /// The chain's certificates, in order.
    pub fn ca_certificates(&self) -> Result<Vec<Certificate>> {
        parse_certificates_pem(&self.ca_chain)
    }
}

/// An issued certificate with its private key: the result of an enroll or reenroll.
///
/// The key stays in memory: [`Enrollment::private_key_pem`] gives it as PKCS#8 PEM (zeroized
/// when the enrollment is dropped, never shown by `Debug`) to store it, and
/// [`Enrollment::into_identity`] makes it an [`Identity`] to sign with.
#[derive(Clone)]
pub struct Enrollment {
    pub(crate) certificate_pem: String,
    pub(crate) ca_info: CaInfo,
    pub(crate) ca_chain_pem: String,
    pub(crate) signer: Arc<dyn Signer>,
    pub(crate) key_pem: Option<Zeroizing<String>>,
}

impl Enrollment {
    /// The certificate, PEM, as the CA issued it.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// The certificate parsed.
    pub fn certificate(&self) -> Result<Certificate> {
        Certificate::from_pem(self.certificate_pem.as_bytes())
    }

    /// The CA's chain, PEM (signing CA first): the MSP's `cacerts` (and `intermediatecerts`).
    pub fn ca_chain_pem(&self) -> &str {
        &self.ca_chain_pem
    }

    /// What the CA said about itself in the answer (name, chain, version).
    pub fn ca_info(&self) -> &CaInfo {
        &self.ca_info
    }

    /// The private key, PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), to store it (e.g. as an
    /// MSP `keystore/` file). `None` when a reenrollment kept the existing key: the caller
    /// already has it (or its signer does).
    pub fn private_key_pem(&self) -> Option<&str> {
        self.key_pem.as_ref().map(|k| k.as_str())
    }

    /// The signer holding the certificate's key.
    pub fn signer(&self) -> &Arc<dyn Signer> {
        &self.signer
    }

    /// An identity of MSP `msp_id` from the certificate and key.
    pub fn into_identity(self, msp_id: &str) -> Result<Identity> {
        let certificate = Certificate::from_pem(self.certificate_pem.as_bytes())?;
        Identity::new(msp_id, certificate, self.signer)
    }
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cert = self.certificate().ok();
        f.debug_struct("Enrollment")
            .field("subject", &cert.as_ref().map(|c| c.subject().to_owned()))
            .field("ca_name", &self.ca_info.ca_name)
            .field("signer", &self.signer)
            .field(
                "private_key",
                &if self.key_pem.is_some() {
                    "<hidden>"
                } else {
                    "<kept>"
                },
            )
            .finish()
    }
}
