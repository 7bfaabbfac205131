//! The generated gRPC stubs use Fabric's method paths, and a client and server
//! built from them talk to each other over a real HTTP/2 connection.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::pin::Pin;

use fabweave::proto::common::{Envelope, Status as FabricStatus};
use fabweave::proto::orderer::atomic_broadcast_client::AtomicBroadcastClient;
use fabweave::proto::orderer::atomic_broadcast_server::{AtomicBroadcast, AtomicBroadcastServer};
use fabweave::proto::orderer::{self, BroadcastResponse};
use fabweave::proto::peer::deliver_client::DeliverClient;
use fabweave::proto::peer::deliver_server::{Deliver, DeliverServer};
use fabweave::proto::peer::endorser_client::EndorserClient;
use fabweave::proto::peer::endorser_server::{Endorser, EndorserServer};
use fabweave::proto::peer::{
    self, deliver_response, FilteredBlock, ProposalResponse, Response, SignedProposal,
};
use fabweave::proto::{discovery, gateway};
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Status, Streaming};

/// Every gRPC method fabweave calls, as Fabric's peers and orderers serve it.
const FABRIC_METHODS: &[(&str, &str)] = &[
    ("protos", "/protos.Endorser/ProcessProposal"),
    ("protos", "/protos.Deliver/Deliver"),
    ("protos", "/protos.Deliver/DeliverFiltered"),
    ("protos", "/protos.Deliver/DeliverWithPrivateData"),
    ("orderer", "/orderer.AtomicBroadcast/Broadcast"),
    ("orderer", "/orderer.AtomicBroadcast/Deliver"),
    ("discovery", "/discovery.Discovery/Discover"),
    ("gateway", "/gateway.Gateway/Endorse"),
    ("gateway", "/gateway.Gateway/Submit"),
    ("gateway", "/gateway.Gateway/CommitStatus"),
    ("gateway", "/gateway.Gateway/Evaluate"),
    ("gateway", "/gateway.Gateway/ChaincodeEvents"),
];

#[test]
fn method_paths_match_fabric() {
    let generated = [
        (
            "protos",
            include_str!(concat!(env!("OUT_DIR"), "/protos.rs")),
        ),
        (
            "orderer",
            include_str!(concat!(env!("OUT_DIR"), "/orderer.rs")),
        ),
        (
            "discovery",
            include_str!(concat!(env!("OUT_DIR"), "/discovery.rs")),
        ),
        (
            "gateway",
            include_str!(concat!(env!("OUT_DIR"), "/gateway.rs")),
        ),
    ];
    for (package, path) in FABRIC_METHODS {
        let source = generated.iter().find(|(p, _)| p == package).unwrap().1;
        assert!(
            source.contains(&format!("\"{path}\"")),
            "client path {path} not generated"
        );
    }
    assert_eq!(peer::endorser_server::SERVICE_NAME, "protos.Endorser");
    assert_eq!(peer::deliver_server::SERVICE_NAME, "protos.Deliver");
    assert_eq!(
        orderer::atomic_broadcast_server::SERVICE_NAME,
        "orderer.AtomicBroadcast"
    );
    assert_eq!(
        discovery::discovery_server::SERVICE_NAME,
        "discovery.Discovery"
    );
    assert_eq!(gateway::gateway_server::SERVICE_NAME, "gateway.Gateway");
}

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Endorses everything with a fixed signature and echoes the proposal bytes.
struct FakePeer;

#[tonic::async_trait]
impl Endorser for FakePeer {
    async fn process_proposal(
        &self,
        request: Request<SignedProposal>,
    ) -> Result<tonic::Response<ProposalResponse>, Status> {
        let proposal = request.into_inner();
        Ok(tonic::Response::new(ProposalResponse {
            version: 1,
            response: Some(Response {
                status: 200,
                message: "OK".into(),
                payload: proposal.proposal_bytes,
            }),
            ..Default::default()
        }))
    }
}

#[tonic::async_trait]
impl Deliver for FakePeer {
    type DeliverStream = ResponseStream<peer::DeliverResponse>;
    type DeliverFilteredStream = ResponseStream<peer::DeliverResponse>;
    type DeliverWithPrivateDataStream = ResponseStream<peer::DeliverResponse>;

    async fn deliver(
        &self,
        _: Request<Streaming<Envelope>>,
    ) -> Result<tonic::Response<Self::DeliverStream>, Status> {
        Err(Status::unimplemented("full blocks are not faked"))
    }

    async fn deliver_filtered(
        &self,
        request: Request<Streaming<Envelope>>,
    ) -> Result<tonic::Response<Self::DeliverFilteredStream>, Status> {
        let seek = request
            .into_inner()
            .message()
            .await?
            .expect("a seek envelope");
        assert!(!seek.payload.is_empty());
        let block = peer::DeliverResponse {
            r#type: Some(deliver_response::Type::FilteredBlock(FilteredBlock {
                channel_id: "mychannel".into(),
                number: 5,
                filtered_transactions: vec![],
            })),
        };
        let done = peer::DeliverResponse {
            r#type: Some(deliver_response::Type::Status(FabricStatus::Success as i32)),
        };
        Ok(tonic::Response::new(Box::pin(tokio_stream::iter([
            Ok(block),
            Ok(done),
        ]))))
    }

    async fn deliver_with_private_data(
        &self,
        _: Request<Streaming<Envelope>>,
    ) -> Result<tonic::Response<Self::DeliverWithPrivateDataStream>, Status> {
        Err(Status::unimplemented("private data is not faked"))
    }
}

/// Accepts signed envelopes and refuses unsigned ones, one answer per envelope.
struct FakeOrderer;

#[tonic::async_trait]
impl AtomicBroadcast for FakeOrderer {
    type BroadcastStream = ResponseStream<BroadcastResponse>;
    type DeliverStream = ResponseStream<orderer::DeliverResponse>;

    async fn broadcast(
        &self,
        request: Request<Streaming<Envelope>>,
    ) -> Result<tonic::Response<Self::BroadcastStream>, Status> {
        let answers = request.into_inner().map(|envelope| {
            let envelope = envelope?;
            let status = if envelope.signature.is_empty() {
                FabricStatus::BadRequest
            } else {
                FabricStatus::Success
            };
            Ok(BroadcastResponse {
                status: status as i32,
                info: String::new(),
            })
        });
        Ok(tonic::Response::new(Box::pin(answers)))
    }

    async fn deliver(
        &self,
        _: Request<Streaming<Envelope>>,
    ) -> Result<tonic::Response<Self::DeliverStream>, Status> {
        Err(Status::unimplemented("orderer deliver is not faked"))
    }
}

async fn start_server() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tonic::transport::Server::builder()
        .add_service(EndorserServer::new(FakePeer))
        .add_service(DeliverServer::new(FakePeer))
        .add_service(AtomicBroadcastServer::new(FakeOrderer))
        .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener));
    tokio::spawn(server);
    addr
}

#[tokio::test]
async fn endorser_unary_call() {
    let addr = start_server().await;
    let mut client = EndorserClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let reply = client
        .process_proposal(SignedProposal {
            proposal_bytes: b"proposal".to_vec(),
            signature: vec![1],
        })
        .await
        .unwrap()
        .into_inner();
    let response = reply.response.unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(response.payload, b"proposal");
}

#[tokio::test]
async fn broadcast_answers_each_envelope_in_order() {
    let addr = start_server().await;
    let mut client = AtomicBroadcastClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let envelopes = [
        Envelope {
            payload: b"a".to_vec(),
            signature: b"s".to_vec(),
        },
        Envelope {
            payload: b"b".to_vec(),
            signature: vec![],
        },
    ];
    let mut answers = client
        .broadcast(tokio_stream::iter(envelopes))
        .await
        .unwrap()
        .into_inner();
    let first = answers.message().await.unwrap().unwrap();
    let second = answers.message().await.unwrap().unwrap();
    assert_eq!(first.status(), FabricStatus::Success);
    assert_eq!(second.status(), FabricStatus::BadRequest);
    assert!(answers.message().await.unwrap().is_none());
}

#[tokio::test]
async fn deliver_filtered_streams_blocks_then_status() {
    let addr = start_server().await;
    let mut client = DeliverClient::connect(format!("http://{addr}"))
        .await
        .unwrap();
    let seek = Envelope {
        payload: b"seek".to_vec(),
        signature: vec![1],
    };
    let mut stream = client
        .deliver_filtered(tokio_stream::iter([seek]))
        .await
        .unwrap()
        .into_inner();
    let first = stream.message().await.unwrap().unwrap();
    match first.r#type {
        Some(deliver_response::Type::FilteredBlock(block)) => assert_eq!(block.number, 5),
        other => panic!("expected a filtered block, got {other:?}"),
    }
    let second = stream.message().await.unwrap().unwrap();
    assert_eq!(
        second.r#type,
        Some(deliver_response::Type::Status(FabricStatus::Success as i32))
    );

    let err = client
        .deliver(tokio_stream::iter(Vec::<Envelope>::new()))
        .await
        .unwrap_err();
    assert_eq!(err.code(), tonic::Code::Unimplemented);
}
