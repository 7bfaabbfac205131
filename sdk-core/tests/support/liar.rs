//! A lying peer: the one place a stand-in is right, since a real Fabric peer cannot be made to
//! lie. It stands in front of a real peer and passes its calls on, but reports every valid
//! transaction of its filtered blocks as `MVCC_READ_CONFLICT`, and answers each ledger lookup
//! (`qscc GetTransactionByID`) after the first with the first one's transaction — another
//! transaction, claimed `MVCC_READ_CONFLICT`. It speaks plaintext gRPC on 127.0.0.1.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::pin::Pin;
use std::sync::{Arc, Mutex};

use fabweave::proto::common::Envelope;
use fabweave::proto::peer::deliver_client::DeliverClient;
use fabweave::proto::peer::deliver_server::{Deliver, DeliverServer};
use fabweave::proto::peer::endorser_client::EndorserClient;
use fabweave::proto::peer::endorser_server::{Endorser, EndorserServer};
use fabweave::proto::peer::{
    deliver_response, ChaincodeInvocationSpec, ChaincodeProposalPayload, DeliverResponse,
    ProcessedTransaction, Proposal, ProposalResponse, SignedProposal,
};
use prost::Message;
use tokio_stream::{Stream, StreamExt};
use tonic::transport::{Certificate, Channel, ClientTlsConfig};
use tonic::{Request, Response, Status, Streaming};

/// The validation code the liar claims: `MVCC_READ_CONFLICT`.
pub const CLAIMED: i32 = 11;

type Answers = Pin<Box<dyn Stream<Item = Result<DeliverResponse, Status>> + Send>>;

#[derive(Clone)]
struct Lies {
    upstream: Channel,
    first_lookup: Arc<Mutex<Option<ProposalResponse>>>,
    lookups: Arc<Mutex<u32>>,
}

/// A running lying peer; stops when dropped.
pub struct Liar {
    /// Where it listens (`127.0.0.1:port`, plaintext).
    pub address: String,
    lookups: Arc<Mutex<u32>>,
    task: tokio::task::AbortHandle,
}

impl Liar {
    /// Starts a liar in front of the real peer described by `peer` (a manifest entry: address,
    /// tlsCaFile, tlsHost).
    pub async fn start(peer: &serde_json::Value) -> Liar {
        let pem = std::fs::read(peer["tlsCaFile"].as_str().unwrap()).unwrap();
        let tls = ClientTlsConfig::new()
            .ca_certificate(Certificate::from_pem(pem))
            .domain_name(peer["tlsHost"].as_str().unwrap());
        let upstream =
            Channel::from_shared(format!("https://{}", peer["address"].as_str().unwrap()))
                .unwrap()
                .tls_config(tls)
                .unwrap()
                .connect()
                .await
                .expect("the liar reaches its real peer");
        let lookups = Arc::new(Mutex::new(0));
        let lies = Lies {
            upstream,
            first_lookup: Arc::new(Mutex::new(None)),
            lookups: lookups.clone(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let server = tonic::transport::Server::builder()
            .add_service(EndorserServer::new(lies.clone()))
            .add_service(DeliverServer::new(lies))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
        let task = tokio::spawn(server).abort_handle();
        Liar {
            address,
            lookups,
            task,
        }
    }

    /// How many ledger lookups it answered.
    pub fn lookups(&self) -> u32 {
        *self.lookups.lock().unwrap()
    }
}

impl Drop for Liar {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Whether a signed proposal asks qscc for a transaction by id.
fn is_lookup(signed: &SignedProposal) -> bool {
    let Ok(proposal) = Proposal::decode(signed.proposal_bytes.as_slice()) else {
        return false;
    };
    let Ok(payload) = ChaincodeProposalPayload::decode(proposal.payload.as_slice()) else {
        return false;
    };
    let Ok(spec) = ChaincodeInvocationSpec::decode(payload.input.as_slice()) else {
        return false;
    };
    let Some(spec) = spec.chaincode_spec else {
        return false;
    };
    let qscc = spec.chaincode_id.is_some_and(|id| id.name == "qscc");
    let function = spec
        .input
        .and_then(|i| i.args.first().cloned())
        .unwrap_or_default();
    qscc && function == b"GetTransactionByID"
}

/// `answer` with its transaction claimed invalid.
fn claim_invalid(mut answer: ProposalResponse) -> ProposalResponse {
    if let Some(r) = answer.response.as_mut() {
        if let Ok(mut tx) = ProcessedTransaction::decode(r.payload.as_slice()) {
            tx.validation_code = CLAIMED;
            r.payload = tx.encode_to_vec();
        }
    }
    answer
}

#[tonic::async_trait]
impl Endorser for Lies {
    async fn process_proposal(
        &self,
        request: Request<SignedProposal>,
    ) -> Result<Response<ProposalResponse>, Status> {
        let signed = request.into_inner();
        let lookup = is_lookup(&signed);
        if lookup {
            *self.lookups.lock().unwrap() += 1;
            // After the first, every lookup gets the first one's transaction: another tx id.
            let first = self.first_lookup.lock().unwrap().clone();
            if let Some(first) = first {
                return Ok(Response::new(claim_invalid(first)));
            }
        }
        let answer = EndorserClient::new(self.upstream.clone())
            .process_proposal(signed)
            .await?
            .into_inner();
        if !lookup {
            return Ok(Response::new(answer));
        }
        let found = answer.response.as_ref().is_some_and(|r| r.status == 200);
        if found {
            *self.first_lookup.lock().unwrap() = Some(answer.clone());
        }
        Ok(Response::new(claim_invalid(answer)))
    }
}

#[tonic::async_trait]
impl Deliver for Lies {
    type DeliverStream = Answers;
    type DeliverFilteredStream = Answers;
    type DeliverWithPrivateDataStream = Answers;

    async fn deliver(&self, _: Request<Streaming<Envelope>>) -> Result<Response<Answers>, Status> {
        Err(Status::unimplemented(
            "the liar serves filtered blocks only",
        ))
    }

    async fn deliver_filtered(
        &self,
        request: Request<Streaming<Envelope>>,
    ) -> Result<Response<Answers>, Status> {
        let seek = request
            .into_inner()
            .message()
            .await?
            .ok_or_else(|| Status::invalid_argument("no seek envelope"))?;
        let requests = tokio_stream::once(seek).chain(tokio_stream::pending());
        let real = DeliverClient::new(self.upstream.clone())
            .deliver_filtered(requests)
            .await?
            .into_inner();
        let lies = real.map(|answer| {
            answer.map(|mut r| {
                if let Some(deliver_response::Type::FilteredBlock(b)) = r.r#type.as_mut() {
                    for tx in &mut b.filtered_transactions {
                        if tx.tx_validation_code == 0 {
                            tx.tx_validation_code = CLAIMED;
                        }
                    }
                }
                r
            })
        });
        Ok(Response::new(Box::pin(lies)))
    }

    async fn deliver_with_private_data(
        &self,
        _: Request<Streaming<Envelope>>,
    ) -> Result<Response<Answers>, Status> {
        Err(Status::unimplemented(
            "the liar serves filtered blocks only",
        ))
    }
}
