//! The delivery log on SQLite: a registration's deliveries, newest first, their attempts, and
//! retrying or recovering them; and the storage contract's `DeliveryLog`, each verb in the
//! backend's one transaction.

use rusqlite::{Connection, OptionalExtension, params};

use crate::errors::backend;
use crate::rows::{self, ts};
use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::store::{
    Attempt, Delivery, DeliveryFilter, Ordering, Page, PageRequest, Replayed, StoreError,
    StoreResult, event_code,
};
use collabkit_domain::{ids, rules};
use collabkit_webhooks::WebhookEventName;

pub const DELIVERY_COLS: &str = "d.seq, d.id, w.id AS webhook_id, e.id AS event_id, d.event_code, \
     e.payload, d.status, d.attempts, d.last_attempt_at, d.next_retry_at, d.status_code, d.created_at";
/// Where a delivery's columns come from besides its row `d`: its registration and its event.
const DELIVERY_JOINS: &str =
    "JOIN webhooks w ON w.seq = d.webhook_seq JOIN events e ON e.seq = d.event_seq";

/// The registration's `seq` (the key its deliveries refer to), checking it is the account's.
fn webhook_key(conn: &Connection, account_id: &str, webhook_id: &str) -> StoreResult<i64> {
    conn.prepare_cached("SELECT seq FROM webhooks WHERE account_id = ?1 AND id = ?2")
        .and_then(|mut s| {
            s.query_row(params![account_id, webhook_id], |r| r.get(0))
                .optional()
        })
        .map_err(backend)?
        .ok_or(StoreError::NotFound("webhook"))
}

pub fn list_deliveries(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    filter: DeliveryFilter,
    page: PageRequest,
) -> StoreResult<Page<Delivery>> {
    let position = page.before_seq()?;
    let key = webhook_key(conn, account_id, webhook_id)?;
    let (take, skip) = (page.limit as i64 + 1, page.skip() as i64);
    let rows = conn
        .prepare_cached(&log_query(&filter))
        .and_then(|mut s| {
            s.query_map(
                params![key, position, take + skip, take, skip],
                rows::delivery,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    let total = log_total(conn, key, &filter)?;
    Ok(Page::from_seq_rows(rows, page.limit).with_total(total))
}

/// The size of a registration's log: its counters, a row per event name (kept by triggers on
/// every insert and delete), unfiltered or filtered by event; filtered by status, a count over
/// the filter's index range (the registration's `pending` or `failed` rows are few; `success`
/// counts that part of `deliveries_log`: statuses change with every outcome, and counting
/// them would be a write per attempt).
fn log_total(conn: &Connection, key: i64, filter: &DeliveryFilter) -> StoreResult<u64> {
    let n: i64 = if filter.status.is_none() {
        // The counters (migration 0014): a row per event name.
        let code = filter.event.map(event_code);
        conn.prepare_cached(
            "SELECT COALESCE(SUM(n), 0) FROM delivery_counts
             WHERE webhook_seq = ?1 AND (?2 IS NULL OR event_code = ?2)",
        )
        .and_then(|mut s| s.query_row(params![key, code], |r| r.get(0)))
        .map_err(backend)?
    } else {
        let codes: Vec<String> = event_codes(filter).iter().map(i64::to_string).collect();
        conn.prepare_cached(&format!(
            "SELECT COUNT(*) FROM deliveries WHERE webhook_seq = ?1 AND event_code IN ({}) {}",
            codes.join(", "),
            status_clause(filter)
        ))
        .and_then(|mut s| s.query_row(params![key], |r| r.get(0)))
        .map_err(backend)?
    };
    Ok(n.max(0) as u64)
}

/// The status filter written into the SQL (one of three words, so that SQLite uses the
/// partial index for it), or nothing.
fn status_clause(filter: &DeliveryFilter) -> String {
    match filter.status {
        Some(s) => format!("AND status = '{}'", s.as_str()),
        None => String::new(),
    }
}

/// The event codes a filter reads: its event's, or every event's.
fn event_codes(filter: &DeliveryFilter) -> Vec<i64> {
    match filter.event {
        Some(e) => vec![event_code(e)],
        None => (0..WebhookEventName::ALL.len() as i64).collect(),
    }
}

/// A page of one registration's log: `?1` its seq, `?2` the cursor, `?3` the rows each name's
/// arm reads (skipped + page size + 1), `?4` the page size + 1, `?5` the rows skipped.
///
/// Newest first: the cursor is the last (smallest) seq seen. `deliveries_log` is ordered by
/// event name first, so the newest of each name are taken and merged; the event filter is just
/// one of them. The status is written into the SQL (one of three words) so that SQLite uses the
/// partial index for it.
fn log_query(filter: &DeliveryFilter) -> String {
    let status = status_clause(filter);
    let arms: Vec<String> = event_codes(filter)
        .iter()
        .map(|code| {
            format!(
                "SELECT seq FROM (SELECT seq FROM deliveries
                  WHERE webhook_seq = ?1 AND event_code = {code} AND seq < ?2 {status}
                  ORDER BY seq DESC LIMIT ?3)"
            )
        })
        .collect();
    format!(
        "SELECT {DELIVERY_COLS} FROM ({}) AS newest
         JOIN deliveries d ON d.seq = newest.seq {DELIVERY_JOINS}
         ORDER BY d.seq DESC LIMIT ?4 OFFSET ?5",
        arms.join(" UNION ALL ")
    )
}

/// The delivery and its `seq`, checking it belongs to the account's registration.
fn delivery_row(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<(i64, Delivery)> {
    let key = webhook_key(conn, account_id, webhook_id)?;
    conn.prepare_cached(&format!(
        "SELECT {DELIVERY_COLS} FROM deliveries d {DELIVERY_JOINS} WHERE d.id = ?1 AND d.webhook_seq = ?2"
    ))
    .and_then(|mut s| s.query_row(params![delivery_id, key], rows::delivery).optional())
    .map_err(backend)?
    .ok_or(StoreError::NotFound("delivery"))
}

pub fn delivery_in(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<Delivery> {
    delivery_row(conn, account_id, webhook_id, delivery_id).map(|(_, d)| d)
}

pub fn list_attempts(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<Vec<Attempt>> {
    let (seq, _) = delivery_row(conn, account_id, webhook_id, delivery_id)?;
    conn.prepare_cached(
        "SELECT attempted_at, status_code, duration_ms, error, response_body FROM attempts
         WHERE delivery_seq = ?1 ORDER BY seq",
    )
    .and_then(|mut s| {
        s.query_map(params![seq], rows::attempt)?
            .collect::<Result<Vec<_>, _>>()
    })
    .map_err(backend)
}

pub fn retry(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<Delivery> {
    let key = webhook_key(conn, account_id, webhook_id)?;
    let seq: i64 = conn
        .query_row(
            "UPDATE deliveries SET status = 'pending', cycle_attempts = 0, next_retry_at = NULL,
                    due_at = ?1, lease = NULL WHERE id = ?2 AND webhook_seq = ?3 RETURNING seq",
            params![ts(&clock::now()), delivery_id, key],
            |r| r.get(0),
        )
        .optional()
        .map_err(backend)?
        .ok_or(StoreError::NotFound("delivery"))?;
    crate::ordering::on_requeued(conn, &[seq])?;
    delivery_in(conn, account_id, webhook_id, delivery_id)
}

pub fn recover(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    since: Timestamp,
) -> StoreResult<u64> {
    let key = webhook_key(conn, account_id, webhook_id)?;
    let seqs: Vec<i64> = conn
        .prepare(
            "UPDATE deliveries SET status = 'pending', cycle_attempts = 0, next_retry_at = NULL,
                    due_at = ?1, lease = NULL
             WHERE webhook_seq = ?2 AND status = 'failed' AND last_attempt_at >= ?3
             RETURNING seq",
        )
        .and_then(|mut s| {
            s.query_map(params![ts(&clock::now()), key, ts(&since)], |r| r.get(0))?
                .collect()
        })
        .map_err(backend)?;
    // An ordered registration's recovered deliveries queue in their rooms' order (RETURNING
    // gives no order, the pairs' queues do).
    if crate::ordering::mode(conn, account_id, webhook_id)? == Ordering::PerRoom {
        let mut sorted = seqs.clone();
        sorted.sort_unstable();
        crate::ordering::on_requeued(conn, &sorted)?;
    }
    Ok(seqs.len() as u64)
}

/// Queues a pending delivery, due now, for each event the registration matches (see
/// `rules::replay_scope`) stored at or after `since` and never given to it, oldest first and
/// at most `rules::REPLAY_LIMIT` of them.
pub fn replay(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    since: Timestamp,
) -> StoreResult<Replayed> {
    let webhook = crate::webhooks::webhook_in(conn, account_id, webhook_id)?;
    let (names, room_id) = rules::replay_scope(&webhook)?;
    let key = webhook_key(conn, account_id, webhook_id)?;
    let codes: std::collections::HashMap<&str, i64> = names.iter().copied().collect();
    let names: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
    let limit = rules::REPLAY_LIMIT as usize;
    // `deliveries` has no index by event (fan-out would pay for it on every write): the
    // registration's delivered events are read once, into the ephemeral index SQLite builds
    // for an uncorrelated `NOT IN`, rather than searched for each event.
    let found: Vec<(i64, String)> = conn
        .prepare_cached(
            "SELECT e.seq, e.event FROM events e
             WHERE e.account_id = ?1 AND e.created_at >= ?2 AND (?3 IS NULL OR e.room_id = ?3)
               AND e.event IN (SELECT value FROM json_each(?4))
               AND e.seq NOT IN (SELECT event_seq FROM deliveries WHERE webhook_seq = ?5)
             ORDER BY e.seq LIMIT ?6",
        )
        .and_then(|mut s| {
            s.query_map(
                params![
                    account_id,
                    ts(&since),
                    room_id,
                    rows::json(&names),
                    key,
                    (limit + 1) as i64
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect()
        })
        .map_err(backend)?;
    let more = found.len() > limit;
    let picked: Vec<(String, i64, i64)> = found
        .into_iter()
        .take(limit)
        .filter_map(|(seq, name)| {
            let code = *codes.get(name.as_str())?;
            Some((ids::new_id(ids::DELIVERY), seq, code))
        })
        .collect();
    if !picked.is_empty() {
        let now = ts(&clock::now());
        conn.prepare_cached(
            "INSERT INTO deliveries (id, webhook_seq, event_seq, event_code, status, created_at, due_at)
             SELECT value ->> 0, ?2, value ->> 1, value ->> 2, 'pending', ?3, ?3 FROM json_each(?1)",
        )
        .and_then(|mut s| s.execute(params![rows::json(&picked), key, now]))
        .map_err(backend)?;
        if crate::ordering::mode(conn, account_id, webhook_id)? == Ordering::PerRoom {
            order_replayed(conn, &picked, &names)?;
        }
    }
    Ok(Replayed {
        queued: picked.len() as u64,
        more,
    })
}

/// Replayed deliveries of an ordered registration: each announces the newest earlier event of
/// its room the registration matches, then queues in its room like a retry (oldest first).
fn order_replayed(
    conn: &Connection,
    picked: &[(String, i64, i64)],
    names: &[&str],
) -> StoreResult<()> {
    let mut seqs = Vec::with_capacity(picked.len());
    for (id, _, _) in picked {
        let found: Option<(i64, String, Option<i64>)> = conn
            .prepare_cached(
                "SELECT d.seq, e.room_id, e.room_seq FROM deliveries d
                 JOIN events e ON e.seq = d.event_seq WHERE d.id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()
            })
            .map_err(backend)?;
        let Some((seq, room_id, Some(room_seq))) = found else {
            continue;
        };
        let previous = crate::ordering::previous_for_replay(conn, &room_id, room_seq, names)?;
        conn.prepare_cached("UPDATE deliveries SET previous_room_seq = ?2 WHERE seq = ?1")
            .and_then(|mut s| s.execute(params![seq, previous]))
            .map_err(backend)?;
        seqs.push(seq);
    }
    crate::ordering::on_requeued(conn, &seqs)
}

/// Why a delivery waits: the head of its room it waits behind, if any.
pub fn waiting(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<Option<String>> {
    let (seq, _) = delivery_row(conn, account_id, webhook_id, delivery_id)?;
    crate::ordering::waiting_behind(conn, seq)
}

/// The storage contract's `DeliveryLog`.
mod contract {
    use crate::*;

    use collabkit_domain::store::DeliveryLog;

    #[async_trait]
    impl DeliveryLog for crate::SqliteStore {
        async fn list_deliveries(
            &self,
            account_id: &str,
            webhook_id: &str,
            filter: DeliveryFilter,
            page: PageRequest,
        ) -> StoreResult<Page<Delivery>> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            self.readers
                .read(move |c| delivery_log::list_deliveries(c, &a, &w, filter, page))
                .await
        }

        async fn get_delivery(
            &self,
            account_id: &str,
            webhook_id: &str,
            delivery_id: &str,
        ) -> StoreResult<Delivery> {
            let (a, w, d) = (
                account_id.to_owned(),
                webhook_id.to_owned(),
                delivery_id.to_owned(),
            );
            self.readers
                .read(move |c| delivery_log::delivery_in(c, &a, &w, &d))
                .await
        }

        async fn list_attempts(
            &self,
            account_id: &str,
            webhook_id: &str,
            delivery_id: &str,
        ) -> StoreResult<Vec<Attempt>> {
            let (a, w, d) = (
                account_id.to_owned(),
                webhook_id.to_owned(),
                delivery_id.to_owned(),
            );
            self.readers
                .read(move |c| delivery_log::list_attempts(c, &a, &w, &d))
                .await
        }

        async fn retry_delivery(
            &self,
            account_id: &str,
            webhook_id: &str,
            delivery_id: &str,
        ) -> StoreResult<Delivery> {
            let (a, w, d) = (
                account_id.to_owned(),
                webhook_id.to_owned(),
                delivery_id.to_owned(),
            );
            let delivery = self
                .writer
                .write_or_shed(move |c| delivery_log::retry(c, &a, &w, &d))
                .await?;
            self.wakeup.ring();
            Ok(delivery)
        }

        async fn delivery_waiting(
            &self,
            account_id: &str,
            webhook_id: &str,
            delivery_id: &str,
        ) -> StoreResult<Option<String>> {
            let (a, w, d) = (
                account_id.to_owned(),
                webhook_id.to_owned(),
                delivery_id.to_owned(),
            );
            self.readers
                .read(move |c| delivery_log::waiting(c, &a, &w, &d))
                .await
        }

        async fn recover_deliveries(
            &self,
            account_id: &str,
            webhook_id: &str,
            since: Timestamp,
        ) -> StoreResult<u64> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            let n = self
                .writer
                .write_or_shed(move |c| delivery_log::recover(c, &a, &w, since))
                .await?;
            if rules::wakes_after_requeue(n) {
                self.wakeup.ring();
            }
            Ok(n)
        }

        async fn replay_events(
            &self,
            account_id: &str,
            webhook_id: &str,
            since: Timestamp,
        ) -> StoreResult<Replayed> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            let replayed = self
                .writer
                .write_or_shed(move |c| delivery_log::replay(c, &a, &w, since))
                .await?;
            if rules::wakes_after_requeue(replayed.queued) {
                self.wakeup.ring();
            }
            Ok(replayed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use collabkit_domain::store::DeliveryStatus;

    /// Every way of listing the log reads indexes only, never the whole table: it must stay fast
    /// with millions of deliveries.
    #[test]
    fn every_log_query_is_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("plan.db")).unwrap();
        super::super::migrate::migrate(&mut conn).unwrap();
        let statuses = [
            None,
            Some(DeliveryStatus::Pending),
            Some(DeliveryStatus::Success),
            Some(DeliveryStatus::Failed),
        ];
        let events = [None, Some(WebhookEventName::UserDeleted)];
        for status in statuses {
            for event in events {
                let filter = DeliveryFilter { status, event };
                let sql = format!("EXPLAIN QUERY PLAN {}", log_query(&filter));
                let plan: Vec<String> = conn
                    .prepare(&sql)
                    .unwrap()
                    .query_map(params![1, i64::MAX, 51, 50, 0], |r| r.get::<_, String>(3))
                    .unwrap()
                    .collect::<Result<_, _>>()
                    .unwrap();
                let scans: Vec<&String> = plan
                    .iter()
                    .filter(|l| l.starts_with("SCAN") && !l.contains("subquery"))
                    .collect();
                assert!(scans.is_empty(), "{filter:?}: {plan:#?}");
                let index = match status {
                    Some(DeliveryStatus::Pending) => "deliveries_pending_log",
                    Some(DeliveryStatus::Failed) => "deliveries_failed_log",
                    _ => "deliveries_log",
                };
                assert!(
                    plan.iter().any(|l| l.contains(index)),
                    "{filter:?} should use {index}: {plan:#?}"
                );
            }
        }
    }
}
