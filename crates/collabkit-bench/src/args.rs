//! The benchmark's command line, and the command that reproduces a run.

use clap::Args;
use collabkit::cli::SyncMode;

#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Events for the end-to-end throughput run (one registration).
    #[arg(long, env = "COLLABKIT_BENCH_EVENTS", default_value_t = 20_000)]
    pub(crate) events: u64,
    /// Signed POSTs for the raw ceiling run.
    #[arg(long, env = "COLLABKIT_BENCH_RAW", default_value_t = 50_000)]
    pub(crate) raw: u64,
    /// Events for the fan-out throughput run (each to 100 registrations).
    #[arg(long, env = "COLLABKIT_BENCH_FANOUT_EVENTS", default_value_t = 500)]
    pub(crate) fanout_events: u64,
    /// Seconds per fixed-load latency run.
    #[arg(long, env = "COLLABKIT_BENCH_LATENCY_SECS", default_value_t = 5)]
    pub(crate) latency_secs: u64,
    /// Deliveries left waiting for a retry in the memory run (0 skips it).
    #[arg(
        long,
        env = "COLLABKIT_BENCH_WAITING_RETRIES",
        default_value_t = 100_000
    )]
    pub(crate) waiting_retries: u64,
    /// Failed deliveries recovered at once after a receiver outage (0 skips the run).
    #[arg(long, env = "COLLABKIT_BENCH_RECOVERED", default_value_t = 50_000)]
    pub(crate) recovered: u64,
    /// Concurrent WebSocket connections in the realtime run (0 skips the realtime runs).
    #[arg(long, env = "COLLABKIT_BENCH_CONNECTIONS", default_value_t = 10_000)]
    pub(crate) connections: usize,
    /// Connections per room in the realtime run.
    #[arg(long, env = "COLLABKIT_BENCH_PER_ROOM", default_value_t = 10)]
    pub(crate) per_room: usize,
    /// Seconds of join/leave churn.
    #[arg(long, env = "COLLABKIT_BENCH_CHURN_SECS", default_value_t = 5)]
    pub(crate) churn_secs: u64,
    /// Only the realtime runs.
    #[arg(long, env = "COLLABKIT_BENCH_REALTIME_ONLY")]
    pub(crate) realtime_only: bool,
    /// Only the SDK runs: `@collab-kit/client`'s presence fan-out beside the raw protocol's,
    /// and 1,000 SDK clients in one process (Node 20; `packages/client` built, and the server
    /// binary `target/release/collabkit` built beside this one).
    #[arg(long, env = "COLLABKIT_BENCH_SDK")]
    pub(crate) sdk: bool,
    /// Only the store runs: durable `stores.set` writes/s in one room (50 connections) and
    /// across `--stores-rooms` rooms, `store_changed` fan-out to 50 clients, and a resume's
    /// `stores.sync` against a snapshot, beside the engine's durable single-row commits/s.
    #[arg(long, env = "COLLABKIT_BENCH_STORES")]
    pub(crate) stores: bool,
    /// Store runs: seconds of each write-throughput run.
    #[arg(long, env = "COLLABKIT_BENCH_STORES_SECS", default_value_t = 5)]
    pub(crate) stores_secs: u64,
    /// Store runs: `stores.set` requests each connection keeps in flight (refilled half a
    /// window at a time).
    #[arg(long, env = "COLLABKIT_BENCH_STORES_WINDOW", default_value_t = 16)]
    pub(crate) stores_window: usize,
    /// Store runs: rooms of the many-rooms run, one connection each.
    #[arg(long, env = "COLLABKIT_BENCH_STORES_ROOMS", default_value_t = 1_000)]
    pub(crate) stores_rooms: usize,
    /// The server's `--delivery-concurrency` for the run.
    #[arg(
        long,
        env = "COLLABKIT_BENCH_DELIVERY_CONCURRENCY",
        default_value_t = 512
    )]
    pub(crate) delivery_concurrency: usize,
    /// Concurrent API clients creating events.
    #[arg(long, env = "COLLABKIT_BENCH_CLIENTS", default_value_t = 64)]
    pub(crate) clients: usize,
    /// Run on PostgreSQL: a server URL (e.g. postgres://postgres@127.0.0.1:5432/postgres) on
    /// which each run creates a fresh database and drops it afterwards. Default: SQLite files.
    #[arg(long, env = "COLLABKIT_BENCH_DATABASE")]
    pub(crate) database: Option<String>,
    /// PostgreSQL: run this many nodes on the database (in this process, each with its own
    /// pool, dispatcher and port); events are created on them in turn.
    #[arg(long, env = "COLLABKIT_BENCH_NODES", default_value_t = 1)]
    pub(crate) nodes: usize,
    /// Rooms the end-to-end and latency runs' users are created in, in turn (one room's
    /// changes take turns on its counters, so with one room nodes wait for each other).
    #[arg(long, env = "COLLABKIT_BENCH_ROOMS", default_value_t = 1)]
    pub(crate) rooms: usize,
    /// PostgreSQL: run every node after the first in a process of its own (as a deployment
    /// does), rather than in this one.
    #[arg(long, env = "COLLABKIT_BENCH_NODE_PROCESSES")]
    pub(crate) node_processes: bool,
    /// PostgreSQL: the server's connection pool.
    #[arg(long, env = "COLLABKIT_BENCH_PG_POOL_SIZE", default_value_t = collabkit::store::PgOptions::default().pool_size)]
    pub(crate) pg_pool_size: usize,
    /// SQLite durability for the run.
    #[arg(
        long,
        env = "COLLABKIT_BENCH_SQLITE_SYNCHRONOUS",
        value_enum,
        default_value = "full"
    )]
    pub(crate) sqlite_synchronous: SyncMode,
    /// Only the overload run: `--overload-rate` events/s fanning out to 100 registrations for
    /// `--latency-secs`, with the server's default --max-write-wait; prints the API's latency
    /// and how much it accepted and refused.
    #[arg(long, env = "COLLABKIT_BENCH_OVERLOAD")]
    pub(crate) overload: bool,
    /// Events per second offered in the overload run.
    #[arg(long, env = "COLLABKIT_BENCH_OVERLOAD_RATE", default_value_t = 500)]
    pub(crate) overload_rate: u64,
    /// Only the scale runs: the same figures on an empty database and on one holding a large
    /// account (see `--scale-rooms`, `--scale-users`, `--scale-deliveries`).
    #[arg(long, env = "COLLABKIT_BENCH_SCALE")]
    pub(crate) scale: bool,
    /// Scale run: rooms, each with a registration scoped to it.
    #[arg(long, env = "COLLABKIT_BENCH_SCALE_ROOMS", default_value_t = 10_000)]
    pub(crate) scale_rooms: u64,
    /// Scale run: users, spread evenly over the rooms.
    #[arg(long, env = "COLLABKIT_BENCH_SCALE_USERS", default_value_t = 100_000)]
    pub(crate) scale_users: u64,
    /// Scale run: deliveries in the log (at least one per user).
    #[arg(
        long,
        env = "COLLABKIT_BENCH_SCALE_DELIVERIES",
        default_value_t = 1_000_000
    )]
    pub(crate) scale_deliveries: u64,
    /// Only the ordered runs: `--events` spread over `--ordered-rooms` rooms to one
    /// registration, unordered then ordered per room (throughput as a fraction), then one
    /// room's receiver answering 500 for `--ordered-stall-secs` while events are offered at
    /// 500/s: the other rooms' event-to-receipt latency beside the same load without the stall.
    #[arg(long, env = "COLLABKIT_BENCH_ORDERED")]
    pub(crate) ordered: bool,
    /// Ordered runs: rooms the events are spread over.
    #[arg(long, env = "COLLABKIT_BENCH_ORDERED_ROOMS", default_value_t = 1_000)]
    pub(crate) ordered_rooms: usize,
    /// Ordered runs: seconds one room's receiver answers 500 (a shortened form of a minute).
    #[arg(long, env = "COLLABKIT_BENCH_ORDERED_STALL_SECS", default_value_t = 5)]
    pub(crate) ordered_stall_secs: u64,
}

/// The flags that reproduce this run, as `cargo run -p collabkit-bench -- …` takes them.
pub(crate) fn reproduce(args: &BenchArgs) -> String {
    if args.sdk {
        return "--sdk".into();
    }
    if args.ordered {
        return format!(
            "--ordered --events {} --ordered-rooms {} --ordered-stall-secs {} --clients {}{}",
            args.events,
            args.ordered_rooms,
            args.ordered_stall_secs,
            args.clients,
            match &args.database {
                Some(url) => format!(
                    " --database {} --pg-pool-size {}",
                    collabkit::store::DatabaseUrl::Postgres(url.clone()),
                    args.pg_pool_size
                ),
                None => String::new(),
            }
        );
    }
    if args.stores {
        return format!(
            "--stores --stores-secs {} --stores-window {} --stores-rooms {}{}",
            args.stores_secs,
            args.stores_window,
            args.stores_rooms,
            match &args.database {
                Some(url) => format!(
                    " --database {} --pg-pool-size {}",
                    collabkit::store::DatabaseUrl::Postgres(url.clone()),
                    args.pg_pool_size
                ),
                None => format!(
                    " --sqlite-synchronous {}",
                    match args.sqlite_synchronous {
                        SyncMode::Full => "full",
                        SyncMode::Normal => "normal",
                    }
                ),
            }
        );
    }
    format!(
        "--events {} --raw {} --fanout-events {} --latency-secs {} --waiting-retries {} --recovered {} --connections {} --per-room {} --churn-secs {} --delivery-concurrency {} --clients {} --rooms {}{} --sqlite-synchronous {}{}{}",
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
        args.rooms,
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
                " --database {} --pg-pool-size {} --nodes {}{}",
                collabkit::store::DatabaseUrl::Postgres(url.clone()),
                args.pg_pool_size,
                args.nodes,
                if args.node_processes {
                    " --node-processes"
                } else {
                    ""
                }
            ),
            None => String::new(),
        }
    )
}
