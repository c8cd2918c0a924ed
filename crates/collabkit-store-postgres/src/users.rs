//! Users on PostgreSQL: their rows, their changes with their events (and deliveries) in the
//! same transaction, and the storage contract's `Users`.

use collabkit_domain::accounts::token_lookup;
use collabkit_domain::clock;
use collabkit_domain::rules;
use collabkit_domain::store::{
    Change, Event, InlineLease, NewUser, Page, PageRequest, Room, StoreError, StoreResult,
    TokenSealer, User, UserFilter, UserPatch, UserSession, like_pattern,
};
use deadpool_postgres::GenericClient;

use crate::queue::{self, Fanout};
use crate::rows::{self, USER_COLS, USER_SESSION_COLS};
use crate::sessions;

use crate::filters::{Conditions, folded};
use crate::lookup::{RoomLock, lock_room, room_in, user_in};
use crate::sql::{Params, execute, query, query_one, query_opt};

/// A user change's tail, once its row is written: its one event stored with the deliveries it
/// fans out to (`room` as the change left it), and the change as returned.
async fn with_event<C: GenericClient + Sync>(
    c: &C,
    user: User,
    mut event: Event,
    inline: Option<InlineLease>,
    room: &Room,
) -> StoreResult<(Change<User>, Fanout)> {
    let fanout = queue::insert_event(c, &mut event, inline, room).await?;
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

pub async fn update_user<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    user_id: &str,
    patch: UserPatch,
    inline: Option<InlineLease>,
) -> StoreResult<(Change<User>, Fanout)> {
    let user = user_in(c, account_id, user_id).await?;
    let room = lock_room(c, account_id, &user.room_id, RoomLock::Share).await?;
    let Some((user, event)) = rules::patched_user(&user, &room, patch, clock::now()) else {
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
    with_event(c, user, event, inline, &room).await
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
pub(crate) async fn delete_user_in<C: GenericClient + Sync>(
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

use crate::*;

use collabkit_domain::store::Users;

#[async_trait]
impl Users for crate::PgStore {
    async fn create_user(
        &self,
        account_id: &str,
        new: NewUser,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        self.within(async { self.users.create_user(account_id, new, lease).await })
            .await
    }

    async fn get_user(&self, account_id: &str, user_id: &str) -> StoreResult<User> {
        self.within(async {
            crate::lookup::user_in(&self.client().await?, account_id, user_id).await
        })
        .await
    }

    async fn find_user_by_custom_id(
        &self,
        account_id: &str,
        room_id: &str,
        custom_id: &str,
    ) -> StoreResult<User> {
        self.within(async {
            crate::users::user_by_custom_id(&self.client().await?, account_id, room_id, custom_id)
                .await
        })
        .await
    }

    async fn find_user_by_token(&self, token: &str) -> StoreResult<User> {
        self.within(async { crate::users::user_by_token(&self.client().await?, token).await })
            .await
    }

    async fn seal_legacy_tokens(&self, seal: TokenSealer, batch: u32) -> StoreResult<u64> {
        crate::users::seal_legacy_tokens(seal, batch).await
    }

    async fn list_users(
        &self,
        account_id: &str,
        filter: &UserFilter,
        page: PageRequest,
    ) -> StoreResult<Page<User>> {
        self.within(async {
            crate::users::list_users(&self.client().await?, account_id, filter, page).await
        })
        .await
    }

    async fn user_sessions(
        &self,
        account_id: &str,
        user_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<UserSession>> {
        self.within(async {
            crate::users::user_sessions(&self.client().await?, account_id, user_id, limit).await
        })
        .await
    }

    async fn update_user(
        &self,
        account_id: &str,
        user_id: &str,
        patch: UserPatch,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        in_tx!(self, tx => {
            let (change, fanout) = crate::users::update_user(&tx, account_id, user_id, patch, lease).await?;
            Self::finish_change(&tx, change, fanout).await?
        })
    }

    async fn delete_user(
        &self,
        account_id: &str,
        user_id: &str,
        lease: Option<InlineLease>,
    ) -> StoreResult<Change<User>> {
        in_tx!(self, tx => {
            let (change, fanout) = crate::users::delete_user(&tx, account_id, user_id, lease).await?;
            Self::finish_change(&tx, change, fanout).await?
        })
    }

    async fn set_follow(
        &self,
        account_id: &str,
        room_id: &str,
        follower_id: &str,
        user_id: &str,
        follow: bool,
    ) -> StoreResult<bool> {
        in_tx!(self, tx => {
            crate::follows::set_follow(&tx, account_id, room_id, follower_id, user_id, follow).await?
        })
    }

    async fn room_follows(
        &self,
        account_id: &str,
        room_id: &str,
    ) -> StoreResult<Vec<(String, String)>> {
        self.within(async {
            crate::follows::room_follows(&self.client().await?, account_id, room_id).await
        })
        .await
    }
}
