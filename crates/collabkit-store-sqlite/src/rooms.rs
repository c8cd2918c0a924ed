//! Rooms on SQLite: their rows and counters, their deletion (the order of `rules`), and the
//! storage contract's `Rooms`.

use rusqlite::{Connection, OptionalExtension, named_params, params};

use super::errors::{backend, conflict_or_backend};
use super::queue::Fanout;
use super::rows::{self, ROOM_COLS, USER_COLS, ts};
use super::sessions;
use super::state::write_counters;
use super::users::delete_user_in;
use collabkit_domain::store::{
    Change, InlineLease, Page, PageRequest, Room, RoomFilter, StoreError, StoreResult, like_pattern,
};
use collabkit_domain::{clock, rules};

pub fn create_room(conn: &Connection, room: &Room) -> StoreResult<()> {
    conn.prepare_cached(
        "INSERT INTO rooms (id, account_id, custom_id, name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            room.id,
            room.account_id,
            room.custom_id,
            room.name,
            ts(&room.created_at),
            ts(&room.updated_at)
        ])
    })
    .map_err(conflict_or_backend)?;
    Ok(())
}

pub fn room_by_custom_id(
    conn: &Connection,
    account_id: &str,
    custom_id: &str,
) -> StoreResult<Room> {
    conn.prepare_cached(&format!(
        "SELECT {ROOM_COLS} FROM rooms WHERE account_id = ?1 AND custom_id = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(params![account_id, custom_id], rows::room)
            .optional()
    })
    .map_err(backend)?
    .map(|(_, r)| r)
    .ok_or(StoreError::NotFound("room"))
}

/// The filters of the room list (`:account` and the named filters; see [`list_rooms`]).
pub(crate) const ROOM_FILTERS: &str = "account_id = :account
     AND (:pattern IS NULL OR lower(name) LIKE :pattern ESCAPE '\\')
     AND (:from IS NULL OR created_at >= :from) AND (:to IS NULL OR created_at <= :to)";

/// The account's rooms in creation order. The unfiltered total is the account's room counter
/// (kept by triggers); a filtered one counts the matches among the account's rooms (one pass
/// over `rooms_by_account`).
pub fn list_rooms(
    conn: &Connection,
    account_id: &str,
    filter: &RoomFilter,
    page: PageRequest,
) -> StoreResult<Page<Room>> {
    let position = page.after_seq()?;
    let pattern = filter.search.as_deref().map(like_pattern);
    let (from, to) = (filter.from.as_ref().map(ts), filter.to.as_ref().map(ts));
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {ROOM_COLS} FROM rooms WHERE {ROOM_FILTERS} AND seq > :after
             ORDER BY seq LIMIT :limit OFFSET :offset"
        ))
        .and_then(|mut s| {
            s.query_map(
                named_params! {
                    ":account": account_id, ":pattern": pattern, ":from": from, ":to": to,
                    ":after": position, ":limit": page.limit as i64 + 1,
                    ":offset": page.skip() as i64,
                },
                rows::room,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    let total: i64 = if filter.is_empty() {
        conn.prepare_cached("SELECT rooms_count FROM accounts WHERE id = ?1")
            .and_then(|mut s| s.query_row(params![account_id], |r| r.get(0)).optional())
            .map_err(backend)?
            .unwrap_or(0)
    } else {
        conn.prepare_cached(&format!("SELECT COUNT(*) FROM rooms WHERE {ROOM_FILTERS}"))
            .and_then(|mut s| {
                s.query_row(
                    named_params! {
                        ":account": account_id, ":pattern": pattern, ":from": from, ":to": to,
                    },
                    |r| r.get(0),
                )
            })
            .map_err(backend)?
    };
    Ok(Page::from_seq_rows(rows, page.limit).with_total(total.max(0) as u64))
}

/// See [`collabkit_domain::store::Store::reconcile_room`]: participants are those holding the
/// room's open session through some node.
pub fn reconcile_room(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
) -> StoreResult<(Room, u64, u64)> {
    let room = room_in(conn, account_id, room_id)?;
    let participating: i64 = conn
        .prepare_cached(
            "SELECT COUNT(DISTINCT p.user_id) FROM sessions s
             JOIN participants p ON p.session_id = s.id
             WHERE s.room_id = ?1 AND s.closed_at IS NULL",
        )
        .and_then(|mut s| s.query_row(params![room.id], |r| r.get(0)))
        .map_err(backend)?;
    let reconciled = rules::reconciled(&room, participating.max(0) as u64);
    write_counters(conn, &reconciled.0)?;
    Ok(reconciled)
}

/// The rooms of `?1` with an open session, after room position `?2`, at most `?3`.
pub(crate) fn live_rooms_query() -> String {
    let cols = ROOM_COLS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {cols} FROM sessions s JOIN rooms r ON r.id = s.room_id
         WHERE s.account_id = ?1 AND s.closed_at IS NULL AND r.seq > ?2
         ORDER BY r.seq LIMIT ?3"
    )
}

pub fn list_live_rooms(
    conn: &Connection,
    account_id: &str,
    page: PageRequest,
) -> StoreResult<Page<Room>> {
    rooms_page(conn, &live_rooms_query(), account_id, page)
}

/// A page of rooms from `sql`: `?1` account, `?2` the position after which, `?3` how many.
pub(crate) fn rooms_page(
    conn: &Connection,
    sql: &str,
    account_id: &str,
    page: PageRequest,
) -> StoreResult<Page<Room>> {
    let position = page.after_seq()?;
    let rows = conn
        .prepare_cached(sql)
        .and_then(|mut s| {
            s.query_map(
                params![account_id, position, page.limit as i64 + 1],
                rows::room,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    Ok(Page::from_seq_rows(rows, page.limit))
}

pub fn rename_room(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    name: String,
) -> StoreResult<Room> {
    let room = room_in(conn, account_id, room_id)?;
    let Some(renamed) = rules::renamed_room(&room, name, clock::now()) else {
        return Ok(room);
    };
    conn.execute(
        "UPDATE rooms SET name = ?1, updated_at = ?2 WHERE id = ?3",
        params![renamed.name, ts(&renamed.updated_at), renamed.id],
    )
    .map_err(backend)?;
    Ok(renamed)
}

pub fn delete_room(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    inline: Option<InlineLease>,
) -> StoreResult<(Change<Room>, Fanout)> {
    let room = room_in(conn, account_id, room_id)?;
    // Its live session ends first (participant.left…, session.closed), as the hub does; this
    // also covers a session no live connection holds any more.
    let (mut events, mut deliveries) = sessions::end_room(conn, &room, inline)?;
    // Registrations scoped to the room go next: they end with it.
    conn.execute("DELETE FROM webhooks WHERE room_id = ?1", params![room.id])
        .map_err(backend)?;
    let users = conn
        .prepare_cached(&format!(
            "SELECT {USER_COLS} FROM users WHERE room_id = ?1 ORDER BY seq"
        ))
        .and_then(|mut s| {
            s.query_map(params![room.id], rows::user)?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    for (_, user) in &users {
        let (event, fanout) = delete_user_in(conn, &room, user, inline)?;
        events.push(event);
        deliveries.add(fanout);
    }
    conn.execute("DELETE FROM rooms WHERE id = ?1", params![room.id])
        .map_err(backend)?;
    Ok((
        Change {
            value: room,
            events,
            leased: Vec::new(),
        },
        deliveries,
    ))
}

use crate::*;

use collabkit_domain::store::Rooms;

#[async_trait]
impl Rooms for crate::SqliteStore {
    async fn create_room(&self, account_id: &str, new: NewRoom) -> StoreResult<Room> {
        let room = rules::new_room(account_id, new, clock::now());
        let row = room.clone();
        self.writer
            .write_or_shed(move |c| crate::rooms::create_room(c, &row))
            .await?;
        Ok(room)
    }

    async fn get_room(&self, account_id: &str, room_id: &str) -> StoreResult<Room> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.readers.read(move |c| room_in(c, &a, &r)).await
    }

    async fn find_room_by_custom_id(&self, account_id: &str, custom_id: &str) -> StoreResult<Room> {
        let (a, cid) = (account_id.to_owned(), custom_id.to_owned());
        self.readers
            .read(move |c| crate::rooms::room_by_custom_id(c, &a, &cid))
            .await
    }

    async fn list_rooms(
        &self,
        account_id: &str,
        filter: &RoomFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Room>> {
        let (a, f) = (account_id.to_owned(), filter.clone());
        self.readers
            .read(move |c| crate::rooms::list_rooms(c, &a, &f, page))
            .await
    }

    async fn list_live_rooms(
        &self,
        account_id: &str,
        page: PageRequest,
    ) -> StoreResult<Page<Room>> {
        let a = account_id.to_owned();
        self.readers
            .read(move |c| crate::rooms::list_live_rooms(c, &a, page))
            .await
    }

    async fn rename_room(&self, account_id: &str, room_id: &str, name: &str) -> StoreResult<Room> {
        let (a, r, name) = (account_id.to_owned(), room_id.to_owned(), name.to_owned());
        self.writer
            .write_or_shed(move |c| crate::rooms::rename_room(c, &a, &r, name))
            .await
    }

    async fn delete_room(
        &self,
        account_id: &str,
        room_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<Room>> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.write_change(true, lease, move |c, inline| {
            crate::rooms::delete_room(c, &a, &r, inline)
        })
        .await
    }

    async fn reconcile_room(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<(Room, u64, u64)> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.writer
            .write_or_shed(move |c| crate::rooms::reconcile_room(c, &a, &r))
            .await
    }
}
