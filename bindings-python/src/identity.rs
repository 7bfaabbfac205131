//! `Identity`: an MSP ID, a certificate and a way to sign (a key from files, PEM or an MSP
//! folder, or a Python callable such as an HSM or KMS client). Used by `connect(identity=...)`,
//! the CA client and the wallets (`wallet.rs`).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use fabweave::crypto::{SignatureAlgorithm, Signer};
use fabweave::identity::{Certificate, Identity as CoreIdentity, Storable, WalletEntry};
use fabweave::{Error, IdentityProblem};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes};

use crate::{error, to_bytes};

fn passphrase_of(passphrase: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u8>>> {
    passphrase
        .filter(|p| !p.is_none())
        .map(|p| to_bytes(p, "passphrase"))
        .transpose()
}

/// An identity: MSP ID, certificate and signing key, or an external signer. The key never
/// leaves Rust and never appears in `repr()`.
#[pyclass(frozen, module = "fabweave")]
#[derive(Clone)]
pub(crate) struct Identity {
    pub(crate) inner: CoreIdentity,
    /// What a wallet's `put` stores.
    pub(crate) storable: Storable,
}

impl Identity {
    /// An identity read from a wallet entry, which can be stored again.
    pub(crate) fn from_entry(inner: CoreIdentity, entry: WalletEntry) -> Identity {
        Identity {
            inner,
            storable: Storable::Entry(Arc::new(entry)),
        }
    }

    /// The wallet entry for this identity, or an `IdentityError` saying why there is none.
    pub(crate) fn wallet_entry(&self) -> fabweave::Result<Arc<WalletEntry>> {
        self.storable.entry(&self.inner)
    }
}

/// A signer that calls a Python callable `(message: bytes) -> bytes`, for keys held by an HSM,
/// a KMS or any signing service reachable from Python. Runs on fabweave's runtime threads,
/// re-attaching to the interpreter for each call.
struct PythonSigner {
    sign: Py<PyAny>,
    public_key_der: Vec<u8>,
}

impl fmt::Debug for PythonSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PythonSigner")
            .field("algorithm", &self.algorithm().name())
            .finish()
    }
}

impl PythonSigner {
    fn call(&self, py: Python<'_>, message: &[u8]) -> fabweave::Result<Vec<u8>> {
        let out = self
            .sign
            .call1(py, (PyBytes::new(py, message),))
            .map_err(|e| Error::Crypto {
                message: format!("the Python signer raised {e}"),
            })?;
        let out = out.bind(py);
        let signature = if let Ok(b) = out.cast::<PyBytes>() {
            Some(b.as_bytes().to_vec())
        } else if let Ok(b) = out.cast::<PyByteArray>() {
            Some(b.to_vec())
        } else {
            None
        };
        if let Some(signature) = signature {
            // Lowered S and checked against the certificate's key by sdk-core, so that a
            // signer with the wrong key is named here rather than refused by the peers.
            let signature = fabweave::crypto::to_low_s(&signature)?;
            fabweave::crypto::verify(&self.public_key_der, message, &signature).map_err(|_| {
                Error::Crypto {
                    message: "the Python signer's signature does not verify with the \
                              certificate's public key: it signs with another key, or not over \
                              SHA-256 of the message given"
                        .into(),
                }
            })?;
            return Ok(signature);
        }
        let type_name = out
            .get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string());
        Err(Error::Crypto {
            message: format!(
                "the Python signer returned {type_name}; it must return the DER-encoded ECDSA \
                 signature as bytes"
            ),
        })
    }
}

impl Signer for PythonSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaP256Sha256
    }

    fn sign(&self, message: &[u8]) -> fabweave::Result<Vec<u8>> {
        Python::try_attach(|py| self.call(py, message)).unwrap_or_else(|| {
            Err(Error::Crypto {
                message: "cannot call the Python signer: the interpreter is shutting down".into(),
            })
        })
    }

    fn public_key_der(&self) -> Vec<u8> {
        self.public_key_der.clone()
    }
}

/// `datetime` (UTC, timezone-aware) for `t`.
fn utc_datetime(py: Python<'_>, t: SystemTime) -> PyResult<Py<PyAny>> {
    let dt = py.import("datetime")?;
    let utc = dt.getattr("timezone")?.getattr("utc")?;
    let epoch = dt
        .getattr("datetime")?
        .call((1970, 1, 1, 0, 0, 0, 0, utc), None)?;
    let (sign, since) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (1i64, d),
        Err(e) => (-1i64, e.duration()),
    };
    let secs = i64::try_from(since.as_secs()).unwrap_or(i64::MAX) * sign;
    let micros = i64::from(since.subsec_micros()) * sign;
    let delta = dt.getattr("timedelta")?.call1((0, secs, micros))?;
    Ok(epoch.add(delta)?.unbind())
}

#[pymethods]
impl Identity {
    /// From a certificate and a private key in PEM (`str` or bytes; DER bytes work too, but
    /// such an identity cannot go into a wallet); `passphrase` decrypts an encrypted key.
    /// Raises `IdentityError` (e.g. when the key does not match the certificate).
    #[staticmethod]
    #[pyo3(signature = (msp_id, certificate, private_key, *, passphrase=None))]
    fn from_pem(
        py: Python<'_>,
        msp_id: String,
        certificate: &Bound<'_, PyAny>,
        private_key: &Bound<'_, PyAny>,
        passphrase: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let cert = to_bytes(certificate, "certificate")?;
        let key = zeroize::Zeroizing::new(to_bytes(private_key, "private_key")?);
        let pass = passphrase_of(passphrase)?.map(zeroize::Zeroizing::new);
        let inner = CoreIdentity::from_pem(msp_id, &cert, &key, pass.as_deref().map(Vec::as_slice))
            .map_err(|e| error::to_py(py, e))?;
        let storable = Storable::from_pem(&inner, &key, pass.is_some());
        Ok(Identity { inner, storable })
    }

    /// From a certificate file and a private key file (PEM). Raises `IdentityError` naming the
    /// file concerned.
    #[staticmethod]
    #[pyo3(signature = (msp_id, certificate, private_key, *, passphrase=None))]
    fn from_files(
        py: Python<'_>,
        msp_id: String,
        certificate: PathBuf,
        private_key: PathBuf,
        passphrase: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let pass = passphrase_of(passphrase)?.map(zeroize::Zeroizing::new);
        let inner = CoreIdentity::from_files(
            msp_id,
            certificate,
            private_key,
            pass.as_deref().map(Vec::as_slice),
        )
        .map_err(|e| error::to_py(py, e))?;
        let storable = Storable::from_files(&inner, pass.is_some());
        Ok(Identity { inner, storable })
    }

    /// From an MSP folder as cryptogen or the Fabric CA client write it (`signcerts/`,
    /// `keystore/`; among several key files, the one matching the certificate).
    #[staticmethod]
    #[pyo3(signature = (msp_id, path, *, passphrase=None))]
    fn from_msp_dir(
        py: Python<'_>,
        msp_id: String,
        path: PathBuf,
        passphrase: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let pass = passphrase_of(passphrase)?.map(zeroize::Zeroizing::new);
        let inner = CoreIdentity::from_msp_dir(msp_id, path, pass.as_deref().map(Vec::as_slice))
            .map_err(|e| error::to_py(py, e))?;
        let storable = Storable::from_files(&inner, pass.is_some());
        Ok(Identity { inner, storable })
    }

    /// From a certificate (PEM or DER) and an external signer: `sign` is called as
    /// `sign(message: bytes) -> bytes` whenever fabweave signs (proposals, transactions, event
    /// and discovery requests), from fabweave's threads with the GIL held, and must not block
    /// for long.
    ///
    /// The certificate's key must be ECDSA P-256. `sign` hashes the message with SHA-256 itself
    /// and returns the DER `SEQUENCE { r, s }` signature; a high S is lowered (Fabric's peers
    /// accept only s <= n/2) and the signature is verified against the certificate, so a
    /// signer with the wrong key raises `CryptoError` at once. An exception raised by `sign`
    /// becomes a `CryptoError` holding its type and text. Such an identity cannot go into a
    /// wallet.
    #[staticmethod]
    #[pyo3(signature = (msp_id, certificate, sign))]
    fn from_signer(
        py: Python<'_>,
        msp_id: String,
        certificate: &Bound<'_, PyAny>,
        sign: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        if !sign.is_callable() {
            return Err(PyTypeError::new_err(format!(
                "sign must be a callable (message: bytes) -> bytes, not {}",
                sign.get_type().name()?
            )));
        }
        let cert = to_bytes(certificate, "certificate")?;
        let certificate = Certificate::from_bytes(&cert).map_err(|e| error::to_py(py, e))?;
        if !certificate.is_p256() {
            return Err(error::to_py(
                py,
                Error::Identity {
                    file: None,
                    problem: IdentityProblem::UnsupportedKey {
                        algorithm: "the certificate's key is not ECDSA P-256 (an external \
                                    signer signs for P-256 keys only)"
                            .into(),
                    },
                },
            ));
        }
        let signer = PythonSigner {
            sign: sign.clone().unbind(),
            public_key_der: certificate.public_key_der().to_vec(),
        };
        let inner = CoreIdentity::new(msp_id, certificate, Arc::new(signer))
            .map_err(|e| error::to_py(py, e))?;
        Ok(Identity {
            inner,
            storable: Storable::Not("it signs with an external signer, not a key in memory"),
        })
    }

    /// Signs `message` with the identity's key as Fabric expects (ECDSA P-256: SHA-256, DER,
    /// low S). For an identity made by `from_signer`, calls its `sign`.
    fn sign(&self, py: Python<'_>, message: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let message = to_bytes(message, "message")?;
        let signature = self.inner.sign(&message).map_err(|e| error::to_py(py, e))?;
        Ok(PyBytes::new(py, &signature).into_any().unbind())
    }

    /// The organization's MSP ID.
    #[getter]
    fn msp_id(&self) -> &str {
        self.inner.msp_id()
    }

    /// The certificate, PEM.
    #[getter]
    fn certificate_pem(&self) -> &str {
        self.inner.certificate().pem()
    }

    /// The certificate's subject common name.
    #[getter]
    fn common_name(&self) -> Option<&str> {
        self.inner.certificate().subject_common_name()
    }

    /// The certificate's subject, RFC 4514 (e.g. `CN=User1@org1.example.com,OU=client,...`).
    #[getter]
    fn subject(&self) -> &str {
        self.inner.certificate().subject()
    }

    /// The certificate's issuer, RFC 4514.
    #[getter]
    fn issuer(&self) -> &str {
        self.inner.certificate().issuer()
    }

    /// The start of the certificate's validity (`datetime`, UTC, timezone-aware).
    #[getter]
    fn not_before(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        utc_datetime(py, self.inner.certificate().not_before())
    }

    /// The end of the certificate's validity (`datetime`, UTC, timezone-aware).
    #[getter]
    fn not_after(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        utc_datetime(py, self.inner.certificate().not_after())
    }

    /// `<fabweave.Identity MSP subject>`; never key material.
    fn __repr__(&self) -> String {
        format!(
            "<fabweave.Identity {} {}>",
            self.inner.msp_id(),
            self.inner.certificate().subject()
        )
    }
}

/// Adds `Identity` to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Identity>()?;
    Ok(())
}
