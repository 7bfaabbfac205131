//! The one list of network scenarios (tests/scenarios.json at the repository root) and the Rust
//! suites agree: every scenario listed for a Rust suite has exactly one block marked
//! `// scenario: <id>` in that suite's file, and every marked block is listed. Needs no network.
//! (bindings-python/tests/test_scenario_list.py checks the Python side.)
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

const MARKER: &str = "// scenario:";

fn list() -> Value {
    let path = support::repo_root().join("tests/scenarios.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The ids marked in `file`, in order, duplicates kept.
fn marked(file: &str) -> Vec<String> {
    let path = support::repo_root().join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter_map(|l| l.trim().strip_prefix(MARKER))
        .map(|id| id.trim().to_owned())
        .collect()
}

#[test]
fn the_scenario_list_is_well_formed() {
    let list = list();
    let suites = list["suites"].as_object().expect("suites");
    let mut ids = BTreeSet::new();
    for s in list["scenarios"].as_array().expect("scenarios") {
        let id = s["id"].as_str().expect("id");
        assert!(
            !id.is_empty()
                && id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
            "{id:?} is not snake_case"
        );
        assert!(ids.insert(id), "{id} is listed twice");
        assert!(
            !s["asserts"].as_str().unwrap_or_default().trim().is_empty(),
            "{id} says nothing about what it asserts"
        );
        let used = s["suites"].as_array().expect("suites of a scenario");
        assert!(!used.is_empty(), "{id} is run by no suite");
        for suite in used {
            let suite = suite.as_str().expect("suite name");
            assert!(suites.contains_key(suite), "{id}: unknown suite {suite}");
        }
    }
}

#[test]
fn every_rust_suite_runs_exactly_its_listed_scenarios() {
    let list = list();
    let mut listed: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for s in list["scenarios"].as_array().unwrap() {
        for suite in s["suites"].as_array().unwrap() {
            listed
                .entry(suite.as_str().unwrap())
                .or_default()
                .insert(s["id"].as_str().unwrap());
        }
    }
    let mut checked = 0;
    for (suite, file) in list["suites"].as_object().unwrap() {
        if !suite.starts_with("rust-") {
            continue;
        }
        let file = file.as_str().expect("suite file");
        let marks = marked(file);
        let mut found = BTreeSet::new();
        for id in &marks {
            assert!(found.insert(id.as_str()), "{file} marks {id} twice");
        }
        let want = listed.get(suite.as_str()).cloned().unwrap_or_default();
        let missing: Vec<_> = want.difference(&found).collect();
        let unlisted: Vec<_> = found.difference(&want).collect();
        assert!(
            missing.is_empty(),
            "{suite}: listed in tests/scenarios.json but no `{MARKER} <id>` block in {file}: {missing:?}"
        );
        assert!(
            unlisted.is_empty(),
            "{suite}: marked in {file} but not listed for it in tests/scenarios.json: {unlisted:?}"
        );
        checked += 1;
    }
    assert!(checked >= 1, "no Rust suite in tests/scenarios.json");
}
