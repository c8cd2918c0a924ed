//! Live sessions on PostgreSQL: the reads and writes around the domain's join and leave rules.
//! Callers hold the room's row lock (`RoomLock::Session` or stronger), so two nodes changing one
//! room's session take turns.

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, GoneRoom, Hold, JoinView, LeaveView, OpenSession};
use collabkit_domain::store::{Event, InlineLease, Room, StoreError, StoreResult, User};
use collabkit_webhooks::WebhookUser;
use deadpool_postgres::GenericClient;

use crate::lookup::{RoomLock, lock_room, user_in};
use crate::queue::{self, Fanout};
use crate::sql::{execute, query, query_one, query_opt};

async fn open_session<C: GenericClient + Sync>(
    c: &C,
    room_id: &str,
) -> StoreResult<Option<String>> {
    Ok(query_opt(
        c,
        "SELECT id FROM sessions WHERE room_id = $1 AND closed_at IS NULL",
        &[&room_id],
    )
    .await?
    .map(|r| r.get(0)))
}

/// Stores the room's new events (in one statement) with the room's counters after them.
async fn store_events<C: GenericClient + Sync>(
    c: &C,
    room: &Room,
    mut new: Vec<Event>,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<()> {
    let mut with_leases: Vec<_> = new.iter_mut().map(|e| (e, inline)).collect();
    for f in queue::insert_events(c, &mut with_leases, &[room]).await? {
        fanout.add(f);
    }
    events.extend(new);
    Ok(())
}

/// A join: read the view, plan it ([`rules::plan_join`]), write the plan.
pub async fn join<C: GenericClient + Sync>(
    c: &C,
    room: &Room,
    user: &User,
    node: &str,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let open = match open_session(c, &room.id).await? {
        Some(id) => Some(OpenSession {
            already_in: query_opt(
                c,
                "SELECT 1 FROM participants WHERE session_id = $1 AND user_id = $2",
                &[&id, &user.id],
            )
            .await?
            .is_some(),
            id,
        }),
        None => None,
    };
    let now = clock::now();
    let plan = rules::plan_join(JoinView { room, user, open }, now)?;
    if let Some(id) = &plan.start {
        execute(
            c,
            "INSERT INTO sessions (id, account_id, room_id, started_at) VALUES ($1, $2, $3, $4)",
            &[id, &room.account_id, &room.id, &now],
        )
        .await?;
    }
    add_node_row(c, &plan.session, &user.id, node, now).await?;
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    if let Some(joining) = plan.joining {
        let snapshot = serde_json::to_string(&joining.snapshot).expect("users serialize");
        // The session's snapshot of the user, the user online, and their participation
        // opened, in one statement. (An open participation left by a crash is kept, not
        // doubled.)
        let (joined, opened) = (&joining.user, &joining.user_session);
        execute(
            c,
            "WITH u AS (UPDATE users SET online = true, joined_at = $4 WHERE id = $2),
             p AS (INSERT INTO user_sessions (id, account_id, user_id, room_id, joined_at)
                   VALUES ($5, $6, $2, $7, $8)
                   ON CONFLICT (user_id) WHERE left_at IS NULL DO NOTHING)
             INSERT INTO session_users (session_id, user_id, user_json, seq)
             VALUES ($1, $2, $3, (SELECT COUNT(*) FROM session_users WHERE session_id = $1))
             ON CONFLICT (session_id, user_id) DO UPDATE SET user_json = excluded.user_json",
            &[
                &plan.session,
                &user.id,
                &snapshot,
                &joined.joined_at,
                &opened.id,
                &room.account_id,
                &opened.room_id,
                &opened.joined_at,
            ],
        )
        .await?;
        store_events(
            c,
            &joining.room,
            joining.events,
            inline,
            &mut events,
            &mut fanout,
        )
        .await?;
    }
    Ok((events, fanout))
}

async fn add_node_row<C: GenericClient + Sync>(
    c: &C,
    session: &str,
    user_id: &str,
    node: &str,
    now: Timestamp,
) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO participants (session_id, user_id, node_id, joined_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        &[&session, &user_id, &node, &now],
    )
    .await?;
    Ok(())
}

/// What a leave returns: its events, their fan-out, the user after leaving (when they left
/// and exist), and whether the session closed with it.
pub type Leave = (Vec<Event>, Fanout, Option<User>, bool);

/// The user's participation through `node` ends (through every node when `None`); they leave
/// once no node holds them. `user` is `None` when the user was deleted meanwhile: the
/// snapshot taken at join stands in. `room` (locked by the caller) becomes the room after.
/// Read the view, plan it ([`rules::plan_leave`]), write the plan.
pub async fn leave<C: GenericClient + Sync>(
    c: &C,
    room: &mut Room,
    user_id: &str,
    node: Option<&str>,
    user: Option<&User>,
    inline: Option<InlineLease>,
) -> StoreResult<Leave> {
    let session = open_session(c, &room.id).await?;
    let (holds, others_remain) = match &session {
        Some(id) => {
            let rows = query(
                c,
                "SELECT node_id, EXISTS (SELECT 1 FROM participants
                                         WHERE session_id = $1 AND user_id != $2)
                 FROM participants WHERE session_id = $1 AND user_id = $2",
                &[id, &user_id],
            )
            .await?;
            let others = rows.first().is_some_and(|r| r.get::<_, bool>(1));
            (rows.iter().map(|r| r.get(0)).collect(), others)
        }
        None => (Vec::new(), false),
    };
    let view = LeaveView {
        room: &*room,
        user_id,
        session: session.clone(),
        holds,
        node,
        others_remain,
        user_now: user,
    };
    let session = session.unwrap_or_default();
    // What the plan may need, read before it (the reads are async, the rule is not).
    let snapshot = if view.leaves() && user.is_none() {
        Some(snapshot(c, &session, user_id).await?)
    } else {
        None
    };
    let users = if view.closes() {
        Some(session_user_rows(c, &session).await?)
    } else {
        None
    };
    let plan = rules::plan_leave(
        view,
        || Ok(snapshot.expect("read above")),
        || Ok(users.expect("read above")),
        clock::now(),
    )?;
    if !plan.end_holds.is_empty() {
        execute(
            c,
            "DELETE FROM participants WHERE session_id = $1 AND user_id = $2
             AND node_id = ANY($3)",
            &[&session, &user_id, &plan.end_holds],
        )
        .await?;
    }
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    let Some(left) = plan.left else {
        return Ok((events, fanout, None, false));
    };
    let who = serde_json::to_string(&left.who).expect("users serialize");
    // The user offline, their participation closed and the session's snapshot of them as they
    // left, in one statement.
    execute(
        c,
        "WITH u AS (UPDATE users SET online = false, left_at = $3 WHERE id = $2),
         p AS (UPDATE user_sessions SET left_at = $3 WHERE user_id = $2 AND left_at IS NULL)
         UPDATE session_users SET user_json = $4 WHERE session_id = $1 AND user_id = $2",
        &[&session, &user_id, &left.at, &who],
    )
    .await?;
    if let Some(closed) = &left.close {
        mark_closed(c, closed, left.at).await?;
    }
    *room = left.room;
    store_events(c, room, left.events, inline, &mut events, &mut fanout).await?;
    Ok((events, fanout, left.user, left.close.is_some()))
}

async fn snapshot<C: GenericClient + Sync>(
    c: &C,
    session: &str,
    user_id: &str,
) -> StoreResult<WebhookUser> {
    let json: String = query_one(
        c,
        "SELECT user_json FROM session_users WHERE session_id = $1 AND user_id = $2",
        &[&session, &user_id],
    )
    .await?
    .get(0);
    serde_json::from_str(&json).map_err(StoreError::backend)
}

async fn mark_closed<C: GenericClient + Sync>(
    c: &C,
    session: &str,
    now: Timestamp,
) -> StoreResult<()> {
    execute(
        c,
        "UPDATE sessions SET closed_at = $1 WHERE id = $2",
        &[&now, &session],
    )
    .await?;
    Ok(())
}

/// Everyone who joined during the session, in join order: their ids and stored snapshots.
async fn session_user_rows<C: GenericClient + Sync>(
    c: &C,
    session: &str,
) -> StoreResult<Vec<(String, String)>> {
    Ok(query(
        c,
        "SELECT user_id, user_json FROM session_users WHERE session_id = $1 ORDER BY seq",
        &[&session],
    )
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect())
}

async fn session_users<C: GenericClient + Sync>(
    c: &C,
    session: &str,
) -> StoreResult<Vec<WebhookUser>> {
    query(
        c,
        "SELECT user_json FROM session_users WHERE session_id = $1 ORDER BY seq",
        &[&session],
    )
    .await?
    .iter()
    .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(StoreError::backend))
    .collect()
}

/// Ends a room's open session, if any ([`rules::plan_end_room`]).
pub async fn end_room<C: GenericClient + Sync>(
    c: &C,
    room: &mut Room,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let open = open_session(c, &room.id).await?;
    let participants = match &open {
        Some(session) => query(
            c,
            "SELECT user_id FROM participants WHERE session_id = $1
             GROUP BY user_id ORDER BY MIN(joined_at)",
            &[session],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect(),
        None => Vec::new(),
    };
    let plan = rules::plan_end_room(open, participants);
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    let holds = plan.leave.into_iter().map(|u| (u, None)).collect();
    leave_each(c, room, holds, inline, &mut events, &mut fanout).await?;
    if let Some(session) = &plan.close_empty {
        let now = clock::now();
        let (closed, event) = rules::close_session(room, session_users(c, session).await?, now);
        mark_closed(c, session, now).await?;
        *room = closed;
        store_events(c, room, vec![event], inline, &mut events, &mut fanout).await?;
    }
    Ok((events, fanout))
}

/// Each (user, node) participation ends, in order (`None`: through every node). Returns
/// whether one of them closed the session.
async fn leave_each<C: GenericClient + Sync>(
    c: &C,
    room: &mut Room,
    holds: Vec<Hold>,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<bool> {
    let mut closed = false;
    for (user_id, node) in holds {
        let user = user_in(c, &room.account_id, &user_id).await.ok();
        let (e, f, _, c_) =
            leave(c, room, &user_id, node.as_deref(), user.as_ref(), inline).await?;
        events.extend(e);
        fanout.add(f);
        closed |= c_;
    }
    Ok(closed)
}

/// Who takes part in the room's open session now, in join order.
pub async fn participants<C: GenericClient + Sync>(
    c: &C,
    room_id: &str,
) -> StoreResult<Vec<WebhookUser>> {
    let Some(session) = open_session(c, room_id).await? else {
        return Ok(Vec::new());
    };
    query(
        c,
        "SELECT su.user_json FROM session_users su
         WHERE su.session_id = $1
           AND EXISTS (SELECT 1 FROM participants p WHERE p.session_id = $1 AND p.user_id = su.user_id)
         ORDER BY su.seq",
        &[&session],
    )
    .await?
    .iter()
    .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(StoreError::backend))
    .collect()
}

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

/// The storage contract's `Sessions`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::Sessions;

    #[async_trait]
    impl Sessions for crate::PgStore {
        async fn join_session(
            &self,
            account_id: &str,
            room_id: &str,
            user_id: &str,
            node: &str,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<()>> {
            in_tx!(self, tx => {
                let room = lookup::lock_room(&tx, account_id, room_id, lookup::RoomLock::Session).await?;
                let user = lookup::user_in(&tx, account_id, user_id).await?;
                let (events, fanout) = sessions::join(&tx, &room, &user, node, lease).await?;
                Self::finish_change(&tx, Change { events, ..Change::quiet(()) }, fanout).await?
            })
        }

        async fn leave_session(
            &self,
            account_id: &str,
            room_id: &str,
            user_id: &str,
            node: &str,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<()>> {
            in_tx!(self, tx => {
                let mut room = lookup::lock_room(&tx, account_id, room_id, lookup::RoomLock::Session).await?;
                let user = lookup::user_in(&tx, account_id, user_id).await.ok();
                let (events, fanout, _, _) =
                    sessions::leave(&tx, &mut room, user_id, Some(node), user.as_ref(), lease).await?;
                Self::finish_change(&tx, Change { events, ..Change::quiet(()) }, fanout).await?
            })
        }

        async fn node_heartbeat(&self, node: &str, now: Timestamp) -> StoreResult<()> {
            self.within(async { sessions::heartbeat(&self.client().await?, node, now).await })
                .await
        }

        async fn node_stopped(&self, node: &str) -> StoreResult<()> {
            self.within(async { sessions::forget_node(&self.client().await?, node).await })
                .await
        }

        async fn session_participants(
            &self,
            account_id: &str,
            room_id: &str,
        ) -> StoreResult<Vec<collabkit_webhooks::WebhookUser>> {
            self.within(async {
                let client = self.client().await?;
                let room = lookup::room_in(&client, account_id, room_id).await?;
                sessions::participants(&client, &room.id).await
            })
            .await
        }

        async fn nodes(&self) -> StoreResult<Vec<NodeRecord>> {
            self.within(async {
                Ok(sql::query(
                    &self.client().await?,
                    "SELECT id, heartbeat_at FROM nodes ORDER BY heartbeat_at",
                    &[],
                )
                .await?
                .iter()
                .map(|r| NodeRecord {
                    id: r.get(0),
                    heartbeat_at: r.get(1),
                })
                .collect())
            })
            .await
        }

        async fn close_sessions_of_gone_nodes(
            &self,
            me: &str,
            silent_since: Timestamp,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<usize>> {
            let rooms = self
                .within(async {
                    sessions::gone_participation(&self.client().await?, me, silent_since).await
                })
                .await?;
            let (mut events, mut leased, mut closed) = (Vec::new(), Vec::new(), 0);
            // Room by room, each in its own short transaction under the room's lock: another node
            // doing the same at the same moment finds the participants gone and does nothing.
            for gone in rooms {
                let change = in_tx!(self, tx => {
                    let (mut e, mut f) = (Vec::new(), Fanout::default());
                    let ended = sessions::end_participation(&tx, gone.clone(), lease, &mut e, &mut f).await?;
                    closed += usize::from(ended);
                    Self::finish_change(&tx, Change { events: e, ..Change::quiet(()) }, f).await?
                })?;
                events.extend(change.events);
                leased.extend(change.leased);
            }
            let change = in_tx!(self, tx => {
                let (mut e, mut f) = (Vec::new(), Fanout::default());
                closed += sessions::close_empty_sessions(&tx, lease, &mut e, &mut f).await?;
                tx.execute(
                    "DELETE FROM nodes WHERE id != $1 AND heartbeat_at < $2",
                    &[&me, &silent_since],
                )
                .await
                .map_err(pg)?;
                Self::finish_change(&tx, Change { events: e, ..Change::quiet(()) }, f).await?
            })?;
            events.extend(change.events);
            leased.extend(change.leased);
            Ok(Change {
                value: closed,
                events,
                leased,
            })
        }
    }
}
