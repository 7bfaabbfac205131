//! Text renderings of decoded blocks and transactions for people (the JSON rendering is the
//! SDK's `to_json`).

use std::fmt::Write;

use fabweave::ledger::{Data, DecodedBlock, DecodedTransaction, KeyVersion, NsRwSet};

/// Bytes as text: quoted when they are readable UTF-8, else `hex:` (the first 48 bytes, then
/// the length) — binary values such as the lifecycle's protobufs stay one short line.
pub(crate) fn data(d: &Data) -> String {
    if let Some(text) = d.as_str() {
        if !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return format!("{text:?}");
        }
    }
    let bytes = d.to_bytes();
    let shown: String = bytes.iter().take(48).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > 48 {
        format!("hex:{shown}… ({} bytes)", bytes.len())
    } else {
        format!("hex:{shown}")
    }
}

fn short(hash: &str) -> &str {
    hash.get(..16).unwrap_or(hash)
}

fn version(v: &Option<KeyVersion>) -> String {
    v.map_or("(absent)".to_owned(), |v| format!("@{}:{}", v.block, v.tx))
}

/// A block: its header line, then each transaction.
pub(crate) fn block(b: &DecodedBlock) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "block {}  {} transaction{}  data hash {}  previous {}",
        b.number,
        b.transactions.len(),
        if b.transactions.len() == 1 { "" } else { "s" },
        short(&b.data_hash),
        short(&b.previous_hash)
    );
    for tx in &b.transactions {
        out.push_str(&transaction(tx));
    }
    out
}

/// A transaction: id, type, validation, creator, then each chaincode action.
pub(crate) fn transaction(tx: &DecodedTransaction) -> String {
    let mut out = String::new();
    let code = tx
        .validation_code_name
        .clone()
        .or_else(|| tx.validation_code.map(|c| c.to_string()))
        .unwrap_or_else(|| "?".into());
    let creator = tx.creator.as_ref().map_or(String::new(), |c| {
        format!(
            "  {}{}",
            c.msp_id,
            c.subject
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        )
    });
    let _ = writeln!(
        out,
        "  tx {}  {}  {}  {}  {}{}",
        tx.index,
        if tx.tx_id.is_empty() { "-" } else { &tx.tx_id },
        tx.header_type,
        code,
        tx.timestamp.as_deref().unwrap_or("-"),
        creator
    );
    if let Some(why) = &tx.malformed {
        let _ = writeln!(out, "      malformed: {why}");
    }
    if let Some(cfg) = &tx.config {
        let _ = writeln!(
            out,
            "      config sequence {}: application orgs [{}], orderer orgs [{}]",
            cfg.sequence,
            cfg.application_orgs.join(", "),
            cfg.orderer_orgs.join(", ")
        );
    }
    for a in &tx.actions {
        let args: Vec<String> = a.args.iter().map(data).collect();
        let function = a
            .function
            .as_ref()
            .map(|f| f.as_str().map_or_else(|| data(f), str::to_owned))
            .unwrap_or_default();
        let response = a.response.as_ref().map_or(String::new(), |r| {
            let payload = if r.payload.value.is_empty() {
                String::new()
            } else {
                format!(" {}", data(&r.payload))
            };
            let message = if r.message.is_empty() {
                String::new()
            } else {
                format!(" {:?}", r.message)
            };
            format!("  → {}{message}{payload}", r.status)
        });
        let _ = writeln!(
            out,
            "      {} {}({}){}",
            a.chaincode,
            function,
            args.join(", "),
            response
        );
        for ns in &a.rwsets {
            rwset(&mut out, ns);
        }
        if let Some(e) = &a.event {
            let _ = writeln!(
                out,
                "      event {} from {}: {}",
                e.name,
                e.chaincode_id,
                data(&e.payload)
            );
        }
        if !a.endorsers.is_empty() {
            let names: Vec<String> = a
                .endorsers
                .iter()
                .map(|c| match &c.subject {
                    Some(s) => format!("{} ({s})", c.msp_id),
                    None => c.msp_id.clone(),
                })
                .collect();
            let _ = writeln!(out, "      endorsed by {}", names.join(", "));
        }
    }
    out
}

fn rwset(out: &mut String, ns: &NsRwSet) {
    for r in &ns.reads {
        let _ = writeln!(
            out,
            "      read  {}/{} {}",
            ns.namespace,
            r.key,
            version(&r.version)
        );
    }
    for q in &ns.range_queries {
        let _ = writeln!(
            out,
            "      range {}/[{}, {}) {} read{}{}",
            ns.namespace,
            q.start_key,
            q.end_key,
            q.reads.len(),
            if q.reads.len() == 1 { "" } else { "s" },
            if q.exhausted { ", exhausted" } else { "" }
        );
    }
    for w in &ns.writes {
        if w.is_delete {
            let _ = writeln!(out, "      del   {}/{}", ns.namespace, w.key);
        } else {
            let value = w.value.as_ref().map(data).unwrap_or_default();
            let _ = writeln!(out, "      write {}/{} = {value}", ns.namespace, w.key);
        }
    }
    for c in &ns.collections {
        let _ = writeln!(
            out,
            "      private {}/{}: {} hashed read{}, {} hashed write{}",
            ns.namespace,
            c.collection,
            c.hashed_reads.len(),
            if c.hashed_reads.len() == 1 { "" } else { "s" },
            c.hashed_writes.len(),
            if c.hashed_writes.len() == 1 { "" } else { "s" }
        );
    }
}
