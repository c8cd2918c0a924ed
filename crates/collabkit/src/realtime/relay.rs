//! The hub's side of live rooms across nodes: frames a room sends to its own connections go,
//! in order, to the other nodes ([`Outbox`]); signals from the other nodes go to the room's
//! actor on this node, if the room is live here ([`deliver`]).

use std::sync::Arc;

use collabkit_domain::relay::{Relay, RoomSignal};
use tokio::sync::{broadcast, mpsc};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::Hub;
use super::messages::Command;
use super::relayed::{News, Tell};

/// Publishes this node's signals one after another (so they arrive in the order they were
/// sent), off the rooms' own loops.
#[derive(Clone)]
pub struct Outbox {
    queue: Option<mpsc::UnboundedSender<RoomSignal>>,
    node: Arc<str>,
}

/// At most this many signals are published together.
const MAX_TOGETHER: usize = 256;

impl Outbox {
    /// Nothing is sent when no other node can be listening. The publishing task runs on
    /// `tasks`, so a stop waits for the signal it is sending (within the shutdown timeout).
    pub fn start(
        relay: Arc<dyn Relay>,
        node: Arc<str>,
        shutdown: CancellationToken,
        tasks: &TaskTracker,
    ) -> Outbox {
        if !relay.is_shared() {
            return Outbox { queue: None, node };
        }
        let (queue, mut rx) = mpsc::unbounded_channel::<RoomSignal>();
        tasks.spawn(async move {
            loop {
                let signal = tokio::select! {
                    s = rx.recv() => match s { Some(s) => s, None => return },
                    _ = shutdown.cancelled() => return,
                };
                // Whatever queued up while the last ones were sent goes together: on
                // PostgreSQL a signal alone was a transaction (and a WAL flush) of its own.
                let mut signals = vec![signal];
                while signals.len() < MAX_TOGETHER {
                    match rx.try_recv() {
                        Ok(s) => signals.push(s),
                        Err(_) => break,
                    }
                }
                if let Err(e) = relay.publish(signals).await {
                    tracing::warn!(error = %e, "relaying a room's frame to the other nodes failed");
                }
            }
        });
        Outbox {
            queue: Some(queue),
            node,
        }
    }

    pub fn is_shared(&self) -> bool {
        self.queue.is_some()
    }

    pub fn send(&self, room_id: &str, news: Tell<'_>) {
        if let Some(queue) = &self.queue {
            let _ = queue.send(news.to_signal(room_id, &self.node));
        }
    }
}

/// Hands the other nodes' signals to this node's live rooms until `shutdown`.
pub async fn deliver(
    hub: Hub,
    mut signals: broadcast::Receiver<RoomSignal>,
    shutdown: CancellationToken,
) {
    loop {
        let signal = tokio::select! {
            s = signals.recv() => s,
            _ = shutdown.cancelled() => return,
        };
        match signal {
            Ok(signal) if *signal.node != *hub.node() => {
                if let Some(room) = hub.live_room(&signal.room_id)
                    && let Some(news) = News::decode(signal)
                {
                    let _ = room.send(Command::Remote(news));
                }
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(
                    signals = n,
                    "this node fell behind the other nodes' room signals"
                );
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
