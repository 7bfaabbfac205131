//! Block events: one item per block, full, filtered or with private data.

use std::collections::HashMap;

use super::chaincode::{events_of, ChaincodeEvent};
use super::checkpoint::{Checkpoint, Positioned};
use super::source::{BlockContent, Emitter};
use crate::proto::common::Block;
use crate::proto::peer::FilteredBlock;
use crate::proto::rwset::TxPvtReadWriteSet;

/// One block from a block event stream.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockEvent {
    /// The block number.
    pub block_number: u64,
    /// What the peer sent: a `common.Block`, a `FilteredBlock`, or a block with private data.
    pub content: BlockContent,
}

impl BlockEvent {
    /// The full block (streams of [`super::BlockKind::Full`] and
    /// [`super::BlockKind::WithPrivateData`]).
    pub fn block(&self) -> Option<&Block> {
        self.content.block()
    }

    /// The filtered block (streams of [`super::BlockKind::Filtered`]).
    pub fn filtered_block(&self) -> Option<&FilteredBlock> {
        match &self.content {
            BlockContent::Filtered(f) => Some(f),
            _ => None,
        }
    }

    /// The private write sets the caller may read, by transaction index within the block
    /// (streams of [`super::BlockKind::WithPrivateData`]).
    pub fn private_data(&self) -> Option<&HashMap<u64, TxPvtReadWriteSet>> {
        match &self.content {
            BlockContent::WithPrivateData(p) => Some(&p.private_data_map),
            _ => None,
        }
    }

    /// The chaincode events of the block's valid transactions.
    pub fn chaincode_events(&self) -> Vec<ChaincodeEvent> {
        events_of(&self.content)
    }
}

impl Positioned for BlockEvent {
    fn checkpoint(&self) -> Checkpoint {
        Checkpoint::block(self.block_number)
    }
}

/// Emits every block not yet delivered.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct WholeBlocks;

impl Emitter for WholeBlocks {
    type Item = BlockEvent;

    fn items(
        &mut self,
        content: BlockContent,
        done: Option<&Checkpoint>,
    ) -> Vec<(Option<u32>, BlockEvent)> {
        let block_number = content.number();
        if done.is_some_and(|d| d.covers_block(block_number)) {
            return Vec::new();
        }
        vec![(
            None,
            BlockEvent {
                block_number,
                content,
            },
        )]
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::events::chaincode::tests::{block, tx_envelope};

    #[test]
    fn whole_blocks_skip_what_was_delivered() {
        let content = BlockContent::Full(block(
            5,
            vec![tx_envelope("t0", Some(("kv", "a", b"x")))],
            &[0],
        ));
        let mut e = WholeBlocks;
        assert_eq!(e.items(content.clone(), None).len(), 1);
        assert!(e
            .items(content.clone(), Some(&Checkpoint::block(5)))
            .is_empty());
        // A transaction-level checkpoint inside the block: the block comes again.
        let items = e.items(content, Some(&Checkpoint::transaction(5, 0, "t0")));
        assert_eq!(items.len(), 1);
        let event = &items[0].1;
        assert_eq!(event.block_number, 5);
        assert_eq!(event.checkpoint(), Checkpoint::block(5));
        assert!(event.block().is_some() && event.filtered_block().is_none());
        assert!(event.private_data().is_none());
        assert_eq!(event.chaincode_events()[0].payload, b"x");
    }
}
