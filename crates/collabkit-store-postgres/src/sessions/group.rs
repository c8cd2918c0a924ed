//! Joins and leaves that arrive together are written together, as user creations are (see
//! `batch`): one transaction of two round trips and one statement per kind of row for the whole
//! group. A join or a leave alone costs a dozen statements, each planned, started and sent on
//! its own; at a few hundred per second those per-statement costs, not the rows, were what kept
//! PostgreSQL's CPU busy.
//!
//! A group changes each room once (a room's later changes in the group go in the next round,
//! in order), so every change is planned from its room as the reads found it, with the same
//! rules as alone ([`rules::plan_join`], [`rules::plan_leave`]). A change the rules refuse (a
//! room or user gone) gets its error and writes nothing; a group whose writes fail is rolled
//! back and its changes are written one by one, each with its own answer.

use std::collections::{HashMap, HashSet};

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, JoinView, OpenSession};
use collabkit_domain::store::{Change, Event, InlineLease, Room, StoreError, StoreResult, User};
use collabkit_webhooks::WebhookEventName;
use deadpool_postgres::{GenericClient, Pool};
use tokio::sync::oneshot;

use super::leave::{self, LeaveRead};
use crate::batch::Lanes;
use crate::lookup::RoomLock;
use crate::queue::{self, Fanout, KindTargets};
use crate::rows::{self, ROOM_COLS, ROOM_FROM, USER_COLS};
use crate::sql::{self, Params, Pipelined, execute, query};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Join,
    Leave,
}

pub struct Job {
    pub verb: Verb,
    pub account_id: String,
    pub room_id: String,
    pub user_id: String,
    pub node: String,
    pub lease: Option<InlineLease>,
    pub reply: oneshot::Sender<StoreResult<Change<()>>>,
}

/// The lanes joins and leaves are written through.
pub struct SessionBatcher {
    lanes: Lanes<Job>,
}

impl SessionBatcher {
    pub fn start(pool: Pool) -> SessionBatcher {
        SessionBatcher {
            lanes: Lanes::start(pool, LANES, |pool, group| async move {
                write(&pool, group).await
            }),
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn change(
        &self,
        verb: Verb,
        account_id: &str,
        room_id: &str,
        user_id: &str,
        node: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<()>> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            verb,
            account_id: account_id.to_owned(),
            room_id: room_id.to_owned(),
            user_id: user_id.to_owned(),
            node: node.to_owned(),
            lease,
            reply,
        };
        if !self.lanes.send(room_id, job) {
            return Err(StoreError::backend("the session batcher has stopped"));
        }
        answer
            .await
            .map_err(|_| StoreError::backend("the session batcher dropped a change"))?
    }
}

/// Groups of joins and leaves written at once.
/// Groups of joins and leaves written at once, each on a pooled connection. (One lane made
/// larger groups but a busy room's next change waited for the whole group's commit: join/leave
/// churn ran at ~0.75 of four lanes' rate.)
const LANES: usize = 4;

/// Every event a join or a leave may make.
const KINDS: [WebhookEventName; 4] = [
    WebhookEventName::SessionStarted,
    WebhookEventName::ParticipantJoined,
    WebhookEventName::ParticipantLeft,
    WebhookEventName::SessionClosed,
];

async fn write(pool: &Pool, group: Vec<Job>) {
    let mut rest = group;
    while !rest.is_empty() {
        let mut seen = HashSet::new();
        let (round, later): (Vec<Job>, Vec<Job>) = rest
            .into_iter()
            .partition(|j| seen.insert(j.room_id.clone()));
        rest = later;
        write_round(pool, round).await;
    }
}

async fn write_round(pool: &Pool, round: Vec<Job>) {
    if round.len() > 1 {
        let written = match pool.get().await {
            Ok(client) => together(client, &round).await,
            Err(e) => Err(crate::pool_error(e)),
        };
        if let Ok(results) = written {
            for (job, result) in round.into_iter().zip(results) {
                let _ = job.reply.send(result);
            }
            return;
        }
    }
    for job in round {
        let result = alone(pool, &job).await;
        let _ = job.reply.send(result);
    }
}

/// One change in a transaction of its own (two round trips too).
async fn alone(pool: &Pool, job: &Job) -> StoreResult<Change<()>> {
    let client = pool.get().await.map_err(crate::pool_error)?;
    let (a, r, u, n) = (&job.account_id, &job.room_id, &job.user_id, &job.node);
    match job.verb {
        Verb::Join => super::join(client, a, r, u, n, job.lease).await,
        Verb::Leave => leave::leave_session(client, a, r, u, n, job.lease).await,
    }
}

/// The pairs (room, user) of the group's joins or leaves, numbered from 1 by `WITH ORDINALITY`.
const PAIRS: &str = "UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS b(room_id, user_id, i)
     JOIN sessions s ON s.room_id = b.room_id AND s.closed_at IS NULL";

fn join_views() -> String {
    format!(
        "SELECT b.i, s.id, EXISTS (SELECT 1 FROM participants p
                                  WHERE p.session_id = s.id AND p.user_id = b.user_id)
         FROM {PAIRS}"
    )
}

fn leave_views() -> String {
    format!(
        "SELECT b.i, s.id, p.node_id, EXISTS (SELECT 1 FROM participants o
                                             WHERE o.session_id = s.id AND o.user_id != b.user_id)
         FROM {PAIRS}
         LEFT JOIN participants p ON p.session_id = s.id AND p.user_id = b.user_id"
    )
}

fn snapshots() -> String {
    format!(
        "SELECT b.i, su.user_json FROM {PAIRS}
         JOIN session_users su ON su.session_id = s.id AND su.user_id = b.user_id"
    )
}

/// Everyone who joined each session, for the leaves after which nobody else takes part.
fn closings() -> String {
    format!(
        "SELECT b.i, su.user_id, su.user_json FROM {PAIRS}
         JOIN session_users su ON su.session_id = s.id
         WHERE NOT EXISTS (SELECT 1 FROM participants o
                           WHERE o.session_id = s.id AND o.user_id != b.user_id)
         ORDER BY b.i, su.seq"
    )
}

const START: &str = "INSERT INTO sessions (id, account_id, room_id, started_at)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[])";

const HOLD: &str = "INSERT INTO participants (session_id, user_id, node_id, joined_at)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[])
     ON CONFLICT DO NOTHING";

/// As `join::JOINING`, one row per joining user (each user is in one room, so once a group).
const JOINING: &str = "WITH b AS (
        SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[],
                             $6::text[], $7::text[], $8::timestamptz[])
            AS b(session_id, user_id, user_json, joined_at, us_id, account_id, room_id, us_joined_at)),
     u AS (UPDATE users SET online = true, joined_at = b.joined_at FROM b WHERE users.id = b.user_id),
     p AS (INSERT INTO user_sessions (id, account_id, user_id, room_id, joined_at)
           SELECT us_id, account_id, user_id, room_id, us_joined_at FROM b
           ON CONFLICT (user_id) WHERE left_at IS NULL DO NOTHING)
     INSERT INTO session_users (session_id, user_id, user_json, seq)
     SELECT b.session_id, b.user_id, b.user_json,
            (SELECT COUNT(*) FROM session_users x WHERE x.session_id = b.session_id)
     FROM b
     ON CONFLICT (session_id, user_id) DO UPDATE SET user_json = excluded.user_json";

const END_HOLDS: &str = "DELETE FROM participants p
     USING UNNEST($1::text[], $2::text[], $3::text[]) AS b(session_id, user_id, node_id)
     WHERE p.session_id = b.session_id AND p.user_id = b.user_id AND p.node_id = b.node_id";

/// As `leave::LEFT`, one row per leaving user.
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

/// What the group's writes hold, one vector per column.
#[derive(Default)]
struct Rows {
    start: (Vec<String>, Vec<String>, Vec<String>, Vec<Timestamp>),
    hold: (Vec<String>, Vec<String>, Vec<String>, Vec<Timestamp>),
    joining: JoiningRows,
    end_holds: (Vec<String>, Vec<String>, Vec<String>),
    left: (Vec<String>, Vec<String>, Vec<Timestamp>, Vec<String>),
    close: (Vec<String>, Vec<Timestamp>),
}

#[derive(Default)]
struct JoiningRows {
    session: Vec<String>,
    user: Vec<String>,
    json: Vec<String>,
    joined_at: Vec<Option<Timestamp>>,
    us_id: Vec<String>,
    account: Vec<String>,
    room: Vec<String>,
    us_joined_at: Vec<Timestamp>,
}

/// Sends `sql` unless it has no rows.
async fn execute_rows<C: GenericClient + Sync>(
    c: &C,
    sql: &str,
    rows: usize,
    params: Params<'_>,
) -> StoreResult<u64> {
    if rows == 0 {
        return Ok(0);
    }
    execute(c, sql, params).await
}

/// The group (each room once) in one transaction of two round trips; `Err` when it rolled back.
async fn together(
    client: deadpool_postgres::Object,
    jobs: &[Job],
) -> StoreResult<Vec<StoreResult<Change<()>>>> {
    let lock_sql = format!(
        "SELECT {ROOM_COLS} FROM {ROOM_FROM} WHERE r.id = ANY($1) ORDER BY r.id {}",
        RoomLock::Session.clause()
    );
    let users_sql = format!("SELECT {USER_COLS} FROM users WHERE id = ANY($1)");
    let (join_sql, leave_sql) = (join_views(), leave_views());
    let (snapshot_sql, closing_sql) = (snapshots(), closings());
    sql::prepare_all(
        &client,
        &[
            &lock_sql,
            &users_sql,
            &join_sql,
            &leave_sql,
            &snapshot_sql,
            &closing_sql,
            queue::MATCHING,
            START,
            HOLD,
            JOINING,
            END_HOLDS,
            LEFT,
            CLOSE,
            queue::INSERT_EVENTS,
            sql::NOTIFY_DUE,
        ],
    )
    .await?;
    let now = clock::now();
    let room_ids: Vec<&str> = jobs.iter().map(|j| j.room_id.as_str()).collect();
    let user_ids: Vec<&str> = jobs.iter().map(|j| j.user_id.as_str()).collect();
    let of = |verb: Verb| -> (Vec<usize>, Vec<&str>, Vec<&str>) {
        let picked: Vec<usize> = (0..jobs.len()).filter(|&i| jobs[i].verb == verb).collect();
        let rooms = picked.iter().map(|&i| jobs[i].room_id.as_str()).collect();
        let users = picked.iter().map(|&i| jobs[i].user_id.as_str()).collect();
        (picked, rooms, users)
    };
    let (joins, j_rooms, j_users) = of(Verb::Join);
    let (leaves, l_rooms, l_users) = of(Verb::Leave);
    let pairs: Vec<(&str, &str)> = jobs
        .iter()
        .map(|j| (j.account_id.as_str(), j.room_id.as_str()))
        .collect();
    let (p_rooms, p_users): (Params, Params) = (&[&room_ids], &[&user_ids]);
    let (p_joins, p_leaves): (Params, Params) = (&[&j_rooms, &j_users], &[&l_rooms, &l_users]);

    let tx = Pipelined::new(client);
    let c = tx.client();
    let read = tx
        .begin(async {
            let (rooms, users, jv, lv, snaps, closing, targets) = tokio::join!(
                query(c, &lock_sql, p_rooms),
                query(c, &users_sql, p_users),
                query(c, &join_sql, p_joins),
                query(c, &leave_sql, p_leaves),
                query(c, &snapshot_sql, p_leaves),
                query(c, &closing_sql, p_leaves),
                KindTargets::read_many(c, &pairs, &KINDS, now),
            );
            Ok((rooms?, users?, jv?, lv?, snaps?, closing?, targets?))
        })
        .await;
    let (rooms, users, jv, lv, snaps, closing, targets) = match read {
        Ok(read) => read,
        Err(e) => {
            tx.rollback().await;
            return Err(e);
        }
    };
    let rooms: HashMap<String, Room> = rooms
        .iter()
        .map(|r| rows::room(r).1)
        .map(|room| (room.id.clone(), room))
        .collect();
    let users: HashMap<String, User> = users
        .iter()
        .map(|r| rows::user(r).1)
        .map(|user| (user.id.clone(), user))
        .collect();
    // Each view row names its change by its place (from 1) among the joins or the leaves.
    let mut opens: HashMap<usize, OpenSession> = HashMap::new();
    for r in &jv {
        let i = joins[r.get::<_, i64>(0) as usize - 1];
        opens.insert(
            i,
            OpenSession {
                id: r.get(1),
                already_in: r.get(2),
            },
        );
    }
    let mut reads: HashMap<usize, LeaveRead> = HashMap::new();
    let mut targets = targets.into_iter();
    let mut job_targets: Vec<KindTargets> = Vec::with_capacity(jobs.len());
    for _ in jobs {
        job_targets.push(targets.next().expect("one per change"));
    }
    for r in &lv {
        let i = leaves[r.get::<_, i64>(0) as usize - 1];
        let read = reads.entry(i).or_insert_with(|| LeaveRead {
            session: Some(r.get(1)),
            holds: Vec::new(),
            others_remain: r.get(3),
            snapshot: None,
            closing: Vec::new(),
            targets: KindTargets::none(),
        });
        if let Some(node) = r.get::<_, Option<String>>(2) {
            read.holds.push(node);
        }
    }
    for r in &snaps {
        let i = leaves[r.get::<_, i64>(0) as usize - 1];
        if let Some(read) = reads.get_mut(&i) {
            read.snapshot = Some(r.get(1));
        }
    }
    for r in &closing {
        let i = leaves[r.get::<_, i64>(0) as usize - 1];
        if let Some(read) = reads.get_mut(&i) {
            read.closing.push((r.get(1), r.get(2)));
        }
    }

    // Plans, change by change; what they write, by kind of row.
    let mut w = Rows::default();
    let mut events: Vec<Event> = Vec::new();
    let mut event_targets = Vec::new();
    let mut leases: Vec<Option<InlineLease>> = Vec::new();
    let mut after: Vec<Room> = Vec::new();
    // Per change: its plan's error, or how many events it made.
    let mut outcomes: Vec<StoreResult<usize>> = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let room = rooms
            .get(&job.room_id)
            .filter(|r| r.account_id == job.account_id)
            .ok_or(StoreError::NotFound("room"));
        let user = users
            .get(&job.user_id)
            .filter(|u| u.account_id == job.account_id);
        let made = room.and_then(|room| match job.verb {
            Verb::Join => {
                let user = user.ok_or(StoreError::NotFound("user"))?;
                let open = opens.remove(&i);
                let plan = rules::plan_join(JoinView { room, user, open }, now)?;
                if let Some(id) = &plan.start {
                    w.start.0.push(id.clone());
                    w.start.1.push(room.account_id.clone());
                    w.start.2.push(room.id.clone());
                    w.start.3.push(now);
                }
                w.hold.0.push(plan.session.clone());
                w.hold.1.push(user.id.clone());
                w.hold.2.push(job.node.clone());
                w.hold.3.push(now);
                let Some(joining) = plan.joining else {
                    return Ok((Vec::new(), None));
                };
                let j = &mut w.joining;
                j.session.push(plan.session.clone());
                j.user.push(user.id.clone());
                j.json
                    .push(serde_json::to_string(&joining.snapshot).expect("users serialize"));
                j.joined_at.push(joining.user.joined_at);
                j.us_id.push(joining.user_session.id.clone());
                j.account.push(room.account_id.clone());
                j.room.push(joining.user_session.room_id.clone());
                j.us_joined_at.push(joining.user_session.joined_at);
                Ok((joining.events, Some(joining.room)))
            }
            Verb::Leave => {
                let mut read = reads.remove(&i).unwrap_or(LeaveRead {
                    session: None,
                    holds: Vec::new(),
                    others_remain: false,
                    snapshot: None,
                    closing: Vec::new(),
                    targets: KindTargets::none(),
                });
                let plan = leave::plan(room, &job.user_id, Some(&job.node), user, &mut read, now)?;
                let session = plan.session.clone().unwrap_or_default();
                for node in &plan.end_holds {
                    w.end_holds.0.push(session.clone());
                    w.end_holds.1.push(job.user_id.clone());
                    w.end_holds.2.push(node.clone());
                }
                let Some(left) = plan.left else {
                    return Ok((Vec::new(), None));
                };
                w.left.0.push(session.clone());
                w.left.1.push(job.user_id.clone());
                w.left.2.push(left.at);
                w.left
                    .3
                    .push(serde_json::to_string(&left.who).expect("users serialize"));
                if let Some(closed) = &left.close {
                    w.close.0.push(closed.clone());
                    w.close.1.push(left.at);
                }
                Ok((left.events, Some(left.room)))
            }
        });
        outcomes.push(made.map(|(made, room_after)| {
            let n = made.len();
            event_targets.extend(job_targets[i].for_events(&made));
            leases.extend(std::iter::repeat_n(job.lease, n));
            events.extend(made);
            if let Some(room) = room_after.filter(|_| n > 0) {
                after.push(room);
            }
            n
        }));
    }

    let wake = leases
        .iter()
        .zip(&event_targets)
        .any(|(lease, t)| lease.is_none() && !t.is_empty());
    let s = &w.start;
    let p_start: Params = &[&s.0, &s.1, &s.2, &s.3];
    let h = &w.hold;
    let p_hold: Params = &[&h.0, &h.1, &h.2, &h.3];
    let j = &w.joining;
    let p_joining: Params = &[
        &j.session,
        &j.user,
        &j.json,
        &j.joined_at,
        &j.us_id,
        &j.account,
        &j.room,
        &j.us_joined_at,
    ];
    let e = &w.end_holds;
    let p_end: Params = &[&e.0, &e.1, &e.2];
    let l = &w.left;
    let p_left: Params = &[&l.0, &l.1, &l.2, &l.3];
    let p_close: Params = &[&w.close.0, &w.close.1];
    let after: Vec<&Room> = after.iter().collect();
    let mut with_leases: Vec<_> = events.iter_mut().zip(leases).collect();
    // Every statement goes out at the first poll, before the `COMMIT` (see `Pipelined`).
    let written = async {
        let (started, held, joined, ended, left, closed, fanouts, notified) = tokio::join!(
            execute_rows(c, START, s.0.len(), p_start),
            execute_rows(c, HOLD, h.0.len(), p_hold),
            execute_rows(c, JOINING, j.session.len(), p_joining),
            execute_rows(c, END_HOLDS, e.0.len(), p_end),
            execute_rows(c, LEFT, l.0.len(), p_left),
            execute_rows(c, CLOSE, w.close.0.len(), p_close),
            queue::store_events(c, &mut with_leases, &after, event_targets),
            sql::notify_due_if(c, wake),
        );
        started?;
        held?;
        joined?;
        ended?;
        left?;
        closed?;
        notified?;
        fanouts
    };
    let fanouts = tx.commit(written).await?;
    let mut fanouts = fanouts.into_iter();
    let mut events = events.into_iter();
    Ok(outcomes
        .into_iter()
        .map(|made| {
            made.map(|n| Change {
                value: (),
                events: events.by_ref().take(n).collect(),
                leased: Fanout::merged(fanouts.by_ref().take(n)).leased,
            })
        })
        .collect())
}
