//! Crypto suites: which hash gives a network's transaction ids and TLS certificate hashes, to
//! go with the identity's signature algorithm.

use super::{HashAlgorithm, SignatureAlgorithm};
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
}

impl CryptoSuite {
    /// Upstream Fabric: SHA-256 transaction ids and TLS certificate hashes.
    pub const FABRIC: CryptoSuite = CryptoSuite {
        name: "fabric",
        tx_id_hash: HashAlgorithm::Sha256,
        tls_cert_hash: HashAlgorithm::Sha256,
    };

    /// Huawei Cloud BCS in OSCCA mode (and forks that follow it): SM3 transaction ids and TLS
    /// certificate hashes; identities sign with SM2 over `SM3(Z_A ‖ M)`.
    pub const BCS_GM: CryptoSuite = CryptoSuite {
        name: "bcs-gm",
        tx_id_hash: HashAlgorithm::Sm3,
        tls_cert_hash: HashAlgorithm::Sm3,
    };

    /// GM forks that sign with SM2 but keep SHA-256 transaction ids and TLS certificate hashes
    /// (e.g. the VoneChain and tw-bc-group forks).
    pub const GM_SHA256_TXID: CryptoSuite = CryptoSuite {
        name: "gm-sha256-txid",
        tx_id_hash: HashAlgorithm::Sha256,
        tls_cert_hash: HashAlgorithm::Sha256,
    };

    /// Every suite, by name.
    pub const ALL: [CryptoSuite; 3] = [
        CryptoSuite::FABRIC,
        CryptoSuite::BCS_GM,
        CryptoSuite::GM_SHA256_TXID,
    ];

    /// A suite by its name (case-insensitive).
    pub fn by_name(name: &str) -> Option<CryptoSuite> {
        CryptoSuite::ALL
            .into_iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
    }

    /// The suite a profile's `client.BCCSP.security` and the identity's signature algorithm
    /// call for: the SM provider (`SM`/`GM`) or the SM3 hash family, or an SM2 identity, give
    /// [`CryptoSuite::BCS_GM`]; otherwise [`CryptoSuite::FABRIC`]. The second value explains a
    /// disagreement between the two (e.g. an SM2 key under a profile that says `SW`).
    pub fn choose(
        settings: &CryptoSettings,
        signer: SignatureAlgorithm,
    ) -> (CryptoSuite, Option<String>) {
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
    }
}
