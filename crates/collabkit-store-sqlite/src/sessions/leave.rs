//! A leave: the user's holds end, and when none is left they leave (and the session closes
//! with the last one); a room's end makes everyone leave.

use collabkit_domain::clock;
use collabkit_domain::rules::{self, Hold, LeaveView};
use collabkit_domain::store::{Event, InlineLease, Room, StoreError, StoreResult, User};
use collabkit_webhooks::WebhookUser;
use rusqlite::{Connection, params};

use super::{close_user_session, holds, mark_closed, open_session, session_users, store_events};
use crate::errors::backend;
use crate::queue::Fanout;

/// The user's participation through `node` ends (through every node when `None`: the user or
/// the room is being deleted); they leave once no node holds them any more. `user` is `None`
/// when the user was deleted meanwhile: the snapshot taken at join stands in. Read the view,
/// plan it ([`rules::plan_leave`]), write the plan; returns whether the session closed too.
pub fn leave(
    conn: &Connection,
    room: &Room,
    user_id: &str,
    node: Option<&str>,
    user: Option<&User>,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout, bool)> {
    let session = open_session(conn, &room.id)?;
    let (holds, others_remain) = match &session {
        Some(id) => (
            holds(conn, id, user_id)?.collect(),
            others_remain(conn, id, user_id)?,
        ),
        None => (Vec::new(), false),
    };
    // The room and the user as this transaction's earlier writes left them.
    let room = crate::room_in(conn, &room.account_id, &room.id)?;
    let user = match user {
        Some(u) => crate::user_in(conn, &u.account_id, &u.id).ok(),
        None => None,
    };
    let view = LeaveView {
        room: &room,
        user_id,
        session: session.clone(),
        holds,
        node,
        others_remain,
        user_now: user.as_ref(),
    };
    let session = session.unwrap_or_default();
    let plan = rules::plan_leave(
        view,
        || snapshot(conn, &session, user_id),
        || session_user_rows(conn, &session),
        clock::now(),
    )?;
    for node in &plan.end_holds {
        conn.prepare_cached(
            "DELETE FROM participants WHERE session_id = ?1 AND user_id = ?2 AND node_id = ?3",
        )
        .and_then(|mut s| s.execute(params![session, user_id, node]))
        .map_err(backend)?;
    }
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    let Some(left) = plan.left else {
        return Ok((events, fanout, false));
    };
    let now = left.at;
    if let Some(user) = &left.user {
        crate::state::write_status(conn, user)?;
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
            serde_json::to_string(&left.who).expect("users serialize")
        ])
    })
    .map_err(backend)?;
    if let Some(closed) = &left.close {
        mark_closed(conn, closed, now)?;
    }
    crate::state::write_counters(conn, &left.room)?;
    store_events(conn, left.events, inline, &mut events, &mut fanout)?;
    Ok((events, fanout, left.close.is_some()))
}

/// Whether someone other than the user takes part in the session.
fn others_remain(conn: &Connection, session: &str, user_id: &str) -> StoreResult<bool> {
    conn.prepare_cached("SELECT 1 FROM participants WHERE session_id = ?1 AND user_id != ?2")
        .and_then(|mut s| s.exists(params![session, user_id]))
        .map_err(backend)
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

/// Closes a session nobody takes part in any more (it should not happen; it still closes, and
/// the room's counters with it).
pub(super) fn close_empty(
    conn: &Connection,
    room: &Room,
    session: &str,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<()> {
    let now = clock::now();
    let room = crate::room_in(conn, &room.account_id, &room.id)?;
    let (room, event) = rules::close_session(&room, session_users(conn, session)?, now);
    mark_closed(conn, session, now)?;
    crate::state::write_counters(conn, &room)?;
    store_events(conn, vec![event], inline, events, fanout)
}

/// Everyone who joined during the session, in join order: their ids and stored snapshots.
fn session_user_rows(conn: &Connection, session: &str) -> StoreResult<Vec<(String, String)>> {
    conn.prepare_cached(
        "SELECT user_id, user_json FROM session_users WHERE session_id = ?1 ORDER BY seq",
    )
    .and_then(|mut s| {
        s.query_map(params![session], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect()
    })
    .map_err(backend)
}

/// Ends a room's open session, if any ([`rules::plan_end_room`]).
pub fn end_room(
    conn: &Connection,
    room: &Room,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let open = open_session(conn, &room.id)?;
    let participants: Vec<String> = match &open {
        Some(session) => conn
            .prepare_cached(
                "SELECT user_id FROM participants WHERE session_id = ?1
                 GROUP BY user_id ORDER BY MIN(joined_at)",
            )
            .and_then(|mut s| s.query_map(params![session], |r| r.get(0))?.collect())
            .map_err(backend)?,
        None => Vec::new(),
    };
    let plan = rules::plan_end_room(open, participants);
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    let holds = plan.leave.into_iter().map(|u| (u, None)).collect();
    leave_each(conn, room, holds, inline, &mut events, &mut fanout)?;
    if let Some(session) = &plan.close_empty {
        close_empty(conn, room, session, inline, &mut events, &mut fanout)?;
    }
    Ok((events, fanout))
}

/// Each (user, node) participation ends, in order (`None`: through every node). Returns
/// whether one of them closed the session.
pub(super) fn leave_each(
    conn: &Connection,
    room: &Room,
    holds: Vec<Hold>,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<bool> {
    let mut closed = false;
    for (user_id, node) in holds {
        let user = crate::user_in(conn, &room.account_id, &user_id).ok();
        let (e, f, c) = leave(conn, room, &user_id, node.as_deref(), user.as_ref(), inline)?;
        events.extend(e);
        fanout.add(f);
        closed |= c;
    }
    Ok(closed)
}
