//! Attempts: a batch of outcomes recorded together, then the registrations' health (failing,
//! disabled, healthy again).

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules;
use collabkit_domain::store::{AttemptRecord, NextStep, StoreResult};
use deadpool_postgres::GenericClient;

use crate::sql::{execute, notify_due, query, query_opt};

/// The outcomes of leases still held, with their attempts, in one statement: `$1`‥`$6` the
/// deliveries' ids, leases, attempt times, status codes, new statuses and next retries, `$7`‥`$9`
/// the attempts' durations, errors and response bodies. Returns the ids recorded.
const RECORD: &str = "WITH r AS (
        SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::timestamptz[], $4::int[], $5::text[],
                             $6::timestamptz[], $7::bigint[], $8::text[], $9::text[])
               AS r(id, lease, at, code, status, next, ms, error, body)),
     u AS (
        UPDATE deliveries d SET attempts = d.attempts + 1, cycle_attempts = d.cycle_attempts + 1,
               last_attempt_at = r.at, status_code = r.code, status = r.status,
               next_retry_at = r.next, due_at = r.next, lease = NULL
        FROM r WHERE d.id = r.id AND d.lease = r.lease
        RETURNING d.id, d.seq),
     a AS (
        INSERT INTO attempts (delivery_seq, attempted_at, status_code, duration_ms, error, response_body)
        SELECT u.seq, r.at, r.code, r.ms, r.error, r.body FROM u JOIN r ON r.id = u.id)
     SELECT id FROM u";

/// Records a batch of outcomes in a statement for the whole batch, then the registrations'
/// health (see the SQLite backend, which does the same).
pub async fn record_attempts<C: GenericClient + Sync>(
    c: &C,
    records: &[AttemptRecord],
) -> StoreResult<Vec<String>> {
    if records.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = Vec::new();
    let mut leases = Vec::new();
    let mut at = Vec::new();
    let mut codes: Vec<Option<i32>> = Vec::new();
    let mut statuses = Vec::new();
    let mut next: Vec<Option<Timestamp>> = Vec::new();
    let mut ms = Vec::new();
    let mut errors: Vec<Option<String>> = Vec::new();
    let mut bodies = Vec::new();
    for rec in records {
        let (status, next_retry) = rules::delivery_after(rec.next);
        ids.push(rec.delivery_id.clone());
        leases.push(rec.lease);
        at.push(rec.attempt.attempted_at);
        codes.push(rec.attempt.status_code.map(i32::from));
        statuses.push(status.as_str().to_owned());
        next.push(next_retry);
        ms.push(rec.attempt.duration_ms as i64);
        errors.push(rec.attempt.error.clone());
        bodies.push(rec.attempt.response_body.clone());
    }
    let plan = rules::plan_health(records);
    // Ordered deliveries that end (not a retry) free their rooms' heads (see `crate::ordering`).
    let ending: Vec<&str> = records
        .iter()
        .filter(|r| r.ordered && !matches!(r.next, NextStep::RetryAt(_)))
        .map(|r| r.delivery_id.as_str())
        .collect();
    // Registrations whose rows this batch updates when some failed: locked first, by id (the
    // health updates below take them one by one, and two nodes' batches would otherwise take
    // them in different orders and deadlock).
    let mut touched: Vec<&str> = plan
        .failing
        .iter()
        .map(|f| f.webhook_id)
        .chain(plan.healthy.iter().copied())
        .chain(plan.gone.iter().copied())
        .collect();
    touched.sort_unstable();
    touched.dedup();
    let lock_health = !plan.failing.is_empty() || !plan.gone.is_empty();
    // The outcomes and the registrations found healthy again are sent together (pipelined:
    // one round trip); the rooms of ordered deliveries that ended and the rare cases after.
    // Locks are taken in this order: the deliveries, the registrations (by id), the pairs
    // (in key order, see `crate::ordering`).
    let params: crate::sql::Params = &[
        &ids, &leases, &at, &codes, &statuses, &next, &ms, &errors, &bodies,
    ];
    let outcomes = query(c, RECORD, params);
    let locked = async {
        if !lock_health {
            return Ok(0);
        }
        execute(
            c,
            "SELECT 1 FROM webhooks WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE",
            &[&touched],
        )
        .await
    };
    let healthy = async {
        if plan.healthy.is_empty() {
            return Ok(0);
        }
        execute(
            c,
            "UPDATE webhooks SET failing_since = NULL WHERE id = ANY($1) AND failing_since IS NOT NULL",
            &[&plan.healthy],
        )
        .await
    };
    // What the alert rules remember of the batch's registrations is read in the same round
    // trip (nothing, unless their account has an alert destination).
    let watched = crate::alerts::watched_in(c, records);
    let (recorded, locked, healthy, watched) = tokio::join!(outcomes, locked, healthy, watched);
    let recorded = recorded?;
    locked?;
    healthy?;
    let watched = watched?;
    // An ordered delivery that ended hands its room over to the next one waiting (a statement
    // that must follow the outcomes', so not pipelined with them; only ordered ones pay).
    let freed = crate::ordering::free_heads(c, &ending).await?;
    let handed_over = crate::ordering::hand_over(c, &freed, clock::now()).await? > 0;
    let recorded: std::collections::HashSet<String> = recorded.iter().map(|r| r.get(0)).collect();
    for rec in records {
        if recorded.contains(&rec.delivery_id) {
            continue;
        }
        // The lease ran out and someone else owns the delivery now (or it was retried by
        // hand): count the attempt, leave the state to the current owner. (A delivery not
        // found was deleted with its registration while in flight.)
        if let Some(row) = query_opt(
            c,
            "UPDATE deliveries SET attempts = attempts + 1, last_attempt_at = $1, status_code = $2
             WHERE id = $3 RETURNING seq",
            &[
                &rec.attempt.attempted_at,
                &rec.attempt.status_code.map(i32::from),
                &rec.delivery_id,
            ],
        )
        .await?
        {
            let a = &rec.attempt;
            execute(
                c,
                "INSERT INTO attempts (delivery_seq, attempted_at, status_code, duration_ms, error, response_body)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &row.get::<_, i64>(0),
                    &a.attempted_at,
                    &a.status_code.map(i32::from),
                    &(a.duration_ms as i64),
                    &a.error,
                    &a.response_body,
                ],
            )
            .await?;
        }
    }

    // Registration health ([`rules::plan_health`]).
    let mut disabled = Vec::new();
    let mut failing: Vec<_> = plan.failing.iter().collect();
    failing.sort_unstable_by_key(|f| f.webhook_id);
    for failing in failing {
        let since: Option<Timestamp> = query_opt(
            c,
            "UPDATE webhooks SET failing_since = COALESCE(failing_since, $1) WHERE id = $2
             RETURNING failing_since",
            &[&failing.since, &failing.webhook_id],
        )
        .await?
        .and_then(|r| r.get(0));
        if rules::disables_failing(since, failing) && disable(c, failing.webhook_id).await? {
            disabled.push(failing.webhook_id.to_owned());
        }
    }
    for webhook_id in &plan.gone {
        if disable(c, webhook_id).await? {
            disabled.push((*webhook_id).to_owned());
        }
    }
    crate::alerts::after_outcomes(c, records, &plan, &disabled, watched).await?;
    if plan.wake || handed_over {
        // A dispatcher may be asleep until a later due time than this retry's.
        notify_due(c).await?;
    }
    Ok(disabled)
}

/// Disables an enabled registration and fails its pending deliveries; `false` if it was not
/// enabled.
async fn disable<C: GenericClient + Sync>(c: &C, webhook_id: &str) -> StoreResult<bool> {
    let changed = execute(
        c,
        "UPDATE webhooks SET enabled = false, failing_since = NULL, updated_at = $1 WHERE id = $2 AND enabled",
        &[&clock::now(), &webhook_id],
    )
    .await?;
    fail_pending(c, webhook_id).await?;
    Ok(changed > 0)
}

/// A disabled registration receives nothing: its pending deliveries end `failed`.
pub async fn fail_pending<C: GenericClient + Sync>(c: &C, webhook_id: &str) -> StoreResult<()> {
    let Some(seq) = query_opt(c, "SELECT seq FROM webhooks WHERE id = $1", &[&webhook_id])
        .await?
        .map(|r| r.get::<_, i64>(0))
    else {
        return Ok(());
    };
    // Nothing of an ordered registration waits or heads its rooms any more (its pairs are
    // locked first, as every writer of a pair does).
    crate::ordering::release_all(c, seq, None).await?;
    execute(
        c,
        "UPDATE deliveries SET status = 'failed', next_retry_at = NULL, due_at = NULL, lease = NULL
         WHERE webhook_seq = $1 AND status = 'pending'",
        &[&seq],
    )
    .await?;
    Ok(())
}
