//! The product rules, written once as pure functions every backend calls.
//!
//! A backend reads what a rule needs, calls the rule, and writes the rows and the events it
//! returns, in the returned order, in the verb's one transaction. Ids and timestamps are made
//! here too, so two backends store the same things for the same calls. The conformance suite
//! checks the I/O around the rules; the unit tests below check the rules themselves.
//!
//! Order of a room's deletion (each backend follows it): the room's open session ends first
//! ([`leave`] for each participant in the order they joined, the last one closing it), then the
//! registrations scoped to the room go, then each user in creation order with
//! [`user_deleted`], then the room.

use collabkit_webhooks::{WebhookEventName, WebhookUser};

use crate::clock::Timestamp;
use crate::events;
use crate::ids;
use crate::model::{
    Account, Event, NewRoom, NewUser, NewWebhook, Room, User, UserPatch, Webhook, WebhookPatch,
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

/// A new user of `room` and its `user.created`.
pub fn new_user(room: &Room, new: NewUser, now: Timestamp) -> (User, Event) {
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
    };
    let event = events::user_event(WebhookEventName::UserCreated, room, &user, now);
    (user, event)
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

/// `user.deleted`. A user who is a participant leaves first ([`leave`]).
pub fn user_deleted(room: &Room, user: &User, now: Timestamp) -> Event {
    events::user_event(WebhookEventName::UserDeleted, room, user, now)
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

/// What a join writes: the session (and whether it starts), the user's snapshot kept for the
/// session (it stands in for a user deleted before leaving, and lists them in
/// `session.closed`), and the events, in order.
#[derive(Debug, Clone)]
pub struct Joining {
    pub session: SessionToJoin,
    pub snapshot: WebhookUser,
    pub events: Vec<Event>,
}

/// The user joins the room's live session. Reads: the room's open session, if any, and whether
/// the user already takes part in it. `None` when they do (joining twice is a no-op).
/// `NotFound("user")` for a user of another room.
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
    let mut events = Vec::with_capacity(2);
    let session = match open_session {
        Some(id) => SessionToJoin::Open(id),
        None => {
            events.push(events::session_started(room, now));
            SessionToJoin::Start {
                id: ids::new_id(ids::SESSION),
            }
        }
    };
    events.push(events::user_event(
        WebhookEventName::ParticipantJoined,
        room,
        user,
        now,
    ));
    Ok(Some(Joining {
        session,
        snapshot: user.to_webhook(),
        events,
    }))
}

/// Who leaves: the user as they are now, or the snapshot taken at join when they were deleted
/// meanwhile.
pub fn leaving(
    user_now: Option<&User>,
    snapshot_at_join: impl FnOnce() -> StoreResult<WebhookUser>,
) -> StoreResult<WebhookUser> {
    match user_now {
        Some(user) => Ok(user.to_webhook()),
        None => snapshot_at_join(),
    }
}

/// A participant leaves. Reads: who leaves ([`leaving`]) and, when nobody remains after them,
/// everyone who joined during the session (in join order): the session then closes. Events:
/// `participant.left`, then `session.closed` when it was the last one.
pub fn leave(
    room: &Room,
    who: WebhookUser,
    closing_with: Option<Vec<WebhookUser>>,
    now: Timestamp,
) -> Vec<Event> {
    let mut events = vec![events::participant_left_snapshot(room, who, now)];
    if let Some(users) = closing_with {
        events.push(events::session_closed(room, users, now));
    }
    events
}

/// A session that ends with no participant row left (it should not happen; it still closes).
pub fn close_empty(room: &Room, users: Vec<WebhookUser>, now: Timestamp) -> Event {
    events::session_closed(room, users, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock;

    fn room() -> Room {
        new_room(
            "acc_1",
            NewRoom {
                custom_id: "r".into(),
                name: "Room".into(),
            },
            clock::now(),
        )
    }

    fn user(room: &Room) -> User {
        let new = NewUser {
            room_id: room.id.clone(),
            custom_id: "u".into(),
            name: "Ada".into(),
            profile_picture: None,
            token: "t".into(),
            token_sealed: "s".into(),
        };
        new_user(room, new, clock::now()).0
    }

    fn names(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(|e| e.event.as_str()).collect()
    }

    #[test]
    fn the_first_join_starts_the_session_and_a_second_is_a_no_op() {
        let (room, now) = (room(), clock::now());
        let ada = user(&room);
        let first = join(&room, &ada, None, false, now).unwrap().unwrap();
        assert!(matches!(first.session, SessionToJoin::Start { .. }));
        assert_eq!(
            names(&first.events),
            ["session.started", "participant.joined"]
        );
        let next = join(&room, &ada, Some("ses_1".into()), false, now)
            .unwrap()
            .unwrap();
        assert_eq!(next.session, SessionToJoin::Open("ses_1".into()));
        assert_eq!(names(&next.events), ["participant.joined"]);
        assert!(
            join(&room, &ada, Some("ses_1".into()), true, now)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_user_of_another_room_cannot_join() {
        let (a, b) = (room(), room());
        let err = join(&a, &user(&b), None, false, clock::now()).unwrap_err();
        assert_eq!(err, StoreError::NotFound("user"));
    }

    #[test]
    fn the_last_leave_closes_the_session_with_everyone_who_joined() {
        let room = room();
        let ada = user(&room).to_webhook();
        let only = leave(&room, ada.clone(), None, clock::now());
        assert_eq!(names(&only), ["participant.left"]);
        let last = leave(&room, ada.clone(), Some(vec![ada]), clock::now());
        assert_eq!(names(&last), ["participant.left", "session.closed"]);
    }

    #[test]
    fn a_deleted_user_leaves_as_their_snapshot() {
        let room = room();
        let ada = user(&room);
        let snapshot = ada.to_webhook();
        let who = leaving(None, || Ok(snapshot.clone())).unwrap();
        assert_eq!(who, snapshot);
        let renamed = User {
            name: "Ada L.".into(),
            ..ada
        };
        let who = leaving(Some(&renamed), || unreachable!()).unwrap();
        assert_eq!(who.name, "Ada L.");
    }

    #[test]
    fn updates_that_change_nothing_store_nothing() {
        let room = room();
        let ada = user(&room);
        let same = UserPatch {
            name: Some(ada.name.clone()),
            profile_picture: None,
        };
        assert!(patched_user(&ada, &room, same, clock::now()).is_none());
        let rename = UserPatch {
            name: Some("Grace".into()),
            profile_picture: None,
        };
        let (after, event) = patched_user(&ada, &room, rename, clock::now()).unwrap();
        assert_eq!(after.name, "Grace");
        assert_eq!(event.event, WebhookEventName::UserUpdated);
    }
}
