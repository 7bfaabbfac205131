//! Keeping an identity usable: taken from a wallet, enrolled when missing, reenrolled before its
//! certificate expires.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::{CaClient, EnrollRequest, Enrollment, ReenrollRequest};
use crate::error::{Error, IdentityProblem, Result};
use crate::identity::wallet::{Wallet, WalletEntry};
use crate::identity::{Certificate, Identity};

/// Where a certificate stands in its validity period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expiry {
    /// Valid, with this much time left.
    Valid {
        /// Time until NotAfter.
        left: Duration,
    },
    /// Valid, but ending within the warning window.
    EndingSoon {
        /// Time until NotAfter.
        left: Duration,
    },
    /// NotAfter has passed.
    Expired {
        /// Time since NotAfter.
        since: Duration,
    },
    /// NotBefore is still ahead (the client's clock is behind the CA's, or the certificate was
    /// issued for later).
    NotYetValid {
        /// Time until NotBefore.
        starts_in: Duration,
    },
}

impl Expiry {
    /// Where `cert` stands at `now`, with a warning window of `window` before NotAfter.
    pub fn of(cert: &Certificate, now: SystemTime, window: Duration) -> Expiry {
        if let Ok(ahead) = cert.not_before().duration_since(now) {
            if !ahead.is_zero() {
                return Expiry::NotYetValid { starts_in: ahead };
            }
        }
        match cert.not_after().duration_since(now) {
            Ok(left) if left > window => Expiry::Valid { left },
            Ok(left) => Expiry::EndingSoon { left },
            Err(e) => Expiry::Expired {
                since: e.duration(),
            },
        }
    }
}

/// The default warning window: certificates ending within it are reenrolled (7 days).
pub const DEFAULT_RENEW_BEFORE: Duration = Duration::from_secs(7 * 24 * 3600);

/// Keeps identities of one MSP in a wallet, enrolled with one CA: `identity(..)` returns the
/// stored identity, enrolls it when the wallet has none, and reenrolls it when its certificate
/// ends within the warning window (or has ended: then it enrolls again with the secret).
pub struct Enroller {
    ca: CaClient,
    wallet: Arc<dyn Wallet>,
    msp_id: String,
    renew_before: Duration,
}

impl std::fmt::Debug for Enroller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Enroller")
            .field("ca", &self.ca.url())
            .field("msp_id", &self.msp_id)
            .field("renew_before", &self.renew_before)
            .finish()
    }
}

impl Enroller {
    /// An enroller storing identities of `msp_id` in `wallet`, enrolled with `ca`.
    pub fn new(ca: CaClient, wallet: Arc<dyn Wallet>, msp_id: impl Into<String>) -> Enroller {
        Enroller {
            ca,
            wallet,
            msp_id: msp_id.into(),
            renew_before: DEFAULT_RENEW_BEFORE,
        }
    }

    /// Reenroll certificates ending within `window` ([`DEFAULT_RENEW_BEFORE`] unless set).
    pub fn renew_before(mut self, window: Duration) -> Enroller {
        self.renew_before = window;
        self
    }

    /// The identity stored under `label`: enrolled with `request` (its enrollment id and
    /// secret) when the wallet has none; reenrolled when its certificate ends within the
    /// warning window; enrolled again with `request` when it has already expired.
    pub async fn identity(&self, label: &str, request: EnrollRequest) -> Result<Identity> {
        let Some(entry) = self.wallet.get(label)? else {
            tracing::info!(label, "no identity in the wallet; enrolling");
            return self.enroll_into(label, request).await;
        };
        let identity = entry.to_identity()?;
        match Expiry::of(identity.certificate(), SystemTime::now(), self.renew_before) {
            Expiry::Valid { .. } => Ok(identity),
            Expiry::EndingSoon { left } => {
                tracing::warn!(label, ?left, "certificate ends soon; reenrolling");
                let renewed = self.ca.reenroll(&identity, ReenrollRequest::new()).await?;
                self.store(label, renewed)
            }
            Expiry::Expired { since } => {
                tracing::warn!(label, ?since, "certificate expired; enrolling again");
                self.enroll_into(label, request).await
            }
            // The typed error names clock skew and the CA's backdating.
            Expiry::NotYetValid { .. } => {
                identity.check_validity(SystemTime::now())?;
                Ok(identity)
            }
        }
    }

    /// Reenrolls the identity under `label` now (new key) and stores the result.
    pub async fn reenroll(&self, label: &str) -> Result<Identity> {
        let Some(entry) = self.wallet.get(label)? else {
            return Err(Error::identity(
                None,
                IdentityProblem::Malformed {
                    what: "wallet entry",
                    reason: format!("the wallet has no identity `{label}` to reenroll"),
                },
            ));
        };
        let current = entry.to_identity()?;
        let renewed = self.ca.reenroll(&current, ReenrollRequest::new()).await?;
        self.store(label, renewed)
    }

    async fn enroll_into(&self, label: &str, request: EnrollRequest) -> Result<Identity> {
        let enrollment = self.ca.enroll(request).await?;
        self.store(label, enrollment)
    }

    fn store(&self, label: &str, enrollment: Enrollment) -> Result<Identity> {
        let Some(key) = enrollment.private_key_pem() else {
            return Err(Error::identity(
                None,
                IdentityProblem::Malformed {
                    what: "enrollment",
                    reason: "the enrollment kept a key this client does not hold".into(),
                },
            ));
        };
        let entry = WalletEntry::new(&self.msp_id, enrollment.certificate_pem(), key);
        self.wallet.put(label, &entry)?;
        entry.to_identity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cert(from: (i32, u8, u8), to: (i32, u8, u8)) -> Certificate {
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256);
        let mut params = rcgen::CertificateParams::new(vec!["x".to_owned()]).unwrap_or_default();
        params.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
        params.not_after = rcgen::date_time_ymd(to.0, to.1, to.2);
        let pem = key
            .and_then(|k| params.self_signed(&k))
            .map(|c| c.pem())
            .unwrap_or_default();
        Certificate::from_pem(pem.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn expiry_windows() {
        let week = DEFAULT_RENEW_BEFORE;
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000); // 2027-01-15
        assert!(matches!(
            Expiry::of(&cert((2026, 1, 1), (2028, 1, 1)), now, week),
            Expiry::Valid { .. }
        ));
        assert!(matches!(
            Expiry::of(&cert((2026, 1, 1), (2027, 1, 18)), now, week),
            Expiry::EndingSoon { .. }
        ));
        assert!(matches!(
            Expiry::of(&cert((2026, 1, 1), (2027, 1, 1)), now, week),
            Expiry::Expired { .. }
        ));
        assert!(matches!(
            Expiry::of(&cert((2027, 6, 1), (2028, 1, 1)), now, week),
            Expiry::NotYetValid { .. }
        ));
    }
}
