//! Accounts, rooms, users and the event log on SQLite (synchronous; run by the writer or a
//! reader). User changes store their events, with their deliveries, in the same transaction.

use rusqlite::{Connection, OptionalExtension, named_params, params};

use super::queue::{self, Fanout};
use super::rows::{
    self, ACCOUNT_COLS, EVENT_COLS, ROOM_COLS, USER_COLS, USER_SESSION_COLS, backend,
    conflict_or_backend, ts,
};
use super::sessions;
use super::state::write_counters;
use collabkit_domain::store::{
    Account, Change, Cursor, Event, EventFilter, InlineLease, NewUser, Page, PageRequest, Room,
    RoomFilter, StoreError, StoreResult, User, UserFilter, UserPatch, UserSession, like_pattern,
};
use collabkit_domain::{clock, rules};

pub fn create_account(conn: &Connection, account: &Account) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            account.id,
            account.name,
            account.api_key_hash,
            ts(&account.created_at)
        ],
    )
    .map_err(backend)?;
    Ok(())
}

pub fn account(conn: &Connection, account_id: &str) -> StoreResult<Account> {
    conn.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"
    ))
    .and_then(|mut s| s.query_row(params![account_id], rows::account).optional())
    .map_err(backend)?
    .ok_or(StoreError::NotFound("account"))
}

/// Accounts by id; the cursor is the last id (ids follow creation).
pub fn list_accounts(conn: &Connection, page: &PageRequest) -> StoreResult<Page<Account>> {
    let after = page
        .after
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let mut accounts = conn
        .prepare_cached(&format!(
            "SELECT {ACCOUNT_COLS} FROM accounts WHERE id > ?1 ORDER BY id LIMIT ?2"
        ))
        .and_then(|mut s| {
            s.query_map(params![after, page.limit as i64 + 1], rows::account)?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    let more = accounts.len() > page.limit as usize;
    accounts.truncate(page.limit as usize);
    let last = accounts.last().map(|a| Cursor::new(a.id.clone()));
    Ok(Page {
        items: accounts,
        next: if more { last.clone() } else { None },
        last,
        total: None,
    })
}

pub fn rotate_api_key(conn: &Connection, account_id: &str, hash: &str) -> StoreResult<Account> {
    let n = conn
        .execute(
            "UPDATE accounts SET api_key_hash = ?1 WHERE id = ?2",
            params![hash, account_id],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("account"));
    }
    account(conn, account_id)
}

pub fn count_accounts(conn: &Connection) -> StoreResult<u64> {
    conn.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(backend)
}

pub fn room_in(conn: &Connection, account_id: &str, room_id: &str) -> StoreResult<Room> {
    conn.prepare_cached(&format!(
        "SELECT {ROOM_COLS} FROM rooms WHERE account_id = ?1 AND id = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(params![account_id, room_id], rows::room)
            .optional()
    })
    .map_err(backend)?
    .map(|(_, r)| r)
    .ok_or(StoreError::NotFound("room"))
}

pub fn user_in(conn: &Connection, account_id: &str, user_id: &str) -> StoreResult<User> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLS} FROM users WHERE account_id = ?1 AND id = ?2"
    ))
    .and_then(|mut s| {
        s.query_row(params![account_id, user_id], rows::user)
            .optional()
    })
    .map_err(backend)?
    .map(|(_, u)| u)
    .ok_or(StoreError::NotFound("user"))
}

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
const ROOM_FILTERS: &str = "account_id = :account
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
fn live_rooms_query() -> String {
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
fn rooms_page(
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

pub fn create_user(
    conn: &Connection,
    account_id: &str,
    new: NewUser,
    inline: Option<InlineLease>,
) -> StoreResult<(Change<User>, Fanout)> {
    let room = room_in(conn, account_id, &new.room_id)?;
    let token = new.token.clone();
    let (room, user, mut event) = rules::new_user(&room, new, clock::now());
    conn.prepare_cached(
        "INSERT INTO users (id, account_id, room_id, custom_id, name, profile_picture, token, token_sealed, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            user.id,
            user.account_id,
            user.room_id,
            user.custom_id,
            user.name,
            user.profile_picture,
            collabkit_domain::accounts::token_lookup(&token),
            user.token_sealed,
            ts(&user.created_at),
            ts(&user.updated_at)
        ])
    })
    .map_err(conflict_or_backend)?;
    write_counters(conn, &room)?;
    let deliveries = queue::insert_event(conn, &mut event, inline)?;
    Ok((
        Change {
            value: user,
            events: vec![event],
            leased: Vec::new(),
        },
        deliveries,
    ))
}

pub fn user_by_custom_id(
    conn: &Connection,
    account_id: &str,
    room_id: &str,
    custom_id: &str,
) -> StoreResult<User> {
    conn.prepare_cached(&format!(
        "SELECT {USER_COLS} FROM users WHERE account_id = ?1 AND room_id = ?2 AND custom_id = ?3"
    ))
    .and_then(|mut s| {
        s.query_row(params![account_id, room_id, custom_id], rows::user)
            .optional()
    })
    .map_err(backend)?
    .map(|(_, u)| u)
    .ok_or(StoreError::NotFound("user"))
}

pub fn user_by_token(conn: &Connection, token: &str) -> StoreResult<User> {
    let lookup = collabkit_domain::accounts::token_lookup(token);
    conn.prepare_cached(&format!(
        "SELECT {USER_COLS} FROM users WHERE token = ?1 AND token_sealed IS NOT NULL"
    ))
    .and_then(|mut s| s.query_row(params![lookup], rows::user).optional())
    .map_err(backend)?
    .map(|(_, u)| u)
    .ok_or(StoreError::NotFound("user"))
}

/// Rows whose token is still in clear (`users_token_unsealed` holds only them).
const LEGACY_TOKENS: &str = "SELECT seq, token FROM users WHERE token_sealed IS NULL LIMIT ?1";

/// See [`collabkit_domain::store::Store::seal_legacy_tokens`].
pub fn seal_legacy_tokens(
    conn: &Connection,
    seal: &(dyn Fn(&str) -> String + Send + Sync),
    batch: u32,
) -> StoreResult<u64> {
    let legacy: Vec<(i64, String)> = conn
        .prepare(LEGACY_TOKENS)
        .and_then(|mut s| {
            s.query_map(params![batch], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect()
        })
        .map_err(backend)?;
    let mut update = conn
        .prepare("UPDATE users SET token = ?2, token_sealed = ?3 WHERE seq = ?1")
        .map_err(backend)?;
    for (seq, token) in &legacy {
        update
            .execute(params![
                seq,
                collabkit_domain::accounts::token_lookup(token),
                seal(token)
            ])
            .map_err(backend)?;
    }
    Ok(legacy.len() as u64)
}

/// The filters of the user list besides its scope (see [`list_users`]).
const USER_FILTERS: &str =
    "(:pattern IS NULL OR lower(name) LIKE :pattern ESCAPE '\\' OR id = :search)
     AND (:from IS NULL OR created_at >= :from) AND (:to IS NULL OR created_at <= :to)";

/// Users in creation order, of a room (through `users_by_room`) or of the account (a pass over
/// all users: the API always names a room). The total of a room's unfiltered list is the room's
/// user counter; otherwise the matches are counted.
pub fn list_users(
    conn: &Connection,
    account_id: &str,
    filter: &UserFilter,
    page: PageRequest,
) -> StoreResult<Page<User>> {
    let position = page.after_seq()?;
    let (scope, key, room) = match &filter.room_id {
        Some(room_id) => {
            let room = room_in(conn, account_id, room_id)?;
            ("room_id = :key", room.id.clone(), Some(room))
        }
        None => ("account_id = :key", account_id.to_owned(), None),
    };
    let pattern = filter.search.as_deref().map(like_pattern);
    let (from, to) = (filter.from.as_ref().map(ts), filter.to.as_ref().map(ts));
    let rows = conn
        .prepare_cached(&format!(
            "SELECT {USER_COLS} FROM users WHERE {scope} AND {USER_FILTERS} AND seq > :after
             ORDER BY seq LIMIT :limit OFFSET :offset"
        ))
        .and_then(|mut s| {
            s.query_map(
                named_params! {
                    ":key": key, ":pattern": pattern, ":search": filter.search, ":from": from,
                    ":to": to, ":after": position, ":limit": page.limit as i64 + 1,
                    ":offset": page.skip() as i64,
                },
                rows::user,
            )?
            .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    let total = match room {
        Some(room) if filter.only_room() => room.counters.users,
        _ => conn
            .prepare_cached(&format!(
                "SELECT COUNT(*) FROM users WHERE {scope} AND {USER_FILTERS}"
            ))
            .and_then(|mut s| {
                s.query_row(
                    named_params! {
                        ":key": key, ":pattern": pattern, ":search": filter.search,
                        ":from": from, ":to": to,
                    },
                    |r| r.get::<_, i64>(0),
                )
            })
            .map_err(backend)?
            .max(0) as u64,
    };
    Ok(Page::from_seq_rows(rows, page.limit).with_total(total))
}

/// The user's participations, newest first.
pub fn user_sessions(
    conn: &Connection,
    account_id: &str,
    user_id: &str,
    limit: u32,
) -> StoreResult<Vec<UserSession>> {
    let user = user_in(conn, account_id, user_id)?;
    conn.prepare_cached(&format!(
        "SELECT {USER_SESSION_COLS} FROM user_sessions WHERE user_id = ?1
         ORDER BY seq DESC LIMIT ?2"
    ))
    .and_then(|mut s| {
        s.query_map(params![user.id, limit], rows::user_session)?
            .collect()
    })
    .map_err(backend)
}

pub fn update_user(
    conn: &Connection,
    account_id: &str,
    user_id: &str,
    patch: UserPatch,
    inline: Option<InlineLease>,
) -> StoreResult<(Change<User>, Fanout)> {
    let user = user_in(conn, account_id, user_id)?;
    let room = room_in(conn, account_id, &user.room_id)?;
    let Some((user, mut event)) = rules::patched_user(&user, &room, patch, clock::now()) else {
        return Ok((Change::quiet(user), Fanout::default()));
    };
    conn.execute(
        "UPDATE users SET name = ?1, profile_picture = ?2, updated_at = ?3 WHERE id = ?4",
        params![
            user.name,
            user.profile_picture,
            ts(&user.updated_at),
            user.id
        ],
    )
    .map_err(backend)?;
    let deliveries = queue::insert_event(conn, &mut event, inline)?;
    Ok((
        Change {
            value: user,
            events: vec![event],
            leased: Vec::new(),
        },
        deliveries,
    ))
}

pub fn delete_user(
    conn: &Connection,
    account_id: &str,
    user_id: &str,
    inline: Option<InlineLease>,
) -> StoreResult<(Change<User>, Fanout)> {
    let user = user_in(conn, account_id, user_id)?;
    let room = room_in(conn, account_id, &user.room_id)?;
    // A participant leaves before being deleted (the hub normally did it already).
    let (mut events, mut deliveries, _) =
        sessions::leave(conn, &room, &user.id, None, Some(&user), inline)?;
    // As the leave left them (offline): that is who `user.deleted` shows.
    let user = user_in(conn, account_id, user_id)?;
    let (event, fanout) = delete_user_in(conn, &room, &user, inline)?;
    events.push(event);
    deliveries.add(fanout);
    Ok((
        Change {
            value: user,
            events,
            leased: Vec::new(),
        },
        deliveries,
    ))
}

/// Deletes one user and stores its `user.deleted` event.
fn delete_user_in(
    conn: &Connection,
    room: &Room,
    user: &User,
    inline: Option<InlineLease>,
) -> StoreResult<(Event, Fanout)> {
    conn.prepare_cached("DELETE FROM users WHERE id = ?1")
        .and_then(|mut s| s.execute(params![user.id]))
        .map_err(backend)?;
    // The room as the previous changes of this transaction left it (a leave, other users).
    let room = room_in(conn, &room.account_id, &room.id)?;
    let (room, mut event) = rules::user_deleted(&room, user, clock::now());
    write_counters(conn, &room)?;
    let fanout = queue::insert_event(conn, &mut event, inline)?;
    Ok((event, fanout))
}

/// The event log's query for a filter (`?1` account, `?2` after, `?3` room, `?4` event name,
/// `?5` limit), each served by its own index: a filter written `?3 IS NULL OR room_id = ?3`
/// would read the account's whole history to find one quiet room's events.
pub(super) fn events_query(filter: &EventFilter) -> String {
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
const ROOM_EVENTS: &str = "WHERE room_id = ?2 AND room_seq > ?3 AND account_id = ?1
     ORDER BY room_seq LIMIT ?4";

/// A room's newest events, newest first, at most `?3` (`?1` account, `?2` room).
const RECENT_EVENTS: &str =
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
fn events_where(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::query_plan;
    use collabkit_webhooks::WebhookEventName;

    /// Live rooms are read from the account's open sessions, not its rooms.
    #[test]
    fn live_rooms_seek_the_open_sessions_of_the_account() {
        let plan = query_plan(&live_rooms_query(), 3);
        assert!(
            plan.iter()
                .any(|l| l.contains("USING INDEX sessions_open_by_account")),
            "{plan:#?}"
        );
        assert!(!plan.iter().any(|l| l.starts_with("SCAN r")), "{plan:#?}");
    }

    /// Every filter of the event log seeks its own index: a quiet room's page does not read the
    /// account's whole history.
    #[test]
    fn every_event_log_query_is_indexed() {
        let filters = [
            (None, None, "events_by_account (account_id=? AND seq>?)"),
            (Some("r"), None, "events_by_room (room_id=? AND seq>?)"),
            (
                None,
                Some(WebhookEventName::UserDeleted),
                "events_by_name (account_id=? AND event=? AND seq>?)",
            ),
            (
                Some("r"),
                Some(WebhookEventName::UserDeleted),
                "events_by_room (room_id=? AND seq>?)",
            ),
        ];
        for (room, event, index) in filters {
            let filter = EventFilter {
                room_id: room.map(str::to_owned),
                event,
            };
            let plan = query_plan(&events_query(&filter), 5);
            assert!(
                plan.iter()
                    .any(|l| l == &format!("SEARCH events USING INDEX {index}")),
                "{filter:?}: {plan:#?}"
            );
            assert!(!plan.iter().any(|l| l.contains("SCAN")), "{plan:#?}");
        }
    }

    /// A room's catch-up read and its recent events seek the room's numbers, whatever the
    /// account's history.
    #[test]
    fn room_event_reads_seek_the_rooms_numbers() {
        for (clause, params) in [(ROOM_EVENTS, 4), (RECENT_EVENTS, 3)] {
            let plan = query_plan(&format!("SELECT {EVENT_COLS} FROM events {clause}"), params);
            assert!(
                plan.iter()
                    .any(|l| l.starts_with("SEARCH events USING INDEX events_by_room_seq")),
                "{clause}: {plan:#?}"
            );
            assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{plan:#?}");
        }
    }

    /// The room and user lists (filtered or not, and their counts) seek the account's rooms
    /// or the room's users, never scan the tables.
    #[test]
    fn room_and_user_lists_seek_their_index() {
        let rooms = [
            format!(
                "SELECT {ROOM_COLS} FROM rooms WHERE {ROOM_FILTERS} AND seq > :after
                 ORDER BY seq LIMIT :limit OFFSET :offset"
            ),
            format!("SELECT COUNT(*) FROM rooms WHERE {ROOM_FILTERS}"),
        ];
        for sql in rooms {
            let plan = named_query_plan(&sql);
            assert!(
                plan.iter()
                    .any(|l| l.contains("USING INDEX rooms_by_account")),
                "{sql}: {plan:#?}"
            );
            assert!(!plan.iter().any(|l| l.starts_with("SCAN")), "{plan:#?}");
        }
        let users = [
            format!(
                "SELECT {USER_COLS} FROM users WHERE room_id = :key AND {USER_FILTERS}
                 AND seq > :after ORDER BY seq LIMIT :limit OFFSET :offset"
            ),
            format!("SELECT COUNT(*) FROM users WHERE room_id = :key AND {USER_FILTERS}"),
        ];
        for sql in users {
            let plan = named_query_plan(&sql);
            assert!(
                plan.iter().any(|l| l.contains("USING INDEX users_by_room")),
                "{sql}: {plan:#?}"
            );
            assert!(!plan.iter().any(|l| l.starts_with("SCAN")), "{plan:#?}");
        }
    }

    /// The plan of a statement with named parameters, each bound to text.
    fn named_query_plan(sql: &str) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = Connection::open(dir.path().join("plan.db")).unwrap();
        crate::migrate::migrate(&mut conn).unwrap();
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .unwrap();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        for i in 1..=stmt.parameter_count() {
            stmt.raw_bind_parameter(i, format!("v{i}")).unwrap();
        }
        let mut rows = stmt.raw_query();
        let mut plan = Vec::new();
        while let Some(row) = rows.next().unwrap() {
            plan.push(row.get::<_, String>(3).unwrap());
        }
        plan
    }

    /// The start-up look for tokens still in clear seeks an index of just those rows.
    #[test]
    fn legacy_tokens_are_found_by_index() {
        let plan = query_plan(LEGACY_TOKENS, 1);
        assert!(
            plan.iter()
                .any(|l| l.contains("USING INDEX users_token_unsealed")),
            "{plan:#?}"
        );
    }

    /// Deleting a room finds its registrations and sessions by index (the cascade from `rooms`
    /// and our own `DELETE … WHERE room_id`), not by scanning every account's.
    #[test]
    fn room_deletion_seeks_its_rows() {
        for (sql, table) in [
            ("DELETE FROM webhooks WHERE room_id = ?1", "webhooks"),
            ("DELETE FROM sessions WHERE room_id = ?1", "sessions"),
        ] {
            let plan = query_plan(sql, 1);
            assert!(
                plan.iter()
                    .any(|l| l.starts_with(&format!("SEARCH {table} USING"))),
                "{sql}: {plan:#?}"
            );
        }
    }

    /// Reconcile repairs a participant counter a crash left stale, from who holds the room's
    /// open session.
    #[tokio::test]
    async fn reconcile_repairs_a_stale_participant_counter() {
        use collabkit_domain::store::{NewRoom, prelude::*};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stale.db");
        let store = crate::SqliteStore::open(&path, &crate::SqliteOptions::default())
            .await
            .unwrap();
        let account = collabkit_domain::accounts::create(&store, "a")
            .await
            .unwrap()
            .account
            .id;
        let room = store
            .create_room(
                &account,
                NewRoom {
                    custom_id: None,
                    name: "R".into(),
                },
            )
            .await
            .unwrap();
        let token = collabkit_domain::accounts::new_user_token();
        let new = NewUser {
            room_id: room.id.clone(),
            custom_id: None,
            name: "U".into(),
            profile_picture: None,
            token_sealed: format!("sealed:{token}"),
            token,
        };
        let user = store.create_user(&account, new, None).await.unwrap().value;
        store
            .join_session(&account, &room.id, &user.id, "n", None)
            .await
            .unwrap();
        Connection::open(&path)
            .unwrap()
            .execute("UPDATE rooms SET participants = 5", [])
            .unwrap();
        let (after, previous, now) = store.reconcile_room(&account, &room.id).await.unwrap();
        assert_eq!((previous, now), (5, 1));
        assert_eq!(
            store
                .get_room(&account, &room.id)
                .await
                .unwrap()
                .counters
                .participants,
            1
        );
        assert_eq!(after.counters.participants, 1);
    }
}
