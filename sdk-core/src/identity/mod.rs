//! Who signs: an X.509 certificate, the MSP it belongs to, and the private key that goes with it.
//!
//! [`Identity`] loads from PEM text, from a certificate and a key file, or from an MSP folder as
//! Fabric CA clients, `cryptogen` and BaaS consoles write them (`signcerts/` + `keystore/`). Every
//! constructor checks that the key belongs to the certificate. Errors name the file or folder.
//!
//! This module knows nothing of gRPC; signing is delegated to a [`crate::crypto::Signer`].
//!
//! ```
//! use fabweave::identity::Identity;
//!
//! let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/msp");
//! let id = Identity::from_msp_dir("Org1MSP", dir, None).unwrap();
//! assert_eq!(id.msp_id(), "Org1MSP");
//! let signature = id.sign(b"proposal bytes").unwrap();
//! id.certificate().verify_signature(b"proposal bytes", &signature).unwrap();
//! ```

mod certificate;
mod msp;
pub(crate) mod time;
pub mod wallet;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use prost::Message;
use zeroize::Zeroizing;

pub use certificate::{parse_certificates_pem, Certificate};
pub use wallet::{FileWallet, InMemoryWallet, Storable, Wallet, WalletEntry};

use crate::crypto::{load_private_key, Signer};
use crate::error::{Error, IdentityProblem, Result};
use crate::proto::msp::SerializedIdentity;

/// A Fabric identity: an MSP ID, an X.509 certificate, and a signer holding the certificate's
/// private key.
///
/// Cloning is cheap for the signer (shared through an `Arc`). `Debug` shows the MSP ID, the
/// subject and the validity, never key material.
#[derive(Clone)]
pub struct Identity {
    msp_id: String,
    certificate: Certificate,
    signer: Arc<dyn Signer>,
    serialized: Vec<u8>,
    source: Option<PathBuf>,
    key_source: Option<PathBuf>,
}

impl Identity {
    /// An identity from parts; checks that `signer` holds the certificate's key
    /// ([`IdentityProblem::KeyCertMismatch`] otherwise) and that the MSP ID is not empty.
    pub fn new(
        msp_id: impl Into<String>,
        certificate: Certificate,
        signer: Arc<dyn Signer>,
    ) -> Result<Identity> {
        let msp_id = msp_id.into();
        if msp_id.trim().is_empty() {
            return Err(Error::identity(
                None,
                IdentityProblem::Malformed {
                    what: "MSP ID",
                    reason: "it is empty; give the organization's MSP ID, e.g. Org1MSP".into(),
                },
            ));
        }
        if !signer.matches_public_key(certificate.public_key_der()) {
            return Err(Error::identity(
                None,
                IdentityProblem::KeyCertMismatch { certificate: None },
            ));
        }
        let serialized = SerializedIdentity {
            mspid: msp_id.clone(),
            id_bytes: certificate.pem().as_bytes().to_vec(),
        }
        .encode_to_vec();
        Ok(Identity {
            msp_id,
            certificate,
            signer,
            serialized,
            source: None,
            key_source: None,
        })
    }

    /// The same identity (MSP ID, certificate) with another signer for the same key, e.g. an
    /// SM2 signer that hashes the way a network's crypto suite asks. Errors as [`Identity::new`]
    /// when the signer holds another key.
    pub fn with_signer(&self, signer: Arc<dyn Signer>) -> Result<Identity> {
        if !signer.matches_public_key(self.certificate.public_key_der()) {
            return Err(Error::identity(
                self.source.clone(),
                IdentityProblem::KeyCertMismatch { certificate: None },
            ));
        }
        Ok(Identity {
            signer,
            ..self.clone()
        })
    }

    /// An identity from a PEM certificate (the first one, if several; DER is accepted too) and a
    /// PEM or DER private key; `passphrase` decrypts an encrypted key. See
    /// [`crate::crypto::P256Signer::from_pem`] for the key formats.
    pub fn from_pem(
        msp_id: impl Into<String>,
        cert_pem: &[u8],
        key_pem: &[u8],
        passphrase: Option<&[u8]>,
    ) -> Result<Identity> {
        let certificate = Certificate::from_bytes(cert_pem)?;
        let signer = load_private_key(key_pem, passphrase)?;
        Identity::new(msp_id, certificate, signer)
    }

    /// An identity from a certificate file (PEM or DER) and a private key file.
    ///
    /// Errors name the file concerned; a key that does not match names both.
    pub fn from_files(
        msp_id: impl Into<String>,
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
        passphrase: Option<&[u8]>,
    ) -> Result<Identity> {
        let cert_path = cert_path.as_ref();
        let key_path = key_path.as_ref();
        let certificate = read_certificate(cert_path)?;
        let signer = read_key(key_path, passphrase)?;
        Identity::with_files(msp_id, certificate, signer, cert_path, key_path)
    }

    /// An identity from an MSP folder: the certificate in `signcerts/` (exactly one file), and
    /// its private key in `keystore/`.
    ///
    /// Key files may have any name (Fabric names them `<SKI>_sk`, `cryptogen` `priv_sk`, Huawei
    /// BCS `<uuid>_sk`). One key file is used as is; among several, the one whose public key
    /// matches the certificate is used. Hidden files (`.name`) and folders are ignored.
    ///
    /// Errors: [`IdentityProblem::NotExactlyOneFile`] (`found: 0`) for an empty `signcerts/` or
    /// `keystore/`, [`IdentityProblem::SeveralFiles`] for several certificates,
    /// [`IdentityProblem::NoMatchingKey`] when several keys are present and none fits, and the
    /// errors of [`Identity::from_files`].
    pub fn from_msp_dir(
        msp_id: impl Into<String>,
        dir: impl AsRef<Path>,
        passphrase: Option<&[u8]>,
    ) -> Result<Identity> {
        msp::load(msp_id.into(), dir.as_ref(), passphrase)
    }

    fn with_files(
        msp_id: impl Into<String>,
        certificate: Certificate,
        signer: Arc<dyn Signer>,
        cert_path: &Path,
        key_path: &Path,
    ) -> Result<Identity> {
        match Identity::new(msp_id, certificate, signer) {
            Ok(mut identity) => {
                identity.source = Some(cert_path.to_path_buf());
                identity.key_source = Some(key_path.to_path_buf());
                Ok(identity)
            }
            Err(Error::Identity {
                problem: IdentityProblem::KeyCertMismatch { .. },
                ..
            }) => Err(Error::identity(
                Some(key_path.to_path_buf()),
                IdentityProblem::KeyCertMismatch {
                    certificate: Some(cert_path.to_path_buf()),
                },
            )),
            Err(e) => Err(e),
        }
    }

    /// The MSP ID, e.g. `Org1MSP`.
    pub fn msp_id(&self) -> &str {
        &self.msp_id
    }

    /// The certificate.
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// The signer holding the private key.
    pub fn signer(&self) -> &Arc<dyn Signer> {
        &self.signer
    }

    /// The certificate file the identity was loaded from, if any.
    pub fn source(&self) -> Option<&Path> {
        self.source.as_deref()
    }

    /// The private key file the identity was loaded from, if any (for [`Identity::from_msp_dir`],
    /// the `keystore/` file that matched), e.g. to store the identity in a
    /// [`wallet`] with [`WalletEntry::from_files`].
    pub fn key_source(&self) -> Option<&Path> {
        self.key_source.as_deref()
    }

    /// The identity as Fabric puts it in headers: a protobuf `msp.SerializedIdentity` with the
    /// MSP ID and the certificate PEM exactly as loaded ([`Certificate::pem`]).
    pub fn serialized(&self) -> Vec<u8> {
        self.serialized.clone()
    }

    /// Signs `message` with the identity's key (see [`Signer::sign`]).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.signer.sign(message)
    }

    /// Takes a signature of `message` made outside fabweave (step-by-step signing, an HSM or
    /// another language's library) in the form Fabric accepts: for a P-256 certificate the S
    /// is lowered if needed (see [`crate::crypto::to_low_s`]) and the signature is verified
    /// against the certificate, so that a signature by another key or over other bytes is
    /// refused here, naming the cause, instead of as a peer's bare "access denied". SM2
    /// signatures are passed on as given (their digest depends on the crypto suite).
    pub fn accept_signature(&self, message: &[u8], signature: Vec<u8>) -> Result<Vec<u8>> {
        if !self.certificate.is_p256() {
            return Ok(signature);
        }
        let signature = crate::crypto::to_low_s(&signature)?;
        self.certificate
            .verify_signature(message, &signature)
            .map_err(|_| Error::Crypto {
                message: format!(
                    "the signature does not verify with the certificate of {} ({}): it was made                      with another key, or over other bytes than those given to sign",
                    self.msp_id,
                    self.certificate.subject()
                ),
            })?;
        Ok(signature)
    }

    /// Checks that the certificate is valid at `now` (usually `SystemTime::now()`).
    ///
    /// Constructors do not check validity, so that expired identities can still be inspected;
    /// the client checks before it sends. Errors: [`IdentityProblem::Expired`] (saying how long
    /// ago) and [`IdentityProblem::NotYetValid`] (naming clock skew and the CA's backdating),
    /// naming the certificate file when there is one.
    pub fn check_validity(&self, now: SystemTime) -> Result<()> {
        self.certificate
            .check_validity(now)
            .map_err(|e| match &self.source {
                Some(path) => e.in_file(path),
                None => e,
            })
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("msp_id", &self.msp_id)
            .field("subject", &self.certificate.subject_common_name())
            .field("not_before", &time::rfc3339(self.certificate.not_before()))
            .field("not_after", &time::rfc3339(self.certificate.not_after()))
            .field("signer", &self.signer)
            .finish()
    }
}

fn unreadable(path: &Path, e: &std::io::Error) -> Error {
    Error::identity(
        Some(path.to_path_buf()),
        IdentityProblem::Unreadable {
            reason: e.to_string(),
        },
    )
}

fn read_certificate(path: &Path) -> Result<Certificate> {
    let bytes = std::fs::read(path).map_err(|e| unreadable(path, &e))?;
    Certificate::from_bytes(&bytes).map_err(|e| e.in_file(path))
}

fn read_key(path: &Path, passphrase: Option<&[u8]>) -> Result<Arc<dyn Signer>> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| unreadable(path, &e))?);
    load_private_key(&bytes, passphrase).map_err(|e| e.in_file(path))
}
