//! `Identity`: an MSP ID, a certificate and a way to sign (a key from files, PEM or an MSP
//! folder). Used by `connect(identity=...)` and the CA client.

use std::path::PathBuf;

use fabweave::identity::Identity as CoreIdentity;
use pyo3::prelude::*;

use crate::{error, to_bytes};

fn passphrase_of(passphrase: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u8>>> {
    passphrase
        .filter(|p| !p.is_none())
        .map(|p| to_bytes(p, "passphrase"))
        .transpose()
}

/// An identity: MSP ID, certificate and signing key. The key never leaves Rust and never
/// appears in `repr()`.
#[pyclass(frozen, module = "fabweave")]
#[derive(Clone)]
pub(crate) struct Identity {
    pub(crate) inner: CoreIdentity,
}

#[pymethods]
impl Identity {
    /// From a certificate and a private key in PEM (`str` or bytes); `passphrase` decrypts an
    /// encrypted key.
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
        CoreIdentity::from_pem(msp_id, &cert, &key, pass.as_deref().map(Vec::as_slice))
            .map(|inner| Identity { inner })
            .map_err(|e| error::to_py(py, e))
    }

    /// From a certificate file and a private key file (PEM).
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
        CoreIdentity::from_files(
            msp_id,
            certificate,
            private_key,
            pass.as_deref().map(Vec::as_slice),
        )
        .map(|inner| Identity { inner })
        .map_err(|e| error::to_py(py, e))
    }

    /// From an MSP folder as cryptogen or the Fabric CA client write it (`signcerts/`,
    /// `keystore/`).
    #[staticmethod]
    #[pyo3(signature = (msp_id, path, *, passphrase=None))]
    fn from_msp_dir(
        py: Python<'_>,
        msp_id: String,
        path: PathBuf,
        passphrase: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let pass = passphrase_of(passphrase)?.map(zeroize::Zeroizing::new);
        CoreIdentity::from_msp_dir(msp_id, path, pass.as_deref().map(Vec::as_slice))
            .map(|inner| Identity { inner })
            .map_err(|e| error::to_py(py, e))
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
