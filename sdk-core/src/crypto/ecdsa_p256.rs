//! ECDSA on P-256 over SHA-256, as Fabric signs: DER signatures with a low S.
//!
//! Signing uses the pure-Rust `p256` crate, whose private key is zeroized on drop (`ring`'s is
//! not, so `ring` never holds a private key here). Verifying — public data only — uses `ring`,
//! about six times faster; `p256` parses keys and signatures, checks S and decompresses points.

use std::fmt;

use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{Signature, SigningKey};
use p256::elliptic_curve::scalar::IsHigh;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{DecodePublicKey, EncodePublicKey};
use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_ASN1};

use super::keys::{self, DecodedKey};
use super::{hex, sha256, SignatureAlgorithm, Signer};
use crate::error::{Error, Result};

/// An ECDSA P-256 private key that signs as Fabric expects: SHA-256 of the message, a
/// deterministic nonce (RFC 6979), S normalized to the lower half of the group order (Fabric
/// rejects s > n/2), and the signature DER-encoded as `SEQUENCE { r, s }`.
///
/// The private scalar is zeroized when the signer is dropped. `Debug` shows the algorithm and
/// the key's SKI (a hash of the public key), never the private key.
///
/// ```
/// use fabweave::crypto::{P256Signer, Signer};
///
/// let pem = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/ec_pkcs8_encrypted.pem"));
/// let signer = P256Signer::from_pem(pem, Some(b"fabweave")).unwrap();
/// let signature = signer.sign(b"hello").unwrap();
/// assert_eq!(signature[0], 0x30); // DER SEQUENCE
/// ```
pub struct P256Signer {
    key: SigningKey,
    public_key_der: Vec<u8>,
    ski: [u8; 32],
}

impl P256Signer {
    /// Loads a key from PEM: PKCS#8 (`PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`, optionally after an
    /// `EC PARAMETERS` block), encrypted PKCS#8 (`ENCRYPTED PRIVATE KEY`, PBES2 with PBKDF2 or
    /// scrypt and AES-CBC, as `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes), or legacy
    /// OpenSSL-encrypted SEC1 (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: AES-{128,192,256}-CBC`).
    /// DER input (PKCS#8, SEC1 or encrypted PKCS#8) is accepted too.
    ///
    /// `passphrase` is needed only for encrypted keys and ignored otherwise.
    ///
    /// Errors ([`Error::Identity`], without a file; callers that read a file add it):
    /// [`PassphraseRequired`](crate::error::IdentityProblem::PassphraseRequired),
    /// [`WrongPassphrase`](crate::error::IdentityProblem::WrongPassphrase),
    /// [`UnsupportedKey`](crate::error::IdentityProblem::UnsupportedKey) naming the algorithm or
    /// curve of a non-P-256 key, and [`Malformed`](crate::error::IdentityProblem::Malformed).
    pub fn from_pem(pem: &[u8], passphrase: Option<&[u8]>) -> Result<P256Signer> {
        Self::from_decoded(keys::decode(pem, passphrase)?)
    }

    /// Loads a DER key: PKCS#8 `PrivateKeyInfo`, SEC1 `ECPrivateKey`, or PKCS#8
    /// `EncryptedPrivateKeyInfo` (which needs `passphrase`). Errors as [`P256Signer::from_pem`].
    pub fn from_der(der: &[u8], passphrase: Option<&[u8]>) -> Result<P256Signer> {
        Self::from_decoded(keys::decode_der(der, passphrase)?)
    }

    fn from_decoded(key: DecodedKey) -> Result<P256Signer> {
        match key {
            DecodedKey::P256(secret) => Self::from_secret_key(&secret),
            DecodedKey::Sm2(_) => Err(Error::Crypto {
                message: "this is an SM2 key, not ECDSA P-256: load it with load_private_key"
                    .into(),
            }),
        }
    }

    pub(crate) fn from_secret_key(secret: &p256::SecretKey) -> Result<P256Signer> {
        let public = secret.public_key();
        let public_key_der = public
            .to_public_key_der()
            .map_err(|e| Error::Crypto {
                message: format!("cannot encode the P-256 public key: {e}"),
            })?
            .into_vec();
        let ski = sha256(public.to_encoded_point(false).as_bytes());
        Ok(P256Signer {
            key: SigningKey::from(secret),
            public_key_der,
            ski,
        })
    }

    /// The key's subject key identifier as Fabric computes it: SHA-256 of the uncompressed
    /// public point. Fabric's own keystore names key files `<hex SKI>_sk`.
    pub fn ski(&self) -> [u8; 32] {
        self.ski
    }
}

impl Signer for P256Signer {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::EcdsaP256Sha256
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        let signature: Signature = self.key.try_sign(message).map_err(|_| Error::Crypto {
            message: "ECDSA P-256 signing failed".into(),
        })?;
        // Fabric's MSP rejects s > n/2; n - s gives an equally valid signature with a low S.
        let signature = signature.normalize_s().unwrap_or(signature);
        Ok(signature.to_der().as_bytes().to_vec())
    }

    fn public_key_der(&self) -> Vec<u8> {
        self.public_key_der.clone()
    }
}

impl fmt::Debug for P256Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("P256Signer")
            .field("algorithm", &SignatureAlgorithm::EcdsaP256Sha256.name())
            .field("ski", &hex(&self.ski))
            .finish()
    }
}

/// Verifies a DER ECDSA P-256 signature over SHA-256 of `message`, rejecting high S.
///
/// The key may hold a compressed or an uncompressed point; it is validated (on the curve) and
/// decompressed by `p256`, and the signature checked by `ring`.
pub(crate) fn verify(public_key_der: &[u8], message: &[u8], signature: &[u8]) -> Result<()> {
    let key = p256::PublicKey::from_public_key_der(public_key_der).map_err(|e| Error::Crypto {
        message: format!("malformed P-256 public key: {e}"),
    })?;
    let parsed = Signature::from_der(signature).map_err(|_| Error::Crypto {
        message: "malformed ECDSA signature: expected DER SEQUENCE { r, s } with P-256 scalars"
            .into(),
    })?;
    if bool::from(parsed.s().is_high()) {
        return Err(Error::Crypto {
            message: "ECDSA signature has a high S (s > n/2); Fabric accepts only low-S \
                      signatures, so peers would reject it"
                .into(),
        });
    }
    let point = key.to_encoded_point(false);
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point.as_bytes())
        .verify(message, signature)
        .map_err(|_| Error::Crypto {
            message: "ECDSA P-256 signature does not verify for this message and public key".into(),
        })
}

/// `signature` (DER ECDSA P-256) with its S in the lower half of the group order, as Fabric
/// requires: an external signer (an HSM, a KMS, a library in another language) returns a high S
/// about half the time, and (r, n − s) is the equally valid low-S twin.
pub fn to_low_s(signature: &[u8]) -> Result<Vec<u8>> {
    let parsed = Signature::from_der(signature).map_err(|_| Error::Crypto {
        message: "malformed ECDSA signature: expected DER SEQUENCE { r, s } with P-256 scalars                   (a signer returning raw r‖s must DER-encode it)"
            .into(),
    })?;
    Ok(match parsed.normalize_s() {
        Some(low) => low.to_der().as_bytes().to_vec(),
        None => signature.to_vec(),
    })
}

/// A P-256 SubjectPublicKeyInfo re-encoded with an uncompressed point, or `None` if `der` is
/// not one.
pub(crate) fn normalized_spki(der: &[u8]) -> Option<Vec<u8>> {
    let key = p256::PublicKey::from_public_key_der(der).ok()?;
    Some(key.to_public_key_der().ok()?.into_vec())
}
