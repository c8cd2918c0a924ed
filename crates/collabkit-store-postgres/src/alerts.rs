//! Delivery alerts on PostgreSQL (the SQLite backend does the same; see its `alerts`): the
//! hooks storing them with the change that causes them, the destination, the log, and the
//! sender's claims. When an alert is due is [`rules::alerts`]'s.

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, HealthPlan, alerts::Watched};
use collabkit_domain::store::{
    Alert, AlertClaim, AlertDestination, AlertEventName, AlertFilter, AlertHealth, AlertLimits,
    AlertOutcome, AlertStatus, Attempt, AttemptRecord, ClaimedAlert, DisableReason, NextStep, Page,
    PageRequest, StoreError, StoreResult,
};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use crate::sql::{execute, query, query_one, query_opt};

/// (The uncorrelated `EXISTS` is a one-time filter: on a server where no account has an alert
/// destination, every outcome batch's read stops there instead of looking up its
/// registrations.)
const WATCHED: &str = "SELECT w.id, w.account_id, w.url, d.failure_threshold,
            h.consecutive_failures, h.failing_alerted, h.owes_recovery
     FROM webhooks w JOIN alert_destinations d ON d.account_id = w.account_id
     LEFT JOIN alert_health h ON h.webhook_id = w.id
     WHERE EXISTS (SELECT 1 FROM alert_destinations) AND w.id = ANY($1)";

async fn watched<C: GenericClient + Sync>(c: &C, ids: &[&str]) -> StoreResult<Vec<Watched>> {
    Ok(query(c, WATCHED, &[&ids])
        .await?
        .iter()
        .map(|r| Watched {
            webhook_id: r.get(0),
            account_id: r.get(1),
            url: r.get(2),
            threshold: r.get::<_, i32>(3).max(1) as u32,
            health: AlertHealth {
                consecutive_failures: r.get::<_, Option<i32>>(4).unwrap_or(0).max(0) as u32,
                failing_alerted: r.get::<_, Option<bool>>(5).unwrap_or(false),
                owes_recovery: r.get::<_, Option<bool>>(6).unwrap_or(false),
            },
        })
        .collect())
}

/// The batch's watched registrations, read by `record_attempts` in its transaction, pipelined
/// with its outcomes (no round trip of its own).
///
/// Not locked: two nodes recording outcomes of one registration at the same moment may both
/// start from the same remembered state, so a streak may be counted short or an alert decided
/// twice; the rate limit then suppresses the second one of a kind within the interval.
pub async fn watched_in<C: GenericClient + Sync>(
    c: &C,
    records: &[AttemptRecord],
) -> StoreResult<Vec<Watched>> {
    let mut ids: Vec<&str> = records.iter().map(|r| r.webhook_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    watched(c, &ids).await
}

/// The hook of `record_attempts`, after the registrations' health, in its transaction:
/// `watched` as [`watched_in`] read it.
pub async fn after_outcomes<C: GenericClient + Sync>(
    c: &C,
    records: &[AttemptRecord],
    plan: &HealthPlan<'_>,
    disabled: &[String],
    watched: Vec<Watched>,
) -> StoreResult<()> {
    if watched.is_empty() {
        return Ok(());
    }
    let reasons: Vec<_> = disabled
        .iter()
        .map(|id| (id.clone(), rules::alerts::disable_reason(plan, id)))
        .collect();
    let plan = rules::alerts::plan_alerts(records, &watched, &reasons, clock::now());
    write_plan(c, &plan).await
}

/// The hook of a disable by hand, in its transaction.
pub async fn after_disable<C: GenericClient + Sync>(
    c: &C,
    webhook_id: &str,
    reason: DisableReason,
) -> StoreResult<()> {
    if let Some(w) = watched(c, &[webhook_id]).await?.first() {
        write_plan(c, &rules::alerts::disabled(w, reason, clock::now())).await?;
    }
    Ok(())
}

async fn write_plan<C: GenericClient + Sync>(
    c: &C,
    plan: &rules::alerts::AlertPlan,
) -> StoreResult<()> {
    for a in &plan.alerts {
        execute(
            c,
            "INSERT INTO alerts (id, account_id, kind, webhook_id, payload, status, due_at, created_at)
             VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6)",
            &[
                &a.id,
                &a.account_id,
                &a.kind.as_str(),
                &a.webhook_id,
                &a.payload,
                &a.created_at,
            ],
        )
        .await?;
    }
    for (webhook_id, h) in &plan.health {
        if *h == AlertHealth::default() {
            execute(
                c,
                "DELETE FROM alert_health WHERE webhook_id = $1",
                &[webhook_id],
            )
            .await?;
        } else {
            execute(
                c,
                "INSERT INTO alert_health (webhook_id, consecutive_failures, failing_alerted, owes_recovery)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (webhook_id) DO UPDATE SET consecutive_failures = $2,
                    failing_alerted = $3, owes_recovery = $4",
                &[
                    webhook_id,
                    &(h.consecutive_failures.min(i32::MAX as u32) as i32),
                    &h.failing_alerted,
                    &h.owes_recovery,
                ],
            )
            .await?;
        }
    }
    Ok(())
}

const DESTINATION_COLS: &str = "account_id, url, failure_threshold, secret_sealed, \
     previous_secret_sealed, previous_secret_until, created_at, updated_at";

fn destination_row(r: &Row) -> AlertDestination {
    let previous: Option<String> = r.get("previous_secret_sealed");
    let until: Option<Timestamp> = r.get("previous_secret_until");
    AlertDestination {
        account_id: r.get("account_id"),
        url: r.get("url"),
        failure_threshold: r.get::<_, i32>("failure_threshold").max(1) as u32,
        secret_sealed: r.get("secret_sealed"),
        previous_secret: previous.zip(until),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    }
}

pub async fn destination<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    lock: bool,
) -> StoreResult<Option<AlertDestination>> {
    let sql = format!(
        "SELECT {DESTINATION_COLS} FROM alert_destinations WHERE account_id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    Ok(query_opt(c, &sql, &[&account_id])
        .await?
        .as_ref()
        .map(destination_row))
}

async fn write_destination<C: GenericClient + Sync>(
    c: &C,
    d: &AlertDestination,
) -> StoreResult<()> {
    execute(
        c,
        &format!(
            "INSERT INTO alert_destinations ({DESTINATION_COLS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (account_id) DO UPDATE SET url = $2, failure_threshold = $3,
                secret_sealed = $4, previous_secret_sealed = $5, previous_secret_until = $6,
                updated_at = $8"
        ),
        &[
            &d.account_id,
            &d.url,
            &(d.failure_threshold.min(i32::MAX as u32) as i32),
            &d.secret_sealed,
            &d.previous_secret.as_ref().map(|p| p.0.clone()),
            &d.previous_secret.as_ref().map(|p| p.1),
            &d.created_at,
            &d.updated_at,
        ],
    )
    .await?;
    Ok(())
}

pub async fn put_destination<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    url: &str,
    threshold: u32,
    secret_sealed: &str,
) -> StoreResult<(AlertDestination, bool)> {
    let before = destination(c, account_id, true).await?;
    let d = rules::alerts::put_destination(
        before.as_ref(),
        account_id,
        url.to_owned(),
        threshold,
        secret_sealed,
        clock::now(),
    );
    write_destination(c, &d).await?;
    Ok((d, before.is_none()))
}

pub async fn delete_destination<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
) -> StoreResult<()> {
    let n = execute(
        c,
        "DELETE FROM alert_destinations WHERE account_id = $1",
        &[&account_id],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::NotFound("alert destination"));
    }
    execute(
        c,
        "UPDATE alerts SET status = 'failed', due_at = NULL, lease = NULL, next_retry_at = NULL,
                error = 'the alert destination was removed'
         WHERE account_id = $1 AND status = 'pending'",
        &[&account_id],
    )
    .await?;
    Ok(())
}

pub async fn rotate<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    secret_sealed: &str,
    previous_until: Timestamp,
) -> StoreResult<AlertDestination> {
    let before = destination(c, account_id, true)
        .await?
        .ok_or(StoreError::NotFound("alert destination"))?;
    let d =
        rules::alerts::rotated_destination(&before, secret_sealed, previous_until, clock::now());
    write_destination(c, &d).await?;
    Ok(d)
}

const ALERT_COLS: &str = "seq, id, account_id, kind, webhook_id, payload, status, attempts, \
     last_attempt_at, next_retry_at, status_code, error, created_at";

fn alert_row(r: &Row) -> StoreResult<(i64, Alert)> {
    let kind: String = r.get("kind");
    let status: String = r.get("status");
    Ok((
        r.get("seq"),
        Alert {
            id: r.get("id"),
            account_id: r.get("account_id"),
            kind: AlertEventName::parse(&kind)
                .ok_or_else(|| StoreError::backend(format!("unknown alert kind {kind}")))?,
            webhook_id: r.get("webhook_id"),
            payload: r.get("payload"),
            status: AlertStatus::parse(&status)
                .ok_or_else(|| StoreError::backend(format!("unknown alert status {status}")))?,
            attempts: r.get::<_, i32>("attempts").max(0) as u32,
            last_attempt_at: r.get("last_attempt_at"),
            next_retry_at: r.get("next_retry_at"),
            status_code: r.get::<_, Option<i32>>("status_code").map(|c| c as u16),
            error: r.get("error"),
            created_at: r.get("created_at"),
        },
    ))
}

const ALERT_FILTER: &str = "account_id = $1 AND ($2::text IS NULL OR status = $2)
     AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR webhook_id = $4)";

pub async fn list<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    filter: &AlertFilter,
    page: PageRequest,
) -> StoreResult<Page<Alert>> {
    let position = page.before_seq()?;
    let status = filter.status.map(|s| s.as_str());
    let kind = filter.kind.map(|k| k.as_str());
    let rows = query(
        c,
        &format!(
            "SELECT {ALERT_COLS} FROM alerts WHERE {ALERT_FILTER} AND seq < $5
             ORDER BY seq DESC LIMIT $6 OFFSET $7"
        ),
        &[
            &account_id,
            &status,
            &kind,
            &filter.webhook_id,
            &position,
            &(page.limit as i64 + 1),
            &(page.skip() as i64),
        ],
    )
    .await?;
    let rows = rows
        .iter()
        .map(alert_row)
        .collect::<StoreResult<Vec<_>>>()?;
    let total: i64 = query_one(
        c,
        &format!("SELECT COUNT(*) FROM alerts WHERE {ALERT_FILTER}"),
        &[&account_id, &status, &kind, &filter.webhook_id],
    )
    .await?
    .get(0);
    Ok(Page::from_seq_rows(rows, page.limit).with_total(total.max(0) as u64))
}

pub async fn attempts<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    alert_id: &str,
) -> StoreResult<Vec<Attempt>> {
    let seq: i64 = query_opt(
        c,
        "SELECT seq FROM alerts WHERE account_id = $1 AND id = $2",
        &[&account_id, &alert_id],
    )
    .await?
    .ok_or(StoreError::NotFound("alert"))?
    .get(0);
    Ok(query(
        c,
        "SELECT attempted_at, status_code, duration_ms, error, response_body
         FROM alert_attempts WHERE alert_seq = $1 ORDER BY seq",
        &[&seq],
    )
    .await?
    .iter()
    .map(crate::rows::attempt)
    .collect())
}

/// See the SQLite backend's `claim`. Due alerts are locked with `SKIP LOCKED` (two nodes
/// claim different ones), and each account's admissions are serialised by a transaction-level
/// advisory lock, so two nodes cannot both let through the one alert the limit allows.
pub async fn claim<C: GenericClient + Sync>(
    c: &C,
    now: Timestamp,
    lease_for: std::time::Duration,
    limit: u32,
    limits: &AlertLimits,
) -> StoreResult<AlertClaim> {
    let due = query(
        c,
        "SELECT seq, id, account_id, webhook_id, kind, payload, attempts, sent_at IS NOT NULL
         FROM alerts WHERE due_at <= $1 AND status = 'pending' ORDER BY due_at LIMIT $2
         FOR UPDATE SKIP LOCKED",
        &[&now, &(limit as i64)],
    )
    .await?;
    // The accounts' advisory locks are taken in one order (by account) by every claim, so two
    // claims never wait for each other in a cycle.
    let mut due = due;
    due.sort_by(|x, y| x.get::<_, &str>(2).cmp(y.get::<_, &str>(2)));
    let lease_until = clock::after(now, lease_for);
    let lease: i64 = rand::random::<i64>() & i64::MAX;
    let mut claimed = Vec::new();
    let mut suppressed = 0;
    for r in &due {
        let seq: i64 = r.get(0);
        let account_id: String = r.get(2);
        let webhook_id: String = r.get(3);
        let kind: String = r.get(4);
        let Some(d) = destination(c, &account_id, false).await? else {
            execute(
                c,
                "UPDATE alerts SET status = 'failed', due_at = NULL,
                        error = 'the account has no alert destination' WHERE seq = $1",
                &[&seq],
            )
            .await?;
            continue;
        };
        if !r.get::<_, bool>(7) {
            execute(
                c,
                "SELECT pg_advisory_xact_lock(hashtextextended('collabkit.alerts.' || $1::text, 0))",
                &[&account_id],
            )
            .await?;
            let last: Option<Timestamp> = query_one(
                c,
                "SELECT MAX(sent_at) FROM alerts
                 WHERE webhook_id = $1 AND kind = $2 AND sent_at IS NOT NULL",
                &[&webhook_id, &kind],
            )
            .await?
            .get(0);
            let since = now - rules::alerts::ACCOUNT_WINDOW;
            let recent: i64 = query_one(
                c,
                "SELECT COUNT(*) FROM alerts WHERE account_id = $1 AND sent_at > $2",
                &[&account_id, &since],
            )
            .await?
            .get(0);
            if !rules::alerts::admits(last, recent.max(0) as u64, now, limits) {
                execute(
                    c,
                    "UPDATE alerts SET status = 'suppressed', due_at = NULL WHERE seq = $1",
                    &[&seq],
                )
                .await?;
                suppressed += 1;
                continue;
            }
        }
        execute(
            c,
            "UPDATE alerts SET due_at = $1, lease = $2, sent_at = COALESCE(sent_at, $3) WHERE seq = $4",
            &[&lease_until, &lease, &now, &seq],
        )
        .await?;
        let previous = d
            .previous_secret
            .filter(|(_, until)| *until > now)
            .map(|(s, _)| s);
        claimed.push(ClaimedAlert {
            alert_id: r.get(1),
            lease,
            account_id,
            url: d.url,
            secret_sealed: d.secret_sealed,
            previous_secret_sealed: previous,
            payload: r.get(5),
            attempts: r.get::<_, i32>(6).max(0) as u32,
        });
    }
    Ok(AlertClaim {
        claimed,
        suppressed,
    })
}

pub async fn record<C: GenericClient + Sync>(c: &C, outcome: &AlertOutcome) -> StoreResult<()> {
    let (status, next) = match outcome.next {
        NextStep::Succeeded => (AlertStatus::Success, None),
        NextStep::RetryAt(at) => (AlertStatus::Pending, Some(at)),
        NextStep::Failed | NextStep::Gone => (AlertStatus::Failed, None),
    };
    let a = &outcome.attempt;
    let code = a.status_code.map(i32::from);
    let row = query_opt(
        c,
        "UPDATE alerts SET attempts = attempts + 1, last_attempt_at = $1, status_code = $2,
                error = $3, status = $4, next_retry_at = $5, due_at = $5, lease = NULL
         WHERE id = $6 AND lease = $7 RETURNING seq",
        &[
            &a.attempted_at,
            &code,
            &a.error,
            &status.as_str(),
            &next,
            &outcome.alert_id,
            &outcome.lease,
        ],
    )
    .await?;
    // A lease that ran out: another claim owns the alert and records its own attempt.
    if let Some(row) = row {
        execute(
            c,
            "INSERT INTO alert_attempts (alert_seq, attempted_at, status_code, duration_ms, error, response_body)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &row.get::<_, i64>(0),
                &a.attempted_at,
                &code,
                &(a.duration_ms as i64),
                &a.error,
                &a.response_body,
            ],
        )
        .await?;
    }
    Ok(())
}

pub async fn prune<C: GenericClient + Sync>(
    c: &C,
    before: Timestamp,
    batch: u32,
) -> StoreResult<u64> {
    let rows = query(
        c,
        "WITH gone AS (
            DELETE FROM alerts WHERE seq IN (
                SELECT seq FROM alerts WHERE created_at < $1 AND status <> 'pending'
                ORDER BY seq LIMIT $2)
            RETURNING seq),
         attempts AS (DELETE FROM alert_attempts WHERE alert_seq IN (SELECT seq FROM gone))
         SELECT COUNT(*) FROM gone",
        &[&before, &(batch as i64)],
    )
    .await?;
    Ok(rows.first().map_or(0, |r| r.get::<_, i64>(0)).max(0) as u64)
}

/// The storage contract's `Alerts`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::Alerts;

    #[async_trait]
    impl Alerts for crate::PgStore {
        async fn alert_destination(&self, account_id: &str) -> StoreResult<AlertDestination> {
            self.within(async { destination(&self.client().await?, account_id, false).await })
                .await?
                .ok_or(StoreError::NotFound("alert destination"))
        }

        async fn put_alert_destination(
            &self,
            account_id: &str,
            url: &str,
            failure_threshold: u32,
            secret_sealed: &str,
        ) -> StoreResult<(AlertDestination, bool)> {
            in_tx!(self, tx => put_destination(&tx, account_id, url, failure_threshold, secret_sealed).await?)
        }

        async fn delete_alert_destination(&self, account_id: &str) -> StoreResult<()> {
            in_tx!(self, tx => delete_destination(&tx, account_id).await?)
        }

        async fn rotate_alert_secret(
            &self,
            account_id: &str,
            secret_sealed: &str,
            previous_until: Timestamp,
        ) -> StoreResult<AlertDestination> {
            in_tx!(self, tx => rotate(&tx, account_id, secret_sealed, previous_until).await?)
        }

        async fn list_alerts(
            &self,
            account_id: &str,
            filter: &AlertFilter,
            page: PageRequest,
        ) -> StoreResult<Page<Alert>> {
            self.within(async { list(&self.client().await?, account_id, filter, page).await })
                .await
        }

        async fn list_alert_attempts(
            &self,
            account_id: &str,
            alert_id: &str,
        ) -> StoreResult<Vec<Attempt>> {
            self.within(async { attempts(&self.client().await?, account_id, alert_id).await })
                .await
        }

        async fn claim_alerts(
            &self,
            now: Timestamp,
            lease_for: std::time::Duration,
            limit: u32,
            limits: AlertLimits,
        ) -> StoreResult<AlertClaim> {
            in_tx!(self, tx => claim(&tx, now, lease_for, limit, &limits).await?)
        }

        async fn record_alert_attempt(&self, outcome: AlertOutcome) -> StoreResult<()> {
            in_tx!(self, tx => record(&tx, &outcome).await?)
        }

        async fn prune_alerts(&self, before: Timestamp, batch: u32) -> StoreResult<u64> {
            self.within(async { prune(&self.client().await?, before, batch).await })
                .await
        }
    }
}
