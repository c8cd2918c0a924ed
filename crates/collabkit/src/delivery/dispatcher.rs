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

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use collabkit_webhooks::Signer;
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
use collabkit_domain::stats::PendingCounters;

/// Longest sleep with nothing due, as a safety net (another process may have written).
const IDLE_RECHECK: Duration = Duration::from_secs(5);
/// Most outcomes written in one transaction.
const RECORD_BATCH: usize = 1024;
/// Handed-over deliveries waiting for a slot before new ones go through the claim path.
const MAX_HANDOFF_BACKLOG: usize = 20_000;
/// Signing keys kept unsealed in memory.
const MAX_CACHED_SIGNERS: usize = 10_000;

/// One registration's share of the concurrency, and how many tasks use it.
struct Share {
    permits: Arc<Semaphore>,
    users: usize,
}

pub struct Dispatcher {
    store: SharedStore,
    config: DeliveryConfig,
    sender: Sender,
    secrets: SecretBox,
    metrics: Arc<Metrics>,
    /// Attempts in flight, in all.
    slots: Arc<Semaphore>,
    /// Attempts in flight per registration.
    shares: Mutex<HashMap<String, Share>>,
    /// Rung when an attempt finishes (a slot or a share frees up).
    freed: Notify,
    /// Where changes hand fresh deliveries over.
    handoff: Handoff,
    /// Handed-over deliveries not started yet (shared with the hand-off).
    backlog: Arc<AtomicUsize>,
    /// Outcomes on their way to the store.
    records: mpsc::UnboundedSender<AttemptRecord>,
    /// The receiving ends, taken by `run`.
    inboxes: Mutex<Option<Inboxes>>,
    /// Unsealed signing keys by sealed secret.
    signers: Mutex<HashMap<String, Signer>>,
    /// Leases this process holds and has not reported on yet (delivery id → lease token):
    /// what a graceful stop gives back.
    unfinished: Mutex<HashMap<String, i64>>,
    /// Rate limit of the WARN lines about failing deliveries.
    warnings: super::warnings::Warnings,
    /// The API's load: while it is busy, attempts wait (see `wait_for_api`).
    api: ApiLoad,
    /// Nodes sharing the queue, for this node's part of each registration's limit.
    live_nodes: AtomicUsize,
}

/// The API's requests being handled (permits taken) and their cap, `--max-in-flight`: the API
/// refuses past the cap, the dispatcher yields past half of it.
#[derive(Clone)]
pub struct ApiLoad {
    pub in_flight: Arc<Semaphore>,
    pub max: usize,
}

impl ApiLoad {
    pub fn new(max: usize) -> ApiLoad {
        let max = max.max(1);
        ApiLoad {
            in_flight: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    fn busy(&self) -> bool {
        self.max - self.in_flight.available_permits() > self.max / 2
    }
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
        api: ApiLoad,
    ) -> anyhow::Result<Arc<Dispatcher>> {
        let sender = Sender::new(
            config.timeout,
            config.allow_private_destinations,
            config.concurrency,
        )?;
        let (records, records_rx) = mpsc::unbounded_channel();
        let lease_for = config.timeout + config.lease_margin;
        let (handoff, handed) = Handoff::new(lease_for, MAX_HANDOFF_BACKLOG);
        let backlog = handoff.backlog();
        Ok(Arc::new(Dispatcher {
            slots: Arc::new(Semaphore::new(config.concurrency)),
            store,
            config,
            sender,
            secrets,
            metrics,
            shares: Mutex::new(HashMap::new()),
            freed: Notify::new(),
            handoff,
            backlog,
            records,
            inboxes: Mutex::new(Some(Inboxes {
                records: records_rx,
                handed,
            })),
            signers: Mutex::new(HashMap::new()),
            unfinished: Mutex::new(HashMap::new()),
            warnings: super::warnings::Warnings::new(Duration::from_secs(60)),
            api,
            live_nodes: AtomicUsize::new(1),
        }))
    }

    /// Gives back the leases of deliveries this process will not finish (called when it stops,
    /// after waiting for the attempts in flight): they are due again at once, for another node
    /// or the next start, instead of after their lease (the delivery timeout plus a margin).
    /// Where changes hand their fresh deliveries to this dispatcher.
    pub fn handoff(&self) -> Handoff {
        self.handoff.clone()
    }

    pub async fn release_unfinished(&self) {
        let leases: Vec<(String, i64)> = self
            .unfinished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
            .collect();
        if leases.is_empty() {
            return;
        }
        match self.store.release_leases(leases).await {
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
            if !self.api.busy() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn hold(&self, d: &ClaimedDelivery) {
        self.unfinished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(d.delivery_id.clone(), d.lease);
    }

    fn done(&self, delivery_id: &str) {
        self.unfinished
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(delivery_id);
    }

    /// A claim lasts the attempt's timeout plus a margin; an attempt never starts unless the
    /// whole timeout still fits in its lease.
    fn lease(&self) -> Duration {
        self.config.timeout + self.config.lease_margin
    }

    /// Runs until `shutdown`; attempts run on `tasks` so shutdown can wait for them.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken, tasks: TaskTracker) {
        let inboxes = self
            .inboxes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .expect("a dispatcher runs once");
        tasks.spawn(self.clone().record_loop(inboxes.records, shutdown.clone()));
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
                            self.hold(&d);
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
        let wakeup = self.store.wakeup();
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
                let wait = self.idle_wait().await;
                tokio::select! {
                    _ = wakeup.wait() => {},
                    _ = self.freed.notified() => {},
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
        let free = self.slots.available_permits() as u32;
        if free == 0 {
            return Ok(vec![]);
        }
        let full: Vec<String> = {
            let shares = self.shares.lock().unwrap_or_else(|e| e.into_inner());
            shares
                .iter()
                .filter(|(_, s)| s.permits.available_permits() == 0)
                .map(|(id, _)| id.clone())
                .collect()
        };
        self.store
            .claim_due(
                clock::now(),
                self.lease(),
                free.min(self.config.claim_batch),
                self.webhook_share(),
                full,
            )
            .await
    }

    /// How long to sleep when nothing could be claimed.
    async fn idle_wait(&self) -> Duration {
        match self.store.next_due_at().await {
            // Something is due but could not be taken (slots or shares are full): an attempt
            // finishing rings `freed`.
            Ok(Some(due)) if due <= clock::now() => IDLE_RECHECK,
            Ok(Some(due)) => (due - clock::now())
                .to_std()
                .unwrap_or_default()
                .clamp(Duration::from_millis(1), IDLE_RECHECK),
            Ok(None) => IDLE_RECHECK,
            Err(e) => {
                tracing::warn!(error = %e, "reading the next due time failed");
                Duration::from_secs(1)
            }
        }
    }

    /// This node's part of a registration's concurrency limit: the limit holds across nodes,
    /// so with N live nodes each takes a Nth of it (rounded up).
    fn webhook_share(&self) -> u32 {
        let nodes = self.live_nodes.load(Ordering::Relaxed).max(1) as u32;
        self.config.per_webhook_concurrency.div_ceil(nodes).max(1)
    }

    /// Live nodes sharing the delivery queue (kept by the node watcher; 1 on SQLite).
    pub fn set_live_nodes(&self, nodes: usize) {
        self.live_nodes.store(nodes.max(1), Ordering::Relaxed);
    }

    fn share(&self, webhook_id: &str) -> Arc<Semaphore> {
        let mut shares = self.shares.lock().unwrap_or_else(|e| e.into_inner());
        let share = shares
            .entry(webhook_id.to_owned())
            .or_insert_with(|| Share {
                permits: Arc::new(Semaphore::new(self.webhook_share() as usize)),
                users: 0,
            });
        share.users += 1;
        share.permits.clone()
    }

    fn release_share(&self, webhook_id: &str) {
        let mut shares = self.shares.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(share) = shares.get_mut(webhook_id) {
            share.users -= 1;
            if share.users == 0 {
                shares.remove(webhook_id);
            }
        }
    }

    /// Spawns the attempt of one delivery; it waits for its share and a slot.
    fn start(self: &Arc<Self>, d: ClaimedDelivery, handed: bool, tasks: &TaskTracker) {
        self.hold(&d);
        let share = self.share(&d.webhook_id);
        let this = self.clone();
        tasks.spawn(async move {
            let webhook_id = d.webhook_id.clone();
            {
                let _share = share.acquire().await.expect("shares are never closed");
                this.wait_for_api().await;
                let _slot = this.slots.acquire().await.expect("slots are never closed");
                if handed {
                    this.backlog.fetch_sub(1, Ordering::Relaxed);
                }
                this.attempt(d).await;
            }
            this.release_share(&webhook_id);
            this.freed.notify_one();
        });
    }

    /// Writes outcomes in batches: every outcome that arrived while the previous batch was
    /// being written goes into the next transaction. On shutdown it keeps going until the
    /// attempts in flight have reported. The dashboard's counters of what was recorded are
    /// summed here and stored about once a second (see `collabkit_domain::stats`).
    async fn record_loop(
        self: Arc<Self>,
        mut incoming: mpsc::UnboundedReceiver<AttemptRecord>,
        shutdown: CancellationToken,
    ) {
        let mut counters = PendingCounters::default();
        let mut flush_at = tokio::time::Instant::now() + self.config.counter_flush;
        loop {
            let idle = self.slots.available_permits() == self.config.concurrency;
            let first = tokio::select! {
                r = incoming.recv() => match r {
                    Some(r) => r,
                    None => break,
                },
                _ = shutdown.cancelled(), if idle => {
                    if incoming.is_empty() {
                        break;
                    }
                    continue;
                }
                _ = tokio::time::sleep_until(flush_at), if !counters.is_empty() => {
                    self.flush_counters(&mut counters).await;
                    flush_at = tokio::time::Instant::now() + self.config.counter_flush;
                    continue;
                }
                // Re-check idleness now and then while shutting down.
                _ = tokio::time::sleep(Duration::from_millis(50)), if shutdown.is_cancelled() => continue,
            };
            let mut batch = Vec::with_capacity(64);
            batch.push(first);
            while batch.len() < RECORD_BATCH {
                match incoming.try_recv() {
                    Ok(r) => batch.push(r),
                    Err(_) => break,
                }
            }
            let n = batch.len();
            let mut recorded = PendingCounters::default();
            recorded.add(&batch);
            match self.store.record_attempts(batch).await {
                Ok(disabled) => {
                    counters.merge(recorded);
                    for webhook in disabled {
                        tracing::warn!(
                            %webhook,
                            "webhook registration disabled: its receiver answered 410 Gone or kept failing (--disable-failing-after); its pending deliveries failed"
                        );
                    }
                }
                // Their leases will run out and they will be attempted again: nothing is lost.
                Err(e) => tracing::error!(error = %e, outcomes = n, "recording attempts failed"),
            }
            if tokio::time::Instant::now() >= flush_at {
                self.flush_counters(&mut counters).await;
                flush_at = tokio::time::Instant::now() + self.config.counter_flush;
            }
        }
        self.flush_counters(&mut counters).await;
    }

    /// Statistics only: when the store refuses them they are dropped, with a warning, rather
    /// than held while it is down.
    async fn flush_counters(&self, counters: &mut PendingCounters) {
        if counters.is_empty() {
            return;
        }
        if let Err(e) = self.store.add_attempt_counters(counters.take()).await {
            tracing::warn!(error = %e, "storing the dashboard's attempt counters failed; a second of statistics is lost");
        }
    }

    async fn attempt(&self, d: ClaimedDelivery) {
        let started_at = clock::now();
        let remaining = (d.lease_until - started_at).to_std().unwrap_or_default();
        if remaining < self.config.timeout {
            // Waited too long for a slot: the lease may run out mid-attempt. Let it expire and be
            // claimed again rather than risk two workers sending at once.
            self.done(&d.delivery_id);
            return;
        }
        let response = match self.signature(&d, started_at.timestamp()) {
            Ok(signature) => {
                self.sender
                    .send(
                        &d.url,
                        &d.event_id,
                        started_at.timestamp(),
                        &signature,
                        d.room_seq,
                        d.payload.clone(),
                    )
                    .await
            }
            Err(e) => Response {
                status: None,
                body: String::new(),
                error: Some(e.to_string()),
                duration: Duration::ZERO,
                retry_after: None,
            },
        };
        let next = self.next_step(&d, &response);
        self.metrics.record_attempt(&next, response.duration);
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
            disable_if_failing_since: started_at
                - chrono::Duration::from_std(self.config.disable_after)
                    .unwrap_or(chrono::Duration::MAX),
        };
        // The record loop only stops at the end of shutdown, after every attempt reported.
        self.done(&record.delivery_id);
        let _ = self.records.send(record);
    }

    /// A failed attempt or a delivery that failed for good, at WARN, rate-limited per
    /// registration. Names ids only: a URL may carry credentials.
    fn warn_failure(&self, d: &ClaimedDelivery, r: &Response, next: &NextStep) {
        let (kind, retry_at) = match next {
            NextStep::Succeeded | NextStep::Gone => return,
            NextStep::RetryAt(at) => ("retry", Some(clock::format(at))),
            NextStep::Failed => ("failed", None),
        };
        let Some(left_out) = self.warnings.allow(&format!("{kind}:{}", d.webhook_id)) else {
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

    /// `v1,…` for the current secret, and for the previous one while it still signs.
    fn signature(&self, d: &ClaimedDelivery, timestamp: i64) -> anyhow::Result<String> {
        let mut out = String::new();
        for sealed in std::iter::once(&d.secret_sealed).chain(d.previous_secret_sealed.as_ref()) {
            let signer = self.signer(sealed)?;
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&signer.sign(&d.event_id, timestamp, &d.payload));
        }
        Ok(out)
    }

    /// The signer of a sealed secret, unsealed once and then kept (keyed by the sealed text,
    /// so a rotation simply brings a new entry).
    fn signer(&self, sealed: &str) -> anyhow::Result<Signer> {
        let mut signers = self.signers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = signers.get(sealed) {
            return Ok(s.clone());
        }
        let signer = Signer::new(&self.secrets.open(sealed)?)?;
        if signers.len() >= MAX_CACHED_SIGNERS {
            signers.clear();
        }
        signers.insert(sealed.to_owned(), signer.clone());
        Ok(signer)
    }

    fn next_step(&self, d: &ClaimedDelivery, r: &Response) -> NextStep {
        match r.status {
            Some(s) if (200..300).contains(&s) && r.error.is_none() => return NextStep::Succeeded,
            Some(410) => return NextStep::Gone,
            _ => {}
        }
        let retry_after = match r.status {
            Some(429) | Some(503) => r.retry_after,
            _ => None,
        };
        match self
            .config
            .retry_schedule
            .delay_after(d.cycle_attempts + 1, retry_after)
        {
            Some(delay) => NextStep::RetryAt(
                clock::now() + chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX),
            ),
            None => NextStep::Failed,
        }
    }
}
