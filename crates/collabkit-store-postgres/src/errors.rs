//! PostgreSQL's errors, and the pool's, as the store's `StoreError`.

use collabkit_domain::store::{Conflict, StoreError};
use tokio_postgres::error::SqlState;

/// A driver error with what the server said in its message (the driver's own `Display` is only
/// "db error"), keeping the driver's error as its source.
#[derive(Debug, thiserror::Error)]
#[error("{detail}")]
pub struct PgFailure {
    detail: String,
    #[source]
    source: tokio_postgres::Error,
}

impl PgFailure {
    fn new(source: tokio_postgres::Error) -> PgFailure {
        let detail = match source.as_db_error() {
            Some(db) => format!(
                "PostgreSQL {} {}: {}",
                db.severity(),
                db.code().code(),
                db.message()
            ),
            None => match std::error::Error::source(&source) {
                Some(cause) => format!("{source}: {cause}"),
                None => source.to_string(),
            },
        };
        PgFailure { detail, source }
    }
}

/// PostgreSQL's error as the store's: a broken uniqueness rule is its kind; a value PostgreSQL
/// cannot hold (a NUL byte in text, `\u0000` in JSON) is the request's fault; a serialization
/// failure, a deadlock, a cancelled statement, a server shutting down or a dropped connection
/// may pass on a retry.
pub fn pg(e: tokio_postgres::Error) -> StoreError {
    if let Some(db) = e.as_db_error() {
        let code = db.code();
        // The API refuses these before they get here; this is the net for a value it missed.
        if [
            SqlState::CHARACTER_NOT_IN_REPERTOIRE,
            SqlState::UNTRANSLATABLE_CHARACTER,
        ]
        .contains(code)
        {
            return StoreError::Unrepresentable;
        }
        if *code == SqlState::UNIQUE_VIOLATION {
            match db.constraint() {
                Some("rooms_custom_id_unique") => {
                    return StoreError::Conflict(Conflict::RoomCustomId);
                }
                Some("users_custom_id_unique") => {
                    return StoreError::Conflict(Conflict::UserCustomId);
                }
                _ => {}
            }
        }
        let transient = [
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::ADMIN_SHUTDOWN,
            SqlState::CRASH_SHUTDOWN,
            SqlState::CANNOT_CONNECT_NOW,
            SqlState::TOO_MANY_CONNECTIONS,
            SqlState::QUERY_CANCELED,
        ];
        if transient.contains(code) {
            return StoreError::transient(PgFailure::new(e));
        }
        return StoreError::backend(PgFailure::new(e));
    }
    // No server answer: the connection broke or could not be made.
    StoreError::transient(PgFailure::new(e))
}

/// A connection could not be had from the pool (the database is unreachable, or every
/// connection is busy past the wait).
pub fn pool(e: deadpool_postgres::PoolError) -> StoreError {
    StoreError::transient(e)
}
