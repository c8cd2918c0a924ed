//! The session state machine: who joins and leaves a room's live session, when it starts and
//! closes, and what each of those writes. A backend reads a view ([`JoinView`], [`LeaveView`]),
//! calls the plan ([`plan_join`], [`plan_leave`], [`plan_end_room`]) and writes what it says, in
//! its order; the pieces ([`join`], [`leave`], [`close_session`]) build the rows and events.

use collabkit_webhooks::{UserStatus, WebhookEventName, WebhookUser};

use crate::clock::{self, Timestamp};
use crate::events;
use crate::ids;
use crate::model::{Event, Room, User, UserSession};
use crate::store::{StoreError, StoreResult};

/// The session a join enters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionToJoin {
    /// The room's open session.
    Open(String),
    /// None was open: this one starts now.
    Start { id: String },
}

/// What a join writes: the session (and whether it starts), the room and the user after the
/// join (counters, status), the user's new participation, the user's snapshot kept for the
/// session (it stands in for a user deleted before leaving, and lists them in
/// `session.closed`), and the events, in order.
#[derive(Debug, Clone)]
pub struct Joining {
    pub session: SessionToJoin,
    /// One more participant; the live session starts now when none was open.
    pub room: Room,
    /// Online, joined now.
    pub user: User,
    /// Opened now.
    pub user_session: UserSession,
    pub snapshot: WebhookUser,
    pub events: Vec<Event>,
}

/// The user joins the room's live session. Reads: the room (with its counters, locked against
/// concurrent changes where writers are concurrent), the room's open session, if any, and
/// whether the user already takes part in it. `None` when they do (joining twice is a no-op).
/// `NotFound("user")` for a user of another room.
///
/// Both events carry the room and the user after the join: `session.started` already counts
/// its first participant, `participant.joined` shows the user online.
pub fn join(
    room: &Room,
    user: &User,
    open_session: Option<String>,
    already_in: bool,
    now: Timestamp,
) -> StoreResult<Option<Joining>> {
    if user.room_id != room.id {
        return Err(StoreError::NotFound("user"));
    }
    if already_in {
        return Ok(None);
    }
    let mut after = room.clone();
    after.counters.participants += 1;
    let session = match open_session {
        Some(id) => SessionToJoin::Open(id),
        None => {
            after.counters.live_since = Some(now);
            SessionToJoin::Start {
                id: ids::new_id(ids::SESSION),
            }
        }
    };
    let joined = User {
        online: true,
        joined_at: Some(now),
        ..user.clone()
    };
    let mut events = Vec::with_capacity(2);
    if matches!(session, SessionToJoin::Start { .. }) {
        events.push(events::session_started(&after, now));
    }
    events.push(events::user_event(
        WebhookEventName::ParticipantJoined,
        &after,
        &joined,
        now,
    ));
    Ok(Some(Joining {
        session,
        user_session: UserSession {
            id: ids::new_id(ids::USER_SESSION),
            user_id: user.id.clone(),
            room_id: room.id.clone(),
            joined_at: now,
            left_at: None,
        },
        snapshot: joined.to_webhook(),
        room: after,
        user: joined,
        events,
    }))
}

/// What a leave writes: the room with one participant less, the user offline (when they still
/// exist), who left as `participant.left` shows them (also the session's snapshot of them from
/// now on), and that event.
#[derive(Debug, Clone)]
pub struct Leaving {
    pub room: Room,
    /// Offline, left now; `None` for a user deleted meanwhile.
    pub user: Option<User>,
    pub who: WebhookUser,
    pub event: Event,
}

/// A participant leaves: their user as they are now, or the snapshot taken at join when they
/// were deleted meanwhile. When nobody remains after them, the backend then closes the session
/// with [`close_session`], from the room this returns.
pub fn leave(
    room: &Room,
    user_now: Option<&User>,
    snapshot_at_join: impl FnOnce() -> StoreResult<WebhookUser>,
    now: Timestamp,
) -> StoreResult<Leaving> {
    let user = user_now.map(|u| User {
        online: false,
        left_at: Some(now),
        ..u.clone()
    });
    let who = match &user {
        Some(user) => user.to_webhook(),
        None => WebhookUser {
            status: UserStatus::Offline,
            left_at: Some(clock::format(&now)),
            ..snapshot_at_join()?
        },
    };
    let mut after = room.clone();
    after.counters.participants = after.counters.participants.saturating_sub(1);
    let event = events::participant_left_snapshot(&after, who.clone(), now);
    Ok(Leaving {
        room: after,
        user,
        who,
        event,
    })
}

/// The room's live session closes (its last participant left, or none was left): its length
/// joins the room's duration, nobody participates, and `session.closed` lists `users`, everyone
/// who joined during the session as they were when they left.
pub fn close_session(room: &Room, users: Vec<WebhookUser>, now: Timestamp) -> (Room, Event) {
    // Nobody is online in a closed session: a user still shown online (a session that ends
    // with no leave of theirs recorded, after a crash) is shown leaving now.
    let users = users
        .into_iter()
        .map(|u| match u.status {
            UserStatus::Online => WebhookUser {
                status: UserStatus::Offline,
                left_at: Some(clock::format(&now)),
                ..u
            },
            UserStatus::Offline => u,
        })
        .collect();
    let mut after = room.clone();
    after.counters.closed_ms += after.counters.live_ms(now);
    after.counters.live_since = None;
    after.counters.participants = 0;
    let event = events::session_closed(&after, users, now);
    (after, event)
}

/// The room with its participants recounted from who actually takes part in its live session
/// (`POST /rooms/{id}/reconcile`): returns the room, the count before and the count now. No
/// event: nobody joined or left.
pub fn reconciled(room: &Room, participating: u64) -> (Room, u64, u64) {
    let mut after = room.clone();
    after.counters.participants = participating;
    (after, room.counters.participants, participating)
}

/// What a join reads: the room (with its counters, locked against concurrent changes where
/// writers are concurrent), the user, and the room's open session, if any.
#[derive(Debug, Clone)]
pub struct JoinView<'a> {
    pub room: &'a Room,
    pub user: &'a User,
    pub open: Option<OpenSession>,
}

/// The room's open session, as a join sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenSession {
    pub id: String,
    /// Whether the user already takes part in it (through any node).
    pub already_in: bool,
}

/// What a join writes, in this order: the session when it starts, the node's hold on the user
/// (always: each node counts its own connections), then, unless the user already took part,
/// the room, the user, their participation, the session's snapshot of them and the events.
#[derive(Debug, Clone)]
pub struct JoinPlan {
    /// The session the hold goes into.
    pub session: String,
    /// `Some(id)` (= `session`) when none was open: its row is written first.
    pub start: Option<String>,
    /// `None` when the user already takes part: only the hold is added.
    pub joining: Option<Joining>,
}

/// The plan of a join ([`join`] decides the rows and events). `NotFound("user")` for a user of
/// another room.
pub fn plan_join(view: JoinView<'_>, now: Timestamp) -> StoreResult<JoinPlan> {
    let (open, already_in) = match view.open {
        Some(open) => (Some(open.id), open.already_in),
        None => (None, false),
    };
    let joining = join(view.room, view.user, open.clone(), already_in, now)?;
    let session = match (&joining, open) {
        (Some(j), _) => match &j.session {
            SessionToJoin::Open(id) | SessionToJoin::Start { id } => id.clone(),
        },
        (None, Some(id)) => id,
        // `join` answers `None` only for a user already in an open session.
        (None, None) => unreachable!("already in no session"),
    };
    let start = joining
        .as_ref()
        .filter(|j| matches!(j.session, SessionToJoin::Start { .. }))
        .map(|_| session.clone());
    Ok(JoinPlan {
        session,
        start,
        joining,
    })
}

/// What a leave reads: the room (as the transaction's earlier writes left it, locked where
/// writers are concurrent), the room's open session, the nodes through which the user takes
/// part in it, whether anyone else does, and the user as they are now (`None`: deleted
/// meanwhile).
#[derive(Debug, Clone)]
pub struct LeaveView<'a> {
    pub room: &'a Room,
    pub user_id: &'a str,
    pub session: Option<String>,
    pub holds: Vec<String>,
    /// Whose hold ends: one node's, or every node's (`None`: the user or the room is deleted).
    pub node: Option<&'a str>,
    pub others_remain: bool,
    pub user_now: Option<&'a User>,
}

impl LeaveView<'_> {
    /// Whether the user leaves: every hold on them ends.
    pub fn leaves(&self) -> bool {
        self.session.is_some()
            && !self.holds.is_empty()
            && self
                .holds
                .iter()
                .all(|n| self.node.is_none_or(|node| node == n))
    }

    /// Whether the session closes with this leave: nobody else takes part. The backend reads
    /// the session's users (before this leave's writes) only then.
    pub fn closes(&self) -> bool {
        self.leaves() && !self.others_remain
    }
}

/// What a leave writes, in this order: the holds that end; then, when the user leaves, the
/// user offline, their participation closed, the session's snapshot of them as they left, the
/// session closed when nobody remains, the room's counters and the events.
#[derive(Debug, Clone)]
pub struct LeavePlan {
    /// The open session (`None`: nothing to do).
    pub session: Option<String>,
    /// The nodes whose hold on the user ends.
    pub end_holds: Vec<String>,
    /// `None` when the user still takes part through another node, or took no part.
    pub left: Option<Left>,
}

/// A participant who left.
#[derive(Debug, Clone)]
pub struct Left {
    /// After the leave, and after the close when the session closes.
    pub room: Room,
    /// Offline, left now; `None` for a user deleted meanwhile.
    pub user: Option<User>,
    /// Who left as `participant.left` shows them, the session's snapshot of them from now on.
    pub who: WebhookUser,
    /// `Some(session)` when it closes now.
    pub close: Option<String>,
    /// `participant.left`, then `session.closed` when it closes.
    pub events: Vec<Event>,
    /// When they left (the participation's and the session's end).
    pub at: Timestamp,
}

/// The plan of a leave. `snapshot_at_join` is read only for a user deleted meanwhile, and
/// `session_users` (everyone who joined during the session, in join order, as stored before
/// this leave: each user's id and the stored JSON of them) only when the session closes
/// ([`LeaveView::closes`]). The leaver's stored snapshot is not parsed: they are listed as
/// they left (a row an older version wrote may not parse at all).
pub fn plan_leave(
    view: LeaveView<'_>,
    snapshot_at_join: impl FnOnce() -> StoreResult<WebhookUser>,
    session_users: impl FnOnce() -> StoreResult<Vec<(String, String)>>,
    now: Timestamp,
) -> StoreResult<LeavePlan> {
    let (leaves, closes) = (view.leaves(), view.closes());
    let end_holds = match view.session {
        Some(_) => view
            .holds
            .iter()
            .filter(|n| view.node.is_none_or(|node| node == n.as_str()))
            .cloned()
            .collect(),
        None => Vec::new(),
    };
    if !leaves {
        return Ok(LeavePlan {
            session: view.session,
            end_holds,
            left: None,
        });
    }
    let leaving = leave(view.room, view.user_now, snapshot_at_join, now)?;
    let mut room = leaving.room;
    let mut events = vec![leaving.event];
    let close = if closes {
        // The session lists the leaver as they left.
        let users = session_users()?
            .into_iter()
            .map(|(user_id, json)| {
                if user_id == view.user_id {
                    Ok(leaving.who.clone())
                } else {
                    serde_json::from_str(&json).map_err(StoreError::backend)
                }
            })
            .collect::<StoreResult<_>>()?;
        let (closed, event) = close_session(&room, users, now);
        room = closed;
        events.push(event);
        view.session.clone()
    } else {
        None
    };
    Ok(LeavePlan {
        session: view.session,
        end_holds,
        left: Some(Left {
            room,
            user: leaving.user,
            who: leaving.who,
            close,
            events,
            at: now,
        }),
    })
}

/// How a room's open session ends (the room is deleted): each participant leaves through every
/// node, in the order they joined, the last one closing it; a session nobody takes part in
/// closes on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndRoomPlan {
    pub leave: Vec<String>,
    pub close_empty: Option<String>,
}

/// `participants`: the user ids holding the open session, in join order.
pub fn plan_end_room(open: Option<String>, participants: Vec<String>) -> EndRoomPlan {
    let close_empty = open.filter(|_| participants.is_empty());
    EndRoomPlan {
        leave: participants,
        close_empty,
    }
}

/// A hold a gone node had: the user's id and the node.
pub type Hold = (String, Option<String>);

/// One room where gone nodes held participants: account, room, and the holds in join order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoneRoom {
    pub account_id: String,
    pub room_id: String,
    pub holds: Vec<Hold>,
}

/// Groups a gone node's holds (account, room, session, user, node; ordered by session, then
/// join) room by room: each room's holds then end in that order.
pub fn gone_rooms(rows: Vec<(String, String, String, String, String)>) -> Vec<GoneRoom> {
    let mut rooms: Vec<(String, GoneRoom)> = Vec::new();
    for (account_id, room_id, session, user, node) in rows {
        let hold = (user, Some(node));
        match rooms.last_mut() {
            Some((last, room)) if *last == session => room.holds.push(hold),
            _ => rooms.push((
                session,
                GoneRoom {
                    account_id,
                    room_id,
                    holds: vec![hold],
                },
            )),
        }
    }
    rooms.into_iter().map(|(_, room)| room).collect()
}

/// Whether an open session found empty closes: it is still the room's open one and still
/// nobody takes part (someone may have joined since it was found).
pub fn closes_empty(open_now: Option<&str>, session: &str, participants: u64) -> bool {
    open_now == Some(session) && participants == 0
}

#[cfg(test)]
#[path = "tests/sessions.rs"]
mod tests;
