//! How this node connects to PostgreSQL, with every wait bounded (see "The database going
//! away" in the README): one timeout, `--pg-timeout`, and the bounds derived from it.
//!
//! - the TCP connection: `connect_timeout`; keepalives and `TCP_USER_TIMEOUT`, so the kernel
//!   drops a connection whose peer is gone (idle or mid-request) instead of waiting ~15 minutes;
//! - the server: `statement_timeout` and `idle_in_transaction_session_timeout` on our sessions,
//!   so no statement of ours runs, and no lock of a vanished node is held, for longer; and
//!   `client_min_messages=warning`, so the NOTICEs of idempotent DDL (`CREATE … IF NOT EXISTS`)
//!   are not printed by the CLI;
//! - the socket: the [`watchdog`](crate::watchdog), for the proxies the kernel cannot see past.
//!
//! Connections are made here rather than by `tokio_postgres::Config::connect` only so that the
//! socket can be wrapped: the host, port and address rules follow the driver's.

use std::future::Future;
use std::io;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use deadpool_postgres::Connect;
use futures_util::future::BoxFuture;
use rand::seq::SliceRandom;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;
use tokio::task::JoinHandle;
use tokio_postgres::config::{Host, LoadBalanceHosts, TargetSessionAttrs};
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::{Client, Config, Connection, NoTls};

use crate::watchdog::Watched;

/// The bounds of one node's connections, all from one timeout.
#[derive(Debug, Clone, Copy)]
pub struct Bounds {
    /// What a caller waits at most: for a free connection, a new one, or a whole verb; also the
    /// server's `statement_timeout`.
    pub timeout: Duration,
}

impl Bounds {
    /// How long written bytes may go unanswered before the connection is closed (the watchdog,
    /// the kernel's `TCP_USER_TIMEOUT`), and how long a transaction of ours may sit idle on the
    /// server: longer than a statement may run, so a slow statement is cancelled by the server
    /// first and its connection kept.
    pub fn patience(&self) -> Duration {
        self.timeout * 2
    }

    /// The settings every connection of ours carries: `config` is the user's URL, kept as given
    /// except where it leaves these unset (its own `options` are kept, ours come after).
    pub fn session(&self, config: &Config) -> Config {
        let mut config = config.clone();
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(self.timeout);
        }
        if config.get_tcp_user_timeout().is_none() {
            config.tcp_user_timeout(self.patience());
        }
        // Whole seconds: the kernel's keepalive settings have no finer unit.
        let secs = |d: Duration| Duration::from_secs(d.as_secs().max(1));
        config
            .keepalives(true)
            .keepalives_idle(secs(self.timeout))
            .keepalives_interval(secs(self.timeout / 2))
            .keepalives_retries(3);
        if config.get_application_name().is_none() {
            config.application_name("collabkit");
        }
        let quiet = "-c client_min_messages=warning";
        config.options(match config.get_options() {
            Some(theirs) => format!("{theirs} {quiet}"),
            None => quiet.to_owned(),
        });
        config
    }

    /// [`session`](Self::session), and the server-side limits of a serving connection (not of
    /// the migrations', which may rewrite a large table).
    pub fn serving(&self, config: &Config) -> Config {
        let mut config = self.session(config);
        let limits = format!(
            "-c statement_timeout={} -c idle_in_transaction_session_timeout={}",
            self.timeout.as_millis(),
            self.patience().as_millis()
        );
        let options = format!("{} {limits}", config.get_options().unwrap_or_default());
        config.options(options.trim());
        config
    }
}

pub type WatchedConnection = Connection<Watched<Socket>, NoTlsStream>;

/// Connects as `tokio_postgres::Config::connect` does (each host and address in turn), with the
/// socket under a watchdog of `patience`.
pub async fn connect(
    config: &Config,
    patience: Duration,
) -> Result<(Client, WatchedConnection), tokio_postgres::Error> {
    let hosts = config.get_hosts();
    let addrs = config.get_hostaddrs();
    let count = hosts.len().max(addrs.len());
    if count == 0 {
        return Err(driver_error(io::Error::other("the URL names no host")).await);
    }
    let mut order: Vec<usize> = (0..count).collect();
    if config.get_load_balance_hosts() == LoadBalanceHosts::Random {
        order.shuffle(&mut rand::rng());
    }
    let mut last = None;
    for i in order {
        let ports = config.get_ports();
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let host = match (addrs.get(i), hosts.get(i)) {
            (Some(ip), _) => Host::Tcp(ip.to_string()),
            (None, Some(host)) => host.clone(),
            (None, None) => continue,
        };
        match connect_host(config, &host, port, patience).await {
            Ok(connected) => return Ok(connected),
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) => Err(e),
        None => Err(driver_error(io::Error::other("no host could be reached")).await),
    }
}

async fn connect_host(
    config: &Config,
    host: &Host,
    port: u16,
    patience: Duration,
) -> Result<(Client, WatchedConnection), tokio_postgres::Error> {
    let targets: Vec<Target> = match host {
        Host::Tcp(name) => match tokio::net::lookup_host((name.as_str(), port)).await {
            Ok(addrs) => addrs.map(Target::Tcp).collect(),
            Err(e) => return Err(driver_error(e).await),
        },
        #[cfg(unix)]
        Host::Unix(dir) => vec![Target::Unix(dir.join(format!(".s.PGSQL.{port}")))],
    };
    let mut last = None;
    for target in targets {
        let socket = match target.open(config).await {
            Ok(socket) => socket,
            Err(e) => {
                last = Some(driver_error(e).await);
                continue;
            }
        };
        let connected = match config
            .connect_raw(Watched::new(socket, patience), NoTls)
            .await
        {
            Ok((client, connection)) => check_session_attrs(config, client, connection).await,
            Err(e) => Err(e),
        };
        match connected {
            Ok(connected) => return Ok(connected),
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) => Err(e),
        None => Err(driver_error(io::Error::other("the host name resolves to no address")).await),
    }
}

/// `target_session_attrs=read-write` (or `read-only`): a server of the wrong kind is skipped,
/// as the driver does, so a URL listing a primary and its standbys reaches the primary.
async fn check_session_attrs(
    config: &Config,
    client: Client,
    connection: WatchedConnection,
) -> Result<(Client, WatchedConnection), tokio_postgres::Error> {
    let wanted = config.get_target_session_attrs();
    if wanted == TargetSessionAttrs::Any {
        return Ok((client, connection));
    }
    let mut connection = connection;
    let read_only = {
        let ask = client.query_one("SHOW transaction_read_only", &[]);
        tokio::pin!(ask);
        // The connection must be driven while the question is asked.
        std::future::poll_fn(|cx| {
            if let Poll::Ready(ended) = Pin::new(&mut connection).poll(cx) {
                return Poll::Ready(ended.map(|()| None));
            }
            ask.as_mut().poll(cx).map_ok(Some)
        })
        .await?
    };
    let wrong = match (wanted, read_only.map(|row| row.get::<_, String>(0) == "on")) {
        (_, None) => "the server closed the connection while it was checked",
        (TargetSessionAttrs::ReadWrite, Some(true)) => "the server does not allow writes",
        (TargetSessionAttrs::ReadOnly, Some(false)) => "the server is not read only",
        _ => return Ok((client, connection)),
    };
    Err(driver_error(io::Error::other(wrong)).await)
}

/// `tokio_postgres::Error` has no public constructor, and the pool wants one: a failure of
/// ours (a socket refused or timed out) becomes one by handing the driver a stream that fails
/// with it. The error keeps ours as its source, so logs still say what happened.
async fn driver_error(cause: io::Error) -> tokio_postgres::Error {
    let failing = Failing(Some(cause));
    match Config::new()
        .user("collabkit")
        .connect_raw(failing, NoTls)
        .await
    {
        Err(e) => e,
        Ok(_) => unreachable!("a stream that fails every call cannot connect"),
    }
}

/// A stream whose first call fails with the given error, and every later one too.
struct Failing(Option<io::Error>);

impl Failing {
    fn fail<T>(&mut self) -> Poll<io::Result<T>> {
        Poll::Ready(Err(self
            .0
            .take()
            .unwrap_or_else(|| io::Error::from(io::ErrorKind::NotConnected))))
    }
}

impl AsyncRead for Failing {
    fn poll_read(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        _: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        self.get_mut().fail()
    }
}

impl AsyncWrite for Failing {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, _: &[u8]) -> Poll<io::Result<usize>> {
        self.get_mut().fail()
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().fail()
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.get_mut().fail()
    }
}

enum Target {
    Tcp(std::net::SocketAddr),
    #[cfg(unix)]
    Unix(std::path::PathBuf),
}

impl Target {
    async fn open(&self, config: &Config) -> io::Result<Socket> {
        let within = |d: Option<&Duration>| d.copied().unwrap_or(Duration::MAX);
        let timed_out = || io::Error::new(io::ErrorKind::TimedOut, "connecting timed out");
        let limit = within(config.get_connect_timeout());
        let socket = match self {
            Target::Tcp(addr) => {
                let stream = tokio::time::timeout(limit, TcpStream::connect(addr))
                    .await
                    .map_err(|_| timed_out())??;
                tune(&stream, config)?;
                Socket::Tcp(stream)
            }
            #[cfg(unix)]
            Target::Unix(path) => Socket::Unix(
                tokio::time::timeout(limit, UnixStream::connect(Path::new(path)))
                    .await
                    .map_err(|_| timed_out())??,
            ),
        };
        Ok(socket)
    }
}

/// The URL's TCP settings on our socket, as the driver applies them to its own.
fn tune(stream: &TcpStream, config: &Config) -> io::Result<()> {
    stream.set_nodelay(true)?;
    let socket = socket2::SockRef::from(stream);
    #[cfg(target_os = "linux")]
    if let Some(timeout) = config.get_tcp_user_timeout() {
        socket.set_tcp_user_timeout(Some(*timeout))?;
    }
    if config.get_keepalives() {
        let mut keepalive = socket2::TcpKeepalive::new().with_time(config.get_keepalives_idle());
        if let Some(interval) = config.get_keepalives_interval() {
            keepalive = keepalive.with_interval(interval);
        }
        if let Some(retries) = config.get_keepalives_retries() {
            keepalive = keepalive.with_retries(retries);
        }
        socket.set_tcp_keepalive(&keepalive)?;
    }
    Ok(())
}

/// A TCP or Unix-domain socket to the server.
pub enum Socket {
    Tcp(TcpStream),
    #[cfg(unix)]
    Unix(UnixStream),
}

impl AsyncRead for Socket {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Socket {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_flush(cx),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Socket::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            #[cfg(unix)]
            Socket::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// The pool's way of making connections: [`connect`], each driven by a task of its own that
/// says why it ended.
pub struct WatchedConnect {
    pub patience: Duration,
}

impl Connect for WatchedConnect {
    fn connect(
        &self,
        config: &Config,
    ) -> BoxFuture<'_, Result<(Client, JoinHandle<()>), tokio_postgres::Error>> {
        let config = config.clone();
        Box::pin(async move {
            let (client, connection) = connect(&config, self.patience).await?;
            let task = tokio::spawn(async move {
                if let Err(e) = connection.await {
                    // The driver's own words are only "error communicating with the server".
                    let cause = std::error::Error::source(&e).map(ToString::to_string);
                    tracing::warn!(
                        error = %e,
                        cause = cause.as_deref().unwrap_or(""),
                        "a PostgreSQL connection failed; the pool replaces it"
                    );
                }
            });
            Ok((client, task))
        })
    }
}
