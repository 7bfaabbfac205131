//! Crypto suites: which hash gives a network's transaction ids and TLS certificate hashes, and
//! how SM2 signatures compute what they sign, to go with the identity's signature algorithm.
//!
//! | name | tx id, TLS cert hash | SM2 `e` | seen on |
//! |---|---|---|---|
//! | `fabric` | SHA-256 | standard | upstream Fabric (ECDSA) |
//! | `bcs-gm` | SM3 | `SM3(Z_A ‖ M)` | Huawei Cloud BCS OSCCA instances, TWGC ccs-gm |
//! | `bcs-gm-tjfoc132` | SM3 | `Z_A` with unpadded Y | stacks linking tjfoc/gmsm ≤ 1.3.2 (Huawei's BCS Go SDK) |
//! | `gm-sha256-txid` | SHA-256 | `SM3(Z_A ‖ M)` | tw-bc-group/fabric-gm and forks keeping SHA-256 ids |
//! | `gm-empty-id` | SHA-256 | `Z_A` over an empty ID | VoneChain-CS/fabric-sdk-go-gm (tjfoc 1.2–1.3.0) |
//! | `gm-sm3-prehash` | SM3 | `SM3(Z_A ‖ SM3(M))` | zhaochuninhefei/fabric-gm, hxx258456/fabric-gm (Fabric 2.2–2.4 GM) |
//! | `gm-sha256-prehash` | SHA-256 | `SHA-256(M)` | tjfoc/hyperledger-fabric-gm (Fabric 1.1) |

use super::{HashAlgorithm, SignatureAlgorithm, Sm2Digest};
use crate::config::{CryptoProvider, CryptoSettings, HashFamily};

/// How a network hashes what the client computes besides signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct CryptoSuite {
    /// A short name (see [`CryptoSuite::by_name`]).
    pub name: &'static str,
    /// The hash of `nonce ‖ creator` that gives the transaction id.
    pub tx_id_hash: HashAlgorithm,
    /// The hash of the client TLS certificate (DER) in channel headers.
    pub tls_cert_hash: HashAlgorithm,
    /// How SM2 signatures (the identity's and the endorsers') compute the value they sign.
    pub sm2_digest: Sm2Digest,
    /// What the suite is for, in a sentence.
    pub description: &'static str,
}

impl CryptoSuite {
    /// Upstream Fabric: SHA-256 transaction ids and TLS certificate hashes.
    pub const FABRIC: CryptoSuite = CryptoSuite {
        name: "fabric",
        tx_id_hash: HashAlgorithm::Sha256,
        tls_cert_hash: HashAlgorithm::Sha256,
        sm2_digest: Sm2Digest::Standard,
        description: "upstream Fabric: SHA-256 transaction ids and TLS certificate hashes",
    };

    /// Huawei Cloud BCS in OSCCA mode (and forks that follow it): SM3 transaction ids and TLS
    /// certificate hashes; identities sign with SM2 over `SM3(Z_A ‖ M)`.
    pub const BCS_GM: CryptoSuite = CryptoSuite {
        name: "bcs-gm",
        tx_id_hash: HashAlgorithm::Sm3,
        tls_cert_hash: HashAlgorithm::Sm3,
        sm2_digest: Sm2Digest::Standard,
        description: "Huawei Cloud BCS OSCCA mode: SM3 ids and hashes, SM2 over SM3(Z_A ‖ M)",
    };

    /// [`CryptoSuite::BCS_GM`] for peers linking tjfoc/gmsm ≤ 1.3.2 (as Huawei's BCS Go SDK
    /// does), whose `Z_A` writes the public key's Y without leading zero bytes.
    pub const BCS_GM_TJFOC132: CryptoSuite = CryptoSuite {
        name: "bcs-gm-tjfoc132",
        tx_id_hash: HashAlgorithm::Sm3,
        tls_cert_hash: HashAlgorithm::Sm3,
        sm2_digest: Sm2Digest::UnpaddedY,
        description: "BCS OSCCA mode as tjfoc/gmsm <= 1.3.2 computes Z_A (Y unpadded)",
    };

    /// GM forks that sign with standard SM2 but keep SHA-256 transaction ids and TLS
    /// certificate hashes (e.g. tw-bc-group/fabric-gm).
    pub const GM_SHA256_TXID: CryptoSuite = CryptoSuite {
        name: "gm-sha256-txid",
        tx_id_hash: HashAlgorithm::Sha256,
        tls_cert_hash: HashAlgorithm::Sha256,
        sm2_digest: Sm2Digest::Standard,
        description: "SM2 over SM3(Z_A ‖ M) with SHA-256 transaction ids and hashes",
    };

    /// GM forks built on tjfoc/gmsm 1.2–1.3.0, which hash `Z_A` over an empty ID, with SHA-256
    /// transaction ids (VoneChain-CS/fabric-sdk-go-gm).
    pub const GM_EMPTY_ID: CryptoSuite = CryptoSuite {
        name: "gm-empty-id",
        tx_id_hash: HashAlgorithm::Sha256,
        tls_cert_hash: HashAlgorithm::Sha256,
        sm2_digest: Sm2Digest::EmptyId,
        description: "SM2 with Z_A over an empty ID, SHA-256 transaction ids and hashes",
    };

    /// GM forks whose MSP hashes the message with SM3 and has a standard SM2 signer sign that
    /// digest (`e = SM3(Z_A ‖ SM3(M))`), with SM3 transaction ids: zhaochuninhefei/fabric-gm and
    /// hxx258456/fabric-gm (Fabric 2.4.3), which the GM network test runs.
    pub const GM_SM3_PREHASH: CryptoSuite = CryptoSuite {
        name: "gm-sm3-prehash",
        tx_id_hash: HashAlgorithm::Sm3,
        tls_cert_hash: HashAlgorithm::Sm3,
        sm2_digest: Sm2Digest::Sm3Prehash,
        description: "SM2 over SM3(Z_A ‖ SM3(M)), SM3 transaction ids and hashes",
    };

    /// The 2018 GM fork of Fabric 1.1 (tjfoc/hyperledger-fabric-gm): raw SM2 over
    /// `SHA-256(M)`, SHA-256 transaction ids.
    pub const GM_SHA256_PREHASH: CryptoSuite = CryptoSuite {
        name: "gm-sha256-prehash",
        tx_id_hash: HashAlgorithm::Sha256,
        tls_cert_hash: HashAlgorithm::Sha256,
        sm2_digest: Sm2Digest::Sha256,
        description: "raw SM2 over SHA-256(M), SHA-256 transaction ids and hashes",
    };

    /// Every suite, by name.
    pub const ALL: [CryptoSuite; 7] = [
        CryptoSuite::FABRIC,
        CryptoSuite::BCS_GM,
        CryptoSuite::BCS_GM_TJFOC132,
        CryptoSuite::GM_SHA256_TXID,
        CryptoSuite::GM_EMPTY_ID,
        CryptoSuite::GM_SM3_PREHASH,
        CryptoSuite::GM_SHA256_PREHASH,
    ];

    /// The suites' names, comma-separated (for messages).
    pub fn names() -> String {
        CryptoSuite::ALL.map(|s| s.name).join(", ")
    }

    /// A suite by its name (case-insensitive).
    pub fn by_name(name: &str) -> Option<CryptoSuite> {
        CryptoSuite::ALL
            .into_iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// The suite a profile's `client.BCCSP.security` and the identity's signature algorithm
    /// call for: the suite the profile names (`client.cryptoSuite`), if any; else the SM
    /// provider (`SM`/`GM`) or the SM3 hash family, or an SM2 identity, give
    /// [`CryptoSuite::BCS_GM`]; otherwise [`CryptoSuite::FABRIC`]. The second value explains a
    /// disagreement between the two (e.g. an SM2 key under a profile that says `SW`).
    pub fn choose(
        settings: &CryptoSettings,
        signer: SignatureAlgorithm,
    ) -> (CryptoSuite, Option<String>) {
        if let Some(named) = settings.suite.as_deref().and_then(CryptoSuite::by_name) {
            let note = (named.sm2_digest != Sm2Digest::Standard
                && signer != SignatureAlgorithm::Sm2Sm3)
                .then(|| {
                    format!(
                        "the profile names the crypto suite {} (SM2 signatures) but the identity \
                         signs with {signer}",
                        named.name
                    )
                });
            return (named, note);
        }
        let profile_gm =
            settings.provider == CryptoProvider::Sm || settings.hash_family == HashFamily::Sm3;
        let key_gm = signer == SignatureAlgorithm::Sm2Sm3;
        let suite = if profile_gm || key_gm {
            CryptoSuite::BCS_GM
        } else {
            CryptoSuite::FABRIC
        };
        let note = match (profile_gm, key_gm) {
            (true, false) => Some(format!(
                "the profile asks for the OSCCA (SM) crypto provider but the identity signs with \
                 {signer}; a GM network will reject its signatures"
            )),
            (false, true) => Some(
                "the identity's key is SM2 but the profile's client.BCCSP.security provider is \
                 not SM: using the OSCCA suite (SM3 transaction ids)"
                    .to_owned(),
            ),
            _ => None,
        };
        (suite, note)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_choice() {
        assert_eq!(CryptoSuite::by_name("BCS-GM"), Some(CryptoSuite::BCS_GM));
        assert_eq!(CryptoSuite::by_name("nope"), None);
        let sw = CryptoSettings::default();
        let sm = CryptoSettings {
            provider: CryptoProvider::Sm,
            ..CryptoSettings::default()
        };
        let ec = SignatureAlgorithm::EcdsaP256Sha256;
        let gm = SignatureAlgorithm::Sm2Sm3;
        assert_eq!(CryptoSuite::choose(&sw, ec), (CryptoSuite::FABRIC, None));
        assert_eq!(CryptoSuite::choose(&sm, gm), (CryptoSuite::BCS_GM, None));
        let (s, note) = CryptoSuite::choose(&sw, gm);
        assert_eq!(s, CryptoSuite::BCS_GM);
        assert!(note.is_some());
        let (s, note) = CryptoSuite::choose(&sm, ec);
        assert_eq!(s, CryptoSuite::BCS_GM);
        assert!(note.is_some_and(|n| n.contains("reject")));
        // A named suite wins over the provider.
        let named = CryptoSettings {
            provider: CryptoProvider::Sm,
            suite: Some("bcs-gm-tjfoc132".into()),
            ..CryptoSettings::default()
        };
        assert_eq!(
            CryptoSuite::choose(&named, gm),
            (CryptoSuite::BCS_GM_TJFOC132, None)
        );
        for s in CryptoSuite::ALL {
            assert_eq!(CryptoSuite::by_name(s.name), Some(s));
            assert!(CryptoSuite::names().contains(s.name));
        }
    }
}
