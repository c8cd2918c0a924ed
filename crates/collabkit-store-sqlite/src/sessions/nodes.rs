//! Nodes: their heartbeats, and the end of the participation held by nodes gone silent (and of
//! sessions left open with nobody in them).

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules;
use collabkit_domain::store::{Event, InlineLease, NodeRecord, StoreError, StoreResult};
use rusqlite::{Connection, params};

use super::leave::{close_empty, leave_each};
use crate::errors::backend;
use crate::queue::Fanout;
use crate::rows::ts;

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

/// Participation held by nodes other than `me` silent since `silent_since` ends: room by room
/// ([`rules::gone_rooms`]), their participants leave (in join order), and sessions left empty
/// close. Returns the events and how many sessions closed.
pub fn close_of_gone_nodes(
    conn: &Connection,
    me: &str,
    silent_since: Timestamp,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout, usize)> {
    let gone = conn
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
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect()
        })
        .map_err(backend)?;
    let (mut events, mut fanout, mut closed) = (Vec::new(), Fanout::default(), 0);
    for gone in rules::gone_rooms(gone) {
        let room = crate::room_in(conn, &gone.account_id, &gone.room_id)?;
        if leave_each(conn, &room, gone.holds, inline, &mut events, &mut fanout)? {
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
        let room = crate::room_in(conn, &account_id, &room_id)?;
        close_empty(conn, &room, &session, inline, &mut events, &mut fanout)?;
        closed += 1;
    }
    conn.prepare_cached("DELETE FROM nodes WHERE id != ?1 AND heartbeat_at < ?2")
        .and_then(|mut s| s.execute(params![me, ts(&silent_since)]))
        .map_err(backend)?;
    Ok((events, fanout, closed))
}
