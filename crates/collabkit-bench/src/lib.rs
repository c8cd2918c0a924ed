//! `collabkit-bench`: the delivery engine measured end to end on this machine.
//!
//! Starts the real server in-process on a fresh SQLite file, a fast receiver on loopback, and
//! drives events through the public HTTP API, exactly as an app would. Prints each figure and
//! the command that reproduces it.

mod database;
mod realtime;
pub use realtime::{ClientsArgs, clients};
mod receiver;
mod scale;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::Args;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use self::receiver::BenchReceiver;
use collabkit::app::App;
use collabkit::cli::SyncMode;
use collabkit::config::Config;
use collabkit::delivery::sender::Sender;

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Events for the end-to-end throughput run (one registration).
    #[arg(long, env = "COLLABKIT_BENCH_EVENTS", default_value_t = 20_000)]
    events: u64,
    /// Signed POSTs for the raw ceiling run.
    #[arg(long, env = "COLLABKIT_BENCH_RAW", default_value_t = 50_000)]
    raw: u64,
    /// Events for the fan-out throughput run (each to 100 registrations).
    #[arg(long, env = "COLLABKIT_BENCH_FANOUT_EVENTS", default_value_t = 500)]
    fanout_events: u64,
    /// Seconds per fixed-load latency run.
    #[arg(long, env = "COLLABKIT_BENCH_LATENCY_SECS", default_value_t = 5)]
    latency_secs: u64,
    /// Deliveries left waiting for a retry in the memory run (0 skips it).
    #[arg(
        long,
        env = "COLLABKIT_BENCH_WAITING_RETRIES",
        default_value_t = 100_000
    )]
    waiting_retries: u64,
    /// Failed deliveries recovered at once after a receiver outage (0 skips the run).
    #[arg(long, env = "COLLABKIT_BENCH_RECOVERED", default_value_t = 50_000)]
    recovered: u64,
    /// Concurrent WebSocket connections in the realtime run (0 skips the realtime runs).
    #[arg(long, env = "COLLABKIT_BENCH_CONNECTIONS", default_value_t = 10_000)]
    connections: usize,
    /// Connections per room in the realtime run.
    #[arg(long, env = "COLLABKIT_BENCH_PER_ROOM", default_value_t = 10)]
    per_room: usize,
    /// Seconds of join/leave churn.
    #[arg(long, env = "COLLABKIT_BENCH_CHURN_SECS", default_value_t = 5)]
    churn_secs: u64,
    /// Only the realtime runs.
    #[arg(long, env = "COLLABKIT_BENCH_REALTIME_ONLY")]
    realtime_only: bool,
    /// The server's `--delivery-concurrency` for the run.
    #[arg(
        long,
        env = "COLLABKIT_BENCH_DELIVERY_CONCURRENCY",
        default_value_t = 512
    )]
    delivery_concurrency: usize,
    /// Concurrent API clients creating events.
    #[arg(long, env = "COLLABKIT_BENCH_CLIENTS", default_value_t = 64)]
    clients: usize,
    /// Run on PostgreSQL: a server URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) on
    /// which each run creates a fresh database and drops it afterwards. Default: SQLite files.
    #[arg(long, env = "COLLABKIT_BENCH_DATABASE")]
    database: Option<String>,
    /// PostgreSQL: run this many nodes on the database (in this process, each with its own
    /// pool, dispatcher and port); events are created on them in turn.
    #[arg(long, env = "COLLABKIT_BENCH_NODES", default_value_t = 1)]
    nodes: usize,
    /// PostgreSQL: the server's connection pool.
    #[arg(long, env = "COLLABKIT_BENCH_PG_POOL_SIZE", default_value_t = collabkit::store::PgOptions::default().pool_size)]
    pg_pool_size: usize,
    /// SQLite durability for the run.
    #[arg(
        long,
        env = "COLLABKIT_BENCH_SQLITE_SYNCHRONOUS",
        value_enum,
        default_value = "full"
    )]
    sqlite_synchronous: SyncMode,
    /// Only the overload run: `--overload-rate` events/s fanning out to 100 registrations for
    /// `--latency-secs`, with the server's default --max-write-wait; prints the API's latency
    /// and how much it accepted and refused.
    #[arg(long, env = "COLLABKIT_BENCH_OVERLOAD")]
    overload: bool,
    /// Events per second offered in the overload run.
    #[arg(long, env = "COLLABKIT_BENCH_OVERLOAD_RATE", default_value_t = 500)]
    overload_rate: u64,
    /// Only the scale runs: the same figures on an empty database and on one holding a large
    /// account (see `--scale-rooms`, `--scale-users`, `--scale-deliveries`).
    #[arg(long, env = "COLLABKIT_BENCH_SCALE")]
    scale: bool,
    /// Scale run: rooms, each with a registration scoped to it.
    #[arg(long, env = "COLLABKIT_BENCH_SCALE_ROOMS", default_value_t = 10_000)]
    scale_rooms: u64,
    /// Scale run: users, spread evenly over the rooms.
    #[arg(long, env = "COLLABKIT_BENCH_SCALE_USERS", default_value_t = 100_000)]
    scale_users: u64,
    /// Scale run: deliveries in the log (at least one per user).
    #[arg(
        long,
        env = "COLLABKIT_BENCH_SCALE_DELIVERIES",
        default_value_t = 1_000_000
    )]
    scale_deliveries: u64,
}

struct Server {
    base: String,
    api: String,
    /// The same account's API on every node (one unless `--nodes`): events go round-robin.
    apis: Vec<String>,
    bearer: String,
    http: reqwest::Client,
    /// For the set-up calls (the measured requests are sent with `http` directly).
    client: collabkit::client::AccountClient,
    room_id: String,
    store: collabkit::store::SharedStore,
    shutdown: CancellationToken,
    /// Dropped last: the server's database.
    _db: database::BenchDatabase,
}

impl Server {
    async fn start(args: &BenchArgs) -> anyhow::Result<Server> {
        Self::start_with(args, |_| {}).await
    }

    async fn start_with(
        args: &BenchArgs,
        tune: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Server> {
        let (db, mut config) = database::BenchDatabase::create(args.database.as_deref()).await?;
        config.store.postgres.pool_size = args.pg_pool_size;
        config.store.sqlite.synchronous = args.sqlite_synchronous.into();
        config.delivery.allow_private_destinations = true;
        config.delivery.retry_schedule = "1h".parse().map_err(anyhow::Error::msg)?;
        config.delivery.concurrency = args.delivery_concurrency.max(1);
        // The benchmark measures capacity: every change it offers is made, none shed.
        config.store.sqlite.max_write_wait = Duration::from_secs(3600);
        config.http.account_rate_limit = 0;
        config.http.max_in_flight = 1 << 20;
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
        for _ in 0..extra_nodes {
            let node = App::build(node_config.clone()).await?;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
            let base = format!("http://{}", listener.local_addr()?);
            tokio::spawn(node.run(listener, shutdown.clone()));
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
            store,
            shutdown,
            _db: db,
        })
    }

    /// Registers `url` for `user.created`; returns the registration's id.
    async fn register(&self, url: &str) -> anyhow::Result<String> {
        self.register_for(url, json!(["user.created"])).await
    }

    async fn register_for(&self, url: &str, events: Value) -> anyhow::Result<String> {
        self.create(
            "/webhooks",
            json!({"url": url, "events": events}),
            "webhook",
        )
        .await
    }

    /// `POST path` with `body`; returns the id of the `kind` it created.
    async fn create(&self, path: &str, body: Value, kind: &str) -> anyhow::Result<String> {
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
    async fn disable_webhook(&self, id: &str) -> anyhow::Result<()> {
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
    async fn recover(&self, webhook_id: &str, since: &str) -> anyhow::Result<u64> {
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
    async fn event(&self, n: u64) -> anyhow::Result<()> {
        let resp = self
            .http
            .post(format!("{}/users", self.apis[n as usize % self.apis.len()]))
            .bearer_auth(&self.bearer)
            .json(&json!({"name": "Bench", "roomId": self.room_id, "customId": format!("u{n}-{}", collabkit::ids::random_token(6))}))
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
    async fn events(self: &Arc<Self>, n: u64, clients: usize) -> anyhow::Result<()> {
        let server = self.clone();
        in_parallel(n as usize, clients, move |i| {
            let server = server.clone();
            async move { server.event(i as u64).await }
        })
        .await?;
        Ok(())
    }

    /// Offers `rate` events per second for `secs` seconds, open loop.
    async fn paced(self: &Arc<Self>, rate: u64, secs: u64) -> anyhow::Result<u64> {
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

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// Runs `f(i)` for `i` in `0..n` on `width` concurrent tasks; the results in order of `i`.
pub(crate) async fn in_parallel<T, F, Fut>(n: usize, width: usize, f: F) -> anyhow::Result<Vec<T>>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = anyhow::Result<T>> + Send,
{
    let f = Arc::new(f);
    let next = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..width)
        .map(|_| {
            let (f, next) = (f.clone(), next.clone());
            tokio::spawn(async move {
                let mut out = vec![];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    if i >= n {
                        return Ok::<_, anyhow::Error>(out);
                    }
                    out.push((i, f(i).await?));
                }
            })
        })
        .collect();
    let mut all = vec![];
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, v)| v).collect())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    println!(
        "collabkit-bench — {}, {} cores",
        match &args.database {
            Some(_) => format!(
                "PostgreSQL, {} node(s), pool of {} each",
                args.nodes, args.pg_pool_size
            ),
            None => format!("SQLite synchronous={:?}", args.sqlite_synchronous),
        },
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!(
        "reproduce: cargo run --release -p collabkit-bench -- {}",
        reproduce(&args)
    );
    let result = runs(&args).await;
    // Servers that are done are stopped by now; their PostgreSQL databases can go.
    tokio::time::sleep(Duration::from_millis(500)).await;
    database::drop_finished().await;
    result
}

async fn runs(args: &BenchArgs) -> anyhow::Result<()> {
    if args.scale {
        return scale::run(args).await;
    }
    if args.overload {
        return overload(args).await;
    }
    if !args.realtime_only {
        webhooks(args).await?;
    }
    if args.connections > 0 {
        realtime::run(args).await?;
    }
    Ok(())
}

async fn webhooks(args: &BenchArgs) -> anyhow::Result<()> {
    let args = args.clone();

    // 1. The raw ceiling: the same signed POSTs, no storage.
    let rx = BenchReceiver::start().await?;
    let sender = Sender::new(Duration::from_secs(15), true, args.clients)?;
    let signer = collabkit_webhooks::Signer::new(&collabkit::secrets::new_webhook_secret())?;
    let body = r#"{"id":"evt_x","event":"user.created","timestamp":"2026-01-01T00:00:00Z"}"#;
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.clients)
        .map(|_| {
            let (sender, signer, next, url, n) = (
                sender.clone(),
                signer.clone(),
                next.clone(),
                rx.url.clone(),
                args.raw,
            );
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < n {
                    let ts = chrono::Utc::now().timestamp();
                    let sig = signer.sign("evt_x", ts, body.as_bytes());
                    sender
                        .send(
                            &url,
                            "evt_x",
                            ts,
                            &sig,
                            Some(1),
                            bytes::Bytes::from_static(body.as_bytes()),
                        )
                        .await;
                }
            })
        })
        .collect();
    for t in tasks {
        t.await?;
    }
    let raw_rate = args.raw as f64 / started.elapsed().as_secs_f64();
    println!("raw ceiling (signed POSTs, no storage):       {raw_rate:>9.0} deliveries/s");

    // 2. End to end, one registration.
    let server = Arc::new(Server::start(&args).await?);
    let rx = BenchReceiver::start().await?;
    server.register(&rx.url).await?;
    let started = Instant::now();
    server.events(args.events, args.clients).await?;
    let accepted = started.elapsed();
    rx.wait_for(args.events).await;
    let total = started.elapsed();
    println!(
        "end to end, 1 registration:                   {:>9.0} events/s ({} events via the API in {:.2}s; API accepted {:.0}/s)",
        args.events as f64 / total.as_secs_f64(),
        args.events,
        total.as_secs_f64(),
        args.events as f64 / accepted.as_secs_f64()
    );

    // 3. Latency at fixed offered loads.
    for rate in [500, 1000] {
        rx.counts.latencies.lock().unwrap().clear();
        rx.counts.measure.store(true, Ordering::Relaxed);
        let before = rx.received();
        let n = server.paced(rate, args.latency_secs).await?;
        rx.wait_for(before + n).await;
        rx.counts.measure.store(false, Ordering::Relaxed);
        let mut l = std::mem::take(&mut *rx.counts.latencies.lock().unwrap());
        l.sort_by(f64::total_cmp);
        println!(
            "event-to-receipt at {rate:>4} events/s:            p50 {:>6.2} ms   p99 {:>6.2} ms ({} events)",
            percentile(&l, 0.5) * 1e3,
            percentile(&l, 0.99) * 1e3,
            l.len()
        );
    }
    drop(server);

    // 4. Fan-out to 100 registrations.
    let server = Arc::new(Server::start(&args).await?);
    let rx = BenchReceiver::start().await?;
    for _ in 0..100 {
        server.register(&rx.url).await?;
    }
    let mut single = vec![];
    for i in 0..5 {
        let before = rx.received();
        let started = Instant::now();
        server.event(1_000_000 + i).await?;
        rx.wait_for(before + 100).await;
        single.push(started.elapsed().as_secs_f64());
    }
    single.sort_by(f64::total_cmp);
    println!(
        "fan-out of one event to 100 registrations:    {:>9.2} ms (median of 5, from API call to the 100th receipt)",
        percentile(&single, 0.5) * 1e3
    );
    let before = rx.received();
    let started = Instant::now();
    server
        .events(args.fanout_events, args.clients.min(16))
        .await?;
    rx.wait_for(before + args.fanout_events * 100).await;
    println!(
        "fan-out throughput:                           {:>9.0} deliveries/s ({} events x 100 registrations)",
        (args.fanout_events * 100) as f64 / started.elapsed().as_secs_f64(),
        args.fanout_events
    );
    drop(server);

    // 5. Memory while retries wait.
    if args.waiting_retries > 0 {
        let server = Arc::new(Server::start(&args).await?);
        let rx = BenchReceiver::start().await?;
        rx.counts.status.store(500, Ordering::Relaxed);
        server.register(&rx.url).await?;
        // RSS with a tenth of them waiting, then with all of them: flat means the waiting ones
        // live in the database, not in memory.
        let tenth = args.waiting_retries / 10;
        server.events(tenth, args.clients).await?;
        rx.wait_for(tenth).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_tenth = rss_mib();
        server
            .events(args.waiting_retries - tenth, args.clients)
            .await?;
        rx.wait_for(args.waiting_retries).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss_all = rss_mib();
        println!(
            "memory while retries wait:                    {rss_tenth:>6.0} MiB with {tenth}, {rss_all:.0} MiB with {} (process RSS, bench included)",
            args.waiting_retries
        );
    }

    // 6. A receiver back after an outage: its failed deliveries recovered at once go through
    // the claim path (batches leased per transaction), not the hand-off of new deliveries.
    if args.recovered > 0 {
        let server = Arc::new(
            Server::start_with(&args, |c| {
                c.delivery.retry_schedule = "".parse().expect("an empty schedule parses");
            })
            .await?,
        );
        let rx = BenchReceiver::start().await?;
        rx.counts.status.store(500, Ordering::Relaxed);
        let hook = server.register(&rx.url).await?;
        let since = collabkit::clock::format(&collabkit::clock::now());
        server.events(args.recovered, args.clients).await?;
        rx.wait_for(args.recovered).await;
        rx.counts.status.store(200, Ordering::Relaxed);
        let started = Instant::now();
        let mut scheduled = 0;
        // The last outcomes may still be on their way to the store.
        while scheduled < args.recovered {
            scheduled += server.recover(&hook, &since).await?;
            if scheduled < args.recovered {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        rx.wait_for(2 * args.recovered).await;
        println!(
            "recovery after an outage (claim path):       {:>9.0} deliveries/s ({} failed deliveries recovered at once)",
            args.recovered as f64 / started.elapsed().as_secs_f64(),
            args.recovered
        );
    }
    Ok(())
}

/// Offers more than the server can take, open loop, and measures how the API answers.
async fn overload(args: &BenchArgs) -> anyhow::Result<()> {
    let server = Arc::new(
        Server::start_with(args, |c| {
            c.store.sqlite.max_write_wait =
                collabkit::store::SqliteOptions::default().max_write_wait;
            c.http.max_in_flight = collabkit::api::serve::ConnectionLimits::default().max_in_flight;
        })
        .await?,
    );
    let rx = BenchReceiver::start().await?;
    for _ in 0..100 {
        server.register(&rx.url).await?;
    }
    let (rate, secs) = (args.overload_rate, args.latency_secs);
    let total = rate * secs;
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for i in 0..total {
        tokio::time::sleep_until(started + Duration::from_secs_f64(i as f64 / rate as f64)).await;
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let sent = Instant::now();
            let status = server
                .http
                .post(format!("{}/users", server.api))
                .bearer_auth(&server.bearer)
                .json(&json!({"name": "Bench", "roomId": server.room_id, "customId": format!("o{i}")}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0);
            (status, sent.elapsed().as_secs_f64())
        }));
    }
    let (mut accepted, mut refused, mut other, mut latencies) = (0u64, 0u64, 0u64, Vec::new());
    for t in tasks {
        let (status, took) = t.await?;
        latencies.push(took);
        match status {
            201 => accepted += 1,
            503 => refused += 1,
            _ => other += 1,
        }
    }
    let answered = started.elapsed().as_secs_f64();
    latencies.sort_by(f64::total_cmp);
    rx.wait_for(accepted * 100).await;
    println!(
        "overload: {rate} events/s x 100 registrations offered for {secs}s: {accepted} accepted, {refused} refused (503), {other} other; API p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; all answered in {answered:.1}s, accepted deliveries all received after {:.1}s",
        percentile(&latencies, 0.5) * 1e3,
        percentile(&latencies, 0.99) * 1e3,
        latencies.last().copied().unwrap_or(0.0) * 1e3,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn reproduce(args: &BenchArgs) -> String {
    format!(
        "--events {} --raw {} --fanout-events {} --latency-secs {} --waiting-retries {} --recovered {} --connections {} --per-room {} --churn-secs {} --delivery-concurrency {} --clients {}{} --sqlite-synchronous {}{}{}",
        args.events,
        args.raw,
        args.fanout_events,
        args.latency_secs,
        args.waiting_retries,
        args.recovered,
        args.connections,
        args.per_room,
        args.churn_secs,
        args.delivery_concurrency,
        args.clients,
        if args.realtime_only {
            " --realtime-only"
        } else {
            ""
        },
        match args.sqlite_synchronous {
            SyncMode::Full => "full",
            SyncMode::Normal => "normal",
        },
        if args.scale {
            format!(
                " --scale --scale-rooms {} --scale-users {} --scale-deliveries {}",
                args.scale_rooms, args.scale_users, args.scale_deliveries
            )
        } else {
            String::new()
        },
        match &args.database {
            Some(url) => format!(
                " --database {} --pg-pool-size {} --nodes {}",
                collabkit::store::DatabaseUrl::Postgres(url.clone()),
                args.pg_pool_size,
                args.nodes
            ),
            None => String::new(),
        }
    )
}
