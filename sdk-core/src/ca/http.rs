//! One HTTP/1.1 exchange with a CA: the URL, TLS with the CA's own roots, deadlines.
//!
//! Every request opens its own connection (`Connection: close`): CA calls are rare, and a
//! connection that outlives its request has nothing to do. hyper reads the answer whether it
//! comes with a `Content-Length` or chunked.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::client::conn::http1;
use hyper::{header, Method, Request};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::error::{Error, Result, Stage};
use crate::identity::parse_certificates_pem;

/// The largest answer read: identity and certificate listings of a big CA can be long.
const MAX_ANSWER: usize = 64 * 1024 * 1024;

/// Where the CA is: parsed from its URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    /// `https` (or `http`).
    pub(crate) tls: bool,
    /// The host, without brackets for IPv6.
    pub(crate) host: String,
    /// The port (443 / 80 when the URL has none).
    pub(crate) port: u16,
    /// A path prefix before `/api/v1/` (a CA behind a reverse proxy), without a trailing `/`;
    /// usually empty.
    pub(crate) prefix: String,
}

impl Target {
    /// Parses `scheme://host[:port][/prefix]`. A trailing `/api/v1` is accepted and dropped.
    pub(crate) fn parse(url: &str) -> std::result::Result<Target, String> {
        let url = url.trim();
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| "no scheme; write it as https://host:port".to_owned())?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => false,
            other => {
                return Err(format!(
                    "scheme `{other}` is not HTTP; a Fabric CA URL is https://host:port (or \
                     http:// without TLS)"
                ))
            }
        };
        if rest.contains(['?', '#']) {
            return Err("a CA URL has no query or fragment".into());
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if authority.contains('@') {
            return Err(
                "credentials in the URL are not used; put the enrollment ID and \
                        secret in the enroll request"
                    .into(),
            );
        }
        let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| "unclosed `[` in the host".to_owned())?;
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| format!("unexpected `{p}` after the IPv6 address"))?,
                ),
            };
            (host, port)
        } else {
            match authority.split_once(':') {
                Some((_, p)) if p.contains(':') => {
                    return Err("an IPv6 address must be written in brackets, e.g. \
                                https://[::1]:7054"
                        .into())
                }
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        if host.is_empty() {
            return Err("no host".into());
        }
        let port = match port {
            None => {
                if tls {
                    443
                } else {
                    80
                }
            }
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n != 0 => n,
                _ => return Err(format!("port `{p}` is not a number from 1 to 65535")),
            },
        };
        let mut prefix = path.trim_end_matches('/');
        if let Some(p) = prefix.strip_suffix("/api/v1") {
            prefix = p.trim_end_matches('/');
        }
        Ok(Target {
            tls,
            host: host.to_owned(),
            port,
            prefix: prefix.to_owned(),
        })
    }

    /// `scheme://host:port`.
    pub(crate) fn origin(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.authority()
        )
    }

    /// `host:port`, with brackets for IPv6: the `Host` header.
    pub(crate) fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The request URI of API call `op` (e.g. `identities/user1`, already escaped) with the
    /// query parameters (escaped here): `/prefix/api/v1/op?k=v`. This is also what token
    /// authentication signs.
    pub(crate) fn request_uri(&self, op: &str, query: &[(&str, &str)]) -> String {
        let mut uri = format!("{}/api/v1/{op}", self.prefix);
        for (i, (k, v)) in query.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            uri.push_str(&escape(k));
            uri.push('=');
            uri.push_str(&escape(v));
        }
        uri
    }
}

/// Percent-encodes everything but the URI's unreserved characters (for a path segment or a
/// query value).
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The roots to trust: every certificate of the PEM strings.
pub(crate) fn root_store(pems: &[String]) -> std::result::Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    for (i, pem) in pems.iter().enumerate() {
        let certs = parse_certificates_pem(pem.as_bytes())
            .map_err(|e| format!("TLS CA certificate {}: {e}", i + 1))?;
        for cert in certs {
            roots
                .add(CertificateDer::from(cert.der().to_vec()))
                .map_err(|e| format!("TLS CA certificate {} is not usable: {e}", i + 1))?;
        }
    }
    Ok(roots)
}

/// A client TLS certificate chain and key from PEM (or DER) bytes.
pub(crate) fn client_pair(
    cert: &[u8],
    key: &[u8],
) -> std::result::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>), String> {
    let certs = crate::identity::Certificate::from_bytes(cert)
        .map(|c| vec![CertificateDer::from(c.der().to_vec())])
        .map_err(|e| format!("client TLS certificate: {e}"))?;
    let key = if key.windows(11).any(|w| w == b"-----BEGIN ") {
        PrivateKeyDer::from_pem_slice(key).map_err(|e| {
            format!(
                "client TLS key: {e}; expected an unencrypted PEM key (PRIVATE KEY or EC \
                 PRIVATE KEY)"
            )
        })?
    } else {
        PrivateKeyDer::try_from(key.to_vec())
            .map_err(|e| format!("client TLS key: not a DER private key: {e}"))?
    };
    Ok((certs, key))
}

/// A rustls client configuration (ring) trusting only `roots`, presenting `client` if given.
pub(crate) fn client_config(
    roots: RootCertStore,
    client: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
) -> std::result::Result<ClientConfig, String> {
    let builder =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS settings not usable: {e}"))?
            .with_root_certificates(roots);
    let mut config = match client {
        None => builder.with_no_client_auth(),
        Some((certs, key)) => builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| format!("client TLS pair not usable: {e}"))?,
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// How to reach the CA: where, how to secure it, how long to wait.
#[derive(Clone)]
pub(crate) struct Conn {
    pub(crate) target: Target,
    /// The TLS configuration (for `https`).
    pub(crate) tls: Option<Arc<ClientConfig>>,
    /// The name to verify and send as SNI: the override, or the URL's host.
    pub(crate) server_name: Option<String>,
    /// Deadline for TCP connect and TLS handshake.
    pub(crate) connect_timeout: Duration,
    /// Deadline for the whole request once connected: sending it and reading the answer.
    pub(crate) request_timeout: Duration,
}

impl Conn {
    /// The TLS server name.
    pub(crate) fn tls_name(&self) -> &str {
        self.server_name.as_deref().unwrap_or(&self.target.host)
    }
}

/// A request to send.
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    /// Path and query, as [`Target::request_uri`] makes them.
    pub(crate) uri: String,
    /// The `Authorization` header, if any.
    pub(crate) authorization: Option<String>,
    /// The JSON body (empty for GET and DELETE).
    pub(crate) body: Vec<u8>,
}

/// What came back.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Bytes,
}

/// Sends `req` on a new connection and reads the whole answer.
///
/// Errors: [`Error::Timeout`] (stage `Connect`, waiting for the origin) when the connection or
/// TLS handshake takes longer than the connect deadline; [`Error::Transport`] naming the origin
/// for everything else (with what to check for TLS name and trust failures), including an
/// answer that did not come within the request deadline.
pub(crate) async fn exchange(conn: &Conn, req: Outgoing) -> Result<Answer> {
    let origin = conn.target.origin();
    let transport = |message: String| Error::Transport {
        endpoint: origin.clone(),
        message,
    };
    let connect = async {
        let tcp = TcpStream::connect((conn.target.host.as_str(), conn.target.port))
            .await
            .map_err(|e| transport(tcp_hint(&e, &conn.target.host)))?;
        let _ = tcp.set_nodelay(true);
        match &conn.tls {
            None => Ok(Stream::Plain(tcp)),
            Some(config) => {
                let name = ServerName::try_from(conn.tls_name().to_owned()).map_err(|_| {
                    transport(format!(
                        "`{}` is not a valid TLS server name (a DNS name or an IP address)",
                        conn.tls_name()
                    ))
                })?;
                let tls = TlsConnector::from(config.clone())
                    .connect(name, tcp)
                    .await
                    .map_err(|e| transport(tls_hint(&e, conn)))?;
                Ok(Stream::Tls(Box::new(tls)))
            }
        }
    };
    let stream = match tokio::time::timeout(conn.connect_timeout, connect).await {
        Err(_) => {
            return Err(Error::Timeout {
                stage: Stage::Connect,
                after: conn.connect_timeout,
                tx_id: None,
                waiting_for: Some(origin),
            })
        }
        Ok(r) => r?,
    };
    let request = build(conn, req).map_err(&transport)?;
    let exchange = async {
        match stream {
            Stream::Plain(s) => send(s, request).await,
            Stream::Tls(s) => send(*s, request).await,
        }
    };
    match tokio::time::timeout(conn.request_timeout, exchange).await {
        Err(_) => Err(transport(format!(
            "the CA did not answer within {:?} (the request deadline)",
            conn.request_timeout
        ))),
        Ok(r) => r.map_err(transport),
    }
}

enum Stream {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::client::TlsStream<TcpStream>>),
}

fn build(conn: &Conn, req: Outgoing) -> std::result::Result<Request<Full<Bytes>>, String> {
    let mut builder = Request::builder()
        .method(req.method)
        .uri(req.uri)
        .header(header::HOST, conn.target.authority())
        .header(header::CONNECTION, "close")
        .header(header::ACCEPT, "application/json")
        .header(
            header::USER_AGENT,
            concat!("fabweave/", env!("CARGO_PKG_VERSION")),
        );
    if !req.body.is_empty() {
        builder = builder.header(header::CONTENT_TYPE, "application/json");
    }
    if let Some(auth) = req.authorization {
        builder = builder.header(header::AUTHORIZATION, auth);
    }
    builder
        .body(Full::new(Bytes::from(req.body)))
        .map_err(|e| format!("cannot build the HTTP request: {e}"))
}

async fn send<S>(io: S, request: Request<Full<Bytes>>) -> std::result::Result<Answer, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake failed: {}", describe(&e)))?;
    // The connection runs until the answer is read and it closes (Connection: close).
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::debug!(error = %e, "CA connection ended with an error");
        }
    });
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("HTTP request failed: {}", describe(&e)))?;
    let status = response.status().as_u16();
    let body = Limited::new(response.into_body(), MAX_ANSWER)
        .collect()
        .await
        .map_err(|e| format!("reading the answer failed: {}", describe(&*e)))?
        .to_bytes();
    Ok(Answer { status, body })
}

/// An error and its sources, joined with `: `, skipping repeats.
fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(e);
    while let Some(err) = current {
        let text = err.to_string();
        if !parts.last().is_some_and(|p| p.contains(&text)) {
            parts.push(text);
        }
        current = err.source();
    }
    parts.join(": ")
}

fn tcp_hint(e: &std::io::Error, host: &str) -> String {
    let text = e.to_string();
    let lower = text.to_ascii_lowercase();
    if e.kind() == std::io::ErrorKind::ConnectionRefused {
        format!(
            "{text} (nothing accepts connections at this address; check the CA URL's host and \
             port, and that the CA is running)"
        )
    } else if lower.contains("lookup") || lower.contains("resolve") || lower.contains("name") {
        format!("{text} (the host `{host}` does not resolve; check the CA URL)")
    } else {
        text
    }
}

/// The TLS failure, with what to check for the recognized causes.
fn tls_hint(e: &std::io::Error, conn: &Conn) -> String {
    let text = describe(e);
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let hint = match rustls_error {
        Some(rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidForName
            | rustls::CertificateError::NotValidForNameContext { .. },
        )) => format!(
            "the CA's TLS certificate is not valid for the name `{}`; set the CA's TLS server \
             name (`grpcOptions.ssl-target-name-override` / `hostnameOverride` in the profile, \
             or CaClient::server_name) to a name in the certificate",
            conn.tls_name()
        ),
        Some(rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)) => {
            "the CA's TLS certificate was not issued by the TLS CA certificates given \
             (tlsCACerts); check that they are the TLS CA of this CA server (its \
             tls-cert.pem, or the CA that signed it)"
                .to_owned()
        }
        Some(rustls::Error::InvalidCertificate(
            rustls::CertificateError::Expired | rustls::CertificateError::ExpiredContext { .. },
        )) => "the CA's TLS certificate has expired (or this machine's clock is ahead)".to_owned(),
        Some(rustls::Error::InvalidCertificate(
            rustls::CertificateError::NotValidYet
            | rustls::CertificateError::NotValidYetContext { .. },
        )) => "the CA's TLS certificate is not valid yet: this machine's clock may be behind"
            .to_owned(),
        Some(rustls::Error::InvalidMessage(_)) => {
            "the server does not answer with TLS; if the CA runs without TLS, write its URL \
             as http://"
                .to_owned()
        }
        Some(rustls::Error::AlertReceived(
            rustls::AlertDescription::CertificateRequired
            | rustls::AlertDescription::BadCertificate
            | rustls::AlertDescription::HandshakeFailure,
        )) => "the CA may require a client TLS certificate (mutual TLS) it trusts; give one \
               (`tlsCACerts.client` in the profile, or CaClient::client_tls)"
            .to_owned(),
        _ => return format!("TLS handshake failed: {text}"),
    };
    format!("TLS handshake failed: {text} ({hint})")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    fn t(url: &str) -> Target {
        Target::parse(url).unwrap()
    }

    #[test]
    fn schemes_and_default_ports() {
        let a = t("https://ca.org1.example.com:7054");
        assert_eq!(
            a,
            Target {
                tls: true,
                host: "ca.org1.example.com".into(),
                port: 7054,
                prefix: String::new()
            }
        );
        assert_eq!(a.origin(), "https://ca.org1.example.com:7054");
        let b = t("http://127.0.0.1:7054/");
        assert!(!b.tls);
        assert_eq!((b.host.as_str(), b.port), ("127.0.0.1", 7054));
        assert_eq!(t("https://ca.example.com").port, 443);
        assert_eq!(t("http://ca.example.com").port, 80);
        assert_eq!(t("HTTPS://ca.example.com").port, 443);
        let v6 = t("https://[::1]:7054");
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.authority(), "[::1]:7054");
        assert_eq!(t("https://[fe80::1]").port, 443);
    }

    #[test]
    fn api_paths_and_prefixes() {
        let a = t("https://ca:7054");
        assert_eq!(a.request_uri("enroll", &[]), "/api/v1/enroll");
        assert_eq!(
            a.request_uri("identities", &[("ca", "ca-org1")]),
            "/api/v1/identities?ca=ca-org1"
        );
        assert_eq!(
            a.request_uri(
                &format!("identities/{}", escape("user 1@org1")),
                &[("force", "true"), ("ca", "ca org1")]
            ),
            "/api/v1/identities/user%201%40org1?force=true&ca=ca%20org1"
        );
        // A CA behind a proxy path; an /api/v1 already written is not doubled.
        assert_eq!(
            t("https://gw.example.com/fabric/ca1/").request_uri("cainfo", &[]),
            "/fabric/ca1/api/v1/cainfo"
        );
        assert_eq!(
            t("https://ca:7054/api/v1/").request_uri("enroll", &[]),
            "/api/v1/enroll"
        );
        assert_eq!(
            t("https://ca:7054/x/api/v1").request_uri("enroll", &[]),
            "/x/api/v1/enroll"
        );
    }

    #[test]
    fn bad_urls_say_why() {
        for (url, needle) in [
            ("ca.example.com:7054", "no scheme"),
            ("grpcs://ca:7054", "not HTTP"),
            ("https://:7054", "no host"),
            ("https://ca:0", "port"),
            ("https://ca:x", "port"),
            ("https://ca:70000", "port"),
            ("https://admin:pw@ca:7054", "credentials"),
            ("https://::1:7054", "brackets"),
            ("https://[::1:7054", "unclosed"),
            ("https://ca:7054/?a=b", "query"),
        ] {
            let err = Target::parse(url).unwrap_err();
            assert!(err.contains(needle), "{url}: {err}");
        }
    }

    #[test]
    fn escaping_keeps_only_unreserved() {
        assert_eq!(escape("aZ09-._~"), "aZ09-._~");
        assert_eq!(escape("a/b?c&d=e f"), "a%2Fb%3Fc%26d%3De%20f");
        assert_eq!(escape("é"), "%C3%A9");
    }

    #[test]
    fn roots_and_client_pairs() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity");
        let ca = std::fs::read_to_string(format!("{dir}/ca_cert.pem")).unwrap();
        assert_eq!(root_store(std::slice::from_ref(&ca)).unwrap().len(), 1);
        let err = root_store(&["nope".to_owned()]).unwrap_err();
        assert!(err.starts_with("TLS CA certificate 1"), "{err}");

        let cert = std::fs::read(format!("{dir}/ec_cert.pem")).unwrap();
        let key = std::fs::read(format!("{dir}/ec_pkcs8.pem")).unwrap();
        let pair = client_pair(&cert, &key).unwrap();
        client_config(root_store(&[ca]).unwrap(), Some(pair)).unwrap();
        let key_der = std::fs::read(format!("{dir}/ec_pkcs8.der")).unwrap();
        client_pair(&cert, &key_der).unwrap();
        let err = client_pair(b"junk", &key).unwrap_err();
        assert!(err.starts_with("client TLS certificate"), "{err}");
    }

    #[tokio::test]
    async fn refused_connections_and_deadlines() {
        // A port nothing listens on.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let conn = Conn {
            target: t(&format!("http://127.0.0.1:{port}")),
            tls: None,
            server_name: None,
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
        };
        let req = || Outgoing {
            method: Method::GET,
            uri: "/api/v1/cainfo".into(),
            authorization: None,
            body: Vec::new(),
        };
        let err = exchange(&conn, req()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { endpoint, message }
                if endpoint == &format!("http://127.0.0.1:{port}") && message.contains("CA is running")),
            "{err}"
        );

        // A server that accepts and never answers: the request deadline.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hold = tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(s);
        });
        let conn = Conn {
            target: t(&format!("http://127.0.0.1:{port}")),
            request_timeout: Duration::from_millis(200),
            ..conn
        };
        let err = exchange(&conn, req()).await.unwrap_err();
        assert!(
            matches!(&err, Error::Transport { message, .. } if message.contains("request deadline")),
            "{err}"
        );
        hold.abort();
    }

    /// A tiny HTTP/1.1 server answering one request with `response`, returning what it got.
    async fn serve_once(response: &'static [u8]) -> (u16, tokio::task::JoinHandle<Vec<u8>>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            // Read the head and a body of Content-Length bytes.
            loop {
                let n = s.read(&mut buf).await.unwrap();
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got).to_string();
                if let Some(end) = text.find("\r\n\r\n") {
                    let len = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(|v| v.trim().parse::<usize>().unwrap())
                        })
                        .unwrap_or(0);
                    if got.len() >= end + 4 + len {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            s.write_all(response).await.unwrap();
            s.shutdown().await.unwrap();
            got
        });
        (port, task)
    }

    #[tokio::test]
    async fn content_length_and_chunked_answers() {
        for (response, expected) in [
            (
                &b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"success\":true}"[..],
                "{\"success\":true}",
            ),
            (
                &b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n3\r\n12}\r\n0\r\n\r\n"[..],
                "{\"a\":12}",
            ),
        ] {
            let (port, server) = serve_once(response).await;
            let conn = Conn {
                target: t(&format!("http://127.0.0.1:{port}")),
                tls: None,
                server_name: None,
                connect_timeout: Duration::from_secs(5),
                request_timeout: Duration::from_secs(5),
            };
            let answer = exchange(
                &conn,
                Outgoing {
                    method: Method::POST,
                    uri: "/api/v1/enroll".into(),
                    authorization: Some("Basic dTpw".into()),
                    body: b"{\"x\":1}".to_vec(),
                },
            )
            .await
            .unwrap();
            assert_eq!(std::str::from_utf8(&answer.body).unwrap(), expected);
            let got = String::from_utf8(server.await.unwrap()).unwrap();
            assert!(got.starts_with("POST /api/v1/enroll HTTP/1.1\r\n"), "{got}");
            let lower = got.to_ascii_lowercase();
            assert!(lower.contains(&format!("host: 127.0.0.1:{port}\r\n")), "{got}");
            assert!(lower.contains("connection: close\r\n"), "{got}");
            assert!(lower.contains("authorization: basic dtpw\r\n"), "{got}");
            assert!(lower.contains("content-type: application/json\r\n"), "{got}");
            assert!(got.ends_with("\r\n\r\n{\"x\":1}"), "{got}");
        }
    }
}
