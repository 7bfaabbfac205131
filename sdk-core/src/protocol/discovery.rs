//! Discovery: the request a client signs for a peer's discovery service
//! (`/discovery.Discovery/Discover`) and the answers it gets back, as plain Rust values
//! (protocol notes §8).
//!
//! Pure: bytes in, bytes out. The caller signs [`discovery_request`]'s bytes with the same
//! identity it put in them, wraps both with [`signed_discovery_request`], sends the
//! `SignedRequest`, and hands the `Response` to [`parse_discovery_response`] together with the
//! queries it asked.
//!
//! ```
//! use fabweave::protocol::discovery::{
//!     discovery_request, parse_discovery_response, signed_discovery_request, ChaincodeCall,
//!     DiscoveryAnswer, DiscoveryQuery,
//! };
//! use fabweave::proto::discovery::{query_result, Error as QueryError, QueryResult, Response};
//!
//! let queries = [
//!     DiscoveryQuery::Config,
//!     DiscoveryQuery::Endorsers(vec![vec![ChaincodeCall::new("basic")]]),
//! ];
//! let payload = discovery_request(b"serialized identity", None, "mychannel", &queries);
//! let signed = signed_discovery_request(payload, vec![0x30]); // signature over the payload
//! assert_eq!(signed.signature, vec![0x30]);
//!
//! // A peer that refuses both queries:
//! let denied = || QueryResult {
//!     result: Some(query_result::Result::Error(QueryError { content: "access denied".into() })),
//! };
//! let response = Response { results: vec![denied(), denied()] };
//! let answers = parse_discovery_response(&response, &queries)?;
//! assert_eq!(answers[0], Err::<DiscoveryAnswer, _>("access denied".to_string()));
//! # Ok::<(), fabweave::Error>(())
//! ```

use std::collections::HashMap;

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::discovery::{
    query, query_result, AuthInfo, ChaincodeQuery, ChaincodeQueryResult, ConfigQuery, ConfigResult,
    LocalPeerQuery, PeerMembershipQuery, PeerMembershipResult, Peers, Query, Request, Response,
    SignedRequest,
};
use crate::proto::gossip::{gossip_message, Envelope, GossipMessage};
use crate::proto::msp::{FabricMspConfig, SerializedIdentity};
use crate::proto::peer;

/// What [`Error::Protocol`] names as the answering side: these functions see only the bytes,
/// not the peer they came from.
const WHO: &str = "discovery service";

fn malformed(message: String) -> Error {
    Error::Protocol {
        endpoint: WHO.into(),
        message,
    }
}

/// One chaincode of an interest: its name and how it touches private data.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChaincodeCall {
    /// The chaincode's name on the channel.
    pub name: String,
    /// Private data collections the call reads or writes; their policies join the chaincode's.
    pub collections: Vec<String>,
    /// Tells discovery the call reads no private data from `collections`.
    pub no_private_reads: bool,
    /// Tells discovery the call writes no public (non-private) state.
    pub no_public_writes: bool,
}

impl ChaincodeCall {
    /// A call of chaincode `name` touching no private data collection.
    pub fn new(name: impl Into<String>) -> ChaincodeCall {
        ChaincodeCall {
            name: name.into(),
            collections: Vec::new(),
            no_private_reads: false,
            no_public_writes: false,
        }
    }

    fn to_proto(&self) -> peer::ChaincodeCall {
        peer::ChaincodeCall {
            name: self.name.clone(),
            collection_names: self.collections.clone(),
            no_private_reads: self.no_private_reads,
            no_public_writes: self.no_public_writes,
            ..Default::default()
        }
    }
}

/// What to ask a discovery service.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DiscoveryQuery {
    /// The channel's MSPs (CA and TLS CA certificates) and orderer endpoints.
    Config,
    /// Every peer of the channel, with its ledger height and chaincodes.
    Peers,
    /// Endorsement descriptors: one interest per inner `Vec`. A chain of chaincode-to-chaincode
    /// calls is one interest listing every chaincode of the chain.
    Endorsers(Vec<Vec<ChaincodeCall>>),
    /// The peers the queried peer knows, outside any channel (sent with channel `""`; needs an
    /// admin of the peer's MSP unless the peer lets members ask).
    LocalPeers,
}

impl DiscoveryQuery {
    fn to_proto(&self, channel: &str) -> Query {
        let (channel, query) = match self {
            DiscoveryQuery::Config => (channel, query::Query::ConfigQuery(ConfigQuery {})),
            DiscoveryQuery::Peers => (
                channel,
                query::Query::PeerQuery(PeerMembershipQuery { filter: None }),
            ),
            DiscoveryQuery::Endorsers(interests) => (
                channel,
                query::Query::CcQuery(ChaincodeQuery {
                    interests: interests
                        .iter()
                        .map(|calls| peer::ChaincodeInterest {
                            chaincodes: calls.iter().map(ChaincodeCall::to_proto).collect(),
                        })
                        .collect(),
                }),
            ),
            DiscoveryQuery::LocalPeers => ("", query::Query::LocalPeers(LocalPeerQuery {})),
        };
        Query {
            channel: channel.to_string(),
            query: Some(query),
        }
    }

    /// A short name for error messages.
    fn describe(&self) -> &'static str {
        match self {
            DiscoveryQuery::Config => "config query",
            DiscoveryQuery::Peers => "peers query",
            DiscoveryQuery::Endorsers(_) => "endorsers query",
            DiscoveryQuery::LocalPeers => "local peers query",
        }
    }
}

/// The bytes to sign: a marshaled discovery `Request` whose `AuthInfo` carries
/// `client_identity` (the marshaled `SerializedIdentity` that will sign) and the SHA-256 of the
/// client's TLS certificate (required when the peer runs TLS, mutual or not), followed by one
/// `Query` per item of `queries`, all for `channel` except [`DiscoveryQuery::LocalPeers`],
/// which is always sent with channel `""`.
pub fn discovery_request(
    client_identity: &[u8],
    tls_cert_hash: Option<&[u8]>,
    channel: &str,
    queries: &[DiscoveryQuery],
) -> Vec<u8> {
    Request {
        authentication: Some(AuthInfo {
            client_identity: client_identity.to_vec(),
            client_tls_cert_hash: tls_cert_hash.map(<[u8]>::to_vec).unwrap_or_default(),
        }),
        queries: queries.iter().map(|q| q.to_proto(channel)).collect(),
    }
    .encode_to_vec()
}

/// The message to send: the request bytes of [`discovery_request`] and the client's signature
/// over exactly those bytes.
pub fn signed_discovery_request(payload: Vec<u8>, signature: Vec<u8>) -> SignedRequest {
    SignedRequest { payload, signature }
}

/// One organization's MSP as the channel configuration defines it. Certificates are PEM bytes,
/// as Fabric stores them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MspInfo {
    /// The MSP ID.
    pub msp_id: String,
    /// Root CA certificates of the organization's identities.
    pub root_certs: Vec<Vec<u8>>,
    /// Intermediate CA certificates of the organization's identities.
    pub intermediate_certs: Vec<Vec<u8>>,
    /// Certificates of explicitly listed administrators.
    pub admins: Vec<Vec<u8>>,
    /// Root CA certificates of the organization's TLS certificates.
    pub tls_root_certs: Vec<Vec<u8>>,
    /// Intermediate CA certificates of the organization's TLS certificates.
    pub tls_intermediate_certs: Vec<Vec<u8>>,
}

/// A channel's configuration as discovery reports it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChannelConfig {
    /// Every MSP of the channel (application and orderer organizations), sorted by ID.
    pub msps: Vec<MspInfo>,
    /// Orderer endpoints `(host, port)` by orderer MSP ID; sorted by MSP ID, and each MSP's
    /// endpoints sorted. When no orderer organization defines its own endpoints, Fabric lists
    /// the channel's global orderer addresses under every orderer organization.
    pub orderers: Vec<(String, Vec<(String, u16)>)>,
}

fn push_pems(out: &mut Vec<String>, certs: &[Vec<u8>]) {
    for cert in certs {
        let pem = String::from_utf8_lossy(cert).into_owned();
        if !out.contains(&pem) {
            out.push(pem);
        }
    }
}

impl ChannelConfig {
    /// The MSP with ID `id`.
    pub fn msp(&self, id: &str) -> Option<&MspInfo> {
        self.msps.iter().find(|m| m.msp_id == id)
    }

    /// The TLS CA certificates of MSP `msp` as PEM strings: its TLS roots, then its TLS
    /// intermediates, without repeats. Empty when the channel has no such MSP.
    pub fn tls_ca_pems(&self, msp: &str) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(info) = self.msp(msp) {
            push_pems(&mut out, &info.tls_root_certs);
            push_pems(&mut out, &info.tls_intermediate_certs);
        }
        out
    }

    /// The TLS CA certificates of every orderer organization, pooled (PEM strings, in MSP order,
    /// without repeats). Pooled because discovery may list the same global orderer addresses
    /// under each orderer organization, so an endpoint's own organization is not known.
    pub fn orderer_tls_ca_pems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (msp, _) in &self.orderers {
            if let Some(info) = self.msp(msp) {
                push_pems(&mut out, &info.tls_root_certs);
                push_pems(&mut out, &info.tls_intermediate_certs);
            }
        }
        out
    }
}

/// A peer as discovery reports it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct DiscoveredPeer {
    /// The MSP ID of the peer's identity.
    pub msp_id: String,
    /// `host:port`: the peer's gossip external endpoint, the address clients dial.
    pub endpoint: String,
    /// The peer's marshaled `SerializedIdentity`, as its endorsements carry it.
    pub identity: Vec<u8>,
    /// The peer's ledger height on the channel; `None` for local-peer answers, which carry no
    /// channel state.
    pub ledger_height: Option<u64>,
    /// Chaincodes `(name, version)` the peer reports, in the peer's order.
    pub chaincodes: Vec<(String, String)>,
    /// The peer has left the channel.
    pub left_channel: bool,
}

/// Who can endorse for one chaincode interest.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EndorsementDescriptor {
    /// The chaincode the descriptor is for (the first of its interest).
    pub chaincode: String,
    /// Endorser groups (`"G0"`, `"G1"`, …) sorted by name; each group's peers sorted by MSP ID,
    /// then endpoint. A peer may be in several groups.
    pub groups: Vec<(String, Vec<DiscoveredPeer>)>,
    /// Each layout alone satisfies the policy: `(group, number of distinct peers)` pairs,
    /// sorted by group name. Layouts keep the peer's order.
    pub layouts: Vec<Vec<(String, u32)>>,
}

/// The answer to one [`DiscoveryQuery`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryAnswer {
    /// Answer to [`DiscoveryQuery::Config`].
    Config(ChannelConfig),
    /// Answer to [`DiscoveryQuery::Peers`] and [`DiscoveryQuery::LocalPeers`]: sorted by MSP ID,
    /// then endpoint; peers without an external endpoint are left out.
    Peers(Vec<DiscoveredPeer>),
    /// Answer to [`DiscoveryQuery::Endorsers`]: one descriptor per interest, in order.
    Endorsers(Vec<EndorsementDescriptor>),
}

/// Reads a discovery `Response` to the request built from `queries`: one entry per query, in
/// order — the answer, or the peer's error text for that query (e.g. `"access denied"`, or
/// `failed constructing descriptor for chaincodes:<name:"kv" >`).
///
/// Errors: [`Error::Protocol`] when the response does not fit the queries (a different number
/// of results, a result of the wrong kind or without content, a different number of
/// endorsement descriptors than interests, a port out of range) or holds bytes that do not
/// decode (identities, gossip envelopes).
pub fn parse_discovery_response(
    response: &Response,
    queries: &[DiscoveryQuery],
) -> Result<Vec<std::result::Result<DiscoveryAnswer, String>>> {
    if response.results.len() != queries.len() {
        return Err(malformed(format!(
            "{} result(s) for {} quer{}",
            response.results.len(),
            queries.len(),
            if queries.len() == 1 { "y" } else { "ies" }
        )));
    }
    let total = queries.len();
    response
        .results
        .iter()
        .zip(queries)
        .enumerate()
        .map(|(i, (result, q))| {
            let at = || format!("result {} of {total} ({})", i + 1, q.describe());
            use query_result::Result as R;
            match (&result.result, q) {
                (Some(R::Error(e)), _) => Ok(Err(e.content.clone())),
                (Some(R::ConfigResult(c)), DiscoveryQuery::Config) => parse_config(c)
                    .map(|c| Ok(DiscoveryAnswer::Config(c)))
                    .map_err(|m| malformed(format!("{}: {m}", at()))),
                (Some(R::Members(m)), DiscoveryQuery::Peers | DiscoveryQuery::LocalPeers) => {
                    parse_members(m)
                        .map(|p| Ok(DiscoveryAnswer::Peers(p)))
                        .map_err(|m| malformed(format!("{}: {m}", at())))
                }
                (Some(R::CcQueryRes(r)), DiscoveryQuery::Endorsers(interests)) => {
                    parse_endorsers(r, interests.len())
                        .map(|d| Ok(DiscoveryAnswer::Endorsers(d)))
                        .map_err(|m| malformed(format!("{}: {m}", at())))
                }
                (other, _) => Err(malformed(format!(
                    "{}: expected {}, got {}",
                    at(),
                    expected_kind(q),
                    result_kind(other.as_ref())
                ))),
            }
        })
        .collect()
}

fn expected_kind(q: &DiscoveryQuery) -> &'static str {
    match q {
        DiscoveryQuery::Config => "a config result",
        DiscoveryQuery::Peers | DiscoveryQuery::LocalPeers => "a peer membership result",
        DiscoveryQuery::Endorsers(_) => "a chaincode query result",
    }
}

fn result_kind(r: Option<&query_result::Result>) -> &'static str {
    match r {
        None => "an empty result",
        Some(query_result::Result::Error(_)) => "an error",
        Some(query_result::Result::ConfigResult(_)) => "a config result",
        Some(query_result::Result::Members(_)) => "a peer membership result",
        Some(query_result::Result::CcQueryRes(_)) => "a chaincode query result",
    }
}

/// Errors of the inner parsers are plain text; the caller adds which result they concern.
type Parsed<T> = std::result::Result<T, String>;

fn parse_config(c: &ConfigResult) -> Parsed<ChannelConfig> {
    let mut msps: Vec<MspInfo> = c.msps.iter().map(|(id, m)| msp_info(id, m)).collect();
    msps.sort_by(|a, b| a.msp_id.cmp(&b.msp_id));
    let mut orderers = Vec::with_capacity(c.orderers.len());
    for (msp, endpoints) in &c.orderers {
        let mut list = Vec::with_capacity(endpoints.endpoint.len());
        for e in &endpoints.endpoint {
            let port = u16::try_from(e.port).map_err(|_| {
                format!(
                    "orderer endpoint {}:{} of {msp} has a port out of range",
                    e.host, e.port
                )
            })?;
            list.push((e.host.clone(), port));
        }
        list.sort();
        orderers.push((msp.clone(), list));
    }
    orderers.sort();
    Ok(ChannelConfig { msps, orderers })
}

fn msp_info(id: &str, m: &FabricMspConfig) -> MspInfo {
    MspInfo {
        // The map is keyed by MSP ID; the config's own name is the same in every Fabric
        // release, but the key is what peers and orderers are filed under.
        msp_id: if id.is_empty() {
            m.name.clone()
        } else {
            id.to_string()
        },
        root_certs: m.root_certs.clone(),
        intermediate_certs: m.intermediate_certs.clone(),
        admins: m.admins.clone(),
        tls_root_certs: m.tls_root_certs.clone(),
        tls_intermediate_certs: m.tls_intermediate_certs.clone(),
    }
}

fn parse_members(m: &PeerMembershipResult) -> Parsed<Vec<DiscoveredPeer>> {
    let mut all = Vec::new();
    for (org, peers) in &m.peers_by_org {
        all.extend(parse_peers(peers, Some(org))?);
    }
    sort_peers(&mut all);
    Ok(all)
}

fn parse_endorsers(
    r: &ChaincodeQueryResult,
    interests: usize,
) -> Parsed<Vec<EndorsementDescriptor>> {
    if r.content.len() != interests {
        return Err(format!(
            "{} endorsement descriptor(s) for {interests} interest(s)",
            r.content.len()
        ));
    }
    r.content
        .iter()
        .map(|d| {
            let mut groups = Vec::with_capacity(d.endorsers_by_groups.len());
            for (name, peers) in &d.endorsers_by_groups {
                let mut list = parse_peers(peers, None)
                    .map_err(|m| format!("chaincode {}, group {name}: {m}", d.chaincode))?;
                sort_peers(&mut list);
                groups.push((name.clone(), list));
            }
            groups.sort_by(|a, b| a.0.cmp(&b.0));
            let layouts = d
                .layouts
                .iter()
                .map(|l| sorted_pairs(&l.quantities_by_group))
                .collect();
            Ok(EndorsementDescriptor {
                chaincode: d.chaincode.clone(),
                groups,
                layouts,
            })
        })
        .collect()
}

fn sorted_pairs(map: &HashMap<String, u32>) -> Vec<(String, u32)> {
    let mut v: Vec<(String, u32)> = map.iter().map(|(k, n)| (k.clone(), *n)).collect();
    v.sort();
    v
}

fn sort_peers(peers: &mut [DiscoveredPeer]) {
    peers.sort_by(|a, b| {
        (a.msp_id.as_str(), a.endpoint.as_str()).cmp(&(b.msp_id.as_str(), b.endpoint.as_str()))
    });
}

/// Decodes the peers of one list, leaving out those without an external endpoint. `org` is
/// the MSP ID the list is filed under, used when a peer's identity names none.
fn parse_peers(peers: &Peers, org: Option<&str>) -> Parsed<Vec<DiscoveredPeer>> {
    let mut out = Vec::with_capacity(peers.peers.len());
    for p in &peers.peers {
        let identity = SerializedIdentity::decode(p.identity.as_slice())
            .map_err(|e| format!("a peer's identity is not a SerializedIdentity: {e}"))?;
        let msp_id = if identity.mspid.is_empty() {
            org.unwrap_or_default().to_string()
        } else {
            identity.mspid
        };
        let endpoint = match &p.membership_info {
            Some(env) => match gossip_content(env, "membership info")? {
                Some(gossip_message::Content::AliveMsg(alive)) => alive
                    .membership
                    .map(|member| member.endpoint)
                    .unwrap_or_default(),
                other => {
                    return Err(format!(
                        "membership info of a peer of {msp_id} holds {} instead of an alive \
                         message",
                        content_kind(other.as_ref())
                    ))
                }
            },
            None => String::new(),
        };
        if endpoint.is_empty() {
            continue;
        }
        let mut peer = DiscoveredPeer {
            msp_id,
            endpoint,
            identity: p.identity.clone(),
            ..Default::default()
        };
        if let Some(env) = &p.state_info {
            match gossip_content(env, "state info")? {
                Some(gossip_message::Content::StateInfo(state)) => {
                    if let Some(props) = state.properties {
                        peer.ledger_height = Some(props.ledger_height);
                        peer.left_channel = props.left_channel;
                        peer.chaincodes = props
                            .chaincodes
                            .into_iter()
                            .map(|cc| (cc.name, cc.version))
                            .collect();
                    }
                }
                other => {
                    return Err(format!(
                        "state info of peer {} holds {} instead of a state info message",
                        peer.endpoint,
                        content_kind(other.as_ref())
                    ))
                }
            }
        }
        out.push(peer);
    }
    Ok(out)
}

fn gossip_content(env: &Envelope, what: &str) -> Parsed<Option<gossip_message::Content>> {
    GossipMessage::decode(env.payload.as_slice())
        .map(|m| m.content)
        .map_err(|e| format!("{what} of a peer is not a gossip message: {e}"))
}

fn content_kind(c: Option<&gossip_message::Content>) -> &'static str {
    match c {
        None => "no content",
        Some(gossip_message::Content::AliveMsg(_)) => "an alive message",
        Some(gossip_message::Content::StateInfo(_)) => "a state info message",
        Some(gossip_message::Content::PeerIdentity(_)) => "a peer identity message",
    }
}
