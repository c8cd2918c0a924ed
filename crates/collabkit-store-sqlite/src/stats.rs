//! The per-minute attempt counters (see `collabkit_domain::stats`): what the server adds about
//! once a second, read by the dashboard's statistics.

use rusqlite::{Connection, params};

use super::errors::backend;
use super::rows::{json, parse_opt_ts, parse_ts, ts};
use collabkit_domain::clock::Timestamp;
use collabkit_domain::stats::{AttemptCount, AttemptCounter, WebhookHealth};
use collabkit_domain::store::{Page, PageRequest, StoreResult};

/// Adds to the counters in one statement. Counters of a registration deleted meanwhile find no
/// row to join and are dropped.
pub fn add_counters(conn: &Connection, counters: Vec<AttemptCounter>) -> StoreResult<()> {
    let counters: Vec<_> = counters
        .into_iter()
        .map(|c| {
            (
                c.webhook_id,
                ts(&c.minute),
                c.succeeded,
                c.latency_bucket_ms,
                c.count,
            )
        })
        .collect();
    conn.prepare_cached(
        "INSERT INTO attempt_counters (webhook_seq, minute, succeeded, latency_bucket_ms, count)
         SELECT w.seq, c.value ->> 1, c.value ->> 2, c.value ->> 3, c.value ->> 4
         FROM json_each(?1) AS c JOIN webhooks w ON w.id = c.value ->> 0
         WHERE true
         ON CONFLICT (webhook_seq, minute, succeeded, latency_bucket_ms)
         DO UPDATE SET count = count + excluded.count",
    )
    .and_then(|mut s| s.execute(params![json(&counters)]))
    .map_err(backend)?;
    Ok(())
}

pub fn attempt_counts(
    conn: &Connection,
    account_id: &str,
    webhook_id: Option<&str>,
    since: Timestamp,
) -> StoreResult<Vec<AttemptCount>> {
    conn.prepare_cached(
        "SELECT c.minute, c.succeeded, c.latency_bucket_ms, SUM(c.count) AS count
         FROM webhooks w JOIN attempt_counters c ON c.webhook_seq = w.seq AND c.minute >= ?3
         WHERE w.account_id = ?1 AND (?2 IS NULL OR w.id = ?2)
         GROUP BY c.minute, c.succeeded, c.latency_bucket_ms",
    )
    .and_then(|mut s| {
        s.query_map(params![account_id, webhook_id, ts(&since)], |r| {
            Ok(AttemptCount {
                minute: parse_ts(r, "minute")?,
                succeeded: r.get("succeeded")?,
                latency_bucket_ms: r.get("latency_bucket_ms")?,
                count: r.get("count")?,
            })
        })?
        .collect()
    })
    .map_err(backend)
}

/// A page of registrations (`?3`: after this position, `?5`: at most this many; `?4`: only this
/// one), chosen first so the counters read are those of the page.
pub fn webhook_health(
    conn: &Connection,
    account_id: &str,
    webhook_id: Option<&str>,
    since: Timestamp,
    page: PageRequest,
) -> StoreResult<Page<WebhookHealth>> {
    let after = page.after_seq()?;
    let rows = conn
        .prepare_cached(
            "SELECT w.seq, w.id, w.enabled, w.failing_since,
                COALESCE(SUM(c.count), 0) AS attempts,
                COALESCE(SUM(c.count) FILTER (WHERE c.succeeded), 0) AS succeeded,
                MAX(c.minute) AS last_minute
         FROM (SELECT seq, id, enabled, failing_since FROM webhooks
               WHERE account_id = ?1 AND seq > ?3 AND (?4 IS NULL OR id = ?4)
               ORDER BY seq LIMIT ?5) w
         LEFT JOIN attempt_counters c ON c.webhook_seq = w.seq AND c.minute >= ?2
         GROUP BY w.seq ORDER BY w.seq",
        )
        .and_then(|mut s| {
            s.query_map(
                params![account_id, ts(&since), after, webhook_id, page.limit + 1],
                |r| {
                    Ok((
                        r.get("seq")?,
                        WebhookHealth {
                            webhook_id: r.get("id")?,
                            enabled: r.get("enabled")?,
                            failing_since: parse_opt_ts(r, "failing_since")?,
                            attempts: r.get("attempts")?,
                            succeeded: r.get("succeeded")?,
                            last_attempt_minute: parse_opt_ts(r, "last_minute")?,
                        },
                    ))
                },
            )?
            .collect()
        })
        .map_err(backend)?;
    Ok(Page::from_seq_rows(rows, page.limit))
}

/// Retention: counters of minutes before `before` go with the delivery log they counted.
pub fn prune(conn: &Connection, before: Timestamp, batch: u32) -> StoreResult<u64> {
    conn.execute(
        "DELETE FROM attempt_counters
         WHERE (webhook_seq, minute, succeeded, latency_bucket_ms) IN (
            SELECT webhook_seq, minute, succeeded, latency_bucket_ms FROM attempt_counters
            WHERE minute < ?1 LIMIT ?2)",
        params![ts(&before), batch],
    )
    .map(|n| n as u64)
    .map_err(backend)
}

/// The storage contract's `Stats`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::Stats;

    #[async_trait]
    impl Stats for crate::SqliteStore {
        async fn attempt_counts(
            &self,
            account_id: &str,
            webhook_id: Option<&str>,
            since: Timestamp,
        ) -> StoreResult<Vec<AttemptCount>> {
            let (a, w) = (account_id.to_owned(), webhook_id.map(str::to_owned));
            self.readers
                .read(move |c| stats::attempt_counts(c, &a, w.as_deref(), since))
                .await
        }

        async fn webhook_health(
            &self,
            account_id: &str,
            webhook_id: Option<&str>,
            since: Timestamp,
            page: PageRequest,
        ) -> StoreResult<Page<WebhookHealth>> {
            let (a, w) = (account_id.to_owned(), webhook_id.map(str::to_owned));
            self.readers
                .read(move |c| stats::webhook_health(c, &a, w.as_deref(), since, page))
                .await
        }
    }
}
