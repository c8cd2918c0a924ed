//! Live sessions on SQLite: the reads and writes around [`collabkit_domain::rules`]' join and
//! leave, and the end of what a gone node held.

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, JoinView, LeaveView, OpenSession};
use collabkit_domain::store::{
    Event, InlineLease, NodeRecord, Room, StoreError, StoreResult, User, UserSession,
};
use collabkit_webhooks::WebhookUser;
use rusqlite::{Connection, OptionalExtension, params};

use super::queue::{self, Fanout};
use super::rows::{backend, ts};

use collabkit_domain::rules::Hold;

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
    let room = &super::room_in(conn, &room.account_id, &room.id)?;
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
        super::state::write_counters(conn, &joining.room)?;
        super::state::write_status(conn, &joining.user)?;
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

/// The nodes through which the user takes part in the session.
fn holds(
    conn: &Connection,
    session: &str,
    user_id: &str,
) -> StoreResult<std::vec::IntoIter<String>> {
    let nodes: Vec<String> = conn
        .prepare_cached("SELECT node_id FROM participants WHERE session_id = ?1 AND user_id = ?2")
        .and_then(|mut s| {
            s.query_map(params![session, user_id], |r| r.get(0))?
                .collect()
        })
        .map_err(backend)?;
    Ok(nodes.into_iter())
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
    let room = super::room_in(conn, &room.account_id, &room.id)?;
    let user = match user {
        Some(u) => super::user_in(conn, &u.account_id, &u.id).ok(),
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
        super::state::write_status(conn, user)?;
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
    super::state::write_counters(conn, &left.room)?;
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
    let (room, event) = rules::close_session(&room, session_users(conn, session)?, now);
    mark_closed(conn, session, now)?;
    super::state::write_counters(conn, &room)?;
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
fn leave_each(
    conn: &Connection,
    room: &Room,
    holds: Vec<Hold>,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<bool> {
    let mut closed = false;
    for (user_id, node) in holds {
        let user = super::user_in(conn, &room.account_id, &user_id).ok();
        let (e, f, c) = leave(conn, room, &user_id, node.as_deref(), user.as_ref(), inline)?;
        events.extend(e);
        fanout.add(f);
        closed |= c;
    }
    Ok(closed)
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
        let room = super::room_in(conn, &gone.account_id, &gone.room_id)?;
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
        let room = super::room_in(conn, &account_id, &room_id)?;
        close_empty(conn, &room, &session, inline, &mut events, &mut fanout)?;
        closed += 1;
    }
    conn.prepare_cached("DELETE FROM nodes WHERE id != ?1 AND heartbeat_at < ?2")
        .and_then(|mut s| s.execute(params![me, ts(&silent_since)]))
        .map_err(backend)?;
    Ok((events, fanout, closed))
}

/// The storage contract's `Sessions`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::Sessions;

    #[async_trait]
    impl Sessions for crate::SqliteStore {
        async fn join_session(
            &self,
            account_id: &str,
            room_id: &str,
            user_id: &str,
            node: &str,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<()>> {
            let (a, r, u, n) = (
                account_id.to_owned(),
                room_id.to_owned(),
                user_id.to_owned(),
                node.to_owned(),
            );
            self.write_change(false, lease, move |c, inline| {
                let room = room_in(c, &a, &r)?;
                let user = user_in(c, &a, &u)?;
                let (events, fanout) = sessions::join(c, &room, &user, &n, inline)?;
                Ok((
                    Change {
                        events,
                        ..Change::quiet(())
                    },
                    fanout,
                ))
            })
            .await
        }

        async fn leave_session(
            &self,
            account_id: &str,
            room_id: &str,
            user_id: &str,
            node: &str,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<()>> {
            let (a, r, u, n) = (
                account_id.to_owned(),
                room_id.to_owned(),
                user_id.to_owned(),
                node.to_owned(),
            );
            self.write_change(false, lease, move |c, inline| {
                let room = room_in(c, &a, &r)?;
                let user = user_in(c, &a, &u).ok();
                let (events, fanout, _) =
                    sessions::leave(c, &room, &u, Some(&n), user.as_ref(), inline)?;
                Ok((
                    Change {
                        events,
                        ..Change::quiet(())
                    },
                    fanout,
                ))
            })
            .await
        }

        async fn node_heartbeat(&self, node: &str, now: Timestamp) -> StoreResult<()> {
            let n = node.to_owned();
            self.writer
                .write(move |c| sessions::heartbeat(c, &n, now))
                .await
        }

        async fn node_stopped(&self, node: &str) -> StoreResult<()> {
            let n = node.to_owned();
            self.writer
                .write(move |c| sessions::forget_node(c, &n))
                .await
        }

        async fn nodes(&self) -> StoreResult<Vec<NodeRecord>> {
            self.readers.read(sessions::nodes).await
        }

        async fn session_participants(
            &self,
            account_id: &str,
            room_id: &str,
        ) -> StoreResult<Vec<collabkit_webhooks::WebhookUser>> {
            let (a, r) = (account_id.to_owned(), room_id.to_owned());
            self.readers
                .read(move |c| {
                    let room = room_in(c, &a, &r)?;
                    sessions::participants(c, &room.id)
                })
                .await
        }

        async fn close_sessions_of_gone_nodes(
            &self,
            me: &str,
            silent_since: Timestamp,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<usize>> {
            let me = me.to_owned();
            self.write_change(false, lease, move |c, inline| {
                let (events, fanout, closed) =
                    sessions::close_of_gone_nodes(c, &me, silent_since, inline)?;
                Ok((
                    Change {
                        events,
                        ..Change::quiet(closed)
                    },
                    fanout,
                ))
            })
            .await
        }
    }
}
