//! `Idempotency-Key` records on SQLite (`idempotency_keys`): every change goes through the
//! single writer, so a claim (read, then insert or replace) is atomic without more locking.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, params};

use super::errors::backend;
use super::rows::ts;
use collabkit_domain::clock::Timestamp;
use collabkit_domain::store::{IdempotencyClaim, StoreResult, StoredResponse};

/// What a record holds, as read.
struct Record {
    hash: String,
    created_at: String,
    completed: bool,
    response: Option<StoredResponse>,
}

fn claim(
    conn: &Connection,
    account_id: &str,
    key: &str,
    hash: &str,
    now: Timestamp,
    expired_before: Timestamp,
    abandoned_before: Timestamp,
) -> StoreResult<IdempotencyClaim> {
    let found = conn
        .prepare_cached(
            "SELECT request_hash, created_at, completed, status, content_type, location, body
             FROM idempotency_keys WHERE account_id = ?1 AND key = ?2",
        )
        .and_then(|mut s| {
            s.query_row(params![account_id, key], |r| {
                let completed: bool = r.get(2)?;
                let status: Option<u16> = r.get(3)?;
                Ok(Record {
                    hash: r.get(0)?,
                    created_at: r.get(1)?,
                    completed,
                    response: match (completed, status) {
                        (true, Some(status)) => Some(StoredResponse {
                            status,
                            content_type: r.get(4)?,
                            location: r.get(5)?,
                            body: r.get::<_, Option<Vec<u8>>>(6)?.unwrap_or_default(),
                        }),
                        _ => None,
                    },
                })
            })
            .optional()
        })
        .map_err(backend)?;
    if let Some(record) = found {
        let expired = record.created_at < ts(&expired_before)
            || (!record.completed && record.created_at < ts(&abandoned_before));
        if !expired {
            return Ok(if record.hash != hash {
                IdempotencyClaim::Mismatch
            } else {
                match record.response {
                    Some(response) => IdempotencyClaim::Replay(response),
                    None => IdempotencyClaim::InProgress,
                }
            });
        }
    }
    conn.prepare_cached(
        "INSERT OR REPLACE INTO idempotency_keys (account_id, key, request_hash, created_at)
         VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut s| s.execute(params![account_id, key, hash, ts(&now)]))
    .map_err(backend)?;
    Ok(IdempotencyClaim::Claimed)
}

#[async_trait]
impl collabkit_domain::store::Idempotency for crate::SqliteStore {
    async fn claim_idempotency_key(
        &self,
        account_id: &str,
        key: &str,
        request_hash: &str,
        now: Timestamp,
        expired_before: Timestamp,
        abandoned_before: Timestamp,
    ) -> StoreResult<IdempotencyClaim> {
        let (a, k, h) = (
            account_id.to_owned(),
            key.to_owned(),
            request_hash.to_owned(),
        );
        self.writer
            .write_or_shed(move |c| claim(c, &a, &k, &h, now, expired_before, abandoned_before))
            .await
    }

    async fn complete_idempotency_key(
        &self,
        account_id: &str,
        key: &str,
        response: StoredResponse,
    ) -> StoreResult<()> {
        let (a, k) = (account_id.to_owned(), key.to_owned());
        self.writer
            .write(move |c| {
                c.prepare_cached(
                    "UPDATE idempotency_keys
                     SET completed = 1, status = ?3, content_type = ?4, location = ?5, body = ?6
                     WHERE account_id = ?1 AND key = ?2 AND completed = 0",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        a,
                        k,
                        response.status,
                        response.content_type,
                        response.location,
                        response.body
                    ])
                })
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn release_idempotency_key(&self, account_id: &str, key: &str) -> StoreResult<()> {
        let (a, k) = (account_id.to_owned(), key.to_owned());
        self.writer
            .write(move |c| {
                c.prepare_cached(
                    "DELETE FROM idempotency_keys
                     WHERE account_id = ?1 AND key = ?2 AND completed = 0",
                )
                .and_then(|mut s| s.execute(params![a, k]))
                .map_err(backend)?;
                Ok(())
            })
            .await
    }

    async fn prune_idempotency_keys(&self, before: Timestamp, batch: u32) -> StoreResult<u64> {
        self.writer
            .write(move |c| {
                c.prepare_cached(
                    "DELETE FROM idempotency_keys WHERE (account_id, key) IN (
                         SELECT account_id, key FROM idempotency_keys
                         WHERE created_at < ?1 ORDER BY created_at LIMIT ?2)",
                )
                .and_then(|mut s| s.execute(params![ts(&before), batch]))
                .map(|n| n as u64)
                .map_err(backend)
            })
            .await
    }
}
