//! `Idempotency-Key` records on PostgreSQL (`idempotency_keys`), shared by every node. A claim
//! is one upsert: of concurrent claims of one key (on any nodes) the first inserts, the others
//! wait for its commit on the key's row and then find it in progress.

use async_trait::async_trait;
use collabkit_domain::clock::Timestamp;
use collabkit_domain::store::{IdempotencyClaim, StoreError, StoreResult, StoredResponse};

use crate::errors::pg;
use crate::sql::{execute, query_opt};

/// Inserts the claim, or takes over a record that expired (or was abandoned in progress);
/// a row back means the key is the caller's. Otherwise the conflicting row stays locked until
/// the commit, so the read that follows sees it as it is.
const CLAIM: &str = "INSERT INTO idempotency_keys (account_id, key, request_hash, created_at)
     VALUES ($1, $2, $3, $4)
     ON CONFLICT (account_id, key) DO UPDATE SET
         request_hash = EXCLUDED.request_hash, created_at = EXCLUDED.created_at,
         completed = false, status = NULL, content_type = NULL, location = NULL, body = NULL
     WHERE idempotency_keys.created_at < $5
        OR (NOT idempotency_keys.completed AND idempotency_keys.created_at < $6)
     RETURNING 1";

#[async_trait]
impl collabkit_domain::store::Idempotency for crate::PgStore {
    async fn claim_idempotency_key(
        &self,
        account_id: &str,
        key: &str,
        request_hash: &str,
        now: Timestamp,
        expired_before: Timestamp,
        abandoned_before: Timestamp,
    ) -> StoreResult<IdempotencyClaim> {
        self.within(async {
            let mut client = self.client().await?;
            let tx = client.transaction().await.map_err(pg)?;
            let claimed = query_opt(
                &tx,
                CLAIM,
                &[
                    &account_id,
                    &key,
                    &request_hash,
                    &now,
                    &expired_before,
                    &abandoned_before,
                ],
            )
            .await?;
            let out = if claimed.is_some() {
                IdempotencyClaim::Claimed
            } else {
                let row = query_opt(
                    &tx,
                    "SELECT request_hash, completed, status, content_type, location, body
                     FROM idempotency_keys WHERE account_id = $1 AND key = $2",
                    &[&account_id, &key],
                )
                .await?;
                match row {
                    // Released meanwhile: still somebody else's turn as far as this claim saw.
                    None => IdempotencyClaim::InProgress,
                    Some(r) if r.get::<_, &str>(0) != request_hash => IdempotencyClaim::Mismatch,
                    Some(r) => match (r.get::<_, bool>(1), r.get::<_, Option<i32>>(2)) {
                        (true, Some(status)) => IdempotencyClaim::Replay(StoredResponse {
                            status: u16::try_from(status).map_err(StoreError::backend)?,
                            content_type: r.get(3),
                            location: r.get(4),
                            body: r.get::<_, Option<Vec<u8>>>(5).unwrap_or_default(),
                        }),
                        _ => IdempotencyClaim::InProgress,
                    },
                }
            };
            tx.commit().await.map_err(pg)?;
            Ok(out)
        })
        .await
    }

    async fn complete_idempotency_key(
        &self,
        account_id: &str,
        key: &str,
        response: StoredResponse,
    ) -> StoreResult<()> {
        let status = i32::from(response.status);
        self.within(async {
            execute(
                &self.client().await?,
                "UPDATE idempotency_keys
                 SET completed = true, status = $3, content_type = $4, location = $5, body = $6
                 WHERE account_id = $1 AND key = $2 AND NOT completed",
                &[
                    &account_id,
                    &key,
                    &status,
                    &response.content_type,
                    &response.location,
                    &response.body,
                ],
            )
            .await?;
            Ok(())
        })
        .await
    }

    async fn release_idempotency_key(&self, account_id: &str, key: &str) -> StoreResult<()> {
        self.within(async {
            execute(
                &self.client().await?,
                "DELETE FROM idempotency_keys
                 WHERE account_id = $1 AND key = $2 AND NOT completed",
                &[&account_id, &key],
            )
            .await?;
            Ok(())
        })
        .await
    }

    async fn prune_idempotency_keys(&self, before: Timestamp, batch: u32) -> StoreResult<u64> {
        let batch = i64::from(batch);
        self.within(async {
            execute(
                &self.client().await?,
                "DELETE FROM idempotency_keys WHERE (account_id, key) IN (
                     SELECT account_id, key FROM idempotency_keys
                     WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
                &[&before, &batch],
            )
            .await
        })
        .await
    }
}
