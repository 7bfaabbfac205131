//! The one retry rule of a submit: when a new transaction may be built and sent.
//!
//! A new transaction (new tx id) may be **sent** only when no earlier transaction of the call
//! can still become valid. An attempt whose fate is unknown is *pending*; while one is, each new
//! attempt is only built and simulated, and its simulation is used to settle the pending one
//! (it is void once a key it read has a newer version on the ledger, or once the ledger shows
//! it invalid; it is the outcome if the ledger shows it valid). A pending attempt that read no
//! application key can never be settled that way, so the call stops on it at once rather than
//! simulating again and again.

/// What became of one attempt, as far as the rule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// It can never be committed; `retryable`: a new transaction may succeed where it failed
    /// (a read conflict, no endorser reachable, no orderer took it).
    Void {
        /// Whether a new transaction may succeed.
        retryable: bool,
    },
    /// It left the client and may still be committed. `settleable`: it read application keys,
    /// so a later simulation seeing newer versions proves it void.
    Pending {
        /// Whether a later simulation can prove it void.
        settleable: bool,
    },
    /// It was built but not sent: the pending attempt could not be settled yet.
    Held,
}

/// What settling the pending attempt found out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Settlement {
    /// It is on the ledger as valid: that is the call's outcome.
    Committed,
    /// It can never be valid any more.
    Void,
    /// Still unknown.
    Unknown,
}

/// Whether a newly built transaction may go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Send it.
    Send,
    /// Settle the pending attempt first (see [`Call::settled`]).
    SettleFirst,
}

/// What settling allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterSettling {
    /// The pending attempt committed: the call is done with it.
    EarlierCommitted,
    /// The pending attempt is void: the new transaction may go out.
    Send,
    /// Still pending: the new transaction must not go out.
    Hold,
}

/// What the call does after an attempt that did not commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Build another attempt (after the backoff).
    Again,
    /// Stop. If an attempt is pending ([`Call::pending`]), the call ends in doubt about it.
    Stop,
}

/// The retry state of one submit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Call {
    /// The pending attempt, if any: whether it can be settled by a later simulation.
    pending: Option<bool>,
}

impl Call {
    /// Whether an attempt is pending (left the client, fate unknown).
    pub(crate) fn pending(&self) -> bool {
        self.pending.is_some()
    }

    /// Whether a newly built transaction may be sent now.
    pub(crate) fn gate(&self) -> Gate {
        if self.pending.is_some() {
            Gate::SettleFirst
        } else {
            Gate::Send
        }
    }

    /// Records what settling the pending attempt found.
    pub(crate) fn settled(&mut self, settlement: Settlement) -> AfterSettling {
        match settlement {
            Settlement::Committed => {
                self.pending = None;
                AfterSettling::EarlierCommitted
            }
            Settlement::Void => {
                self.pending = None;
                AfterSettling::Send
            }
            Settlement::Unknown => AfterSettling::Hold,
        }
    }

    /// Records how an attempt that did not commit ended; `budget_left`: whether the retry
    /// policy allows another attempt (attempts and time). (An attempt that committed ends the
    /// call.)
    pub(crate) fn after(&mut self, fate: Fate, budget_left: bool) -> Next {
        match fate {
            Fate::Pending { settleable } => {
                self.pending = Some(settleable);
                if settleable && budget_left {
                    Next::Again
                } else {
                    Next::Stop
                }
            }
            // Only a pending attempt holds a new one back; one that cannot be settled by
            // simulating again stops the call.
            Fate::Held | Fate::Void { .. } if self.pending.is_some() => {
                if self.pending == Some(true) && budget_left {
                    Next::Again
                } else {
                    Next::Stop
                }
            }
            Fate::Void { retryable: true } if budget_left => Next::Again,
            Fate::Void { .. } | Fate::Held => Next::Stop,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: Vec<(&str, Call, Fate, bool, Next, bool)> = vec![
            (
                "read conflict, budget left",
                Call::default(),
                Fate::Void { retryable: true },
                true,
                Next::Again,
                false,
            ),
            (
                "read conflict, no budget",
                Call::default(),
                Fate::Void { retryable: true },
                false,
                Next::Stop,
                false,
            ),
            (
                "chaincode error",
                Call::default(),
                Fate::Void { retryable: false },
                true,
                Next::Stop,
                false,
            ),
            (
                "in doubt, read keys",
                Call::default(),
                Fate::Pending { settleable: true },
                true,
                Next::Again,
                true,
            ),
            (
                "in doubt, blind write",
                Call::default(),
                Fate::Pending { settleable: false },
                true,
                Next::Stop,
                true,
            ),
            (
                "in doubt, no budget",
                Call::default(),
                Fate::Pending { settleable: true },
                false,
                Next::Stop,
                true,
            ),
            (
                "held, settleable",
                Call {
                    pending: Some(true),
                },
                Fate::Held,
                true,
                Next::Again,
                true,
            ),
            (
                "held, no budget",
                Call {
                    pending: Some(true),
                },
                Fate::Held,
                false,
                Next::Stop,
                true,
            ),
            (
                "endorse failed while pending",
                Call {
                    pending: Some(true),
                },
                Fate::Void { retryable: false },
                true,
                Next::Again,
                true,
            ),
        ];
        for (name, mut call, fate, budget, next, pending) in cases {
            assert_eq!(call.after(fate, budget), next, "{name}");
            assert_eq!(call.pending(), pending, "{name}");
        }
        let mut c = Call {
            pending: Some(true),
        };
        assert_eq!(c.gate(), Gate::SettleFirst);
        assert_eq!(c.settled(Settlement::Unknown), AfterSettling::Hold);
        assert_eq!(c.gate(), Gate::SettleFirst);
        assert_eq!(c.settled(Settlement::Void), AfterSettling::Send);
        assert_eq!(c.gate(), Gate::Send);
        let mut c = Call {
            pending: Some(false),
        };
        assert_eq!(
            c.settled(Settlement::Committed),
            AfterSettling::EarlierCommitted
        );
    }

    fn next(seed: &mut u64) -> u64 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    }

    /// Random calls driven through the rule as the engine drives it. The world decides each
    /// sent attempt's real fate (committed, void, or still undecided) and what settling finds
    /// (consistent with that fate, or unknown). Invariant: a new transaction is only ever sent
    /// when no earlier one of the call can still become valid; so at most one commits.
    #[test]
    fn random_calls_never_send_while_one_may_commit() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut sends = 0u64;
        for _ in 0..20_000 {
            let mut call = Call::default();
            // Sent attempts that may still commit (their real fate not decided void).
            let mut alive: Vec<usize> = Vec::new();
            let mut committed = 0;
            let max_attempts = 1 + next(&mut seed) % 8;
            let mut attempt = 0;
            loop {
                attempt += 1;
                let budget_left = attempt < max_attempts;
                // Build and endorse; endorsement may fail before anything is sent.
                if next(&mut seed).is_multiple_of(7) {
                    let retryable = next(&mut seed).is_multiple_of(2);
                    if call.after(Fate::Void { retryable }, budget_left) != Next::Again {
                        break;
                    }
                    continue;
                }
                if call.gate() == Gate::SettleFirst {
                    // The world: the pending attempt may have committed meanwhile, become void,
                    // or still be undecided; settling may or may not find out.
                    let world = next(&mut seed) % 3;
                    let found = next(&mut seed).is_multiple_of(2);
                    let settlement = match (world, found) {
                        (0, true) => Settlement::Committed,
                        (1, true) => Settlement::Void,
                        _ => Settlement::Unknown,
                    };
                    if world == 1 && found {
                        alive.clear();
                    }
                    match call.settled(settlement) {
                        AfterSettling::EarlierCommitted => {
                            committed += 1;
                            break;
                        }
                        AfterSettling::Send => {}
                        AfterSettling::Hold => {
                            if call.after(Fate::Held, budget_left) != Next::Again {
                                break;
                            }
                            continue;
                        }
                    }
                }
                assert!(
                    alive.is_empty(),
                    "sent attempt {attempt} while {alive:?} may commit"
                );
                sends += 1;
                let fate = match next(&mut seed) % 4 {
                    0 => {
                        // Committed: the call is done.
                        committed += 1;
                        break;
                    }
                    1 => Fate::Void { retryable: true },
                    2 => Fate::Void { retryable: false },
                    _ => Fate::Pending {
                        settleable: !next(&mut seed).is_multiple_of(3),
                    },
                };
                if let Fate::Pending { .. } = fate {
                    alive.push(attempt as usize);
                }
                if call.after(fate, budget_left) != Next::Again {
                    break;
                }
            }
            assert!(committed <= 1);
            // A call that stopped with an attempt alive reports it pending (in doubt).
            if !alive.is_empty() && committed == 0 {
                assert!(call.pending());
            }
        }
        assert!(sends > 20_000, "{sends}");
    }
}
