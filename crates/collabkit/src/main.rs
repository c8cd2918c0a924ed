#![forbid(unsafe_code)]

use clap::Parser;

// Many small, short-lived allocations per delivery (headers, bodies, futures): mimalloc keeps
// them off glibc's contended arenas.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = collabkit::cli::Cli::parse();
    match collabkit::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // A wrong argument exits like one clap refuses (2); anything else that failed, 1.
            if e.downcast_ref::<collabkit::client::UsageError>().is_some() {
                std::process::ExitCode::from(2)
            } else {
                std::process::ExitCode::FAILURE
            }
        }
    }
}
