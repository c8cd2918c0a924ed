//! Attempts: a batch of outcomes recorded together, then the registrations' health (failing,
//! disabled, healthy again).

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, params};

use crate::errors::backend;
use crate::rows::{json, ts};
use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, Failing};
use collabkit_domain::store::{AttemptRecord, StoreResult};

/// Records a batch of outcomes: each delivery's new state and its attempt, in a few statements
/// for the whole batch (see `insert_event`); then the registrations' health.
///
/// Returns the registrations the batch disabled, and whether deliveries waiting behind an
/// ordered delivery that ended became due (the dispatcher must then be woken).
pub fn record_attempts(
    conn: &Connection,
    records: &[AttemptRecord],
) -> StoreResult<(Vec<String>, bool)> {
    if records.is_empty() {
        return Ok((Vec::new(), false));
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
    let mut ended_ordered = Vec::new();
    let mut seqs: HashMap<String, i64> = conn
        .prepare_cached(
            "UPDATE deliveries SET attempts = attempts + 1, cycle_attempts = cycle_attempts + 1,
                    last_attempt_at = r.value ->> 2, status_code = r.value ->> 3,
                    status = r.value ->> 4, next_retry_at = r.value ->> 5, due_at = r.value ->> 5,
                    lease = NULL
             FROM json_each(?1) AS r
             WHERE deliveries.id = r.value ->> 0 AND deliveries.lease = r.value ->> 1
             RETURNING deliveries.id, deliveries.seq,
                       deliveries.status != 'pending' AND deliveries.previous_room_seq IS NOT NULL",
        )
        .and_then(|mut s| {
            s.query_map(params![json(&outcomes)], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, bool>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?
        .into_iter()
        .map(|(id, seq, ended)| {
            if ended {
                ended_ordered.push(seq);
            }
            (id, seq)
        })
        .collect();
    // An ordered delivery that ended hands its room over to the next one waiting.
    let woke = crate::ordering::on_ended(conn, &ended_ordered, clock::now())? > 0;
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
    crate::alerts::after_outcomes(conn, records, &plan, &disabled)?;
    Ok((disabled, woke))
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
    crate::webhooks::fail_pending(conn, webhook_id)?;
    Ok(changed > 0)
}
