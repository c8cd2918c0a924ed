//! The product rules, written once as pure functions every backend calls.
//!
//! A backend reads what a rule needs, calls the rule, and writes the rows and the events it
//! returns, in the returned order, in the verb's one transaction. Ids and timestamps are made
//! here too, so two backends store the same things for the same calls. The conformance suite
//! checks the I/O around the rules; the unit tests below check the rules themselves.
//!
//! Order of a room's deletion (each backend follows it): the room's open session ends first
//! ([`leave`] for each participant in the order they joined, the last one closing it with
//! [`close_session`]), then the registrations scoped to the room go, then each user in creation
//! order with [`user_deleted`], then the room.
//!
//! Counters: each rule that changes a room's counters returns the room after the change; the
//! backend writes those counters in the same transaction, and the events the rule built carry
//! that room. So a payload's room is the room as of its event (counters after the change, its
//! duration at the event's timestamp), and since payloads are stored with the change and sent
//! byte for byte, every attempt and retry shows that same moment, not the room at delivery.

use collabkit_webhooks::{UserStatus, WebhookEventName, WebhookUser};

use crate::clock::{self, Timestamp};
use crate::events;
use crate::ids;
use crate::model::{
    Account, Event, NewRoom, NewUser, NewWebhook, Room, RoomCounters, User, UserPatch, UserSession,
    Webhook, WebhookPatch,
};
use crate::store::{StoreError, StoreResult};

pub fn new_account(name: &str, api_key_hash: &str, now: Timestamp) -> Account {
    Account {
        id: ids::new_id(ids::ACCOUNT),
        name: name.to_owned(),
        api_key_hash: api_key_hash.to_owned(),
        created_at: now,
    }
}

pub fn new_room(account_id: &str, new: NewRoom, now: Timestamp) -> Room {
    Room {
        id: ids::new_id(ids::ROOM),
        account_id: account_id.to_owned(),
        custom_id: new.custom_id,
        name: new.name,
        created_at: now,
        updated_at: now,
        counters: RoomCounters::default(),
    }
}

/// The room renamed, or `None` when the name is the same (nothing is written).
pub fn renamed_room(room: &Room, name: String, now: Timestamp) -> Option<Room> {
    (room.name != name).then(|| Room {
        name,
        updated_at: now,
        ..room.clone()
    })
}

/// A new user of `room`, the room with its counters moved (one more user now and ever), and
/// its `user.created`, which carries the room as of the creation.
pub fn new_user(room: &Room, new: NewUser, now: Timestamp) -> (Room, User, Event) {
    let user = User {
        id: ids::new_id(ids::USER),
        account_id: room.account_id.clone(),
        room_id: room.id.clone(),
        custom_id: new.custom_id,
        name: new.name,
        profile_picture: new.profile_picture,
        token_sealed: new.token_sealed,
        created_at: now,
        updated_at: now,
        online: false,
        joined_at: None,
        left_at: None,
    };
    let mut after = room.clone();
    after.counters.users_created += 1;
    after.counters.users += 1;
    let event = events::user_event(WebhookEventName::UserCreated, &after, &user, now);
    (after, user, event)
}

/// The user patched and its `user.updated`, or `None` when the patch changes nothing (no event
/// is stored for a no-op update).
pub fn patched_user(
    user: &User,
    room: &Room,
    patch: UserPatch,
    now: Timestamp,
) -> Option<(User, Event)> {
    let mut after = user.clone();
    if let Some(name) = patch.name {
        after.name = name;
    }
    if let Some(picture) = patch.profile_picture {
        after.profile_picture = picture;
    }
    if &after == user {
        return None;
    }
    after.updated_at = now;
    let event = events::user_event(WebhookEventName::UserUpdated, room, &after, now);
    Some((after, event))
}

/// `user.deleted`, and the room with one user less. A user who is a participant leaves first
/// ([`leave`]); one still marked online (counters the store could not keep, say) is taken off
/// the participants too, so the counters never count someone who no longer exists.
pub fn user_deleted(room: &Room, user: &User, now: Timestamp) -> (Room, Event) {
    let mut after = room.clone();
    after.counters.users = after.counters.users.saturating_sub(1);
    if user.online {
        after.counters.participants = after.counters.participants.saturating_sub(1);
    }
    let event = events::user_event(WebhookEventName::UserDeleted, &after, user, now);
    (after, event)
}

pub fn new_webhook(account_id: &str, new: NewWebhook, now: Timestamp) -> Webhook {
    Webhook {
        id: ids::new_id(ids::WEBHOOK),
        account_id: account_id.to_owned(),
        url: new.url,
        events: new.events,
        room_id: new.room_id,
        enabled: new.enabled,
        secret_sealed: new.secret_sealed,
        previous_secret: None,
        created_at: now,
        updated_at: now,
    }
}

/// The registration patched, or `None` when nothing changes. The caller checks that a new room
/// is the account's; disabling also fails the pending deliveries ([`disables`]).
pub fn patched_webhook(webhook: &Webhook, patch: WebhookPatch, now: Timestamp) -> Option<Webhook> {
    let mut after = webhook.clone();
    if let Some(url) = patch.url {
        after.url = url;
    }
    if let Some(events) = patch.events {
        after.events = events;
    }
    if let Some(room_id) = patch.room_id {
        after.room_id = room_id;
    }
    if let Some(enabled) = patch.enabled {
        after.enabled = enabled;
    }
    if &after == webhook {
        return None;
    }
    after.updated_at = now;
    Some(after)
}

/// Whether the change disables a registration: its pending deliveries then end `failed` (a
/// disabled registration receives nothing; they can be recovered once it is enabled again).
pub fn disables(before: &Webhook, after: &Webhook) -> bool {
    before.enabled && !after.enabled
}

/// The registration with a new secret; the old one keeps signing until `previous_until`.
pub fn rotated_webhook(
    webhook: &Webhook,
    secret_sealed: &str,
    previous_until: Timestamp,
    now: Timestamp,
) -> Webhook {
    Webhook {
        secret_sealed: secret_sealed.to_owned(),
        previous_secret: Some((webhook.secret_sealed.clone(), previous_until)),
        updated_at: now,
        ..webhook.clone()
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use collabkit_webhooks::{CollabKitRoom, WebhookPayload};

    fn at(ms: i64) -> Timestamp {
        clock::parse("2026-01-01T00:00:00Z").unwrap() + chrono::Duration::milliseconds(ms)
    }

    fn room() -> Room {
        new_room(
            "acc_1",
            NewRoom {
                custom_id: None,
                name: "Room".into(),
            },
            at(0),
        )
    }

    fn new(room: &Room) -> NewUser {
        NewUser {
            room_id: room.id.clone(),
            custom_id: Some("u".into()),
            name: "Ada".into(),
            profile_picture: None,
            token: "t".into(),
            token_sealed: "s".into(),
        }
    }

    fn user(room: &Room) -> User {
        new_user(room, new(room), at(0)).1
    }

    fn names(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(|e| e.event.as_str()).collect()
    }

    fn payload(event: &Event) -> WebhookPayload {
        serde_json::from_str(&event.payload).unwrap()
    }

    fn room_of(event: &Event) -> CollabKitRoom {
        payload(event).room().clone()
    }

    fn user_of(event: &Event) -> WebhookUser {
        match payload(event) {
            WebhookPayload::ParticipantJoined { user, .. }
            | WebhookPayload::ParticipantLeft { user, .. }
            | WebhookPayload::UserCreated { user, .. }
            | WebhookPayload::UserUpdated { user, .. }
            | WebhookPayload::UserDeleted { user, .. } => user,
            other => panic!("not about a user: {other:?}"),
        }
    }

    #[test]
    fn a_new_room_has_no_custom_id_and_zero_counters() {
        let room = room().to_contract(at(5_000));
        assert_eq!(room.custom_id, None);
        assert_eq!(room.state, collabkit_webhooks::RoomState::Active);
        assert_eq!(
            (
                room.duration_seconds,
                room.active_participants,
                room.total_users_created
            ),
            (0, 0, 0)
        );
    }

    #[test]
    fn creating_and_deleting_users_moves_the_counters_and_the_payload_shows_them() {
        let room = room();
        let (room, ada, created) = new_user(&room, new(&room), at(1));
        assert_eq!((room.counters.users_created, room.counters.users), (1, 1));
        assert_eq!(room_of(&created).total_users_created, 1);
        assert_eq!(user_of(&created).status, UserStatus::Offline);
        assert_eq!(user_of(&created).custom_id.as_deref(), Some("u"));
        let (room, grace, _) = new_user(&room, new(&room), at(2));
        assert_eq!((room.counters.users_created, room.counters.users), (2, 2));
        let (room, deleted) = user_deleted(&room, &ada, at(3));
        assert_eq!((room.counters.users_created, room.counters.users), (2, 1));
        assert_eq!(
            room_of(&deleted).total_users_created,
            2,
            "ever created stays"
        );
        // A user deleted while still counted online is no participant any more.
        let online = User {
            online: true,
            ..grace
        };
        let mut live = room.clone();
        live.counters.participants = 1;
        let (after, _) = user_deleted(&live, &online, at(4));
        assert_eq!((after.counters.users, after.counters.participants), (0, 0));
    }

    #[test]
    fn the_first_join_starts_the_session_and_a_second_is_a_no_op() {
        let room = room();
        let ada = user(&room);
        let first = join(&room, &ada, None, false, at(10)).unwrap().unwrap();
        assert!(matches!(first.session, SessionToJoin::Start { .. }));
        assert_eq!(
            names(&first.events),
            ["session.started", "participant.joined"]
        );
        assert_eq!(first.room.counters.participants, 1);
        assert_eq!(first.room.counters.live_since, Some(at(10)));
        assert!(first.user.online);
        assert_eq!(first.user.joined_at, Some(at(10)));
        assert_eq!(first.user_session.joined_at, at(10));
        assert_eq!(first.user_session.left_at, None);
        assert!(first.user_session.id.starts_with("sess_"));
        assert_eq!(first.snapshot.status, UserStatus::Online);
        let joined = user_of(&first.events[1]);
        assert_eq!(joined.status, UserStatus::Online);
        assert_eq!(joined.joined_at, Some(clock::format(&at(10))));
        assert_eq!(room_of(&first.events[0]).active_participants, 1);
        assert_eq!(room_of(&first.events[1]).active_participants, 1);

        let next = join(&first.room, &ada, Some("ses_1".into()), false, at(20))
            .unwrap()
            .unwrap();
        assert_eq!(next.session, SessionToJoin::Open("ses_1".into()));
        assert_eq!(names(&next.events), ["participant.joined"]);
        assert_eq!(next.room.counters.participants, 2);
        assert_eq!(
            next.room.counters.live_since,
            Some(at(10)),
            "joining a live session does not restart it"
        );
        assert!(
            join(&room, &ada, Some("ses_1".into()), true, at(20))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_user_of_another_room_cannot_join() {
        let (a, b) = (room(), room());
        let err = join(&a, &user(&b), None, false, at(0)).unwrap_err();
        assert_eq!(err, StoreError::NotFound("user"));
    }

    #[test]
    fn leaving_and_closing_move_the_counters_and_the_duration() {
        let room = room();
        let ada = user(&room);
        let joined = join(&room, &ada, None, false, at(1_000)).unwrap().unwrap();
        let left = leave(
            &joined.room,
            Some(&joined.user),
            || unreachable!(),
            at(3_500),
        )
        .unwrap();
        assert_eq!(left.room.counters.participants, 0);
        let user = left.user.clone().unwrap();
        assert!(!user.online);
        assert_eq!(user.left_at, Some(at(3_500)));
        assert_eq!(user.joined_at, Some(at(1_000)));
        assert_eq!(left.who.status, UserStatus::Offline);
        assert_eq!(left.event.event, WebhookEventName::ParticipantLeft);
        assert_eq!(
            room_of(&left.event).duration_seconds,
            2,
            "2.5 s live, whole seconds"
        );
        let (closed, event) = close_session(&left.room, vec![left.who.clone()], at(3_500));
        assert_eq!(closed.counters.live_since, None);
        assert_eq!(closed.counters.closed_ms, 2_500);
        assert_eq!(closed.counters.participants, 0);
        match payload(&event) {
            WebhookPayload::SessionClosed { room, users, .. } => {
                assert_eq!(room.active_participants, 0);
                assert_eq!(room.duration_seconds, 2);
                assert_eq!(users.len(), 1);
                assert_eq!(users[0].status, UserStatus::Offline);
            }
            other => panic!("{other:?}"),
        }
        // A closed room's duration no longer grows; the next session adds to it.
        assert_eq!(closed.counters.duration_seconds(at(60_000)), 2);
        let again = join(&closed, &user, None, false, at(10_000))
            .unwrap()
            .unwrap();
        assert_eq!(again.room.counters.duration_seconds(at(11_000)), 3);
    }

    #[test]
    fn a_closed_session_lists_nobody_online() {
        let room = room();
        let joined = join(&room, &user(&room), None, false, at(0))
            .unwrap()
            .unwrap();
        let (_, event) = close_session(&joined.room, vec![joined.snapshot.clone()], at(5));
        match payload(&event) {
            WebhookPayload::SessionClosed { users, .. } => {
                assert_eq!(users[0].status, UserStatus::Offline);
                assert_eq!(users[0].left_at, Some(clock::format(&at(5))));
                assert_eq!(users[0].joined_at, joined.snapshot.joined_at);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_deleted_user_leaves_as_their_snapshot_marked_offline() {
        let room = room();
        let ada = user(&room);
        let joined = join(&room, &ada, None, false, at(0)).unwrap().unwrap();
        let snapshot = joined.snapshot.clone();
        let left = leave(&joined.room, None, || Ok(snapshot.clone()), at(1)).unwrap();
        assert!(left.user.is_none());
        assert_eq!(left.who.id, snapshot.id);
        assert_eq!(left.who.status, UserStatus::Offline);
        assert_eq!(left.who.left_at, Some(clock::format(&at(1))));
        let renamed = User {
            name: "Ada L.".into(),
            ..joined.user
        };
        let left = leave(&joined.room, Some(&renamed), || unreachable!(), at(1)).unwrap();
        assert_eq!(left.who.name, "Ada L.");
    }

    #[test]
    fn reconcile_recounts_without_touching_the_rest() {
        let mut room = room();
        room.counters.participants = 7;
        room.counters.users = 3;
        let (after, previous, now) = reconciled(&room, 2);
        assert_eq!((previous, now), (7, 2));
        assert_eq!(after.counters.participants, 2);
        assert_eq!(after.counters.users, 3);
    }

    #[test]
    fn updates_that_change_nothing_store_nothing() {
        let room = room();
        let ada = user(&room);
        let same = UserPatch {
            name: Some(ada.name.clone()),
            profile_picture: None,
        };
        assert!(patched_user(&ada, &room, same, at(1)).is_none());
        let rename = UserPatch {
            name: Some("Grace".into()),
            profile_picture: None,
        };
        let (after, event) = patched_user(&ada, &room, rename, at(1)).unwrap();
        assert_eq!(after.name, "Grace");
        assert_eq!(event.event, WebhookEventName::UserUpdated);
    }

    #[test]
    fn search_patterns_fold_ascii_and_escape_wildcards() {
        assert_eq!(crate::model::like_pattern("Ab%_"), r"%ab\%\_%");
    }
}
