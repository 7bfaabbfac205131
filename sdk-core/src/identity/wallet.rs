//! Wallets: named identities kept in memory or in a folder, readable by and written for the
//! Node SDK (fabric-network 2.x).
//!
//! A [`Wallet`] maps labels (e.g. `appUser`) to [`WalletEntry`]s: an MSP ID, a certificate and
//! its private key, as PEM text. Two wallets come with fabweave:
//!
//! - [`InMemoryWallet`], for tests and short-lived programs;
//! - [`FileWallet`], a folder holding one `<label>.id` file per identity, in the format of
//!   fabric-network's file-system wallet, so a folder written by a Node application (or by
//!   fabric-samples' `enrollAdmin.js` / `registerUser.js`) can be used as it is, and the other
//!   way round.
//!
//! # The file format
//!
//! Each `<label>.id` file holds one compact JSON object, the one fabric-network writes for an
//! X.509 identity:
//!
//! ```json
//! {"credentials":{"certificate":"-----BEGIN CERTIFICATE-----\n…","privateKey":"-----BEGIN PRIVATE KEY-----\n…"},"mspId":"Org1MSP","type":"X.509","version":1}
//! ```
//!
//! fabweave writes the keys in this order and escapes strings as JavaScript's `JSON.stringify`
//! does, so the bytes are those the Node SDK would write for the same identity. When reading,
//! fields it does not know are ignored and a missing `version` is taken as 1; other versions,
//! and other identity types (fabric-network's `HSM-X.509`, Idemix), are refused with an error
//! naming the file and the type.
//!
//! # Private keys at rest
//!
//! fabric-network stores private keys in clear. [`FileWallet::with_passphrase`] instead writes
//! them as encrypted PKCS#8 (`-----BEGIN ENCRYPTED PRIVATE KEY-----`, PBES2 with
//! PBKDF2-HMAC-SHA256 over [`PBKDF2_ITERATIONS`] iterations by default and a random 16-byte
//! salt, and AES-256-CBC with a random IV), which OpenSSL reads:
//!
//! ```text
//! openssl pkcs8 -in key.pem -passin pass:… -out plain-key.pem
//! ```
//!
//! Such files keep the fabric-network layout, but the Node SDK cannot sign with the encrypted
//! key. [`Wallet::get`] on a wallet opened with the passphrase hands back the key decrypted
//! (unencrypted PKCS#8 PEM); without it, or with a wrong one, it fails naming the file.
//!
//! Key text is held in zeroizing buffers and never shown by `Debug`.
//!
//! ```
//! use fabweave::identity::wallet::{FileWallet, Wallet, WalletEntry};
//!
//! # fn main() -> fabweave::Result<()> {
//! let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity");
//! # let tmp = tempfile::tempdir().unwrap();
//! # let dir = tmp.path().join("wallet");
//! let wallet = FileWallet::open(&dir)?; // created if missing
//! let entry = WalletEntry::from_files(
//!     "Org1MSP",
//!     format!("{fixtures}/ec_cert.pem"),
//!     format!("{fixtures}/ec_pkcs8.pem"),
//! )?;
//! wallet.put("appUser", &entry)?;
//! assert_eq!(wallet.labels()?, ["appUser"]);
//! let identity = wallet.identity("appUser")?.expect("just stored");
//! assert_eq!(identity.msp_id(), "Org1MSP");
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use pkcs8::der::pem::LineEnding;
use pkcs8::pkcs5;
use pkcs8::EncodePrivateKey;
use zeroize::Zeroizing;

use super::{Certificate, Identity};
use crate::crypto::pem;
use crate::error::{Error, IdentityProblem, Result};

/// PBKDF2-HMAC-SHA256 iterations used by default when [`FileWallet::with_passphrase`] encrypts
/// a private key: 600,000, OWASP's 2023 recommendation for this function.
///
/// Deriving the key costs this many HMAC-SHA256 computations once per `put` and once per `get`
/// of an encrypted entry: a few tenths of a second in an optimized build on a current x86-64
/// machine (about what `openssl pkcs8` takes), several seconds in an unoptimized one. Reading
/// uses the count recorded in the file, so changing it never makes existing entries unreadable.
/// See [`FileWallet::with_pbkdf2_iterations`] to choose another count.
pub const PBKDF2_ITERATIONS: u32 = 600_000;

/// The fewest PBKDF2 iterations [`FileWallet::with_pbkdf2_iterations`] accepts: 100,000.
pub const MIN_PBKDF2_ITERATIONS: u32 = 100_000;

/// The file name suffix of wallet entries, as fabric-network names them.
const SUFFIX: &str = ".id";

/// The identity type fabweave reads and writes.
const X509: &str = "X.509";

/// What a wallet can store of an identity loaded elsewhere (by a binding, from PEM, files or a
/// signer): the entry, or why there is none. Wallets keep a certificate and a private key as
/// PEM text, so only identities whose key was given as unencrypted PEM can go into one.
#[derive(Debug, Clone)]
pub enum Storable {
    /// The wallet entry (MSP ID, certificate PEM, key PEM; the key zeroized on drop).
    Entry(std::sync::Arc<WalletEntry>),
    /// Why the identity cannot be stored.
    Not(&'static str),
}

/// Why an identity loaded with a passphrase cannot go into a wallet.
const ENCRYPTED: &str = "its private key was loaded with a passphrase, and fabweave does not \
                         keep passphrases; load it from the decrypted key (a FileWallet opened \
                         with a passphrase keeps it encrypted)";

impl Storable {
    /// For an identity made from `key` (PEM or DER; `encrypted` when it was decrypted with a
    /// passphrase).
    pub fn from_pem(identity: &Identity, key: &[u8], encrypted: bool) -> Storable {
        if encrypted {
            return Storable::Not(ENCRYPTED);
        }
        match std::str::from_utf8(key) {
            Ok(text) if text.contains("-----BEGIN") => Storable::Entry(std::sync::Arc::new(
                WalletEntry::new(identity.msp_id(), identity.certificate().pem(), text),
            )),
            _ => Storable::Not(
                "its private key was given as DER, and wallets store keys as PEM text; load \
                 the identity from a PEM key",
            ),
        }
    }

    /// For an identity loaded from files: the files are read again
    /// ([`WalletEntry::from_files`]).
    pub fn from_files(identity: &Identity, encrypted: bool) -> Storable {
        if encrypted {
            return Storable::Not(ENCRYPTED);
        }
        let (Some(cert), Some(key)) = (identity.source(), identity.key_source()) else {
            return Storable::Not("it was not loaded from files");
        };
        match WalletEntry::from_files(identity.msp_id(), cert, key) {
            Ok(entry) => Storable::Entry(std::sync::Arc::new(entry)),
            Err(_) => Storable::Not(
                "its certificate or key file is not PEM text (wallets store PEM), or changed \
                 since it was loaded",
            ),
        }
    }

    /// The entry to store for `identity`, or an [`Error::Identity`] saying why there is none.
    pub fn entry(&self, identity: &Identity) -> Result<std::sync::Arc<WalletEntry>> {
        match self {
            Storable::Entry(entry) => Ok(entry.clone()),
            Storable::Not(reason) => Err(Error::Identity {
                file: identity.source().map(PathBuf::from),
                problem: IdentityProblem::Malformed {
                    what: "wallet entry",
                    reason: format!(
                        "this identity cannot be stored in a wallet: {reason} (a wallet keeps \
                         the certificate and the private key as PEM text)"
                    ),
                },
            }),
        }
    }
}

/// A stored identity: an MSP ID, a certificate and its private key, each as PEM text.
///
/// The private key is zeroized when the entry is dropped and never appears in `Debug` output,
/// which shows the MSP ID and the certificate's subject.
#[derive(Clone, PartialEq, Eq)]
pub struct WalletEntry {
    msp_id: String,
    certificate_pem: String,
    private_key_pem: Zeroizing<String>,
}

impl WalletEntry {
    /// An entry from its parts, taken as they are: nothing is parsed or checked until
    /// [`WalletEntry::to_identity`].
    pub fn new(
        msp_id: impl Into<String>,
        certificate_pem: impl Into<String>,
        private_key_pem: impl Into<String>,
    ) -> WalletEntry {
        WalletEntry {
            msp_id: msp_id.into(),
            certificate_pem: certificate_pem.into(),
            private_key_pem: Zeroizing::new(private_key_pem.into()),
        }
    }

    /// An entry from a PEM certificate file and an unencrypted PEM private key file (PKCS#8 or
    /// SEC1), for instance an enrollment's `signcerts/cert.pem` and `keystore/…_sk`.
    ///
    /// The files are checked the way [`Identity::from_files`] checks them (the key must be
    /// usable and belong to the certificate), and errors name the file concerned. The text is
    /// stored as read.
    pub fn from_files(
        msp_id: impl Into<String>,
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
    ) -> Result<WalletEntry> {
        let msp_id = msp_id.into();
        let (cert_path, key_path) = (cert_path.as_ref(), key_path.as_ref());
        Identity::from_files(msp_id.as_str(), cert_path, key_path, None)?;
        let certificate_pem = read_text(cert_path, "certificate")?;
        let private_key_pem = Zeroizing::new(read_text(key_path, "private key")?);
        Ok(WalletEntry {
            msp_id,
            certificate_pem,
            private_key_pem,
        })
    }

    /// The MSP ID, e.g. `Org1MSP`.
    pub fn msp_id(&self) -> &str {
        &self.msp_id
    }

    /// The certificate, as PEM text.
    pub fn certificate_pem(&self) -> &str {
        &self.certificate_pem
    }

    /// The private key, as PEM text.
    ///
    /// This is secret: do not log it or copy it into buffers that are not zeroized. Entries
    /// read from a [`FileWallet`] opened with a passphrase hold the key decrypted.
    pub fn private_key_pem(&self) -> &str {
        &self.private_key_pem
    }

    /// The identity this entry describes, ready to sign.
    ///
    /// Errors (no file attached; [`Wallet::identity`] of a [`FileWallet`] adds it) are those of
    /// [`Identity::from_pem`]: a certificate or key that does not parse, a key that does not
    /// belong to the certificate, an empty MSP ID, and
    /// [`IdentityProblem::PassphraseRequired`] for an encrypted key; use
    /// [`WalletEntry::to_identity_with_passphrase`] for those.
    pub fn to_identity(&self) -> Result<Identity> {
        self.to_identity_with_passphrase(None)
    }

    /// [`WalletEntry::to_identity`] for an entry whose private key is encrypted (PKCS#8 or
    /// OpenSSL's legacy PEM encryption), with its passphrase.
    pub fn to_identity_with_passphrase(&self, passphrase: Option<&[u8]>) -> Result<Identity> {
        Identity::from_pem(
            self.msp_id.as_str(),
            self.certificate_pem.as_bytes(),
            self.private_key_pem.as_bytes(),
            passphrase,
        )
    }
}

impl fmt::Debug for WalletEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let certificate = Certificate::from_bytes(self.certificate_pem.as_bytes()).ok();
        f.debug_struct("WalletEntry")
            .field("msp_id", &self.msp_id)
            .field(
                "subject",
                &certificate.as_ref().and_then(|c| c.subject_common_name()),
            )
            .field("private_key", &"<redacted>")
            .finish()
    }
}

/// A store of identities by label.
///
/// Labels are names, not paths: every wallet refuses an empty label, `.` and `..`, and labels
/// holding `/`, `\` or NUL, with an [`Error::Identity`] whose problem is
/// [`IdentityProblem::Malformed`] (`what: "wallet label"`).
///
/// Implementations are shared between threads; the trait is object-safe.
pub trait Wallet: Send + Sync {
    /// The entry stored under `label`, or `None` when there is none.
    fn get(&self, label: &str) -> Result<Option<WalletEntry>>;

    /// Stores `entry` under `label`, replacing any entry already there.
    fn put(&self, label: &str, entry: &WalletEntry) -> Result<()>;

    /// Removes the entry stored under `label`; whether there was one.
    fn remove(&self, label: &str) -> Result<bool>;

    /// The labels of all entries, sorted.
    fn labels(&self) -> Result<Vec<String>>;

    /// The identity stored under `label`, ready to sign: [`Wallet::get`] then
    /// [`WalletEntry::to_identity`].
    fn identity(&self, label: &str) -> Result<Option<Identity>> {
        self.get(label)?.map(|e| e.to_identity()).transpose()
    }
}

/// A wallet in memory, lost when dropped.
#[derive(Default)]
pub struct InMemoryWallet {
    entries: Mutex<HashMap<String, WalletEntry>>,
}

impl InMemoryWallet {
    /// An empty wallet.
    pub fn new() -> InMemoryWallet {
        InMemoryWallet::default()
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, WalletEntry>> {
        // A panic while the lock was held cannot leave the map half-updated.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Wallet for InMemoryWallet {
    fn get(&self, label: &str) -> Result<Option<WalletEntry>> {
        check_label(label, None)?;
        Ok(self.lock().get(label).cloned())
    }

    fn put(&self, label: &str, entry: &WalletEntry) -> Result<()> {
        check_label(label, None)?;
        self.lock().insert(label.to_owned(), entry.clone());
        Ok(())
    }

    fn remove(&self, label: &str) -> Result<bool> {
        check_label(label, None)?;
        Ok(self.lock().remove(label).is_some())
    }

    fn labels(&self) -> Result<Vec<String>> {
        let mut labels: Vec<String> = self.lock().keys().cloned().collect();
        labels.sort();
        Ok(labels)
    }
}

impl fmt::Debug for InMemoryWallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut labels: Vec<String> = self.lock().keys().cloned().collect();
        labels.sort();
        f.debug_struct("InMemoryWallet")
            .field("labels", &labels)
            .finish()
    }
}

/// A wallet in a folder, one `<label>.id` file per identity, in fabric-network's format (see
/// the [module documentation](self)).
///
/// Writes are atomic: the JSON goes to a temporary file in the same folder, which is then
/// renamed over `<label>.id`, so a reader sees the old entry or the new one, never half of one.
/// On Unix the files are created with mode `0600`, and a folder the wallet creates with `0700`.
///
/// Errors name the file (or the folder) concerned.
pub struct FileWallet {
    dir: PathBuf,
    passphrase: Option<Zeroizing<Vec<u8>>>,
    iterations: u32,
}

impl FileWallet {
    /// A wallet in `dir`, created (with its parents) if missing. Private keys are written as
    /// given, in clear, as fabric-network writes them; entries with keys encrypted by
    /// [`FileWallet::with_passphrase`] cannot be read.
    pub fn open(dir: impl AsRef<Path>) -> Result<FileWallet> {
        let dir = dir.as_ref().to_path_buf();
        create_dir(&dir)?;
        Ok(FileWallet {
            dir,
            passphrase: None,
            iterations: PBKDF2_ITERATIONS,
        })
    }

    /// A wallet in `dir` (created if missing) that keeps private keys encrypted with
    /// `passphrase`: [`Wallet::put`] writes them as encrypted PKCS#8 (see
    /// [`PBKDF2_ITERATIONS`]), whatever form they were given in (PKCS#8, SEC1, or encrypted
    /// PKCS#8 under the same passphrase, re-encrypted with a fresh salt and IV), and
    /// [`Wallet::get`] decrypts them back to unencrypted PKCS#8 PEM. Entries whose key is in
    /// clear (written by fabric-network, or by [`FileWallet::open`]) are read as they are.
    ///
    /// An empty passphrase is refused.
    pub fn with_passphrase(
        dir: impl AsRef<Path>,
        passphrase: impl AsRef<[u8]>,
    ) -> Result<FileWallet> {
        let passphrase = passphrase.as_ref();
        if passphrase.is_empty() {
            return Err(Error::identity(
                Some(dir.as_ref().to_path_buf()),
                IdentityProblem::Malformed {
                    what: "wallet passphrase",
                    reason: "it is empty; give a passphrase, or use FileWallet::open to keep \
                             keys in clear"
                        .into(),
                },
            ));
        }
        let mut wallet = FileWallet::open(dir)?;
        wallet.passphrase = Some(Zeroizing::new(passphrase.to_vec()));
        Ok(wallet)
    }

    /// The wallet with keys written from now on encrypted with `iterations` rounds of PBKDF2
    /// instead of [`PBKDF2_ITERATIONS`]: fewer for slow devices or tests, more for extra margin.
    /// Entries already written keep their own count and stay readable.
    ///
    /// Counts below [`MIN_PBKDF2_ITERATIONS`] are refused, and so are counts above
    /// 100,000,000, the most the PKCS#5 implementation accepts. Without a passphrase the count
    /// is unused.
    pub fn with_pbkdf2_iterations(mut self, iterations: u32) -> Result<FileWallet> {
        let reason = if iterations < MIN_PBKDF2_ITERATIONS {
            format!(
                "{iterations} is too few to slow down guessing the passphrase; \
                 use at least {MIN_PBKDF2_ITERATIONS}"
            )
        } else if iterations > pkcs5::pbes2::Pbkdf2Params::MAX_ITERATION_COUNT {
            format!(
                "{iterations} is more than PKCS#5 allows ({})",
                pkcs5::pbes2::Pbkdf2Params::MAX_ITERATION_COUNT
            )
        } else {
            self.iterations = iterations;
            return Ok(self);
        };
        Err(Error::identity(
            Some(self.dir),
            IdentityProblem::Malformed {
                what: "wallet PBKDF2 iteration count",
                reason,
            },
        ))
    }

    /// The PBKDF2 iteration count used for keys this wallet encrypts.
    pub fn pbkdf2_iterations(&self) -> u32 {
        self.iterations
    }

    /// The wallet's folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether private keys are written encrypted (the wallet was opened with a passphrase).
    pub fn encrypts_keys(&self) -> bool {
        self.passphrase.is_some()
    }

    /// The file that holds (or would hold) the entry `label`: `<dir>/<label>.id`. Errors for an
    /// invalid label.
    pub fn path(&self, label: &str) -> Result<PathBuf> {
        check_label(label, Some(&self.dir))?;
        Ok(self.dir.join(format!("{label}{SUFFIX}")))
    }

    fn passphrase(&self) -> Option<&[u8]> {
        self.passphrase.as_deref().map(Vec::as_slice)
    }
}

impl Wallet for FileWallet {
    fn get(&self, label: &str) -> Result<Option<WalletEntry>> {
        let path = self.path(label)?;
        let bytes = match fs::read(&path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(unreadable(&path, &e)),
        };
        let mut entry = parse_entry(&bytes).map_err(|e| e.in_file(&path))?;
        if let Some(plain) = decrypt_if_encrypted(&entry.private_key_pem, self.passphrase())
            .map_err(|e| e.in_file(&path))?
        {
            entry.private_key_pem = plain;
        }
        Ok(Some(entry))
    }

    fn put(&self, label: &str, entry: &WalletEntry) -> Result<()> {
        let path = self.path(label)?;
        let json = match self.passphrase() {
            Some(passphrase) => {
                let key = encrypt_key(&entry.private_key_pem, passphrase, self.iterations)
                    .map_err(|e| e.in_file(&path))?;
                to_json(entry, &key)
            }
            None => to_json(entry, &entry.private_key_pem),
        };
        write_atomically(&self.dir, &path, label, json.as_bytes())
    }

    fn remove(&self, label: &str) -> Result<bool> {
        let path = self.path(label)?;
        match fs::remove_file(&path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(unwritable(&path, "removing the wallet entry failed", &e)),
        }
    }

    fn labels(&self) -> Result<Vec<String>> {
        let entries = fs::read_dir(&self.dir).map_err(|e| unreadable(&self.dir, &e))?;
        let mut labels = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| unreadable(&self.dir, &e))?;
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            let Some(label) = name.strip_suffix(SUFFIX) else {
                continue;
            };
            if check_label(label, None).is_ok() && entry.path().is_file() {
                labels.push(label.to_owned());
            }
        }
        labels.sort();
        Ok(labels)
    }

    fn identity(&self, label: &str) -> Result<Option<Identity>> {
        let Some(entry) = self.get(label)? else {
            return Ok(None);
        };
        let path = self.path(label)?;
        entry.to_identity().map(Some).map_err(|e| e.in_file(&path))
    }
}

impl fmt::Debug for FileWallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileWallet")
            .field("dir", &self.dir)
            .field("encrypts_keys", &self.encrypts_keys())
            .field("pbkdf2_iterations", &self.iterations)
            .finish()
    }
}

// ---------------------------------------------------------------------------------------------
// Labels and files.

fn bad_label(dir: Option<&Path>, reason: String) -> Error {
    Error::identity(
        dir.map(Path::to_path_buf),
        IdentityProblem::Malformed {
            what: "wallet label",
            reason,
        },
    )
}

/// Refuses labels that are empty or could name a file outside the wallet's folder.
fn check_label(label: &str, dir: Option<&Path>) -> Result<()> {
    if label.is_empty() {
        return Err(bad_label(dir, "it is empty".into()));
    }
    if label == "." || label == ".." {
        return Err(bad_label(
            dir,
            format!("`{label}` is not a name; labels cannot refer to folders"),
        ));
    }
    if let Some(c) = label.chars().find(|c| matches!(c, '/' | '\\' | '\0')) {
        let shown = if c == '\0' {
            "NUL".to_string()
        } else {
            format!("`{c}`")
        };
        return Err(bad_label(
            dir,
            format!(
                "`{}` contains {shown}; labels are file names, without path separators or NUL",
                label.escape_debug()
            ),
        ));
    }
    Ok(())
}

fn unreadable(path: &Path, e: &io::Error) -> Error {
    Error::identity(
        Some(path.to_path_buf()),
        IdentityProblem::Unreadable {
            reason: e.to_string(),
        },
    )
}

/// A failed write or removal. `IdentityProblem` has no variant for writing, so this is
/// `Unreadable` with a reason that says which operation failed.
fn unwritable(path: &Path, failed: &str, e: &io::Error) -> Error {
    Error::identity(
        Some(path.to_path_buf()),
        IdentityProblem::Unreadable {
            reason: format!("{failed}: {e}"),
        },
    )
}

fn read_text(path: &Path, what: &'static str) -> Result<String> {
    let bytes = fs::read(path).map_err(|e| unreadable(path, &e))?;
    String::from_utf8(bytes).map_err(|e| {
        // Do not leave a copy of what may be key material behind.
        drop(Zeroizing::new(e.into_bytes()));
        Error::identity(
            Some(path.to_path_buf()),
            IdentityProblem::Malformed {
                what,
                reason: "not PEM text (not UTF-8); wallets store PEM".into(),
            },
        )
    })
}

fn create_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|e| unwritable(dir, "creating the wallet folder failed", &e))?;
    if !dir.is_dir() {
        return Err(Error::identity(
            Some(dir.to_path_buf()),
            IdentityProblem::Unreadable {
                reason: "not a folder; a file wallet is a folder of `<label>.id` files".into(),
            },
        ));
    }
    Ok(())
}

/// Writes `bytes` to `target` through a temporary file in `dir` renamed over it.
fn write_atomically(dir: &Path, target: &Path, label: &str, bytes: &[u8]) -> Result<()> {
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).map_err(|e| Error::Crypto {
        message: format!("the operating system's random generator failed: {e}"),
    })?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    // Hidden, and not ending in `.id`: never listed as an entry.
    let temp = dir.join(format!(".{label}{SUFFIX}.{suffix}.tmp"));

    let result = (|| -> io::Result<()> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, target)
    })();
    if let Err(e) = result {
        // The temporary file may hold a key; do not leave it behind.
        let _ = fs::remove_file(&temp);
        return Err(unwritable(target, "writing the wallet entry failed", &e));
    }
    // Make the rename itself durable; not every platform lets a folder be opened and synced.
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// JSON.

fn malformed_entry(reason: impl Into<String>) -> Error {
    Error::identity(
        None,
        IdentityProblem::Malformed {
            what: "wallet entry",
            reason: reason.into(),
        },
    )
}

/// Parses a fabric-network X.509 identity. Errors carry no file.
fn parse_entry(bytes: &[u8]) -> Result<WalletEntry> {
    let mut json: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        malformed_entry(format!(
            "not JSON ({e}); expected a fabric-network wallet identity"
        ))
    })?;
    let Some(object) = json.as_object_mut() else {
        return Err(malformed_entry(
            "not a JSON object; expected a fabric-network wallet identity",
        ));
    };
    match object.get("type") {
        Some(serde_json::Value::String(t)) if t == X509 => {}
        Some(serde_json::Value::String(t)) => {
            return Err(malformed_entry(format!(
                "identity type `{t}` is not supported; fabweave reads only `{X509}` identities \
                 (fabric-network's HSM-X.509 keeps the key in an HSM, and Idemix is not X.509)"
            )))
        }
        Some(other) => {
            return Err(malformed_entry(format!(
                "`type` is {other}, not a string; expected \"{X509}\""
            )))
        }
        None => {
            return Err(malformed_entry(format!(
                "no `type` field; expected \"{X509}\""
            )))
        }
    }
    match object.get("version") {
        None => {}
        Some(v) if v.as_u64() == Some(1) => {}
        Some(v) => {
            return Err(malformed_entry(format!(
                "identity version {v} is not supported; fabweave reads version 1"
            )))
        }
    }
    let msp_id = match object.get_mut("mspId").map(serde_json::Value::take) {
        Some(serde_json::Value::String(s)) => s,
        Some(_) => return Err(malformed_entry("`mspId` is not a string")),
        None => return Err(malformed_entry("no `mspId` field")),
    };
    let Some(credentials) = object
        .get_mut("credentials")
        .and_then(serde_json::Value::as_object_mut)
    else {
        return Err(malformed_entry("no `credentials` object"));
    };
    let certificate_pem = match credentials
        .get_mut("certificate")
        .map(serde_json::Value::take)
    {
        Some(serde_json::Value::String(s)) => s,
        Some(_) => return Err(malformed_entry("`credentials.certificate` is not a string")),
        None => return Err(malformed_entry("no `credentials.certificate` field")),
    };
    // Moved out of the JSON tree, not copied, so the buffer is zeroized with the entry.
    let private_key_pem = match credentials
        .get_mut("privateKey")
        .map(serde_json::Value::take)
    {
        Some(serde_json::Value::String(s)) => Zeroizing::new(s),
        Some(_) => return Err(malformed_entry("`credentials.privateKey` is not a string")),
        None => return Err(malformed_entry("no `credentials.privateKey` field")),
    };
    Ok(WalletEntry {
        msp_id,
        certificate_pem,
        private_key_pem,
    })
}

/// The entry as fabric-network writes it (`JSON.stringify` of its X.509 identity data), with
/// `private_key_pem` in place of the entry's key. Built by hand so the key is only ever copied
/// into zeroizing buffers.
fn to_json(entry: &WalletEntry, private_key_pem: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(
        entry.certificate_pem.len() + private_key_pem.len() + entry.msp_id.len() + 128,
    ));
    out.push_str("{\"credentials\":{\"certificate\":");
    push_json_string(&mut out, &entry.certificate_pem);
    out.push_str(",\"privateKey\":");
    push_json_string(&mut out, private_key_pem);
    out.push_str("},\"mspId\":");
    push_json_string(&mut out, &entry.msp_id);
    out.push_str(",\"type\":\"X.509\",\"version\":1}");
    out
}

/// Appends `s` as a JSON string, escaped as `JSON.stringify` escapes it.
fn push_json_string(out: &mut String, s: &str) {
    // Reserve first so that the buffer is not reallocated (leaving an unzeroized copy) below.
    out.reserve(s.len() + s.len() / 8 + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------------------------
// Encryption at rest.

fn malformed_key(reason: impl Into<String>) -> Error {
    Error::identity(
        None,
        IdentityProblem::Malformed {
            what: "private key",
            reason: reason.into(),
        },
    )
}

/// When `key_pem` is encrypted PKCS#8: the key decrypted with `passphrase`, as unencrypted
/// PKCS#8 PEM. `None` when the key is not encrypted PKCS#8 (or not PEM at all: it is then left
/// for [`WalletEntry::to_identity`] to report).
fn decrypt_if_encrypted(
    key_pem: &str,
    passphrase: Option<&[u8]>,
) -> Result<Option<Zeroizing<String>>> {
    let Ok(blocks) = pem::parse(key_pem.as_bytes()) else {
        return Ok(None);
    };
    let Some(block) = blocks.iter().find(|b| b.label == "ENCRYPTED PRIVATE KEY") else {
        return Ok(None);
    };
    let Some(passphrase) = passphrase else {
        return Err(Error::identity(None, IdentityProblem::PassphraseRequired));
    };
    let plain = decrypt_pkcs8(&block.body, passphrase)?;
    pkcs8_pem(&plain, "PRIVATE KEY").map(Some)
}

/// Decrypts an `EncryptedPrivateKeyInfo` to the DER of its `PrivateKeyInfo`.
fn decrypt_pkcs8(der: &[u8], passphrase: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der)
        .map_err(|e| malformed_key(format!("not an encrypted PKCS#8 private key: {e}")))?;
    let mut buffer = Zeroizing::new(info.encrypted_data.to_vec());
    let len = match info
        .encryption_algorithm
        .decrypt_in_place(passphrase, &mut buffer)
    {
        Ok(plain) => plain.len(),
        // pkcs5 0.7 reports bad CBC padding as `EncryptFailed`.
        Err(pkcs5::Error::DecryptFailed | pkcs5::Error::EncryptFailed) => {
            return Err(Error::identity(None, IdentityProblem::WrongPassphrase));
        }
        Err(e) => return Err(malformed_key(format!("cannot decrypt: {e}"))),
    };
    buffer.truncate(len);
    // Padding that is valid by chance under a wrong passphrase leaves garbage.
    if pkcs8::PrivateKeyInfo::try_from(buffer.as_slice()).is_err() {
        return Err(Error::identity(None, IdentityProblem::WrongPassphrase));
    }
    Ok(buffer)
}

fn pkcs8_pem(der: &[u8], label: &'static str) -> Result<Zeroizing<String>> {
    let doc = pkcs8::SecretDocument::try_from(der)
        .map_err(|e| malformed_key(format!("cannot encode as PEM: {e}")))?;
    doc.to_pem(label, LineEnding::LF)
        .map_err(|e| malformed_key(format!("cannot encode as PEM: {e}")))
}

/// `key_pem` (PKCS#8, SEC1, or encrypted PKCS#8 under `passphrase`) as encrypted PKCS#8 PEM
/// under `passphrase`, with a fresh salt and IV.
fn encrypt_key(key_pem: &str, passphrase: &[u8], iterations: u32) -> Result<Zeroizing<String>> {
    let blocks = pem::parse(key_pem.as_bytes()).map_err(malformed_key)?;
    let Some(block) = blocks.iter().find(|b| b.label.ends_with("PRIVATE KEY")) else {
        return Err(malformed_key(
            "no private key PEM block; a wallet that encrypts keys needs a PEM private key",
        ));
    };
    let plain: Zeroizing<Vec<u8>> = match block.label {
        "PRIVATE KEY" => Zeroizing::new(block.body.to_vec()),
        "ENCRYPTED PRIVATE KEY" => decrypt_pkcs8(&block.body, passphrase)?,
        "EC PRIVATE KEY" if block.header("Proc-Type").is_some() => {
            return Err(malformed_key(
                "encrypted with OpenSSL's legacy PEM encryption; decrypt it first \
                 (`openssl pkcs8 -topk8 -nocrypt -in key.pem`), the wallet encrypts it again",
            ))
        }
        "EC PRIVATE KEY" => {
            let secret = p256::SecretKey::from_sec1_der(&block.body).map_err(|_| {
                malformed_key("not a P-256 SEC1 EC private key; fabweave signs with ECDSA P-256")
            })?;
            let doc = secret
                .to_pkcs8_der()
                .map_err(|e| malformed_key(format!("cannot convert to PKCS#8: {e}")))?;
            Zeroizing::new(doc.as_bytes().to_vec())
        }
        other => {
            return Err(malformed_key(format!(
                "PEM label `{other}`; a wallet that encrypts keys takes PRIVATE KEY, \
                 EC PRIVATE KEY or ENCRYPTED PRIVATE KEY"
            )))
        }
    };
    let info = pkcs8::PrivateKeyInfo::try_from(plain.as_slice())
        .map_err(|e| malformed_key(format!("not a PKCS#8 private key: {e}")))?;

    let mut salt = [0u8; 16];
    let mut iv = [0u8; 16];
    getrandom::getrandom(&mut salt)
        .and_then(|()| getrandom::getrandom(&mut iv))
        .map_err(|e| Error::Crypto {
            message: format!("the operating system's random generator failed: {e}"),
        })?;
    let params = pkcs5::pbes2::Parameters::pbkdf2_sha256_aes256cbc(iterations, &salt, &iv)
        .map_err(|e| Error::Crypto {
            message: format!("PBES2 parameters: {e}"),
        })?;
    let encrypted = info
        .encrypt_with_params(params, passphrase)
        .map_err(|e| Error::Crypto {
            message: format!("encrypting the private key failed: {e}"),
        })?;
    pkcs8_pem(encrypted.as_bytes(), "ENCRYPTED PRIVATE KEY")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn json_strings_escape_like_json_stringify() {
        let mut out = String::new();
        push_json_string(&mut out, "a\"b\\c\nd\r\te\u{1}\u{8}\u{c}é/");
        assert_eq!(out, r#""a\"b\\c\nd\r\te\u0001\b\fé/""#);
        // And serde_json reads it back.
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "a\"b\\c\nd\r\te\u{1}\u{8}\u{c}é/");
    }

    #[test]
    fn labels_are_checked() {
        for good in [
            "appUser",
            "admin@org1",
            "a.b",
            ".hidden",
            "a..b",
            "ユーザー",
        ] {
            check_label(good, None).unwrap();
        }
        for bad in ["", ".", "..", "a/b", "../x", "a\\b", "a\0b", "/abs"] {
            assert!(check_label(bad, None).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn missing_version_is_one_and_unknown_fields_are_ignored() {
        let entry = parse_entry(
            br#"{"type":"X.509","mspId":"M","extra":[1],"credentials":{"certificate":"c","privateKey":"k","x":1}}"#,
        )
        .unwrap();
        assert_eq!(
            (
                entry.msp_id(),
                entry.certificate_pem(),
                entry.private_key_pem()
            ),
            ("M", "c", "k")
        );
        let err = parse_entry(
            br#"{"type":"X.509","version":2,"mspId":"M","credentials":{"certificate":"c","privateKey":"k"}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("version 2"), "{err}");
    }

    #[test]
    fn storable_says_what_a_wallet_can_keep() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity");
        let read = |name: &str| fs::read(format!("{dir}/{name}")).unwrap();
        let cert = read("ec_cert.pem");
        let pem_key = read("ec_pkcs8.pem");
        let id = Identity::from_pem("Org1MSP", &cert, &pem_key, None).unwrap();
        let entry = Storable::from_pem(&id, &pem_key, false).entry(&id).unwrap();
        assert_eq!(entry.msp_id(), "Org1MSP");
        assert_eq!(entry.private_key_pem().as_bytes(), &pem_key[..]);
        assert_eq!(
            entry.to_identity().unwrap().certificate().pem(),
            id.certificate().pem()
        );

        let der_key = read("ec_pkcs8.der");
        let der = Identity::from_pem("Org1MSP", &cert, &der_key, None).unwrap();
        let err = Storable::from_pem(&der, &der_key, false)
            .entry(&der)
            .unwrap_err();
        assert!(err.to_string().contains("given as DER"), "{err}");
        let err = Storable::from_pem(&id, &pem_key, true)
            .entry(&id)
            .unwrap_err();
        assert!(err.to_string().contains("passphrase"), "{err}");

        let files = Identity::from_files(
            "Org1MSP",
            format!("{dir}/ec_cert.pem"),
            format!("{dir}/ec_pkcs8.pem"),
            None,
        )
        .unwrap();
        let entry = Storable::from_files(&files, false).entry(&files).unwrap();
        assert_eq!(entry.certificate_pem().as_bytes(), &cert[..]);
        let err = Storable::from_files(&id, false).entry(&id).unwrap_err();
        assert!(err.to_string().contains("not loaded from files"), "{err}");
    }
}
