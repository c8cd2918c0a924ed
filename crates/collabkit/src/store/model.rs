//! What the store keeps, in the server's own terms, and how it maps to the contract's types.

use collabkit_webhooks::{CollabKitRoom, CollabKitUser, WebhookEventName, WebhookUser};

use crate::clock::{self, Timestamp};

/// An account: the tenant that owns rooms, users and webhooks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub name: String,
    /// SHA-256 of the API key, hex. Keys are 190-bit random strings, so a fast hash is enough.
    pub api_key_hash: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: String,
    pub account_id: String,
    pub custom_id: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Room {
    pub fn to_contract(&self) -> CollabKitRoom {
        CollabKitRoom {
            id: self.id.clone(),
            custom_id: self.custom_id.clone(),
            name: self.name.clone(),
            created_at: clock::format(&self.created_at),
            updated_at: clock::format(&self.updated_at),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub account_id: String,
    pub room_id: String,
    pub custom_id: String,
    pub name: String,
    pub profile_picture: Option<String>,
    /// The user's secret for the realtime connection.
    pub token: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl User {
    pub fn to_contract(&self) -> CollabKitUser {
        CollabKitUser {
            id: self.id.clone(),
            room_id: self.room_id.clone(),
            custom_id: self.custom_id.clone(),
            name: self.name.clone(),
            profile_picture: self.profile_picture.clone(),
            token: self.token.clone(),
            created_at: clock::format(&self.created_at),
            updated_at: clock::format(&self.updated_at),
        }
    }

    pub fn to_webhook(&self) -> WebhookUser {
        self.to_contract().into()
    }
}

/// A stored event: the outbox row written in the same transaction as the change that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub id: String,
    pub account_id: String,
    pub room_id: String,
    pub event: WebhookEventName,
    /// The exact JSON of the seed payload type; sent byte for byte to receivers.
    pub payload: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewRoom {
    pub custom_id: String,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub room_id: String,
    pub custom_id: String,
    pub name: String,
    pub profile_picture: Option<String>,
}

/// A partial update of a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    /// `Some(None)` clears the picture.
    pub profile_picture: Option<Option<String>>,
}

/// The result of a change: the changed thing and the events stored with it, in order.
#[derive(Debug, Clone)]
pub struct Change<T> {
    pub value: T,
    pub events: Vec<Event>,
}

/// Which page of a list to read. Lists are ordered by an internal sequence number, which is
/// also the cursor: stable under inserts and cheap to seek with an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    /// Only items after this position (exclusive).
    pub after: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The position to pass as `after` for the next page; `None` at the end.
    pub next: Option<i64>,
}

/// Filters for the event log.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub room_id: Option<String>,
    pub event: Option<WebhookEventName>,
}
