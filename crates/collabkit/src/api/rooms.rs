//! `/rooms`: create, read, rename and delete rooms; list a room's users.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use collabkit_webhooks::ServerResponse;
use collabkit_webhooks::{CollabKitRoom, CollabKitUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination::{PageQuery, encode_cursor};
use super::paths::{CustomIdPath, RoomPath};
use super::{AppState, Data, validate};
use crate::realtime::ParticipantSnapshot;
use crate::store::{Cursor, NewRoom};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_room, list_rooms))
        .routes(routes!(get_room, rename_room, delete_room))
        .routes(routes!(get_room_by_custom_id))
        .routes(routes!(list_room_users))
        .routes(routes!(list_participants))
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantList {
    pub participants: Vec<ParticipantSnapshot>,
    pub next_cursor: Option<String>,
}

/// Who is in the room's live session on this node now, with their presence and open
/// connections, by user id, a page at a time (`?limit=`, default 50, at most 100: a page is
/// at most that many presences of `--presence-max-bytes`).
#[utoipa::path(get, path = "/rooms/{room_id}/participants", tag = "rooms",
    params(("account_id" = String, Path), ("room_id" = String, Path), PageQuery),
    responses((status = 200, body = ServerResponse<ParticipantList>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn list_participants(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Query(q): Query<PageQuery>,
) -> Result<Data<ParticipantList>, ApiError> {
    let page = q.to_request()?;
    let room = state.store.get_room(auth.id(), &p.room_id).await?;
    let after = page.after.map(|c| c.as_str().to_owned());
    let (participants, more) = state
        .hub
        .participants(&room.id, after, page.limit as usize)
        .await;
    let next_cursor = match participants.last() {
        Some(last) if more => Some(encode_cursor(&Cursor::new(last.user.id.clone()))),
        _ => None,
    };
    Ok(Data::json(ParticipantList {
        participants,
        next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRoom {
    #[schema(min_length = 1, max_length = 256)]
    name: String,
    /// Your own id for the room, unique in the account.
    #[schema(min_length = 1, max_length = 256)]
    custom_id: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameRoom {
    #[schema(min_length = 1, max_length = 256)]
    name: String,
}

#[derive(Serialize, ToSchema)]
pub struct RoomBody {
    pub room: CollabKitRoom,
}

#[derive(Serialize, ToSchema)]
pub struct RoomList {
    pub rooms: Vec<CollabKitRoom>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<CollabKitUser>,
    pub next_cursor: Option<String>,
}

/// Create a room.
#[utoipa::path(post, path = "/rooms", tag = "rooms",
    params(("account_id" = String, Path)), request_body = CreateRoom,
    responses((status = 201, body = ServerResponse<RoomBody>), (status = 409, description = "customId taken", body = ErrorBody)))]
async fn create_room(
    auth: AccountAuth,
    State(state): State<AppState>,
    Json(body): Json<CreateRoom>,
) -> Result<impl IntoResponse, ApiError> {
    let new = NewRoom {
        name: validate::text("name", body.name, validate::MAX_NAME)?,
        custom_id: validate::custom_id("customId", body.custom_id)?,
    };
    let room = state.store.create_room(auth.id(), new).await?;
    Ok(Data::created(
        "Room created",
        RoomBody {
            room: room.to_contract(),
        },
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomListQuery {
    /// Only rooms with a live session now (someone connected): `true` or `false`.
    live: Option<bool>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// List the account's rooms, oldest first (or only those with a live session).
#[utoipa::path(get, path = "/rooms", tag = "rooms",
    params(("account_id" = String, Path), RoomListQuery),
    responses((status = 200, body = ServerResponse<RoomList>), (status = 400, body = ErrorBody)))]
async fn list_rooms(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<RoomListQuery>,
) -> Result<Data<RoomList>, ApiError> {
    let page = PageQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .to_request()?;
    let page = if q.live == Some(true) {
        state.store.list_live_rooms(auth.id(), page).await?
    } else {
        state.store.list_rooms(auth.id(), page).await?
    };
    Ok(Data::json(RoomList {
        rooms: page.items.iter().map(|r| r.to_contract()).collect(),
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

/// Get a room.
#[utoipa::path(get, path = "/rooms/{room_id}", tag = "rooms",
    params(("account_id" = String, Path), ("room_id" = String, Path)),
    responses((status = 200, body = ServerResponse<RoomBody>), (status = 404, body = ErrorBody)))]
async fn get_room(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
) -> Result<Data<RoomBody>, ApiError> {
    let room = state.store.get_room(auth.id(), &p.room_id).await?;
    Ok(Data::json(RoomBody {
        room: room.to_contract(),
    }))
}

/// Find a room by the id the client chose for it.
#[utoipa::path(get, path = "/rooms/custom/{custom_id}", tag = "rooms",
    params(("account_id" = String, Path), ("custom_id" = String, Path)),
    responses((status = 200, body = ServerResponse<RoomBody>), (status = 404, body = ErrorBody)))]
async fn get_room_by_custom_id(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<CustomIdPath>,
) -> Result<Data<RoomBody>, ApiError> {
    let room = state
        .store
        .find_room_by_custom_id(auth.id(), &p.custom_id)
        .await?;
    Ok(Data::json(RoomBody {
        room: room.to_contract(),
    }))
}

/// Rename a room.
#[utoipa::path(patch, path = "/rooms/{room_id}", tag = "rooms",
    params(("account_id" = String, Path), ("room_id" = String, Path)), request_body = RenameRoom,
    responses((status = 200, body = ServerResponse<RoomBody>), (status = 404, body = ErrorBody)))]
async fn rename_room(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Json(body): Json<RenameRoom>,
) -> Result<Data<RoomBody>, ApiError> {
    let name = validate::text("name", body.name, validate::MAX_NAME)?;
    let room = state
        .store
        .rename_room(auth.id(), &p.room_id, &name)
        .await?;
    Ok(Data::json(RoomBody {
        room: room.to_contract(),
    }))
}

/// Delete a room with its users (each gets a `user.deleted` event).
#[utoipa::path(delete, path = "/rooms/{room_id}", tag = "rooms",
    params(("account_id" = String, Path), ("room_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_room(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
) -> Result<StatusCode, ApiError> {
    let room = state.store.get_room(auth.id(), &p.room_id).await?;
    // The live session ends first: its participant.left/session.closed come before user.deleted.
    state.hub.close_room(&room.id).await?;
    let change = state
        .handoff
        .change(|lease| state.store.delete_room(auth.id(), &room.id, lease))
        .await?;
    // A connection that joined between the two steps above is closed now.
    state.hub.forget_room(&room.id).await;
    state.metrics.record_events(&change.events);
    Ok(StatusCode::NO_CONTENT)
}

/// List a room's users, oldest first.
#[utoipa::path(get, path = "/rooms/{room_id}/users", tag = "rooms",
    params(("account_id" = String, Path), ("room_id" = String, Path), PageQuery),
    responses((status = 200, body = ServerResponse<UserList>), (status = 404, body = ErrorBody)))]
async fn list_room_users(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Query(q): Query<PageQuery>,
) -> Result<Data<UserList>, ApiError> {
    let page = state
        .store
        .list_users(auth.id(), &p.room_id, q.to_request()?)
        .await?;
    Ok(Data::json(UserList {
        users: page
            .items
            .iter()
            .map(|u| super::users::contract(&state, u))
            .collect::<Result<_, _>>()?,
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}
