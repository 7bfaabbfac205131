//! SM2 signatures (GB/T 32918) with SM3, as OSCCA ("GM") Fabric networks use them: the signer
//! receives the message, computes `e = SM3(Z_A ‖ M)` with the signer's distinguishing ID, and
//! returns DER `SEQUENCE { r, s }` — never normalized to a low S (that would break SM2).

use sm2::elliptic_curve::ff::PrimeField;
use sm2::elliptic_curve::ops::Reduce;
use sm2::elliptic_curve::point::AffineCoordinates;
use sm2::elliptic_curve::sec1::ToEncodedPoint;
use sm2::elliptic_curve::Group;
use sm2::{FieldBytes, NonZeroScalar, ProjectivePoint, Scalar, U256};
use sm3::{Digest, Sm3};
use zeroize::Zeroize;

use super::{SignatureAlgorithm, Signer};
use crate::error::{Error, Result};

/// The distinguishing ID SM2 uses unless told otherwise (GB/T 35276; what BCS and OpenSSL
/// expect): `1234567812345678`.
pub const DEFAULT_DISTID: &str = "1234567812345678";

/// How an SM2 signature turns the message into the value `e` it signs. GB/T 32918 says
/// `e = SM3(Z_A ‖ M)`; GM Fabric forks and the Go library most of them link (tjfoc/gmsm) have
/// done it other ways over the years, and a signature made one way verifies only the same way.
/// See `CryptoSuite` for the combinations seen on real networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Sm2Digest {
    /// `e = SM3(Z_A ‖ M)`, `Z_A` over the distinguishing ID and every coordinate as 32 bytes:
    /// the standard, as OpenSSL, tjfoc/gmsm ≥ 1.4 and Huawei BCS compute it.
    #[default]
    Standard,
    /// `e = SM3(Z_A ‖ M)` with `Z_A` over an empty ID (`ENTL = 0`), whatever the signer's ID:
    /// tjfoc/gmsm 1.2.0–1.3.0 and the forks that vendored it.
    EmptyId,
    /// `e = SM3(Z_A ‖ M)` with the public key's Y written without its leading zero bytes in
    /// `Z_A` (X is padded): tjfoc/gmsm ≤ 1.3.2, which Huawei's BCS Go SDK pins. It differs from
    /// [`Sm2Digest::Standard`] only for the one key in 256 whose Y is below 2^248.
    UnpaddedY,
    /// `e = SM3(Z_A ‖ SM3(M))`: forks whose MSP hashes the message with SM3 first and hands the
    /// digest to a standard SM2 signer (zhaochuninhefei/fabric-gm and hxx258456/fabric-gm, whose
    /// peers fabweave's GM network test runs).
    Sm3Prehash,
    /// `e = SHA-256(M)`, no `Z_A`: the 2018 GM forks (tjfoc's Fabric 1.1 fork).
    Sha256,
}

impl Sm2Digest {
    /// Every variant.
    pub const ALL: [Sm2Digest; 5] = [
        Sm2Digest::Standard,
        Sm2Digest::EmptyId,
        Sm2Digest::UnpaddedY,
        Sm2Digest::Sm3Prehash,
        Sm2Digest::Sha256,
    ];

    /// The variant's name: `standard`, `empty-id`, `unpadded-y`, `sm3-prehash`, `sha256`.
    pub fn name(self) -> &'static str {
        match self {
            Sm2Digest::Standard => "standard",
            Sm2Digest::EmptyId => "empty-id",
            Sm2Digest::UnpaddedY => "unpadded-y",
            Sm2Digest::Sm3Prehash => "sm3-prehash",
            Sm2Digest::Sha256 => "sha256",
        }
    }

    /// A variant by its [`name`](Sm2Digest::name) (case-insensitive).
    pub fn by_name(name: &str) -> Option<Sm2Digest> {
        Sm2Digest::ALL
            .into_iter()
            .find(|d| d.name().eq_ignore_ascii_case(name))
    }

    /// `e` for `message` signed by `public` with distinguishing ID `distid` (ignored by the
    /// variants that do not use it).
    pub fn e(self, distid: &str, public: &sm2::PublicKey, message: &[u8]) -> Result<[u8; 32]> {
        let za = match self {
            Sm2Digest::Standard => z_a(distid, public)?,
            Sm2Digest::EmptyId => z_a("", public)?,
            Sm2Digest::UnpaddedY => z_a_with(distid, public, false)?,
            Sm2Digest::Sm3Prehash => return Ok(e_from_za(&z_a(distid, public)?, &sm3(message))),
            Sm2Digest::Sha256 => return Ok(super::sha256(message)),
        };
        Ok(e_from_za(&za, message))
    }
}

impl std::fmt::Display for Sm2Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

fn e_from_za(za: &[u8; 32], message: &[u8]) -> [u8; 32] {
    Sm3::new()
        .chain_update(za)
        .chain_update(message)
        .finalize()
        .into()
}

/// An SM2 private key that signs messages: by default `SM3(Z_A ‖ M)` with its distinguishing
/// ID (see [`Sm2Digest`] for the others), DER output. The private scalar is zeroized on drop.
pub struct Sm2Signer {
    secret: sm2::SecretKey,
    public: sm2::PublicKey,
    distid: String,
    digest: Sm2Digest,
    za: [u8; 32],
}

impl std::fmt::Debug for Sm2Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sm2Signer")
            .field("distid", &self.distid)
            .field("digest", &self.digest)
            .field("z_a", &super::hex(&self.za))
            .finish_non_exhaustive()
    }
}

impl Sm2Signer {
    /// A signer for `secret` with the distinguishing ID `distid` (use [`DEFAULT_DISTID`]).
    ///
    /// Errors: an ID longer than 8,191 bytes (its bit length must fit 16 bits).
    pub fn new(secret: sm2::SecretKey, distid: impl Into<String>) -> Result<Sm2Signer> {
        let distid = distid.into();
        let public = secret.public_key();
        let za = z_a(&distid, &public)?;
        Ok(Sm2Signer {
            secret,
            public,
            distid,
            digest: Sm2Digest::Standard,
            za,
        })
    }

    /// The same key computing `e` the [`Sm2Digest`] way (for networks whose peers do).
    pub fn with_digest(&self, digest: Sm2Digest) -> Result<Sm2Signer> {
        let za = match digest {
            Sm2Digest::EmptyId => z_a("", &self.public)?,
            Sm2Digest::UnpaddedY => z_a_with(&self.distid, &self.public, false)?,
            _ => z_a(&self.distid, &self.public)?,
        };
        Ok(Sm2Signer {
            secret: self.secret.clone(),
            public: self.public,
            distid: self.distid.clone(),
            digest,
            za,
        })
    }

    /// How this signer computes `e`.
    pub fn digest_variant(&self) -> Sm2Digest {
        self.digest
    }

    /// A signer for a 32-byte big-endian private scalar.
    pub fn from_bytes(scalar: &[u8], distid: impl Into<String>) -> Result<Sm2Signer> {
        let secret = sm2::SecretKey::from_slice(scalar).map_err(|_| Error::Crypto {
            message: "not a valid SM2 private scalar".into(),
        })?;
        Sm2Signer::new(secret, distid)
    }

    /// The distinguishing ID.
    pub fn distid(&self) -> &str {
        &self.distid
    }

    /// `Z_A`, the hash of the ID, the curve and this public key that prefixes every message.
    pub fn z_a(&self) -> [u8; 32] {
        self.za
    }

    /// `e`, the value the signature over `message` is computed over (see [`Sm2Digest`]).
    pub fn digest(&self, message: &[u8]) -> [u8; 32] {
        match self.digest {
            Sm2Digest::Sm3Prehash => e_from_za(&self.za, &sm3(message)),
            Sm2Digest::Sha256 => super::sha256(message),
            Sm2Digest::Standard | Sm2Digest::EmptyId | Sm2Digest::UnpaddedY => {
                e_from_za(&self.za, message)
            }
        }
    }

    /// Signs a precomputed `e` (for networks whose peers hash differently; see the crypto
    /// suites), returning DER.
    pub fn sign_digest(&self, e: &[u8; 32]) -> Result<Vec<u8>> {
        let (r, s) = sign_e(&self.secret.to_nonzero_scalar(), e)?;
        Ok(der_signature(&r.to_repr(), &s.to_repr()))
    }
}

impl Signer for Sm2Signer {
    fn algorithm(&self) -> SignatureAlgorithm {
        SignatureAlgorithm::Sm2Sm3
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.sign_digest(&self.digest(message))
    }

    fn public_key_der(&self) -> Vec<u8> {
        spki_der(&self.public)
    }

    fn with_sm2_digest(&self, digest: Sm2Digest) -> Option<Result<std::sync::Arc<dyn Signer>>> {
        Some(
            self.with_digest(digest)
                .map(|s| std::sync::Arc::new(s) as std::sync::Arc<dyn Signer>),
        )
    }
}

/// `Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)`, every field element as 32 bytes.
pub fn z_a(distid: &str, public: &sm2::PublicKey) -> Result<[u8; 32]> {
    z_a_with(distid, public, true)
}

/// `Z_A`, with `y_A` left-padded to 32 bytes (`pad_y`, the standard) or not (tjfoc/gmsm ≤ 1.3.2).
fn z_a_with(distid: &str, public: &sm2::PublicKey, pad_y: bool) -> Result<[u8; 32]> {
    let bits = distid
        .len()
        .checked_mul(8)
        .and_then(|b| u16::try_from(b).ok())
        .ok_or_else(|| Error::Crypto {
            message: format!(
                "SM2 distinguishing ID of {} bytes is too long",
                distid.len()
            ),
        })?;
    let point = public.as_affine().to_encoded_point(false);
    let (Some(x), Some(y)) = (point.x(), point.y()) else {
        return Err(Error::Crypto {
            message: "SM2 public key is the point at infinity".into(),
        });
    };
    let mut h = Sm3::new();
    h.update(bits.to_be_bytes());
    h.update(distid.as_bytes());
    h.update(hex32(CURVE_A));
    h.update(hex32(CURVE_B));
    h.update(hex32(GX));
    h.update(hex32(GY));
    h.update(x);
    if pad_y {
        h.update(y);
    } else {
        let first = y.iter().position(|b| *b != 0).unwrap_or(y.len());
        h.update(&y[first..]);
    }
    Ok(h.finalize().into())
}

// sm2p256v1 (GB/T 32918.5): a, b and the generator.
const CURVE_A: &str = "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC";
const CURVE_B: &str = "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93";
const GX: &str = "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7";
const GY: &str = "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";

fn hex32(s: &str) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, chunk) in s.as_bytes().chunks(2).enumerate().take(32) {
        let hi = (chunk[0] as char).to_digit(16).unwrap_or(0);
        let lo = chunk
            .get(1)
            .and_then(|c| (*c as char).to_digit(16))
            .unwrap_or(0);
        out[i] = (hi * 16 + lo) as u8;
    }
    out
}

/// The SM2 signature over `e` with private scalar `d`: a fresh random `k` per signature,
/// `r = (e + x(k·G)) mod n`, `s = (1 + d)⁻¹ (k − r·d) mod n`.
fn sign_e(d: &NonZeroScalar, e: &[u8; 32]) -> Result<(Scalar, Scalar)> {
    let e = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(e));
    let inv =
        Option::<Scalar>::from((Scalar::ONE + **d).invert()).ok_or_else(|| Error::Crypto {
            message: "SM2 private key d = n − 1 cannot sign".into(),
        })?;
    for _ in 0..64 {
        let mut k = random_scalar()?;
        let x1 = (ProjectivePoint::generator() * k).to_affine().x();
        let r = e + <Scalar as Reduce<U256>>::reduce_bytes(&x1);
        if bool::from(r.is_zero()) || bool::from((r + k).is_zero()) {
            k.zeroize();
            continue;
        }
        let s = inv * (k - r * **d);
        k.zeroize();
        if bool::from(s.is_zero()) {
            continue;
        }
        return Ok((r, s));
    }
    Err(Error::Crypto {
        message: "SM2 signing found no usable nonce".into(),
    })
}

/// A uniformly random non-zero scalar from the OS (rejection sampling).
fn random_scalar() -> Result<Scalar> {
    for _ in 0..64 {
        let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
        getrandom::getrandom(bytes.as_mut()).map_err(|e| Error::Crypto {
            message: format!("the OS random generator failed: {e}"),
        })?;
        let candidate =
            Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(bytes.as_ref())));
        if let Some(k) = candidate {
            if !bool::from(k.is_zero()) {
                return Ok(k);
            }
        }
    }
    Err(Error::Crypto {
        message: "the OS random generator gave no usable SM2 nonce".into(),
    })
}

/// DER `SEQUENCE { INTEGER r, INTEGER s }` from two 32-byte big-endian values.
pub(crate) fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    fn integer(v: &[u8], out: &mut Vec<u8>) {
        let first = v.iter().position(|b| *b != 0).unwrap_or(v.len() - 1);
        let v = &v[first..];
        let pad = v[0] & 0x80 != 0;
        out.push(0x02);
        out.push((v.len() + usize::from(pad)) as u8);
        if pad {
            out.push(0);
        }
        out.extend_from_slice(v);
    }
    let mut body = Vec::with_capacity(72);
    integer(r, &mut body);
    integer(s, &mut body);
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(0x30);
    out.push(body.len() as u8);
    out.extend_from_slice(&body);
    out
}

/// `(r, s)` as 32-byte big-endian values from a DER signature.
pub(crate) fn parse_der_signature(der: &[u8]) -> Option<([u8; 32], [u8; 32])> {
    fn integer(input: &[u8]) -> Option<([u8; 32], &[u8])> {
        let (&tag, rest) = input.split_first()?;
        let (&len, rest) = rest.split_first()?;
        if tag != 0x02 || len as usize > rest.len() || len == 0 || len > 33 {
            return None;
        }
        let (value, rest) = rest.split_at(len as usize);
        let value = match value {
            [0, tail @ ..] if len == 33 => tail,
            v if len <= 32 => v,
            _ => return None,
        };
        let mut out = [0u8; 32];
        out[32 - value.len()..].copy_from_slice(value);
        Some((out, rest))
    }
    let (&tag, rest) = der.split_first()?;
    let (&len, body) = rest.split_first()?;
    if tag != 0x30 || len as usize != body.len() {
        return None;
    }
    let (r, rest) = integer(body)?;
    let (s, rest) = integer(rest)?;
    rest.is_empty().then_some((r, s))
}

/// Verifies an SM2 signature (DER) over `message` by the public key in `spki_der`, with the
/// distinguishing ID `distid` and the standard `e = SM3(Z_A ‖ M)`.
pub fn verify_sm2(spki_der: &[u8], message: &[u8], signature: &[u8], distid: &str) -> Result<()> {
    verify_sm2_with(spki_der, message, signature, distid, Sm2Digest::Standard)
}

/// Verifies an SM2 signature (DER) over `message` by the public key in `spki_der`, computing
/// `e` the `digest` way with the distinguishing ID `distid`. Any S is accepted (SM2 has no
/// low-S rule).
pub fn verify_sm2_with(
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
    distid: &str,
    digest: Sm2Digest,
) -> Result<()> {
    let crypto = |m: &str| Error::Crypto { message: m.into() };
    let public = sm2_public_key(spki_der).ok_or_else(|| crypto("malformed SM2 public key"))?;
    let (r, s) = parse_der_signature(signature)
        .ok_or_else(|| crypto("malformed SM2 signature: expected DER SEQUENCE { r, s }"))?;
    let e = digest.e(distid, &public, message)?;
    verify_e(&public, &e, &r, &s).map_err(|m| {
        crypto(&format!(
            "the SM2 signature does not verify{m} (distinguishing ID `{distid}`, digest {digest})"
        ))
    })
}

/// The SM2 verification equation: with `t = r + s`, `(x1, _) = s·G + t·P`, accept iff
/// `(e + x1) mod n = r`. `Err` holds a detail for the message.
fn verify_e(
    public: &sm2::PublicKey,
    e: &[u8; 32],
    r: &[u8; 32],
    s: &[u8; 32],
) -> std::result::Result<(), &'static str> {
    let scalar = |b: &[u8; 32]| {
        Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(b)))
            .filter(|v| !bool::from(v.is_zero()))
    };
    let (Some(r), Some(s)) = (scalar(r), scalar(s)) else {
        return Err(": r or s is out of range");
    };
    let t = r + s;
    if bool::from(t.is_zero()) {
        return Err(": r + s = n");
    }
    let point = <ProjectivePoint as sm2::elliptic_curve::ops::LinearCombination>::lincomb(
        &ProjectivePoint::generator(),
        &s,
        &public.to_projective(),
        &t,
    );
    if bool::from(point.is_identity()) {
        return Err("");
    }
    let x1 = point.to_affine().x();
    let e = <Scalar as Reduce<U256>>::reduce_bytes(FieldBytes::from_slice(e));
    if e + <Scalar as Reduce<U256>>::reduce_bytes(&x1) == r {
        Ok(())
    } else {
        Err("")
    }
}

/// The SM2 public key of a DER `SubjectPublicKeyInfo`, whether its algorithm is id-ecPublicKey
/// with the SM2 curve (the standard form) or the SM2 curve OID itself (as the certificates of
/// some GM Fabric forks have it).
pub(crate) fn sm2_public_key(spki_der: &[u8]) -> Option<sm2::PublicKey> {
    use der::Decode;
    let spki = spki::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
    if !matches!(
        super::oid::KeyType::from_algorithm_identifier(&spki.algorithm),
        super::oid::KeyType::Sm2
    ) {
        return None;
    }
    sm2::PublicKey::from_sec1_bytes(spki.subject_public_key.as_bytes()?).ok()
}

/// The DER `SubjectPublicKeyInfo` of an SM2 key: id-ecPublicKey with the SM2 curve OID.
fn spki_der(public: &sm2::PublicKey) -> Vec<u8> {
    use sm2::elliptic_curve::pkcs8::EncodePublicKey;
    public
        .to_public_key_der()
        .map(|d| d.as_bytes().to_vec())
        .unwrap_or_default()
}

/// SM3 of `data`.
pub fn sm3(data: &[u8]) -> [u8; 32] {
    Sm3::digest(data).into()
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
    fn sm3_vectors() {
        assert_eq!(
            super::super::hex(&sm3(b"abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
        assert_eq!(
            super::super::hex(&sm3(&b"abcd".repeat(16))),
            "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
        );
        assert_eq!(
            super::super::hex(&sm3(b"")),
            "1ab21d8355cfa17f8e61194831e81a8f22bec8c728fefb747ed035eb5082aa2b"
        );
    }

    #[test]
    fn standard_vector_z_a_and_e() {
        // GM/T 0003.5-2012 example: key, ID 1234567812345678, M = "message digest".
        let d = unhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
        let signer = Sm2Signer::from_bytes(&d, DEFAULT_DISTID).unwrap();
        let point = signer.public.as_affine().to_encoded_point(false);
        assert_eq!(
            point.x().unwrap().to_vec(),
            unhex("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020")
        );
        assert_eq!(
            signer.z_a().to_vec(),
            unhex("B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3")
        );
        assert_eq!(
            signer.digest(b"message digest").to_vec(),
            unhex("F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640")
        );
        // Signatures verify with the sm2 crate's own Z_A and verifier, and not with another ID.
        let sig = signer.sign(b"message digest").unwrap();
        let spki = signer.public_key_der();
        {
            use sm2::dsa::signature::Verifier;
            let (r, s) = parse_der_signature(&sig).unwrap();
            let theirs = sm2::dsa::Signature::from_scalars(r, s).unwrap();
            let key = sm2::dsa::VerifyingKey::new(DEFAULT_DISTID, signer.public).unwrap();
            key.verify(b"message digest", &theirs).unwrap();
        }
        // The published (r, s) verifies with ours; (r, n − s) does not.
        let r = unhex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3");
        let s = unhex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA");
        let published = der_signature(&r, &s);
        verify_sm2(&spki, b"message digest", &published, DEFAULT_DISTID).unwrap();
        let s_neg =
            -Option::<Scalar>::from(Scalar::from_repr(*FieldBytes::from_slice(&s))).unwrap();
        let flipped = der_signature(&r, &s_neg.to_repr());
        assert!(verify_sm2(&spki, b"message digest", &flipped, DEFAULT_DISTID).is_err());
        verify_sm2(&spki, b"message digest", &sig, DEFAULT_DISTID).unwrap();
        assert!(verify_sm2(&spki, b"message digest", &sig, "other").is_err());
        assert!(verify_sm2(&spki, b"message digesT", &sig, DEFAULT_DISTID).is_err());
    }

    #[test]
    fn digest_variants() {
        let d = unhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8");
        let standard = Sm2Signer::from_bytes(&d, DEFAULT_DISTID).unwrap();
        // The published Z_A of this key with an empty ID.
        let empty = standard.with_digest(Sm2Digest::EmptyId).unwrap();
        assert_eq!(
            empty.z_a().to_vec(),
            unhex("F2A1724ED3D6767E22FCD19BFB33CD8AF34F59AD7FDC8747CCE6ACACD414F1F9")
        );
        // This key's Y starts with 0xCC: padding changes nothing.
        let unpadded = standard.with_digest(Sm2Digest::UnpaddedY).unwrap();
        assert_eq!(unpadded.z_a(), standard.z_a());
        let m = b"message digest";
        assert_eq!(
            standard
                .with_digest(Sm2Digest::Sm3Prehash)
                .unwrap()
                .digest(m),
            standard.digest(&sm3(m))
        );
        assert_eq!(
            standard.with_digest(Sm2Digest::Sha256).unwrap().digest(m),
            crate::crypto::sha256(m)
        );
        // Each variant's signature verifies its own way and no other way (the padded and
        // unpadded Z_A agree for this key, so those two accept each other's).
        let spki = standard.public_key_der();
        for v in Sm2Digest::ALL {
            let signer = standard.with_digest(v).unwrap();
            assert_eq!(
                signer.digest(m),
                v.e(DEFAULT_DISTID, &standard.public, m).unwrap()
            );
            let sig = signer.sign(m).unwrap();
            for w in Sm2Digest::ALL {
                let same = v == w
                    || matches!(
                        (v, w),
                        (Sm2Digest::Standard, Sm2Digest::UnpaddedY)
                            | (Sm2Digest::UnpaddedY, Sm2Digest::Standard)
                    );
                let ok = verify_sm2_with(&spki, m, &sig, DEFAULT_DISTID, w).is_ok();
                assert_eq!(ok, same, "signed {v}, verified {w}");
            }
            assert_eq!(Sm2Digest::by_name(&v.name().to_uppercase()), Some(v));
        }
    }

    #[test]
    fn unpadded_y_differs_for_short_y() {
        // Find a key whose Y has a leading zero byte (one in 256).
        let mut seed = 1u32;
        let signer = loop {
            let mut d = [0u8; 32];
            d[28..].copy_from_slice(&seed.to_be_bytes());
            d[0] = 0x11;
            let s = Sm2Signer::from_bytes(&d, DEFAULT_DISTID).unwrap();
            let point = s.public.as_affine().to_encoded_point(false);
            if point.y().unwrap()[0] == 0 {
                break s;
            }
            seed += 1;
        };
        let unpadded = signer.with_digest(Sm2Digest::UnpaddedY).unwrap();
        assert_ne!(unpadded.z_a(), signer.z_a());
        let spki = signer.public_key_der();
        let sig = unpadded.sign(b"m").unwrap();
        verify_sm2_with(&spki, b"m", &sig, DEFAULT_DISTID, Sm2Digest::UnpaddedY).unwrap();
        assert!(verify_sm2(&spki, b"m", &sig, DEFAULT_DISTID).is_err());
    }

    #[test]
    fn der_round_trip_and_no_low_s() {
        let signer = Sm2Signer::from_bytes(&[7u8; 32], DEFAULT_DISTID).unwrap();
        let mut high = 0;
        for i in 0..64u8 {
            let sig = signer.sign(&[i]).unwrap();
            let (r, s) = parse_der_signature(&sig).unwrap();
            assert_eq!(der_signature(&r, &s), sig);
            if s[0] >= 0x80 {
                high += 1;
            }
        }
        // About half the signatures have a "high" S: nothing normalizes them.
        assert!(high > 8, "{high}");
        assert!(parse_der_signature(&[0x30, 0x00]).is_none());
        assert!(parse_der_signature(&[]).is_none());
    }
}
