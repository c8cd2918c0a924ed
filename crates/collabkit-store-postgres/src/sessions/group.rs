//! Joins and leaves that arrive together are written together, as user creations are (see
//! `batch`): one transaction of two round trips and one statement per kind of row for the whole
//! group. A join or a leave alone costs a dozen statements, each planned, started and sent on
//! its own; at a few hundred per second those per-statement costs, not the rows, were what kept
//! PostgreSQL's CPU busy.
//!
//! A round of a group changes each room by one leave, or by the consecutive joins of different
//! users (a room's later changes go in the next round, in order): a leave is planned from its
//! room as the reads found it, and each join from the room as the round's joins before it
//! leave it, with the same rules as alone ([`rules::plan_join`], [`rules::plan_leave`]); a lone
//! change is a group of one.
//! A change the rules refuse (a room or user gone) gets its error and writes nothing; a group
//! whose writes fail is rolled back and its changes are written one by one, each with its own
//! answer. The statements are the join's and the leave's (`join`, `leave`): one row per change.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use collabkit_domain::clock;
use collabkit_domain::rules::{self, JoinView, OpenSession};
use collabkit_domain::store::{Change, Event, InlineLease, Room, StoreError, StoreResult, User};
use collabkit_webhooks::WebhookEventName;
use deadpool_postgres::Pool;
use tokio::sync::oneshot;

use super::join::{self, JoinRows};
use super::leave::{self, LeaveRows};
use crate::batch::Lanes;
use crate::lookup::RoomLock;
use crate::queue::{self, Fanout, KindTargets};
use crate::rows::{self, ROOM_COLS, ROOM_FROM, USER_COLS};
use crate::sql::{self, Params, Pipelined, query};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Join,
    Leave,
}

struct Job {
    verb: Verb,
    account_id: String,
    room_id: String,
    user_id: String,
    node: String,
    lease: Option<InlineLease>,
    reply: oneshot::Sender<StoreResult<Change<()>>>,
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

    pub async fn change(
        &self,
        verb: Verb,
        account_id: &str,
        room_id: &str,
        user_id: &str,
        node: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<()>> {
        self.lanes
            .call(room_id, "session", |reply| Job {
                verb,
                account_id: account_id.to_owned(),
                room_id: room_id.to_owned(),
                user_id: user_id.to_owned(),
                node: node.to_owned(),
                lease,
                reply,
            })
            .await
    }
}

/// Groups of joins and leaves written at once, each on a pooled connection. (One lane made
/// larger groups but a busy room's next change waited for the whole group's commit: join/leave
/// churn ran at ~0.75 of four lanes' rate.)
const LANES: usize = 4;

async fn write(pool: &Pool, group: Vec<Job>) {
    let mut rest = group;
    while !rest.is_empty() {
        let (round, later) = next_round(rest);
        rest = later;
        write_round(pool, round).await;
    }
}

/// The changes one transaction writes, in order, and those left for the next rounds: a room's
/// leave alone, or a room's consecutive joins of different users (planned each on the one
/// before: the room's joins that queued up while its last ones were stored go together). A
/// room's change that cannot go in this round holds back the room's later ones.
fn next_round(jobs: Vec<Job>) -> (Vec<Job>, Vec<Job>) {
    // Per room in the round: whether it takes more joins, and the users it has.
    let mut rooms: HashMap<String, (bool, HashSet<String>)> = HashMap::new();
    let mut held: HashSet<String> = HashSet::new();
    let (mut round, mut later) = (Vec::new(), Vec::new());
    for job in jobs {
        let fits = !held.contains(&job.room_id)
            && match rooms.get_mut(&job.room_id) {
                None => {
                    let users = HashSet::from([job.user_id.clone()]);
                    rooms.insert(job.room_id.clone(), (job.verb == Verb::Join, users));
                    true
                }
                Some((open, users)) => {
                    *open && job.verb == Verb::Join && users.insert(job.user_id.clone())
                }
            };
        if fits {
            round.push(job);
        } else {
            held.insert(job.room_id.clone());
            later.push(job);
        }
    }
    (round, later)
}

async fn write_round(pool: &Pool, round: Vec<Job>) {
    let alone = round.len() == 1;
    let written = together(pool, &round).await;
    match written {
        Ok(results) => {
            for (job, result) in round.into_iter().zip(results) {
                let _ = job.reply.send(result);
            }
        }
        Err(e) if alone => {
            let job = round.into_iter().next().expect("one");
            let _ = job.reply.send(Err(e));
        }
        // One by one, so that what failed fails alone.
        Err(_) => {
            for job in round {
                let result = together(pool, std::slice::from_ref(&job)).await;
                let result = result.and_then(|mut r| r.pop().expect("one answer"));
                let _ = job.reply.send(result);
            }
        }
    }
}

static LOCK_ROOMS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ROOM_COLS} FROM {ROOM_FROM} WHERE r.id = ANY($1) ORDER BY r.id {}",
        RoomLock::Session.clause()
    )
});

static USERS: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {USER_COLS} FROM users WHERE id = ANY($1)"));

/// The group (each room once) in one transaction of two round trips; `Err` when it rolled back.
async fn together(pool: &Pool, jobs: &[Job]) -> StoreResult<Vec<StoreResult<Change<()>>>> {
    let client = pool.get().await.map_err(crate::pool_error)?;
    let mut statements = vec![
        LOCK_ROOMS.as_str(),
        &USERS,
        queue::MATCHING,
        queue::INSERT_EVENTS,
        sql::NOTIFY_DUE,
    ];
    statements.extend(join::STATEMENTS);
    statements.extend(leave::statements());
    sql::prepare_all(&client, &statements).await?;
    let now = clock::now();
    let room_ids: Vec<&str> = jobs.iter().map(|j| j.room_id.as_str()).collect();
    let user_ids: Vec<&str> = jobs.iter().map(|j| j.user_id.as_str()).collect();
    // The joins' and the leaves' places in `jobs`, with their pairs.
    let of = |verb: Verb| -> (Vec<usize>, Vec<&str>, Vec<&str>) {
        let picked: Vec<usize> = (0..jobs.len()).filter(|&i| jobs[i].verb == verb).collect();
        let rooms = picked.iter().map(|&i| room_ids[i]).collect();
        let users = picked.iter().map(|&i| user_ids[i]).collect();
        (picked, rooms, users)
    };
    let (joins, j_rooms, j_users) = of(Verb::Join);
    let (leaves, l_rooms, l_users) = of(Verb::Leave);
    let wanted: Vec<(&str, &str, &[WebhookEventName])> = jobs
        .iter()
        .map(|j| {
            let kinds = match j.verb {
                Verb::Join => join::KINDS,
                Verb::Leave => leave::KINDS,
            };
            (j.account_id.as_str(), j.room_id.as_str(), kinds)
        })
        .collect();
    let (p_rooms, p_users): (Params, Params) = (&[&room_ids], &[&user_ids]);

    let tx = Pipelined::new(client);
    let c = tx.client();
    let read = tx
        .begin(async {
            let (rooms, users, opens, reads, targets) = tokio::join!(
                query(c, &LOCK_ROOMS, p_rooms),
                query(c, &USERS, p_users),
                join::views(c, &j_rooms, &j_users),
                leave::reads(c, &l_rooms, &l_users),
                KindTargets::read_many(c, &wanted, now),
            );
            Ok((rooms?, users?, opens?, reads?, targets?))
        })
        .await;
    let (rooms, users, mut opens, mut reads, targets) = match read {
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
    // A job's place among the joins (or the leaves), where the views are keyed.
    let mut place: HashMap<usize, usize> = HashMap::new();
    place.extend(joins.iter().enumerate().map(|(k, &i)| (i, k)));
    place.extend(leaves.iter().enumerate().map(|(k, &i)| (i, k)));

    // Plans, change by change; what they write, by kind of row.
    let (mut join_rows, mut leave_rows) = (JoinRows::default(), LeaveRows::default());
    let mut events: Vec<Event> = Vec::new();
    let mut event_targets = Vec::new();
    let mut leases: Vec<Option<InlineLease>> = Vec::new();
    // Each room as the round's changes so far leave it (a room's joins are planned one on
    // the other), and the session a join of the round started in it.
    let mut current: HashMap<String, Room> = HashMap::new();
    let mut started: HashMap<String, String> = HashMap::new();
    // Per change: its plan's error, or how many events it made.
    let mut outcomes: Vec<StoreResult<usize>> = Vec::with_capacity(jobs.len());
    for ((i, job), targets) in jobs.iter().enumerate().zip(targets) {
        let room = current
            .get(&job.room_id)
            .or_else(|| rooms.get(&job.room_id))
            .filter(|r| r.account_id == job.account_id)
            .cloned()
            .ok_or(StoreError::NotFound("room"));
        let room = room.as_ref().map_err(StoreError::clone);
        let user = users
            .get(&job.user_id)
            .filter(|u| u.account_id == job.account_id);
        let made = room.and_then(|room| match job.verb {
            Verb::Join => {
                let user = user.ok_or(StoreError::NotFound("user"))?;
                let open = opens.remove(&place[&i]).or_else(|| {
                    started.get(&job.room_id).map(|id| OpenSession {
                        id: id.clone(),
                        already_in: false,
                    })
                });
                let plan = rules::plan_join(JoinView { room, user, open }, now)?;
                if let Some(id) = &plan.start {
                    started.insert(job.room_id.clone(), id.clone());
                }
                Ok(join_rows.add(room, user, &job.node, plan, now))
            }
            Verb::Leave => {
                let read = reads.remove(&place[&i]).unwrap_or_default();
                let plan = leave::plan(room, &job.user_id, Some(&job.node), user, read, now)?;
                Ok(leave_rows
                    .add(&job.user_id, plan)
                    .map_or((Vec::new(), None), |left| (left.events, Some(left.room))))
            }
        });
        outcomes.push(made.map(|(made, room_after)| {
            let n = made.len();
            event_targets.extend(targets.for_events(&made));
            leases.extend(std::iter::repeat_n(job.lease, n));
            events.extend(made);
            if let Some(room) = room_after.filter(|_| n > 0) {
                current.insert(room.id.clone(), room);
            }
            n
        }));
    }

    let wake = leases
        .iter()
        .zip(&event_targets)
        .any(|(lease, t)| queue::left_to_claims(t, *lease));
    let ordered = queue::any_ordered(&event_targets);
    let after: Vec<&Room> = current.values().collect();
    let mut with_leases: Vec<_> = events.iter_mut().zip(leases).collect();
    // Every statement goes out at the first poll, before the `COMMIT` (see `Pipelined`).
    let written = async {
        let (joined, left, fanouts, notified) = tokio::join!(
            join_rows.write(c),
            leave_rows.write(c),
            queue::store_events(c, &mut with_leases, &after, event_targets),
            sql::notify_due_if(c, wake),
        );
        joined?;
        left?;
        notified?;
        fanouts
    };
    let fanouts = sql::commit_after(&tx, written, ordered).await?;
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
