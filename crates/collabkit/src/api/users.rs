//! `/users`: create, read, update and delete users. Each change stores its event.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use collabkit_webhooks::CollabKitUser;
use collabkit_webhooks::ServerResponse;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::paths::{CustomIdPath, UserPath};
use super::{AppState, Data, validate};
use crate::store::{NewUser, User, UserPatch};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_user))
        .routes(routes!(get_user, update_user, delete_user))
        .routes(routes!(get_user_by_custom_id))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateUser {
    #[schema(min_length = 1, max_length = 256)]
    name: String,
    room_id: String,
    /// Your own id for the user, unique in the room.
    #[schema(min_length = 1, max_length = 256)]
    custom_id: String,
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

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct RoomQuery {
    /// The room the user belongs to (custom ids are unique per room).
    room_id: Option<String>,
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
        custom_id: validate::custom_id("customId", body.custom_id)?,
        name: validate::text("name", body.name, validate::MAX_NAME)?,
        profile_picture: validate::picture(body.profile_picture)?,
        token_sealed: state.secrets.seal(&token),
        token,
    };
    let change = state
        .handoff
        .change(|lease| state.store.create_user(auth.id(), new, lease))
        .await?;
    state.metrics.record_events(&change.events);
    let user = contract(&state, &change.value)?;
    Ok(Data::created(
        "User created",
        CreatedUser {
            token: user.token.clone(),
            user,
        },
    ))
}

/// Get a user.
#[utoipa::path(get, path = "/users/{user_id}", tag = "users",
    params(("account_id" = String, Path), ("user_id" = String, Path)),
    responses((status = 200, body = ServerResponse<UserBody>), (status = 404, body = ErrorBody)))]
async fn get_user(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<UserPath>,
) -> Result<Data<UserBody>, ApiError> {
    let user = state.store.get_user(auth.id(), &p.user_id).await?;
    Ok(Data::json(UserBody {
        user: contract(&state, &user)?,
    }))
}

/// Find a user by the id the client chose, within a room.
#[utoipa::path(get, path = "/users/custom/{custom_id}", tag = "users",
    params(("account_id" = String, Path), ("custom_id" = String, Path), RoomQuery),
    responses((status = 200, body = ServerResponse<UserBody>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn get_user_by_custom_id(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<CustomIdPath>,
    Query(q): Query<RoomQuery>,
) -> Result<Data<UserBody>, ApiError> {
    let room_id = q.room_id.ok_or_else(|| {
        ApiError::bad_request(
            "`roomId` query parameter is required: custom ids are unique per room",
        )
    })?;
    let user = state
        .store
        .find_user_by_custom_id(auth.id(), &room_id, &p.custom_id)
        .await?;
    Ok(Data::json(UserBody {
        user: contract(&state, &user)?,
    }))
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
        .handoff
        .change(|lease| state.store.update_user(auth.id(), &p.user_id, patch, lease))
        .await?;
    state.metrics.record_events(&change.events);
    Ok(Data::json(UserBody {
        user: contract(&state, &change.value)?,
    }))
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
    let user = state.store.get_user(auth.id(), &p.user_id).await?;
    // Its participation ends first (connections closed, participant.left stored), then user.deleted.
    state.hub.remove_user(&user.room_id, &user.id).await?;
    let change = state
        .handoff
        .change(|lease| state.store.delete_user(auth.id(), &user.id, lease))
        .await?;
    // A connection that joined between the two steps above is closed now.
    state.hub.forget_user(&user.room_id, &user.id).await;
    state.metrics.record_events(&change.events);
    Ok(StatusCode::NO_CONTENT)
}

/// The contract's user, its token opened with the server key.
pub(super) fn contract(state: &AppState, user: &User) -> Result<CollabKitUser, ApiError> {
    let token = state.secrets.open(&user.token_sealed).map_err(|e| {
        tracing::error!(user = %user.id, error = %e, "a user token cannot be opened with this server key");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "the user's token cannot be read with this server's key",
        )
    })?;
    Ok(user.to_contract(token))
}
