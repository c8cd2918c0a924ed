//! Retention: deliveries and attempts older than `--delivery-retention` are deleted in batches,
//! so the log stays bounded without long write locks.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock;
use crate::store::SharedStore;

/// Deliveries deleted per write job: small enough that other writes wait only milliseconds.
pub const BATCH: u32 = 1000;

pub async fn run(
    store: SharedStore,
    retention: Duration,
    idempotency_window: Duration,
    every: Duration,
    shutdown: CancellationToken,
) {
    loop {
        let before = clock::before(clock::now(), retention);
        let mut total = 0;
        loop {
            match store.prune(before, BATCH).await {
                Ok(n) => {
                    total += n;
                    if n < BATCH as u64 || shutdown.is_cancelled() {
                        break;
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "pruning old deliveries failed");
                    break;
                }
            }
            // Give other writers the lock between batches.
            tokio::task::yield_now().await;
        }
        if total > 0 {
            tracing::info!(deleted = total, "pruned old deliveries");
        }
        // Idempotency keys past their window: replayed no more, they only take room.
        let before = clock::before(clock::now(), idempotency_window);
        loop {
            match store.prune_idempotency_keys(before, BATCH).await {
                Ok(n) if n < BATCH as u64 || shutdown.is_cancelled() => break,
                Ok(_) => tokio::task::yield_now().await,
                Err(e) => {
                    tracing::warn!(error = %e, "pruning expired idempotency keys failed");
                    break;
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {},
            _ = shutdown.cancelled() => return,
        }
    }
}
