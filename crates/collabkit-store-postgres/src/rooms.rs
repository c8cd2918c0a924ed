//! Rooms on PostgreSQL: their rows and counters, their deletion (the order of `rules`), and
//! the storage contract's `Rooms`.

use collabkit_domain::clock;
use collabkit_domain::rules;
use collabkit_domain::store::{
    Change, InlineLease, Page, PageRequest, Room, RoomFilter, StoreError, StoreResult, like_pattern,
};
use deadpool_postgres::GenericClient;

use crate::queue::Fanout;
use crate::rows::{self, ROOM_COLS, ROOM_FROM, USER_COLS};
use crate::sessions;

use crate::filters::{Conditions, folded};
use crate::lookup::{RoomLock, lock_room};
use crate::sql::{Params, SHARD, execute, query, query_one, query_opt};
use crate::users::delete_user_in;

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
    // Its stores (no key to the room deletes them: see 0008).
    crate::stores::delete_room_stores(c, &room.id).await?;
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

use crate::*;

use collabkit_domain::store::Rooms;

#[async_trait]
impl Rooms for crate::PgStore {
    async fn create_room(&self, account_id: &str, new: NewRoom) -> StoreResult<Room> {
        self.within(async {
            let room = rules::new_room(account_id, new, clock::now());
            crate::rooms::create_room(&self.client().await?, &room).await?;
            Ok(room)
        })
        .await
    }

    async fn get_room(&self, account_id: &str, room_id: &str) -> StoreResult<Room> {
        self.within(async {
            crate::lookup::room_in(&self.client().await?, account_id, room_id).await
        })
        .await
    }

    async fn find_room_by_custom_id(&self, account_id: &str, custom_id: &str) -> StoreResult<Room> {
        self.within(async {
            crate::rooms::room_by_custom_id(&self.client().await?, account_id, custom_id).await
        })
        .await
    }

    async fn list_rooms(
        &self,
        account_id: &str,
        filter: &RoomFilter,
        page: PageRequest,
    ) -> StoreResult<Page<Room>> {
        self.within(async {
            crate::rooms::list_rooms(&self.client().await?, account_id, filter, page).await
        })
        .await
    }

    async fn list_live_rooms(
        &self,
        account_id: &str,
        page: PageRequest,
    ) -> StoreResult<Page<Room>> {
        self.within(async {
            crate::rooms::list_live_rooms(&self.client().await?, account_id, page).await
        })
        .await
    }

    async fn rename_room(&self, account_id: &str, room_id: &str, name: &str) -> StoreResult<Room> {
        in_tx!(self, tx => crate::rooms::rename_room(&tx, account_id, room_id, name.to_owned()).await?)
    }

    async fn delete_room(
        &self,
        account_id: &str,
        room_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<Room>> {
        in_tx!(self, tx => {
            let (change, fanout) = crate::rooms::delete_room(&tx, account_id, room_id, lease).await?;
            Self::finish_change(&tx, change, fanout).await?
        })
    }

    async fn reconcile_room(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<(Room, u64, u64)> {
        in_tx!(self, tx => crate::rooms::reconcile_room(&tx, account_id, room_id).await?)
    }
}
