//! Building events: the one place a change becomes a seed payload.
//!
//! Backends call these inside the transaction of the change, so the payload captures the room
//! and user exactly as committed, and is fixed from then on.

use collabkit_webhooks::{WebhookEventName, WebhookPayload, WebhookUser};

use crate::clock::{self, Timestamp};
use crate::ids;
use crate::store::{Event, Room, User};

/// A user or participant event: `user.created|updated|deleted`, `participant.joined|left`.
pub fn user_event(name: WebhookEventName, room: &Room, user: &User, at: Timestamp) -> Event {
    about_user(name, room, user.to_webhook(), at)
}

/// `participant.left` for a user known only by the snapshot taken when they joined.
pub fn participant_left_snapshot(room: &Room, user: WebhookUser, at: Timestamp) -> Event {
    about_user(WebhookEventName::ParticipantLeft, room, user, at)
}

fn about_user(name: WebhookEventName, room: &Room, user: WebhookUser, at: Timestamp) -> Event {
    let id = ids::new_id(ids::EVENT);
    let payload = WebhookPayload::about_user(
        name,
        id.clone(),
        clock::format(&at),
        room.to_contract(at),
        user,
    )
    .unwrap_or_else(|| unreachable!("{name} is not about one user"));
    event(id, room, payload, at)
}

/// `session.started`.
pub fn session_started(room: &Room, at: Timestamp) -> Event {
    let id = ids::new_id(ids::EVENT);
    let payload = WebhookPayload::SessionStarted {
        id: id.clone(),
        timestamp: clock::format(&at),
        room: room.to_contract(at),
    };
    event(id, room, payload, at)
}

/// `session.closed`, with every user who joined during the session.
pub fn session_closed(room: &Room, users: Vec<WebhookUser>, at: Timestamp) -> Event {
    let id = ids::new_id(ids::EVENT);
    let payload = WebhookPayload::SessionClosed {
        id: id.clone(),
        timestamp: clock::format(&at),
        room: room.to_contract(at),
        users,
    };
    event(id, room, payload, at)
}

fn event(id: String, room: &Room, payload: WebhookPayload, at: Timestamp) -> Event {
    Event {
        id,
        account_id: room.account_id.clone(),
        room_id: room.id.clone(),
        event: payload.event(),
        payload: serde_json::to_string(&payload).expect("payloads always serialize"),
        created_at: at,
        room_seq: None,
    }
}
