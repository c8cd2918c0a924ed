//! `/rooms/{id}/stores`: a room's stores for app backends — list them, page through a store's
//! entries, and read, set, update or delete one entry. A write here is a change like a
//! client's: numbered in its store, stored durably, then sent to the room's connected clients on
//! every node (`store_changed` with `userId: null`). It is checked against the bounds only: the
//! schemas are the clients' (see `docs/realtime-protocol.md`).

use axum::extract::State;
use collabkit_webhooks::ServerResponse;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::AccountAuth;
use super::error::{ApiError, ErrorBody};
use super::extract::{Json, Path, Query};
use super::pagination::{PageQuery, encode_cursor, total_of};
use super::{AppState, Data};
use crate::clock;
use crate::store::{StoreChange, StoreEntry, StoreMeta, StoreOp, StoreWrite};
use collabkit_domain::rules::stores as rules;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_stores))
        .routes(routes!(list_entries))
        .routes(routes!(get_entry, set_entry, update_entry, delete_entry))
}

#[derive(Deserialize)]
pub struct StorePath {
    #[allow(dead_code)]
    account_id: String,
    room_id: String,
    store: String,
}

#[derive(Deserialize)]
pub struct EntryPath {
    #[allow(dead_code)]
    account_id: String,
    room_id: String,
    store: String,
    key: String,
}

#[derive(Deserialize)]
pub struct RoomOnlyPath {
    #[allow(dead_code)]
    account_id: String,
    room_id: String,
}

/// A store of a room.
#[derive(Serialize, ToSchema)]
pub struct StoreView {
    pub name: String,
    /// The version of its last change (its changes are numbered 1, 2, 3, …).
    pub version: i64,
    /// Entries it holds.
    pub entries: u64,
    /// Bytes of its values (compact JSON).
    pub bytes: u64,
}

impl From<StoreMeta> for StoreView {
    fn from(m: StoreMeta) -> Self {
        StoreView {
            name: m.name,
            version: m.version,
            entries: m.entries,
            bytes: m.bytes,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct StoreList {
    pub stores: Vec<StoreView>,
}

/// One entry of a store.
#[derive(Serialize, ToSchema)]
pub struct EntryView {
    pub key: String,
    #[schema(value_type = Object)]
    pub value: Map<String, Value>,
    /// The store's version when the entry last changed.
    pub version: i64,
    pub updated_at: String,
    /// The user whose client wrote it last; null for a write through this API.
    pub updated_by: Option<String>,
}

impl From<StoreEntry> for EntryView {
    fn from(e: StoreEntry) -> Self {
        EntryView {
            key: e.key,
            value: e.value,
            version: e.version,
            updated_at: clock::format(&e.updated_at),
            updated_by: e.updated_by,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EntryList {
    pub store: String,
    /// Entries in the order of their keys.
    pub entries: Vec<EntryView>,
    /// How many entries the store holds.
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
    /// Pass back as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct EntryBody {
    pub entry: EntryView,
}

#[derive(Serialize, ToSchema)]
pub struct Deleted {
    pub key: String,
    /// The store's version this deletion made.
    pub version: i64,
}

/// `PUT` and `PATCH`: the value, or the fields to change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryWrite {
    /// A JSON object. For `PATCH`, the fields to change; `null` removes a field.
    #[schema(value_type = Object)]
    value: Value,
}

/// List a room's stores.
#[utoipa::path(get, path = "/rooms/{room_id}/stores", tag = "stores",
    params(("account_id" = String, Path), ("room_id" = String, Path)),
    responses((status = 200, body = ServerResponse<StoreList>), (status = 404, body = ErrorBody)))]
async fn list_stores(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<RoomOnlyPath>,
) -> Result<Data<StoreList>, ApiError> {
    let stores = state.store.list_stores(auth.id(), &p.room_id).await?;
    Ok(Data::json(StoreList {
        stores: stores.into_iter().map(StoreView::from).collect(),
    }))
}

/// A store's entries in the order of their keys, a page at a time.
#[utoipa::path(get, path = "/rooms/{room_id}/stores/{store}", tag = "stores",
    params(("account_id" = String, Path), ("room_id" = String, Path), ("store" = String, Path), PageQuery),
    responses((status = 200, body = ServerResponse<EntryList>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
async fn list_entries(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<StorePath>,
    Query(q): Query<PageQuery>,
) -> Result<Data<EntryList>, ApiError> {
    rules::check_name("store", &p.store)?;
    let asked = q.to_request()?;
    let page = state
        .store
        .list_store_entries(auth.id(), &p.room_id, &p.store, asked.clone())
        .await?;
    Ok(Data::json(EntryList {
        total: total_of(&page, &asked),
        limit: asked.limit,
        offset: asked.skip(),
        next_cursor: page.next.as_ref().map(encode_cursor),
        store: p.store,
        entries: page.items.into_iter().map(EntryView::from).collect(),
    }))
}

/// One entry.
#[utoipa::path(get, path = "/rooms/{room_id}/stores/{store}/entries/{key}", tag = "stores",
    params(("account_id" = String, Path), ("room_id" = String, Path), ("store" = String, Path), ("key" = String, Path)),
    responses((status = 200, body = ServerResponse<EntryBody>), (status = 404, body = ErrorBody)))]
async fn get_entry(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<EntryPath>,
) -> Result<Data<EntryBody>, ApiError> {
    check(&state, &p)?;
    let entry = state
        .store
        .get_store_entry(auth.id(), &p.room_id, &p.store, &p.key)
        .await?
        .ok_or_else(|| ApiError::not_found("entry"))?;
    Ok(Data::json(EntryBody {
        entry: entry.into(),
    }))
}

/// Create or overwrite an entry; connected clients get the change.
#[utoipa::path(put, path = "/rooms/{room_id}/stores/{store}/entries/{key}", tag = "stores",
    params(("account_id" = String, Path), ("room_id" = String, Path), ("store" = String, Path), ("key" = String, Path)),
    request_body = EntryWrite,
    responses((status = 200, body = ServerResponse<EntryBody>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "a bound of the store or room", body = ErrorBody)))]
async fn set_entry(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<EntryPath>,
    Json(body): Json<EntryWrite>,
) -> Result<Data<EntryBody>, ApiError> {
    let write = StoreWrite::Set {
        key: p.key.clone(),
        value: body.value,
    };
    let change = write_one(&state, auth.id(), &p, write).await?;
    Ok(Data::json(entry_of(change)?))
}

/// Change some fields of an entry (a merge on the server); connected clients get the change.
#[utoipa::path(patch, path = "/rooms/{room_id}/stores/{store}/entries/{key}", tag = "stores",
    params(("account_id" = String, Path), ("room_id" = String, Path), ("store" = String, Path), ("key" = String, Path)),
    request_body = EntryWrite,
    responses((status = 200, body = ServerResponse<EntryBody>), (status = 400, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, description = "a bound of the store or room", body = ErrorBody)))]
async fn update_entry(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<EntryPath>,
    Json(body): Json<EntryWrite>,
) -> Result<Data<EntryBody>, ApiError> {
    let write = StoreWrite::Update {
        key: p.key.clone(),
        value: body.value,
    };
    let change = write_one(&state, auth.id(), &p, write).await?;
    Ok(Data::json(entry_of(change)?))
}

/// Delete an entry; connected clients get the change.
#[utoipa::path(delete, path = "/rooms/{room_id}/stores/{store}/entries/{key}", tag = "stores",
    params(("account_id" = String, Path), ("room_id" = String, Path), ("store" = String, Path), ("key" = String, Path)),
    responses((status = 200, body = ServerResponse<Deleted>), (status = 404, body = ErrorBody)))]
async fn delete_entry(
    auth: AccountAuth,
    State(state): State<AppState>,
    Path(p): Path<EntryPath>,
) -> Result<Data<Deleted>, ApiError> {
    let write = StoreWrite::Delete { key: p.key.clone() };
    let change = write_one(&state, auth.id(), &p, write)
        .await?
        .ok_or_else(|| ApiError::not_found("entry"))?;
    Ok(Data::with(
        axum::http::StatusCode::OK,
        "Entry deleted",
        Deleted {
            key: change.key,
            version: change.version,
        },
    ))
}

/// The store's name and the key, checked before anything is read.
fn check(state: &AppState, p: &EntryPath) -> Result<(), ApiError> {
    rules::check_name("store", &p.store)?;
    rules::check_key(&p.key, &state.hub.config().stores.limits())?;
    Ok(())
}

/// Stores one write (as a batch of one) and tells the room's clients.
async fn write_one(
    state: &AppState,
    account_id: &str,
    p: &EntryPath,
    write: StoreWrite,
) -> Result<Option<StoreChange>, ApiError> {
    check(state, p)?;
    let op = StoreOp::new(&p.store, write);
    let limits = state.hub.config().stores.limits();
    let outcome = state
        .store
        .write_stores(account_id, &p.room_id, None, vec![op], &limits)
        .await?
        .pop()
        .ok_or_else(|| ApiError::not_found("entry"))??;
    if let Some(change) = &outcome {
        state
            .hub
            .stores_changed(&p.room_id, std::slice::from_ref(change), None);
    }
    Ok(outcome)
}

fn entry_of(change: Option<StoreChange>) -> Result<EntryBody, ApiError> {
    let change = change.ok_or_else(|| ApiError::not_found("entry"))?;
    Ok(EntryBody {
        entry: EntryView {
            value: change.value.unwrap_or_default(),
            key: change.key,
            version: change.version,
            updated_at: clock::format(&change.at),
            updated_by: change.by,
        },
    })
}
