//! The delivery runs: throughput, raw ceiling, fan-out, latency under fixed load, retries
//! waiting, recovery.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::args::BenchArgs;
use crate::measure::{percentile, rss_mib};
use crate::pg_costs;
use crate::receiver::BenchReceiver;
use crate::server::Server;
use collabkit::delivery::sender::Sender;

pub(crate) async fn webhooks(args: &BenchArgs) -> anyhow::Result<()> {
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
                            None,
                            &[],
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
        let pg_url = server.db.postgres_url();
        let pg_before = match pg_url {
            Some(url) => Some(pg_costs::read(url).await?),
            None => None,
        };
        let n = server.paced(rate, args.latency_secs).await?;
        rx.wait_for(before + n).await;
        rx.counts.measure.store(false, Ordering::Relaxed);
        // What the run cost PostgreSQL, per event (its deliveries and their outcomes included).
        if let (Some(url), Some(pg_before)) = (pg_url, pg_before) {
            let pg_after = pg_costs::read(url).await?;
            println!(
                "PostgreSQL per event at {rate:>4} events/s:       {}",
                pg_costs::per_event(pg_before, pg_after, n)
            );
        }
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
