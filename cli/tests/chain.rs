//! The network commands against the real local network: `invoke`, `query`, `tx`, `blocks`,
//! `events` (with a checkpoint file), as a user runs them — text and JSON output, exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../sdk-core/tests/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use support::TestNetwork;

struct Cli {
    profile: String,
}

impl Cli {
    fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fabweave"));
        cmd.args(args)
            .args(["--profile", &self.profile, "--user", "User1"]);
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    /// Runs and expects success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "fabweave {args:?}: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        serde_json::from_str(self.ok(&all).trim()).unwrap()
    }
}

#[test]
fn network_commands() {
    let net = TestNetwork::up(26000, &[]);
    let cli = Cli {
        profile: net.manifest()["orgs"]["org1"]["profiles"]["bcsUser"]
            .as_str()
            .unwrap()
            .to_owned(),
    };

    // invoke, then query: the value is back; JSON carries the id and block.
    let done = cli.json(&["invoke", "kv_or", "put", "cli-key", "cli-value"]);
    let tx_id = done["tx_id"].as_str().unwrap().to_owned();
    let block = done["block"].as_u64().unwrap();
    assert_eq!(done["payload"]["value"], "cli-value");
    assert_eq!(
        cli.ok(&["query", "kv_or", "get", "cli-key"]).trim(),
        "\"cli-value\""
    );

    // tx: decoded, in text and JSON.
    let text = cli.ok(&["tx", &tx_id]);
    assert!(text.starts_with(&format!("block {block}\n")), "{text}");
    assert!(
        text.contains("kv_or put(\"cli-key\", \"cli-value\")"),
        "{text}"
    );
    assert!(
        text.contains("write kv_or/cli-key = \"cli-value\""),
        "{text}"
    );
    assert!(text.contains("VALID"), "{text}");
    let tx = cli.json(&["tx", &tx_id]);
    assert_eq!(tx["block"], block);
    assert_eq!(tx["tx_id"], tx_id.as_str());
    let unknown = cli.run(&["tx", "0000"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no transaction 0000"));

    // blocks: one block by number, as JSON; from 0 to the newest, in text.
    let b = cli.json(&[
        "blocks",
        "--from",
        &block.to_string(),
        "--to",
        &block.to_string(),
    ]);
    assert_eq!(b["number"], block);
    let all = cli.ok(&["blocks"]);
    assert!(all.starts_with("block 0 "), "{}", &all[..80.min(all.len())]);
    assert!(all.contains(&format!("\nblock {block} ")));
    // Piped into a reader that stops early: a quiet exit, not a panic.
    let mut child = cli
        .cmd(&["blocks"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(first.starts_with("block 0"), "{first}");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // events with a checkpoint file: two events, read one at a time, each once.
    let first_event = cli.json(&["invoke", "kv_or", "event", "cli-evt", "one"]);
    cli.ok(&["invoke", "kv_or", "event", "cli-evt", "two"]);
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = dir.path().join("events.json");
    let cp = checkpoint.to_str().unwrap();
    let from = first_event["block"].as_u64().unwrap().to_string();
    // The first run starts at the first event's block (no checkpoint yet).
    let one = cli.json(&["events", "kv_or", "--from", &from, "--count", "1"]);
    assert_eq!(one["payload"]["value"], "one");
    // With a checkpoint file: --from starts a new file; the second run goes on after the first.
    let args = [
        "events",
        "kv_or",
        "--checkpoint",
        cp,
        "--from",
        &from,
        "--count",
        "1",
    ];
    let a = cli.json(&args);
    let b = cli.json(&args);
    assert_eq!(a["payload"]["value"], "one");
    assert_eq!(b["payload"]["value"], "two", "each event once across runs");
    assert!(checkpoint.exists());

    // Usage errors exit 2 before connecting.
    let out = cli.run(&["blocks", "--to", "1", "--follow"]);
    assert_eq!(out.status.code(), Some(2));
}
