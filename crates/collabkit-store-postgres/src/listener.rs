//! The node's LISTEN connection: `NOTIFY collabkit_due` from any node's commit wakes this
//! node's dispatcher; `NOTIFY collabkit_room` carries live rooms' signals (see `relay`);
//! `NOTIFY collabkit_account` says which account changed (see `account_cache`, which is used
//! only while this connection listens). The connection is outside the pool and reconnects by itself; after each
//! (re)connection the dispatcher is woken once, since notifications sent while it was away are
//! lost.
//!
//! A LISTEN connection only reads, so a silent network would leave it waiting forever for
//! notifications that can no longer come: it asks the server something every `--pg-timeout`,
//! and the watchdog closes it when no answer comes (then it reconnects).

use std::sync::Arc;
use std::time::Duration;

use collabkit_domain::store::{StoreError, StoreResult};
use collabkit_domain::wakeup::InProcessWakeup;
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use tokio_postgres::AsyncMessage;

use crate::account_cache::{self, AccountCache};
use crate::connect::{self, Bounds};
use crate::errors::pg;

pub struct Listener {
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Listener {
    /// Listens from now on (the first connection is made before this returns, so a
    /// notification committed after `open` is never missed).
    pub async fn start(
        config: tokio_postgres::Config,
        bounds: Bounds,
        wakeup: Arc<InProcessWakeup>,
        room_signals: UnboundedSender<String>,
        accounts: Arc<AccountCache>,
    ) -> StoreResult<Listener> {
        let first = listen(&config, bounds, &wakeup, &room_signals, &accounts).await?;
        let task = tokio::spawn(async move {
            let mut running = first;
            loop {
                running.await.ok();
                accounts.reset(false);
                tracing::warn!("the LISTEN connection to PostgreSQL closed; reconnecting");
                running = loop {
                    match listen(&config, bounds, &wakeup, &room_signals, &accounts).await {
                        Ok(next) => break next,
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot reach PostgreSQL to LISTEN; retrying in 1s");
                            tokio::time::sleep(Duration::from_secs(1)).await;
                        }
                    }
                };
                wakeup.ring();
            }
        });
        Ok(Listener { task })
    }
}

/// Connects, LISTENs, and returns the task that relays notifications until the connection ends
/// (within the timeout: a server that accepts but does not answer is given up on).
async fn listen(
    config: &tokio_postgres::Config,
    bounds: Bounds,
    wakeup: &Arc<InProcessWakeup>,
    room_signals: &UnboundedSender<String>,
    accounts: &Arc<AccountCache>,
) -> StoreResult<JoinHandle<()>> {
    match tokio::time::timeout(
        bounds.timeout,
        listen_now(config, bounds, wakeup, room_signals, accounts),
    )
    .await
    {
        Ok(listening) => listening,
        Err(_) => Err(StoreError::transient(format!(
            "PostgreSQL did not answer within {:?}",
            bounds.timeout
        ))),
    }
}

async fn listen_now(
    config: &tokio_postgres::Config,
    bounds: Bounds,
    wakeup: &Arc<InProcessWakeup>,
    room_signals: &UnboundedSender<String>,
    accounts: &Arc<AccountCache>,
) -> StoreResult<JoinHandle<()>> {
    let (client, mut connection) = connect::connect(config, bounds.patience())
        .await
        .map_err(pg)?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let rooms = room_signals.clone();
    let changed = accounts.clone();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) if n.channel() == "collabkit_room" => {
                    if rooms.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(AsyncMessage::Notification(n)) if n.channel() == account_cache::CHANNEL => {
                    changed.forget(n.payload());
                }
                Ok(AsyncMessage::Notification(_)) => {
                    if tx.send(()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::debug!(error = %e, "LISTEN connection failed");
                    break;
                }
            }
        }
    });
    client
        .batch_execute(&format!(
            "LISTEN collabkit_due; LISTEN collabkit_room; LISTEN {}",
            account_cache::CHANNEL
        ))
        .await
        .map_err(pg)?;
    // Listening from here on: what was kept before may have missed a change.
    accounts.reset(true);
    let wakeup = wakeup.clone();
    Ok(tokio::spawn(async move {
        // The client must live as long as the connection: dropping it ends the session.
        let mut probe = tokio::time::interval(bounds.timeout);
        probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                notified = rx.recv() => match notified {
                    Some(()) => wakeup.ring(),
                    None => break, // the connection ended
                },
                _ = probe.tick() => {
                    // Answered at once by a reachable server; unanswered, the watchdog ends
                    // the connection, and with it this task.
                    let ask = client.simple_query("");
                    if !matches!(tokio::time::timeout(bounds.patience(), ask).await, Ok(Ok(_))) {
                        break;
                    }
                }
            }
        }
        driver.abort();
    }))
}
