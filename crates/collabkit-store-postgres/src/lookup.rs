//! The room and user reads every change starts from, and the room's lock: a leaf module, so
//! the verbs (people, sessions) share them without importing each other.

use std::sync::LazyLock;

use collabkit_domain::store::{Room, StoreError, StoreResult, User};
use deadpool_postgres::GenericClient;

use crate::rows::{self, ROOM_COLS, ROOM_FROM, USER_COLS};
use crate::sql::query_opt;

/// How a change locks the room it touches: user changes share it (they may run side by side),
/// session changes exclude each other (the session state machine), deleting the room excludes
/// everything.
#[derive(Clone, Copy)]
pub enum RoomLock {
    Share,
    Session,
    Delete,
}

impl RoomLock {
    /// The room row's lock, and its counters' row locked for update in every mode: a change
    /// that stores events of the room writes its counters, and the payloads carry them, so two
    /// changes of one room take turns from here to their commit (the events' number takes the
    /// same row's lock anyway; changes of other rooms never meet it).
    pub fn clause(self) -> &'static str {
        match self {
            RoomLock::Share => "FOR KEY SHARE OF r FOR NO KEY UPDATE OF s",
            RoomLock::Session => "FOR NO KEY UPDATE OF r, s",
            RoomLock::Delete => "FOR UPDATE OF r, s",
        }
    }
}

/// [`room_in`]'s statement (to prepare before pipelining it).
pub static ROOM_IN: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {ROOM_COLS} FROM {ROOM_FROM} WHERE r.account_id = $1 AND r.id = $2")
});

pub async fn room_in<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
) -> StoreResult<Room> {
    query_opt(c, &ROOM_IN, &[&account_id, &room_id])
        .await?
        .map(|r| rows::room(&r).1)
        .ok_or(StoreError::NotFound("room"))
}

/// The room, locked for the rest of the transaction as `lock` says.
pub async fn lock_room<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    lock: RoomLock,
) -> StoreResult<Room> {
    query_opt(
        c,
        &format!(
            "SELECT {ROOM_COLS} FROM {ROOM_FROM} WHERE r.account_id = $1 AND r.id = $2 {}",
            lock.clause()
        ),
        &[&account_id, &room_id],
    )
    .await?
    .map(|r| rows::room(&r).1)
    .ok_or(StoreError::NotFound("room"))
}

pub async fn user_in<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    user_id: &str,
) -> StoreResult<User> {
    query_opt(
        c,
        &format!("SELECT {USER_COLS} FROM users WHERE account_id = $1 AND id = $2"),
        &[&account_id, &user_id],
    )
    .await?
    .map(|r| rows::user(&r).1)
    .ok_or(StoreError::NotFound("user"))
}
