//! The event log on SQLite: its reads by account, room and name, and the storage contract's
//! `EventLog`.

use rusqlite::{Connection, params};

use super::errors::backend;
use super::rows::{self, EVENT_COLS};
use collabkit_domain::store::{Cursor, Event, EventFilter, Page, PageRequest, StoreResult};

pub(crate) fn events_query(filter: &EventFilter) -> String {
    let only = match (&filter.room_id, &filter.event) {
        (Some(_), Some(_)) => "room_id = ?3 AND account_id = ?1 AND event = ?4",
        (Some(_), None) => "room_id = ?3 AND account_id = ?1",
        (None, Some(_)) => "account_id = ?1 AND event = ?4",
        (None, None) => "account_id = ?1",
    };
    format!("SELECT {EVENT_COLS} FROM events WHERE {only} AND seq > ?2 ORDER BY seq LIMIT ?5")
}

pub fn list_events(
    conn: &Connection,
    account_id: &str,
    filter: EventFilter,
    page: PageRequest,
) -> StoreResult<Page<Event>> {
    let position = page.after_seq()?;
    let rows = conn
        .prepare_cached(&events_query(&filter))
        .and_then(|mut s| {
            s.query_map(
                params![
                    account_id,
                    position,
                    filter.room_id,
                    filter.event.map(|e| e.as_str()),
                    page.limit as i64 + 1
                ],
                rows::event,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    Ok(Page::from_seq_rows(rows, page.limit))
}

/// A room's events numbered after `?3`, in the room's order, at most `?4` (`?1` account,
/// `?2` room).
pub(crate) const ROOM_EVENTS: &str = "WHERE room_id = ?2 AND room_seq > ?3 AND account_id = ?1
     ORDER BY room_seq LIMIT ?4";

/// A room's newest events, newest first, at most `?3` (`?1` account, `?2` room).
pub(crate) const RECENT_EVENTS: &str =
    "WHERE room_id = ?2 AND account_id = ?1 ORDER BY room_seq DESC LIMIT ?3";

pub fn room_events(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    after_room_seq: i64,
    limit: u32,
) -> StoreResult<Vec<Event>> {
    events_where(
        conn,
        ROOM_EVENTS,
        params![account_id, room_id, after_room_seq, limit],
    )
}

pub fn recent_events(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    limit: u32,
) -> StoreResult<Vec<Event>> {
    events_where(conn, RECENT_EVENTS, params![account_id, room_id, limit])
}

/// The events a `WHERE …` clause selects.
pub(crate) fn events_where(
    conn: &Connection,
    clause: &str,
    params: impl rusqlite::Params,
) -> StoreResult<Vec<Event>> {
    conn.prepare_cached(&format!("SELECT {EVENT_COLS} FROM events {clause}"))
        .and_then(|mut s| {
            s.query_map(params, rows::event)?
                .map(|r| r.map(|(_, e)| e))
                .collect()
        })
        .map_err(backend)
}

use crate::*;

use collabkit_domain::store::EventLog;

#[async_trait]
impl EventLog for crate::SqliteStore {
    async fn list_events(
        &self,
        account_id: &str,
        filter: EventFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Event>> {
        let a = account_id.to_owned();
        self.readers
            .read(move |c| crate::event_log::list_events(c, &a, filter, page))
            .await
    }

    async fn recent_events(
        &self,
        account_id: &str,
        room_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.readers
            .read(move |c| crate::event_log::recent_events(c, &a, &r, limit))
            .await
    }

    async fn room_events(
        &self,
        account_id: &str,
        room_id: &str,
        after_room_seq: i64,
        limit: u32,
    ) -> StoreResult<Vec<Event>> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.readers
            .read(move |c| crate::event_log::room_events(c, &a, &r, after_room_seq, limit))
            .await
    }

    async fn event_log_end(&self, account_id: &str) -> StoreResult<Option<Cursor>> {
        let a = account_id.to_owned();
        self.readers
            .read(move |c| {
                c.prepare_cached("SELECT MAX(seq) FROM events WHERE account_id = ?1")
                    .and_then(|mut s| s.query_row([&a], |r| r.get::<_, Option<i64>>(0)))
                    .map(|seq| seq.map(Cursor::from_seq))
                    .map_err(backend)
            })
            .await
    }
}
