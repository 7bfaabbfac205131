//! What the client knows of a channel: its peers and orderers, from the profile and from
//! discovery, each with an endpoint this client can reach.

use crate::config::{Endpoint, MappedEndpoint, PeerRoles, Profile, TlsSettings};
use crate::protocol::discovery::{ChannelConfig, DiscoveredPeer};

/// A peer of a channel, as the client sees it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RoutePeer {
    /// Its name in the profile, or the address discovery reported for a peer the profile does
    /// not list.
    pub name: String,
    /// Its organization's MSP ID, when known.
    pub msp_id: Option<String>,
    /// How to reach it.
    pub endpoint: Endpoint,
    /// What it may be used for (every role for a discovered peer).
    pub roles: PeerRoles,
    /// Its ledger height as discovery last reported it.
    pub height: Option<u64>,
    /// The chaincodes it runs, as discovery reported them; `None` when unknown.
    pub chaincodes: Option<Vec<String>>,
    /// Whether discovery reported it.
    pub discovered: bool,
}

impl RoutePeer {
    /// Whether the peer runs `chaincode` (`true` when unknown).
    pub fn runs(&self, chaincode: &str) -> bool {
        self.chaincodes
            .as_ref()
            .is_none_or(|c| c.iter().any(|n| n == chaincode))
    }
}

/// An orderer of a channel, as the client sees it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RouteOrderer {
    /// Its name in the profile, or its address when discovery reported it.
    pub name: String,
    /// How to reach it.
    pub endpoint: Endpoint,
}

/// A channel's peers and orderers.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ChannelView {
    /// Peers: the profile's for the channel first (in profile order), then those only
    /// discovery knows.
    pub peers: Vec<RoutePeer>,
    /// Orderers: the profile's for the channel, then those only discovery knows.
    pub orderers: Vec<RouteOrderer>,
    /// The channel's MSPs and orderer endpoints, when discovery answered.
    pub config: Option<ChannelConfig>,
}

impl ChannelView {
    /// The channel as the profile alone describes it.
    pub fn from_profile(profile: &Profile, channel: &str) -> ChannelView {
        let ch = profile.channel(channel);
        let peers = ch
            .peers
            .iter()
            .filter_map(|cp| {
                let p = profile.peer(&cp.name)?;
                let msp_id = p
                    .organization
                    .as_deref()
                    .and_then(|o| profile.organization(o))
                    .map(|o| o.msp_id.clone());
                Some(RoutePeer {
                    name: p.name.clone(),
                    msp_id,
                    endpoint: p.endpoint.clone(),
                    roles: cp.roles,
                    height: None,
                    chaincodes: None,
                    discovered: false,
                })
            })
            .collect();
        let mut orderers: Vec<RouteOrderer> = ch
            .orderers
            .iter()
            .filter_map(|n| profile.orderer(n))
            .map(|o| RouteOrderer {
                name: o.name.clone(),
                endpoint: o.endpoint.clone(),
            })
            .collect();
        if orderers.is_empty() {
            orderers = profile
                .orderers
                .iter()
                .map(|o| RouteOrderer {
                    name: o.name.clone(),
                    endpoint: o.endpoint.clone(),
                })
                .collect();
        }
        ChannelView {
            peers,
            orderers,
            config: None,
        }
    }

    /// This view with what discovery said: the channel config (MSPs, orderers) and its peers.
    /// Peers the profile lists get their MSP, height and chaincodes from discovery; the others
    /// are added with endpoints made reachable by [`Reach`].
    pub fn merge(
        &self,
        config: Option<ChannelConfig>,
        discovered: &[DiscoveredPeer],
        reach: &Reach<'_>,
    ) -> ChannelView {
        let mut view = self.clone();
        if let Some(config) = &config {
            let tls = config.orderer_tls_ca_pems();
            for (_, endpoints) in &config.orderers {
                for (host, port) in endpoints {
                    let address = join_host_port(host, *port);
                    let Some(endpoint) = reach.orderer(&address, &tls) else {
                        continue;
                    };
                    if view
                        .orderers
                        .iter()
                        .any(|o| same_endpoint(&o.endpoint, &endpoint))
                    {
                        continue;
                    }
                    view.orderers.push(RouteOrderer {
                        name: address,
                        endpoint,
                    });
                }
            }
        }
        if config.is_some() {
            view.config = config;
        }
        for d in discovered {
            if d.left_channel {
                continue;
            }
            view.add_discovered(d, reach);
        }
        view
    }

    /// Adds or updates a discovered peer; returns its index.
    pub(crate) fn add_discovered(
        &mut self,
        d: &DiscoveredPeer,
        reach: &Reach<'_>,
    ) -> Option<usize> {
        let tls = self
            .config
            .as_ref()
            .map(|c| c.tls_ca_pems(&d.msp_id))
            .unwrap_or_default();
        let endpoint = reach.peer(&d.endpoint, &tls)?;
        let chaincodes = d.chaincodes.iter().map(|(n, _)| n.clone()).collect();
        let known = d.ledger_height.is_some();
        if let Some(i) = self
            .peers
            .iter()
            .position(|p| same_endpoint(&p.endpoint, &endpoint))
        {
            let p = &mut self.peers[i];
            p.msp_id = Some(d.msp_id.clone());
            if known {
                p.height = d.ledger_height;
                p.chaincodes = Some(chaincodes);
            }
            p.discovered = true;
            return Some(i);
        }
        let name = reach
            .profile
            .peers
            .iter()
            .find(|p| same_endpoint(&p.endpoint, &endpoint))
            .map_or_else(|| d.endpoint.clone(), |p| p.name.clone());
        self.peers.push(RoutePeer {
            name,
            msp_id: Some(d.msp_id.clone()),
            endpoint,
            roles: PeerRoles::default(),
            height: d.ledger_height,
            chaincodes: known.then_some(chaincodes),
            discovered: true,
        });
        Some(self.peers.len() - 1)
    }

    /// The peer at a discovered address (after making it reachable), if known.
    pub(crate) fn find_discovered(&self, d: &DiscoveredPeer, reach: &Reach<'_>) -> Option<usize> {
        let endpoint = reach.peer(&d.endpoint, &[])?;
        self.peers
            .iter()
            .position(|p| same_endpoint(&p.endpoint, &endpoint))
    }

    /// A peer by its name, its address, or its profile name.
    pub fn peer(&self, name: &str) -> Option<&RoutePeer> {
        self.peers.iter().find(|p| {
            p.name.eq_ignore_ascii_case(name) || p.endpoint.address().eq_ignore_ascii_case(name)
        })
    }
}

/// Makes addresses reported by the network reachable: the profile's `entityMatchers` and peer
/// entries first, then the as-localhost switch; TLS CA certificates from the channel's MSP
/// configuration where the profile gives none.
#[derive(Debug, Clone, Copy)]
pub struct Reach<'a> {
    /// The profile.
    pub profile: &'a Profile,
    /// Whether to dial discovered DNS names at `localhost` (keeping the port, and the name for
    /// TLS), as when the network runs in containers on the client's machine.
    pub as_localhost: bool,
}

impl Reach<'_> {
    /// How to reach a peer reported at `address` (`host:port`); `None` if an entity matcher
    /// says to ignore it or the address is malformed.
    pub fn peer(&self, address: &str, tls_cas: &[String]) -> Option<Endpoint> {
        self.endpoint(self.profile.resolve_peer(address), address, tls_cas)
    }

    /// [`Reach::peer`] for orderers.
    pub fn orderer(&self, address: &str, tls_cas: &[String]) -> Option<Endpoint> {
        self.endpoint(self.profile.resolve_orderer(address), address, tls_cas)
    }

    fn endpoint(
        &self,
        mapped: MappedEndpoint,
        address: &str,
        tls_cas: &[String],
    ) -> Option<Endpoint> {
        match mapped {
            MappedEndpoint::Ignored => None,
            MappedEndpoint::Use(mut e) => {
                if e.tls.enabled && e.tls.ca_certs.is_empty() {
                    e.tls.ca_certs = tls_cas.to_vec();
                }
                Some(e)
            }
            _ => {
                let (host, port) = split_host_port(address)?;
                // Plaintext only when every peer of the profile is plaintext.
                let tls = self.profile.peers.is_empty()
                    || self.profile.peers.iter().any(|p| p.endpoint.tls.enabled);
                let (dial, server_name) = if self.as_localhost && is_dns_name(&host) {
                    ("localhost".to_owned(), Some(host.clone()))
                } else {
                    (host.clone(), None)
                };
                Some(Endpoint {
                    url: format!("{}://{address}", if tls { "grpcs" } else { "grpc" }),
                    host: dial,
                    port,
                    tls: TlsSettings {
                        enabled: tls,
                        ca_certs: tls_cas.to_vec(),
                        server_name,
                    },
                    keep_alive: Default::default(),
                })
            }
        }
    }
}

fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

fn split_host_port(address: &str) -> Option<(String, u16)> {
    let (host, port) = address.rsplit_once(':')?;
    let port = port.parse().ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

fn is_dns_name(host: &str) -> bool {
    host != "localhost"
        && host.parse::<std::net::IpAddr>().is_err()
        && host.chars().any(|c| c.is_ascii_alphabetic())
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether two endpoints dial the same server: same port, and the same host (any two names
/// of the loopback interface count as the same).
pub(crate) fn same_endpoint(a: &Endpoint, b: &Endpoint) -> bool {
    a.port == b.port
        && (a.host.eq_ignore_ascii_case(&b.host) || (is_loopback(&a.host) && is_loopback(&b.host)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_port_forms() {
        assert_eq!(
            split_host_port("peer0.org1.example.com:7051"),
            Some(("peer0.org1.example.com".into(), 7051))
        );
        assert_eq!(split_host_port("[::1]:7051"), Some(("::1".into(), 7051)));
        assert_eq!(split_host_port("nohost"), None);
        assert_eq!(split_host_port(":7051"), None);
        assert_eq!(join_host_port("::1", 1), "[::1]:1");
        assert!(is_dns_name("peer0.org1.example.com"));
        assert!(!is_dns_name("127.0.0.1"));
        assert!(!is_dns_name("localhost"));
        assert!(is_loopback("127.0.0.1") && is_loopback("LOCALHOST") && is_loopback("::1"));
    }
}
