//! `fabweave::transport` against a real network: TLS set up from a downloaded profile reaches
//! the peers and orderers, concurrent and repeated uses share one TCP connection (counted in the
//! kernel's socket table, not only by the SDK), mutual TLS presents the client certificate, and
//! each way of failing — wrong TLS name, wrong CA, nothing listening, a server that never
//! answers — gives the error that says so, fast.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use fabweave::config::Profile;
use fabweave::identity::Identity;
use fabweave::proto::common::{Envelope, Status};
use fabweave::proto::peer::deliver_response;
use fabweave::protocol::deliver::{seek_envelope, SeekFrom};
use fabweave::transport::{self, Connections};
use fabweave::{Error, Stage};
use support::{endpoint_at, TestNetwork};
use zeroize::Zeroizing;

const BASE: u16 = 29600;

/// Reads blocks `from..=to` of mychannel as filtered blocks; returns their numbers and the
/// final status.
async fn read_blocks(
    channel: &tonic::transport::Channel,
    identity: &Identity,
    from: u64,
    to: u64,
    tls_cert_hash: Option<&[u8]>,
) -> (Vec<u64>, i32) {
    let envelope = seek_envelope(
        "mychannel",
        identity,
        SeekFrom::Block(from),
        Some(to),
        tls_cert_hash,
    )
    .unwrap();
    let mut responses = transport::deliver(channel)
        .deliver_filtered(tokio_stream::iter([envelope]))
        .await
        .unwrap()
        .into_inner();
    let mut numbers = Vec::new();
    while let Some(r) = responses.message().await.unwrap() {
        match r.r#type.unwrap() {
            deliver_response::Type::FilteredBlock(b) => numbers.push(b.number),
            deliver_response::Type::Status(s) => return (numbers, s),
            other => panic!("unexpected {other:?}"),
        }
    }
    panic!("stream ended without a status")
}

/// Established TCP connections from this process to `port` on 127.0.0.1, from the kernel's
/// tables: sockets among /proc/self/fd matched with /proc/self/net/tcp.
fn tcp_connections_to(port: u16) -> usize {
    let mut inodes = std::collections::HashSet::new();
    for fd in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
        if let Ok(target) = std::fs::read_link(fd.path()) {
            let t = target.to_string_lossy().into_owned();
            if let Some(inode) = t.strip_prefix("socket:[").and_then(|s| s.strip_suffix(']')) {
                inodes.insert(inode.to_owned());
            }
        }
    }
    let table = std::fs::read_to_string("/proc/self/net/tcp").unwrap();
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let cols: Vec<&str> = line.split_whitespace().collect();
            // rem_address is HEX_IP:HEX_PORT; st 01 is ESTABLISHED; inode is column 9.
            let remote_port = cols[2].rsplit(':').next().unwrap();
            u16::from_str_radix(remote_port, 16).unwrap() == port
                && cols[3] == "01"
                && inodes.contains(cols[9])
        })
        .count()
}

fn port_of(address: &str) -> u16 {
    address.rsplit(':').next().unwrap().parse().unwrap()
}

#[tokio::test]
async fn transport_against_real_peers_and_orderers() {
    let net = TestNetwork::up(BASE, &[]);
    let m = net.manifest().clone();
    let org1 = &m["orgs"]["org1"];
    let profile = Profile::load(org1["profiles"]["bcsUser"].as_str().unwrap()).unwrap();
    let identity = profile.identity("User1", None).unwrap();
    let peer0_addr = net.peer("peer0.org1")["address"]
        .as_str()
        .unwrap()
        .to_owned();
    let peer0 = endpoint_at(&profile, &peer0_addr);
    assert!(peer0.tls.enabled);
    assert_eq!(peer0.server_name(), "peer0.org1.example.com");
    let orderer_addr = m["orderers"][0]["address"].as_str().unwrap().to_owned();
    let orderer = endpoint_at(&profile, &orderer_addr);

    // --- TLS from the profile; the deliver helper reads real blocks.
    let connections = Connections::new(None, Duration::from_secs(5));
    assert!(connections.client_cert_hash().is_none());
    let channel = connections.channel(&peer0).await.unwrap();
    let (blocks, status) = read_blocks(&channel, &identity, 0, 1, None).await;
    assert_eq!(blocks, [0, 1]);
    assert_eq!(status, Status::Success as i32);

    // --- Reuse: repeated and concurrent uses share the one connection. Counted by the SDK and
    // by the kernel: this process holds exactly one TCP connection to the peer's port.
    assert_eq!(connections.dials(), 1);
    assert_eq!(tcp_connections_to(port_of(&peer0_addr)), 1);
    let again = connections.channel(&peer0).await.unwrap();
    let clone = connections.clone();
    let (a, b, c) = tokio::join!(
        clone.channel(&peer0),
        connections.channel(&peer0),
        connections.channel(&peer0)
    );
    for ch in [&again, &a.unwrap(), &b.unwrap(), &c.unwrap()] {
        let (blocks, _) = read_blocks(ch, &identity, 0, 0, None).await;
        assert_eq!(blocks, [0]);
    }
    assert_eq!(connections.dials(), 1, "one dial for one endpoint");
    assert_eq!(
        tcp_connections_to(port_of(&peer0_addr)),
        1,
        "every use rides the same TCP connection"
    );

    // A second endpoint is a second connection: the orderer, through the broadcast helper. An
    // empty envelope reaches the orderer and is refused by it, not by the transport.
    let ord_channel = connections.channel(&orderer).await.unwrap();
    let mut responses = transport::broadcast(&ord_channel)
        .broadcast(tokio_stream::iter([Envelope::default()]))
        .await
        .unwrap()
        .into_inner();
    let answer = responses.message().await.unwrap().unwrap();
    assert_eq!(answer.status, Status::BadRequest as i32, "{}", answer.info);
    assert_eq!(connections.dials(), 2);
    assert_eq!(tcp_connections_to(port_of(&orderer_addr)), 1);
    // The endorser helper reaches the peer's Endorser service over the same connection: an
    // empty proposal is refused by the peer as malformed.
    let refused = transport::endorser(&channel)
        .process_proposal(fabweave::proto::peer::SignedProposal::default())
        .await;
    match refused {
        Ok(r) => assert_ne!(r.into_inner().response.unwrap().status, 200),
        Err(s) => assert_ne!(s.code(), tonic::Code::Unavailable, "{s:?}"),
    }
    assert_eq!(tcp_connections_to(port_of(&peer0_addr)), 1);

    // --- Mutual TLS: the client certificate is presented and its hash binds the stream.
    let tls_cert = std::fs::read(org1["user1"]["tlsCert"].as_str().unwrap()).unwrap();
    let tls_key = std::fs::read(org1["user1"]["tlsKey"].as_str().unwrap()).unwrap();
    let mutual = Connections::new(
        Some((tls_cert.clone(), Zeroizing::new(tls_key))),
        Duration::from_secs(5),
    );
    let hash = mutual.client_cert_hash().unwrap();
    let der = fabweave::identity::Certificate::from_pem(&tls_cert).unwrap();
    assert_eq!(hash, fabweave::crypto::sha256(der.der()).to_vec());
    let ch = mutual.channel(&peer0).await.unwrap();
    let (blocks, status) = read_blocks(&ch, &identity, 0, 0, Some(&hash)).await;
    assert_eq!((blocks, status), (vec![0], Status::Success as i32));

    // --- A wrong TLS server name fails, and says what to change.
    let mut wrong_name = peer0.clone();
    wrong_name.tls.server_name = Some("peer9.org1.example.com".into());
    let err = connections.channel(&wrong_name).await.unwrap_err();
    eprintln!("wrong name: {err}");
    match &err {
        Error::Transport { endpoint, message } => {
            assert_eq!(endpoint, &peer0_addr);
            assert!(
                message.contains("not valid for the name `peer9.org1.example.com`")
                    && message.contains("ssl-target-name-override"),
                "{message}"
            );
        }
        other => panic!("expected a transport error, got {other:?}"),
    }

    // --- A CA that did not issue the peer's certificate (org2's TLS CA) fails as such.
    let mut wrong_ca = peer0.clone();
    wrong_ca.tls.ca_certs =
        vec![std::fs::read_to_string(m["orgs"]["org2"]["tlsCaFile"].as_str().unwrap()).unwrap()];
    let err = connections.channel(&wrong_ca).await.unwrap_err();
    eprintln!("wrong CA: {err}");
    assert!(
        matches!(&err, Error::Transport { message, .. } if message.contains("not issued by the endpoint's TLS CA")),
        "{err}"
    );
    // Failed dials are not counted, and are not cached: the good endpoint still works.
    assert_eq!(connections.dials(), 2);

    // --- Nothing listening: a closed local port fails fast with a transport error.
    let closed_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let mut closed = peer0.clone();
    closed.port = closed_port;
    let t0 = Instant::now();
    let err = connections.channel(&closed).await.unwrap_err();
    eprintln!("closed port: {err}");
    assert!(t0.elapsed() < Duration::from_secs(2), "{:?}", t0.elapsed());
    match &err {
        Error::Transport { endpoint, message } => {
            assert_eq!(endpoint, &format!("127.0.0.1:{closed_port}"));
            assert!(message.contains("node is running"), "{message}");
        }
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert!(err.is_retryable());

    // --- A server that accepts TCP but never answers the TLS handshake: the connect deadline.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut hanging = peer0.clone();
    hanging.port = silent.local_addr().unwrap().port();
    let quick = Connections::new(None, Duration::from_millis(500));
    let t0 = Instant::now();
    let err = quick.channel(&hanging).await.unwrap_err();
    eprintln!("silent server: {err}");
    assert!(t0.elapsed() < Duration::from_secs(3), "{:?}", t0.elapsed());
    match &err {
        Error::Timeout {
            stage,
            after,
            waiting_for,
            ..
        } => {
            assert_eq!(*stage, Stage::Connect);
            assert_eq!(*after, Duration::from_millis(500));
            assert_eq!(
                waiting_for.as_deref(),
                Some(format!("127.0.0.1:{}", hanging.port).as_str())
            );
        }
        other => panic!("expected a connect timeout, got {other:?}"),
    }
    drop(silent);

    // --- Keep-alive from the profile is clamped to >= 60 s: a 1 s interval, unclamped, would
    // make the peer (minInterval 60 s) cut an idle stream with GOAWAY "too_many_pings" within
    // seconds. Here a stream waiting for the next block stays up.
    let mut eager = peer0.clone();
    eager.keep_alive.time = Some(Duration::from_secs(1));
    eager.keep_alive.timeout = Some(Duration::from_secs(1));
    let fresh = Connections::new(None, Duration::from_secs(5));
    let ch = fresh.channel(&eager).await.unwrap();
    let follow = seek_envelope("mychannel", &identity, SeekFrom::Newest, None, None).unwrap();
    let mut stream = transport::deliver(&ch)
        .deliver_filtered(tokio_stream::StreamExt::chain(
            tokio_stream::iter([follow]),
            tokio_stream::pending(),
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(
        stream.message().await.unwrap().is_some(),
        "the newest block"
    );
    let idle = tokio::time::timeout(Duration::from_secs(6), stream.message()).await;
    assert!(
        idle.is_err(),
        "the stream should stay open and silent: {idle:?}"
    );
}
