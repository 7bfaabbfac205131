//! The native wallet behind `InMemoryWallet` and `FileWallet` (`wallet.js`): identities stored
//! by label, over sdk-core's `identity::wallet`. `FileWallet` folders hold one
//! fabric-network `<label>.id` file per identity, written by sdk-core, so the Rust SDK, the
//! Python binding and fabric-network read them.
//!
//! Every call runs on the runtime's blocking pool: file I/O, and PBKDF2 for encrypted keys.

use std::path::PathBuf;
use std::sync::Arc;

use fabweave::identity::wallet::{FileWallet as CoreFileWallet, InMemoryWallet as CoreMemory};
use fabweave::identity::Wallet as CoreWallet;
use fabweave::Error;
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::identity::Identity;
use crate::{error, to_bytes, Arg};

/// `FileWallet`'s options.
#[napi(object)]
pub struct FileWalletOptions {
    /// Encrypts the keys written (encrypted PKCS#8) and decrypts those read.
    pub passphrase: Option<Arg>,
    /// PBKDF2 rounds for keys this wallet encrypts (default 600,000, at least 100,000).
    pub pbkdf2_iterations: Option<u32>,
}

/// Identities stored by label, in memory or in a folder.
#[napi]
pub struct Wallet {
    inner: Arc<dyn CoreWallet>,
    /// The folder wallet, for its path and settings.
    file: Option<Arc<CoreFileWallet>>,
}

/// Runs `f` on the runtime's blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> fabweave::Result<T> + Send + 'static,
) -> napi::Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(error::to_js),
        Err(e) => Err(napi::Error::from_reason(format!(
            "a wallet operation did not finish: {e}"
        ))),
    }
}

#[napi]
impl Wallet {
    /// An empty wallet in memory.
    #[napi(factory)]
    pub fn in_memory() -> Wallet {
        Wallet {
            inner: Arc::new(CoreMemory::new()),
            file: None,
        }
    }

    /// A wallet in folder `path`, created (with its parents, mode 0700) if missing; with a
    /// passphrase, keys are written encrypted. Fails with `IdentityError`.
    #[napi(factory)]
    pub fn in_folder(path: String, options: Option<FileWalletOptions>) -> napi::Result<Wallet> {
        let (passphrase, iterations) = match options {
            Some(o) => (
                o.passphrase.map(|p| Zeroizing::new(to_bytes(p))),
                o.pbkdf2_iterations,
            ),
            None => (None, None),
        };
        let open = || -> fabweave::Result<CoreFileWallet> {
            let wallet = match passphrase {
                Some(p) => CoreFileWallet::with_passphrase(&path, p.as_slice())?,
                None => CoreFileWallet::open(&path)?,
            };
            match iterations {
                Some(n) => wallet.with_pbkdf2_iterations(n),
                None => Ok(wallet),
            }
        };
        let core = Arc::new(open().map_err(error::to_js)?);
        Ok(Wallet {
            inner: core.clone(),
            file: Some(core),
        })
    }

    /// Stores `identity` under `label`, replacing any identity stored there. Fails with
    /// `IdentityError` for an invalid label and for identities a wallet cannot hold (an
    /// external signer's, or one whose key was loaded encrypted or as DER).
    #[napi]
    pub async fn put(&self, label: String, identity: &Identity) -> napi::Result<()> {
        let entry = identity.wallet_entry().map_err(error::to_js)?;
        let wallet = self.inner.clone();
        blocking(move || wallet.put(&label, &entry)).await
    }

    /// The identity stored under `label`, or null. Fails with `IdentityError` when the entry
    /// does not load (malformed, encrypted without the passphrase, wrong passphrase).
    #[napi]
    pub async fn get(&self, label: String) -> napi::Result<Option<Identity>> {
        let wallet = self.inner.clone();
        let file = self.file.clone();
        blocking(move || {
            let Some(entry) = wallet.get(&label)? else {
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
        .await
    }

    /// Removes the identity stored under `label`; whether there was one.
    #[napi]
    pub async fn remove(&self, label: String) -> napi::Result<bool> {
        let wallet = self.inner.clone();
        blocking(move || wallet.remove(&label)).await
    }

    /// The labels of the stored identities, sorted.
    #[napi]
    pub async fn list(&self) -> napi::Result<Vec<String>> {
        let wallet = self.inner.clone();
        blocking(move || wallet.labels()).await
    }

    /// A folder wallet's folder (null in memory).
    #[napi(getter)]
    pub fn path(&self) -> Option<String> {
        self.file.as_ref().map(|f| f.dir().display().to_string())
    }

    /// Whether a folder wallet writes keys encrypted.
    #[napi(getter)]
    pub fn encrypts_keys(&self) -> bool {
        self.file.as_ref().is_some_and(|f| f.encrypts_keys())
    }

    /// The PBKDF2 rounds of keys a folder wallet encrypts (null in memory).
    #[napi(getter)]
    pub fn pbkdf2_iterations(&self) -> Option<u32> {
        self.file.as_ref().map(|f| f.pbkdf2_iterations())
    }

    /// The file that holds (or would hold) `label` in a folder wallet: `<path>/<label>.id`.
    /// Fails with `IdentityError` for an invalid label.
    #[napi]
    pub fn path_of(&self, label: String) -> napi::Result<Option<String>> {
        self.file
            .as_ref()
            .map(|f| f.path(&label).map(|p: PathBuf| p.display().to_string()))
            .transpose()
            .map_err(error::to_js)
    }
}
