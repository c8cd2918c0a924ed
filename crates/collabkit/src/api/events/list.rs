//! `GET /events`: pages through the account's log, oldest first.

use axum::extract::State;
use collabkit_webhooks::{ServerResponse, WebhookEventName};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{EventRecord, parse_event_name, record_of};
use crate::api::auth::AccountAuth;
use crate::api::error::ApiError;
use crate::api::extract::Query;
use crate::api::pagination::{self, CursorQuery, encode_cursor};
use crate::api::{AppState, Data};
use crate::store::EventFilter;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only events of this room.
    room_id: Option<String>,
    /// Only events of this name, e.g. `user.created`.
    #[param(value_type = Option<WebhookEventName>)]
    event: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventRecord>,
    pub next_cursor: Option<String>,
}

/// List stored events, oldest first.
#[utoipa::path(get, path = "/events", tag = "events",
    params(("account_id" = String, Path), EventQuery),
    responses((status = 200, body = ServerResponse<EventList>)))]
pub(super) async fn list_events(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<EventQuery>,
) -> Result<Data<EventList>, ApiError> {
    let event = parse_event_name(q.event.as_deref())?;
    let page = CursorQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .to_request_within(pagination::MAX_EVENT_LIMIT)?;
    let filter = EventFilter {
        room_id: q.room_id,
        event,
    };
    let page = state.store.list_events(auth.id(), filter, page).await?;
    let events = page
        .items
        .into_iter()
        .map(record_of)
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Data::json(EventList {
        events,
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}
