//! The storage layer's one error type, the same for every backend.

use std::sync::Arc;

use thiserror::Error;

/// What can go wrong in storage, independent of the backend.
#[derive(Debug, Clone, Error)]
pub enum StoreError {
    /// The named thing does not exist (or belongs to another account, which is the same to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// A uniqueness rule was broken. The API words it; backends only say which rule.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// A page cursor this backend did not issue (cursors come back from clients).
    #[error("not a cursor this server returned")]
    InvalidCursor,
    /// A value the backend cannot hold or compare (PostgreSQL text holds no NUL character): the
    /// request is at fault, not the storage. Nothing was changed, and no stored value equals it.
    #[error("a value holds a character the storage cannot (a NUL byte)")]
    Unrepresentable,
    /// Too much work is queued: the change was refused before it ran (nothing was written). The
    /// caller may try again shortly.
    #[error("the storage is overloaded; the change was not made")]
    Overloaded,
    /// The backend failed. The source is kept for logs (never for clients); `retryable` says
    /// whether the same call may succeed if made again (a serialization failure, a deadlock, a
    /// dropped connection) or not (corruption, a full disk, a bug).
    #[error("storage backend error: {source}")]
    Backend {
        #[source]
        source: Arc<dyn std::error::Error + Send + Sync + 'static>,
        retryable: bool,
    },
}

/// The uniqueness rules of the domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// A room's `customId` is unique within its account.
    RoomCustomId,
    /// A user's `customId` is unique within its room.
    UserCustomId,
    /// Replaying events to a registration needs it enabled.
    WebhookDisabled,
}

impl StoreError {
    /// A failure a retry will not fix.
    pub fn backend(source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>) -> Self {
        StoreError::Backend {
            source: Arc::from(source.into()),
            retryable: false,
        }
    }

    /// A failure the same call may get past if made again.
    pub fn transient(
        source: impl Into<Box<dyn std::error::Error + Send + Sync + 'static>>,
    ) -> Self {
        StoreError::Backend {
            source: Arc::from(source.into()),
            retryable: true,
        }
    }

    /// Whether making the same call again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            StoreError::Overloaded
                | StoreError::Backend {
                    retryable: true,
                    ..
                }
        )
    }
}

impl PartialEq for StoreError {
    /// Errors compare by kind (backend errors by their retry class): what tests assert.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StoreError::NotFound(a), StoreError::NotFound(b)) => a == b,
            (StoreError::Conflict(a), StoreError::Conflict(b)) => a == b,
            (StoreError::Overloaded, StoreError::Overloaded) => true,
            (StoreError::InvalidCursor, StoreError::InvalidCursor) => true,
            (StoreError::Unrepresentable, StoreError::Unrepresentable) => true,
            (
                StoreError::Backend { retryable: a, .. },
                StoreError::Backend { retryable: b, .. },
            ) => a == b,
            _ => false,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_errors_keep_their_source_and_retry_class() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "peer went away");
        let e = StoreError::transient(io);
        assert!(e.is_retryable());
        let source = std::error::Error::source(&e).expect("the source is kept");
        assert_eq!(source.to_string(), "peer went away");
        assert!(!StoreError::backend("disk full").is_retryable());
        assert!(!StoreError::NotFound("room").is_retryable());
        assert!(StoreError::Overloaded.is_retryable());
    }
}
