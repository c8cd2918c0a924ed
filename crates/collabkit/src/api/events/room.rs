//! A room's events: its newest at a glance (`GET /rooms/{room_id}/recent-events`), and a
//! catch-up in the room's order from a number on (`GET /rooms/{room_id}/events`).

use axum::extract::State;
use collabkit_webhooks::ServerResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{EventRecord, record_of};
use crate::api::auth::AccountAuth;
use crate::api::error::{ApiError, ErrorBody};
use crate::api::extract::{Path, Query};
use crate::api::pagination;
use crate::api::paths::RoomPath;
use crate::api::{AppState, Data};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecentQuery {
    /// How many, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct RecentEvents {
    /// Newest first.
    pub events: Vec<EventRecord>,
}

/// A room's newest events, newest first: a glance at what just happened. (`GET /events`
/// pages through the whole log, oldest first.)
#[utoipa::path(get, path = "/rooms/{room_id}/recent-events", tag = "events",
    params(("account_id" = String, Path), ("room_id" = String, Path), RecentQuery),
    responses((status = 200, body = ServerResponse<RecentEvents>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn recent_events(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Query(q): Query<RecentQuery>,
) -> Result<Data<RecentEvents>, ApiError> {
    let limit = pagination::limit(q.limit, 20, pagination::MAX_EVENT_LIMIT)?;
    let room = state.store.get_room(auth.id(), &p.room_id).await?;
    let events = state
        .store
        .recent_events(auth.id(), &room.id, limit)
        .await?
        .into_iter()
        .map(record_of)
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Data::json(RecentEvents { events }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomEventsQuery {
    /// The last number already seen (default 0: from the room's first event).
    #[param(minimum = 0)]
    after_room_seq: Option<i64>,
    /// How many, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct RoomEvents {
    /// In the room's order (`room_seq` ascending).
    pub events: Vec<EventRecord>,
    /// Pass back as `after_room_seq` for the next page; `null` once caught up.
    pub next_after_room_seq: Option<i64>,
}

/// Catch up on a room: its events numbered after `after_room_seq`, in the room's order.
///
/// Every event of a room has a number (`room_seq`, also sent with each delivery as the
/// `collabkit-room-seq` header): 1, 2, 3… without gaps, in the order the room's changes
/// committed. A receiver that sees a number jump (a delivery still retrying, or one it did not
/// subscribe to) reads the events in between here. Events older than the retention are gone.
#[utoipa::path(get, path = "/rooms/{room_id}/events", tag = "events",
    params(("account_id" = String, Path), ("room_id" = String, Path), RoomEventsQuery),
    responses((status = 200, body = ServerResponse<RoomEvents>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(super) async fn room_events(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Query(q): Query<RoomEventsQuery>,
) -> Result<Data<RoomEvents>, ApiError> {
    let limit = pagination::limit(
        q.limit,
        pagination::DEFAULT_LIMIT,
        pagination::MAX_EVENT_LIMIT,
    )?;
    let after = q.after_room_seq.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::bad_request("`after_room_seq` must be 0 or more"));
    }
    let room = state.store.get_room(auth.id(), &p.room_id).await?;
    // One more than asked tells whether another page follows.
    let mut events = state
        .store
        .room_events(auth.id(), &room.id, after, limit + 1)
        .await?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next_after_room_seq = if more {
        events.last().and_then(|e| e.room_seq)
    } else {
        None
    };
    let events = events
        .into_iter()
        .map(record_of)
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Data::json(RoomEvents {
        events,
        next_after_room_seq,
    }))
}
