//! Reads of a room's stores, each in one read transaction: in WAL mode it sees one snapshot,
//! so a version (or a total) and the rows read with it agree even while the writer commits.

use rusqlite::{Connection, OptionalExtension, params};

use super::{EntryRow, META_COLS, entry_row, meta_row};
use crate::errors::backend;
use crate::state::room_in;
use collabkit_domain::rules::stores::needs_snapshot;
use collabkit_domain::store::{
    Cursor, Page, PageRequest, StoreAction, StoreChange, StoreEntry, StoreMeta, StoreResult,
    StoreSync,
};

/// A page of a store's live entries after a key (`''` sorts before every key, and no key is
/// empty), in the primary key's order.
pub(super) const ENTRIES_PAGE: &str = "SELECT key, value, version, updated_at, updated_by
    FROM store_entries WHERE room_id = ?1 AND store = ?2 AND key > ?3 AND value IS NOT NULL
    ORDER BY key LIMIT ?4 OFFSET ?5";

/// The rows of a store changed after a version, tombstones too, in version order.
pub(super) const DELTA: &str = "SELECT key, value, version, updated_at, updated_by
    FROM store_entries WHERE room_id = ?1 AND store = ?2 AND version > ?3
    ORDER BY version";

/// A store's live entries, by key.
const SNAPSHOT: &str = "SELECT key, value, version, updated_at, updated_by
    FROM store_entries WHERE room_id = ?1 AND store = ?2 AND value IS NOT NULL
    ORDER BY key";

/// Runs `work` in one read transaction (rolled back at the end: it wrote nothing).
fn in_snapshot<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> StoreResult<T>,
) -> StoreResult<T> {
    let tx = conn.unchecked_transaction().map_err(backend)?;
    work(&tx)
}

fn meta(conn: &Connection, room_id: &str, store: &str) -> StoreResult<Option<StoreMeta>> {
    conn.prepare_cached(&format!(
        "SELECT {META_COLS} FROM room_stores WHERE room_id = ?1 AND store = ?2"
    ))
    .and_then(|mut s| s.query_row(params![room_id, store], meta_row).optional())
    .map_err(backend)
}

fn rows(conn: &Connection, sql: &str, args: impl rusqlite::Params) -> StoreResult<Vec<EntryRow>> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.query_map(args, entry_row)?.collect())
        .map_err(backend)
}

pub fn list_stores(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
) -> StoreResult<Vec<StoreMeta>> {
    in_snapshot(conn, |conn| {
        let room = room_in(conn, account_id, room_id)?;
        conn.prepare_cached(&format!(
            "SELECT {META_COLS} FROM room_stores WHERE room_id = ?1 ORDER BY store"
        ))
        .and_then(|mut s| s.query_map(params![room.id], meta_row)?.collect())
        .map_err(backend)
    })
}

pub fn get_entry(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    store: &str,
    key: &str,
) -> StoreResult<Option<StoreEntry>> {
    in_snapshot(conn, |conn| {
        let room = room_in(conn, account_id, room_id)?;
        let row = conn
            .prepare_cached(
                "SELECT key, value, version, updated_at, updated_by FROM store_entries
                 WHERE room_id = ?1 AND store = ?2 AND key = ?3",
            )
            .and_then(|mut s| {
                s.query_row(params![room.id, store, key], entry_row)
                    .optional()
            })
            .map_err(backend)?;
        Ok(row.and_then(EntryRow::live))
    })
}

pub fn list_entries(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    store: &str,
    page: &PageRequest,
) -> StoreResult<Page<StoreEntry>> {
    in_snapshot(conn, |conn| {
        let room = room_in(conn, account_id, room_id)?;
        let total = meta(conn, &room.id, store)?.map_or(0, |m| m.entries);
        let after = page.after.as_ref().map_or("", Cursor::as_str);
        let skip = i64::try_from(page.skip()).unwrap_or(i64::MAX);
        let mut items: Vec<StoreEntry> = rows(
            conn,
            ENTRIES_PAGE,
            params![room.id, store, after, i64::from(page.limit) + 1, skip],
        )?
        .into_iter()
        .filter_map(EntryRow::live)
        .collect();
        let more = items.len() > page.limit as usize;
        items.truncate(page.limit as usize);
        let last = items.last().map(|e| Cursor::new(e.key.clone()));
        Ok(Page {
            next: if more { last.clone() } else { None },
            last,
            items,
            total: Some(total),
        })
    })
}

pub fn sync(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    store: &str,
    since: Option<i64>,
) -> StoreResult<StoreSync> {
    in_snapshot(conn, |conn| {
        let room = room_in(conn, account_id, room_id)?;
        let meta = meta(conn, &room.id, store)?;
        let version = meta.as_ref().map_or(0, |m| m.version);
        if needs_snapshot(meta.as_ref(), since) {
            let entries = rows(conn, SNAPSHOT, params![room.id, store])?
                .into_iter()
                .filter_map(EntryRow::live)
                .collect();
            return Ok(StoreSync::Snapshot { version, entries });
        }
        let since = since.unwrap_or(0);
        let changes = rows(conn, DELTA, params![room.id, store, since])?
            .into_iter()
            .map(|row| StoreChange {
                store: store.to_owned(),
                // A row says what the key holds now, not which verb got it there.
                action: if row.value.is_some() {
                    StoreAction::Set
                } else {
                    StoreAction::Delete
                },
                key: row.key,
                value: row.value,
                version: row.version,
                at: row.updated_at,
                by: row.updated_by,
            })
            .collect();
        Ok(StoreSync::Delta { version, changes })
    })
}
