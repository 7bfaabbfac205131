//! `fabweave::ca::CaClient` against the network's real fabric-ca-servers (v1.5): cainfo from
//! profile entries and URLs, TLS name and trust failures, enroll, register with an attribute,
//! enroll with `attr_reqs`, reenroll (new and same key), identities, modify, affiliations,
//! revoke, and the CA's refusals (wrong secret, unknown identity, revoked identity, a caller
//! without registrar authority) as `Error::Ca` with the CA's code and message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use fabweave::ca::{
    diagnose_validity, CaClient, EnrollRequest, Enroller, ReenrollRequest, RegistrationRequest,
    RevocationRequest,
};
use fabweave::config::Profile;
use fabweave::flow::Client;
use fabweave::identity::wallet::{FileWallet, Wallet};
use fabweave::identity::Identity;
use fabweave::Error;
use support::TestNetwork;

const BASE: u16 = 32400;

struct Ca {
    url: String,
    ca_name: String,
    tls_ca: String,
    tls_host: String,
}

fn org1_ca(net: &TestNetwork) -> Ca {
    let ca = net.manifest()["cas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["org"] == "org1")
        .unwrap();
    Ca {
        url: ca["url"].as_str().unwrap().to_owned(),
        ca_name: ca["caName"].as_str().unwrap().to_owned(),
        tls_ca: std::fs::read_to_string(ca["tlsCaFile"].as_str().unwrap()).unwrap(),
        tls_host: ca["tlsHost"].as_str().unwrap().to_owned(),
    }
}

/// The CA's refusal: (status, code, message, hint).
fn refusal(err: &Error) -> (u16, i64, String, Option<String>) {
    match err {
        Error::Ca {
            status,
            code,
            message,
            hint,
            ..
        } => (*status, *code, message.clone(), hint.clone()),
        other => panic!("expected Error::Ca, got {other:?} ({other})"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn fabric_ca_end_to_end() {
    let net = TestNetwork::up(BASE, &["--no-gateway"]);
    let ca = org1_ca(&net);
    let org = &net.manifest()["orgs"]["org1"];
    let msp_id = org["mspId"].as_str().unwrap().to_owned();

    // --- cainfo, from a URL (IP address as TLS name), and from both profile shapes.
    let client =
        CaClient::from_url(&ca.url, vec![ca.tls_ca.clone()], Some(ca.ca_name.clone())).unwrap();
    let info = client.info().await.unwrap();
    assert_eq!(info.ca_name, ca.ca_name);
    let chain = info.ca_certificates().unwrap();
    assert!(!chain.is_empty());
    assert!(
        chain[0].subject().contains("ca.org1.example.com"),
        "{:?}",
        chain[0]
    );
    eprintln!("cainfo: {} version {:?}", info.ca_name, info.version);

    for key in ["ccpJson", "bcsAdmin"] {
        let path = org["profiles"][key].as_str().unwrap();
        let profile = Profile::load(path).unwrap();
        let entry = profile.certificate_authority(&ca.tls_host).unwrap();
        let from_profile = CaClient::new(entry).unwrap();
        assert_eq!(
            from_profile.info().await.unwrap().ca_chain,
            info.ca_chain,
            "{key}"
        );
    }

    // --- TLS failures name the URL and what to check.
    let err = CaClient::from_url(&ca.url, vec![ca.tls_ca.clone()], None)
        .unwrap()
        .server_name("wrong.example.com")
        .info()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport { endpoint, message }
            if endpoint == &ca.url && message.contains("ssl-target-name-override")),
        "{err}"
    );
    let orderer_tls_ca =
        std::fs::read_to_string(net.manifest()["orderers"][0]["tlsCaFile"].as_str().unwrap())
            .unwrap();
    let err = CaClient::from_url(&ca.url, vec![orderer_tls_ca], None)
        .unwrap()
        .info()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport { message, .. } if message.contains("tlsCACerts")),
        "{err}"
    );
    // The right name through an override works.
    CaClient::from_url(&ca.url, vec![ca.tls_ca.clone()], None)
        .unwrap()
        .server_name(ca.tls_host.clone())
        .timeouts(Duration::from_secs(5), Duration::from_secs(10))
        .info()
        .await
        .unwrap();
    // Plain HTTP to the TLS port: the CA's Go server answers 400, and the hint says https.
    let plain = ca.url.replace("https://", "http://");
    let err = CaClient::from_url(&plain, vec![], None)
        .unwrap()
        .info()
        .await
        .unwrap_err();
    let (status, _, _, hint) = refusal(&err);
    assert_eq!(status, 400, "{err}");
    assert!(hint.unwrap_or_default().contains("https://"), "{err}");

    // --- Enroll the bootstrap admin.
    let admin_enrollment = client
        .enroll(EnrollRequest::new("admin", "adminpw"))
        .await
        .unwrap();
    assert!(admin_enrollment
        .private_key_pem()
        .unwrap()
        .starts_with("-----BEGIN PRIVATE KEY-----"));
    assert_eq!(admin_enrollment.ca_info().ca_chain, info.ca_chain);
    assert_eq!(
        diagnose_validity(
            admin_enrollment.certificate_pem(),
            admin_enrollment.ca_chain_pem(),
            SystemTime::now()
        ),
        None
    );
    let admin: Identity = admin_enrollment.into_identity(&msp_id).unwrap();
    assert_eq!(admin.certificate().subject_common_name(), Some("admin"));
    admin.check_validity(SystemTime::now()).unwrap();

    // --- Register a user with an attribute in its enrollment certificates.
    let user = "fabweave-user1";
    let secret = client
        .register(
            &admin,
            RegistrationRequest::new(user)
                .affiliation("org1.department1")
                .attribute("role", "auditor", true),
        )
        .await
        .unwrap();
    assert!(!secret.is_empty());
    // Registering it again is refused with the CA's message.
    let err = client
        .register(&admin, RegistrationRequest::new(user).secret("x"))
        .await
        .unwrap_err();
    let (status, code, message, _) = refusal(&err);
    eprintln!("register twice: {status} {code} {message}");
    assert_eq!((status, code), (409, 74), "{err}");
    assert!(message.contains("already registered"), "{err}");

    // --- Enroll it, asking for the attribute.
    let first = client
        .enroll(
            EnrollRequest::new(user, secret.clone())
                .attribute("role", false)
                .host("app.example.com")
                .host("127.0.0.1"),
        )
        .await
        .unwrap();
    let cert = first.certificate().unwrap();
    assert_eq!(cert.subject_common_name(), Some(user));
    let der = String::from_utf8_lossy(cert.der()).into_owned();
    assert!(der.contains(r#""role":"auditor""#), "no role attribute");
    assert!(der.contains("app.example.com"));
    let user_id = first.clone().into_identity(&msp_id).unwrap();

    // --- Submit with it: the chaincode reads the attribute from the certificate.
    let profile = Profile::load(org["profiles"]["bcsUser"].as_str().unwrap()).unwrap();
    let app = Client::builder(profile)
        .identity(user_id.clone())
        .connect()
        .await
        .unwrap();
    let done = app
        .network("mychannel")
        .contract("kv_or")
        .submit("attr")
        .arg("role")
        .await
        .unwrap();
    assert_eq!(done.payload(), b"auditor");
    assert!(done.block_number() > 0);

    // A caller without registrar authority: the CA's authorization failure.
    let err = client
        .register(&user_id, RegistrationRequest::new("fabweave-user2"))
        .await
        .unwrap_err();
    let (status, code, message, hint) = refusal(&err);
    eprintln!("register by a client: {status} {code} {message} / {hint:?}");
    assert_eq!((status, code), (403, 71), "{err}");
    assert!(hint.unwrap().contains("hf.Registrar.Roles"));

    // --- Reenroll: a new key, then the same key.
    let second = client
        .reenroll(&user_id, ReenrollRequest::new().attribute("role", false))
        .await
        .unwrap();
    let second_cert = second.certificate().unwrap();
    assert_eq!(second_cert.subject_common_name(), Some(user));
    assert_ne!(second_cert.public_key_der(), cert.public_key_der());
    assert!(second.private_key_pem().is_some());
    let second_id = second.into_identity(&msp_id).unwrap();
    let third = client
        .reenroll(&second_id, ReenrollRequest::new().keep_key(true))
        .await
        .unwrap();
    assert!(third.private_key_pem().is_none());
    assert_eq!(
        third.certificate().unwrap().public_key_der(),
        second_cert.public_key_der()
    );
    let third_id = third.into_identity(&msp_id).unwrap();

    // --- Identities: the list, one, a modification; affiliations.
    let all = client.identities(&admin).await.unwrap();
    let listed = all.iter().find(|i| i.id == user).expect("user listed");
    assert_eq!(listed.attribute("role"), Some("auditor"));
    assert_eq!(listed.affiliation, "org1.department1");
    let one = client.identity(&admin, user).await.unwrap();
    assert_eq!(one.identity_type, "client");
    let modified = client
        .modify_identity(
            &admin,
            user,
            RegistrationRequest::default().attribute("level", "3", false),
        )
        .await
        .unwrap();
    assert_eq!(modified.attribute("level"), Some("3"));
    assert_eq!(modified.attribute("role"), Some("auditor"));
    let affiliations = client.affiliations(&admin).await.unwrap();
    assert!(
        affiliations.to_string().contains("department1"),
        "{affiliations}"
    );
    // Unknown identity: the CA's code and message.
    let err = client.identity(&admin, "nobody-here").await.unwrap_err();
    let (status, code, message, hint) = refusal(&err);
    eprintln!("unknown identity: {status} {code} {message}");
    assert_eq!((status, code), (404, 63), "{err}");
    assert!(hint.unwrap().contains("no identity"), "{err}");

    // --- Revoke the user by id: all three certificates, and a CRL.
    let revocation = client
        .revoke(
            &admin,
            RevocationRequest::identity(user)
                .reason("keycompromise")
                .gencrl(true),
        )
        .await
        .unwrap();
    assert_eq!(revocation.revoked.len(), 3, "{revocation:?}");
    assert!(revocation
        .crl_pem
        .as_deref()
        .unwrap()
        .contains("BEGIN X509 CRL"));

    // A revoked identity can neither enroll nor reenroll.
    let err = client
        .enroll(EnrollRequest::new(user, secret.clone()))
        .await
        .unwrap_err();
    let (status, code, message, hint) = refusal(&err);
    eprintln!("enroll after revoke: {status} {code} {message}");
    assert_eq!((status, code), (401, 20), "{err}");
    assert!(hint.unwrap().contains("wrong enrollment secret"));
    let err = client
        .reenroll(&third_id, ReenrollRequest::new())
        .await
        .unwrap_err();
    let (status, code, message, hint) = refusal(&err);
    eprintln!("reenroll after revoke: {status} {code} {message}");
    assert_eq!((status, code), (401, 20), "{err}");
    assert!(hint.unwrap().contains("revoked"));

    // Removing identities is off unless the CA allows it (cfg.identities.allowremove).
    let err = client
        .remove_identity(&admin, user, true)
        .await
        .unwrap_err();
    let (status, code, message, _) = refusal(&err);
    eprintln!("remove identity: {status} {code} {message}");
    assert_eq!((status, code), (403, 56), "{err}");

    // --- Wrong secret and unknown user: 401, code 20, "Authentication failure".
    for (id, secret) in [("admin", "not-the-password"), ("nobody", "whatever")] {
        let err = client
            .enroll(EnrollRequest::new(id, secret))
            .await
            .unwrap_err();
        let (status, code, message, hint) = refusal(&err);
        assert_eq!(
            (status, code, message.as_str()),
            (401, 20, "Authentication failure"),
            "{err}"
        );
        assert!(hint.unwrap().contains("wrong enrollment secret"));
        let text = err.to_string();
        assert!(
            text.contains(&format!("{}/api/v1/enroll", ca.url)),
            "{text}"
        );
    }

    // --- Identity lifecycle: enrolled into a wallet when missing, taken from it afterwards,
    // reenrolled when the certificate ends within the warning window.
    let dir = tempfile::tempdir().unwrap();
    let wallet = Arc::new(FileWallet::open(dir.path()).unwrap());
    let kept = "fabweave-kept";
    let kept_secret = client
        .register(
            &admin,
            RegistrationRequest::new(kept).affiliation("org1.department1"),
        )
        .await
        .unwrap();
    let enroller = Enroller::new(client.clone(), wallet.clone(), &msp_id);
    let request = || EnrollRequest::new(kept, kept_secret.clone());
    let a = enroller.identity("kept", request()).await.unwrap();
    assert_eq!(wallet.labels().unwrap(), ["kept"]);
    let b = enroller.identity("kept", request()).await.unwrap();
    assert_eq!(
        a.certificate().der(),
        b.certificate().der(),
        "taken from the wallet"
    );
    let eager = Enroller::new(client.clone(), wallet.clone(), &msp_id)
        .renew_before(Duration::from_secs(200 * 365 * 24 * 3600));
    let c = eager.identity("kept", request()).await.unwrap();
    assert_ne!(a.certificate().der(), c.certificate().der(), "reenrolled");
    let stored = wallet.get("kept").unwrap().unwrap().to_identity().unwrap();
    assert_eq!(stored.certificate().der(), c.certificate().der());
    let done =
        Client::builder(Profile::load(org["profiles"]["bcsUser"].as_str().unwrap()).unwrap())
            .identity(stored)
            .connect()
            .await
            .unwrap()
            .network("mychannel")
            .contract("kv_or")
            .submit("put")
            .args(["lifecycle", "ok"])
            .await
            .unwrap();
    assert!(done.block_number() > 0);

    // An unknown CA name on the server.
    let err = CaClient::from_url(&ca.url, vec![ca.tls_ca.clone()], Some("ca-nope".into()))
        .unwrap()
        .info()
        .await
        .unwrap_err();
    let (status, code, message, _) = refusal(&err);
    eprintln!("unknown CA name: {status} {code} {message}");
    assert_eq!(code, 19, "{err}");
}
