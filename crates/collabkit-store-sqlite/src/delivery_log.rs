//! The delivery log: the storage contract's `DeliveryLog`, each verb in the backend's one transaction.

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
            .read(move |c| webhooks::list_deliveries(c, &a, &w, filter, page))
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
            .read(move |c| webhooks::delivery_in(c, &a, &w, &d))
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
            .read(move |c| webhooks::list_attempts(c, &a, &w, &d))
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
            .write_or_shed(move |c| webhooks::retry(c, &a, &w, &d))
            .await?;
        self.wakeup.ring();
        Ok(delivery)
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
            .write_or_shed(move |c| webhooks::recover(c, &a, &w, since))
            .await?;
        if rules::wakes_after_requeue(n) {
            self.wakeup.ring();
        }
        Ok(n)
    }
}
