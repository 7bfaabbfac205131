//! Fabric's wire schema: messages and gRPC stubs generated at build time from
//! the `.proto` files in the repository's `proto/` folder.
//!
//! Each module is one protobuf package of Fabric and keeps its name, with one
//! exception: Fabric's peer package is called `protos` on the wire, and lives
//! here as [`peer`]. Messages use prost (encode with [`Message`]), services use
//! tonic; clients live in `<service>_client` modules and servers, for tests
//! that stand in for a peer or orderer, in `<service>_server` modules.
//!
//! | module | Fabric package | holds |
//! |---|---|---|
//! | [`common`] | `common` | envelopes, headers, blocks, channel config, policies, MSP principals |
//! | [`msp`] | `msp` | serialized identities, MSP definitions |
//! | [`peer`] | `protos` | proposals, responses, transactions, validation codes; `Endorser`, `Deliver` |
//! | [`orderer`] | `orderer` | seek info, broadcast and deliver responses; `AtomicBroadcast` |
//! | [`rwset`], [`kvrwset`] | `rwset`, `kvrwset` | read/write sets |
//! | [`discovery`] | `discovery` | discovery queries and results; `Discovery` |
//! | [`gossip`] | `gossip` | the gossip envelopes that discovery results embed |
//! | [`gateway`] | `gateway` | the peer Gateway service (Fabric 2.4+) |
//! | [`lifecycle`] | `lifecycle` | `_lifecycle` system chaincode arguments and results |
//!
//! ```
//! use fabweave::proto::{msp::SerializedIdentity, Message};
//!
//! let creator = SerializedIdentity { mspid: "Org1MSP".into(), id_bytes: b"-----BEGIN CERTIFICATE-----".to_vec() };
//! let bytes = creator.encode_to_vec();
//! assert_eq!(SerializedIdentity::decode(bytes.as_slice()).unwrap(), creator);
//! ```

pub use prost::Message;
pub use prost_types::Timestamp;

/// Includes the generated code of one protobuf package.
macro_rules! package {
    ($(#[$doc:meta])* $module:ident, $file:literal) => {
        $(#[$doc])*
        #[allow(missing_docs)]
        pub mod $module {
            include!(concat!(env!("OUT_DIR"), "/", $file, ".rs"));
        }
    };
}

package!(
    /// Fabric package `common`: envelopes, headers, blocks, channel configuration,
    /// signature policies and MSP principals.
    common,
    "common"
);
package!(
    /// Fabric package `msp`: serialized identities and MSP definitions.
    msp,
    "msp"
);
package!(
    /// Fabric package `protos`: proposals, proposal responses, transactions,
    /// validation codes, deliver responses, and the `Endorser` and `Deliver`
    /// services.
    peer,
    "protos"
);
package!(
    /// Fabric package `orderer`: `SeekInfo`, broadcast and deliver responses, and
    /// the `AtomicBroadcast` service.
    orderer,
    "orderer"
);
package!(
    /// Fabric package `rwset`: transaction read/write sets, public and private.
    rwset,
    "rwset"
);
package!(
    /// Fabric package `kvrwset`: key-level reads, writes and range queries.
    kvrwset,
    "kvrwset"
);
package!(
    /// Fabric package `discovery`: the `Discovery` service and its queries and
    /// results.
    discovery,
    "discovery"
);
package!(
    /// Fabric package `gossip`, as far as discovery results embed it.
    gossip,
    "gossip"
);
package!(
    /// Fabric package `gateway`: the peer `Gateway` service (Fabric 2.4+).
    gateway,
    "gateway"
);
package!(
    /// Fabric package `lifecycle`: arguments and results of the `_lifecycle`
    /// system chaincode.
    lifecycle,
    "lifecycle"
);

// Generated code names Fabric's peer package by its protobuf name.
use peer as protos;
