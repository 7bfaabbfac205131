//! What a simulation touched: the public keys a transaction read (at which versions) and
//! wrote, from the read/write set of its endorsement.

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::kvrwset::KvrwSet;
use crate::proto::rwset::TxReadWriteSet;

/// A key read during simulation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyRead {
    /// The chaincode namespace.
    pub namespace: String,
    /// The key.
    pub key: String,
    /// The version read, `(block, transaction)`; `None` when the key did not exist.
    pub version: Option<(u64, u64)>,
}

/// The public keys one simulation read and wrote.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyAccess {
    /// Keys read, with their versions.
    pub reads: Vec<KeyRead>,
    /// Keys written or deleted, as `(namespace, key)`.
    pub writes: Vec<(String, String)>,
    /// How many range queries were run (their keys are not listed).
    pub range_queries: usize,
}

impl KeyAccess {
    /// Reads the `results` of a `ChaincodeAction` (a marshaled `TxReadWriteSet`).
    pub fn from_results(results: &[u8]) -> Result<KeyAccess> {
        let bad = |what: &str, e: prost::DecodeError| Error::Protocol {
            endpoint: "endorsement".into(),
            message: format!("the read/write set's {what} does not decode: {e}"),
        };
        let tx = TxReadWriteSet::decode(results).map_err(|e| bad("TxReadWriteSet", e))?;
        let mut access = KeyAccess::default();
        for ns in tx.ns_rwset {
            let kv = KvrwSet::decode(ns.rwset.as_slice()).map_err(|e| bad("KVRWSet", e))?;
            for r in kv.reads {
                access.reads.push(KeyRead {
                    namespace: ns.namespace.clone(),
                    key: r.key,
                    version: r.version.map(|v| (v.block_num, v.tx_num)),
                });
            }
            for w in kv.writes {
                access.writes.push((ns.namespace.clone(), w.key));
            }
            access.range_queries += kv.range_queries_info.len();
        }
        Ok(access)
    }

    /// Whether a later simulation (`newer`) read some key this one read at a strictly newer
    /// committed version. A transaction with this read set can then never be committed as
    /// valid: the committing peers would find a read conflict. (A different but older version,
    /// or a key missing in `newer`, proves nothing: the later simulation may have run on a peer
    /// that lags behind.)
    pub fn outdated_by(&self, newer: &KeyAccess) -> bool {
        self.reads.iter().any(|old| {
            newer.reads.iter().any(|new| {
                new.namespace == old.namespace
                    && new.key == old.key
                    && new.version.is_some()
                    && new.version > old.version
            })
        })
    }

    /// The application keys (namespaces not starting with `_`, so not `_lifecycle`) read or
    /// written, as `(namespace, key, written)`, sorted, each key once.
    pub fn application_keys(&self) -> Vec<(String, String, bool)> {
        let mut keys: Vec<(String, String, bool)> = Vec::new();
        let mut add = |ns: &str, key: &str, written: bool| {
            if ns.starts_with('_') {
                return;
            }
            match keys.iter_mut().find(|(n, k, _)| n == ns && k == key) {
                Some(entry) => entry.2 |= written,
                None => keys.push((ns.to_owned(), key.to_owned(), written)),
            }
        };
        for r in &self.reads {
            add(&r.namespace, &r.key, false);
        }
        for (ns, key) in &self.writes {
            add(ns, key, true);
        }
        keys.sort();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::kvrwset::{KvRead, KvWrite, Version};
    use crate::proto::rwset::NsReadWriteSet;

    fn results(version: u64) -> Vec<u8> {
        let kv = KvrwSet {
            reads: vec![KvRead {
                key: "k".into(),
                version: Some(Version {
                    block_num: version,
                    tx_num: 0,
                }),
            }],
            writes: vec![KvWrite {
                key: "k".into(),
                value: b"1".to_vec(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let lifecycle = KvrwSet {
            reads: vec![KvRead {
                key: "namespaces/fields/kv/Sequence".into(),
                version: Some(Version {
                    block_num: 3,
                    tx_num: 0,
                }),
            }],
            ..Default::default()
        };
        TxReadWriteSet {
            data_model: 0,
            ns_rwset: vec![
                NsReadWriteSet {
                    namespace: "_lifecycle".into(),
                    rwset: lifecycle.encode_to_vec(),
                    ..Default::default()
                },
                NsReadWriteSet {
                    namespace: "kv".into(),
                    rwset: kv.encode_to_vec(),
                    ..Default::default()
                },
            ],
        }
        .encode_to_vec()
    }

    #[test]
    fn reads_writes_and_outdating() {
        let a = KeyAccess::from_results(&results(5)).unwrap_or_default();
        assert_eq!(a.reads.len(), 2);
        assert_eq!(a.writes, [("kv".to_owned(), "k".to_owned())]);
        assert_eq!(a.application_keys(), [("kv".into(), "k".into(), true)]);
        let same = KeyAccess::from_results(&results(5)).unwrap_or_default();
        let newer = KeyAccess::from_results(&results(6)).unwrap_or_default();
        assert!(!a.outdated_by(&same));
        assert!(a.outdated_by(&newer));
        let older = KeyAccess::from_results(&results(4)).unwrap_or_default();
        assert!(!a.outdated_by(&older), "a lagging peer proves nothing");
        assert!(KeyAccess::from_results(&[0xff]).is_err());
        assert_eq!(
            KeyAccess::from_results(&[]).unwrap_or_default(),
            KeyAccess::default()
        );
    }
}
