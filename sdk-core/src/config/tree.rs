//! A document tree for profiles, from YAML or JSON, that keeps what the loaders need: the text
//! of every scalar as written (an unquoted hex id such as `12e45` stays a string), whether a
//! scalar was quoted, line and column of every YAML node, and keys matched without regard to
//! case (`mspid` / `mspID`) while being kept verbatim.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::error::{ConfigProblem, Error, Position};

/// A node of the document.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) value: Value,
    /// Where the node starts (YAML only).
    pub(crate) pos: Option<Position>,
}

/// A node's content.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// A mapping, entries in document order.
    Map(Vec<(String, Node)>),
    /// A sequence.
    Seq(Vec<Node>),
    /// A scalar's text as written; `plain` is false for quoted and block scalars.
    Scalar { text: String, plain: bool },
    /// `null`, `~`, or an empty value.
    Null,
}

impl Node {
    fn new(value: Value, pos: Option<Position>) -> Node {
        Node { value, pos }
    }

    /// The entry under `key`, matched without regard to ASCII case.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The first of several spellings of a key that is present (e.g. `tlsCACerts`, `tlsCACert`).
    pub(crate) fn get_any(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().find_map(|k| self.get(k))
    }

    /// Follows a dotted path of keys (each matched without regard to case).
    pub(crate) fn path(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    /// Map entries; empty for anything else.
    pub(crate) fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    /// Sequence items; empty for anything else.
    pub(crate) fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub(crate) fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// A scalar's text (numbers and booleans included, as written); `None` for null and
    /// collections.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// A boolean, as YAML 1.1 (which fabric-sdk-go's parser follows) and JSON write them.
    pub(crate) fn as_bool(&self) -> Option<bool> {
        let text = self.as_str()?;
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "y" => Some(true),
            "false" | "no" | "off" | "n" => Some(false),
            _ => None,
        }
    }

    /// A short description of the node, for "expected X, found Y" messages.
    pub(crate) fn describe(&self) -> String {
        match &self.value {
            Value::Map(_) => "a mapping".into(),
            Value::Seq(_) => "a list".into(),
            Value::Null => "nothing".into(),
            Value::Scalar { text, .. } => {
                let shown: String = text.chars().take(60).collect();
                if shown.len() < text.len() {
                    format!("`{shown}…`")
                } else {
                    format!("`{shown}`")
                }
            }
        }
    }
}

/// Parses profile text: JSON when it starts with `{`, YAML otherwise.
pub(crate) fn parse(text: &str) -> Result<Node, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        parse_json(text)
    } else {
        parse_yaml(text)
    }
}

fn syntax_error(message: String, line: usize, column: usize) -> Error {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Error::Config {
        file: None,
        key: None,
        position: Some(Position {
            line: clamp(line),
            column: clamp(column),
        }),
        problem: ConfigProblem::Syntax { message },
    }
}

fn parse_json(text: &str) -> Result<Node, Error> {
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| syntax_error(json_message(&e), e.line(), e.column()))?;
    Ok(from_json(value))
}

fn json_message(e: &serde_json::Error) -> String {
    // serde_json appends " at line L column C"; the position is reported separately.
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn from_json(value: serde_json::Value) -> Node {
    let v = match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Scalar {
            text: b.to_string(),
            plain: true,
        },
        serde_json::Value::Number(n) => Value::Scalar {
            text: n.to_string(),
            plain: true,
        },
        serde_json::Value::String(s) => Value::Scalar {
            text: s,
            plain: false,
        },
        serde_json::Value::Array(items) => Value::Seq(items.into_iter().map(from_json).collect()),
        serde_json::Value::Object(map) => {
            Value::Map(map.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
    };
    Node::new(v, None)
}

fn parse_yaml(text: &str) -> Result<Node, Error> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    parser
        .load(&mut builder, false)
        .map_err(|e| syntax_error(e.info().to_owned(), e.marker().line(), e.marker().col() + 1))?;
    if let Some(err) = builder.error {
        return Err(err);
    }
    Ok(builder
        .root
        .unwrap_or_else(|| Node::new(Value::Map(Vec::new()), None)))
}

/// Collections being built.
enum Frame {
    Map {
        entries: Vec<(String, Node)>,
        pending_key: Option<Node>,
        /// `<<` merge sources, applied at the end so explicit keys win wherever they stand.
        merges: Vec<Node>,
        anchor: usize,
        pos: Position,
    },
    Seq {
        items: Vec<Node>,
        anchor: usize,
        pos: Position,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    root: Option<Node>,
    error: Option<Error>,
}

fn position(mark: &Marker) -> Position {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Position {
        line: clamp(mark.line()),
        column: clamp(mark.col() + 1),
    }
}

impl Builder {
    fn push_node(&mut self, node: Node) {
        match self.stack.last_mut() {
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map {
                entries,
                pending_key,
                merges,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    let key_text = match &key.value {
                        Value::Scalar { text, .. } => text.clone(),
                        Value::Null => String::new(),
                        _ => {
                            if self.error.is_none() {
                                self.error = Some(syntax_error(
                                    "a mapping key must be a plain value, not a list or mapping"
                                        .into(),
                                    key.pos.map_or(0, |p| p.line as usize),
                                    key.pos.map_or(0, |p| p.column as usize),
                                ));
                            }
                            return;
                        }
                    };
                    if key_text == "<<" {
                        merges.push(node);
                    } else {
                        entries.push((key_text, node));
                    }
                }
            },
        }
    }
}

/// YAML merge keys (`<<: *defaults`): entries not already present are copied in.
fn merge_into(entries: &mut Vec<(String, Node)>, source: Node) {
    let sources = match source.value {
        Value::Seq(items) => items,
        _ => vec![source],
    };
    for src in sources {
        if let Value::Map(more) = src.value {
            for (k, v) in more {
                if !entries
                    .iter()
                    .any(|(have, _)| have.eq_ignore_ascii_case(&k))
                {
                    entries.push((k, v));
                }
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = style == TScalarStyle::Plain;
                let value = if plain && matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL")
                {
                    Value::Null
                } else {
                    Value::Scalar { text, plain }
                };
                let node = Node::new(value, Some(position(&mark)));
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push_node(node);
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| Node::new(Value::Null, Some(position(&mark))));
                self.push_node(node);
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Frame::Seq {
                items: Vec::new(),
                anchor,
                pos: position(&mark),
            }),
            Event::MappingStart(anchor, _) => self.stack.push(Frame::Map {
                entries: Vec::new(),
                pending_key: None,
                merges: Vec::new(),
                anchor,
                pos: position(&mark),
            }),
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, anchor, pos }) => {
                        (Node::new(Value::Seq(items), Some(pos)), anchor)
                    }
                    Some(Frame::Map {
                        mut entries,
                        merges,
                        anchor,
                        pos,
                        ..
                    }) => {
                        for source in merges {
                            merge_into(&mut entries, source);
                        }
                        (Node::new(Value::Map(entries), Some(pos)), anchor)
                    }
                    None => return,
                };
                if anchor > 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push_node(node);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_match_without_case_and_scalars_keep_their_text() {
        let doc =
            parse("organizations:\n  9f3c:\n    mspID: 12e45MSP\n    id: 12e45\n    n: 007\n")
                .unwrap();
        let org = doc.path(&["Organizations", "9f3c"]).unwrap();
        assert_eq!(org.get("mspid").unwrap().as_str(), Some("12e45MSP"));
        assert_eq!(org.get("id").unwrap().as_str(), Some("12e45"));
        assert_eq!(org.get("n").unwrap().as_str(), Some("007"));
        let pos = org.get("id").unwrap().pos.unwrap();
        assert_eq!((pos.line, pos.column), (4, 9));
    }

    #[test]
    fn keys_with_dots_and_colons_stay_whole() {
        let doc = parse("peers:\n  peer0.org1.example.com:7051:\n    url: grpcs://h:1\n").unwrap();
        let (key, peer) = &doc.get("peers").unwrap().entries()[0];
        assert_eq!(key, "peer0.org1.example.com:7051");
        assert_eq!(peer.get("url").unwrap().as_str(), Some("grpcs://h:1"));
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let doc = parse("d: &d {a: 1, b: 2}\nx:\n  <<: *d\n  b: 3\ny: *d\n").unwrap();
        let x = doc.get("x").unwrap();
        assert_eq!(x.get("a").unwrap().as_str(), Some("1"));
        assert_eq!(x.get("b").unwrap().as_str(), Some("3"));
        assert_eq!(doc.path(&["y", "b"]).unwrap().as_str(), Some("2"));
    }

    #[test]
    fn nulls_and_quoted_nulls() {
        let doc = parse("a:\nb: ~\nc: 'null'\nd: \"\"\n").unwrap();
        assert!(doc.get("a").unwrap().is_null());
        assert!(doc.get("b").unwrap().is_null());
        assert_eq!(doc.get("c").unwrap().as_str(), Some("null"));
        assert_eq!(doc.get("d").unwrap().as_str(), Some(""));
    }

    #[test]
    fn json_documents() {
        let doc = parse("{\"peers\": {\"p\": {\"url\": \"grpcs://h:1\", \"n\": 5, \"b\": true}}}")
            .unwrap();
        let p = doc.path(&["peers", "p"]).unwrap();
        assert_eq!(p.get("N").unwrap().as_str(), Some("5"));
        assert_eq!(p.get("b").unwrap().as_bool(), Some(true));
    }

    #[test]
    fn yaml_syntax_error_has_line_and_column() {
        let err = parse("a: 1\nb: [1, 2\nc: 3\n").unwrap_err();
        match err {
            Error::Config {
                position: Some(pos),
                problem: ConfigProblem::Syntax { .. },
                ..
            } => assert!(pos.line >= 2, "{pos:?}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn json_syntax_error_has_line_and_column() {
        let err = parse("{\n  \"a\": 1,\n  \"b\": ,\n}").unwrap_err();
        match err {
            Error::Config {
                position: Some(pos),
                problem: ConfigProblem::Syntax { message },
                ..
            } => {
                assert_eq!(pos.line, 3);
                assert!(!message.contains("at line"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
}
