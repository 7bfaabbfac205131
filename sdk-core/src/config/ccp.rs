//! The common connection profile (CCP), as fabric-samples' test-network and Alibaba Cloud
//! BaaS ("standard" profile) write it: the parts that differ from fabric-sdk-go's schema.

use super::model::*;
use super::sections::Ctx;
use super::tree::Node;

/// `client:` of a CCP: the organization and the endorser/orderer timeouts (strings, seconds).
pub(crate) fn client(doc: &Node, ctx: &mut Ctx<'_>) -> ClientSettings {
    let c = doc.get("client");
    let at = |path: &[&str]| c.and_then(|c| c.path(path));
    let mut timeouts = Timeouts::default();
    let key = "client.connection.timeout.peer.endorser";
    if let Some(d) = ctx.duration(at(&["connection", "timeout", "peer", "endorser"]), key) {
        timeouts.peer_response = d;
    }
    let key = "client.connection.timeout.orderer";
    if let Some(d) = ctx.duration(at(&["connection", "timeout", "orderer"]), key) {
        timeouts.orderer_response = d;
    }
    ClientSettings {
        organization: ctx.string(
            at(&["organization"]),
            "client.organization",
            Severity::Error,
        ),
        timeouts,
        tls_client: ctx.client_pair(
            at(&["tlsCerts", "client"]),
            "client.tlsCerts.client",
            Severity::Error,
        ),
        system_cert_pool: false,
        crypto: CryptoSettings {
            suite: super::sdkgo::named_suite(at(&["cryptoSuite"]), ctx),
            ..CryptoSettings::default()
        },
        crypto_config_path: None,
        logging_level: None,
    }
}
