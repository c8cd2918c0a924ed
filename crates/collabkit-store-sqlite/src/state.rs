//! The state rules return, written back: a room's counters and a user's status. A leaf
//! module, so the verbs that change them (people, sessions) do not import each other.

use rusqlite::{Connection, params};

use super::rows::{backend, ts};
use collabkit_domain::store::{Room, StoreResult, User};

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
