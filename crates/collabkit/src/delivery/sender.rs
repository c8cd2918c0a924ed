//! One HTTP attempt: POST the payload with its signature headers, read at most 1 KiB back.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Uri;
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls_platform_verifier::ConfigVerifierExt;

use super::guard::GuardedResolver;

/// The most of a response body kept in the attempt log.
pub const MAX_LOGGED_BODY: usize = 1024;

pub const USER_AGENT: &str = concat!("CollabKit-Webhooks/", env!("CARGO_PKG_VERSION"));

/// What came back from one attempt.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: Option<u16>,
    pub body: String,
    pub error: Option<String>,
    pub duration: Duration,
    /// The receiver's `Retry-After` (seconds or an HTTP date), as a delay from now.
    pub retry_after: Option<Duration>,
}

type Connector = hyper_rustls::HttpsConnector<HttpConnector<GuardedResolver>>;

/// A pooled keep-alive HTTP client that never follows redirects and only reaches allowed
/// addresses.
///
/// hyper's client rather than a higher-level one: an attempt is one POST with fixed headers,
/// and at tens of thousands of attempts a second the layers we would not use (URL parsing,
/// redirect and retry policies, default-header merging) were a visible share of the CPU.
#[derive(Clone)]
pub struct Sender {
    client: Client<Connector, Full<Bytes>>,
    timeout: Duration,
    allow_private: bool,
}

/// The part of an exchange that happened before the deadline or an error.
struct Exchange {
    status: u16,
    retry_after: Option<Duration>,
    body: Vec<u8>,
    error: Option<String>,
}

impl Sender {
    /// `concurrency` is the most attempts in flight at once: what one host may need at most.
    pub fn new(
        timeout: Duration,
        allow_private: bool,
        concurrency: usize,
    ) -> anyhow::Result<Sender> {
        // Built without a bundled crypto provider; use ring's. Installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let tls = rustls::ClientConfig::with_platform_verifier()?;
        let mut http = HttpConnector::new_with_resolver(GuardedResolver { allow_private });
        // https URLs reach it through the TLS connector wrapped around it.
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        // Idle connections per host: as many as the attempts in flight, so that with every
        // slot busy on one host each finds one kept for the next burst. No more: a request
        // that finds none idle starts a connection and takes whichever is ready first, a
        // returning one or the new one, and the pool kept the other too — without this cap a
        // concurrency of 512 held 1,644 connections to one receiver.
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(60))
            .pool_max_idle_per_host(concurrency.max(1))
            .build(https);
        Ok(Sender {
            client,
            timeout,
            allow_private,
        })
    }

    /// POSTs `body` to `url` with the Standard Webhooks headers, the event's number in its
    /// room when it has one, and the registration's custom `headers` (checked when they were
    /// set, see `collabkit_domain::rules::headers`; one named like a default, `User-Agent`,
    /// replaces it).
    #[allow(clippy::too_many_arguments)]
    pub async fn send(
        &self,
        url: &str,
        msg_id: &str,
        timestamp: i64,
        signature: &str,
        room_seq: Option<i64>,
        previous_room_seq: Option<i64>,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Response {
        let started = Instant::now();
        let failed = |error: String| Response {
            status: None,
            body: String::new(),
            error: Some(error),
            duration: started.elapsed(),
            retry_after: None,
        };
        let uri: Uri = match url.parse() {
            Ok(u) => u,
            Err(e) => return failed(format!("invalid URL: {e}")),
        };
        // IP-literal hosts never reach the resolver, so they are checked here.
        if !self.allow_private
            && let Some(ip) = literal_ip(&uri).filter(|ip| super::guard::is_forbidden(*ip))
        {
            return failed(format!(
                "destination refused: {ip} is a private or reserved address"
            ));
        }
        let mut request = http::Request::post(uri)
            .header(CONTENT_TYPE, "application/json")
            .header(http::header::USER_AGENT, USER_AGENT)
            .header("webhook-id", msg_id)
            .header("webhook-timestamp", timestamp)
            .header("webhook-signature", signature);
        if let Some(n) = room_seq {
            request = request.header(collabkit_webhooks::ROOM_SEQ_HEADER, n);
        }
        // Only deliveries of a registration ordered per room have one.
        if let Some(n) = previous_room_seq {
            request = request.header(collabkit_webhooks::ROOM_PREVIOUS_SEQ_HEADER, n);
        }
        let request = request.body(Full::new(body));
        let mut request = match request {
            Ok(r) => r,
            Err(e) => return failed(format!("could not build the request: {e}")),
        };
        for (name, value) in headers {
            match (
                http::HeaderName::try_from(name.as_str()),
                http::HeaderValue::try_from(value.as_str()),
            ) {
                (Ok(n), Ok(v)) => {
                    request.headers_mut().insert(n, v);
                }
                _ => return failed(format!("the custom header `{name}` is not a valid header")),
            }
        }
        // One deadline from connect to the last byte kept.
        let deadline = tokio::time::Instant::now() + self.timeout;
        match self.exchange(request, deadline).await {
            Ok(x) => Response {
                status: Some(x.status),
                body: loggable(&x.body),
                // A timeout while reading the body still fails a 2xx: the receiver did not
                // answer in time.
                error: x.error,
                duration: started.elapsed(),
                retry_after: x.retry_after,
            },
            Err(error) => failed(error),
        }
    }

    async fn exchange(
        &self,
        request: http::Request<Full<Bytes>>,
        deadline: tokio::time::Instant,
    ) -> Result<Exchange, String> {
        let response = match tokio::time::timeout_at(deadline, self.client.request(request)).await {
            Err(_) => return Err(self.timed_out()),
            Ok(Err(e)) => {
                let kind = if e.is_connect() {
                    "connection failed"
                } else {
                    "request failed"
                };
                return Err(format!("{kind}: {}", innermost(&e)));
            }
            Ok(Ok(r)) => r,
        };
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, std::time::SystemTime::now()));
        let status = response.status().as_u16();
        let mut body = response.into_body();
        let mut kept = Vec::new();
        let mut error = None;
        while kept.len() < MAX_LOGGED_BODY {
            match tokio::time::timeout_at(deadline, body.frame()).await {
                Err(_) => {
                    error = Some(self.timed_out());
                    break;
                }
                Ok(None) => break,
                Ok(Some(Ok(frame))) => {
                    if let Some(data) = frame.data_ref() {
                        kept.extend_from_slice(data);
                    }
                }
                Ok(Some(Err(e))) => {
                    error = Some(format!("request failed: {}", innermost(&e)));
                    break;
                }
            }
        }
        kept.truncate(MAX_LOGGED_BODY);
        Ok(Exchange {
            status,
            retry_after,
            body: kept,
            error,
        })
    }

    fn timed_out(&self) -> String {
        format!(
            "timed out after {}",
            humantime::format_duration(self.timeout)
        )
    }
}

/// The innermost cause says what happened (refused, reset, resolver refusal…).
fn innermost(e: &dyn std::error::Error) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The kept response as text for the attempt log: invalid UTF-8 and NUL characters (which
/// SQLite's JSON functions and many log readers cut text at) become U+FFFD.
fn loggable(body: &[u8]) -> String {
    String::from_utf8_lossy(body).replace('\0', "\u{FFFD}")
}

/// `Retry-After` in either of its forms: delay-seconds, or an HTTP date (a date in the past
/// asks for no delay).
fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

fn literal_ip(uri: &Uri) -> Option<IpAddr> {
    let host = uri.host()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener that answers every connection with `reply` and closes it.
    async fn answering(reply: &'static [u8]) -> std::net::SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = socket.read(&mut buf).await;
                let _ = socket.write_all(reply).await;
            }
        });
        addr
    }

    async fn send(sender: &Sender, url: &str) -> Response {
        sender
            .send(
                url,
                "msg_1",
                1,
                "v1,sig",
                None,
                None,
                &[],
                Bytes::from_static(b"{}"),
            )
            .await
    }

    #[tokio::test]
    async fn https_goes_through_tls() {
        // A plain-HTTP server on an https URL: the TLS handshake must fail, not the URL.
        let addr = answering(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
        let sender = Sender::new(Duration::from_secs(5), true, 8).unwrap();
        let r = send(&sender, &format!("https://{addr}/hook")).await;
        assert_eq!(r.status, None);
        let error = r.error.unwrap();
        // rustls read the plain-HTTP answer as a TLS record.
        assert!(
            error.starts_with("connection failed") && error.contains("corrupt message"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn keeps_at_most_1_kib_of_the_answer_and_its_retry_after() {
        const REPLY: &[u8] =
            b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 7\r\ncontent-length: 2000\r\n\r\n";
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 4096];
            let _ = socket.read(&mut buf).await;
            socket.write_all(REPLY).await.unwrap();
            socket.write_all(&[b'x'; 2000]).await.unwrap();
        });
        let sender = Sender::new(Duration::from_secs(5), true, 8).unwrap();
        let r = send(&sender, &format!("http://{addr}/hook")).await;
        assert_eq!(r.status, Some(503));
        assert_eq!(r.retry_after, Some(Duration::from_secs(7)));
        assert_eq!(r.body.len(), MAX_LOGGED_BODY);
        assert_eq!(r.error, None);
    }

    /// A keep-alive HTTP/1.1 receiver answering 200 to every POST, counting its open
    /// connections (now, and the most at once).
    async fn counting_receiver() -> (
        std::net::SocketAddr,
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (open, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (o, p) = (open.clone(), peak.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let now = o.fetch_add(1, Ordering::SeqCst) + 1;
                p.fetch_max(now, Ordering::SeqCst);
                let o = o.clone();
                tokio::spawn(async move {
                    let mut socket = BufReader::new(socket);
                    'requests: loop {
                        let mut length = 0;
                        loop {
                            let mut line = String::new();
                            match socket.read_line(&mut line).await {
                                Ok(0) | Err(_) => break 'requests,
                                Ok(_) => {}
                            }
                            if line == "\r\n" {
                                break;
                            }
                            if let Some(v) =
                                line.to_ascii_lowercase().strip_prefix("content-length:")
                            {
                                length = v.trim().parse().unwrap();
                            }
                        }
                        let mut body = vec![0; length];
                        if socket.read_exact(&mut body).await.is_err() {
                            break;
                        }
                        let reply = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
                        if socket.get_mut().write_all(reply).await.is_err() {
                            break;
                        }
                    }
                    o.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        (addr, open, peak)
    }

    /// At a concurrency of N, the pool keeps at most N connections to one host once a burst is
    /// over (it kept every connection it ever raced to open: 1,644 at 512), and never holds
    /// many more while the burst runs.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keeps_no_more_connections_to_a_host_than_the_concurrency_needs() {
        use futures_util::StreamExt;
        use std::sync::atomic::Ordering;
        const CONCURRENCY: usize = 16;
        let (addr, open, peak) = counting_receiver().await;
        let sender = Sender::new(Duration::from_secs(5), true, CONCURRENCY).unwrap();
        let url = format!("http://{addr}/hook");
        for _ in 0..5 {
            futures_util::stream::iter(0..1000)
                .for_each_concurrent(CONCURRENCY, |_| async {
                    assert_eq!(send(&sender, &url).await.status, Some(200));
                })
                .await;
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while open.load(Ordering::SeqCst) > CONCURRENCY {
            assert!(
                Instant::now() < deadline,
                "{} connections open after the bursts (concurrency {CONCURRENCY}, at most {} at once)",
                open.load(Ordering::SeqCst),
                peak.load(Ordering::SeqCst)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let peak = peak.load(Ordering::SeqCst);
        eprintln!(
            "connections at most at once: {peak}, after: {}",
            open.load(Ordering::SeqCst)
        );
        assert!(peak <= 2 * CONCURRENCY, "{peak} connections at once");
    }

    #[test]
    fn response_bodies_are_logged_as_text() {
        assert_eq!(loggable(b"ok"), "ok");
        assert_eq!(loggable(b"a\0b\xffc"), "a\u{FFFD}b\u{FFFD}c");
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = httpdate::parse_http_date("Fri, 27 Nov 2026 10:00:00 GMT").unwrap();
        let parse = |v| parse_retry_after(v, now);
        assert_eq!(parse("120"), Some(Duration::from_secs(120)));
        assert_eq!(parse(" 7 "), Some(Duration::from_secs(7)));
        assert_eq!(
            parse("Fri, 27 Nov 2026 10:02:30 GMT"),
            Some(Duration::from_secs(150))
        );
        assert_eq!(
            parse("Fri, 27 Nov 2026 09:00:00 GMT"),
            Some(Duration::ZERO),
            "a past date: no delay"
        );
        assert_eq!(parse("soon"), None);
        assert_eq!(parse("-5"), None);
    }

    #[tokio::test]
    async fn refuses_private_literals_without_connecting() {
        let sender = Sender::new(Duration::from_secs(5), false, 8).unwrap();
        for url in [
            "http://127.0.0.1:9/x",
            "http://[::1]:9/x",
            "http://10.0.0.1/x",
        ] {
            let error = send(&sender, url).await.error.unwrap();
            assert!(error.starts_with("destination refused"), "{url}: {error}");
        }
    }
}
