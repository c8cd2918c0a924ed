//! Building and running the server. Production and tests start it the same way:
//! `App::build(config)` then `app.run(listener, shutdown)`.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::load::ApiLoad;
use crate::api::{self, AppState};
use crate::changes::{Changes, LiveRooms};
use crate::config::Config;
use crate::delivery::dispatcher::Dispatcher;
use crate::delivery::pruner;
use crate::metrics::Metrics;
use crate::realtime::Hub;
use crate::secrets::SecretBox;
use crate::store::{self, DatabaseUrl, SharedStore};
use crate::user_tokens::UserTokens;

pub struct App {
    config: Config,
    state: AppState,
    dispatcher: Arc<Dispatcher>,
    /// Background work (delivery, realtime) that shutdown waits for.
    tasks: TaskTracker,
    /// Cancelled when `run`'s shutdown is; the hub and its connections watch it.
    stopping: CancellationToken,
    /// One server per SQLite file, held until `run` returns.
    _lock: Option<store::ServerLock>,
    /// This server's node id (the sessions its connections hold are its own).
    node: Arc<str>,
    /// The participations of nodes silent since this time (on SQLite: every earlier run of
    /// this server) end one leave grace after `run` starts, unless their users came back.
    orphans_cutoff: crate::clock::Timestamp,
}

impl App {
    /// Opens the storage (running migrations), loads the secret key and wires the services.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let lock = store::lock(&config.database)?;
        let secrets = load_secret_key(&config)?;
        let tokens = UserTokens::new(&config.user_tokens, secrets.token_key())?;
        let store = store::open(&config.database, &config.store).await?;
        seal_legacy_tokens(&store, &secrets).await?;
        let metrics = Arc::new(Metrics::new());
        let api_load = ApiLoad::new(config.http.max_in_flight);
        let dispatcher = Dispatcher::new(
            store.clone(),
            config.delivery.clone(),
            secrets.clone(),
            metrics.clone(),
            Arc::new(api_load.clone()),
        )?;
        let changes = Changes::new(store.clone(), dispatcher.handoff(), metrics.clone());
        // Each start is a node of its own: a restarted `--node-id web-1` is `web-1.<nonce>`, so
        // what its previous run held is that run's, ended by the gone-node sweep like any
        // other's, and never mistaken for this run's.
        let node: Arc<str> = match &config.node.id {
            Some(id) => format!("{id}.{}", crate::ids::random_token(6)),
            None => crate::ids::new_id(crate::ids::NODE),
        }
        .into();
        metrics.set_node(&node);
        let now = crate::clock::now();
        store.node_heartbeat(&node, now).await?;
        // Sessions held by nodes that are gone (on SQLite: the previous run, whose
        // connections died with it) end a leave grace after the server starts serving
        // (`end_orphans`): a client reconnecting meanwhile resumes its participation.
        let orphans_cutoff = store::gone_nodes_cutoff(&config.database, now, config.node.timeout);
        let tasks = TaskTracker::new();
        let stopping = CancellationToken::new();
        let hub = Hub::new(
            store.clone(),
            changes.clone(),
            node.clone(),
            metrics.clone(),
            config.realtime.clone(),
            tokens.clone(),
            (stopping.clone(), tasks.clone()),
        );
        let state = AppState {
            store,
            changes,
            node: node.clone(),
            metrics,
            secrets,
            tokens,
            delivery: Arc::new(config.delivery.clone()),
            hub,
            load: api_load,
            account_rate: Arc::new(crate::rate_limit::KeyedLimiter::new(
                config.http.account_rate_limit,
            )),
            event_stream_poll: config.http.event_stream_poll,
            stream_caps: config.http.stream_caps(),
            idempotency_window: config.http.idempotency_window,
            pacer: dispatcher.pacer(),
            shutdown: stopping.clone(),
        };
        Ok(App {
            config,
            state,
            dispatcher,
            tasks,
            stopping,
            _lock: lock,
            node,
            orphans_cutoff,
        })
    }

    pub fn store(&self) -> &SharedStore {
        &self.state.store
    }

    /// This server's node id.
    pub fn node(&self) -> &str {
        &self.node
    }

    /// Serves until `shutdown` is cancelled, then lets in-flight requests and background work
    /// finish within the configured shutdown timeout.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        // Tracked like the rest: the hub and its connections watch `stopping`.
        let stopping = self.stopping.clone();
        let outer = shutdown.clone();
        self.tasks.spawn(async move {
            outer.cancelled().await;
            stopping.cancel();
        });
        self.tasks.spawn(
            self.dispatcher
                .clone()
                .run(shutdown.clone(), self.tasks.clone()),
        );
        self.tasks.spawn(end_orphans(
            self.state.clone(),
            self.orphans_cutoff,
            self.config.realtime.leave_grace,
            shutdown.clone(),
        ));
        if self.config.database.is_shared() {
            self.tasks.spawn(crate::nodes::watch(
                self.state.hub.clone(),
                self.state.changes.clone(),
                self.dispatcher.clone(),
                self.node.clone(),
                self.config.node.clone(),
                shutdown.clone(),
            ));
        }
        self.tasks.spawn(
            crate::alerts::sender::AlertSender::new(
                self.state.store.clone(),
                self.config.alerts.clone(),
                &self.config.delivery,
                self.state.secrets.clone(),
                self.state.metrics.clone(),
            )?
            .run(shutdown.clone()),
        );
        self.tasks.spawn(pruner::run(
            self.state.store.clone(),
            self.config.delivery.retention,
            self.config.http.idempotency_window,
            self.config.delivery.prune_interval,
            shutdown.clone(),
        ));

        let router = api::router(
            self.state.clone(),
            self.config.body_limit,
            self.config.access_log,
        );
        let mut limits = self.config.http.clone();
        // A WebSocket's pings are its traffic: the idle timeout must leave room for them.
        limits.idle_timeout = limits.idle_timeout.max(self.config.realtime.heartbeat * 2);
        let server = self.tasks.spawn(api::serve::serve(
            listener,
            router,
            limits,
            self.state.metrics.clone(),
            shutdown.clone(),
        ));
        self.tasks.close();
        stop_within(
            self.config.shutdown_timeout,
            &shutdown,
            server,
            self.tasks.clone(),
        )
        .await?;
        self.dispatcher.release_unfinished().await;
        // Stopped, not silent: `collabkit nodes` shows this node gone at once, and the other
        // nodes end what its connections still held at their next sweep, not after the timeout.
        if let Err(e) = self.state.store.node_stopped(&self.node).await {
            tracing::warn!(error = %e, "recording that this node stopped failed; the others will find it silent");
        }
        if let Err(e) = self.state.store.flush().await {
            tracing::warn!(error = %e, "flushing the storage at shutdown failed");
        }
        Ok(())
    }
}

/// Waits for `shutdown`, then gives the server (its in-flight requests) and the background
/// work (attempts in flight, the record loop) one shared deadline, `timeout` after the stop
/// began: they drain at the same time, so a stop takes at most `timeout` (plus the final
/// writes of `run`), not one timeout for each. What is still running then is left behind: the
/// server is aborted, unfinished deliveries are retried after their lease.
async fn stop_within(
    timeout: std::time::Duration,
    shutdown: &CancellationToken,
    mut server: tokio::task::JoinHandle<()>,
    tasks: TaskTracker,
) -> anyhow::Result<()> {
    let deadline = tokio::select! {
        // The server only ends by itself when it could not go on.
        res = &mut server => {
            res?;
            tokio::time::Instant::now() + timeout
        }
        _ = shutdown.cancelled() => {
            let deadline = tokio::time::Instant::now() + timeout;
            if tokio::time::timeout_at(deadline, &mut server).await.is_err() {
                tracing::warn!(?timeout, "in-flight requests did not finish in time; closing them");
                server.abort();
            }
            deadline
        }
    };
    if tokio::time::timeout_at(deadline, tasks.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            "in-flight deliveries did not finish in time; they will be retried after restart"
        );
    }
    Ok(())
}

/// Deletions tell the live rooms through the hub (see [`Changes::delete_user`]).
impl LiveRooms for Hub {
    async fn remove_user(&self, room_id: &str, user_id: &str) -> store::StoreResult<()> {
        Hub::remove_user(self, room_id, user_id).await
    }
    async fn forget_user(&self, room_id: &str, user_id: &str) {
        Hub::forget_user(self, room_id, user_id).await
    }
    async fn close_room(&self, room_id: &str) -> store::StoreResult<()> {
        Hub::close_room(self, room_id).await
    }
    async fn forget_room(&self, room_id: &str) {
        Hub::forget_room(self, room_id).await
    }
}

/// Users stored before tokens were sealed at rest get theirs sealed now (the server holds the
/// key, the schema migration does not).
async fn seal_legacy_tokens(store: &SharedStore, secrets: &SecretBox) -> anyhow::Result<()> {
    let key = secrets.clone();
    let seal: store::TokenSealer = Arc::new(move |t| key.seal(t));
    let mut total = 0;
    loop {
        let n = store.seal_legacy_tokens(seal.clone(), 1000).await?;
        total += n;
        if n == 0 {
            break;
        }
    }
    if total > 0 {
        tracing::info!(
            users = total,
            "sealed the user tokens stored in clear by an earlier version"
        );
    }
    Ok(())
}

/// `--secret-key`, or the key file beside the SQLite database (`collabkit.db.key`).
fn load_secret_key(config: &Config) -> anyhow::Result<SecretBox> {
    if let Some(key) = &config.secret_key {
        return Ok(SecretBox::from_base64(
            secrecy::ExposeSecret::expose_secret(key),
        )?);
    }
    match &config.database {
        DatabaseUrl::Postgres(_) => anyhow::bail!(
            "with PostgreSQL, --secret-key (or COLLABKIT_SECRET_KEY) is required: every node \
             must seal and open webhook secrets and user tokens with the same key, so it cannot \
             be a file one node creates. Make one with `openssl rand -base64 32` and give it to \
             every node"
        ),
        DatabaseUrl::Sqlite(path) => {
            let mut key_path = path.clone().into_os_string();
            key_path.push(".key");
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            Ok(SecretBox::load_or_create(std::path::Path::new(&key_path))?)
        }
    }
}

/// Ends, one `grace` after the server started, the participations that nodes silent since
/// `cutoff` left open (on SQLite: the previous run's, after a restart or a crash) — except
/// those whose users reconnected meanwhile, which this node now holds: a quick restart makes
/// no `participant.left`/`participant.joined` pair, as a quick reconnect makes none.
async fn end_orphans(
    state: AppState,
    cutoff: crate::clock::Timestamp,
    grace: std::time::Duration,
    shutdown: CancellationToken,
) {
    tokio::select! {
        _ = tokio::time::sleep(grace) => {},
        // Left open: the next start ends them.
        _ = shutdown.cancelled() => return,
    }
    let (store, node) = (&state.store, &state.node);
    match state
        .changes
        .apply(|lease| store.close_sessions_of_gone_nodes(node, cutoff, lease))
        .await
    {
        Ok(orphans) => {
            if orphans.value > 0 {
                tracing::info!(
                    sessions = orphans.value,
                    "closed sessions left open by a server that stopped"
                );
            }
            state.hub.participants_gone(&orphans.events, true);
        }
        Err(e) => tracing::warn!(error = %e, "ending the sessions of a server that stopped failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A request and an attempt that never finish: the stop still ends one timeout after it
    /// began (it used to wait a timeout for the server, then another for the tasks).
    #[tokio::test]
    async fn a_stop_takes_at_most_the_shutdown_timeout() {
        let timeout = Duration::from_millis(400);
        let tasks = TaskTracker::new();
        let server = tasks.spawn(std::future::pending::<()>());
        tasks.spawn(std::future::pending::<()>());
        tasks.close();
        let shutdown = CancellationToken::new();
        shutdown.cancel();
        let began = std::time::Instant::now();
        stop_within(timeout, &shutdown, server, tasks.clone())
            .await
            .unwrap();
        let took = began.elapsed();
        assert!(took >= timeout, "gave up early: {took:?}");
        assert!(
            took < timeout * 7 / 4,
            "took {took:?}, more than the timeout"
        );
        // The server was aborted; only the stuck attempt is left.
        tokio::task::yield_now().await;
        assert_eq!(tasks.len(), 1);
    }

    /// A stop with nothing in flight does not wait for the timeout at all.
    #[tokio::test]
    async fn an_idle_stop_is_immediate() {
        let tasks = TaskTracker::new();
        let shutdown = CancellationToken::new();
        let s = shutdown.clone();
        let server = tasks.spawn(async move { s.cancelled().await });
        tasks.close();
        shutdown.cancel();
        let began = std::time::Instant::now();
        stop_within(Duration::from_secs(30), &shutdown, server, tasks)
            .await
            .unwrap();
        assert!(began.elapsed() < Duration::from_secs(5));
    }
}
