//! Connection profiles: every format users download, read into one network model.
//!
//! [`Profile::load`] reads a fabric-sdk-go `config.yaml` (as Huawei Cloud BCS and Alibaba Cloud
//! BaaS ship it) or a common connection profile in JSON or YAML, recognizing the format from
//! the content. Keys are matched without regard to case, `${VAR}` and `$VAR` are expanded in
//! paths, relative paths start at the profile's folder, and absolute paths baked in by a console
//! are found again under the profile's folder when the download was unpacked elsewhere.
//!
//! ```no_run
//! # fn main() -> Result<(), fabweave::Error> {
//! use fabweave::config::Profile;
//! let profile = Profile::load("org1-sdk-config.yaml")?;
//! for peer in &profile.peers {
//!     println!("{} at {}", peer.name, peer.endpoint.address());
//! }
//! # Ok(())
//! # }
//! ```

mod ccp;
mod matchers;
mod model;
mod paths;
mod sdkgo;
mod sections;
mod tree;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub use matchers::MappedEndpoint;
pub use model::*;

use crate::error::{ConfigProblem, Error, Result};
use sections::{with_default, Ctx};
use tree::Node;

/// How to read a profile.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LoadOptions {
    /// Host mapping applied to every peer, orderer and CA URL, without editing the file: keys are
    /// `host:port`, `host` or `*.domain.suffix`; values are `host` or `host:port`. The TLS
    /// server name stays the original host unless the profile overrides it.
    pub host_map: Vec<(String, String)>,
    /// Dial every host name (not IP addresses) as `localhost`, as fabric-network's asLocalhost
    /// does, keeping the original name for TLS.
    pub as_localhost: bool,
    /// Look for missing absolute paths under the profile's folder (and `base_dir`) by their
    /// trailing components. On by default.
    pub reroot: bool,
    /// A further folder to re-root missing absolute paths under.
    pub base_dir: Option<PathBuf>,
    /// Variables for `${VAR}`; the process environment when `None`.
    pub env: Option<HashMap<String, String>>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            host_map: Vec::new(),
            as_localhost: false,
            reroot: true,
            base_dir: None,
            env: None,
        }
    }
}

impl LoadOptions {
    /// Maps a host (or `host:port`, or `*.suffix`) to another host or `host:port`.
    pub fn map_host(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.host_map.push((from.into(), to.into()));
        self
    }

    /// Takes `${VAR}` values from `env` instead of the process environment.
    pub fn with_env(mut self, env: HashMap<String, String>) -> Self {
        self.env = Some(env);
        self
    }

    /// Also looks for missing absolute paths under `dir`.
    pub fn with_base_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.base_dir = Some(dir.into());
        self
    }

    /// Dials host names as `localhost`.
    pub fn as_localhost(mut self, on: bool) -> Self {
        self.as_localhost = on;
        self
    }
}

impl Profile {
    /// Loads a profile file; fails on the first problem that blocks a connection.
    /// [`Profile::diagnostics`] lists the warnings.
    pub fn load(path: impl AsRef<Path>) -> Result<Profile> {
        Self::load_with(path, &LoadOptions::default())
    }

    /// [`Profile::load`] with options.
    pub fn load_with(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Profile> {
        Self::inspect(path, opts)?.into_checked()
    }

    /// Reads a profile and reports every problem in [`Profile::diagnostics`] instead of failing
    /// on the first; fails only when the file cannot be read or parsed as a profile at all.
    pub fn inspect(path: impl AsRef<Path>, opts: &LoadOptions) -> Result<Profile> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            file: Some(path.to_path_buf()),
            key: None,
            position: None,
            problem: ConfigProblem::Unreadable {
                reason: e.to_string(),
            },
        })?;
        let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let dir = abs
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Self::inspect_text(&text, Some(abs), dir, opts)
    }

    /// Parses profile text; relative paths start at `dir`. Fails on the first blocking problem.
    pub fn from_text(text: &str, dir: impl AsRef<Path>, opts: &LoadOptions) -> Result<Profile> {
        Self::inspect_text(text, None, dir.as_ref().to_path_buf(), opts)?.into_checked()
    }

    fn inspect_text(
        text: &str,
        file: Option<PathBuf>,
        dir: PathBuf,
        opts: &LoadOptions,
    ) -> Result<Profile> {
        let in_file = |e: Error| match &file {
            Some(f) => e.in_file(f),
            None => e,
        };
        let doc = tree::parse(text).map_err(in_file)?;
        if !doc.is_map()
            || !["organizations", "peers", "orderers", "client", "channels"]
                .iter()
                .any(|k| doc.get(k).is_some())
        {
            return Err(in_file(Error::config("", ConfigProblem::UnknownFormat)));
        }
        let format = if sdkgo::detect(&doc) {
            ProfileFormat::SdkGo
        } else {
            ProfileFormat::Ccp
        };
        let mut ctx = Ctx::new(dir, file.clone(), opts);
        let mut profile = assemble(&doc, format, &mut ctx);
        profile.source = file;
        Ok(profile)
    }

    /// Fails with the first blocking diagnostic.
    fn into_checked(self) -> Result<Profile> {
        match self
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
        {
            Some(d) => Err(d.error.clone()),
            None => Ok(self),
        }
    }

    /// Whether any diagnostic blocks a connection.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    /// An organization by its key (case-insensitive).
    pub fn organization(&self, name: &str) -> Option<&Organization> {
        self.organizations
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
    }

    /// The organization with this MSP ID.
    pub fn organization_by_msp(&self, msp_id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.msp_id == msp_id)
    }

    /// The client's organization (`client.organization`).
    pub fn client_organization(&self) -> Option<&Organization> {
        self.organization(self.client.organization.as_deref()?)
    }

    /// A peer by its key (case-insensitive).
    pub fn peer(&self, name: &str) -> Option<&Peer> {
        self.peers
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// An orderer by its key (case-insensitive).
    pub fn orderer(&self, name: &str) -> Option<&Orderer> {
        self.orderers
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(name))
    }

    /// A CA by its key (case-insensitive).
    pub fn certificate_authority(&self, name: &str) -> Option<&CertificateAuthority> {
        self.certificate_authorities
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// The certificate authority to enroll with: `name`, or the client organization's first
    /// CA when `None`; with the MSP ID of the organization that lists it (if one does).
    /// Errors name the profile key to fix: no client organization, an organization without
    /// CAs, an unknown CA name.
    pub fn ca_for(&self, name: Option<&str>) -> Result<(&CertificateAuthority, Option<&str>)> {
        let name = match name {
            Some(name) => name,
            None => {
                let org = self.client_organization().ok_or_else(|| {
                    Error::config("client.organization", ConfigProblem::MissingKey)
                        .in_file_opt(self.source.as_deref())
                })?;
                org.certificate_authorities
                    .first()
                    .map(String::as_str)
                    .ok_or_else(|| {
                        Error::config(
                            format!("organizations.{}.certificateAuthorities", org.name),
                            ConfigProblem::MissingKey,
                        )
                        .in_file_opt(self.source.as_deref())
                    })?
            }
        };
        let ca = self.certificate_authority(name).ok_or_else(|| {
            Error::config(
                "certificateAuthorities",
                ConfigProblem::Undefined {
                    what: "certificate authority",
                    name: name.to_owned(),
                },
            )
            .in_file_opt(self.source.as_deref())
        })?;
        let msp_id = self
            .organizations
            .iter()
            .find(|o| {
                o.certificate_authorities
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&ca.name))
            })
            .map(|o| o.msp_id.as_str());
        Ok((ca, msp_id))
    }

    /// A channel by name; a channel the profile does not list takes `channels._default`'s
    /// peers and orderers, and, failing that, every peer and orderer of the profile.
    pub fn channel(&self, name: &str) -> Channel {
        if let Some(c) = self
            .channels
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
        {
            return c.clone();
        }
        Channel {
            name: name.to_owned(),
            peers: self
                .peers
                .iter()
                .map(|p| ChannelPeer {
                    name: p.name.clone(),
                    roles: PeerRoles::default(),
                })
                .collect(),
            orderers: self.orderers.iter().map(|o| o.name.clone()).collect(),
            chaincodes: Vec::new(),
            endorsement_policies: Vec::new(),
        }
    }

    /// The endorsement policy the profile gives for `chaincode` on `channel`
    /// (`channels.<channel>.endorsementPolicies.<chaincode>`), used to plan endorsements when
    /// discovery is off or unavailable.
    pub fn endorsement_policy(
        &self,
        channel: &str,
        chaincode: &str,
    ) -> Option<&crate::routing::policy::SignaturePolicy> {
        let ch = self
            .channels
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(channel))?;
        ch.endorsement_policies
            .iter()
            .find(|(cc, _)| cc == chaincode)
            .map(|(_, p)| p)
    }
}

/// A channel's `endorsementPolicies`: chaincode name → signature policy text (fabweave's own
/// key; other SDKs' profiles have none).
fn endorsement_policies(
    node: &Node,
    key: &str,
    ctx: &mut Ctx<'_>,
) -> Vec<(String, crate::routing::policy::SignaturePolicy)> {
    let mut out = Vec::new();
    let Some(map) = node.get("endorsementPolicies") else {
        return out;
    };
    for (cc, pnode) in map.entries() {
        let pkey = format!("{key}.endorsementPolicies.{cc}");
        let Some(text) = ctx.string(Some(pnode), &pkey, Severity::Error) else {
            continue;
        };
        match crate::routing::policy::SignaturePolicy::parse(&text) {
            Ok(p) => out.push((cc.clone(), p)),
            Err(Error::Config { problem, .. }) => {
                ctx.report(Severity::Error, &pkey, Some(pnode), problem)
            }
            Err(e) => ctx.report(
                Severity::Error,
                &pkey,
                Some(pnode),
                ConfigProblem::InvalidValue {
                    expected: "a signature policy such as AND('Org1MSP.peer', 'Org2MSP.peer')"
                        .into(),
                    found: e.to_string(),
                },
            ),
        }
    }
    out
}

/// Builds the model from a parsed document.
fn assemble(doc: &Node, format: ProfileFormat, ctx: &mut Ctx<'_>) -> Profile {
    let client = match format {
        ProfileFormat::SdkGo => sdkgo::client(doc, ctx),
        ProfileFormat::Ccp => ccp::client(doc, ctx),
    };
    let entity_matchers = sdkgo::entity_matchers(doc, ctx);

    // Peers and orderers, `_default` merged into each.
    let mut peers = Vec::new();
    let peers_node = doc.get("peers");
    let default_peer = peers_node.and_then(|p| p.get("_default"));
    for (name, node) in peers_node.map(Node::entries).unwrap_or_default() {
        if name == "_default" {
            continue;
        }
        let node = with_default(node, default_peer);
        if let Some(endpoint) = ctx.endpoint(name, &node, &format!("peers.{name}")) {
            peers.push(Peer {
                name: name.clone(),
                organization: None,
                endpoint,
            });
        }
    }
    let mut orderers = Vec::new();
    let ord_node = doc.get("orderers");
    let default_ord = ord_node.and_then(|p| p.get("_default"));
    for (name, node) in ord_node.map(Node::entries).unwrap_or_default() {
        if name == "_default" {
            continue;
        }
        let node = with_default(node, default_ord);
        if let Some(endpoint) = ctx.endpoint(name, &node, &format!("orderers.{name}")) {
            orderers.push(Orderer {
                name: name.clone(),
                endpoint,
            });
        }
    }
    let peer_defined = |name: &str| {
        peers_node.is_some_and(|p| {
            p.entries()
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case(name))
        })
    };

    // Organizations.
    let mut organizations = Vec::new();
    let cas_node = doc.get("certificateAuthorities");
    for (name, node) in doc
        .get("organizations")
        .map(Node::entries)
        .unwrap_or_default()
    {
        let key = format!("organizations.{name}");
        let msp_id = ctx.string(node.get("mspid"), &format!("{key}.mspid"), Severity::Error);
        let Some(msp_id) = msp_id.filter(|m| !m.is_empty()) else {
            ctx.report(
                Severity::Error,
                &key,
                Some(node),
                ConfigProblem::MissingMspId { org: name.clone() },
            );
            continue;
        };
        let org_peers = ctx.names(node.get("peers"));
        for p in &org_peers {
            if !peer_defined(p) {
                ctx.report(
                    Severity::Error,
                    &format!("{key}.peers"),
                    node.get("peers"),
                    ConfigProblem::Undefined {
                        what: "peer",
                        name: p.clone(),
                    },
                );
            }
        }
        let org_cas = ctx.names(node.get("certificateAuthorities"));
        for ca in &org_cas {
            let defined = cas_node
                .is_some_and(|c| c.entries().iter().any(|(k, _)| k.eq_ignore_ascii_case(ca)));
            if !defined {
                ctx.report(
                    Severity::Warning,
                    &format!("{key}.certificateAuthorities"),
                    node.get("certificateAuthorities"),
                    ConfigProblem::Undefined {
                        what: "certificate authority",
                        name: ca.clone(),
                    },
                );
            }
        }
        let is_client = client
            .organization
            .as_deref()
            .is_some_and(|c| c.eq_ignore_ascii_case(name));
        let sev = if is_client {
            Severity::Error
        } else {
            Severity::Warning
        };
        let base = client.crypto_config_path.clone();
        let crypto_path = ctx.path(
            node.get("cryptoPath"),
            &format!("{key}.cryptoPath"),
            base.as_deref(),
            sev,
            false,
        );
        let crypto_path = crypto_path.map(|p| reroot_template(ctx, p));
        let mut users = Vec::new();
        for (user, u) in node.get("users").map(Node::entries).unwrap_or_default() {
            let ukey = format!("{key}.users.{user}");
            for part in ["cert", "key"] {
                if u.get(part).is_none_or(Node::is_null) {
                    ctx.report(
                        sev,
                        &format!("{ukey}.{part}"),
                        Some(u),
                        ConfigProblem::MissingKey,
                    );
                }
            }
            let cert = ctx.material(u.get("cert"), &format!("{ukey}.cert"), sev);
            let keym = ctx.material(u.get("key"), &format!("{ukey}.key"), sev);
            if let (Some(cert), Some(key)) = (cert, keym) {
                users.push(UserMaterial {
                    name: user.clone(),
                    cert,
                    key,
                });
            }
        }
        // A CCP's (or template's) admin identity; BaaS downloads carry placeholders here.
        let admin_key = node.get("adminPrivateKey");
        let admin_cert = node.get("signedCert");
        if admin_key.is_some() || admin_cert.is_some() {
            let mut probe = Ctx::new(ctx.dir.clone(), ctx.file.clone(), ctx.opts);
            let k = probe.material(
                admin_key,
                &format!("{key}.adminPrivateKey"),
                Severity::Warning,
            );
            let c = probe.material(admin_cert, &format!("{key}.signedCert"), Severity::Warning);
            match (k, c) {
                (Some(k), Some(c)) if looks_like_pem_or_file(&k) && looks_like_pem_or_file(&c) => {
                    users.push(UserMaterial {
                        name: "Admin".into(),
                        cert: c,
                        key: k,
                    })
                }
                _ => ctx.report(
                    Severity::Warning,
                    &format!("{key}.adminPrivateKey"),
                    admin_key.or(admin_cert),
                    ConfigProblem::InvalidValue {
                        expected: "a PEM or a file for both adminPrivateKey and signedCert".into(),
                        found: "a placeholder or an incomplete pair, ignored".into(),
                    },
                ),
            }
        }
        let tls_client = match (node.get("tlsCryptoCertPath"), node.get("tlsCryptoKeyPath")) {
            (Some(c), Some(k)) => {
                let cert = ctx.path(
                    Some(c),
                    &format!("{key}.tlsCryptoCertPath"),
                    None,
                    sev,
                    true,
                );
                let keyp = ctx.path(Some(k), &format!("{key}.tlsCryptoKeyPath"), None, sev, true);
                cert.zip(keyp).map(|(cert, key)| TlsClientPair {
                    cert: Material::File(cert),
                    key: Material::File(key),
                })
            }
            _ => None,
        };
        organizations.push(Organization {
            name: name.clone(),
            msp_id,
            peers: org_peers,
            certificate_authorities: org_cas,
            crypto_path,
            users,
            tls_client,
        });
    }
    for peer in &mut peers {
        peer.organization = organizations
            .iter()
            .find(|o| o.peers.iter().any(|p| p.eq_ignore_ascii_case(&peer.name)))
            .map(|o| o.name.clone());
    }
    if let Some(org) = &client.organization {
        if !organizations.iter().any(|o| o.name.eq_ignore_ascii_case(org)) && !ctx.diagnostics.iter().any(|d| matches!(&d.error, Error::Config { problem: ConfigProblem::MissingMspId { org: o }, .. } if o.eq_ignore_ascii_case(org))) {
            ctx.report(
                Severity::Error,
                "client.organization",
                doc.path(&["client", "organization"]),
                ConfigProblem::Undefined {
                    what: "organization",
                    name: org.clone(),
                },
            );
        }
    }

    // Certificate authorities: a connection to peers and orderers never needs one, and BaaS
    // downloads carry template leftovers here (Huawei's FAQ says to delete the block), so their
    // problems are warnings; the CA client reports them as errors when a CA is actually used.
    let mut certificate_authorities = Vec::new();
    for (name, node) in cas_node.map(Node::entries).unwrap_or_default() {
        if let Some(ca) =
            ctx.certificate_authority(name, node, &format!("certificateAuthorities.{name}"))
        {
            certificate_authorities.push(ca);
        }
    }

    // Channels, `_default` filling what a channel leaves out.
    let mut channels = Vec::new();
    let ch_node = doc.get("channels");
    let default_ch = ch_node.and_then(|c| c.get("_default"));
    for (name, node) in ch_node.map(Node::entries).unwrap_or_default() {
        if name == "_default" {
            continue;
        }
        let key = format!("channels.{name}");
        let peers_of = node
            .get("peers")
            .or_else(|| default_ch.and_then(|d| d.get("peers")));
        let ch_peers = peers_of
            .map(|p| ctx.channel_peers(p, &format!("{key}.peers")))
            .unwrap_or_default();
        for p in &ch_peers {
            if !peer_defined(&p.name) {
                let at = peers_of.and_then(|ps| ps.get(&p.name)).or(peers_of);
                ctx.report(
                    Severity::Error,
                    &format!("{key}.peers.{}", p.name),
                    at,
                    ConfigProblem::Undefined {
                        what: "peer",
                        name: p.name.clone(),
                    },
                );
            }
        }
        let ords = ctx.names(
            node.get("orderers")
                .or_else(|| default_ch.and_then(|d| d.get("orderers"))),
        );
        for o in &ords {
            if !orderers
                .iter()
                .any(|x: &Orderer| x.name.eq_ignore_ascii_case(o))
            {
                ctx.report(
                    Severity::Error,
                    &format!("{key}.orderers"),
                    node.get("orderers"),
                    ConfigProblem::Undefined {
                        what: "orderer",
                        name: o.clone(),
                    },
                );
            }
        }
        let endorsement_policies = endorsement_policies(node, &key, ctx);
        channels.push(Channel {
            name: name.clone(),
            peers: ch_peers,
            orderers: ords,
            chaincodes: ctx.names(node.get("chaincodes")),
            endorsement_policies,
        });
    }

    if ctx.rerooted > 0 {
        let problem = ConfigProblem::Rerooted {
            dir: ctx.dir.clone(),
            count: ctx.rerooted,
        };
        ctx.report(Severity::Warning, "", None, problem);
    }

    Profile {
        source: None,
        format,
        name: doc.get("name").and_then(Node::as_str).map(str::to_owned),
        client,
        organizations,
        peers,
        orderers,
        certificate_authorities,
        channels,
        entity_matchers,
        diagnostics: std::mem::take(&mut ctx.diagnostics),
    }
}

/// A `cryptoPath` may hold `{username}`; re-root the part before the placeholder.
fn reroot_template(ctx: &mut Ctx<'_>, path: PathBuf) -> PathBuf {
    let text = path.to_string_lossy().into_owned();
    let cut = text.find('{').unwrap_or(text.len());
    let (head, tail) = text.split_at(cut);
    let head_path = Path::new(head.trim_end_matches('/'));
    if head_path.exists() || !ctx.opts.reroot || head.is_empty() {
        return path;
    }
    let mut roots = vec![ctx.dir.clone()];
    roots.extend(ctx.opts.base_dir.clone());
    match paths::reroot(head_path, &roots) {
        Some(found) => {
            ctx.rerooted += 1;
            let sep = if tail.is_empty() || head.ends_with('/') {
                ""
            } else {
                "/"
            };
            PathBuf::from(format!("{}{sep}{tail}", found.display()))
        }
        None => path,
    }
}

fn looks_like_pem_or_file(m: &Material) -> bool {
    match m {
        Material::Pem(p) => p.contains("-----BEGIN") && p.contains("-----END"),
        Material::File(_) => true,
    }
}

impl Profile {
    /// Loads the identity of `user` of the client's organization: from the organization's
    /// `users` entry when the profile has one, otherwise from its `cryptoPath` MSP folder
    /// (`{username}` / `{userName}` replaced by `user`). `passphrase` decrypts an encrypted key.
    pub fn identity(
        &self,
        user: &str,
        passphrase: Option<&[u8]>,
    ) -> Result<crate::identity::Identity> {
        let org = self.client_organization().ok_or_else(|| {
            Error::config("client.organization", ConfigProblem::MissingKey)
                .in_file_opt(self.source.as_deref())
        })?;
        self.identity_of(&org.name, user, passphrase)
    }

    /// [`Profile::identity`] for any organization of the profile.
    pub fn identity_of(
        &self,
        org: &str,
        user: &str,
        passphrase: Option<&[u8]>,
    ) -> Result<crate::identity::Identity> {
        use crate::identity::Identity;
        let not_found = || {
            Error::config(
                format!("organizations.{org}"),
                ConfigProblem::UnknownUser {
                    user: user.to_owned(),
                    org: org.to_owned(),
                },
            )
            .in_file_opt(self.source.as_deref())
        };
        let o = self.organization(org).ok_or_else(not_found)?;
        if let Some(u) = o.users.iter().find(|u| u.name.eq_ignore_ascii_case(user)) {
            if let (Material::File(cert), Material::File(key)) = (&u.cert, &u.key) {
                return Identity::from_files(&o.msp_id, cert, key, passphrase);
            }
            // Inline PEM: an error names the file a part came from, or else the profile.
            let origin = |m: &Material| match m {
                Material::File(path) => Some(path.clone()),
                Material::Pem(_) => self.source.clone(),
            };
            let cert = u.cert.read()?;
            let key = u.key.read()?;
            return Identity::from_pem(&o.msp_id, &cert, &key, passphrase).map_err(|e| {
                let blame = match &e {
                    Error::Identity {
                        problem:
                            crate::error::IdentityProblem::Malformed {
                                what: "certificate",
                                ..
                            },
                        ..
                    } => origin(&u.cert),
                    _ => origin(&u.key),
                };
                e.in_file_opt(blame.as_deref())
            });
        }
        let Some(template) = &o.crypto_path else {
            return Err(not_found());
        };
        let dir = PathBuf::from(
            template
                .to_string_lossy()
                .replace("{username}", user)
                .replace("{userName}", user),
        );
        if !dir.is_dir() {
            return Err(Error::identity(
                Some(dir),
                crate::error::IdentityProblem::UserNotFound {
                    user: user.to_owned(),
                    org: o.msp_id.clone(),
                },
            ));
        }
        Identity::from_msp_dir(&o.msp_id, &dir, passphrase)
    }
}
