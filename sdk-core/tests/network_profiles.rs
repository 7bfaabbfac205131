//! The profiles the local network writes — common connection profiles and BCS-shaped
//! fabric-sdk-go files, for both orgs — load with no blocking problem, describe the network
//! as it is, and their identities sign proposals that the real peers accept (and a corrupted
//! signature is refused, so acceptance means the peer checked it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use fabweave::config::{Endpoint, LoadOptions, Profile, ProfileFormat, Severity};
use fabweave::identity::Identity;
use fabweave::proto::common::{ChannelHeader, Header, HeaderType, SignatureHeader};
use fabweave::proto::peer::endorser_client::EndorserClient;
use fabweave::proto::peer::{
    ChaincodeHeaderExtension, ChaincodeId, ChaincodeInput, ChaincodeInvocationSpec,
    ChaincodeProposalPayload, ChaincodeSpec, Proposal, SignedProposal,
};
use prost::Message;
use support::TestNetwork;
use tonic::transport::{Certificate, Channel, ClientTlsConfig};

const BASE: u16 = 29200;

/// A signed proposal for `whoami` on chaincode `kv` — built by hand here; the SDK's own
/// proposal builder comes with the transaction flow.
fn whoami_proposal(identity: &Identity, channel: &str) -> SignedProposal {
    let creator = identity.serialized();
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    let nonce = fabweave::crypto::sha256(format!("{now:?}{channel}").as_bytes())[..24].to_vec();
    let tx_id = hex(&fabweave::crypto::sha256(
        &[nonce.as_slice(), &creator].concat(),
    ));
    let cc = ChaincodeId {
        name: "kv".into(),
        ..Default::default()
    };
    let channel_header = ChannelHeader {
        r#type: HeaderType::EndorserTransaction as i32,
        channel_id: channel.into(),
        tx_id,
        timestamp: Some(prost_types::Timestamp {
            seconds: now.as_secs() as i64,
            nanos: now.subsec_nanos() as i32,
        }),
        extension: ChaincodeHeaderExtension {
            chaincode_id: Some(cc.clone()),
        }
        .encode_to_vec(),
        ..Default::default()
    };
    let header = Header {
        channel_header: channel_header.encode_to_vec(),
        signature_header: SignatureHeader { creator, nonce }.encode_to_vec(),
    };
    let spec = ChaincodeInvocationSpec {
        chaincode_spec: Some(ChaincodeSpec {
            chaincode_id: Some(cc),
            input: Some(ChaincodeInput {
                args: vec![b"whoami".to_vec()],
                ..Default::default()
            }),
            ..Default::default()
        }),
    };
    let payload = ChaincodeProposalPayload {
        input: spec.encode_to_vec(),
        ..Default::default()
    };
    let proposal = Proposal {
        header: header.encode_to_vec(),
        payload: payload.encode_to_vec(),
        ..Default::default()
    };
    let proposal_bytes = proposal.encode_to_vec();
    let signature = identity.sign(&proposal_bytes).unwrap();
    SignedProposal {
        proposal_bytes,
        signature,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An endorser client over TLS set up only from what the profile says about the peer.
async fn endorser(e: &Endpoint) -> EndorserClient<Channel> {
    assert!(e.tls.enabled);
    let mut tls = ClientTlsConfig::new().domain_name(e.server_name());
    for pem in &e.tls.ca_certs {
        tls = tls.ca_certificate(Certificate::from_pem(pem));
    }
    let channel = Channel::from_shared(format!("https://{}", e.address()))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .unwrap_or_else(|err| panic!("connect to {}: {err:?}", e.address()));
    EndorserClient::new(channel)
}

/// Sends `whoami` signed by `identity` to every peer of the profile; each must answer 200
/// with the caller's MSP ID, and refuse the same proposal with a corrupted signature.
async fn peers_accept(profile: &Profile, identity: &Identity) {
    assert_eq!(
        profile.peers.len(),
        if profile.format == ProfileFormat::Ccp {
            2
        } else {
            4
        }
    );
    for peer in &profile.peers {
        let mut client = endorser(&peer.endpoint).await;
        let signed = whoami_proposal(identity, "mychannel");
        let resp = client
            .process_proposal(signed.clone())
            .await
            .unwrap_or_else(|s| {
                panic!(
                    "{} refused a proposal signed by {:?}: {s:?}",
                    peer.name, identity
                )
            })
            .into_inner();
        let r = resp.response.unwrap();
        assert_eq!(r.status, 200, "{}: {}", peer.name, r.message);
        assert_eq!(r.payload, identity.msp_id().as_bytes(), "{}", peer.name);
        assert!(!resp.endorsement.unwrap().signature.is_empty());

        let mut bad = whoami_proposal(identity, "mychannel");
        let last = bad.signature.len() - 3;
        bad.signature[last] ^= 0x55;
        let refused = client.process_proposal(bad).await;
        assert!(
            refused.is_err(),
            "{} accepted a corrupted signature",
            peer.name
        );
    }
}

#[tokio::test]
async fn network_profiles_load_and_their_identities_are_accepted() {
    let net = TestNetwork::up(BASE, &[]);
    let m = net.manifest().clone();
    for org in ["org1", "org2"] {
        let o = &m["orgs"][org];
        let msp = o["mspId"].as_str().unwrap();
        let profiles = &o["profiles"];

        // Common connection profiles: nothing to report at all.
        for key in ["ccpJson", "ccpYaml"] {
            let path = profiles[key].as_str().unwrap();
            let p = Profile::inspect(path, &LoadOptions::default()).unwrap();
            assert!(p.diagnostics.is_empty(), "{path}: {:#?}", p.diagnostics);
            assert_eq!(p.format, ProfileFormat::Ccp);
            assert_eq!(p.client_organization().unwrap().msp_id, msp);
            assert_eq!(p.certificate_authorities.len(), 1);
            // The CCP carries no identity; the user's files come from the network's manifest.
            let id = Identity::from_files(
                msp,
                o["user1"]["cert"].as_str().unwrap(),
                o["user1"]["key"].as_str().unwrap(),
                None,
            )
            .unwrap();
            peers_accept(&p, &id).await;
        }

        // BCS-shaped profiles: only the template CA block is reported, as a warning.
        for (key, user) in [
            ("bcsAdmin", "Admin"),
            ("bcsAdminJson", "Admin"),
            ("bcsUser", "User1"),
            ("bcsUserJson", "User1"),
        ] {
            let path = profiles[key].as_str().unwrap();
            let p = Profile::inspect(path, &LoadOptions::default()).unwrap();
            assert!(!p.has_errors(), "{path}: {:#?}", p.diagnostics);
            for d in &p.diagnostics {
                assert_eq!(d.severity, Severity::Warning);
                let fabweave::Error::Config { key, .. } = &d.error else {
                    panic!("{:?}", d.error)
                };
                assert!(
                    key.as_deref()
                        .unwrap_or("")
                        .starts_with("certificateAuthorities.ca-org1"),
                    "{path}: unexpected warning {}",
                    d.error
                );
            }
            assert_eq!(p.format, ProfileFormat::SdkGo);
            assert_eq!(p.orderers.len(), 3);
            assert_eq!(p.channel("mychannel").peers.len(), 4);
            let org_entry = p.client_organization().unwrap();
            assert_eq!(org_entry.msp_id, msp);
            assert!(org_entry.tls_client.is_some());
            let id = p.identity(user, None).unwrap();
            assert_eq!(id.msp_id(), msp);
            assert_eq!(
                id.certificate().subject_common_name(),
                Some(format!("{user}@{org}.example.com").as_str())
            );
            id.check_validity(SystemTime::now()).unwrap();
            peers_accept(&p, &id).await;
        }
    }
}
