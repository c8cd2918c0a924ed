//! A batch of writes to one room's stores: one transaction of two round trips (see
//! `sql::Pipelined`). The first sends `BEGIN`, the room's store lock, the room's check, the
//! room's store rows and the rows of the keys the batch touches; the domain plans the batch on
//! them (`plan_writes`); the second sends the entries (one upsert), the store rows with the
//! pruning of old tombstones (one statement) and `COMMIT`.

use std::collections::{BTreeMap, BTreeSet};

use collabkit_domain::clock;
use collabkit_domain::rules::stores::{StoresPlan, StoresRead, check_key, check_name, plan_writes};
use collabkit_domain::store::{
    StoreChange, StoreError, StoreLimits, StoreMeta, StoreOp, StoreResult, StoreRuleError,
};
use deadpool_postgres::Object;

use super::{ROOM_LOCK, from_text, to_text};
use crate::sql::{Params, Pipelined, execute, execute_rows, prepare_all, query};

const ROOM: &str = "SELECT 1 FROM rooms WHERE id = $1 AND account_id = $2";

/// Every store row of the room: the room-wide bounds count them all.
const METAS: &str = "SELECT store, version, horizon, entries, bytes, tombstones
     FROM room_stores WHERE room_id = $1";

/// The rows of the (store, key) pairs the batch writes (a value, or a tombstone).
const TOUCHED: &str = "SELECT e.store, e.key, e.value
     FROM UNNEST($2::text[], $3::text[]) AS t(store, key)
     JOIN store_entries e ON e.room_id = $1 AND e.store = t.store AND e.key = t.key";

/// The final row of each key the batch changed (one per key, so no row is hit twice).
const UPSERT_ENTRIES: &str = "INSERT INTO store_entries
         (room_id, store, key, value, bytes, version, updated_at, updated_by)
     SELECT $1, t.store, t.key, t.value, t.bytes, t.version, $7, $8
     FROM UNNEST($2::text[], $3::text[], $4::text[], $5::int8[], $6::int8[])
         AS t(store, key, value, bytes, version)
     ON CONFLICT (room_id, store, key) DO UPDATE SET value = excluded.value,
         bytes = excluded.bytes, version = excluded.version, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by";

/// The store rows as the batch leaves them, and the oldest tombstones of the stores the plan
/// prunes deleted, each such store's horizon raised to the newest version deleted: one
/// statement, so each store row is written once. Sent after [`UPSERT_ENTRIES`], whose rows it
/// sees (a batch's own deletions may be among the oldest tombstones).
const METAS_AND_PRUNE: &str = "WITH p AS (
         SELECT * FROM UNNEST($8::text[], $9::int8[]) AS p(store, n)),
     gone AS (
         DELETE FROM store_entries e
         USING p, LATERAL (
             SELECT x.key FROM store_entries x
             WHERE x.room_id = $1 AND x.store = p.store AND x.value IS NULL
             ORDER BY x.version LIMIT p.n) d
         WHERE e.room_id = $1 AND e.store = p.store AND e.key = d.key
         RETURNING e.store, e.version),
     h AS (SELECT store, MAX(version) AS horizon FROM gone GROUP BY store)
     INSERT INTO room_stores AS s (room_id, store, version, horizon, entries, bytes, tombstones)
     SELECT $1, m.store, m.version, GREATEST(m.horizon, COALESCE(h.horizon, 0)), m.entries,
            m.bytes, m.tombstones
     FROM UNNEST($2::text[], $3::int8[], $4::int8[], $5::int8[], $6::int8[], $7::int8[])
         AS m(store, version, horizon, entries, bytes, tombstones)
     LEFT JOIN h ON h.store = m.store
     ON CONFLICT (room_id, store) DO UPDATE SET version = excluded.version,
         horizon = excluded.horizon, entries = excluded.entries, bytes = excluded.bytes,
         tombstones = excluded.tombstones";

const STATEMENTS: &[&str] = &[
    ROOM_LOCK,
    ROOM,
    METAS,
    TOUCHED,
    UPSERT_ENTRIES,
    METAS_AND_PRUNE,
];

pub(super) async fn write_stores(
    client: Object,
    account_id: &str,
    room_id: &str,
    by: Option<&str>,
    ops: &[StoreOp],
    limits: &StoreLimits,
) -> StoreResult<Vec<Result<Option<StoreChange>, StoreRuleError>>> {
    // Prepared (once per connection) before anything is pipelined: see `Pipelined`.
    prepare_all(&client, STATEMENTS).await?;
    // Only the names and keys the rules accept are read: the others are refused whatever
    // their rows hold, and one PostgreSQL cannot hold (a NUL) would fail the whole batch.
    let touched: BTreeSet<(&str, &str)> = ops
        .iter()
        .map(|op| (op.store.as_str(), op.write.key()))
        .filter(|(store, key)| check_name("store", store).is_ok() && check_key(key, limits).is_ok())
        .collect();
    let (stores, keys): (Vec<&str>, Vec<&str>) = touched.into_iter().unzip();
    let tx = Pipelined::new(client);
    let c = tx.client();
    let lock_params: Params = &[&room_id];
    let room_params: Params = &[&room_id, &account_id];
    let metas_params: Params = &[&room_id];
    let touched_params: Params = &[&room_id, &stores, &keys];
    let read = tx
        .begin(async {
            let (locked, room, metas, rows) = tokio::join!(
                execute(c, ROOM_LOCK, lock_params),
                query(c, ROOM, room_params),
                query(c, METAS, metas_params),
                query(c, TOUCHED, touched_params),
            );
            locked?;
            if room?.is_empty() {
                return Err(StoreError::NotFound("room"));
            }
            Ok((metas?, rows?))
        })
        .await
        .and_then(|(metas, rows)| read_state(&metas, &rows));
    let read = match read {
        Ok(read) => read,
        Err(e) => {
            tx.rollback().await;
            return Err(e);
        }
    };
    let now = clock::now();
    let plan = plan_writes(read, ops, by, limits, now);
    let rows = Columns::of(&plan);
    let entry_params: Params = &[
        &room_id,
        &rows.stores,
        &rows.keys,
        &rows.values,
        &rows.bytes,
        &rows.versions,
        &now,
        &by,
    ];
    let m = MetaColumns::of(&plan.metas);
    let (pruned, counts): (Vec<&str>, Vec<i64>) = plan
        .prune
        .iter()
        .map(|(store, n)| (store.as_str(), *n as i64))
        .unzip();
    let meta_params: Params = &[
        &room_id,
        &m.stores,
        &m.versions,
        &m.horizons,
        &m.entries,
        &m.bytes,
        &m.tombstones,
        &pruned,
        &counts,
    ];
    // Both go out at the first poll, in this order, before the `COMMIT`.
    tx.commit(async {
        let (entries, metas) = tokio::join!(
            execute_rows(c, UPSERT_ENTRIES, rows.keys.len(), entry_params),
            execute_rows(c, METAS_AND_PRUNE, m.stores.len(), meta_params),
        );
        entries?;
        metas?;
        Ok(())
    })
    .await?;
    Ok(plan.outcomes)
}

/// What the plan reads, from the rows of [`METAS`] and [`TOUCHED`].
fn read_state(
    metas: &[tokio_postgres::Row],
    rows: &[tokio_postgres::Row],
) -> StoreResult<StoresRead> {
    let metas = metas
        .iter()
        .map(|r| StoreMeta {
            name: r.get(0),
            version: r.get(1),
            horizon: r.get(2),
            entries: r.get::<_, i64>(3).max(0) as u64,
            bytes: r.get::<_, i64>(4).max(0) as u64,
            tombstones: r.get::<_, i64>(5).max(0) as u64,
        })
        .collect();
    let mut read_rows = BTreeMap::new();
    for r in rows {
        let value = r.get::<_, Option<&str>>(2).map(from_text).transpose()?;
        read_rows.insert((r.get(0), r.get(1)), value);
    }
    Ok(StoresRead {
        metas,
        rows: read_rows,
    })
}

/// The plan's entry rows, a vector per column.
struct Columns {
    stores: Vec<String>,
    keys: Vec<String>,
    values: Vec<Option<String>>,
    bytes: Vec<i64>,
    versions: Vec<i64>,
}

impl Columns {
    fn of(plan: &StoresPlan) -> Columns {
        Columns {
            stores: plan.rows.iter().map(|r| r.store.clone()).collect(),
            keys: plan.rows.iter().map(|r| r.key.clone()).collect(),
            values: plan
                .rows
                .iter()
                .map(|r| r.value.as_ref().map(to_text))
                .collect(),
            bytes: plan.rows.iter().map(|r| r.bytes as i64).collect(),
            versions: plan.rows.iter().map(|r| r.version).collect(),
        }
    }
}

/// The plan's store rows, a vector per column.
struct MetaColumns {
    stores: Vec<String>,
    versions: Vec<i64>,
    horizons: Vec<i64>,
    entries: Vec<i64>,
    bytes: Vec<i64>,
    tombstones: Vec<i64>,
}

impl MetaColumns {
    fn of(metas: &[StoreMeta]) -> MetaColumns {
        MetaColumns {
            stores: metas.iter().map(|m| m.name.clone()).collect(),
            versions: metas.iter().map(|m| m.version).collect(),
            horizons: metas.iter().map(|m| m.horizon).collect(),
            entries: metas.iter().map(|m| m.entries as i64).collect(),
            bytes: metas.iter().map(|m| m.bytes as i64).collect(),
            tombstones: metas.iter().map(|m| m.tombstones as i64).collect(),
        }
    }
}
