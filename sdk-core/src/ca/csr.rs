//! Key pairs and certificate signing requests.
//!
//! A new key is an ECDSA P-256 or SM2 scalar from the OS random generator, held by a
//! [`P256Signer`] or an [`Sm2Signer`] (zeroized on drop) and exported once as PKCS#8 PEM in a
//! zeroizing buffer. The PKCS#10 request is assembled here with `x509-cert` types and signed
//! through the crate's [`Signer`] trait, so the same code signs with a fresh key or with an
//! existing identity's signer (reenrolling with the same key), whatever holds that key: an
//! ECDSA P-256 signer gives `ecdsa-with-SHA256`, an SM2 signer `SM2-with-SM3` (GM CAs).

use std::net::IpAddr;
use std::sync::Arc;

use der::asn1::{Any, BitString, Ia5String, ObjectIdentifier, OctetString, SetOfVec};
use der::{Decode, Encode, Tag};
use sm2::pkcs8::{EncodePrivateKey, LineEnding};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::attr::{Attribute, AttributeTypeAndValue};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::request::{CertReq, CertReqInfo, ExtensionReq, Version};
use zeroize::Zeroizing;

use super::types::KeyAlgorithm;
use crate::crypto::{P256Signer, SignatureAlgorithm, Signer, Sm2Signer, DEFAULT_DISTID};
use crate::error::{Error, Result};

/// ecdsa-with-SHA256 (RFC 5758), without parameters.
const ECDSA_WITH_SHA256: ObjectIdentifier = der::oid::db::rfc5912::ECDSA_WITH_SHA_256;
/// SM2-with-SM3 (GM/T 0006), without parameters.
const SM2_WITH_SM3: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.156.10197.1.501");
/// commonName (X.520).
const COMMON_NAME: ObjectIdentifier = der::oid::db::rfc4519::CN;
/// subjectAltName (RFC 5280).
const SUBJECT_ALT_NAME: ObjectIdentifier = der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME;

fn crypto(message: String) -> Error {
    Error::Crypto { message }
}

/// A new key of `algorithm`: its signer and its PKCS#8 PEM.
pub(crate) fn generate_key(
    algorithm: KeyAlgorithm,
) -> Result<(Arc<dyn Signer>, Zeroizing<String>)> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    // A random 256-bit string is a valid scalar of either curve except with probability
    // ~2^-32; retry then.
    for _ in 0..16 {
        getrandom::getrandom(bytes.as_mut_slice())
            .map_err(|e| crypto(format!("the OS random generator failed: {e}")))?;
        match algorithm {
            KeyAlgorithm::P256 => {
                let Ok(secret) = p256::SecretKey::from_slice(bytes.as_slice()) else {
                    continue;
                };
                let pem = secret
                    .to_pkcs8_pem(LineEnding::LF)
                    .map_err(|e| crypto(format!("cannot encode the new key as PKCS#8: {e}")))?;
                let signer = P256Signer::from_secret_key(&secret)?;
                return Ok((Arc::new(signer), pem));
            }
            KeyAlgorithm::Sm2 => {
                let Ok(secret) = sm2::SecretKey::from_slice(bytes.as_slice()) else {
                    continue;
                };
                let pem = secret
                    .to_pkcs8_pem(LineEnding::LF)
                    .map_err(|e| crypto(format!("cannot encode the new SM2 key as PKCS#8: {e}")))?;
                let signer = Sm2Signer::from_bytes(bytes.as_slice(), DEFAULT_DISTID)?;
                return Ok((Arc::new(signer), pem));
            }
        }
    }
    Err(crypto(format!("could not draw a valid {algorithm} key")))
}

/// The key algorithm of a new key replacing one that signs with `algorithm` (reenrolling with
/// a new key keeps the kind of key).
pub(crate) fn key_algorithm_of(algorithm: SignatureAlgorithm) -> Result<KeyAlgorithm> {
    match algorithm {
        SignatureAlgorithm::EcdsaP256Sha256 => Ok(KeyAlgorithm::P256),
        SignatureAlgorithm::Sm2Sm3 => Ok(KeyAlgorithm::Sm2),
        #[allow(unreachable_patterns)]
        other => Err(crypto(format!(
            "cannot generate a new key like the current {other} one; reenroll keeping the key"
        ))),
    }
}

/// The signature algorithm identifier of a CSR signed by a signer of `algorithm`.
fn signature_algorithm(algorithm: SignatureAlgorithm) -> Result<AlgorithmIdentifierOwned> {
    let oid = match algorithm {
        SignatureAlgorithm::EcdsaP256Sha256 => ECDSA_WITH_SHA256,
        SignatureAlgorithm::Sm2Sm3 => SM2_WITH_SM3,
        #[allow(unreachable_patterns)]
        other => {
            return Err(crypto(format!(
                "certificate requests signed with {other} are not supported; fabweave signs \
                 them with ECDSA P-256 or SM2 keys"
            )))
        }
    };
    Ok(AlgorithmIdentifierOwned {
        oid,
        parameters: None,
    })
}

/// A subject alternative name from a `hosts` entry: an IP address, an e-mail address (with
/// `@`), or a DNS name.
fn san(host: &str) -> Result<GeneralName> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        let octets = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        return OctetString::new(octets)
            .map(GeneralName::IpAddress)
            .map_err(|e| crypto(format!("host `{host}` cannot be a certificate name: {e}")));
    }
    let ia5 = Ia5String::new(host).map_err(|e| {
        crypto(format!(
            "host `{host}` cannot be a certificate name: {e} (only ASCII names can be; write \
             internationalized domain names in their xn-- form)"
        ))
    })?;
    Ok(if host.contains('@') {
        GeneralName::Rfc822Name(ia5)
    } else {
        GeneralName::DnsName(ia5)
    })
}

/// The subject `CN=common_name`, built from its parts (never parsed from a string, so `,`,
/// `=`, `+` or `@` in the name are plain characters), as a UTF8String.
fn subject(common_name: &str) -> Result<Name> {
    let bad = |e: der::Error| crypto(format!("`{common_name}` cannot be a common name: {e}"));
    let value = Any::new(Tag::Utf8String, common_name.as_bytes()).map_err(bad)?;
    let atv = AttributeTypeAndValue {
        oid: COMMON_NAME,
        value,
    };
    let rdn = RelativeDistinguishedName(SetOfVec::try_from(vec![atv]).map_err(bad)?);
    Ok(RdnSequence(vec![rdn]))
}

/// The request's attributes: an extensionRequest with the subject alternative names, or none
/// without hosts.
fn attributes(hosts: &[String]) -> Result<SetOfVec<Attribute>> {
    let mut attributes = SetOfVec::new();
    if hosts.is_empty() {
        return Ok(attributes);
    }
    let bad = |e: der::Error| crypto(format!("cannot encode the subject alternative names: {e}"));
    let names = SubjectAltName(hosts.iter().map(|h| san(h)).collect::<Result<_>>()?);
    let extension = Extension {
        extn_id: SUBJECT_ALT_NAME,
        critical: false,
        extn_value: OctetString::new(names.to_der().map_err(bad)?).map_err(bad)?,
    };
    let attribute = Attribute::try_from(ExtensionReq(vec![extension])).map_err(bad)?;
    attributes.insert(attribute).map_err(bad)?;
    Ok(attributes)
}

/// The DER PKCS#10 request with subject `CN=common_name` and the `hosts` as subject
/// alternative names, signed by `signer`.
fn csr_der(signer: &dyn Signer, common_name: &str, hosts: &[String]) -> Result<Vec<u8>> {
    let algorithm = signature_algorithm(signer.algorithm())?;
    let public_key = SubjectPublicKeyInfoOwned::from_der(&signer.public_key_der())
        .map_err(|e| crypto(format!("the signer's public key does not parse: {e}")))?;
    let info = CertReqInfo {
        version: Version::V1,
        subject: subject(common_name)?,
        public_key,
        attributes: attributes(hosts)?,
    };
    let encode = |e: der::Error| {
        crypto(format!(
            "cannot encode the certificate signing request: {e}"
        ))
    };
    let tbs = info.to_der().map_err(encode)?;
    // DER SEQUENCE { r, s }, as X.509 carries ECDSA and SM2 signatures.
    let signature = signer.sign(&tbs)?;
    CertReq {
        info,
        algorithm,
        signature: BitString::from_bytes(&signature).map_err(encode)?,
    }
    .to_der()
    .map_err(encode)
}

/// A PEM PKCS#10 request with subject `CN=common_name` and the `hosts` as subject alternative
/// names, signed by `signer`.
pub(crate) fn csr_pem(signer: &dyn Signer, common_name: &str, hosts: &[String]) -> Result<String> {
    let der = csr_der(signer, common_name, hosts)?;
    Ok(crate::crypto::pem::encode("CERTIFICATE REQUEST", &der))
}
#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::crypto::{load_private_key, verify, verify_sm2};
    use der::Tagged;

    fn parse(pem: &str) -> CertReq {
        let blocks = crate::crypto::pem::parse(pem.as_bytes()).unwrap();
        assert_eq!(blocks[0].label, "CERTIFICATE REQUEST");
        CertReq::from_der(&blocks[0].body).unwrap()
    }

    #[test]
    fn new_keys_are_p256_pkcs8_and_differ() {
        let (a, pem_a) = generate_key(KeyAlgorithm::P256).unwrap();
        let (b, _) = generate_key(KeyAlgorithm::P256).unwrap();
        assert!(pem_a.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_ne!(a.public_key_der(), b.public_key_der());
        // The PEM loads back into the same key.
        let again = load_private_key(pem_a.as_bytes(), None).unwrap();
        assert_eq!(again.public_key_der(), a.public_key_der());
    }

    #[test]
    fn csr_subject_sans_and_signature() {
        let (signer, _) = generate_key(KeyAlgorithm::P256).unwrap();
        let hosts = vec![
            "peer0.org1.example.com".to_owned(),
            "127.0.0.1".to_owned(),
            "::1".to_owned(),
            "admin@org1.example.com".to_owned(),
        ];
        let pem = csr_pem(signer.as_ref(), "user1", &hosts).unwrap();
        let req = parse(&pem);

        // Subject: exactly CN=user1.
        assert_eq!(req.info.subject.to_string(), "CN=user1");
        // The public key is the signer's.
        assert_eq!(
            req.info.public_key.to_der().unwrap(),
            signer.public_key_der()
        );
        // The SANs, in an extensionRequest attribute.
        let attr = req.info.attributes.iter().next().unwrap();
        let ext_req =
            ExtensionReq::from_der(&attr.values.iter().next().unwrap().to_der().unwrap()).unwrap();
        let san = ext_req
            .0
            .iter()
            .find(|e| e.extn_id == der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME)
            .unwrap();
        let names = SubjectAltName::from_der(san.extn_value.as_bytes()).unwrap();
        let mut dns = Vec::new();
        let mut ips = Vec::new();
        let mut mails = Vec::new();
        for n in &names.0 {
            match n {
                GeneralName::DnsName(d) => dns.push(d.to_string()),
                GeneralName::IpAddress(ip) => ips.push(ip.as_bytes().to_vec()),
                GeneralName::Rfc822Name(m) => mails.push(m.to_string()),
                other => panic!("unexpected name {other:?}"),
            }
        }
        assert_eq!(dns, ["peer0.org1.example.com"]);
        assert_eq!(
            ips,
            [vec![127, 0, 0, 1], {
                let mut v = vec![0; 16];
                v[15] = 1;
                v
            }]
        );
        assert_eq!(mails, ["admin@org1.example.com"]);

        // Signed by the key over the DER CertificationRequestInfo, low-S (the crate's verify
        // rejects high S).
        let tbs = req.info.to_der().unwrap();
        verify(
            &signer.public_key_der(),
            &tbs,
            req.signature.as_bytes().unwrap(),
        )
        .unwrap();
        assert_eq!(req.algorithm.oid, der::oid::db::rfc5912::ECDSA_WITH_SHA_256);
    }

    #[test]
    fn csr_without_hosts_has_no_extension_request() {
        let (signer, _) = generate_key(KeyAlgorithm::P256).unwrap();
        let req = parse(&csr_pem(signer.as_ref(), "admin", &[]).unwrap());
        assert_eq!(req.info.subject.to_string(), "CN=admin");
        assert!(req.info.attributes.is_empty());
    }

    #[test]
    fn csr_with_an_existing_key() {
        let pem = std::fs::read(format!(
            "{}/tests/fixtures/identity/ec_pkcs8.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let signer = load_private_key(&pem, None).unwrap();
        let req = parse(&csr_pem(signer.as_ref(), "User1@org1.example.com", &[]).unwrap());
        assert_eq!(
            req.info.public_key.to_der().unwrap(),
            signer.public_key_der()
        );
        assert_eq!(req.info.subject.to_string(), "CN=User1@org1.example.com");
    }

    #[test]
    fn bad_hosts_are_named() {
        let (signer, _) = generate_key(KeyAlgorithm::P256).unwrap();
        let err = csr_pem(signer.as_ref(), "u", &["bücher.example".to_owned()]).unwrap_err();
        assert!(err.to_string().contains("bücher.example"), "{err}");
    }

    /// The subject alternative names of a request: DNS names, IP addresses, e-mail addresses.
    fn sans(req: &CertReq) -> (Vec<String>, Vec<Vec<u8>>, Vec<String>) {
        assert_eq!(req.info.attributes.len(), 1);
        let attr = req.info.attributes.iter().next().unwrap();
        assert_eq!(attr.oid, der::oid::db::rfc5912::ID_EXTENSION_REQ);
        let ext_req =
            ExtensionReq::from_der(&attr.values.iter().next().unwrap().to_der().unwrap()).unwrap();
        assert_eq!(ext_req.0.len(), 1);
        let san = &ext_req.0[0];
        assert_eq!(san.extn_id, SUBJECT_ALT_NAME);
        assert!(!san.critical);
        let names = SubjectAltName::from_der(san.extn_value.as_bytes()).unwrap();
        let (mut dns, mut ips, mut mails) = (Vec::new(), Vec::new(), Vec::new());
        for n in &names.0 {
            match n {
                GeneralName::DnsName(d) => dns.push(d.to_string()),
                GeneralName::IpAddress(ip) => ips.push(ip.as_bytes().to_vec()),
                GeneralName::Rfc822Name(m) => mails.push(m.to_string()),
                other => panic!("unexpected name {other:?}"),
            }
        }
        (dns, ips, mails)
    }

    /// The subject's only attribute: its type, its value's tag and its text.
    fn only_attribute(req: &CertReq) -> (ObjectIdentifier, Tag, String) {
        assert_eq!(req.info.subject.0.len(), 1);
        let rdn = &req.info.subject.0[0];
        assert_eq!(rdn.0.len(), 1);
        let atv = rdn.0.iter().next().unwrap();
        (
            atv.oid,
            atv.value.tag(),
            String::from_utf8(atv.value.value().to_vec()).unwrap(),
        )
    }

    #[test]
    fn new_sm2_keys_are_pkcs8_on_the_sm2_curve_and_load_back() {
        let (a, pem_a) = generate_key(KeyAlgorithm::Sm2).unwrap();
        let (b, _) = generate_key(KeyAlgorithm::Sm2).unwrap();
        assert_eq!(a.algorithm(), SignatureAlgorithm::Sm2Sm3);
        assert!(pem_a.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_ne!(a.public_key_der(), b.public_key_der());
        // PKCS#8 with id-ecPublicKey and the SM2 curve.
        let blocks = crate::crypto::pem::parse(pem_a.as_bytes()).unwrap();
        let info = pkcs8::PrivateKeyInfo::try_from(blocks[0].body.as_slice()).unwrap();
        assert_eq!(info.algorithm.oid, crate::crypto::oid::EC_PUBLIC_KEY);
        assert_eq!(
            info.algorithm.parameters_oid().unwrap(),
            crate::crypto::oid::SM2
        );
        // The PEM loads back into the same key, which signs as the generated signer does.
        let again = load_private_key(pem_a.as_bytes(), None).unwrap();
        assert_eq!(again.algorithm(), SignatureAlgorithm::Sm2Sm3);
        assert_eq!(again.public_key_der(), a.public_key_der());
        let sig = again.sign(b"m").unwrap();
        verify(&a.public_key_der(), b"m", &sig).unwrap();
    }

    #[test]
    fn sm2_csr_subject_sans_key_and_signature() {
        let (signer, _) = generate_key(KeyAlgorithm::Sm2).unwrap();
        let hosts = vec![
            "peer0.org1.example.com".to_owned(),
            "10.0.0.7".to_owned(),
            "admin@org1.example.com".to_owned(),
        ];
        let pem = csr_pem(signer.as_ref(), "User1@org1.example.com", &hosts).unwrap();
        let req = parse(&pem);
        assert_eq!(req.info.version, Version::V1);
        assert_eq!(req.info.subject.to_string(), "CN=User1@org1.example.com");
        // The SM2 public key: id-ecPublicKey with the SM2 curve.
        assert_eq!(
            req.info.public_key.to_der().unwrap(),
            signer.public_key_der()
        );
        assert_eq!(
            req.info.public_key.algorithm.oid,
            crate::crypto::oid::EC_PUBLIC_KEY
        );
        let (dns, ips, mails) = sans(&req);
        assert_eq!(dns, ["peer0.org1.example.com"]);
        assert_eq!(ips, [vec![10, 0, 0, 7]]);
        assert_eq!(mails, ["admin@org1.example.com"]);
        // SM2-with-SM3, no parameters, over SM3(Z_A ‖ DER CertificationRequestInfo) with the
        // default distinguishing ID.
        assert_eq!(req.algorithm.oid.to_string(), "1.2.156.10197.1.501");
        assert!(req.algorithm.parameters.is_none());
        let tbs = req.info.to_der().unwrap();
        let sig = req.signature.as_bytes().unwrap();
        verify_sm2(&signer.public_key_der(), &tbs, sig, DEFAULT_DISTID).unwrap();
        assert!(verify_sm2(&signer.public_key_der(), &tbs, sig, "other").is_err());
        // The exact encoding: no parameters at all (not even NULL) after the OID.
        let der = csr_der(signer.as_ref(), "u", &[]).unwrap();
        let alg = [
            0x30, 0x0a, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01, 0x83, 0x75,
        ];
        assert!(der.windows(alg.len()).any(|w| w == alg));
    }

    #[test]
    fn p256_csr_algorithm_has_no_parameters() {
        let (signer, _) = generate_key(KeyAlgorithm::P256).unwrap();
        let req = parse(&csr_pem(signer.as_ref(), "u", &[]).unwrap());
        assert_eq!(req.algorithm.oid.to_string(), "1.2.840.10045.4.3.2");
        assert!(req.algorithm.parameters.is_none());
        assert_eq!(req.info.version, Version::V1);
    }

    #[test]
    fn sm2_csr_with_an_existing_key() {
        let (generated, pem) = generate_key(KeyAlgorithm::Sm2).unwrap();
        let signer = load_private_key(pem.as_bytes(), None).unwrap();
        let req = parse(&csr_pem(signer.as_ref(), "admin", &[]).unwrap());
        assert_eq!(
            req.info.public_key.to_der().unwrap(),
            generated.public_key_der()
        );
        assert!(req.info.attributes.is_empty());
        let tbs = req.info.to_der().unwrap();
        verify(
            &generated.public_key_der(),
            &tbs,
            req.signature.as_bytes().unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn common_names_are_taken_literally() {
        let (signer, _) = generate_key(KeyAlgorithm::P256).unwrap();
        for cn in [
            "User1@org1.example.com",
            "a,b=c+d",
            "O=Evil, CN=admin",
            "#x \"y\" <z>; ",
            "用户一",
        ] {
            let req = parse(&csr_pem(signer.as_ref(), cn, &[]).unwrap());
            let (oid, tag, value) = only_attribute(&req);
            assert_eq!(oid, COMMON_NAME);
            assert_eq!(tag, Tag::Utf8String);
            assert_eq!(value, cn);
        }
        // Display escapes what RFC 4514 requires.
        let req = parse(&csr_pem(signer.as_ref(), "a,b=c+d", &[]).unwrap());
        assert_eq!(req.info.subject.to_string(), "CN=a\\,b=c\\+d");
    }

    #[test]
    fn key_algorithms_follow_the_current_signer() {
        assert_eq!(
            key_algorithm_of(SignatureAlgorithm::Sm2Sm3).unwrap(),
            KeyAlgorithm::Sm2
        );
        assert_eq!(
            key_algorithm_of(SignatureAlgorithm::EcdsaP256Sha256).unwrap(),
            KeyAlgorithm::P256
        );
        assert_eq!(KeyAlgorithm::default(), KeyAlgorithm::P256);
        assert_eq!(KeyAlgorithm::Sm2.to_string(), "SM2");
    }

    #[test]
    fn unsupported_signers_are_refused() {
        #[derive(Debug)]
        struct Odd;
        impl Signer for Odd {
            fn algorithm(&self) -> SignatureAlgorithm {
                SignatureAlgorithm::EcdsaP256Sha256
            }
            fn sign(&self, _: &[u8]) -> Result<Vec<u8>> {
                Err(crypto("the HSM is unplugged".into()))
            }
            fn public_key_der(&self) -> Vec<u8> {
                b"not a key".to_vec()
            }
        }
        let err = csr_pem(&Odd, "u", &[]).unwrap_err();
        assert!(
            matches!(&err, Error::Crypto { message } if message.contains("public key does not parse")),
            "{err}"
        );
        // A signer that fails: its error comes through.
        #[derive(Debug)]
        struct Failing(Arc<dyn Signer>);
        impl Signer for Failing {
            fn algorithm(&self) -> SignatureAlgorithm {
                self.0.algorithm()
            }
            fn sign(&self, _: &[u8]) -> Result<Vec<u8>> {
                Err(crypto("the HSM is unplugged".into()))
            }
            fn public_key_der(&self) -> Vec<u8> {
                self.0.public_key_der()
            }
        }
        let (inner, _) = generate_key(KeyAlgorithm::Sm2).unwrap();
        let err = csr_pem(&Failing(inner), "u", &[]).unwrap_err();
        assert!(err.to_string().contains("unplugged"), "{err}");
    }
}
