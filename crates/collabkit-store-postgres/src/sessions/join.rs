//! A join: the session started when it is the first, the user's hold through the node, and
//! the user joining (snapshot, online, participation opened) when it is their first hold.

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::rules::{self, JoinView, OpenSession};
use collabkit_domain::store::{Event, InlineLease, Room, StoreResult, User};
use deadpool_postgres::GenericClient;

use super::{open_session, store_events};
use crate::queue::Fanout;
use crate::sql::{execute, query_opt};

/// A join: read the view, plan it ([`rules::plan_join`]), write the plan.
pub async fn join<C: GenericClient + Sync>(
    c: &C,
    room: &Room,
    user: &User,
    node: &str,
    inline: Option<InlineLease>,
) -> StoreResult<(Vec<Event>, Fanout)> {
    let open = match open_session(c, &room.id).await? {
        Some(id) => Some(OpenSession {
            already_in: query_opt(
                c,
                "SELECT 1 FROM participants WHERE session_id = $1 AND user_id = $2",
                &[&id, &user.id],
            )
            .await?
            .is_some(),
            id,
        }),
        None => None,
    };
    let now = clock::now();
    let plan = rules::plan_join(JoinView { room, user, open }, now)?;
    if let Some(id) = &plan.start {
        execute(
            c,
            "INSERT INTO sessions (id, account_id, room_id, started_at) VALUES ($1, $2, $3, $4)",
            &[id, &room.account_id, &room.id, &now],
        )
        .await?;
    }
    add_node_row(c, &plan.session, &user.id, node, now).await?;
    let (mut events, mut fanout) = (Vec::new(), Fanout::default());
    if let Some(joining) = plan.joining {
        let snapshot = serde_json::to_string(&joining.snapshot).expect("users serialize");
        // The session's snapshot of the user, the user online, and their participation
        // opened, in one statement. (An open participation left by a crash is kept, not
        // doubled.)
        let (joined, opened) = (&joining.user, &joining.user_session);
        execute(
            c,
            "WITH u AS (UPDATE users SET online = true, joined_at = $4 WHERE id = $2),
             p AS (INSERT INTO user_sessions (id, account_id, user_id, room_id, joined_at)
                   VALUES ($5, $6, $2, $7, $8)
                   ON CONFLICT (user_id) WHERE left_at IS NULL DO NOTHING)
             INSERT INTO session_users (session_id, user_id, user_json, seq)
             VALUES ($1, $2, $3, (SELECT COUNT(*) FROM session_users WHERE session_id = $1))
             ON CONFLICT (session_id, user_id) DO UPDATE SET user_json = excluded.user_json",
            &[
                &plan.session,
                &user.id,
                &snapshot,
                &joined.joined_at,
                &opened.id,
                &room.account_id,
                &opened.room_id,
                &opened.joined_at,
            ],
        )
        .await?;
        store_events(
            c,
            &joining.room,
            joining.events,
            inline,
            &mut events,
            &mut fanout,
        )
        .await?;
    }
    Ok((events, fanout))
}

async fn add_node_row<C: GenericClient + Sync>(
    c: &C,
    session: &str,
    user_id: &str,
    node: &str,
    now: Timestamp,
) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO participants (session_id, user_id, node_id, joined_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING",
        &[&session, &user_id, &node, &now],
    )
    .await?;
    Ok(())
}
