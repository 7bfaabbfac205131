//! The native `Identity`: an MSP ID, a certificate and a way to sign — a key from PEM text,
//! files or an MSP folder, or a JavaScript signer (an HSM or KMS client). Wrapped by the
//! `Identity` class of `identity.js`; used by `connect({ identity })` and the wallets
//! (`wallet.rs`).
//!
//! A JavaScript signer is called through a thread-safe function from fabweave's runtime
//! threads, since sdk-core's `Signer::sign` is synchronous: the calling thread waits (bounded
//! by the signer's timeout) for the JavaScript thread to run the function and settle its
//! promise.

use std::fmt;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread, ThreadId};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fabweave::crypto::{SignatureAlgorithm, Signer};
use fabweave::identity::{Certificate, Identity as CoreIdentity, Storable, WalletEntry};
use fabweave::{Error, IdentityProblem};
use napi::bindgen_prelude::{Buffer, Function, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi_derive::napi;
use zeroize::Zeroizing;

use crate::{error, seconds, to_bytes, Arg};

/// How long a JavaScript signer may take over one signature unless `fromSigner` says.
const DEFAULT_SIGNER_TIMEOUT: Duration = Duration::from_secs(30);

/// An identity: MSP ID, certificate and signing key or external signer. The key never leaves
/// Rust; nothing here shows it.
#[napi]
#[derive(Clone)]
pub struct Identity {
    pub(crate) inner: CoreIdentity,
    /// What a wallet's `put` stores.
    storable: Storable,
}

impl Identity {
    /// An identity from a Fabric CA enrollment; `key_pem` (the enrollment's new key) lets a
    /// wallet store it.
    pub(crate) fn from_enrollment(inner: CoreIdentity, key_pem: Option<&str>) -> Identity {
        let storable = match key_pem {
            Some(key) => Storable::from_pem(&inner, key.as_bytes(), false),
            None => Storable::Not("its enrollment kept an earlier key, which it does not hold"),
        };
        Identity { inner, storable }
    }

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

/// `Identity.fromSigner`'s options.
#[napi(object)]
pub struct SignerOptions {
    /// Seconds one call of the signer may take, its promise included (default 30).
    pub timeout: Option<f64>,
}

/// The JavaScript signer as a thread-safe function: called with the message as a `Buffer`;
/// `identity.js` wraps the user's function so that it always resolves to the signature as
/// hex text (or rejects).
type SignFn = ThreadsafeFunction<Buffer, Promise<String>, Buffer, napi::Status, false, true>;

/// A signer that calls a JavaScript function, for keys held by an HSM, a KMS or any signing
/// service reachable from JavaScript.
struct JsSigner {
    sign: SignFn,
    public_key_der: Vec<u8>,
    /// The JavaScript thread: a call from it could never be answered.
    js_thread: ThreadId,
    timeout: Duration,
}

impl fmt::Debug for JsSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsSigner")
            .field("algorithm", &self.algorithm().name())
            .finish()
    }
}

/// Wakes a thread parked in [`block_on`].
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `fut` to completion on this thread, or gives up after `timeout` (`None`). The futures
/// run here wait on channels that the JavaScript thread fills, so no runtime is needed.
fn block_on<F: Future>(fut: F, timeout: Duration) -> Option<F::Output> {
    let mut fut = std::pin::pin!(fut);
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let deadline = Instant::now() + timeout;
    loop {
        if let Poll::Ready(out) = fut.as_mut().poll(&mut cx) {
            return Some(out);
        }
        let now = Instant::now();
        if now >= deadline {
            return None;
        }
        thread::park_timeout(deadline - now);
    }
}

impl JsSigner {
    /// Calls the JavaScript function and waits for its signature.
    fn call(&self, message: &[u8]) -> fabweave::Result<Vec<u8>> {
        if thread::current().id() == self.js_thread {
            return Err(Error::Crypto {
                message: "the JavaScript signer cannot be called from the JavaScript thread \
                          (it would wait for itself); use the asynchronous calls"
                    .into(),
            });
        }
        let sign = &self.sign;
        let arg = Buffer::from(message.to_vec());
        let wait = async move {
            let promise = sign.call_async_catch(arg).await?;
            promise.await
        };
        let run = || block_on(wait, self.timeout);
        // On a runtime worker, let the runtime move its other tasks to another thread while
        // this one waits.
        let answer = match tokio::runtime::Handle::try_current() {
            Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
                tokio::task::block_in_place(run)
            }
            _ => run(),
        };
        let hex = match answer {
            None => {
                return Err(Error::Crypto {
                    message: format!(
                        "the JavaScript signer did not answer within {} s (fromSigner's \
                         timeout option)",
                        self.timeout.as_secs_f64()
                    ),
                })
            }
            Some(Err(e)) => {
                return Err(Error::Crypto {
                    message: format!("the JavaScript signer failed: {}", e.reason),
                })
            }
            Some(Ok(hex)) => hex,
        };
        let signature = from_hex(&hex).ok_or_else(|| Error::Crypto {
            message: "the JavaScript signer's answer could not be read".into(),
        })?;
        // Lowered S and checked against the certificate's key, so that a signer with the
        // wrong key is named here rather than refused by the peers.
        let signature = fabweave::crypto::to_low_s(&signature)?;
        fabweave::crypto::verify(&self.public_key_der, message, &signature).map_err(|_| {
            Error::Crypto {
                message: "the JavaScript signer's signature does not verify with the \
                          certificate's public key: it signs with another key, or not over \
                          SHA-256 of the message given"
                    .into(),
            }
        })?;
        Ok(signature)
    }
}

/// The bytes of lower- or upper-case hex text, or `None`.
fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

impl Signer for JsSigner {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaP256Sha256
    }

    fn sign(&self, message: &[u8]) -> fabweave::Result<Vec<u8>> {
        self.call(message)
    }

    fn public_key_der(&self) -> Vec<u8> {
        self.public_key_der.clone()
    }
}

/// Milliseconds since the epoch of `t` (negative before it), for JavaScript's `Date`.
fn millis(t: SystemTime) -> f64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs_f64() * 1000.0,
        Err(e) => -(e.duration().as_secs_f64() * 1000.0),
    }
}

fn passphrase_of(passphrase: Option<Arg>) -> Option<Zeroizing<Vec<u8>>> {
    passphrase.map(|p| Zeroizing::new(to_bytes(p)))
}

/// `from_files`, run off the JavaScript thread.
fn load_files(
    msp_id: String,
    cert: &Path,
    key: &Path,
    pass: Option<Zeroizing<Vec<u8>>>,
) -> fabweave::Result<Identity> {
    let inner = CoreIdentity::from_files(msp_id, cert, key, pass.as_deref().map(Vec::as_slice))?;
    let storable = Storable::from_files(&inner, pass.is_some());
    Ok(Identity { inner, storable })
}

#[napi]
impl Identity {
    /// From a certificate and a private key in PEM (DER works too, but such an identity cannot
    /// go into a wallet); `passphrase` decrypts an encrypted key. Fails with `IdentityError`
    /// (e.g. when the key does not match the certificate).
    #[napi]
    pub fn from_pem(
        msp_id: String,
        certificate: Arg,
        private_key: Arg,
        passphrase: Option<Arg>,
    ) -> napi::Result<Identity> {
        let cert = to_bytes(certificate);
        let key = Zeroizing::new(to_bytes(private_key));
        let pass = passphrase_of(passphrase);
        let inner = CoreIdentity::from_pem(msp_id, &cert, &key, pass.as_deref().map(Vec::as_slice))
            .map_err(error::to_js)?;
        let storable = Storable::from_pem(&inner, &key, pass.is_some());
        Ok(Identity { inner, storable })
    }

    /// From a certificate file and a private key file; errors name the file concerned.
    #[napi]
    pub async fn from_files(
        msp_id: String,
        certificate: String,
        private_key: String,
        passphrase: Option<Arg>,
    ) -> napi::Result<Identity> {
        let pass = passphrase_of(passphrase);
        load_files(
            msp_id,
            Path::new(&certificate),
            Path::new(&private_key),
            pass,
        )
        .map_err(error::to_js)
    }

    /// From an MSP folder as cryptogen or the Fabric CA client write it (`signcerts/`,
    /// `keystore/`; among several key files, the one matching the certificate).
    #[napi]
    pub async fn from_msp_dir(
        msp_id: String,
        dir: String,
        passphrase: Option<Arg>,
    ) -> napi::Result<Identity> {
        let pass = passphrase_of(passphrase);
        let inner = CoreIdentity::from_msp_dir(msp_id, dir, pass.as_deref().map(Vec::as_slice))
            .map_err(error::to_js)?;
        let storable = Storable::from_files(&inner, pass.is_some());
        Ok(Identity { inner, storable })
    }

    /// From a certificate (PEM or DER) of an ECDSA P-256 key and a JavaScript signer, called
    /// with the message to sign (not a digest) as a `Buffer` and resolving to the signature as
    /// hex text (`identity.js` adapts the user's function to that).
    #[napi]
    pub fn from_signer(
        msp_id: String,
        certificate: Arg,
        sign: Function<Buffer, Promise<String>>,
        options: Option<SignerOptions>,
    ) -> napi::Result<Identity> {
        let timeout = match options.and_then(|o| o.timeout) {
            Some(t) => seconds(t, "timeout")?,
            None => DEFAULT_SIGNER_TIMEOUT,
        };
        let certificate = Certificate::from_bytes(&to_bytes(certificate)).map_err(error::to_js)?;
        if !certificate.is_p256() {
            return Err(error::to_js(Error::Identity {
                file: None,
                problem: IdentityProblem::UnsupportedKey {
                    algorithm: "the certificate's key is not ECDSA P-256 (an external signer \
                                signs for P-256 keys only)"
                        .into(),
                },
            }));
        }
        let sign: SignFn = sign
            .build_threadsafe_function()
            .callee_handled::<false>()
            .weak::<true>()
            .build()?;
        let signer = JsSigner {
            sign,
            public_key_der: certificate.public_key_der().to_vec(),
            js_thread: thread::current().id(),
            timeout,
        };
        let inner =
            CoreIdentity::new(msp_id, certificate, Arc::new(signer)).map_err(error::to_js)?;
        Ok(Identity {
            inner,
            storable: Storable::Not("it signs with an external signer, not a key in memory"),
        })
    }

    /// Signs `message` as Fabric expects (ECDSA P-256: SHA-256, DER, low S); for an identity
    /// made by `fromSigner`, through its signer.
    #[napi]
    pub async fn sign(&self, message: Arg) -> napi::Result<Buffer> {
        let identity = self.inner.clone();
        let message = to_bytes(message);
        identity
            .sign(&message)
            .map(Buffer::from)
            .map_err(error::to_js)
    }

    /// The organization's MSP ID.
    #[napi(getter)]
    pub fn msp_id(&self) -> String {
        self.inner.msp_id().to_owned()
    }

    /// The certificate, PEM.
    #[napi(getter)]
    pub fn certificate(&self) -> String {
        self.inner.certificate().pem().to_owned()
    }

    /// The certificate's subject common name, if any.
    #[napi(getter)]
    pub fn common_name(&self) -> Option<String> {
        self.inner
            .certificate()
            .subject_common_name()
            .map(str::to_owned)
    }

    /// The certificate's subject, RFC 4514.
    #[napi(getter)]
    pub fn subject(&self) -> String {
        self.inner.certificate().subject().to_owned()
    }

    /// The certificate's issuer, RFC 4514.
    #[napi(getter)]
    pub fn issuer(&self) -> String {
        self.inner.certificate().issuer().to_owned()
    }

    /// The start of the certificate's validity, in milliseconds since the epoch.
    #[napi(getter)]
    pub fn not_before(&self) -> f64 {
        millis(self.inner.certificate().not_before())
    }

    /// The end of the certificate's validity, in milliseconds since the epoch.
    #[napi(getter)]
    pub fn not_after(&self) -> f64 {
        millis(self.inner.certificate().not_after())
    }
}
