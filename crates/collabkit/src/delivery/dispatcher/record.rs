//! The record loop: outcomes written in batches, and the dashboard's counters of what was
//! recorded summed here and stored about once a second (see `collabkit_domain::stats`).

use std::time::Duration;

use collabkit_domain::stats::PendingCounters;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::store::{AttemptRecord, SharedStore};

/// Most outcomes written in one transaction.
const RECORD_BATCH: usize = 1024;

/// Writes outcomes in batches: every outcome that arrived while the previous batch was being
/// written goes into the next transaction. On shutdown it keeps going until `idle` says no
/// attempt is in flight any more (they have all reported).
pub async fn record_loop(
    store: SharedStore,
    counter_flush: Duration,
    mut incoming: mpsc::UnboundedReceiver<AttemptRecord>,
    idle: impl Fn() -> bool,
    shutdown: CancellationToken,
) {
    let mut counters = PendingCounters::default();
    let mut flush_at = tokio::time::Instant::now() + counter_flush;
    loop {
        let idle = idle();
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
                flush_counters(&store, &mut counters).await;
                flush_at = tokio::time::Instant::now() + counter_flush;
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
        match store.record_attempts(batch).await {
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
            flush_counters(&store, &mut counters).await;
            flush_at = tokio::time::Instant::now() + counter_flush;
        }
    }
    flush_counters(&store, &mut counters).await;
}

/// Statistics only: when the store refuses them they are dropped, with a warning, rather
/// than held while it is down.
async fn flush_counters(store: &SharedStore, counters: &mut PendingCounters) {
    if counters.is_empty() {
        return;
    }
    if let Err(e) = store.add_attempt_counters(counters.take()).await {
        tracing::warn!(error = %e, "storing the dashboard's attempt counters failed; a second of statistics is lost");
    }
}
