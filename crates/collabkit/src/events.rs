//! Building events: the one place a change becomes a seed payload.
//!
//! Backends call these inside the transaction of the change, so the payload captures the room
//! and user exactly as committed, and is fixed from then on.

use collabkit_webhooks::{WebhookEventName, WebhookPayload};

use crate::clock::{self, Timestamp};
use crate::ids;
use crate::store::{Event, Room, User};

/// A `user.created`, `user.updated` or `user.deleted` event.
pub fn user_event(name: WebhookEventName, room: &Room, user: &User, at: Timestamp) -> Event {
    let id = ids::new_id(ids::EVENT);
    let (room_c, user_c) = (room.to_contract(), user.to_webhook());
    let timestamp = clock::format(&at);
    let payload = match name {
        WebhookEventName::UserCreated => WebhookPayload::UserCreated {
            id: id.clone(),
            timestamp,
            room: room_c,
            user: user_c,
        },
        WebhookEventName::UserUpdated => WebhookPayload::UserUpdated {
            id: id.clone(),
            timestamp,
            room: room_c,
            user: user_c,
        },
        WebhookEventName::UserDeleted => WebhookPayload::UserDeleted {
            id: id.clone(),
            timestamp,
            room: room_c,
            user: user_c,
        },
        other => unreachable!("{other} is not a user event"),
    };
    Event {
        id,
        account_id: room.account_id.clone(),
        room_id: room.id.clone(),
        event: name,
        payload: serde_json::to_string(&payload).expect("payloads always serialize"),
        created_at: at,
    }
}
