//! Nodes: this server's id, its heartbeat, and ending the participation of nodes that are gone.
//!
//! On a database several nodes share, each node records a heartbeat every
//! [`NodeConfig::heartbeat`]; a node silent for [`NodeConfig::timeout`] is gone, and the others
//! end its connections' participation (`participant.left`, `session.closed` where it was the
//! last). So a crashed node's sessions close within `timeout + heartbeat` (28 s by default).

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::changes::Changes;
use crate::clock;
use crate::delivery::dispatcher::Dispatcher;
use crate::duration;

#[derive(Debug, Clone, clap::Args)]
pub struct NodeConfig {
    // Generated at start when `None`.
    /// This node's name, shown in logs, `/readyz` and metrics with a mark of the run
    /// (`web-1.x7Gh2c`; default: a generated id). Sessions are owned by the run whose
    /// connections hold them.
    #[arg(
        id = "node_id",
        long = "node-id",
        value_name = "NODE_ID",
        env = "COLLABKIT_NODE_ID"
    )]
    pub id: Option<String>,
    /// How often a node records that it is alive: given by `timeout` (see
    /// [`NodeConfig::heartbeat_for`]), not a flag of its own.
    #[arg(skip = NodeConfig::default().heartbeat)]
    pub heartbeat: Duration,
    /// On a shared database (PostgreSQL): a node silent this long is gone, and the others end
    /// its connections' participation. Nodes record a heartbeat every sixth of it.
    #[arg(id = "node_timeout", long = "node-timeout", value_name = "NODE_TIMEOUT", env = "COLLABKIT_NODE_TIMEOUT", default_value = duration::shown!(NodeConfig::default().timeout), value_parser = duration::parse)]
    pub timeout: Duration,
}

impl NodeConfig {
    /// The heartbeat a timeout asks for: a sixth of it, and never more often than ten times a
    /// second.
    pub fn heartbeat_for(timeout: Duration) -> Duration {
        (timeout / 6).max(Duration::from_millis(100))
    }
}

impl Default for NodeConfig {
    fn default() -> Self {
        let timeout = Duration::from_secs(24);
        NodeConfig {
            id: None,
            heartbeat: NodeConfig::heartbeat_for(timeout),
            timeout,
        }
    }
}

/// Heartbeats and sweeps until `shutdown`, and keeps the dispatcher told how many nodes share
/// the queue.
pub async fn watch(
    hub: crate::realtime::Hub,
    changes: Changes,
    dispatcher: Arc<Dispatcher>,
    node: Arc<str>,
    config: NodeConfig,
    shutdown: CancellationToken,
) {
    let store = hub.store().clone();
    let mut tick = tokio::time::interval(config.heartbeat);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {},
            _ = shutdown.cancelled() => return,
        }
        let now = clock::now();
        if let Err(e) = store.node_heartbeat(&node, now).await {
            tracing::warn!(error = %e, "recording this node's heartbeat failed");
            continue;
        }
        let silent_since = clock::before(now, config.timeout);
        if let Ok(nodes) = store.nodes().await {
            dispatcher.set_live_nodes(
                nodes
                    .iter()
                    .filter(|n| n.heartbeat_at >= silent_since)
                    .count(),
            );
        }
        match changes
            .apply(|lease| store.close_sessions_of_gone_nodes(&node, silent_since, lease))
            .await
        {
            Ok(change) => {
                if !change.events.is_empty() {
                    tracing::info!(
                        participants_left = change
                            .events
                            .iter()
                            .filter(|e| e.event.as_str() == "participant.left")
                            .count(),
                        sessions_closed = change.value,
                        "ended the participation held by nodes that stopped"
                    );
                }
                hub.participants_gone(&change.events, false);
            }
            Err(e) => tracing::warn!(error = %e, "ending the sessions of gone nodes failed"),
        }
    }
}
