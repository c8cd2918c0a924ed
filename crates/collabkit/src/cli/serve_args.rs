//! `collabkit serve`'s flags, and the configuration they give.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

use super::flags::{
    DbArgs, StorageArgs, at_least_one, defaults, human, parse_duration, parse_secret,
};
use crate::config::Config;
use crate::delivery::{DeliveryConfig, RetrySchedule};
use crate::realtime::RealtimeConfig;

#[derive(Args, Debug)]
pub(super) struct ServeArgs {
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
    #[arg(long, env = "COLLABKIT_SECRET_KEY", hide_env_values = true, value_parser = parse_secret)]
    secret_key: Option<secrecy::SecretString>,
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
    #[arg(long, env = "COLLABKIT_DELIVERY_CONCURRENCY", default_value_t = defaults().delivery.concurrency, value_parser = at_least_one::<usize>)]
    delivery_concurrency: usize,
    /// Delivery attempts in flight at once to one registration.
    #[arg(long, env = "COLLABKIT_WEBHOOK_CONCURRENCY", default_value_t = defaults().delivery.per_webhook_concurrency, value_parser = at_least_one::<u32>)]
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
    #[arg(long, env = "COLLABKIT_WS_RATE_LIMIT", default_value_t = defaults().realtime.rate_limit, value_parser = at_least_one::<u32>)]
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
    pub(super) initial_credentials_file: Option<std::path::PathBuf>,
}

impl ServeArgs {
    /// The typed configuration these flags give.
    pub(super) fn config(&self) -> Config {
        let mut config = Config::new(self.db.database.clone());
        config.listen = self.listen;
        config.store = self.storage.options();
        config.body_limit = self.body_limit;
        config.shutdown_timeout = self.shutdown_timeout.into();
        config.secret_key = self.secret_key.clone();
        config.access_log = self.access_log;
        config.delivery = DeliveryConfig {
            retry_schedule: self.retry_schedule.clone(),
            timeout: self.delivery_timeout.into(),
            allow_private_destinations: self.allow_private_destinations,
            disable_after: self.disable_failing_after.into(),
            retention: self.delivery_retention.into(),
            concurrency: self.delivery_concurrency,
            per_webhook_concurrency: self.webhook_concurrency,
            max_webhooks_per_account: self.max_webhooks_per_account,
            ..DeliveryConfig::default()
        };
        config.http = crate::api::serve::ConnectionLimits {
            header_read_timeout: self.header_read_timeout.into(),
            idle_timeout: self.idle_timeout.into(),
            max_connections: self.max_connections as usize,
            max_in_flight: self.max_in_flight as usize,
            account_rate_limit: self.account_rate_limit,
            max_streams_per_account: self.max_streams_per_account as usize,
            max_streams: self.max_streams as usize,
            ..crate::api::serve::ConnectionLimits::default()
        };
        config.realtime = RealtimeConfig {
            leave_grace: self.leave_grace.into(),
            heartbeat: self.ws_heartbeat.into(),
            rate_limit: self.ws_rate_limit,
            max_frame: self.ws_max_frame,
            max_per_user: self.ws_max_per_user,
            max_per_account: self.ws_max_per_account,
            send_queue_bytes: self.ws_send_queue_bytes as usize,
            presence_max_bytes: self.presence_max_bytes as usize,
            room_max_participants: self.room_max_participants as usize,
            ..RealtimeConfig::default()
        };

        let node_timeout: Duration = self.node_timeout.into();
        config.node = crate::nodes::NodeConfig {
            id: self.node_id.clone(),
            heartbeat: (node_timeout / 6).max(Duration::from_millis(100)),
            timeout: node_timeout,
        };
        config
    }
}
