//! What an event costs PostgreSQL (issue 22): the benchmark database's own counters
//! (`pg_stat_database`: commits, rows, buffer hits) and the server's WAL (`pg_stat_wal`, for
//! the whole cluster: figures are meaningful on a server nothing else writes to), read before
//! and after a run and divided by the events it made.

use std::time::Duration;

use collabkit_store_postgres::admin;

/// How long a reading waits for the backends' counts to be published (PostgreSQL's
/// `PGSTAT_IDLE_INTERVAL` and a margin).
const STATS_SETTLE: Duration = Duration::from_millis(10_500);

/// The counters read at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct PgCounters {
    commits: i64,
    inserted: i64,
    updated: i64,
    deleted: i64,
    buffer_hits: i64,
    wal_records: i64,
    wal_bytes: i64,
}

/// Reads the counters of the database `url` names.
pub(crate) async fn read(url: &str) -> anyhow::Result<PgCounters> {
    // PostgreSQL publishes a backend's counts at the end of a transaction at most once a
    // second, and an idle backend that published less than a second ago retries only 10 s
    // later: the counts of a run's last second show up after that (with a 1 s wait, a run's
    // tail was counted in the next run's figures).
    tokio::time::sleep(STATS_SETTLE).await;
    let client = admin::admin_client(url)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let db = client
        .query_one(
            "SELECT xact_commit, tup_inserted, tup_updated, tup_deleted, blks_hit
             FROM pg_stat_database WHERE datname = current_database()",
            &[],
        )
        .await?;
    let wal = client
        .query_one(
            "SELECT wal_records::bigint, wal_bytes::bigint FROM pg_stat_wal",
            &[],
        )
        .await?;
    Ok(PgCounters {
        // This reading's own transaction is not the run's.
        commits: db.get::<_, i64>(0),
        inserted: db.get(1),
        updated: db.get(2),
        deleted: db.get(3),
        buffer_hits: db.get(4),
        wal_records: wal.get(0),
        wal_bytes: wal.get(1),
    })
}

/// `after - before`, per event, as one line.
pub(crate) fn per_event(before: PgCounters, after: PgCounters, events: u64) -> String {
    let per = |a: i64, b: i64| (a - b) as f64 / events.max(1) as f64;
    format!(
        "{:.2} commits, {:.2} rows inserted, {:.2} updated, {:.2} deleted, {:.0} buffer hits, {:.1} WAL records, {:.0} WAL bytes",
        // The reading after counts the reading before's transactions.
        per(after.commits - 2, before.commits),
        per(after.inserted, before.inserted),
        per(after.updated, before.updated),
        per(after.deleted, before.deleted),
        per(after.buffer_hits, before.buffer_hits),
        per(after.wal_records, before.wal_records),
        per(after.wal_bytes, before.wal_bytes),
    )
}
