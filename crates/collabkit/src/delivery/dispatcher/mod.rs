//! The dispatcher: takes due deliveries, attempts them concurrently, records the outcomes.
//!
//! Deliveries reach it two ways. New ones are leased as they are stored and handed over right
//! after their commit ([`super::handoff::Handoff`]): no claim, no extra transaction. Everything else — retries,
//! manual retries, recoveries, deliveries whose lease ran out after a crash, and new ones when
//! the hand-off backlog is full — is claimed from the store (a short write that leases a batch).
//!
//! Each delivery is attempted in its own task, outside any transaction, once it holds a permit
//! of its registration's share and one of the global slots: a slow receiver only ever occupies
//! its own share. Outcomes are written many per transaction by the record loop. The claim loop
//! sleeps until the next due time or until the store signals new work — it never polls in a
//! tight loop.

pub mod pace;
mod record;
mod shares;
mod signers;
mod step;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{Notify, Semaphore, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::DeliveryConfig;
use super::handoff::Handoff;
use super::sender::{Response, Sender};
use crate::clock;
use crate::metrics::Metrics;
use crate::secrets::SecretBox;
use crate::store::{Attempt, AttemptRecord, ClaimedDelivery, NextStep, SharedStore};
use pace::{Pace, Pacer};
use shares::{Held, Shares};
use signers::Signers;

/// Longest sleep with nothing due, as a safety net (another process may have written).
const IDLE_RECHECK: Duration = Duration::from_secs(5);
/// Handed-over deliveries waiting for a slot before new ones go through the claim path.
const MAX_HANDOFF_BACKLOG: usize = 20_000;
/// Load the attempts yield to: while it is busy, an attempt waits before it starts.
pub trait Load: Send + Sync {
    fn busy(&self) -> bool;
}

pub struct Dispatcher {
    /// The knobs it was built with.
    config: DeliveryConfig,
    /// What it works with.
    links: Links,
    /// Who may start an attempt now.
    capacity: Capacity,
    /// How deliveries come in and outcomes go out.
    flow: Flow,
}

/// What the dispatcher works with, outside itself.
struct Links {
    /// The delivery queue and the attempt log.
    store: SharedStore,
    /// Makes the HTTP attempts.
    sender: Sender,
    /// Signs each attempt with its registration's secrets.
    signers: Signers,
    /// Attempt outcomes and queue gauges.
    metrics: Arc<Metrics>,
    /// Rate limit of the WARN lines about failing deliveries.
    warnings: super::warnings::Warnings,
    /// The API's load: while it is busy, attempts wait (see `wait_for_api`).
    api: Arc<dyn Load>,
}

/// Who may start an attempt: one of the global slots and one permit of its registration's
/// share.
struct Capacity {
    /// Attempts in flight, in all.
    slots: Arc<Semaphore>,
    /// Attempts in flight per registration.
    shares: Shares,
    /// Rung when an attempt finishes (a slot or a share frees up).
    freed: Notify,
    /// When rate-limited registrations' attempts may start.
    pacer: Arc<Pacer>,
}

/// Where deliveries come from and outcomes go, and what a stop gives back.
struct Flow {
    /// Where changes hand fresh deliveries over.
    handoff: Handoff,
    /// Handed-over deliveries not started yet (shared with the hand-off).
    backlog: Arc<AtomicUsize>,
    /// Outcomes on their way to the store.
    records: mpsc::UnboundedSender<AttemptRecord>,
    /// The receiving ends, taken by `run`.
    inboxes: Mutex<Option<Inboxes>>,
    /// What a graceful stop gives back.
    unfinished: Held,
}

struct Inboxes {
    records: mpsc::UnboundedReceiver<AttemptRecord>,
    handed: mpsc::UnboundedReceiver<Vec<ClaimedDelivery>>,
}

impl Dispatcher {
    /// Builds the dispatcher and the hand-off that feeds it (see [`Dispatcher::handoff`]).
    pub fn new(
        store: SharedStore,
        config: DeliveryConfig,
        secrets: SecretBox,
        metrics: Arc<Metrics>,
        api: Arc<dyn Load>,
    ) -> anyhow::Result<Arc<Dispatcher>> {
        let sender = Sender::new(
            config.timeout,
            config.allow_private_destinations,
            config.concurrency,
        )?;
        let (records, records_rx) = mpsc::unbounded_channel();
        let pacer = Arc::new(Pacer::new(store.clone()));
        let lease_for = config.timeout + config.lease_margin;
        let (handoff, handed) = Handoff::new(lease_for, MAX_HANDOFF_BACKLOG);
        let backlog = handoff.backlog();
        Ok(Arc::new(Dispatcher {
            links: Links {
                store,
                sender,
                signers: Signers::new(secrets),
                metrics,
                warnings: super::warnings::Warnings::new(Duration::from_secs(60)),
                api,
            },
            capacity: Capacity {
                slots: Arc::new(Semaphore::new(config.concurrency)),
                shares: Shares::new(config.per_webhook_concurrency),
                freed: Notify::new(),
                pacer,
            },
            flow: Flow {
                handoff,
                backlog,
                records,
                inboxes: Mutex::new(Some(Inboxes {
                    records: records_rx,
                    handed,
                })),
                unfinished: Held::default(),
            },
            config,
        }))
    }

    /// The rate limits' pacer (the API tells it when a limit changes).
    pub fn pacer(&self) -> Arc<Pacer> {
        self.capacity.pacer.clone()
    }

    /// Where changes hand their fresh deliveries to this dispatcher.
    pub fn handoff(&self) -> Handoff {
        self.flow.handoff.clone()
    }

    /// Gives back the leases of deliveries this process will not finish (called when it stops,
    /// after waiting for the attempts in flight): they are due again at once, for another node
    /// or the next start, instead of after their lease (the delivery timeout plus a margin).
    pub async fn release_unfinished(&self) {
        let leases = self.flow.unfinished.drain();
        if leases.is_empty() {
            return;
        }
        match self.links.store.release_leases(leases).await {
            Ok(n) if n > 0 => {
                tracing::info!(
                    deliveries = n,
                    "gave back the deliveries this server did not finish"
                )
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "giving back unfinished deliveries failed; their leases will run out")
            }
        }
    }

    /// Under overload the API and the attempts compete for the same cores, and the API's
    /// answers are what a client waits on: while more than half of `--max-in-flight` API
    /// requests are being handled, an attempt waits before it starts (a second at most, so
    /// deliveries are delayed, never starved; they wait in the database or the bounded
    /// hand-off, not in flight).
    async fn wait_for_api(&self) {
        for _ in 0..200 {
            if !self.links.api.busy() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// A claim lasts the attempt's timeout plus a margin; an attempt never starts unless the
    /// whole timeout still fits in its lease.
    fn lease(&self) -> Duration {
        self.config.timeout + self.config.lease_margin
    }

    /// Runs until `shutdown`; attempts run on `tasks` so shutdown can wait for them.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken, tasks: TaskTracker) {
        let inboxes = self
            .flow
            .inboxes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .expect("a dispatcher runs once");
        let this = self.clone();
        let idle = move || this.capacity.slots.available_permits() == this.config.concurrency;
        tasks.spawn(record::record_loop(
            self.links.store.clone(),
            self.config.counter_flush,
            inboxes.records,
            idle,
            shutdown.clone(),
        ));
        tasks.spawn(
            self.clone()
                .intake_loop(inboxes.handed, shutdown.clone(), tasks.clone()),
        );
        self.claim_loop(shutdown, tasks).await;
    }

    /// Starts the deliveries handed over by the store.
    async fn intake_loop(
        self: Arc<Self>,
        mut handed: mpsc::UnboundedReceiver<Vec<ClaimedDelivery>>,
        shutdown: CancellationToken,
        tasks: TaskTracker,
    ) {
        loop {
            let batch = tokio::select! {
                b = handed.recv() => match b {
                    Some(b) => b,
                    None => return,
                },
                _ = shutdown.cancelled() => {
                    // Handed over but never started: their leases are given back at the end.
                    while let Ok(batch) = handed.try_recv() {
                        for d in batch {
                            self.flow.unfinished.hold(&d.delivery_id, d.lease);
                        }
                    }
                    return;
                }
            };
            for d in batch {
                self.start(d, true, &tasks);
            }
        }
    }

    async fn claim_loop(self: Arc<Self>, shutdown: CancellationToken, tasks: TaskTracker) {
        let wakeup = self.links.store.wakeup();
        while !shutdown.is_cancelled() {
            let claimed = match self.claim_once().await {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "claiming deliveries failed; retrying in 1s");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {},
                        _ = shutdown.cancelled() => {},
                    }
                    continue;
                }
            };
            if claimed.is_empty() {
                let (wait, blocked) = self.idle_wait().await;
                // A finished attempt matters only when something due is waiting for its slot:
                // otherwise every hand-off's outcome would be a claim and a read of the queue
                // for nothing (two round trips per delivery on PostgreSQL).
                tokio::select! {
                    _ = wakeup.wait() => {},
                    _ = self.capacity.freed.notified(), if blocked => {},
                    _ = tokio::time::sleep(wait) => {},
                    _ = shutdown.cancelled() => {},
                }
                continue;
            }
            for d in claimed {
                self.start(d, false, &tasks);
            }
            // Let the new attempts take their slots before sizing the next claim.
            tokio::task::yield_now().await;
        }
    }

    /// Claims as many due deliveries as there are free slots, skipping registrations that
    /// already use their whole share.
    async fn claim_once(&self) -> crate::store::StoreResult<Vec<ClaimedDelivery>> {
        let free = self.capacity.slots.available_permits() as u32;
        if free == 0 {
            return Ok(vec![]);
        }
        let mut full = self.capacity.shares.full();
        full.extend(self.capacity.pacer.paused());
        self.links.metrics.delivery_claims.inc();
        self.links
            .store
            .claim_due(
                clock::now(),
                self.lease(),
                free.min(self.config.claim_batch),
                self.capacity.shares.per_webhook(),
                full,
            )
            .await
    }

    /// How long to sleep when nothing could be claimed, and whether something due is waiting
    /// for a slot or a share (then an attempt finishing rings `freed`).
    async fn idle_wait(&self) -> (Duration, bool) {
        match self.links.store.next_due_at().await {
            Ok(Some(due)) if due <= clock::now() => (IDLE_RECHECK, true),
            Ok(Some(due)) => (
                clock::between(clock::now(), due).clamp(Duration::from_millis(1), IDLE_RECHECK),
                false,
            ),
            Ok(None) => (IDLE_RECHECK, false),
            Err(e) => {
                tracing::warn!(error = %e, "reading the next due time failed");
                (Duration::from_secs(1), true)
            }
        }
    }

    /// Live nodes sharing the delivery queue (kept by the node watcher; 1 on SQLite).
    pub fn set_live_nodes(&self, nodes: usize) {
        self.capacity.shares.set_live_nodes(nodes);
    }

    /// Spawns the attempt of one delivery; it waits for its share and a slot.
    fn start(self: &Arc<Self>, d: ClaimedDelivery, handed: bool, tasks: &TaskTracker) {
        self.flow.unfinished.hold(&d.delivery_id, d.lease);
        let share = self.capacity.shares.take(&d.webhook_id);
        let this = self.clone();
        tasks.spawn(async move {
            let webhook_id = d.webhook_id.clone();
            {
                let _share = share.acquire().await.expect("shares are never closed");
                if this.pace(&d).await {
                    this.wait_for_api().await;
                    let _slot = this
                        .capacity
                        .slots
                        .acquire()
                        .await
                        .expect("slots are never closed");
                    if handed {
                        this.flow.backlog.fetch_sub(1, Ordering::Relaxed);
                    }
                    this.attempt(d).await;
                } else if handed {
                    this.flow.backlog.fetch_sub(1, Ordering::Relaxed);
                }
            }
            this.capacity.shares.release(&webhook_id);
            this.capacity.freed.notify_one();
        });
    }

    /// Waits for the delivery's send time when its registration is rate-limited; `false` when
    /// it went back to the queue to wait there instead (its time is further than it may sleep
    /// or than its lease reaches): no attempt, no failure.
    async fn pace(&self, d: &ClaimedDelivery) -> bool {
        let until = match self.capacity.pacer.pace(&d.webhook_id).await {
            Ok(Pace::Free) => return true,
            Ok(Pace::At(at)) => {
                let wait = clock::between(clock::now(), at);
                let left = clock::between(clock::now(), d.lease_until);
                if wait + self.config.timeout <= left {
                    tokio::time::sleep(wait).await;
                    return true;
                }
                at
            }
            Ok(Pace::Later(at)) => at,
            Err(e) => {
                tracing::warn!(webhook = %d.webhook_id, error = %e, "reserving a send time failed; the delivery waits a second");
                clock::after(clock::now(), pace::MAX_SLEEP)
            }
        };
        let lease = vec![(d.delivery_id.clone(), d.lease)];
        if let Err(e) = self.links.store.postpone(lease, until).await {
            // Its lease runs out and it is claimed again: later, never lost.
            tracing::warn!(delivery = %d.delivery_id, error = %e, "sending a rate-limited delivery back to the queue failed");
        }
        self.flow.unfinished.done(&d.delivery_id);
        self.links.metrics.delivery_rate_waits.inc();
        false
    }

    async fn attempt(&self, d: ClaimedDelivery) {
        let started_at = clock::now();
        let remaining = clock::between(started_at, d.lease_until);
        if remaining < self.config.timeout {
            // Waited too long for a slot: the lease may run out mid-attempt. Let it expire and be
            // claimed again rather than risk two workers sending at once.
            self.flow.unfinished.done(&d.delivery_id);
            return;
        }
        let response = match self.links.signers.signature(&d, started_at.timestamp()) {
            Ok(signature) => {
                self.links
                    .sender
                    .send(
                        &d.url,
                        &d.event_id,
                        started_at.timestamp(),
                        &signature,
                        d.room_seq,
                        d.previous_room_seq,
                        &d.headers,
                        d.payload.clone(),
                    )
                    .await
            }
            Err(e) => step::not_sent(e.to_string()),
        };
        let next = step::next_step(
            &self.config.retry_schedule,
            d.cycle_attempts,
            &response,
            clock::now(),
        );
        self.links.metrics.record_attempt(&next, response.duration);
        self.warn_failure(&d, &response, &next);
        let record = AttemptRecord {
            delivery_id: d.delivery_id,
            lease: d.lease,
            webhook_id: d.webhook_id,
            attempt: Attempt {
                attempted_at: started_at,
                status_code: response.status,
                duration_ms: response.duration.as_millis() as u64,
                error: response.error,
                response_body: response.body,
            },
            next,
            disable_if_failing_since: clock::before(started_at, self.config.disable_after),
            ordered: d.previous_room_seq.is_some(),
        };
        // The record loop only stops at the end of shutdown, after every attempt reported.
        self.flow.unfinished.done(&record.delivery_id);
        let _ = self.flow.records.send(record);
    }

    /// A failed attempt or a delivery that failed for good, at WARN, rate-limited per
    /// registration. Names ids only: a URL may carry credentials.
    fn warn_failure(&self, d: &ClaimedDelivery, r: &Response, next: &NextStep) {
        let (kind, retry_at) = match next {
            NextStep::Succeeded | NextStep::Gone => return,
            NextStep::RetryAt(at) => ("retry", Some(clock::format(at))),
            NextStep::Failed => ("failed", None),
        };
        let Some(left_out) = self
            .links
            .warnings
            .allow(&format!("{kind}:{}", d.webhook_id))
        else {
            return;
        };
        let status = r
            .status
            .map(|s| s.to_string())
            .unwrap_or_else(|| "none".into());
        let error = r.error.as_deref().unwrap_or("");
        match retry_at {
            Some(at) => tracing::warn!(
                webhook = %d.webhook_id, delivery = %d.delivery_id, %status, error,
                retry_at = %at, similar_lines_left_out = left_out,
                "webhook delivery attempt failed; it will be retried"
            ),
            None => tracing::warn!(
                webhook = %d.webhook_id, delivery = %d.delivery_id, %status, error,
                similar_lines_left_out = left_out,
                "webhook delivery failed for good: its retry schedule is exhausted (POST …/recover sends it again)"
            ),
        }
    }
}
