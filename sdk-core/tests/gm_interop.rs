//! SM2 interop with two independent implementations: OpenSSL 3 and the Go library GM Fabric
//! forks build on (github.com/tjfoc/gmsm, v1.4.1 and v1.3.2, driven by the programs in
//! `tests/interop/`).
//!
//! - fabweave's signatures over a real proposal and a real transaction envelope payload verify
//!   in OpenSSL and in tjfoc/gmsm; tjfoc's signatures over the same bytes verify in fabweave,
//!   also as an endorsement checked by `check_endorsements`;
//! - `e = SM3(Z_A ‖ M)` agrees with tjfoc's own;
//! - the `unpadded-y` digest variant reproduces tjfoc/gmsm ≤ 1.3.2 for a key whose Y is below
//!   2^248 (and the standard one does not);
//! - keys tjfoc writes (plain and password-encrypted PKCS#8) load in fabweave.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod gmtools;

use std::path::Path;

use fabweave::crypto::{
    load_private_key, verify, verify_sm2_with, HashAlgorithm, Sm2Digest, Sm2Signer, DEFAULT_DISTID,
};
use fabweave::identity::Identity;
use fabweave::proto::peer::{
    ChaincodeAction, ChaincodeId, Endorsement, ProposalResponse, ProposalResponsePayload, Response,
};
use fabweave::proto::Message;
use fabweave::protocol::{
    check_endorsements_with, PeerTarget, ProposalRequest, UnsignedProposal, UnsignedTransaction,
};
use gmtools::{hex, openssl_sm2_verifies, Gmsm};
use sm2::elliptic_curve::sec1::ToEncodedPoint;
use sm2::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

/// An SM2 key and a self-signed SM2-with-SM3 certificate for `cn`, made by OpenSSL in `dir`:
/// `{name}.key`, `{name}.pub`, `{name}.pem`.
fn openssl_identity(dir: &Path, name: &str, cn: &str, msp: &str) -> Identity {
    gmtools::sm2_key_and_cert(dir, name, cn);
    let key = format!("{name}.key");
    Identity::from_pem(
        msp,
        &std::fs::read(dir.join(format!("{name}.pem"))).unwrap(),
        &std::fs::read(dir.join(&key)).unwrap(),
        None,
    )
    .unwrap()
}

/// A peer's answer to `proposal`, its endorsement signed with `signature` (over
/// `payload ‖ endorser`, which `sign` receives).
fn endorsement(
    proposal: &UnsignedProposal,
    endorser: &Identity,
    sign: impl FnOnce(&[u8]) -> Vec<u8>,
) -> (PeerTarget, Result<ProposalResponse, String>) {
    let action = ChaincodeAction {
        results: Vec::new(),
        events: Vec::new(),
        response: Some(Response {
            status: 200,
            message: String::new(),
            payload: b"stored".to_vec(),
        }),
        chaincode_id: Some(ChaincodeId {
            path: String::new(),
            name: "kv".into(),
            version: "1.0".into(),
        }),
    };
    let payload = ProposalResponsePayload {
        proposal_hash: proposal.proposal_hash().to_vec(),
        extension: action.encode_to_vec(),
    }
    .encode_to_vec();
    let endorser_bytes = endorser.serialized();
    let signature = sign(&[payload.as_slice(), endorser_bytes.as_slice()].concat());
    let response = ProposalResponse {
        version: 1,
        timestamp: None,
        response: Some(Response {
            status: 200,
            message: String::new(),
            payload: b"stored".to_vec(),
        }),
        payload,
        endorsement: Some(Endorsement {
            endorser: endorser_bytes,
            signature,
        }),
        interest: None,
    };
    (
        PeerTarget::new("peer0.org1", "peer0.org1:7051"),
        Ok(response),
    )
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    std::fs::write(dir.join(name), bytes).unwrap();
    name.to_owned()
}

#[test]
fn proposal_and_envelope_signatures_interoperate_with_openssl_and_tjfoc() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let user = openssl_identity(d, "user", "User1@org1.example.com", "Org1MSP");
    let peer = openssl_identity(d, "peer", "peer0.org1.example.com", "Org1MSP");
    let (go, go132) = (Gmsm::v141(), Gmsm::v132());

    // A real proposal, as a BCS GM network gets it (SM3 transaction id).
    let proposal = UnsignedProposal::new(
        ProposalRequest::new("mychannel", "kv", "put", user.serialized())
            .arg("k1")
            .arg("v1")
            .tx_id_hash(HashAlgorithm::Sm3),
    )
    .unwrap();
    let proposal_sig = user.sign(proposal.bytes()).unwrap();

    // The peer's endorsement, signed by tjfoc/gmsm with the peer's key: it verifies in
    // fabweave's endorsement check; a fabweave-signed one too.
    let tjfoc_endorsement = endorsement(&proposal, &peer, |m| {
        write(d, "endorse.bin", m);
        assert!(go
            .run(d, &["sign", "peer.key", "endorse.bin", "endorse.sig"])
            .ok());
        std::fs::read(d.join("endorse.sig")).unwrap()
    });
    let endorsed = check_endorsements_with(
        &proposal,
        vec![tjfoc_endorsement.clone()],
        Some(Sm2Digest::Standard),
    )
    .unwrap();
    let ours = endorsement(&proposal, &peer, |m| peer.sign(m).unwrap());
    check_endorsements_with(&proposal, vec![ours], Some(Sm2Digest::Standard)).unwrap();
    // Checked another way (e = SHA-256(M)), tjfoc's endorsement is refused, naming the peer.
    let err = check_endorsements_with(&proposal, vec![tjfoc_endorsement], Some(Sm2Digest::Sha256))
        .unwrap_err();
    assert!(err.to_string().contains("peer0.org1"), "{err}");

    // The transaction envelope's payload, signed by the user.
    let tx = UnsignedTransaction::new(&proposal, &endorsed).unwrap();
    let tx_sig = user.sign(tx.bytes()).unwrap();

    for (name, message, signature) in [
        ("proposal", proposal.bytes(), &proposal_sig),
        ("envelope", tx.bytes(), &tx_sig),
    ] {
        let msg = write(d, &format!("{name}.bin"), message);
        let sig = write(d, &format!("{name}.sig"), signature);
        // fabweave → OpenSSL, tjfoc 1.4.1 (and 1.3.2, which agrees for most keys; checked
        // below only when this key's Y is a full 32 bytes).
        assert!(openssl_sm2_verifies(d, "user.pub", &msg, &sig), "{name}");
        let v = go.run(d, &["verify", "user.pub", &msg, &sig]);
        assert!(v.ok() && v.stdout == "ok", "{name}: {v:?}");
        // tjfoc → fabweave.
        let theirs = format!("{name}.go.sig");
        assert!(go.run(d, &["sign", "user.key", &msg, &theirs]).ok());
        let go_sig = std::fs::read(d.join(&theirs)).unwrap();
        verify(user.certificate().public_key_der(), message, &go_sig).unwrap();
        // A changed message is refused by both.
        let mut changed = message.to_vec();
        changed[message.len() / 2] ^= 1;
        assert!(verify(user.certificate().public_key_der(), &changed, &go_sig).is_err());
        let changed = write(d, &format!("{name}.changed"), &changed);
        assert!(go.run(d, &["verify", "user.pub", &changed, &sig]).bad());
        // e = SM3(Z_A ‖ M) is tjfoc's.
        let public = sm2::PublicKey::from_sec1_bytes(
            spki_point(user.certificate().public_key_der()).as_slice(),
        )
        .unwrap();
        let e = Sm2Digest::Standard
            .e(DEFAULT_DISTID, &public, message)
            .unwrap();
        assert_eq!(go.run(d, &["digest", "user.pub", &msg]).stdout, hex(&e));
        if y_is_full(&public) {
            assert!(go132.run(d, &["verify", "user.pub", &msg, &sig]).ok());
        }
    }
}

/// The uncompressed point of an SM2 `SubjectPublicKeyInfo` (its last 65 bytes).
fn spki_point(spki: &[u8]) -> Vec<u8> {
    spki[spki.len() - 65..].to_vec()
}

fn y_is_full(public: &sm2::PublicKey) -> bool {
    public.as_affine().to_encoded_point(false).y().unwrap()[0] != 0
}

/// A random SM2 key whose public Y is below 2^248 (one key in 256), as PKCS#8 and SPKI PEM.
fn short_y_key() -> (String, String) {
    loop {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).unwrap();
        let Ok(secret) = sm2::SecretKey::from_slice(&bytes) else {
            continue;
        };
        if y_is_full(&secret.public_key()) {
            continue;
        }
        let key = secret.to_pkcs8_pem(LineEnding::LF).unwrap().to_string();
        let public = secret
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        return (key, public);
    }
}

#[test]
fn unpadded_y_variant_matches_tjfoc_132() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (go, go132) = (Gmsm::v141(), Gmsm::v132());
    let (key_pem, pub_pem) = short_y_key();
    write(d, "k.pem", key_pem.as_bytes());
    write(d, "pub.pem", pub_pem.as_bytes());
    let standard = load_private_key(key_pem.as_bytes(), None).unwrap();
    let spki = standard.public_key_der();
    let tjfoc132 = standard
        .with_sm2_digest(Sm2Digest::UnpaddedY)
        .expect("an in-memory SM2 key switches digests")
        .unwrap();
    let message = UnsignedProposal::new(
        ProposalRequest::new("mychannel", "kv", "put", b"creator".to_vec()).arg("k"),
    )
    .unwrap()
    .bytes()
    .to_vec();
    let msg = write(d, "m.bin", &message);

    // Z_A as v1.3.2 computes it.
    let scalar = sm2_scalar(&key_pem);
    let ours = Sm2Signer::from_bytes(&scalar, DEFAULT_DISTID)
        .unwrap()
        .with_digest(Sm2Digest::UnpaddedY)
        .unwrap();
    assert_eq!(go132.run(d, &["za", "pub.pem"]).stdout, hex(&ours.z_a()));

    // The unpadded-Y signature verifies in v1.3.2 only; the standard one everywhere else.
    let sig132 = write(d, "s132.sig", &tjfoc132.sign(&message).unwrap());
    assert!(go132.run(d, &["verify", "pub.pem", &msg, &sig132]).ok());
    assert!(go.run(d, &["verify", "pub.pem", &msg, &sig132]).bad());
    assert!(!openssl_sm2_verifies(d, "pub.pem", &msg, &sig132));
    let sig = write(d, "s.sig", &standard.sign(&message).unwrap());
    assert!(go132.run(d, &["verify", "pub.pem", &msg, &sig]).bad());
    assert!(go.run(d, &["verify", "pub.pem", &msg, &sig]).ok());
    assert!(openssl_sm2_verifies(d, "pub.pem", &msg, &sig));

    // v1.3.2's own signature verifies in fabweave the unpadded-Y way, not the standard way.
    assert!(go132.run(d, &["sign", "k.pem", &msg, "go132.sig"]).ok());
    let theirs = std::fs::read(d.join("go132.sig")).unwrap();
    verify_sm2_with(
        &spki,
        &message,
        &theirs,
        DEFAULT_DISTID,
        Sm2Digest::UnpaddedY,
    )
    .unwrap();
    assert!(verify(&spki, &message, &theirs).is_err());
}

/// The private scalar of a PKCS#8 SM2 key.
fn sm2_scalar(pem: &str) -> Vec<u8> {
    use sm2::pkcs8::DecodePrivateKey;
    sm2::SecretKey::from_pkcs8_pem(pem)
        .unwrap()
        .to_bytes()
        .to_vec()
}

#[test]
fn keys_written_by_tjfoc_load() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let go = Gmsm::v141();
    assert!(go.run(d, &["keygen", "plain.key", "plain.pub"]).ok());
    assert!(go
        .run(d, &["keygen", "locked.key", "locked.pub", "s3cret-pass"])
        .ok());
    for (key, public, pass) in [
        ("plain.key", "plain.pub", None),
        ("locked.key", "locked.pub", Some(&b"s3cret-pass"[..])),
    ] {
        let pem = std::fs::read(d.join(key)).unwrap();
        let signer = load_private_key(&pem, pass).unwrap();
        let spki = gmtools::pem_to_der(&std::fs::read_to_string(d.join(public)).unwrap());
        assert!(signer.matches_public_key(&spki), "{key}");
        // Its signature verifies in tjfoc.
        write(d, "m.bin", b"loaded from tjfoc");
        write(d, "m.sig", &signer.sign(b"loaded from tjfoc").unwrap());
        assert!(
            go.run(d, &["verify", public, "m.bin", "m.sig"]).ok(),
            "{key}"
        );
    }
    // A wrong passphrase is a clear error, not a panic.
    let pem = std::fs::read(d.join("locked.key")).unwrap();
    let err = load_private_key(&pem, Some(b"wrong")).unwrap_err();
    assert!(
        err.to_string().to_lowercase().contains("passphrase"),
        "{err}"
    );
}

#[test]
fn certificate_requests_and_new_keys_are_read_by_tjfoc() {
    use fabweave::ca::{certificate_request_pem, generate_key, KeyAlgorithm};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let go = Gmsm::v141();
    let (signer, key_pem) = generate_key(KeyAlgorithm::Sm2).unwrap();
    let hosts = ["peer0.org1.example.com".to_owned(), "127.0.0.1".to_owned()];
    let csr = certificate_request_pem(signer.as_ref(), "user1", &hosts).unwrap();
    write(d, "r.csr", csr.as_bytes());
    let v = go.run(d, &["verify-csr", "r.csr"]);
    assert_eq!(
        v.stdout, "ok CN=user1 SANs=peer0.org1.example.com,127.0.0.1",
        "{v:?}"
    );
    // A request for another name under the same signature is refused.
    let der = gmtools::pem_to_der(&csr);
    let at = der.windows(5).position(|w| w == b"user1").unwrap();
    let mut tampered = der.clone();
    tampered[at] = b'U';
    let tampered_pem = pem_block("CERTIFICATE REQUEST", &tampered);
    write(d, "t.csr", tampered_pem.as_bytes());
    assert!(go.run(d, &["verify-csr", "t.csr"]).bad());

    // The key fabweave generated signs in tjfoc; fabweave verifies it.
    write(d, "k.pem", key_pem.as_bytes());
    write(d, "m.bin", b"new key");
    assert!(go.run(d, &["sign", "k.pem", "m.bin", "m.sig"]).ok());
    let sig = std::fs::read(d.join("m.sig")).unwrap();
    verify(&signer.public_key_der(), b"new key", &sig).unwrap();
}

fn pem_block(label: &str, der: &[u8]) -> String {
    use base64ct::{Base64, Encoding};
    let body = Base64::encode_string(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}
