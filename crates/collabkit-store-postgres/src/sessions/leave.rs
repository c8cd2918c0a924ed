//! A leave: the user's holds end, and when none is left they leave (and the session closes
//! with the last one); a room's end makes everyone leave.

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, Hold, LeaveView};
use collabkit_domain::store::{Change, Event, InlineLease, Room, StoreError, StoreResult, User};
use collabkit_webhooks::WebhookEventName;
use deadpool_postgres::GenericClient;

use super::{mark_closed, open_session, session_users, store_events};
use crate::lookup::{self, RoomLock, user_in};
use crate::queue::{self, Fanout, KindTargets};
use crate::sql::{self, Pipelined, execute, query, query_opt};

/// What a leave returns: its events, their fan-out, the user after leaving (when they left
/// and exist), and whether the session closed with it.
pub type Leave = (Vec<Event>, Fanout, Option<User>, bool);

/// The room's open session, the user's holds in it (one row per node; `NULL` for none) and
/// whether anyone else holds a place.
const VIEW: &str = "SELECT s.id, p.node_id, EXISTS (SELECT 1 FROM participants o
                                               WHERE o.session_id = s.id AND o.user_id != $2)
     FROM sessions s LEFT JOIN participants p ON p.session_id = s.id AND p.user_id = $2
     WHERE s.room_id = $1 AND s.closed_at IS NULL";

/// The session's snapshot of the user taken at join (stands in for a user deleted meanwhile).
const SNAPSHOT: &str = "SELECT su.user_json FROM sessions s
     JOIN session_users su ON su.session_id = s.id AND su.user_id = $2
     WHERE s.room_id = $1 AND s.closed_at IS NULL";

/// Everyone who joined during the session, in join order — only when nobody but the user still
/// takes part (the session may close with this leave; otherwise nothing is read).
const CLOSING: &str = "SELECT su.user_id, su.user_json FROM sessions s
     JOIN session_users su ON su.session_id = s.id
     WHERE s.room_id = $1 AND s.closed_at IS NULL
       AND NOT EXISTS (SELECT 1 FROM participants o WHERE o.session_id = s.id AND o.user_id != $2)
     ORDER BY su.seq";

const END_HOLDS: &str = "DELETE FROM participants WHERE session_id = $1 AND user_id = $2
     AND node_id = ANY($3)";

/// The user offline, their participation closed and the session's snapshot of them as they
/// left, in one statement.
const LEFT: &str = "WITH u AS (UPDATE users SET online = false, left_at = $3 WHERE id = $2),
     p AS (UPDATE user_sessions SET left_at = $3 WHERE user_id = $2 AND left_at IS NULL)
     UPDATE session_users SET user_json = $4 WHERE session_id = $1 AND user_id = $2";

const CLOSE: &str = "UPDATE sessions SET closed_at = $1 WHERE id = $2";

/// The events a leave may make.
const KINDS: [WebhookEventName; 2] = [
    WebhookEventName::ParticipantLeft,
    WebhookEventName::SessionClosed,
];

/// Every statement a leave sends, to prepare before they are pipelined (`extra`: the caller's
/// own, such as its room lock).
async fn prepare<C: GenericClient + Sync>(c: &C, extra: &[&str]) -> StoreResult<()> {
    let mut all = vec![
        VIEW,
        SNAPSHOT,
        CLOSING,
        queue::MATCHING,
        END_HOLDS,
        LEFT,
        CLOSE,
        queue::INSERT_EVENTS,
        sql::NOTIFY_DUE,
    ];
    all.extend_from_slice(extra);
    sql::prepare_all(c, &all).await
}

/// What a leave reads of the session, in one round trip (with whatever the caller sends
/// beside it).
pub(super) struct LeaveRead {
    pub session: Option<String>,
    pub holds: Vec<String>,
    pub others_remain: bool,
    pub snapshot: Option<String>,
    pub closing: Vec<(String, String)>,
    pub targets: KindTargets,
}

async fn read<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    user_id: &str,
    now: Timestamp,
) -> StoreResult<LeaveRead> {
    let params: sql::Params = &[&room_id, &user_id];
    let (view, snapshot, closing, targets) = tokio::join!(
        query(c, VIEW, params),
        query_opt(c, SNAPSHOT, params),
        query(c, CLOSING, params),
        KindTargets::read(c, account_id, room_id, &KINDS, now),
    );
    let view = view?;
    Ok(LeaveRead {
        session: view.first().map(|r| r.get(0)),
        holds: view
            .iter()
            .filter_map(|r| r.get::<_, Option<String>>(1))
            .collect(),
        others_remain: view.first().is_some_and(|r| r.get::<_, bool>(2)),
        snapshot: snapshot?.map(|r| r.get(0)),
        closing: closing?.iter().map(|r| (r.get(0), r.get(1))).collect(),
        targets: targets?,
    })
}

/// The leave's plan ([`rules::plan_leave`]) from what [`read`] found.
pub(super) fn plan(
    room: &Room,
    user_id: &str,
    node: Option<&str>,
    user: Option<&User>,
    read: &mut LeaveRead,
    now: Timestamp,
) -> StoreResult<rules::LeavePlan> {
    let view = LeaveView {
        room,
        user_id,
        session: read.session.clone(),
        holds: std::mem::take(&mut read.holds),
        node,
        others_remain: read.others_remain,
        user_now: user,
    };
    let (snapshot, closing) = (read.snapshot.take(), std::mem::take(&mut read.closing));
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

/// Writes the plan: every statement sent at the first poll, so a pipelined `COMMIT` goes
/// after them.
async fn write<C: GenericClient + Sync>(
    c: &C,
    room: &mut Room,
    user_id: &str,
    plan: rules::LeavePlan,
    inline: Option<InlineLease>,
    targets: &KindTargets,
) -> StoreResult<Leave> {
    let session = plan.session.unwrap_or_default();
    let end_holds = async {
        if !plan.end_holds.is_empty() {
            execute(c, END_HOLDS, &[&session, &user_id, &plan.end_holds]).await?;
        }
        Ok::<_, StoreError>(())
    };
    let Some(left) = plan.left else {
        end_holds.await?;
        return Ok((Vec::new(), Fanout::default(), None, false));
    };
    let who = serde_json::to_string(&left.who).expect("users serialize");
    let left_params: sql::Params = &[&session, &user_id, &left.at, &who];
    let marked = execute(c, LEFT, left_params);
    let close = async {
        if let Some(closed) = &left.close {
            execute(c, CLOSE, &[&left.at, closed]).await?;
        }
        Ok::<_, StoreError>(())
    };
    *room = left.room;
    let mut events = left.events;
    let event_targets = targets.for_events(&events);
    let wake = queue::wakes(&event_targets, inline);
    let after = [&*room];
    let mut with_leases: Vec<_> = events.iter_mut().map(|e| (e, inline)).collect();
    let stored = queue::store_events(c, &mut with_leases, &after, event_targets);
    let notify = sql::notify_due_if(c, wake);
    let (ended, marked, closed, fanouts, notified) =
        tokio::join!(end_holds, marked, close, stored, notify);
    ended?;
    marked?;
    closed?;
    let fanouts = fanouts?;
    notified?;
    Ok((
        events,
        Fanout::merged(fanouts),
        left.user,
        left.close.is_some(),
    ))
}

/// The user's participation through `node` ends (through every node when `None`); they leave
/// once no node holds them. `user` is `None` when the user was deleted meanwhile: the
/// snapshot taken at join stands in. `room` (locked by the caller) becomes the room after.
/// Two round trips: what the leave reads, then what it writes.
pub async fn leave<C: GenericClient + Sync>(
    c: &C,
    room: &mut Room,
    user_id: &str,
    node: Option<&str>,
    user: Option<&User>,
    inline: Option<InlineLease>,
) -> StoreResult<Leave> {
    prepare(c, &[]).await?;
    let now = clock::now();
    let mut read = read(c, &room.account_id, &room.id, user_id, now).await?;
    let plan = plan(room, user_id, node, user, &mut read, now)?;
    write(c, room, user_id, plan, inline, &read.targets).await
}

/// The contract's `leave_session`: the user's hold through `node` ends, in one pipelined
/// transaction of two round trips (`BEGIN`, the room locked, the user and the session's state
/// together; then the writes and `COMMIT`).
pub async fn leave_session(
    client: deadpool_postgres::Object,
    account_id: &str,
    room_id: &str,
    user_id: &str,
    node: &str,
    inline: Option<InlineLease>,
) -> StoreResult<Change<()>> {
    let (lock_sql, user_sql) = (lookup::lock_room_sql(RoomLock::Session), lookup::user_sql());
    prepare(&client, &[&lock_sql, &user_sql]).await?;
    let tx = Pipelined::new(client);
    let c = tx.client();
    let now = clock::now();
    let read = tx
        .begin(async {
            let (room, user, read) = tokio::join!(
                lookup::lock_room(c, account_id, room_id, RoomLock::Session),
                lookup::user_in(c, account_id, user_id),
                read(c, account_id, room_id, user_id, now),
            );
            Ok((room?, user.ok(), read?))
        })
        .await;
    let planned = read.and_then(|(room, user, mut read)| {
        let plan = plan(&room, user_id, Some(node), user.as_ref(), &mut read, now)?;
        Ok((room, plan, read.targets))
    });
    let (mut room, plan, targets) = match planned {
        Ok(planned) => planned,
        Err(e) => {
            tx.rollback().await;
            return Err(e);
        }
    };
    let written = write(c, &mut room, user_id, plan, inline, &targets);
    let (events, fanout, _, _) = tx.commit(written).await?;
    Ok(Change {
        value: (),
        events,
        leased: fanout.leased,
    })
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
