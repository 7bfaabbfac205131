//! `fabweave profile check FILE`: loads a connection profile the way the SDK does, prints the
//! normalized model and every problem found, and exits 0 only when nothing blocks a connection.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use fabweave::config::{LoadOptions, Profile, ProfileFormat, Severity};

pub(crate) const USAGE: &str = "usage: fabweave profile check FILE [options]

Loads a connection profile (fabric-sdk-go config.yaml, or a common connection profile in
JSON or YAML), prints what fabweave understood, and lists every problem. Exit status 0 when
nothing blocks a connection, 1 when something does, 2 for a usage error.

options:
  --user NAME              also load this user's identity from the profile (cryptoPath or users)
  --passphrase-env VAR     the identity's key passphrase, read from environment variable VAR
  --map-host FROM=TO       dial FROM (host, host:port or *.suffix) at TO, keeping TLS names
  --as-localhost           dial every host name as localhost
  --base-dir DIR           also look for missing absolute paths under DIR";

struct Args {
    file: PathBuf,
    user: Option<String>,
    passphrase: Option<String>,
    opts: LoadOptions,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<Args, String> {
    let args: Vec<String> = args.collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        return Err("help".into());
    }
    let mut args = args.into_iter();
    match (args.next().as_deref(), args.next().as_deref()) {
        (Some("profile"), Some("check")) => {}
        _ => return Err("expected `profile check`".into()),
    }
    let mut file = None;
    let mut user = None;
    let mut passphrase = None;
    let mut opts = LoadOptions::default();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        match arg.as_str() {
            "--user" => user = Some(value("--user")?),
            "--passphrase-env" => {
                let var = value("--passphrase-env")?;
                passphrase = Some(
                    std::env::var(&var)
                        .map_err(|_| format!("environment variable {var} is not set"))?,
                );
            }
            "--map-host" => {
                let v = value("--map-host")?;
                let (from, to) = v.split_once('=').ok_or("--map-host takes FROM=TO")?;
                opts = opts.map_host(from, to);
            }
            "--as-localhost" => opts = opts.as_localhost(true),
            "--base-dir" => opts = opts.with_base_dir(value("--base-dir")?),
            other if other.starts_with('-') => return Err(format!("unknown option {other}")),
            other if file.is_none() => file = Some(PathBuf::from(other)),
            other => return Err(format!("unexpected argument {other}")),
        }
    }
    Ok(Args {
        file: file.ok_or("missing FILE")?,
        user,
        passphrase,
        opts,
    })
}

/// Runs `fabweave profile check` with the arguments after the program name.
pub(crate) fn run(args: Vec<String>) -> ExitCode {
    let args = match parse_args(args.into_iter()) {
        Ok(a) => a,
        Err(msg) if msg == "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("fabweave: {msg}");
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let profile = match Profile::inspect(&args.file, &args.opts) {
        Ok(p) => p,
        Err(e) => {
            println!("error: {e}");
            println!("\nresult: BLOCKED — the profile could not be read");
            return ExitCode::from(1);
        }
    };
    print_model(&profile);

    let mut identity_errors = Vec::new();
    if let Some(user) = &args.user {
        let pass = args.passphrase.as_deref().map(str::as_bytes);
        match profile.identity(user, pass) {
            Ok(id) => {
                println!("\nidentity {user}: {id:?}");
                if let Err(e) = id.check_validity(SystemTime::now()) {
                    identity_errors.push(e.to_string());
                }
            }
            Err(e) => identity_errors.push(e.to_string()),
        }
    }

    let errors = profile
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
        + identity_errors.len();
    let warnings = profile.diagnostics.len() - (errors - identity_errors.len());
    if !profile.diagnostics.is_empty() || !identity_errors.is_empty() {
        println!("\nproblems:");
        for e in &identity_errors {
            println!("  error: {e}");
        }
        let mut diags: Vec<_> = profile.diagnostics.iter().collect();
        diags.sort_by_key(|d| std::cmp::Reverse(d.severity));
        for d in diags {
            let label = if d.severity == Severity::Error {
                "error"
            } else {
                "warning"
            };
            println!("  {label}: {}", d.error);
        }
    }
    if errors > 0 {
        println!("\nresult: BLOCKED — {errors} error(s), {warnings} warning(s)");
        ExitCode::from(1)
    } else {
        println!("\nresult: OK — {warnings} warning(s)");
        ExitCode::SUCCESS
    }
}

fn print_model(p: &Profile) {
    let format = match p.format {
        ProfileFormat::SdkGo => "fabric-sdk-go config.yaml",
        ProfileFormat::Ccp => "common connection profile",
        _ => "other",
    };
    if let Some(src) = &p.source {
        println!("profile: {} ({format})", src.display());
    }
    let c = &p.client;
    println!(
        "client: organization {}, crypto {:?}/{:?}-{}, client TLS pair: {}",
        c.organization.as_deref().unwrap_or("(none)"),
        c.crypto.provider,
        c.crypto.hash_family,
        c.crypto.level,
        if c.tls_client.is_some()
            || p.client_organization()
                .is_some_and(|o| o.tls_client.is_some())
        {
            "yes"
        } else {
            "no"
        }
    );
    let t = &c.timeouts;
    println!(
        "timeouts: peer connect {:?}, peer response {:?}, orderer connect {:?}, orderer response {:?}, \
         discovery {:?}, events {:?}, query {:?}, execute {:?}",
        t.peer_connection,
        t.peer_response,
        t.orderer_connection,
        t.orderer_response,
        t.discovery_response,
        t.event_registration,
        t.query,
        t.execute
    );
    println!("organizations:");
    for o in &p.organizations {
        println!(
            "  {} — MSP {}, {} peer(s), CAs [{}]",
            o.name,
            o.msp_id,
            o.peers.len(),
            o.certificate_authorities.join(", ")
        );
        if let Some(cp) = &o.crypto_path {
            println!("      cryptoPath {}", cp.display());
        }
        for u in &o.users {
            println!("      user {}", u.name);
        }
    }
    println!("peers:");
    for peer in &p.peers {
        let e = &peer.endpoint;
        println!(
            "  {} — {} {} (TLS name {}, {} CA cert(s)){}",
            peer.name,
            e.address(),
            if e.tls.enabled { "TLS" } else { "plaintext" },
            e.server_name(),
            e.tls.ca_certs.len(),
            peer.organization
                .as_deref()
                .map(|o| format!(", org {o}"))
                .unwrap_or_default()
        );
    }
    println!("orderers:");
    for o in &p.orderers {
        let e = &o.endpoint;
        println!(
            "  {} — {} {} (TLS name {})",
            o.name,
            e.address(),
            if e.tls.enabled { "TLS" } else { "plaintext" },
            e.server_name()
        );
    }
    println!("certificate authorities:");
    for ca in &p.certificate_authorities {
        println!(
            "  {} — {} caName {}",
            ca.name,
            ca.url,
            ca.ca_name.as_deref().unwrap_or("(default)")
        );
    }
    println!("channels:");
    for ch in &p.channels {
        println!("  {} — orderers [{}]", ch.name, ch.orderers.join(", "));
        for cp in &ch.peers {
            let r = cp.roles;
            let flag = |b: bool, c: char| if b { c } else { '-' };
            println!(
                "      {} [{}{}{}{}{}]",
                cp.name,
                flag(r.endorsing_peer, 'E'),
                flag(r.chaincode_query, 'Q'),
                flag(r.ledger_query, 'L'),
                flag(r.event_source, 'V'),
                flag(r.discover, 'D')
            );
        }
    }
}
