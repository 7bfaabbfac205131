//! `network.ledger()`: a channel's ledger as the peers' qscc and cscc show it (wrapped by
//! `Ledger` in `ledger.js`). Blocks and transactions come back decoded by sdk-core, as plain
//! objects: the JSON rendering of its decoded structures with camelCase keys (the keys are all
//! field names, never data, so renaming them is safe).
//!
//! The ledger keeps the client's shared handle rather than a core client, so that closing the
//! client closes it too (`FABWEAVE_CLOSED`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use fabweave::flow;
use fabweave::ledger::decode_block;
use fabweave::proto::common::Block;
use napi::bindgen_prelude::{Buffer, Uint8Array};
use napi_derive::napi;
use serde_json::Value;

use crate::client::Client;
use crate::{camel_keys, error, opt_seconds};

/// `network.ledger()`'s options.
#[napi(object)]
#[derive(Default)]
pub struct LedgerOptions {
    /// Seconds for each call (the client's evaluate timeout unless given).
    pub timeout: Option<f64>,
    /// Ask only these peers (names or addresses), in this order.
    pub peers: Option<Vec<String>>,
}

/// What qscc `GetChainInfo` says of the channel's ledger on one peer.
#[napi(object)]
pub struct ChainInfo {
    /// The number of blocks (the next block's number).
    pub height: f64,
    /// The header hash of the last block (number `height - 1`), 32 bytes.
    pub current_block_hash: Buffer,
    /// The header hash of the block before it.
    pub previous_block_hash: Buffer,
    /// When the peer joined from a snapshot: the last block the snapshot holds; else null.
    pub bootstrapped_from_snapshot_at: Option<f64>,
}

/// The ledger of one channel (wrapped by `Ledger` in `ledger.js`).
#[napi]
pub struct Ledger {
    client: Arc<Mutex<Option<flow::Client>>>,
    channel: String,
    timeout: Option<Duration>,
    peers: Vec<String>,
}

/// The ledger of channel `channel` seen through `client`.
#[napi]
pub fn ledger(
    client: &Client,
    channel: String,
    options: Option<LedgerOptions>,
) -> napi::Result<Ledger> {
    let o = options.unwrap_or_default();
    let ledger = Ledger {
        client: client.inner.clone(),
        channel,
        timeout: opt_seconds(o.timeout, "timeout")?,
        peers: o.peers.unwrap_or_default(),
    };
    ledger.core()?;
    Ok(ledger)
}

impl Ledger {
    /// The core ledger, or `FABWEAVE_CLOSED` once the client is closed.
    fn core(&self) -> napi::Result<flow::Ledger> {
        let client = self
            .client
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(error::closed)?;
        let mut ledger = client.network(&self.channel).ledger();
        if let Some(t) = self.timeout {
            ledger = ledger.timeout(t);
        }
        if !self.peers.is_empty() {
            ledger = ledger.peers(self.peers.clone());
        }
        Ok(ledger)
    }
}

/// A block decoded as a plain object, or null.
fn decoded(block: Option<Block>) -> napi::Result<Option<Value>> {
    block
        .map(|b| {
            decode_block(&b)
                .map(|d| camel_keys(d.to_json_value()))
                .map_err(error::to_js)
        })
        .transpose()
}

#[napi]
impl Ledger {
    /// The channel.
    #[napi(getter)]
    pub fn channel(&self) -> String {
        self.channel.clone()
    }

    /// The channel's height and the hashes of its last two blocks, as one peer has them.
    #[napi]
    pub async fn chain_info(&self) -> napi::Result<ChainInfo> {
        let info = self.core()?.chain_info().await.map_err(error::to_js)?;
        Ok(ChainInfo {
            height: info.height as f64,
            current_block_hash: info.current_block_hash.into(),
            previous_block_hash: info.previous_block_hash.into(),
            bootstrapped_from_snapshot_at: info.bootstrapped_from_snapshot_at.map(|n| n as f64),
        })
    }

    /// The block with this number, decoded; null when the peer's ledger does not have it.
    /// `ledger.js` has checked that `number` is a non-negative safe integer.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub async fn block_by_number(&self, number: f64) -> napi::Result<Option<Value>> {
        let block = self
            .core()?
            .block_by_number(number as u64)
            .await
            .map_err(error::to_js)?;
        decoded(block)
    }

    /// The block with this header hash, decoded; null when not found.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub async fn block_by_hash(&self, hash: Uint8Array) -> napi::Result<Option<Value>> {
        let hash = hash.to_vec();
        let block = self
            .core()?
            .block_by_hash(&hash)
            .await
            .map_err(error::to_js)?;
        decoded(block)
    }

    /// The block holding transaction `tx_id`, decoded; null when not found.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub async fn block_by_tx_id(&self, tx_id: String) -> napi::Result<Option<Value>> {
        let block = self
            .core()?
            .block_by_tx_id(&tx_id)
            .await
            .map_err(error::to_js)?;
        decoded(block)
    }

    /// Transaction `tx_id` decoded, with its validation code; null when not found.
    #[napi(ts_return_type = "Promise<unknown>")]
    pub async fn transaction(&self, tx_id: String) -> napi::Result<Option<Value>> {
        let Some(tx) = self
            .core()?
            .transaction(&tx_id)
            .await
            .map_err(error::to_js)?
        else {
            return Ok(None);
        };
        let decoded = tx.decode().map_err(error::to_js)?;
        let value = serde_json::to_value(&decoded).map_err(|e| {
            error::to_js(fabweave::Error::Protocol {
                endpoint: String::new(),
                message: format!("cannot render the transaction: {e}"),
            })
        })?;
        Ok(Some(camel_keys(value)))
    }

    /// The channels `peer` (a name or address the channel knows) has joined.
    #[napi]
    pub async fn channels(&self, peer: String) -> napi::Result<Vec<String>> {
        self.core()?.channels_of(&peer).await.map_err(error::to_js)
    }
}
