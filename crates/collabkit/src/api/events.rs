//! `/events`: the account's event log, oldest first — what the outbox stored, exactly as it
//! will be (or was) delivered.

use axum::extract::State;
use collabkit_webhooks::{WebhookEventName, WebhookPayload};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::ApiError;
use super::extract::Query;
use super::pagination::{PageQuery, encode_cursor};
use super::{AppState, Data};
use crate::clock;
use crate::store::EventFilter;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_events))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only events of this room.
    room_id: Option<String>,
    /// Only events of this name, e.g. `user.created`.
    event: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

/// One stored event.
#[derive(Serialize, ToSchema)]
pub struct EventRecord {
    pub id: String,
    pub event: WebhookEventName,
    pub room_id: String,
    pub created_at: String,
    /// The payload as delivered to receivers.
    pub payload: WebhookPayload,
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventRecord>,
    pub next_cursor: Option<String>,
}

/// List stored events, oldest first.
#[utoipa::path(get, path = "/events", tag = "events",
    params(("account_id" = String, Path), EventQuery),
    responses((status = 200, body = Data<EventList>)))]
async fn list_events(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<EventQuery>,
) -> Result<axum::Json<Data<EventList>>, ApiError> {
    let event = q
        .event
        .as_deref()
        .map(|name| {
            WebhookEventName::parse(name).ok_or_else(|| {
                ApiError::invalid(format!(
                    "`event` must be one of {}",
                    super::EVENT_NAMES_LIST
                ))
            })
        })
        .transpose()?;
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .to_request()?;
    let filter = EventFilter {
        room_id: q.room_id,
        event,
    };
    let page = state.store.list_events(auth.id(), filter, page).await?;
    let events = page
        .items
        .into_iter()
        .map(|e| {
            let payload = serde_json::from_str(&e.payload).map_err(|err| {
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
                created_at: clock::format(&e.created_at),
                payload,
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Data::json(EventList {
        events,
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}
