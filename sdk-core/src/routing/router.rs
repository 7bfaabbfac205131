//! The router: asks discovery (and caches what it says), and turns the answers, a policy or
//! the caller's choice into the [`Route`] an endorsement follows.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::plan::{Candidate, Layouts, Plan, Preferences};
use super::policy::{Role, SignaturePolicy};
use super::view::{ChannelView, Reach, RoutePeer};
use crate::config::Profile;
use crate::error::{ConfigProblem, Error, Result};
use crate::identity::Identity;
use crate::protocol::discovery::{
    discovery_request, parse_discovery_response, signed_discovery_request, ChaincodeCall,
    DiscoveryAnswer, DiscoveryQuery, EndorsementDescriptor,
};
use crate::transport::Connections;

/// How the client chooses peers.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RoutingOptions {
    /// Whether to ask the peers' discovery service for the channel's peers, orderers and
    /// endorsement layouts (on by default). Off, or when no peer answers, endorsers come from
    /// an endorsement policy given by the caller or the profile, else one peer of every
    /// organization of the channel.
    pub discovery: bool,
    /// How long discovery answers are used before they are asked again (60 s). A failed
    /// endorsement drops them at once.
    pub refresh: Duration,
    /// How long one discovery call may take (5 s).
    pub discovery_timeout: Duration,
    /// Peers this many blocks behind the highest known ledger height are used only when no
    /// other peer of their group is left (5).
    pub lag_threshold: u64,
    /// Whether discovered DNS names are dialed at `localhost` (off).
    pub as_localhost: bool,
}

impl Default for RoutingOptions {
    fn default() -> Self {
        RoutingOptions {
            discovery: true,
            refresh: Duration::from_secs(60),
            discovery_timeout: Duration::from_secs(5),
            lag_threshold: 5,
            as_localhost: false,
        }
    }
}

/// The most layouts computed from a policy (an `OutOf(k, n)` over many organizations has
/// very many).
const POLICY_LAYOUT_LIMIT: usize = 64;

/// A chaincode interest and a policy's text.
type PolicyKey = (Vec<ChaincodeCall>, String);

/// How many policy routes a channel keeps (they are cheap to recompute; the bound keeps a
/// client that makes up policies per call from growing).
const POLICY_ROUTES_KEPT: usize = 256;

/// Where an endorsement goes: candidate peers, grouped, and the layouts combining the groups.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Route {
    /// The candidates; [`Layouts`] index into this.
    pub peers: Vec<RoutePeer>,
    /// Groups and layouts.
    pub layouts: Layouts,
    /// A label per group for errors, e.g. `G1 (Org2MSP)` or `Org1MSP.peer`.
    pub labels: Vec<String>,
    /// Where the route came from: `discovery`, `policy`, `organizations`, `peers` or
    /// `channel organizations`.
    pub source: &'static str,
    /// Why a better source was not used, when that is worth telling (e.g. what discovery said).
    pub note: Option<String>,
}

impl Route {
    /// A plan over this route, with the peers' current health.
    pub fn plan(&self, connections: &Connections, own_msp: &str, lag: u64, spread: usize) -> Plan {
        let health = connections.health();
        let candidates: Vec<Candidate<'_>> = self
            .peers
            .iter()
            .map(|p| Candidate {
                msp_id: p.msp_id.as_deref().unwrap_or(""),
                height: p.height,
                set_aside: health.is_set_aside(&p.endpoint.address()),
            })
            .collect();
        Plan::new(
            &candidates,
            &self.layouts,
            &Preferences {
                own_msp,
                lag_threshold: lag,
                spread,
            },
        )
    }
}

/// What a caller asks of one endorsement.
#[derive(Debug, Clone, Default)]
pub struct Wanted<'a> {
    /// The chaincodes the call reaches (the first is the one called, with its collections).
    pub interest: &'a [ChaincodeCall],
    /// MSP IDs or organization names whose peers must endorse (one peer each).
    pub orgs: &'a [String],
    /// Exact peers (profile names or addresses), each of which must endorse.
    pub peers: &'a [String],
    /// The endorsement policy to follow when discovery is off or unavailable.
    pub policy: Option<&'a SignaturePolicy>,
}

struct Cached<T> {
    at: Instant,
    value: Arc<T>,
    fresh: bool,
}

#[derive(Default)]
struct ChannelState {
    view: Option<Cached<ChannelView>>,
    routes: HashMap<Vec<ChaincodeCall>, Cached<Route>>,
    /// Routes computed from policies, with the view they were computed over.
    policy_routes: HashMap<PolicyKey, (Arc<ChannelView>, Arc<Route>)>,
    /// Until when discovery is considered unavailable (no peer answered).
    unavailable_until: Option<Instant>,
}

/// Discovery client, caches and routes; one per client.
pub(crate) struct Router {
    connections: Connections,
    identity: Identity,
    pub(crate) options: RoutingOptions,
    channels: Mutex<HashMap<String, Arc<ChannelEntry>>>,
    spread: AtomicUsize,
}

struct ChannelEntry {
    /// Held while discovery is asked, so concurrent calls wait for one answer.
    asking: tokio::sync::Mutex<()>,
    state: Mutex<ChannelState>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Router {
    pub(crate) fn new(
        connections: Connections,
        identity: Identity,
        options: RoutingOptions,
    ) -> Router {
        Router {
            connections,
            identity,
            options,
            channels: Mutex::new(HashMap::new()),
            spread: AtomicUsize::new(0),
        }
    }

    fn entry(&self, channel: &str) -> Arc<ChannelEntry> {
        lock(&self.channels)
            .entry(channel.to_owned())
            .or_insert_with(|| {
                Arc::new(ChannelEntry {
                    asking: tokio::sync::Mutex::new(()),
                    state: Mutex::new(ChannelState::default()),
                })
            })
            .clone()
    }

    /// A new value to rotate equally good peers by.
    pub(crate) fn next_spread(&self) -> usize {
        self.spread.fetch_add(1, Ordering::Relaxed)
    }

    fn reach<'a>(&self, profile: &'a Profile) -> Reach<'a> {
        Reach {
            profile,
            as_localhost: self.options.as_localhost,
        }
    }

    /// Forgets what discovery said about `channel` (it is asked again on next use); the last
    /// answers stay available as a fallback.
    pub(crate) fn invalidate(&self, channel: &str) {
        let entry = self.entry(channel);
        let mut state = lock(&entry.state);
        if let Some(v) = state.view.as_mut() {
            v.fresh = false;
        }
        for r in state.routes.values_mut() {
            r.fresh = false;
        }
    }

    fn is_fresh<T>(&self, c: &Cached<T>) -> bool {
        c.fresh && c.at.elapsed() < self.options.refresh
    }

    fn discovery_unavailable(&self, state: &ChannelState) -> bool {
        !self.options.discovery || state.unavailable_until.is_some_and(|t| t > Instant::now())
    }

    /// The channel's peers and orderers: the profile's, with what discovery says.
    pub(crate) async fn view(&self, profile: &Profile, channel: &str) -> Arc<ChannelView> {
        let entry = self.entry(channel);
        {
            let state = lock(&entry.state);
            if let Some(v) = state.view.as_ref().filter(|v| self.is_fresh(v)) {
                return v.value.clone();
            }
            if self.discovery_unavailable(&state) {
                if let Some(v) = &state.view {
                    return v.value.clone();
                }
            }
        }
        let _asking = entry.asking.lock().await;
        let (stale, skip) = {
            let state = lock(&entry.state);
            if let Some(v) = state.view.as_ref().filter(|v| self.is_fresh(v)) {
                return v.value.clone();
            }
            (
                state.view.as_ref().map(|v| v.value.clone()),
                self.discovery_unavailable(&state),
            )
        };
        let base = ChannelView::from_profile(profile, channel);
        let view = if skip {
            stale.unwrap_or_else(|| Arc::new(base))
        } else {
            let known = stale.clone().unwrap_or_else(|| Arc::new(base.clone()));
            let queries = [DiscoveryQuery::Config, DiscoveryQuery::Peers];
            match self.ask(profile, channel, &known, &queries).await {
                Ok(answers) => {
                    let mut config = None;
                    let mut peers = Vec::new();
                    for (i, a) in answers.into_iter().enumerate() {
                        match a {
                            Ok(DiscoveryAnswer::Config(c)) => config = Some(c),
                            Ok(DiscoveryAnswer::Peers(p)) => peers = p,
                            Ok(_) => {}
                            Err(message) => {
                                tracing::warn!(channel, query = i, %message,
                                    "discovery could not answer a query")
                            }
                        }
                    }
                    Arc::new(base.merge(config, &peers, &self.reach(profile)))
                }
                Err(e) => {
                    tracing::warn!(channel, error = %e,
                        "discovery unavailable; using the profile's peers");
                    lock(&entry.state).unavailable_until =
                        Some(Instant::now() + self.options.refresh);
                    stale.unwrap_or_else(|| Arc::new(base))
                }
            }
        };
        lock(&entry.state).view = Some(Cached {
            at: Instant::now(),
            value: view.clone(),
            fresh: true,
        });
        view
    }

    /// Asks discovery of the channel's peers — the profile's first, the client's own
    /// organization and healthy peers before others — until one answers.
    async fn ask(
        &self,
        profile: &Profile,
        channel: &str,
        known: &ChannelView,
        queries: &[DiscoveryQuery],
    ) -> Result<Vec<std::result::Result<DiscoveryAnswer, String>>> {
        let own = self.identity.msp_id();
        let health = self.connections.health();
        let mut candidates: Vec<&RoutePeer> =
            known.peers.iter().filter(|p| p.roles.discover).collect();
        candidates.sort_by_key(|p| {
            (
                health.is_set_aside(&p.endpoint.address()),
                p.discovered && profile.peer(&p.name).is_none(),
                p.msp_id.as_deref() != Some(own),
            )
        });
        if candidates.is_empty() {
            return Err(Error::Discovery {
                channel: channel.to_owned(),
                peers: Vec::new(),
                message: "the profile names no peer of this channel to ask".into(),
            });
        }
        let payload = discovery_request(
            &self.identity.serialized(),
            self.connections.client_cert_hash().as_deref(),
            channel,
            queries,
        );
        let signature = self.identity.sign(&payload)?;
        let request = signed_discovery_request(payload, signature);
        let mut failures = Vec::new();
        for peer in candidates {
            let address = peer.endpoint.address();
            let answer = match self
                .connections
                .discover(
                    &peer.endpoint,
                    request.clone(),
                    self.options.discovery_timeout,
                )
                .await
            {
                Ok(response) => response,
                Err(e) => {
                    failures.push(format!("{} ({address}): {e}", peer.name));
                    continue;
                }
            };
            match parse_discovery_response(&answer, queries) {
                Ok(parsed) => {
                    // A peer that only says "access denied" to everything is no help.
                    let denied = parsed
                        .iter()
                        .all(|r| r.as_ref().is_err_and(|m| m.contains("access denied")));
                    if denied {
                        failures.push(format!("{} ({address}): access denied", peer.name));
                        continue;
                    }
                    tracing::debug!(channel, peer = %peer.name, "discovery answered");
                    return Ok(parsed);
                }
                Err(e) => failures.push(format!("{} ({address}): {e}", peer.name)),
            }
        }
        let hint = if failures.iter().any(|f| f.contains("access denied")) {
            "; discovery answers identities that may write to the channel (its Writers policy): \
             use a client or admin identity of a member organization"
        } else if failures.iter().any(|f| f.contains("TLS certificate")) {
            "; under TLS the discovery service needs a client TLS certificate: give one in the \
             profile (client.tlsCerts.client)"
        } else {
            ""
        };
        Err(Error::Discovery {
            channel: channel.to_owned(),
            peers: failures,
            message: format!("no peer answered the discovery request{hint}"),
        })
    }

    /// The route for one endorsement.
    pub(crate) async fn route(
        &self,
        profile: &Profile,
        channel: &str,
        wanted: &Wanted<'_>,
    ) -> Result<Arc<Route>> {
        if !wanted.peers.is_empty() {
            let view = self.view(profile, channel).await;
            return explicit_peers(profile, &view, wanted.peers).map(Arc::new);
        }
        if !wanted.orgs.is_empty() {
            let view = self.view(profile, channel).await;
            return by_orgs(profile, &view, channel, wanted.orgs, "organizations").map(Arc::new);
        }
        let entry = self.entry(channel);
        let key = wanted.interest.to_vec();
        let use_discovery = {
            let state = lock(&entry.state);
            if let Some(r) = state.routes.get(&key).filter(|r| self.is_fresh(r)) {
                return Ok(r.value.clone());
            }
            !self.discovery_unavailable(&state)
        };
        let mut note = None;
        if use_discovery && !key.is_empty() {
            let view = self.view(profile, channel).await;
            let _asking = entry.asking.lock().await;
            let stale = {
                let state = lock(&entry.state);
                if let Some(r) = state.routes.get(&key).filter(|r| self.is_fresh(r)) {
                    return Ok(r.value.clone());
                }
                state.routes.get(&key).map(|r| r.value.clone())
            };
            let still_available = !self.discovery_unavailable(&lock(&entry.state));
            if still_available {
                let queries = [DiscoveryQuery::Endorsers(vec![key.clone()])];
                match self.ask(profile, channel, &view, &queries).await {
                    Ok(mut answers) => match answers.pop() {
                        Some(Ok(DiscoveryAnswer::Endorsers(mut d))) if !d.is_empty() => {
                            let route = Arc::new(from_descriptor(
                                &view,
                                &d.remove(0),
                                &self.reach(profile),
                            ));
                            lock(&entry.state).routes.insert(
                                key,
                                Cached {
                                    at: Instant::now(),
                                    value: route.clone(),
                                    fresh: true,
                                },
                            );
                            return Ok(route);
                        }
                        Some(Err(message)) => {
                            // The last layouts discovery gave, if any, still say which groups
                            // are needed: trying them names the peers that fail.
                            if let Some(stale) = stale {
                                tracing::warn!(channel, %message, "discovery found no endorsers; trying its last layouts");
                                return Ok(stale);
                            }
                            tracing::warn!(channel, %message,
                                "discovery found no endorsers; planning without it");
                            note = Some(format!(
                                "discovery found no endorsers for {}: {message}{}",
                                interest_text(&key),
                                no_endorsers_hint(&message)
                            ));
                        }
                        _ => {}
                    },
                    Err(e) => {
                        tracing::warn!(channel, error = %e,
                            "discovery unavailable; planning endorsements without it");
                        lock(&entry.state).unavailable_until =
                            Some(Instant::now() + self.options.refresh);
                        if let Some(stale) = stale {
                            return Ok(stale);
                        }
                    }
                }
            }
        }
        let view = self.view(profile, channel).await;
        let Some(policy) = wanted.policy else {
            let mut route = by_orgs(profile, &view, channel, &[], "channel organizations")?;
            route.note = note;
            return Ok(Arc::new(route));
        };
        // A policy's layouts are worth keeping while the view stays the same: for a policy over
        // many organizations they take far longer to compute than the plan walking them.
        let policy_key = (key, policy.to_string());
        if note.is_none() {
            let state = lock(&entry.state);
            if let Some((seen, route)) = state.policy_routes.get(&policy_key) {
                if Arc::ptr_eq(seen, &view) {
                    return Ok(route.clone());
                }
            }
        }
        let mut route = from_policy(
            &view,
            policy,
            wanted.interest.first().map(|c| c.name.as_str()),
        )?;
        route.note = note;
        let route = Arc::new(route);
        let mut state = lock(&entry.state);
        if state.policy_routes.len() >= POLICY_ROUTES_KEPT {
            state.policy_routes.clear();
        }
        state
            .policy_routes
            .insert(policy_key, (view, route.clone()));
        Ok(route)
    }
}

fn interest_text(interest: &[ChaincodeCall]) -> String {
    interest
        .iter()
        .map(|c| {
            if c.collections.is_empty() {
                c.name.clone()
            } else {
                format!("{} (collections {})", c.name, c.collections.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

fn no_endorsers_hint(message: &str) -> &'static str {
    if message.contains("access denied") {
        "; discovery answers identities that may write to the channel"
    } else {
        "; no combination of the peers discovery knows satisfies the endorsement policy: check \
         that the chaincode is installed and approved on enough organizations' peers, that those \
         peers are up, and that collections name member organizations with running peers"
    }
}

/// One group per explicitly named peer, all needed.
fn explicit_peers(profile: &Profile, view: &ChannelView, names: &[String]) -> Result<Route> {
    let mut peers = Vec::new();
    for name in names {
        let p = view
            .peer(name)
            .cloned()
            .or_else(|| {
                profile.peer(name).map(|p| RoutePeer {
                    name: p.name.clone(),
                    msp_id: p
                        .organization
                        .as_deref()
                        .and_then(|o| profile.organization(o))
                        .map(|o| o.msp_id.clone()),
                    endpoint: p.endpoint.clone(),
                    roles: Default::default(),
                    height: None,
                    chaincodes: None,
                    discovered: false,
                })
            })
            .ok_or_else(|| {
                Error::config(
                    "peers",
                    ConfigProblem::Undefined {
                        what: "peer",
                        name: name.clone(),
                    },
                )
            })?;
        peers.push(p);
    }
    let n = peers.len();
    Ok(Route {
        labels: peers.iter().map(|p| p.name.clone()).collect(),
        layouts: Layouts {
            groups: (0..n).map(|i| vec![i]).collect(),
            layouts: vec![(0..n).map(|i| (i, 1)).collect()],
        },
        peers,
        source: "peers",
        note: None,
    })
}

/// One group per organization (the listed ones, or every organization with endorsing peers on
/// the channel), one peer of each needed.
fn by_orgs(
    profile: &Profile,
    view: &ChannelView,
    channel: &str,
    orgs: &[String],
    source: &'static str,
) -> Result<Route> {
    let endorsers: Vec<&RoutePeer> = view
        .peers
        .iter()
        .filter(|p| p.roles.endorsing_peer && p.msp_id.is_some())
        .collect();
    let mut msps: Vec<String> = Vec::new();
    if orgs.is_empty() {
        for p in &endorsers {
            if let Some(m) = &p.msp_id {
                if !msps.contains(m) {
                    msps.push(m.clone());
                }
            }
        }
        if msps.is_empty() {
            return Err(Error::config(
                format!("channels.{channel}.peers"),
                ConfigProblem::Undefined {
                    what: "endorsing peer for channel",
                    name: channel.to_owned(),
                },
            ));
        }
    } else {
        for want in orgs {
            let msp = profile
                .organization(want)
                .map(|o| o.msp_id.clone())
                .unwrap_or_else(|| want.clone());
            if !endorsers.iter().any(|p| p.msp_id.as_deref() == Some(&msp)) {
                return Err(Error::config(
                    format!("channels.{channel}.peers"),
                    ConfigProblem::Undefined {
                        what: "endorsing peer of organization",
                        name: want.clone(),
                    },
                ));
            }
            msps.push(msp);
        }
    }
    let peers: Vec<RoutePeer> = endorsers.into_iter().cloned().collect();
    let groups: Vec<Vec<usize>> = msps
        .iter()
        .map(|m| {
            (0..peers.len())
                .filter(|&i| peers[i].msp_id.as_deref() == Some(m))
                .collect()
        })
        .collect();
    Ok(Route {
        layouts: Layouts {
            layouts: vec![(0..groups.len()).map(|g| (g, 1)).collect()],
            groups,
        },
        labels: msps,
        peers,
        source,
        note: None,
    })
}

/// Groups per principal of `policy`, over the view's endorsing peers (that run the chaincode,
/// when discovery said which do).
fn from_policy(
    view: &ChannelView,
    policy: &SignaturePolicy,
    chaincode: Option<&str>,
) -> Result<Route> {
    let peers: Vec<RoutePeer> = view
        .peers
        .iter()
        .filter(|p| p.roles.endorsing_peer && p.msp_id.is_some())
        .filter(|p| chaincode.is_none_or(|c| p.runs(c)))
        .cloned()
        .collect();
    let mut principals = Vec::new();
    let mut layouts = Vec::new();
    for l in policy.layouts(POLICY_LAYOUT_LIMIT) {
        let mut layout = Vec::new();
        for (principal, q) in &l.quantities {
            let g = match principals.iter().position(|p| p == principal) {
                Some(g) => g,
                None => {
                    principals.push(principal.clone());
                    principals.len() - 1
                }
            };
            layout.push((g, *q));
        }
        layouts.push(layout);
    }
    let groups = principals
        .iter()
        .map(|pr| {
            // A peer signs as a member and as a peer of its organization; never as an admin,
            // a client or an orderer.
            let signs = matches!(pr.role, Role::Member | Role::Peer);
            (0..peers.len())
                .filter(|&i| signs && peers[i].msp_id.as_deref() == Some(pr.msp_id.as_str()))
                .collect()
        })
        .collect();
    Ok(Route {
        labels: principals.iter().map(ToString::to_string).collect(),
        layouts: Layouts { groups, layouts },
        peers,
        source: "policy",
        note: None,
    })
}

/// The route discovery described: its groups' peers (made reachable), its layouts.
fn from_descriptor(view: &ChannelView, d: &EndorsementDescriptor, reach: &Reach<'_>) -> Route {
    let mut local = view.clone();
    let mut used: Vec<usize> = Vec::new();
    let mut groups_view: Vec<Vec<usize>> = Vec::new();
    let mut labels = Vec::new();
    for (name, members) in &d.groups {
        let mut g = Vec::new();
        let mut msps: Vec<&str> = Vec::new();
        for m in members {
            let idx = local
                .find_discovered(m, reach)
                .or_else(|| local.add_discovered(m, reach));
            if let Some(i) = idx {
                g.push(i);
                if !used.contains(&i) {
                    used.push(i);
                }
            }
            if !msps.contains(&m.msp_id.as_str()) {
                msps.push(&m.msp_id);
            }
        }
        labels.push(format!("{name} ({})", msps.join(", ")));
        groups_view.push(g);
    }
    // Re-index the peers the groups use.
    let peers: Vec<RoutePeer> = used.iter().map(|&i| local.peers[i].clone()).collect();
    let groups = groups_view
        .into_iter()
        .map(|g| {
            g.into_iter()
                .filter_map(|i| used.iter().position(|&u| u == i))
                .collect()
        })
        .collect();
    let layouts = d
        .layouts
        .iter()
        .map(|l| {
            l.iter()
                .map(|(gname, q)| {
                    // A layout naming a group discovery did not describe cannot be met.
                    let g = d.groups.iter().position(|(n, _)| n == gname);
                    (g.unwrap_or(usize::MAX), *q)
                })
                .collect()
        })
        .collect();
    Route {
        peers,
        layouts: Layouts { groups, layouts },
        labels,
        source: "discovery",
        note: None,
    }
}
