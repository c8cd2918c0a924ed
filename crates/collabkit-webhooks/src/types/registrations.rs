//! Webhook registrations and the log of their deliveries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::events::WebhookEventName;

/// A webhook registration including the signing secret. Only returned at creation time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRegistration {
    pub id: String,
    pub organization_id: String,
    pub url: String,
    pub secret: String,
    pub events: Vec<WebhookEventName>,
    pub room_id: Option<String>,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// A webhook registration without the secret. Returned by list, get, and update endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRegistrationPublic {
    pub id: String,
    pub organization_id: String,
    pub url: String,
    pub events: Vec<WebhookEventName>,
    pub room_id: Option<String>,
    pub enabled: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<WebhookRegistration> for WebhookRegistrationPublic {
    fn from(r: WebhookRegistration) -> Self {
        WebhookRegistrationPublic {
            id: r.id,
            organization_id: r.organization_id,
            url: r.url,
            events: r.events,
            room_id: r.room_id,
            enabled: r.enabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Success,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Success => "success",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "success" => Some(Self::Success),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// A webhook delivery log entry (defined on the server, not exported from `@collab-kit/utils`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookDelivery {
    pub id: String,
    pub webhook_id: String,
    pub event: String,
    /// The JSON-serialized webhook payload, sent byte for byte on every attempt.
    pub payload: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_attempt_at: Option<String>,
    pub next_retry_at: Option<String>,
    pub status_code: Option<u16>,
    pub created_at: String,
}
