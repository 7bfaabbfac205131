//! DESIGN.md's module rules, checked on the source: only `transport/` (and the generated schema
//! module) names the gRPC library; the files of `flow/` import each other in one direction (no
//! cycle, at the granularity of files). Needs no network.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of a file before its unit tests (tests may use anything).
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

#[test]
fn only_transport_names_the_grpc_library() {
    let root = src();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut offenders = Vec::new();
    for f in &files {
        let rel = f
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel.starts_with("transport/") || rel == "proto.rs" {
            continue;
        }
        let text = code(f);
        if text.contains("tonic::") || text.contains("use tonic") {
            offenders.push(rel);
        }
    }
    assert!(
        offenders.is_empty(),
        "only transport/ may name tonic (DESIGN.md); found in {offenders:?}"
    );
    assert!(files.len() > 50, "{} files: wrong folder?", files.len());
}

/// The module path of a file under `flow/` (`engine::gateway`, `calls`, `engine` for
/// `engine/mod.rs`).
fn module_of(flow: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(flow).unwrap().with_extension("");
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let parts: Vec<&str> = match parts.last().map(String::as_str) {
        Some("mod") => parts[..parts.len() - 1]
            .iter()
            .map(String::as_str)
            .collect(),
        _ => parts.iter().map(String::as_str).collect(),
    };
    parts.join("::")
}

/// The modules of `flow/` a file refers to through `super::` (any number) or `crate::flow::`
/// paths, each resolved to the longest module it names (`super::{A, B}` names the parent).
fn references(module: &str, text: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let own: Vec<&str> = module.split("::").collect();
    let mut starts: Vec<usize> = text
        .match_indices("super::")
        .map(|(i, _)| i)
        // A `super::` inside `super::super::` is read from the first one.
        .filter(|&i| !(i >= 7 && &text[i - 7..i] == "super::"))
        .collect();
    starts.extend(text.match_indices("crate::flow::").map(|(i, _)| i));
    let mut out = BTreeSet::new();
    for i in starts {
        let mut rest = &text[i..];
        let mut path: Vec<String> = Vec::new();
        if let Some(t) = rest.strip_prefix("crate::flow::") {
            rest = t;
        } else {
            path = own.iter().map(|s| (*s).to_owned()).collect();
            while let Some(t) = rest.strip_prefix("super::") {
                path.pop();
                rest = t;
            }
        }
        let mut best = known.contains(&path.join("::")).then(|| path.join("::"));
        loop {
            let seg: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            if seg.is_empty() {
                break;
            }
            rest = &rest[seg.len()..];
            path.push(seg);
            let candidate = path.join("::");
            if known.contains(&candidate) {
                best = Some(candidate);
            }
            match rest.strip_prefix("::") {
                Some(t) => rest = t,
                None => break,
            }
        }
        if let Some(b) = best {
            if b != module {
                out.insert(b);
            }
        }
    }
    out
}

#[test]
fn flow_files_import_in_one_direction() {
    let flow = src().join("flow");
    let mut files = Vec::new();
    rust_files(&flow, &mut files);
    let modules: BTreeMap<String, PathBuf> = files
        .iter()
        .map(|f| (module_of(&flow, f), f.clone()))
        .filter(|(m, _)| !m.is_empty())
        .collect();
    let known: BTreeSet<String> = modules.keys().cloned().collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, f) in &modules {
        let refs = references(m, &code(f), &known)
            .into_iter()
            // A module may refer to its own submodules (declaring them); that is no import.
            .filter(|r| !r.starts_with(&format!("{m}::")))
            .collect();
        edges.insert(m.clone(), refs);
    }
    // Depth-first search for a cycle.
    fn visit(
        m: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == m) {
            let mut cycle = path[i..].to_vec();
            cycle.push(m.to_owned());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.to_owned());
        for next in edges.get(m).into_iter().flatten() {
            if let Some(c) = visit(next, edges, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    for m in edges.keys() {
        if let Some(cycle) = visit(m, &edges, &mut Vec::new(), &mut done) {
            panic!(
                "flow/ files import each other in a cycle (DESIGN.md: calls flow one way): {}",
                cycle.join(" -> ")
            );
        }
    }
    // The check sees the layering it is meant to guard.
    assert!(edges["calls"].contains("steps"), "{edges:?}");
    assert!(edges["steps"].contains("engine::commit"), "{edges:?}");
    assert!(edges["engine::order"].contains("rules::order"), "{edges:?}");
    assert!(edges["engine::gateway"].contains("engine"), "{edges:?}");
}
