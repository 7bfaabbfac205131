//! Chaincode events: read out of full or filtered blocks (pure), and the emitter that turns a
//! block stream into a stream of events of one chaincode.

use prost::Message;

use super::checkpoint::{Checkpoint, Positioned};
use super::source::{BlockContent, Emitter};
use crate::proto::common::{Block, ChannelHeader, Envelope, HeaderType, Payload};
use crate::proto::peer::{
    self, filtered_transaction, ChaincodeAction, ChaincodeActionPayload, FilteredBlock,
    ProposalResponsePayload, Transaction,
};

/// The index of the transactions-filter metadata entry (one validation code per transaction).
const TRANSACTIONS_FILTER: usize = 2;
/// The code of a transaction the block's filter says nothing about.
const INVALID_OTHER_REASON: i32 = 255;

/// An event a chaincode emitted (`SetEvent`) in a valid transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChaincodeEvent {
    /// The block of the transaction.
    pub block_number: u64,
    /// The transaction's index within the block.
    pub tx_index: u32,
    /// The transaction id.
    pub tx_id: String,
    /// The chaincode that emitted it.
    pub chaincode_id: String,
    /// The event's name.
    pub event_name: String,
    /// The event's payload (empty when read from filtered blocks, which drop payloads).
    pub payload: Vec<u8>,
}

impl Positioned for ChaincodeEvent {
    fn checkpoint(&self) -> Checkpoint {
        Checkpoint::transaction(self.block_number, self.tx_index, self.tx_id.clone())
    }
}

/// The chaincode events of a full block's valid transactions, in block order.
///
/// A transaction counts as valid when the block's transactions filter (metadata entry 2) says
/// `VALID` for it; a missing or short filter counts as invalid (as the peer Gateway reads it).
/// Entries that do not decode as endorser transactions are skipped.
pub fn events_of_block(block: &Block) -> Vec<ChaincodeEvent> {
    let number = block.header.as_ref().map_or(0, |h| h.number);
    let filter: &[u8] = block
        .metadata
        .as_ref()
        .and_then(|m| m.metadata.get(TRANSACTIONS_FILTER))
        .map_or(&[], Vec::as_slice);
    let Some(data) = block.data.as_ref() else {
        return Vec::new();
    };
    let mut events = Vec::new();
    for (i, bytes) in data.data.iter().enumerate() {
        let code = filter
            .get(i)
            .map_or(INVALID_OTHER_REASON, |c| i32::from(*c));
        let Ok(index) = u32::try_from(i) else { break };
        if code != 0 {
            continue;
        }
        if let Some((tx_id, found)) = transaction_events(bytes) {
            events.extend(found.into_iter().map(|e| ChaincodeEvent {
                block_number: number,
                tx_index: index,
                tx_id: tx_id.clone(),
                chaincode_id: e.chaincode_id,
                event_name: e.event_name,
                payload: e.payload,
            }));
        }
    }
    events
}

/// The tx id and chaincode events of one envelope of a block, if it is an endorser
/// transaction that decodes.
fn transaction_events(envelope: &[u8]) -> Option<(String, Vec<peer::ChaincodeEvent>)> {
    let envelope = Envelope::decode(envelope).ok()?;
    let payload = Payload::decode(envelope.payload.as_slice()).ok()?;
    let header = ChannelHeader::decode(payload.header?.channel_header.as_slice()).ok()?;
    if header.r#type != HeaderType::EndorserTransaction as i32 {
        return None;
    }
    let tx = Transaction::decode(payload.data.as_slice()).ok()?;
    let mut events = Vec::new();
    for action in tx.actions {
        let Ok(cap) = ChaincodeActionPayload::decode(action.payload.as_slice()) else {
            continue;
        };
        let Some(endorsed) = cap.action else { continue };
        let Ok(prp) =
            ProposalResponsePayload::decode(endorsed.proposal_response_payload.as_slice())
        else {
            continue;
        };
        let Ok(cc_action) = ChaincodeAction::decode(prp.extension.as_slice()) else {
            continue;
        };
        if cc_action.events.is_empty() {
            continue;
        }
        if let Ok(event) = peer::ChaincodeEvent::decode(cc_action.events.as_slice()) {
            events.push(event);
        }
    }
    Some((header.tx_id, events))
}

/// The chaincode events of a filtered block's valid transactions, in block order — without
/// payloads, which filtered blocks do not carry.
pub fn events_of_filtered_block(block: &FilteredBlock) -> Vec<ChaincodeEvent> {
    let mut events = Vec::new();
    for (i, tx) in block.filtered_transactions.iter().enumerate() {
        let Ok(index) = u32::try_from(i) else { break };
        if tx.tx_validation_code != 0 {
            continue;
        }
        let Some(filtered_transaction::Data::TransactionActions(actions)) = &tx.data else {
            continue;
        };
        for e in actions
            .chaincode_actions
            .iter()
            .filter_map(|a| a.chaincode_event.as_ref())
        {
            events.push(ChaincodeEvent {
                block_number: block.number,
                tx_index: index,
                tx_id: tx.txid.clone(),
                chaincode_id: e.chaincode_id.clone(),
                event_name: e.event_name.clone(),
                payload: e.payload.clone(),
            });
        }
    }
    events
}

/// The events of any block content.
pub fn events_of(content: &BlockContent) -> Vec<ChaincodeEvent> {
    match content {
        BlockContent::Filtered(f) => events_of_filtered_block(f),
        other => other.block().map(events_of_block).unwrap_or_default(),
    }
}

/// Which events a chaincode event stream yields.
#[derive(Debug, Clone)]
pub(crate) struct ChaincodeFilter {
    pub(crate) chaincode: String,
    pub(crate) event_name: Option<String>,
}

impl ChaincodeFilter {
    /// The block's events this filter keeps and `done` does not cover, with their indexes.
    pub(crate) fn select(
        &self,
        content: &BlockContent,
        done: Option<&Checkpoint>,
    ) -> Vec<(Option<u32>, ChaincodeEvent)> {
        events_of(content)
            .into_iter()
            .filter(|e| e.chaincode_id == self.chaincode)
            .filter(|e| self.event_name.as_ref().is_none_or(|n| *n == e.event_name))
            .filter(|e| !done.is_some_and(|d| d.covers(e.block_number, e.tx_index)))
            .map(|e| (Some(e.tx_index), e))
            .collect()
    }
}

impl Emitter for ChaincodeFilter {
    type Item = ChaincodeEvent;

    fn items(
        &mut self,
        content: BlockContent,
        done: Option<&Checkpoint>,
    ) -> Vec<(Option<u32>, ChaincodeEvent)> {
        self.select(&content, done)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::proto::common::{BlockData, BlockHeader, BlockMetadata, Header};
    use crate::proto::peer::{
        ChaincodeEndorsedAction, FilteredChaincodeAction, FilteredTransaction,
        FilteredTransactionActions, TransactionAction,
    };

    /// A marshaled envelope of an endorser transaction with one event (or none).
    pub(crate) fn tx_envelope(tx_id: &str, event: Option<(&str, &str, &[u8])>) -> Vec<u8> {
        let events = event
            .map(|(cc, name, payload)| {
                peer::ChaincodeEvent {
                    chaincode_id: cc.into(),
                    tx_id: tx_id.into(),
                    event_name: name.into(),
                    payload: payload.to_vec(),
                }
                .encode_to_vec()
            })
            .unwrap_or_default();
        let action = ChaincodeAction {
            events,
            ..Default::default()
        };
        let prp = ProposalResponsePayload {
            proposal_hash: vec![1; 32],
            extension: action.encode_to_vec(),
        };
        let cap = ChaincodeActionPayload {
            chaincode_proposal_payload: Vec::new(),
            action: Some(ChaincodeEndorsedAction {
                proposal_response_payload: prp.encode_to_vec(),
                endorsements: Vec::new(),
            }),
        };
        let tx = Transaction {
            actions: vec![TransactionAction {
                header: Vec::new(),
                payload: cap.encode_to_vec(),
            }],
        };
        let ch = ChannelHeader {
            r#type: HeaderType::EndorserTransaction as i32,
            tx_id: tx_id.into(),
            channel_id: "ch".into(),
            ..Default::default()
        };
        Envelope {
            payload: Payload {
                header: Some(Header {
                    channel_header: ch.encode_to_vec(),
                    signature_header: Vec::new(),
                }),
                data: tx.encode_to_vec(),
            }
            .encode_to_vec(),
            signature: Vec::new(),
        }
        .encode_to_vec()
    }

    pub(crate) fn block(number: u64, txs: Vec<Vec<u8>>, codes: &[u8]) -> Block {
        Block {
            header: Some(BlockHeader {
                number,
                previous_hash: Vec::new(),
                data_hash: Vec::new(),
            }),
            data: Some(BlockData { data: txs }),
            metadata: Some(BlockMetadata {
                metadata: vec![Vec::new(), Vec::new(), codes.to_vec()],
            }),
        }
    }

    #[test]
    fn events_of_a_full_block_only_from_valid_transactions() {
        let b = block(
            7,
            vec![
                tx_envelope("t0", Some(("kv", "a", b"p0"))),
                tx_envelope("t1", Some(("kv", "b", b"p1"))), // invalid (MVCC)
                tx_envelope("t2", None),
                b"not an envelope".to_vec(),
                tx_envelope("t4", Some(("other", "a", b"p4"))),
                tx_envelope("t5", Some(("kv", "a", b"p5"))), // beyond the filter
            ],
            &[0, 11, 0, 0, 0],
        );
        let events = events_of_block(&b);
        let got: Vec<_> = events
            .iter()
            .map(|e| (e.tx_index, e.tx_id.as_str(), e.chaincode_id.as_str()))
            .collect();
        assert_eq!(got, [(0, "t0", "kv"), (4, "t4", "other")]);
        assert_eq!(events[0].payload, b"p0");
        assert_eq!(events[0].event_name, "a");
        assert_eq!(events[0].block_number, 7);
        assert_eq!(events[0].checkpoint(), Checkpoint::transaction(7, 0, "t0"));
        assert!(events_of_block(&Block::default()).is_empty());
    }

    #[test]
    fn filter_by_chaincode_name_and_checkpoint() {
        let content = BlockContent::Full(block(
            9,
            vec![
                tx_envelope("t0", Some(("kv", "a", b""))),
                tx_envelope("t1", Some(("kv", "b", b""))),
                tx_envelope("t2", Some(("kv", "a", b""))),
                tx_envelope("t3", Some(("kv2", "a", b""))),
            ],
            &[0, 0, 0, 0],
        ));
        let mut all = ChaincodeFilter {
            chaincode: "kv".into(),
            event_name: None,
        };
        let ids = |items: Vec<(Option<u32>, ChaincodeEvent)>| -> Vec<String> {
            items.into_iter().map(|(_, e)| e.tx_id).collect()
        };
        assert_eq!(ids(all.items(content.clone(), None)), ["t0", "t1", "t2"]);
        // A partially delivered block: skip through index 1.
        let done = Checkpoint::transaction(9, 1, "t1");
        assert_eq!(ids(all.items(content.clone(), Some(&done))), ["t2"]);
        assert!(all
            .items(content.clone(), Some(&Checkpoint::block(9)))
            .is_empty());
        assert_eq!(
            ids(all.items(content.clone(), Some(&Checkpoint::block(8)))),
            ["t0", "t1", "t2"]
        );
        let mut named = ChaincodeFilter {
            chaincode: "kv".into(),
            event_name: Some("a".into()),
        };
        assert_eq!(ids(named.items(content, None)), ["t0", "t2"]);
    }

    #[test]
    fn events_of_a_filtered_block() {
        let fb = FilteredBlock {
            channel_id: "ch".into(),
            number: 3,
            filtered_transactions: vec![
                FilteredTransaction {
                    txid: "t0".into(),
                    r#type: HeaderType::EndorserTransaction as i32,
                    tx_validation_code: 11,
                    data: None,
                },
                FilteredTransaction {
                    txid: "t1".into(),
                    r#type: HeaderType::EndorserTransaction as i32,
                    tx_validation_code: 0,
                    data: Some(filtered_transaction::Data::TransactionActions(
                        FilteredTransactionActions {
                            chaincode_actions: vec![FilteredChaincodeAction {
                                chaincode_event: Some(peer::ChaincodeEvent {
                                    chaincode_id: "kv".into(),
                                    tx_id: "t1".into(),
                                    event_name: "e".into(),
                                    payload: Vec::new(),
                                }),
                            }],
                        },
                    )),
                },
            ],
        };
        let events = events_of(&BlockContent::Filtered(fb));
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].tx_index, events[0].tx_id.as_str()), (1, "t1"));
    }
}
