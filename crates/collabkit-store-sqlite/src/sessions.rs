//! Live sessions on SQLite: the reads and writes around [`collabkit_domain::rules`]' join and
//! leave, and the end of what a gone node held.

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, SessionToJoin};
use collabkit_domain::store::{
    Event, InlineLease, NodeRecord, Room, StoreError, StoreResult, User, UserSession,
};
use collabkit_webhooks::WebhookUser;
use rusqlite::{Connection, OptionalExtension, params};

use super::queue::{self, Fanout};
use super::rows::{backend, ts};

fn open_session(conn: &Connection, room_id: &str) -> StoreResult<Option<String>> {
    conn.prepare_cached("SELECT id FROM sessions WHERE room_id = ?1 AND closed_at IS NULL")
        .and_then(|mut s| s.query_row(params![room_id], |r| r.get(0)).optional())
        .map_err(backend)
}

/// Stores the events in order, each with its deliveries.
fn store_events(
    conn: &Connection,
    new: Vec<Event>,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<()> {
    for mut event in new {
        fanout.add(queue::insert_event(conn, &mut event, inline)?);
        events.push(event);
    }
    Ok(())
}

pub fn join(
    conn: &Connection,
    room: &Room,
    user: &User,
    node: &str,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let open = open_session(conn, &room.id)?;
    let already_in = match &open {
        Some(session) => conn
            .prepare_cached("SELECT 1 FROM participants WHERE session_id = ?1 AND user_id = ?2")
            .and_then(|mut s| s.exists(params![session, user.id]))
            .map_err(backend)?,
        None => false,
    };
    let now = clock::now();
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    // The room as this transaction's earlier writes left it.
    let room = &super::room_in(conn, &room.account_id, &room.id)?;
    let Some(joining) = rules::join(room, user, open.clone(), already_in, now)? else {
        // Already a participant (through this node or another): this node's connection is
        // counted, nothing is stored.
        if let Some(session) = open {
            add_node_row(conn, &session, &user.id, node, now)?;
        }
        return Ok((events, fanout));
    };
    let session = match joining.session {
        SessionToJoin::Open(id) => id,
        SessionToJoin::Start { id } => {
            conn.prepare_cached(
                "INSERT INTO sessions (id, account_id, room_id, started_at) VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| s.execute(params![id, room.account_id, room.id, ts(&now)]))
            .map_err(backend)?;
            id
        }
    };
    add_node_row(conn, &session, &user.id, node, now)?;
    super::people::write_counters(conn, &joining.room)?;
    super::people::write_status(conn, &joining.user)?;
    open_user_session(conn, &room.account_id, &joining.user_session)?;
    let snapshot = serde_json::to_string(&joining.snapshot).expect("users serialize");
    conn.prepare_cached(
        "INSERT INTO session_users (session_id, user_id, user_json, seq)
         VALUES (?1, ?2, ?3, (SELECT COUNT(*) FROM session_users WHERE session_id = ?1))
         ON CONFLICT (session_id, user_id) DO UPDATE SET user_json = excluded.user_json",
    )
    .and_then(|mut s| s.execute(params![session, user.id, snapshot]))
    .map_err(backend)?;
    store_events(conn, joining.events, inline, &mut events, &mut fanout)?;
    Ok((events, fanout))
}

/// Opens the user's participation; one still open (it cannot be, unless a crash of an older
/// version left it) is closed at the same time first.
fn open_user_session(
    conn: &Connection,
    account_id: &str,
    session: &UserSession,
) -> StoreResult<()> {
    close_user_session(conn, &session.user_id, session.joined_at)?;
    conn.prepare_cached(
        "INSERT INTO user_sessions (id, account_id, user_id, room_id, joined_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| {
        s.execute(params![
            session.id,
            account_id,
            session.user_id,
            session.room_id,
            ts(&session.joined_at)
        ])
    })
    .map_err(backend)?;
    Ok(())
}

fn close_user_session(conn: &Connection, user_id: &str, at: Timestamp) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE user_sessions SET left_at = ?2 WHERE user_id = ?1 AND left_at IS NULL",
    )
    .and_then(|mut s| s.execute(params![user_id, ts(&at)]))
    .map_err(backend)?;
    Ok(())
}

fn add_node_row(
    conn: &Connection,
    session: &str,
    user_id: &str,
    node: &str,
    now: Timestamp,
) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO participants (session_id, user_id, node_id, joined_at)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut s| s.execute(params![session, user_id, node, ts(&now)]))
    .map_err(backend)?;
    Ok(())
}

/// The user's participation through `node` ends (through every node when `None`: the user or
/// the room is being deleted); they leave once no node holds them any more. `user` is `None`
/// when the user was deleted meanwhile: the snapshot taken at join stands in.
pub fn leave(
    conn: &Connection,
    room: &Room,
    user_id: &str,
    node: Option<&str>,
    user: Option<&User>,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    let Some(session) = open_session(conn, &room.id)? else {
        return Ok((events, fanout));
    };
    let removed = conn
        .prepare_cached(
            "DELETE FROM participants WHERE session_id = ?1 AND user_id = ?2
             AND (?3 IS NULL OR node_id = ?3)",
        )
        .and_then(|mut s| s.execute(params![session, user_id, node]))
        .map_err(backend)?;
    if removed == 0 {
        return Ok((events, fanout));
    }
    // Held through another node too: still a participant.
    let still_held = conn
        .prepare_cached("SELECT 1 FROM participants WHERE session_id = ?1 AND user_id = ?2")
        .and_then(|mut s| s.exists(params![session, user_id]))
        .map_err(backend)?;
    if still_held {
        return Ok((events, fanout));
    }
    let now = clock::now();
    // The room and the user as this transaction's earlier writes left them.
    let room = super::room_in(conn, &room.account_id, &room.id)?;
    let user = match user {
        Some(u) => super::user_in(conn, &u.account_id, &u.id).ok(),
        None => None,
    };
    let leaving = rules::leave(
        &room,
        user.as_ref(),
        || snapshot(conn, &session, user_id),
        now,
    )?;
    if let Some(user) = &leaving.user {
        super::people::write_status(conn, user)?;
    }
    close_user_session(conn, user_id, now)?;
    // From now on the session lists them as they left.
    conn.prepare_cached(
        "UPDATE session_users SET user_json = ?3 WHERE session_id = ?1 AND user_id = ?2",
    )
    .and_then(|mut s| {
        s.execute(params![
            session,
            user_id,
            serde_json::to_string(&leaving.who).expect("users serialize")
        ])
    })
    .map_err(backend)?;
    let remaining: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM participants WHERE session_id = ?1")
        .and_then(|mut s| s.query_row(params![session], |r| r.get(0)))
        .map_err(backend)?;
    let mut room_after = leaving.room;
    let mut left = vec![leaving.event];
    if remaining == 0 {
        mark_closed(conn, &session, now)?;
        let (closed, event) =
            rules::close_session(&room_after, session_users(conn, &session)?, now);
        room_after = closed;
        left.push(event);
    }
    super::people::write_counters(conn, &room_after)?;
    store_events(conn, left, inline, &mut events, &mut fanout)?;
    Ok((events, fanout))
}

fn snapshot(conn: &Connection, session: &str, user_id: &str) -> StoreResult<WebhookUser> {
    let json: String = conn
        .prepare_cached(
            "SELECT user_json FROM session_users WHERE session_id = ?1 AND user_id = ?2",
        )
        .and_then(|mut s| s.query_row(params![session, user_id], |r| r.get(0)))
        .map_err(backend)?;
    serde_json::from_str(&json).map_err(StoreError::backend)
}

fn mark_closed(conn: &Connection, session: &str, now: Timestamp) -> StoreResult<()> {
    conn.prepare_cached("UPDATE sessions SET closed_at = ?1 WHERE id = ?2")
        .and_then(|mut s| s.execute(params![ts(&now), session]))
        .map_err(backend)?;
    Ok(())
}

/// Closes a session nobody takes part in any more (it should not happen; it still closes, and
/// the room's counters with it).
fn close_empty(
    conn: &Connection,
    room: &Room,
    session: &str,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<()> {
    let now = clock::now();
    let room = super::room_in(conn, &room.account_id, &room.id)?;
    mark_closed(conn, session, now)?;
    let (room, event) = rules::close_session(&room, session_users(conn, session)?, now);
    super::people::write_counters(conn, &room)?;
    store_events(conn, vec![event], inline, events, fanout)
}

/// Everyone who joined during the session, in join order.
fn session_users(conn: &Connection, session: &str) -> StoreResult<Vec<WebhookUser>> {
    conn.prepare_cached("SELECT user_json FROM session_users WHERE session_id = ?1 ORDER BY seq")
        .and_then(|mut s| {
            s.query_map(params![session], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?
        .into_iter()
        .map(|j| serde_json::from_str(&j).map_err(StoreError::backend))
        .collect()
}

/// Ends a room's open session, if any: each participant leaves (in the order they joined), the
/// last one closing it.
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
        .prepare_cached(
            "SELECT user_id FROM participants WHERE session_id = ?1
             GROUP BY user_id ORDER BY MIN(joined_at)",
        )
        .and_then(|mut s| s.query_map(params![session], |r| r.get(0))?.collect())
        .map_err(backend)?;
    let users = users.into_iter().map(|u| (u, None)).collect();
    leave_each(conn, room, users, inline, &mut events, &mut fanout)?;
    if open_session(conn, &room.id)?.is_some() {
        close_empty(conn, room, &session, inline, &mut events, &mut fanout)?;
    }
    Ok((events, fanout))
}

/// Each (user, node) participation ends, in order (`None`: through every node).
fn leave_each(
    conn: &Connection,
    room: &Room,
    users: Vec<Hold>,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<()> {
    for (user_id, node) in users {
        let user = super::user_in(conn, &room.account_id, &user_id).ok();
        let (e, f) = leave(conn, room, &user_id, node.as_deref(), user.as_ref(), inline)?;
        events.extend(e);
        fanout.add(f);
    }
    Ok(())
}

pub fn heartbeat(conn: &Connection, node: &str, now: Timestamp) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO nodes (id, heartbeat_at) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
    )
    .and_then(|mut s| s.execute(params![node, ts(&now)]))
    .map_err(backend)?;
    Ok(())
}

pub fn forget_node(conn: &Connection, node: &str) -> StoreResult<()> {
    conn.prepare_cached("DELETE FROM nodes WHERE id = ?1")
        .and_then(|mut s| s.execute(params![node]))
        .map_err(backend)?;
    Ok(())
}

/// Who takes part in the room's open session now, in join order.
pub fn participants(conn: &Connection, room_id: &str) -> StoreResult<Vec<WebhookUser>> {
    let Some(session) = open_session(conn, room_id)? else {
        return Ok(Vec::new());
    };
    conn.prepare_cached(
        "SELECT su.user_json FROM session_users su
         WHERE su.session_id = ?1
           AND EXISTS (SELECT 1 FROM participants p WHERE p.session_id = ?1 AND p.user_id = su.user_id)
         ORDER BY su.seq",
    )
    .and_then(|mut s| {
        s.query_map(params![session], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()
    })
    .map_err(backend)?
    .into_iter()
    .map(|j| serde_json::from_str(&j).map_err(StoreError::backend))
    .collect()
}

pub fn nodes(conn: &Connection) -> StoreResult<Vec<NodeRecord>> {
    conn.prepare_cached("SELECT id, heartbeat_at FROM nodes ORDER BY heartbeat_at")
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?
        .into_iter()
        .map(|(id, at)| {
            Ok(NodeRecord {
                id,
                heartbeat_at: clock::parse(&at).map_err(StoreError::backend)?,
            })
        })
        .collect()
}

/// A user held by a node: the user's id, and the node (`None`: every node).
type Hold = (String, Option<String>);
/// A gone node's hold: account, room, session, and the hold.
type GoneHold = (String, String, String, Hold);

/// Participation held by nodes other than `me` silent since `silent_since` ends: room by room,
/// their participants leave (in join order), and sessions left empty close. Returns the events
/// and how many sessions closed.
pub fn close_of_gone_nodes(
    conn: &Connection,
    me: &str,
    silent_since: Timestamp,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout, usize)> {
    let gone: Vec<GoneHold> = conn
        .prepare(
            "SELECT s.account_id, s.room_id, s.id, p.user_id, p.node_id
             FROM participants p JOIN sessions s ON s.id = p.session_id
             LEFT JOIN nodes n ON n.id = p.node_id
             WHERE s.closed_at IS NULL AND p.node_id != ?1
               AND (n.heartbeat_at IS NULL OR n.heartbeat_at < ?2)
             ORDER BY s.seq, p.joined_at",
        )
        .and_then(|mut s| {
            s.query_map(params![me, ts(&silent_since)], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    (r.get(3)?, Some(r.get(4)?)),
                ))
            })?
            .collect()
        })
        .map_err(backend)?;
    let (mut events, mut fanout, mut closed) = (Vec::new(), Fanout::default(), 0);
    let mut i = 0;
    while i < gone.len() {
        let (account_id, room_id, session, _) = &gone[i];
        let users: Vec<Hold> = gone[i..]
            .iter()
            .take_while(|g| &g.2 == session)
            .map(|g| g.3.clone())
            .collect();
        i += users.len();
        let room = super::room_in(conn, account_id, room_id)?;
        leave_each(conn, &room, users, inline, &mut events, &mut fanout)?;
        if open_session(conn, &room.id)?.as_ref() != Some(session) {
            closed += 1;
        }
    }
    // Open sessions nobody takes part in (left by a crash between writes of older versions)
    // close too.
    let empty: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT account_id, room_id, id FROM sessions s WHERE closed_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.session_id = s.id)
             ORDER BY seq",
        )
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .map_err(backend)?;
    for (account_id, room_id, session) in empty {
        let room = super::room_in(conn, &account_id, &room_id)?;
        close_empty(conn, &room, &session, inline, &mut events, &mut fanout)?;
        closed += 1;
    }
    conn.prepare_cached("DELETE FROM nodes WHERE id != ?1 AND heartbeat_at < ?2")
        .and_then(|mut s| s.execute(params![me, ts(&silent_since)]))
        .map_err(backend)?;
    Ok((events, fanout, closed))
}
