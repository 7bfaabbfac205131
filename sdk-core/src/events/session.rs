//! What the commit hub's streams and the event streams share about one deliver session: opening
//! it on a peer, and reading why it ended.

use crate::config::Endpoint;
use crate::error::Error;
use crate::identity::Identity;
use crate::protocol::deliver::{seek_envelope, SeekFrom};
use crate::transport::{CallError, Code, Connections, DeliverService, DeliverStream};

/// Opens a deliver session of `service` for `channel` on `endpoint`, from `start`.
pub(super) async fn open(
    connections: &Connections,
    identity: &Identity,
    endpoint: &Endpoint,
    channel: &str,
    service: DeliverService,
    start: SeekFrom,
) -> std::result::Result<DeliverStream, Opened> {
    let hash = connections.client_cert_hash();
    let envelope = seek_envelope(channel, identity, start, None, hash.as_deref())
        .map_err(Opened::Unsendable)?;
    connections
        .deliver(endpoint, service, envelope)
        .await
        .map_err(|e| Opened::Failed(call_error(&endpoint.address(), e)))
}

/// Why a session could not be opened.
#[derive(Debug)]
pub(super) enum Opened {
    /// The request could not be built (the identity could not sign): no peer would do better.
    Unsendable(Error),
    /// The peer could not be reached or refused the stream.
    Failed(Error),
}

/// A failed deliver call as an error: a connection that could not be made, broke or went silent
/// is [`Error::Transport`] (another peer, or the same one later, may do); a refusal by the peer
/// is [`Error::Protocol`], except the statuses a peer gives while it is going away.
pub(super) fn call_error(address: &str, e: CallError) -> Error {
    match e {
        CallError::NotSent { error } => error,
        CallError::Refused { code, .. }
            if !matches!(
                code,
                Code::Unavailable
                    | Code::Unknown
                    | Code::Cancelled
                    | Code::DeadlineExceeded
                    | Code::Aborted
                    | Code::Internal
            ) =>
        {
            Error::Protocol {
                endpoint: address.to_owned(),
                message: e.to_string(),
            }
        }
        other => Error::Transport {
            endpoint: address.to_owned(),
            message: other.to_string(),
        },
    }
}
