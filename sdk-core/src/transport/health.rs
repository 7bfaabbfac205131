//! Endpoint health: endpoints that just failed are set aside for a while, so calls go to the
//! others first; once the time is up they are tried again, and one success clears them.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::lock;

/// How long an endpoint is set aside after its first failure in a row (doubling with each
/// further failure, up to [`SET_ASIDE_MAX`]).
pub const SET_ASIDE_MIN: Duration = Duration::from_secs(5);

/// The longest an endpoint is set aside.
pub const SET_ASIDE_MAX: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
struct Entry {
    failures: u32,
    until: Instant,
    reason: String,
}

/// The health of endpoints, by address (`host:port`). Shared by every clone of the
/// [`super::Connections`] that owns it.
#[derive(Debug, Default)]
pub struct Health {
    entries: Mutex<HashMap<String, Entry>>,
}

/// What [`Health::status`] knows of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointStatus {
    /// No failure since its last success.
    Healthy,
    /// Failed recently; calls go elsewhere first until `for_another` has passed.
    SetAside {
        /// Failures in a row.
        failures: u32,
        /// Time left before it is tried like any other endpoint.
        for_another: Duration,
        /// Why it last failed.
        reason: String,
    },
    /// Failed, but its time aside is over: it is tried again.
    Probation {
        /// Failures in a row.
        failures: u32,
    },
}

impl Health {
    /// Records that `address` could not be used (unreachable, refused the connection, broke the
    /// call): it is set aside for [`SET_ASIDE_MIN`], doubled with each failure in a row up to
    /// [`SET_ASIDE_MAX`].
    pub fn failed(&self, address: &str, reason: &str) {
        let now = Instant::now();
        let mut entries = lock(&self.entries);
        let entry = entries.entry(address.to_owned()).or_insert(Entry {
            failures: 0,
            until: now,
            reason: String::new(),
        });
        // Failures of calls that were already under way when the endpoint was set aside
        // do not count twice.
        if entry.until > now {
            entry.reason = reason.to_owned();
            return;
        }
        entry.failures = entry.failures.saturating_add(1);
        let shift = entry.failures.saturating_sub(1).min(8);
        let aside = SET_ASIDE_MIN.saturating_mul(1 << shift).min(SET_ASIDE_MAX);
        entry.until = now + aside;
        entry.reason = reason.to_owned();
        tracing::debug!(%address, failures = entry.failures, ?aside, %reason, "endpoint set aside");
    }

    /// Records that `address` answered: it is healthy again.
    pub fn succeeded(&self, address: &str) {
        let mut entries = lock(&self.entries);
        if entries.is_empty() {
            return;
        }
        if entries.remove(address).is_some() {
            tracing::debug!(%address, "endpoint healthy again");
        }
    }

    /// Whether `address` is set aside now.
    pub fn is_set_aside(&self, address: &str) -> bool {
        let entries = lock(&self.entries);
        entries
            .get(address)
            .is_some_and(|e| e.until > Instant::now())
    }

    /// What is known of `address`.
    pub fn status(&self, address: &str) -> EndpointStatus {
        let entries = lock(&self.entries);
        let Some(e) = entries.get(address) else {
            return EndpointStatus::Healthy;
        };
        let now = Instant::now();
        if e.until > now {
            EndpointStatus::SetAside {
                failures: e.failures,
                for_another: e.until - now,
                reason: e.reason.clone(),
            }
        } else {
            EndpointStatus::Probation {
                failures: e.failures,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_sets_aside_success_clears() {
        let h = Health::default();
        assert_eq!(h.status("a:1"), EndpointStatus::Healthy);
        h.failed("a:1", "refused");
        assert!(h.is_set_aside("a:1"));
        assert!(!h.is_set_aside("b:1"));
        match h.status("a:1") {
            EndpointStatus::SetAside {
                failures,
                for_another,
                reason,
            } => {
                assert_eq!(failures, 1);
                assert!(for_another <= SET_ASIDE_MIN && for_another > SET_ASIDE_MIN / 2);
                assert_eq!(reason, "refused");
            }
            other => panic!("unexpected {other:?}"),
        }
        // A second failure while set aside does not lengthen the time.
        h.failed("a:1", "refused again");
        match h.status("a:1") {
            EndpointStatus::SetAside { failures, .. } => assert_eq!(failures, 1),
            other => panic!("unexpected {other:?}"),
        }
        h.succeeded("a:1");
        assert_eq!(h.status("a:1"), EndpointStatus::Healthy);
    }
}
