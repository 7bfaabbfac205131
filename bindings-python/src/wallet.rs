//! Wallets: `InMemoryWallet` and `FileWallet` (a folder of fabric-network `<label>.id` files),
//! over sdk-core's `identity::wallet`. Files written here are the files the Rust SDK and
//! fabric-network read, since sdk-core writes them.

use std::path::PathBuf;
use std::sync::Arc;

use fabweave::identity::wallet::{FileWallet as CoreFileWallet, InMemoryWallet as CoreMemory};
use fabweave::identity::Wallet as CoreWallet;
use fabweave::Error;
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::identity::Identity;
use crate::{error, to_bytes};

/// The base class of the wallets: identities stored by label.
#[pyclass(subclass, frozen, module = "fabweave")]
pub(crate) struct Wallet {
    inner: Arc<dyn CoreWallet>,
    /// The `FileWallet` path, for errors about entries that do not load.
    file: Option<Arc<CoreFileWallet>>,
}

impl Wallet {
    /// Runs `f` on the wallet with the GIL released (file I/O, and PBKDF2 for encrypted keys).
    fn run<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&dyn CoreWallet) -> fabweave::Result<T> + Send,
    ) -> PyResult<T> {
        let inner = self.inner.clone();
        py.detach(move || f(inner.as_ref()))
            .map_err(|e| error::to_py(py, e))
    }

    fn labels_of(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.run(py, |w| w.labels())
    }
}

#[pymethods]
impl Wallet {
    /// Stores `identity` under `label`, replacing any identity stored there. Raises
    /// `IdentityError` for an invalid label (empty, `.`, `..`, or holding `/`, `\` or NUL) and
    /// for identities a wallet cannot hold: one signing with an external signer
    /// (`Identity.from_signer`), or one whose key was loaded encrypted or as DER (a wallet
    /// keeps the certificate and the key as PEM text).
    fn put(&self, py: Python<'_>, label: &str, identity: PyRef<'_, Identity>) -> PyResult<()> {
        let entry = identity.wallet_entry().map_err(|e| error::to_py(py, e))?;
        let label = label.to_owned();
        self.run(py, move |w| w.put(&label, &entry))
    }

    /// The identity stored under `label`, ready to sign, or `None`. Raises `IdentityError` when
    /// the entry does not load (malformed, encrypted without the passphrase, wrong passphrase).
    fn get(&self, py: Python<'_>, label: &str) -> PyResult<Option<Identity>> {
        let label = label.to_owned();
        let file = self.file.clone();
        self.run(py, move |w| {
            let Some(entry) = w.get(&label)? else {
                return Ok(None);
            };
            match entry.to_identity() {
                Ok(inner) => Ok(Some(Identity::from_entry(inner, entry))),
                // Name the entry's file, as sdk-core's `Wallet::identity` does.
                Err(Error::Identity {
                    file: None,
                    problem,
                }) => Err(Error::Identity {
                    file: file.and_then(|f| f.path(&label).ok()),
                    problem,
                }),
                Err(e) => Err(e),
            }
        })
    }

    /// Removes the identity stored under `label`; whether there was one.
    fn remove(&self, py: Python<'_>, label: &str) -> PyResult<bool> {
        let label = label.to_owned();
        self.run(py, move |w| w.remove(&label))
    }

    /// The labels of the stored identities, sorted.
    fn labels(&self, py: Python<'_>) -> PyResult<Vec<String>> {
        self.labels_of(py)
    }

    /// Whether an identity is stored under `label` (`False` for anything but a valid label).
    fn __contains__(&self, py: Python<'_>, label: &Bound<'_, PyAny>) -> PyResult<bool> {
        let Ok(label) = label.cast::<PyString>() else {
            return Ok(false);
        };
        let label = label.to_str()?;
        Ok(self.labels_of(py)?.iter().any(|l| l == label))
    }

    /// The number of stored identities.
    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        Ok(self.labels_of(py)?.len())
    }

    /// Iterates over the labels, sorted.
    fn __iter__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let labels = self.labels_of(py)?;
        Ok(pyo3::types::PyList::new(py, labels)?
            .try_iter()?
            .into_any()
            .unbind())
    }
}

/// A wallet in memory, lost when dropped.
#[pyclass(extends = Wallet, frozen, module = "fabweave")]
pub(crate) struct InMemoryWallet;

#[pymethods]
impl InMemoryWallet {
    /// An empty wallet.
    #[new]
    fn new() -> PyClassInitializer<Self> {
        PyClassInitializer::from(Wallet {
            inner: Arc::new(CoreMemory::new()),
            file: None,
        })
        .add_subclass(InMemoryWallet)
    }

    /// `<fabweave.InMemoryWallet [labels]>`.
    fn __repr__(slf: PyRef<'_, Self>, py: Python<'_>) -> PyResult<String> {
        let labels = slf.as_super().labels_of(py)?;
        Ok(format!("<fabweave.InMemoryWallet {labels:?}>"))
    }
}

/// A wallet in a folder: one `<label>.id` file per identity, in fabric-network's format.
#[pyclass(extends = Wallet, frozen, module = "fabweave")]
pub(crate) struct FileWallet {
    core: Arc<CoreFileWallet>,
}

#[pymethods]
impl FileWallet {
    /// A wallet in folder `path`, created (with its parents, mode 0700) if missing. Without a
    /// passphrase keys are written in clear, as fabric-network writes them. With `passphrase`
    /// they are written as encrypted PKCS#8 (PBKDF2-HMAC-SHA256 over `pbkdf2_iterations`
    /// rounds, by default 600,000, at least 100,000; AES-256-CBC) and decrypted by `get`.
    /// Raises `IdentityError`.
    #[new]
    #[pyo3(signature = (path, *, passphrase=None, pbkdf2_iterations=None))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        passphrase: Option<&Bound<'_, PyAny>>,
        pbkdf2_iterations: Option<u32>,
    ) -> PyResult<PyClassInitializer<Self>> {
        let passphrase = passphrase
            .filter(|p| !p.is_none())
            .map(|p| to_bytes(p, "passphrase").map(zeroize::Zeroizing::new))
            .transpose()?;
        let open = move || -> fabweave::Result<CoreFileWallet> {
            let wallet = match passphrase {
                Some(p) => CoreFileWallet::with_passphrase(&path, p.as_slice())?,
                None => CoreFileWallet::open(&path)?,
            };
            match pbkdf2_iterations {
                Some(n) => wallet.with_pbkdf2_iterations(n),
                None => Ok(wallet),
            }
        };
        let core = Arc::new(py.detach(open).map_err(|e| error::to_py(py, e))?);
        Ok(PyClassInitializer::from(Wallet {
            inner: core.clone(),
            file: Some(core.clone()),
        })
        .add_subclass(FileWallet { core }))
    }

    /// The wallet's folder.
    #[getter]
    fn path(&self) -> PathBuf {
        self.core.dir().to_path_buf()
    }

    /// Whether keys are written encrypted (the wallet was opened with a passphrase).
    #[getter]
    fn encrypts_keys(&self) -> bool {
        self.core.encrypts_keys()
    }

    /// The PBKDF2 iteration count used for keys this wallet encrypts.
    #[getter]
    fn pbkdf2_iterations(&self) -> u32 {
        self.core.pbkdf2_iterations()
    }

    /// The file that holds (or would hold) the identity `label`: `<path>/<label>.id`. Raises
    /// `IdentityError` for an invalid label.
    fn path_of(&self, py: Python<'_>, label: &str) -> PyResult<PathBuf> {
        self.core.path(label).map_err(|e| error::to_py(py, e))
    }

    /// `<fabweave.FileWallet PATH>`, with `(keys encrypted)` when they are; never the
    /// passphrase.
    fn __repr__(&self) -> String {
        format!(
            "<fabweave.FileWallet {}{}>",
            self.core.dir().display(),
            if self.core.encrypts_keys() {
                " (keys encrypted)"
            } else {
                ""
            }
        )
    }
}

/// Adds `Wallet`, `InMemoryWallet` and `FileWallet` to the native module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Wallet>()?;
    m.add_class::<InMemoryWallet>()?;
    m.add_class::<FileWallet>()?;
    Ok(())
}
