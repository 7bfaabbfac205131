//! Signing, verifying and hashing: the [`Signer`] trait, ECDSA P-256 ([`P256Signer`]), and the
//! hash functions Fabric uses.
//!
//! This module knows nothing of Fabric messages: it signs and verifies bytes. Building the bytes
//! to sign is `protocol`'s job; matching keys to certificates is `identity`'s.
//!
//! ```
//! use fabweave::crypto::{load_private_key, verify};
//!
//! # fn main() -> fabweave::error::Result<()> {
//! let pem = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/ec_pkcs8.pem"));
//! let signer = load_private_key(pem, None)?;
//! let signature = signer.sign(b"proposal bytes")?; // DER SEQUENCE { r, s }, low-S
//! verify(&signer.public_key_der(), b"proposal bytes", &signature)?;
//! # Ok(())
//! # }
//! ```
//!
//! # Secrets
//!
//! Private scalars live inside the signer and are zeroized when it is dropped; decoded PEM and
//! DER buffers and decrypted key material are held in [`zeroize::Zeroizing`] buffers. A signer's
//! `Debug` shows only its algorithm and public-key identifier, and no error message carries key
//! bytes or passphrases.

mod ecdsa_p256;
mod gm;
mod keys;
pub(crate) mod oid;
pub(crate) mod pem;
mod suite;

use std::fmt;

use sha2::Digest;

pub use ecdsa_p256::{to_low_s, P256Signer};
pub use gm::{sm3, verify_sm2, verify_sm2_with, z_a, Sm2Digest, Sm2Signer, DEFAULT_DISTID};
pub use keys::load_private_key;
pub use suite::CryptoSuite;

use crate::error::{Error, Result};

/// Something that signs on behalf of an identity: a key in memory, and later an HSM, a remote
/// signing service or an SM2 key.
///
/// The trait is object-safe; the SDK holds signers as `Arc<dyn Signer>`.
///
/// ```
/// use std::sync::Arc;
/// use fabweave::crypto::{P256Signer, Signer};
///
/// fn takes_any(signer: Arc<dyn Signer>) -> usize {
///     signer.public_key_der().len()
/// }
/// # let _ = takes_any;
/// ```
pub trait Signer: Send + Sync + fmt::Debug {
    /// The signature algorithm, which also fixes the hash function.
    fn algorithm(&self) -> SignatureAlgorithm;

    /// Signs `message`.
    ///
    /// The signer hashes the message itself as its algorithm requires (SHA-256 for ECDSA P-256)
    /// and returns the signature in the encoding Fabric expects: for ECDSA, the DER
    /// `SEQUENCE { r INTEGER, s INTEGER }` with a low S (s ≤ n/2), since Fabric rejects high-S
    /// signatures.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>>;

    /// The public key as a DER `SubjectPublicKeyInfo`, with EC points uncompressed.
    fn public_key_der(&self) -> Vec<u8>;

    /// The hash function the algorithm signs with.
    fn hash_algorithm(&self) -> HashAlgorithm {
        self.algorithm().hash()
    }

    /// Whether `spki_der` (a DER `SubjectPublicKeyInfo`, e.g. a certificate's) holds this
    /// signer's public key. See [`same_public_key`].
    fn matches_public_key(&self, spki_der: &[u8]) -> bool {
        same_public_key(&self.public_key_der(), spki_der)
    }

    /// The same key signing with SM2 that computes `e` the `digest` way, for networks whose
    /// peers sign and verify like that (see [`CryptoSuite`]). `None` when this signer cannot:
    /// it is not SM2, or it hashes on its own (an HSM or remote signer); SM2 signers in memory
    /// ([`Sm2Signer`]) can.
    fn with_sm2_digest(&self, digest: Sm2Digest) -> Option<Result<std::sync::Arc<dyn Signer>>> {
        let _ = digest;
        None
    }
}

/// A signature algorithm fabweave can sign with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// ECDSA on NIST P-256 (secp256r1) over SHA-256, DER-encoded, low-S.
    EcdsaP256Sha256,
    /// SM2 over `SM3(Z_A ‖ M)` with a distinguishing ID, DER-encoded, never low-S normalized.
    Sm2Sm3,
}

impl SignatureAlgorithm {
    /// The hash function this algorithm signs with.
    pub fn hash(self) -> HashAlgorithm {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => HashAlgorithm::Sha256,
            SignatureAlgorithm::Sm2Sm3 => HashAlgorithm::Sm3,
        }
    }

    /// A short human-readable name, e.g. `ECDSA P-256 with SHA-256`.
    pub fn name(self) -> &'static str {
        match self {
            SignatureAlgorithm::EcdsaP256Sha256 => "ECDSA P-256 with SHA-256",
            SignatureAlgorithm::Sm2Sm3 => "SM2 with SM3",
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A hash function Fabric uses (for transaction IDs, signatures, block hashes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlgorithm {
    /// SHA-256.
    Sha256,
    /// SM3 (GB/T 32905), used by OSCCA ("GM") networks.
    Sm3,
}

impl HashAlgorithm {
    /// Hashes `data`.
    ///
    /// ```
    /// use fabweave::crypto::{sha256, HashAlgorithm};
    /// assert_eq!(HashAlgorithm::Sha256.digest(b"abc"), sha256(b"abc").to_vec());
    /// ```
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashAlgorithm::Sha256 => sha256(data).to_vec(),
            HashAlgorithm::Sm3 => sm3(data).to_vec(),
        }
    }

    /// The length of a digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 | HashAlgorithm::Sm3 => 32,
        }
    }

    /// The function's name, e.g. `SHA-256`.
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "SHA-256",
            HashAlgorithm::Sm3 => "SM3",
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// SHA-256 of `data`.
///
/// ```
/// let d = fabweave::crypto::sha256(b"");
/// assert_eq!(d[..4], [0xe3, 0xb0, 0xc4, 0x42]);
/// ```
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sha2::Sha256::digest(data).into()
}

/// Verifies `signature` over `message` with the public key `public_key_der` (a DER
/// `SubjectPublicKeyInfo`, e.g. [`crate::identity::Certificate::public_key_der`]).
///
/// For SM2 keys the message is hashed as `SM3(Z_A ‖ M)` with the default distinguishing ID
/// and any S is accepted. For ECDSA P-256 the message is hashed with SHA-256 and the signature
/// must be a DER `SEQUENCE { r, s }`. **High-S signatures are rejected**, as Fabric's MSP does (it accepts only
/// s ≤ n/2, so that a signature cannot be altered into a second valid one): a signature that is
/// mathematically valid but has a high S fails here with a message that says so.
///
/// Errors are [`Error::Crypto`]: unsupported key type, malformed public key or signature, high S,
/// or a signature that does not verify.
pub fn verify(public_key_der: &[u8], message: &[u8], signature: &[u8]) -> Result<()> {
    verify_with(public_key_der, message, signature, Sm2Digest::Standard)
}

/// [`verify`], with SM2 signatures checked the `sm2_digest` way (with the default
/// distinguishing ID where the variant uses one). ECDSA signatures are checked as by [`verify`].
pub fn verify_with(
    public_key_der: &[u8],
    message: &[u8],
    signature: &[u8],
    sm2_digest: Sm2Digest,
) -> Result<()> {
    match oid::describe_spki(public_key_der) {
        Ok(oid::KeyType::P256) => ecdsa_p256::verify(public_key_der, message, signature),
        // SM2 with the standard distinguishing ID (see `verify_sm2` for another).
        Ok(oid::KeyType::Sm2) => gm::verify_sm2_with(
            public_key_der,
            message,
            signature,
            DEFAULT_DISTID,
            sm2_digest,
        ),
        Ok(other) => Err(Error::Crypto {
            message: format!(
                "cannot verify a signature made with a {} key; fabweave verifies ECDSA P-256 and SM2",
                other.describe()
            ),
        }),
        Err(reason) => Err(Error::Crypto {
            message: format!("malformed public key: {reason}"),
        }),
    }
}

/// Whether two DER `SubjectPublicKeyInfo`s hold the same public key.
///
/// EC points are compared as points, so a compressed and an uncompressed encoding of the same
/// P-256 key match; other keys are compared byte for byte.
pub fn same_public_key(a_der: &[u8], b_der: &[u8]) -> bool {
    if a_der == b_der {
        return true;
    }
    if let (Some(a), Some(b)) = (gm::sm2_public_key(a_der), gm::sm2_public_key(b_der)) {
        return a == b;
    }
    match (
        ecdsa_p256::normalized_spki(a_der),
        ecdsa_p256::normalized_spki(b_der),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// Lower-case hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn sha256_known_answer() {
        assert_eq!(
            hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(HashAlgorithm::Sha256.output_len(), 32);
        assert_eq!(
            SignatureAlgorithm::EcdsaP256Sha256.hash(),
            HashAlgorithm::Sha256
        );
    }

    #[test]
    fn sm2_keys_match_whichever_algorithm_field_the_spki_has() {
        // A GM fork's certificate SPKI: algorithm = the SM2 curve OID, parameters = the same.
        let signer = Sm2Signer::from_bytes(&[9u8; 32], DEFAULT_DISTID).unwrap();
        let standard = signer.public_key_der();
        assert_eq!(
            &standard[4..13],
            &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01]
        );
        let sm2_oid = [0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x82, 0x2d];
        let mut fork = vec![0x30, 0x5a, 0x30, 0x14];
        fork.extend_from_slice(&sm2_oid);
        fork.extend_from_slice(&sm2_oid);
        fork.extend_from_slice(&standard[standard.len() - 68..]);
        assert!(same_public_key(&standard, &fork));
        assert!(signer.matches_public_key(&fork));
        let sig = signer.sign(b"m").unwrap();
        verify(&fork, b"m", &sig).unwrap();
        let other = Sm2Signer::from_bytes(&[8u8; 32], DEFAULT_DISTID).unwrap();
        assert!(!same_public_key(&other.public_key_der(), &fork));
    }

    #[test]
    fn signer_is_object_safe() {
        fn takes(_: std::sync::Arc<dyn Signer>) {}
        let _ = takes;
    }
}
