use thiserror::Error;

/// What can go wrong in storage, independent of the backend.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum StoreError {
    /// The named thing does not exist (or belongs to another account, which is the same to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken; the message names the rule.
    #[error("{0}")]
    Conflict(String),
    /// Too much work is queued: the change was refused before it ran (nothing was written). The
    /// caller may try again shortly.
    #[error("the storage is overloaded; the change was not made")]
    Overloaded,
    /// The backend failed (I/O, corruption, lost connection); the message is for logs, not clients.
    #[error("storage backend error: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;
