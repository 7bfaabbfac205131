//! What an orderer's answer to a broadcast says about the envelope — read from the
//! `BroadcastResponse` itself, or from the peer Gateway's report of it (its error details).
//!
//! The distinction that matters is whether the envelope may be ordered after all. An orderer
//! answers `SERVICE_UNAVAILABLE` both when it never passed the envelope on (no Raft leader, the
//! chain not running) and when forwarding it to the leader failed — though the forwarded
//! envelope can still reach the leader and be ordered. Only the first kind is safe to read as
//! "not taken"; a 5xx of any other text is read as "may have been taken".

/// What an orderer said of an envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrdererVerdict {
    /// Accepted for ordering (`SUCCESS`), or the orderer says it already has it.
    Accepted,
    /// Refused for what it is (a 4xx: `BAD_REQUEST`, `FORBIDDEN`, `NOT_FOUND`,
    /// `REQUEST_ENTITY_TOO_LARGE`): the orderer checked it and will not order it; another
    /// orderer, checking the same envelope against the same channel, would say the same.
    Refused,
    /// Not taken, and not passed on: this orderer cannot order now (no Raft leader elected,
    /// the chain not running). Another orderer may take it.
    NotTaken,
    /// May have been taken: a 5xx that does not say it was refused before forwarding, or an
    /// answer that cannot be read.
    MaybeTaken,
}

/// `common.Status` values of broadcast answers.
const SUCCESS: i32 = 200;

/// Texts of the Raft chain's refusals made before an envelope is passed on (fabric
/// `orderer/consensus/etcdraft` `Chain.Submit`: no leader, not started, stopped).
const REFUSED_BEFORE_FORWARDING: [&str; 3] =
    ["no Raft leader", "chain is not started", "chain is stopped"];

/// Texts of a BFT orderer that already holds the envelope (it counts as accepted).
const ALREADY_HELD: [&str; 2] = ["request already exists", "request already processed"];

/// The verdict of a `BroadcastResponse` with this status and info.
pub fn broadcast_verdict(status: i32, info: &str) -> OrdererVerdict {
    if status == SUCCESS {
        return OrdererVerdict::Accepted;
    }
    if (400..500).contains(&status) {
        return OrdererVerdict::Refused;
    }
    if ALREADY_HELD.iter().any(|t| info.contains(t)) {
        return OrdererVerdict::Accepted;
    }
    if (500..600).contains(&status)
        && REFUSED_BEFORE_FORWARDING
            .iter()
            .any(|t| info.to_ascii_lowercase().contains(&t.to_ascii_lowercase()))
    {
        return OrdererVerdict::NotTaken;
    }
    OrdererVerdict::MaybeTaken
}

/// The `common.Status` value of a status name (`BAD_REQUEST` → 400), as the peer Gateway
/// writes them in its messages.
pub fn status_value(name: &str) -> Option<i32> {
    Some(match name {
        "SUCCESS" => 200,
        "BAD_REQUEST" => 400,
        "FORBIDDEN" => 403,
        "NOT_FOUND" => 404,
        "REQUEST_ENTITY_TOO_LARGE" => 413,
        "INTERNAL_SERVER_ERROR" => 500,
        "NOT_IMPLEMENTED" => 501,
        "SERVICE_UNAVAILABLE" => 503,
        _ => return None,
    })
}

/// The verdict of one orderer as the peer Gateway reports it in a message or an error detail:
/// `received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=no Raft
/// leader` (Fabric 2.4+), `received unsuccessful response from orderer: BAD_REQUEST` (older);
/// a Broadcast stream the Gateway could not even open is not taken; anything else (the send or
/// the answer failed) may have been taken.
pub fn gateway_report_verdict(message: &str) -> OrdererVerdict {
    const UNSUCCESSFUL: &str = "received unsuccessful response from orderer: ";
    if let Some(at) = message.find(UNSUCCESSFUL) {
        let rest = &message[at + UNSUCCESSFUL.len()..];
        let (name, info) = match rest.strip_prefix("status=") {
            Some(r) => match r.split_once(", info=") {
                Some((name, info)) => (name, info),
                None => (r, ""),
            },
            None => (rest, ""),
        };
        let name: String = name
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        return match status_value(&name) {
            Some(status) => broadcast_verdict(status, info),
            None => OrdererVerdict::MaybeTaken,
        };
    }
    if message.contains("failed to create BroadcastClient") {
        return OrdererVerdict::NotTaken;
    }
    OrdererVerdict::MaybeTaken
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcast_answers() {
        use OrdererVerdict::*;
        assert_eq!(broadcast_verdict(200, ""), Accepted);
        for s in [400, 403, 404, 413] {
            assert_eq!(broadcast_verdict(s, "x"), Refused, "{s}");
        }
        assert_eq!(broadcast_verdict(503, "no Raft leader"), NotTaken);
        assert_eq!(broadcast_verdict(503, "chain is stopped"), NotTaken);
        assert_eq!(broadcast_verdict(503, "chain is not started"), NotTaken);
        // A forward to the leader that failed: the envelope may still reach it.
        assert_eq!(
            broadcast_verdict(503, "failed to forward request to leader 2"),
            MaybeTaken
        );
        assert_eq!(broadcast_verdict(500, ""), MaybeTaken);
        assert_eq!(broadcast_verdict(0, ""), MaybeTaken);
        assert_eq!(
            broadcast_verdict(503, "failed to submit request: request already exists"),
            Accepted
        );
    }

    #[test]
    fn gateway_reports() {
        use OrdererVerdict::*;
        let m = "received unsuccessful response from orderer: status=BAD_REQUEST, info=bad sig";
        assert_eq!(gateway_report_verdict(m), Refused);
        let m = "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=no Raft leader";
        assert_eq!(gateway_report_verdict(m), NotTaken);
        let m = "received unsuccessful response from orderer: status=SERVICE_UNAVAILABLE, info=timeout forwarding";
        assert_eq!(gateway_report_verdict(m), MaybeTaken);
        assert_eq!(
            gateway_report_verdict("received unsuccessful response from orderer: FORBIDDEN"),
            Refused
        );
        assert_eq!(
            gateway_report_verdict(
                "received unsuccessful response from orderer: SERVICE_UNAVAILABLE"
            ),
            MaybeTaken
        );
        assert_eq!(
            gateway_report_verdict("failed to create BroadcastClient: connection refused"),
            NotTaken
        );
        assert_eq!(
            gateway_report_verdict("failed to receive response from orderer: EOF"),
            MaybeTaken
        );
        assert_eq!(gateway_report_verdict("rpc error: something"), MaybeTaken);
    }
}
