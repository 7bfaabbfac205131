//! Sections that the profile formats share: endpoints, TLS material, organizations, channels,
//! certificate authorities. Each parser records problems in the [`Ctx`] and keeps going, so
//! one pass reports everything wrong with a file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::model::*;
use super::paths::{self, Vars};
use super::tree::Node;
use super::LoadOptions;
use crate::error::{ConfigProblem, Error};

/// Loader state: where relative paths start, options, and the problems found so far.
pub(crate) struct Ctx<'a> {
    pub(crate) dir: PathBuf,
    pub(crate) file: Option<PathBuf>,
    pub(crate) opts: &'a LoadOptions,
    pub(crate) vars: Vars,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) rerooted: usize,
    /// Certificate checks already made, by PEM text: profiles repeat one CA per peer.
    checked: HashMap<String, Result<(), String>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(dir: PathBuf, file: Option<PathBuf>, opts: &'a LoadOptions) -> Self {
        let vars = match &opts.env {
            Some(env) => Vars::Fixed(env.clone()),
            None => Vars::Process,
        };
        Ctx {
            dir,
            file,
            opts,
            vars,
            diagnostics: Vec::new(),
            rerooted: 0,
            checked: HashMap::new(),
        }
    }

    /// Records a problem at `key` (and the node's position, when known).
    pub(crate) fn report(
        &mut self,
        severity: Severity,
        key: &str,
        node: Option<&Node>,
        problem: ConfigProblem,
    ) {
        let error = Error::Config {
            file: self.file.clone(),
            key: (!key.is_empty()).then(|| key.to_owned()),
            position: node.and_then(|n| n.pos),
            problem,
        };
        if severity == Severity::Warning {
            tracing::warn!("{error}");
        }
        self.diagnostics.push(Diagnostic { severity, error });
    }

    /// A scalar as a string, or a problem if it is something else.
    pub(crate) fn string(
        &mut self,
        node: Option<&Node>,
        key: &str,
        sev: Severity,
    ) -> Option<String> {
        let node = node?;
        if node.is_null() {
            return None;
        }
        match node.as_str() {
            Some(s) => Some(s.to_owned()),
            None => {
                self.report(
                    sev,
                    key,
                    Some(node),
                    ConfigProblem::InvalidValue {
                        expected: "a text value".into(),
                        found: node.describe(),
                    },
                );
                None
            }
        }
    }

    pub(crate) fn boolean(&mut self, node: Option<&Node>, key: &str) -> Option<bool> {
        let node = node?;
        if node.is_null() {
            return None;
        }
        match node.as_bool() {
            Some(b) => Some(b),
            None => {
                self.report(
                    Severity::Error,
                    key,
                    Some(node),
                    ConfigProblem::InvalidValue {
                        expected: "true or false".into(),
                        found: node.describe(),
                    },
                );
                None
            }
        }
    }

    /// A duration: Go syntax (`10s`, `1m30s`, `500ms`) or a bare number of seconds (`"300"`).
    pub(crate) fn duration(&mut self, node: Option<&Node>, key: &str) -> Option<Duration> {
        let text = self.string(node, key, Severity::Error)?;
        match parse_duration(&text) {
            Some(d) => Some(d),
            None => {
                self.report(
                    Severity::Error,
                    key,
                    node,
                    ConfigProblem::InvalidValue {
                        expected: "a duration such as 10s, 2m or 500ms".into(),
                        found: format!("`{text}`"),
                    },
                );
                None
            }
        }
    }

    /// A path field: variables substituted, made absolute against `base` (the profile's folder
    /// by default), re-rooted under the profile's folder if an absolute path does not exist.
    /// `sev` is how much a problem with it matters.
    pub(crate) fn path(
        &mut self,
        node: Option<&Node>,
        key: &str,
        base: Option<&Path>,
        sev: Severity,
        must_exist: bool,
    ) -> Option<PathBuf> {
        let raw = self.string(node, key, sev)?;
        let raw = raw.trim();
        if raw.is_empty() {
            return None;
        }
        let substituted = match paths::substitute(raw, &self.vars) {
            Ok(s) => s,
            Err(name) => {
                self.report(sev, key, node, ConfigProblem::UnsetVariable { name });
                return None;
            }
        };
        let base = base.map_or_else(|| self.dir.clone(), Path::to_path_buf);
        let path = paths::absolutize(&substituted, &base, &self.vars);
        if !must_exist || path.exists() {
            return Some(path);
        }
        if self.opts.reroot {
            let mut roots = vec![self.dir.clone()];
            roots.extend(self.opts.base_dir.clone());
            if let Some(found) = paths::reroot(&path, &roots) {
                self.rerooted += 1;
                return Some(found);
            }
        }
        self.report(
            sev,
            key,
            node,
            ConfigProblem::MissingFile {
                reason: "no such file or directory".into(),
                path: path.clone(),
            },
        );
        None
    }

    /// `{pem: ...}` or `{path: ...}` (either may be absent); path files are checked to exist.
    pub(crate) fn material(
        &mut self,
        node: Option<&Node>,
        key: &str,
        sev: Severity,
    ) -> Option<Material> {
        let node = node?;
        // Written as a bare string: inline PEM, or a path.
        if let Some(text) = node.as_str() {
            if text.contains("-----BEGIN") {
                return Some(Material::Pem(zeroize::Zeroizing::new(text.to_owned())));
            }
            return self
                .path(Some(node), key, None, sev, true)
                .map(Material::File);
        }
        if let Some(pem) = node.get("pem") {
            if let Some(text) = self.string(Some(pem), &format!("{key}.pem"), sev) {
                if !text.trim().is_empty() {
                    return Some(Material::Pem(zeroize::Zeroizing::new(text)));
                }
            }
        }
        let path = self.path(node.get("path"), &format!("{key}.path"), None, sev, true)?;
        Some(Material::File(path))
    }

    /// Reads certificate PEM from inline text or files, checking that each holds certificates.
    /// `node` is a `tlsCACerts` section: `pem` (a string or a list), `path` (a string, possibly a
    /// comma-separated list, or a list).
    pub(crate) fn ca_certs(
        &mut self,
        node: Option<&Node>,
        key: &str,
        sev: Severity,
    ) -> Vec<String> {
        let Some(node) = node else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if let Some(pem) = node.get("pem") {
            let texts: Vec<(String, &Node)> = if pem.items().is_empty() {
                self.string(Some(pem), &format!("{key}.pem"), sev)
                    .map(|t| vec![(t, pem)])
                    .unwrap_or_default()
            } else {
                pem.items()
                    .iter()
                    .filter_map(|n| n.as_str().map(|t| (t.to_owned(), n)))
                    .collect()
            };
            for (text, n) in texts {
                match self.check_certificates(&text) {
                    Ok(()) => out.push(text),
                    Err(reason) => self.report(
                        sev,
                        &format!("{key}.pem"),
                        Some(n),
                        ConfigProblem::NotACertificate { reason },
                    ),
                }
            }
        }
        if let Some(path_node) = node.get("path") {
            let raws: Vec<&Node> = if path_node.items().is_empty() {
                vec![path_node]
            } else {
                path_node.items().iter().collect()
            };
            for raw in raws {
                let Some(text) = raw.as_str() else { continue };
                for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let single = Node {
                        value: super::tree::Value::Scalar {
                            text: part.to_owned(),
                            plain: false,
                        },
                        pos: raw.pos,
                    };
                    let pkey = format!("{key}.path");
                    let Some(path) = self.path(Some(&single), &pkey, None, sev, true) else {
                        continue;
                    };
                    match std::fs::read(&path) {
                        Ok(bytes) => {
                            match self.check_certificates(&String::from_utf8_lossy(&bytes)) {
                                Ok(()) => out.push(String::from_utf8_lossy(&bytes).into_owned()),
                                Err(reason) => self.report(
                                    sev,
                                    &pkey,
                                    Some(raw),
                                    ConfigProblem::NotACertificate {
                                        reason: format!("{}: {reason}", path.display()),
                                    },
                                ),
                            }
                        }
                        Err(e) => self.report(
                            sev,
                            &pkey,
                            Some(raw),
                            ConfigProblem::MissingFile {
                                path,
                                reason: e.to_string(),
                            },
                        ),
                    }
                }
            }
        }
        out
    }

    /// [`check_certificates`], remembered per PEM text.
    fn check_certificates(&mut self, pem: &str) -> Result<(), String> {
        if let Some(known) = self.checked.get(pem) {
            return known.clone();
        }
        let result = check_certificates(pem.as_bytes());
        self.checked.insert(pem.to_owned(), result.clone());
        result
    }

    /// `client: {key: {pem|path}, cert: {pem|path}}` (also `keyfile`/`certfile`).
    pub(crate) fn client_pair(
        &mut self,
        node: Option<&Node>,
        key: &str,
        sev: Severity,
    ) -> Option<TlsClientPair> {
        let node = node?;
        let cert = match node.get("cert") {
            Some(c) => self.material(Some(c), &format!("{key}.cert"), sev),
            None => self
                .path(
                    node.get("certfile"),
                    &format!("{key}.certfile"),
                    None,
                    sev,
                    true,
                )
                .map(Material::File),
        };
        let keym = match node.get("key") {
            Some(k) => self.material(Some(k), &format!("{key}.key"), sev),
            None => self
                .path(
                    node.get("keyfile"),
                    &format!("{key}.keyfile"),
                    None,
                    sev,
                    true,
                )
                .map(Material::File),
        };
        Some(TlsClientPair {
            cert: cert?,
            key: keym?,
        })
    }

    /// A peer or orderer entry (with `_default` merged in by the caller).
    pub(crate) fn endpoint(&mut self, name: &str, node: &Node, key: &str) -> Option<Endpoint> {
        let sev = Severity::Error;
        let url_node = node.get("url");
        let Some(url) = self.string(url_node, &format!("{key}.url"), sev) else {
            self.report(
                sev,
                &format!("{key}.url"),
                Some(node),
                ConfigProblem::MissingKey,
            );
            return None;
        };
        let grpc = node.get("grpcOptions");
        let opt = |k: &str| grpc.and_then(|g| g.get(k));
        let allow_insecure = self
            .boolean(
                opt("allow-insecure"),
                &format!("{key}.grpcOptions.allow-insecure"),
            )
            .unwrap_or(false);
        let Some((tls, host, port)) = split_url(&url, allow_insecure) else {
            self.report(
                sev,
                &format!("{key}.url"),
                url_node,
                ConfigProblem::InvalidValue {
                    expected: "grpcs://host:port, grpc://host:port or host:port".into(),
                    found: format!("`{url}`"),
                },
            );
            return None;
        };
        let mut server_name = self
            .string(
                opt("ssl-target-name-override"),
                &format!("{key}.grpcOptions.ssl-target-name-override"),
                sev,
            )
            .or_else(|| {
                self.string(
                    opt("hostnameOverride"),
                    &format!("{key}.grpcOptions.hostnameOverride"),
                    sev,
                )
            })
            .filter(|s| !s.is_empty());
        let (host, port) = self.map_host(name, host, port, &mut server_name);
        let ca_certs = self.ca_certs(
            node.get_any(&["tlsCACerts", "tlsCACert"]),
            &format!("{key}.tlsCACerts"),
            sev,
        );
        if tls && ca_certs.is_empty() {
            // Only the system's roots (client.tlsCerts.systemCertPool) could verify this server.
            self.report(
                Severity::Warning,
                &format!("{key}.tlsCACerts"),
                Some(node),
                ConfigProblem::MissingKey,
            );
        }
        let keep_alive = KeepAlive {
            time: self
                .duration(
                    opt("keep-alive-time"),
                    &format!("{key}.grpcOptions.keep-alive-time"),
                )
                .filter(|d| !d.is_zero()),
            timeout: self.duration(
                opt("keep-alive-timeout"),
                &format!("{key}.grpcOptions.keep-alive-timeout"),
            ),
            permit_without_calls: self
                .boolean(
                    opt("keep-alive-permit"),
                    &format!("{key}.grpcOptions.keep-alive-permit"),
                )
                .unwrap_or(false),
        };
        if node.get("eventUrl").is_some_and(|n| !n.is_null()) {
            self.report(
                Severity::Warning,
                &format!("{key}.eventUrl"),
                node.get("eventUrl"),
                ConfigProblem::InvalidValue {
                    expected: "no eventUrl: Fabric 1.0/1.1 event hubs are not used; fabweave \
                               reads events from the peer's Deliver service on its main port"
                        .into(),
                    found: "an eventUrl, ignored".into(),
                },
            );
        }
        Some(Endpoint {
            url,
            host,
            port,
            tls: TlsSettings {
                enabled: tls,
                ca_certs,
                server_name,
            },
            keep_alive,
        })
    }

    /// Applies the caller's host mapping (exact `host:port`, exact host, `*.suffix`, or
    /// as-localhost). The TLS server name keeps the original host when it had no override.
    fn map_host(
        &self,
        _name: &str,
        host: String,
        port: u16,
        server_name: &mut Option<String>,
    ) -> (String, u16) {
        let hp = format!("{host}:{port}");
        let mapped = self
            .opts
            .host_map
            .iter()
            .find(|(from, _)| from.eq_ignore_ascii_case(&hp))
            .or_else(|| {
                self.opts
                    .host_map
                    .iter()
                    .find(|(from, _)| from.eq_ignore_ascii_case(&host))
            })
            .or_else(|| {
                self.opts.host_map.iter().find(|(from, _)| {
                    from.strip_prefix("*.").is_some_and(|suffix| {
                        host.to_ascii_lowercase()
                            .ends_with(&format!(".{}", suffix.to_ascii_lowercase()))
                    })
                })
            })
            .map(|(_, to)| to.clone());
        let (new_host, new_port) = match mapped {
            Some(to) => match to.rsplit_once(':') {
                Some((h, p)) if p.parse::<u16>().is_ok() && !h.is_empty() => (
                    h.trim_matches(['[', ']']).to_owned(),
                    p.parse().unwrap_or(port),
                ),
                _ => (to, port),
            },
            None if self.opts.as_localhost && is_dns_name(&host) && host != "localhost" => {
                ("localhost".to_owned(), port)
            }
            None => return (host, port),
        };
        if server_name.is_none() {
            *server_name = Some(host);
        }
        (new_host, new_port)
    }

    /// A `certificateAuthorities` entry; its problems are warnings (see the caller).
    pub(crate) fn certificate_authority(
        &mut self,
        name: &str,
        node: &Node,
        key: &str,
    ) -> Option<CertificateAuthority> {
        let sev = Severity::Warning;
        let url = self.string(node.get("url"), &format!("{key}.url"), sev);
        let Some(url) = url else {
            self.report(
                sev,
                &format!("{key}.url"),
                Some(node),
                ConfigProblem::MissingKey,
            );
            return None;
        };
        let tls_node = node.get_any(&["tlsCACerts", "tlsCACert"]);
        let tls_ca_certs = self.ca_certs(tls_node, &format!("{key}.tlsCACerts"), sev);
        let tls_client = self.client_pair(
            tls_node.and_then(|t| t.get("client")),
            &format!("{key}.tlsCACerts.client"),
            sev,
        );
        let server_name = self
            .string(
                node.path(&["grpcOptions", "ssl-target-name-override"]),
                &format!("{key}.grpcOptions.ssl-target-name-override"),
                sev,
            )
            .or_else(|| {
                self.string(
                    node.path(&["grpcOptions", "hostnameOverride"]),
                    &format!("{key}.grpcOptions.hostnameOverride"),
                    sev,
                )
            });
        let verify = self.boolean(
            node.path(&["httpOptions", "verify"]),
            &format!("{key}.httpOptions.verify"),
        );
        let registrar_node = node
            .get("registrar")
            .map(|r| r.items().first().unwrap_or(r));
        let registrar = registrar_node.and_then(|r| {
            let id = self.string(r.get("enrollId"), &format!("{key}.registrar.enrollId"), sev)?;
            let secret = self.string(
                r.get("enrollSecret"),
                &format!("{key}.registrar.enrollSecret"),
                sev,
            )?;
            Some(Registrar {
                enroll_id: id,
                enroll_secret: secret,
            })
        });
        let _ = name;
        Some(CertificateAuthority {
            name: name.to_owned(),
            url,
            ca_name: self.string(node.get("caName"), &format!("{key}.caName"), sev),
            tls_ca_certs,
            server_name,
            verify,
            registrar,
            tls_client,
        })
    }

    /// Names listed under a key: a list of names, or a mapping whose keys are the names.
    pub(crate) fn names(&mut self, node: Option<&Node>) -> Vec<String> {
        let Some(node) = node else { return Vec::new() };
        if node.is_map() {
            return node.entries().iter().map(|(k, _)| k.clone()).collect();
        }
        node.items()
            .iter()
            .filter_map(|n| n.as_str().map(str::to_owned))
            .collect()
    }

    /// A channel's `peers`: mapping of name → roles, or a list of names (all roles).
    pub(crate) fn channel_peers(&mut self, node: &Node, key: &str) -> Vec<ChannelPeer> {
        if !node.is_map() {
            return self
                .names(Some(node))
                .into_iter()
                .map(|name| ChannelPeer {
                    name,
                    roles: PeerRoles::default(),
                })
                .collect();
        }
        let mut out = Vec::new();
        for (name, roles) in node.entries() {
            let k = format!("{key}.{name}");
            let mut r = PeerRoles::default();
            let set = |field: &mut bool, ctx: &mut Self, role: &str| {
                if let Some(b) = ctx.boolean(roles.get(role), &format!("{k}.{role}")) {
                    *field = b;
                }
            };
            set(&mut r.endorsing_peer, self, "endorsingPeer");
            set(&mut r.chaincode_query, self, "chaincodeQuery");
            set(&mut r.ledger_query, self, "ledgerQuery");
            set(&mut r.event_source, self, "eventSource");
            set(&mut r.discover, self, "discover");
            out.push(ChannelPeer {
                name: name.clone(),
                roles: r,
            });
        }
        out
    }
}

/// Merges a `_default` entry under an entry: keys the entry lacks are taken from the default,
/// one level deep into mappings (so `grpcOptions` merge key by key).
pub(crate) fn with_default(entry: &Node, default: Option<&Node>) -> Node {
    let Some(default) = default else {
        return entry.clone();
    };
    let mut merged = entry.clone();
    if let super::tree::Value::Map(entries) = &mut merged.value {
        for (dk, dv) in default.entries() {
            match entries.iter_mut().find(|(k, _)| k.eq_ignore_ascii_case(dk)) {
                None => entries.push((dk.clone(), dv.clone())),
                Some((_, v)) => {
                    if let (super::tree::Value::Map(inner), true) = (&mut v.value, dv.is_map()) {
                        for (ik, iv) in dv.entries() {
                            if !inner.iter().any(|(k, _)| k.eq_ignore_ascii_case(ik)) {
                                inner.push((ik.clone(), iv.clone()));
                            }
                        }
                    }
                }
            }
        }
    }
    merged
}

/// Checks that PEM text holds at least one X.509 certificate.
pub(crate) fn check_certificates(pem: &[u8]) -> Result<(), String> {
    match crate::identity::parse_certificates_pem(pem) {
        Ok(certs) if certs.is_empty() => Err("no certificate in the PEM".into()),
        Ok(_) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

/// `grpcs://host:port` → (tls, host, port); scheme-less uses TLS unless `allow_insecure`.
pub(crate) fn split_url(url: &str, allow_insecure: bool) -> Option<(bool, String, u16)> {
    let url = url.trim();
    let (tls, rest) = if let Some(r) = url.strip_prefix("grpcs://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("grpc://") {
        (false, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else if url.contains("://") {
        return None;
    } else {
        (!allow_insecure, url)
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
        let (h, p) = inner.split_once("]:")?;
        (h, p)
    } else {
        rest.rsplit_once(':')?
    };
    let port: u16 = port.parse().ok()?;
    if host.is_empty() || port == 0 || host.contains('/') {
        return None;
    }
    Some((tls, host.to_owned(), port))
}

fn is_dns_name(host: &str) -> bool {
    host.parse::<std::net::IpAddr>().is_err()
}

/// Go-style durations (`1h2m3s`, `500ms`, `1.5s`) or a bare number of seconds.
pub(crate) fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(secs) = text.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then(|| Duration::from_secs_f64(secs));
    }
    let mut total = 0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        if num_end == 0 {
            return None;
        }
        let value: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_end..];
    }
    Some(Duration::from_secs_f64(total))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            split_url("grpcs://h:7051", false),
            Some((true, "h".into(), 7051))
        );
        assert_eq!(
            split_url("grpc://h:7051", false),
            Some((false, "h".into(), 7051))
        );
        assert_eq!(split_url("h:7051", false), Some((true, "h".into(), 7051)));
        assert_eq!(split_url("h:7051", true), Some((false, "h".into(), 7051)));
        assert_eq!(
            split_url("grpcs://[::1]:7051", false),
            Some((true, "::1".into(), 7051))
        );
        assert_eq!(split_url("grpcs://h", false), None);
        assert_eq!(split_url("ftp://h:1", false), None);
        assert_eq!(split_url("grpcs://h:99999", false), None);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_duration("300"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("10 parsecs"), None);
        assert_eq!(parse_duration("s"), None);
    }
}
