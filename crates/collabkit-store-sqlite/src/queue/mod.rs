//! The delivery queue on SQLite: fan-out of new events (`fanout`), claims, attempt records
//! (`attempts`), stats, pruning.

use std::time::Duration;

use rusqlite::{Connection, params};

use crate::errors::backend;
use crate::rows::{json, ts};
use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules;
use collabkit_domain::store::{ClaimedDelivery, QueueStats, StoreResult};

mod attempts;
mod fanout;

pub use self::attempts::record_attempts;
pub use self::fanout::insert_event;
pub use collabkit_domain::model::Fanout;

/// Leases due deliveries: `?1` lease end, `?2` lease token, `?3` now, `?4` excluded
/// registrations (JSON array of ids), `?5` most to take, `?6` most of one registration.
///
/// The `?5` oldest due deliveries of registrations that are not excluded (their share is full),
/// at most `?6` of each: one busy receiver cannot fill a whole claim. The window is read from
/// `deliveries_due` alone; a wider one (4 × limit) let a claim see more registrations but made
/// draining one registration's backlog a third slower.
const CLAIM: &str = "UPDATE deliveries SET due_at = ?1, lease = ?2
     WHERE seq IN (
        SELECT seq FROM (
            SELECT seq, ROW_NUMBER() OVER (PARTITION BY webhook_seq ORDER BY due_at, seq) AS rn
            FROM (SELECT webhook_seq, due_at, seq FROM deliveries
                  WHERE status = 'pending' AND due_at <= ?3
                    AND webhook_seq NOT IN (
                        SELECT seq FROM webhooks WHERE id IN (SELECT value FROM json_each(?4)))
                  ORDER BY due_at LIMIT ?5)
        ) WHERE rn <= ?6
     )
     RETURNING seq";

pub fn claim_due(
    conn: &Connection,
    now: Timestamp,
    lease_for: Duration,
    limit: u32,
    per_webhook: u32,
    exclude: &[String],
) -> StoreResult<Vec<ClaimedDelivery>> {
    let lease_until = clock::after(now, lease_for);
    let lease: i64 = rand::random::<i64>() & i64::MAX;
    let claimed: Vec<i64> = conn
        .prepare_cached(CLAIM)
        .and_then(|mut s| {
            s.query_map(
                params![
                    ts(&lease_until),
                    lease,
                    ts(&now),
                    json(&exclude),
                    limit,
                    per_webhook
                ],
                |r| r.get(0),
            )?
            .collect()
        })
        .map_err(backend)?;
    let mut read = conn
        .prepare_cached(
            "SELECT d.id, w.id, e.id, d.cycle_attempts, e.payload, w.url, w.secret_sealed,
                    CASE WHEN w.previous_secret_until > ?2 THEN w.previous_secret_sealed END AS previous,
                    e.room_seq, w.headers, d.previous_room_seq
             FROM deliveries d JOIN webhooks w ON w.seq = d.webhook_seq JOIN events e ON e.seq = d.event_seq
             WHERE d.seq = ?1",
        )
        .map_err(backend)?;
    let mut out = Vec::with_capacity(claimed.len());
    for seq in claimed {
        let row = read
            .query_row(params![seq, ts(&now)], |r| {
                Ok(ClaimedDelivery {
                    delivery_id: r.get(0)?,
                    lease,
                    lease_until,
                    webhook_id: r.get(1)?,
                    event_id: r.get(2)?,
                    cycle_attempts: r.get(3)?,
                    payload: bytes::Bytes::from(r.get::<_, String>(4)?),
                    url: r.get(5)?,
                    secret_sealed: r.get(6)?,
                    previous_secret_sealed: r.get(7)?,
                    room_seq: r.get(8)?,
                    previous_room_seq: r.get(10)?,
                    headers: rules::headers::pairs_from_stored(
                        r.get::<_, Option<String>>(9)?.as_deref(),
                    ),
                })
            })
            .map_err(backend)?;
        out.push(row);
    }
    Ok(out)
}

/// See [`collabkit_domain::store::Store::release_leases`].
pub fn release_leases(
    conn: &Connection,
    leases: &[(String, i64)],
    now: Timestamp,
) -> StoreResult<u64> {
    conn.prepare_cached(
        "UPDATE deliveries SET due_at = ?2, lease = NULL
         FROM json_each(?1) AS r
         WHERE deliveries.id = r.value ->> 0 AND deliveries.lease = r.value ->> 1
           AND deliveries.status = 'pending'",
    )
    .and_then(|mut s| s.execute(params![json(&leases), ts(&now)]))
    .map(|n| n as u64)
    .map_err(backend)
}

pub fn next_due_at(conn: &Connection) -> StoreResult<Option<Timestamp>> {
    let s: Option<String> = conn
        .prepare_cached("SELECT MIN(due_at) FROM deliveries WHERE status = 'pending'")
        .and_then(|mut s| s.query_row([], |r| r.get(0)))
        .map_err(backend)?;
    Ok(s.and_then(|s| clock::parse(&s).ok()))
}

pub fn queue_stats(conn: &Connection, now: Timestamp) -> StoreResult<QueueStats> {
    let now = ts(&now);
    let (due, oldest): (i64, Option<String>) = conn
        .prepare_cached(
            "SELECT COUNT(*), MIN(due_at) FROM deliveries WHERE status = 'pending' AND due_at <= ?1",
        )
        .and_then(|mut s| s.query_row(params![now], |r| Ok((r.get(0)?, r.get(1)?))))
        .map_err(backend)?;
    let scheduled: i64 = conn
        .prepare_cached("SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND due_at > ?1")
        .and_then(|mut s| s.query_row(params![now], |r| r.get(0)))
        .map_err(backend)?;
    Ok(QueueStats {
        due: due as u64,
        scheduled: scheduled as u64,
        oldest_due_at: oldest.and_then(|s| clock::parse(&s).ok()),
    })
}

pub fn prune(conn: &Connection, before: Timestamp, batch: u32) -> StoreResult<u64> {
    super::stats::prune(conn, before, batch)?;
    let before = ts(&before);
    // Rows are inserted in time order, so the oldest are at the start of the table: a scan in
    // `seq` order finds them without an index on `created_at` (one index less on the hot path).
    let n = conn
        .execute(
            "DELETE FROM deliveries WHERE seq IN (
                SELECT seq FROM deliveries WHERE created_at < ?1 AND status != 'pending'
                ORDER BY seq LIMIT ?2)",
            params![before, batch],
        )
        .map_err(backend)?;
    // Deliveries are stored in the order of their events, so the oldest remaining delivery
    // points at the oldest event still needed: the events before it have no deliveries left.
    conn.execute(
        "DELETE FROM events WHERE seq IN (
            SELECT seq FROM events WHERE created_at < ?1
              AND seq < COALESCE((SELECT event_seq FROM deliveries ORDER BY seq LIMIT 1), ?3)
            ORDER BY seq LIMIT ?2)",
        params![before, batch, i64::MAX],
    )
    .map_err(backend)?;
    Ok(n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A claim reads its window from the due index alone and updates rows by key: its cost
    /// does not grow with the delivery log.
    #[test]
    fn claims_read_the_due_index_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("plan.db")).unwrap();
        super::super::migrate::migrate(&mut conn).unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {CLAIM}"))
            .unwrap()
            .query_map(params!["t", 1, "t", "[]", 10, 5], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|l| l.contains("SEARCH deliveries USING COVERING INDEX deliveries_due")),
            "{plan:#?}"
        );
        assert!(
            plan.iter()
                .any(|l| l.contains("SEARCH deliveries USING INTEGER PRIMARY KEY")),
            "{plan:#?}"
        );
        assert!(
            !plan.iter().any(|l| l.starts_with("SCAN deliveries")),
            "{plan:#?}"
        );
    }
}
