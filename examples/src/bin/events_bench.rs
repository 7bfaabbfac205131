//! Event delivery rate: how fast a chaincode event listener (and a block listener) catches up
//! with transactions already on the ledger, against a running network.
//!
//! ```sh
//! tests/network/net --base 27700 up
//! cargo run --release -p fabweave-examples --bin events_bench -- --base 27700 --count 2000
//! tests/network/net --base 27700 down
//! ```
//!
//! It submits `--count` (2000) `event NAME PAYLOAD` transactions (100-byte payloads) on
//! `--chaincode` (`kv_or`, endorsed by `--org` alone) from `--concurrency` (64) workers, notes
//! the lowest block they landed in, warms up (discovery, the connection, a first read of the blocks), and
//! then, for each way of reading — chaincode events from
//! full blocks, from filtered blocks, and plain full blocks — opens a stream at that block and
//! times it until every one of the transactions was delivered: events/s (and blocks/s), plus
//! the client's CPU time per event.
//!
//! Options: `--base PORT` (default 27000; profile `.net/PORT/profiles/org1/bcs/org1-user-sdk-config.yaml`),
//! `--profile PATH`, `--user User1`, `--channel mychannel`, `--chaincode kv_or`, `--org Org1MSP`,
//! `--count N`, `--concurrency N`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::future::IntoFuture;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fabweave::config::Profile;
use fabweave::events::{BlockKind, EventStream, StartAt};
use fabweave::flow::{Client, CommitStrategy};
use futures_util::StreamExt;
use tokio::sync::Semaphore;

struct Args {
    profile: String,
    user: String,
    channel: String,
    chaincode: String,
    org: String,
    count: usize,
    concurrency: usize,
}

fn usage() -> &'static str {
    "usage: events_bench [--base PORT | --profile PATH] [--user NAME] [--channel NAME] \
     [--chaincode NAME] [--org MSPID] [--count N] [--concurrency N]"
}

fn parse_args() -> Result<Args, String> {
    let mut base = "27000".to_owned();
    let mut profile = None;
    let mut a = Args {
        profile: String::new(),
        user: "User1".into(),
        channel: "mychannel".into(),
        chaincode: "kv_or".into(),
        org: "Org1MSP".into(),
        count: 2000,
        concurrency: 64,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        if flag == "-h" || flag == "--help" {
            return Err(usage().into());
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
            "--chaincode" => a.chaincode = value,
            "--org" => a.org = value,
            "--count" => a.count = number(&value)?.max(1),
            "--concurrency" => a.concurrency = number(&value)?.max(1),
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

/// CPU time of the whole process in ns (the sum of every thread's run time).
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

/// Reads `stream` until `done` says every expected item arrived; returns the elapsed time and
/// the CPU time used.
async fn drain<T>(
    mut stream: EventStream<T>,
    mut done: impl FnMut(&T) -> bool,
) -> Result<(Duration, u64), String> {
    let started = Instant::now();
    let cpu = cpu_ns();
    loop {
        match tokio::time::timeout(Duration::from_secs(120), stream.next()).await {
            Ok(Some(Ok(item))) => {
                if done(&item) {
                    return Ok((started.elapsed(), cpu_ns().saturating_sub(cpu)));
                }
            }
            Ok(Some(Err(e))) => return Err(e.to_string()),
            Ok(None) => return Err("the stream ended".into()),
            Err(_) => return Err("no item for 120 s".into()),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("events_bench: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(a: Args) -> Result<(), String> {
    let profile = Profile::load(&a.profile).map_err(|e| e.to_string())?;
    let client = Client::builder(profile)
        .user(&a.user)
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    let network = client.network(&a.channel);
    let contract = network.contract(&a.chaincode);
    let name = format!(
        "bench-{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis())
    );

    // Write the events.
    let payload = "p".repeat(100);
    let limit = Arc::new(Semaphore::new(a.concurrency));
    let started = Instant::now();
    let mut calls = Vec::with_capacity(a.count);
    for _ in 0..a.count {
        let permit = Arc::clone(&limit);
        let call = contract
            .submit("event")
            .args([name.as_str(), payload.as_str()])
            .endorsing_orgs([a.org.as_str()])
            .commit_strategy(CommitStrategy::MspidScopeAnyForTx)
            .into_future();
        calls.push(tokio::spawn(async move {
            let _permit = permit.acquire_owned().await;
            call.await
        }));
    }
    let mut blocks = Vec::with_capacity(a.count);
    for c in calls {
        let done = c
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
        blocks.push(done.block_number());
    }
    let first = blocks.iter().copied().min().unwrap_or(0);
    let last = blocks.iter().copied().max().unwrap_or(0);
    println!(
        "wrote {} event transactions in blocks {first}..={last} ({} blocks) in {:.1} s",
        a.count,
        last - first + 1,
        started.elapsed().as_secs_f64()
    );

    // Warm up: discovery, the connection to the peer, and the peer's cache of these blocks (a
    // first full read of the range, reported as such), so that the timings below are of
    // delivery alone.
    let warm = network
        .block_events()
        .start(StartAt::Block(first))
        .await
        .map_err(|e| e.to_string())?;
    let (took, _) = drain(warm, |b| b.block_number >= last).await?;
    println!(
        "warm-up, first read of the {} blocks (connect, discovery, cold peer cache): {:.3} s",
        last - first + 1,
        took.as_secs_f64()
    );

    // Read them back, three ways.
    let n = a.count;
    for kind in [BlockKind::Full, BlockKind::Filtered] {
        let stream = contract
            .chaincode_events()
            .event_name(&name)
            .kind(kind)
            .start(StartAt::Block(first))
            .await
            .map_err(|e| e.to_string())?;
        let mut seen = 0usize;
        let (took, cpu) = drain(stream, |_| {
            seen += 1;
            seen == n
        })
        .await?;
        println!(
            "chaincode events from {:?} blocks: {n} events in {:.3} s = {:.0} events/s; client CPU {:.1} µs/event",
            kind,
            took.as_secs_f64(),
            n as f64 / took.as_secs_f64(),
            cpu as f64 / 1000.0 / n as f64
        );
    }
    let stream = network
        .block_events()
        .start(StartAt::Block(first))
        .await
        .map_err(|e| e.to_string())?;
    let (took, cpu) = drain(stream, |b| b.block_number >= last).await?;
    let count = last - first + 1;
    println!(
        "full blocks: {count} blocks in {:.3} s = {:.0} blocks/s ({:.0} tx/s); client CPU {:.1} µs/tx",
        took.as_secs_f64(),
        count as f64 / took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        cpu as f64 / 1000.0 / n as f64
    );
    Ok(())
}
