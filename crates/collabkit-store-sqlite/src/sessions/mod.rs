//! Live sessions on SQLite: the reads and writes around [`collabkit_domain::rules`]' join and
//! leave, and the end of what a gone node held. A join is in `join`, a leave and a room's end
//! in `leave`, the nodes' heartbeats and the end of what gone nodes held in `nodes`; what they
//! share is here.

use collabkit_domain::clock::Timestamp;
use collabkit_domain::store::{Event, InlineLease, StoreError, StoreResult};
use collabkit_webhooks::WebhookUser;
use rusqlite::{Connection, OptionalExtension, params};

use crate::errors::backend;
use crate::queue::{self, Fanout};
use crate::rows::ts;

mod join;
mod leave;
mod nodes;

pub use self::join::join;
pub use self::leave::{end_room, leave};
pub use self::nodes::{close_of_gone_nodes, forget_node, heartbeat, nodes};

fn open_session(conn: &Connection, room_id: &str) -> StoreResult<Option<String>> {
    conn.prepare_cached("SELECT id FROM sessions WHERE room_id = ?1 AND closed_at IS NULL")
        .and_then(|mut s| s.query_row(params![room_id], |r| r.get(0)).optional())
        .map_err(backend)
}

/// Stores the events in order, each with its deliveries.
fn store_events(
    conn: &Connection,
    new: Vec<Event>,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<()> {
    for mut event in new {
        fanout.add(queue::insert_event(conn, &mut event, inline)?);
        events.push(event);
    }
    Ok(())
}

/// The nodes through which the user takes part in the session.
fn holds(
    conn: &Connection,
    session: &str,
    user_id: &str,
) -> StoreResult<std::vec::IntoIter<String>> {
    let nodes: Vec<String> = conn
        .prepare_cached("SELECT node_id FROM participants WHERE session_id = ?1 AND user_id = ?2")
        .and_then(|mut s| {
            s.query_map(params![session, user_id], |r| r.get(0))?
                .collect()
        })
        .map_err(backend)?;
    Ok(nodes.into_iter())
}

fn close_user_session(conn: &Connection, user_id: &str, at: Timestamp) -> StoreResult<()> {
    conn.prepare_cached(
        "UPDATE user_sessions SET left_at = ?2 WHERE user_id = ?1 AND left_at IS NULL",
    )
    .and_then(|mut s| s.execute(params![user_id, ts(&at)]))
    .map_err(backend)?;
    Ok(())
}

fn mark_closed(conn: &Connection, session: &str, now: Timestamp) -> StoreResult<()> {
    conn.prepare_cached("UPDATE sessions SET closed_at = ?1 WHERE id = ?2")
        .and_then(|mut s| s.execute(params![ts(&now), session]))
        .map_err(backend)?;
    Ok(())
}

/// Everyone who joined during the session, in join order.
fn session_users(conn: &Connection, session: &str) -> StoreResult<Vec<WebhookUser>> {
    conn.prepare_cached("SELECT user_json FROM session_users WHERE session_id = ?1 ORDER BY seq")
        .and_then(|mut s| {
            s.query_map(params![session], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?
        .into_iter()
        .map(|j| serde_json::from_str(&j).map_err(StoreError::backend))
        .collect()
}

/// Who takes part in the room's open session now, in join order.
pub fn participants(conn: &Connection, room_id: &str) -> StoreResult<Vec<WebhookUser>> {
    let Some(session) = open_session(conn, room_id)? else {
        return Ok(Vec::new());
    };
    conn.prepare_cached(
        "SELECT su.user_json FROM session_users su
         WHERE su.session_id = ?1
           AND EXISTS (SELECT 1 FROM participants p WHERE p.session_id = ?1 AND p.user_id = su.user_id)
         ORDER BY su.seq",
    )
    .and_then(|mut s| {
        s.query_map(params![session], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()
    })
    .map_err(backend)?
    .into_iter()
    .map(|j| serde_json::from_str(&j).map_err(StoreError::backend))
    .collect()
}

/// The storage contract's `Sessions`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::{NodeRecord, Sessions};

    #[async_trait]
    impl Sessions for crate::SqliteStore {
        async fn join_session(
            &self,
            account_id: &str,
            room_id: &str,
            user_id: &str,
            node: &str,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<()>> {
            let (a, r, u, n) = (
                account_id.to_owned(),
                room_id.to_owned(),
                user_id.to_owned(),
                node.to_owned(),
            );
            self.write_change(false, lease, move |c, inline| {
                let room = room_in(c, &a, &r)?;
                let user = user_in(c, &a, &u)?;
                let (events, fanout) = sessions::join(c, &room, &user, &n, inline)?;
                Ok((
                    Change {
                        events,
                        ..Change::quiet(())
                    },
                    fanout,
                ))
            })
            .await
        }

        async fn leave_session(
            &self,
            account_id: &str,
            room_id: &str,
            user_id: &str,
            node: &str,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<()>> {
            let (a, r, u, n) = (
                account_id.to_owned(),
                room_id.to_owned(),
                user_id.to_owned(),
                node.to_owned(),
            );
            self.write_change(false, lease, move |c, inline| {
                let room = room_in(c, &a, &r)?;
                let user = user_in(c, &a, &u).ok();
                let (events, fanout, _) =
                    sessions::leave(c, &room, &u, Some(&n), user.as_ref(), inline)?;
                Ok((
                    Change {
                        events,
                        ..Change::quiet(())
                    },
                    fanout,
                ))
            })
            .await
        }

        async fn node_heartbeat(&self, node: &str, now: Timestamp) -> StoreResult<()> {
            let n = node.to_owned();
            self.writer
                .write(move |c| sessions::heartbeat(c, &n, now))
                .await
        }

        async fn node_stopped(&self, node: &str) -> StoreResult<()> {
            let n = node.to_owned();
            self.writer
                .write(move |c| sessions::forget_node(c, &n))
                .await
        }

        async fn nodes(&self) -> StoreResult<Vec<NodeRecord>> {
            self.readers.read(sessions::nodes).await
        }

        async fn session_participants(
            &self,
            account_id: &str,
            room_id: &str,
        ) -> StoreResult<Vec<collabkit_webhooks::WebhookUser>> {
            let (a, r) = (account_id.to_owned(), room_id.to_owned());
            self.readers
                .read(move |c| {
                    let room = room_in(c, &a, &r)?;
                    sessions::participants(c, &room.id)
                })
                .await
        }

        async fn close_sessions_of_gone_nodes(
            &self,
            me: &str,
            silent_since: Timestamp,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<usize>> {
            let me = me.to_owned();
            self.write_change(false, lease, move |c, inline| {
                let (events, fanout, closed) =
                    sessions::close_of_gone_nodes(c, &me, silent_since, inline)?;
                Ok((
                    Change {
                        events,
                        ..Change::quiet(closed)
                    },
                    fanout,
                ))
            })
            .await
        }
    }
}
