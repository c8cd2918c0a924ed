//! Users on SQLite: their rows, their changes with their events (and deliveries) in the same
//! transaction, and the storage contract's `Users`.

use rusqlite::{Connection, OptionalExtension, named_params, params};

use super::errors::{backend, conflict_or_backend};
use super::queue::{self, Fanout};
use super::rows::{self, USER_COLS, USER_SESSION_COLS, ts};
use super::sessions;
use super::state::write_counters;
use collabkit_domain::store::{
    Change, Event, InlineLease, NewUser, Page, PageRequest, Room, StoreError, StoreResult, User,
    UserFilter, UserPatch, UserSession, like_pattern,
};
use collabkit_domain::{clock, rules};

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
pub(crate) const LEGACY_TOKENS: &str =
    "SELECT seq, token FROM users WHERE token_sealed IS NULL LIMIT ?1";

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
pub(crate) const USER_FILTERS: &str =
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
pub(crate) fn delete_user_in(
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
use crate::*;

use collabkit_domain::store::Users;

#[async_trait]
impl Users for crate::SqliteStore {
    async fn create_user(
        &self,
        account_id: &str,
        new: NewUser,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let a = account_id.to_owned();
        self.write_change(true, lease, move |c, inline| {
            crate::users::create_user(c, &a, new, inline)
        })
        .await
    }

    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<User> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.readers.read(move |c| user_in(c, &a, &u)).await
    }

    async fn find_user_by_custom_id(
        &self,
        account_id: &str,
        room_id: &str,
        custom_id: &str,
    ) -> StoreResult<User> {
        let (a, r, cid) = (
            account_id.to_owned(),
            room_id.to_owned(),
            custom_id.to_owned(),
        );
        self.readers
            .read(move |c| crate::users::user_by_custom_id(c, &a, &r, &cid))
            .await
    }

    async fn find_user_by_token(&self, token: &str) -> StoreResult<User> {
        let t = token.to_owned();
        self.readers
            .read(move |c| crate::users::user_by_token(c, &t))
            .await
    }

    async fn seal_legacy_tokens(&self, seal: TokenSealer, batch: u32) -> StoreResult<u64> {
        self.writer
            .write(move |c| crate::users::seal_legacy_tokens(c, seal.as_ref(), batch))
            .await
    }

    async fn list_users(
        &self,
        account_id: &str,
        filter: &UserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<User>> {
        let (a, f) = (account_id.to_owned(), filter.clone());
        self.readers
            .read(move |c| crate::users::list_users(c, &a, &f, page))
            .await
    }

    async fn user_sessions(
        &self,
        account_id: &str,
        user_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<UserSession>> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.readers
            .read(move |c| crate::users::user_sessions(c, &a, &u, limit))
            .await
    }

    async fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        patch: UserPatch,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.write_change(true, lease, move |c, inline| {
            crate::users::update_user(c, &a, &u, patch, inline)
        })
        .await
    }

    async fn delete_user(
        &self,
        account_id: &str,
        user_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        let (a, u) = (account_id.to_owned(), user_id.to_owned());
        self.write_change(true, lease, move |c, inline| {
            crate::users::delete_user(c, &a, &u, inline)
        })
        .await
    }

    async fn set_follow(
        &self,
        account_id: &str,
        room_id: &str,
        follower_id: &str,
        user_id: &str,
        follow: bool,
    ) -> StoreResult<bool> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        let (f, u) = (follower_id.to_owned(), user_id.to_owned());
        self.writer
            .write_or_shed(move |c| crate::follows::set_follow(c, &a, &r, &f, &u, follow))
            .await
    }

    async fn room_follows(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        let (a, r) = (account_id.to_owned(), room_id.to_owned());
        self.readers
            .read(move |c| crate::follows::room_follows(c, &a, &r))
            .await
    }
}
