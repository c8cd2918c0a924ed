//! `collabkit serve`: start the server, show the first account's key, stop on a signal.

use tokio_util::sync::CancellationToken;

use super::credentials::CredentialsFile;
use super::serve_args::ServeArgs;
use crate::accounts;
use crate::app::App;
use crate::config::Config;
use crate::store::{DatabaseUrl, Synchronous};

pub(super) async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = args.config();

    let app = App::build(config.clone()).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");

    if let Some(path) = &args.initial_credentials_file {
        // Made before the account, so that a file that cannot be written stops the start
        // before a key exists that nobody could read.
        let file = CredentialsFile::create(path)?;
        match accounts::bootstrap(app.store().as_ref()).await? {
            Some(first) => {
                file.write(&first)?;
                println!(
                    "Created the first account {}; its API key is in {} (owner-only), not shown here.",
                    first.account.id,
                    path.display()
                );
            }
            None => file.discard(),
        }
    // Printed, not logged: the key must never reach log files, and this is its only showing.
    } else if let Some(first) = accounts::bootstrap(app.store().as_ref()).await? {
        let bearer = accounts::bearer_token(&first.account.id, &first.api_key);
        println!("Created the first account. Keep the API key: it is shown only this once.");
        println!("  account_id: {}", first.account.id);
        println!("  api_key:    {}", first.api_key);
        println!("Try it:");
        println!(
            "  curl -s -H 'Authorization: Bearer {bearer}' {base}/v1/accounts/{}/rooms",
            first.account.id
        );
    }
    // Handlers first: a SIGTERM right after the address is printed (a supervisor, a test) must
    // drain the server, not meet the default action and kill it.
    let signals = Signals::install();
    println!(
        "CollabKit listening on {base} (database {})",
        config.database
    );
    println!("Dashboard: {base}/dashboard   API reference: {base}/docs");
    for warning in unusual_settings(&config) {
        tracing::warn!("{warning}");
    }
    tracing::info!(%addr, database = %config.database, node = app.node(), "listening");

    // The signals are awaited beside the app, not in a task of their own: nothing runs that
    // the app's tracker does not know of. A signal cancels `shutdown`, then the app drains.
    let shutdown = CancellationToken::new();
    let run = app.run(listener, shutdown.clone());
    tokio::pin!(run);
    tokio::select! {
        stopped = &mut run => stopped?,
        () = signals.shutdown(shutdown) => run.await?,
    }
    tracing::info!("stopped");
    Ok(())
}

/// The settings a user must know are not the safe defaults, one sentence each.
fn unusual_settings(config: &Config) -> Vec<String> {
    let mut out = Vec::new();
    if config.delivery.allow_private_destinations {
        out.push(
            "private destinations allowed: webhooks may reach loopback and private networks (development only)"
                .to_owned(),
        );
    }
    if matches!(config.database, DatabaseUrl::Sqlite(_))
        && config.store.sqlite.synchronous == Synchronous::Normal
    {
        out.push(
            "SQLite synchronous=normal: a power loss may lose the last acknowledged changes"
                .to_owned(),
        );
    }
    if config.delivery.retry_schedule.delays().is_empty() {
        out.push("retry schedule empty: a failed delivery is not retried".to_owned());
    }
    out
}

/// SIGINT and SIGTERM, listened for from [`Signals::install`] on.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn install() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Signals {
                term: signal(SignalKind::terminate()).ok(),
                int: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Signals {}
    }

    /// Waits for either signal, then cancels `token`.
    async fn shutdown(self, token: CancellationToken) {
        #[cfg(unix)]
        {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = wait(self.term) => {},
                _ = wait(self.int) => {},
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
        tracing::info!("shutdown requested; draining");
        token.cancel();
    }
}
