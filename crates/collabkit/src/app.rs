//! Building and running the server. Production and tests start it the same way:
//! `App::build(config)` then `app.run(listener, shutdown)`.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::{self, AppState};
use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::{self, SharedStore};

pub struct App {
    config: Config,
    state: AppState,
    /// Background work (delivery, realtime) that shutdown waits for.
    tasks: TaskTracker,
}

impl App {
    /// Opens the storage (running migrations) and wires the services together.
    pub async fn build(config: Config) -> anyhow::Result<App> {
        let store = store::open(&config.database, &config.store).await?;
        let state = AppState {
            store,
            metrics: Arc::new(Metrics::new()),
        };
        Ok(App {
            config,
            state,
            tasks: TaskTracker::new(),
        })
    }

    pub fn store(&self) -> &SharedStore {
        &self.state.store
    }

    /// Serves until `shutdown` is cancelled, then lets in-flight requests and background work
    /// finish within the configured shutdown timeout.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: CancellationToken,
    ) -> anyhow::Result<()> {
        let router = api::router(self.state.clone(), self.config.body_limit);
        let server = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown.clone().cancelled_owned())
            .into_future();
        let mut server = tokio::spawn(server);
        let deadline = async {
            shutdown.cancelled().await;
            tokio::time::sleep(self.config.shutdown_timeout).await;
        };
        tokio::select! {
            res = &mut server => res??,
            _ = deadline => {
                tracing::warn!(timeout = ?self.config.shutdown_timeout, "in-flight requests did not finish in time; closing them");
                server.abort();
            }
        }
        self.tasks.close();
        if tokio::time::timeout(self.config.shutdown_timeout, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("background work did not stop in time");
        }
        Ok(())
    }
}
