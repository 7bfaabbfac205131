//! `entityMatchers`: rules that turn a host name the network reports (discovery returns the
//! names peers know each other by, often in-cluster DNS names) into an address this client can
//! reach, with the TLS settings of a configured entry.

use super::model::*;
use super::sections::split_url;

/// The outcome of looking up an endpoint name.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MappedEndpoint {
    /// Use this endpoint.
    Use(Endpoint),
    /// A matcher says to ignore this endpoint (`ignoreEndpoint: true`).
    Ignored,
    /// Nothing in the profile knows this name.
    Unknown,
}

impl Profile {
    /// Finds how to reach a peer the network named `address` (`host:port`, as discovery reports
    /// it): the first matching `entityMatchers.peer` rule, else the peer whose key is that name,
    /// else the peer whose URL has that host and port.
    pub fn resolve_peer(&self, address: &str) -> MappedEndpoint {
        let endpoints: Vec<(&str, &Endpoint)> = self
            .peers
            .iter()
            .map(|p| (p.name.as_str(), &p.endpoint))
            .collect();
        resolve(
            &self.entity_matchers,
            MatcherKind::Peer,
            &endpoints,
            address,
        )
    }

    /// [`Profile::resolve_peer`] for orderers (`entityMatchers.orderer`).
    pub fn resolve_orderer(&self, address: &str) -> MappedEndpoint {
        let endpoints: Vec<(&str, &Endpoint)> = self
            .orderers
            .iter()
            .map(|o| (o.name.as_str(), &o.endpoint))
            .collect();
        resolve(
            &self.entity_matchers,
            MatcherKind::Orderer,
            &endpoints,
            address,
        )
    }
}

fn resolve(
    matchers: &[EntityMatcher],
    kind: MatcherKind,
    endpoints: &[(&str, &Endpoint)],
    address: &str,
) -> MappedEndpoint {
    let by_name = |name: &str| {
        endpoints
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, e)| *e)
    };
    for m in matchers.iter().filter(|m| m.kind == kind) {
        if !m.pattern.is_match(address) {
            continue;
        }
        if m.ignore_endpoint {
            return MappedEndpoint::Ignored;
        }
        let base = m.mapped_host.as_deref().and_then(by_name);
        let url = match &m.url_substitution {
            Some(sub) => m.pattern.replace_all(address, sub.as_str()).into_owned(),
            None => base.map_or_else(|| address.to_owned(), |b| b.url.clone()),
        };
        let tls_default = base.is_none_or(|b| b.tls.enabled);
        let Some((tls, host, port)) = split_url(&url, !tls_default) else {
            continue;
        };
        let server_name = match &m.ssl_target_override_substitution {
            Some(sub) => Some(m.pattern.replace_all(address, sub.as_str()).into_owned()),
            None => base
                .and_then(|b| b.tls.server_name.clone())
                .or_else(|| split_url(address, false).map(|(_, h, _)| h)),
        };
        return MappedEndpoint::Use(Endpoint {
            url,
            host,
            port,
            tls: TlsSettings {
                enabled: tls,
                ca_certs: base.map(|b| b.tls.ca_certs.clone()).unwrap_or_default(),
                server_name,
            },
            keep_alive: base.map(|b| b.keep_alive).unwrap_or_default(),
        });
    }
    if let Some(e) = by_name(address) {
        return MappedEndpoint::Use(e.clone());
    }
    let wanted = split_url(address, false).map(|(_, h, p)| (h.to_ascii_lowercase(), p));
    for (_, e) in endpoints {
        let url_hp = split_url(&e.url, false).map(|(_, h, p)| (h.to_ascii_lowercase(), p));
        if url_hp.is_some() && url_hp == wanted {
            return MappedEndpoint::Use((*e).clone());
        }
    }
    MappedEndpoint::Unknown
}
