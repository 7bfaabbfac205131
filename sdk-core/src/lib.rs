//! fabweave is a client SDK for Hyperledger Fabric.
//!
//! This release holds the Fabric wire schema: the protobuf messages and gRPC
//! client stubs that endorsing, ordering, delivering, discovery and the peer
//! Gateway use, generated from fabweave's own `.proto` files. See [`proto`].

pub mod proto;
