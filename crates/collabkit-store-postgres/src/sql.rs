//! Running statements: every statement is prepared once per connection and cached.

use collabkit_domain::store::StoreResult;
use deadpool_postgres::GenericClient;
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

/// Prepares the statements (each once per connection; cached after), before a caller sends
/// them pipelined: a statement's first use waits for its preparation, so without this one sent
/// after it (a `COMMIT`) could run first.
pub async fn prepare_all<C: GenericClient + Sync>(c: &C, sqls: &[&str]) -> StoreResult<()> {
    futures_util::future::try_join_all(sqls.iter().map(|sql| c.prepare_cached(sql)))
        .await
        .map_err(pg)?;
    Ok(())
}

/// `notify_due`'s statement.
pub const NOTIFY_DUE: &str = "SELECT pg_notify('collabkit_due', '')";

/// Tells every node's dispatcher (this one's too) that deliveries became due to a claim; sent
/// when the transaction commits, and not at all if it rolls back.
pub async fn notify_due<C: GenericClient + Sync>(c: &C) -> StoreResult<()> {
    execute(c, NOTIFY_DUE, &[]).await?;
    Ok(())
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
