//! The commands that talk to a network: `invoke`, `query`, `blocks`, `tx`, `events`. Each is
//! driven by a connection profile and a user the profile names.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fabweave::config::{LoadOptions, Profile};
use fabweave::events::{BlockKind, Checkpointer, FileCheckpointer, StartAt};
use fabweave::flow::{Client, Mode, Network};
use fabweave::ledger::{decode_block, Data};
use futures_util::StreamExt;

use crate::render;

const CONNECTION_OPTIONS: &str = "connection options (every command):
  --profile FILE          the connection profile (or FABWEAVE_PROFILE)
  --user NAME             the user whose identity the profile names (or FABWEAVE_USER)
  --passphrase-env VAR    the identity key's passphrase, read from environment variable VAR
  --channel NAME          the channel (default: the profile's only channel)
  --mode MODE             auto (default), gateway or client
  --map-host FROM=TO      dial FROM (host, host:port or *.suffix) at TO, keeping TLS names
  --as-localhost          dial every host name as localhost
  --json                  print JSON instead of text";

fn usage(command: &str) -> String {
    let specific = match command {
        "invoke" => {
            "usage: fabweave invoke CHAINCODE FUNCTION [ARG...] [options]

Submits a transaction (endorse, order, commit) and prints its id, block and result.
  --transient KEY=VALUE   transient data (repeatable; never written to the ledger)
  --endorsing-org MSPID   endorse on this organization's peers (repeatable)"
        }
        "query" => {
            "usage: fabweave query CHAINCODE FUNCTION [ARG...] [options]

Evaluates a function on one peer (own organization first) and prints the result.
  --transient KEY=VALUE   transient data (repeatable)"
        }
        "blocks" => {
            "usage: fabweave blocks [--from N] [--to M | --follow] [options]

Prints blocks N..M (default: from 0 to the newest), or from N on as they are committed.
A live counter on standard error shows the progress while catching up."
        }
        "tx" => {
            "usage: fabweave tx TXID [options]

Prints one transaction, decoded: its block, validation code, creator, chaincode call and
read/write set."
        }
        _ => {
            "usage: fabweave events CHAINCODE [--event NAME] [--from N] [--checkpoint FILE] [--count K] [options]

Follows a chaincode's events (Ctrl-C stops). --checkpoint FILE records each event printed, and a
later run with the same file goes on after the last one (each event once); --from N is where a
new file starts. --count K stops after K events. Default start: the newest block."
        }
    };
    format!("{specific}\n\n{CONNECTION_OPTIONS}")
}

/// The parsed command line of a network command.
#[derive(Default)]
struct Args {
    positional: Vec<String>,
    profile: Option<String>,
    user: Option<String>,
    passphrase: Option<String>,
    channel: Option<String>,
    mode: Mode,
    opts: LoadOptions,
    json: bool,
    transient: Vec<(String, Vec<u8>)>,
    endorsing_orgs: Vec<String>,
    from: Option<u64>,
    to: Option<u64>,
    follow: bool,
    event: Option<String>,
    checkpoint: Option<String>,
    count: Option<u64>,
}

fn parse(args: Vec<String>) -> Result<Args, String> {
    let mut out = Args::default();
    let mut it = args.into_iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{name} takes a number, not `{v}`"))
        };
        match arg.as_str() {
            "-h" | "--help" => return Err("help".into()),
            "--profile" => out.profile = Some(value("--profile")?),
            "--user" => out.user = Some(value("--user")?),
            "--passphrase-env" => {
                let var = value("--passphrase-env")?;
                out.passphrase = Some(
                    std::env::var(&var)
                        .map_err(|_| format!("environment variable {var} is not set"))?,
                );
            }
            "--channel" => out.channel = Some(value("--channel")?),
            "--mode" => {
                out.mode = match value("--mode")?.as_str() {
                    "auto" => Mode::Auto,
                    "gateway" => Mode::Gateway,
                    "client" => Mode::Client,
                    other => {
                        return Err(format!(
                            "--mode takes auto, gateway or client, not `{other}`"
                        ))
                    }
                }
            }
            "--map-host" => {
                let v = value("--map-host")?;
                let (from, to) = v.split_once('=').ok_or("--map-host takes FROM=TO")?;
                out.opts = std::mem::take(&mut out.opts).map_host(from, to);
            }
            "--as-localhost" => out.opts = std::mem::take(&mut out.opts).as_localhost(true),
            "--json" => out.json = true,
            "--transient" => {
                let v = value("--transient")?;
                let (k, val) = v.split_once('=').ok_or("--transient takes KEY=VALUE")?;
                out.transient.push((k.to_owned(), val.as_bytes().to_vec()));
            }
            "--endorsing-org" => out.endorsing_orgs.push(value("--endorsing-org")?),
            "--from" => out.from = Some(number("--from", value("--from")?)?),
            "--to" => out.to = Some(number("--to", value("--to")?)?),
            "--count" => out.count = Some(number("--count", value("--count")?)?),
            "--follow" => out.follow = true,
            "--event" => out.event = Some(value("--event")?),
            "--checkpoint" => out.checkpoint = Some(value("--checkpoint")?),
            other if other.starts_with("--") => return Err(format!("unknown option {other}")),
            _ => out.positional.push(arg),
        }
    }
    if out.profile.is_none() {
        out.profile = std::env::var("FABWEAVE_PROFILE").ok();
    }
    if out.user.is_none() {
        out.user = std::env::var("FABWEAVE_USER").ok();
    }
    Ok(out)
}

/// Runs a network command; exit status 0 on success, 1 when the network said no, 2 for a usage
/// error.
pub(crate) fn run(command: &str, args: Vec<String>) -> ExitCode {
    let args = match parse(args) {
        Ok(a) => a,
        Err(m) if m == "help" => {
            println!("{}", usage(command));
            return ExitCode::SUCCESS;
        }
        Err(m) => {
            eprintln!("fabweave {command}: {m}\n\n{}", usage(command));
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("fabweave: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(async {
        tokio::select! {
            r = dispatch(command, &args) => r,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    });
    match result {
        Ok(()) | Err(Failure::Closed) => ExitCode::SUCCESS,
        Err(Failure::Usage(m)) => {
            eprintln!("fabweave {command}: {m}\n\n{}", usage(command));
            ExitCode::from(2)
        }
        Err(Failure::Sdk(e)) => {
            eprintln!("fabweave {command}: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Missing(m)) => {
            eprintln!("fabweave {command}: {m}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Usage(String),
    Sdk(fabweave::Error),
    /// Standard output was closed (e.g. piped into `head`): stop quietly.
    Closed,
    /// The network answered, but not with what was asked for (e.g. no such transaction).
    Missing(String),
}

/// Writes `text` to standard output; a closed pipe ends the command quietly.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|_| Failure::Closed)
}

/// [`emit`] with a newline.
fn emitln(text: &str) -> Result<(), Failure> {
    emit(&format!("{text}\n"))
}

impl From<fabweave::Error> for Failure {
    fn from(e: fabweave::Error) -> Failure {
        Failure::Sdk(e)
    }
}

async fn dispatch(command: &str, args: &Args) -> Result<(), Failure> {
    let positional = |i: usize, what: &str| {
        args.positional
            .get(i)
            .cloned()
            .ok_or_else(|| Failure::Usage(format!("missing {what}")))
    };
    // Check the arguments before connecting.
    match command {
        "invoke" | "query" => {
            positional(1, "FUNCTION")?;
        }
        "tx" => {
            positional(0, "TXID")?;
        }
        "events" => {
            positional(0, "CHAINCODE")?;
        }
        _ => {
            if args.follow && args.to.is_some() {
                return Err(Failure::Usage("give --to or --follow, not both".into()));
            }
        }
    }
    let (client, channel) = connect(args).await?;
    let network = client.network(channel);
    match command {
        "invoke" => invoke(&network, args).await,
        "query" => query(&network, args).await,
        "tx" => tx(&network, &positional(0, "TXID")?, args.json).await,
        "blocks" => blocks(&network, args).await,
        _ => events(&network, &positional(0, "CHAINCODE")?, args).await,
    }
}

async fn connect(args: &Args) -> Result<(Client, String), Failure> {
    let path = args
        .profile
        .as_deref()
        .ok_or_else(|| Failure::Usage("missing --profile FILE (or FABWEAVE_PROFILE)".into()))?;
    let user = args
        .user
        .as_deref()
        .ok_or_else(|| Failure::Usage("missing --user NAME (or FABWEAVE_USER)".into()))?;
    let profile = Profile::load_with(path, &args.opts)?;
    let channel = match &args.channel {
        Some(c) => c.clone(),
        None => match profile.channels.as_slice() {
            [only] => only.name.clone(),
            [] => {
                return Err(Failure::Usage(
                    "the profile names no channel: give --channel NAME".into(),
                ))
            }
            many => {
                let names: Vec<&str> = many.iter().map(|c| c.name.as_str()).collect();
                return Err(Failure::Usage(format!(
                    "the profile names several channels ({}): give --channel NAME",
                    names.join(", ")
                )));
            }
        },
    };
    let mut builder = Client::builder(profile).user(user).mode(args.mode);
    if let Some(p) = &args.passphrase {
        builder = builder.passphrase(p);
    }
    Ok((builder.connect().await?, channel))
}

async fn invoke(network: &Network, args: &Args) -> Result<(), Failure> {
    let contract = network.contract(&args.positional[0]);
    let mut submit = contract
        .submit(&args.positional[1])
        .args(args.positional[2..].iter());
    for (k, v) in &args.transient {
        submit = submit.transient(k, v.clone());
    }
    if !args.endorsing_orgs.is_empty() {
        submit = submit.endorsing_orgs(args.endorsing_orgs.iter());
    }
    let done = submit.await?;
    if args.json {
        let value = serde_json::json!({
            "tx_id": done.tx_id(),
            "block": done.block_number(),
            "via": format!("{:?}", done.via()).to_lowercase(),
            "attempts": done.attempts().len(),
            "payload": Data::new(done.payload()),
        });
        emitln(&value.to_string())?;
    } else {
        emitln(&format!(
            "{} committed in block {} ({} attempt{}, via {:?})",
            done.tx_id(),
            done.block_number(),
            done.attempts().len(),
            if done.attempts().len() == 1 { "" } else { "s" },
            done.via()
        ))?;
        if !done.payload().is_empty() {
            emitln(&render::data(&Data::new(done.payload())))?;
        }
    }
    Ok(())
}

async fn query(network: &Network, args: &Args) -> Result<(), Failure> {
    let contract = network.contract(&args.positional[0]);
    let mut evaluate = contract
        .evaluate(&args.positional[1])
        .args(args.positional[2..].iter());
    for (k, v) in &args.transient {
        evaluate = evaluate.transient(k, v.clone());
    }
    let payload = evaluate.await?;
    if args.json {
        emitln(&serde_json::json!({ "payload": Data::new(&payload) }).to_string())?;
    } else {
        emitln(&render::data(&Data::new(&payload)))?;
    }
    Ok(())
}

async fn tx(network: &Network, tx_id: &str, json: bool) -> Result<(), Failure> {
    let ledger = network.ledger();
    let block = ledger.block_by_tx_id(tx_id).await?.ok_or_else(|| {
        Failure::Missing(format!(
            "no transaction {tx_id} on channel {}",
            network.name()
        ))
    })?;
    let decoded = decode_block(&block)?;
    let tx = decoded.transaction(tx_id).ok_or_else(|| {
        Failure::Missing(format!(
            "block {} does not hold transaction {tx_id}",
            decoded.number
        ))
    })?;
    if json {
        let mut value = serde_json::json!({ "block": decoded.number });
        if let (Some(map), Ok(serde_json::Value::Object(t))) = (
            value.as_object_mut(),
            serde_json::from_str::<serde_json::Value>(&tx.to_json()),
        ) {
            map.extend(t);
        }
        emitln(&value.to_string())?;
    } else {
        emitln(&format!("block {}", decoded.number))?;
        emit(&render::transaction(tx))?;
    }
    Ok(())
}

/// A counter on standard error, redrawn at most ten times a second, when it is a terminal.
struct Progress {
    on: bool,
    started: Instant,
    drawn: Instant,
    label: &'static str,
}

impl Progress {
    fn new(label: &'static str) -> Progress {
        Progress {
            on: std::io::stderr().is_terminal(),
            started: Instant::now(),
            drawn: Instant::now() - Duration::from_secs(1),
            label,
        }
    }

    fn show(&mut self, done: u64, total: Option<u64>, at: u64) {
        if !self.on || self.drawn.elapsed() < Duration::from_millis(100) {
            return;
        }
        self.drawn = Instant::now();
        let rate = done as f64 / self.started.elapsed().as_secs_f64().max(0.001);
        let of = total.map(|t| format!("/{t}")).unwrap_or_default();
        let mut err = std::io::stderr();
        let _ = write!(
            err,
            "\r{} {done}{of} (block {at}, {rate:.0}/s)   ",
            self.label
        );
        let _ = err.flush();
    }

    fn finish(&self) {
        if self.on {
            let _ = write!(std::io::stderr(), "\r\x1b[K");
        }
    }
}

async fn blocks(network: &Network, args: &Args) -> Result<(), Failure> {
    let from = args.from.unwrap_or(0);
    let to = if args.follow {
        None
    } else {
        let height = network.ledger().chain_info().await?.height;
        match args.to {
            Some(to) => Some(to),
            None if height == 0 => return Ok(()),
            None => Some(height - 1),
        }
    };
    if to.is_some_and(|to| to < from) {
        return Ok(());
    }
    let mut stream = network
        .block_events()
        .kind(BlockKind::Full)
        .start(StartAt::Block(from))
        .open()
        .await?;
    let total = to.map(|to| to - from + 1);
    let mut progress = Progress::new("blocks");
    let mut done = 0u64;
    while let Some(event) = stream.next().await {
        let event = event?;
        let Some(block) = event.block() else { continue };
        let decoded = decode_block(block)?;
        progress.finish();
        if args.json {
            emitln(&decoded.to_json())?;
        } else {
            emit(&render::block(&decoded))?;
        }
        done += 1;
        progress.show(done, total, event.block_number);
        if to.is_some_and(|to| event.block_number >= to) {
            break;
        }
    }
    progress.finish();
    Ok(())
}

async fn events(network: &Network, chaincode: &str, args: &Args) -> Result<(), Failure> {
    let mut builder = network.contract(chaincode).chaincode_events();
    if let Some(name) = &args.event {
        builder = builder.event_name(name);
    }
    let checkpointer: Option<Arc<dyn Checkpointer>> = match &args.checkpoint {
        Some(path) => Some(Arc::new(FileCheckpointer::open(path)?)),
        None => None,
    };
    // A checkpoint in the file wins over --from, which is where a new file starts.
    if let Some(cp) = &checkpointer {
        builder = builder.checkpointer(cp.clone());
    }
    if let Some(from) = args.from {
        builder = builder.start(StartAt::Block(from));
    }
    let mut stream = builder.open().await?;
    let mut progress = Progress::new("events");
    let mut seen = 0u64;
    while let Some(event) = stream.next().await {
        let event = event?;
        progress.finish();
        if args.json {
            let value = serde_json::json!({
                "block": event.block_number,
                "tx_index": event.tx_index,
                "tx_id": event.tx_id,
                "chaincode": event.chaincode_id,
                "name": event.event_name,
                "payload": Data::new(&event.payload),
            });
            emitln(&value.to_string())?;
        } else {
            emitln(&format!(
                "block {} tx {} {}  {}  {}",
                event.block_number,
                event.tx_index,
                event.tx_id,
                event.event_name,
                render::data(&Data::new(&event.payload))
            ))?;
        }
        // Recorded once printed: a restart with the same file goes on after it.
        stream.ack(&event)?;
        seen += 1;
        progress.show(seen, args.count, event.block_number);
        if args.count.is_some_and(|k| seen >= k) {
            break;
        }
    }
    progress.finish();
    Ok(())
}
