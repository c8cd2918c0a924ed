//! A join: the session started when it is the first, the user's hold through the node, and
//! the user joining (snapshot, online, participation opened) when it is their first hold.
//!
//! One transaction of two round trips: `BEGIN`, the room (locked), the user, the open session
//! and the registrations a join's events could match are sent together; then the plan's rows,
//! its events with their deliveries and `COMMIT` (it was eleven round trips, one after the
//! other, under the room's lock).

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, JoinPlan, JoinView, OpenSession};
use collabkit_domain::store::{Change, Event, InlineLease, Room, StoreResult, User};
use collabkit_webhooks::WebhookEventName;
use deadpool_postgres::GenericClient;

use crate::lookup::{self, RoomLock};
use crate::queue::{self, Fanout, KindTargets};
use crate::sql::{self, Pipelined, execute, query_opt};

/// The room's open session and whether the user already holds a place in it.
const OPEN: &str = "SELECT s.id, EXISTS (SELECT 1 FROM participants p
                                        WHERE p.session_id = s.id AND p.user_id = $2)
     FROM sessions s WHERE s.room_id = $1 AND s.closed_at IS NULL";

const START: &str =
    "INSERT INTO sessions (id, account_id, room_id, started_at) VALUES ($1, $2, $3, $4)";

const HOLD: &str = "INSERT INTO participants (session_id, user_id, node_id, joined_at)
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// The session's snapshot of the user, the user online, and their participation opened, in one
/// statement. (An open participation left by a crash is kept, not doubled.)
const JOINING: &str = "WITH u AS (UPDATE users SET online = true, joined_at = $4 WHERE id = $2),
     p AS (INSERT INTO user_sessions (id, account_id, user_id, room_id, joined_at)
           VALUES ($5, $6, $2, $7, $8)
           ON CONFLICT (user_id) WHERE left_at IS NULL DO NOTHING)
     INSERT INTO session_users (session_id, user_id, user_json, seq)
     VALUES ($1, $2, $3, (SELECT COUNT(*) FROM session_users WHERE session_id = $1))
     ON CONFLICT (session_id, user_id) DO UPDATE SET user_json = excluded.user_json";

/// The events a join may make.
const KINDS: [WebhookEventName; 2] = [
    WebhookEventName::SessionStarted,
    WebhookEventName::ParticipantJoined,
];

/// The contract's `join_session`: the user `user_id` of the account joins the room through
/// `node`, in one pipelined transaction on `client`.
pub async fn join(
    client: deadpool_postgres::Object,
    account_id: &str,
    room_id: &str,
    user_id: &str,
    node: &str,
    inline: Option<InlineLease>,
) -> StoreResult<Change<()>> {
    let lock_sql = lookup::lock_room_sql(RoomLock::Session);
    let user_sql = lookup::user_sql();
    sql::prepare_all(
        &client,
        &[
            &lock_sql,
            &user_sql,
            OPEN,
            queue::MATCHING,
            START,
            HOLD,
            JOINING,
            queue::INSERT_EVENTS,
            sql::NOTIFY_DUE,
        ],
    )
    .await?;
    let tx = Pipelined::new(client);
    let c = tx.client();
    let now = clock::now();
    let open_params: sql::Params = &[&room_id, &user_id];
    let read = tx
        .begin(async {
            let (room, user, open, targets) = tokio::join!(
                lookup::lock_room(c, account_id, room_id, RoomLock::Session),
                lookup::user_in(c, account_id, user_id),
                query_opt(c, OPEN, open_params),
                KindTargets::read(c, account_id, room_id, &KINDS, now),
            );
            let open = open?.map(|r| OpenSession {
                id: r.get(0),
                already_in: r.get(1),
            });
            Ok((room?, user?, open, targets?))
        })
        .await;
    let planned = read.and_then(|(room, user, open, targets)| {
        let plan = rules::plan_join(
            JoinView {
                room: &room,
                user: &user,
                open,
            },
            now,
        )?;
        Ok((room, user, plan, targets))
    });
    let (room, user, plan, targets) = match planned {
        Ok(planned) => planned,
        Err(e) => {
            tx.rollback().await;
            return Err(e);
        }
    };
    let written = write(c, &room, &user, plan, node, now, inline, &targets);
    let (events, fanout) = tx.commit(written).await?;
    Ok(Change {
        value: (),
        events,
        leased: fanout.leased,
    })
}

/// Writes the plan: every statement sent at the first poll, so [`Pipelined::commit`] sends
/// `COMMIT` after them.
#[allow(clippy::too_many_arguments)]
async fn write<C: GenericClient + Sync>(
    c: &C,
    room: &Room,
    user: &User,
    plan: JoinPlan,
    node: &str,
    now: Timestamp,
    inline: Option<InlineLease>,
    targets: &KindTargets,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let (mut events, joining) = match plan.joining {
        Some(j) => (j.events, Some((j.user, j.user_session, j.snapshot, j.room))),
        None => (Vec::new(), None),
    };
    let event_targets = targets.for_events(&events);
    let wake = queue::wakes(&event_targets, inline);
    let start = async {
        if let Some(id) = &plan.start {
            execute(c, START, &[id, &room.account_id, &room.id, &now]).await?;
        }
        Ok::<_, collabkit_domain::store::StoreError>(())
    };
    let hold_params: sql::Params = &[&plan.session, &user.id, &node, &now];
    let hold = execute(c, HOLD, hold_params);
    let snapshot = joining
        .as_ref()
        .map(|(_, _, snapshot, _)| serde_json::to_string(snapshot).expect("users serialize"));
    let opened = async {
        if let (Some((joined, opened, _, _)), Some(snapshot)) = (&joining, &snapshot) {
            execute(
                c,
                JOINING,
                &[
                    &plan.session,
                    &user.id,
                    snapshot,
                    &joined.joined_at,
                    &opened.id,
                    &room.account_id,
                    &opened.room_id,
                    &opened.joined_at,
                ],
            )
            .await?;
        }
        Ok::<_, collabkit_domain::store::StoreError>(())
    };
    let after: Vec<&Room> = joining.as_ref().map(|(_, _, _, r)| r).into_iter().collect();
    let mut with_leases: Vec<_> = events.iter_mut().map(|e| (e, inline)).collect();
    let stored = queue::store_events(c, &mut with_leases, &after, event_targets);
    let notify = sql::notify_due_if(c, wake);
    let (started, held, opened, fanouts, notified) =
        tokio::join!(start, hold, opened, stored, notify);
    started?;
    held?;
    opened?;
    let fanouts = fanouts?;
    notified?;
    Ok((events, Fanout::merged(fanouts)))
}
