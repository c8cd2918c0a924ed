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

use collabkit_webhooks::WebhookEventName;

use crate::clock::Timestamp;
use crate::events;
use crate::ids;
use crate::model::{
    Account, Event, NewRoom, NewUser, NewWebhook, Room, RoomCounters, User, UserPatch, Webhook,
    WebhookPatch,
};

pub mod alerts;
mod attempts;
pub mod headers;
pub mod ordering;
pub mod pace;
mod sessions;
pub mod stores;

pub use attempts::*;
pub use sessions::*;

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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::clock;
    use collabkit_webhooks::{CollabKitRoom, WebhookPayload};
    use collabkit_webhooks::{UserStatus, WebhookUser};

    pub(crate) fn at(ms: i64) -> Timestamp {
        clock::parse("2026-01-01T00:00:00Z").unwrap() + chrono::Duration::milliseconds(ms)
    }

    pub(crate) fn room() -> Room {
        new_room(
            "acc_1",
            NewRoom {
                custom_id: None,
                name: "Room".into(),
            },
            at(0),
        )
    }

    pub(crate) fn new(room: &Room) -> NewUser {
        NewUser {
            room_id: room.id.clone(),
            custom_id: Some("u".into()),
            name: "Ada".into(),
            profile_picture: None,
            token: "t".into(),
            token_sealed: "s".into(),
        }
    }

    pub(crate) fn user(room: &Room) -> User {
        new_user(room, new(room), at(0)).1
    }

    pub(crate) fn names(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(|e| e.event.as_str()).collect()
    }

    pub(crate) fn payload(event: &Event) -> WebhookPayload {
        serde_json::from_str(&event.payload).unwrap()
    }

    pub(crate) fn room_of(event: &Event) -> CollabKitRoom {
        payload(event).room().clone()
    }

    pub(crate) fn user_of(event: &Event) -> WebhookUser {
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
