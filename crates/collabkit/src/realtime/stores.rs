//! Version 2's store requests (`stores.*`, see `docs/realtime-protocol.md`) and the changes
//! they fan out.
//!
//! A joined connection's store requests go to a task of its own, in order: consecutive writes
//! are committed as one batch (one transaction), reads are answered in their turn, so a client
//! reads its own writes and may send many without waiting. The task outlives its connection
//! until its queue is empty, so a write committed as the socket closes still reaches the others.
//! Nothing passes through the room's actor but the finished `store_changed` frames.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::extract::ws::Utf8Bytes;
use collabkit_domain::rules::stores::{self as rules, StoreLimits, StoreRuleError, StoreSchema};
use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::Hub;
use super::outlet::{Outbound, WeakOutlet};
use super::protocol::ServerMessage;
use super::requests::{Failure, response};
use crate::store::{StoreChange, StoreEntry, StoreError, StoreOp, StoreSync, StoreWrite, User};

/// The bounds of stores (all `--store-*` flags).
#[derive(Debug, Clone, clap::Args)]
pub struct StoreFlags {
    /// Characters of a store entry's key.
    #[arg(long, env = "COLLABKIT_STORE_MAX_KEY_CHARS", default_value_t = StoreLimits::default().max_key_chars, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub store_max_key_chars: usize,
    /// Bytes of one store value, as compact JSON.
    #[arg(long, env = "COLLABKIT_STORE_MAX_VALUE_BYTES", default_value_t = StoreLimits::default().max_value_bytes, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub store_max_value_bytes: usize,
    /// Entries one store of a room may hold.
    #[arg(long, env = "COLLABKIT_STORE_MAX_ENTRIES", default_value_t = StoreLimits::default().max_entries_per_store, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub store_max_entries: usize,
    /// Stores one room may hold.
    #[arg(long, env = "COLLABKIT_STORE_MAX_STORES", default_value_t = StoreLimits::default().max_stores_per_room, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub store_max_stores: usize,
    /// Bytes of all the values of a room's stores.
    #[arg(long, env = "COLLABKIT_STORE_MAX_ROOM_BYTES", default_value_t = StoreLimits::default().max_room_bytes, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub store_max_room_bytes: usize,
    // A client that saw the store before the oldest one remembered gets a snapshot.
    /// Deletions one store remembers for clients that reconnect.
    #[arg(long, env = "COLLABKIT_STORE_MAX_TOMBSTONES", default_value_t = StoreLimits::default().max_tombstones_per_store, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(2..))]
    pub store_max_tombstones: usize,
}

impl Default for StoreFlags {
    fn default() -> Self {
        StoreFlags::from(StoreLimits::default())
    }
}

impl From<StoreLimits> for StoreFlags {
    fn from(l: StoreLimits) -> Self {
        StoreFlags {
            store_max_key_chars: l.max_key_chars,
            store_max_value_bytes: l.max_value_bytes,
            store_max_entries: l.max_entries_per_store,
            store_max_stores: l.max_stores_per_room,
            store_max_room_bytes: l.max_room_bytes,
            store_max_tombstones: l.max_tombstones_per_store,
        }
    }
}

impl StoreFlags {
    pub fn limits(&self) -> StoreLimits {
        StoreLimits {
            max_key_chars: self.store_max_key_chars,
            max_value_bytes: self.store_max_value_bytes,
            max_entries_per_store: self.store_max_entries,
            max_stores_per_room: self.store_max_stores,
            max_room_bytes: self.store_max_room_bytes,
            max_tombstones_per_store: self.store_max_tombstones,
        }
    }
}

/// The schemas a client declared in its join, by store.
pub type Schemas = Arc<BTreeMap<String, Arc<StoreSchema>>>;

/// The `stores` of a join (none: no schema).
pub fn join_schemas(stores: Option<&Value>) -> Result<Schemas, StoreRuleError> {
    let parsed = match stores {
        None | Some(Value::Null) => BTreeMap::new(),
        Some(json) => rules::parse_schemas(json)?,
    };
    Ok(Arc::new(
        parsed.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
    ))
}

/// Whether a request's method is a store's.
pub fn is_store_method(method: &str) -> bool {
    method.starts_with("stores.")
}

/// A store request of a joined connection, queued for its task.
pub struct Request {
    pub id: u64,
    pub method: String,
    pub params: Value,
    /// What it holds in the queue: the frame's length (at least [`MIN_CHARGE`]).
    pub bytes: usize,
}

/// Bytes of requests one joined connection may have waiting for the store; more are refused
/// (`rate_limited`) until the store catches up, so a stalled database costs each connection at
/// most this much memory.
const MAX_QUEUED_BYTES: usize = 1024 * 1024;
/// What the smallest request counts for, so the bound holds the number of requests too.
const MIN_CHARGE: usize = 256;
/// The most writes committed together for one connection.
const MAX_BATCH: usize = 256;

/// Answers a store request of a connection that has not joined: reads only.
pub async fn answer_unjoined(
    hub: &Hub,
    user: &User,
    id: u64,
    method: &str,
    params: &Value,
) -> Utf8Bytes {
    let result = match method {
        "stores.get" | "stores.getAll" => read(hub, user, method, params).await,
        "stores.set" | "stores.update" | "stores.delete" | "stores.sync" => Err((
            "not_joined",
            format!(
                "{method} needs the join first ({{\"type\": \"join\"}}); only reads work before"
            ),
        )),
        other => Err(unknown(other)),
    };
    response(id, result)
}

/// The queue of a joined connection's store task.
pub struct Queue {
    tx: mpsc::UnboundedSender<Request>,
    queued: Arc<AtomicUsize>,
}

impl Queue {
    /// Starts the store task of a joined connection.
    pub fn start(
        hub: &Hub,
        user: &User,
        connection: u64,
        schemas: Schemas,
        own: WeakOutlet,
    ) -> Queue {
        let (tx, rx) = mpsc::unbounded_channel();
        let queued = Arc::new(AtomicUsize::new(0));
        let worker = Worker {
            hub: hub.clone(),
            user: user.clone(),
            connection,
            schemas,
            own,
            queued: queued.clone(),
        };
        hub.tasks().spawn(worker.run(rx));
        Queue { tx, queued }
    }

    /// Queues a request, or answers at once when the connection has too much waiting.
    pub fn push(&self, own: &WeakOutlet, mut request: Request) {
        request.bytes = request.bytes.max(MIN_CHARGE);
        let before = self.queued.fetch_add(request.bytes, Ordering::Relaxed);
        if before + request.bytes > MAX_QUEUED_BYTES {
            self.queued.fetch_sub(request.bytes, Ordering::Relaxed);
            let failure = (
                "rate_limited",
                "this connection's store requests wait for the database; slow down".to_owned(),
            );
            let _ = own.send(Outbound::Text(response(request.id, Err(failure))));
            return;
        }
        if let Err(refused) = self.tx.send(request) {
            self.queued.fetch_sub(refused.0.bytes, Ordering::Relaxed);
        }
    }
}

struct Worker {
    hub: Hub,
    user: User,
    connection: u64,
    schemas: Schemas,
    own: WeakOutlet,
    /// Bytes of the requests queued and not yet answered.
    queued: Arc<AtomicUsize>,
}

impl Worker {
    async fn run(self, mut rx: mpsc::UnboundedReceiver<Request>) {
        let mut batch = Vec::new();
        while let Some(first) = rx.recv().await {
            batch.push(first);
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(next) => batch.push(next),
                    Err(_) => break,
                }
            }
            let bytes: usize = batch.iter().map(|r| r.bytes).sum();
            self.serve(std::mem::take(&mut batch)).await;
            self.queued.fetch_sub(bytes, Ordering::Relaxed);
        }
    }

    /// Answers a batch in order: each run of writes in one transaction, reads in their turn.
    async fn serve(&self, batch: Vec<Request>) {
        let mut writes: Vec<(u64, Result<StoreOp, Failure>)> = Vec::new();
        for request in batch {
            if is_write(&request.method) {
                writes.push((request.id, self.op(&request.method, &request.params)));
                continue;
            }
            self.commit(std::mem::take(&mut writes)).await;
            let result = if request.method == "stores.sync" {
                sync(&self.hub, &self.user, &request.params).await
            } else {
                read(&self.hub, &self.user, &request.method, &request.params).await
            };
            self.send(response(request.id, result)).await;
        }
        self.commit(writes).await;
    }

    fn op(&self, method: &str, params: &Value) -> Result<StoreOp, Failure> {
        let store = text(params, "store")?.to_owned();
        let key = text(params, "key")?.to_owned();
        let value = || params.get("value").cloned().unwrap_or(Value::Null);
        let write = match method {
            "stores.set" => StoreWrite::Set {
                key,
                value: value(),
            },
            "stores.update" => StoreWrite::Update {
                key,
                value: value(),
            },
            _ => StoreWrite::Delete { key },
        };
        let schema = self.schemas.get(&store).cloned();
        Ok(StoreOp {
            store,
            write,
            schema,
        })
    }

    /// Commits the writes (those that parsed) as one batch, fans their changes out, then
    /// answers each in order.
    async fn commit(&self, writes: Vec<(u64, Result<StoreOp, Failure>)>) {
        if writes.is_empty() {
            return;
        }
        let ops: Vec<StoreOp> = writes
            .iter()
            .filter_map(|(_, op)| op.as_ref().ok().cloned())
            .collect();
        let outcomes = if ops.is_empty() {
            Ok(Vec::new())
        } else {
            self.hub
                .store()
                .write_stores(
                    &self.user.account_id,
                    &self.user.room_id,
                    Some(&self.user.id),
                    ops,
                    &self.hub.config().stores.limits(),
                )
                .await
        };
        let mut outcomes = match outcomes {
            Ok(outcomes) => outcomes.into_iter(),
            Err(e) => {
                let failure = store_failure(e);
                for (id, _) in writes {
                    self.send(response(id, Err(failure.clone()))).await;
                }
                return;
            }
        };
        let changes: Vec<StoreChange> = outcomes.clone().filter_map(|o| o.ok().flatten()).collect();
        self.hub
            .stores_changed(&self.user.room_id, &changes, Some(self.connection));
        for (id, op) in writes {
            let result = op.and_then(|_| {
                let outcome = outcomes.next().expect("one outcome per op");
                outcome.map_err(rule_failure).map(|change| match change {
                    Some(c) if c.value.is_some() => json!({"version": c.version, "value": c.value}),
                    Some(c) => json!({"version": c.version}),
                    None => json!({"version": null}),
                })
            });
            self.send(response(id, result)).await;
        }
    }

    /// Answers in turn, waiting for room in the connection's queue (see
    /// [`WeakOutlet::send_when_room`]).
    async fn send(&self, frame: Utf8Bytes) {
        let _ = self.own.send_when_room(Outbound::Text(frame)).await;
    }
}

fn is_write(method: &str) -> bool {
    matches!(method, "stores.set" | "stores.update" | "stores.delete")
}

fn unknown(method: &str) -> Failure {
    (
        "invalid_request",
        format!(
            "unknown method {method:?}; the store methods are stores.set, stores.update, \
             stores.delete, stores.get, stores.getAll and stores.sync"
        ),
    )
}

/// `get` and `getAll`.
async fn read(hub: &Hub, user: &User, method: &str, params: &Value) -> Result<Value, Failure> {
    let store = store_name(params)?;
    let (account, room) = (&user.account_id, &user.room_id);
    match method {
        "stores.get" => {
            let key = text(params, "key")?;
            rules::check_key(key, &hub.config().stores.limits()).map_err(rule_failure)?;
            let entry = hub
                .store()
                .get_store_entry(account, room, store, key)
                .await
                .map_err(store_failure)?;
            Ok(json!({ "value": entry.map(|e| e.value) }))
        }
        "stores.getAll" => match snapshot(hub, user, store, None).await? {
            StoreSync::Snapshot { version, entries } => Ok(json!({
                "version": version,
                "entries": entries_object(entries),
            })),
            StoreSync::Delta { .. } => unreachable!("no version asked: a snapshot"),
        },
        other => Err(unknown(other)),
    }
}

/// `sync`: the changes since the client's version, or the whole store.
async fn sync(hub: &Hub, user: &User, params: &Value) -> Result<Value, Failure> {
    let store = store_name(params)?;
    let since = match params.get("since") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| {
            (
                "invalid_request",
                "`since` must be the store version the client holds (an integer)".to_owned(),
            )
        })?),
    };
    Ok(match snapshot(hub, user, store, since).await? {
        StoreSync::Snapshot { version, entries } => json!({
            "version": version,
            "snapshot": true,
            "entries": entries_object(entries),
        }),
        StoreSync::Delta { version, changes } => json!({
            "version": version,
            "changes": changes.iter().map(|c| json!({
                "key": c.key,
                "action": c.action.as_str(),
                "value": c.value,
                "version": c.version,
            })).collect::<Vec<_>>(),
        }),
    })
}

async fn snapshot(
    hub: &Hub,
    user: &User,
    store: &str,
    since: Option<i64>,
) -> Result<StoreSync, Failure> {
    hub.store()
        .sync_store(&user.account_id, &user.room_id, store, since)
        .await
        .map_err(store_failure)
}

fn entries_object(entries: Vec<StoreEntry>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .map(|e| (e.key, Value::Object(e.value)))
            .collect::<Map<String, Value>>(),
    )
}

fn store_name(params: &Value) -> Result<&str, Failure> {
    let store = text(params, "store")?;
    rules::check_name("store", store).map_err(rule_failure)?;
    Ok(store)
}

fn text<'a>(params: &'a Value, name: &str) -> Result<&'a str, Failure> {
    params
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| ("invalid_request", format!("`{name}` must be a string")))
}

fn rule_failure(e: StoreRuleError) -> Failure {
    (e.code(), e.to_string())
}

fn store_failure(e: StoreError) -> Failure {
    match e {
        StoreError::NotFound(what) => ("not_found", format!("no such {what}")),
        StoreError::Overloaded => (
            "unavailable",
            "the server is overloaded; nothing was changed, try again shortly".into(),
        ),
        e => {
            tracing::warn!(error = %e, "a store request failed");
            (
                "unavailable",
                "the server could not do that now; nothing was changed, try again".into(),
            )
        }
    }
}

/// The `store_changed` frame of a change.
pub fn change_frame(change: &StoreChange) -> Utf8Bytes {
    ServerMessage::StoreChanged {
        store: &change.store,
        key: &change.key,
        action: change.action.as_str(),
        value: change.value.as_ref(),
        version: change.version,
        user_id: change.by.as_deref(),
    }
    .encode()
}
