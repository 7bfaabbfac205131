//! One round of offering a signed envelope to the orderers, one after the other.
//!
//! Offering the **same** envelope to the next orderer is always safe: Fabric validates only the
//! first copy of a tx id that is ordered. What the round must get right is its end: once any
//! orderer may have taken the envelope, the round can no longer say "not taken", whatever the
//! later orderers answer — the caller must then settle the transaction, never replace it.

use crate::protocol::ordering::{gateway_report_verdict, OrdererVerdict};
use crate::transport::Code;

/// How offering the envelope to one orderer went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum OrdererAttempt {
    /// The orderer answered the broadcast.
    Answered(OrdererVerdict),
    /// Nothing left the client (the connection could not be made, or the time ran out while
    /// dialing).
    NotSent,
    /// The envelope may have left, and no answer came: the call broke, the orderer's time ran
    /// out, or the call failed after it started.
    Lost,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// The round is over (accepted, or refused for good).
    Stop,
    /// Offer it to the next orderer, if there is one and time is left.
    TryNext,
}

/// How a round ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RoundEnd {
    /// An orderer accepted it.
    Accepted,
    /// An orderer refused it for what it is, and no orderer may have taken it: it will never
    /// be ordered.
    Refused,
    /// No orderer took it, and none may have: it will never be ordered.
    NotTaken,
    /// An orderer may have taken it: it may still be ordered and committed.
    InDoubt,
}

/// The state of a round.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct OrderRound {
    accepted: bool,
    refused: bool,
    maybe_taken: bool,
}

impl OrderRound {
    /// Records one attempt; says whether to go on.
    pub(crate) fn record(&mut self, attempt: OrdererAttempt) -> Step {
        match attempt {
            OrdererAttempt::Answered(OrdererVerdict::Accepted) => {
                self.accepted = true;
                Step::Stop
            }
            OrdererAttempt::Answered(OrdererVerdict::Refused) => {
                self.refused = true;
                Step::Stop
            }
            OrdererAttempt::Answered(OrdererVerdict::NotTaken) | OrdererAttempt::NotSent => {
                Step::TryNext
            }
            OrdererAttempt::Answered(OrdererVerdict::MaybeTaken) | OrdererAttempt::Lost => {
                self.maybe_taken = true;
                Step::TryNext
            }
        }
    }

    /// How the round ended, after the last attempt (or when time ran out between attempts).
    pub(crate) fn end(&self) -> RoundEnd {
        if self.accepted {
            RoundEnd::Accepted
        } else if self.maybe_taken {
            RoundEnd::InDoubt
        } else if self.refused {
            RoundEnd::Refused
        } else {
            RoundEnd::NotTaken
        }
    }
}

/// What a peer Gateway's failed `Submit` says the orderers did with the envelope, from its
/// status code, message and per-orderer reports (error details).
///
/// The Gateway refuses a request itself (bad argument, not allowed, unknown channel) before any
/// orderer sees it. It answers `Aborted` when an orderer refused the envelope (its message then
/// names the orderer's status) — older versions also for other failures, named in the message
/// or the details. It answers `Unavailable` when it could not get any orderer to take the
/// envelope, with one report per orderer tried, or none when it found no orderer to try. The
/// reports are weighed like a round of the client's own ([`OrderRound`]): one orderer that may
/// have taken it is enough for doubt.
pub(crate) fn gateway_submit_verdict(
    code: Code,
    message: &str,
    reports: &[&str],
) -> OrdererVerdict {
    let from_reports = || {
        let mut round = OrderRound::default();
        for r in reports {
            round.record(OrdererAttempt::Answered(gateway_report_verdict(r)));
        }
        match round.end() {
            RoundEnd::Accepted => OrdererVerdict::Accepted,
            RoundEnd::Refused => OrdererVerdict::Refused,
            RoundEnd::NotTaken => OrdererVerdict::NotTaken,
            RoundEnd::InDoubt => OrdererVerdict::MaybeTaken,
        }
    };
    match code {
        Code::InvalidArgument
        | Code::PermissionDenied
        | Code::FailedPrecondition
        | Code::NotFound
        | Code::Unauthenticated => OrdererVerdict::Refused,
        Code::Aborted if message.contains("received unsuccessful response from orderer") => {
            match (gateway_report_verdict(message), reports.is_empty()) {
                (v, true) => v,
                // An earlier orderer's report can only add doubt.
                (v, false) => match (v, from_reports()) {
                    (_, OrdererVerdict::MaybeTaken) | (OrdererVerdict::MaybeTaken, _) => {
                        OrdererVerdict::MaybeTaken
                    }
                    (v, _) => v,
                },
            }
        }
        Code::Aborted | Code::Unavailable if !reports.is_empty() => from_reports(),
        Code::Unavailable => OrdererVerdict::NotTaken,
        _ => OrdererVerdict::MaybeTaken,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrdererAttempt::*;
    use OrdererVerdict::*;

    const ALL: [OrdererAttempt; 6] = [
        Answered(Accepted),
        Answered(Refused),
        Answered(NotTaken),
        Answered(MaybeTaken),
        NotSent,
        Lost,
    ];

    fn round(attempts: &[OrdererAttempt]) -> (RoundEnd, Vec<Step>) {
        let mut r = OrderRound::default();
        let steps = attempts.iter().map(|a| r.record(*a)).collect();
        (r.end(), steps)
    }

    #[test]
    fn each_answer_alone() {
        let table = [
            (Answered(Accepted), Step::Stop, RoundEnd::Accepted),
            (Answered(Refused), Step::Stop, RoundEnd::Refused),
            (Answered(NotTaken), Step::TryNext, RoundEnd::NotTaken),
            (Answered(MaybeTaken), Step::TryNext, RoundEnd::InDoubt),
            (NotSent, Step::TryNext, RoundEnd::NotTaken),
            (Lost, Step::TryNext, RoundEnd::InDoubt),
        ];
        for (attempt, step, end) in table {
            assert_eq!(round(&[attempt]), (end, vec![step]), "{attempt:?}");
        }
        assert_eq!(OrderRound::default().end(), RoundEnd::NotTaken);
    }

    #[test]
    fn doubt_is_never_forgotten() {
        // The first orderer black-holed the envelope, the second refused it: in doubt.
        assert_eq!(round(&[Lost, Answered(Refused)]).0, RoundEnd::InDoubt);
        assert_eq!(round(&[Lost, NotSent, NotSent]).0, RoundEnd::InDoubt);
        assert_eq!(
            round(&[Answered(MaybeTaken), Answered(NotTaken)]).0,
            RoundEnd::InDoubt
        );
        // A later acceptance settles it.
        assert_eq!(round(&[Lost, Answered(Accepted)]).0, RoundEnd::Accepted);
        assert_eq!(round(&[NotSent, Answered(NotTaken)]).0, RoundEnd::NotTaken);
        assert_eq!(round(&[NotSent, Answered(Refused)]).0, RoundEnd::Refused);
    }

    /// Every sequence of up to five attempts: the round ends "not taken" or "refused" (the
    /// ends after which a new transaction may be sent) only when no attempt may have left the
    /// envelope with an orderer; it stops exactly at acceptance or refusal.
    #[test]
    fn every_sequence_keeps_the_invariant() {
        let mut seqs: Vec<Vec<OrdererAttempt>> = Vec::new();
        for len in 0..=5u32 {
            for mut n in 0..ALL.len().pow(len) {
                let mut s = Vec::new();
                for _ in 0..len {
                    s.push(ALL[n % ALL.len()]);
                    n /= ALL.len();
                }
                seqs.push(s);
            }
        }
        let mut checked = 0;
        for s in &seqs {
            let (end, steps) = round(s);
            let may_have_taken = s
                .iter()
                .any(|a| matches!(a, Lost | Answered(MaybeTaken) | Answered(Accepted)));
            if matches!(end, RoundEnd::Refused | RoundEnd::NotTaken) {
                assert!(!may_have_taken, "{s:?} ended {end:?}");
            }
            if s.contains(&Answered(Accepted)) {
                assert_eq!(end, RoundEnd::Accepted, "{s:?}");
            }
            for (a, st) in s.iter().zip(&steps) {
                let stops = matches!(a, Answered(Accepted) | Answered(Refused));
                assert_eq!(*st == Step::Stop, stops, "{s:?}");
            }
            checked += 1;
        }
        assert!(checked > 5000, "{checked}");
    }

    #[test]
    fn gateway_submit_failures() {
        use crate::transport::Code;
        let four = "received unsuccessful response from orderer: status=BAD_REQUEST, info=bad";
        let five = "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=timed out forwarding";
        let leaderless = "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=no Raft leader";
        let dial = "failed to create BroadcastClient: connection refused";
        let lost = "failed to receive response from orderer: EOF";
        let table: Vec<(Code, &str, Vec<&str>, OrdererVerdict)> = vec![
            (Code::Aborted, four, vec![], Refused),
            (
                Code::Aborted,
                "received unsuccessful response from orderer: SERVICE_UNAVAILABLE",
                vec![],
                MaybeTaken,
            ),
            (Code::Aborted, four, vec![lost], MaybeTaken),
            (
                Code::Aborted,
                "failed to send transaction to orderer",
                vec![],
                MaybeTaken,
            ),
            (
                Code::Aborted,
                "no orderers could successfully process transaction",
                vec![dial, leaderless],
                NotTaken,
            ),
            (
                Code::Unavailable,
                "no orderers could successfully process transaction",
                vec![dial, five],
                MaybeTaken,
            ),
            (
                Code::Unavailable,
                "no orderers could successfully process transaction",
                vec![dial, leaderless],
                NotTaken,
            ),
            (
                Code::Unavailable,
                "no orderer nodes available",
                vec![],
                NotTaken,
            ),
            (
                Code::InvalidArgument,
                "a transaction is required",
                vec![],
                Refused,
            ),
            (Code::PermissionDenied, "access denied", vec![], Refused),
            (
                Code::DeadlineExceeded,
                "submit timeout expired",
                vec![],
                MaybeTaken,
            ),
            (Code::Internal, "boom", vec![], MaybeTaken),
        ];
        for (code, message, reports, want) in table {
            assert_eq!(
                gateway_submit_verdict(code, message, &reports),
                want,
                "{code} {message} {reports:?}"
            );
        }
    }
}
