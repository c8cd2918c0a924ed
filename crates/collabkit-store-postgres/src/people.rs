//! Accounts, rooms, users and the event log on PostgreSQL. User changes store their events,
//! with their deliveries, in the same transaction.

use collabkit_domain::accounts::token_lookup;
use collabkit_domain::clock;
use collabkit_domain::rules;
use collabkit_domain::store::{
    Account, Change, Cursor, Event, EventFilter, InlineLease, NewUser, Page, PageRequest, Room,
    RoomFilter, StoreError, StoreResult, TokenSealer, User, UserFilter, UserPatch, UserSession,
    like_pattern,
};
use deadpool_postgres::GenericClient;

use crate::queue::{self, Fanout};
use crate::rows::{
    self, ACCOUNT_COLS, EVENT_COLS, ROOM_COLS, ROOM_FROM, USER_COLS, USER_SESSION_COLS,
};
use crate::sessions;

pub use crate::lookup::{RoomLock, lock_room, room_in, user_in};
use crate::sql::{Params, SHARD, execute, query, query_one, query_opt};

pub async fn create_account<C: GenericClient + Sync>(c: &C, a: &Account) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES ($1, $2, $3, $4)",
        &[&a.id, &a.name, &a.api_key_hash, &a.created_at],
    )
    .await?;
    Ok(())
}

pub async fn account<C: GenericClient + Sync>(c: &C, account_id: &str) -> StoreResult<Account> {
    query_opt(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = $1"),
        &[&account_id],
    )
    .await?
    .map(|r| rows::account(&r))
    .ok_or(StoreError::NotFound("account"))
}

/// Accounts by id; the cursor is the last id (ids follow creation).
pub async fn list_accounts<C: GenericClient + Sync>(
    c: &C,
    page: &PageRequest,
) -> StoreResult<Page<Account>> {
    let after = page
        .after
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let mut accounts: Vec<Account> = query(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id > $1 ORDER BY id LIMIT $2"),
        &[&after, &(page.limit as i64 + 1)],
    )
    .await?
    .iter()
    .map(rows::account)
    .collect();
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

pub async fn rotate_api_key<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    hash: &str,
) -> StoreResult<Account> {
    let n = execute(
        c,
        "UPDATE accounts SET api_key_hash = $1 WHERE id = $2",
        &[&hash, &account_id],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::NotFound("account"));
    }
    account(c, account_id).await
}

pub async fn count_accounts<C: GenericClient + Sync>(c: &C) -> StoreResult<u64> {
    let row = query_one(c, "SELECT COUNT(*) FROM accounts", &[]).await?;
    Ok(row.get::<_, i64>(0) as u64)
}

/// The room, its counters' row and one more room in the account's count, in one statement.
pub async fn create_room<C: GenericClient + Sync>(c: &C, room: &Room) -> StoreResult<()> {
    execute(
        c,
        &format!(
            "WITH r AS (
                INSERT INTO rooms (id, account_id, custom_id, name, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, account_id),
             s AS (INSERT INTO room_sequences (room_id, last_event_seq) SELECT id, 0 FROM r)
             INSERT INTO account_counters AS a (account_id, shard, rooms)
             SELECT account_id, {SHARD}, 1 FROM r
             ON CONFLICT (account_id, shard) DO UPDATE SET rooms = a.rooms + 1"
        ),
        &[
            &room.id,
            &room.account_id,
            &room.custom_id,
            &room.name,
            &room.created_at,
            &room.updated_at,
        ],
    )
    .await?;
    Ok(())
}

pub async fn room_by_custom_id<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    custom_id: &str,
) -> StoreResult<Room> {
    query_opt(
        c,
        &format!(
            "SELECT {ROOM_COLS} FROM {ROOM_FROM} WHERE r.account_id = $1 AND r.custom_id = $2"
        ),
        &[&account_id, &custom_id],
    )
    .await?
    .map(|r| rows::room(&r).1)
    .ok_or(StoreError::NotFound("room"))
}

/// The ASCII-folding "contains" of `like_pattern` on a column (PostgreSQL's `lower` would also
/// fold other letters, which SQLite's `LIKE` does not).
fn folded(column: &str) -> String {
    format!("translate({column}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
}

/// A `WHERE` clause with only the conditions a filter sets, and their parameters: each
/// combination is its own prepared statement, so an unfiltered list keeps its plain ordered
/// seek of the scope's index (a condition such as `($2 IS NULL OR …)` makes a generic plan
/// read and sort the whole scope, thinking it selective).
struct Conditions<'a> {
    clause: String,
    params: Vec<&'a (dyn tokio_postgres::types::ToSql + Sync)>,
}

impl<'a> Conditions<'a> {
    fn new(scope: &str, params: Vec<&'a (dyn tokio_postgres::types::ToSql + Sync)>) -> Self {
        Conditions {
            clause: scope.to_owned(),
            params,
        }
    }

    /// `AND` the condition `sql` writes for the next parameter's placeholder, when `value` is
    /// set.
    fn and<T: tokio_postgres::types::ToSql + Sync>(
        &mut self,
        value: &'a Option<T>,
        sql: impl FnOnce(&str) -> String,
    ) {
        if let Some(v) = value {
            self.params.push(v);
            let placeholder = format!("${}", self.params.len());
            self.clause.push_str(" AND ");
            self.clause.push_str(&sql(&placeholder));
        }
    }

    /// The next parameter's placeholder, for a value the caller adds after the conditions.
    fn next(&mut self, value: &'a (dyn tokio_postgres::types::ToSql + Sync)) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }
}

/// A page of the account's rooms and the list's total: the account's room counter (at most 64
/// rows) unfiltered, a count of the matches filtered (it reads each of the account's rooms
/// through `rooms_by_account`). Both statements are sent at once.
pub async fn list_rooms<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    filter: &RoomFilter,
    page: PageRequest,
) -> StoreResult<Page<Room>> {
    let after = page.after_seq()?;
    let pattern = filter.search.as_deref().map(like_pattern);
    let (limit, skip) = (page.limit as i64 + 1, page.skip() as i64);
    let mut only = Conditions::new("r.account_id = $1", vec![&account_id]);
    only.and(&pattern, |p| format!("{} LIKE {p}", folded("r.name")));
    only.and(&filter.from, |p| format!("r.created_at >= {p}"));
    only.and(&filter.to, |p| format!("r.created_at <= {p}"));
    let count_sql = format!("SELECT COUNT(*) FROM rooms r WHERE {}", only.clause);
    let count_params = only.params.clone();
    let (a, l, o) = (only.next(&after), only.next(&limit), only.next(&skip));
    let items_sql = format!(
        "SELECT {ROOM_COLS} FROM {ROOM_FROM} WHERE {} AND r.seq > {a} ORDER BY r.seq LIMIT {l} OFFSET {o}",
        only.clause
    );
    let items = query(c, &items_sql, &only.params);
    let (rows, total) = if filter.is_empty() {
        let total_params: Params = &[&account_id];
        let total = query_one(
            c,
            "SELECT COALESCE(SUM(rooms), 0)::bigint FROM account_counters WHERE account_id = $1",
            total_params,
        );
        futures_util::future::try_join(items, total).await?
    } else {
        let total = query_one(c, &count_sql, &count_params);
        futures_util::future::try_join(items, total).await?
    };
    Ok(
        Page::from_seq_rows(rows.iter().map(rows::room).collect(), page.limit)
            .with_total(total.get::<_, i64>(0).max(0) as u64),
    )
}

/// Paged by cursor only (the live rooms are few), without a total.
pub async fn list_live_rooms<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    page: PageRequest,
) -> StoreResult<Page<Room>> {
    let sql = format!(
        "SELECT {ROOM_COLS} FROM sessions o JOIN rooms r ON r.id = o.room_id
         JOIN room_sequences s ON s.room_id = r.id
         WHERE o.account_id = $1 AND o.closed_at IS NULL AND r.seq > $2
         ORDER BY r.seq LIMIT $3"
    );
    let after = page.after_seq()?;
    let rows = query(c, &sql, &[&account_id, &after, &(page.limit as i64 + 1)]).await?;
    Ok(Page::from_seq_rows(
        rows.iter().map(rows::room).collect(),
        page.limit,
    ))
}

pub async fn rename_room<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    name: String,
) -> StoreResult<Room> {
    let room = lock_room(c, account_id, room_id, RoomLock::Session).await?;
    let Some(renamed) = rules::renamed_room(&room, name, clock::now()) else {
        return Ok(room);
    };
    execute(
        c,
        "UPDATE rooms SET name = $1, updated_at = $2 WHERE id = $3",
        &[&renamed.name, &renamed.updated_at, &renamed.id],
    )
    .await?;
    Ok(renamed)
}

pub async fn delete_room<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    inline: Option<InlineLease>,
) -> StoreResult<(Change<Room>, Fanout)> {
    let room = lock_room(c, account_id, room_id, RoomLock::Delete).await?;
    // The order of `rules`: the live session ends, scoped registrations go, each user with its
    // `user.deleted`, then the room.
    let mut room = room;
    let (mut events, mut fanout) = sessions::end_room(c, &mut room, inline).await?;
    execute(c, "DELETE FROM webhooks WHERE room_id = $1", &[&room.id]).await?;
    let users = query(
        c,
        &format!("SELECT {USER_COLS} FROM users WHERE room_id = $1 ORDER BY seq"),
        &[&room.id],
    )
    .await?;
    for row in &users {
        let (_, user) = rows::user(row);
        let (event, f) = delete_user_in(c, &mut room, &user, inline).await?;
        events.push(event);
        fanout.add(f);
    }
    // Its numbers and counters end with it (no event of it comes after), and the account has
    // one room less.
    execute(
        c,
        &format!(
            "WITH r AS (DELETE FROM rooms WHERE id = $1 RETURNING account_id),
             s AS (DELETE FROM room_sequences WHERE room_id = $1)
             INSERT INTO account_counters AS a (account_id, shard, rooms)
             SELECT account_id, {SHARD}, -1 FROM r
             ON CONFLICT (account_id, shard) DO UPDATE SET rooms = a.rooms - 1"
        ),
        &[&room.id],
    )
    .await?;
    Ok((
        Change {
            events,
            ..Change::quiet(room)
        },
        fanout,
    ))
}

pub async fn create_user<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    new: NewUser,
    inline: Option<InlineLease>,
) -> StoreResult<(Change<User>, Fanout)> {
    let room = lock_room(c, account_id, &new.room_id, RoomLock::Share).await?;
    let lookup = token_lookup(&new.token);
    let (room, user, mut event) = rules::new_user(&room, new, clock::now());
    execute(
        c,
        "INSERT INTO users (id, account_id, room_id, custom_id, name, profile_picture, token, token_sealed, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            &user.id,
            &user.account_id,
            &user.room_id,
            &user.custom_id,
            &user.name,
            &user.profile_picture,
            &lookup,
            &user.token_sealed,
            &user.created_at,
            &user.updated_at,
        ],
    )
    .await?;
    let fanout = queue::insert_event(c, &mut event, inline, &room).await?;
    Ok((
        Change {
            events: vec![event],
            ..Change::quiet(user)
        },
        fanout,
    ))
}

pub async fn user_by_custom_id<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    custom_id: &str,
) -> StoreResult<User> {
    query_opt(
        c,
        &format!(
            "SELECT {USER_COLS} FROM users WHERE account_id = $1 AND room_id = $2 AND custom_id = $3"
        ),
        &[&account_id, &room_id, &custom_id],
    )
    .await?
    .map(|r| rows::user(&r).1)
    .ok_or(StoreError::NotFound("user"))
}

pub async fn user_by_token<C: GenericClient + Sync>(c: &C, token: &str) -> StoreResult<User> {
    query_opt(
        c,
        &format!("SELECT {USER_COLS} FROM users WHERE token = $1"),
        &[&token_lookup(token)],
    )
    .await?
    .map(|r| rows::user(&r).1)
    .ok_or(StoreError::NotFound("user"))
}

/// Tokens were sealed from this backend's first version on: nothing to convert.
pub async fn seal_legacy_tokens(_seal: TokenSealer, _batch: u32) -> StoreResult<u64> {
    Ok(0)
}

/// A page of users and the list's total: the room's user counter (read with the room) when
/// only the room narrows the list, else a count of the matches (of the room's users through
/// `users_by_room`, or of all users for the account's: the API always names a room, and an
/// index for it would cost every user insert), sent with the page's statement.
pub async fn list_users<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    filter: &UserFilter,
    page: PageRequest,
) -> StoreResult<Page<User>> {
    let room = match &filter.room_id {
        Some(room_id) => Some(room_in(c, account_id, room_id).await?),
        None => None,
    };
    let room_id = room.as_ref().map(|r| r.id.clone());
    let after = page.after_seq()?;
    let pattern = filter.search.as_deref().map(like_pattern);
    let (limit, skip) = (page.limit as i64 + 1, page.skip() as i64);
    let mut only = match &room_id {
        Some(id) => Conditions::new("room_id = $1 AND account_id = $2", vec![id, &account_id]),
        None => Conditions::new("account_id = $1", vec![&account_id]),
    };
    if let Some(search) = &filter.search {
        // The name contains it, or it is the user's id.
        let (p, i) = (only.next(&pattern), only.next(search));
        only.clause
            .push_str(&format!(" AND ({} LIKE {p} OR id = {i})", folded("name")));
    }
    only.and(&filter.from, |p| format!("created_at >= {p}"));
    only.and(&filter.to, |p| format!("created_at <= {p}"));
    let count_sql = format!("SELECT COUNT(*) FROM users WHERE {}", only.clause);
    let count_params = only.params.clone();
    let (a, l, o) = (only.next(&after), only.next(&limit), only.next(&skip));
    let items_sql = format!(
        "SELECT {USER_COLS} FROM users WHERE {} AND seq > {a} ORDER BY seq LIMIT {l} OFFSET {o}",
        only.clause
    );
    let items = query(c, &items_sql, &only.params);
    let (rows, total) = match &room {
        Some(room) if filter.only_room() => (items.await?, room.counters.users),
        _ => {
            let count = query_one(c, &count_sql, &count_params);
            let (rows, count) = futures_util::future::try_join(items, count).await?;
            (rows, count.get::<_, i64>(0) as u64)
        }
    };
    Ok(Page::from_seq_rows(rows.iter().map(rows::user).collect(), page.limit).with_total(total))
}

/// The user's participations, newest first (the user's check and the read sent at once).
pub async fn user_sessions<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    user_id: &str,
    limit: u32,
) -> StoreResult<Vec<UserSession>> {
    let user = user_in(c, account_id, user_id);
    let sql = format!(
        "SELECT {USER_SESSION_COLS} FROM user_sessions WHERE user_id = $1 AND account_id = $2
         ORDER BY seq DESC LIMIT $3"
    );
    let sessions_params: Params = &[&user_id, &account_id, &i64::from(limit)];
    let sessions = query(c, &sql, sessions_params);
    let (_, rows) = futures_util::future::try_join(user, sessions).await?;
    Ok(rows.iter().map(rows::user_session).collect())
}

/// Recounts the room's participants from its live session's participation rows (under the
/// session lock: no join or leave runs meanwhile) and writes the counter.
pub async fn reconcile_room<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
) -> StoreResult<(Room, u64, u64)> {
    let room = lock_room(c, account_id, room_id, RoomLock::Session).await?;
    let participating: i64 = query_one(
        c,
        "SELECT COUNT(DISTINCT p.user_id) FROM sessions o JOIN participants p ON p.session_id = o.id
         WHERE o.room_id = $1 AND o.closed_at IS NULL",
        &[&room.id],
    )
    .await?
    .get(0);
    let (after, previous, now) = rules::reconciled(&room, participating.max(0) as u64);
    if previous != now {
        execute(
            c,
            "UPDATE room_sequences SET participants = $1 WHERE room_id = $2",
            &[&(now as i64), &after.id],
        )
        .await?;
    }
    Ok((after, previous, now))
}

pub async fn update_user<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    user_id: &str,
    patch: UserPatch,
    inline: Option<InlineLease>,
) -> StoreResult<(Change<User>, Fanout)> {
    let user = user_in(c, account_id, user_id).await?;
    let room = lock_room(c, account_id, &user.room_id, RoomLock::Share).await?;
    let Some((user, mut event)) = rules::patched_user(&user, &room, patch, clock::now()) else {
        return Ok((Change::quiet(user), Fanout::default()));
    };
    execute(
        c,
        "UPDATE users SET name = $1, profile_picture = $2, updated_at = $3 WHERE id = $4",
        &[
            &user.name,
            &user.profile_picture,
            &user.updated_at,
            &user.id,
        ],
    )
    .await?;
    let fanout = queue::insert_event(c, &mut event, inline, &room).await?;
    Ok((
        Change {
            events: vec![event],
            ..Change::quiet(user)
        },
        fanout,
    ))
}

pub async fn delete_user<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    user_id: &str,
    inline: Option<InlineLease>,
) -> StoreResult<(Change<User>, Fanout)> {
    let user = user_in(c, account_id, user_id).await?;
    let mut room = lock_room(c, account_id, &user.room_id, RoomLock::Session).await?;
    // A participant leaves before being deleted (the hub normally did it already).
    let (mut events, mut fanout, left, _) =
        sessions::leave(c, &mut room, &user.id, None, Some(&user), inline).await?;
    let user = left.unwrap_or(user);
    let (event, f) = delete_user_in(c, &mut room, &user, inline).await?;
    events.push(event);
    fanout.add(f);
    Ok((
        Change {
            events,
            ..Change::quiet(user)
        },
        fanout,
    ))
}

/// Deletes the user (its participations go with it); `room` becomes the room after.
async fn delete_user_in<C: GenericClient + Sync>(
    c: &C,
    room: &mut Room,
    user: &User,
    inline: Option<InlineLease>,
) -> StoreResult<(Event, Fanout)> {
    execute(c, "DELETE FROM users WHERE id = $1", &[&user.id]).await?;
    let (after, mut event) = rules::user_deleted(room, user, clock::now());
    *room = after;
    let fanout = queue::insert_event(c, &mut event, inline, room).await?;
    Ok((event, fanout))
}

/// The event log's query for a filter (`$1` account, `$2`/`$3` the cursor's transaction id and
/// `seq`, `$4` room, `$5` event name, `$6` limit), each filter served by its own index.
///
/// Why not `seq > cursor`: with several writers a lower `seq` can commit after a higher one a
/// reader already passed, and a reader paging through the log would skip it for good. Rows are
/// read in (inserting transaction, `seq`) order, and only those below the horizon (`$7`, see
/// [`crate::horizon`]): any row that becomes visible later belongs to a transaction at or past
/// it, so it sorts after every row already returned.
fn events_query(filter: &EventFilter) -> String {
    let only = match (&filter.room_id, &filter.event) {
        (Some(_), Some(_)) => "room_id = $4 AND account_id = $1 AND event = $5",
        (Some(_), None) => "room_id = $4 AND account_id = $1 AND $5::text IS NULL",
        (None, Some(_)) => "account_id = $1 AND event = $5 AND $4::text IS NULL",
        (None, None) => "account_id = $1 AND $4::text IS NULL AND $5::text IS NULL",
    };
    format!(
        "SELECT {EVENT_COLS}, txid::text AS txid, txid < $7::text::xid8 AS settled
         FROM events WHERE {only} AND (txid, seq) > ($2::text::xid8, $3)
         ORDER BY txid, seq LIMIT $6"
    )
}

pub async fn room_events<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    after_room_seq: i64,
    limit: u32,
) -> StoreResult<Vec<Event>> {
    events_where(
        c,
        "room_id = $2 AND room_seq > $3 AND account_id = $1 ORDER BY room_seq LIMIT $4",
        &[&account_id, &room_id, &after_room_seq, &i64::from(limit)],
    )
    .await
}

pub async fn recent_events<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    limit: u32,
) -> StoreResult<Vec<Event>> {
    events_where(
        c,
        "room_id = $2 AND account_id = $1 ORDER BY room_seq DESC LIMIT $3",
        &[&account_id, &room_id, &i64::from(limit)],
    )
    .await
}

/// The events a `WHERE …` clause selects.
async fn events_where<C: GenericClient + Sync>(
    c: &C,
    clause: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> StoreResult<Vec<Event>> {
    query(
        c,
        &format!("SELECT {EVENT_COLS} FROM events WHERE {clause}"),
        params,
    )
    .await?
    .iter()
    .map(|r| rows::event(r).map(|(_, e)| e))
    .collect()
}

/// The position after an event: its transaction's id and its `seq`.
fn log_cursor(txid: &str, seq: i64) -> Cursor {
    Cursor::new(format!("{txid}.{seq}"))
}

fn log_position(page: &PageRequest) -> StoreResult<(String, i64)> {
    let Some(cursor) = &page.after else {
        return Ok(("0".to_owned(), 0));
    };
    let (txid, seq) = cursor
        .as_str()
        .split_once('.')
        .ok_or(StoreError::InvalidCursor)?;
    let txid: u64 = txid.parse().map_err(|_| StoreError::InvalidCursor)?;
    let seq: i64 = seq.parse().map_err(|_| StoreError::InvalidCursor)?;
    Ok((txid.to_string(), seq))
}

/// The newest settled event's position (see `events_query`).
pub async fn event_log_end<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
) -> StoreResult<Option<Cursor>> {
    let horizon = crate::horizon::horizon(c).await?;
    Ok(query_opt(
        c,
        "SELECT txid::text, seq FROM events
         WHERE account_id = $1 AND txid < $2::text::xid8
         ORDER BY txid DESC, seq DESC LIMIT 1",
        &[&account_id, &horizon],
    )
    .await?
    .map(|r| log_cursor(r.get(0), r.get(1))))
}

/// How long a read waits for transactions still running before it answers with the settled
/// part of the log only.
const SETTLE_WAIT: std::time::Duration = std::time::Duration::from_millis(200);

pub async fn list_events<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    filter: EventFilter,
    page: PageRequest,
) -> StoreResult<Page<Event>> {
    let (txid, seq) = log_position(&page)?;
    let sql = events_query(&filter);
    let started = std::time::Instant::now();
    loop {
        let horizon = crate::horizon::horizon(c).await?;
        let rows = query(
            c,
            &sql,
            &[
                &account_id,
                &txid,
                &seq,
                &filter.room_id,
                &filter.event.map(|e| e.as_str()),
                &(page.limit as i64 + 1),
                &horizon,
            ],
        )
        .await?;
        // Rows past the horizon are visible but not settled: a writer still running may yet
        // commit a row before them. Writers take milliseconds, so the read waits (a reader
        // sees its own writes); past the wait it returns the settled part.
        let settled = rows
            .iter()
            .take_while(|r| r.get::<_, bool>("settled"))
            .count();
        if settled < rows.len() && started.elapsed() < SETTLE_WAIT {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            continue;
        }
        let mut events = Vec::with_capacity(settled);
        for r in &rows[..settled] {
            let (seq, event) = rows::event(r)?;
            events.push((r.get::<_, String>("txid"), seq, event));
        }
        let more = events.len() > page.limit as usize;
        events.truncate(page.limit as usize);
        let last = events.last().map(|(t, s, _)| log_cursor(t, *s));
        let next = if more || settled < rows.len() {
            last.clone().or_else(|| page.after.clone())
        } else {
            None
        };
        return Ok(Page {
            items: events.into_iter().map(|(_, _, e)| e).collect(),
            next,
            last,
            total: None,
        });
    }
}
