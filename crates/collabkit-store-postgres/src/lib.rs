//! The shared backend: one PostgreSQL database that any number of nodes serve at once.
//!
//! Every verb runs in one transaction on a pooled connection (tokio-postgres through
//! deadpool: an async driver made for PostgreSQL, with per-connection statement caches and
//! pipelining). The delivery queue is shared: claims lock their window `FOR UPDATE SKIP
//! LOCKED`, so nodes never lease one delivery twice nor wait for each other. A commit that makes
//! deliveries due to a claim sends `NOTIFY collabkit_due`; each node LISTENs on its own
//! connection and wakes its dispatcher, so a delivery stored by one node is attempted within
//! milliseconds even when another node is the idle one. Session changes lock their room's row,
//! so two nodes changing one room's session take turns. User creations arriving together share
//! one transaction and a few multi-row statements ([`batch`]); so do joins and leaves
//! (`sessions::group`).

pub mod admin;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules;
use collabkit_domain::store::{
    Attempt, AttemptCounter, AttemptRecord, Change, ClaimedDelivery, Delivery, DeliveryFilter,
    DeliveryQueue, Maintenance, NewRoom, NodeRecord, Page, PageRequest, QueueStats, Replayed,
    StorageStats, Store, StoreError, StoreResult,
};
use collabkit_domain::wakeup::{InProcessWakeup, Wakeup};
use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use self::errors::{pg, pool};
use self::queue::Fanout;
use self::sql::notify_due;

/// The PostgreSQL backend's settings.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Connections this node keeps to the database (the LISTEN connection comes on top).
    pub pool_size: usize,
    /// `--pg-timeout`: the most any call waits for the database (a free connection, a new one,
    /// its statements) before failing with a retryable error, a 503 to API clients, instead of
    /// hanging; also the server's `statement_timeout` on our connections. A connection that
    /// leaves a request unanswered for twice this is closed and replaced (see [`connect`]).
    pub timeout: Duration,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            pool_size: 16,
            timeout: Duration::from_secs(5),
        }
    }
}

pub struct PgStore {
    pool: Pool,
    /// What a verb may wait for the database in all ([`PgOptions::timeout`]).
    timeout: Duration,
    /// Groups concurrent user creations into shared transactions.
    users: batch::UserBatcher,
    /// Groups concurrent joins and leaves likewise.
    sessions: sessions::SessionBatcher,
    wakeup: Arc<InProcessWakeup>,
    relay: Arc<relay::PgRelay>,
    /// Accounts read recently (see `account_cache`).
    accounts: Arc<account_cache::AccountCache>,
    _listener: listener::Listener,
}

/// Runs `$body` in a transaction on a pooled connection, committing when it succeeds (an
/// error returns early and the dropped transaction rolls back), within the store's timeout.
macro_rules! in_tx {
    ($self:ident, $tx:ident => $body:expr) => {
        $self
            .within(async {
                let mut client = $self.client().await?;
                let $tx = client.transaction().await.map_err(pg)?;
                let out = $body;
                $tx.commit().await.map_err(pg)?;
                Ok::<_, StoreError>(out)
            })
            .await
    };
}

mod account_cache;
mod accounts;
mod alerts;
mod batch;
mod connect;
mod delivery_log;
mod errors;
mod event_log;
mod filters;
mod follows;
mod horizon;
mod idempotency;
mod listener;
mod lookup;
mod migrate;
mod ordering;
mod pace;
mod queue;
mod relay;
mod rooms;
mod rows;
mod sessions;
mod sql;
mod stats;
mod stores;
mod users;
mod watchdog;
mod webhooks;

impl PgStore {
    /// Connects, runs the migrations and starts listening for wake-ups.
    pub async fn open(url: &str, options: &PgOptions) -> StoreResult<PgStore> {
        Self::open_with(url, options, true).await
    }

    /// Connects without applying any migration (for commands that must not change the
    /// schema, such as listing accounts; the caller checks [`schema_version`] first).
    pub async fn open_existing(url: &str, options: &PgOptions) -> StoreResult<PgStore> {
        Self::open_with(url, options, false).await
    }

    async fn open_with(url: &str, options: &PgOptions, migrate: bool) -> StoreResult<PgStore> {
        let bounds = connect::Bounds {
            timeout: options.timeout,
        };
        let config = parse_url(url)?;
        if migrate {
            migrate_with(&bounds.session(&config), options.timeout).await?;
        }
        let serving = bounds.serving(&config);
        let manager = Manager::from_connect(
            serving.clone(),
            connect::WatchedConnect {
                patience: bounds.patience(),
            },
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .wait_timeout(Some(options.timeout))
            .create_timeout(Some(options.timeout))
            .recycle_timeout(Some(options.timeout))
            // Marks each connection as one of the log's writers before its first use (see
            // `horizon`): readers wait only for the transactions of marked connections.
            .post_create(deadpool_postgres::Hook::async_fn(|client, _| {
                Box::pin(async move {
                    client
                        .batch_execute(horizon::MARK_WRITER)
                        .await
                        .map_err(deadpool_postgres::HookError::Backend)?;
                    // Its own shard of the sharded counters (see `sql::CLAIM_SHARD`).
                    client
                        .batch_execute(sql::CLAIM_SHARD)
                        .await
                        .map_err(deadpool_postgres::HookError::Backend)
                })
            }))
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .build()
            .map_err(StoreError::backend)?;
        let wakeup = Arc::new(InProcessWakeup::default());
        let (room_signals, raw) = tokio::sync::mpsc::unbounded_channel();
        let relay = relay::PgRelay::start(pool.clone(), raw);
        let accounts = Arc::new(account_cache::AccountCache::default());
        let listener = listener::Listener::start(
            serving,
            bounds,
            wakeup.clone(),
            room_signals,
            accounts.clone(),
        )
        .await?;
        Ok(PgStore {
            relay,
            accounts,
            users: batch::UserBatcher::start(pool.clone()),
            sessions: sessions::SessionBatcher::start(pool.clone()),
            pool,
            timeout: options.timeout,
            wakeup,
            _listener: listener,
        })
    }

    /// `work` (a verb), given up on with a retryable error once it has waited for the database
    /// as long as a caller may: whatever it waits on (a free connection, a new one, a statement
    /// through a silent network), the caller hears within the timeout.
    async fn within<T>(&self, work: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        match tokio::time::timeout(self.timeout, work).await {
            Ok(out) => out,
            Err(_) => Err(StoreError::transient(NoAnswer(self.timeout))),
        }
    }

    async fn client(&self) -> StoreResult<Object> {
        self.pool.get().await.map_err(pool_error)
    }

    /// After a change that may have stored deliveries: those left to a claim wake the
    /// dispatchers (sent in the same transaction, so only if it commits).
    async fn finish_change<T>(
        tx: &deadpool_postgres::Transaction<'_>,
        change: Change<T>,
        fanout: Fanout,
    ) -> StoreResult<Change<T>> {
        if rules::wakes_after_change(&fanout) {
            notify_due(tx).await?;
        }
        Ok(Change {
            leased: fanout.leased,
            ..change
        })
    }
}

/// What every connection that inserts events runs first, before any transaction: the pool's
/// connections do; a tool or test writing events on a connection of its own must too (see
/// `horizon`).
pub use horizon::MARK_WRITER;

pub(crate) fn pool_error(e: deadpool_postgres::PoolError) -> StoreError {
    match e {
        deadpool_postgres::PoolError::Backend(e) => pg(e),
        other => pool(other),
    }
}

/// The database did not answer a verb within the timeout.
#[derive(Debug, thiserror::Error)]
#[error("PostgreSQL did not answer within {0:?}")]
struct NoAnswer(Duration);

fn parse_url(url: &str) -> StoreResult<tokio_postgres::Config> {
    url.parse()
        .map_err(|e| StoreError::backend(format!("invalid PostgreSQL URL: {e}")))
}

/// Applies the migrations to the database at `url`; returns the versions applied.
pub async fn migrate(url: &str) -> StoreResult<Vec<i64>> {
    let timeout = PgOptions::default().timeout;
    let bounds = connect::Bounds { timeout };
    migrate_with(&bounds.session(&parse_url(url)?), timeout).await
}

/// The migrations, on a connection of their own: connecting is bounded, the migrations are
/// not (one may rewrite a large table, or wait for another node's).
async fn migrate_with(config: &tokio_postgres::Config, timeout: Duration) -> StoreResult<Vec<i64>> {
    let manager = Manager::new(config.clone(), NoTls);
    let pool = Pool::builder(manager)
        .max_size(1)
        .wait_timeout(Some(timeout))
        .create_timeout(Some(timeout))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(StoreError::backend)?;
    let mut client = pool.get().await.map_err(pool_error)?;
    migrate::migrate(&mut client).await
}

/// The schema version of the database at `url` (`None`: it has no schema), read without
/// changing anything.
pub async fn schema_version(url: &str) -> StoreResult<Option<i64>> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| StoreError::backend(format!("invalid PostgreSQL URL: {e}")))?;
    let manager = Manager::new(config, NoTls);
    let pool = Pool::builder(manager)
        .max_size(1)
        .build()
        .map_err(StoreError::backend)?;
    let client = pool.get().await.map_err(pool_error)?;
    migrate::current_version(&client).await
}

/// The schema version this build migrates databases to.
pub const SCHEMA_VERSION: i64 = migrate::LATEST;

/// `url` naming database `name` instead of its own (for tools and tests that create a fresh
/// database on a server: `postgres://u@h:5432/postgres` → `postgres://u@h:5432/<name>`).
pub fn url_with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..host_end])
}

#[async_trait]
impl Store for PgStore {
    async fn ping(&self) -> StoreResult<()> {
        self.within(async {
            let client = self.client().await?;
            client.simple_query("SELECT 1").await.map_err(pg)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl DeliveryQueue for PgStore {
    async fn claim_due(
        &self,
        now: Timestamp,
        lease_for: Duration,
        limit: u32,
        per_webhook: u32,
        exclude: Vec<String>,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        self.within(async {
            let client = self.client().await?;
            queue::claim_due(&client, now, lease_for, limit, per_webhook, &exclude).await
        })
        .await
    }

    async fn record_attempts(&self, records: Vec<AttemptRecord>) -> StoreResult<Vec<String>> {
        in_tx!(self, tx => queue::record_attempts(&tx, &records).await?)
    }

    async fn release_leases(&self, leases: Vec<(String, i64)>) -> StoreResult<u64> {
        self.within(async {
            if leases.is_empty() {
                return Ok(0);
            }
            let client = self.client().await?;
            queue::release_leases(&client, &leases, clock::now()).await
        })
        .await
    }

    async fn next_due_at(&self) -> StoreResult<Option<Timestamp>> {
        self.within(async { queue::next_due_at(&self.client().await?).await })
            .await
    }

    async fn queue_stats(&self, now: Timestamp) -> StoreResult<QueueStats> {
        self.within(async { queue::queue_stats(&self.client().await?, now).await })
            .await
    }

    async fn prune(&self, before: Timestamp, batch: u32) -> StoreResult<u64> {
        in_tx!(self, tx => queue::prune(&tx, before, batch).await?)
    }

    async fn add_attempt_counters(&self, counters: Vec<AttemptCounter>) -> StoreResult<()> {
        self.within(async { stats::add_counters(&self.client().await?, &counters).await })
            .await
    }

    fn wakeup(&self) -> Arc<dyn Wakeup> {
        self.wakeup.clone()
    }
}

#[async_trait]
impl Maintenance for PgStore {
    /// PostgreSQL manages its own files and log; nothing is measured here.
    fn storage_stats(&self) -> StorageStats {
        StorageStats::default()
    }

    fn relay(&self) -> Arc<dyn collabkit_domain::relay::Relay> {
        self.relay.clone()
    }

    async fn flush(&self) -> StoreResult<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use collabkit_domain::store::{StoreError, prelude::*};

    /// PostgreSQL text holds no NUL: a value with one is the request's fault (a 4xx), not the
    /// storage failing (a 503 and an ERROR line), whatever verb it reaches.
    #[tokio::test]
    async fn a_nul_character_is_the_requests_fault() {
        let admin_url = super::admin::test_server_url();
        let name = super::admin::fresh_database_name("collabkit_nul");
        let url = super::admin::create_database(&admin_url, &name)
            .await
            .unwrap();
        let store = super::PgStore::open(&url, &super::PgOptions::default())
            .await
            .unwrap();
        assert_eq!(
            store.get_account("acct_\0").await.unwrap_err(),
            StoreError::Unrepresentable
        );
        assert_eq!(
            store.find_user_by_token("utk_\0").await.unwrap_err(),
            StoreError::Unrepresentable
        );
        drop(store);
        super::admin::drop_database(&admin_url, &name)
            .await
            .unwrap();
    }

    #[test]
    fn urls_name_another_database() {
        assert_eq!(
            super::url_with_database("postgres://u:p@h:5432/postgres?sslmode=disable", "x"),
            "postgres://u:p@h:5432/x?sslmode=disable"
        );
        assert_eq!(
            super::url_with_database("postgres://h", "x"),
            "postgres://h/x"
        );
    }
}
