//! X.509 certificates: parsing and the few fields the SDK needs.

use std::fmt;
use std::time::SystemTime;

use der::{Decode, Encode, Tag, Tagged};
use spki::ObjectIdentifier;

use super::time::rfc3339;
use crate::crypto::oid::KeyType;
use crate::crypto::pem;
use crate::error::{Error, IdentityProblem, Result};

const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// An X.509 certificate, with its DER and PEM forms and the fields fabweave reads.
///
/// Equality compares the DER encoding.
///
/// ```
/// use fabweave::identity::Certificate;
///
/// let pem = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/ec_cert.pem"));
/// let cert = Certificate::from_pem(pem).unwrap();
/// assert_eq!(cert.subject_common_name(), Some("User1@org1.example.com"));
/// assert!(cert.is_p256());
/// ```
#[derive(Clone)]
pub struct Certificate {
    der: Vec<u8>,
    pem: String,
    subject: String,
    issuer: String,
    common_name: Option<String>,
    public_key_der: Vec<u8>,
    key_type: KeyType,
    not_before: SystemTime,
    not_after: SystemTime,
}

fn malformed(reason: impl Into<String>) -> Error {
    Error::identity(
        None,
        IdentityProblem::Malformed {
            what: "certificate",
            reason: reason.into(),
        },
    )
}

/// Parses every `CERTIFICATE` block of a PEM bundle, in order.
///
/// Other blocks (keys, parameters) and text between blocks are skipped, as Go's
/// `AppendCertsFromPEM` does; a PEM that holds no certificate, or a certificate block that does
/// not parse, is an error ([`IdentityProblem::Malformed`] with `what: "certificate"`, no file:
/// callers add it with the file or profile key they read).
///
/// ```
/// let pem = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/bundle.pem"));
/// let certs = fabweave::identity::parse_certificates_pem(pem).unwrap();
/// assert_eq!(certs.len(), 2);
/// ```
pub fn parse_certificates_pem(bytes: &[u8]) -> Result<Vec<Certificate>> {
    let blocks = pem::parse(bytes).map_err(malformed)?;
    let mut certs = Vec::new();
    for (i, block) in blocks.iter().enumerate() {
        if block.label != "CERTIFICATE" {
            continue;
        }
        let cert = Certificate::parse(block.body.to_vec(), block.text.to_string())
            .map_err(|reason| malformed(format!("PEM block {}: {reason}", i + 1)))?;
        certs.push(cert);
    }
    if certs.is_empty() {
        let labels: Vec<&str> = blocks.iter().map(|b| b.label).collect();
        return Err(malformed(if labels.is_empty() {
            "no PEM block found; expected -----BEGIN CERTIFICATE-----".to_string()
        } else {
            format!(
                "no CERTIFICATE PEM block, found only: {}",
                labels.join(", ")
            )
        }));
    }
    Ok(certs)
}

impl Certificate {
    /// Parses the first certificate of a PEM text (a bundle may hold more; see
    /// [`parse_certificates_pem`]). [`Certificate::pem`] then returns that block exactly as it
    /// was in the input.
    pub fn from_pem(pem: &[u8]) -> Result<Certificate> {
        let mut certs = parse_certificates_pem(pem)?;
        Ok(certs.swap_remove(0))
    }

    /// Parses a DER certificate. [`Certificate::pem`] then returns a PEM encoding of it.
    pub fn from_der(der: &[u8]) -> Result<Certificate> {
        let pem = pem::encode("CERTIFICATE", der);
        Certificate::parse(der.to_vec(), pem).map_err(malformed)
    }

    /// Parses PEM (first certificate) or DER, whichever `bytes` holds.
    pub fn from_bytes(bytes: &[u8]) -> Result<Certificate> {
        if pem::looks_like_pem(bytes) {
            Certificate::from_pem(bytes)
        } else {
            Certificate::from_der(bytes)
        }
    }

    fn parse(der: Vec<u8>, pem: String) -> Result<Certificate, String> {
        let cert = x509_cert::Certificate::from_der(&der)
            .map_err(|e| format!("not an X.509 certificate: {e}"))?;
        let tbs = &cert.tbs_certificate;
        let common_name = tbs
            .subject
            .0
            .iter()
            .flat_map(|rdn| rdn.0.iter())
            .filter(|atv| atv.oid == COMMON_NAME)
            .filter_map(|atv| directory_string(&atv.value))
            // As Go's pkix does: the last CN is the most specific.
            .next_back();
        let public_key_der = tbs
            .subject_public_key_info
            .to_der()
            .map_err(|e| format!("cannot re-encode the public key: {e}"))?;
        let key_type = KeyType::new(
            tbs.subject_public_key_info.algorithm.oid,
            tbs.subject_public_key_info
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok()),
        );
        Ok(Certificate {
            subject: tbs.subject.to_string(),
            issuer: tbs.issuer.to_string(),
            common_name,
            public_key_der,
            key_type,
            not_before: tbs.validity.not_before.to_system_time(),
            not_after: tbs.validity.not_after.to_system_time(),
            der,
            pem,
        })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The PEM text: the block exactly as read (from `-----BEGIN CERTIFICATE-----` through the
    /// line ending after the END line), or, for a certificate parsed from DER, a PEM encoding
    /// with `\n` line endings. Fabric identities carry these bytes.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The subject as an RFC 4514 string, e.g. `CN=User1@org1.example.com,OU=client,O=org1`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The issuer as an RFC 4514 string.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The subject's common name (the last CN, as Go's `pkix.Name.CommonName`), if any.
    pub fn subject_common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }

    /// The subject public key as a DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key_der
    }

    /// Whether the public key is ECDSA on P-256.
    pub fn is_p256(&self) -> bool {
        self.key_type == KeyType::P256
    }

    /// The start of the validity period (NotBefore).
    pub fn not_before(&self) -> SystemTime {
        self.not_before
    }

    /// The end of the validity period (NotAfter, inclusive).
    pub fn not_after(&self) -> SystemTime {
        self.not_after
    }

    /// Checks that `now` lies within NotBefore..=NotAfter.
    ///
    /// Errors are [`IdentityProblem::Expired`] (with how long ago) and
    /// [`IdentityProblem::NotYetValid`] (with how far ahead; its message names clock skew and a
    /// CA's 5-minute NotBefore backdating), without a file.
    pub fn check_validity(&self, now: SystemTime) -> Result<()> {
        if let Ok(ahead) = self.not_before.duration_since(now) {
            if !ahead.is_zero() {
                return Err(Error::identity(
                    None,
                    IdentityProblem::NotYetValid {
                        not_before: rfc3339(self.not_before),
                        seconds_ahead: ahead.as_secs().max(1),
                    },
                ));
            }
        }
        if let Ok(ago) = now.duration_since(self.not_after) {
            if !ago.is_zero() {
                return Err(Error::identity(
                    None,
                    IdentityProblem::Expired {
                        not_after: rfc3339(self.not_after),
                        seconds_ago: ago.as_secs().max(1),
                    },
                ));
            }
        }
        Ok(())
    }

    /// Verifies `signature` over `message` with this certificate's public key; see
    /// [`crate::crypto::verify`] (high-S ECDSA signatures are rejected, as Fabric does).
    pub fn verify_signature(&self, message: &[u8], signature: &[u8]) -> Result<()> {
        crate::crypto::verify(&self.public_key_der, message, signature)
    }
}

/// A DirectoryString value (UTF8String, PrintableString, IA5String, TeletexString, BMPString).
fn directory_string(value: &der::Any) -> Option<String> {
    let bytes = value.value();
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::TeletexString => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        Tag::BmpString => {
            let units: Vec<u16> = bytes
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            Some(String::from_utf16_lossy(&units))
        }
        _ => None,
    }
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Self) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl fmt::Debug for Certificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Certificate")
            .field("subject", &self.subject)
            .field("issuer", &self.issuer)
            .field("not_before", &rfc3339(self.not_before))
            .field("not_after", &rfc3339(self.not_after))
            .finish()
    }
}
