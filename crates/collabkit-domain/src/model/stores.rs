//! A room's stores (`/sdk/stores`) as the backends keep them: entries by (room, store, key),
//! each carrying the version of its last change, and one bookkeeping row per store.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::clock::Timestamp;
use crate::rules::stores::StoreSchema;

/// What a store holds under a key: a JSON object.
pub type StoreValue = Map<String, Value>;

/// One entry of a store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreEntry {
    pub key: String,
    pub value: StoreValue,
    /// The store's version when this entry last changed.
    pub version: i64,
    pub updated_at: Timestamp,
    /// The user whose client wrote it last; `None` for a write through the REST API.
    pub updated_by: Option<String>,
}

/// What a change did to its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreAction {
    Set,
    Update,
    Delete,
}

impl StoreAction {
    pub fn as_str(self) -> &'static str {
        match self {
            StoreAction::Set => "set",
            StoreAction::Update => "update",
            StoreAction::Delete => "delete",
        }
    }
}

/// A write asked of a store.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreWrite {
    /// Creates or overwrites the entry (defaults filled, required fields enforced).
    Set { key: String, value: Value },
    /// Merges `value`'s fields into the existing entry (which must exist).
    Update { key: String, value: Value },
    /// Removes the entry; a key that holds nothing is left as it is (no change, no version).
    Delete { key: String },
}

impl StoreWrite {
    pub fn key(&self) -> &str {
        match self {
            StoreWrite::Set { key, .. }
            | StoreWrite::Update { key, .. }
            | StoreWrite::Delete { key } => key,
        }
    }
}

/// One write of a batch, with the schema it is checked against (the one the writing client
/// declared; `None` checks only the bounds).
#[derive(Debug, Clone)]
pub struct StoreOp {
    pub store: String,
    pub write: StoreWrite,
    pub schema: Option<Arc<StoreSchema>>,
}

impl StoreOp {
    /// A write checked against the bounds only (no schema): a REST write's.
    pub fn new(store: &str, write: StoreWrite) -> StoreOp {
        StoreOp {
            store: store.to_owned(),
            write,
            schema: None,
        }
    }

    pub fn set(store: &str, key: &str, value: Value) -> StoreOp {
        let key = key.to_owned();
        StoreOp::new(store, StoreWrite::Set { key, value })
    }

    pub fn update(store: &str, key: &str, value: Value) -> StoreOp {
        let key = key.to_owned();
        StoreOp::new(store, StoreWrite::Update { key, value })
    }

    pub fn delete(store: &str, key: &str) -> StoreOp {
        let key = key.to_owned();
        StoreOp::new(store, StoreWrite::Delete { key })
    }
}

/// A change as stored: what every client applies, in the order of `version`.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreChange {
    pub store: String,
    pub key: String,
    pub action: StoreAction,
    /// The entry after the change (`None` once deleted).
    pub value: Option<StoreValue>,
    /// The store's version this change made: one more than the change before it.
    pub version: i64,
    pub at: Timestamp,
    pub by: Option<String>,
}

/// A store's bookkeeping row: its version, how far back its history reaches and its size.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoreMeta {
    pub name: String,
    /// The version of the store's last change (0: never written).
    pub version: i64,
    /// Deletions up to this version may have been forgotten: a client that has seen less than
    /// this gets a snapshot, not the changes since.
    pub horizon: i64,
    /// Entries held (deleted ones not counted).
    pub entries: u64,
    /// Bytes of the values held (compact JSON).
    pub bytes: u64,
    /// Deleted entries remembered for resumes.
    pub tombstones: u64,
}

/// An entry row as a backend writes it: a value, or a tombstone (`value: None`) that tells a
/// resuming client the key went.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreEntryRow {
    pub store: String,
    pub key: String,
    pub value: Option<StoreValue>,
    pub bytes: u64,
    pub version: i64,
    pub updated_at: Timestamp,
    pub updated_by: Option<String>,
}

/// What a client that has seen a store up to a version needs to catch up.
#[derive(Debug, Clone, PartialEq)]
pub enum StoreSync {
    /// The entries changed after that version, deleted ones as `value: None`, in version
    /// order (each key once, as it is now).
    Delta {
        version: i64,
        changes: Vec<StoreChange>,
    },
    /// The whole store (the history the client needed is gone, or it had nothing).
    Snapshot {
        version: i64,
        entries: Vec<StoreEntry>,
    },
}
