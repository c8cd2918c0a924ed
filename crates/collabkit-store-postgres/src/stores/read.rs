//! The reads of a room's stores, each one statement (so one snapshot) that checks the room
//! too: a room not of the account is no row at all, a room without the store or entry asked
//! for is one row of NULLs.

use collabkit_domain::rules::stores::needs_snapshot;
use collabkit_domain::store::{
    Cursor, Page, PageRequest, StoreAction, StoreChange, StoreEntry, StoreError, StoreMeta,
    StoreResult, StoreSync,
};
use deadpool_postgres::GenericClient;
use tokio_postgres::Row;

use super::from_text;
use crate::sql::{query, query_opt};

/// The store row's columns, then an entry's, from `s` and `e`.
const META_COLS: &str = "s.store, s.version, s.horizon, s.entries, s.bytes, s.tombstones";
const ENTRY_COLS: &str = "e.key, e.value, e.version, e.updated_at, e.updated_by";

/// The store row read at column `at` on (`None`: the room has no such store).
fn meta(r: &Row, at: usize) -> Option<StoreMeta> {
    let name: Option<String> = r.get(at);
    let count = |i: usize| r.get::<_, i64>(at + i).max(0) as u64;
    name.map(|name| StoreMeta {
        name,
        version: r.get(at + 1),
        horizon: r.get(at + 2),
        entries: count(3),
        bytes: count(4),
        tombstones: count(5),
    })
}

/// An entry row read at column `at` on: (key, value or `None` for a tombstone, version, at,
/// by); `None` when the row holds no entry.
#[allow(clippy::type_complexity)]
fn entry_row(
    r: &Row,
    at: usize,
) -> StoreResult<
    Option<(
        String,
        Option<collabkit_domain::store::StoreValue>,
        i64,
        collabkit_domain::clock::Timestamp,
        Option<String>,
    )>,
> {
    let Some(key) = r.get::<_, Option<String>>(at) else {
        return Ok(None);
    };
    let value = r
        .get::<_, Option<&str>>(at + 1)
        .map(from_text)
        .transpose()?;
    Ok(Some((
        key,
        value,
        r.get(at + 2),
        r.get(at + 3),
        r.get(at + 4),
    )))
}

/// A live entry read at column `at` on (`None`: none there, or a tombstone).
fn live_entry(r: &Row, at: usize) -> StoreResult<Option<StoreEntry>> {
    Ok(
        entry_row(r, at)?.and_then(|(key, value, version, updated_at, updated_by)| {
            value.map(|value| StoreEntry {
                key,
                value,
                version,
                updated_at,
                updated_by,
            })
        }),
    )
}

fn room_rows(rows: Vec<Row>) -> StoreResult<Vec<Row>> {
    if rows.is_empty() {
        return Err(StoreError::NotFound("room"));
    }
    Ok(rows)
}

pub(super) async fn list_stores<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
) -> StoreResult<Vec<StoreMeta>> {
    let rows = query(
        c,
        &format!(
            "SELECT {META_COLS} FROM rooms r LEFT JOIN room_stores s ON s.room_id = r.id
             WHERE r.id = $1 AND r.account_id = $2 ORDER BY s.store"
        ),
        &[&room_id, &account_id],
    )
    .await?;
    Ok(room_rows(rows)?.iter().filter_map(|r| meta(r, 0)).collect())
}

pub(super) async fn get_entry<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    store: &str,
    key: &str,
) -> StoreResult<Option<StoreEntry>> {
    let row = query_opt(
        c,
        &format!(
            "SELECT {ENTRY_COLS} FROM rooms r
             LEFT JOIN store_entries e ON e.room_id = r.id AND e.store = $3 AND e.key = $4
             WHERE r.id = $1 AND r.account_id = $2"
        ),
        &[&room_id, &account_id, &store, &key],
    )
    .await?
    .ok_or(StoreError::NotFound("room"))?;
    live_entry(&row, 0)
}

/// A page of the live entries by key after the cursor (the last key of the page before), or
/// after `offset` of them without one, and the store row's count as the total.
pub(super) async fn list_entries<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    store: &str,
    page: &PageRequest,
) -> StoreResult<Page<StoreEntry>> {
    // Every key holds a character: "" is before them all.
    let after = page.after.as_ref().map_or("", Cursor::as_str);
    let (limit, skip) = (page.limit as i64 + 1, page.skip() as i64);
    let rows = query(
        c,
        &format!(
            "SELECT s.entries, {ENTRY_COLS} FROM rooms r
             LEFT JOIN room_stores s ON s.room_id = r.id AND s.store = $3
             LEFT JOIN LATERAL (
                 SELECT * FROM store_entries x
                 WHERE x.room_id = r.id AND x.store = $3 AND x.key > $4 AND x.value IS NOT NULL
                 ORDER BY x.key LIMIT $5 OFFSET $6) e ON true
             WHERE r.id = $1 AND r.account_id = $2
             ORDER BY e.key"
        ),
        &[&room_id, &account_id, &store, &after, &limit, &skip],
    )
    .await?;
    let rows = room_rows(rows)?;
    let total = rows[0].get::<_, Option<i64>>(0).unwrap_or(0).max(0) as u64;
    let mut items = Vec::with_capacity(rows.len());
    for r in &rows {
        items.extend(live_entry(r, 1)?);
    }
    let more = items.len() > page.limit as usize;
    items.truncate(page.limit as usize);
    let last = items.last().map(|e| Cursor::new(e.key.clone()));
    Ok(Page {
        items,
        next: if more { last.clone() } else { None },
        last,
        total: Some(total),
    })
}

/// The store row and the rows a sync answers with, from one statement: every live entry by
/// key for a snapshot, else every row changed after `since` in version order.
async fn sync_read<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    store: &str,
    snapshot: bool,
    since: i64,
) -> StoreResult<(Option<StoreMeta>, Vec<Row>)> {
    let (entries, order) = if snapshot {
        ("e.value IS NOT NULL", "e.key")
    } else {
        ("e.version > $4", "e.version")
    };
    let sql = format!(
        "SELECT {META_COLS}, {ENTRY_COLS} FROM rooms r
         LEFT JOIN room_stores s ON s.room_id = r.id AND s.store = $3
         LEFT JOIN store_entries e ON e.room_id = r.id AND e.store = $3 AND {entries}
         WHERE r.id = $1 AND r.account_id = $2
         ORDER BY {order}"
    );
    let rows = if snapshot {
        query(c, &sql, &[&room_id, &account_id, &store]).await?
    } else {
        query(c, &sql, &[&room_id, &account_id, &store, &since]).await?
    };
    let rows = room_rows(rows)?;
    Ok((meta(&rows[0], 0), rows))
}

/// What a client that saw `store` up to `since` needs. The statement read first is the one
/// the answer most likely takes (a delta when the client saw something); when the rule
/// decides otherwise on the store row it read, the other one is read, whole in its own
/// snapshot. Each answer comes from one statement, so its version and rows agree.
pub(super) async fn sync<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    store: &str,
    since: Option<i64>,
) -> StoreResult<StoreSync> {
    let mut snapshot = since.is_none();
    // The rule is decided on each read's own store row; it can flip only while writes move
    // the store between two reads, and the horizon and version only grow, so a few suffice.
    for _ in 0..4 {
        let (meta, rows) =
            sync_read(c, account_id, room_id, store, snapshot, since.unwrap_or(0)).await?;
        if needs_snapshot(meta.as_ref(), since) != snapshot {
            snapshot = !snapshot;
            continue;
        }
        let version = meta.as_ref().map_or(0, |m| m.version);
        return if snapshot {
            let mut entries = Vec::with_capacity(rows.len());
            for r in &rows {
                entries.extend(live_entry(r, 6)?);
            }
            Ok(StoreSync::Snapshot { version, entries })
        } else {
            let mut changes = Vec::with_capacity(rows.len());
            for r in &rows {
                if let Some((key, value, version, at, by)) = entry_row(r, 6)? {
                    let action = if value.is_some() {
                        StoreAction::Set
                    } else {
                        StoreAction::Delete
                    };
                    changes.push(StoreChange {
                        store: store.to_owned(),
                        key,
                        action,
                        value,
                        version,
                        at,
                        by,
                    });
                }
            }
            Ok(StoreSync::Delta { version, changes })
        };
    }
    Err(StoreError::transient(Unsettled))
}

/// The store kept changing between a sync's reads.
#[derive(Debug, thiserror::Error)]
#[error("the store kept changing while it was read")]
struct Unsettled;
