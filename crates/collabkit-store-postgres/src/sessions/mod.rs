//! Live sessions on PostgreSQL: the reads and writes around the domain's join and leave rules.
//! Callers hold the room's row lock (`RoomLock::Session` or stronger), so two nodes changing one
//! room's session take turns. A join is in `join`, a leave and a room's end in `leave`, the
//! nodes' heartbeats and the end of what gone nodes held in `nodes`; the contract's joins and
//! leaves that arrive together are written together by `group`; what they share is here.

use collabkit_domain::clock::Timestamp;
use collabkit_domain::store::{Event, InlineLease, Room, StoreError, StoreResult};
use collabkit_webhooks::WebhookUser;
use deadpool_postgres::GenericClient;

use crate::queue::{self, Fanout};
use crate::sql::{execute, query, query_opt};

mod group;
mod join;
mod leave;
mod nodes;

pub use self::group::{SessionBatcher, Verb};
pub use self::leave::{end_room, leave};
pub use self::nodes::{
    close_empty_sessions, end_participation, forget_node, gone_participation, heartbeat,
};

async fn open_session<C: GenericClient + Sync>(
    c: &C,
    room_id: &str,
) -> StoreResult<Option<String>> {
    Ok(query_opt(
        c,
        "SELECT id FROM sessions WHERE room_id = $1 AND closed_at IS NULL",
        &[&room_id],
    )
    .await?
    .map(|r| r.get(0)))
}

/// Stores the room's new events (in one statement) with the room's counters after them.
async fn store_events<C: GenericClient + Sync>(
    c: &C,
    room: &Room,
    mut new: Vec<Event>,
    inline: Option<InlineLease>,
    events: &mut Vec<Event>,
    fanout: &mut Fanout,
) -> StoreResult<()> {
    let mut with_leases: Vec<_> = new.iter_mut().map(|e| (e, inline)).collect();
    for f in queue::insert_events(c, &mut with_leases, &[room]).await? {
        fanout.add(f);
    }
    events.extend(new);
    Ok(())
}

async fn mark_closed<C: GenericClient + Sync>(
    c: &C,
    session: &str,
    now: Timestamp,
) -> StoreResult<()> {
    execute(
        c,
        "UPDATE sessions SET closed_at = $1 WHERE id = $2",
        &[&now, &session],
    )
    .await?;
    Ok(())
}

async fn session_users<C: GenericClient + Sync>(
    c: &C,
    session: &str,
) -> StoreResult<Vec<WebhookUser>> {
    query(
        c,
        "SELECT user_json FROM session_users WHERE session_id = $1 ORDER BY seq",
        &[&session],
    )
    .await?
    .iter()
    .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(StoreError::backend))
    .collect()
}

/// Who takes part in the room's open session now, in join order.
const PARTICIPANTS: &str = "SELECT su.user_json FROM sessions s
     JOIN session_users su ON su.session_id = s.id
     WHERE s.room_id = $1 AND s.closed_at IS NULL
       AND EXISTS (SELECT 1 FROM participants p
                   WHERE p.session_id = s.id AND p.user_id = su.user_id)
     ORDER BY su.seq";

/// The room's participants, read with the room (it must be the account's) in one round trip:
/// a join on a shared backend asks for them first.
pub async fn participants<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    room_id: &str,
) -> StoreResult<Vec<WebhookUser>> {
    crate::sql::prepare_all(c, &[&crate::lookup::ROOM_IN, PARTICIPANTS]).await?;
    let params: crate::sql::Params = &[&room_id];
    let (room, rows) = tokio::join!(
        crate::lookup::room_in(c, account_id, room_id),
        query(c, PARTICIPANTS, params),
    );
    room?;
    rows?
        .iter()
        .map(|r| serde_json::from_str(r.get::<_, &str>(0)).map_err(StoreError::backend))
        .collect()
}

/// The storage contract's `Sessions`.
mod contract {
    use super::*;
    use crate::*;

    use collabkit_domain::store::Sessions;

    #[async_trait]
    impl Sessions for crate::PgStore {
        async fn join_session(
            &self,
            account_id: &str,
            room_id: &str,
            user_id: &str,
            node: &str,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<()>> {
            let verb = sessions::Verb::Join;
            self.within(
                self.sessions
                    .change(verb, account_id, room_id, user_id, node, lease),
            )
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
            let verb = sessions::Verb::Leave;
            self.within(
                self.sessions
                    .change(verb, account_id, room_id, user_id, node, lease),
            )
            .await
        }

        async fn node_heartbeat(&self, node: &str, now: Timestamp) -> StoreResult<()> {
            self.within(async { sessions::heartbeat(&self.client().await?, node, now).await })
                .await
        }

        async fn node_stopped(&self, node: &str) -> StoreResult<()> {
            self.within(async { sessions::forget_node(&self.client().await?, node).await })
                .await
        }

        async fn session_participants(
            &self,
            account_id: &str,
            room_id: &str,
        ) -> StoreResult<Vec<collabkit_webhooks::WebhookUser>> {
            self.within(async {
                sessions::participants(&self.client().await?, account_id, room_id).await
            })
            .await
        }

        async fn nodes(&self) -> StoreResult<Vec<NodeRecord>> {
            self.within(async {
                Ok(sql::query(
                    &self.client().await?,
                    "SELECT id, heartbeat_at FROM nodes ORDER BY heartbeat_at",
                    &[],
                )
                .await?
                .iter()
                .map(|r| NodeRecord {
                    id: r.get(0),
                    heartbeat_at: r.get(1),
                })
                .collect())
            })
            .await
        }

        async fn close_sessions_of_gone_nodes(
            &self,
            me: &str,
            silent_since: Timestamp,
            lease: Option<InlineLease>,
        ) -> StoreResult<Change<usize>> {
            let rooms = self
                .within(async {
                    sessions::gone_participation(&self.client().await?, me, silent_since).await
                })
                .await?;
            let (mut events, mut leased, mut closed) = (Vec::new(), Vec::new(), 0);
            // Room by room, each in its own short transaction under the room's lock: another node
            // doing the same at the same moment finds the participants gone and does nothing.
            for gone in rooms {
                let change = in_tx!(self, tx => {
                    let (mut e, mut f) = (Vec::new(), Fanout::default());
                    let ended = sessions::end_participation(&tx, gone.clone(), lease, &mut e, &mut f).await?;
                    closed += usize::from(ended);
                    Self::finish_change(&tx, Change { events: e, ..Change::quiet(()) }, f).await?
                })?;
                events.extend(change.events);
                leased.extend(change.leased);
            }
            let change = in_tx!(self, tx => {
                let (mut e, mut f) = (Vec::new(), Fanout::default());
                closed += sessions::close_empty_sessions(&tx, lease, &mut e, &mut f).await?;
                tx.execute(
                    "DELETE FROM nodes WHERE id != $1 AND heartbeat_at < $2",
                    &[&me, &silent_since],
                )
                .await
                .map_err(pg)?;
                Self::finish_change(&tx, Change { events: e, ..Change::quiet(()) }, f).await?
            })?;
            events.extend(change.events);
            leased.extend(change.leased);
            Ok(Change {
                value: closed,
                events,
                leased,
            })
        }
    }
}
