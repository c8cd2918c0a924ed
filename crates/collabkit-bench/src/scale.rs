//! `collabkit bench --scale`: do costs stay flat as an account's data grows?
//!
//! Benchmarks on an empty database flatter us. This run measures the same figures twice, on an
//! empty database and on one holding a large account built through the public API (by default
//! 10,000 rooms each with a registration scoped to it, 100,000 users and 1,000,000 deliveries),
//! and prints each with its ratio to empty. Then it prunes the large log, as retention would.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::receiver::BenchReceiver;
use super::{BenchArgs, Server, in_parallel, percentile};
use collabkit::store::StorageStats;

/// Events of one end-to-end run, and how many runs; the offered rate of the latency run.
const EVENTS: u64 = 8_000;
const ROUNDS: u64 = 5;
const CLIENTS: usize = 32;
const RATE: u64 = 500;
/// Failed deliveries recovered at once in the claim run.
const RECOVERED: u64 = 20_000;
/// Requests per delivery-log figure and turn (4 turns).
const PAGES: usize = 50;
const MIB: f64 = 1024.0 * 1024.0;

/// What is compared between the two databases.
struct Figures {
    events_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    page_ms: f64,
    filtered_page_ms: f64,
    claimed_per_s: f64,
    /// A first page of each list that answers `total` ([`LISTS`]), in ms.
    lists: Vec<f64>,
    storage: StorageStats,
}

/// The offset-paged lists timed with their `total`. The account lists ask a page of one: on
/// both databases the page holds the same (one room, one registration), so what differs is what
/// finding the page and its `total` costs as the account grows (unfiltered totals come from
/// counters: the target is flat; a filtered total counts its matches). `{room}` is the bench's
/// own room, with the same users on both databases: a page of 50 of them.
const LISTS: [(&str, &str, &str); 5] = [
    (
        "rooms, a page of 1 with total (ms)",
        "/rooms?limit=1",
        "(target <= 1.2)",
    ),
    (
        "webhooks, a page of 1 with total (ms)",
        "/webhooks?limit=1",
        "(target <= 1.2)",
    ),
    (
        "users of a room, first page of 50 with total (ms)",
        "/users?roomId={room}&limit=50",
        "(target <= 1.2)",
    ),
    (
        "a room with its first 50 users and usersTotal (ms)",
        "/rooms/{room}",
        "(target <= 1.2)",
    ),
    (
        "rooms filtered by name, a page of 1 with total (ms)",
        "/rooms?search=bench&limit=1",
        "(counts the matches)",
    ),
];

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let users = args.scale_users.max(args.scale_rooms);
    println!(
        "scale: an empty database beside one with {} rooms (a registration scoped to each), {users} users and {} deliveries",
        args.scale_rooms, args.scale_deliveries
    );
    let empty = start(args).await?;
    let rx = BenchReceiver::start().await?;
    let busiest_empty = empty.register(&rx.url).await?;
    empty.events(EVENTS, CLIENTS).await?;
    rx.wait_for(EVENTS).await;
    // As on the large database: its log stays, its events stop.
    empty.disable_webhook(&busiest_empty).await?;

    let full = start(args).await?;
    let busiest_full = seed(&full, args.scale_rooms, users, args.scale_deliveries).await?;
    // Both databases are measured by turns, figure by figure, so the machine's drift over the
    // minutes of the run falls on both alike.
    let [on_empty, on_full] = measure(
        [
            (&empty, busiest_empty.as_str()),
            (&full, busiest_full.as_str()),
        ],
        args,
    )
    .await?;
    println!();
    println!(
        "{:<66} {:>10} {:>10} {:>7}",
        "figure", "empty", "large", "ratio"
    );
    let row = |name: &str, empty: f64, large: f64, target: &str| {
        let ratio = if empty > 0.0 {
            format!("{:.2}", large / empty)
        } else {
            "-".into()
        };
        println!("{name:<66} {empty:>10.2} {large:>10.2} {ratio:>7}  {target}");
    };
    row(
        "end to end, 1 registration on a fresh room (events/s, median of 5 runs)",
        on_empty.events_per_s,
        on_full.events_per_s,
        "(target >= 0.9)",
    );
    row(
        &format!("event-to-receipt p50 at {RATE} events/s (ms)"),
        on_empty.p50_ms,
        on_full.p50_ms,
        "",
    );
    row(
        &format!("event-to-receipt p99 at {RATE} events/s (ms)"),
        on_empty.p99_ms,
        on_full.p99_ms,
        "(target <= 1.2)",
    );
    row(
        "delivery-log page, 50 newest of the busiest hook (ms)",
        on_empty.page_ms,
        on_full.page_ms,
        "(target <= 1.2)",
    );
    row(
        "delivery-log page, filtered by event (ms)",
        on_empty.filtered_page_ms,
        on_full.filtered_page_ms,
        "(target <= 1.2)",
    );
    row(
        &format!("claim path: {RECOVERED} recovered deliveries (per s, mean of 2)"),
        on_empty.claimed_per_s,
        on_full.claimed_per_s,
        "(target >= 0.9)",
    );
    for (i, (name, _, target)) in LISTS.iter().enumerate() {
        row(name, on_empty.lists[i], on_full.lists[i], target);
    }
    row(
        "database file (MiB)",
        on_empty.storage.database_bytes as f64 / MIB,
        on_full.storage.database_bytes as f64 / MIB,
        "",
    );
    row(
        "WAL file now (MiB)",
        on_empty.storage.wal_bytes as f64 / MIB,
        on_full.storage.wal_bytes as f64 / MIB,
        "",
    );
    row(
        &format!(
            "WAL file, largest seen (MiB; reset above {:.0})",
            on_full.storage.wal_limit_bytes as f64 / MIB
        ),
        on_empty.storage.wal_peak_bytes as f64 / MIB,
        on_full.storage.wal_peak_bytes as f64 / MIB,
        "",
    );
    let resets = &on_full.storage.checkpoints;
    let tries =
        resets.restart_done + resets.restart_busy + resets.truncate_done + resets.truncate_busy;
    println!(
        "WAL resets on the large database: {} past the limit and {} when idle, {} gave up waiting for readers; writes waited {:.1} ms a reset on average",
        resets.restart_done,
        resets.truncate_done,
        resets.restart_busy + resets.truncate_busy,
        resets.reset_seconds * 1e3 / tries.max(1) as f64
    );

    drop(empty);
    prune(&full).await?;
    Ok(())
}

async fn start(args: &BenchArgs) -> anyhow::Result<Arc<Server>> {
    // No retries: the claim run's failures are final at once, then recovered by hand.
    let server = Server::start_with(args, |c| {
        c.delivery.retry_schedule = "".parse().expect("an empty schedule parses");
        // The large account has a registration per room (10,000 by default), far past the
        // default cap that keeps one account from registering without bound.
        c.delivery.max_webhooks_per_account = u64::MAX;
    })
    .await?;
    Ok(Arc::new(server))
}

/// Builds the large account through the API; returns the registration with the most
/// deliveries. Each user's `user.created` goes to its room's registration and to enough
/// account-wide registrations to reach the delivery count; those are disabled afterwards, so
/// the measured events go to the measured registration only.
async fn seed(
    server: &Arc<Server>,
    rooms: u64,
    users: u64,
    deliveries: u64,
) -> anyhow::Result<String> {
    let rx = BenchReceiver::start().await?;
    let started = Instant::now();
    let (s, url) = (server.clone(), rx.url.clone());
    let room_ids = in_parallel(rooms as usize, CLIENTS, move |i| {
        let (s, url) = (s.clone(), url.clone());
        async move {
            let room = json!({"name": format!("Room {i}"), "customId": format!("room-{i}")});
            let id = s.create("/rooms", room, "room").await?;
            let hook = json!({"url": url, "room_id": id, "events": [
                "user.created", "user.updated", "user.deleted", "participant.joined",
                "participant.left", "session.started", "session.closed"]});
            s.create("/webhooks", hook, "webhook").await?;
            Ok(id)
        }
    })
    .await?;
    println!(
        "seeded {rooms} rooms with a registration each in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let per_user = deliveries.div_ceil(users).max(1);
    let mut account_wide = Vec::new();
    for _ in 1..per_user {
        account_wide.push(server.register(&rx.url).await?);
    }
    let started = Instant::now();
    let (s, ids) = (server.clone(), Arc::new(room_ids));
    in_parallel(users as usize, CLIENTS, move |i| {
        let (s, ids) = (s.clone(), ids.clone());
        async move {
            let room = &ids[i % ids.len()];
            let user = json!({"name": format!("User {i}"), "roomId": room, "customId": format!("user-{i}")});
            s.create("/users", user, "user").await?;
            Ok(())
        }
    })
    .await?;
    rx.wait_for(users * per_user).await;
    settle(server).await?;
    println!(
        "seeded {users} users and {} deliveries in {:.1}s (every outcome recorded)",
        users * per_user,
        started.elapsed().as_secs_f64()
    );
    for id in &account_wide {
        server.disable_webhook(id).await?;
    }
    Ok(account_wide.first().cloned().unwrap_or_default())
}

/// Waits until every outcome of what came before is recorded (a receipt precedes the record of
/// its outcome) and lets the machine write back the bulk load, so the figures measure the
/// database's size, not the server or the disk catching up with the seeding.
async fn settle(server: &Server) -> anyhow::Result<()> {
    let started = Instant::now();
    while server.store.queue_stats(collabkit::clock::now()).await?.due > 0 {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "deliveries still pending after 10 minutes"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = tokio::process::Command::new("sync").status().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    Ok(())
}

/// One database under measurement: its server, the receiver of its measured registration, and
/// how many deliveries that receiver has had.
struct Side<'a> {
    server: &'a Arc<Server>,
    busiest: &'a str,
    rx: BenchReceiver,
    received: u64,
    rates: Vec<f64>,
    latencies: Vec<f64>,
    pages: Vec<f64>,
    filtered_pages: Vec<f64>,
    lists: Vec<Vec<f64>>,
}

async fn measure(
    servers: [(&Arc<Server>, &str); 2],
    args: &BenchArgs,
) -> anyhow::Result<[Figures; 2]> {
    let mut sides = Vec::new();
    for (server, busiest) in servers {
        settle(server).await?;
        // End to end: one registration on a room with nothing else.
        let rx = BenchReceiver::start().await?;
        let hook = json!({"url": rx.url, "room_id": server.room_id, "events": ["user.created"]});
        server.create("/webhooks", hook, "webhook").await?;
        sides.push(Side {
            server,
            busiest,
            rx,
            received: 0,
            rates: Vec::new(),
            latencies: Vec::new(),
            pages: Vec::new(),
            filtered_pages: Vec::new(),
            lists: vec![Vec::new(); LISTS.len()],
        });
    }
    // A run lasts about a second: the median of several, so one hiccup does not decide.
    for _ in 0..ROUNDS {
        for side in &mut sides {
            let started = Instant::now();
            side.server.events(EVENTS, CLIENTS).await?;
            side.received += EVENTS;
            side.rx.wait_for(side.received).await;
            side.rates
                .push(EVENTS as f64 / started.elapsed().as_secs_f64());
        }
    }
    let secs = args.latency_secs.div_ceil(2).max(1);
    for _ in 0..2 {
        for side in &mut sides {
            side.rx.counts.measure.store(true, Ordering::Relaxed);
            side.received += side.server.paced(RATE, secs).await?;
            side.rx.wait_for(side.received).await;
            side.rx.counts.measure.store(false, Ordering::Relaxed);
            side.latencies
                .append(&mut side.rx.counts.latencies.lock().unwrap());
        }
    }
    for _ in 0..4 {
        for side in &mut sides {
            let log = format!("/webhooks/{}/deliveries?limit=50", side.busiest);
            side.pages.extend(page_times(side.server, &log).await?);
            let filtered = format!("{log}&event=user.created");
            side.filtered_pages
                .extend(page_times(side.server, &filtered).await?);
        }
        // Lists cost a fraction of a millisecond, where a burst of the machine's other work
        // weighs as much as the database's size: the two databases answer by turns, request
        // by request.
        for (i, (_, path, _)) in LISTS.iter().enumerate() {
            for _ in 0..PAGES {
                for side in &mut sides {
                    let path = path.replace("{room}", &side.server.room_id);
                    side.lists[i].push(list_time(side.server, &path).await?);
                }
            }
        }
    }
    let mut claims = [Vec::new(), Vec::new()];
    for round in 0..2 {
        for (side, claimed) in sides.iter().zip(&mut claims) {
            claimed.push(claim_path(side.server, round).await?);
        }
    }
    let mut figures = Vec::new();
    for (mut side, claimed) in sides.into_iter().zip(claims) {
        let claimed_per_s = claimed.iter().sum::<f64>() / claimed.len() as f64;
        for v in [
            &mut side.rates,
            &mut side.latencies,
            &mut side.pages,
            &mut side.filtered_pages,
        ] {
            v.sort_by(f64::total_cmp);
        }
        for v in &mut side.lists {
            v.sort_by(f64::total_cmp);
        }
        figures.push(Figures {
            events_per_s: percentile(&side.rates, 0.5),
            p50_ms: percentile(&side.latencies, 0.5) * 1e3,
            p99_ms: percentile(&side.latencies, 0.99) * 1e3,
            page_ms: percentile(&side.pages, 0.5),
            filtered_page_ms: percentile(&side.filtered_pages, 0.5),
            claimed_per_s,
            lists: side.lists.iter().map(|v| percentile(v, 0.5)).collect(),
            storage: side.server.store.storage_stats(),
        });
    }
    let [a, b]: [Figures; 2] = figures
        .try_into()
        .map_err(|_| anyhow::anyhow!("two sides"))?;
    Ok([a, b])
}

/// The claim path: a receiver down for a while, then everything it missed recovered at once;
/// returns recovered deliveries per second. Each round on a room of its own.
async fn claim_path(server: &Arc<Server>, round: u32) -> anyhow::Result<f64> {
    let room = json!({"name": "Claims", "customId": format!("claims-{round}")});
    let room = server.create("/rooms", room, "room").await?;
    let down = BenchReceiver::start().await?;
    down.counts.status.store(500, Ordering::Relaxed);
    // Users created in the room, not one user renamed: on PostgreSQL 20,000 renames of one
    // user were as many commits one after the other under the room's lock (the full-size run
    // spent minutes there), while creations that arrive together are written in groups.
    let hook = json!({"url": down.url, "room_id": room, "events": ["user.created"]});
    let hook = server.create("/webhooks", hook, "webhook").await?;
    let since = collabkit::clock::format(&collabkit::clock::now());
    let (s, room) = (server.clone(), Arc::new(room));
    in_parallel(RECOVERED as usize, CLIENTS, move |i| {
        let (s, room) = (s.clone(), room.clone());
        async move {
            let user = json!({"name": format!("Claimed {i}"), "roomId": *room});
            s.create("/users", user, "user").await?;
            Ok(())
        }
    })
    .await?;
    down.wait_for(RECOVERED).await;
    settle(server).await?;
    down.counts.status.store(200, Ordering::Relaxed);
    let started = Instant::now();
    let scheduled = server.recover(&hook, &since).await?;
    anyhow::ensure!(
        scheduled == RECOVERED,
        "recovered {scheduled} of {RECOVERED}"
    );
    down.wait_for(2 * RECOVERED).await;
    Ok(RECOVERED as f64 / started.elapsed().as_secs_f64())
}

/// Times of `PAGES` requests for one delivery-log page, in ms.
async fn page_times(server: &Server, path: &str) -> anyhow::Result<Vec<f64>> {
    let mut times = Vec::with_capacity(PAGES);
    for _ in 0..PAGES {
        let started = Instant::now();
        let page: Value = server.client.call(Method::GET, path, None).await?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(page.is_object(), "{path}: no page");
    }
    Ok(times)
}

/// The time of one request for a first page of a list, in ms; the answer must carry its
/// `total` (or, for a room, `usersTotal`).
async fn list_time(server: &Server, path: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    let page: Value = server.client.call(Method::GET, path, None).await?;
    let ms = started.elapsed().as_secs_f64() * 1e3;
    anyhow::ensure!(
        page["total"].is_u64() || page["usersTotal"].is_u64(),
        "{path}: no total in {page}"
    );
    Ok(ms)
}

/// Retention on the large log: everything pruned in the pruner's batches, timed; the longest
/// batch is the longest time other writes waited.
async fn prune(server: &Server) -> anyhow::Result<()> {
    use collabkit::delivery::pruner::BATCH;
    let before = collabkit::clock::now() + chrono::Duration::seconds(1);
    let started = Instant::now();
    let (mut total, mut batches) = (0, Vec::new());
    loop {
        let batch = Instant::now();
        let n = server.store.prune(before, BATCH).await?;
        batches.push(batch.elapsed().as_secs_f64() * 1e3);
        total += n;
        if n < BATCH as u64 {
            break;
        }
    }
    let took = started.elapsed().as_secs_f64();
    batches.sort_by(f64::total_cmp);
    println!(
        "retention: pruned {total} deliveries in {took:.1}s = {:.0} deliveries/s in batches of {BATCH}; a batch took {:.1} ms (p50), {:.1} ms (p99), {:.1} ms (longest); 10 million a day is 116/s",
        total as f64 / took,
        percentile(&batches, 0.5),
        percentile(&batches, 0.99),
        batches.last().copied().unwrap_or(0.0)
    );
    let stats = server.store.storage_stats();
    println!(
        "after pruning: database file {:.0} MiB, WAL {:.1} MiB (largest seen {:.1} MiB)",
        stats.database_bytes as f64 / MIB,
        stats.wal_bytes as f64 / MIB,
        stats.wal_peak_bytes as f64 / MIB
    );
    Ok(())
}
