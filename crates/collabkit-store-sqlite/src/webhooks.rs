//! Webhook registrations on SQLite (synchronous; run by the writer or a reader). Their delivery
//! log is `delivery_log`'s.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::backend;
use super::rows::{self, ts};
use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules;
use collabkit_domain::store::{
    NewWebhook, Page, PageRequest, StoreError, StoreResult, Webhook, WebhookFilter, WebhookHeaders,
    WebhookPatch, events_mask, like_pattern,
};

pub const WEBHOOK_COLS: &str = "seq, id, account_id, url, events_mask, room_id, enabled, secret_sealed, \
     previous_secret_sealed, previous_secret_until, created_at, updated_at";

pub fn webhook_in(conn: &Connection, account_id: &str, webhook_id: &str) -> StoreResult<Webhook> {
    conn.prepare_cached(&format!(
        "SELECT {WEBHOOK_COLS} FROM webhooks WHERE account_id = ?1 AND id = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(params![account_id, webhook_id], rows::webhook)
            .optional()
    })
    .map_err(backend)?
    .map(|(_, w)| w)
    .ok_or(StoreError::NotFound("webhook"))
}

fn check_room(conn: &Connection, account_id: &str, room_id: Option<&str>) -> StoreResult<()> {
    if let Some(room_id) = room_id {
        super::room_in(conn, account_id, room_id)?;
    }
    Ok(())
}

pub fn create(conn: &Connection, account_id: &str, new: NewWebhook) -> StoreResult<Webhook> {
    check_room(conn, account_id, new.room_id.as_deref())?;
    let now = clock::now();
    let webhook = rules::new_webhook(account_id, new, now);
    conn.execute(
        "INSERT INTO webhooks (id, account_id, url, events_mask, room_id, enabled, secret_sealed, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            webhook.id,
            webhook.account_id,
            webhook.url,
            events_mask(&webhook.events),
            webhook.room_id,
            webhook.enabled,
            webhook.secret_sealed,
            ts(&now),
            ts(&now)
        ],
    )
    .map_err(backend)?;
    Ok(webhook)
}

/// The account's registrations: its counter (migration 0013), one row whatever their number.
pub fn count(conn: &Connection, account_id: &str) -> StoreResult<u64> {
    let n: Option<i64> = conn
        .prepare_cached("SELECT webhooks_count FROM accounts WHERE id = ?1")
        .and_then(|mut s| s.query_row(params![account_id], |r| r.get(0)).optional())
        .map_err(backend)?;
    Ok(n.unwrap_or(0).max(0) as u64)
}

/// Registrations of an account (`?1`), after `?2`, at most `?4`; of one room (`?3`) through
/// the room's index, not by filtering the account's.
/// `?5`, the search's `LIKE` pattern, or NULL; `?6` the rows to skip.
pub(super) fn list_query(of_room: bool) -> String {
    let only = scope(of_room);
    format!(
        "SELECT {WEBHOOK_COLS} FROM webhooks WHERE {only} AND {URL_FILTER} AND seq > ?2
         ORDER BY seq LIMIT ?4 OFFSET ?6"
    )
}

const URL_FILTER: &str = "(?5 IS NULL OR lower(url) LIKE ?5 ESCAPE '\\')";

fn scope(of_room: bool) -> &'static str {
    if of_room {
        "room_id = ?3 AND account_id = ?1"
    } else {
        "account_id = ?1"
    }
}

/// Registrations oldest first, with the total: unfiltered, the account's counter; filtered (by
/// room or URL), a count of the matches, bounded by `--max-webhooks-per-account` (1,000 by default).
pub fn list(
    conn: &Connection,
    account_id: &str,
    filter: &WebhookFilter,
    page: PageRequest,
) -> StoreResult<Page<Webhook>> {
    let position = page.after_seq()?;
    let room_id = filter.room_id.as_deref();
    let pattern = filter.search.as_deref().map(like_pattern);
    let rows = conn
        .prepare_cached(&list_query(room_id.is_some()))
        .and_then(|mut s| {
            s.query_map(
                params![
                    account_id,
                    position,
                    room_id,
                    page.limit as i64 + 1,
                    pattern,
                    page.skip() as i64
                ],
                rows::webhook,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    if room_id.is_none() && pattern.is_none() {
        let total = count(conn, account_id)?;
        return Ok(Page::from_seq_rows(rows, page.limit).with_total(total));
    }
    let total: i64 = conn
        .prepare_cached(&format!(
            "SELECT COUNT(*) FROM webhooks WHERE {} AND {URL_FILTER}",
            scope(room_id.is_some())
        ))
        .and_then(|mut s| {
            s.query_row(params![account_id, position, room_id, 0, pattern], |r| {
                r.get(0)
            })
        })
        .map_err(backend)?;
    Ok(Page::from_seq_rows(rows, page.limit).with_total(total.max(0) as u64))
}

pub fn update(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    patch: WebhookPatch,
) -> StoreResult<Webhook> {
    let before = webhook_in(conn, account_id, webhook_id)?;
    if let Some(Some(room_id)) = &patch.room_id {
        check_room(conn, account_id, Some(room_id))?;
    }
    let Some(webhook) = rules::patched_webhook(&before, patch, clock::now()) else {
        return Ok(before);
    };
    conn.execute(
        "UPDATE webhooks SET url = ?1, events_mask = ?2, room_id = ?3, enabled = ?4, updated_at = ?5,
                failing_since = CASE WHEN ?4 THEN failing_since ELSE NULL END
         WHERE id = ?6",
        params![
            webhook.url,
            events_mask(&webhook.events),
            webhook.room_id,
            webhook.enabled,
            ts(&webhook.updated_at),
            webhook.id
        ],
    )
    .map_err(backend)?;
    if rules::disables(&before, &webhook) {
        fail_pending(conn, &webhook.id)?;
        crate::alerts::after_disable(
            conn,
            &webhook.id,
            collabkit_domain::store::DisableReason::Manual,
        )?;
    }
    Ok(webhook)
}

/// A disabled registration receives nothing: its pending deliveries end `failed`.
pub fn fail_pending(conn: &Connection, webhook_id: &str) -> StoreResult<()> {
    let Some(seq) = conn
        .prepare_cached("SELECT seq FROM webhooks WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row(params![webhook_id], |r| r.get::<_, i64>(0))
                .optional()
        })
        .map_err(backend)?
    else {
        return Ok(());
    };
    conn.prepare_cached(
        "UPDATE deliveries SET status = 'failed', next_retry_at = NULL, due_at = NULL, lease = NULL
         WHERE webhook_seq = ?1 AND status = 'pending'",
    )
    .and_then(|mut s| s.execute(params![seq]))
    .map_err(backend)?;
    // Nothing of an ordered registration waits or heads its rooms any more.
    crate::ordering::release_all(conn, seq, None)
}

pub fn rotate(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    secret_sealed: &str,
    previous_until: Timestamp,
) -> StoreResult<Webhook> {
    let before = webhook_in(conn, account_id, webhook_id)?;
    let webhook = rules::rotated_webhook(&before, secret_sealed, previous_until, clock::now());
    conn.execute(
        "UPDATE webhooks SET secret_sealed = ?1, previous_secret_sealed = ?2, previous_secret_until = ?3,
                updated_at = ?4 WHERE id = ?5",
        params![
            webhook.secret_sealed,
            webhook.previous_secret.as_ref().map(|p| &p.0),
            ts(&previous_until),
            ts(&webhook.updated_at),
            webhook.id
        ],
    )
    .map_err(backend)?;
    Ok(webhook)
}

/// The registration's custom headers; another account's registration is `NotFound("webhook")`.
pub fn headers(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
) -> StoreResult<WebhookHeaders> {
    let stored: Option<String> = conn
        .prepare_cached("SELECT headers FROM webhooks WHERE account_id = ?1 AND id = ?2")
        .and_then(|mut s| {
            s.query_row(params![account_id, webhook_id], |r| r.get(0))
                .optional()
        })
        .map_err(backend)?
        .ok_or(StoreError::NotFound("webhook"))?;
    Ok(rules::headers::from_stored(stored.as_deref()))
}

/// Replaces the registration's custom headers (empty clears them).
pub fn set_headers(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    headers: WebhookHeaders,
) -> StoreResult<WebhookHeaders> {
    let n = conn
        .prepare_cached("UPDATE webhooks SET headers = ?3 WHERE account_id = ?1 AND id = ?2")
        .and_then(|mut s| {
            s.execute(params![
                account_id,
                webhook_id,
                rules::headers::stored(&headers)
            ])
        })
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("webhook"));
    }
    Ok(headers)
}

pub fn delete(conn: &Connection, account_id: &str, webhook_id: &str) -> StoreResult<()> {
    let n = conn
        .execute(
            "DELETE FROM webhooks WHERE account_id = ?1 AND id = ?2",
            params![account_id, webhook_id],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("webhook"));
    }
    Ok(())
}

/// The storage contract's `Webhooks`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::{Ordering, Webhooks};

    #[async_trait]
    impl Webhooks for crate::SqliteStore {
        async fn create_webhook(&self, account_id: &str, new: NewWebhook) -> StoreResult<Webhook> {
            let a = account_id.to_owned();
            self.writer
                .write_or_shed(move |c| webhooks::create(c, &a, new))
                .await
        }

        async fn get_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<Webhook> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            self.readers
                .read(move |c| webhooks::webhook_in(c, &a, &w))
                .await
        }

        async fn list_webhooks(
            &self,
            account_id: &str,
            filter: &WebhookFilter,
            page: PageRequest,
        ) -> StoreResult<Page<Webhook>> {
            let (a, f) = (account_id.to_owned(), filter.clone());
            self.readers
                .read(move |c| webhooks::list(c, &a, &f, page))
                .await
        }

        async fn count_webhooks(&self, account_id: &str) -> StoreResult<u64> {
            let a = account_id.to_owned();
            self.readers.read(move |c| webhooks::count(c, &a)).await
        }

        async fn update_webhook(
            &self,
            account_id: &str,
            webhook_id: &str,
            patch: WebhookPatch,
        ) -> StoreResult<Webhook> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            self.writer
                .write_or_shed(move |c| webhooks::update(c, &a, &w, patch))
                .await
        }

        async fn rotate_webhook_secret(
            &self,
            account_id: &str,
            webhook_id: &str,
            secret_sealed: &str,
            previous_until: Timestamp,
        ) -> StoreResult<Webhook> {
            let (a, w, s) = (
                account_id.to_owned(),
                webhook_id.to_owned(),
                secret_sealed.to_owned(),
            );
            self.writer
                .write_or_shed(move |c| webhooks::rotate(c, &a, &w, &s, previous_until))
                .await
        }

        async fn delete_webhook(&self, account_id: &str, webhook_id: &str) -> StoreResult<()> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            self.writer
                .write_or_shed(move |c| webhooks::delete(c, &a, &w))
                .await
        }

        async fn webhook_headers(
            &self,
            account_id: &str,
            webhook_id: &str,
        ) -> StoreResult<WebhookHeaders> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            self.readers
                .read(move |c| webhooks::headers(c, &a, &w))
                .await
        }

        async fn set_webhook_headers(
            &self,
            account_id: &str,
            webhook_id: &str,
            headers: WebhookHeaders,
        ) -> StoreResult<WebhookHeaders> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            self.writer
                .write_or_shed(move |c| webhooks::set_headers(c, &a, &w, headers))
                .await
        }

        async fn webhook_ordering(
            &self,
            account_id: &str,
            webhook_id: &str,
        ) -> StoreResult<Ordering> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            self.readers
                .read(move |c| crate::ordering::mode(c, &a, &w))
                .await
        }

        async fn set_webhook_ordering(
            &self,
            account_id: &str,
            webhook_id: &str,
            ordering: Ordering,
        ) -> StoreResult<Ordering> {
            let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
            let set = self
                .writer
                .write_or_shed(move |c| {
                    crate::ordering::set_mode(c, &a, &w, ordering, clock::now())
                })
                .await?;
            // Turning ordering off may have made waiting deliveries due.
            self.wakeup.ring();
            Ok(set)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Listing one room's registrations seeks the room's, not the account's.
    #[test]
    fn registrations_of_a_room_are_listed_by_index() {
        let plan = super::super::tests::query_plan(&list_query(true), 6);
        assert!(
            plan.iter()
                .any(|l| l == "SEARCH webhooks USING INDEX webhooks_by_room (room_id=? AND seq>?)"),
            "{plan:#?}"
        );
        let plan = super::super::tests::query_plan(&list_query(false), 6);
        assert!(
            plan.iter().any(|l| l.contains("webhooks_by_account")),
            "{plan:#?}"
        );
    }
}
