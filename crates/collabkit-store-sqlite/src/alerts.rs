//! Delivery alerts on SQLite: the hooks that store them with the change that causes them (an
//! outcome batch, a disable by hand), the destination, the log, and the sender's claims. When
//! an alert is due is [`rules::alerts`]'s.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::errors::backend;
use crate::rows::{json, parse_opt_ts, parse_ts, ts};
use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, HealthPlan, alerts::Watched};
use collabkit_domain::store::{
    Alert, AlertClaim, AlertDestination, AlertEventName, AlertFilter, AlertHealth, AlertLimits,
    AlertOutcome, AlertStatus, Attempt, AttemptRecord, ClaimedAlert, DisableReason, Page,
    PageRequest, StoreError, StoreResult,
};

/// The batch's registrations whose account has a destination, with what was remembered of
/// them: `?1` a JSON array of registration ids. Nothing when no account of the batch has one.
const WATCHED: &str = "SELECT w.id, w.account_id, w.url, d.failure_threshold,
            h.consecutive_failures, h.failing_alerted, h.owes_recovery
     FROM webhooks w JOIN alert_destinations d ON d.account_id = w.account_id
     LEFT JOIN alert_health h ON h.webhook_id = w.id
     WHERE w.id IN (SELECT value FROM json_each(?1))";

fn watched(conn: &Connection, webhook_ids: &[&str]) -> StoreResult<Vec<Watched>> {
    conn.prepare_cached(WATCHED)
        .and_then(|mut s| {
            s.query_map(params![json(&webhook_ids)], |r| {
                Ok(Watched {
                    webhook_id: r.get(0)?,
                    account_id: r.get(1)?,
                    url: r.get(2)?,
                    threshold: r.get(3)?,
                    health: AlertHealth {
                        consecutive_failures: r.get::<_, Option<u32>>(4)?.unwrap_or(0),
                        failing_alerted: r.get::<_, Option<bool>>(5)?.unwrap_or(false),
                        owes_recovery: r.get::<_, Option<bool>>(6)?.unwrap_or(false),
                    },
                })
            })?
            .collect()
        })
        .map_err(backend)
}

/// The hook of `record_attempts`, after the registrations' health: the alerts the batch
/// causes ([`rules::alerts::plan_alerts`]), in its transaction.
pub fn after_outcomes(
    conn: &Connection,
    records: &[AttemptRecord],
    plan: &HealthPlan<'_>,
    disabled: &[String],
) -> StoreResult<()> {
    let mut ids: Vec<&str> = records.iter().map(|r| r.webhook_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let watched = watched(conn, &ids)?;
    if watched.is_empty() {
        return Ok(());
    }
    let reasons: Vec<_> = disabled
        .iter()
        .map(|id| (id.clone(), rules::alerts::disable_reason(plan, id)))
        .collect();
    let plan = rules::alerts::plan_alerts(records, &watched, &reasons, clock::now());
    write_plan(conn, &plan)
}

/// The hook of a disable by hand: `registration.disabled` (`manual`), in its transaction.
pub fn after_disable(
    conn: &Connection,
    webhook_id: &str,
    reason: DisableReason,
) -> StoreResult<()> {
    if let Some(w) = watched(conn, &[webhook_id])?.first() {
        write_plan(conn, &rules::alerts::disabled(w, reason, clock::now()))?;
    }
    Ok(())
}

fn write_plan(conn: &Connection, plan: &rules::alerts::AlertPlan) -> StoreResult<()> {
    for a in &plan.alerts {
        conn.prepare_cached(
            "INSERT INTO alerts (id, account_id, kind, webhook_id, payload, status, due_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6)",
        )
        .and_then(|mut s| {
            s.execute(params![
                a.id,
                a.account_id,
                a.kind.as_str(),
                a.webhook_id,
                a.payload,
                ts(&a.created_at)
            ])
        })
        .map_err(backend)?;
    }
    for (webhook_id, h) in &plan.health {
        if *h == AlertHealth::default() {
            conn.prepare_cached("DELETE FROM alert_health WHERE webhook_id = ?1")
                .and_then(|mut s| s.execute(params![webhook_id]))
                .map_err(backend)?;
        } else {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO alert_health (webhook_id, consecutive_failures, failing_alerted, owes_recovery)
                 VALUES (?1, ?2, ?3, ?4)",
            )
            .and_then(|mut s| {
                s.execute(params![
                    webhook_id,
                    h.consecutive_failures,
                    h.failing_alerted,
                    h.owes_recovery
                ])
            })
            .map_err(backend)?;
        }
    }
    Ok(())
}

const DESTINATION_COLS: &str = "account_id, url, failure_threshold, secret_sealed, \
     previous_secret_sealed, previous_secret_until, created_at, updated_at";

fn destination_row(r: &Row) -> rusqlite::Result<AlertDestination> {
    let previous: Option<String> = r.get("previous_secret_sealed")?;
    let until = parse_opt_ts(r, "previous_secret_until")?;
    Ok(AlertDestination {
        account_id: r.get("account_id")?,
        url: r.get("url")?,
        failure_threshold: r.get("failure_threshold")?,
        secret_sealed: r.get("secret_sealed")?,
        previous_secret: previous.zip(until),
        created_at: parse_ts(r, "created_at")?,
        updated_at: parse_ts(r, "updated_at")?,
    })
}

pub fn destination(conn: &Connection, account_id: &str) -> StoreResult<Option<AlertDestination>> {
    conn.prepare_cached(&format!(
        "SELECT {DESTINATION_COLS} FROM alert_destinations WHERE account_id = ?1"
    ))
    .and_then(|mut s| s.query_row(params![account_id], destination_row).optional())
    .map_err(backend)
}

fn write_destination(conn: &Connection, d: &AlertDestination) -> StoreResult<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO alert_destinations ({DESTINATION_COLS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    ))
    .and_then(|mut s| {
        s.execute(params![
            d.account_id,
            d.url,
            d.failure_threshold,
            d.secret_sealed,
            d.previous_secret.as_ref().map(|p| &p.0),
            d.previous_secret.as_ref().map(|p| ts(&p.1)),
            ts(&d.created_at),
            ts(&d.updated_at)
        ])
    })
    .map_err(backend)?;
    Ok(())
}

pub fn put_destination(
    conn: &Connection,
    account_id: &str,
    url: &str,
    threshold: u32,
    secret_sealed: &str,
) -> StoreResult<(AlertDestination, bool)> {
    let before = destination(conn, account_id)?;
    let d = rules::alerts::put_destination(
        before.as_ref(),
        account_id,
        url.to_owned(),
        threshold,
        secret_sealed,
        clock::now(),
    );
    write_destination(conn, &d)?;
    Ok((d, before.is_none()))
}

pub fn delete_destination(conn: &Connection, account_id: &str) -> StoreResult<()> {
    let n = conn
        .execute(
            "DELETE FROM alert_destinations WHERE account_id = ?1",
            params![account_id],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("alert destination"));
    }
    conn.execute(
        "UPDATE alerts SET status = 'failed', due_at = NULL, lease = NULL, next_retry_at = NULL,
                error = 'the alert destination was removed'
         WHERE account_id = ?1 AND status = 'pending'",
        params![account_id],
    )
    .map_err(backend)?;
    Ok(())
}

pub fn rotate(
    conn: &Connection,
    account_id: &str,
    secret_sealed: &str,
    previous_until: Timestamp,
) -> StoreResult<AlertDestination> {
    let before = destination(conn, account_id)?.ok_or(StoreError::NotFound("alert destination"))?;
    let d =
        rules::alerts::rotated_destination(&before, secret_sealed, previous_until, clock::now());
    write_destination(conn, &d)?;
    Ok(d)
}

const ALERT_COLS: &str = "seq, id, account_id, kind, webhook_id, payload, status, attempts, \
     last_attempt_at, next_retry_at, status_code, error, created_at";

fn alert_row(r: &Row) -> rusqlite::Result<(i64, Alert)> {
    let bad = |what: String| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, what.into())
    };
    let kind: String = r.get("kind")?;
    let status: String = r.get("status")?;
    Ok((
        r.get("seq")?,
        Alert {
            id: r.get("id")?,
            account_id: r.get("account_id")?,
            kind: AlertEventName::parse(&kind).ok_or_else(|| bad(format!("alert kind {kind}")))?,
            webhook_id: r.get("webhook_id")?,
            payload: r.get("payload")?,
            status: AlertStatus::parse(&status)
                .ok_or_else(|| bad(format!("alert status {status}")))?,
            attempts: r.get("attempts")?,
            last_attempt_at: parse_opt_ts(r, "last_attempt_at")?,
            next_retry_at: parse_opt_ts(r, "next_retry_at")?,
            status_code: r.get("status_code")?,
            error: r.get("error")?,
            created_at: parse_ts(r, "created_at")?,
        },
    ))
}

/// `?1` account, `?2` status, `?3` kind, `?4` registration (each NULL: any).
const ALERT_FILTER: &str = "account_id = ?1 AND (?2 IS NULL OR status = ?2)
     AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR webhook_id = ?4)";

pub fn list(
    conn: &Connection,
    account_id: &str,
    filter: &AlertFilter,
    page: PageRequest,
) -> StoreResult<Page<Alert>> {
    let position = page.before_seq()?;
    let (status, kind) = (
        filter.status.map(|s| s.as_str()),
        filter.kind.map(|k| k.as_str()),
    );
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {ALERT_COLS} FROM alerts WHERE {ALERT_FILTER} AND seq < ?5
             ORDER BY seq DESC LIMIT ?6 OFFSET ?7"
        ))
        .and_then(|mut s| {
            s.query_map(
                params![
                    account_id,
                    status,
                    kind,
                    filter.webhook_id,
                    position,
                    page.limit as i64 + 1,
                    page.skip() as i64
                ],
                alert_row,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    let total: i64 = conn
        .prepare_cached(&format!("SELECT COUNT(*) FROM alerts WHERE {ALERT_FILTER}"))
        .and_then(|mut s| {
            s.query_row(params![account_id, status, kind, filter.webhook_id], |r| {
                r.get(0)
            })
        })
        .map_err(backend)?;
    Ok(Page::from_seq_rows(rows, page.limit).with_total(total.max(0) as u64))
}

pub fn attempts(conn: &Connection, account_id: &str, alert_id: &str) -> StoreResult<Vec<Attempt>> {
    let seq: i64 = conn
        .prepare_cached("SELECT seq FROM alerts WHERE account_id = ?1 AND id = ?2")
        .and_then(|mut s| {
            s.query_row(params![account_id, alert_id], |r| r.get(0))
                .optional()
        })
        .map_err(backend)?
        .ok_or(StoreError::NotFound("alert"))?;
    conn.prepare_cached(
        "SELECT attempted_at, status_code, duration_ms, error, response_body
         FROM alert_attempts WHERE alert_seq = ?1 ORDER BY rowid",
    )
    .and_then(|mut s| s.query_map(params![seq], crate::rows::attempt)?.collect())
    .map_err(backend)
}

/// See [`collabkit_domain::store::Alerts::claim_alerts`].
pub fn claim(
    conn: &Connection,
    now: Timestamp,
    lease_for: std::time::Duration,
    limit: u32,
    limits: &AlertLimits,
) -> StoreResult<AlertClaim> {
    type Due = (i64, String, String, String, String, String, u32, bool);
    let due: Vec<Due> = conn
        .prepare_cached(
            "SELECT seq, id, account_id, webhook_id, kind, payload, attempts, sent_at IS NOT NULL
             FROM alerts WHERE due_at <= ?1 AND status = 'pending' ORDER BY due_at LIMIT ?2",
        )
        .and_then(|mut s| {
            s.query_map(params![ts(&now), limit], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ))
            })?
            .collect()
        })
        .map_err(backend)?;
    let lease_until = clock::after(now, lease_for);
    let lease: i64 = rand::random::<i64>() & i64::MAX;
    let mut claimed = Vec::new();
    let mut suppressed = 0;
    for (seq, id, account_id, webhook_id, kind, payload, attempts, sent) in due {
        let Some(d) = destination(conn, &account_id)? else {
            conn.execute(
                "UPDATE alerts SET status = 'failed', due_at = NULL,
                        error = 'the account has no alert destination' WHERE seq = ?1",
                params![seq],
            )
            .map_err(backend)?;
            continue;
        };
        if !sent {
            let last: Option<String> = conn
                .prepare_cached(
                    "SELECT MAX(sent_at) FROM alerts
                     WHERE webhook_id = ?1 AND kind = ?2 AND sent_at IS NOT NULL",
                )
                .and_then(|mut s| s.query_row(params![webhook_id, kind], |r| r.get(0)))
                .map_err(backend)?;
            let since = now - rules::alerts::ACCOUNT_WINDOW;
            let recent: i64 = conn
                .prepare_cached(
                    "SELECT COUNT(*) FROM alerts WHERE account_id = ?1 AND sent_at > ?2",
                )
                .and_then(|mut s| s.query_row(params![account_id, ts(&since)], |r| r.get(0)))
                .map_err(backend)?;
            let last = last.and_then(|t| clock::parse(&t).ok());
            if !rules::alerts::admits(last, recent.max(0) as u64, now, limits) {
                conn.execute(
                    "UPDATE alerts SET status = 'suppressed', due_at = NULL WHERE seq = ?1",
                    params![seq],
                )
                .map_err(backend)?;
                suppressed += 1;
                continue;
            }
        }
        conn.prepare_cached(
            "UPDATE alerts SET due_at = ?1, lease = ?2, sent_at = COALESCE(sent_at, ?3) WHERE seq = ?4",
        )
        .and_then(|mut s| s.execute(params![ts(&lease_until), lease, ts(&now), seq]))
        .map_err(backend)?;
        let previous = d
            .previous_secret
            .filter(|(_, until)| *until > now)
            .map(|(s, _)| s);
        claimed.push(ClaimedAlert {
            alert_id: id,
            lease,
            account_id,
            url: d.url,
            secret_sealed: d.secret_sealed,
            previous_secret_sealed: previous,
            payload,
            attempts,
        });
    }
    Ok(AlertClaim {
        claimed,
        suppressed,
    })
}

pub fn record(conn: &Connection, outcome: &AlertOutcome) -> StoreResult<()> {
    let (status, next) = match outcome.next {
        collabkit_domain::store::NextStep::Succeeded => (AlertStatus::Success, None),
        collabkit_domain::store::NextStep::RetryAt(at) => (AlertStatus::Pending, Some(at)),
        _ => (AlertStatus::Failed, None),
    };
    let a = &outcome.attempt;
    let seq: Option<i64> = conn
        .prepare_cached(
            "UPDATE alerts SET attempts = attempts + 1, last_attempt_at = ?1, status_code = ?2,
                    error = ?3, status = ?4, next_retry_at = ?5, due_at = ?5, lease = NULL
             WHERE id = ?6 AND lease = ?7 RETURNING seq",
        )
        .and_then(|mut s| {
            s.query_row(
                params![
                    ts(&a.attempted_at),
                    a.status_code,
                    a.error,
                    status.as_str(),
                    next.map(|t| ts(&t)),
                    outcome.alert_id,
                    outcome.lease
                ],
                |r| r.get(0),
            )
            .optional()
        })
        .map_err(backend)?;
    // A lease that ran out: another claim owns the alert and records its own attempt.
    if let Some(seq) = seq {
        conn.prepare_cached(
            "INSERT INTO alert_attempts (alert_seq, attempted_at, status_code, duration_ms, error, response_body)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut s| {
            s.execute(params![
                seq,
                ts(&a.attempted_at),
                a.status_code,
                a.duration_ms as i64,
                a.error,
                a.response_body
            ])
        })
        .map_err(backend)?;
    }
    Ok(())
}

/// `?1` before, `?2` most: the oldest finished alerts past retention.
const PRUNABLE: &str = "SELECT seq FROM alerts WHERE created_at < ?1 AND status <> 'pending'
     ORDER BY seq LIMIT ?2";

pub fn prune(conn: &Connection, before: Timestamp, batch: u32) -> StoreResult<u64> {
    let before = ts(&before);
    conn.prepare_cached(&format!(
        "DELETE FROM alert_attempts WHERE alert_seq IN ({PRUNABLE})"
    ))
    .and_then(|mut s| s.execute(params![before, batch]))
    .map_err(backend)?;
    let n = conn
        .prepare_cached(&format!("DELETE FROM alerts WHERE seq IN ({PRUNABLE})"))
        .and_then(|mut s| s.execute(params![before, batch]))
        .map_err(backend)?;
    Ok(n as u64)
}

/// The storage contract's `Alerts`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::Alerts;

    #[async_trait]
    impl Alerts for crate::SqliteStore {
        async fn alert_destination(&self, account_id: &str) -> StoreResult<AlertDestination> {
            let a = account_id.to_owned();
            self.readers
                .read(move |c| destination(c, &a))
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
            let (a, u, s) = (
                account_id.to_owned(),
                url.to_owned(),
                secret_sealed.to_owned(),
            );
            self.writer
                .write_or_shed(move |c| put_destination(c, &a, &u, failure_threshold, &s))
                .await
        }

        async fn delete_alert_destination(&self, account_id: &str) -> StoreResult<()> {
            let a = account_id.to_owned();
            self.writer
                .write_or_shed(move |c| delete_destination(c, &a))
                .await
        }

        async fn rotate_alert_secret(
            &self,
            account_id: &str,
            secret_sealed: &str,
            previous_until: Timestamp,
        ) -> StoreResult<AlertDestination> {
            let (a, s) = (account_id.to_owned(), secret_sealed.to_owned());
            self.writer
                .write_or_shed(move |c| rotate(c, &a, &s, previous_until))
                .await
        }

        async fn list_alerts(
            &self,
            account_id: &str,
            filter: &AlertFilter,
            page: PageRequest,
        ) -> StoreResult<Page<Alert>> {
            let (a, f) = (account_id.to_owned(), filter.clone());
            self.readers.read(move |c| list(c, &a, &f, page)).await
        }

        async fn list_alert_attempts(
            &self,
            account_id: &str,
            alert_id: &str,
        ) -> StoreResult<Vec<Attempt>> {
            let (a, id) = (account_id.to_owned(), alert_id.to_owned());
            self.readers.read(move |c| attempts(c, &a, &id)).await
        }

        async fn claim_alerts(
            &self,
            now: Timestamp,
            lease_for: std::time::Duration,
            limit: u32,
            limits: AlertLimits,
        ) -> StoreResult<AlertClaim> {
            self.writer
                .write(move |c| claim(c, now, lease_for, limit, &limits))
                .await
        }

        async fn record_alert_attempt(&self, outcome: AlertOutcome) -> StoreResult<()> {
            self.writer.write(move |c| record(c, &outcome)).await
        }

        async fn prune_alerts(&self, before: Timestamp, batch: u32) -> StoreResult<u64> {
            self.writer.write(move |c| prune(c, before, batch)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::query_plan;

    /// The hot path's read (every outcome batch) seeks the batch's registrations by id and
    /// their destinations by account: its cost follows the batch, not the tables.
    #[test]
    fn the_batchs_watched_registrations_are_read_by_index() {
        let plan = query_plan(WATCHED, 1);
        assert!(
            !plan
                .iter()
                .any(|l| l.starts_with("SCAN w") || l.starts_with("SCAN d")),
            "{plan:#?}"
        );
        assert!(
            plan.iter().any(|l| l.starts_with("SEARCH d USING")),
            "{plan:#?}"
        );
    }

    /// The sender's claim reads due alerts from their partial index, and the log the account's.
    #[test]
    fn claims_and_the_log_seek_their_index() {
        let due = "SELECT seq FROM alerts WHERE due_at <= ?1 AND status = 'pending' ORDER BY due_at LIMIT ?2";
        let plan = query_plan(due, 2);
        assert!(
            plan.iter().any(|l| l.contains("USING INDEX alerts_due")),
            "{plan:#?}"
        );
        let log = format!(
            "SELECT {ALERT_COLS} FROM alerts WHERE {ALERT_FILTER} AND seq < ?5
             ORDER BY seq DESC LIMIT ?6 OFFSET ?7"
        );
        let plan = query_plan(&log, 7);
        assert!(
            plan.iter()
                .any(|l| l.contains("USING INDEX alerts_by_account")),
            "{plan:#?}"
        );
    }
}
