//! The delivery queue on PostgreSQL: fan-out of new events (`fanout`), claims shared by every
//! node (`FOR UPDATE SKIP LOCKED`), attempt records in batches (`attempts`), stats, pruning.

use std::time::Duration;

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules;
use collabkit_domain::store::{ClaimedDelivery, QueueStats, StoreResult};
use deadpool_postgres::GenericClient;

use crate::sql::{execute, notify_due, query, query_one};

mod attempts;
mod fanout;

pub use self::attempts::{fail_pending, record_attempts};
pub use self::fanout::{
    INSERT_EVENTS, KindTargets, MATCHING, any_ordered, insert_event, insert_events, left_to_claims,
    matching, store_events, wakes,
};
pub use collabkit_domain::model::Fanout;

/// Leases due deliveries: `$1` lease end, `$2` lease token, `$3` now, `$4` excluded
/// registration ids, `$5` most to take, `$6` most of one registration.
///
/// The window of the `$5` oldest due rows is locked with SKIP LOCKED, so nodes claiming at the
/// same moment take different rows instead of waiting for each other; of that window at most
/// `$6` per registration are leased (one busy receiver cannot fill a whole claim).
const CLAIM: &str = "WITH window_rows AS (
        SELECT seq, webhook_seq, due_at FROM deliveries
        WHERE status = 'pending' AND due_at <= $3
          AND webhook_seq NOT IN (SELECT seq FROM webhooks WHERE id = ANY($4))
        ORDER BY due_at LIMIT $5
        FOR UPDATE SKIP LOCKED),
     picked AS (
        SELECT seq FROM (
            SELECT seq, ROW_NUMBER() OVER (PARTITION BY webhook_seq ORDER BY due_at, seq) AS rn
            FROM window_rows) ranked
        WHERE rn <= $6)
     UPDATE deliveries d SET due_at = $1, lease = $2
     FROM picked, webhooks w, events e
     WHERE d.seq = picked.seq AND w.seq = d.webhook_seq AND e.seq = d.event_seq
     RETURNING d.id, w.id, e.id, d.cycle_attempts, e.payload, w.url, w.secret_sealed,
               CASE WHEN w.previous_secret_until > $3 THEN w.previous_secret_sealed END, e.room_seq,
               w.headers, d.previous_room_seq";

pub async fn claim_due<C: GenericClient + Sync>(
    c: &C,
    now: Timestamp,
    lease_for: Duration,
    limit: u32,
    per_webhook: u32,
    exclude: &[String],
) -> StoreResult<Vec<ClaimedDelivery>> {
    let lease_until = clock::after(now, lease_for);
    let lease: i64 = rand::random::<i64>() & i64::MAX;
    let rows = query(
        c,
        CLAIM,
        &[
            &lease_until,
            &lease,
            &now,
            &exclude,
            &(limit as i64),
            &(per_webhook as i64),
        ],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| ClaimedDelivery {
            delivery_id: r.get(0),
            lease,
            lease_until,
            webhook_id: r.get(1),
            event_id: r.get(2),
            cycle_attempts: r.get::<_, i32>(3) as u32,
            payload: bytes::Bytes::from(r.get::<_, String>(4)),
            url: r.get(5),
            secret_sealed: r.get(6),
            previous_secret_sealed: r.get(7),
            room_seq: r.get(8),
            previous_room_seq: r.get(10),
            headers: rules::headers::pairs_from_stored(r.get::<_, Option<&str>>(9)),
        })
        .collect())
}

pub async fn release_leases<C: GenericClient + Sync>(
    c: &C,
    leases: &[(String, i64)],
    now: Timestamp,
) -> StoreResult<u64> {
    let ids: Vec<&str> = leases.iter().map(|(id, _)| id.as_str()).collect();
    let tokens: Vec<i64> = leases.iter().map(|(_, t)| *t).collect();
    let n = execute(
        c,
        "UPDATE deliveries d SET due_at = $3, lease = NULL
         FROM UNNEST($1::text[], $2::bigint[]) AS r(id, lease)
         WHERE d.id = r.id AND d.lease = r.lease AND d.status = 'pending'",
        &[&ids, &tokens, &now],
    )
    .await?;
    if rules::wakes_after_requeue(n) {
        notify_due(c).await?;
    }
    Ok(n)
}

pub async fn next_due_at<C: GenericClient + Sync>(c: &C) -> StoreResult<Option<Timestamp>> {
    Ok(query_one(
        c,
        "SELECT MIN(due_at) FROM deliveries WHERE status = 'pending'",
        &[],
    )
    .await?
    .get(0))
}

pub async fn queue_stats<C: GenericClient + Sync>(
    c: &C,
    now: Timestamp,
) -> StoreResult<QueueStats> {
    let row = query_one(
        c,
        "SELECT COUNT(*) FILTER (WHERE due_at <= $1), MIN(due_at) FILTER (WHERE due_at <= $1),
                COUNT(*) FILTER (WHERE due_at > $1)
         FROM deliveries WHERE status = 'pending'",
        &[&now],
    )
    .await?;
    Ok(QueueStats {
        due: row.get::<_, i64>(0) as u64,
        oldest_due_at: row.get(1),
        scheduled: row.get::<_, i64>(2) as u64,
    })
}

pub async fn prune<C: GenericClient + Sync>(
    c: &C,
    before: Timestamp,
    batch: u32,
) -> StoreResult<u64> {
    crate::stats::prune(c, before, batch).await?;
    // Rows are inserted in time order, so the oldest are at the start of the table's key.
    // The registrations' delivery counts follow (see migrations 5 and 7).
    let n: i64 = query_one(
        c,
        "WITH gone AS (
            DELETE FROM deliveries WHERE seq IN (
                SELECT seq FROM deliveries WHERE created_at < $1 AND status != 'pending'
                ORDER BY seq LIMIT $2)
            RETURNING webhook_seq, event_code),
         counted AS (
            INSERT INTO delivery_counters AS k (webhook_seq, event_code, shard, deliveries)
            SELECT webhook_seq, event_code, COALESCE(current_setting('collabkit.shard', true)::smallint,
                                                     (pg_backend_pid() % 64)::smallint), -COUNT(*)
            FROM gone
            GROUP BY webhook_seq, event_code ORDER BY webhook_seq, event_code
            ON CONFLICT (webhook_seq, event_code, shard) DO UPDATE SET deliveries = k.deliveries + excluded.deliveries)
         SELECT COUNT(*) FROM gone",
        &[&before, &(batch as i64)],
    )
    .await?
    .get(0);
    let n = n as u64;
    // Old events no delivery refers to any more. (Not "those before the oldest remaining
    // delivery's event", as on SQLite: with concurrent writers, deliveries and events take
    // their positions in different orders.) Each check is a seek of `deliveries_by_event`.
    execute(
        c,
        "DELETE FROM events WHERE seq IN (
            SELECT e.seq FROM events e WHERE e.created_at < $1
              AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)
            ORDER BY e.seq LIMIT $2)",
        &[&before, &(batch as i64)],
    )
    .await?;
    Ok(n)
}
