//! One HTTP attempt: POST the payload with its signature headers, read at most 1 KiB back.

use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderValue, RETRY_AFTER};

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
    /// The receiver's `Retry-After`, in seconds form.
    pub retry_after: Option<Duration>,
}

/// A pooled keep-alive HTTP client that never follows redirects and only reaches allowed
/// addresses.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    timeout: Duration,
    allow_private: bool,
}

impl Sender {
    pub fn new(timeout: Duration, allow_private: bool) -> anyhow::Result<Sender> {
        // reqwest is built without a bundled crypto provider; use ring's. Installing twice is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            // No cap on idle connections: with every slot busy on one host, a cap would close
            // connections after each burst and open new ones for the next.
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .no_proxy()
            .user_agent(USER_AGENT)
            .dns_resolver(super::guard::resolver(allow_private))
            .build()?;
        Ok(Sender {
            client,
            timeout,
            allow_private,
        })
    }

    /// POSTs `body` to `url` with the Standard Webhooks headers.
    pub async fn send(
        &self,
        url: &str,
        msg_id: &str,
        timestamp: i64,
        signature: &str,
        body: bytes::Bytes,
    ) -> Response {
        let started = Instant::now();
        let failed = |error: String| Response {
            status: None,
            body: String::new(),
            error: Some(error),
            duration: started.elapsed(),
            retry_after: None,
        };
        let parsed = match url::Url::parse(url) {
            Ok(u) => u,
            Err(e) => return failed(format!("invalid URL: {e}")),
        };
        // IP-literal hosts never reach the resolver, so they are checked here.
        if !self.allow_private {
            let literal = match parsed.host() {
                Some(url::Host::Ipv4(ip)) => Some(std::net::IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(std::net::IpAddr::V6(ip)),
                _ => None,
            };
            if let Some(ip) = literal.filter(|ip| super::guard::is_forbidden(*ip)) {
                return failed(format!(
                    "destination refused: {ip} is a private or reserved address"
                ));
            }
        }
        let mut headers = HeaderMap::with_capacity(4);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let header = |v: &str| HeaderValue::from_str(v).map_err(|e| e.to_string());
        match (
            header(msg_id),
            header(&timestamp.to_string()),
            header(signature),
        ) {
            (Ok(id), Ok(ts), Ok(sig)) => {
                headers.insert("webhook-id", id);
                headers.insert("webhook-timestamp", ts);
                headers.insert("webhook-signature", sig);
            }
            _ => return failed("could not build the signature headers".into()),
        }
        let result = self
            .client
            .post(parsed)
            .headers(headers)
            .body(body)
            .send()
            .await;
        let mut resp = match result {
            Ok(r) => r,
            Err(e) => return failed(self.describe(&e)),
        };
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let mut kept = Vec::new();
        let mut error = None;
        while kept.len() < MAX_LOGGED_BODY {
            match resp.chunk().await {
                Ok(Some(chunk)) => kept.extend_from_slice(&chunk),
                Ok(None) => break,
                Err(e) => {
                    error = Some(self.describe(&e));
                    break;
                }
            }
        }
        kept.truncate(MAX_LOGGED_BODY);
        Response {
            status: Some(status),
            body: String::from_utf8_lossy(&kept).into_owned(),
            // A timeout while reading the body still fails a 2xx: the receiver did not answer in time.
            error,
            duration: started.elapsed(),
            retry_after,
        }
    }

    fn describe(&self, e: &reqwest::Error) -> String {
        if e.is_timeout() {
            return format!(
                "timed out after {}",
                humantime::format_duration(self.timeout)
            );
        }
        // The innermost cause says what happened (refused, reset, resolver refusal…).
        let mut cause: &dyn std::error::Error = e;
        let mut text = e.to_string();
        while let Some(next) = cause.source() {
            cause = next;
            text = next.to_string();
        }
        if e.is_connect() {
            format!("connection failed: {text}")
        } else {
            format!("request failed: {text}")
        }
    }
}
