//! `collabkit serve`'s flags, and the configuration they give.

use clap::Args;

use super::flags::{DbArgs, StorageArgs};
use crate::config::Config;
use crate::nodes::NodeConfig;

/// The settings are declared on the configuration types themselves ([`Config`] and the types
/// it holds); this adds the flags shared with the other commands and what only a start uses.
#[derive(Args, Debug)]
pub(super) struct ServeArgs {
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    storage: StorageArgs,
    #[command(flatten)]
    config: Config,
    /// On first start (an empty database), write the first account's id and API key to this
    /// file (created owner-only, 0600) instead of printing them, so the key reaches no log
    /// (journald, docker logs).
    #[arg(long, env = "COLLABKIT_INITIAL_CREDENTIALS_FILE")]
    pub(super) initial_credentials_file: Option<std::path::PathBuf>,
}

impl ServeArgs {
    /// The typed configuration these flags give: the parsed settings, with what the shared
    /// flags give and what follows from the others.
    pub(super) fn config(&self) -> Config {
        let mut config = self.config.clone();
        config.database = self.db.database.clone();
        config.store = self.storage.options();
        config.node.heartbeat = NodeConfig::heartbeat_for(config.node.timeout);
        config
    }
}
