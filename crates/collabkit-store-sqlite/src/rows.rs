//! Mapping between SQLite rows and the store's model. (SQLite's errors are mapped in `errors`.)

use rusqlite::{Error, Row};

use collabkit_domain::clock::{self, Timestamp};
use collabkit_domain::store::{
    Account, Attempt, Delivery, DeliveryStatus, Event, Room, RoomCounters, User, UserSession,
    Webhook, events_from_mask,
};

pub fn ts(t: &Timestamp) -> String {
    clock::format(t)
}

pub fn parse_ts(row: &Row, idx: &str) -> rusqlite::Result<Timestamp> {
    let s: String = row.get(idx)?;
    clock::parse(&s)
        .map_err(|e| Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

pub const ACCOUNT_COLS: &str = "id, name, api_key_hash, created_at";
pub const ROOM_COLS: &str = "seq, id, account_id, custom_id, name, created_at, updated_at, users_created, users_count, participants, closed_ms, live_since";
pub const USER_COLS: &str = "seq, id, account_id, room_id, custom_id, name, profile_picture, token_sealed, created_at, updated_at, online, joined_at, left_at";
pub const USER_SESSION_COLS: &str = "id, user_id, room_id, joined_at, left_at";
pub const EVENT_COLS: &str = "seq, id, account_id, room_id, event, payload, created_at, room_seq";

pub fn account(row: &Row) -> rusqlite::Result<Account> {
    Ok(Account {
        id: row.get("id")?,
        name: row.get("name")?,
        api_key_hash: row.get("api_key_hash")?,
        created_at: parse_ts(row, "created_at")?,
    })
}

pub fn room(row: &Row) -> rusqlite::Result<(i64, Room)> {
    Ok((
        row.get("seq")?,
        Room {
            id: row.get("id")?,
            account_id: row.get("account_id")?,
            custom_id: row.get("custom_id")?,
            name: row.get("name")?,
            created_at: parse_ts(row, "created_at")?,
            updated_at: parse_ts(row, "updated_at")?,
            counters: RoomCounters {
                users_created: count(row, "users_created")?,
                users: count(row, "users_count")?,
                participants: count(row, "participants")?,
                closed_ms: count(row, "closed_ms")?,
                live_since: parse_opt_ts(row, "live_since")?,
            },
        },
    ))
}

/// A counter column (never negative; a negative value would be a bug, read as 0).
fn count(row: &Row, idx: &str) -> rusqlite::Result<u64> {
    Ok(row.get::<_, i64>(idx)?.max(0) as u64)
}

pub fn user_session(row: &Row) -> rusqlite::Result<UserSession> {
    Ok(UserSession {
        id: row.get("id")?,
        user_id: row.get("user_id")?,
        room_id: row.get("room_id")?,
        joined_at: parse_ts(row, "joined_at")?,
        left_at: parse_opt_ts(row, "left_at")?,
    })
}

pub fn user(row: &Row) -> rusqlite::Result<(i64, User)> {
    Ok((
        row.get("seq")?,
        User {
            id: row.get("id")?,
            account_id: row.get("account_id")?,
            room_id: row.get("room_id")?,
            custom_id: row.get("custom_id")?,
            name: row.get("name")?,
            profile_picture: row.get("profile_picture")?,
            // A row not converted yet reads as no token (see `seal_legacy_tokens`).
            token_sealed: row
                .get::<_, Option<String>>("token_sealed")?
                .unwrap_or_default(),
            created_at: parse_ts(row, "created_at")?,
            updated_at: parse_ts(row, "updated_at")?,
            online: row.get("online")?,
            joined_at: parse_opt_ts(row, "joined_at")?,
            left_at: parse_opt_ts(row, "left_at")?,
        },
    ))
}

pub fn event(row: &Row) -> rusqlite::Result<(i64, Event)> {
    let event = event_name(row, "event")?;
    Ok((
        row.get("seq")?,
        Event {
            id: row.get("id")?,
            account_id: row.get("account_id")?,
            room_id: row.get("room_id")?,
            event,
            payload: row.get("payload")?,
            created_at: parse_ts(row, "created_at")?,
            room_seq: row.get("room_seq")?,
        },
    ))
}

pub fn parse_opt_ts(row: &Row, idx: &str) -> rusqlite::Result<Option<Timestamp>> {
    let s: Option<String> = row.get(idx)?;
    s.map(|s| {
        clock::parse(&s).map_err(|e| {
            Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
    })
    .transpose()
}

fn event_name(row: &Row, idx: &str) -> rusqlite::Result<collabkit_webhooks::WebhookEventName> {
    let name: String = row.get(idx)?;
    collabkit_webhooks::WebhookEventName::parse(&name).ok_or_else(|| {
        Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown event name {name}").into(),
        )
    })
}

fn event_of_code(row: &Row, idx: &str) -> rusqlite::Result<collabkit_webhooks::WebhookEventName> {
    let code: i64 = row.get(idx)?;
    collabkit_domain::store::event_from_code(code).ok_or_else(|| {
        Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Integer,
            format!("unknown event code {code}").into(),
        )
    })
}

pub fn webhook(row: &Row) -> rusqlite::Result<(i64, Webhook)> {
    let previous_sealed: Option<String> = row.get("previous_secret_sealed")?;
    let previous_until = parse_opt_ts(row, "previous_secret_until")?;
    Ok((
        row.get("seq")?,
        Webhook {
            id: row.get("id")?,
            account_id: row.get("account_id")?,
            url: row.get("url")?,
            events: events_from_mask(row.get("events_mask")?),
            room_id: row.get("room_id")?,
            enabled: row.get("enabled")?,
            secret_sealed: row.get("secret_sealed")?,
            previous_secret: previous_sealed.zip(previous_until),
            created_at: parse_ts(row, "created_at")?,
            updated_at: parse_ts(row, "updated_at")?,
        },
    ))
}

pub fn delivery(row: &Row) -> rusqlite::Result<(i64, Delivery)> {
    let status: String = row.get("status")?;
    Ok((
        row.get("seq")?,
        Delivery {
            id: row.get("id")?,
            webhook_id: row.get("webhook_id")?,
            event_id: row.get("event_id")?,
            event: event_of_code(row, "event_code")?,
            payload: row.get("payload")?,
            status: DeliveryStatus::parse(&status).ok_or_else(|| {
                Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Text,
                    format!("unknown delivery status {status}").into(),
                )
            })?,
            attempts: row.get("attempts")?,
            last_attempt_at: parse_opt_ts(row, "last_attempt_at")?,
            next_retry_at: parse_opt_ts(row, "next_retry_at")?,
            status_code: row.get("status_code")?,
            created_at: parse_ts(row, "created_at")?,
        },
    ))
}

pub fn attempt(row: &Row) -> rusqlite::Result<Attempt> {
    Ok(Attempt {
        attempted_at: parse_ts(row, "attempted_at")?,
        status_code: row.get("status_code")?,
        duration_ms: row.get::<_, i64>("duration_ms")? as u64,
        error: row.get("error")?,
        response_body: row.get("response_body")?,
    })
}

/// Rows for a statement that reads them with `json_each`.
pub fn json<T: serde::Serialize>(rows: &T) -> String {
    serde_json::to_string(rows).expect("rows serialize")
}
