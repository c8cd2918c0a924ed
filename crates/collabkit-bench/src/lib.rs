//! `collabkit-bench`: the delivery engine measured end to end on this machine.
//!
//! Starts the real server in-process on a fresh SQLite file, a fast receiver on loopback, and
//! drives events through the public HTTP API, exactly as an app would. Prints each figure and
//! the command that reproduces it.

mod args;
mod database;
mod measure;
mod ordered;
mod overload;
mod pg_costs;
mod realtime;
mod receiver;
mod scale;
mod sdk;
mod server;
mod stores;
mod webhooks;

pub use args::BenchArgs;
pub use realtime::{ClientsArgs, clients};
pub use server::{NodeArgs, node};

use std::time::Duration;

use self::args::reproduce;
use self::measure::{in_parallel, percentile, rss_mib};
use self::server::Server;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    println!(
        "collabkit-bench — {}, {} cores",
        match &args.database {
            Some(_) => format!(
                "PostgreSQL, {} node(s){}, pool of {} each",
                args.nodes,
                if args.node_processes && args.nodes > 1 {
                    " in separate processes"
                } else {
                    ""
                },
                args.pg_pool_size
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
    if args.sdk {
        return sdk::run().await;
    }
    if args.stores {
        return stores::run(args).await;
    }
    if args.ordered {
        return ordered::run(args).await;
    }
    if args.overload {
        return overload::overload(args).await;
    }
    if !args.realtime_only {
        webhooks::webhooks(args).await?;
    }
    if args.connections > 0 {
        realtime::run(args).await?;
    }
    Ok(())
}
