//! Private key formats: PKCS#8, SEC1, encrypted PKCS#8 and legacy OpenSSL-encrypted PEM.

use std::sync::Arc;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, KeyIvInit};
use md5::{Digest, Md5};
use pkcs8::pkcs5;
use zeroize::Zeroizing;

use super::gm::{Sm2Signer, DEFAULT_DISTID};
use super::oid::{self, KeyType};
use super::pem::{self, PemBlock};
use super::{P256Signer, Signer};
use crate::error::{Error, IdentityProblem, Result};

/// A decoded private key of a type fabweave signs with.
pub(crate) enum DecodedKey {
    /// ECDSA P-256.
    P256(p256::SecretKey),
    /// SM2.
    Sm2(sm2::SecretKey),
}

/// Loads a private key from PEM or DER bytes and returns a signer for it.
///
/// The format is detected from the content; see [`P256Signer::from_pem`] for the formats and
/// errors. Errors carry no file: callers that read one add it.
///
/// ```
/// let pem = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity/ec_sec1.pem"));
/// let signer = fabweave::crypto::load_private_key(pem, None).unwrap();
/// assert_eq!(signer.algorithm(), fabweave::crypto::SignatureAlgorithm::EcdsaP256Sha256);
/// ```
pub fn load_private_key(bytes: &[u8], passphrase: Option<&[u8]>) -> Result<Arc<dyn Signer>> {
    match decode(bytes, passphrase)? {
        DecodedKey::P256(secret) => Ok(Arc::new(P256Signer::from_secret_key(&secret)?)),
        // The distinguishing ID every GM network seen so far uses; a network that wants
        // another builds its `Sm2Signer` itself.
        DecodedKey::Sm2(secret) => Ok(Arc::new(Sm2Signer::new(secret, DEFAULT_DISTID)?)),
    }
}

/// Decodes PEM or DER key bytes.
pub(crate) fn decode(bytes: &[u8], passphrase: Option<&[u8]>) -> Result<DecodedKey> {
    if pem::looks_like_pem(bytes) {
        decode_pem(bytes, passphrase)
    } else {
        decode_der(bytes, passphrase)
    }
}

fn problem(problem: IdentityProblem) -> Error {
    Error::identity(None, problem)
}

fn malformed(reason: impl Into<String>) -> Error {
    problem(IdentityProblem::Malformed {
        what: "private key",
        reason: reason.into(),
    })
}

fn unsupported(key: &KeyType) -> Error {
    problem(IdentityProblem::UnsupportedKey {
        algorithm: key.describe(),
    })
}

const REENCRYPT_HINT: &str =
    "decrypt it, or re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`";

fn decode_pem(bytes: &[u8], passphrase: Option<&[u8]>) -> Result<DecodedKey> {
    let blocks = pem::parse(bytes).map_err(malformed)?;
    let Some(block) = blocks.iter().find(|b| b.label.ends_with("PRIVATE KEY")) else {
        let labels: Vec<&str> = blocks.iter().map(|b| b.label).collect();
        return Err(malformed(if labels.is_empty() {
            "no PEM block found".to_string()
        } else {
            format!(
                "no private key PEM block, found only: {}",
                labels.join(", ")
            )
        }));
    };
    match block.label {
        // Some GM tools (the cryptogen of hxx258456/fabric-gm) label a SEC1 key `PRIVATE KEY`.
        "PRIVATE KEY" if sec1::EcPrivateKey::try_from(block.body.as_ref()).is_ok() => {
            decode_sec1(&block.body)
        }
        "PRIVATE KEY" => decode_pkcs8(&block.body),
        "ENCRYPTED PRIVATE KEY" => decode_encrypted_pkcs8(&block.body, passphrase),
        // OpenSSL 3 labels SEC1 keys on the SM2 curve `SM2 PRIVATE KEY`.
        "EC PRIVATE KEY" | "SM2 PRIVATE KEY" if is_legacy_encrypted(block) => {
            let der = decrypt_legacy(block, passphrase)?;
            // A wrong passphrase that happens to leave valid padding gives garbage DER.
            decode_sec1(&der).map_err(garbage_is_wrong_passphrase)
        }
        "EC PRIVATE KEY" | "SM2 PRIVATE KEY" => decode_sec1(&block.body),
        "RSA PRIVATE KEY" => Err(unsupported(&KeyType::new(
            spki::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1"),
            None,
        ))),
        "DSA PRIVATE KEY" => Err(unsupported(&KeyType::new(
            spki::ObjectIdentifier::new_unwrap("1.2.840.10040.4.1"),
            None,
        ))),
        "OPENSSH PRIVATE KEY" => Err(malformed(
            "OpenSSH key format; convert it with `ssh-keygen -p -m PKCS8 -f FILE` \
             (fabweave signs with ECDSA P-256 keys)",
        )),
        other => Err(malformed(format!(
            "unknown PEM label `{other}`; expected PRIVATE KEY, EC PRIVATE KEY, SM2 PRIVATE KEY or ENCRYPTED PRIVATE KEY"
        ))),
    }
}

/// Decodes DER: PKCS#8, SEC1 or encrypted PKCS#8, whichever parses.
pub(crate) fn decode_der(der: &[u8], passphrase: Option<&[u8]>) -> Result<DecodedKey> {
    if pkcs8::PrivateKeyInfo::try_from(der).is_ok() {
        return decode_pkcs8(der);
    }
    if sec1::EcPrivateKey::try_from(der).is_ok() {
        return decode_sec1(der);
    }
    if pkcs8::EncryptedPrivateKeyInfo::try_from(der).is_ok() {
        return decode_encrypted_pkcs8(der, passphrase);
    }
    Err(malformed(
        "neither PEM nor a DER PKCS#8, SEC1 or encrypted PKCS#8 private key",
    ))
}

fn decode_pkcs8(der: &[u8]) -> Result<DecodedKey> {
    let info = pkcs8::PrivateKeyInfo::try_from(der)
        .map_err(|e| malformed(format!("not a PKCS#8 private key: {e}")))?;
    match KeyType::from_algorithm_identifier(&info.algorithm) {
        // PKCS#8 wraps an EC key as a SEC1 ECPrivateKey; its curve is given outside.
        KeyType::P256 => p256_from_sec1(info.private_key),
        KeyType::Sm2 => sm2_from_sec1(info.private_key),
        other => Err(unsupported(&other)),
    }
}

fn decode_sec1(der: &[u8]) -> Result<DecodedKey> {
    let key = sec1::EcPrivateKey::try_from(der)
        .map_err(|e| malformed(format!("not a SEC1 EC private key: {e}")))?;
    match key.parameters.and_then(|p| p.named_curve()) {
        Some(oid::SECP256R1) => {}
        Some(oid::SM2) => return sm2_from_sec1(der),
        // Without parameters the curve is implicit; a 32-byte scalar is taken as P-256, and a
        // key of another curve then fails the match against its certificate.
        None if key.private_key.len() == 32 => {}
        curve => return Err(unsupported(&KeyType::new(oid::EC_PUBLIC_KEY, curve))),
    }
    p256_from_sec1(der)
}

fn p256_from_sec1(der: &[u8]) -> Result<DecodedKey> {
    let key = sec1::EcPrivateKey::try_from(der)
        .map_err(|e| malformed(format!("not a SEC1 EC private key: {e}")))?;
    let secret = p256::SecretKey::from_slice(key.private_key)
        .map_err(|_| malformed("not a valid P-256 private scalar"))?;
    Ok(DecodedKey::P256(secret))
}

fn sm2_from_sec1(der: &[u8]) -> Result<DecodedKey> {
    let key = sec1::EcPrivateKey::try_from(der)
        .map_err(|e| malformed(format!("not a SEC1 EC private key: {e}")))?;
    let secret = sm2::SecretKey::from_slice(key.private_key)
        .map_err(|_| malformed("not a valid SM2 private scalar"))?;
    Ok(DecodedKey::Sm2(secret))
}

fn decode_encrypted_pkcs8(der: &[u8], passphrase: Option<&[u8]>) -> Result<DecodedKey> {
    if let Some(sm4) = Sm4Pbes2::parse(der) {
        let Some(passphrase) = passphrase else {
            return Err(problem(IdentityProblem::PassphraseRequired));
        };
        return sm4.decrypt(passphrase);
    }
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der)
        .map_err(|e| malformed(format!("not an encrypted PKCS#8 private key: {e}")))?;
    let Some(passphrase) = passphrase else {
        return Err(problem(IdentityProblem::PassphraseRequired));
    };
    let mut buffer = Zeroizing::new(info.encrypted_data.to_vec());
    let plain = match info
        .encryption_algorithm
        .decrypt_in_place(passphrase, &mut buffer)
    {
        Ok(plain) => plain,
        // pkcs5 0.7 reports a CBC padding failure while decrypting as `EncryptFailed`.
        Err(pkcs5::Error::DecryptFailed | pkcs5::Error::EncryptFailed) => {
            return Err(problem(IdentityProblem::WrongPassphrase));
        }
        Err(pkcs5::Error::NoPbes1CryptSupport) => {
            return Err(malformed(format!(
                "encrypted with legacy PKCS#5 v1.5 (PBES1); {REENCRYPT_HINT}"
            )));
        }
        Err(pkcs5::Error::UnsupportedAlgorithm { oid }) => {
            return Err(malformed(format!(
                "encrypted with an unsupported algorithm ({oid}); {REENCRYPT_HINT}"
            )));
        }
        Err(e) => return Err(malformed(format!("cannot decrypt: {e}"))),
    };
    decode_pkcs8(plain).map_err(garbage_is_wrong_passphrase)
}

/// The object identifier of SM4 in CBC mode (GM/T 0006).
const SM4_CBC_OID: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.156.10197.1.104.2");

/// The most PBKDF2 iterations a key file may ask for (a hostile file must not hang the caller).
const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

/// An encrypted PKCS#8 key under PBES2 with PBKDF2 and SM4-CBC, as OSCCA tools and
/// `openssl pkcs8 -topk8 -v2 sm4-cbc` write it (the `pkcs5` crate knows only AES and DES).
struct Sm4Pbes2<'a> {
    kdf: pkcs5::pbes2::Pbkdf2Params<'a>,
    iv: &'a [u8],
    data: &'a [u8],
}

impl<'a> Sm4Pbes2<'a> {
    /// The parts of `der`, or `None` when it is not PBES2 with SM4-CBC.
    fn parse(der: &'a [u8]) -> Option<Sm4Pbes2<'a>> {
        use der::asn1::OctetStringRef;
        use der::{Decode, Reader, SliceReader};
        use pkcs8::spki::AlgorithmIdentifierRef;
        let mut reader = SliceReader::new(der).ok()?;
        let (alg, data) = reader
            .sequence(|r| {
                let alg = AlgorithmIdentifierRef::decode(r)?;
                let data = OctetStringRef::decode(r)?;
                Ok((alg, data))
            })
            .ok()?;
        if alg.oid != pkcs5::pbes2::PBES2_OID {
            return None;
        }
        let (kdf, enc) = alg
            .parameters?
            .sequence(|r| {
                let kdf = AlgorithmIdentifierRef::decode(r)?;
                let enc = AlgorithmIdentifierRef::decode(r)?;
                Ok((kdf, enc))
            })
            .ok()?;
        if enc.oid != SM4_CBC_OID {
            return None;
        }
        let iv = enc.parameters?.decode_as::<OctetStringRef<'a>>().ok()?;
        let pkcs5::pbes2::Kdf::Pbkdf2(kdf) = pkcs5::pbes2::Kdf::try_from(kdf).ok()? else {
            return None;
        };
        Some(Sm4Pbes2 {
            kdf,
            iv: iv.as_bytes(),
            data: data.as_bytes(),
        })
    }

    fn decrypt(&self, passphrase: &[u8]) -> Result<DecodedKey> {
        use pkcs5::pbes2::Pbkdf2Prf;
        if self.kdf.iteration_count > MAX_PBKDF2_ITERATIONS {
            return Err(malformed(format!(
                "the key file asks for {} PBKDF2 iterations (at most {MAX_PBKDF2_ITERATIONS} \
                 are accepted); {REENCRYPT_HINT}",
                self.kdf.iteration_count
            )));
        }
        if self.kdf.key_length.is_some_and(|l| l != 16) || self.iv.len() != 16 {
            return Err(malformed(
                "SM4-CBC encryption with a key or IV that is not 16 bytes",
            ));
        }
        let mut key = Zeroizing::new([0u8; 16]);
        let (salt, rounds) = (self.kdf.salt, self.kdf.iteration_count);
        match self.kdf.prf {
            Pbkdf2Prf::HmacWithSha1 => {
                pbkdf2::pbkdf2_hmac::<sha1::Sha1>(passphrase, salt, rounds, key.as_mut())
            }
            Pbkdf2Prf::HmacWithSha224 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha224>(passphrase, salt, rounds, key.as_mut())
            }
            Pbkdf2Prf::HmacWithSha256 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase, salt, rounds, key.as_mut())
            }
            Pbkdf2Prf::HmacWithSha384 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha384>(passphrase, salt, rounds, key.as_mut())
            }
            Pbkdf2Prf::HmacWithSha512 => {
                pbkdf2::pbkdf2_hmac::<sha2::Sha512>(passphrase, salt, rounds, key.as_mut())
            }
            other => {
                return Err(malformed(format!(
                    "the key file's PBKDF2 uses {other:?}, which fabweave does not know; \
                     {REENCRYPT_HINT}"
                )))
            }
        }
        let mut buffer = Zeroizing::new(self.data.to_vec());
        let plain = cbc::Decryptor::<sm4::Sm4>::new_from_slices(key.as_ref(), self.iv)
            .map_err(|_| malformed("SM4-CBC key or IV of the wrong size"))?
            .decrypt_padded_mut::<Pkcs7>(&mut buffer)
            .map_err(|_| problem(IdentityProblem::WrongPassphrase))?;
        decode_pkcs8(plain).map_err(garbage_is_wrong_passphrase)
    }
}

/// After a decryption that "succeeded", a key that does not parse means the passphrase was wrong
/// (CBC padding matches by chance about once in 256 wrong tries).
fn garbage_is_wrong_passphrase(e: Error) -> Error {
    match e {
        Error::Identity {
            problem: IdentityProblem::Malformed { .. },
            ..
        } => problem(IdentityProblem::WrongPassphrase),
        other => other,
    }
}

fn is_legacy_encrypted(block: &PemBlock<'_>) -> bool {
    block
        .header("Proc-Type")
        .is_some_and(|v| v.to_ascii_uppercase().contains("ENCRYPTED"))
}

/// Decrypts a traditional OpenSSL-encrypted PEM body (`DEK-Info: AES-256-CBC,<iv hex>`).
fn decrypt_legacy(block: &PemBlock<'_>, passphrase: Option<&[u8]>) -> Result<Zeroizing<Vec<u8>>> {
    let dek = block
        .header("DEK-Info")
        .ok_or_else(|| malformed("encrypted PEM without a DEK-Info header"))?;
    let (cipher, iv_hex) = dek
        .split_once(',')
        .ok_or_else(|| malformed(format!("bad DEK-Info header `{dek}`")))?;
    let cipher = cipher.trim().to_ascii_uppercase();
    let key_len = match cipher.as_str() {
        "AES-128-CBC" => 16,
        "AES-192-CBC" => 24,
        "AES-256-CBC" => 32,
        other => {
            return Err(malformed(format!(
                "legacy PEM encryption {other} is not supported (AES-128/192/256-CBC are); \
                 {REENCRYPT_HINT}"
            )))
        }
    };
    let iv = decode_hex(iv_hex.trim())
        .filter(|iv| iv.len() == 16)
        .ok_or_else(|| malformed(format!("bad IV in DEK-Info header `{dek}`")))?;
    let Some(passphrase) = passphrase else {
        return Err(problem(IdentityProblem::PassphraseRequired));
    };
    let key = evp_bytes_to_key(passphrase, &iv[..8], key_len);
    let mut buffer = Zeroizing::new(block.body.to_vec());
    let len = match key_len {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(&key, &iv)
            .ok()
            .and_then(|d| d.decrypt_padded_mut::<Pkcs7>(&mut buffer).ok())
            .map(|p| p.len()),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(&key, &iv)
            .ok()
            .and_then(|d| d.decrypt_padded_mut::<Pkcs7>(&mut buffer).ok())
            .map(|p| p.len()),
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, &iv)
            .ok()
            .and_then(|d| d.decrypt_padded_mut::<Pkcs7>(&mut buffer).ok())
            .map(|p| p.len()),
    };
    let len = len.ok_or_else(|| problem(IdentityProblem::WrongPassphrase))?;
    buffer.truncate(len);
    Ok(buffer)
}

/// OpenSSL's `EVP_BytesToKey` with MD5 and one iteration, as traditional PEM encryption uses:
/// D1 = MD5(pass ‖ salt), Di = MD5(Di-1 ‖ pass ‖ salt), key = D1 ‖ D2 ‖ … truncated.
fn evp_bytes_to_key(passphrase: &[u8], salt: &[u8], len: usize) -> Zeroizing<Vec<u8>> {
    let mut key = Zeroizing::new(Vec::with_capacity(len + 16));
    let mut previous = Zeroizing::new([0u8; 16]);
    let mut first = true;
    while key.len() < len {
        let mut md5 = Md5::new();
        if !first {
            md5.update(&previous[..]);
        }
        md5.update(passphrase);
        md5.update(salt);
        previous.copy_from_slice(&md5.finalize());
        key.extend_from_slice(&previous[..]);
        first = false;
    }
    key.truncate(len);
    key
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn sec1_key_labelled_pkcs8_loads() {
        // As the GM fork hxx258456/fabric-gm's cryptogen writes it: SEC1 on the SM2 curve
        // under a `PRIVATE KEY` label.
        let pem = "-----BEGIN PRIVATE KEY-----
MHcCAQEEIINyt1o31f+tYl94O9svjiMCoFmmTaggMGfKPHRJeyquoAoGCCqBHM9V
AYItoUQDQgAEFfJlY8Qn8PlRRuy5RxBgMMgv78ydtAztaAp206nlxx7Yj/Tu6eEc
U7IhfZgvy287SxobfRzzSsTu53m9aVyuhg==
-----END PRIVATE KEY-----
";
        let signer = load_private_key(pem.as_bytes(), None).unwrap();
        assert_eq!(signer.algorithm(), super::super::SignatureAlgorithm::Sm2Sm3);
        let spki = signer.public_key_der();
        assert_eq!(
            spki[spki.len() - 64..spki.len() - 56],
            unhex("15f26563c427f0f9")[..]
        );
    }

    #[test]
    fn sm4_published_vectors() {
        // GB/T 32907-2016 examples 1 and 2: key = plaintext = 0123456789abcdeffedcba9876543210.
        use sm4::cipher::{BlockDecrypt, BlockEncrypt, KeyInit};
        let key = unhex("0123456789abcdeffedcba9876543210");
        let cipher = sm4::Sm4::new_from_slice(&key).unwrap();
        let mut block = sm4::cipher::generic_array::GenericArray::clone_from_slice(&key);
        cipher.encrypt_block(&mut block);
        assert_eq!(block.to_vec(), unhex("681edf34d206965e86b3e94f536e4246"));
        cipher.decrypt_block(&mut block);
        assert_eq!(block.to_vec(), key);
        for _ in 0..1_000_000 {
            cipher.encrypt_block(&mut block);
        }
        assert_eq!(block.to_vec(), unhex("595298c7c6fd271f0402f804c33d3f66"));
    }

    #[test]
    fn evp_bytes_to_key_matches_openssl() {
        // `openssl enc -aes-256-cbc -k fabweave -S 0001020304050607 -md md5 -P`
        let key = evp_bytes_to_key(b"fabweave", &[0, 1, 2, 3, 4, 5, 6, 7], 32);
        assert_eq!(
            super::super::hex(&key),
            "1d8256159550e0518cab3e83c7dbde93d59e45522b0f8ec013cdbfa7c57a6f01"
        );
    }

    #[test]
    fn hex_decoding() {
        assert_eq!(decode_hex("00ff1A"), Some(vec![0, 255, 26]));
        assert_eq!(decode_hex("0"), None);
        assert_eq!(decode_hex("zz"), None);
    }
}
