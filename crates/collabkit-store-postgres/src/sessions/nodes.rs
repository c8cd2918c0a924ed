//! Nodes: their heartbeats, and the end of the participation held by nodes gone silent (and of
//! sessions left open with nobody in them).

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, GoneRoom};
use collabkit_domain::store::{Event, InlineLease, StoreError, StoreResult};
use deadpool_postgres::GenericClient;

use super::leave::leave_each;
use super::{mark_closed, open_session, session_users, store_events};
use crate::lookup::{RoomLock, lock_room};
use crate::queue::Fanout;
use crate::sql::{execute, query, query_one};

pub async fn heartbeat<C: GenericClient + Sync>(
    c: &C,
    node: &str,
    now: Timestamp,
) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO nodes (id, heartbeat_at) VALUES ($1, $2)
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at",
        &[&node, &now],
    )
    .await?;
    Ok(())
}

pub async fn forget_node<C: GenericClient + Sync>(c: &C, node: &str) -> StoreResult<()> {
    execute(c, "DELETE FROM nodes WHERE id = $1", &[&node]).await?;
    Ok(())
}

/// The rooms where nodes other than `me`, silent since `silent_since`, hold participants, and
/// those holds (user, node) in join order ([`rules::gone_rooms`]).
pub async fn gone_participation<C: GenericClient + Sync>(
    c: &C,
    me: &str,
    silent_since: Timestamp,
) -> StoreResult<Vec<GoneRoom>> {
    let rows = query(
        c,
        "SELECT s.account_id, s.room_id, s.id, p.user_id, p.node_id
         FROM participants p JOIN sessions s ON s.id = p.session_id
         LEFT JOIN nodes n ON n.id = p.node_id
         WHERE s.closed_at IS NULL AND p.node_id != $1
           AND (n.heartbeat_at IS NULL OR n.heartbeat_at < $2)
         ORDER BY s.seq, p.joined_at",
        &[&me, &silent_since],
    )
    .await?;
    Ok(rules::gone_rooms(
        rows.iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect(),
    ))
}

/// In one room (locked here): the given participants leave, if they still take part. Returns
/// whether the room's session closed.
pub async fn end_participation<C: GenericClient + Sync>(
    c: &C,
    gone: GoneRoom,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<bool> {
    let mut room = match lock_room(c, &gone.account_id, &gone.room_id, RoomLock::Session).await {
        Ok(room) => room,
        Err(StoreError::NotFound(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    leave_each(c, &mut room, gone.holds, inline, events, fanout).await
}

/// Open sessions nobody takes part in (should not exist: the last leave closes them) close,
/// each if still empty under its room's lock ([`rules::closes_empty`]).
pub async fn close_empty_sessions<C: GenericClient + Sync>(
    c: &C,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<usize> {
    let empty = query(
        c,
        "SELECT account_id, room_id, id FROM sessions s WHERE closed_at IS NULL
         AND NOT EXISTS (SELECT 1 FROM participants p WHERE p.session_id = s.id)
         ORDER BY seq",
        &[],
    )
    .await?;
    let mut closed = 0;
    for r in &empty {
        let (account_id, room_id, session): (String, String, String) =
            (r.get(0), r.get(1), r.get(2));
        let Ok(room) = lock_room(c, &account_id, &room_id, RoomLock::Session).await else {
            continue;
        };
        let open_now = open_session(c, &room.id).await?;
        let participants: i64 = query_one(
            c,
            "SELECT COUNT(*) FROM participants WHERE session_id = $1",
            &[&session],
        )
        .await?
        .get(0);
        if !rules::closes_empty(open_now.as_deref(), &session, participants.max(0) as u64) {
            continue; // closed meanwhile, or someone joined since the look above
        }
        let now = clock::now();
        mark_closed(c, &session, now).await?;
        let (room, event) = rules::close_session(&room, session_users(c, &session).await?, now);
        store_events(c, &room, vec![event], inline, events, fanout).await?;
        closed += 1;
    }
    Ok(closed)
}
