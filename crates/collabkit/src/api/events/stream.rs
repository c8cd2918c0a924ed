//! `GET /events/stream`: follows the account's log as it grows (Server-Sent Events), from
//! where an earlier stream stopped or from now on.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{self, Sse};
use collabkit_webhooks::WebhookEventName;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use serde::Deserialize;
use tokio_util::sync::CancellationToken;
use utoipa::IntoParams;

use super::{EventRecord, parse_event_name, record_of};
use crate::api::AppState;
use crate::api::auth::AccountAuth;
use crate::api::error::ApiError;
use crate::api::extract::Query;
use crate::api::pagination::{self, encode_cursor};
use crate::event_streams::{StreamsFull, Subscription};
use crate::metrics::{Metrics, StreamCapLabels};
use crate::store::{Cursor, Event, EventFilter, Page, PageRequest, SharedStore, StoreError};

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
        (status = 400, body = crate::api::error::ErrorBody),
        (status = 429, description = "the account holds the most streams allowed", body = crate::api::error::ErrorBody),
        (status = 503, description = "this node serves the most streams allowed", body = crate::api::error::ErrorBody)))]
pub(super) async fn stream_events(
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
        Some(cursor) => Some(pagination::decode_cursor(&cursor).map_err(|_| not_issued())?),
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
