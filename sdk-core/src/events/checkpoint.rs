//! Checkpoints of event streams: where an application got to, so that a restarted stream
//! delivers each event exactly once.
//!
//! A [`Checkpoint`] names the **last event processed**: its block, and (for chaincode events)
//! the index of its transaction within the block. The contract:
//!
//! 1. the application processes an event, **then** records it ([`Checkpointer::checkpoint`],
//!    or the stream's `ack`);
//! 2. a stream opened with the checkpointer starts at the checkpoint's block and skips every
//!    transaction whose index is ≤ the recorded one (a block-level checkpoint skips the whole
//!    block), whatever start position the builder names;
//! 3. so after a crash between 1 and the next event's processing, the restarted application
//!    receives the next unprocessed event — nothing before it, nothing after it missing.
//!
//! An event processed but not yet recorded when the application dies is delivered again: make
//! the processing idempotent, or record the checkpoint in the same store transaction as the
//! processing's effects (implement [`Checkpointer`] over that store).

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use crate::error::{Error, Result};

/// The position of the last event processed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checkpoint {
    /// Its block.
    pub block_number: u64,
    /// The index of its transaction within the block; `None` when the whole block was
    /// processed (block streams).
    pub tx_index: Option<u32>,
    /// That transaction's id, when known (informational: positions are compared by block and
    /// index).
    pub tx_id: Option<String>,
}

impl Checkpoint {
    /// The whole of block `number` was processed.
    pub fn block(number: u64) -> Checkpoint {
        Checkpoint {
            block_number: number,
            tx_index: None,
            tx_id: None,
        }
    }

    /// The transaction at `index` in block `number` (and every one before it) was processed.
    pub fn transaction(number: u64, index: u32, tx_id: impl Into<String>) -> Checkpoint {
        let tx_id = tx_id.into();
        Checkpoint {
            block_number: number,
            tx_index: Some(index),
            tx_id: (!tx_id.is_empty()).then_some(tx_id),
        }
    }

    /// The block a stream resuming after this checkpoint asks for first: this block when only
    /// part of it was processed, else the next one.
    pub fn resume_block(&self) -> u64 {
        match self.tx_index {
            Some(_) => self.block_number,
            None => self.block_number.saturating_add(1),
        }
    }

    /// Whether the transaction at (`block`, `tx_index`) was already processed.
    pub fn covers(&self, block: u64, tx_index: u32) -> bool {
        block < self.block_number
            || (block == self.block_number && self.tx_index.is_none_or(|i| tx_index <= i))
    }

    /// Whether block `block` was processed entirely.
    pub fn covers_block(&self, block: u64) -> bool {
        block < self.block_number || (block == self.block_number && self.tx_index.is_none())
    }

    /// Whether this checkpoint is at or after `other` (so replacing `other` with it does not go
    /// back).
    pub fn is_at_or_after(&self, other: &Checkpoint) -> bool {
        let key = |c: &Checkpoint| (c.block_number, c.tx_index.map_or(u64::MAX, u64::from));
        key(self) >= key(other)
    }
}

/// Something whose position can be checkpointed: chaincode events and block events.
pub trait Positioned {
    /// The checkpoint saying this event (and everything before it) was processed.
    fn checkpoint(&self) -> Checkpoint;
}

impl Positioned for Checkpoint {
    fn checkpoint(&self) -> Checkpoint {
        self.clone()
    }
}

/// Stores the position of the last event an application processed.
///
/// A [`Checkpoint`] names the **last event processed**: its block, and (for chaincode events)
/// the index of its transaction within the block. The contract:
///
/// 1. the application processes an event, **then** records it ([`Checkpointer::checkpoint`],
///    or [`super::EventStream::ack`]);
/// 2. a stream opened with the checkpointer starts at the checkpoint's block and skips every
///    transaction whose index is ≤ the recorded one (a block-level checkpoint skips the whole
///    block), whatever start position the builder names; with no checkpoint yet, it starts
///    where the builder says;
/// 3. so a restarted application receives each event exactly once: the first event it gets is
///    the one after the last it recorded.
///
/// An event processed but not yet recorded when the application dies is delivered again: make
/// the processing idempotent, or record the checkpoint in the same store transaction as the
/// processing's effects (implement this trait over that store). A block stream resuming from a
/// transaction-level checkpoint delivers that block again (blocks are not split).
///
/// ```no_run
/// # async fn demo(contract: fabweave::flow::Contract) -> fabweave::Result<()> {
/// use std::sync::Arc;
/// use fabweave::events::{Checkpointer, FileCheckpointer, StartAt};
/// use futures_util::StreamExt;
///
/// let checkpointer = Arc::new(FileCheckpointer::open("orders.checkpoint.json")?);
/// let mut events = contract
///     .chaincode_events()
///     .event_name("OrderPlaced")
///     .start(StartAt::Oldest) // only when the file has no checkpoint yet
///     .checkpointer(checkpointer.clone())
///     .await?;
/// while let Some(event) = events.next().await {
///     let event = event?;
///     println!("{} in block {}", event.tx_id, event.block_number); // process it, then:
///     checkpointer.checkpoint(&event)?;
/// }
/// # Ok(()) }
/// ```
///
/// Implementations must be cheap to call after every event; both methods may block briefly
/// (the file checkpointer writes and syncs a small file).
pub trait Checkpointer: Send + Sync {
    /// The last recorded position, if any.
    ///
    /// Errors: [`Error::Checkpoint`] when the stored position cannot be read.
    fn load(&self) -> Result<Option<Checkpoint>>;

    /// Records `position` as the last event processed.
    ///
    /// Errors: [`Error::Checkpoint`] when it cannot be stored.
    fn save(&self, position: &Checkpoint) -> Result<()>;

    /// Records `event` (a chaincode or block event, or a [`Checkpoint`]) as processed.
    fn checkpoint(&self, event: &dyn Positioned) -> Result<()> {
        self.save(&event.checkpoint())
    }
}

/// A checkpointer in memory: survives the stream being closed and reopened within the
/// process, not the process.
#[derive(Debug, Default)]
pub struct InMemoryCheckpointer {
    current: Mutex<Option<Checkpoint>>,
}

impl InMemoryCheckpointer {
    /// An empty checkpointer.
    pub fn new() -> InMemoryCheckpointer {
        InMemoryCheckpointer::default()
    }
}

impl Checkpointer for InMemoryCheckpointer {
    fn load(&self) -> Result<Option<Checkpoint>> {
        Ok(self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }

    fn save(&self, position: &Checkpoint) -> Result<()> {
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(position.clone());
        Ok(())
    }
}

/// A checkpointer in a small JSON file, e.g.
/// `{"blockNumber":12,"transactionIndex":3,"transactionId":"9f2c…"}`
/// (`transactionIndex` absent for a whole block).
///
/// Each save writes a temporary file next to it (mode 0600 on Unix), syncs it, renames it over
/// the checkpoint and syncs the folder: a crash leaves the old or the new checkpoint, never a
/// torn one.
#[derive(Debug)]
pub struct FileCheckpointer {
    path: PathBuf,
    current: Mutex<Option<Checkpoint>>,
}

impl FileCheckpointer {
    /// Opens (and reads) the checkpoint at `path`; a missing file is an empty checkpoint,
    /// created on the first save. The folder must exist.
    ///
    /// Errors: [`Error::Checkpoint`] naming the file when it cannot be read or is not a
    /// checkpoint.
    pub fn open(path: impl AsRef<Path>) -> Result<FileCheckpointer> {
        let path = path.as_ref().to_path_buf();
        let current = read_file(&path)?;
        Ok(FileCheckpointer {
            path,
            current: Mutex::new(current),
        })
    }

    /// The checkpoint file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Checkpointer for FileCheckpointer {
    fn load(&self) -> Result<Option<Checkpoint>> {
        Ok(self
            .current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone())
    }

    fn save(&self, position: &Checkpoint) -> Result<()> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        write_file(&self.path, position)?;
        *current = Some(position.clone());
        Ok(())
    }
}

fn checkpoint_error(path: &Path, message: impl Into<String>) -> Error {
    Error::Checkpoint {
        file: Some(path.to_path_buf()),
        message: message.into(),
    }
}

/// The JSON form of a checkpoint.
pub(crate) fn to_json(position: &Checkpoint) -> String {
    let mut object = serde_json::Map::new();
    object.insert("blockNumber".into(), position.block_number.into());
    if let Some(i) = position.tx_index {
        object.insert("transactionIndex".into(), i.into());
    }
    if let Some(id) = &position.tx_id {
        object.insert("transactionId".into(), id.clone().into());
    }
    serde_json::Value::Object(object).to_string()
}

/// Parses the JSON form; the error says what is wrong.
pub(crate) fn from_json(bytes: &[u8]) -> std::result::Result<Checkpoint, String> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let object = value
        .as_object()
        .ok_or("not a JSON object with a blockNumber")?;
    let block_number = object
        .get("blockNumber")
        .ok_or("no blockNumber")?
        .as_u64()
        .ok_or("blockNumber is not a non-negative integer")?;
    let tx_index = match object.get("transactionIndex") {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .and_then(|i| u32::try_from(i).ok())
                .ok_or("transactionIndex is not a non-negative 32-bit integer")?,
        ),
    };
    let tx_id = match object.get("transactionId") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s.is_empty() => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("transactionId is not a string".into()),
    };
    Ok(Checkpoint {
        block_number,
        tx_index,
        tx_id,
    })
}

fn read_file(path: &Path) -> Result<Option<Checkpoint>> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(checkpoint_error(path, format!("cannot be read: {e}"))),
    };
    from_json(&bytes).map(Some).map_err(|why| {
        checkpoint_error(
            path,
            format!(
                "corrupt ({why}); expected {{\"blockNumber\": N, \"transactionIndex\": I}} — \
                 remove the file to start from the stream's start position"
            ),
        )
    })
}

fn write_file(path: &Path, position: &Checkpoint) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "checkpoint".into());
    let mut random = [0u8; 6];
    getrandom::getrandom(&mut random)
        .map_err(|e| checkpoint_error(path, format!("no random temporary name: {e}")))?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let temp = dir.join(format!(".{name}.{suffix}.tmp"));
    let json = to_json(position);
    let result = (|| -> io::Result<()> {
        let mut options = fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&temp)?;
        file.write_all(json.as_bytes())?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(checkpoint_error(path, format!("cannot be written: {e}")));
    }
    // Make the rename durable.
    #[cfg(unix)]
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn file_round_trip_and_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cp.json");
        let cp = FileCheckpointer::open(&path).unwrap();
        assert_eq!(cp.load().unwrap(), None);
        assert!(!path.exists());

        cp.checkpoint(&Checkpoint::transaction(12, 3, "abc"))
            .unwrap();
        let again = FileCheckpointer::open(&path).unwrap();
        assert_eq!(
            again.load().unwrap(),
            Some(Checkpoint::transaction(12, 3, "abc"))
        );
        let text = fs::read_to_string(&path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["blockNumber"], 12);
        assert_eq!(json["transactionIndex"], 3);
        assert_eq!(json["transactionId"], "abc");

        cp.save(&Checkpoint::block(13)).unwrap();
        let again = FileCheckpointer::open(&path).unwrap();
        assert_eq!(again.load().unwrap(), Some(Checkpoint::block(13)));
        assert!(!fs::read_to_string(&path)
            .unwrap()
            .contains("transactionIndex"));
        // No temporary files left behind.
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("cp.json")]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn corrupt_file_is_a_checkpoint_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        for (text, why) in [
            ("{\"blockNumber\": 1", "not JSON"),
            ("[1, 2]", "not a JSON object"),
            ("{\"block\": 4}", "no blockNumber"),
            ("{\"blockNumber\": -4}", "blockNumber is not"),
            (
                "{\"blockNumber\": 4, \"transactionIndex\": \"x\"}",
                "transactionIndex",
            ),
            (
                "{\"blockNumber\": 4, \"transactionId\": 7}",
                "transactionId is not",
            ),
            ("", "not JSON"),
        ] {
            let path = dir.path().join("bad.json");
            fs::write(&path, text).unwrap();
            let err = FileCheckpointer::open(&path).unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::Checkpoint, "{text}");
            match &err {
                Error::Checkpoint { file, message } => {
                    assert_eq!(file.as_deref(), Some(path.as_path()));
                    assert!(message.contains(why), "{text}: {message}");
                    assert!(message.contains("corrupt"), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
        // A folder where the file should be: unreadable, also typed.
        let err = FileCheckpointer::open(dir.path()).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Checkpoint);
        // Writing into a missing folder fails typed, not by panicking.
        let cp = FileCheckpointer::open(dir.path().join("missing/cp.json")).unwrap();
        let err = cp.save(&Checkpoint::block(1)).unwrap_err();
        assert!(matches!(err, Error::Checkpoint { .. }), "{err}");
    }

    #[test]
    fn skip_logic() {
        let tx = Checkpoint::transaction(10, 2, "t");
        assert_eq!(tx.resume_block(), 10);
        assert!(tx.covers(9, 50));
        assert!(tx.covers(10, 0));
        assert!(tx.covers(10, 2));
        assert!(!tx.covers(10, 3));
        assert!(!tx.covers(11, 0));
        assert!(tx.covers_block(9));
        assert!(!tx.covers_block(10));

        let block = Checkpoint::block(10);
        assert_eq!(block.resume_block(), 11);
        assert!(block.covers(10, 1000));
        assert!(!block.covers(11, 0));
        assert!(block.covers_block(10));
        assert!(!block.covers_block(11));

        assert!(block.is_at_or_after(&tx));
        assert!(!tx.is_at_or_after(&block));
        assert!(Checkpoint::transaction(10, 3, "").is_at_or_after(&tx));
        assert!(Checkpoint::transaction(10, 3, "").tx_id.is_none());

        let memory = InMemoryCheckpointer::new();
        assert_eq!(memory.load().unwrap(), None);
        memory.checkpoint(&tx).unwrap();
        assert_eq!(memory.load().unwrap(), Some(tx));
    }
}
