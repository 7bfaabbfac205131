//! Object identifiers of key algorithms and curves, and names for them in error messages.

use spki::{AlgorithmIdentifierRef, ObjectIdentifier, SubjectPublicKeyInfoRef};

/// id-ecPublicKey (RFC 5480).
pub(crate) const EC_PUBLIC_KEY: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// NIST P-256, a.k.a. secp256r1, prime256v1.
pub(crate) const SECP256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const SECP521R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const SECP256K1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.10");
pub(crate) const SM2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.301");
const BRAINPOOL_P256R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.7");
const BRAINPOOL_P384R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.11");
const BRAINPOOL_P512R1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.36.3.3.2.8.1.1.13");
const RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const DSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10040.4.1");
const X25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.110");
const X448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.111");
const ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const ED448: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.113");

/// What kind of key an algorithm identifier (with its curve) names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum KeyType {
    /// ECDSA on P-256.
    P256,
    /// SM2 (an EC key on the curve sm2p256v1).
    Sm2,
    /// An EC key on another named curve, or with explicit/absent parameters (`None`).
    OtherCurve(Option<ObjectIdentifier>),
    /// Any other algorithm.
    Other(ObjectIdentifier),
}

impl KeyType {
    /// Classifies an algorithm OID and, for EC keys, the curve OID.
    pub(crate) fn new(algorithm: ObjectIdentifier, curve: Option<ObjectIdentifier>) -> KeyType {
        match (algorithm, curve) {
            (EC_PUBLIC_KEY, Some(SECP256R1)) => KeyType::P256,
            (EC_PUBLIC_KEY, Some(SM2)) => KeyType::Sm2,
            (EC_PUBLIC_KEY, curve) => KeyType::OtherCurve(curve),
            // Some SM2 tools put the curve OID in the algorithm field.
            (SM2, _) => KeyType::Sm2,
            (other, _) => KeyType::Other(other),
        }
    }

    /// Classifies an `AlgorithmIdentifier` (of a PKCS#8 key or a SubjectPublicKeyInfo).
    pub(crate) fn from_algorithm_identifier(alg: &AlgorithmIdentifierRef<'_>) -> KeyType {
        KeyType::new(alg.oid, alg.parameters_oid().ok())
    }

    /// A name for messages, e.g. `ECDSA P-384 (secp384r1)` or `RSA`.
    pub(crate) fn describe(&self) -> String {
        match self {
            KeyType::P256 => "ECDSA P-256 (secp256r1)".into(),
            KeyType::Sm2 => "SM2 (curve 1.2.156.10197.1.301)".into(),
            KeyType::OtherCurve(Some(curve)) => match *curve {
                SECP384R1 => "ECDSA P-384 (secp384r1)".into(),
                SECP521R1 => "ECDSA P-521 (secp521r1)".into(),
                SECP256K1 => "ECDSA secp256k1".into(),
                BRAINPOOL_P256R1 => "ECDSA brainpoolP256r1".into(),
                BRAINPOOL_P384R1 => "ECDSA brainpoolP384r1".into(),
                BRAINPOOL_P512R1 => "ECDSA brainpoolP512r1".into(),
                other => format!("EC key on curve {other}"),
            },
            KeyType::OtherCurve(None) => {
                "EC key with explicit or missing curve parameters (want the named curve P-256)"
                    .into()
            }
            KeyType::Other(oid) => match *oid {
                RSA => "RSA".into(),
                RSA_PSS => "RSA-PSS".into(),
                DSA => "DSA".into(),
                ED25519 => "Ed25519".into(),
                ED448 => "Ed448".into(),
                X25519 => "X25519".into(),
                X448 => "X448".into(),
                other => format!("algorithm {other}"),
            },
        }
    }
}

/// Classifies the key in a DER `SubjectPublicKeyInfo`.
pub(crate) fn describe_spki(der: &[u8]) -> Result<KeyType, String> {
    let spki = SubjectPublicKeyInfoRef::try_from(der).map_err(|e| e.to_string())?;
    Ok(KeyType::from_algorithm_identifier(&spki.algorithm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(KeyType::new(EC_PUBLIC_KEY, Some(SECP256R1)), KeyType::P256);
        assert_eq!(
            KeyType::new(EC_PUBLIC_KEY, Some(SECP384R1)).describe(),
            "ECDSA P-384 (secp384r1)"
        );
        assert_eq!(KeyType::new(RSA, None).describe(), "RSA");
        assert_eq!(KeyType::new(ED25519, None).describe(), "Ed25519");
        assert!(KeyType::new(SM2, None).describe().starts_with("SM2"));
    }
}
