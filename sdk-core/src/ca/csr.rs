//! Key pairs and certificate signing requests.
//!
//! A new key is an ECDSA P-256 scalar from the OS random generator, held by a [`P256Signer`]
//! (zeroized on drop) and exported once as PKCS#8 PEM in a zeroizing buffer. The PKCS#10
//! request is assembled by rcgen but signed through the crate's [`Signer`] trait, so the same
//! code signs with a fresh key or with an existing identity's signer (reenrolling with the
//! same key), whatever holds that key.

use std::net::IpAddr;
use std::sync::Arc;

use der::Decode;
use p256::pkcs8::{EncodePrivateKey, LineEnding};
use zeroize::Zeroizing;

use crate::crypto::{P256Signer, SignatureAlgorithm, Signer};
use crate::error::{Error, Result};

fn crypto(message: String) -> Error {
    Error::Crypto { message }
}

/// A new P-256 key: its signer and its PKCS#8 PEM.
pub(crate) fn generate_key() -> Result<(Arc<dyn Signer>, Zeroizing<String>)> {
    let mut bytes = Zeroizing::new([0u8; 32]);
    // A random 256-bit string is a valid scalar except with probability ~2^-32; retry then.
    for _ in 0..16 {
        getrandom::getrandom(bytes.as_mut_slice())
            .map_err(|e| crypto(format!("the OS random generator failed: {e}")))?;
        let Ok(secret) = p256::SecretKey::from_slice(bytes.as_slice()) else {
            continue;
        };
        let pem = secret
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| crypto(format!("cannot encode the new key as PKCS#8: {e}")))?;
        let signer = P256Signer::from_secret_key(&secret)?;
        return Ok((Arc::new(signer), pem));
    }
    Err(crypto("could not draw a valid P-256 key".into()))
}

/// rcgen's view of a [`Signer`]: the public point and an ECDSA P-256 signature.
struct CsrKey<'a> {
    signer: &'a dyn Signer,
    point: Vec<u8>,
}

impl<'a> CsrKey<'a> {
    fn new(signer: &'a dyn Signer) -> Result<CsrKey<'a>> {
        match signer.algorithm() {
            SignatureAlgorithm::EcdsaP256Sha256 => {}
            // rcgen has no SM2-with-SM3 algorithm identifier; GM CAs need their own CSR.
            other => {
                return Err(crypto(format!(
                    "certificate requests signed with {other} are not supported yet"
                )))
            }
        }
        let spki_der = signer.public_key_der();
        let spki = spki::SubjectPublicKeyInfoRef::from_der(&spki_der)
            .map_err(|e| crypto(format!("the signer's public key does not parse: {e}")))?;
        let point = spki
            .subject_public_key
            .as_bytes()
            .ok_or_else(|| crypto("the signer's public key is not a whole number of bytes".into()))?
            .to_vec();
        Ok(CsrKey { signer, point })
    }
}

impl rcgen::PublicKeyData for CsrKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        &self.point
    }

    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for CsrKey<'_> {
    fn sign(&self, msg: &[u8]) -> std::result::Result<Vec<u8>, rcgen::Error> {
        // DER SEQUENCE { r, s }, as X.509 carries ECDSA signatures.
        self.signer
            .sign(msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

/// A subject alternative name from a `hosts` entry: an IP address, an e-mail address (with
/// `@`), or a DNS name.
fn san(host: &str) -> Result<rcgen::SanType> {
    let bad = |e: rcgen::Error| crypto(format!("host `{host}` cannot be a certificate name: {e}"));
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(rcgen::SanType::IpAddress(ip));
    }
    let ia5 = rcgen::string::Ia5String::try_from(host).map_err(bad)?;
    Ok(if host.contains('@') {
        rcgen::SanType::Rfc822Name(ia5)
    } else {
        rcgen::SanType::DnsName(ia5)
    })
}

/// A PEM PKCS#10 request with subject `CN=common_name` and the `hosts` as subject alternative
/// names, signed by `signer`.
pub(crate) fn csr_pem(signer: &dyn Signer, common_name: &str, hosts: &[String]) -> Result<String> {
    let key = CsrKey::new(signer)?;
    let mut params = rcgen::CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, common_name);
    params.subject_alt_names = hosts.iter().map(|h| san(h)).collect::<Result<_>>()?;
    let csr = params
        .serialize_request(&key)
        .map_err(|e| crypto(format!("cannot build the certificate signing request: {e}")))?;
    csr.pem().map_err(|e| {
        crypto(format!(
            "cannot encode the certificate signing request: {e}"
        ))
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::crypto::{load_private_key, verify};
    use der::{Decode, Encode};
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::SubjectAltName;
    use x509_cert::request::{CertReq, ExtensionReq};

    fn parse(pem: &str) -> CertReq {
        let blocks = crate::crypto::pem::parse(pem.as_bytes()).unwrap();
        assert_eq!(blocks[0].label, "CERTIFICATE REQUEST");
        CertReq::from_der(&blocks[0].body).unwrap()
    }

    #[test]
    fn new_keys_are_p256_pkcs8_and_differ() {
        let (a, pem_a) = generate_key().unwrap();
        let (b, _) = generate_key().unwrap();
        assert!(pem_a.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_ne!(a.public_key_der(), b.public_key_der());
        // The PEM loads back into the same key.
        let again = load_private_key(pem_a.as_bytes(), None).unwrap();
        assert_eq!(again.public_key_der(), a.public_key_der());
    }

    #[test]
    fn csr_subject_sans_and_signature() {
        let (signer, _) = generate_key().unwrap();
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
        let (signer, _) = generate_key().unwrap();
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
        let (signer, _) = generate_key().unwrap();
        let err = csr_pem(signer.as_ref(), "u", &["bücher.example".to_owned()]).unwrap_err();
        assert!(err.to_string().contains("bücher.example"), "{err}");
    }
}
