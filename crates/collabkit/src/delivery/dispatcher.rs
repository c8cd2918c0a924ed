//! The dispatcher: claims due deliveries, attempts them concurrently, records the outcomes.
//!
//! One loop claims (a short write transaction that leases deliveries); each claimed delivery is
//! attempted in its own task, outside any transaction; the outcome is recorded in another short
//! write. Concurrency is bounded globally and per registration, so a slow receiver only ever
//! occupies its own share. The loop sleeps until the next due time or until the store signals
//! new work — it never polls in a tight loop.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use collabkit_webhooks::Signer;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::DeliveryConfig;
use super::sender::{Response, Sender};
use crate::clock;
use crate::metrics::Metrics;
use crate::secrets::SecretBox;
use crate::store::{Attempt, AttemptRecord, ClaimedDelivery, NextStep, SharedStore};

/// Longest sleep with nothing due, as a safety net (another process may have written).
const IDLE_RECHECK: Duration = Duration::from_secs(5);

pub struct Dispatcher {
    store: SharedStore,
    config: DeliveryConfig,
    sender: Sender,
    secrets: SecretBox,
    metrics: Arc<Metrics>,
    slots: Arc<Semaphore>,
    /// In-flight attempts per registration.
    busy: Mutex<HashMap<String, u32>>,
    /// Rung when an attempt finishes (a slot or a registration's share frees up).
    freed: Notify,
}

impl Dispatcher {
    pub fn new(
        store: SharedStore,
        config: DeliveryConfig,
        secrets: SecretBox,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Arc<Dispatcher>> {
        let sender = Sender::new(config.timeout, config.allow_private_destinations)?;
        Ok(Arc::new(Dispatcher {
            slots: Arc::new(Semaphore::new(config.concurrency)),
            store,
            config,
            sender,
            secrets,
            metrics,
            busy: Mutex::new(HashMap::new()),
            freed: Notify::new(),
        }))
    }

    /// A claim lasts the attempt's timeout plus a margin; an attempt never starts unless the
    /// whole timeout still fits in its lease.
    fn lease(&self) -> Duration {
        self.config.timeout + self.config.lease_margin
    }

    /// Runs until `shutdown`; attempts run on `tasks` so shutdown can wait for them.
    pub async fn run(self: Arc<Self>, shutdown: CancellationToken, tasks: TaskTracker) {
        let signal = self.store.delivery_signal();
        while !shutdown.is_cancelled() {
            let claimed = self.claim_once().await;
            let claimed = match claimed {
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
                    _ = signal.notified() => {},
                    _ = self.freed.notified() => {},
                    _ = tokio::time::sleep(wait) => {},
                    _ = shutdown.cancelled() => {},
                }
                continue;
            }
            for delivery in claimed {
                let permit = self
                    .slots
                    .clone()
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed");
                let this = self.clone();
                tasks.spawn(async move { this.attempt(delivery, permit).await });
            }
        }
    }

    /// Claims as many due deliveries as there are free slots, skipping registrations that
    /// already use their whole share.
    pub async fn claim_once(&self) -> crate::store::StoreResult<Vec<ClaimedDelivery>> {
        let free = self.slots.available_permits() as u32;
        if free == 0 {
            return Ok(vec![]);
        }
        let per_webhook = self.config.per_webhook_concurrency;
        let full: Vec<String> = {
            let busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
            busy.iter()
                .filter(|(_, n)| **n >= per_webhook)
                .map(|(id, _)| id.clone())
                .collect()
        };
        let claimed = self
            .store
            .claim_due(
                clock::now(),
                self.lease(),
                free.min(self.config.claim_batch),
                per_webhook,
                full,
            )
            .await?;
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        for d in &claimed {
            *busy.entry(d.webhook_id.clone()).or_default() += 1;
        }
        Ok(claimed)
    }

    /// How long to sleep when nothing could be claimed.
    async fn idle_wait(&self) -> Duration {
        match self.store.next_due_at().await {
            // Something is due but could not be taken (slots or shares are full): wait for an
            // attempt to finish, which rings `freed`.
            Ok(Some(due)) if due <= clock::now() => IDLE_RECHECK,
            Ok(Some(due)) => (due - clock::now())
                .to_std()
                .unwrap_or_default()
                .min(IDLE_RECHECK)
                .max(Duration::from_millis(1)),
            Ok(None) => IDLE_RECHECK,
            Err(e) => {
                tracing::warn!(error = %e, "reading the next due time failed");
                Duration::from_secs(1)
            }
        }
    }

    async fn attempt(self: Arc<Self>, d: ClaimedDelivery, _permit: OwnedSemaphorePermit) {
        let webhook_id = d.webhook_id.clone();
        self.attempt_inner(d).await;
        {
            let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(n) = busy.get_mut(&webhook_id) {
                *n -= 1;
                if *n == 0 {
                    busy.remove(&webhook_id);
                }
            }
        }
        self.freed.notify_one();
    }

    async fn attempt_inner(&self, d: ClaimedDelivery) {
        let started_at = clock::now();
        let remaining = (d.lease_until - started_at).to_std().unwrap_or_default();
        if remaining < self.config.timeout {
            // Waited too long for a slot: the lease may run out mid-attempt. Let it expire and be
            // claimed again rather than risk two workers sending at once.
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
                        &d.payload,
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
        if let Some(error) = &response.error {
            tracing::debug!(delivery = %d.delivery_id, %error, "attempt failed");
        }
        let record = AttemptRecord {
            delivery_id: d.delivery_id.clone(),
            lease: d.lease,
            webhook_id: d.webhook_id.clone(),
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
        if let Err(e) = self.store.record_attempt(record).await {
            // The lease will run out and the delivery will be attempted again: nothing is lost.
            tracing::error!(delivery = %d.delivery_id, error = %e, "recording an attempt failed");
        }
    }

    /// `v1,…` for the current secret, and for the previous one while it still signs.
    fn signature(&self, d: &ClaimedDelivery, timestamp: i64) -> anyhow::Result<String> {
        let mut out = String::new();
        for sealed in std::iter::once(&d.secret_sealed).chain(d.previous_secret_sealed.as_ref()) {
            let secret = self.secrets.open(sealed)?;
            let signer = Signer::new(&secret)?;
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&signer.sign(&d.event_id, timestamp, d.payload.as_bytes()));
        }
        Ok(out)
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
