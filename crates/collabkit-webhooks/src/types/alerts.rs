//! Delivery alerts: what the account's alert destination is told about its registrations.
//! Not one of the seven `WebhookEventName`s (those are about rooms and users); typed apart in
//! `@collab-kit/utils` too (`AlertEventName`, `AlertEvent`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The kinds of alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum AlertEventName {
    /// A registration reached the destination's `failure_threshold` consecutive failed
    /// attempts (once per failing streak).
    #[serde(rename = "registration.failing")]
    RegistrationFailing,
    /// A registration was disabled (see [`DisableReason`]).
    #[serde(rename = "registration.disabled")]
    RegistrationDisabled,
    /// A registration that was failing (alerted) or disabled delivered successfully again.
    #[serde(rename = "registration.recovered")]
    RegistrationRecovered,
    /// A delivery's retry schedule was exhausted: it is `failed`.
    #[serde(rename = "delivery.exhausted")]
    DeliveryExhausted,
}

impl AlertEventName {
    pub const ALL: [AlertEventName; 4] = [
        AlertEventName::RegistrationFailing,
        AlertEventName::RegistrationDisabled,
        AlertEventName::RegistrationRecovered,
        AlertEventName::DeliveryExhausted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertEventName::RegistrationFailing => "registration.failing",
            AlertEventName::RegistrationDisabled => "registration.disabled",
            AlertEventName::RegistrationRecovered => "registration.recovered",
            AlertEventName::DeliveryExhausted => "delivery.exhausted",
        }
    }

    pub fn parse(s: &str) -> Option<AlertEventName> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Why a registration was disabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisableReason {
    /// Its receiver answered 410 Gone.
    Gone,
    /// It kept failing without a success for `--disable-failing-after`.
    Auto,
    /// Disabled through the API (`PATCH /webhooks/{id} {"enabled": false}`).
    Manual,
}

impl DisableReason {
    pub fn as_str(self) -> &'static str {
        match self {
            DisableReason::Gone => "gone",
            DisableReason::Auto => "auto",
            DisableReason::Manual => "manual",
        }
    }

    pub fn parse(s: &str) -> Option<DisableReason> {
        [
            DisableReason::Gone,
            DisableReason::Auto,
            DisableReason::Manual,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// The body of one alert, signed like a delivery (Standard Webhooks, the destination's own
/// secret; `webhook-id` is `id`). Every alert has `id`, `event`, `timestamp` (when it was
/// decided), `organization_id` (the account) and the registration it is about (`webhook_id`,
/// `url`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "event", deny_unknown_fields)]
pub enum AlertEvent {
    #[serde(rename = "registration.failing")]
    RegistrationFailing {
        id: String,
        timestamp: String,
        organization_id: String,
        webhook_id: String,
        url: String,
        /// Failed attempts in a row so far (the threshold when it is sent).
        consecutive_failures: u32,
        failure_threshold: u32,
        /// The last failed attempt's HTTP status (null: no answer) and error.
        status_code: Option<u16>,
        error: Option<String>,
    },
    #[serde(rename = "registration.disabled")]
    RegistrationDisabled {
        id: String,
        timestamp: String,
        organization_id: String,
        webhook_id: String,
        url: String,
        reason: DisableReason,
    },
    #[serde(rename = "registration.recovered")]
    RegistrationRecovered {
        id: String,
        timestamp: String,
        organization_id: String,
        webhook_id: String,
        url: String,
    },
    #[serde(rename = "delivery.exhausted")]
    DeliveryExhausted {
        id: String,
        timestamp: String,
        organization_id: String,
        webhook_id: String,
        url: String,
        /// The delivery that ended `failed`, and its event's id (the deliveries' `webhook-id`).
        delivery_id: String,
        /// The last attempt's HTTP status (null: no answer) and error.
        status_code: Option<u16>,
        error: Option<String>,
    },
}

impl AlertEvent {
    pub fn id(&self) -> &str {
        match self {
            AlertEvent::RegistrationFailing { id, .. }
            | AlertEvent::RegistrationDisabled { id, .. }
            | AlertEvent::RegistrationRecovered { id, .. }
            | AlertEvent::DeliveryExhausted { id, .. } => id,
        }
    }

    pub fn name(&self) -> AlertEventName {
        match self {
            AlertEvent::RegistrationFailing { .. } => AlertEventName::RegistrationFailing,
            AlertEvent::RegistrationDisabled { .. } => AlertEventName::RegistrationDisabled,
            AlertEvent::RegistrationRecovered { .. } => AlertEventName::RegistrationRecovered,
            AlertEvent::DeliveryExhausted { .. } => AlertEventName::DeliveryExhausted,
        }
    }

    pub fn webhook_id(&self) -> &str {
        match self {
            AlertEvent::RegistrationFailing { webhook_id, .. }
            | AlertEvent::RegistrationDisabled { webhook_id, .. }
            | AlertEvent::RegistrationRecovered { webhook_id, .. }
            | AlertEvent::DeliveryExhausted { webhook_id, .. } => webhook_id,
        }
    }
}
