//! The CollabKit dialect's rooms and users (issue 20): counters, status, participations,
//! optional custom ids, offset paging with totals, filters, reconcile. The checks are in the
//! modules below; what they share to read payloads is here.

use collabkit_webhooks::{WebhookPayload, WebhookUser};

use collabkit_domain::store::{Event, NewRoom};

pub(crate) mod counters;
pub(crate) mod custom_ids;
pub(crate) mod lists;
pub(crate) mod participations;

fn payload(event: &Event) -> WebhookPayload {
    serde_json::from_str(&event.payload).expect("stored payloads parse as the seed's types")
}

fn user_of(event: &Event) -> WebhookUser {
    match payload(event) {
        WebhookPayload::ParticipantJoined { user, .. }
        | WebhookPayload::ParticipantLeft { user, .. }
        | WebhookPayload::UserCreated { user, .. }
        | WebhookPayload::UserUpdated { user, .. }
        | WebhookPayload::UserDeleted { user, .. } => user,
        other => panic!("not about one user: {other:?}"),
    }
}

fn anonymous_room(name: &str) -> NewRoom {
    NewRoom {
        custom_id: None,
        name: name.into(),
    }
}
