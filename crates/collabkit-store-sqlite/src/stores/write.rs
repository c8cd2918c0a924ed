//! A batch of writes to a room's stores, in the writer's transaction: read what the rules need,
//! plan, write the plan. Nothing here decides anything; `plan_writes` does.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, params};

use super::{META_COLS, json, meta_row, parse_value};
use crate::errors::backend;
use crate::rows::ts;
use crate::state::room_in;
use collabkit_domain::clock;
use collabkit_domain::rules::stores::{StoresRead, plan_writes};
use collabkit_domain::store::{
    StoreChange, StoreEntryRow, StoreLimits, StoreMeta, StoreOp, StoreResult, StoreRuleError,
};

pub fn write_stores(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    by: Option<&str>,
    ops: &[StoreOp],
    limits: &StoreLimits,
) -> StoreResult<Vec<Result<Option<StoreChange>, StoreRuleError>>> {
    let room = room_in(conn, account_id, room_id)?;
    let read = read_for(conn, &room.id, ops)?;
    let plan = plan_writes(read, ops, by, limits, clock::now());
    // Store rows first: an entry row points at its store's.
    for meta in &plan.metas {
        upsert_meta(conn, &room.id, meta)?;
    }
    for row in &plan.rows {
        upsert_entry(conn, &room.id, row)?;
    }
    for (store, count) in &plan.prune {
        prune(conn, &room.id, store, *count)?;
    }
    Ok(plan.outcomes)
}

/// Every store row of the room (the bounds are per room) and the rows of the keys written.
fn read_for(conn: &Connection, room_id: &str, ops: &[StoreOp]) -> StoreResult<StoresRead> {
    let metas = conn
        .prepare_cached(&format!(
            "SELECT {META_COLS} FROM room_stores WHERE room_id = ?1"
        ))
        .and_then(|mut s| {
            s.query_map(params![room_id], meta_row)?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    let mut rows = BTreeMap::new();
    let mut lookup = conn
        .prepare_cached(
            "SELECT value FROM store_entries WHERE room_id = ?1 AND store = ?2 AND key = ?3",
        )
        .map_err(backend)?;
    for op in ops {
        let slot = (op.store.clone(), op.write.key().to_owned());
        if rows.contains_key(&slot) {
            continue;
        }
        let found = lookup
            .query_row(params![room_id, slot.0, slot.1], |r| parse_value(r.get(0)?))
            .optional()
            .map_err(backend)?;
        // A key without a row is absent: it is left out, not read as a tombstone.
        if let Some(value) = found {
            rows.insert(slot, value);
        }
    }
    Ok(StoresRead { metas, rows })
}

fn upsert_meta(conn: &Connection, room_id: &str, meta: &StoreMeta) -> StoreResult<()> {
    // An upsert, never a REPLACE: that deletes the row first and would cascade to its entries.
    conn.prepare_cached(
        "INSERT INTO room_stores (room_id, store, version, horizon, entries, bytes, tombstones)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (room_id, store) DO UPDATE SET version = excluded.version,
             horizon = excluded.horizon, entries = excluded.entries, bytes = excluded.bytes,
             tombstones = excluded.tombstones",
    )
    .and_then(|mut s| {
        s.execute(params![
            room_id,
            meta.name,
            meta.version,
            meta.horizon,
            meta.entries as i64,
            meta.bytes as i64,
            meta.tombstones as i64
        ])
    })
    .map_err(backend)?;
    Ok(())
}

fn upsert_entry(conn: &Connection, room_id: &str, row: &StoreEntryRow) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO store_entries (room_id, store, key, value, bytes, version, updated_at,
                                    updated_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (room_id, store, key) DO UPDATE SET value = excluded.value,
             bytes = excluded.bytes, version = excluded.version,
             updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .and_then(|mut s| {
        s.execute(params![
            room_id,
            row.store,
            row.key,
            row.value.as_ref().map(json),
            row.bytes as i64,
            row.version,
            ts(&row.updated_at),
            row.updated_by
        ])
    })
    .map_err(backend)?;
    Ok(())
}

/// The newest version of a store's `?3` oldest tombstones (read from the partial index of
/// tombstones, not the store's live entries).
pub(super) const TOMBSTONES_TO_PRUNE: &str = "SELECT MAX(version) FROM (
    SELECT version FROM store_entries WHERE room_id = ?1 AND store = ?2 AND value IS NULL
    ORDER BY version LIMIT ?3)";

/// Forgets the store's `count` oldest tombstones and raises its horizon to the newest of them,
/// so a client that saw less than that gets a snapshot. Versions are unique in a store, so
/// "the `count` oldest" are those up to the `count`-th smallest version.
fn prune(conn: &Connection, room_id: &str, store: &str, count: u64) -> StoreResult<()> {
    if count == 0 {
        return Ok(());
    }
    // The plan counted them from the store row, so there are that many; were there fewer,
    // this forgets them all, and the horizon still covers only what went.
    let newest: Option<i64> = conn
        .prepare_cached(TOMBSTONES_TO_PRUNE)
        .and_then(|mut s| s.query_row(params![room_id, store, count as i64], |r| r.get(0)))
        .map_err(backend)?;
    let Some(newest) = newest else {
        return Ok(());
    };
    conn.prepare_cached(
        "DELETE FROM store_entries
         WHERE room_id = ?1 AND store = ?2 AND value IS NULL AND version <= ?3",
    )
    .and_then(|mut s| s.execute(params![room_id, store, newest]))
    .map_err(backend)?;
    conn.prepare_cached(
        "UPDATE room_stores SET horizon = MAX(horizon, ?3) WHERE room_id = ?1 AND store = ?2",
    )
    .and_then(|mut s| s.execute(params![room_id, store, newest]))
    .map_err(backend)?;
    Ok(())
}
