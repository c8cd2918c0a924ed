//! The delivery queue on SQLite: fan-out of new events, claims, attempt records, stats, pruning.

use std::collections::HashMap;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};

use super::rows::{backend, json, ts};
use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::ids;
use collabkit_domain::rules::{self, Failing};
use collabkit_domain::store::{
    AttemptRecord, ClaimedDelivery, Event, InlineLease, QueueStats, StoreResult, event_bit,
    event_code,
};

pub use collabkit_domain::model::Fanout;

/// The registrations an event goes to: `?1` account, `?2` the event's bit, `?3` its room, `?4`
/// now (a previous secret still valid is signed with too).
///
/// Two seeks, account-wide registrations and the room's own, so the cost follows the
/// registrations that match, not the account's total (thousands of rooms with a registration
/// each made one `account_id, enabled` range scan per event 5.8x slower).
const MATCHING: &str = "SELECT seq, id, url, secret_sealed,
            CASE WHEN previous_secret_until > ?4 THEN previous_secret_sealed END
     FROM webhooks
     WHERE account_id = ?1 AND room_id IS NULL AND enabled = 1 AND (events_mask & ?2) != 0
     UNION ALL
     SELECT seq, id, url, secret_sealed,
            CASE WHEN previous_secret_until > ?4 THEN previous_secret_sealed END
     FROM webhooks
     WHERE room_id = ?3 AND account_id = ?1 AND enabled = 1 AND (events_mask & ?2) != 0";

/// Stores the event and one pending delivery per matching registration (enabled, subscribed to
/// the event, account-wide or scoped to its room), leased inline when `inline` is given; the
/// event is given its room's next number.
pub fn insert_event(
    conn: &Connection,
    event: &mut Event,
    inline: Option<InlineLease>,
) -> StoreResult<Fanout> {
    // The room's next number (`None` only for a room already gone, which stores no events).
    let room_seq: Option<i64> = conn
        .prepare_cached(
            "UPDATE rooms SET last_event_seq = last_event_seq + 1 WHERE id = ?1
             RETURNING last_event_seq",
        )
        .and_then(|mut s| s.query_row([&event.room_id], |r| r.get(0)).optional())
        .map_err(backend)?;
    conn.prepare_cached(
        "INSERT INTO events (id, account_id, room_id, event, payload, created_at, room_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .and_then(|mut s| {
        s.execute(params![
            event.id,
            event.account_id,
            event.room_id,
            event.event.as_str(),
            event.payload,
            ts(&event.created_at),
            room_seq
        ])
    })
    .map_err(backend)?;
    event.room_seq = room_seq;
    let event_seq = conn.last_insert_rowid();
    let now = ts(&event.created_at);
    let webhooks: Vec<(i64, String, String, String, Option<String>)> = conn
        .prepare_cached(MATCHING)
        .and_then(|mut s| {
            s.query_map(
                params![event.account_id, event_bit(event.event), event.room_id, now],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )?
            .collect()
        })
        .map_err(backend)?;
    let (due_at, lease) = match inline {
        Some(l) => (ts(&l.until), Some(l.token)),
        None => (now.clone(), None),
    };
    let mut fanout = Fanout {
        count: webhooks.len(),
        leased: Vec::new(),
    };
    if webhooks.is_empty() {
        return Ok(fanout);
    }
    let ids: Vec<String> = webhooks
        .iter()
        .map(|_| ids::new_id(ids::DELIVERY))
        .collect();
    let rows: Vec<(&str, i64)> = ids
        .iter()
        .zip(&webhooks)
        .map(|(id, w)| (id.as_str(), w.0))
        .collect();
    // One statement for all of them: per statement, SQLite copies every page it changes into the
    // statement journal, and the pages are the same for every row (the ends of the table and
    // its indexes).
    conn.prepare_cached(
        "INSERT INTO deliveries (id, webhook_seq, event_seq, event_code, status, created_at, due_at, lease)
         SELECT value ->> 0, value ->> 1, ?2, ?3, 'pending', ?4, ?5, ?6 FROM json_each(?1)",
    )
    .and_then(|mut s| {
        s.execute(params![
            json(&rows),
            event_seq,
            event_code(event.event),
            now,
            due_at,
            lease
        ])
    })
    .map_err(backend)?;
    if let Some(l) = inline {
        let payload = bytes::Bytes::from(event.payload.clone());
        fanout.leased = ids
            .into_iter()
            .zip(webhooks)
            .map(
                |(id, (_, webhook_id, url, secret_sealed, previous_secret_sealed))| {
                    ClaimedDelivery {
                        delivery_id: id,
                        lease: l.token,
                        lease_until: l.until,
                        webhook_id,
                        url,
                        secret_sealed,
                        previous_secret_sealed,
                        event_id: event.id.clone(),
                        room_seq,
                        payload: payload.clone(),
                        cycle_attempts: 0,
                    }
                },
            )
            .collect();
    }
    Ok(fanout)
}

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
                    e.room_seq
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
                })
            })
            .map_err(backend)?;
        out.push(row);
    }
    Ok(out)
}

/// Records a batch of outcomes: each delivery's new state and its attempt, in a few statements
/// for the whole batch (see `insert_event`); then the registrations' health.
pub fn record_attempts(conn: &Connection, records: &[AttemptRecord]) -> StoreResult<Vec<String>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let outcomes: Vec<_> = records
        .iter()
        .map(|rec| {
            let (status, next_retry) = rules::delivery_after(rec.next);
            let a = &rec.attempt;
            (
                rec.delivery_id.as_str(),
                rec.lease,
                ts(&a.attempted_at),
                a.status_code,
                status.as_str(),
                next_retry.map(|at| ts(&at)),
            )
        })
        .collect();
    let mut seqs: HashMap<String, i64> = conn
        .prepare_cached(
            "UPDATE deliveries SET attempts = attempts + 1, cycle_attempts = cycle_attempts + 1,
                    last_attempt_at = r.value ->> 2, status_code = r.value ->> 3,
                    status = r.value ->> 4, next_retry_at = r.value ->> 5, due_at = r.value ->> 5,
                    lease = NULL
             FROM json_each(?1) AS r
             WHERE deliveries.id = r.value ->> 0 AND deliveries.lease = r.value ->> 1
             RETURNING deliveries.id, deliveries.seq",
        )
        .and_then(|mut s| {
            s.query_map(params![json(&outcomes)], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .map_err(backend)?;
    for rec in records {
        if !seqs.contains_key(&rec.delivery_id)
            && let Some(seq) = count_late_attempt(conn, rec)?
        {
            seqs.insert(rec.delivery_id.clone(), seq);
        }
    }
    // A delivery missing from `seqs` was deleted with its registration while in flight.
    let attempts: Vec<_> = records
        .iter()
        .filter_map(|rec| {
            let a = &rec.attempt;
            seqs.get(&rec.delivery_id).map(|seq| {
                (
                    seq,
                    ts(&a.attempted_at),
                    a.status_code,
                    a.duration_ms,
                    &a.error,
                    &a.response_body,
                )
            })
        })
        .collect();
    conn.prepare_cached(
        "INSERT INTO attempts (delivery_seq, attempted_at, status_code, duration_ms, error, response_body)
         SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5
         FROM json_each(?1)",
    )
    .and_then(|mut s| s.execute(params![json(&attempts)]))
    .map_err(backend)?;

    // Registration health ([`rules::plan_health`]).
    let plan = rules::plan_health(records);
    let mut disabled = Vec::new();
    for failing in &plan.failing {
        if rules::disables_failing(note_failure(conn, failing)?, failing)
            && disable(conn, failing.webhook_id)?
        {
            disabled.push(failing.webhook_id.to_owned());
        }
    }
    for webhook_id in &plan.gone {
        if disable(conn, webhook_id)? {
            disabled.push((*webhook_id).to_owned());
        }
    }
    conn.prepare_cached(
        "UPDATE webhooks SET failing_since = NULL
         WHERE id IN (SELECT value FROM json_each(?1)) AND failing_since IS NOT NULL",
    )
    .and_then(|mut s| s.execute(params![json(&plan.healthy)]))
    .map_err(backend)?;
    Ok(disabled)
}

/// The lease ran out and someone else owns the delivery now (or it was retried by hand): count
/// the attempt, leave the state to the current owner.
fn count_late_attempt(conn: &Connection, rec: &AttemptRecord) -> StoreResult<Option<i64>> {
    conn.prepare_cached(
        "UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = ?1, status_code = ?2
         WHERE id = ?3 RETURNING seq",
    )
    .and_then(|mut s| {
        s.query_row(
            params![
                ts(&rec.attempt.attempted_at),
                rec.attempt.status_code,
                rec.delivery_id
            ],
            |r| r.get(0),
        )
        .optional()
    })
    .map_err(backend)
}

/// Marks the registration failing since its earliest failure in the batch unless it already
/// was; returns since when it is failing (`None`: deleted meanwhile).
fn note_failure(conn: &Connection, failing: &Failing<'_>) -> StoreResult<Option<Timestamp>> {
    let failing_since: Option<String> = conn
        .prepare_cached(
            "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?1) WHERE id = ?2
             RETURNING failing_since",
        )
        .and_then(|mut s| {
            s.query_row(params![ts(&failing.since), failing.webhook_id], |r| {
                r.get(0)
            })
            .optional()
        })
        .map_err(backend)?
        .flatten();
    Ok(failing_since.and_then(|s| clock::parse(&s).ok()))
}

/// Disables an enabled registration and fails its pending deliveries; `false` if it was not
/// enabled.
fn disable(conn: &Connection, webhook_id: &str) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE webhooks SET enabled = 0, failing_since = NULL, updated_at = ?1 WHERE id = ?2 AND enabled = 1",
            params![ts(&clock::now()), webhook_id],
        )
        .map_err(backend)?;
    super::webhooks::fail_pending(conn, webhook_id)?;
    Ok(changed > 0)
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

    /// Matching seeks the account-wide registrations and the room's: no scan of the account's.
    #[test]
    fn matching_seeks_account_wide_and_room_registrations() {
        let plan = super::super::tests::query_plan(MATCHING, 4);
        assert!(
            plan.iter()
                .any(|l| l
                    .contains("SEARCH webhooks USING INDEX webhooks_account_wide (account_id=?)")),
            "{plan:#?}"
        );
        assert!(
            plan.iter()
                .any(|l| l.contains("SEARCH webhooks USING INDEX webhooks_by_room (room_id=?)")),
            "{plan:#?}"
        );
        assert!(!plan.iter().any(|l| l.contains("SCAN")), "{plan:#?}");
    }

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
