//! Submitting again, safely: which failures a new transaction can fix, how long to wait
//! between attempts, and the record of every attempt.

use std::time::Duration;

use crate::error::Error;

/// When and how a submit is tried again as a new transaction (new transaction id, new
/// endorsements).
///
/// Retried: transactions the committing peers invalidated for a read conflict
/// (`MVCC_READ_CONFLICT`, `PHANTOM_READ_CONFLICT`), endorsements that failed because no peer
/// could be reached, and orderers that refused or could not be reached before they took the
/// transaction. A transaction whose fate is unknown (the commit wait timed out, or an orderer
/// took it but did not answer) is first looked up on the ledger, and replaced only when it is
/// proven that it can never change the ledger. Never retried: chaincode errors, endorsement
/// policy failures, bad signatures or arguments, any other invalid transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1: no retry). Default 5.
    pub max_attempts: u32,
    /// The wait before the second attempt (default 100 ms); each later wait doubles, up to
    /// `max_backoff`. Each wait is drawn at random between half of it and all of it, so that
    /// clients that collided do not collide again.
    pub initial_backoff: Duration,
    /// The longest wait between attempts (default 2 s).
    pub max_backoff: Duration,
    /// No new attempt starts after this much time since the first began (default 2 min).
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(2),
            deadline: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retry: one attempt.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// This policy with `n` attempts in all.
    pub fn attempts(mut self, n: u32) -> RetryPolicy {
        self.max_attempts = n.max(1);
        self
    }

    /// This policy with these waits between attempts.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> RetryPolicy {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// This policy with this overall deadline.
    pub fn deadline(mut self, deadline: Duration) -> RetryPolicy {
        self.deadline = deadline;
        self
    }

    /// The wait before attempt `next` (2 for the first retry), with jitter `r` in `[0, 1)`.
    pub(crate) fn wait_before(&self, next: u32, r: f64) -> Duration {
        let doublings = next.saturating_sub(2).min(30);
        let full = self
            .initial_backoff
            .saturating_mul(1u32 << doublings)
            .min(self.max_backoff);
        full.mul_f64(0.5 + 0.5 * r.clamp(0.0, 1.0))
    }
}

/// One attempt of a submit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// Its transaction id.
    pub tx_id: String,
    /// What became of it.
    pub outcome: AttemptOutcome,
}

/// What became of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// Committed as valid in this block.
    Committed {
        /// The block.
        block: u64,
    },
    /// It failed (for an invalid transaction, an [`Error::Commit`] with the validation code).
    Failed(Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_with_jitter_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.wait_before(2, 0.999_999).as_millis(), 99);
        assert_eq!(p.wait_before(2, 0.0).as_millis(), 50);
        assert_eq!(p.wait_before(3, 0.0).as_millis(), 100);
        assert_eq!(p.wait_before(4, 0.0).as_millis(), 200);
        assert_eq!(p.wait_before(20, 0.0).as_millis(), 1000);
        assert_eq!(p.wait_before(u32::MAX, 0.999_999).as_millis(), 1999);
        assert_eq!(RetryPolicy::none().max_attempts, 1);
        assert_eq!(RetryPolicy::default().attempts(0).max_attempts, 1);
    }
}
