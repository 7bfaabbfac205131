//! The task behind one (peer, channel) stream: open `DeliverFiltered`, feed the blocks to the
//! hub, reopen with backoff from the block after the last one seen.

use std::sync::Arc;
use std::time::Duration;

use tokio_stream::StreamExt;

use super::commit::{HubOptions, Phase, Stream};
use crate::config::Endpoint;
use crate::error::Error;
use crate::identity::Identity;
use crate::proto::common::Status;
use crate::proto::peer::deliver_response;
use crate::protocol::deliver::{filtered_block_status, seek_envelope, SeekFrom};
use crate::transport::{self, Connections};

/// Runs the stream until aborted. Gives up (publishing [`Phase::Failed`]) only if no block was
/// ever delivered; after that, every failure is followed by a reconnection.
pub(super) async fn run(
    stream: Arc<Stream>,
    connections: Connections,
    identity: Identity,
    endpoint: Endpoint,
    options: HubOptions,
) {
    let mut backoff = options.backoff_min;
    loop {
        let (delivered, error) = session(&stream, &connections, &identity, &endpoint).await;
        if matches!(error, Error::Transport { .. } | Error::Timeout { .. }) {
            // The peer is down or unreachable: calls go to other peers for a while.
            connections
                .health()
                .failed(&endpoint.address(), &error.to_string());
        }
        stream.record_error(error.clone());
        if stream.next_block().is_none() {
            tracing::debug!(peer = %stream.peer, channel = %stream.channel, %error,
                "commit event stream could not start");
            stream.phase.send_replace(Phase::Failed(error));
            return;
        }
        if delivered {
            backoff = options.backoff_min;
        }
        tracing::debug!(peer = %stream.peer, channel = %stream.channel, %error,
            retry_in = ?backoff, "commit event stream broke; reopening");
        tokio::time::sleep(backoff).await;
        backoff = next_backoff(backoff, &options);
    }
}

/// One deliver call; returns whether it delivered any block, and why it ended.
async fn session(
    stream: &Stream,
    connections: &Connections,
    identity: &Identity,
    endpoint: &Endpoint,
) -> (bool, Error) {
    let address = endpoint.address();
    let start = match stream.next_block() {
        Some(next) => SeekFrom::Block(next),
        None => SeekFrom::Newest,
    };
    let channel = match connections.channel(endpoint).await {
        Ok(c) => c,
        Err(e) => return (false, e),
    };
    let hash = connections.client_cert_hash();
    let envelope = match seek_envelope(&stream.channel, identity, start, None, hash.as_deref()) {
        Ok(e) => e,
        Err(e) => return (false, e),
    };
    // The request side stays open: closing it would let the peer end the stream once the
    // (endless) range is done.
    let requests = tokio_stream::once(envelope).chain(tokio_stream::pending());
    let mut responses = match transport::deliver(&channel)
        .deliver_filtered(requests)
        .await
    {
        Ok(r) => r.into_inner(),
        Err(status) => return (false, status_error(&address, &status)),
    };
    stream.session_opened();
    let mut delivered = false;
    loop {
        let response = match responses.message().await {
            Ok(Some(r)) => r,
            Ok(None) => {
                let message = "the peer ended the deliver stream".to_owned();
                return (delivered, transport_error(&address, message));
            }
            Err(status) => return (delivered, status_error(&address, &status)),
        };
        match response.r#type {
            Some(deliver_response::Type::FilteredBlock(block)) => {
                if block.channel_id != stream.channel && !block.channel_id.is_empty() {
                    let message = format!(
                        "asked for channel {} but got a block of {}",
                        stream.channel, block.channel_id
                    );
                    return (delivered, protocol_error(&address, message));
                }
                stream.on_block(filtered_block_status(&block));
                if !delivered {
                    connections.health().succeeded(&address);
                }
                delivered = true;
            }
            Some(deliver_response::Type::Status(code)) => {
                let name = Status::try_from(code)
                    .map(|s| s.as_str_name())
                    .unwrap_or("unknown status");
                let hint = match Status::try_from(code) {
                    Ok(Status::Forbidden) => {
                        "; the identity may not read this channel (ACL event/FilteredBlock), or \
                         its certificate expired"
                    }
                    Ok(Status::NotFound) => {
                        "; the peer does not know the channel, or has not reached the block yet"
                    }
                    Ok(Status::BadRequest) => {
                        "; check the client clock, and the client TLS certificate under mutual TLS"
                    }
                    _ => "",
                };
                let message = format!(
                    "deliver stream of {} ended with status {code} {name}{hint}",
                    stream.channel
                );
                return (delivered, protocol_error(&address, message));
            }
            _ => {
                let message = "unexpected deliver response (expected a filtered block)".into();
                return (delivered, protocol_error(&address, message));
            }
        }
    }
}

fn transport_error(address: &str, message: String) -> Error {
    Error::Transport {
        endpoint: address.to_owned(),
        message,
    }
}

fn protocol_error(address: &str, message: String) -> Error {
    Error::Protocol {
        endpoint: address.to_owned(),
        message,
    }
}

/// A gRPC status as an error: broken connections are [`Error::Transport`], refusals
/// [`Error::Protocol`].
fn status_error(address: &str, status: &tonic::Status) -> Error {
    use tonic::Code;
    let detail = match std::error::Error::source(status).map(transport::describe) {
        Some(source) if source.contains(status.message()) => source,
        Some(source) => format!("{}: {source}", status.message()),
        None => status.message().to_owned(),
    };
    let message = format!("{:?}: {detail}", status.code());
    match status.code() {
        Code::Unavailable
        | Code::Unknown
        | Code::Cancelled
        | Code::DeadlineExceeded
        | Code::Aborted
        | Code::Internal => transport_error(address, message),
        _ => protocol_error(address, message),
    }
}

/// The wait after `current`: doubled, at most [`HubOptions::backoff_max`].
fn next_backoff(current: Duration, options: &HubOptions) -> Duration {
    current.saturating_mul(2).min(options.backoff_max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_100_ms_to_5_s() {
        let options = HubOptions::default();
        let mut b = options.backoff_min;
        let mut seen = vec![b];
        for _ in 0..8 {
            b = next_backoff(b, &options);
            seen.push(b);
        }
        let ms: Vec<u128> = seen.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    }
}
