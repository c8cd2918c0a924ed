//! The delivery log: the storage contract's `DeliveryLog`, each verb in the backend's one transaction.

use crate::*;

use collabkit_domain::store::DeliveryLog;

#[async_trait]
impl DeliveryLog for crate::PgStore {
    async fn list_deliveries(
        &self,
        account_id: &str,
        webhook_id: &str,
        filter: DeliveryFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Delivery>> {
        self.within(async {
            webhooks::list_deliveries(&self.client().await?, account_id, webhook_id, filter, page)
                .await
        })
        .await
    }

    async fn get_delivery(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Delivery> {
        self.within(async {
            webhooks::delivery_in(&self.client().await?, account_id, webhook_id, delivery_id).await
        })
        .await
    }

    async fn list_attempts(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Vec<Attempt>> {
        self.within(async {
            webhooks::list_attempts(&self.client().await?, account_id, webhook_id, delivery_id)
                .await
        })
        .await
    }

    async fn retry_delivery(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Delivery> {
        in_tx!(self, tx => {
            let d = webhooks::retry(&tx, account_id, webhook_id, delivery_id).await?;
            notify_due(&tx).await?;
            d
        })
    }

    async fn delivery_waiting(
        &self,
        account_id: &str,
        webhook_id: &str,
        delivery_id: &str,
    ) -> StoreResult<Option<String>> {
        self.within(async {
            webhooks::waiting(&self.client().await?, account_id, webhook_id, delivery_id).await
        })
        .await
    }

    async fn recover_deliveries(
        &self,
        account_id: &str,
        webhook_id: &str,
        since: Timestamp,
    ) -> StoreResult<u64> {
        in_tx!(self, tx => {
            let n = webhooks::recover(&tx, account_id, webhook_id, since).await?;
            if rules::wakes_after_requeue(n) {
                notify_due(&tx).await?;
            }
            n
        })
    }

    async fn replay_events(
        &self,
        account_id: &str,
        webhook_id: &str,
        since: Timestamp,
    ) -> StoreResult<Replayed> {
        in_tx!(self, tx => {
            let replayed = webhooks::replay(&tx, account_id, webhook_id, since).await?;
            if rules::wakes_after_requeue(replayed.queued) {
                notify_due(&tx).await?;
            }
            replayed
        })
    }
}
