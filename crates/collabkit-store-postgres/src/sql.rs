//! Running statements: every statement is prepared once per connection and cached.

use collabkit_domain::store::StoreResult;
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;

use crate::rows::pg;

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

/// Tells every node's dispatcher (this one's too) that deliveries became due to a claim; sent
/// when the transaction commits, and not at all if it rolls back.
pub async fn notify_due<C: GenericClient + Sync>(c: &C) -> StoreResult<()> {
    execute(c, "SELECT pg_notify('collabkit_due', '')", &[]).await?;
    Ok(())
}
