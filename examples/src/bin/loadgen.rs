//! Load generator: committed tx/s, submit→commit latency, client CPU per committed transaction
//! and client memory, against a running network.
//!
//! ```sh
//! tests/network/net --base 27700 up
//! cargo run --release -p fabweave-examples --bin loadgen -- --base 27700
//! cargo run --release -p fabweave-examples --bin loadgen -- --base 27700 --only memory
//! tests/network/net --base 27700 down
//! ```
//!
//! Workloads (each a `put` of a distinct 16-byte key with a 100-byte value):
//! - `throughput`: on `kv_or` with one endorsement (`endorsing_orgs([Org1MSP])`), then on `kv`
//!   with the channel's default policy (MAJORITY: Org1 and Org2 endorse, the performance notes'
//!   shape); each at concurrency 1, 16 and 64 for a fixed count (40, 800, 2000 by default).
//!   Reports committed tx/s, p50/p99 submit→commit latency, the p50 overhead above the batch
//!   timeout, and the client's CPU per committed transaction (user+sys of the whole process: the
//!   sum of the threads' `/proc/self/task/*/schedstat` run times, in ns, and, as a cross-check at
//!   10 ms resolution, `/proc/self/stat` utime+stime).
//! - `memory`: the resident set (`VmRSS`) after a warm-up, then 10,000 transactions started at
//!   once, each endorsed (at most `--endorse-limit` in flight: the peers refuse more than 2,500
//!   concurrent proposals), sent to the orderer, and then held until all 10,000 are waiting for
//!   their commit before any waits; the peak `VmRSS` (sampled every 5 ms) minus the baseline.
//! - `stages` (only when asked): where the submit→commit time goes at concurrency 1, with the
//!   step-by-step API (the same calls `submit().await` makes): median time of each stage.
//! - `single` (only when asked): the first workload (`kv_or`, one endorsement) alone, at
//!   `--concurrency` (64) for `--count` (2000) transactions after the usual warm-up; ends with
//!   one `single:` line of `key=value`s for scripts (`bindings-python/bench/compare.py` runs the
//!   same workload from Python).
//! - `contention` (only when asked): `--contention-calls` (1,000) `increment`s on 4 keys of
//!   `--or-chaincode` from 64 workers, every call retried on read conflicts until it commits;
//!   once with plain retries, once with hot-key scheduling, in one run: committed increments
//!   per second, attempts per call, p50/p99 latency, and whether the counters add up.
//!
//! Options: `--base PORT` (the network's base port, default 27000, for the default profile path
//! `.net/PORT/profiles/org1/bcs/org1-user-sdk-config.yaml`), `--profile PATH`, `--user User1`,
//! `--channel mychannel`, `--or-chaincode kv_or`, `--chaincode kv`, `--org Org1MSP`,
//! `--only throughput|memory|stages|contention|single`, `--concurrency 64`, `--count 2000` (for
//! `single`), `--contention-calls 1000`, `--counts 40,800,2000` (for c = 1, 16, 64),
//! `--memory-tx 10000`, `--endorse-limit 1000`, `--strategy PREFER_MSPID_SCOPE_ALLFORTX`,
//! `--batch-timeout-ms 250`, `--no-verify` (the client does not verify endorsement signatures; the
//! committing peers still do).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::IntoFuture;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fabweave::config::Profile;
use fabweave::flow::{Client, CommitStrategy, Contract, RetryPolicy, Submit};
use tokio::sync::{watch, Semaphore};

/// The value every `put` writes: 100 bytes.
const VALUE: [u8; 100] = [b'v'; 100];
const CONCURRENCY: [usize; 3] = [1, 16, 64];
/// The deadline of every stage in the memory run.
const LONG: Duration = Duration::from_secs(900);

struct Args {
    profile: String,
    user: String,
    channel: String,
    or_chaincode: String,
    chaincode: String,
    org: String,
    only: Option<String>,
    concurrency: usize,
    count: usize,
    contention_calls: usize,
    counts: [usize; 3],
    memory_tx: usize,
    endorse_limit: usize,
    strategy: CommitStrategy,
    batch_timeout_ms: f64,
    verify: bool,
}

fn usage() -> &'static str {
    "usage: loadgen [--base PORT | --profile PATH] [--user NAME] [--channel NAME] \
     [--or-chaincode NAME] [--chaincode NAME] [--org MSPID] \
     [--only throughput|memory|stages|contention|single] [--concurrency C] [--count N] [--contention-calls N] [--counts N1,N16,N64] [--memory-tx N] [--endorse-limit N] [--strategy NAME] \
     [--batch-timeout-ms MS] [--no-verify]"
}

fn parse_args() -> Result<Args, String> {
    let mut base = "27000".to_owned();
    let mut profile = None;
    let mut a = Args {
        profile: String::new(),
        user: "User1".into(),
        channel: "mychannel".into(),
        or_chaincode: "kv_or".into(),
        chaincode: "kv".into(),
        org: "Org1MSP".into(),
        only: None,
        concurrency: 64,
        count: 2000,
        contention_calls: 1000,
        counts: [40, 800, 2000],
        memory_tx: 10_000,
        endorse_limit: 1_000,
        strategy: CommitStrategy::default(),
        batch_timeout_ms: 250.0,
        verify: true,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(usage().into());
        }
        if flag == "--no-verify" {
            a.verify = false;
            continue;
        }
        let value = it
            .next()
            .ok_or_else(|| format!("{flag} needs a value\n{}", usage()))?;
        let number = |v: &str| {
            v.parse::<usize>()
                .map_err(|_| format!("{flag}: '{v}' is not a number"))
        };
        match flag.as_str() {
            "--base" => base = value,
            "--profile" => profile = Some(value),
            "--user" => a.user = value,
            "--channel" => a.channel = value,
            "--or-chaincode" => a.or_chaincode = value,
            "--chaincode" => a.chaincode = value,
            "--org" => a.org = value,
            "--only" => match value.as_str() {
                "throughput" | "memory" | "stages" | "contention" | "single" => {
                    a.only = Some(value)
                }
                other => {
                    return Err(format!(
                        "--only: throughput, memory, stages, contention or single, not '{other}'"
                    ))
                }
            },
            "--counts" => {
                let n: Vec<usize> = value.split(',').map(number).collect::<Result<_, _>>()?;
                a.counts = n
                    .try_into()
                    .map_err(|_| "--counts: three numbers, for c = 1, 16, 64".to_owned())?;
            }
            "--memory-tx" => a.memory_tx = number(&value)?,
            "--concurrency" => a.concurrency = number(&value)?.max(1),
            "--count" => a.count = number(&value)?.max(1),
            "--contention-calls" => a.contention_calls = number(&value)?.max(1),
            "--endorse-limit" => a.endorse_limit = number(&value)?.max(1),
            "--strategy" => {
                a.strategy = CommitStrategy::from_name(&value)
                    .ok_or_else(|| format!("--strategy: unknown strategy '{value}'"))?
            }
            "--batch-timeout-ms" => {
                a.batch_timeout_ms = value
                    .parse()
                    .map_err(|_| format!("--batch-timeout-ms: '{value}' is not a number"))?
            }
            other => return Err(format!("unknown option {other}\n{}", usage())),
        }
    }
    a.profile = profile.unwrap_or_else(|| {
        format!(
            "{}/../.net/{base}/profiles/org1/bcs/org1-user-sdk-config.yaml",
            env!("CARGO_MANIFEST_DIR")
        )
    });
    Ok(a)
}

// ---- process measurements ---------------------------------------------------------------------

/// CPU time of the whole process in ns: the sum of every thread's run time (user + system).
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(|t| t.ok())
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// utime + stime of the process, in clock ticks (`/proc/self/stat` fields 14 and 15).
fn cpu_ticks() -> u64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0;
    };
    let Some(end) = stat.rfind(')') else { return 0 };
    let fields: Vec<&str> = stat[end + 1..].split_whitespace().collect();
    // fields[0] is field 3 (state); utime is field 14, stime field 15.
    let get = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    get(11) + get(12)
}

/// Clock ticks per second (`getconf CLK_TCK`, 100 if it cannot be read).
fn clk_tck() -> f64 {
    static TCK: OnceLock<f64> = OnceLock::new();
    *TCK.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// A `/proc/self/status` field in kB (`VmRSS`, `VmHWM`).
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

// ---- workload ---------------------------------------------------------------------------------

/// A distinct 16-byte key: 6 hex digits of this process's start time, 10 of a counter.
fn new_key() -> Vec<u8> {
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64 & 0xff_ffff)
            .unwrap_or(0)
    });
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix:06x}{n:010x}").into_bytes()
}

#[derive(Clone)]
struct Workload {
    label: String,
    contract: Contract,
    /// `Some`: endorse on these organizations only; `None`: the channel's endorsing orgs.
    orgs: Option<Vec<String>>,
    strategy: CommitStrategy,
}

impl Workload {
    fn put(&self) -> Submit {
        let call = self
            .contract
            .submit("put")
            .args([new_key(), VALUE.to_vec()])
            .commit_strategy(self.strategy);
        match &self.orgs {
            Some(orgs) => call.endorsing_orgs(orgs.clone()),
            None => call,
        }
    }
}

struct Run {
    label: String,
    concurrency: usize,
    sent: usize,
    latencies: Vec<Duration>,
    errors: Vec<String>,
    wall: Duration,
    cpu_ns: u64,
    cpu_ticks: u64,
}

impl Run {
    fn ok(&self) -> usize {
        self.latencies.len()
    }
    fn tps(&self) -> f64 {
        self.ok() as f64 / self.wall.as_secs_f64()
    }
    fn percentile_ms(&self, p: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies.len() as f64 * p).ceil() as usize).clamp(1, self.latencies.len());
        self.latencies[i - 1].as_secs_f64() * 1e3
    }
    fn cpu_ms_per_tx(&self) -> f64 {
        self.cpu_ns as f64 / 1e6 / self.ok().max(1) as f64
    }
    fn cpu_ms_per_tx_ticks(&self) -> f64 {
        self.cpu_ticks as f64 * 1e3 / clk_tck() / self.ok().max(1) as f64
    }
}

/// `n` increments on 4 keys from 64 workers, each retried as `retry` allows; `cpu_ticks` holds
/// the attempts made.
async fn run_contention(contract: &Contract, prefix: &str, retry: RetryPolicy, n: usize) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let workers: Vec<_> = (0..64)
        .map(|_| {
            let (c, next, prefix) = (contract.clone(), next.clone(), prefix.to_owned());
            tokio::spawn(async move {
                let (mut latencies, mut errors, mut attempts) = (Vec::new(), Vec::new(), 0u64);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n {
                        return (latencies, errors, attempts);
                    }
                    let t = Instant::now();
                    match c
                        .submit("increment")
                        .arg(format!("{prefix}-{}", i % 4))
                        .retry(retry)
                        .await
                    {
                        Ok(done) => {
                            attempts += done.attempts().len() as u64;
                            latencies.push(t.elapsed());
                        }
                        Err(e) => errors.push(e.to_string()),
                    }
                }
            })
        })
        .collect();
    let mut run = Run {
        label: "contention".into(),
        concurrency: 64,
        sent: n,
        latencies: Vec::new(),
        errors: Vec::new(),
        wall: Duration::ZERO,
        cpu_ns: 0,
        cpu_ticks: 0,
    };
    for w in workers {
        if let Ok((l, e, a)) = w.await {
            run.latencies.extend(l);
            run.errors.extend(e);
            run.cpu_ticks += a;
        }
    }
    run.wall = start.elapsed();
    run.latencies.sort();
    run
}

/// `n` puts from `c` concurrent workers, each submitting its next one when the last commits.
async fn run_load(w: &Workload, c: usize, n: usize) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let (ns0, ticks0, start) = (cpu_ns(), cpu_ticks(), Instant::now());
    let workers: Vec<_> = (0..c)
        .map(|_| {
            let (w, next) = (w.clone(), next.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut errors = Vec::new();
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    let t = Instant::now();
                    match w.put().await {
                        Ok(_) => latencies.push(t.elapsed()),
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                (latencies, errors)
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity(n);
    let mut errors = Vec::new();
    for worker in workers {
        let (l, e) = worker.await.expect("a worker panicked");
        latencies.extend(l);
        errors.extend(e);
    }
    let wall = start.elapsed();
    let (ns1, ticks1) = (cpu_ns(), cpu_ticks());
    latencies.sort();
    Run {
        label: w.label.clone(),
        concurrency: c,
        sent: n,
        latencies,
        errors,
        wall,
        cpu_ns: ns1.saturating_sub(ns0),
        cpu_ticks: ticks1.saturating_sub(ticks0),
    }
}

struct Memory {
    label: String,
    sent: usize,
    committed: usize,
    errors: Vec<String>,
    baseline_kb: u64,
    all_waiting_kb: u64,
    peak_kb: u64,
    hwm_kb: u64,
    /// The size of one task's future (this program's, around the step-by-step calls).
    task_future_bytes: usize,
    /// The size of the SDK's boxed `submit().await` future, for comparison.
    submit_future_bytes: usize,
    to_all_waiting: Duration,
    wall: Duration,
}

/// Samples `VmRSS` every 5 ms on its own thread until stopped; returns the peak in kB.
fn rss_sampler(stop: Arc<AtomicBool>) -> std::thread::JoinHandle<u64> {
    std::thread::spawn(move || {
        let mut peak = 0;
        while !stop.load(Ordering::Relaxed) {
            peak = peak.max(status_kb("VmRSS"));
            std::thread::sleep(Duration::from_millis(5));
        }
        peak.max(status_kb("VmRSS"))
    })
}

/// `n` transactions started at once; each is endorsed (at most `endorse_limit` at a time),
/// signed and sent to the orderer, then held until all `n` are waiting for their commit.
async fn run_memory(client: &Client, w: &Workload, n: usize, endorse_limit: usize) -> Memory {
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline_kb = status_kb("VmRSS");
    // Resets VmHWM to the current RSS (Linux ≥ 4.0); the sampler is the primary figure anyway.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = rss_sampler(stop.clone());

    let gate = Arc::new(Semaphore::new(endorse_limit));
    let (release, released) = watch::channel(false);
    let submitted = Arc::new(AtomicUsize::new(0));
    let identity = Arc::new(client.identity().clone());
    let task_future_bytes = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let tasks: Vec<_> = (0..n)
        .map(|_| {
            let call = w
                .put()
                .endorse_timeout(LONG)
                .submit_timeout(LONG)
                .commit_timeout(LONG);
            let (identity, gate, submitted, mut released) = (
                identity.clone(),
                gate.clone(),
                submitted.clone(),
                released.clone(),
            );
            let task = async move {
                let staged = async {
                    let proposal = call.build()?;
                    let signature = identity.sign(proposal.bytes())?;
                    let tx = {
                        let _permit = gate.acquire().await.expect("the gate is never closed");
                        proposal.endorse(signature).await?
                    };
                    let signature = identity.sign(tx.bytes())?;
                    tx.submit(signature).await
                }
                .await;
                submitted.fetch_add(1, Ordering::Relaxed);
                let waiting = staged?;
                let _ = released.wait_for(|go| *go).await;
                waiting.status().await
            };
            task_future_bytes.store(std::mem::size_of_val(&task), Ordering::Relaxed);
            tokio::spawn(task)
        })
        .collect();
    while submitted.load(Ordering::Relaxed) < n {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let to_all_waiting = start.elapsed();
    let all_waiting_kb = status_kb("VmRSS");
    let _ = release.send(true);

    let mut committed = 0;
    let mut errors = Vec::new();
    for t in tasks {
        match t.await.expect("a task panicked") {
            Ok(_) => committed += 1,
            Err(e) => errors.push(e.to_string()),
        }
    }
    let wall = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let peak_kb = sampler.join().expect("the sampler panicked");
    Memory {
        label: w.label.clone(),
        sent: n,
        committed,
        errors,
        baseline_kb,
        all_waiting_kb,
        peak_kb,
        hwm_kb: status_kb("VmHWM"),
        task_future_bytes: task_future_bytes.load(Ordering::Relaxed),
        submit_future_bytes: std::mem::size_of_val(&*w.put().into_future()),
        to_all_waiting,
        wall,
    }
}

/// The median duration of each stage of `n` puts submitted one at a time with the
/// step-by-step API, in ms: build + sign, endorse (+ check + assemble), sign, listen + broadcast,
/// commit wait.
async fn run_stages(client: &Client, w: &Workload, n: usize) -> Result<[f64; 6], fabweave::Error> {
    const STAGES: usize = 6;
    let mut samples: Vec<[f64; STAGES]> = Vec::with_capacity(n);
    let identity = client.identity().clone();
    for _ in 0..n {
        let mut marks = [Duration::ZERO; STAGES - 1];
        let t = Instant::now();
        let proposal = w.put().build()?;
        let signature = identity.sign(proposal.bytes())?;
        marks[0] = t.elapsed();
        let tx = proposal.endorse(signature).await?;
        marks[1] = t.elapsed();
        let signature = identity.sign(tx.bytes())?;
        marks[2] = t.elapsed();
        let submitted = tx.submit(signature).await?;
        marks[3] = t.elapsed();
        submitted.status().await?;
        marks[4] = t.elapsed();
        let mut sample = [0.0; STAGES];
        for i in 0..STAGES - 1 {
            let from = if i == 0 { Duration::ZERO } else { marks[i - 1] };
            sample[i] = (marks[i] - from).as_secs_f64() * 1e3;
        }
        sample[STAGES - 1] = marks[4].as_secs_f64() * 1e3;
        samples.push(sample);
    }
    let mut medians = [0.0; STAGES];
    for (i, m) in medians.iter_mut().enumerate() {
        let mut v: Vec<f64> = samples.iter().map(|s| s[i]).collect();
        v.sort_by(f64::total_cmp);
        *m = v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
    }
    Ok(medians)
}

fn print_errors(errors: &[String]) {
    if errors.is_empty() {
        return;
    }
    let mut distinct: Vec<(&String, usize)> = Vec::new();
    for e in errors {
        match distinct.iter_mut().find(|(d, _)| *d == e) {
            Some((_, k)) => *k += 1,
            None => distinct.push((e, 1)),
        }
    }
    distinct.sort_by_key(|d| std::cmp::Reverse(d.1));
    for (e, k) in distinct.iter().take(3) {
        eprintln!("    {k} × {e}");
    }
}

// ---- main -------------------------------------------------------------------------------------

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(message) => {
            eprintln!("{message}");
            return ExitCode::FAILURE;
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), fabweave::Error> {
    let profile = Profile::load(&args.profile)?;
    let client = Client::builder(profile)
        .user(&args.user)
        .verify_endorsements(args.verify)
        .connect()
        .await?;
    let network = client.network(&args.channel);
    println!(
        "loadgen: {} as {} ({}), channel {}, commit strategy {}, endorsement signatures {}, \
         {} worker threads, CLK_TCK {}",
        args.profile,
        args.user,
        client.identity().msp_id(),
        args.channel,
        args.strategy.name(),
        if args.verify {
            "verified"
        } else {
            "not verified"
        },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        clk_tck()
    );
    let one = Workload {
        label: format!("{}, 1 endorsement ({})", args.or_chaincode, args.org),
        contract: network.contract(&args.or_chaincode),
        orgs: Some(vec![args.org.clone()]),
        strategy: args.strategy,
    };
    let two = Workload {
        label: format!("{}, 2 endorsements (Org1+Org2)", args.chaincode),
        contract: network.contract(&args.chaincode),
        orgs: None,
        strategy: args.strategy,
    };
    let (cpu0, ticks0) = (cpu_ns(), cpu_ticks());

    let mut runs = Vec::new();
    if args.only.is_none() || args.only.as_deref() == Some("throughput") {
        for w in [&one, &two] {
            let warm = run_load(w, 16, 64).await;
            println!("warm-up {}: {}/{} committed", w.label, warm.ok(), warm.sent);
            print_errors(&warm.errors);
            for (c, n) in CONCURRENCY.into_iter().zip(args.counts) {
                tokio::time::sleep(Duration::from_secs(2)).await;
                let r = run_load(w, c, n).await;
                println!(
                    "{} c={c}: {}/{n} committed in {:.2} s, {:.1} tx/s, p50 {:.1} ms, p99 {:.1} ms, \
                     CPU/tx {:.3} ms (stat: {:.3} ms)",
                    r.label,
                    r.ok(),
                    r.wall.as_secs_f64(),
                    r.tps(),
                    r.percentile_ms(0.50),
                    r.percentile_ms(0.99),
                    r.cpu_ms_per_tx(),
                    r.cpu_ms_per_tx_ticks()
                );
                print_errors(&r.errors);
                runs.push(r);
            }
        }
    }

    if args.only.as_deref() == Some("single") {
        let warm = run_load(&one, 16, 64).await;
        println!(
            "warm-up {}: {}/{} committed",
            one.label,
            warm.ok(),
            warm.sent
        );
        print_errors(&warm.errors);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let r = run_load(&one, args.concurrency, args.count).await;
        print_errors(&r.errors);
        println!(
            "single: committed={} sent={} concurrency={} wall_s={:.3} tx_per_s={:.2} \
             cpu_ms_per_tx={:.4} p50_ms={:.1} p99_ms={:.1}",
            r.ok(),
            r.sent,
            r.concurrency,
            r.wall.as_secs_f64(),
            r.tps(),
            r.cpu_ms_per_tx(),
            r.percentile_ms(0.50),
            r.percentile_ms(0.99)
        );
    }

    if args.only.as_deref() == Some("contention") {
        let patient = RetryPolicy::default()
            .attempts(10_000)
            .deadline(Duration::from_secs(1800));
        let contract = network.contract(&args.or_chaincode);
        println!(
            "\n| {} `increment`s on 4 keys, c=64 | committed/s | attempts per call | p50 ms | p99 ms | counters |",
            args.contention_calls
        );
        println!("|---|---|---|---|---|---|");
        for (label, c) in [
            ("plain retry", contract.clone()),
            (
                "hot-key scheduling",
                contract.clone().with_hot_key_scheduling(),
            ),
        ] {
            let prefix = String::from_utf8_lossy(&new_key()).into_owned();
            let r = run_contention(&c, &prefix, patient, args.contention_calls).await;
            let mut sum = 0u64;
            for k in 0..4 {
                let v = contract
                    .evaluate("get")
                    .arg(format!("{prefix}-{k}"))
                    .await?;
                sum += String::from_utf8_lossy(&v).parse::<u64>().unwrap_or(0);
            }
            println!(
                "| {label} | {:.1} | {:.2} | {:.0} | {:.0} | {sum} of {} |",
                r.ok() as f64 / r.wall.as_secs_f64(),
                r.cpu_ticks as f64 / r.ok().max(1) as f64,
                r.percentile_ms(0.50),
                r.percentile_ms(0.99),
                args.contention_calls
            );
            print_errors(&r.errors);
        }
    }

    if args.only.as_deref() == Some("stages") {
        println!(
            "\n| stage, c=1, median of {} (ms) | build + sign | endorse + check | sign | \
             listen + broadcast | commit wait | total |",
            args.counts[0]
        );
        println!("|---|---|---|---|---|---|---|");
        for w in [&one, &two] {
            let _ = run_load(w, 16, 64).await;
            let m = run_stages(&client, w, args.counts[0]).await?;
            println!(
                "| {} | {:.2} | {:.2} | {:.2} | {:.2} | {:.1} | {:.1} |",
                w.label, m[0], m[1], m[2], m[3], m[4], m[5]
            );
        }
    }

    let mut memory = None;
    if args.only.is_none() || args.only.as_deref() == Some("memory") {
        let warm = run_load(&two, 16, 64).await;
        println!(
            "warm-up {}: {}/{} committed",
            two.label,
            warm.ok(),
            warm.sent
        );
        let m = run_memory(&client, &two, args.memory_tx, args.endorse_limit).await;
        println!(
            "memory {}: {} sent, {} committed; all waiting for commit after {:.1} s, done after {:.1} s",
            m.label,
            m.sent,
            m.committed,
            m.to_all_waiting.as_secs_f64(),
            m.wall.as_secs_f64()
        );
        print_errors(&m.errors);
        memory = Some(m);
    }

    let (cpu1, ticks1) = (cpu_ns(), cpu_ticks());
    println!(
        "\nprocess CPU, whole run: {:.0} ms by schedstat, {:.0} ms by /proc/self/stat",
        (cpu1 - cpu0) as f64 / 1e6,
        (ticks1 - ticks0) as f64 * 1e3 / clk_tck()
    );

    if !runs.is_empty() {
        println!(
            "\n| workload | c | committed | tx/s | p50 ms | p99 ms | p50 − BatchTimeout ms | \
             client CPU/tx ms | (stat, 10 ms ticks) |"
        );
        println!("|---|---|---|---|---|---|---|---|---|");
        for r in &runs {
            println!(
                "| {} | {} | {}/{} | {:.1} | {:.1} | {:.1} | {:.1} | {:.3} | {:.3} |",
                r.label,
                r.concurrency,
                r.ok(),
                r.sent,
                r.tps(),
                r.percentile_ms(0.50),
                r.percentile_ms(0.99),
                r.percentile_ms(0.50) - args.batch_timeout_ms,
                r.cpu_ms_per_tx(),
                r.cpu_ms_per_tx_ticks()
            );
        }
    }
    if let Some(m) = memory {
        println!("\n| memory, {} tx waiting for commit | MB |", m.sent);
        println!("|---|---|");
        println!(
            "| baseline VmRSS after warm-up | {:.1} |",
            mb(m.baseline_kb)
        );
        println!(
            "| VmRSS when all {} were waiting | {:.1} |",
            m.sent,
            mb(m.all_waiting_kb)
        );
        println!("| peak VmRSS (5 ms samples) | {:.1} |", mb(m.peak_kb));
        println!("| VmHWM | {:.1} |", mb(m.hwm_kb));
        println!(
            "| **peak − baseline** | **{:.1}** |",
            mb(m.peak_kb.saturating_sub(m.baseline_kb))
        );
        println!(
            "| per transaction (kB) | {:.1} |",
            m.peak_kb.saturating_sub(m.baseline_kb) as f64 / m.sent.max(1) as f64
        );
        println!(
            "\nfuture sizes: one task here {} B (allocated at spawn); the SDK's boxed \
             submit().await future {} B",
            m.task_future_bytes, m.submit_future_bytes
        );
    }
    Ok(())
}
