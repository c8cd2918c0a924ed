//! `collabkit-bench`: see the crate's documentation and the README's "Benchmark" section.

use clap::{Parser, Subcommand};
use collabkit_bench::{BenchArgs, ClientsArgs, NodeArgs};

// The server's allocator, so the figures are the server's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser, Debug)]
#[command(
    name = "collabkit-bench",
    about = "Measure CollabKit's delivery throughput and latency on this machine (fresh temporary database)",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    child: Option<Child>,
    #[command(flatten)]
    bench: BenchArgs,
}

#[derive(Subcommand, Debug)]
enum Child {
    /// The realtime run's WebSocket client process (started by the benchmark itself).
    #[command(hide = true)]
    Clients(ClientsArgs),
    /// A node of the run's database in a process of its own (`--node-processes`).
    #[command(hide = true)]
    Node(NodeArgs),
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Only problems are logged: a line per request would be what it measures, and the outage
    // runs fail deliveries on purpose.
    collabkit::telemetry::init(
        collabkit::telemetry::LogFormat::Text,
        "warn,collabkit::delivery::dispatcher=error",
    );
    let result = match cli.child {
        Some(Child::Clients(args)) => collabkit_bench::clients(args).await,
        Some(Child::Node(args)) => collabkit_bench::node(args).await,
        None => collabkit_bench::run(cli.bench).await,
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
