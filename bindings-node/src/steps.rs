//! The step-by-step submit, for signing elsewhere (offline, an HSM, another process):
//! `newProposal` builds a `Proposal`; each step hands out the exact bytes to sign and takes the
//! signature for them. sdk-core's steps consume themselves, so each native step holds its value
//! in a `Mutex<Option<..>>` and runs once (`steps.js` says so with a `FabweaveError` before
//! calling here).

use std::sync::{Arc, Mutex};

use fabweave::flow;
use napi::bindgen_prelude::{Buffer, Uint8Array};
use napi_derive::napi;

use crate::client::{via_name, Client, Committed, ContractOptions, Endorser, SubmitOptions};
use crate::error;

/// The client's slot: `None` once closed.
type Handle = Arc<Mutex<Option<flow::Client>>>;

/// Fails with `FABWEAVE_CLOSED` once the client is closed.
fn ensure_open(client: &Handle) -> napi::Result<()> {
    let guard = client.lock().unwrap_or_else(|e| e.into_inner());
    guard.as_ref().map(drop).ok_or_else(error::closed)
}

/// Takes the step's sdk-core value out of `slot` (`steps.js` refuses a second use first).
fn take<T>(slot: &Mutex<Option<T>>, what: &str) -> napi::Result<T> {
    slot.lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
        .ok_or_else(|| napi::Error::from_reason(format!("this {what} was already used")))
}

/// Builds (no network) the proposal of `function(...args)` on chaincode `contract` of
/// `channel`, for the caller to sign.
#[napi]
pub fn new_proposal(
    client: &Client,
    channel: String,
    contract: String,
    function: String,
    options: Option<SubmitOptions>,
    contract_options: Option<ContractOptions>,
) -> napi::Result<Proposal> {
    let options = options.unwrap_or_default();
    if options.retry.is_some() {
        return Err(error::invalid(
            "newProposal takes no retry option: a signed transaction is sent once",
        ));
    }
    let call = client.submit_call(
        channel,
        contract,
        function,
        options,
        contract_options.as_ref(),
    )?;
    let proposal = call.build().map_err(error::to_js)?;
    Ok(Proposal {
        client: client.inner.clone(),
        tx_id: proposal.tx_id().to_owned(),
        bytes: proposal.bytes().to_vec(),
        inner: Mutex::new(Some(proposal)),
    })
}

/// The proposal of a submit that the caller signs.
#[napi]
pub struct Proposal {
    client: Handle,
    tx_id: String,
    bytes: Vec<u8>,
    inner: Mutex<Option<flow::Proposal>>,
}

#[napi]
impl Proposal {
    /// The transaction id.
    #[napi(getter)]
    pub fn tx_id(&self) -> String {
        self.tx_id.clone()
    }

    /// The bytes to sign (the serialized proposal).
    #[napi(getter)]
    pub fn bytes(&self) -> Buffer {
        self.bytes.clone().into()
    }

    /// Evaluates the signed proposal on one peer; resolves to the chaincode's payload.
    #[napi]
    pub async fn evaluate(&self, signature: Uint8Array) -> napi::Result<Buffer> {
        ensure_open(&self.client)?;
        let proposal = take(&self.inner, "Proposal")?;
        proposal
            .evaluate(signature.to_vec())
            .await
            .map(Buffer::from)
            .map_err(error::to_js)
    }

    /// Sends the signed proposal for endorsement; resolves to the `Transaction` to sign.
    #[napi]
    pub async fn endorse(&self, signature: Uint8Array) -> napi::Result<Transaction> {
        ensure_open(&self.client)?;
        let proposal = take(&self.inner, "Proposal")?;
        let tx = proposal
            .endorse(signature.to_vec())
            .await
            .map_err(error::to_js)?;
        Ok(Transaction {
            client: self.client.clone(),
            tx_id: tx.tx_id().to_owned(),
            bytes: tx.bytes().to_vec(),
            result: tx.result().to_vec(),
            via: via_name(tx.via()),
            inner: Mutex::new(Some(tx)),
        })
    }
}

/// An endorsed transaction that the caller signs before it is submitted.
#[napi]
pub struct Transaction {
    client: Handle,
    tx_id: String,
    bytes: Vec<u8>,
    result: Vec<u8>,
    via: &'static str,
    inner: Mutex<Option<flow::Transaction>>,
}

#[napi]
impl Transaction {
    /// The transaction id.
    #[napi(getter)]
    pub fn tx_id(&self) -> String {
        self.tx_id.clone()
    }

    /// The bytes to sign (the transaction's serialized payload).
    #[napi(getter)]
    pub fn bytes(&self) -> Buffer {
        self.bytes.clone().into()
    }

    /// The chaincode's response payload, as endorsed.
    #[napi(getter)]
    pub fn result(&self) -> Buffer {
        self.result.clone().into()
    }

    /// `gateway` or `client`: which flow endorsed the transaction and will submit it.
    #[napi(getter)]
    pub fn via(&self) -> String {
        self.via.to_owned()
    }

    /// Sends the signed transaction to the orderer, listening for its commit from before;
    /// resolves to `Submitted`.
    #[napi]
    pub async fn submit(&self, signature: Uint8Array) -> napi::Result<Submitted> {
        ensure_open(&self.client)?;
        let tx = take(&self.inner, "Transaction")?;
        let submitted = tx.submit(signature.to_vec()).await.map_err(error::to_js)?;
        Ok(Submitted {
            client: self.client.clone(),
            tx_id: submitted.tx_id().to_owned(),
            result: submitted.result().to_vec(),
            endorsers: submitted.endorsers().to_vec(),
            via: via_name(submitted.via()),
            inner: Mutex::new(Some(submitted)),
        })
    }
}

/// A transaction the orderer accepted; `status()` waits for its commit.
#[napi]
pub struct Submitted {
    client: Handle,
    tx_id: String,
    result: Vec<u8>,
    endorsers: Vec<flow::Endorser>,
    via: &'static str,
    inner: Mutex<Option<flow::Submitted>>,
}

#[napi]
impl Submitted {
    /// The transaction id.
    #[napi(getter)]
    pub fn tx_id(&self) -> String {
        self.tx_id.clone()
    }

    /// The chaincode's response payload, as endorsed.
    #[napi(getter)]
    pub fn result(&self) -> Buffer {
        self.result.clone().into()
    }

    /// The peers whose endorsements the transaction carries.
    #[napi(getter)]
    pub fn endorsers(&self) -> Vec<Endorser> {
        self.endorsers.iter().map(Endorser::from).collect()
    }

    /// `gateway` or `client`: which flow submitted the transaction and reports its commit.
    #[napi(getter)]
    pub fn via(&self) -> String {
        self.via.to_owned()
    }

    /// Waits for the commit as the commit strategy says; resolves to what `submit` resolves
    /// to.
    #[napi]
    pub async fn status(&self) -> napi::Result<Committed> {
        ensure_open(&self.client)?;
        let submitted = take(&self.inner, "Submitted")?;
        submitted
            .status()
            .await
            .map(Committed::from)
            .map_err(error::to_js)
    }
}
