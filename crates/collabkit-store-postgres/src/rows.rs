//! PostgreSQL rows to the store's model. (PostgreSQL's errors are mapped in `errors`.)

use collabkit_domain::store::{
    Account, Attempt, Delivery, DeliveryStatus, Event, Room, RoomCounters, StoreError, User,
    UserSession, Webhook, event_from_code, events_from_mask,
};
use collabkit_webhooks::WebhookEventName;
use tokio_postgres::Row;

fn bad(what: String) -> StoreError {
    StoreError::backend(what)
}

pub const ACCOUNT_COLS: &str = "id, name, api_key_hash, created_at";
/// A room's columns, read from [`ROOM_FROM`]: the row and its counters.
pub const ROOM_COLS: &str = "r.seq, r.id, r.account_id, r.custom_id, r.name, r.created_at, r.updated_at, \
     s.users_created, s.users, s.participants, s.closed_ms, s.live_since";
/// Rooms with their counters (every room has its `room_sequences` row, made with it).
pub const ROOM_FROM: &str = "rooms r JOIN room_sequences s ON s.room_id = r.id";
pub const USER_COLS: &str = "seq, id, account_id, room_id, custom_id, name, profile_picture, token_sealed, created_at, updated_at, \
     online, joined_at, left_at";
pub const USER_SESSION_COLS: &str = "id, user_id, room_id, joined_at, left_at";
pub const EVENT_COLS: &str = "seq, id, account_id, room_id, event, payload, created_at, room_seq";
pub const WEBHOOK_COLS: &str = "seq, id, account_id, url, events_mask, room_id, enabled, secret_sealed, \
     previous_secret_sealed, previous_secret_until, created_at, updated_at";
pub const DELIVERY_COLS: &str = "d.seq, d.id, w.id AS webhook_id, e.id AS event_id, d.event_code, \
     e.payload, d.status, d.attempts, d.last_attempt_at, d.next_retry_at, d.status_code, d.created_at";

pub fn account(row: &Row) -> Account {
    Account {
        id: row.get("id"),
        name: row.get("name"),
        api_key_hash: row.get("api_key_hash"),
        created_at: row.get("created_at"),
    }
}

pub fn room(row: &Row) -> (i64, Room) {
    (
        row.get("seq"),
        Room {
            id: row.get("id"),
            account_id: row.get("account_id"),
            custom_id: row.get("custom_id"),
            name: row.get("name"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
            counters: RoomCounters {
                users_created: row.get::<_, i64>("users_created").max(0) as u64,
                users: row.get::<_, i64>("users").max(0) as u64,
                participants: row.get::<_, i64>("participants").max(0) as u64,
                closed_ms: row.get::<_, i64>("closed_ms").max(0) as u64,
                live_since: row.get("live_since"),
            },
        },
    )
}

pub fn user_session(row: &Row) -> UserSession {
    UserSession {
        id: row.get("id"),
        user_id: row.get("user_id"),
        room_id: row.get("room_id"),
        joined_at: row.get("joined_at"),
        left_at: row.get("left_at"),
    }
}

pub fn user(row: &Row) -> (i64, User) {
    (
        row.get("seq"),
        User {
            id: row.get("id"),
            account_id: row.get("account_id"),
            room_id: row.get("room_id"),
            custom_id: row.get("custom_id"),
            name: row.get("name"),
            profile_picture: row.get("profile_picture"),
            token_sealed: row.get("token_sealed"),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
            online: row.get("online"),
            joined_at: row.get("joined_at"),
            left_at: row.get("left_at"),
        },
    )
}

pub fn event(row: &Row) -> Result<(i64, Event), StoreError> {
    let name: String = row.get("event");
    let event =
        WebhookEventName::parse(&name).ok_or_else(|| bad(format!("unknown event {name}")))?;
    Ok((
        row.get("seq"),
        Event {
            id: row.get("id"),
            account_id: row.get("account_id"),
            room_id: row.get("room_id"),
            event,
            payload: row.get("payload"),
            created_at: row.get("created_at"),
            room_seq: row.get("room_seq"),
        },
    ))
}

pub fn webhook(row: &Row) -> (i64, Webhook) {
    let previous_sealed: Option<String> = row.get("previous_secret_sealed");
    let previous_until = row.get("previous_secret_until");
    (
        row.get("seq"),
        Webhook {
            id: row.get("id"),
            account_id: row.get("account_id"),
            url: row.get("url"),
            events: events_from_mask(row.get("events_mask")),
            room_id: row.get("room_id"),
            enabled: row.get("enabled"),
            secret_sealed: row.get("secret_sealed"),
            previous_secret: previous_sealed.zip(previous_until),
            created_at: row.get("created_at"),
            updated_at: row.get("updated_at"),
        },
    )
}

pub fn delivery(row: &Row) -> Result<(i64, Delivery), StoreError> {
    let status: String = row.get("status");
    let code: i16 = row.get("event_code");
    Ok((
        row.get("seq"),
        Delivery {
            id: row.get("id"),
            webhook_id: row.get("webhook_id"),
            event_id: row.get("event_id"),
            event: event_from_code(code.into())
                .ok_or_else(|| bad(format!("unknown event code {code}")))?,
            payload: row.get("payload"),
            status: DeliveryStatus::parse(&status)
                .ok_or_else(|| bad(format!("unknown delivery status {status}")))?,
            attempts: row.get::<_, i32>("attempts") as u32,
            last_attempt_at: row.get("last_attempt_at"),
            next_retry_at: row.get("next_retry_at"),
            status_code: row.get::<_, Option<i32>>("status_code").map(|c| c as u16),
            created_at: row.get("created_at"),
        },
    ))
}

pub fn attempt(row: &Row) -> Attempt {
    Attempt {
        attempted_at: row.get("attempted_at"),
        status_code: row.get::<_, Option<i32>>("status_code").map(|c| c as u16),
        duration_ms: row.get::<_, i64>("duration_ms") as u64,
        error: row.get("error"),
        response_body: row.get("response_body"),
    }
}
