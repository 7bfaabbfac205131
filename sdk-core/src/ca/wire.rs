//! The CA's wire conventions: authorization headers, the response envelope, and the JSON of
//! each answer.

use base64ct::{Base64, Encoding};
use serde_json::Value;

use super::types::{Attribute, CaInfo, IdentityInfo, Revocation, RevokedCertificate};
use crate::error::{Error, Result};
use crate::identity::Identity;

/// `Basic base64(id:secret)`, for enroll.
pub(crate) fn basic_auth(id: &str, secret: &str) -> String {
    let credentials = zeroize::Zeroizing::new(format!("{id}:{secret}"));
    format!("Basic {}", Base64::encode_string(credentials.as_bytes()))
}

/// The string a token signs: `METHOD.b64(uri).b64(body).b64cert`, where `uri` is the request's
/// path and query exactly as sent and `body` the exact bytes sent (empty for a GET).
pub(crate) fn token_payload(method: &str, uri: &str, body: &[u8], b64cert: &str) -> String {
    format!(
        "{method}.{}.{}.{b64cert}",
        Base64::encode_string(uri.as_bytes()),
        Base64::encode_string(body)
    )
}

/// The `authorization` header of a request made by `identity`: `b64(cert PEM).b64(signature)`,
/// the signature being the identity's (ECDSA over SHA-256, DER, low S) over
/// [`token_payload`].
pub(crate) fn token(identity: &Identity, method: &str, uri: &str, body: &[u8]) -> Result<String> {
    let b64cert = Base64::encode_string(identity.certificate().pem().as_bytes());
    let payload = token_payload(method, uri, body, &b64cert);
    let signature = identity.sign(payload.as_bytes())?;
    Ok(format!("{b64cert}.{}", Base64::encode_string(&signature)))
}

/// What the envelope of an answer says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// Success: the `result` (`Null` when absent).
    Success(Value),
    /// The CA refused: the first error's code, all messages joined.
    Refused {
        /// `errors[0].code`, or 0.
        code: i64,
        /// The messages, joined with `; `.
        message: String,
    },
    /// Not a CA envelope (not JSON, or not an object): the start of the body.
    Foreign(String),
}

/// The start of a body, for messages: at most 300 characters, trimmed.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// Reads the envelope `{"result", "errors": [{"code", "message"}], "messages", "success"}`.
///
/// Errors win: any entry in `errors`, `success: false`, or a non-2xx status is a refusal. A
/// 2xx answer without `success` and `errors` counts as success.
pub(crate) fn read_envelope(status: u16, body: &[u8]) -> Reply {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        _ => return Reply::Foreign(snippet(body)),
    };
    let errors: Vec<(i64, String)> = value
        .get("errors")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|e| {
                    let code = e.get("code").and_then(Value::as_i64).unwrap_or(0);
                    let message = match e.get("message") {
                        Some(Value::String(s)) => s.clone(),
                        Some(other) => other.to_string(),
                        None => String::new(),
                    };
                    (code, message)
                })
                .collect()
        })
        .unwrap_or_default();
    if let Some((code, _)) = errors.first() {
        let messages: Vec<&str> = errors
            .iter()
            .map(|(_, m)| m.as_str())
            .filter(|m| !m.is_empty())
            .collect();
        return Reply::Refused {
            code: *code,
            message: if messages.is_empty() {
                "no message".to_owned()
            } else {
                messages.join("; ")
            },
        };
    }
    let success = value.get("success").and_then(Value::as_bool);
    if success == Some(false) || !(200..300).contains(&status) {
        return Reply::Refused {
            code: 0,
            message: if success == Some(false) {
                "the CA answered success: false without an error".to_owned()
            } else {
                snippet(body)
            },
        };
    }
    Reply::Success(value.get("result").cloned().unwrap_or(Value::Null))
}

/// How the caller authenticated, for the hint of an authentication failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthKind {
    /// No authentication (cainfo).
    None,
    /// Enrollment ID and secret (enroll).
    Secret,
    /// A token signed by an enrolled identity.
    Token,
}

/// What an answer's code usually means, for the classic cases.
pub(crate) fn hint(auth: AuthKind, status: u16, code: i64, message: &str) -> Option<String> {
    let text = match (code, auth) {
        (20, AuthKind::Secret) => {
            "wrong enrollment secret, unknown identity, or max enrollments reached (a revoked \
             identity is refused the same way); the CA logs the actual cause"
        }
        (20, _) => {
            "the CA did not accept the caller's certificate: it may be revoked, expired, issued \
             by another CA (check the CA name), or its identity removed; the CA logs the \
             actual cause"
        }
        (71, _) => {
            "the caller is not authorized for this: a registrar needs hf.Registrar.Roles \
             covering the identity's type, hf.Registrar.Attributes for the attributes it \
             gives, an affiliation at or above the identity's, and hf.Revoker to revoke"
        }
        (19, _) => "no CA of this name on the server: check the CA name (caName)",
        (63, _) if status == 404 => "no identity (or affiliation) of this name on this CA",
        (0, _) if status == 400 && message.contains("HTTPS server") => {
            "the CA serves HTTPS: write its URL as https://"
        }
        (0, _) if status == 404 => {
            "no Fabric CA API at this address: check the CA URL's port and path"
        }
        _ => return None,
    };
    Some(text.to_owned())
}

/// The error for a refusal or a foreign answer at `url`.
pub(crate) fn refusal(url: &str, status: u16, auth: AuthKind, reply: Reply) -> Error {
    let (code, message) = match reply {
        Reply::Refused { code, message } => (code, message),
        Reply::Foreign(text) if text.is_empty() => (0, format!("HTTP {status}, empty answer")),
        Reply::Foreign(text) => (0, text),
        Reply::Success(_) => (0, "success".to_owned()),
    };
    Error::Ca {
        url: url.to_owned(),
        status,
        hint: hint(auth, status, code, &message),
        code,
        message,
    }
}

/// An answer that is not what the operation returns.
pub(crate) fn malformed(url: &str, what: impl Into<String>) -> Error {
    Error::Protocol {
        endpoint: url.to_owned(),
        message: what.into(),
    }
}

fn string(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn base64_field(v: &Value, key: &str) -> std::result::Result<Vec<u8>, String> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => {
            Base64::decode_vec(s.trim()).map_err(|e| format!("`{key}` is not base64: {e}"))
        }
        Some(other) => Err(format!("`{key}` is not a string: {other}")),
    }
}

/// A `cainfo` result, or the `ServerInfo` of an enrollment.
pub(crate) fn ca_info(v: &Value) -> std::result::Result<CaInfo, String> {
    if !v.is_object() {
        return Err(format!("expected the CA's information, found {v}"));
    }
    Ok(CaInfo {
        ca_name: string(v, "CAName"),
        ca_chain: base64_field(v, "CAChain")?,
        version: string(v, "Version"),
        issuer_public_key: base64_field(v, "IssuerPublicKey")?,
        issuer_revocation_public_key: base64_field(v, "IssuerRevocationPublicKey")?,
    })
}

/// An enrollment result: the certificate PEM and the server info.
pub(crate) fn enrollment(v: &Value) -> std::result::Result<(String, CaInfo), String> {
    let cert = base64_field(v, "Cert")?;
    if cert.is_empty() {
        return Err("the answer holds no certificate (`Cert`)".into());
    }
    let cert = String::from_utf8(cert).map_err(|_| "`Cert` is not PEM text".to_owned())?;
    let info = match v.get("ServerInfo") {
        Some(info) => ca_info(info)?,
        None => CaInfo::default(),
    };
    Ok((cert, info))
}

fn attributes(v: &Value) -> Vec<Attribute> {
    v.get("attrs")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|a| Attribute {
                    name: string(a, "name"),
                    value: string(a, "value"),
                    ecert: a.get("ecert").and_then(Value::as_bool).unwrap_or(false),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// An identity as the CA describes it.
pub(crate) fn identity_info(v: &Value) -> std::result::Result<IdentityInfo, String> {
    if !v.is_object() || v.get("id").and_then(Value::as_str).is_none() {
        return Err(format!("expected an identity with an `id`, found {v}"));
    }
    Ok(IdentityInfo {
        id: string(v, "id"),
        identity_type: string(v, "type"),
        affiliation: string(v, "affiliation"),
        attributes: attributes(v),
        max_enrollments: v
            .get("max_enrollments")
            .and_then(Value::as_i64)
            .unwrap_or(0),
        ca_name: string(v, "caname"),
        secret: v
            .get("secret")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
    })
}

/// A revocation result.
pub(crate) fn revocation(v: &Value) -> std::result::Result<Revocation, String> {
    let revoked = match v.get("RevokedCerts") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|c| RevokedCertificate {
                serial: string(c, "Serial"),
                aki: string(c, "AKI"),
            })
            .collect(),
        Some(other) => return Err(format!("`RevokedCerts` is not a list: {other}")),
    };
    let crl = base64_field(v, "CRL")?;
    let crl_pem = if crl.is_empty() {
        None
    } else {
        Some(String::from_utf8(crl).map_err(|_| "`CRL` is not PEM text".to_owned())?)
    };
    Ok(Revocation { revoked, crl_pem })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::crypto::verify;
    use serde_json::json;

    fn identity() -> Identity {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/identity");
        Identity::from_files(
            "Org1MSP",
            format!("{dir}/ec_cert.pem"),
            format!("{dir}/ec_pkcs8.pem"),
            None,
        )
        .unwrap()
    }

    /// Splits a token, checks its certificate part and returns the signature.
    fn check_token(id: &Identity, token: &str) -> (String, Vec<u8>) {
        let (b64cert, b64sig) = token.split_once('.').unwrap();
        assert!(!b64sig.contains('.'));
        assert_eq!(
            Base64::decode_vec(b64cert).unwrap(),
            id.certificate().pem().as_bytes()
        );
        (b64cert.to_owned(), Base64::decode_vec(b64sig).unwrap())
    }

    #[test]
    fn basic_auth_header() {
        assert_eq!(basic_auth("admin", "adminpw"), "Basic YWRtaW46YWRtaW5wdw==");
    }

    #[test]
    fn token_for_a_get_with_query() {
        let id = identity();
        let uri = "/api/v1/identities?ca=ca-org1";
        let token = token(&id, "GET", uri, b"").unwrap();
        let (b64cert, sig) = check_token(&id, &token);
        // GET.b64(uri).<empty body>.b64cert
        let payload = format!("GET.L2FwaS92MS9pZGVudGl0aWVzP2NhPWNhLW9yZzE=..{b64cert}");
        assert_eq!(token_payload("GET", uri, b"", &b64cert), payload);
        // The crate's verify rejects high S, so this also checks the signature is low-S.
        verify(id.certificate().public_key_der(), payload.as_bytes(), &sig).unwrap();
        // Independently, with ring (ECDSA P-256, SHA-256, DER).
        let spki =
            spki::SubjectPublicKeyInfoRef::try_from(id.certificate().public_key_der()).unwrap();
        ring::signature::UnparsedPublicKey::new(
            &ring::signature::ECDSA_P256_SHA256_ASN1,
            spki.subject_public_key.raw_bytes(),
        )
        .verify(payload.as_bytes(), &sig)
        .unwrap();
        // Another URI does not verify.
        let other = format!(
            "GET.{}..{b64cert}",
            Base64::encode_string(b"/api/v1/identities")
        );
        assert!(verify(id.certificate().public_key_der(), other.as_bytes(), &sig).is_err());
    }

    #[test]
    fn token_for_a_post() {
        let id = identity();
        let body = br#"{"id":"user1","type":"client","caname":"ca-org1"}"#;
        let token = token(&id, "POST", "/api/v1/register", body).unwrap();
        let (b64cert, sig) = check_token(&id, &token);
        let payload = format!(
            "POST.L2FwaS92MS9yZWdpc3Rlcg==.{}.{b64cert}",
            Base64::encode_string(body)
        );
        verify(id.certificate().public_key_der(), payload.as_bytes(), &sig).unwrap();
        // The body is covered.
        let tampered = format!(
            "POST.L2FwaS92MS9yZWdpc3Rlcg==.{}.{b64cert}",
            Base64::encode_string(br#"{"id":"user2"}"#)
        );
        assert!(verify(id.certificate().public_key_der(), tampered.as_bytes(), &sig).is_err());
    }

    #[test]
    fn envelope_success() {
        let body =
            json!({"result": {"secret": "s3"}, "errors": [], "messages": [], "success": true});
        assert_eq!(
            read_envelope(201, body.to_string().as_bytes()),
            Reply::Success(json!({"secret": "s3"}))
        );
        // Missing fields: no errors and no success on a 2xx is a success without result.
        assert_eq!(read_envelope(200, b"{}"), Reply::Success(Value::Null));
        assert_eq!(
            read_envelope(200, br#"{"result": [1]}"#),
            Reply::Success(json!([1]))
        );
    }

    #[test]
    fn envelope_errors() {
        let body = json!({"result": null, "errors": [{"code": 20, "message": "Authentication failure"}], "messages": [], "success": false});
        assert_eq!(
            read_envelope(401, body.to_string().as_bytes()),
            Reply::Refused {
                code: 20,
                message: "Authentication failure".into()
            }
        );
        // Several errors: the first code, all messages.
        let body = json!({"errors": [{"code": 63, "message": "a"}, {"code": 1, "message": "b"}], "success": false});
        assert_eq!(
            read_envelope(500, body.to_string().as_bytes()),
            Reply::Refused {
                code: 63,
                message: "a; b".into()
            }
        );
        // Errors win over a 2xx status; missing code and message.
        assert_eq!(
            read_envelope(200, br#"{"errors": [{}]}"#),
            Reply::Refused {
                code: 0,
                message: "no message".into()
            }
        );
        // success: false without errors.
        assert!(matches!(
            read_envelope(200, br#"{"success": false}"#),
            Reply::Refused { code: 0, .. }
        ));
        // An error status without errors.
        assert_eq!(
            read_envelope(500, br#"{"success": true}"#),
            Reply::Refused {
                code: 0,
                message: r#"{"success": true}"#.into()
            }
        );
        // Not JSON (Go's answer to plain HTTP on a TLS port).
        assert_eq!(
            read_envelope(400, b"Client sent an HTTP request to an HTTPS server.\n"),
            Reply::Foreign("Client sent an HTTP request to an HTTPS server.".into())
        );
        assert_eq!(read_envelope(200, b"[1]"), Reply::Foreign("[1]".into()));
        assert_eq!(read_envelope(502, b""), Reply::Foreign(String::new()));
    }

    #[test]
    fn refusals_carry_code_message_and_hint() {
        let url = "https://127.0.0.1:7054/api/v1/enroll";
        let reply = Reply::Refused {
            code: 20,
            message: "Authentication failure".into(),
        };
        let err = refusal(url, 401, AuthKind::Secret, reply.clone());
        let Error::Ca {
            url: u,
            status,
            code,
            message,
            hint,
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(
            (u.as_str(), *status, *code, message.as_str()),
            (url, 401, 20, "Authentication failure")
        );
        assert!(hint.as_ref().unwrap().contains("wrong enrollment secret"));
        assert_eq!(err.kind(), crate::ErrorKind::Ca);
        let text = err.to_string();
        assert!(
            text.contains("HTTP 401, code 20: Authentication failure (wrong"),
            "{text}"
        );

        // The same code on a token means the certificate was refused.
        let err = refusal(url, 401, AuthKind::Token, reply);
        assert!(err.to_string().contains("revoked"), "{err}");
        let err = refusal(
            url,
            403,
            AuthKind::Token,
            Reply::Refused {
                code: 71,
                message: "Authorization failure".into(),
            },
        );
        assert!(err.to_string().contains("hf.Registrar.Roles"), "{err}");
        let err = refusal(
            url,
            400,
            AuthKind::Secret,
            Reply::Foreign("Client sent an HTTP request to an HTTPS server.".into()),
        );
        assert!(err.to_string().contains("https://"), "{err}");
        let err = refusal(url, 502, AuthKind::None, Reply::Foreign(String::new()));
        assert!(
            matches!(&err, Error::Ca { code: 0, hint: None, message, .. } if message == "HTTP 502, empty answer"),
            "{err}"
        );
        // Unknown codes carry no hint.
        assert_eq!(super::hint(AuthKind::Token, 500, 63, "x"), None);
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(1000);
        let Reply::Foreign(text) = read_envelope(500, body.as_bytes()) else {
            panic!()
        };
        assert_eq!(text.chars().count(), 301);
    }

    #[test]
    fn results_parse() {
        let chain = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        let info = json!({
            "CAName": "ca-org1",
            "CAChain": Base64::encode_string(chain.as_bytes()),
            "IssuerPublicKey": "",
            "IssuerRevocationPublicKey": Base64::encode_string(b"rpk"),
            "Version": "1.5.21"
        });
        let parsed = ca_info(&info).unwrap();
        assert_eq!(parsed.ca_name, "ca-org1");
        assert_eq!(parsed.ca_chain_pem(), chain);
        assert_eq!(parsed.version, "1.5.21");
        assert!(parsed.issuer_public_key.is_empty());
        assert_eq!(parsed.issuer_revocation_public_key, b"rpk");
        // Missing fields are empty; bad base64 is an error naming the field.
        assert_eq!(ca_info(&json!({})).unwrap(), CaInfo::default());
        assert!(ca_info(&json!({"CAChain": "!!"}))
            .unwrap_err()
            .contains("CAChain"));
        assert!(ca_info(&Value::Null).is_err());

        let (cert, server) = enrollment(&json!({
            "Cert": Base64::encode_string(b"PEM"),
            "ServerInfo": info
        }))
        .unwrap();
        assert_eq!((cert.as_str(), server.ca_name.as_str()), ("PEM", "ca-org1"));
        assert!(enrollment(&json!({"ServerInfo": {}}))
            .unwrap_err()
            .contains("Cert"));

        let id = identity_info(&json!({
            "id": "user1", "type": "client", "affiliation": "org1.department1",
            "attrs": [{"name": "role", "value": "auditor", "ecert": true},
                      {"name": "hf.EnrollmentID", "value": "user1"}],
            "max_enrollments": -1, "caname": "ca-org1"
        }))
        .unwrap();
        assert_eq!(id.id, "user1");
        assert_eq!(id.identity_type, "client");
        assert_eq!(id.max_enrollments, -1);
        assert_eq!(id.attribute("role"), Some("auditor"));
        assert_eq!(id.attributes[0], Attribute::new("role", "auditor", true));
        assert!(!id.attributes[1].ecert);
        assert_eq!(id.secret, None);
        assert!(identity_info(&json!({"type": "client"})).is_err());

        let rev = revocation(&json!({
            "RevokedCerts": [{"Serial": "1a2b", "AKI": "c3d4"}],
            "CRL": Base64::encode_string(b"-----BEGIN X509 CRL-----\n")
        }))
        .unwrap();
        assert_eq!(
            rev.revoked,
            [RevokedCertificate {
                serial: "1a2b".into(),
                aki: "c3d4".into()
            }]
        );
        assert_eq!(rev.crl_pem.as_deref(), Some("-----BEGIN X509 CRL-----\n"));
        let none = revocation(&json!({"RevokedCerts": null, "CRL": null})).unwrap();
        assert!(none.revoked.is_empty() && none.crl_pem.is_none());
    }
}
