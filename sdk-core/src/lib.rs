//! fabweave is a client SDK for Hyperledger Fabric.
//!
//! - [`flow`]: [`flow::Client`] → network → contract → `evaluate` / `submit`, carried by the
//!   client itself (endorse on the peers the call needs, check the endorsements, broadcast,
//!   wait for the commit) so it works on Fabric 2.2 peers without the Gateway service; plus a
//!   step-by-step form that hands out the bytes to sign;
//! - [`config`]: connection profiles of every format users download (fabric-sdk-go
//!   `config.yaml` as Huawei Cloud BCS and Alibaba Cloud BaaS ship it, common connection
//!   profiles in JSON and YAML), read into one network model;
//! - [`identity`]: X.509 identities from PEM, MSP folders and profiles;
//! - [`crypto`]: the [`crypto::Signer`] trait and ECDSA P-256 signing;
//! - [`protocol`]: pure builders and checks of Fabric messages (proposals, endorsements,
//!   transactions, deliver requests);
//! - [`routing`]: which peers endorse — service discovery and its cache, signature policies,
//!   endorsement plans with failover, discovered endpoints made reachable;
//! - [`transport`]: one gRPC connection per endpoint, TLS and mutual TLS from the profile, and
//!   the health of each endpoint;
//! - [`events`]: one filtered-block stream per (peer, channel), shared by every transaction
//!   waiting for its commit; block and chaincode event streams that fail over between peers
//!   and resume from checkpoints;
//! - [`proto`]: the Fabric wire schema, generated from fabweave's own `.proto` files;
//! - [`Error`]: one error type, with [`ErrorKind`] and structured fields.

pub mod ca;
pub mod config;
pub mod crypto;
pub mod error;
pub mod events;
pub mod flow;
pub mod identity;
pub mod ledger;
pub mod proto;
pub mod protocol;
pub mod routing;
pub mod transport;

pub use error::{
    ConfigProblem, Error, ErrorKind, IdentityProblem, PeerFailure, Position, Result, Stage,
};
