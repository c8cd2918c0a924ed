//! User creations that arrive together are written together: one transaction and a few
//! multi-row statements for the whole group (rooms read at once, users, events and deliveries
//! each inserted in one statement), as SQLite's writer groups its commits. Per-statement and
//! per-commit costs are what bound a busy node; a group pays them once.
//!
//! A group that fails (a `customId` taken, a room deleted meanwhile) is rolled back and its
//! creations are run one by one, so each gets its own answer.
//!
//! A group holds its rooms' counters from its first statement to its commit (see
//! `RoomLock`), so creations are spread over the groups by room: a room's creations always go
//! to the same lane, and groups of different lanes never share a room, so they never wait for
//! each other.

use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::sync::LazyLock;

use collabkit_domain::accounts::token_lookup;
use collabkit_domain::clock;
use collabkit_domain::rules;
use collabkit_domain::store::{
    Change, InlineLease, NewUser, Room, StoreError, StoreResult, User, event_bit,
};
use collabkit_webhooks::WebhookEventName;
use deadpool_postgres::Pool;
use tokio::sync::{mpsc, oneshot};

use crate::lookup::RoomLock;
use crate::queue;
use crate::rows::{self, ROOM_COLS, ROOM_FROM};
use crate::sql::{NOTIFY_DUE, Pipelined, execute, notify_due_if, query};

/// The most creations written in one transaction.
const MAX_GROUP: usize = 128;
/// Groups of creations written at once (each holds a pooled connection): one per lane.
const LANES: usize = 4;

struct Job {
    account_id: String,
    new: NewUser,
    lease: Option<InlineLease>,
    reply: oneshot::Sender<StoreResult<Change<User>>>,
}

/// Changes spread over lanes by room, each lane writing what queued up while its last group
/// was written: under load, groups grow by themselves; alone, a change is written at once. A
/// room's changes always take the same lane, so groups of different lanes never share a room.
pub struct Lanes<J> {
    lanes: Vec<mpsc::UnboundedSender<J>>,
    /// Which lane a room's changes take.
    hasher: RandomState,
}

impl<J: Send + 'static> Lanes<J> {
    /// `lanes` lanes of groups of up to `MAX_GROUP`, each written by `write`.
    pub fn start<F, Fut>(pool: Pool, lanes: usize, write: F) -> Lanes<J>
    where
        F: Fn(Pool, Vec<J>) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let lanes = (0..lanes)
            .map(|_| {
                let (jobs, mut rx) = mpsc::unbounded_channel::<J>();
                let (pool, write) = (pool.clone(), write.clone());
                tokio::spawn(async move {
                    while let Some(first) = rx.recv().await {
                        let mut group = vec![first];
                        while group.len() < MAX_GROUP {
                            match rx.try_recv() {
                                Ok(job) => group.push(job),
                                Err(_) => break,
                            }
                        }
                        write(pool.clone(), group).await;
                    }
                });
                jobs
            })
            .collect();
        Lanes {
            lanes,
            hasher: RandomState::new(),
        }
    }

    /// Queues the change of `room_id` that `job` makes with its reply's sender, and waits for
    /// the answer (`what` names the change in the errors of a stopped lane).
    pub async fn call<R>(
        &self,
        room_id: &str,
        what: &str,
        job: impl FnOnce(oneshot::Sender<StoreResult<R>>) -> J,
    ) -> StoreResult<R> {
        let (reply, answer) = oneshot::channel();
        let lane = self.hasher.hash_one(room_id) as usize % self.lanes.len();
        if self.lanes[lane].send(job(reply)).is_err() {
            return Err(StoreError::backend(format!(
                "the {what} lanes have stopped"
            )));
        }
        answer
            .await
            .map_err(|_| StoreError::backend(format!("the {what} lanes dropped a change")))?
    }
}

pub struct UserBatcher {
    lanes: Lanes<Job>,
}

impl UserBatcher {
    pub fn start(pool: Pool) -> UserBatcher {
        UserBatcher {
            lanes: Lanes::start(pool, LANES, |pool, group| async move {
                write(&pool, group).await
            }),
        }
    }

    pub async fn create_user(
        &self,
        account_id: &str,
        new: NewUser,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let room_id = new.room_id.clone();
        self.lanes
            .call(&room_id, "user creation", |reply| Job {
                account_id: account_id.to_owned(),
                new,
                lease,
                reply,
            })
            .await
    }
}

async fn write(pool: &Pool, group: Vec<Job>) {
    // A group of one takes the group's path too: it is the one with the fewest round trips.
    let inputs: Vec<(String, NewUser, Option<InlineLease>)> = group
        .iter()
        .map(|j| (j.account_id.clone(), j.new.clone(), j.lease))
        .collect();
    if let Ok(results) = write_group(pool, inputs).await {
        for (job, result) in group.into_iter().zip(results) {
            let _ = job.reply.send(result);
        }
        return;
    }
    // One by one, so that what failed fails alone.
    for job in group {
        let one = vec![(job.account_id.clone(), job.new, job.lease)];
        let result = write_group(pool, one).await;
        let _ = job
            .reply
            .send(result.and_then(|mut r| r.pop().expect("one answer")));
    }
}

/// A group's rooms, locked: their key-share locks keep them from being deleted until the
/// commit, as the foreign key of each user would; their counters are locked for the group's
/// changes (see `RoomLock`), in the order of the rooms' ids.
static LOCK_ROOMS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {ROOM_COLS} FROM {ROOM_FROM} WHERE r.id = ANY($1) ORDER BY r.id {}",
        RoomLock::Share.clause()
    )
});

/// A group's users, one row per array element.
const INSERT_USERS: &str = "INSERT INTO users (id, account_id, room_id, custom_id, name, profile_picture, token, token_sealed, created_at, updated_at)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                          $7::text[], $8::text[], $9::timestamptz[], $9::timestamptz[])";

/// The whole group in one transaction of two round trips; `Err` when it had to roll back.
///
/// Statements sent together on one connection are pipelined (PostgreSQL answers them in
/// order), so the group waits for the server twice: once for `BEGIN`, its rooms (locked) and
/// the registrations its events match — which depend on nothing the group writes — and once
/// for its users, its events with their deliveries, and `COMMIT`. A statement that fails makes
/// the ones after it fail too and the `COMMIT` a rollback, so nothing of a failed group stays.
async fn write_group(
    pool: &Pool,
    inputs: Vec<(String, NewUser, Option<InlineLease>)>,
) -> StoreResult<Vec<StoreResult<Change<User>>>> {
    let client = pool.get().await.map_err(crate::pool_error)?;
    let mut room_ids: Vec<&str> = inputs.iter().map(|(_, n, _)| n.room_id.as_str()).collect();
    room_ids.sort_unstable();
    room_ids.dedup();
    let now = clock::now();
    let accounts: Vec<String> = inputs.iter().map(|(a, _, _)| a.clone()).collect();
    let input_rooms: Vec<String> = inputs.iter().map(|(_, n, _)| n.room_id.clone()).collect();
    let bits = vec![event_bit(WebhookEventName::UserCreated); inputs.len()];
    let times = vec![now; inputs.len()];
    crate::sql::prepare_all(
        &client,
        &[
            &LOCK_ROOMS,
            queue::MATCHING,
            INSERT_USERS,
            queue::INSERT_EVENTS,
            NOTIFY_DUE,
        ],
    )
    .await?;
    let room_params: crate::sql::Params = &[&room_ids];
    let tx = Pipelined::new(client);
    let c = tx.client();
    let read = tx
        .begin(async {
            let (rooms, targets) = tokio::join!(
                query(c, &LOCK_ROOMS, room_params),
                queue::matching(c, &accounts, &input_rooms, &bits, &times),
            );
            Ok((rooms?, targets?))
        })
        .await;
    let (rooms, mut targets) = match read {
        Ok(read) => read,
        Err(e) => {
            tx.rollback().await;
            return Err(e);
        }
    };
    let mut rooms: HashMap<String, Room> = rooms
        .iter()
        .map(|r| {
            let (_, room) = rows::room(r);
            (room.id.clone(), room)
        })
        .collect();
    let mut results: Vec<StoreResult<(User, collabkit_domain::store::Event, Option<InlineLease>)>> =
        Vec::with_capacity(inputs.len());
    let mut lookups = Vec::new();
    let mut made_targets = Vec::new();
    for ((account_id, new, lease), event_targets) in inputs.into_iter().zip(targets.drain(..)) {
        match rooms
            .get_mut(&new.room_id)
            .filter(|r| r.account_id == account_id)
        {
            Some(room) => {
                lookups.push(token_lookup(&new.token));
                // Each creation counts after the ones before it in the group.
                let (after, user, event) = rules::new_user(room, new, now);
                // Its registrations were matched as this event's before it was made.
                debug_assert_eq!(event.event, WebhookEventName::UserCreated);
                *room = after;
                made_targets.push(event_targets);
                results.push(Ok((user, event, lease)));
            }
            None => results.push(Err(StoreError::NotFound("room"))),
        }
    }
    let wake = results
        .iter()
        .filter_map(|r| r.as_ref().ok())
        .zip(&made_targets)
        .any(|((_, _, lease), t)| queue::left_to_claims(t, *lease));
    let made: Vec<&(User, collabkit_domain::store::Event, Option<InlineLease>)> =
        results.iter().filter_map(|r| r.as_ref().ok()).collect();
    let col = |f: fn(&User) -> String| made.iter().map(|m| f(&m.0)).collect::<Vec<String>>();
    let custom_ids: Vec<Option<String>> = made.iter().map(|m| m.0.custom_id.clone()).collect();
    let pictures: Vec<Option<String>> = made.iter().map(|m| m.0.profile_picture.clone()).collect();
    let created: Vec<_> = made.iter().map(|m| m.0.created_at).collect();
    let (ids, account_ids, user_rooms, names, sealed) = (
        col(|u| u.id.clone()),
        col(|u| u.account_id.clone()),
        col(|u| u.room_id.clone()),
        col(|u| u.name.clone()),
        col(|u| u.token_sealed.clone()),
    );
    let insert_users = async {
        if ids.is_empty() {
            return Ok(0);
        }
        execute(
            c,
            INSERT_USERS,
            &[
                &ids,
                &account_ids,
                &user_rooms,
                &custom_ids,
                &names,
                &pictures,
                &lookups,
                &sealed,
                &created,
            ],
        )
        .await
    };
    let mut stored: Vec<collabkit_domain::store::Event> =
        made.iter().map(|m| m.1.clone()).collect();
    let leases: Vec<Option<InlineLease>> = made.iter().map(|m| m.2).collect();
    let mut with_leases: Vec<_> = stored.iter_mut().zip(leases).collect();
    let touched: Vec<&Room> = rooms.values().collect();
    let ordered = queue::any_ordered(&made_targets);
    let insert_events = queue::store_events(c, &mut with_leases, &touched, made_targets);
    // Every statement goes out at the first poll, before the `COMMIT` (see `Pipelined`); the
    // first failure is the cause, the ones after it only say the transaction was aborted.
    let written = async {
        let (users, fanouts, notified) =
            tokio::join!(insert_users, insert_events, notify_due_if(c, wake));
        users?;
        notified?;
        fanouts
    };
    let fanouts = crate::sql::commit_after(&tx, written, ordered).await?;
    let mut stored = stored.into_iter();
    let mut fanouts = fanouts.into_iter();
    Ok(results
        .into_iter()
        .map(|r| {
            r.map(|(user, _, _)| {
                let fanout = fanouts.next().unwrap_or_default();
                Change {
                    value: user,
                    events: vec![stored.next().expect("one stored event per user")],
                    leased: fanout.leased,
                }
            })
        })
        .collect())
}
