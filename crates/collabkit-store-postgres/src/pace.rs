//! Registrations' delivery rate limits: the setting and its schedule of send times (see the
//! domain's `rules::pace`). A reservation is one short transaction on the registration's row
//! (`FOR UPDATE`), so the nodes' reservations never overlap; at most about ten a second per
//! registration and node (`rules::pace::chunk`).

use async_trait::async_trait;
use collabkit_domain::clock::Timestamp;
use collabkit_domain::rules::pace;
use collabkit_domain::store::{DeliveryPace, StoreError, StoreResult};

use crate::errors::pg;
use crate::sql::{execute, query, query_opt};
use crate::{PgStore, queue};

const LIMIT: &str = "SELECT r.per_second FROM webhooks w
     LEFT JOIN webhook_rate_limits r ON r.webhook_id = w.id
     WHERE w.account_id = $1 AND w.id = $2";

#[async_trait]
impl DeliveryPace for PgStore {
    async fn webhook_rate_limit(
        &self,
        account_id: &str,
        webhook_id: &str,
    ) -> StoreResult<Option<u32>> {
        self.within(async {
            let row = query_opt(&self.client().await?, LIMIT, &[&account_id, &webhook_id])
                .await?
                .ok_or(StoreError::NotFound("webhook"))?;
            Ok(row.get::<_, Option<i32>>(0).map(|n| n as u32))
        })
        .await
    }

    async fn set_webhook_rate_limit(
        &self,
        account_id: &str,
        webhook_id: &str,
        per_second: Option<u32>,
    ) -> StoreResult<Option<u32>> {
        in_tx!(self, tx => {
            query_opt(&tx, LIMIT, &[&account_id, &webhook_id])
                .await?
                .ok_or(StoreError::NotFound("webhook"))?;
            match per_second {
                Some(n) => {
                    execute(
                        &tx,
                        "INSERT INTO webhook_rate_limits (webhook_id, per_second) VALUES ($1, $2)
                         ON CONFLICT (webhook_id) DO UPDATE SET per_second = excluded.per_second",
                        &[&webhook_id, &(n as i32)],
                    )
                    .await?
                }
                None => {
                    execute(
                        &tx,
                        "DELETE FROM webhook_rate_limits WHERE webhook_id = $1",
                        &[&webhook_id],
                    )
                    .await?
                }
            };
            per_second
        })
    }

    async fn rate_limits(&self) -> StoreResult<Vec<(String, u32)>> {
        self.within(async {
            let rows = query(
                &self.client().await?,
                "SELECT webhook_id, per_second FROM webhook_rate_limits",
                &[],
            )
            .await?;
            Ok(rows
                .iter()
                .map(|r| (r.get(0), r.get::<_, i32>(1) as u32))
                .collect())
        })
        .await
    }

    async fn reserve_sends(
        &self,
        webhook_id: &str,
        count: u32,
        now: Timestamp,
        within: std::time::Duration,
    ) -> StoreResult<Option<pace::Reserved>> {
        in_tx!(self, tx => {
            let row = query_opt(
                &tx,
                "SELECT per_second, next_free FROM webhook_rate_limits
                 WHERE webhook_id = $1 FOR UPDATE",
                &[&webhook_id],
            )
            .await?;
            match row {
                None => None,
                Some(row) => {
                    let per_second = row.get::<_, i32>(0) as u32;
                    let next_free: Option<Timestamp> = row.get(1);
                    let (got, moved) = pace::reserve(next_free, now, per_second, count, within);
                    if let Some(next) = moved {
                        execute(
                            &tx,
                            "UPDATE webhook_rate_limits SET next_free = $2 WHERE webhook_id = $1",
                            &[&webhook_id, &next],
                        )
                        .await?;
                    }
                    Some(got)
                }
            }
        })
    }

    async fn postpone(&self, leases: Vec<(String, i64)>, until: Timestamp) -> StoreResult<u64> {
        self.within(async {
            if leases.is_empty() {
                return Ok(0);
            }
            let client = self.client().await?;
            queue::release_leases(&client, &leases, until).await
        })
        .await
    }
}
