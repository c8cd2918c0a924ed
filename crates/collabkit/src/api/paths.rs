//! Path parameters shared by the resources. Every account-scoped route also carries
//! `account_id`, which authentication checks; handlers only read the rest.

use axum::extract::RawPathParams;
use serde::Deserialize;

use super::error::ApiError;

/// No id this server issues holds a NUL character (and PostgreSQL cannot even compare one):
/// an id with one names nothing.
pub fn names_nothing(id: &str) -> bool {
    id.contains('\0')
}

/// A path id that names nothing is answered as an unknown id, 404 naming the resource, before
/// anything is asked of the storage: the same answer on every backend. `path` is the request's
/// (it tells a room's custom id from a user's).
pub fn refuse_impossible_ids(params: &RawPathParams, path: &str) -> Result<(), ApiError> {
    for (name, value) in params {
        if !names_nothing(value) {
            continue;
        }
        let what = match name {
            "room_id" => "room",
            "user_id" => "user",
            "webhook_id" => "webhook",
            "delivery_id" => "delivery",
            "alert_id" => "alert",
            "custom_id" if path.contains("/users/custom/") => "user",
            "custom_id" => "room",
            _ => "resource",
        };
        return Err(ApiError::not_found(what));
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct RoomPath {
    #[allow(dead_code)]
    pub account_id: String,
    pub room_id: String,
}

#[derive(Deserialize)]
pub struct UserPath {
    #[allow(dead_code)]
    pub account_id: String,
    pub user_id: String,
}

/// `…/custom/{custom_id}` of rooms and users.
#[derive(Deserialize)]
pub struct CustomIdPath {
    #[allow(dead_code)]
    pub account_id: String,
    pub custom_id: String,
}

#[derive(Deserialize)]
pub struct WebhookPath {
    #[allow(dead_code)]
    pub account_id: String,
    pub webhook_id: String,
}

#[derive(Deserialize)]
pub struct DeliveryPath {
    #[allow(dead_code)]
    pub account_id: String,
    pub webhook_id: String,
    pub delivery_id: String,
}

#[derive(Deserialize)]
pub struct AlertPath {
    #[allow(dead_code)]
    pub account_id: String,
    pub alert_id: String,
}
