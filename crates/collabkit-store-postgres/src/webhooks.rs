//! Webhook registrations and the delivery log on PostgreSQL.

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules;
use collabkit_domain::rules::ordering::Ordering;
use collabkit_domain::store::{
    Attempt, Delivery, DeliveryFilter, NewWebhook, Page, PageRequest, Replayed, StoreError,
    StoreResult, Webhook, WebhookFilter, WebhookHeaders, WebhookPatch, event_code, events_mask,
    like_pattern,
};
use collabkit_webhooks::WebhookEventName;
use deadpool_postgres::GenericClient;

use crate::lookup::room_in;
use crate::queue::fail_pending;
use crate::rows::{self, DELIVERY_COLS, WEBHOOK_COLS};
use crate::sql::{Params, execute, query, query_one, query_opt};

/// Where a delivery's columns come from besides its row `d`.
const DELIVERY_JOINS: &str =
    "JOIN webhooks w ON w.seq = d.webhook_seq JOIN events e ON e.seq = d.event_seq";

pub async fn webhook_in<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
) -> StoreResult<Webhook> {
    query_opt(
        c,
        &format!("SELECT {WEBHOOK_COLS} FROM webhooks WHERE account_id = $1 AND id = $2"),
        &[&account_id, &webhook_id],
    )
    .await?
    .map(|r| rows::webhook(&r).1)
    .ok_or(StoreError::NotFound("webhook"))
}

async fn webhook_key<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
) -> StoreResult<i64> {
    query_opt(
        c,
        "SELECT seq FROM webhooks WHERE account_id = $1 AND id = $2",
        &[&account_id, &webhook_id],
    )
    .await?
    .map(|r| r.get(0))
    .ok_or(StoreError::NotFound("webhook"))
}

async fn check_room<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: Option<&str>,
) -> StoreResult<()> {
    if let Some(room_id) = room_id {
        room_in(c, account_id, room_id).await?;
    }
    Ok(())
}

pub async fn create<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    new: NewWebhook,
) -> StoreResult<Webhook> {
    check_room(c, account_id, new.room_id.as_deref()).await?;
    let w = rules::new_webhook(account_id, new, clock::now());
    execute(
        c,
        "INSERT INTO webhooks (id, account_id, url, events_mask, room_id, enabled, secret_sealed, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &w.id,
            &w.account_id,
            &w.url,
            &events_mask(&w.events),
            &w.room_id,
            &w.enabled,
            &w.secret_sealed,
            &w.created_at,
            &w.updated_at,
        ],
    )
    .await?;
    Ok(w)
}

/// A page of the account's registrations, filtered, and the list's total: unfiltered, the
/// account's counter; filtered, a count of the matches (an account holds at most
/// `--max-webhooks-per-account`), sent with the page.
pub async fn list<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    filter: &WebhookFilter,
    page: PageRequest,
) -> StoreResult<Page<Webhook>> {
    let after = page.after_seq()?;
    let scope = if filter.room_id.is_some() {
        "room_id = $2 AND account_id = $1"
    } else {
        "account_id = $1 AND $2::text IS NULL"
    };
    let only = format!(
        "{scope} AND ($3::text IS NULL OR \
         translate(url, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') LIKE $3)"
    );
    let pattern = filter.search.as_deref().map(like_pattern);
    let items_sql = format!(
        "SELECT {WEBHOOK_COLS} FROM webhooks WHERE {only} AND seq > $4 ORDER BY seq LIMIT $5 OFFSET $6"
    );
    let items_params: Params = &[
        &account_id,
        &filter.room_id,
        &pattern,
        &after,
        &(page.limit as i64 + 1),
        &(page.skip() as i64),
    ];
    let items = query(c, &items_sql, items_params);
    let (rows, total) = if filter.room_id.is_none() && pattern.is_none() {
        futures_util::future::try_join(items, count(c, account_id)).await?
    } else {
        let count_sql = format!("SELECT COUNT(*) FROM webhooks WHERE {only}");
        let total_params: Params = &[&account_id, &filter.room_id, &pattern];
        let total = async {
            let row = query_one(c, &count_sql, total_params).await?;
            Ok(row.get::<_, i64>(0).max(0) as u64)
        };
        futures_util::future::try_join(items, total).await?
    };
    Ok(Page::from_seq_rows(rows.iter().map(rows::webhook).collect(), page.limit).with_total(total))
}

/// The account's registrations: its counter (migration 0006), kept by a trigger on every path.
pub async fn count<C: GenericClient + Sync>(c: &C, account_id: &str) -> StoreResult<u64> {
    let row = query_one(
        c,
        "SELECT COALESCE(SUM(webhooks), 0)::bigint FROM account_counters WHERE account_id = $1",
        &[&account_id],
    )
    .await?;
    Ok(row.get::<_, i64>(0).max(0) as u64)
}

pub async fn update<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    patch: WebhookPatch,
) -> StoreResult<Webhook> {
    let before = webhook_in(c, account_id, webhook_id).await?;
    if let Some(Some(room_id)) = &patch.room_id {
        check_room(c, account_id, Some(room_id)).await?;
    }
    let Some(w) = rules::patched_webhook(&before, patch, clock::now()) else {
        return Ok(before);
    };
    execute(
        c,
        "UPDATE webhooks SET url = $1, events_mask = $2, room_id = $3, enabled = $4, updated_at = $5,
                failing_since = CASE WHEN $4 THEN failing_since ELSE NULL END
         WHERE id = $6",
        &[
            &w.url,
            &events_mask(&w.events),
            &w.room_id,
            &w.enabled,
            &w.updated_at,
            &w.id,
        ],
    )
    .await?;
    if rules::disables(&before, &w) {
        fail_pending(c, &w.id).await?;
        crate::alerts::after_disable(c, &w.id, collabkit_domain::store::DisableReason::Manual)
            .await?;
    }
    Ok(w)
}

pub async fn rotate<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    secret_sealed: &str,
    previous_until: Timestamp,
) -> StoreResult<Webhook> {
    let before = webhook_in(c, account_id, webhook_id).await?;
    let w = rules::rotated_webhook(&before, secret_sealed, previous_until, clock::now());
    execute(
        c,
        "UPDATE webhooks SET secret_sealed = $1, previous_secret_sealed = $2, previous_secret_until = $3,
                updated_at = $4 WHERE id = $5",
        &[
            &w.secret_sealed,
            &w.previous_secret.as_ref().map(|p| &p.0),
            &previous_until,
            &w.updated_at,
            &w.id,
        ],
    )
    .await?;
    Ok(w)
}

pub async fn delete<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
) -> StoreResult<()> {
    let n = execute(
        c,
        "DELETE FROM webhooks WHERE account_id = $1 AND id = $2",
        &[&account_id, &webhook_id],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::NotFound("webhook"));
    }
    Ok(())
}

/// The registration's custom headers; another account's registration is `NotFound("webhook")`.
pub async fn headers<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
) -> StoreResult<WebhookHeaders> {
    let row = query_opt(
        c,
        "SELECT headers FROM webhooks WHERE account_id = $1 AND id = $2",
        &[&account_id, &webhook_id],
    )
    .await?
    .ok_or(StoreError::NotFound("webhook"))?;
    Ok(rules::headers::from_stored(row.get::<_, Option<&str>>(0)))
}

/// Replaces the registration's custom headers (empty clears them).
pub async fn set_headers<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    headers: WebhookHeaders,
) -> StoreResult<WebhookHeaders> {
    let n = execute(
        c,
        "UPDATE webhooks SET headers = $3 WHERE account_id = $1 AND id = $2",
        &[&account_id, &webhook_id, &rules::headers::stored(&headers)],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::NotFound("webhook"));
    }
    Ok(headers)
}

/// The status filter written into the SQL (one of three words), or nothing.
fn status_clause(filter: &DeliveryFilter) -> String {
    match filter.status {
        Some(s) => format!("AND status = '{}'", s.as_str()),
        None => String::new(),
    }
}

/// The event filter written into the SQL, or nothing.
fn event_clause(filter: &DeliveryFilter) -> String {
    match filter.event {
        Some(e) => format!("AND event_code = {}", event_code(e)),
        None => String::new(),
    }
}

/// A page of one registration's log, newest first: the newest of each event name are taken
/// from `deliveries_log` and merged (the event filter is just one of them).
fn log_query(filter: &DeliveryFilter) -> String {
    let status = status_clause(filter);
    let codes: Vec<i64> = match filter.event {
        Some(e) => vec![event_code(e)],
        None => (0..WebhookEventName::ALL.len() as i64).collect(),
    };
    let arms: Vec<String> = codes
        .iter()
        .map(|code| {
            format!(
                "(SELECT seq FROM deliveries
                  WHERE webhook_seq = $1 AND event_code = {code} AND seq < $2 {status}
                  ORDER BY seq DESC LIMIT $3::bigint + $4::bigint)"
            )
        })
        .collect();
    format!(
        "SELECT {DELIVERY_COLS} FROM ({}) AS newest
         JOIN deliveries d ON d.seq = newest.seq {DELIVERY_JOINS}
         ORDER BY d.seq DESC LIMIT $3 OFFSET $4",
        arms.join(" UNION ALL ")
    )
}

/// The size of a registration's log (`$1`): its delivery counters (a row per event name and
/// shard) unfiltered or filtered by event; filtered by status, a count of the matches (an
/// index range of `deliveries_log` per event name, reading each row: statuses change with
/// every outcome, and counting them would be a write per attempt).
fn total_query(filter: &DeliveryFilter) -> String {
    let event = event_clause(filter);
    if filter.status.is_none() {
        return format!(
            "SELECT COALESCE(SUM(deliveries), 0)::bigint FROM delivery_counters WHERE webhook_seq = $1 {event}"
        );
    }
    let status = status_clause(filter);
    format!("SELECT COUNT(*) FROM deliveries WHERE webhook_seq = $1 {event} {status}")
}

pub async fn list_deliveries<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    filter: DeliveryFilter,
    page: PageRequest,
) -> StoreResult<Page<Delivery>> {
    let key = webhook_key(c, account_id, webhook_id).await?;
    let before = page.before_seq()?;
    let (limit, skip) = (page.limit as i64 + 1, page.skip() as i64);
    let (log_sql, total_sql) = (log_query(&filter), total_query(&filter));
    let rows_params: Params = &[&key, &before, &limit, &skip];
    let rows = query(c, &log_sql, rows_params);
    let total_params: Params = &[&key];
    let total = query_one(c, &total_sql, total_params);
    let (rows, total) = futures_util::future::try_join(rows, total).await?;
    let rows = rows
        .iter()
        .map(rows::delivery)
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_seq_rows(rows, page.limit).with_total(total.get::<_, i64>(0).max(0) as u64))
}

async fn delivery_row<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<(i64, Delivery)> {
    let key = webhook_key(c, account_id, webhook_id).await?;
    let row = query_opt(
        c,
        &format!(
            "SELECT {DELIVERY_COLS} FROM deliveries d {DELIVERY_JOINS} WHERE d.id = $1 AND d.webhook_seq = $2"
        ),
        &[&delivery_id, &key],
    )
    .await?
    .ok_or(StoreError::NotFound("delivery"))?;
    rows::delivery(&row)
}

pub async fn delivery_in<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<Delivery> {
    delivery_row(c, account_id, webhook_id, delivery_id)
        .await
        .map(|(_, d)| d)
}

pub async fn list_attempts<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<Vec<Attempt>> {
    let (seq, _) = delivery_row(c, account_id, webhook_id, delivery_id).await?;
    Ok(query(
        c,
        "SELECT attempted_at, status_code, duration_ms, error, response_body FROM attempts
         WHERE delivery_seq = $1 ORDER BY seq",
        &[&seq],
    )
    .await?
    .iter()
    .map(rows::attempt)
    .collect())
}

pub async fn retry<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<Delivery> {
    let key = webhook_key(c, account_id, webhook_id).await?;
    let ordered = crate::ordering::mode(c, account_id, webhook_id).await? == Ordering::PerRoom;
    if ordered {
        // The pairs before the delivery, the order a record takes them in.
        crate::ordering::lock_pairs(c, key).await?;
    }
    let seq: i64 = query_opt(
        c,
        "UPDATE deliveries SET status = 'pending', cycle_attempts = 0, next_retry_at = NULL,
                due_at = $1, lease = NULL WHERE id = $2 AND webhook_seq = $3 RETURNING seq",
        &[&clock::now(), &delivery_id, &key],
    )
    .await?
    .map(|r| r.get(0))
    .ok_or(StoreError::NotFound("delivery"))?;
    if ordered {
        crate::ordering::on_requeued(c, &[seq]).await?;
    }
    delivery_in(c, account_id, webhook_id, delivery_id).await
}

pub async fn recover<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    since: Timestamp,
) -> StoreResult<u64> {
    let key = webhook_key(c, account_id, webhook_id).await?;
    let ordered = crate::ordering::mode(c, account_id, webhook_id).await? == Ordering::PerRoom;
    if ordered {
        crate::ordering::lock_pairs(c, key).await?;
    }
    let rows = query(
        c,
        "UPDATE deliveries SET status = 'pending', cycle_attempts = 0, next_retry_at = NULL,
                due_at = $1, lease = NULL
         WHERE webhook_seq = $2 AND status = 'failed' AND last_attempt_at >= $3
         RETURNING seq",
        &[&clock::now(), &key, &since],
    )
    .await?;
    if ordered {
        // Oldest first: deliveries are numbered in their events' order.
        let mut seqs: Vec<i64> = rows.iter().map(|r| r.get(0)).collect();
        seqs.sort_unstable();
        crate::ordering::on_requeued(c, &seqs).await?;
    }
    Ok(rows.len() as u64)
}

/// Queues a pending delivery, due now, for each event the registration matches (see
/// `rules::replay_scope`) stored at or after `since` and never given to it, oldest first and
/// at most `rules::REPLAY_LIMIT` of them, counted on this connection's shard. The
/// registration's row is held (`FOR NO KEY UPDATE`: fan-out's deliveries still go in) so two
/// replays of it, or a replay and its disabling, take turns.
pub async fn replay<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    since: Timestamp,
) -> StoreResult<Replayed> {
    let key: i64 = query_opt(
        c,
        "SELECT seq FROM webhooks WHERE account_id = $1 AND id = $2 FOR NO KEY UPDATE",
        &[&account_id, &webhook_id],
    )
    .await?
    .map(|r| r.get(0))
    .ok_or(StoreError::NotFound("webhook"))?;
    let webhook = webhook_in(c, account_id, webhook_id).await?;
    let (names, room_id) = rules::replay_scope(&webhook)?;
    let codes: std::collections::HashMap<&str, i64> = names.iter().copied().collect();
    let names: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
    let limit = rules::REPLAY_LIMIT as usize;
    let found = query(
        c,
        "SELECT e.seq, e.event FROM events e
         WHERE e.account_id = $1 AND e.created_at >= $2 AND ($3::text IS NULL OR e.room_id = $3)
           AND e.event = ANY($4::text[])
           AND NOT EXISTS (SELECT 1 FROM deliveries d
                           WHERE d.event_seq = e.seq AND d.webhook_seq = $5)
         ORDER BY e.seq LIMIT $6",
        &[
            &account_id,
            &since,
            &room_id,
            &names,
            &key,
            &((limit + 1) as i64),
        ],
    )
    .await?;
    let more = found.len() > limit;
    let (mut ids_, mut seqs, mut event_codes) = (Vec::new(), Vec::new(), Vec::new());
    for row in found.iter().take(limit) {
        let name: String = row.get(1);
        if let Some(code) = codes.get(name.as_str()) {
            ids_.push(collabkit_domain::ids::new_id(
                collabkit_domain::ids::DELIVERY,
            ));
            seqs.push(row.get::<_, i64>(0));
            event_codes.push(*code as i16);
        }
    }
    if !ids_.is_empty() {
        let sql = format!(
            "WITH d AS (
                INSERT INTO deliveries (id, webhook_seq, event_seq, event_code, status, created_at, due_at)
                SELECT x.id, $2, x.seq, x.code, 'pending', $5, $5
                FROM UNNEST($1::text[], $3::bigint[], $4::smallint[]) AS x(id, seq, code)
                RETURNING event_code)
             INSERT INTO delivery_counters AS k (webhook_seq, event_code, shard, deliveries)
             SELECT $2, event_code, {shard}, COUNT(*) FROM d GROUP BY event_code ORDER BY event_code
             ON CONFLICT (webhook_seq, event_code, shard)
             DO UPDATE SET deliveries = k.deliveries + excluded.deliveries",
            shard = crate::sql::SHARD
        );
        execute(c, &sql, &[&ids_, &key, &seqs, &event_codes, &clock::now()]).await?;
        if crate::ordering::mode(c, account_id, webhook_id).await? == Ordering::PerRoom {
            order_replayed(c, &ids_, &names).await?;
        }
    }
    Ok(Replayed {
        queued: ids_.len() as u64,
        more,
    })
}

/// Replayed deliveries of an ordered registration: each announces the newest earlier event of
/// its room the registration matches, then queues in its room like a retry (oldest first).
async fn order_replayed<C: GenericClient + Sync>(
    c: &C,
    ids: &[String],
    names: &[&str],
) -> StoreResult<()> {
    let mut seqs = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(row) = query_opt(
            c,
            "SELECT d.seq, e.room_id, e.room_seq FROM deliveries d
             JOIN events e ON e.seq = d.event_seq WHERE d.id = $1",
            &[id],
        )
        .await?
        else {
            continue;
        };
        let (seq, room_id, room_seq): (i64, String, Option<i64>) =
            (row.get(0), row.get(1), row.get(2));
        let Some(room_seq) = room_seq else { continue };
        let previous = crate::ordering::previous_for_replay(c, &room_id, room_seq, names).await?;
        execute(
            c,
            "UPDATE deliveries SET previous_room_seq = $2 WHERE seq = $1",
            &[&seq, &previous],
        )
        .await?;
        seqs.push(seq);
    }
    crate::ordering::on_requeued(c, &seqs).await
}

/// Why a delivery waits: the head of its room it waits behind, if any.
pub async fn waiting<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    webhook_id: &str,
    delivery_id: &str,
) -> StoreResult<Option<String>> {
    let (seq, _) = delivery_row(c, account_id, webhook_id, delivery_id).await?;
    crate::ordering::waiting_behind(c, seq).await
}

/// The storage contract's `Webhooks`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::Webhooks;

    #[async_trait]
    impl Webhooks for crate::PgStore {
        async fn create_webhook(&self, account_id: &str, new: NewWebhook) -> StoreResult<Webhook> {
            self.within(async { webhooks::create(&self.client().await?, account_id, new).await })
                .await
        }

        async fn get_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<Webhook> {
            self.within(async {
                webhooks::webhook_in(&self.client().await?, account_id, webhook_id).await
            })
            .await
        }

        async fn list_webhooks(
            &self,
            account_id: &str,
            filter: &WebhookFilter,
            page: PageRequest,
        ) -> StoreResult<Page<Webhook>> {
            self.within(async {
                webhooks::list(&self.client().await?, account_id, filter, page).await
            })
            .await
        }

        async fn count_webhooks(&self, account_id: &str) -> StoreResult<u64> {
            self.within(async { webhooks::count(&self.client().await?, account_id).await })
                .await
        }

        async fn update_webhook(
            &self,
            account_id: &str,
            webhook_id: &str,
            patch: WebhookPatch,
        ) -> StoreResult<Webhook> {
            in_tx!(self, tx => webhooks::update(&tx, account_id, webhook_id, patch).await?)
        }

        async fn rotate_webhook_secret(
            &self,
            account_id: &str,
            webhook_id: &str,
            secret_sealed: &str,
            previous_until: Timestamp,
        ) -> StoreResult<Webhook> {
            in_tx!(self, tx => webhooks::rotate(&tx, account_id, webhook_id, secret_sealed, previous_until).await?)
        }

        async fn delete_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<()> {
            self.within(async {
                webhooks::delete(&self.client().await?, account_id, webhook_id).await
            })
            .await
        }

        async fn webhook_headers(
            &self,
            account_id: &str,
            webhook_id: &str,
        ) -> StoreResult<WebhookHeaders> {
            self.within(async {
                webhooks::headers(&self.client().await?, account_id, webhook_id).await
            })
            .await
        }

        async fn set_webhook_headers(
            &self,
            account_id: &str,
            webhook_id: &str,
            headers: WebhookHeaders,
        ) -> StoreResult<WebhookHeaders> {
            self.within(async {
                webhooks::set_headers(&self.client().await?, account_id, webhook_id, headers).await
            })
            .await
        }

        async fn webhook_ordering(
            &self,
            account_id: &str,
            webhook_id: &str,
        ) -> StoreResult<Ordering> {
            self.within(async {
                crate::ordering::mode(&self.client().await?, account_id, webhook_id).await
            })
            .await
        }

        async fn set_webhook_ordering(
            &self,
            account_id: &str,
            webhook_id: &str,
            ordering: Ordering,
        ) -> StoreResult<Ordering> {
            in_tx!(self, tx => {
                let set = crate::ordering::set_mode(&tx, account_id, webhook_id, ordering, clock::now())
                    .await?;
                // Turning ordering off may have made waiting deliveries due.
                crate::sql::notify_due(&tx).await?;
                set
            })
        }
    }
}
