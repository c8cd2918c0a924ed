//! Which part of the event log is settled: the position below which no event can still commit.
//!
//! The log is read in the order of the inserting transactions' ids (`events.txid`, then `seq`).
//! A transaction still running may yet commit a row below a position a reader has passed, so a
//! reader only returns rows below the *horizon*: the oldest transaction id that may still
//! insert events. PostgreSQL's own answer to "the oldest running transaction" (the snapshot's
//! `xmin`) is the whole server's: one transaction held open in *another* database, or a
//! `psql` session in ours, would hold every reader back for as long as it stays open.
//!
//! So the writers say who they are. Every connection of a node's pool takes a shared
//! session-level advisory lock when it is made ([`MARK_WRITER`]), before it runs any
//! transaction; only those connections insert events. A reader then bounds the log by the
//! transactions of the lock's holders alone ([`HORIZON`]):
//!
//! - it takes the next transaction id to be assigned (the statement snapshot's `xmax`) and then
//!   lists the holders' running transactions (their own `transactionid` locks in `pg_locks`);
//! - the horizon is the oldest of those, or that next id when none runs;
//! - it reads the log in a *later* statement (a newer snapshot).
//!
//! Every event below the horizon is then visible to the read: its transaction id was assigned
//! before the first statement, by a connection that held the mark all along, and was not
//! running when the holders were listed, so it had committed (or rolled back) before the read
//! began — PostgreSQL makes a commit visible before it releases the transaction's locks.
//! Transactions of other databases and of other clients never appear in the list, so the
//! horizon follows only what this product's nodes are doing (each statement is bounded by the
//! server's `statement_timeout`).

use collabkit_domain::store::StoreResult;
use deadpool_postgres::GenericClient;

use crate::sql::query_one;

/// The advisory lock key pair marking a writer's connection: an arbitrary constant ("Ck" "Lg")
/// and 1, kept by every pooled connection for its whole life. (A pool that resets its
/// connections between uses — `DISCARD ALL` — or a transaction-pooling proxy would drop it:
/// neither is used.)
const KEY_1: i32 = 0x436b_4c67;
const KEY_2: i32 = 1;

/// Run once on each new pooled connection, before its first transaction.
pub const MARK_WRITER: &str = "SELECT pg_advisory_lock_shared(1131105383, 1)";

/// The horizon, as the text of an `xid8` (see the module's comment). Its own statement: the
/// log must be read by a later one.
const HORIZON: &str = "
    SELECT LEAST(pg_snapshot_xmax(s.snap), (
        SELECT min(x) FROM pg_snapshot_xip(s.snap) AS x
        WHERE x::text::bigint % 4294967296 IN (
            SELECT own.transactionid::text::bigint
            FROM pg_locks AS mark
            JOIN pg_locks AS own ON own.pid = mark.pid
            WHERE mark.locktype = 'advisory' AND mark.granted
              AND mark.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND mark.classid = $1::int4::text::oid AND mark.objid = $2::int4::text::oid
              AND mark.objsubid = 2
              AND own.locktype = 'transactionid' AND own.mode = 'ExclusiveLock' AND own.granted)
    ))::text
    FROM (SELECT pg_current_snapshot() AS snap) AS s";

/// The current horizon, as text to pass back as `$n::text::xid8`.
pub async fn horizon<C: GenericClient + Sync>(c: &C) -> StoreResult<String> {
    Ok(query_one(c, HORIZON, &[&KEY_1, &KEY_2]).await?.get(0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_mark_names_the_keys_the_horizon_looks_for() {
        assert_eq!(
            super::MARK_WRITER,
            format!(
                "SELECT pg_advisory_lock_shared({}, {})",
                super::KEY_1,
                super::KEY_2
            )
        );
    }
}
