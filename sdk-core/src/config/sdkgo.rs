//! fabric-sdk-go's `config.yaml` schema, as fabric-sdk-go users, Huawei Cloud BCS and Alibaba
//! Cloud BaaS ("Go" profile) write it: the parts that differ from the common connection profile.

use super::model::*;
use super::sections::Ctx;
use super::tree::Node;
use crate::error::ConfigProblem;

/// Whether a document looks like fabric-sdk-go's schema rather than a CCP.
pub(crate) fn detect(doc: &Node) -> bool {
    let client = doc.get("client");
    let in_client = |keys: &[&str]| client.and_then(|c| c.path(keys)).is_some();
    in_client(&["BCCSP"])
        || in_client(&["cryptoconfig"])
        || in_client(&["credentialStore"])
        || in_client(&["peer", "timeout"])
        || in_client(&["tlsCerts"])
        || doc.get("entityMatchers").is_some()
        || doc.get("x-type").is_some()
        || doc.get("organizations").is_some_and(|orgs| {
            orgs.entries()
                .iter()
                .any(|(_, o)| o.get("cryptoPath").is_some())
        })
}

/// `client:` of a fabric-sdk-go profile.
pub(crate) fn client(doc: &Node, ctx: &mut Ctx<'_>) -> ClientSettings {
    let c = doc.get("client");
    let at = |path: &[&str]| c.and_then(|c| c.path(path));
    let sev = Severity::Error;
    // Huawei's demo prefers `originalOrganization` where present.
    let organization = ctx
        .string(
            at(&["originalOrganization"]),
            "client.originalOrganization",
            sev,
        )
        .or_else(|| ctx.string(at(&["organization"]), "client.organization", sev));

    let mut t = Timeouts::default();
    let set = |field: &mut std::time::Duration, ctx: &mut Ctx<'_>, path: &[&str]| {
        let key = format!("client.{}", path.join("."));
        if let Some(d) = ctx.duration(at(path), &key) {
            *field = d;
        }
    };
    set(
        &mut t.peer_connection,
        ctx,
        &["peer", "timeout", "connection"],
    );
    // Older BaaS files write queryResponse / executeTxResponse instead of response.
    set(
        &mut t.peer_response,
        ctx,
        &["peer", "timeout", "queryResponse"],
    );
    set(&mut t.peer_response, ctx, &["peer", "timeout", "response"]);
    set(
        &mut t.execute,
        ctx,
        &["peer", "timeout", "executeTxResponse"],
    );
    set(
        &mut t.orderer_connection,
        ctx,
        &["orderer", "timeout", "connection"],
    );
    set(
        &mut t.orderer_response,
        ctx,
        &["orderer", "timeout", "response"],
    );
    set(
        &mut t.discovery_connection,
        ctx,
        &["discovery", "timeout", "connection"],
    );
    set(
        &mut t.discovery_response,
        ctx,
        &["discovery", "timeout", "response"],
    );
    set(
        &mut t.event_registration,
        ctx,
        &["eventService", "timeout", "registrationResponse"],
    );
    set(&mut t.query, ctx, &["global", "timeout", "query"]);
    set(&mut t.execute, ctx, &["global", "timeout", "execute"]);

    let crypto_config_path = ctx.path(
        at(&["cryptoconfig", "path"]),
        "client.cryptoconfig.path",
        None,
        Severity::Warning,
        false,
    );
    let tls_client = ctx.client_pair(at(&["tlsCerts", "client"]), "client.tlsCerts.client", sev);
    let system_cert_pool = ctx
        .boolean(
            at(&["tlsCerts", "systemCertPool"]),
            "client.tlsCerts.systemCertPool",
        )
        .unwrap_or(false);

    let mut crypto = CryptoSettings::default();
    let security = at(&["BCCSP", "security"]);
    if let Some(sec) = security {
        if let Some(p) = ctx.string(
            sec.path(&["default", "provider"]),
            "client.BCCSP.security.default.provider",
            sev,
        ) {
            crypto.provider = match p.to_ascii_uppercase().as_str() {
                "SW" => CryptoProvider::Software,
                "SM" | "GM" => CryptoProvider::Sm,
                "PKCS11" => CryptoProvider::Pkcs11,
                _ => CryptoProvider::Other(p),
            };
            if crypto.provider == CryptoProvider::Sm {
                crypto.hash_family = HashFamily::Sm3;
            }
        }
        let hash_key = "client.BCCSP.security.hashAlgorithm";
        if let Some(h) = ctx.string(sec.get("hashAlgorithm"), hash_key, sev) {
            crypto.hash_family = match h.to_ascii_uppercase().as_str() {
                "SHA2" | "SHA256" | "SHA-256" => HashFamily::Sha2,
                "SHA3" => HashFamily::Sha3,
                "SM3" | "GMSM3" => HashFamily::Sm3,
                _ => {
                    ctx.report(
                        sev,
                        hash_key,
                        sec.get("hashAlgorithm"),
                        ConfigProblem::InvalidValue {
                            expected: "SHA2, SHA3 or SM3".into(),
                            found: format!("`{h}`"),
                        },
                    );
                    crypto.hash_family
                }
            };
        }
        let level_key = "client.BCCSP.security.level";
        if let Some(l) = ctx.string(sec.get("level"), level_key, sev) {
            match l.parse() {
                Ok(level) => crypto.level = level,
                Err(_) => ctx.report(
                    sev,
                    level_key,
                    sec.get("level"),
                    ConfigProblem::InvalidValue {
                        expected: "256 or 384".into(),
                        found: format!("`{l}`"),
                    },
                ),
            }
        }
    }
    crypto.suite = named_suite(at(&["cryptoSuite"]), ctx);

    ClientSettings {
        organization,
        timeouts: t,
        tls_client,
        system_cert_pool,
        crypto,
        crypto_config_path,
        logging_level: ctx.string(
            at(&["logging", "level"]),
            "client.logging.level",
            Severity::Warning,
        ),
    }
}

/// `client.cryptoSuite` (a fabweave key, in every profile format): the name of a crypto suite,
/// checked against the known ones.
pub(crate) fn named_suite(node: Option<&Node>, ctx: &mut Ctx<'_>) -> Option<String> {
    let key = "client.cryptoSuite";
    let name = ctx.string(node, key, Severity::Error)?;
    if crate::crypto::CryptoSuite::by_name(&name).is_some() {
        return Some(name);
    }
    ctx.report(
        Severity::Error,
        key,
        node,
        ConfigProblem::InvalidValue {
            expected: format!(
                "a fabweave crypto suite: {}",
                crate::crypto::CryptoSuite::names()
            ),
            found: format!("`{name}`"),
        },
    );
    None
}

/// `entityMatchers:`.
pub(crate) fn entity_matchers(doc: &Node, ctx: &mut Ctx<'_>) -> Vec<EntityMatcher> {
    let mut out = Vec::new();
    let Some(section) = doc.get("entityMatchers") else {
        return out;
    };
    for (kind_key, list) in section.entries() {
        let kind = match kind_key.to_ascii_lowercase().as_str() {
            "peer" | "peers" => MatcherKind::Peer,
            "orderer" | "orderers" => MatcherKind::Orderer,
            "certificateauthority" | "certificateauthorities" => MatcherKind::CertificateAuthority,
            "channel" | "channels" => MatcherKind::Channel,
            _ => {
                ctx.report(
                    Severity::Warning,
                    &format!("entityMatchers.{kind_key}"),
                    Some(list),
                    ConfigProblem::InvalidValue {
                        expected: "peer, orderer, certificateAuthority or channel".into(),
                        found: format!("`{kind_key}`"),
                    },
                );
                continue;
            }
        };
        for (i, m) in list.items().iter().enumerate() {
            let key = format!("entityMatchers.{kind_key}[{i}]");
            let sev = Severity::Error;
            let Some(pattern) = ctx.string(m.get("pattern"), &format!("{key}.pattern"), sev) else {
                ctx.report(
                    sev,
                    &format!("{key}.pattern"),
                    Some(m),
                    ConfigProblem::MissingKey,
                );
                continue;
            };
            let regex = match regex::Regex::new(&pattern) {
                Ok(r) => r,
                Err(e) => {
                    ctx.report(
                        sev,
                        &format!("{key}.pattern"),
                        m.get("pattern"),
                        ConfigProblem::BadPattern {
                            message: e.to_string(),
                        },
                    );
                    continue;
                }
            };
            let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
            out.push(EntityMatcher {
                kind,
                pattern: regex,
                url_substitution: non_empty(ctx.string(
                    m.get("urlSubstitutionExp"),
                    &format!("{key}.urlSubstitutionExp"),
                    sev,
                )),
                ssl_target_override_substitution: non_empty(ctx.string(
                    m.get("sslTargetOverrideUrlSubstitutionExp"),
                    &format!("{key}.sslTargetOverrideUrlSubstitutionExp"),
                    sev,
                )),
                mapped_host: non_empty(
                    ctx.string(m.get("mappedHost"), &format!("{key}.mappedHost"), sev)
                        .or_else(|| {
                            ctx.string(m.get("mappedName"), &format!("{key}.mappedName"), sev)
                        }),
                ),
                ignore_endpoint: ctx
                    .boolean(m.get("ignoreEndpoint"), &format!("{key}.ignoreEndpoint"))
                    .unwrap_or(false),
            });
        }
    }
    out
}
