//! The per-minute attempt counters (see `collabkit_domain::stats`): what each node adds about
//! once a second, read by the dashboard's statistics.

use collabkit_domain::clock::Timestamp;
use collabkit_domain::stats::{AttemptCount, AttemptCounter, WebhookHealth};
use collabkit_domain::store::{Page, PageRequest, StoreResult};
use deadpool_postgres::GenericClient;

use crate::sql::{execute, query};

/// Adds to the counters in one statement, in the order given (key order: two nodes adding at
/// once cannot deadlock). Counters of a registration deleted meanwhile are dropped.
pub async fn add_counters<C: GenericClient + Sync>(
    c: &C,
    counters: &[AttemptCounter],
) -> StoreResult<()> {
    if counters.is_empty() {
        return Ok(());
    }
    let webhook: Vec<&str> = counters.iter().map(|c| c.webhook_id.as_str()).collect();
    let minute: Vec<Timestamp> = counters.iter().map(|c| c.minute).collect();
    let ok: Vec<bool> = counters.iter().map(|c| c.succeeded).collect();
    let bucket: Vec<i64> = counters
        .iter()
        .map(|c| c.latency_bucket_ms as i64)
        .collect();
    let count: Vec<i64> = counters.iter().map(|c| c.count as i64).collect();
    execute(
        c,
        "INSERT INTO attempt_counters (webhook_seq, minute, succeeded, latency_bucket_ms, count)
         SELECT w.seq, x.minute, x.ok, x.bucket, x.count
         FROM UNNEST($1::text[], $2::timestamptz[], $3::bool[], $4::bigint[], $5::bigint[])
              WITH ORDINALITY AS x(webhook_id, minute, ok, bucket, count, n)
         JOIN webhooks w ON w.id = x.webhook_id
         ORDER BY x.n
         ON CONFLICT (webhook_seq, minute, succeeded, latency_bucket_ms)
         DO UPDATE SET count = attempt_counters.count + excluded.count",
        &[&webhook, &minute, &ok, &bucket, &count],
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

/// A page of registrations (`$3`: after this position, `$5`: at most this many; `$4`: only this
/// one), chosen first so the counters read are those of the page.
pub async fn webhook_health<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: Option<&str>,
    since: Timestamp,
    page: PageRequest,
) -> StoreResult<Page<WebhookHealth>> {
    let after = page.after_seq()?;
    let rows = query(
        c,
        "SELECT w.seq, w.id, w.enabled, w.failing_since,
                COALESCE(SUM(c.count), 0)::bigint AS attempts,
                COALESCE(SUM(c.count) FILTER (WHERE c.succeeded), 0)::bigint AS succeeded,
                MAX(c.minute) AS last_minute
         FROM (SELECT seq, id, enabled, failing_since FROM webhooks
               WHERE account_id = $1 AND seq > $3 AND ($4::text IS NULL OR id = $4)
               ORDER BY seq LIMIT $5) w
         LEFT JOIN attempt_counters c ON c.webhook_seq = w.seq AND c.minute >= $2
         GROUP BY w.seq, w.id, w.enabled, w.failing_since ORDER BY w.seq",
        &[
            &account_id,
            &since,
            &after,
            &webhook_id,
            &(page.limit as i64 + 1),
        ],
    )
    .await?;
    Ok(Page::from_seq_rows(
        rows.iter()
            .map(|r| {
                (
                    r.get("seq"),
                    WebhookHealth {
                        webhook_id: r.get("id"),
                        enabled: r.get("enabled"),
                        failing_since: r.get("failing_since"),
                        attempts: r.get::<_, i64>("attempts") as u64,
                        succeeded: r.get::<_, i64>("succeeded") as u64,
                        last_attempt_minute: r.get("last_minute"),
                    },
                )
            })
            .collect(),
        page.limit,
    ))
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

/// The storage contract's `Stats`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::Stats;

    #[async_trait]
    impl Stats for crate::PgStore {
        async fn attempt_counts(
            &self,
            account_id: &str,
            webhook_id: Option<&str>,
            since: Timestamp,
        ) -> StoreResult<Vec<AttemptCount>> {
            self.within(async {
                stats::attempt_counts(&self.client().await?, account_id, webhook_id, since).await
            })
            .await
        }

        async fn webhook_health(
            &self,
            account_id: &str,
            webhook_id: Option<&str>,
            since: Timestamp,
            page: PageRequest,
        ) -> StoreResult<Page<WebhookHealth>> {
            self.within(async {
                stats::webhook_health(&self.client().await?, account_id, webhook_id, since, page)
                    .await
            })
            .await
        }
    }
}
