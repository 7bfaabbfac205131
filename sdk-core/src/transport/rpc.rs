//! Every RPC fabweave makes, each through one wrapper that dials (inside the call's time), sets
//! `grpc-timeout`, records the endpoint's health and returns a typed outcome: an answer, or a
//! [`CallError`] saying whether the request may have reached the server. Nothing outside this
//! module looks at gRPC statuses or error texts to decide that.
//!
//! The rule a caller needs is [`CallError::may_have_arrived`]: a request that may have arrived
//! may have had its effect (an orderer may order an envelope whose answer was lost), so only a
//! call that surely never left ([`CallError::NotSent`], or a deadline that passed while still
//! dialing) may be treated as if it had not been made.

use std::fmt;
use std::time::Duration;

use tonic::transport::Channel;

use super::{describe, Connections};
use crate::config::Endpoint;
use crate::error::{Error, Stage};
use crate::proto::common::Envelope;
use crate::proto::discovery::{Response as DiscoveryResponse, SignedRequest};
use crate::proto::gateway::{
    CommitStatusResponse, EndorseRequest, EndorseResponse, ErrorDetail, EvaluateRequest,
    EvaluateResponse, SignedCommitStatusRequest, SubmitRequest,
};
use crate::proto::orderer::BroadcastResponse;
use crate::proto::peer::{DeliverResponse, ProposalResponse, SignedProposal};

/// The largest broadcast answer read (an orderer answers with a status and a short text).
pub const MAX_BROADCAST_ANSWER: usize = 1024 * 1024;

/// The largest discovery answer read (peers with their certificates, layouts, the channel's
/// MSPs: a few MB for networks of hundreds of peers).
pub const MAX_DISCOVERY_ANSWER: usize = 16 * 1024 * 1024;

/// The largest filtered block read (transaction ids, codes and event names only).
pub const MAX_FILTERED_BLOCK: usize = 16 * 1024 * 1024;

/// A gRPC status code (the codes of the gRPC specification), named without the gRPC library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// Cancelled by the caller.
    Cancelled,
    /// Unknown error.
    Unknown,
    /// A bad argument.
    InvalidArgument,
    /// The deadline passed on the server.
    DeadlineExceeded,
    /// Not found.
    NotFound,
    /// Already exists.
    AlreadyExists,
    /// The caller may not do this.
    PermissionDenied,
    /// Out of resources (e.g. too many concurrent calls).
    ResourceExhausted,
    /// The system is not in a state for the call.
    FailedPrecondition,
    /// Aborted.
    Aborted,
    /// Out of range.
    OutOfRange,
    /// The server does not offer this method.
    Unimplemented,
    /// Internal error.
    Internal,
    /// The service is unavailable.
    Unavailable,
    /// Unrecoverable data loss.
    DataLoss,
    /// Not authenticated.
    Unauthenticated,
}

impl Code {
    fn of(code: tonic::Code) -> Code {
        match code {
            tonic::Code::Cancelled => Code::Cancelled,
            tonic::Code::InvalidArgument => Code::InvalidArgument,
            tonic::Code::DeadlineExceeded => Code::DeadlineExceeded,
            tonic::Code::NotFound => Code::NotFound,
            tonic::Code::AlreadyExists => Code::AlreadyExists,
            tonic::Code::PermissionDenied => Code::PermissionDenied,
            tonic::Code::ResourceExhausted => Code::ResourceExhausted,
            tonic::Code::FailedPrecondition => Code::FailedPrecondition,
            tonic::Code::Aborted => Code::Aborted,
            tonic::Code::OutOfRange => Code::OutOfRange,
            tonic::Code::Unimplemented => Code::Unimplemented,
            tonic::Code::Internal => Code::Internal,
            tonic::Code::Unavailable => Code::Unavailable,
            tonic::Code::DataLoss => Code::DataLoss,
            tonic::Code::Unauthenticated => Code::Unauthenticated,
            _ => Code::Unknown,
        }
    }

    /// The name gRPC gives the code, e.g. `Unavailable`.
    pub fn name(self) -> &'static str {
        match self {
            Code::Cancelled => "Cancelled",
            Code::Unknown => "Unknown",
            Code::InvalidArgument => "InvalidArgument",
            Code::DeadlineExceeded => "DeadlineExceeded",
            Code::NotFound => "NotFound",
            Code::AlreadyExists => "AlreadyExists",
            Code::PermissionDenied => "PermissionDenied",
            Code::ResourceExhausted => "ResourceExhausted",
            Code::FailedPrecondition => "FailedPrecondition",
            Code::Aborted => "Aborted",
            Code::OutOfRange => "OutOfRange",
            Code::Unimplemented => "Unimplemented",
            Code::Internal => "Internal",
            Code::Unavailable => "Unavailable",
            Code::DataLoss => "DataLoss",
            Code::Unauthenticated => "Unauthenticated",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How an RPC failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// The request never left: the connection could not be made (nothing listening, TLS
    /// refused, a name that does not resolve, a client pair that cannot be used).
    NotSent {
        /// Why.
        error: Error,
    },
    /// The request may have reached the server, but the call broke before an answer (the
    /// connection was reset or closed, the stream ended without a message).
    Broken {
        /// What the connection said.
        message: String,
    },
    /// The server answered the call with a gRPC error status.
    Refused {
        /// The status code.
        code: Code,
        /// The status message.
        message: String,
        /// The `gateway.ErrorDetail`s the status carries (the peer Gateway's per-node reports).
        details: Vec<ErrorDetail>,
    },
    /// No answer within `after`; `sent` says whether the request may have left (false: the
    /// time ran out while dialing).
    Deadline {
        /// The time the call had.
        after: Duration,
        /// Whether the request may have left the client.
        sent: bool,
    },
}

impl CallError {
    /// Whether the request may have reached the server (and so may have had its effect).
    pub fn may_have_arrived(&self) -> bool {
        match self {
            CallError::NotSent { .. } => false,
            CallError::Deadline { sent, .. } => *sent,
            CallError::Broken { .. } | CallError::Refused { .. } => true,
        }
    }

    /// Whether the server itself answered (with an error status).
    pub fn is_answer(&self) -> bool {
        matches!(self, CallError::Refused { .. })
    }

    /// Whether the endpoint could not be used at all: not reached, broken, or silent until the
    /// deadline — what sets an endpoint aside.
    pub fn is_unreachable(&self) -> bool {
        !self.is_answer()
    }

    /// The gRPC status code, when the server answered.
    pub fn code(&self) -> Option<Code> {
        match self {
            CallError::Refused { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// The error this is for a call to `endpoint` at `stage` of `tx_id`: a
    /// [`Error::Timeout`] for a deadline, an [`Error::Transport`] otherwise.
    pub fn into_error(self, endpoint: &str, stage: Stage, tx_id: Option<&str>) -> Error {
        match self {
            CallError::NotSent { error } => error,
            CallError::Deadline { after, .. } => Error::Timeout {
                stage,
                after,
                tx_id: tx_id.map(str::to_owned),
                waiting_for: Some(endpoint.to_owned()),
            },
            other => Error::Transport {
                endpoint: endpoint.to_owned(),
                message: other.to_string(),
            },
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::NotSent { error } => write!(f, "not sent: {error}"),
            CallError::Broken { message } => write!(f, "the call broke: {message}"),
            CallError::Refused {
                code,
                message,
                details,
            } => {
                write!(f, "{code}: {message}")?;
                for d in details {
                    write!(f, "; {} ({}): {}", d.address, d.msp_id, d.message)?;
                }
                Ok(())
            }
            CallError::Deadline { after, sent: true } => {
                write!(f, "no answer within {after:?}")
            }
            CallError::Deadline { after, sent: false } => {
                write!(f, "could not connect within {after:?}")
            }
        }
    }
}

/// A failed call's status as a [`CallError`]. A status the client made up itself carries the
/// error behind it: a connection that could not be made means nothing was sent; any other
/// client-side failure happened after the call started. A status without one came from the
/// server.
fn classify(status: &tonic::Status) -> CallError {
    let Some(source) = std::error::Error::source(status) else {
        // The server saying the call's own `grpc-timeout` passed is the call's deadline.
        if status.code() == tonic::Code::DeadlineExceeded {
            return CallError::Deadline {
                after: Duration::ZERO,
                sent: true,
            };
        }
        return CallError::Refused {
            code: Code::of(status.code()),
            message: status.message().to_owned(),
            details: crate::protocol::gateway::error_details(status.details()),
        };
    };
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(source);
    while let Some(e) = cause {
        // The channel enforces the request's own `grpc-timeout` (its `after` is set by the
        // caller, who knows it).
        if e.is::<tonic::TimeoutExpired>() {
            return CallError::Deadline {
                after: Duration::ZERO,
                sent: true,
            };
        }
        if e.is::<tonic::ConnectError>() {
            return CallError::NotSent {
                error: Error::Transport {
                    endpoint: String::new(),
                    message: describe(status),
                },
            };
        }
        cause = e.source();
    }
    CallError::Broken {
        message: describe(status),
    }
}

/// A request carrying `grpc-timeout`, so the server stops working on it when the client stops
/// waiting.
fn timed<T>(message: T, within: Duration) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.set_timeout(within);
    request
}

/// Which deliver service a stream reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliverService {
    /// `Deliver`: full blocks.
    Blocks,
    /// `DeliverFiltered`.
    Filtered,
    /// `DeliverWithPrivateData`.
    WithPrivateData,
}

/// An open deliver stream.
pub struct DeliverStream {
    responses: tonic::Streaming<DeliverResponse>,
    address: String,
    connections: Connections,
}

impl fmt::Debug for DeliverStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeliverStream")
            .field("address", &self.address)
            .finish()
    }
}

impl DeliverStream {
    /// The next response; `Ok(None)` when the server ended the stream.
    pub async fn next(&mut self) -> Result<Option<DeliverResponse>, CallError> {
        match self.responses.message().await {
            Ok(r) => Ok(r),
            Err(status) => {
                let e = classify(&status);
                if e.is_unreachable() {
                    self.connections
                        .health()
                        .failed(&self.address, &e.to_string());
                }
                Err(e)
            }
        }
    }
}

impl Connections {
    /// Runs one call on `endpoint`'s channel, dialing it first if needed, all within `within`;
    /// records the endpoint's health (set aside when it cannot be reached, breaks the call or
    /// stays silent; healthy when it answers).
    async fn call<T, F, Fut>(
        &self,
        endpoint: &Endpoint,
        within: Duration,
        call: F,
    ) -> Result<T, CallError>
    where
        F: FnOnce(Channel) -> Fut,
        Fut: std::future::Future<Output = Result<T, tonic::Status>>,
    {
        let address = endpoint.address();
        let sent = std::sync::atomic::AtomicBool::new(false);
        let attempt = async {
            let channel = self
                .channel(endpoint)
                .await
                .map_err(|error| CallError::NotSent { error })?;
            sent.store(true, std::sync::atomic::Ordering::Relaxed);
            call(channel).await.map_err(|s| classify(&s))
        };
        let result = match tokio::time::timeout(within, attempt).await {
            Ok(r) => r,
            Err(_) => Err(CallError::Deadline {
                after: within,
                sent: sent.load(std::sync::atomic::Ordering::Relaxed),
            }),
        };
        let result = result.map_err(|e| match e {
            CallError::NotSent { error } => CallError::NotSent {
                error: with_endpoint(error, &address),
            },
            CallError::Deadline { sent, .. } => CallError::Deadline {
                after: within,
                sent,
            },
            other => other,
        });
        match &result {
            Ok(_) => self.health().succeeded(&address),
            // A failed dial is recorded by `channel`.
            Err(CallError::NotSent { .. }) => {}
            Err(e) if e.is_unreachable() => self.health().failed(&address, &e.to_string()),
            Err(_) => {}
        }
        result
    }

    /// Sends a signed proposal to a peer's endorser (`ProcessProposal`).
    pub async fn process_proposal(
        &self,
        endpoint: &Endpoint,
        proposal: SignedProposal,
        within: Duration,
    ) -> Result<ProposalResponse, CallError> {
        self.call(endpoint, within, |ch| async move {
            super::endorser(&ch)
                .process_proposal(timed(proposal, within))
                .await
                .map(tonic::Response::into_inner)
        })
        .await
    }

    /// Sends one envelope to an orderer (`Broadcast`) and reads its one answer. A stream that
    /// ends without an answer is [`CallError::Broken`]: the envelope may have been taken.
    pub async fn broadcast(
        &self,
        endpoint: &Endpoint,
        envelope: Envelope,
        within: Duration,
    ) -> Result<BroadcastResponse, CallError> {
        self.call(endpoint, within, |ch| async move {
            let stream = super::broadcast(&ch)
                .max_decoding_message_size(MAX_BROADCAST_ANSWER)
                .broadcast(timed(tokio_stream::iter([envelope]), within))
                .await?;
            match stream.into_inner().message().await? {
                Some(answer) => Ok(answer),
                None => Err(tonic::Status::from_error(Box::new(ClosedWithoutAnswer))),
            }
        })
        .await
    }

    /// Asks a peer's discovery service.
    pub async fn discover(
        &self,
        endpoint: &Endpoint,
        request: SignedRequest,
        within: Duration,
    ) -> Result<DiscoveryResponse, CallError> {
        self.call(endpoint, within, |ch| async move {
            super::discovery(&ch)
                .max_decoding_message_size(MAX_DISCOVERY_ANSWER)
                .discover(timed(request, within))
                .await
                .map(tonic::Response::into_inner)
        })
        .await
    }

    /// A peer Gateway's `Evaluate`.
    pub async fn gateway_evaluate(
        &self,
        endpoint: &Endpoint,
        request: EvaluateRequest,
        within: Duration,
    ) -> Result<EvaluateResponse, CallError> {
        self.call(endpoint, within, |ch| async move {
            super::gateway(&ch)
                .evaluate(timed(request, within))
                .await
                .map(tonic::Response::into_inner)
        })
        .await
    }

    /// A peer Gateway's `Endorse`.
    pub async fn gateway_endorse(
        &self,
        endpoint: &Endpoint,
        request: EndorseRequest,
        within: Duration,
    ) -> Result<EndorseResponse, CallError> {
        self.call(endpoint, within, |ch| async move {
            super::gateway(&ch)
                .endorse(timed(request, within))
                .await
                .map(tonic::Response::into_inner)
        })
        .await
    }

    /// A peer Gateway's `Submit`.
    pub async fn gateway_submit(
        &self,
        endpoint: &Endpoint,
        request: SubmitRequest,
        within: Duration,
    ) -> Result<(), CallError> {
        self.call(endpoint, within, |ch| async move {
            super::gateway(&ch)
                .submit(timed(request, within))
                .await
                .map(|_| ())
        })
        .await
    }

    /// A peer Gateway's `CommitStatus`.
    pub async fn gateway_commit_status(
        &self,
        endpoint: &Endpoint,
        request: SignedCommitStatusRequest,
        within: Duration,
    ) -> Result<CommitStatusResponse, CallError> {
        self.call(endpoint, within, |ch| async move {
            super::gateway(&ch)
                .commit_status(timed(request, within))
                .await
                .map(tonic::Response::into_inner)
        })
        .await
    }

    /// Opens a deliver stream on a peer with `seek` (a signed `SeekInfo` envelope). The request
    /// side stays open (closing it would let the peer end the stream once an endless range is
    /// done). No deadline: a peer whose height is the block asked for sends nothing, not even
    /// headers, until that block commits; a dead peer fails the call, and keep-alive notices a
    /// silent one.
    pub async fn deliver(
        &self,
        endpoint: &Endpoint,
        service: DeliverService,
        seek: Envelope,
    ) -> Result<DeliverStream, CallError> {
        use tokio_stream::StreamExt as _;
        let address = endpoint.address();
        let channel = self
            .channel(endpoint)
            .await
            .map_err(|error| CallError::NotSent {
                error: with_endpoint(error, &address),
            })?;
        let requests = tokio_stream::once(seek).chain(tokio_stream::pending());
        let mut client = super::deliver(&channel);
        let opened = match service {
            DeliverService::Blocks => client.deliver(requests).await,
            DeliverService::Filtered => {
                client
                    .max_decoding_message_size(MAX_FILTERED_BLOCK)
                    .deliver_filtered(requests)
                    .await
            }
            DeliverService::WithPrivateData => client.deliver_with_private_data(requests).await,
        };
        match opened {
            Ok(r) => Ok(DeliverStream {
                responses: r.into_inner(),
                address,
                connections: self.clone(),
            }),
            Err(status) => {
                let e = classify(&status);
                if e.is_unreachable() {
                    self.health().failed(&address, &e.to_string());
                }
                Err(e)
            }
        }
    }
}

/// The endpoint of a dial error that names none.
fn with_endpoint(error: Error, address: &str) -> Error {
    match error {
        Error::Transport { endpoint, message } if endpoint.is_empty() => Error::Transport {
            endpoint: address.to_owned(),
            message,
        },
        other => other,
    }
}

/// An orderer that closed the broadcast stream without answering.
#[derive(Debug)]
struct ClosedWithoutAnswer;

impl fmt::Display for ClosedWithoutAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the orderer closed the stream without answering")
    }
}

impl std::error::Error for ClosedWithoutAnswer {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_statuses_are_answers_client_failures_are_not() {
        let answered = classify(&tonic::Status::unavailable("no orderers could process it"));
        assert!(matches!(
            &answered,
            CallError::Refused { code: Code::Unavailable, message, .. } if message == "no orderers could process it"
        ));
        assert!(answered.may_have_arrived() && answered.is_answer());

        let refused = tonic::Status::from_error(Box::new(tonic::ConnectError(Box::new(
            std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused"),
        ))));
        let e = classify(&refused);
        assert!(matches!(e, CallError::NotSent { .. }), "{e:?}");
        assert!(!e.may_have_arrived() && e.is_unreachable());

        let expired = tonic::Status::from_error(Box::new(tonic::TimeoutExpired(())));
        assert!(matches!(
            classify(&expired),
            CallError::Deadline { sent: true, .. }
        ));
        assert!(matches!(
            classify(&tonic::Status::deadline_exceeded(
                "context deadline exceeded"
            )),
            CallError::Deadline { sent: true, .. }
        ));

        let broke = tonic::Status::from_error(Box::new(ClosedWithoutAnswer));
        let e = classify(&broke);
        assert!(matches!(e, CallError::Broken { .. }), "{e:?}");
        assert!(e.may_have_arrived() && e.is_unreachable());

        let late = CallError::Deadline {
            after: Duration::from_secs(1),
            sent: true,
        };
        let dialing = CallError::Deadline {
            after: Duration::from_secs(1),
            sent: false,
        };
        assert!(late.may_have_arrived() && !dialing.may_have_arrived());
        assert!(matches!(
            late.into_error("o:1", Stage::Submit, Some("t")),
            Error::Timeout {
                stage: Stage::Submit,
                ..
            }
        ));
    }
}
