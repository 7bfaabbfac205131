//! `fabweave`: command-line tools over the fabweave SDK.
//!
//! - `fabweave profile check FILE`: what the SDK understands of a connection profile;
//! - `fabweave invoke` / `query`: call a chaincode function;
//! - `fabweave blocks`: print blocks from a number, or follow new ones;
//! - `fabweave tx TXID`: one transaction, decoded;
//! - `fabweave events CHAINCODE`: follow chaincode events, optionally checkpointed to a file.

mod chain;
mod check;
mod render;

use std::process::ExitCode;

const USAGE: &str = "usage: fabweave COMMAND [ARGS] [OPTIONS]

commands:
  profile check FILE            what fabweave understands of a connection profile, and its problems
  invoke CHAINCODE FUNCTION [ARG...]
                                submit a transaction and wait for its commit
  query CHAINCODE FUNCTION [ARG...]
                                evaluate a function on one peer (nothing is written)
  blocks [--from N] [--to M | --follow]
                                print blocks N..M (default: all), or follow new ones
  tx TXID                       print one transaction, decoded, with its block and validation code
  events CHAINCODE [--event NAME] [--from N | --checkpoint FILE] [--count K]
                                follow a chaincode's events

`fabweave COMMAND --help` lists each command's options.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None => {
            eprintln!("fabweave: missing COMMAND\n\n{USAGE}");
            ExitCode::from(2)
        }
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("profile") => check::run(args),
        Some(command @ ("invoke" | "query" | "blocks" | "tx" | "events")) => {
            let command = command.to_owned();
            chain::run(&command, args.into_iter().skip(1).collect())
        }
        Some(other) => {
            eprintln!("fabweave: unknown command `{other}`\n\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
