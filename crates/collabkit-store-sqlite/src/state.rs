//! The state every change starts from and writes back: a room and a user read in the change's
//! transaction, a room's counters and a user's status as a rule returned them. A leaf module,
//! so the verbs (rooms, users, sessions) do not import each other.

use rusqlite::{Connection, params};

use super::errors::backend;
use super::rows::ts;
use collabkit_domain::store::{Room, StoreError, StoreResult, User};
use rusqlite::OptionalExtension;

use super::rows::{self, ROOM_COLS, USER_COLS};

/// Writes the room's counters, as a rule returned them (in the change's transaction).
pub fn write_counters(conn: &Connection, room: &Room) -> StoreResult<()> {
    let c = &room.counters;
    conn.prepare_cached(
        "UPDATE rooms SET users_created = ?2, users_count = ?3, participants = ?4,
             closed_ms = ?5, live_since = ?6
         WHERE id = ?1",
    )
    .and_then(|mut s| {
        s.execute(params![
            room.id,
            c.users_created as i64,
            c.users as i64,
            c.participants as i64,
            c.closed_ms as i64,
            c.live_since.as_ref().map(ts)
        ])
    })
    .map_err(backend)?;
    Ok(())
}

/// Writes the user's status (after a join or a leave).
pub fn write_status(conn: &Connection, user: &User) -> StoreResult<()> {
    conn.prepare_cached("UPDATE users SET online = ?2, joined_at = ?3, left_at = ?4 WHERE id = ?1")
        .and_then(|mut s| {
            s.execute(params![
                user.id,
                user.online,
                user.joined_at.as_ref().map(ts),
                user.left_at.as_ref().map(ts)
            ])
        })
        .map_err(backend)?;
    Ok(())
}

pub fn room_in(conn: &Connection, account_id: &str, room_id: &str) -> StoreResult<Room> {
    conn.prepare_cached(&format!(
        "SELECT {ROOM_COLS} FROM rooms WHERE account_id = ?1 AND id = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(params![account_id, room_id], rows::room)
            .optional()
    })
    .map_err(backend)?
    .map(|(_, r)| r)
    .ok_or(StoreError::NotFound("room"))
}

pub fn user_in(conn: &Connection, account_id: &str, user_id: &str) -> StoreResult<User> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLS} FROM users WHERE account_id = ?1 AND id = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(params![account_id, user_id], rows::user)
            .optional()
    })
    .map_err(backend)?
    .map(|(_, u)| u)
    .ok_or(StoreError::NotFound("user"))
}
