//! `/events`: the account's event log, oldest first — what the outbox stored, exactly as it
//! will be (or was) delivered.
//!
//! Split by how the log is read: page through it ([`list`]), follow it as it grows
//! ([`stream`]), or catch up on one room ([`room`]). Each lists events as the same
//! [`EventRecord`], made here.

mod list;
mod room;
mod stream;

use collabkit_webhooks::{WebhookEventName, WebhookPayload};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::ApiError;
use crate::clock;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list::list_events))
        .routes(routes!(stream::stream_events))
        .routes(routes!(room::recent_events))
        .routes(routes!(room::room_events))
}

/// One stored event.
#[derive(Serialize, ToSchema)]
pub struct EventRecord {
    pub id: String,
    pub event: WebhookEventName,
    pub room_id: String,
    /// Its number in its room: 1, 2, 3… without gaps, in the order the room's changes
    /// committed (deliveries carry it as the `collabkit-room-seq` header).
    pub room_seq: Option<i64>,
    pub created_at: String,
    /// The payload as delivered to receivers: the stored bytes, not re-typed, so an event
    /// stored by an earlier version (rooms and users in their old shape) is listed as it was
    /// delivered instead of failing the whole page.
    #[schema(value_type = WebhookPayload)]
    pub payload: Box<serde_json::value::RawValue>,
}

/// The `event` filter's value, refused (400) unless it names an event.
fn parse_event_name(name: Option<&str>) -> Result<Option<WebhookEventName>, ApiError> {
    name.map(|name| {
        WebhookEventName::parse(name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "`event` must be one of {}",
                super::EVENT_NAMES_LIST
            ))
        })
    })
    .transpose()
}

/// An event as every part lists it.
fn record_of(e: crate::store::Event) -> Result<EventRecord, ApiError> {
    let payload = serde_json::value::RawValue::from_string(e.payload).map_err(|err| {
        tracing::error!(event_id = %e.id, %err, "stored payload does not parse");
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "a stored event could not be read",
        )
    })?;
    Ok(EventRecord {
        id: e.id,
        event: e.event,
        room_id: e.room_id,
        room_seq: e.room_seq,
        created_at: clock::format(&e.created_at),
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An event stored before rooms and users took the documented snake_case shapes is listed
    /// byte for byte, as it was delivered, instead of failing the page it is on.
    #[test]
    fn an_event_stored_in_an_older_shape_is_listed_as_stored() {
        let old = r#"{"event":"user.created","id":"evt_1","timestamp":"2026-01-01T00:00:00Z","room":{"id":"room_1","customId":"a","name":"A","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"},"user":{"id":"usr_1","roomId":"room_1","customId":"u","name":"U","profilePicture":null,"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}}"#;
        let record = record_of(crate::store::Event {
            id: "evt_1".into(),
            account_id: "acc_1".into(),
            room_id: "room_1".into(),
            event: WebhookEventName::UserCreated,
            payload: old.into(),
            created_at: clock::now(),
            room_seq: Some(1),
        })
        .expect("an old payload is listed");
        let listed = serde_json::to_string(&record).unwrap();
        assert!(
            listed.contains(&format!(r#""payload":{old}"#)),
            "payload not byte for byte: {listed}"
        );
    }
}
