//! fabweave is a client SDK for Hyperledger Fabric.
//!
//! What is here so far:
//! - [`config`]: connection profiles of every format users download (fabric-sdk-go
//!   `config.yaml` as Huawei Cloud BCS and Alibaba Cloud BaaS ship it, common connection
//!   profiles in JSON and YAML), read into one network model;
//! - [`identity`]: X.509 identities from PEM, MSP folders and profiles;
//! - [`crypto`]: the [`crypto::Signer`] trait and ECDSA P-256 signing;
//! - [`proto`]: the Fabric wire schema, generated from fabweave's own `.proto` files;
//! - [`protocol`]: pure builders and checkers of Fabric messages (proposals, endorsements,
//!   transactions);
//! - [`transport`]: one gRPC connection per endpoint, TLS and mutual TLS, keep-alive;
//! - [`events`]: the commit hub, one filtered deliver stream per (peer, channel);
//! - [`Error`]: one error type, with [`ErrorKind`] and structured fields.

pub mod config;
pub mod crypto;
pub mod error;
pub mod events;
pub mod flow;
pub mod identity;
pub mod proto;
pub mod protocol;
pub mod transport;

pub use error::{
    ConfigProblem, Error, ErrorKind, IdentityProblem, PeerFailure, Position, Result, Stage,
};
