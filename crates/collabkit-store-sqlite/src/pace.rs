//! Registrations' delivery rate limits: the setting and its schedule of send times (see the
//! domain's `rules::pace`). A reservation is a writer job: read the next free time, reserve,
//! write it back.

use async_trait::async_trait;
use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::pace;
use collabkit_domain::store::{DeliveryPace, StoreError, StoreResult};
use rusqlite::{Connection, OptionalExtension, params};

use crate::SqliteStore;
use crate::errors::backend;
use crate::rows::ts;

fn limit(conn: &Connection, account_id: &str, webhook_id: &str) -> StoreResult<Option<u32>> {
    conn.prepare_cached(
        "SELECT r.per_second FROM webhooks w
         LEFT JOIN webhook_rate_limits r ON r.webhook_id = w.id
         WHERE w.account_id = ?1 AND w.id = ?2",
    )
    .and_then(|mut s| {
        s.query_row(params![account_id, webhook_id], |r| {
            r.get::<_, Option<u32>>(0)
        })
        .optional()
    })
    .map_err(backend)?
    .ok_or(StoreError::NotFound("webhook"))
}

fn set_limit(
    conn: &Connection,
    account_id: &str,
    webhook_id: &str,
    per_second: Option<u32>,
) -> StoreResult<Option<u32>> {
    limit(conn, account_id, webhook_id)?;
    let changed = match per_second {
        Some(n) => conn
            .prepare_cached(
                "INSERT INTO webhook_rate_limits (webhook_id, per_second) VALUES (?1, ?2)
                 ON CONFLICT (webhook_id) DO UPDATE SET per_second = excluded.per_second",
            )
            .and_then(|mut s| s.execute(params![webhook_id, n])),
        None => conn
            .prepare_cached("DELETE FROM webhook_rate_limits WHERE webhook_id = ?1")
            .and_then(|mut s| s.execute(params![webhook_id])),
    };
    changed.map_err(backend)?;
    Ok(per_second)
}

fn all_limits(conn: &Connection) -> StoreResult<Vec<(String, u32)>> {
    let mut s = conn
        .prepare_cached("SELECT webhook_id, per_second FROM webhook_rate_limits")
        .map_err(backend)?;
    let rows = s
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(backend)?;
    rows.collect::<Result<_, _>>().map_err(backend)
}

fn reserve(
    conn: &Connection,
    webhook_id: &str,
    count: u32,
    now: Timestamp,
    within: std::time::Duration,
) -> StoreResult<Option<pace::Reserved>> {
    let row: Option<(u32, Option<String>)> = conn
        .prepare_cached(
            "SELECT per_second, next_free FROM webhook_rate_limits WHERE webhook_id = ?1",
        )
        .and_then(|mut s| {
            s.query_row(params![webhook_id], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .map_err(backend)?;
    let Some((per_second, next_free)) = row else {
        return Ok(None);
    };
    let next_free = next_free.and_then(|t| clock::parse(&t).ok());
    let (got, moved) = pace::reserve(next_free, now, per_second, count, within);
    if let Some(next) = moved {
        conn.prepare_cached("UPDATE webhook_rate_limits SET next_free = ?2 WHERE webhook_id = ?1")
            .and_then(|mut s| s.execute(params![webhook_id, ts(&next)]))
            .map_err(backend)?;
    }
    Ok(Some(got))
}

#[async_trait]
impl DeliveryPace for SqliteStore {
    async fn webhook_rate_limit(
        &self,
        account_id: &str,
        webhook_id: &str,
    ) -> StoreResult<Option<u32>> {
        let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
        self.readers.read(move |c| limit(c, &a, &w)).await
    }

    async fn set_webhook_rate_limit(
        &self,
        account_id: &str,
        webhook_id: &str,
        per_second: Option<u32>,
    ) -> StoreResult<Option<u32>> {
        let (a, w) = (account_id.to_owned(), webhook_id.to_owned());
        self.writer
            .write_or_shed(move |c| set_limit(c, &a, &w, per_second))
            .await
    }

    async fn rate_limits(&self) -> StoreResult<Vec<(String, u32)>> {
        self.readers.read(all_limits).await
    }

    async fn reserve_sends(
        &self,
        webhook_id: &str,
        count: u32,
        now: Timestamp,
        within: std::time::Duration,
    ) -> StoreResult<Option<pace::Reserved>> {
        let w = webhook_id.to_owned();
        self.writer
            .write(move |c| reserve(c, &w, count, now, within))
            .await
    }

    async fn postpone(&self, leases: Vec<(String, i64)>, until: Timestamp) -> StoreResult<u64> {
        if leases.is_empty() {
            return Ok(0);
        }
        let n = self
            .writer
            .write(move |c| crate::queue::release_leases(c, &leases, until))
            .await?;
        // The claim loop sleeps until the earliest due time it read: it must read the new one.
        self.wakeup.ring();
        Ok(n)
    }
}
