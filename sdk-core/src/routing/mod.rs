//! Choosing endorsers: service discovery and its cache, endorsement policies, endorsement
//! plans, and the channel's peers and orderers as the client sees them.
//!
//! For each submit the client asks the [`router`](Route) for a route — groups of
//! interchangeable peers and the layouts combining them — then walks it with a
//! [`plan::Plan`]:
//!
//! 1. the caller named peers or organizations: those, one peer per organization;
//! 2. otherwise discovery's endorsement layouts for the call's chaincode interest (the
//!    chaincode, its private data collections, the chaincodes it calls), cached per channel and
//!    interest for [`RoutingOptions::refresh`] and dropped when an endorsement fails;
//! 3. where discovery is off or no peer answers it: layouts computed from an endorsement
//!    [`policy::SignaturePolicy`] the caller or the profile gives;
//! 4. failing that, one peer of every organization with endorsing peers on the channel.
//!
//! Peers discovery reports are made reachable by the profile's `entityMatchers` and the
//! as-localhost switch ([`Reach`]), and trusted with the TLS CA certificates of their
//! organization's MSP as the channel configuration gives them.

pub mod plan;
pub mod policy;
mod router;
mod view;

pub use router::{Route, RoutingOptions};
pub(crate) use router::{Router, Wanted};
pub use view::{ChannelView, Reach, RouteOrderer, RoutePeer};
