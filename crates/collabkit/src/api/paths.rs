//! Path parameters shared by the resources. Every account-scoped route also carries
//! `account_id`, which authentication checks; handlers only read the rest.

use serde::Deserialize;

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
