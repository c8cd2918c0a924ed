//! The store runs (`--stores`, issue 24): durable `stores.set` writes/s in one room and across
//! many rooms, `store_changed` fan-out latency to a 50-client room, and what a resume
//! (`stores.sync` with `since`) costs against a full snapshot — each beside the storage
//! ceiling, the engine's own durable single-row commits/s on this machine.
//!
//! The clients are version 2 WebSocket connections in this process (one clock for the
//! latencies), each writing on its own keys with a window of requests in flight.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use super::{BenchArgs, Server, in_parallel, percentile};
use crate::realtime::raise_fd_limit;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Keys each connection cycles over in the throughput runs: a store holds at most 10,000
/// entries (`--store-max-entries`), and 50 connections × 128 keys stay below it.
const KEYS_PER_CONNECTION: u64 = 128;
/// Clients of the one-room and fan-out runs.
const ROOM_CLIENTS: usize = 50;
/// Entries of the resume run's store, and the changes made before the resume.
const RESUME_ENTRIES: usize = 10_000;
const RESUME_CHANGES: usize = 100;

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    raise_fd_limit(args.stores_rooms as u64 * 2 + 4096);
    let secs = args.stores_secs.max(1);
    let window = args.stores_window.max(2);
    // Every request the clients send is measured, none refused by the per-connection limit;
    // no leave grace, so a run's leaves are stored as it ends, not during the next one.
    let server = Arc::new(
        Server::start_with(args, |c| {
            c.realtime.rate_limit = 1_000_000;
            c.realtime.leave_grace = Duration::ZERO;
            c.realtime.max_per_account = usize::MAX;
        })
        .await?,
    );

    // 1. The ceiling: the engine's durable single-row commits.
    let sqlite = sqlite_ceiling(args, Duration::from_secs(2)).await?;
    println!(
        "stores: storage ceiling, SQLite (WAL, synchronous={:?}) one-row INSERT commits: {:>7.0} commits/s",
        args.sqlite_synchronous, sqlite
    );
    let ceiling = match server.db.postgres_url() {
        Some(url) => {
            let pg = postgres_ceiling(url, Duration::from_secs(2)).await?;
            println!(
                "stores: storage ceiling, PostgreSQL one connection, one-row INSERT commits:    {pg:>7.0} commits/s"
            );
            pg
        }
        None => sqlite,
    };
    let engine = if server.db.postgres_url().is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };

    // 2. Durable writes in one room: 50 connections, each with `window` sets in flight.
    let room = server.room("stores-one").await?;
    let tokens = users(&server, &room, ROOM_CLIENTS, "one").await?;
    let t = throughput(&server, tokens, 1, secs, window).await?;
    t.print(
        &format!("durable writes, 1 room × {ROOM_CLIENTS} connections"),
        ceiling,
        engine,
        window,
    );
    settle().await;

    // 3. The same across many rooms, a connection each.
    let rooms = args.stores_rooms.max(1);
    let room_ids = {
        let s = server.clone();
        in_parallel(rooms, 32, move |i| {
            let s = s.clone();
            async move { s.room(&format!("stores-many{i}")).await }
        })
        .await?
    };
    let tokens = {
        let (s, room_ids) = (server.clone(), Arc::new(room_ids));
        in_parallel(rooms, 32, move |i| {
            let (s, room_ids) = (s.clone(), room_ids.clone());
            async move { s.user(&room_ids[i], &format!("many{i}")).await }
        })
        .await?
    };
    let t = throughput(&server, tokens, rooms, secs, window).await?;
    t.print(
        &format!("durable writes, {rooms} rooms × 1 connection"),
        ceiling,
        engine,
        window,
    );
    settle().await;

    // 4. Fan-out: one writer, 49 readers, 50 sets/s.
    fanout(&server).await?;
    settle().await;

    // 5. Resume: a 10,000-entry store, 100 changes, `sync` with `since` against a snapshot.
    resume(&server).await?;
    Ok(())
}

/// Lets the leaves of the run before be stored before the next.
async fn settle() {
    tokio::time::sleep(Duration::from_secs(2)).await;
}

/// SQLite's durable single-row commits/s: a loop of one-row INSERT transactions in a fresh
/// file with the server's pragmas (WAL, its `synchronous`).
async fn sqlite_ceiling(args: &BenchArgs, run: Duration) -> anyhow::Result<f64> {
    let synchronous: collabkit_store_sqlite::Synchronous = args.sqlite_synchronous.into();
    let synchronous = synchronous.as_pragma();
    tokio::task::spawn_blocking(move || {
        let dir = tempfile::tempdir()?;
        let conn = rusqlite::Connection::open(dir.path().join("ceiling.db"))?;
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = {synchronous};
             CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL);"
        ))?;
        let value = "x".repeat(100);
        let mut insert = conn.prepare("INSERT INTO t (v) VALUES (?1)")?;
        let started = Instant::now();
        let mut commits = 0u64;
        while started.elapsed() < run {
            conn.execute_batch("BEGIN")?;
            insert.execute([&value])?;
            conn.execute_batch("COMMIT")?;
            commits += 1;
        }
        Ok(commits as f64 / started.elapsed().as_secs_f64())
    })
    .await?
}

/// PostgreSQL's durable single-row commits/s on one connection: a one-row INSERT, each its own
/// transaction (autocommit: one round trip, one WAL flush each).
async fn postgres_ceiling(url: &str, run: Duration) -> anyhow::Result<f64> {
    let client = collabkit_store_postgres::admin::admin_client(url)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    client
        .batch_execute("CREATE TABLE bench_ceiling (id BIGSERIAL PRIMARY KEY, v TEXT NOT NULL)")
        .await?;
    let insert = client
        .prepare("INSERT INTO bench_ceiling (v) VALUES ($1)")
        .await?;
    let value = "x".repeat(100);
    let started = Instant::now();
    let mut commits = 0u64;
    while started.elapsed() < run {
        client.execute(&insert, &[&value]).await?;
        commits += 1;
    }
    let rate = commits as f64 / started.elapsed().as_secs_f64();
    client.batch_execute("DROP TABLE bench_ceiling").await?;
    Ok(rate)
}

/// `n` users of `room`; their tokens.
async fn users(
    server: &Arc<Server>,
    room: &str,
    n: usize,
    prefix: &str,
) -> anyhow::Result<Vec<String>> {
    let (s, room, prefix) = (server.clone(), room.to_owned(), prefix.to_owned());
    in_parallel(n, 16, move |i| {
        let (s, room, prefix) = (s.clone(), room.clone(), prefix.clone());
        async move { s.user(&room, &format!("{prefix}{i}")).await }
    })
    .await
}

/// Connects with version 2, authenticates and joins; reads up to the join's welcome.
async fn join(base: &str, token: &str) -> anyhow::Result<Socket> {
    let url = format!("{}/v1/connect?v=2", base.replace("http://", "ws://"));
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(16 * 1024)
        .write_buffer_size(16 * 1024);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true).await?;
    send(&mut ws, json!({"type": "auth", "token": token})).await?;
    let mut authenticated = false;
    while let Some(frame) = ws.next().await {
        let Message::Text(t) = frame? else { continue };
        if !authenticated {
            anyhow::ensure!(
                t.starts_with(r#"{"type":"authenticated""#),
                "authentication failed: {t}"
            );
            authenticated = true;
            send(&mut ws, json!({"type": "join", "id": 1})).await?;
        } else if t.starts_with(r#"{"type":"welcome""#) {
            return Ok(ws);
        } else if t.starts_with(r#"{"type":"error""#) {
            anyhow::bail!("join refused: {t}");
        }
    }
    anyhow::bail!("closed before the welcome")
}

async fn send(ws: &mut Socket, frame: Value) -> anyhow::Result<()> {
    ws.send(Message::Text(frame.to_string().into())).await?;
    Ok(())
}

fn set_frame(id: u64, store: &str, key: &str, value: Value) -> Message {
    let frame = json!({"type": "request", "id": id, "method": "stores.set",
                       "params": {"store": store, "key": key, "value": value}});
    Message::Text(frame.to_string().into())
}

/// A value of ~100 bytes as compact JSON.
fn value(n: u64) -> Value {
    json!({"n": n, "text": format!("{:0>84}", n)})
}

/// What a frame the server sent is, read without parsing it whole.
enum Frame {
    /// A response: whether it has `data` (not `error`).
    Response(bool),
    Changed,
    Other,
}

fn classify(t: &str) -> Frame {
    const RESPONSE: &str = r#"{"type":"response","id":"#;
    if t.starts_with(r#"{"type":"store_changed""#) {
        Frame::Changed
    } else if let Some(rest) = t.strip_prefix(RESPONSE) {
        let ok = rest
            .find(',')
            .is_some_and(|i| rest[i + 1..].starts_with(r#""data""#));
        Frame::Response(ok)
    } else if t.starts_with(r#"{"type":"error""#) {
        Frame::Response(false)
    } else {
        Frame::Other
    }
}

#[derive(Default)]
struct Counts {
    acked: AtomicU64,
    failed: AtomicU64,
    changes: AtomicU64,
}

struct Throughput {
    connections: usize,
    rooms: usize,
    secs: f64,
    acked: u64,
    failed: u64,
    changes: u64,
    /// Send to acknowledgement, seconds, sorted.
    latencies: Vec<f64>,
}

impl Throughput {
    fn print(&self, what: &str, ceiling: f64, engine: &str, window: usize) {
        let rate = self.acked as f64 / self.secs;
        println!(
            "stores: {what:<40} {rate:>7.0} writes/s ({:.2}× the {engine} ceiling); ack p50 {:.1} ms, p99 {:.1} ms; {} connections in {} room(s), {} in flight each; {:.0} store_changed received/s{}",
            rate / ceiling,
            percentile(&self.latencies, 0.5) * 1e3,
            percentile(&self.latencies, 0.99) * 1e3,
            self.connections,
            self.rooms,
            window,
            self.changes as f64 / self.secs,
            if self.failed > 0 {
                format!("; {} REFUSED", self.failed)
            } else {
                String::new()
            }
        );
    }
}

/// Joins every token, then every connection keeps `window` sets in flight on its own keys
/// (refilled half a window at a time) for `secs`; counts what was acknowledged in that time.
async fn throughput(
    server: &Arc<Server>,
    tokens: Vec<String>,
    rooms: usize,
    secs: u64,
    window: usize,
) -> anyhow::Result<Throughput> {
    let n = tokens.len();
    let sockets = {
        let (base, tokens) = (Arc::new(server.base.clone()), Arc::new(tokens));
        in_parallel(n, 32, move |i| {
            let (base, tokens) = (base.clone(), tokens.clone());
            async move { join(&base, &tokens[i]).await }
        })
        .await?
    };
    let counts = Arc::new(Counts::default());
    let start = Instant::now() + Duration::from_millis(200);
    let deadline = start + Duration::from_secs(secs);
    let tasks: Vec<_> = sockets
        .into_iter()
        .enumerate()
        .map(|(c, ws)| {
            let counts = counts.clone();
            tokio::spawn(write_loop(ws, c, window, start, deadline, counts))
        })
        .collect();
    let mut latencies = Vec::new();
    for t in tasks {
        latencies.extend(t.await??);
    }
    latencies.sort_by(f64::total_cmp);
    Ok(Throughput {
        connections: n,
        rooms,
        secs: secs as f64,
        acked: counts.acked.load(Ordering::Relaxed),
        failed: counts.failed.load(Ordering::Relaxed),
        changes: counts.changes.load(Ordering::Relaxed),
        latencies,
    })
}

async fn write_loop(
    mut ws: Socket,
    c: usize,
    window: usize,
    start: Instant,
    deadline: Instant,
    counts: Arc<Counts>,
) -> anyhow::Result<Vec<f64>> {
    tokio::time::sleep_until(start.into()).await;
    let store = "bench";
    let refill = (window / 2).max(1);
    let mut sent_at = VecDeque::with_capacity(window);
    let mut latencies = Vec::new();
    let mut seq = 0u64;
    loop {
        let now = Instant::now();
        if now < deadline && sent_at.len() + refill <= window {
            while sent_at.len() < window {
                let key = format!("c{c}k{}", seq % KEYS_PER_CONNECTION);
                ws.feed(set_frame(seq + 10, store, &key, value(seq)))
                    .await?;
                sent_at.push_back(Instant::now());
                seq += 1;
            }
            ws.flush().await?;
        }
        if now >= deadline && sent_at.is_empty() {
            break;
        }
        let frame = tokio::time::timeout(Duration::from_secs(30), ws.next())
            .await
            .context("no answer for 30 s")?
            .ok_or_else(|| anyhow::anyhow!("connection {c} closed"))??;
        let t = match frame {
            Message::Text(t) => t,
            Message::Close(close) => anyhow::bail!("connection {c} closed: {close:?}"),
            _ => continue,
        };
        match classify(&t) {
            Frame::Changed => {
                if Instant::now() < deadline {
                    counts.changes.fetch_add(1, Ordering::Relaxed);
                }
            }
            Frame::Response(ok) => {
                let sent = sent_at.pop_front().unwrap_or(now);
                let at = Instant::now();
                if at < deadline {
                    if ok {
                        counts.acked.fetch_add(1, Ordering::Relaxed);
                        latencies.push(at.duration_since(sent).as_secs_f64());
                    } else {
                        if counts.failed.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!("a write was refused: {t}");
                        }
                    }
                }
            }
            Frame::Other => {}
        }
    }
    let _ = ws.close(None).await;
    Ok(latencies)
}

/// One writer in a room of 50 joined clients sends 200 sets, 50 a second; each of the 49
/// others' `store_changed` is timed from the writer's send (one clock: one process).
async fn fanout(server: &Arc<Server>) -> anyhow::Result<()> {
    let room = server.room("stores-fanout").await?;
    let tokens = users(server, &room, ROOM_CLIENTS, "fan").await?;
    let mut sockets = vec![];
    for token in &tokens {
        sockets.push(join(&server.base, token).await?);
    }
    let mut writer = sockets.remove(0);
    let updates = 200u64;
    let epoch = Instant::now();
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(updates as usize);
                while let Some(Ok(frame)) = ws.next().await {
                    let Message::Text(t) = frame else { continue };
                    if !t.starts_with(r#"{"type":"store_changed""#) {
                        continue;
                    }
                    let now = epoch.elapsed().as_micros() as f64;
                    let Ok(v) = serde_json::from_str::<Value>(&t) else {
                        continue;
                    };
                    if v["value"]["done"] == true {
                        break;
                    }
                    let sent = v["value"]["sentMicros"].as_f64().unwrap_or(0.0);
                    latencies.push((now - sent) / 1e6);
                }
                latencies
            })
        })
        .collect();
    // The writer's acknowledgements, read beside its sends.
    let (mut sink, mut stream) = writer.split();
    let acks = tokio::spawn(async move {
        let mut at = Vec::with_capacity(updates as usize + 1);
        while let Some(Ok(frame)) = stream.next().await {
            if let Message::Text(t) = frame
                && t.starts_with(r#"{"type":"response""#)
            {
                at.push(epoch.elapsed().as_micros() as f64);
                if at.len() as u64 == updates + 1 {
                    break;
                }
            }
        }
        (at, stream)
    });
    let started = tokio::time::Instant::now();
    let mut sent = Vec::with_capacity(updates as usize);
    for i in 0..updates {
        tokio::time::sleep_until(started + Duration::from_millis(20 * i)).await;
        let micros = epoch.elapsed().as_micros() as u64;
        sent.push(micros as f64);
        let v = json!({"sentMicros": micros, "text": "x".repeat(64)});
        sink.send(set_frame(i + 10, "fanout", &format!("k{}", i % 16), v))
            .await?;
    }
    sink.send(set_frame(9, "fanout", "done", json!({"done": true})))
        .await?;
    let mut l = vec![];
    for r in readers {
        if let Ok(got) = tokio::time::timeout(Duration::from_secs(20), r).await {
            l.extend(got?);
        }
    }
    let (ack_at, stream) = tokio::time::timeout(Duration::from_secs(20), acks).await??;
    writer = sink.reunite(stream)?;
    let _ = writer.close(None).await;
    let mut ack: Vec<f64> = ack_at
        .iter()
        .zip(&sent)
        .map(|(a, s)| (a - s) / 1e6)
        .collect();
    ack.sort_by(f64::total_cmp);
    l.sort_by(f64::total_cmp);
    println!(
        "stores: change fan-out to {} clients, 50 sets/s:   send to store_changed p50 {:.2} ms, p99 {:.2} ms ({} receipts of {}); the writer's ack p50 {:.2} ms, p99 {:.2} ms",
        ROOM_CLIENTS - 1,
        percentile(&l, 0.5) * 1e3,
        percentile(&l, 0.99) * 1e3,
        l.len(),
        updates * (ROOM_CLIENTS as u64 - 1),
        percentile(&ack, 0.5) * 1e3,
        percentile(&ack, 0.99) * 1e3,
    );
    Ok(())
}

/// Sends one request and reads up to its response: its time and its frame's bytes.
async fn request(
    ws: &mut Socket,
    id: u64,
    method: &str,
    params: Value,
) -> anyhow::Result<(f64, Value, usize)> {
    let frame = json!({"type": "request", "id": id, "method": method, "params": params});
    let started = Instant::now();
    send(ws, frame).await?;
    while let Some(frame) = ws.next().await {
        let Message::Text(t) = frame? else { continue };
        if !t.starts_with(r#"{"type":"response""#) {
            continue;
        }
        let secs = started.elapsed().as_secs_f64();
        let v: Value = serde_json::from_str(&t)?;
        if v["id"] == id {
            anyhow::ensure!(v.get("error").is_none(), "{method} failed: {t}");
            return Ok((secs, v, t.len()));
        }
    }
    anyhow::bail!("closed before the response to {method}")
}

/// A store of 10,000 entries of ~100 bytes; a client synced, then 100 changes: `stores.sync`
/// with `since` (the changes alone) against one without (the whole snapshot), 5 times each
/// by turns.
async fn resume(server: &Arc<Server>) -> anyhow::Result<()> {
    let room = server.room("stores-resume").await?;
    let token = server.user(&room, "resume").await?;
    let mut ws = join(&server.base, &token).await?;
    let store = "docs";
    // Filled by windows of 64 sets.
    let mut id = 100u64;
    for chunk in (0..RESUME_ENTRIES as u64).collect::<Vec<_>>().chunks(64) {
        for &i in chunk {
            ws.feed(set_frame(id, store, &format!("doc{i:05}"), value(i)))
                .await?;
            id += 1;
        }
        ws.flush().await?;
        let mut answered = 0;
        while answered < chunk.len() {
            let Some(frame) = ws.next().await else {
                anyhow::bail!("closed while filling the store")
            };
            if let Message::Text(t) = frame?
                && let Frame::Response(ok) = classify(&t)
            {
                anyhow::ensure!(ok, "filling the store: {t}");
                answered += 1;
            }
        }
    }
    let (_, synced, _) = request(&mut ws, 1, "stores.sync", json!({"store": store})).await?;
    let since = synced["data"]["version"].as_u64().unwrap_or(0);
    for i in 0..RESUME_CHANGES as u64 {
        let key = format!("doc{:05}", i * 97 % RESUME_ENTRIES as u64);
        let (_, _, _) = request(
            &mut ws,
            id,
            "stores.set",
            json!({"store": store, "key": key, "value": value(1_000_000 + i)}),
        )
        .await?;
        id += 1;
    }
    let (mut full, mut delta) = (vec![], vec![]);
    let (mut full_bytes, mut delta_bytes, mut delta_changes) = (0, 0, 0);
    for _ in 0..5 {
        let (secs, v, bytes) = request(&mut ws, id, "stores.sync", json!({"store": store})).await?;
        id += 1;
        anyhow::ensure!(v["data"]["snapshot"] == true, "a sync without since: {v}");
        full.push(secs);
        full_bytes = bytes;
        let (secs, v, bytes) = request(
            &mut ws,
            id,
            "stores.sync",
            json!({"store": store, "since": since}),
        )
        .await?;
        id += 1;
        delta_changes = v["data"]["changes"].as_array().map_or(0, Vec::len);
        delta.push(secs);
        delta_bytes = bytes;
    }
    let _ = ws.close(None).await;
    full.sort_by(f64::total_cmp);
    delta.sort_by(f64::total_cmp);
    let (f, d) = (percentile(&full, 0.5), percentile(&delta, 0.5));
    println!(
        "stores: resume, {RESUME_ENTRIES} entries then {RESUME_CHANGES} changes: sync since: {:.2} ms, {:.1} KB ({delta_changes} changes) | snapshot: {:.2} ms, {:.1} KB ({:.1}× the time, {:.0}× the bytes; medians of 5)",
        d * 1e3,
        delta_bytes as f64 / 1e3,
        f * 1e3,
        full_bytes as f64 / 1e3,
        f / d,
        full_bytes as f64 / delta_bytes as f64,
    );
    Ok(())
}
