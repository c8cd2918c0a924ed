//! A join: the session started when it is the first, the user's hold through the node, and
//! the user joining (status, participation opened, snapshot) when it is their first hold.

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, JoinView, OpenSession};
use collabkit_domain::store::{Event, InlineLease, Room, StoreResult, User, UserSession};
use rusqlite::{Connection, params};

use super::{close_user_session, holds, open_session, store_events};
use crate::errors::backend;
use crate::queue::Fanout;
use crate::rows::ts;

/// A join: read the view, plan it ([`rules::plan_join`]), write the plan.
pub fn join(
    conn: &Connection,
    room: &Room,
    user: &User,
    node: &str,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let open = match open_session(conn, &room.id)? {
        Some(id) => Some(OpenSession {
            already_in: holds(conn, &id, &user.id)?.next().is_some(),
            id,
        }),
        None => None,
    };
    // The room as this transaction's earlier writes left it.
    let room = &crate::room_in(conn, &room.account_id, &room.id)?;
    let now = clock::now();
    let plan = rules::plan_join(JoinView { room, user, open }, now)?;
    if let Some(id) = &plan.start {
        conn.prepare_cached(
            "INSERT INTO sessions (id, account_id, room_id, started_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut s| s.execute(params![id, room.account_id, room.id, ts(&now)]))
        .map_err(backend)?;
    }
    add_node_row(conn, &plan.session, &user.id, node, now)?;
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    if let Some(joining) = plan.joining {
        crate::state::write_counters(conn, &joining.room)?;
        crate::state::write_status(conn, &joining.user)?;
        open_user_session(conn, &room.account_id, &joining.user_session)?;
        let snapshot = serde_json::to_string(&joining.snapshot).expect("users serialize");
        conn.prepare_cached(
            "INSERT INTO session_users (session_id, user_id, user_json, seq)
             VALUES (?1, ?2, ?3, (SELECT COUNT(*) FROM session_users WHERE session_id = ?1))
             ON CONFLICT (session_id, user_id) DO UPDATE SET user_json = excluded.user_json",
        )
        .and_then(|mut s| s.execute(params![plan.session, user.id, snapshot]))
        .map_err(backend)?;
        store_events(conn, joining.events, inline, &mut events, &mut fanout)?;
    }
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
