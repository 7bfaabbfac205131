//! Quick start: load a downloaded profile, submit a transaction, read it back.
//!
//! ```sh
//! tests/network/net up
//! cargo run -p fabweave-examples --bin quickstart            # the local network's BCS-style profile
//! cargo run -p fabweave-examples --bin quickstart -- PROFILE USER CHANNEL CHAINCODE
//! ```

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use fabweave::config::Profile;
use fabweave::flow::Client;

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), fabweave::Error> {
    let mut args = std::env::args().skip(1);
    let default_profile = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../.net/27000/profiles/org1/bcs/org1-user-sdk-config.yaml"
    );
    let profile_path = args.next().unwrap_or_else(|| default_profile.to_owned());
    let user = args.next().unwrap_or_else(|| "User1".to_owned());
    let channel = args.next().unwrap_or_else(|| "mychannel".to_owned());
    let chaincode = args.next().unwrap_or_else(|| "kv".to_owned());

    let profile = Profile::load(&profile_path)?;
    let client = Client::builder(profile).user(&user).connect().await?;
    println!("connected as {} ({})", user, client.identity().msp_id());

    let contract = client.network(&channel).contract(&chaincode);
    let key = format!(
        "quickstart-{}",
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    let done = contract
        .submit("put")
        .args([key.as_str(), "hello, fabric"])
        .await?;
    println!(
        "submitted put({key}): tx {} committed in block {}",
        done.tx_id(),
        done.block_number()
    );

    let value = contract.evaluate("get").arg(&key).await?;
    println!("evaluated get({key}): {}", String::from_utf8_lossy(&value));
    Ok(())
}
