//! A leave: the user's holds end, and when none is left they leave (and the session closes
//! with the last one); a room's end makes everyone leave. The statements take one row per
//! leave: the contract's leaves are written in groups (`group`), the others one at a time.

use std::collections::HashMap;
use std::sync::LazyLock;

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, Hold, LeaveView};
use collabkit_domain::store::{Event, InlineLease, Room, StoreError, StoreResult, User};
use collabkit_webhooks::WebhookEventName;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::{mark_closed, open_session, session_users, store_events};
use crate::lookup::user_in;
use crate::queue::{self, Fanout, KindTargets};
use crate::sql::{self, Params, execute_rows, query, query_rows};

/// What a leave returns: its events, their fan-out, the user after leaving (when they left
/// and exist), and whether the session closed with it.
pub type Leave = (Vec<Event>, Fanout, Option<User>, bool);

/// The events a leave may make.
pub(super) const KINDS: &[WebhookEventName] = &[
    WebhookEventName::ParticipantLeft,
    WebhookEventName::SessionClosed,
];

/// The (room, user) pairs of the leaves, numbered from 1, each with its room's open session.
const PAIRS: &str = "UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS b(room_id, user_id, i)
     JOIN sessions s ON s.room_id = b.room_id AND s.closed_at IS NULL";

/// Each pair's session, the user's holds in it (a row per node; `NULL` for none) and whether
/// anyone else holds a place.
static VIEWS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT b.i, s.id, p.node_id, EXISTS (SELECT 1 FROM participants o
                                             WHERE o.session_id = s.id AND o.user_id != b.user_id)
         FROM {PAIRS} LEFT JOIN participants p ON p.session_id = s.id AND p.user_id = b.user_id"
    )
});

/// The session's snapshot of the user taken at join (stands in for a user deleted meanwhile).
static SNAPSHOTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT b.i, su.user_json FROM {PAIRS}
         JOIN session_users su ON su.session_id = s.id AND su.user_id = b.user_id"
    )
});

/// Everyone who joined the session, in join order — only for the leaves after which nobody
/// else takes part (the session may close with them; for the others nothing is read).
static CLOSINGS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT b.i, su.user_id, su.user_json FROM {PAIRS}
         JOIN session_users su ON su.session_id = s.id
         WHERE NOT EXISTS (SELECT 1 FROM participants o
                           WHERE o.session_id = s.id AND o.user_id != b.user_id)
         ORDER BY b.i, su.seq"
    )
});

const END_HOLDS: &str = "DELETE FROM participants p
     USING UNNEST($1::text[], $2::text[], $3::text[]) AS b(session_id, user_id, node_id)
     WHERE p.session_id = b.session_id AND p.user_id = b.user_id AND p.node_id = b.node_id";

/// Each leaving user offline, their participation closed and the session's snapshot of them as
/// they left, in one statement.
const LEFT: &str = "WITH b AS (
        SELECT * FROM UNNEST($1::text[], $2::text[], $3::timestamptz[], $4::text[])
            AS b(session_id, user_id, at, who)),
     u AS (UPDATE users SET online = false, left_at = b.at FROM b WHERE users.id = b.user_id),
     p AS (UPDATE user_sessions SET left_at = b.at FROM b
           WHERE user_sessions.user_id = b.user_id AND user_sessions.left_at IS NULL)
     UPDATE session_users SET user_json = b.who FROM b
     WHERE session_users.session_id = b.session_id AND session_users.user_id = b.user_id";

const CLOSE: &str = "UPDATE sessions SET closed_at = b.at
     FROM UNNEST($1::text[], $2::timestamptz[]) AS b(id, at) WHERE sessions.id = b.id";

/// Every statement of a leave, to prepare before they are pipelined.
pub(super) fn statements() -> [&'static str; 6] {
    [&VIEWS, &SNAPSHOTS, &CLOSINGS, END_HOLDS, LEFT, CLOSE]
}

/// What a leave reads of its session.
#[derive(Default)]
pub(super) struct LeaveRead {
    session: Option<String>,
    holds: Vec<String>,
    others_remain: bool,
    snapshot: Option<String>,
    closing: Vec<(String, String)>,
}

/// What the leaves of the (room, user) pairs read, by the pair's index from 0 (a pair without
/// an open session has none): three statements, sent together.
pub(super) async fn reads<C: GenericClient + Sync>(
    c: &C,
    rooms: &[&str],
    users: &[&str],
) -> StoreResult<HashMap<usize, LeaveRead>> {
    let (params, n): (Params, usize) = (&[&rooms, &users], rooms.len());
    let (views, snapshots, closings) = tokio::join!(
        query_rows(c, &VIEWS, n, params),
        query_rows(c, &SNAPSHOTS, n, params),
        query_rows(c, &CLOSINGS, n, params),
    );
    let index = |r: &Row| r.get::<_, i64>(0) as usize - 1;
    let mut reads: HashMap<usize, LeaveRead> = HashMap::new();
    for r in &views? {
        let read = reads.entry(index(r)).or_insert_with(|| LeaveRead {
            session: Some(r.get(1)),
            others_remain: r.get(3),
            ..LeaveRead::default()
        });
        read.holds.extend(r.get::<_, Option<String>>(2));
    }
    for r in &snapshots? {
        if let Some(read) = reads.get_mut(&index(r)) {
            read.snapshot = Some(r.get(1));
        }
    }
    for r in &closings? {
        if let Some(read) = reads.get_mut(&index(r)) {
            read.closing.push((r.get(1), r.get(2)));
        }
    }
    Ok(reads)
}

/// The leave's plan ([`rules::plan_leave`]) from what [`reads`] found.
pub(super) fn plan(
    room: &Room,
    user_id: &str,
    node: Option<&str>,
    user: Option<&User>,
    read: LeaveRead,
    now: Timestamp,
) -> StoreResult<rules::LeavePlan> {
    let view = LeaveView {
        room,
        user_id,
        session: read.session,
        holds: read.holds,
        node,
        others_remain: read.others_remain,
        user_now: user,
    };
    let (snapshot, closing) = (read.snapshot, read.closing);
    rules::plan_leave(
        view,
        || {
            let json = snapshot.ok_or(StoreError::NotFound("participant"))?;
            serde_json::from_str(&json).map_err(StoreError::backend)
        },
        || Ok(closing),
        now,
    )
}

/// What a group's leaves write, a vector per column.
#[derive(Default)]
pub(super) struct LeaveRows {
    end_holds: (Vec<String>, Vec<String>, Vec<String>),
    left: (Vec<String>, Vec<String>, Vec<Timestamp>, Vec<String>),
    close: (Vec<String>, Vec<Timestamp>),
}

impl LeaveRows {
    /// Adds the plan's rows; returns what it made (`None`: the user still takes part through
    /// another node, or took no part).
    pub fn add(&mut self, user_id: &str, plan: rules::LeavePlan) -> Option<rules::Left> {
        let session = plan.session.unwrap_or_default();
        for node in plan.end_holds {
            self.end_holds.0.push(session.clone());
            self.end_holds.1.push(user_id.to_owned());
            self.end_holds.2.push(node);
        }
        let left = plan.left?;
        self.left.0.push(session);
        self.left.1.push(user_id.to_owned());
        self.left.2.push(left.at);
        self.left
            .3
            .push(serde_json::to_string(&left.who).expect("users serialize"));
        if let Some(closed) = &left.close {
            self.close.0.push(closed.clone());
            self.close.1.push(left.at);
        }
        Some(left)
    }

    /// Writes them, a statement per kind of row, every one sent at the first poll.
    pub async fn write<C: GenericClient + Sync>(&self, c: &C) -> StoreResult<()> {
        let (e, l, x) = (&self.end_holds, &self.left, &self.close);
        let p_end: Params = &[&e.0, &e.1, &e.2];
        let p_left: Params = &[&l.0, &l.1, &l.2, &l.3];
        let p_close: Params = &[&x.0, &x.1];
        let (ended, marked, closed) = tokio::join!(
            execute_rows(c, END_HOLDS, e.0.len(), p_end),
            execute_rows(c, LEFT, l.0.len(), p_left),
            execute_rows(c, CLOSE, x.0.len(), p_close),
        );
        ended?;
        marked?;
        closed?;
        Ok(())
    }
}

/// The user's participation through `node` ends (through every node when `None`); they leave
/// once no node holds them. `user` is `None` when the user was deleted meanwhile: the
/// snapshot taken at join stands in. `room` (locked by the caller) becomes the room after.
/// Two round trips: what the leave reads, then what it writes. (The contract's leaves are
/// written in groups: `group`.)
pub async fn leave<C: GenericClient + Sync>(
    c: &C,
    room: &mut Room,
    user_id: &str,
    node: Option<&str>,
    user: Option<&User>,
    inline: Option<InlineLease>,
) -> StoreResult<Leave> {
    let mut all = statements().to_vec();
    all.extend([queue::MATCHING, queue::INSERT_EVENTS, sql::NOTIFY_DUE]);
    sql::prepare_all(c, &all).await?;
    let now = clock::now();
    let (rooms, users) = ([room.id.as_str()], [user_id]);
    let (read, targets) = tokio::join!(
        reads(c, &rooms, &users),
        KindTargets::read(c, &room.account_id, &room.id, KINDS, now),
    );
    let (read, targets) = (read?.remove(&0).unwrap_or_default(), targets?);
    let mut rows = LeaveRows::default();
    let Some(left) = rows.add(user_id, plan(room, user_id, node, user, read, now)?) else {
        rows.write(c).await?;
        return Ok((Vec::new(), Fanout::default(), None, false));
    };
    *room = left.room;
    let mut events = left.events;
    let event_targets = targets.for_events(&events);
    let wake = queue::wakes(&event_targets, inline);
    let after = [&*room];
    let mut with_leases: Vec<_> = events.iter_mut().map(|e| (e, inline)).collect();
    let (written, fanouts, notified) = tokio::join!(
        rows.write(c),
        queue::store_events(c, &mut with_leases, &after, event_targets),
        sql::notify_due_if(c, wake),
    );
    written?;
    let fanouts = fanouts?;
    notified?;
    let closed = left.close.is_some();
    Ok((events, Fanout::merged(fanouts), left.user, closed))
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
pub(super) async fn leave_each<C: GenericClient + Sync>(
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
