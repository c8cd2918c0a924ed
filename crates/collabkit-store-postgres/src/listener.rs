//! The node's LISTEN connection: `NOTIFY collabkit_due` from any node's commit wakes this
//! node's dispatcher; `NOTIFY collabkit_room` carries live rooms' signals (see `relay`). The connection is outside the pool and reconnects by itself; after each
//! (re)connection the dispatcher is woken once, since notifications sent while it was away are
//! lost.

use std::sync::Arc;
use std::time::Duration;

use collabkit_domain::store::StoreResult;
use collabkit_domain::wakeup::InProcessWakeup;
use futures_util::StreamExt;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::rows::pg;

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
        wakeup: Arc<InProcessWakeup>,
        room_signals: UnboundedSender<String>,
    ) -> StoreResult<Listener> {
        let first = listen(&config, &wakeup, &room_signals).await?;
        let task = tokio::spawn(async move {
            let mut running = first;
            loop {
                running.await.ok();
                tracing::warn!("the LISTEN connection to PostgreSQL closed; reconnecting");
                running = loop {
                    match listen(&config, &wakeup, &room_signals).await {
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

/// Connects, LISTENs, and returns the task that relays notifications until the connection ends.
async fn listen(
    config: &tokio_postgres::Config,
    wakeup: &Arc<InProcessWakeup>,
    room_signals: &UnboundedSender<String>,
) -> StoreResult<JoinHandle<()>> {
    let (client, mut connection) = config.connect(NoTls).await.map_err(pg)?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let rooms = room_signals.clone();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) if n.channel() == "collabkit_room" => {
                    if rooms.send(n.payload().to_owned()).is_err() {
                        break;
                    }
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
        .batch_execute("LISTEN collabkit_due; LISTEN collabkit_room")
        .await
        .map_err(pg)?;
    let wakeup = wakeup.clone();
    Ok(tokio::spawn(async move {
        // The client must live as long as the connection: dropping it ends the session.
        let _client = client;
        while rx.recv().await.is_some() {
            wakeup.ring();
        }
        driver.abort();
    }))
}
