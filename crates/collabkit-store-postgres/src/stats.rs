//! The per-minute attempt counters (see `collabkit_domain::stats`): added to in the same
//! transaction as the attempts they count, read by the dashboard's statistics.

use collabkit_domain::clock::Timestamp;
use collabkit_domain::model::AttemptRecord;
use collabkit_domain::stats::{self, AttemptCount, WebhookHealth};
use collabkit_domain::store::StoreResult;
use deadpool_postgres::GenericClient;

use crate::sql::{execute, query};

/// Shards per counter (see the migration).
const SHARDS: i16 = 8;

/// Adds a batch's attempts to the counters, one upsert per batch, in key order so that two
/// batches locking the same rows cannot deadlock. Attempts of a registration deleted meanwhile
/// find no row to join and are not counted.
pub async fn count_attempts<C: GenericClient + Sync>(
    c: &C,
    records: &[AttemptRecord],
) -> StoreResult<()> {
    let mut counters = stats::counters_of(records);
    if counters.is_empty() {
        return Ok(());
    }
    counters.sort_by(|a, b| {
        (&a.webhook_id, a.minute, a.succeeded, a.latency_bucket_ms).cmp(&(
            &b.webhook_id,
            b.minute,
            b.succeeded,
            b.latency_bucket_ms,
        ))
    });
    let webhook: Vec<&str> = counters.iter().map(|c| c.webhook_id.as_str()).collect();
    let minute: Vec<Timestamp> = counters.iter().map(|c| c.minute).collect();
    let ok: Vec<bool> = counters.iter().map(|c| c.succeeded).collect();
    let bucket: Vec<i64> = counters
        .iter()
        .map(|c| c.latency_bucket_ms as i64)
        .collect();
    let count: Vec<i64> = counters.iter().map(|c| c.count as i64).collect();
    let shard = rand::random_range(0..SHARDS);
    execute(
        c,
        "INSERT INTO attempt_counters (webhook_seq, minute, succeeded, latency_bucket_ms, shard, count)
         SELECT w.seq, x.minute, x.ok, x.bucket, $6, x.count
         FROM UNNEST($1::text[], $2::timestamptz[], $3::bool[], $4::bigint[], $5::bigint[])
              WITH ORDINALITY AS x(webhook_id, minute, ok, bucket, count, n)
         JOIN webhooks w ON w.id = x.webhook_id
         ORDER BY x.n
         ON CONFLICT (webhook_seq, minute, succeeded, latency_bucket_ms, shard)
         DO UPDATE SET count = attempt_counters.count + excluded.count",
        &[&webhook, &minute, &ok, &bucket, &count, &shard],
    )
    .await?;
    Ok(())
}

pub async fn attempt_counts<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: Option<&str>,
    since: Timestamp,
) -> StoreResult<Vec<AttemptCount>> {
    let rows = query(
        c,
        "SELECT c.minute, c.succeeded, c.latency_bucket_ms, SUM(c.count)::bigint AS count
         FROM webhooks w JOIN attempt_counters c ON c.webhook_seq = w.seq AND c.minute >= $3
         WHERE w.account_id = $1 AND ($2::text IS NULL OR w.id = $2)
         GROUP BY c.minute, c.succeeded, c.latency_bucket_ms",
        &[&account_id, &webhook_id, &since],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| AttemptCount {
            minute: r.get("minute"),
            succeeded: r.get("succeeded"),
            latency_bucket_ms: r.get::<_, i64>("latency_bucket_ms") as u64,
            count: r.get::<_, i64>("count") as u64,
        })
        .collect())
}

pub async fn webhook_health<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    since: Timestamp,
) -> StoreResult<Vec<WebhookHealth>> {
    let rows = query(
        c,
        "SELECT w.id, w.enabled, w.failing_since,
                COALESCE(SUM(c.count), 0)::bigint AS attempts,
                COALESCE(SUM(c.count) FILTER (WHERE c.succeeded), 0)::bigint AS succeeded,
                MAX(c.minute) AS last_minute
         FROM webhooks w LEFT JOIN attempt_counters c ON c.webhook_seq = w.seq AND c.minute >= $2
         WHERE w.account_id = $1
         GROUP BY w.id ORDER BY w.seq",
        &[&account_id, &since],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| WebhookHealth {
            webhook_id: r.get("id"),
            enabled: r.get("enabled"),
            failing_since: r.get("failing_since"),
            attempts: r.get::<_, i64>("attempts") as u64,
            succeeded: r.get::<_, i64>("succeeded") as u64,
            last_attempt_minute: r.get("last_minute"),
        })
        .collect())
}

/// Retention: counters of minutes before `before` go with the delivery log they counted.
pub async fn prune<C: GenericClient + Sync>(
    c: &C,
    before: Timestamp,
    batch: u32,
) -> StoreResult<u64> {
    execute(
        c,
        "DELETE FROM attempt_counters WHERE ctid IN (
            SELECT ctid FROM attempt_counters WHERE minute < $1 LIMIT $2)",
        &[&before, &(batch as i64)],
    )
    .await
}
