//! The ordered runs (`--ordered`): delivery ordered per room (`/webhooks/{id}/ordering`)
//! against the same load unordered, and one room's receiver failing while the others flow.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::json;

use crate::args::BenchArgs;
use crate::measure::percentile;
use crate::receiver::BenchReceiver;
use crate::server::Server;

/// The events/s offered while one room's receiver fails (and without, to compare).
const STALL_RATE: u64 = 500;

pub(crate) async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    let mut args = args.clone();
    args.rooms = args.ordered_rooms.max(1);

    // 1. Throughput, unordered then ordered: the same events over the same rooms.
    let unordered = throughput(&args, false).await?;
    let ordered = throughput(&args, true).await?;
    println!(
        "end to end over {} rooms, 1 registration:    {unordered:>9.0} events/s unordered, {ordered:.0} ordered per room ({:.2} of unordered)",
        args.rooms,
        ordered / unordered
    );

    // 2. One room's receiver answering 500 while events go to every room at a fixed rate:
    // the other rooms' latency with and without it. Its retry schedule keeps it failing for
    // the whole stall (a retry every 100 ms).
    let schedule = vec!["100ms"; (args.ordered_stall_secs * 10 + 10) as usize].join(",");
    let server = Arc::new(
        Server::start_with(&args, |c| {
            c.delivery.retry_schedule = schedule.parse().expect("a schedule");
        })
        .await?,
    );
    let rx = BenchReceiver::start().await?;
    ordered_registration(&server, &rx.url).await?;
    // A first pass gives every room its pair row: the two measured passes both update them
    // (the first delivery of a room inserts it, which costs less on PostgreSQL than the
    // updates after; measured first, the calm pass looked faster than it is).
    latencies(&server, &rx, args.ordered_stall_secs).await?;
    // Measured between two passes without it: on a loaded machine (and on PostgreSQL, whose
    // tables grow pass by pass) a later pass is slower by itself, so one "before" would flatter
    // the stall's absence.
    let before = latencies(&server, &rx, args.ordered_stall_secs).await?;
    let stalled_room = server.event_rooms[0].clone();
    *rx.counts.fail_marker.lock().unwrap() = Some(stalled_room);
    let started = Instant::now();
    let stalled = latencies(&server, &rx, args.ordered_stall_secs).await?;
    let stall = started.elapsed();
    let failed = rx.counts.failed.load(Ordering::Relaxed);
    *rx.counts.fail_marker.lock().unwrap() = None;
    let after = latencies(&server, &rx, args.ordered_stall_secs).await?;
    let ms = |l: &[f64], p: f64| percentile(l, p) * 1e3;
    println!(
        "other rooms while one room's receiver fails:  p50 {:>6.2} ms   p99 {:>6.2} ms at {STALL_RATE} events/s ordered ({:.1}s of 500s, {failed} failed attempts; without it, before: p50 {:.2} ms, p99 {:.2} ms, after: p50 {:.2} ms, p99 {:.2} ms)",
        ms(&stalled, 0.5),
        ms(&stalled, 0.99),
        stall.as_secs_f64(),
        ms(&before, 0.5),
        ms(&before, 0.99),
        ms(&after, 0.5),
        ms(&after, 0.99),
    );
    Ok(())
}

async fn ordered_registration(server: &Server, url: &str) -> anyhow::Result<String> {
    let hook = server.register(url).await?;
    server
        .client
        .call(
            reqwest::Method::PUT,
            &format!("/webhooks/{hook}/ordering"),
            Some(json!({"mode": "per_room"})),
        )
        .await?;
    Ok(hook)
}

/// Events/s from the first API call to the last receipt, on a fresh server.
async fn throughput(args: &BenchArgs, ordered: bool) -> anyhow::Result<f64> {
    let server = Arc::new(Server::start(args).await?);
    let rx = BenchReceiver::start().await?;
    if ordered {
        ordered_registration(&server, &rx.url).await?;
    } else {
        server.register(&rx.url).await?;
    }
    let started = Instant::now();
    server.events(args.events, args.clients).await?;
    rx.wait_for(args.events).await;
    Ok(args.events as f64 / started.elapsed().as_secs_f64())
}

/// Offers `STALL_RATE` events/s for `secs` over the server's rooms in turn; returns the
/// event-to-receipt latencies of the ones that succeeded (sorted), once all of them did but
/// those of a failing room.
async fn latencies(
    server: &Arc<Server>,
    rx: &BenchReceiver,
    secs: u64,
) -> anyhow::Result<Vec<f64>> {
    rx.counts.latencies.lock().unwrap().clear();
    rx.counts.measure.store(true, Ordering::Relaxed);
    let before = rx.received();
    let failing = rx.counts.fail_marker.lock().unwrap().is_some();
    let n = server.paced(STALL_RATE, secs).await?;
    // `event(i)` goes to room `i % rooms`; the failing room is the first.
    let rooms = server.event_rooms.len() as u64;
    let held = if failing { n.div_ceil(rooms) } else { 0 };
    rx.wait_for(before + n - held).await;
    rx.counts.measure.store(false, Ordering::Relaxed);
    let mut l = std::mem::take(&mut *rx.counts.latencies.lock().unwrap());
    l.sort_by(f64::total_cmp);
    Ok(l)
}
