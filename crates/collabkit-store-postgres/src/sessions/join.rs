//! A join: the session started when it is the first, the user's hold through the node, and
//! the user joining (snapshot, online, participation opened) when it is their first hold.
//!
//! Joins are written in groups (`group`, a lone join is a group of one): the statements here
//! take one row per join, and a group sends each once.

use std::collections::HashMap;

use collabkit_domain::clock::Timestamp;
use collabkit_domain::rules::{JoinPlan, OpenSession};
use collabkit_domain::store::{Event, Room, StoreResult, User};
use collabkit_webhooks::WebhookEventName;
use deadpool_postgres::GenericClient;

use crate::sql::{Params, execute_rows, query_rows};

/// The events a join may make.
pub(super) const KINDS: &[WebhookEventName] = &[
    WebhookEventName::SessionStarted,
    WebhookEventName::ParticipantJoined,
];

/// Each (room, user)'s open session and whether the user already holds a place in it; rows
/// name their pair by its place from 1.
pub(super) const VIEWS: &str = "SELECT b.i, s.id, EXISTS (SELECT 1 FROM participants p
                                             WHERE p.session_id = s.id AND p.user_id = b.user_id)
     FROM UNNEST($1::text[], $2::text[]) WITH ORDINALITY AS b(room_id, user_id, i)
     JOIN sessions s ON s.room_id = b.room_id AND s.closed_at IS NULL";

const START: &str = "INSERT INTO sessions (id, account_id, room_id, started_at)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[])";

const HOLD: &str = "INSERT INTO participants (session_id, user_id, node_id, joined_at)
     SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[])
     ON CONFLICT DO NOTHING";

/// The session's snapshot of each joining user, the user online, and their participation
/// opened, in one statement. (An open participation left by a crash is kept, not doubled.) A
/// user is in one room, so in one row of a group; a session's new rows (a room's joins of one
/// round) are numbered after the session's others, in the group's order.
const JOINING: &str = "WITH b AS (
        SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::text[],
                             $6::text[], $7::text[], $8::timestamptz[]) WITH ORDINALITY
            AS b(session_id, user_id, user_json, joined_at, us_id, account_id, room_id, us_joined_at, i)),
     u AS (UPDATE users SET online = true, joined_at = b.joined_at FROM b WHERE users.id = b.user_id),
     p AS (INSERT INTO user_sessions (id, account_id, user_id, room_id, joined_at)
           SELECT us_id, account_id, user_id, room_id, us_joined_at FROM b
           ON CONFLICT (user_id) WHERE left_at IS NULL DO NOTHING)
     INSERT INTO session_users (session_id, user_id, user_json, seq)
     SELECT b.session_id, b.user_id, b.user_json,
            (SELECT COUNT(*) FROM session_users x WHERE x.session_id = b.session_id)
                + ROW_NUMBER() OVER (PARTITION BY b.session_id ORDER BY b.i) - 1
     FROM b
     ON CONFLICT (session_id, user_id) DO UPDATE SET user_json = excluded.user_json";

/// Every statement of a join, to prepare before they are pipelined.
pub(super) const STATEMENTS: &[&str] = &[VIEWS, START, HOLD, JOINING];

/// The open sessions of the (room, user) pairs, by the pair's index from 0.
pub(super) async fn views<C: GenericClient + Sync>(
    c: &C,
    rooms: &[&str],
    users: &[&str],
) -> StoreResult<HashMap<usize, OpenSession>> {
    let params: Params = &[&rooms, &users];
    Ok(query_rows(c, VIEWS, rooms.len(), params)
        .await?
        .iter()
        .map(|r| {
            let open = OpenSession {
                id: r.get(1),
                already_in: r.get(2),
            };
            (r.get::<_, i64>(0) as usize - 1, open)
        })
        .collect())
}

/// What a group's joins write, a vector per column.
#[derive(Default)]
pub(super) struct JoinRows {
    start: (Vec<String>, Vec<String>, Vec<String>, Vec<Timestamp>),
    hold: (Vec<String>, Vec<String>, Vec<String>, Vec<Timestamp>),
    session: Vec<String>,
    user: Vec<String>,
    json: Vec<String>,
    joined_at: Vec<Option<Timestamp>>,
    us_id: Vec<String>,
    account: Vec<String>,
    room: Vec<String>,
    us_joined_at: Vec<Timestamp>,
}

impl JoinRows {
    /// Adds the plan's rows; returns its events and the room after them (`None`: the user
    /// already took part, only the hold is added).
    pub fn add(
        &mut self,
        room: &Room,
        user: &User,
        node: &str,
        plan: JoinPlan,
        now: Timestamp,
    ) -> (Vec<Event>, Option<Room>) {
        if let Some(id) = plan.start {
            self.start.0.push(id);
            self.start.1.push(room.account_id.clone());
            self.start.2.push(room.id.clone());
            self.start.3.push(now);
        }
        self.hold.0.push(plan.session.clone());
        self.hold.1.push(user.id.clone());
        self.hold.2.push(node.to_owned());
        self.hold.3.push(now);
        let Some(joining) = plan.joining else {
            return (Vec::new(), None);
        };
        self.session.push(plan.session);
        self.user.push(user.id.clone());
        self.json
            .push(serde_json::to_string(&joining.snapshot).expect("users serialize"));
        self.joined_at.push(joining.user.joined_at);
        self.us_id.push(joining.user_session.id);
        self.account.push(room.account_id.clone());
        self.room.push(joining.user_session.room_id);
        self.us_joined_at.push(joining.user_session.joined_at);
        (joining.events, Some(joining.room))
    }

    /// Writes them, a statement per kind of row (none for a kind without rows), every one sent
    /// at the first poll (see `sql::Pipelined`).
    pub async fn write<C: GenericClient + Sync>(&self, c: &C) -> StoreResult<()> {
        let (s, h) = (&self.start, &self.hold);
        let p_start: Params = &[&s.0, &s.1, &s.2, &s.3];
        let p_hold: Params = &[&h.0, &h.1, &h.2, &h.3];
        let p_joining: Params = &[
            &self.session,
            &self.user,
            &self.json,
            &self.joined_at,
            &self.us_id,
            &self.account,
            &self.room,
            &self.us_joined_at,
        ];
        let (started, held, joined) = tokio::join!(
            execute_rows(c, START, s.0.len(), p_start),
            execute_rows(c, HOLD, h.0.len(), p_hold),
            execute_rows(c, JOINING, self.session.len(), p_joining),
        );
        started?;
        held?;
        joined?;
        Ok(())
    }
}
