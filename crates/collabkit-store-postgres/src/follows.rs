//! Follows between the users of a room on PostgreSQL (`user_follows`): set and removed in a
//! transaction that holds both users, listed with the room's check in one round trip. They go
//! with their users by the table's keys.

use collabkit_domain::clock;
use collabkit_domain::store::{StoreError, StoreResult};
use deadpool_postgres::GenericClient;

use crate::lookup::room_in;
use crate::sql::{Params, execute, query};

/// Both users of a follow, if they are the room's (and so the account's: a user's account is
/// its room's), locked `FOR KEY SHARE` until the commit: neither can be deleted meanwhile, so
/// the row written next never points at a user gone (and a deletion waiting for the lock
/// takes the row with it).
const MEMBERS: &str =
    "SELECT id FROM users WHERE account_id = $1 AND room_id = $2 AND id IN ($3, $4)
     FOR KEY SHARE";

/// Records or removes that `follower_id` follows `user_id` (in a transaction: see
/// [`MEMBERS`]); whether a row changed.
pub async fn set_follow<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
    follower_id: &str,
    user_id: &str,
    follow: bool,
) -> StoreResult<bool> {
    let members = query(c, MEMBERS, &[&account_id, &room_id, &follower_id, &user_id]).await?;
    let member = |id: &str| members.iter().any(|r| r.get::<_, &str>(0) == id);
    if !(member(follower_id) && member(user_id)) {
        // Which one is missing: the room (of this account), or a user of it.
        room_in(c, account_id, room_id).await?;
        return Err(StoreError::NotFound("user"));
    }
    let changed = if follow {
        execute(
            c,
            "INSERT INTO user_follows (account_id, room_id, follower_id, user_id, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
            &[&account_id, &room_id, &follower_id, &user_id, &clock::now()],
        )
        .await?
    } else {
        execute(
            c,
            "DELETE FROM user_follows WHERE room_id = $1 AND follower_id = $2 AND user_id = $3",
            &[&room_id, &follower_id, &user_id],
        )
        .await?
    };
    Ok(changed > 0)
}

/// The room's follows, by follower then user (the primary key's order), sent with the room's
/// check.
pub async fn room_follows<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
) -> StoreResult<Vec<(String, String)>> {
    let room = room_in(c, account_id, room_id);
    let params: Params = &[&room_id, &account_id];
    let follows = query(
        c,
        "SELECT follower_id, user_id FROM user_follows WHERE room_id = $1 AND account_id = $2
         ORDER BY follower_id, user_id",
        params,
    );
    let (_, rows) = futures_util::future::try_join(room, follows).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
