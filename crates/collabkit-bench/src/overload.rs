//! The overload run: more offered than the server can take.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::args::BenchArgs;
use crate::measure::percentile;
use crate::receiver::BenchReceiver;
use crate::server::Server;

/// Offers more than the server can take, open loop, and measures how the API answers.
pub(crate) async fn overload(args: &BenchArgs) -> anyhow::Result<()> {
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
