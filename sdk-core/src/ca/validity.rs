//! Why a freshly issued certificate may not be usable yet.

use std::time::{Duration, SystemTime};

use crate::identity::{parse_certificates_pem, Certificate};

/// How much a Fabric CA backdates NotBefore by default (cfssl: now rounded to the minute, minus
/// 5 minutes).
const DEFAULT_BACKDATE: Duration = Duration::from_secs(5 * 60);

fn human(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=119 => format!("{s} s"),
        120..=7199 => format!("{} min", s / 60),
        7200..=172_799 => format!("{} h", s / 3600),
        _ => format!("{} days", s / 86_400),
    }
}

/// `t` as RFC 3339 (UTC, whole seconds).
fn rfc3339(t: SystemTime) -> String {
    der::DateTime::from_system_time(t)
        .map(|d| d.to_string())
        .unwrap_or_else(|_| format!("{t:?}"))
}

/// Explains why a certificate just issued by a Fabric CA would be refused, or `None` when its
/// validity is as expected.
///
/// Two cases are recognized, from the certificate (`cert_pem`), the CA's chain (`ca_chain_pem`,
/// as in the enrollment answer) and the local time `now`:
///
/// - **clock skew**: NotBefore is in the future. The CA sets NotBefore to its own time minus
///   5 minutes, so this machine's clock is behind the CA's by more than that; the certificate
///   (and every signature made with it) is refused until this clock catches up.
/// - **CA backdating before its own certificate**: NotBefore is earlier than the NotBefore of a
///   certificate of the chain. Fabric's MSP checks the chain as of the certificate's NotBefore
///   (plus one second), so such a certificate is refused by peers and orderers for good. It
///   happens when the CA certificate is less than the 5-minute backdate old (a CA created just
///   before the enrollment); reenrolling once the CA certificate is older fixes it.
///
/// A certificate or chain that does not parse gives `None`: this is a diagnosis, not a check.
///
/// ```
/// use std::time::SystemTime;
/// # let (cert_pem, chain_pem) = ("", "");
/// if let Some(why) = fabweave::ca::diagnose_validity(cert_pem, chain_pem, SystemTime::now()) {
///     eprintln!("warning: {why}");
/// }
/// ```
pub fn diagnose_validity(cert_pem: &str, ca_chain_pem: &str, now: SystemTime) -> Option<String> {
    let cert = Certificate::from_pem(cert_pem.as_bytes()).ok()?;
    let chain = parse_certificates_pem(ca_chain_pem.as_bytes()).unwrap_or_default();
    let mut findings = Vec::new();

    if let Ok(ahead) = cert.not_before().duration_since(now) {
        if ahead >= Duration::from_secs(1) {
            findings.push(format!(
                "clock skew: the certificate is valid from {} only, {} after this machine's \
                 time ({}); the CA backdates NotBefore by {}, so this machine's clock is about \
                 {} behind the CA's. Peers refuse the certificate until then: fix the time \
                 (NTP) on this machine or on the CA",
                rfc3339(cert.not_before()),
                human(ahead),
                rfc3339(now),
                human(DEFAULT_BACKDATE),
                human(ahead + DEFAULT_BACKDATE),
            ));
        }
    }

    // Fabric verifies the chain as of NotBefore + 1 s.
    let checked_at = cert.not_before() + Duration::from_secs(1);
    if let Some(ca) = chain.iter().find(|ca| ca.not_before() > checked_at) {
        let gap = ca
            .not_before()
            .duration_since(cert.not_before())
            .unwrap_or_default();
        findings.push(format!(
            "CA backdating: the certificate's NotBefore ({}) is {} earlier than the NotBefore \
             of CA certificate `{}` ({}); the CA backdates by {} and its certificate is younger \
             than that. Fabric checks the chain as of the certificate's NotBefore, so peers \
             and orderers will refuse this certificate: reenroll once the CA certificate is \
             more than {} old (or lower the CA's signing backdate)",
            rfc3339(cert.not_before()),
            human(gap),
            ca.subject(),
            rfc3339(ca.not_before()),
            human(DEFAULT_BACKDATE),
            human(DEFAULT_BACKDATE),
        ));
    }

    (!findings.is_empty()).then(|| findings.join("; "))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use std::time::UNIX_EPOCH;

    const T0: u64 = 1_800_000_000; // 2027-01-15

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    /// A CA valid from `ca_nb` and a leaf it issued valid from `leaf_nb`: (leaf PEM, CA PEM).
    fn issue(ca_nb: u64, leaf_nb: u64) -> (String, String) {
        let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.distinguished_name
            .push(rcgen::DnType::CommonName, "ca.org1.example.com");
        ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let epoch = rcgen::date_time_ymd(1970, 1, 1);
        ca.not_before = epoch + Duration::from_secs(ca_nb);
        ca.not_after = epoch + Duration::from_secs(ca_nb + 10 * 365 * 86_400);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca, ca_key);
        let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let mut leaf = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        leaf.distinguished_name
            .push(rcgen::DnType::CommonName, "user1");
        leaf.not_before = epoch + Duration::from_secs(leaf_nb);
        leaf.not_after = epoch + Duration::from_secs(leaf_nb + 365 * 86_400);
        let cert = leaf.signed_by(&key, &issuer).unwrap();
        (cert.pem(), ca_cert.pem())
    }

    #[test]
    fn a_normal_enrollment_has_nothing_to_say() {
        // CA made a day ago, leaf backdated 5 min, local clock in step.
        let (leaf, ca) = issue(T0 - 86_400, T0 - 300);
        assert_eq!(diagnose_validity(&leaf, &ca, at(T0)), None);
        // NotBefore equal to the CA's is fine too (checked at NotBefore + 1 s).
        let (leaf, ca) = issue(T0 - 300, T0 - 300);
        assert_eq!(diagnose_validity(&leaf, &ca, at(T0)), None);
    }

    #[test]
    fn not_before_in_the_future_is_clock_skew() {
        // The CA's clock is 10 min ahead: NotBefore = its now - 5 min = our now + 5 min.
        let (leaf, ca) = issue(T0 - 86_400, T0 + 300);
        let why = diagnose_validity(&leaf, &ca, at(T0)).unwrap();
        assert!(why.starts_with("clock skew"), "{why}");
        assert!(why.contains("5 min after"), "{why}");
        assert!(why.contains("about 10 min behind"), "{why}");
        assert!(!why.contains("CA backdating"), "{why}");
    }

    #[test]
    fn not_before_earlier_than_the_ca_is_backdating() {
        // CA created 2 min ago, leaf backdated 5 min: 3 min before the CA's NotBefore.
        let (leaf, ca) = issue(T0 - 120, T0 - 300);
        let why = diagnose_validity(&leaf, &ca, at(T0)).unwrap();
        assert!(why.starts_with("CA backdating"), "{why}");
        assert!(why.contains("3 min earlier"), "{why}");
        assert!(why.contains("CN=ca.org1.example.com"), "{why}");
        assert!(!why.contains("clock skew"), "{why}");
    }

    #[test]
    fn both_at_once() {
        let (leaf, ca) = issue(T0 + 600, T0 + 300);
        let why = diagnose_validity(&leaf, &ca, at(T0)).unwrap();
        assert!(
            why.contains("clock skew") && why.contains("CA backdating"),
            "{why}"
        );
    }

    #[test]
    fn garbage_is_not_diagnosed() {
        assert_eq!(diagnose_validity("", "", at(T0)), None);
        let (leaf, _) = issue(T0 - 86_400, T0 + 300);
        // Without a chain, only the clock is checked.
        let why = diagnose_validity(&leaf, "not pem", at(T0)).unwrap();
        assert!(why.starts_with("clock skew"), "{why}");
    }
}
