//! Version 2's reads (`request` frames): the room and its users, authorised by the connection's
//! token. They read the store directly, joined or not, and never pass through the room's actor,
//! so a read never waits behind the room's joins.

use axum::extract::ws::Utf8Bytes;
use serde_json::{Value, json};

use super::Hub;
use super::protocol::{ErrorView, FollowView, ServerMessage, user_view};
use crate::store::{PageRequest, StoreError, User, UserFilter};

/// How many users a read lists at most (oldest first).
pub const MAX_USERS: u32 = 1000;

/// The `response` frame answering request `id` of the connection of `me`.
pub async fn answer(hub: &Hub, me: &User, id: u64, method: &str, params: &Value) -> Utf8Bytes {
    let result = match params {
        Value::Null | Value::Object(_) => read(hub, me, method, params).await,
        _ => Err(("invalid_request", "`params` must be an object".to_owned())),
    };
    response(id, result)
}

/// The `response` frame of request `id`: its data, or its error.
pub fn response(id: u64, result: Result<Value, Failure>) -> Utf8Bytes {
    match result {
        Ok(data) => ServerMessage::Response {
            id,
            data: Some(&data),
            error: None,
        }
        .encode(),
        Err((code, message)) => ServerMessage::Response {
            id,
            data: None,
            error: Some(ErrorView {
                code,
                message: &message,
            }),
        }
        .encode(),
    }
}

/// Why a request failed: its code and a sentence.
pub type Failure = (&'static str, String);

async fn read(hub: &Hub, me: &User, method: &str, params: &Value) -> Result<Value, Failure> {
    let param = |name: &str| -> Result<Option<&str>, Failure> {
        match params.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.is_empty() => Ok(Some(s)),
            Some(_) => Err(("invalid_request", format!("`{name}` must be an id"))),
        }
    };
    match method {
        "room.get" => {
            // Any room of the token's account: the documented `room.get({ roomId })`.
            let room_id = param("roomId")?.unwrap_or(&me.room_id);
            let room = hub
                .store()
                .get_room(&me.account_id, room_id)
                .await
                .map_err(failure)?;
            let users = users_of(hub, me, &room.id).await?;
            let room = room.to_contract(collabkit_domain::clock::now());
            Ok(json!({ "room": room, "users": users }))
        }
        "users.get" => {
            let user_id = param("userId")?.unwrap_or(&me.id);
            let user = hub
                .store()
                .get_user(&me.account_id, user_id)
                .await
                .map_err(failure)?;
            // Only users of the token's room.
            if user.room_id != me.room_id {
                return Err(failure(StoreError::NotFound("user")));
            }
            let follows = follows(hub, me, &me.room_id).await?;
            Ok(json!({ "user": user_view(&user.to_webhook(), &follows) }))
        }
        "users.getAll" => Ok(json!({ "users": users_of(hub, me, &me.room_id).await? })),
        other => Err((
            "invalid_request",
            format!("unknown method {other:?}; use room.get, users.get or users.getAll"),
        )),
    }
}

/// The room's first users, with their follows and colours.
async fn users_of(hub: &Hub, me: &User, room_id: &str) -> Result<Vec<Value>, Failure> {
    let filter = UserFilter {
        room_id: Some(room_id.to_owned()),
        ..UserFilter::default()
    };
    let page = hub
        .store()
        .list_users(&me.account_id, &filter, PageRequest::first(MAX_USERS))
        .await
        .map_err(failure)?;
    let follows = follows(hub, me, room_id).await?;
    Ok(page
        .items
        .iter()
        .map(|u| user_view(&u.to_webhook(), &follows))
        .collect())
}

async fn follows(hub: &Hub, me: &User, room_id: &str) -> Result<Vec<FollowView>, Failure> {
    let read = hub
        .store()
        .room_follows(&me.account_id, room_id)
        .await
        .map_err(failure)?;
    Ok(read
        .into_iter()
        .map(|(follower_id, user_id)| FollowView {
            follower_id,
            user_id,
        })
        .collect())
}

fn failure(e: StoreError) -> Failure {
    match e {
        StoreError::NotFound(what) => ("not_found", format!("no such {what}")),
        e => {
            tracing::warn!(error = %e, "a realtime read failed");
            (
                "unavailable",
                "the server could not read that now; try again".into(),
            )
        }
    }
}
