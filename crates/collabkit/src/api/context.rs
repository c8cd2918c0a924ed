//! What every answer to one request needs to know about it — its request id and the API module
//! its path belongs to — kept in a task-local that the envelope's middleware
//! ([`super::envelope::request_context`]) sets around the request and that successes and
//! failures read. Its own module so the error type and the envelope both read it without
//! importing each other.

use std::sync::Arc;

/// The longest client-sent request id kept.
const MAX_CLIENT_ID: usize = 128;

/// What every answer to one request needs to know about it.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: Arc<str>,
    /// `Rooms`, `Users`, … (see [`module_of`]).
    pub module: &'static str,
}

tokio::task_local! {
    pub(super) static CONTEXT: RequestContext;
}

/// The request id of the request being handled (a fresh one outside of any, which only a
/// response built without [`super::envelope::request_context`] around it sees).
pub fn request_id() -> Arc<str> {
    CONTEXT
        .try_with(|c| c.request_id.clone())
        .unwrap_or_else(|_| new_request_id().into())
}

/// The API module of the request being handled.
pub fn module() -> &'static str {
    CONTEXT.try_with(|c| c.module).unwrap_or("Server")
}

pub(super) fn new_request_id() -> String {
    crate::ids::new_id("req")
}

/// A client's request id is kept when it could not mislead a log reader: 1 to 128 visible
/// ASCII characters of a conservative set (no spaces, quotes or control characters).
pub(super) fn sane(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_CLIENT_ID
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=@".contains(&b))
}

/// The API module a path belongs to, by its first segment after the account (so that the
/// fallback of an unknown route under a resource still names it).
pub fn module_of(path: &str) -> &'static str {
    if path == "/v1/connect" || path.starts_with("/v1/connect/") {
        return "Realtime";
    }
    let Some(rest) = path.strip_prefix("/v1/accounts/") else {
        return "Server";
    };
    let mut segments = rest.split('/').skip(1);
    let resource = segments.next().unwrap_or("");
    let tail: Vec<&str> = segments.collect();
    match resource {
        "rooms" => match tail.last() {
            _ if tail.len() != 2 || tail[0] == "custom" => "Rooms",
            Some(&"events") | Some(&"recent-events") => "Events",
            Some(&"participants") => "Realtime",
            _ => "Rooms",
        },
        "users" => "Users",
        "webhooks" if tail.len() >= 2 && matches!(tail[1], "deliveries" | "recover" | "replay") => {
            "Deliveries"
        }
        "webhooks" => "Webhooks",
        // Delivery alerts are about deliveries breaking.
        "alerts" => "Deliveries",
        "events" => "Events",
        "stats" => "Stats",
        _ => "Accounts",
    }
}
