//! `GET /v1/connect?token=…`: the realtime WebSocket.

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::AppState;
use super::error::{ApiError, ErrorBody};
use super::extract::Query;
use crate::realtime::{CapExceeded, JoinError, connection};
use crate::user_tokens::AuthError;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(connect))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConnectQuery {
    /// Version 1: the user's realtime token (`token` of the user). Version 2 sends it in its
    /// first frame instead.
    token: Option<String>,
    /// `2` for version 2 of the protocol (`docs/realtime-protocol.md`); absent for version 1.
    v: Option<u32>,
}

/// Open the realtime connection of a user: a WebSocket speaking the JSON protocol of
/// `docs/realtime-protocol.md`. With `?v=2` the token comes in the first frame and the
/// connection joins when it asks to; with `?token=` (version 1) connecting joins.
#[utoipa::path(get, path = "/v1/connect", tag = "realtime", security(()),
    params(ConnectQuery),
    responses((status = 101, description = "switching to the WebSocket protocol"),
              (status = 401, description = "version 1: missing, unknown or expired token", body = ErrorBody),
              (status = 429, description = "the user or the account has as many open connections as allowed (`too_many_connections`), or the room as many participants (`room_full`)", body = ErrorBody),
              (status = 400, description = "not a WebSocket request, an unknown version, or a token in the URL with version 2", body = ErrorBody)))]
async fn connect(
    State(state): State<AppState>,
    Query(q): Query<ConnectQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let upgrade = upgrade.map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "websocket_required",
            "this route upgrades to a WebSocket; connect with a WebSocket client",
        )
    });
    match q.v {
        None | Some(1) => {}
        Some(2) => {
            if q.token.is_some() {
                return Err(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "token_in_url",
                    "with ?v=2 the token goes in the first frame ({\"type\": \"auth\", \"token\": …}), \
                     not in the URL, where proxies and logs would keep it",
                ));
            }
            let hub = state.hub.clone();
            return Ok(
                sized(upgrade?, hub.config().max_frame).on_upgrade(move |socket| {
                    let tasks = hub.tasks().clone();
                    tasks.track_future(connection::run_v2(socket, hub))
                }),
            );
        }
        Some(v) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "unsupported_version",
                format!("protocol version {v} is not one of this server's (1, 2)"),
            ));
        }
    }
    let token = q
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::unauthorized("the `token` query parameter is required"))?;
    // Checked before the upgrade, so a bad token is a plain 401.
    let user = match state.hub.tokens().authenticate(&state.store, &token).await {
        Ok(user) => user,
        Err(AuthError::Refused(crate::user_tokens::TokenRefused::Invalid)) => {
            return Err(ApiError::unauthorized("unknown user token"));
        }
        Err(AuthError::Refused(why)) => return Err(ApiError::unauthorized(why.message())),
        Err(AuthError::Store(e)) => return Err(e.into()),
    };
    let room = state
        .store
        .get_room(&user.account_id, &user.room_id)
        .await?;
    let upgrade = upgrade?;
    let hub = state.hub.clone();
    // A full room is refused here, before the upgrade; one that fills up in the meantime
    // refuses the join after it (close code 4029).
    hub.has_place(&room, &user.id).await.map_err(|e| match e {
        JoinError::Full(n) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "room_full",
            format!(
                "this room already has {n} participants, the most allowed \
                 (--room-max-participants); try again when someone leaves"
            ),
        ),
        JoinError::Store(e) => e.into(),
    })?;
    // Counted from before the upgrade until the connection ends (or the upgrade fails).
    let slot = hub.reserve(&user.account_id, &user.id).map_err(|cap| {
        let message = match cap {
            CapExceeded::User(n) => {
                format!("this user already has {n} open connections, the most allowed")
            }
            CapExceeded::Account(n) => {
                format!("this account already has {n} open connections, the most allowed")
            }
        };
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_connections",
            message,
        )
    })?;
    let max = hub.config().max_frame;
    Ok(sized(upgrade, max).on_upgrade(move |socket| {
        let tasks = hub.tasks().clone();
        tasks.track_future(async move {
            connection::run(socket, hub, room, user).await;
            drop(slot);
        })
    }))
}

/// The socket's buffers and frame bound. Small buffers: at 10,000 connections the 128 KiB
/// defaults alone would be 2.5 GiB.
fn sized(upgrade: WebSocketUpgrade, max_frame: usize) -> WebSocketUpgrade {
    upgrade
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0)
        .max_message_size(max_frame)
        .max_frame_size(max_frame)
}
