//! A real Fabric network for integration tests, driven through `tests/network/net`.
//!
//! [`TestNetwork::up`] starts a network on its own base port and state folder; dropping it (also
//! when a test panics) runs `net down`, which stops every process by PID and removes the state.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The repository root (sdk-core's parent).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A running network; stopped and removed on drop.
pub struct TestNetwork {
    base: u16,
    home: PathBuf,
    manifest: Value,
    running: bool,
    env: Vec<(String, String)>,
}

impl TestNetwork {
    /// Brings a network up at `base` with extra `up` arguments (e.g. `--no-gateway`).
    /// The base can be moved with FABWEAVE_TEST_NET_BASE_OFFSET, so suites can run side by side.
    pub fn up(base: u16, args: &[&str]) -> Self {
        Self::up_env(base, args, &[])
    }

    /// [`TestNetwork::up`] with environment variables for every `net` command, e.g.
    /// `FABWEAVE_FABRIC_VERSION=gm-2.4.3` for the GM (SM2/SM3) Fabric fork.
    pub fn up_env(base: u16, args: &[&str], env: &[(&str, &str)]) -> Self {
        let offset: u16 = std::env::var("FABWEAVE_TEST_NET_BASE_OFFSET")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let base = base + offset;
        let home = repo_root().join(".net").join(base.to_string());
        let mut net = TestNetwork {
            base,
            home,
            manifest: Value::Null,
            running: false,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        net.start(args);
        net
    }

    /// `net up ARGS` on this network's base and home; panics with the script's output on failure.
    pub fn start(&mut self, args: &[&str]) {
        let mut up = vec!["up"];
        up.extend_from_slice(args);
        // Marked running first: a half-started network is still torn down on drop.
        self.running = true;
        let out = self.net(&up);
        if !out.status.success() {
            // The state (and its logs) goes with the drop: show the log `net` names first.
            let stderr = String::from_utf8_lossy(&out.stderr);
            for word in stderr.split_whitespace() {
                let path = word.trim_end_matches([';', ',', '.', ')']);
                if path.ends_with(".log") {
                    if let Ok(text) = std::fs::read_to_string(path) {
                        let tail: Vec<&str> = text.lines().rev().take(40).collect();
                        eprintln!("--- last lines of {path}");
                        for line in tail.into_iter().rev() {
                            eprintln!("{line}");
                        }
                    }
                }
            }
        }
        assert_success("net up", &out);
        let text = std::fs::read_to_string(self.home.join("network.json")).unwrap();
        self.manifest = serde_json::from_str(&text).unwrap();
    }

    /// `net down`; panics if it fails.
    pub fn down(&mut self) {
        self.running = false;
        let out = self.net(&["down"]);
        assert_success("net down", &out);
    }

    /// Runs `tests/network/net --base B --home H ARGS`.
    pub fn net(&self, args: &[&str]) -> Output {
        // FABWEAVE_NET_TRACE=1 runs the script under `bash -x` (its trace in the error output).
        let mut command =
            if std::env::var_os("FABWEAVE_NET_TRACE").is_some() && args.first() == Some(&"start") {
                let mut c = Command::new("bash");
                c.arg("-x").arg(repo_root().join("tests/network/net"));
                c
            } else {
                Command::new(repo_root().join("tests/network/net"))
            };
        command
            .arg("--base")
            .arg(self.base.to_string())
            .arg("--home")
            .arg(&self.home)
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .output()
            .expect("run tests/network/net")
    }

    /// The manifest the network wrote (network.json).
    pub fn manifest(&self) -> &Value {
        &self.manifest
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// A peer's entry in the manifest, by node name (e.g. "peer0.org1").
    pub fn peer(&self, name: &str) -> &Value {
        self.manifest["peers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no peer {name} in the manifest"))
    }

    /// The PIDs of the network's running processes, from its run/ folder.
    pub fn pids(&self) -> Vec<u32> {
        let mut pids = Vec::new();
        if let Ok(dir) = std::fs::read_dir(self.home.join("run")) {
            for entry in dir.flatten() {
                let path = entry.path();
                if path.extension().is_some_and(|e| e == "pid") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    pids.push(text.trim().parse().unwrap());
                }
            }
        }
        pids
    }

    /// The peer CLI as `node`'s org admin, pointed at `node`.
    pub fn peer_cli(&self, node: &str, args: &[&str]) -> Output {
        self.peer_cli_env(node, args, &[])
    }

    /// [`TestNetwork::peer_cli`] with some environment variables replaced (e.g. the log level).
    pub fn peer_cli_env(&self, node: &str, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let env_file = self.peer(node)["cliEnv"].as_str().unwrap().to_owned();
        let mut env = read_env_file(Path::new(&env_file));
        for (k, v) in extra_env {
            env.insert((*k).to_owned(), (*v).to_owned());
        }
        let bin = Path::new(self.manifest["bin"].as_str().unwrap()).join("peer");
        Command::new(bin)
            .env_clear()
            .envs(&env)
            .args(args)
            .output()
            .expect("run the peer CLI")
    }

    /// `peer chaincode invoke` as `node`'s admin, endorsed by `endorsers`, waiting for the commit.
    pub fn invoke(&self, node: &str, chaincode: &str, args: &[&str], endorsers: &[&str]) -> Output {
        self.invoke_env(node, chaincode, args, endorsers, &[])
    }

    /// [`TestNetwork::invoke`] with some CLI environment variables replaced.
    pub fn invoke_env(
        &self,
        node: &str,
        chaincode: &str,
        args: &[&str],
        endorsers: &[&str],
        extra_env: &[(&str, &str)],
    ) -> Output {
        let orderer = &self.manifest["orderers"][0];
        let ctor = serde_json::json!({ "Args": args }).to_string();
        let mut cli: Vec<String> = [
            "chaincode",
            "invoke",
            "-o",
            orderer["address"].as_str().unwrap(),
            "--ordererTLSHostnameOverride",
            orderer["tlsHost"].as_str().unwrap(),
            "--tls",
            "--cafile",
            orderer["tlsCaFile"].as_str().unwrap(),
            "-C",
            self.manifest["channel"].as_str().unwrap(),
            "-n",
            chaincode,
            "-c",
            &ctor,
            "--waitForEvent",
            "--waitForEventTimeout",
            "30s",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        for e in endorsers {
            let p = self.peer(e);
            cli.push("--peerAddresses".into());
            cli.push(p["address"].as_str().unwrap().into());
            cli.push("--tlsRootCertFiles".into());
            cli.push(p["tlsCaFile"].as_str().unwrap().into());
        }
        let refs: Vec<&str> = cli.iter().map(String::as_str).collect();
        self.peer_cli_env(node, &refs, extra_env)
    }

    /// `peer chaincode query` on `node`; returns stdout without the trailing newline, panics on failure.
    pub fn query(&self, node: &str, chaincode: &str, args: &[&str]) -> String {
        let ctor = serde_json::json!({ "Args": args }).to_string();
        let channel = self.manifest["channel"].as_str().unwrap().to_owned();
        let out = self.peer_cli(
            node,
            &[
                "chaincode",
                "query",
                "-C",
                &channel,
                "-n",
                chaincode,
                "-c",
                &ctor,
            ],
        );
        assert_success(&format!("query {chaincode} {args:?} on {node}"), &out);
        String::from_utf8(out.stdout).unwrap().trim_end().to_owned()
    }

    /// The channel height `node` reports.
    pub fn height(&self, node: &str) -> u64 {
        let channel = self.manifest["channel"].as_str().unwrap().to_owned();
        let out = self.peer_cli(node, &["channel", "getinfo", "-c", &channel]);
        assert_success(&format!("getinfo on {node}"), &out);
        let text = String::from_utf8(out.stdout).unwrap();
        let json = text
            .split_once('{')
            .map(|(_, rest)| format!("{{{rest}"))
            .unwrap();
        let info: Value = serde_json::from_str(json.trim()).unwrap();
        info["height"].as_u64().unwrap()
    }
}

impl TestNetwork {
    /// `net proxy add NODE`: puts a fault proxy in front of `node`; its address (`host:port`).
    pub fn proxy(&self, node: &str) -> String {
        let out = self.net(&["proxy", "add", node]);
        assert_success(&format!("net proxy add {node}"), &out);
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }

    /// `net proxy toxic NODE NAME KIND STREAM ATTRS...`, e.g. a black hole after reading:
    /// `toxic("orderer0", "hole", "timeout", "downstream", &["timeout=0"])`.
    pub fn toxic(&self, node: &str, name: &str, kind: &str, stream: &str, attrs: &[&str]) {
        let mut args = vec!["proxy", "toxic", node, name, kind, stream];
        args.extend_from_slice(attrs);
        let out = self.net(&args);
        assert_success(&format!("net proxy toxic {node} {name}"), &out);
    }

    /// `net proxy clear NODE`: removes every toxic of the node's proxy.
    pub fn proxy_clear(&self, node: &str) {
        let out = self.net(&["proxy", "clear", node]);
        assert_success(&format!("net proxy clear {node}"), &out);
    }

    /// The orderer that leads the channel's Raft cluster now, from the orderers' logs
    /// ("Raft leader changed: A -> B"; consenters are numbered in orderer order from 1).
    pub fn raft_leader(&self) -> Option<String> {
        let mut best: Option<(String, u64)> = None;
        for o in ["orderer0", "orderer1", "orderer2"] {
            let log = std::fs::read_to_string(self.home.join("logs").join(format!("{o}.log")))
                .unwrap_or_default();
            // The time stamp at the start of the line orders the reports of different logs.
            for line in log.lines().filter(|l| l.contains("Raft leader changed")) {
                let Some(id) = line
                    .rsplit("-> ")
                    .next()
                    .and_then(|t| t.split_whitespace().next())
                    .and_then(|t| t.parse::<u64>().ok())
                else {
                    continue;
                };
                let stamp = line.get(..30).unwrap_or_default().to_owned();
                if best.as_ref().is_none_or(|(s, _)| stamp > *s) {
                    best = Some((stamp, id));
                }
            }
        }
        best.and_then(|(_, id)| {
            ["orderer0", "orderer1", "orderer2"]
                .get(id.checked_sub(1)? as usize)
                .map(|s| (*s).to_owned())
        })
    }
}

impl Drop for TestNetwork {
    fn drop(&mut self) {
        if self.running {
            let out = self.net(&["down"]);
            if !out.status.success() {
                eprintln!("net down failed: {}", String::from_utf8_lossy(&out.stderr));
            }
        }
    }
}

/// The peer or orderer of `profile` listening at `address`.
pub fn endpoint_at(
    profile: &fabweave::config::Profile,
    address: &str,
) -> fabweave::config::Endpoint {
    profile
        .peers
        .iter()
        .map(|p| &p.endpoint)
        .chain(profile.orderers.iter().map(|o| &o.endpoint))
        .find(|e| e.address() == address)
        .unwrap_or_else(|| panic!("no endpoint at {address} in the profile"))
        .clone()
}

/// Reads KEY=VALUE lines.
pub fn read_env_file(path: &Path) -> HashMap<String, String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Panics with both output streams unless the command succeeded.
pub fn assert_success(what: &str, out: &Output) {
    assert!(
        out.status.success(),
        "{what} failed ({}):\n--- stdout\n{}\n--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Whether a process with this PID exists.
pub fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Whether something accepts TCP connections at this address.
pub fn listening(addr: &str) -> bool {
    std::net::TcpStream::connect_timeout(
        &addr.parse().unwrap(),
        std::time::Duration::from_millis(300),
    )
    .is_ok()
}

/// Calls the Gateway service's Evaluate on a peer, over TLS verified with the peer's TLS CA, and
/// returns the gRPC status code (an empty request: a Gateway answers InvalidArgument, a peer
/// without the Gateway service Unimplemented).
pub async fn gateway_probe(peer: &Value) -> tonic::Code {
    use fabweave::proto::gateway::gateway_client::GatewayClient;
    use fabweave::proto::gateway::EvaluateRequest;
    use tonic::transport::{Certificate, Channel, ClientTlsConfig};

    let pem = std::fs::read(peer["tlsCaFile"].as_str().unwrap()).unwrap();
    let tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(pem))
        .domain_name(peer["tlsHost"].as_str().unwrap());
    let channel = Channel::from_shared(format!("https://{}", peer["address"].as_str().unwrap()))
        .unwrap()
        .tls_config(tls)
        .unwrap()
        .connect()
        .await
        .expect("TLS connection to the peer");
    let mut client = GatewayClient::new(channel);
    match client.evaluate(EvaluateRequest::default()).await {
        Ok(_) => tonic::Code::Ok,
        Err(status) => status.code(),
    }
}

/// Processes paused with SIGSTOP (a hung node: connections stay open, nothing answers),
/// resumed when dropped.
pub struct Frozen(Vec<u32>);

impl Frozen {
    /// Pauses `nodes` of `net` (e.g. `peer0.org1`).
    pub fn nodes(net: &TestNetwork, nodes: &[&str]) -> Frozen {
        let pids: Vec<u32> = nodes
            .iter()
            .map(|n| {
                let file = net.home().join("run").join(format!("{n}.pid"));
                std::fs::read_to_string(file)
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap()
            })
            .collect();
        for pid in &pids {
            signal("-STOP", *pid);
        }
        Frozen(pids)
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        for pid in &self.0 {
            signal("-CONT", *pid);
        }
    }
}

fn signal(sig: &str, pid: u32) {
    let ok = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill {sig} {pid}");
}
