//! `/users`: create, read, update and delete users. Each change stores its event.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use collabkit_webhooks::ServerResponse;
use collabkit_webhooks::{CollabKitUser, CollabKitUserSession};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination::{self, PageQuery, encode_cursor, total_of};
use super::paths::{CustomIdPath, UserPath};
use super::{AppState, Data, validate};
use crate::realtime::UserChange;
use crate::store::{NewUser, Page, PageRequest, User, UserFilter, UserPatch};

/// The most sessions `GET /users/{id}` lists (the newest).
const MAX_SESSIONS: u32 = 100;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, update_user, delete_user))
        .routes(routes!(get_user_by_custom_id))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateUser {
    #[schema(min_length = 1, max_length = 256)]
    name: String,
    room_id: String,
    /// Your own id for the user, unique in the room (optional).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 256)]
    custom_id: Option<String>,
    #[serde(default)]
    profile_picture: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateUser {
    #[serde(default, deserialize_with = "validate::present")]
    #[schema(min_length = 1, max_length = 256)]
    name: Option<String>,
    /// A URL, or null to remove the picture.
    #[serde(default, deserialize_with = "validate::double_option")]
    #[schema(value_type = Option<String>)]
    profile_picture: Option<Option<String>>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedUser {
    pub user: CollabKitUser,
    /// The user's realtime token (also in `user.token`).
    pub token: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserBody {
    pub user: CollabKitUser,
}

/// A user with their participations (`GET /users/{id}`).
#[derive(Serialize, ToSchema)]
pub struct UserDetail {
    pub user: CollabKitUser,
    /// Their participations in the room's sessions, newest first (at most 100).
    pub sessions: Vec<CollabKitUserSession>,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RoomQuery {
    /// The room the user belongs to.
    room_id: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct UserListQuery {
    /// The room whose users to list (required).
    room_id: Option<String>,
    /// A case-insensitive part of the name, or a user's exact id.
    search: Option<String>,
    /// Only users created at or after this time (RFC 3339) or date (`2026-05-29`).
    from: Option<String>,
    /// Only users created at or before this time or date (the whole day).
    to: Option<String>,
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// How many users to skip (default 0; not with `cursor`).
    #[param(minimum = 0)]
    offset: Option<u64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of users with their tokens (`GET /users?roomId=`, `GET /rooms/{id}/users`).
#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub users: Vec<CollabKitUser>,
    /// How many users the list holds with its filters.
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
    pub next_cursor: Option<String>,
}

/// A page of users with their tokens, `total`, `limit` and `offset`.
pub(super) fn user_list(
    state: &AppState,
    page: &Page<User>,
    asked: &PageRequest,
) -> Result<UserList, ApiError> {
    Ok(UserList {
        users: page
            .items
            .iter()
            .map(|u| contract(state, u))
            .collect::<Result<_, _>>()?,
        total: total_of(page, asked),
        limit: asked.limit,
        offset: asked.skip(),
        next_cursor: page.next.as_ref().map(encode_cursor),
    })
}

/// `?roomId=`, required where users are found by room.
fn required_room(room_id: Option<String>, why: &str) -> Result<String, ApiError> {
    room_id.filter(|r| !r.is_empty()).ok_or_else(|| {
        ApiError::bad_request(format!("`roomId` query parameter is required: {why}"))
    })
}

/// List a room's users (with their tokens), oldest first.
#[utoipa::path(get, path = "/users", tag = "users",
    params(("account_id" = String, Path), UserListQuery),
    responses((status = 200, body = ServerResponse<UserList>), (status = 400, body = ErrorBody),
              (status = 404, description = "no such room", body = ErrorBody)))]
async fn list_users(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<UserListQuery>,
) -> Result<Data<UserList>, ApiError> {
    let room_id = required_room(q.room_id, "users are listed by room")?;
    let asked = PageQuery {
        limit: q.limit,
        offset: q.offset,
        cursor: q.cursor,
    }
    .to_request()?;
    let (from, to) = pagination::time_range(q.from.as_deref(), q.to.as_deref())?;
    let filter = UserFilter {
        room_id: Some(room_id),
        search: pagination::search(q.search)?,
        from,
        to,
    };
    let page = state
        .store
        .list_users(auth.id(), &filter, asked.clone())
        .await?;
    Ok(Data::json(user_list(&state, &page, &asked)?))
}

/// The user with their newest sessions.
async fn user_detail(
    state: &AppState,
    account_id: &str,
    user: User,
) -> Result<UserDetail, ApiError> {
    let sessions = state
        .store
        .user_sessions(account_id, &user.id, MAX_SESSIONS)
        .await?
        .iter()
        .map(|s| s.to_contract())
        .collect();
    Ok(UserDetail {
        user: contract(state, &user)?,
        sessions,
    })
}

/// Create a user in a room; stores `user.created`.
#[utoipa::path(post, path = "/users", tag = "users",
    params(("account_id" = String, Path)), request_body = CreateUser,
    responses((status = 201, body = ServerResponse<CreatedUser>), (status = 404, description = "no such room", body = ErrorBody),
              (status = 409, description = "customId taken in the room", body = ErrorBody)))]
async fn create_user(
    auth: AccountAuth,
    State(state): State<AppState>,
    Json(body): Json<CreateUser>,
) -> Result<impl IntoResponse, ApiError> {
    if super::paths::names_nothing(&body.room_id) {
        return Err(ApiError::not_found("room"));
    }
    let token = crate::accounts::new_user_token();
    let new = NewUser {
        room_id: body.room_id,
        custom_id: body
            .custom_id
            .map(|c| validate::custom_id("customId", c))
            .transpose()?,
        name: validate::text("name", body.name, validate::MAX_NAME)?,
        profile_picture: validate::picture(body.profile_picture)?,
        token_sealed: state.secrets.seal(&token),
        token,
    };
    let change = state
        .changes
        .apply(|lease| state.store.create_user(auth.id(), new, lease))
        .await?;
    state.hub.user_changed(UserChange::Created, &change.value);
    let user = contract(&state, &change.value)?;
    Ok(Data::created(
        "User created",
        CreatedUser {
            token: user.token.clone(),
            user,
        },
    ))
}

/// Get a user with their sessions. `roomId` is optional here (ids are unique in the account);
/// given, it must be the user's room, else 404.
#[utoipa::path(get, path = "/users/{user_id}", tag = "users",
    params(("account_id" = String, Path), ("user_id" = String, Path), RoomQuery),
    responses((status = 200, body = ServerResponse<UserDetail>), (status = 404, body = ErrorBody)))]
async fn get_user(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<UserPath>,
    Query(q): Query<RoomQuery>,
) -> Result<Data<UserDetail>, ApiError> {
    let user = state.store.get_user(auth.id(), &p.user_id).await?;
    if let Some(room_id) = q.room_id.filter(|r| !r.is_empty())
        && room_id != user.room_id
    {
        return Err(ApiError::not_found("user"));
    }
    Ok(Data::json(user_detail(&state, auth.id(), user).await?))
}

/// Find a user by the id the client chose, within a room (`roomId` required): the same answer
/// as `GET /users/{id}`; 404 `NOT_FOUND` when no user of that room has it.
#[utoipa::path(get, path = "/users/custom/{custom_id}", tag = "users",
    params(("account_id" = String, Path), ("custom_id" = String, Path), RoomQuery),
    responses((status = 200, body = ServerResponse<UserDetail>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_user_by_custom_id(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<CustomIdPath>,
    Query(q): Query<RoomQuery>,
) -> Result<Data<UserDetail>, ApiError> {
    let room_id = required_room(q.room_id, "custom ids are unique per room")?;
    let user = state
        .store
        .find_user_by_custom_id(auth.id(), &room_id, &p.custom_id)
        .await?;
    Ok(Data::json(user_detail(&state, auth.id(), user).await?))
}

/// Update a user's name or picture; stores `user.updated` only when something changed.
#[utoipa::path(patch, path = "/users/{user_id}", tag = "users",
    params(("account_id" = String, Path), ("user_id" = String, Path)), request_body = UpdateUser,
    responses((status = 200, body = ServerResponse<UserBody>), (status = 404, body = ErrorBody)))]
async fn update_user(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<UserPath>,
    Json(body): Json<UpdateUser>,
) -> Result<Data<UserBody>, ApiError> {
    let patch = UserPatch {
        name: body
            .name
            .map(|n| validate::text("name", n, validate::MAX_NAME))
            .transpose()?,
        profile_picture: body.profile_picture.map(validate::picture).transpose()?,
    };
    let change = state
        .changes
        .apply(|lease| state.store.update_user(auth.id(), &p.user_id, patch, lease))
        .await?;
    // Told only when something changed, like `user.updated`.
    if !change.events.is_empty() {
        state.hub.user_changed(UserChange::Updated, &change.value);
    }
    Ok(Data::with(
        StatusCode::OK,
        "User updated",
        UserBody {
            user: contract(&state, &change.value)?,
        },
    ))
}

/// Delete a user; stores `user.deleted`.
#[utoipa::path(delete, path = "/users/{user_id}", tag = "users",
    params(("account_id" = String, Path), ("user_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
async fn delete_user(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<UserPath>,
) -> Result<StatusCode, ApiError> {
    // Participation ends first, then user.deleted (see `Changes::delete_user`).
    let user = state
        .changes
        .delete_user(&state.hub, auth.id(), &p.user_id)
        .await?;
    state.hub.user_changed(UserChange::Deleted, &user);
    Ok(StatusCode::NO_CONTENT)
}

/// The contract's user, with a fresh token (a JWT; see [`crate::user_tokens`]).
pub(super) fn contract(state: &AppState, user: &User) -> Result<CollabKitUser, ApiError> {
    Ok(user.to_contract(state.tokens.issue(user)))
}
