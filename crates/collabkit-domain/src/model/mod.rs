//! What the store keeps, in the server's own terms, and how it maps to the contract's types.

use collabkit_webhooks::{
    CollabKitRoom, CollabKitUser, CollabKitUserSession, RoomState, UserStatus, WebhookEventName,
    WebhookUser,
};

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
    /// The app's own id for the room, unique in the account when set.
    pub custom_id: Option<String>,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Kept in the same transaction as each change that moves them (see [`crate::rules`]).
    pub counters: RoomCounters,
}

/// A room's counters, moved by the rules in the transaction of the change: reading them is
/// one row, whatever the room's history.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RoomCounters {
    /// Users ever created in the room (`total_users_created`).
    pub users_created: u64,
    /// Users the room has now (the unfiltered total of its user list).
    pub users: u64,
    /// Users participating now (`active_participants`).
    pub participants: u64,
    /// The summed length of the room's closed sessions, in milliseconds.
    pub closed_ms: u64,
    /// When the live session started; `None` while the room has none.
    pub live_since: Option<Timestamp>,
}

impl RoomCounters {
    /// The summed length of the room's sessions at `now`, the live one up to `now`, in whole
    /// seconds (`duration_seconds`). A clock that went back counts the live session as 0.
    pub fn duration_seconds(&self, now: Timestamp) -> u64 {
        (self.closed_ms + self.live_ms(now)) / 1000
    }

    /// How long the live session has lasted at `now` (0 without one).
    pub fn live_ms(&self, now: Timestamp) -> u64 {
        self.live_since
            .map(|since| (now - since).num_milliseconds().max(0) as u64)
            .unwrap_or(0)
    }
}

impl Room {
    /// The contract's room as of `at`: its counters now, its duration up to `at`.
    pub fn to_contract(&self, at: Timestamp) -> CollabKitRoom {
        CollabKitRoom {
            id: self.id.clone(),
            account_id: self.account_id.clone(),
            name: self.name.clone(),
            custom_id: self.custom_id.clone(),
            created_at: clock::format(&self.created_at),
            state: RoomState::Active,
            duration_seconds: self.counters.duration_seconds(at),
            active_participants: self.counters.participants,
            total_users_created: self.counters.users_created,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub account_id: String,
    pub room_id: String,
    /// The app's own id for the user, unique in the room when set.
    pub custom_id: Option<String>,
    pub name: String,
    pub profile_picture: Option<String>,
    /// The user's secret for the realtime connection, sealed with the server key (the API
    /// opens it to show it; the database alone does not yield a usable token).
    pub token_sealed: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Whether the user participates in the room's live session now (`status`).
    pub online: bool,
    /// The last time the user went online.
    pub joined_at: Option<Timestamp>,
    /// The last time the user went offline.
    pub left_at: Option<Timestamp>,
}

impl User {
    /// The contract's user, with its token opened by the caller.
    pub fn to_contract(&self, token: String) -> CollabKitUser {
        CollabKitUser {
            id: self.id.clone(),
            room_id: self.room_id.clone(),
            name: self.name.clone(),
            profile_picture: self.profile_picture.clone(),
            custom_id: self.custom_id.clone(),
            status: self.status(),
            created_at: clock::format(&self.created_at),
            joined_at: self.joined_at.as_ref().map(clock::format),
            left_at: self.left_at.as_ref().map(clock::format),
            token,
        }
    }

    pub fn to_webhook(&self) -> WebhookUser {
        self.to_contract(String::new()).into()
    }

    pub fn status(&self) -> UserStatus {
        if self.online {
            UserStatus::Online
        } else {
            UserStatus::Offline
        }
    }
}

/// One participation of a user: opened when they join the room's live session, closed when
/// they leave it (however it ends: their last connection, a gone node, the room's end, their
/// deletion).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSession {
    pub id: String,
    pub user_id: String,
    pub room_id: String,
    pub joined_at: Timestamp,
    pub left_at: Option<Timestamp>,
}

impl UserSession {
    pub fn to_contract(&self) -> CollabKitUserSession {
        CollabKitUserSession {
            id: self.id.clone(),
            user_id: self.user_id.clone(),
            room_id: self.room_id.clone(),
            joined_at: clock::format(&self.joined_at),
            left_at: self.left_at.as_ref().map(clock::format),
        }
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
    /// Its place in its room's history: 1, 2, 3… in the order the room's changes committed,
    /// with no gaps. Taken when the event is stored (`None` until then).
    pub room_seq: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct NewRoom {
    /// Optional; unique in the account when set.
    pub custom_id: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub room_id: String,
    /// Optional; unique in the room when set (rooms without one never collide).
    pub custom_id: Option<String>,
    pub name: String,
    pub profile_picture: Option<String>,
    /// Its realtime token: looked up by [`crate::accounts::token_lookup`], kept only sealed.
    pub token: String,
    pub token_sealed: String,
}

/// A partial update of a user; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    /// `Some(None)` clears the picture.
    pub profile_picture: Option<Option<String>>,
}

/// The deliveries stored events made, as a backend counts them inside a change.
#[derive(Debug, Default)]
pub struct Fanout {
    pub count: usize,
    /// The ones leased inline, to hand over after the commit.
    pub leased: Vec<ClaimedDelivery>,
}

impl Fanout {
    pub fn add(&mut self, other: Fanout) {
        self.count += other.count;
        self.leased.extend(other.leased);
    }

    /// The fan-outs of several events as one.
    pub fn merged(all: impl IntoIterator<Item = Fanout>) -> Fanout {
        let mut fanout = Fanout::default();
        for f in all {
            fanout.add(f);
        }
        fanout
    }

    /// Whether some deliveries wait for a claim (the dispatchers must be woken).
    pub fn left_to_claims(&self) -> bool {
        self.count > self.leased.len()
    }
}

/// The result of a change: the changed thing, the events stored with it (in order) and the
/// deliveries of those events that were leased inline (see [`crate::store::InlineLease`]).
#[derive(Debug, Clone)]
pub struct Change<T> {
    pub value: T,
    pub events: Vec<Event>,
    pub leased: Vec<ClaimedDelivery>,
}

impl<T> Change<T> {
    /// A change that stored no event.
    pub fn quiet(value: T) -> Change<T> {
        Change {
            value,
            events: Vec::new(),
            leased: Vec::new(),
        }
    }
}

/// Filters for the event log.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub room_id: Option<String>,
    pub event: Option<WebhookEventName>,
}

/// Which rooms a list shows. The unfiltered list's total is a counter; a filtered total
/// counts the matches (its cost follows the account's rooms).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoomFilter {
    /// A case-insensitive substring of the name.
    pub search: Option<String>,
    /// Created at or after.
    pub from: Option<Timestamp>,
    /// Created at or before.
    pub to: Option<Timestamp>,
}

impl RoomFilter {
    pub fn is_empty(&self) -> bool {
        self == &RoomFilter::default()
    }
}

/// Which users a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserFilter {
    /// One room's users (`None`: the account's).
    pub room_id: Option<String>,
    /// A case-insensitive substring of the name, or the user's exact id.
    pub search: Option<String>,
    /// Created at or after.
    pub from: Option<Timestamp>,
    /// Created at or before.
    pub to: Option<Timestamp>,
}

impl UserFilter {
    /// One room's users, unfiltered.
    pub fn room(room_id: &str) -> UserFilter {
        UserFilter {
            room_id: Some(room_id.to_owned()),
            ..UserFilter::default()
        }
    }

    /// Whether only the room narrows the list (its total is then the room's counter).
    pub fn only_room(&self) -> bool {
        self.search.is_none() && self.from.is_none() && self.to.is_none()
    }
}

/// Which registrations a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookFilter {
    /// Those scoped to this room.
    pub room_id: Option<String>,
    /// A case-insensitive substring of the URL.
    pub search: Option<String>,
}

/// The case-insensitive "contains" a backend's search filters share: ASCII letters fold, so
/// the two backends answer the same (SQLite's `LIKE` folds ASCII only); `%`, `_` and `\\` in
/// the text match themselves.
pub fn like_pattern(search: &str) -> String {
    let mut p = String::with_capacity(search.len() + 2);
    p.push('%');
    for c in search.to_ascii_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

mod alerts;
mod stores;
mod webhooks;

pub use alerts::*;
pub use stores::*;
pub use webhooks::*;
