//! A small, tolerant PEM reader shared by key and certificate loading.
//!
//! Written here rather than taken from `pem-rfc7468` because real files need what RFC 7468's strict
//! form forbids: legacy encryption headers (`Proc-Type`, `DEK-Info`), text around the blocks (the
//! `Bag Attributes` that `openssl pkcs12` prints, comments), several blocks in one file (an
//! `EC PARAMETERS` block before the key, certificate bundles) and CRLF line endings.

use base64ct::{Base64, Encoding};
use zeroize::Zeroizing;

/// One `-----BEGIN label-----` … `-----END label-----` block.
pub(crate) struct PemBlock<'a> {
    /// The label, e.g. `CERTIFICATE` or `EC PRIVATE KEY`.
    pub label: &'a str,
    /// RFC 1421 headers (`Proc-Type`, `DEK-Info`), in order.
    pub headers: Vec<(&'a str, &'a str)>,
    /// The decoded body; zeroized on drop because it may be a private key.
    pub body: Zeroizing<Vec<u8>>,
    /// The block's text exactly as in the input, from `-----BEGIN` through the line ending that
    /// follows the END line (if any).
    pub text: &'a str,
}

impl PemBlock<'_> {
    /// The value of header `name` (case-insensitive), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}

/// Whether `bytes` looks like PEM rather than DER.
pub(crate) fn looks_like_pem(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"-----BEGIN ")
}

/// Parses every PEM block in `input`; text outside blocks is ignored.
///
/// Errors (a human-readable reason, without any of the block's content) when the input is not
/// UTF-8, a block has no END line or a different label on it, or a body is not valid base64. An
/// input with no block at all gives an empty list: callers say what they were looking for.
pub(crate) fn parse(input: &[u8]) -> Result<Vec<PemBlock<'_>>, String> {
    let text = std::str::from_utf8(input).map_err(|_| "the PEM text is not UTF-8".to_string())?;
    let mut blocks = Vec::new();
    let mut lines = LineIter { text, pos: 0 };
    while let Some((start, _, line)) = lines.next() {
        let Some(label) = marker(line, "BEGIN") else {
            continue;
        };
        let mut headers = Vec::new();
        let mut body = Zeroizing::new(String::new());
        let mut in_headers = true;
        let mut end = None;
        for (_, line_end, line) in lines.by_ref() {
            if let Some(end_label) = marker(line, "END") {
                if end_label != label {
                    return Err(format!("block `BEGIN {label}` ends with `END {end_label}`"));
                }
                end = Some(line_end);
                break;
            }
            let line = line.trim();
            if in_headers {
                if let Some((k, v)) = line.split_once(':') {
                    headers.push((k.trim(), v.trim()));
                    continue;
                }
                in_headers = false;
                if line.is_empty() {
                    continue;
                }
            }
            body.push_str(line);
        }
        let Some(end) = end else {
            return Err(format!("block `BEGIN {label}` has no `END {label}` line"));
        };
        let decoded = Base64::decode_vec(&body)
            .map_err(|_| format!("the body of the `{label}` block is not valid base64"))?;
        blocks.push(PemBlock {
            label,
            headers,
            body: Zeroizing::new(decoded),
            text: &text[start..end],
        });
    }
    Ok(blocks)
}

/// Encodes `der` as a PEM block with 64-character lines and `\n` line endings.
pub(crate) fn encode(label: &str, der: &[u8]) -> String {
    let b64 = Base64::encode_string(der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    // Base64 output is ASCII, so byte chunks are char boundaries.
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// `-----BEGIN label-----` → `label` (with `kind` = "BEGIN" or "END").
fn marker<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    let rest = line.trim().strip_prefix("-----")?.strip_prefix(kind)?;
    let rest = rest.strip_prefix(' ')?;
    rest.strip_suffix("-----")
}

/// Lines of `text` as (start offset, offset after the line ending, line without its ending).
struct LineIter<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for LineIter<'a> {
    type Item = (usize, usize, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.text.len() {
            return None;
        }
        let start = self.pos;
        let rest = &self.text[start..];
        let (line, consumed) = match rest.find('\n') {
            Some(i) => (&rest[..i], i + 1),
            None => (rest, rest.len()),
        };
        self.pos = start + consumed;
        Some((start, self.pos, line.strip_suffix('\r').unwrap_or(line)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn parses_blocks_headers_and_keeps_exact_text() {
        let input = "Bag Attributes\n    localKeyID: 01\r\n-----BEGIN EC PARAMETERS-----\r\nBggqhkjOPQMBBw==\r\n-----END EC PARAMETERS-----\r\n\
                     -----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00FF\n\nAAEC\nAw==\n-----END EC PRIVATE KEY-----";
        let blocks = parse(input.as_bytes()).unwrap();
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[0].label, "EC PARAMETERS");
        assert_eq!(
            blocks[0].text,
            "-----BEGIN EC PARAMETERS-----\r\nBggqhkjOPQMBBw==\r\n-----END EC PARAMETERS-----\r\n"
        );
        assert_eq!(blocks[1].label, "EC PRIVATE KEY");
        assert_eq!(blocks[1].header("proc-type"), Some("4,ENCRYPTED"));
        assert_eq!(blocks[1].header("DEK-Info"), Some("AES-256-CBC,00FF"));
        assert_eq!(&blocks[1].body[..], &[0, 1, 2, 3]);
        assert!(blocks[1].text.ends_with("-----END EC PRIVATE KEY-----"));
    }

    #[test]
    fn rejects_unterminated_mismatched_and_bad_base64() {
        let e = parse(b"-----BEGIN CERTIFICATE-----\nAAAA\n").err().unwrap();
        assert!(e.contains("no `END CERTIFICATE`"), "{e}");
        let e = parse(b"-----BEGIN A-----\nAAAA\n-----END B-----\n")
            .err()
            .unwrap();
        assert!(e.contains("ends with `END B`"), "{e}");
        let e = parse(b"-----BEGIN A-----\n!!!!\n-----END A-----\n")
            .err()
            .unwrap();
        assert!(e.contains("not valid base64"), "{e}");
        assert!(parse(b"no pem here").unwrap().is_empty());
        assert!(parse(&[0xff, 0xfe]).is_err());
    }

    #[test]
    fn encode_round_trips() {
        let der: Vec<u8> = (0..=200u8).collect();
        let pem = encode("CERTIFICATE", &der);
        assert!(pem.lines().all(|l| l.len() <= 64));
        let blocks = parse(pem.as_bytes()).unwrap();
        assert_eq!(&blocks[0].body[..], &der[..]);
        assert_eq!(blocks[0].text, pem);
    }
}
