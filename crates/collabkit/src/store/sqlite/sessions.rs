//! Live sessions on SQLite: who is in which room's session, and the events that says so.

use collabkit_webhooks::{WebhookEventName, WebhookUser};
use rusqlite::{Connection, OptionalExtension, params};

use super::queue::{self, Fanout};
use super::rows::{backend, ts};
use crate::clock;
use crate::events;
use crate::ids;
use crate::store::{Event, InlineLease, Room, StoreError, StoreResult, User};

fn open_session(conn: &Connection, room_id: &str) -> StoreResult<Option<String>> {
    conn.prepare_cached("SELECT id FROM sessions WHERE room_id = ?1 AND closed_at IS NULL")
        .and_then(|mut s| s.query_row(params![room_id], |r| r.get(0)).optional())
        .map_err(backend)
}

fn store_event(
    conn: &Connection,
    event: Event,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<()> {
    fanout.add(queue::insert_event(conn, &event, inline)?);
    events.push(event);
    Ok(())
}

pub fn join(
    conn: &Connection,
    room: &Room,
    user: &User,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    if user.room_id != room.id {
        return Err(StoreError::NotFound("user"));
    }
    let now = clock::now();
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    let session = match open_session(conn, &room.id)? {
        Some(id) => id,
        None => {
            let id = ids::new_id(ids::SESSION);
            conn.prepare_cached(
                "INSERT INTO sessions (id, account_id, room_id, started_at) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![id, room.account_id, room.id, ts(&now)]))
            .map_err(backend)?;
            store_event(
                conn,
                events::session_started(room, now),
                inline,
                &mut events,
                &mut fanout,
            )?;
            id
        }
    };
    let added = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO participants (session_id, user_id, joined_at) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut s| s.execute(params![session, user.id, ts(&now)]))
        .map_err(backend)?;
    if added == 0 {
        return Ok((events, fanout));
    }
    let snapshot = serde_json::to_string(&user.to_webhook()).expect("users serialize");
    conn.prepare_cached(
        "INSERT INTO session_users (session_id, user_id, user_json, seq)
         VALUES (?1, ?2, ?3, (SELECT COUNT(*) FROM session_users WHERE session_id = ?1))
         ON CONFLICT (session_id, user_id) DO UPDATE SET user_json = excluded.user_json",
    )
    .and_then(|mut s| s.execute(params![session, user.id, snapshot]))
    .map_err(backend)?;
    let joined = events::user_event(WebhookEventName::ParticipantJoined, room, user, now);
    store_event(conn, joined, inline, &mut events, &mut fanout)?;
    Ok((events, fanout))
}

/// `user` is `None` when the user was deleted meanwhile: the snapshot taken at join stands in.
pub fn leave(
    conn: &Connection,
    room: &Room,
    user_id: &str,
    user: Option<&User>,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    let Some(session) = open_session(conn, &room.id)? else {
        return Ok((events, fanout));
    };
    let removed = conn
        .prepare_cached("DELETE FROM participants WHERE session_id = ?1 AND user_id = ?2")
        .and_then(|mut s| s.execute(params![session, user_id]))
        .map_err(backend)?;
    if removed == 0 {
        return Ok((events, fanout));
    }
    let now = clock::now();
    let left = match user {
        Some(user) => events::user_event(WebhookEventName::ParticipantLeft, room, user, now),
        None => {
            let snapshot = snapshot(conn, &session, user_id)?;
            events::participant_left_snapshot(room, snapshot, now)
        }
    };
    store_event(conn, left, inline, &mut events, &mut fanout)?;
    let remaining: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM participants WHERE session_id = ?1")
        .and_then(|mut s| s.query_row(params![session], |r| r.get(0)))
        .map_err(backend)?;
    if remaining == 0 {
        close(conn, room, &session, now, inline, &mut events, &mut fanout)?;
    }
    Ok((events, fanout))
}

fn snapshot(conn: &Connection, session: &str, user_id: &str) -> StoreResult<WebhookUser> {
    let json: String = conn
        .prepare_cached(
            "SELECT user_json FROM session_users WHERE session_id = ?1 AND user_id = ?2",
        )
        .and_then(|mut s| s.query_row(params![session, user_id], |r| r.get(0)))
        .map_err(backend)?;
    serde_json::from_str(&json).map_err(|e| StoreError::Backend(e.to_string()))
}

fn close(
    conn: &Connection,
    room: &Room,
    session: &str,
    now: clock::Timestamp,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<()> {
    conn.prepare_cached("UPDATE sessions SET closed_at = ?1 WHERE id = ?2")
        .and_then(|mut s| s.execute(params![ts(&now), session]))
        .map_err(backend)?;
    let users = conn
        .prepare_cached("SELECT user_json FROM session_users WHERE session_id = ?1 ORDER BY seq")
        .and_then(|mut s| {
            s.query_map(params![session], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?
        .into_iter()
        .map(|j| serde_json::from_str(&j).map_err(|e| StoreError::Backend(e.to_string())))
        .collect::<StoreResult<Vec<WebhookUser>>>()?;
    store_event(
        conn,
        events::session_closed(room, users, now),
        inline,
        events,
        fanout,
    )
}

/// Ends a room's open session, if any: each participant leaves, then the session closes.
pub fn end_room(
    conn: &Connection,
    room: &Room,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    let Some(session) = open_session(conn, &room.id)? else {
        return Ok((events, fanout));
    };
    let users: Vec<String> = conn
        .prepare_cached("SELECT user_id FROM participants WHERE session_id = ?1 ORDER BY joined_at")
        .and_then(|mut s| s.query_map(params![session], |r| r.get(0))?.collect())
        .map_err(backend)?;
    for user_id in users {
        let user = super::user_in(conn, &room.account_id, &user_id).ok();
        let (e, f) = leave(conn, room, &user_id, user.as_ref(), inline)?;
        events.extend(e);
        fanout.add(f);
    }
    // A session with no participant row left (should not happen) still closes.
    if open_session(conn, &room.id)?.is_some() {
        close(
            conn,
            room,
            &session,
            clock::now(),
            inline,
            &mut events,
            &mut fanout,
        )?;
    }
    Ok((events, fanout))
}

/// Closes every open session: each participant leaves, then the session closes.
pub fn close_all(
    conn: &Connection,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout, usize)> {
    let open: Vec<(String, String)> = conn
        .prepare("SELECT account_id, room_id FROM sessions WHERE closed_at IS NULL ORDER BY seq")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .map_err(backend)?;
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    for (account_id, room_id) in &open {
        let room = super::room_in(conn, account_id, room_id)?;
        let (e, f) = end_room(conn, &room, inline)?;
        events.extend(e);
        fanout.add(f);
    }
    Ok((events, fanout, open.len()))
}
