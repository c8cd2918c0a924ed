//! Rate-limited registrations (`PUT /webhooks/{id}/rate-limit`): each attempt starts at a send
//! time of its registration's schedule, which every node reserves from in the database (see
//! the domain's `rules::pace`), so the limit holds across nodes whoever holds the deliveries.
//!
//! A node reserves a few consecutive times at once and hands them to its attempts one by one.
//! An attempt whose time is further away than it may sleep (a second, or less than its lease
//! leaves) goes back to the queue, due at the schedule's next free time, with no attempt logged:
//! a wait, not a failure. Such a registration is then left out of claims until that time, and
//! waiting deliveries reserve nothing, so they never push the schedule on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use collabkit_domain::rules::pace;

use crate::clock::{self, Timestamp};
use crate::store::{SharedStore, StoreResult};

/// How stale this node's view of the limits may be: a limit set through another node applies
/// here within this long (one through this node at once).
const REFRESH: Duration = Duration::from_secs(1);
/// The longest an attempt sleeps for its send time; a later one waits in the queue.
pub const MAX_SLEEP: Duration = Duration::from_secs(1);

/// What an attempt is to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// No limit: go now.
    Free,
    /// Start at this time (now or within [`MAX_SLEEP`]).
    At(Timestamp),
    /// Wait in the queue until then.
    Later(Timestamp),
}

/// Times reserved by this node and not handed out yet.
#[derive(Default)]
struct Reserved {
    next: Option<Timestamp>,
    left: u32,
    spacing: Duration,
}

#[derive(Default)]
struct Limits {
    /// Whether they were read at all: until then every attempt reads them (none goes by an
    /// empty view).
    loaded: bool,
    read: Option<Instant>,
    by_webhook: HashMap<String, u32>,
}

pub struct Pacer {
    store: SharedStore,
    limits: Mutex<Limits>,
    /// Per registration, so one registration's reservation never waits for another's.
    reserved: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Reserved>>>>,
    /// Registrations whose schedule is taken until a time: left out of claims until then.
    paused: Mutex<HashMap<String, Timestamp>>,
}

impl Pacer {
    pub fn new(store: SharedStore) -> Pacer {
        Pacer {
            store,
            limits: Mutex::new(Limits::default()),
            reserved: Mutex::new(HashMap::new()),
            paused: Mutex::new(HashMap::new()),
        }
    }

    /// The limits changed through this node: read them again before the next attempt.
    pub fn changed(&self) {
        lock(&self.limits).read = None;
    }

    /// The registration's limit, as this node read them at most [`REFRESH`] ago. One attempt
    /// reads them again; the others meanwhile go by what was read before.
    async fn limit(&self, webhook_id: &str) -> StoreResult<Option<u32>> {
        let refresh = {
            let mut limits = lock(&self.limits);
            let stale = limits.read.is_none_or(|at| at.elapsed() >= REFRESH);
            if stale {
                limits.read = Some(Instant::now());
            }
            stale || !limits.loaded
        };
        if refresh {
            match self.store.rate_limits().await {
                Ok(read) => {
                    let mut limits = lock(&self.limits);
                    limits.by_webhook = read.into_iter().collect();
                    limits.loaded = true;
                }
                Err(e) => {
                    lock(&self.limits).read = None;
                    return Err(e);
                }
            }
        }
        Ok(lock(&self.limits).by_webhook.get(webhook_id).copied())
    }

    /// When the registration's next attempt may start.
    pub async fn pace(&self, webhook_id: &str) -> StoreResult<Pace> {
        let Some(per_second) = self.limit(webhook_id).await? else {
            return Ok(Pace::Free);
        };
        let slot = lock(&self.reserved)
            .entry(webhook_id.to_owned())
            .or_default()
            .clone();
        let mut r = slot.lock().await;
        let now = clock::now();
        // Times that went by unused are dropped: sent late, they would crowd the next ones.
        if r.next.is_some_and(|t| t < clock::before(now, r.spacing)) {
            r.left = 0;
        }
        if r.left == 0 {
            let got = self
                .store
                .reserve_sends(webhook_id, pace::chunk(per_second), now, MAX_SLEEP)
                .await?;
            let Some(got) = got else {
                return Ok(Pace::Free);
            };
            if got.count == 0 {
                lock(&self.paused).insert(webhook_id.to_owned(), got.start);
                return Ok(Pace::Later(got.start));
            }
            *r = Reserved {
                next: Some(got.start),
                left: got.count,
                spacing: pace::spacing(got.per_second),
            };
        }
        let at = r.next.unwrap_or(now);
        r.next = Some(clock::after(at, r.spacing));
        r.left -= 1;
        Ok(Pace::At(at))
    }

    /// Registrations to leave out of the next claim: their schedule is taken for now.
    pub fn paused(&self) -> Vec<String> {
        let now = clock::now();
        let mut paused = lock(&self.paused);
        paused.retain(|_, until| *until > now);
        paused.keys().cloned().collect()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}
