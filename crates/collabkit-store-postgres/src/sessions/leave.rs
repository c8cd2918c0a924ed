//! A leave: the user's holds end, and when none is left they leave (and the session closes
//! with the last one); a room's end makes everyone leave.

use collabkit_domain::clock;
use collabkit_domain::rules::{self, Hold, LeaveView};
use collabkit_domain::store::{Event, InlineLease, Room, StoreError, StoreResult, User};
use collabkit_webhooks::WebhookUser;
use deadpool_postgres::GenericClient;

use super::{mark_closed, open_session, session_users, store_events};
use crate::lookup::user_in;
use crate::queue::Fanout;
use crate::sql::{execute, query, query_one};

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
