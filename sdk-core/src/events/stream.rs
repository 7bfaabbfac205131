//! The task behind one (peer, channel) stream: open `DeliverFiltered`, feed the blocks to the
//! hub, reopen with backoff from the block after the last one seen.

use std::sync::Arc;
use std::time::Duration;

use super::commit::{HubOptions, Phase, Stream};
use super::session::{self, call_error, Opened};
use crate::config::Endpoint;
use crate::error::Error;
use crate::identity::Identity;
use crate::proto::common::Status;
use crate::proto::peer::deliver_response;
use crate::protocol::deliver::{filtered_block_status, SeekFrom};
use crate::transport::{Connections, DeliverService};

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
    let mut responses = match session::open(
        connections,
        identity,
        endpoint,
        &stream.channel,
        DeliverService::Filtered,
        start,
    )
    .await
    {
        Ok(r) => r,
        Err(Opened::Unsendable(e) | Opened::Failed(e)) => return (false, e),
    };
    stream.session_opened();
    let mut delivered = false;
    loop {
        let response = match responses.next().await {
            Ok(Some(r)) => r,
            Ok(None) => {
                let message = "the peer ended the deliver stream".to_owned();
                return (delivered, transport_error(&address, message));
            }
            Err(e) => return (delivered, call_error(&address, e)),
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
                let number = block.number;
                if let Err(expected) = stream.on_block(filtered_block_status(&block)) {
                    let message = format!("asked for block {expected} but got block {number}");
                    return (delivered, protocol_error(&address, message));
                }
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
