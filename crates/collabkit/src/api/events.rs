//! `/events`: the account's event log, oldest first — what the outbox stored, exactly as it
//! will be (or was) delivered.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{self, Sse};
use collabkit_webhooks::ServerResponse;
use collabkit_webhooks::{WebhookEventName, WebhookPayload};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Path, Query};
use super::pagination::{CursorQuery, encode_cursor};
use super::paths::RoomPath;
use super::{AppState, Data};
use crate::clock;
use crate::event_streams::{StreamsFull, Subscription};
use crate::metrics::{Metrics, StreamCapLabels};
use crate::store::{Cursor, Event, EventFilter, Page, PageRequest, SharedStore, StoreError};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_events))
        .routes(routes!(stream_events))
        .routes(routes!(recent_events))
        .routes(routes!(room_events))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Only events of this room.
    room_id: Option<String>,
    /// Only events of this name, e.g. `user.created`.
    #[param(value_type = Option<WebhookEventName>)]
    event: Option<String>,
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    cursor: Option<String>,
}

/// One stored event.
#[derive(Serialize, ToSchema)]
pub struct EventRecord {
    pub id: String,
    pub event: WebhookEventName,
    pub room_id: String,
    /// Its number in its room: 1, 2, 3… without gaps, in the order the room's changes
    /// committed (deliveries carry it as the `collabkit-room-seq` header).
    pub room_seq: Option<i64>,
    pub created_at: String,
    /// The payload as delivered to receivers: the stored bytes, not re-typed, so an event
    /// stored by an earlier version (rooms and users in their old shape) is listed as it was
    /// delivered instead of failing the whole page.
    #[schema(value_type = WebhookPayload)]
    pub payload: Box<serde_json::value::RawValue>,
}

#[derive(Serialize, ToSchema)]
pub struct EventList {
    pub events: Vec<EventRecord>,
    pub next_cursor: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// Only events of this room.
    room_id: Option<String>,
    /// Only events of this name, e.g. `user.created`.
    #[param(value_type = Option<WebhookEventName>)]
    event: Option<String>,
    /// Resume after this event: the `id:` of the last event received from an earlier stream
    /// (a `Last-Event-ID` header does the same). Default: only events stored from now on.
    cursor: Option<String>,
}

fn parse_event_name(name: Option<&str>) -> Result<Option<WebhookEventName>, ApiError> {
    name.map(|name| {
        WebhookEventName::parse(name).ok_or_else(|| {
            ApiError::bad_request(format!(
                "`event` must be one of {}",
                super::EVENT_NAMES_LIST
            ))
        })
    })
    .transpose()
}

/// Follow the account's events as they are stored (Server-Sent Events).
///
/// Each message is one event: `id:` its position (pass it back as `cursor`, or let an
/// EventSource send it as `Last-Event-ID`, to resume right after it — nothing is lost or
/// repeated across a reconnect), `event:` its name, `data:` the event as `GET /events` lists it.
/// Comments keep the connection alive while nothing happens. A cursor this server did not issue
/// is refused (400) before the stream starts. An account may hold `--max-streams-per-account`
/// streams on a node (429 `too_many_streams` past it), and a node serves `--max-streams` in all
/// (503 `streams_full`). Streams end when the server stops.
#[utoipa::path(get, path = "/events/stream", tag = "events",
    params(("account_id" = String, Path), StreamQuery),
    responses((status = 200, content_type = "text/event-stream",
        description = "one message per stored event, as it is stored", body = EventRecord),
        (status = 400, body = super::error::ErrorBody),
        (status = 429, description = "the account holds the most streams allowed", body = super::error::ErrorBody),
        (status = 503, description = "this node serves the most streams allowed", body = super::error::ErrorBody)))]
async fn stream_events(
    auth: AccountAuth,
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    Query(q): Query<StreamQuery>,
) -> Result<Sse<impl futures_util::Stream<Item = Result<sse::Event, Infallible>>>, ApiError> {
    let filter = EventFilter {
        room_id: q.room_id,
        event: parse_event_name(q.event.as_deref())?,
    };
    let (resume, named) = match headers.get("last-event-id") {
        Some(v) => (
            v.to_str().ok().map(str::to_owned),
            "the `Last-Event-ID` header",
        ),
        None => (q.cursor, "`cursor`"),
    };
    let not_issued = || {
        ApiError::bad_request(format!(
            "{named} is not a cursor this server returned: resume with the `id:` of an event a \
             stream sent, or leave it out to follow the events stored from now on"
        ))
    };
    let after = match resume {
        Some(cursor) => Some(super::pagination::decode_cursor(&cursor).map_err(|_| not_issued())?),
        None if headers.contains_key("last-event-id") => return Err(not_issued()),
        None => state.store.event_log_end(auth.id()).await?,
    };
    // Counted from here until the stream ends; subscribed before the first read, so an event
    // stored after it wakes the stream.
    let subscription = state
        .changes
        .event_streams()
        .open(auth.id(), filter.clone(), state.stream_caps)
        .map_err(|full| refused(&state, full))?;
    let mut follow = Follow {
        store: state.store.clone(),
        account: auth.id().to_owned(),
        filter,
        after,
        first: None,
        // Only where another node can store events; on SQLite every change wakes the stream.
        poll: state
            .store
            .relay()
            .is_shared()
            .then_some(state.event_stream_poll),
        shutdown: state.shutdown.clone(),
        _open: OpenStream::new(&state.metrics),
        reads: state.metrics.event_stream_reads.clone(),
        subscription,
    };
    // The first read before answering: a position the backend refuses is a 400 now, not a
    // stream that retries it every second.
    follow.first = Some(follow.read().await.map_err(|e| match e {
        StoreError::InvalidCursor => not_issued(),
        other => other.into(),
    })?);
    let stream = futures_util::stream::unfold(follow, |mut follow| async move {
        let message = follow.next().await?;
        Some((Ok(message), follow))
    });
    Ok(Sse::new(stream).keep_alive(sse::KeepAlive::default()))
}

/// 429 when the account holds its share of streams, 503 when the node serves its most.
fn refused(state: &AppState, full: StreamsFull) -> ApiError {
    let (cap, error) = match full {
        StreamsFull::Account(n) => (
            "account",
            ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "too_many_streams",
                format!(
                    "this account already has {n} open event streams on this server, the most \
                     allowed (--max-streams-per-account); close one first"
                ),
            ),
        ),
        StreamsFull::Server(n) => (
            "server",
            ApiError {
                retry_after: Some(5),
                ..ApiError::new(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    "streams_full",
                    format!(
                        "this server already serves {n} event streams, the most it allows \
                         (--max-streams); try again later"
                    ),
                )
            },
        ),
    };
    state
        .metrics
        .event_streams_refused
        .get_or_create(&StreamCapLabels { cap })
        .inc();
    error
}

/// One open event stream: where it is in the log, and what wakes it.
struct Follow {
    store: SharedStore,
    account: String,
    filter: EventFilter,
    /// The position of the last event sent (or where the stream started).
    after: Option<Cursor>,
    /// The read made before the response started, handled first.
    first: Option<Page<Event>>,
    /// How often to read the log anyway, on a database other nodes write to.
    poll: Option<Duration>,
    /// The server is stopping: the stream ends.
    shutdown: CancellationToken,
    subscription: Subscription,
    reads: Counter,
    _open: OpenStream,
}

impl Follow {
    /// The next event after the last one sent; one per read, so that every message carries
    /// its own position.
    async fn read(&mut self) -> Result<Page<Event>, StoreError> {
        self.reads.inc();
        let page = PageRequest {
            limit: 1,
            after: self.after.clone(),
            offset: 0,
        };
        self.store
            .list_events(&self.account, self.filter.clone(), page)
            .await
    }

    /// The next message, waiting for it as long as it takes; `None` ends the stream.
    async fn next(&mut self) -> Option<sse::Event> {
        loop {
            if self.shutdown.is_cancelled() {
                return None;
            }
            let read = match self.first.take() {
                Some(page) => Ok(page),
                None => self.read().await,
            };
            match read {
                Ok(page) if !page.items.is_empty() => {
                    let position = page.last.clone()?;
                    // As `GET /events` lists it (a payload that does not parse ends the
                    // stream, logged).
                    let record = record_of(page.items.into_iter().next()?).ok()?;
                    let message = sse::Event::default()
                        .id(encode_cursor(&position))
                        .event(record.event.as_str())
                        .data(serde_json::to_string(&record).ok()?);
                    self.after = Some(position);
                    return Some(message);
                }
                // Caught up: until a change through this node stores an event the stream
                // lists, or the poll for other nodes' changes.
                Ok(_) => {
                    let poll = async {
                        match self.poll {
                            Some(every) => tokio::time::sleep(every).await,
                            None => std::future::pending().await,
                        }
                    };
                    tokio::select! {
                        _ = self.subscription.stored() => {}
                        _ = poll => {}
                        _ = self.shutdown.cancelled() => return None,
                    }
                }
                // Checked before the stream started; a backend that changed its mind ends it.
                Err(StoreError::InvalidCursor) => {
                    tracing::warn!("an event stream's position became invalid; ending it");
                    return None;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "reading events for a stream failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => {}
                        _ = self.shutdown.cancelled() => return None,
                    }
                }
            }
        }
    }
}

/// Counts an open stream in `collabkit_event_streams` while it lives.
struct OpenStream(Gauge);

impl OpenStream {
    fn new(metrics: &Metrics) -> OpenStream {
        metrics.event_streams.inc();
        OpenStream(metrics.event_streams.clone())
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        self.0.dec();
    }
}

/// List stored events, oldest first.
#[utoipa::path(get, path = "/events", tag = "events",
    params(("account_id" = String, Path), EventQuery),
    responses((status = 200, body = ServerResponse<EventList>)))]
async fn list_events(
    auth: AccountAuth,
    State(state): State<AppState>,
    Query(q): Query<EventQuery>,
) -> Result<Data<EventList>, ApiError> {
    let event = parse_event_name(q.event.as_deref())?;
    let page = CursorQuery {
        limit: q.limit,
        cursor: q.cursor,
    }
    .to_request_within(super::pagination::MAX_EVENT_LIMIT)?;
    let filter = EventFilter {
        room_id: q.room_id,
        event,
    };
    let page = state.store.list_events(auth.id(), filter, page).await?;
    let events = page
        .items
        .into_iter()
        .map(record_of)
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Data::json(EventList {
        events,
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}

fn record_of(e: crate::store::Event) -> Result<EventRecord, ApiError> {
    let payload = serde_json::value::RawValue::from_string(e.payload).map_err(|err| {
        tracing::error!(event_id = %e.id, %err, "stored payload does not parse");
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "a stored event could not be read",
        )
    })?;
    Ok(EventRecord {
        id: e.id,
        event: e.event,
        room_id: e.room_id,
        room_seq: e.room_seq,
        created_at: clock::format(&e.created_at),
        payload,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecentQuery {
    /// How many, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct RecentEvents {
    /// Newest first.
    pub events: Vec<EventRecord>,
}

/// A room's newest events, newest first: a glance at what just happened. (`GET /events`
/// pages through the whole log, oldest first.)
#[utoipa::path(get, path = "/rooms/{room_id}/recent-events", tag = "events",
    params(("account_id" = String, Path), ("room_id" = String, Path), RecentQuery),
    responses((status = 200, body = ServerResponse<RecentEvents>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn recent_events(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Query(q): Query<RecentQuery>,
) -> Result<Data<RecentEvents>, ApiError> {
    let limit = super::pagination::limit(q.limit, 20, super::pagination::MAX_EVENT_LIMIT)?;
    let room = state.store.get_room(auth.id(), &p.room_id).await?;
    let events = state
        .store
        .recent_events(auth.id(), &room.id, limit)
        .await?
        .into_iter()
        .map(record_of)
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Data::json(RecentEvents { events }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RoomEventsQuery {
    /// The last number already seen (default 0: from the room's first event).
    #[param(minimum = 0)]
    after_room_seq: Option<i64>,
    /// How many, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct RoomEvents {
    /// In the room's order (`room_seq` ascending).
    pub events: Vec<EventRecord>,
    /// Pass back as `after_room_seq` for the next page; `null` once caught up.
    pub next_after_room_seq: Option<i64>,
}

/// Catch up on a room: its events numbered after `after_room_seq`, in the room's order.
///
/// Every event of a room has a number (`room_seq`, also sent with each delivery as the
/// `collabkit-room-seq` header): 1, 2, 3… without gaps, in the order the room's changes
/// committed. A receiver that sees a number jump (a delivery still retrying, or one it did not
/// subscribe to) reads the events in between here. Events older than the retention are gone.
#[utoipa::path(get, path = "/rooms/{room_id}/events", tag = "events",
    params(("account_id" = String, Path), ("room_id" = String, Path), RoomEventsQuery),
    responses((status = 200, body = ServerResponse<RoomEvents>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn room_events(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomPath>,
    Query(q): Query<RoomEventsQuery>,
) -> Result<Data<RoomEvents>, ApiError> {
    let limit = super::pagination::limit(
        q.limit,
        super::pagination::DEFAULT_LIMIT,
        super::pagination::MAX_EVENT_LIMIT,
    )?;
    let after = q.after_room_seq.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::bad_request("`after_room_seq` must be 0 or more"));
    }
    let room = state.store.get_room(auth.id(), &p.room_id).await?;
    // One more than asked tells whether another page follows.
    let mut events = state
        .store
        .room_events(auth.id(), &room.id, after, limit + 1)
        .await?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next_after_room_seq = if more {
        events.last().and_then(|e| e.room_seq)
    } else {
        None
    };
    let events = events
        .into_iter()
        .map(record_of)
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Data::json(RoomEvents {
        events,
        next_after_room_seq,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An event stored before rooms and users took the documented snake_case shapes is listed
    /// byte for byte, as it was delivered, instead of failing the page it is on.
    #[test]
    fn an_event_stored_in_an_older_shape_is_listed_as_stored() {
        let old = r#"{"event":"user.created","id":"evt_1","timestamp":"2026-01-01T00:00:00Z","room":{"id":"room_1","customId":"a","name":"A","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"},"user":{"id":"usr_1","roomId":"room_1","customId":"u","name":"U","profilePicture":null,"createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z"}}"#;
        let record = record_of(crate::store::Event {
            id: "evt_1".into(),
            account_id: "acc_1".into(),
            room_id: "room_1".into(),
            event: WebhookEventName::UserCreated,
            payload: old.into(),
            created_at: clock::now(),
            room_seq: Some(1),
        })
        .expect("an old payload is listed");
        let listed = serde_json::to_string(&record).unwrap();
        assert!(
            listed.contains(&format!(r#""payload":{old}"#)),
            "payload not byte for byte: {listed}"
        );
    }
}
