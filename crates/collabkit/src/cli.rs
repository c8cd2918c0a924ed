//! The command line: `serve`, `migrate`, `accounts create`. Every flag also reads an env var.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::accounts;
use crate::app::App;
use crate::config::Config;
use crate::delivery::{DeliveryConfig, RetrySchedule};
use crate::realtime::RealtimeConfig;
use crate::store::{self, DatabaseUrl, PgOptions, SqliteOptions, StorageOptions, Synchronous};
use crate::telemetry::{self, LogFormat};

/// The defaults every flag shows and starts from: written once, in the config types.
fn defaults() -> Config {
    Config::new(DatabaseUrl::Sqlite(DEFAULT_DATABASE.into()))
}

const DEFAULT_DATABASE: &str = "collabkit.db";

fn human(d: Duration) -> humantime::Duration {
    d.into()
}

/// Duration flags: `500ms`, `5s`, `5m`, `2h`, with an error that shows how to write one.
fn parse_duration(s: &str) -> Result<humantime::Duration, String> {
    crate::duration::parse(s).map(Into::into)
}

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
        #[arg(long, env = "COLLABKIT_NODE_TIMEOUT", default_value_t = human(defaults().node.timeout), value_parser = parse_duration)]
        node_timeout: humantime::Duration,
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

/// The JSON line of a key's only showing (stdout), and how to use it (stderr).
fn show_key(created: &accounts::NewAccount, server: Option<&str>) {
    println!(
        "{}",
        serde_json::json!({"account_id": created.account.id, "api_key": created.api_key})
    );
    let bearer = accounts::bearer_token(&created.account.id, &created.api_key);
    eprintln!("Keep the API key: it is shown only this once.");
    eprintln!("Bearer token: {bearer}");
    if let Some(server) = server {
        eprintln!(
            "Try it: curl -s -H 'Authorization: Bearer {bearer}' {}/v1/accounts/{}/rooms",
            server.trim_end_matches('/'),
            created.account.id
        );
    }
}

/// The database a command works on; every command takes it.
#[derive(Args, Debug)]
struct DbArgs {
    /// Database URL: sqlite://FILE (relative), sqlite:///ABSOLUTE/PATH, or
    /// postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE for several nodes on one PostgreSQL.
    #[arg(
        long,
        env = "COLLABKIT_DATABASE",
        default_value_t = defaults().database
    )]
    database: DatabaseUrl,
}

/// The storage's tuning, which only a serving node uses (the one-shot commands run on the
/// defaults, and their `--help` does not list these).
#[derive(Args, Debug)]
struct StorageArgs {
    /// SQLite durability: `full` survives power loss; `normal` (WAL) survives a process crash.
    #[arg(
        long,
        env = "COLLABKIT_SQLITE_SYNCHRONOUS",
        value_enum,
        default_value_t = defaults().store.sqlite.synchronous.into()
    )]
    sqlite_synchronous: SyncMode,
    /// SQLite: reset the write-ahead log (`<database>-wal`) once it passes this many MiB; it
    /// stays near this size under any load and is given back when the server is idle.
    #[arg(long, env = "COLLABKIT_SQLITE_WAL_LIMIT_MIB", default_value_t = defaults().store.sqlite.wal_limit / (1024 * 1024), value_parser = clap::value_parser!(u64).range(1..))]
    sqlite_wal_limit_mib: u64,
    /// SQLite: page cache of each of its connections (one writer, four readers, one
    /// checkpointer), in MiB.
    #[arg(long, env = "COLLABKIT_SQLITE_CACHE_MIB", default_value_t = defaults().store.sqlite.cache_mib, value_parser = clap::value_parser!(u64).range(1..))]
    sqlite_cache_mib: u64,
    /// An API change that waited this long for the storage is refused with 503 and
    /// `Retry-After` (nothing changed) instead of queueing: answers stay prompt under overload.
    #[arg(long, env = "COLLABKIT_MAX_WRITE_WAIT", default_value_t = human(defaults().store.sqlite.max_write_wait), value_parser = parse_duration)]
    max_write_wait: humantime::Duration,
    /// PostgreSQL: connections this node keeps open (one more LISTENs for wake-ups).
    #[arg(long, env = "COLLABKIT_PG_POOL_SIZE", default_value_t = defaults().store.postgres.pool_size, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pg_pool_size: usize,
    /// PostgreSQL: the most a request waits for the database (a free connection, a new one, its
    /// statements) before it is answered 503 with `Retry-After`; also each statement's limit on
    /// the server. A connection silent for twice this is closed and replaced.
    #[arg(long, env = "COLLABKIT_PG_TIMEOUT", default_value_t = human(defaults().store.postgres.timeout), value_parser = parse_positive_duration)]
    pg_timeout: humantime::Duration,
}

/// A duration flag that must not be zero (a zero timeout would fail every call).
fn parse_positive_duration(s: &str) -> Result<humantime::Duration, String> {
    let d = parse_duration(s)?;
    if d.is_zero() {
        return Err("must be longer than zero, e.g. 5s".into());
    }
    Ok(d)
}

/// SQLite's `synchronous` setting as a flag value.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SyncMode {
    Full,
    Normal,
}

impl From<Synchronous> for SyncMode {
    fn from(mode: Synchronous) -> SyncMode {
        match mode {
            Synchronous::Full => SyncMode::Full,
            Synchronous::Normal => SyncMode::Normal,
        }
    }
}

impl From<SyncMode> for Synchronous {
    fn from(mode: SyncMode) -> Synchronous {
        match mode {
            SyncMode::Full => Synchronous::Full,
            SyncMode::Normal => Synchronous::Normal,
        }
    }
}

impl StorageArgs {
    fn options(&self) -> StorageOptions {
        StorageOptions {
            postgres: PgOptions {
                pool_size: self.pg_pool_size,
                timeout: self.pg_timeout.into(),
            },
            sqlite: SqliteOptions {
                synchronous: self.sqlite_synchronous.into(),
                wal_limit: self.sqlite_wal_limit_mib * 1024 * 1024,
                cache_mib: self.sqlite_cache_mib,
                max_write_wait: self.max_write_wait.into(),
                ..SqliteOptions::default()
            },
        }
    }
}

#[derive(Args, Debug)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "COLLABKIT_LISTEN", default_value_t = defaults().listen)]
    listen: SocketAddr,
    #[command(flatten)]
    db: DbArgs,
    #[command(flatten)]
    storage: StorageArgs,
    /// Largest accepted request body, in bytes.
    #[arg(long, env = "COLLABKIT_BODY_LIMIT", default_value_t = defaults().body_limit)]
    body_limit: usize,
    /// How long shutdown waits for in-flight work.
    #[arg(long, env = "COLLABKIT_SHUTDOWN_TIMEOUT", default_value_t = human(defaults().shutdown_timeout), value_parser = parse_duration)]
    shutdown_timeout: humantime::Duration,
    /// Key sealing webhook secrets and user tokens at rest: base64 of 32 bytes
    /// (`openssl rand -base64 32`). Required with PostgreSQL: every node of one database uses
    /// the same key. With SQLite, by default a key file created beside the database
    /// (`<database>.key`).
    #[arg(long, env = "COLLABKIT_SECRET_KEY", hide_env_values = true)]
    secret_key: Option<String>,
    /// Delays between delivery attempts; N delays mean 1 + N attempts.
    #[arg(
        long,
        env = "COLLABKIT_RETRY_SCHEDULE",
        default_value_t = defaults().delivery.retry_schedule
    )]
    retry_schedule: RetrySchedule,
    /// One attempt's limit, from connecting to the last byte.
    #[arg(long, env = "COLLABKIT_DELIVERY_TIMEOUT", default_value_t = human(defaults().delivery.timeout), value_parser = parse_duration)]
    delivery_timeout: humantime::Duration,
    /// Let webhooks reach loopback and private networks (development only).
    #[arg(long, env = "COLLABKIT_ALLOW_PRIVATE_DESTINATIONS")]
    allow_private_destinations: bool,
    /// Disable a registration whose deliveries failed without a success for this long.
    #[arg(long, env = "COLLABKIT_DISABLE_FAILING_AFTER", default_value_t = human(defaults().delivery.disable_after), value_parser = parse_duration)]
    disable_failing_after: humantime::Duration,
    /// Delete deliveries and their attempts older than this.
    #[arg(long, env = "COLLABKIT_DELIVERY_RETENTION", default_value_t = human(defaults().delivery.retention), value_parser = parse_duration)]
    delivery_retention: humantime::Duration,
    /// Delivery attempts in flight at once, in all.
    #[arg(long, env = "COLLABKIT_DELIVERY_CONCURRENCY", default_value_t = defaults().delivery.concurrency)]
    delivery_concurrency: usize,
    /// Delivery attempts in flight at once to one registration.
    #[arg(long, env = "COLLABKIT_WEBHOOK_CONCURRENCY", default_value_t = defaults().delivery.per_webhook_concurrency)]
    webhook_concurrency: u32,
    /// Webhook registrations one account may have; one more is refused with 409
    /// `too_many_webhooks`.
    #[arg(long, env = "COLLABKIT_MAX_WEBHOOKS_PER_ACCOUNT", default_value_t = defaults().delivery.max_webhooks_per_account, value_parser = clap::value_parser!(u64).range(1..))]
    max_webhooks_per_account: u64,
    /// How long a user whose last connection closed stays a participant (a reconnect within it
    /// makes no left/joined pair).
    #[arg(long, env = "COLLABKIT_LEAVE_GRACE", default_value_t = human(defaults().realtime.leave_grace), value_parser = parse_duration)]
    leave_grace: humantime::Duration,
    /// Interval of WebSocket pings; a socket silent for three intervals is closed.
    #[arg(long, env = "COLLABKIT_WS_HEARTBEAT", default_value_t = human(defaults().realtime.heartbeat), value_parser = parse_duration)]
    ws_heartbeat: humantime::Duration,
    /// Messages per second one connection may send (bursts of twice that).
    #[arg(long, env = "COLLABKIT_WS_RATE_LIMIT", default_value_t = defaults().realtime.rate_limit)]
    ws_rate_limit: u32,
    /// Largest WebSocket frame accepted, in bytes.
    #[arg(long, env = "COLLABKIT_WS_MAX_FRAME", default_value_t = defaults().realtime.max_frame)]
    ws_max_frame: usize,
    /// A request's line and headers must arrive within this, or the connection is closed.
    #[arg(long, env = "COLLABKIT_HEADER_READ_TIMEOUT", default_value_t = human(defaults().http.header_read_timeout), value_parser = parse_duration)]
    header_read_timeout: humantime::Duration,
    /// A connection with no traffic for this long is closed (at least twice --ws-heartbeat).
    #[arg(long, env = "COLLABKIT_IDLE_TIMEOUT", default_value_t = human(defaults().http.idle_timeout), value_parser = parse_duration)]
    idle_timeout: humantime::Duration,
    /// Open connections at most (WebSockets included); more are closed as they arrive.
    #[arg(long, env = "COLLABKIT_MAX_CONNECTIONS", default_value_t = defaults().http.max_connections as u64, value_parser = clap::value_parser!(u64).range(1..))]
    max_connections: u64,
    /// API requests handled at once at most; more are refused at once with 503 and
    /// `Retry-After` (operations endpoints never are).
    #[arg(long, env = "COLLABKIT_MAX_IN_FLIGHT", default_value_t = defaults().http.max_in_flight as u64, value_parser = clap::value_parser!(u64).range(1..))]
    max_in_flight: u64,
    /// API requests per second one account may make (bursts of twice that); past it, 429 with
    /// `Retry-After`. 0 for no limit.
    #[arg(long, env = "COLLABKIT_ACCOUNT_RATE_LIMIT", default_value_t = defaults().http.account_rate_limit)]
    account_rate_limit: u32,
    /// Event streams (`GET /events/stream`) one account may hold open on this node; one more
    /// is refused with 429 `too_many_streams`.
    #[arg(long, env = "COLLABKIT_MAX_STREAMS_PER_ACCOUNT", default_value_t = defaults().http.max_streams_per_account as u64, value_parser = clap::value_parser!(u64).range(1..))]
    max_streams_per_account: u64,
    /// Event streams of all accounts on this node, and never more than half of
    /// --max-connections (the rest stays free for the API and health checks); one more is
    /// refused with 503 `streams_full`.
    #[arg(long, env = "COLLABKIT_MAX_STREAMS", default_value_t = defaults().http.max_streams as u64, value_parser = clap::value_parser!(u64).range(1..))]
    max_streams: u64,
    /// Open WebSocket connections one user may have; one more is refused with 429.
    #[arg(long, env = "COLLABKIT_WS_MAX_PER_USER", default_value_t = defaults().realtime.max_per_user)]
    ws_max_per_user: usize,
    /// This node's name, shown in logs, `/readyz` and metrics with a mark of the run
    /// (`web-1.x7Gh2c`; default: a generated id). Sessions are owned by the run whose
    /// connections hold them.
    #[arg(long, env = "COLLABKIT_NODE_ID")]
    node_id: Option<String>,
    /// On a shared database (PostgreSQL): a node silent this long is gone, and the others end
    /// its connections' participation. Nodes record a heartbeat every sixth of it.
    #[arg(long, env = "COLLABKIT_NODE_TIMEOUT", default_value_t = human(defaults().node.timeout), value_parser = parse_duration)]
    node_timeout: humantime::Duration,
    /// Open WebSocket connections one account may have in all.
    #[arg(long, env = "COLLABKIT_WS_MAX_PER_ACCOUNT", default_value_t = defaults().realtime.max_per_account)]
    ws_max_per_account: usize,
    /// Bytes queued for one WebSocket connection and not yet written; a reader that lets more
    /// wait is closed (4008) and what it held is freed.
    #[arg(long, env = "COLLABKIT_WS_SEND_QUEUE_BYTES", default_value_t = defaults().realtime.send_queue_bytes as u64, value_parser = clap::value_parser!(u64).range(1..))]
    ws_send_queue_bytes: u64,
    /// Largest presence one user may set, in bytes of JSON; a larger update is refused with an
    /// `error` frame.
    #[arg(long, env = "COLLABKIT_PRESENCE_MAX_BYTES", default_value_t = defaults().realtime.presence_max_bytes as u64, value_parser = clap::value_parser!(u64).range(1..))]
    presence_max_bytes: u64,
    /// Participants one room may have at once (users, not tabs); one more is refused with 429.
    #[arg(long, env = "COLLABKIT_ROOM_MAX_PARTICIPANTS", default_value_t = defaults().realtime.room_max_participants as u64, value_parser = clap::value_parser!(u64).range(1..))]
    room_max_participants: u64,
    /// Log one line per API request at INFO (method, path, status, latency). Off by default:
    /// at 800 requests/s that is ~720 MB of log an hour; the lines are DEBUG then.
    #[arg(long, env = "COLLABKIT_ACCESS_LOG")]
    access_log: bool,
    /// On first start (an empty database), write the first account's id and API key to this
    /// file (created owner-only, 0600) instead of printing them, so the key reaches no log
    /// (journald, docker logs).
    #[arg(long, env = "COLLABKIT_INITIAL_CREDENTIALS_FILE")]
    initial_credentials_file: Option<std::path::PathBuf>,
}

pub async fn run(cli: Cli) -> anyhow::Result<()> {
    telemetry::init(cli.log_format, "info");
    match cli.command {
        Command::Serve(args) => serve(*args).await,
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
            let timeout = chrono::Duration::from_std(node_timeout.into())?;
            for node in store.nodes().await? {
                println!(
                    "{}",
                    serde_json::json!({
                        "node": node.id,
                        "heartbeat_at": crate::clock::format(&node.heartbeat_at),
                        "live": now - node.heartbeat_at <= timeout,
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

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = Config::new(args.db.database.clone());
    config.listen = args.listen;
    config.store = args.storage.options();
    config.body_limit = args.body_limit;
    config.shutdown_timeout = args.shutdown_timeout.into();
    config.secret_key = args.secret_key;
    config.access_log = args.access_log;
    config.delivery = DeliveryConfig {
        retry_schedule: args.retry_schedule,
        timeout: args.delivery_timeout.into(),
        allow_private_destinations: args.allow_private_destinations,
        disable_after: args.disable_failing_after.into(),
        retention: args.delivery_retention.into(),
        concurrency: args.delivery_concurrency.max(1),
        per_webhook_concurrency: args.webhook_concurrency.max(1),
        max_webhooks_per_account: args.max_webhooks_per_account,
        ..DeliveryConfig::default()
    };
    config.http = crate::api::serve::ConnectionLimits {
        header_read_timeout: args.header_read_timeout.into(),
        idle_timeout: args.idle_timeout.into(),
        max_connections: args.max_connections as usize,
        max_in_flight: args.max_in_flight as usize,
        account_rate_limit: args.account_rate_limit,
        max_streams_per_account: args.max_streams_per_account as usize,
        max_streams: args.max_streams as usize,
        ..crate::api::serve::ConnectionLimits::default()
    };
    config.realtime = RealtimeConfig {
        leave_grace: args.leave_grace.into(),
        heartbeat: args.ws_heartbeat.into(),
        rate_limit: args.ws_rate_limit.max(1),
        max_frame: args.ws_max_frame,
        max_per_user: args.ws_max_per_user,
        max_per_account: args.ws_max_per_account,
        send_queue_bytes: args.ws_send_queue_bytes as usize,
        presence_max_bytes: args.presence_max_bytes as usize,
        room_max_participants: args.room_max_participants as usize,
        ..RealtimeConfig::default()
    };

    let node_timeout: Duration = args.node_timeout.into();
    config.node = crate::nodes::NodeConfig {
        id: args.node_id,
        heartbeat: (node_timeout / 6).max(Duration::from_millis(100)),
        timeout: node_timeout,
    };

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
    println!(
        "CollabKit listening on {base} (database {})",
        config.database
    );
    println!("Dashboard: {base}/dashboard   API reference: {base}/docs");
    for warning in unusual_settings(&config) {
        tracing::warn!("{warning}");
    }
    tracing::info!(%addr, database = %config.database, node = app.node(), "listening");

    let shutdown = CancellationToken::new();
    tokio::spawn(signal_shutdown(shutdown.clone()));
    app.run(listener, shutdown).await?;
    tracing::info!("stopped");
    Ok(())
}

/// `--initial-credentials-file`: `{"account_id", "api_key"}` as one JSON line (as `accounts
/// create` prints it), written to a temporary file made owner-only and then renamed over the
/// path, so no reader ever sees a partial or world-readable file.
struct CredentialsFile {
    path: std::path::PathBuf,
    partial: std::path::PathBuf,
    file: std::fs::File,
}

impl CredentialsFile {
    fn create(path: &std::path::Path) -> anyhow::Result<CredentialsFile> {
        use std::os::unix::fs::OpenOptionsExt;
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        let partial = std::path::PathBuf::from(partial);
        // Left by a start that died between creating and renaming it.
        let _ = std::fs::remove_file(&partial);
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&partial)
            .map_err(|e| {
                anyhow::anyhow!(
                    "--initial-credentials-file: cannot create {}: {e}",
                    partial.display()
                )
            })?;
        Ok(CredentialsFile {
            path: path.to_owned(),
            partial,
            file,
        })
    }

    fn write(mut self, created: &accounts::NewAccount) -> anyhow::Result<()> {
        use std::io::Write;
        let line =
            serde_json::json!({"account_id": created.account.id, "api_key": created.api_key});
        let written = writeln!(self.file, "{line}")
            .and_then(|()| self.file.sync_all())
            .and_then(|()| std::fs::rename(&self.partial, &self.path));
        written.map_err(|e| {
            anyhow::anyhow!(
                "cannot write {}: {e}; the first account {} exists: give it a key with \
                 `collabkit accounts rotate-key --account {}`",
                self.path.display(),
                created.account.id,
                created.account.id
            )
        })
    }

    /// The database had accounts already: nothing to write, and an earlier file stays.
    fn discard(self) {
        let _ = std::fs::remove_file(&self.partial);
    }
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

async fn signal_shutdown(token: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutdown requested; draining");
    token.cancel();
}
