//! `/rooms`: create, read, rename and delete rooms; list a room's users.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use collabkit_webhooks::ServerResponse;
use collabkit_webhooks::{CollabKitRoom, WebhookUser};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination::{self, CursorQuery, PageQuery, encode_cursor, total_of};
use super::paths::{CustomIdPath, RoomPath};
use super::{AppState, Data, validate};
use crate::clock;
use crate::realtime::ParticipantSnapshot;
use crate::store::{Cursor, NewRoom, Room, RoomFilter, UserFilter};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_room, list_rooms))
        .routes(routes!(get_room, rename_room, delete_room))
        .routes(routes!(get_room_by_custom_id))
        .routes(routes!(reconcile_room))
        .routes(routes!(list_room_users))
        .routes(routes!(list_participants))
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantList {
    pub participants: Vec<ParticipantSnapshot>,
    /// How many participants the room has on this node.
    pub total: u64,
    pub limit: u32,
    pub next_cursor: Option<String>,
}

/// Who is in the room's live session on this node now, with their presence and open
/// connections, by user id, a page at a time (`?limit=`, default 50, at most 100: a page is
/// at most that many presences of `--presence-max-bytes`).
#[utoipa::path(get, path = "/rooms/{room_id}/participants", tag = "rooms",
    params(("account_id" = String, Path), ("room_id" = String, Path), CursorQuery),
    responses((status = 200, body = ServerResponse<ParticipantList>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn list_participants(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Query(q): Query<CursorQuery>,
) -> Result<Data<ParticipantList>, ApiError> {
    let page = q.to_request()?;
    let room = state.store.get_room(auth.id(), &p.room_id).await?;
    let after = page.after.map(|c| c.as_str().to_owned());
    let (participants, more, total) = state
        .hub
        .participants(&room.id, after, page.limit as usize)
        .await;
    let next_cursor = match participants.last() {
        Some(last) if more => Some(encode_cursor(&Cursor::new(last.user.id.clone()))),
        _ => None,
    };
    Ok(Data::json(ParticipantList {
        participants,
        total: total as u64,
        limit: page.limit,
        next_cursor,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateRoom {
    #[schema(min_length = 1, max_length = 256)]
    name: String,
    /// Your own id for the room, unique in the account (optional).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 256)]
    custom_id: Option<String>,
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
    /// How many rooms the list holds with its filters (null for `live=true`, paged by cursor).
    pub total: Option<u64>,
    pub limit: u32,
    pub offset: u64,
    /// Pass back as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

/// A room with its analytics and a page of its users (`GET /rooms/{id}`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoomDetail {
    pub room: CollabKitRoom,
    /// A page of the room's users (without their tokens), oldest first.
    pub users: Vec<WebhookUser>,
    /// How many users match the filters.
    pub users_total: u64,
    pub limit: u32,
    pub offset: u64,
}

/// `POST /rooms/{id}/reconcile`.
#[derive(Serialize, ToSchema)]
pub struct Reconciled {
    pub room: CollabKitRoom,
    pub previous_active_participants: u64,
    pub reconciled_active_participants: u64,
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
        custom_id: body
            .custom_id
            .map(|c| validate::custom_id("customId", c))
            .transpose()?,
    };
    let room = state.store.create_room(auth.id(), new).await?;
    Ok(Data::created(
        "Room created",
        RoomBody {
            room: room.to_contract(clock::now()),
        },
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomListQuery {
    /// A case-insensitive part of the name.
    search: Option<String>,
    /// Only rooms created at or after this time (RFC 3339) or date (`2026-05-29`).
    from: Option<String>,
    /// Only rooms created at or before this time or date (the whole day).
    to: Option<String>,
    /// Only rooms with a live session now (someone connected): `true` or `false`. Paged by
    /// cursor, without `total`, and not with the other filters.
    live: Option<bool>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// How many rooms to skip (default 0; not with `cursor`).
    #[param(minimum = 0)]
    offset: Option<u64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// List the account's rooms, oldest first: by name (`search`), creation time (`from`, `to`),
/// or only those with a live session (`live=true`).
#[utoipa::path(get, path = "/rooms", tag = "rooms",
    params(("account_id" = String, Path), RoomListQuery),
    responses((status = 200, body = ServerResponse<RoomList>), (status = 400, body = ErrorBody)))]
async fn list_rooms(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<RoomListQuery>,
) -> Result<Data<RoomList>, ApiError> {
    let asked = PageQuery {
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor,
    }
    .to_request()?;
    let (from, to) = pagination::time_range(q.from.as_deref(), q.to.as_deref())?;
    let filter = RoomFilter {
        search: pagination::search(q.search)?,
        from,
        to,
    };
    let now = clock::now();
    if q.live == Some(true) {
        if asked.offset > 0 || !filter.is_empty() {
            return Err(ApiError::bad_request(
                "`live=true` pages by cursor only, without `offset`, `search`, `from` or `to`",
            ));
        }
        let page = state
            .store
            .list_live_rooms(auth.id(), asked.clone())
            .await?;
        return Ok(Data::json(RoomList {
            rooms: page.items.iter().map(|r| r.to_contract(now)).collect(),
            total: None,
            limit: asked.limit,
            offset: 0,
            next_cursor: page.next.as_ref().map(encode_cursor),
        }));
    }
    let page = state
        .store
        .list_rooms(auth.id(), &filter, asked.clone())
        .await?;
    Ok(Data::json(RoomList {
        rooms: page.items.iter().map(|r| r.to_contract(now)).collect(),
        total: Some(total_of(&page, &asked)),
        limit: asked.limit,
        offset: asked.skip(),
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

/// `GET /rooms/{id}`'s paging and filters of the room's users.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomUsersQuery {
    /// A case-insensitive part of a user's name, or a user's exact id.
    search: Option<String>,
    /// Only users created at or after this time (RFC 3339) or date (`2026-05-29`).
    from: Option<String>,
    /// Only users created at or before this time or date (the whole day).
    to: Option<String>,
    /// Users per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// How many users to skip (default 0).
    #[param(minimum = 0)]
    offset: Option<u64>,
}

/// The room with its analytics and a page of its users.
async fn room_detail(
    state: &AppState,
    account_id: &str,
    room: Room,
    q: RoomUsersQuery,
) -> Result<RoomDetail, ApiError> {
    let asked = PageQuery {
        limit: q.limit,
        offset: q.offset,
        cursor: None,
    }
    .to_request()?;
    let (from, to) = pagination::time_range(q.from.as_deref(), q.to.as_deref())?;
    let filter = UserFilter {
        room_id: Some(room.id.clone()),
        search: pagination::search(q.search)?,
        from,
        to,
    };
    let page = state
        .store
        .list_users(account_id, &filter, asked.clone())
        .await?;
    Ok(RoomDetail {
        room: room.to_contract(clock::now()),
        users_total: total_of(&page, &asked),
        users: page.items.iter().map(|u| u.to_webhook()).collect(),
        limit: asked.limit,
        offset: asked.skip(),
    })
}

/// Get a room with its analytics and a page of its users (`limit`, `offset`, `search`,
/// `from`, `to` page and filter the users).
#[utoipa::path(get, path = "/rooms/{room_id}", tag = "rooms",
    params(("account_id" = String, Path), ("room_id" = String, Path), RoomUsersQuery),
    responses((status = 200, body = ServerResponse<RoomDetail>), (status = 404, body = ErrorBody)))]
async fn get_room(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Query(q): Query<RoomUsersQuery>,
) -> Result<Data<RoomDetail>, ApiError> {
    let room = state.store.get_room(auth.id(), &p.room_id).await?;
    Ok(Data::json(room_detail(&state, auth.id(), room, q).await?))
}

/// Find a room by the id the client chose for it: the same answer as `GET /rooms/{id}`; 404
/// `NOT_FOUND` when no room of the account has it.
#[utoipa::path(get, path = "/rooms/custom/{custom_id}", tag = "rooms",
    params(("account_id" = String, Path), ("custom_id" = String, Path), RoomUsersQuery),
    responses((status = 200, body = ServerResponse<RoomDetail>), (status = 404, body = ErrorBody)))]
async fn get_room_by_custom_id(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<CustomIdPath>,
    Query(q): Query<RoomUsersQuery>,
) -> Result<Data<RoomDetail>, ApiError> {
    let room = state
        .store
        .find_room_by_custom_id(auth.id(), &p.custom_id)
        .await?;
    Ok(Data::json(room_detail(&state, auth.id(), room, q).await?))
}

/// Recount the room's participants from who takes part in its live session now, repairing an
/// `active_participants` a crash or a lost connection left stale. Safe at any time; stores no
/// event.
#[utoipa::path(post, path = "/rooms/{room_id}/reconcile", tag = "rooms",
    params(("account_id" = String, Path), ("room_id" = String, Path)),
    responses((status = 200, body = ServerResponse<Reconciled>), (status = 404, body = ErrorBody)))]
async fn reconcile_room(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
) -> Result<Data<Reconciled>, ApiError> {
    let (room, previous, reconciled) = state.store.reconcile_room(auth.id(), &p.room_id).await?;
    Ok(Data::json(Reconciled {
        room: room.to_contract(clock::now()),
        previous_active_participants: previous,
        reconciled_active_participants: reconciled,
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
    Ok(Data::with(
        StatusCode::OK,
        "Room updated",
        RoomBody {
            room: room.to_contract(clock::now()),
        },
    ))
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
    // The live session ends first, then user.deleted (see `Changes::delete_room`).
    state
        .changes
        .delete_room(&state.hub, auth.id(), &p.room_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List a room's users (with their tokens), oldest first.
#[utoipa::path(get, path = "/rooms/{room_id}/users", tag = "rooms",
    params(("account_id" = String, Path), ("room_id" = String, Path), PageQuery),
    responses((status = 200, body = ServerResponse<super::users::UserList>), (status = 404, body = ErrorBody)))]
async fn list_room_users(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Query(q): Query<PageQuery>,
) -> Result<Data<super::users::UserList>, ApiError> {
    let asked = q.to_request()?;
    let page = state
        .store
        .list_users(auth.id(), &UserFilter::room(&p.room_id), asked.clone())
        .await?;
    Ok(Data::json(super::users::user_list(&state, &page, &asked)?))
}
