//! Live rooms across nodes over PostgreSQL: a signal is a `NOTIFY collabkit_room` whose payload
//! is the signal itself, or — past NOTIFY's 8,000-byte limit (a broadcast frame may be up to
//! the frame limit) — the key of a row of `relay_frames` holding it. Every node LISTENs (see
//! `listener`) and reads such rows by key; rows older than a minute are deleted as new ones come.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use collabkit_domain::relay::{Relay, RelayKind, RoomSignal};
use collabkit_domain::store::{StoreError, StoreResult};
use deadpool_postgres::Pool;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use crate::sql::{execute, query_one, query_opt};

/// Each published signal's number in this process (see `publish`).
static SENT: AtomicU64 = AtomicU64::new(0);

/// Payloads up to this many bytes go in the NOTIFY itself (its limit is 8,000).
const INLINE_MAX: usize = 7_000;

pub struct PgRelay {
    pool: Pool,
    signals: broadcast::Sender<RoomSignal>,
}

impl PgRelay {
    /// The relay, fed with the raw payloads the LISTEN connection receives.
    pub fn start(pool: Pool, mut raw: mpsc::UnboundedReceiver<String>) -> Arc<PgRelay> {
        let relay = Arc::new(PgRelay {
            pool,
            signals: broadcast::channel(4096).0,
        });
        let this = relay.clone();
        tokio::spawn(async move {
            while let Some(payload) = raw.recv().await {
                match this.decode(&payload).await {
                    Ok(Some(signal)) => {
                        let _ = this.signals.send(signal);
                    }
                    Ok(None) => {}
                    Err(e) => tracing::debug!(error = %e, "dropping a relayed signal"),
                }
            }
        });
        relay
    }

    async fn decode(&self, payload: &str) -> StoreResult<Option<RoomSignal>> {
        let v: Value = serde_json::from_str(payload).map_err(StoreError::backend)?;
        let v = match v.get("ref").and_then(Value::as_i64) {
            Some(id) => {
                let client = self.pool.get().await.map_err(crate::pool_error)?;
                let Some(row) = query_opt(
                    &client,
                    "SELECT payload FROM relay_frames WHERE id = $1",
                    &[&id],
                )
                .await?
                else {
                    return Ok(None);
                };
                serde_json::from_str(row.get::<_, &str>(0)).map_err(StoreError::backend)?
            }
            None => v,
        };
        let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Ok((|| {
            Some(RoomSignal {
                room_id: text("r")?,
                node: text("n")?,
                kind: RelayKind::parse(&text("k")?)?,
                user_id: text("u")?,
                frame: text("f")?,
            })
        })())
    }
}

#[async_trait]
impl Relay for PgRelay {
    async fn publish(&self, signals: Vec<RoomSignal>) -> StoreResult<()> {
        if signals.is_empty() {
            return Ok(());
        }
        // Identical notifications of one transaction are folded into one: each carries a
        // number of its own, so two equal frames (a user sending "ping" twice) both arrive.
        let payloads: Vec<String> = signals
            .iter()
            .map(|signal| {
                json!({
                    "r": signal.room_id,
                    "n": signal.node,
                    "k": signal.kind.as_str(),
                    "u": signal.user_id,
                    "f": signal.frame,
                    "s": SENT.fetch_add(1, Ordering::Relaxed),
                })
                .to_string()
            })
            .collect();
        let mut client = self.pool.get().await.map_err(crate::pool_error)?;
        let tx = client.transaction().await.map_err(crate::errors::pg)?;
        // Signals are not the durable state (that is stored with its own commit): no reason
        // for their commit to wait for the WAL's flush.
        execute(&tx, "SET LOCAL synchronous_commit = off", &[]).await?;
        let mut notices = Vec::with_capacity(payloads.len());
        let mut pruned = false;
        for payload in payloads {
            if payload.len() <= INLINE_MAX {
                notices.push(payload);
                continue;
            }
            if !pruned {
                execute(
                    &tx,
                    "DELETE FROM relay_frames WHERE created_at < now() - interval '1 minute'",
                    &[],
                )
                .await?;
                pruned = true;
            }
            let id: i64 = query_one(
                &tx,
                "INSERT INTO relay_frames (payload) VALUES ($1) RETURNING id",
                &[&payload],
            )
            .await?
            .get(0);
            notices.push(json!({ "ref": id }).to_string());
        }
        // In the array's order: the order the listeners get them in.
        execute(
            &tx,
            "SELECT pg_notify('collabkit_room', n) FROM UNNEST($1::text[]) AS n",
            &[&notices],
        )
        .await?;
        tx.commit().await.map_err(crate::errors::pg)?;
        Ok(())
    }

    fn subscribe(&self) -> broadcast::Receiver<RoomSignal> {
        self.signals.subscribe()
    }

    fn is_shared(&self) -> bool {
        true
    }
}
