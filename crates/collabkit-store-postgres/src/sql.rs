//! Running statements: every statement is prepared once per connection and cached.

use collabkit_domain::store::StoreResult;
use std::sync::atomic::Ordering;

use deadpool_postgres::{GenericClient, Object};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::errors::pg;

pub type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

pub async fn query<C: GenericClient + Sync>(
    c: &C,
    sql: &str,
    p: Params<'_>,
) -> StoreResult<Vec<Row>> {
    let st = c.prepare_cached(sql).await.map_err(pg)?;
    c.query(&st, p).await.map_err(pg)
}

pub async fn query_opt<C: GenericClient + Sync>(
    c: &C,
    sql: &str,
    p: Params<'_>,
) -> StoreResult<Option<Row>> {
    let st = c.prepare_cached(sql).await.map_err(pg)?;
    c.query_opt(&st, p).await.map_err(pg)
}

pub async fn query_one<C: GenericClient + Sync>(
    c: &C,
    sql: &str,
    p: Params<'_>,
) -> StoreResult<Row> {
    let st = c.prepare_cached(sql).await.map_err(pg)?;
    c.query_one(&st, p).await.map_err(pg)
}

pub async fn execute<C: GenericClient + Sync>(c: &C, sql: &str, p: Params<'_>) -> StoreResult<u64> {
    let st = c.prepare_cached(sql).await.map_err(pg)?;
    c.execute(&st, p).await.map_err(pg)
}

/// `query` unless the statement has no rows to work on (`rows` == 0: its arrays are empty),
/// as in a group whose changes are all of another kind.
pub async fn query_rows<C: GenericClient + Sync>(
    c: &C,
    sql: &str,
    rows: usize,
    p: Params<'_>,
) -> StoreResult<Vec<Row>> {
    if rows == 0 {
        return Ok(Vec::new());
    }
    query(c, sql, p).await
}

/// `execute` unless the statement has no rows to write.
pub async fn execute_rows<C: GenericClient + Sync>(
    c: &C,
    sql: &str,
    rows: usize,
    p: Params<'_>,
) -> StoreResult<u64> {
    if rows == 0 {
        return Ok(0);
    }
    execute(c, sql, p).await
}

/// Prepares the statements (each once per connection; cached after), before a caller sends
/// them pipelined: a statement's first use waits for its preparation, so without this one sent
/// after it (a `COMMIT`) could run first.
pub async fn prepare_all<C: GenericClient + Sync>(c: &C, sqls: &[&str]) -> StoreResult<()> {
    futures_util::future::try_join_all(sqls.iter().map(|sql| c.prepare_cached(sql)))
        .await
        .map_err(pg)?;
    Ok(())
}

/// A transaction sent in pipelined batches on one pooled connection: `BEGIN` goes out with the
/// first batch's statements and `COMMIT` with the last's, so a transaction of two batches waits
/// for the server twice. Every statement of a batch must be sent at the batch's first poll —
/// prepared beforehand ([`prepare_all`]) and none waiting for another's answer — or it would
/// go out after the `COMMIT`. A statement that fails makes the ones after it fail and the
/// `COMMIT` a rollback. Dropped unfinished (an error before the last batch, a timeout), the
/// connection is closed rather than returned to the pool inside a transaction: the server
/// rolls back.
pub struct Pipelined {
    client: Option<Object>,
    /// Set once the transaction is over (committed or rolled back).
    idle: std::sync::atomic::AtomicBool,
}

impl Pipelined {
    pub fn new(client: Object) -> Pipelined {
        Pipelined {
            client: Some(client),
            idle: std::sync::atomic::AtomicBool::new(false),
        }
    }

    pub fn client(&self) -> &Object {
        self.client.as_ref().expect("held until finished")
    }

    /// `BEGIN`, then what `first` sends, in one round trip.
    pub async fn begin<T>(&self, first: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        let (begun, out) = tokio::join!(self.client().batch_execute("BEGIN"), first);
        begun.map_err(pg)?;
        out
    }

    /// What `last` sends, then `COMMIT`, in one round trip; the first failure is the cause
    /// (the ones after it only say the transaction was aborted).
    pub async fn commit<T>(&self, last: impl Future<Output = StoreResult<T>>) -> StoreResult<T> {
        let (out, committed) = tokio::join!(last, self.client().batch_execute("COMMIT"));
        // Either way the transaction is over (committed, or rolled back after a failure): the
        // connection is fit for the pool again.
        self.idle.store(committed.is_ok(), Ordering::Relaxed);
        out.and_then(|out| committed.map(|_| out).map_err(pg))
    }

    /// Ends a transaction that will not commit (a read failed, the plan refused).
    pub async fn rollback(&self) {
        let done = self.client().batch_execute("ROLLBACK").await.is_ok();
        self.idle.store(done, Ordering::Relaxed);
    }
}

/// Commits after `last`: pipelined with it (one round trip) unless `wait_first`, when `last`
/// sends statements only after its first answers (fan-out to an ordered registration, see
/// `crate::ordering::on_fanout`), which must be in the transaction, before the `COMMIT`.
pub async fn commit_after<T>(
    tx: &Pipelined,
    last: impl Future<Output = StoreResult<T>>,
    wait_first: bool,
) -> StoreResult<T> {
    if wait_first {
        let out = last.await;
        tx.commit(async { out }).await
    } else {
        tx.commit(last).await
    }
}

impl Drop for Pipelined {
    fn drop(&mut self) {
        if let Some(client) = self.client.take()
            && !self.idle.load(Ordering::Relaxed)
        {
            // Detached from the pool and dropped: the connection closes.
            drop(Object::take(client));
        }
    }
}

/// `notify_due`'s statement.
pub const NOTIFY_DUE: &str = "SELECT pg_notify('collabkit_due', '')";

/// Tells every node's dispatcher (this one's too) that deliveries became due to a claim; sent
/// when the transaction commits, and not at all if it rolls back.
pub async fn notify_due<C: GenericClient + Sync>(c: &C) -> StoreResult<()> {
    execute(c, NOTIFY_DUE, &[]).await?;
    Ok(())
}

/// [`notify_due`] when `wake`: a future that sends it at its first poll, to pipeline with a
/// change's writes (see [`crate::queue::wakes`]).
pub async fn notify_due_if<C: GenericClient + Sync>(c: &C, wake: bool) -> StoreResult<()> {
    if wake { notify_due(c).await } else { Ok(()) }
}

/// The shard of the sharded counters (an account's rooms, a registration's deliveries) this
/// connection writes: the slot it holds ([`CLAIM_SHARD`]), else its backend pid's.
pub const SHARD: &str = "COALESCE(current_setting('collabkit.shard', true)::smallint, \
     (pg_backend_pid() % 64)::smallint)";

/// Run once on each new pooled connection: it takes a free one of 64 shard slots for its whole
/// life (a session advisory lock; the key pair's second half is 1000 + the slot, apart from
/// `horizon`'s mark), so no two connections write one counter row and a change never waits
/// for another's counters, whatever order its statements touch them in. Past 64 connections
/// the pid's shard is shared (a wait, never a wrong count).
pub const CLAIM_SHARD: &str = "SELECT set_config('collabkit.shard', COALESCE(
        (SELECT s FROM generate_series(0, 63) AS s
         WHERE pg_try_advisory_lock(1131105383, 1000 + s) LIMIT 1),
        pg_backend_pid() % 64)::text, false)";
