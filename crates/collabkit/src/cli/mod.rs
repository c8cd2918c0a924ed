//! The command line: `serve`, `migrate`, `accounts create`. Every flag also reads an env var.
//!
//! Split by concern: the flags the commands share ([`flags`]), `serve`'s flags and the
//! configuration they give ([`serve_args`]), serving ([`serve`]), and a key's only showing
//! ([`credentials`]).

mod credentials;
mod flags;
mod serve;
mod serve_args;

use clap::{Parser, Subcommand};

use self::credentials::show_key;
use self::flags::DbArgs;
pub use self::flags::SyncMode;
use self::serve_args::ServeArgs;
use crate::accounts;
use crate::store::{self, StorageOptions};
use crate::telemetry::{self, LogFormat};

#[derive(Parser, Debug)]
#[command(
    name = "collabkit",
    version,
    about = "CollabKit server: rooms, realtime sessions and signed webhooks"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log format on stderr.
    #[arg(
        long,
        global = true,
        env = "COLLABKIT_LOG_FORMAT",
        value_enum,
        default_value = "text"
    )]
    log_format: LogFormat,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Create or upgrade the database schema, then exit.
    Migrate(DbArgs),
    /// Manage accounts.
    #[command(subcommand)]
    Accounts(AccountsCommand),
    /// List the nodes serving the database, one JSON line each: id, last heartbeat, and
    /// whether it is live (heard from within --node-timeout).
    Nodes {
        #[command(flatten)]
        db: DbArgs,
        /// A node silent this long is gone.
        #[arg(long, env = "COLLABKIT_NODE_TIMEOUT", default_value = crate::duration::shown!(crate::nodes::NodeConfig::default().timeout), value_parser = crate::duration::parse)]
        node_timeout: std::time::Duration,
    },
    /// Forward an account's events to a local URL (--forward-to), or run a small receiver that
    /// prints deliveries and checks their signatures.
    Listen(crate::listen::ListenArgs),
    /// Cause a real event of one kind in a scratch room, to exercise a webhook handler.
    Trigger(crate::trigger::TriggerArgs),
}

#[derive(Subcommand, Debug)]
enum AccountsCommand {
    /// Create an account: `{"account_id", "api_key"}` as one JSON line on stdout (for scripts),
    /// the Bearer token and a first curl on stderr.
    Create {
        /// A name for the account.
        #[arg(long, env = "COLLABKIT_ACCOUNT_NAME")]
        name: String,
        /// The server the printed curl talks to.
        #[arg(long, env = "COLLABKIT_URL", default_value = "http://127.0.0.1:8080")]
        server: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// List the accounts, one JSON line each (id, name, created_at; never keys).
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Replace an account's API key (a leaked key stops working at once): the new one as a JSON
    /// line on stdout, the Bearer token on stderr.
    RotateKey {
        /// The account.
        #[arg(long, env = "COLLABKIT_ACCOUNT_ID")]
        account: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    telemetry::init(cli.log_format, "info");
    match cli.command {
        Command::Serve(args) => serve::serve(*args).await,
        Command::Listen(args) => crate::listen::run(args).await,
        Command::Trigger(args) => crate::trigger::run(args).await,
        Command::Migrate(db) => {
            let applied = store::migrate(&db.database).await?;
            match applied.as_slice() {
                [] => eprintln!("database {} was up to date: nothing applied", db.database),
                [1, .., last] | [last @ 1] => eprintln!(
                    "created the schema of database {} (versions 1 to {last})",
                    db.database
                ),
                versions => eprintln!(
                    "upgraded database {}: applied schema versions {}",
                    db.database,
                    versions
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
            Ok(())
        }
        Command::Nodes { db, node_timeout } => {
            let store = store::open_existing(&db.database, &StorageOptions::default()).await?;
            let now = crate::clock::now();
            let silent_since = crate::clock::before(now, node_timeout);
            for node in store.nodes().await? {
                println!(
                    "{}",
                    serde_json::json!({
                        "node": node.id,
                        "heartbeat_at": crate::clock::format(&node.heartbeat_at),
                        "live": node.heartbeat_at >= silent_since,
                    })
                );
            }
            Ok(())
        }
        Command::Accounts(AccountsCommand::Create { name, server, db }) => {
            let store = store::open(&db.database, &StorageOptions::default()).await?;
            let created = accounts::create(store.as_ref(), &name).await?;
            show_key(&created, Some(&server));
            Ok(())
        }
        Command::Accounts(AccountsCommand::List { db }) => {
            let store = store::open_existing(&db.database, &StorageOptions::default()).await?;
            let mut page = crate::store::PageRequest::first(200);
            loop {
                let listed = store.list_accounts(page.clone()).await?;
                for a in &listed.items {
                    println!(
                        "{}",
                        serde_json::json!({
                            "account_id": a.id,
                            "name": a.name,
                            "created_at": crate::clock::format(&a.created_at),
                        })
                    );
                }
                match listed.next {
                    Some(next) => page.after = Some(next),
                    None => break,
                }
            }
            Ok(())
        }
        Command::Accounts(AccountsCommand::RotateKey { account, db }) => {
            let store = store::open_existing(&db.database, &StorageOptions::default()).await?;
            let rotated = accounts::rotate_key(store.as_ref(), &account)
                .await
                .map_err(|e| match e {
                    crate::store::StoreError::NotFound(_) => {
                        anyhow::anyhow!("no account {account} in {}", db.database)
                    }
                    other => other.into(),
                })?;
            show_key(&rotated, None);
            Ok(())
        }
    }
}
