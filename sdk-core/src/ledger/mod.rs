//! The ledger as the peers' query system chaincode (`qscc`) shows it: looking transactions up
//! by id.

use prost::Message;

use crate::error::{Error, Result};
use crate::proto::common::Block;
use crate::proto::peer::ProcessedTransaction;

/// The query system chaincode's name.
pub const QSCC: &str = "qscc";

/// What one peer's ledger says of a transaction id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxLookup {
    /// The transaction is in a block, with this validation code (0: valid).
    Found {
        /// Its validation code (`TxValidationCode`).
        code: i32,
    },
    /// The peer's ledger has no transaction with that id (yet).
    NotFound,
}

/// Reads the answer of qscc `GetTransactionByID`: the status and payload of the chaincode
/// response. qscc answers an unknown id with status 500 and a message saying it was not
/// found; other failures are errors.
pub fn transaction_by_id(status: i32, message: &str, payload: &[u8]) -> Result<TxLookup> {
    if (200..400).contains(&status) {
        let processed = ProcessedTransaction::decode(payload).map_err(|e| Error::Protocol {
            endpoint: QSCC.into(),
            message: format!("GetTransactionByID answer is not a ProcessedTransaction: {e}"),
        })?;
        return Ok(TxLookup::Found {
            code: processed.validation_code,
        });
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("not found") || lower.contains("no such transaction") {
        return Ok(TxLookup::NotFound);
    }
    Err(Error::Protocol {
        endpoint: QSCC.into(),
        message: format!("GetTransactionByID failed with status {status}: {message}"),
    })
}

/// The number of the block qscc `GetBlockByTxID` returned.
pub fn block_number(payload: &[u8]) -> Result<u64> {
    let block = Block::decode(payload).map_err(|e| Error::Protocol {
        endpoint: QSCC.into(),
        message: format!("GetBlockByTxID answer is not a block: {e}"),
    })?;
    block
        .header
        .map(|h| h.number)
        .ok_or_else(|| Error::Protocol {
            endpoint: QSCC.into(),
            message: "GetBlockByTxID answered a block without a header".into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::common::BlockHeader;

    #[test]
    fn lookups() {
        let found = ProcessedTransaction {
            transaction_envelope: None,
            validation_code: 11,
        }
        .encode_to_vec();
        assert_eq!(
            transaction_by_id(200, "", &found).unwrap_or(TxLookup::NotFound),
            TxLookup::Found { code: 11 }
        );
        let missing = "Failed to get transaction with id abc, error entry not found in index";
        assert_eq!(
            transaction_by_id(500, missing, &[]).ok(),
            Some(TxLookup::NotFound)
        );
        assert!(transaction_by_id(500, "access denied", &[]).is_err());
        assert!(transaction_by_id(200, "", &[0xff, 0xff]).is_err());
        let block = Block {
            header: Some(BlockHeader {
                number: 42,
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec();
        assert_eq!(block_number(&block).ok(), Some(42));
        assert!(block_number(&Block::default().encode_to_vec()).is_err());
    }
}
