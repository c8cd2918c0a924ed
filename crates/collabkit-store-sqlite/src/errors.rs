//! SQLite's errors as the store's `StoreError`.

use rusqlite::{Error, ErrorCode};

use collabkit_domain::store::{Conflict, StoreError};

pub fn backend(e: Error) -> StoreError {
    StoreError::backend(e.to_string())
}

/// Maps a broken uniqueness rule to its kind (the API words it).
pub fn conflict_or_backend(e: Error) -> StoreError {
    if let Error::SqliteFailure(f, Some(msg)) = &e
        && f.code == ErrorCode::ConstraintViolation
    {
        if msg.contains("rooms.account_id, rooms.custom_id") {
            return StoreError::Conflict(Conflict::RoomCustomId);
        }
        if msg.contains("users.room_id, users.custom_id") {
            return StoreError::Conflict(Conflict::UserCustomId);
        }
    }
    backend(e)
}
