//! The server under test, started in-process, and the API calls the runs make through it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::args::BenchArgs;
use crate::database;
use crate::measure::in_parallel;
use collabkit::app::App;
use collabkit::config::Config;

pub(crate) struct Server {
    pub(crate) base: String,
    pub(crate) api: String,
    /// The same account's API on every node (one unless `--nodes`): events go round-robin.
    pub(crate) apis: Vec<String>,
    pub(crate) bearer: String,
    pub(crate) http: reqwest::Client,
    /// For the set-up calls (the measured requests are sent with `http` directly).
    pub(crate) client: collabkit::client::AccountClient,
    pub(crate) room_id: String,
    /// The rooms `event` creates users in, in turn (`--rooms`; the first is `room_id`).
    pub(crate) event_rooms: Vec<String>,
    pub(crate) store: collabkit::store::SharedStore,
    pub(crate) shutdown: CancellationToken,
    /// Nodes in processes of their own (`--node-processes`): killed when dropped.
    _processes: Vec<tokio::process::Child>,
    /// Dropped last: the server's database.
    pub(crate) db: database::BenchDatabase,
}

impl Server {
    pub(crate) async fn start(args: &BenchArgs) -> anyhow::Result<Server> {
        Self::start_with(args, |_| {}).await
    }

    pub(crate) async fn start_with(
        args: &BenchArgs,
        tune: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Server> {
        let (db, mut config) = database::BenchDatabase::create(args.database.as_deref()).await?;
        config.store.postgres.pool_size = args.pg_pool_size;
        config.store.sqlite.synchronous = args.sqlite_synchronous.into();
        config.delivery.concurrency = args.delivery_concurrency.max(1);
        for_capacity(&mut config)?;
        tune(&mut config);
        let extra_nodes = if config.database.is_shared() {
            args.nodes.max(1) - 1
        } else {
            0
        };
        let node_config = config.clone();
        let app = App::build(config).await?;
        let store = app.store().clone();
        let created = collabkit::accounts::create(app.store().as_ref(), "bench").await?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let shutdown = CancellationToken::new();
        tokio::spawn(app.run(listener, shutdown.clone()));
        let api = format!("{base}/v1/accounts/{}", created.account.id);
        let mut apis = vec![api.clone()];
        let mut processes = Vec::new();
        for _ in 0..extra_nodes {
            let base = if args.node_processes {
                let (child, base) = node_process(&node_config).await?;
                processes.push(child);
                base
            } else {
                let node = App::build(node_config.clone()).await?;
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                let base = format!("http://{}", listener.local_addr()?);
                tokio::spawn(node.run(listener, shutdown.clone()));
                base
            };
            apis.push(format!("{base}/v1/accounts/{}", created.account.id));
        }
        let bearer = collabkit::accounts::bearer_token(&created.account.id, &created.api_key);
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .tcp_nodelay(true)
            .build()?;
        let room: Value = http
            .post(format!("{api}/rooms"))
            .bearer_auth(&bearer)
            .json(&json!({"name": "bench", "customId": "bench"}))
            .send()
            .await?
            .json()
            .await?;
        let room_id = room["data"]["room"]["id"]
            .as_str()
            .ok_or_else(|| anyhow::anyhow!("room creation failed: {room}"))?
            .to_owned();
        // More rooms for the users, when asked (`--rooms`).
        let mut event_rooms = vec![room_id.clone()];
        for i in 1..args.rooms.max(1) {
            let room: Value = http
                .post(format!("{api}/rooms"))
                .bearer_auth(&bearer)
                .json(&json!({"name": "bench", "customId": format!("bench{i}")}))
                .send()
                .await?
                .json()
                .await?;
            event_rooms.push(
                room["data"]["room"]["id"]
                    .as_str()
                    .ok_or_else(|| anyhow::anyhow!("room creation failed: {room}"))?
                    .to_owned(),
            );
        }
        let client = collabkit::client::AccountClient::new(
            http.clone(),
            &base,
            &created.account.id,
            &created.api_key,
        );
        Ok(Server {
            base,
            api,
            apis,
            bearer,
            http,
            client,
            room_id,
            event_rooms,
            store,
            shutdown,
            _processes: processes,
            db,
        })
    }

    /// Registers `url` for `user.created`; returns the registration's id.
    pub(crate) async fn register(&self, url: &str) -> anyhow::Result<String> {
        self.register_for(url, json!(["user.created"])).await
    }

    pub(crate) async fn register_for(&self, url: &str, events: Value) -> anyhow::Result<String> {
        self.create(
            "/webhooks",
            json!({"url": url, "events": events}),
            "webhook",
        )
        .await
    }

    /// `POST path` with `body`; returns the id of the `kind` it created.
    pub(crate) async fn create(
        &self,
        path: &str,
        body: Value,
        kind: &str,
    ) -> anyhow::Result<String> {
        let data = self
            .client
            .call(reqwest::Method::POST, path, Some(body))
            .await?;
        data[kind]["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow::anyhow!("{path}: no {kind} id in {data}"))
    }

    /// Stops a registration's deliveries; its log stays.
    pub(crate) async fn disable_webhook(&self, id: &str) -> anyhow::Result<()> {
        let body = json!({"enabled": false});
        self.client
            .call(
                reqwest::Method::PATCH,
                &format!("/webhooks/{id}"),
                Some(body),
            )
            .await?;
        Ok(())
    }

    /// `POST …/recover` since `since`; returns how many deliveries it scheduled.
    pub(crate) async fn recover(&self, webhook_id: &str, since: &str) -> anyhow::Result<u64> {
        let path = format!("/webhooks/{webhook_id}/recover");
        let data = self
            .client
            .call(
                reqwest::Method::POST,
                &path,
                Some(json!({ "since": since })),
            )
            .await?;
        data["scheduled"]
            .as_u64()
            .ok_or_else(|| anyhow::anyhow!("recover failed: {data}"))
    }

    /// Creates one user (one `user.created` event).
    pub(crate) async fn event(&self, n: u64) -> anyhow::Result<()> {
        let resp = self
            .http
            .post(format!("{}/users", self.apis[n as usize % self.apis.len()]))
            .bearer_auth(&self.bearer)
            .json(&json!({"name": "Bench", "roomId": self.event_rooms[n as usize % self.event_rooms.len()], "customId": format!("u{n}-{}", collabkit::ids::random_token(6))}))
            .send()
            .await?;
        anyhow::ensure!(
            resp.status().is_success(),
            "event failed: {}",
            resp.status()
        );
        Ok(())
    }

    /// Creates `n` events with `clients` concurrent clients, as fast as the server takes them.
    pub(crate) async fn events(self: &Arc<Self>, n: u64, clients: usize) -> anyhow::Result<()> {
        let server = self.clone();
        in_parallel(n as usize, clients, move |i| {
            let server = server.clone();
            async move { server.event(i as u64).await }
        })
        .await?;
        Ok(())
    }

    /// Offers `rate` events per second for `secs` seconds, open loop.
    pub(crate) async fn paced(self: &Arc<Self>, rate: u64, secs: u64) -> anyhow::Result<u64> {
        let total = rate * secs;
        let started = tokio::time::Instant::now();
        let mut tasks = Vec::with_capacity(total as usize);
        for i in 0..total {
            tokio::time::sleep_until(started + Duration::from_secs_f64(i as f64 / rate as f64))
                .await;
            let server = self.clone();
            tasks.push(tokio::spawn(async move { server.event(i).await }));
        }
        for t in tasks {
            t.await??;
        }
        Ok(total)
    }
}

/// What every node of a run is given: the benchmark measures capacity, so every change it
/// offers is made, none shed, and deliveries may reach loopback.
fn for_capacity(config: &mut Config) -> anyhow::Result<()> {
    config.delivery.allow_private_destinations = true;
    config.delivery.retry_schedule = "1h".parse().map_err(anyhow::Error::msg)?;
    config.store.sqlite.max_write_wait = Duration::from_secs(3600);
    config.http.account_rate_limit = 0;
    config.http.max_in_flight = 1 << 20;
    Ok(())
}

/// A node of the same database in a child process (`collabkit-bench node`); its base URL.
async fn node_process(config: &Config) -> anyhow::Result<(tokio::process::Child, String)> {
    let url = match &config.database {
        collabkit::store::DatabaseUrl::Postgres(url) => url.clone(),
        other => anyhow::bail!("a node process needs PostgreSQL, not {other}"),
    };
    let key = config
        .secret_key
        .as_ref()
        .map(|k| secrecy::ExposeSecret::expose_secret(k).to_owned())
        .unwrap_or_default();
    let (pool, concurrency) = (
        config.store.postgres.pool_size.to_string(),
        config.delivery.concurrency.to_string(),
    );
    let (child, line, _) = crate::measure::child_process(
        &[
            "node",
            "--database",
            &url,
            "--pool-size",
            &pool,
            "--delivery-concurrency",
            &concurrency,
        ],
        &[("COLLABKIT_SECRET_KEY", &key)],
    )
    .await?;
    let base = line
        .strip_prefix("listening ")
        .ok_or_else(|| anyhow::anyhow!("node process: {line}"))?
        .to_owned();
    Ok((child, base))
}

/// `collabkit-bench node`: one more node of a run's database, in its own process.
#[derive(clap::Args, Debug)]
pub struct NodeArgs {
    #[arg(long)]
    database: String,
    #[arg(long)]
    pool_size: usize,
    #[arg(long)]
    delivery_concurrency: usize,
}

/// Serves until its standard input closes (the benchmark is done, or gone).
pub async fn node(args: NodeArgs) -> anyhow::Result<()> {
    let mut config = Config::new(args.database.parse().map_err(anyhow::Error::msg)?);
    config.secret_key = std::env::var("COLLABKIT_SECRET_KEY").ok().map(Into::into);
    config.store.postgres.pool_size = args.pool_size;
    config.delivery.concurrency = args.delivery_concurrency.max(1);
    for_capacity(&mut config)?;
    let app = App::build(config).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    println!("listening http://{}", listener.local_addr()?);
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let mut stdin = tokio::io::stdin();
        let _ = tokio::io::AsyncReadExt::read_to_end(&mut stdin, &mut Vec::new()).await;
        stop.cancel();
    });
    app.run(listener, shutdown).await?;
    Ok(())
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}
