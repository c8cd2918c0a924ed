//! `collabkit listen`: webhooks on a developer's machine.
//!
//! With `--forward-to http://localhost:3000/webhooks` it works like `stripe listen`: it opens an
//! outbound connection to a CollabKit server (so the server need not reach this machine),
//! follows the account's events as they are stored (`GET /events/stream`), prints a line per
//! event and POSTs each to the local URL, signed with this machine's listen secret (printed at
//! start, the same on every run). After a dropped connection it resumes right after the last
//! event it handled: nothing is lost or repeated.
//!
//! Without it, a tiny receiver for trying things out: it prints every delivery and whether its
//! signature verifies, and answers 200.

mod forward;

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use clap::Args;

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Address to listen on (without --forward-to).
    #[arg(
        long,
        env = "COLLABKIT_LISTEN_ADDRESS",
        default_value = "127.0.0.1:9000"
    )]
    pub(crate) listen: SocketAddr,
    /// The registration's signing secret (`whsec_…`), to verify signatures.
    #[arg(long, env = "COLLABKIT_WEBHOOK_SECRET", hide_env_values = true)]
    pub(crate) secret: Option<String>,
    /// Forward the account's events to this local URL instead of receiving deliveries.
    #[arg(long, env = "COLLABKIT_FORWARD_TO", value_parser = forward_url, requires_all = ["account", "api_key"])]
    pub(crate) forward_to: Option<String>,
    /// The CollabKit server to follow (with --forward-to): its URL, or host:port.
    #[arg(long, env = "COLLABKIT_URL", default_value = "http://127.0.0.1:8080", value_parser = crate::client::server_url)]
    pub(crate) server: String,
    /// The account whose events are followed (with --forward-to).
    #[arg(long, env = "COLLABKIT_ACCOUNT_ID")]
    pub(crate) account: Option<String>,
    /// The account's API key (with --forward-to).
    #[arg(long, env = "COLLABKIT_API_KEY", hide_env_values = true)]
    pub(crate) api_key: Option<String>,
    /// Only these events (comma-separated names), with --forward-to.
    #[arg(long, env = "COLLABKIT_LISTEN_EVENTS", value_delimiter = ',', value_parser = event_name)]
    pub(crate) events: Vec<String>,
    /// Only events of this room (its id, `room_…`), with --forward-to.
    #[arg(long, env = "COLLABKIT_LISTEN_ROOM", value_parser = room_id)]
    pub(crate) room: Option<String>,
    /// Where this machine's listen secret is kept (created on first use).
    #[arg(long, env = "COLLABKIT_LISTEN_SECRET_FILE")]
    pub(crate) secret_file: Option<std::path::PathBuf>,
}

/// What `listen` sends as its `user-agent`, on the event stream and on each forwarded event.
pub const USER_AGENT: &str = concat!("CollabKit-Listen/", env!("CARGO_PKG_VERSION"));

/// `--forward-to`: an absolute http or https URL (`localhost:3000/hooks` would parse as the
/// scheme `localhost`, and fail on every event instead of at start).
fn forward_url(s: &str) -> Result<String, String> {
    let hint = "expected an http or https URL such as http://localhost:3000/webhooks";
    if !s.contains("://") {
        return Err(hint.to_owned());
    }
    let url = url::Url::parse(s).map_err(|e| format!("{e}; {hint}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(hint.to_owned());
    }
    if url.port() == Some(0) {
        return Err(format!("port 0 cannot be reached; {hint}"));
    }
    Ok(url.to_string())
}

/// `--events`: each one of the seven names.
fn event_name(s: &str) -> Result<String, String> {
    collabkit_webhooks::WebhookEventName::parse(s)
        .map(|e| e.as_str().to_owned())
        .ok_or_else(|| {
            let names = collabkit_webhooks::WebhookEventName::ALL.map(|e| e.as_str());
            format!("not an event name; use: {}", names.join(", "))
        })
}

/// `--room`: a room id as the API lists it (`room_` and letters and digits). Anything else
/// (a customId, a name, a pasted query string) would match no event and forward nothing.
fn room_id(s: &str) -> Result<String, String> {
    let is_id = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if is_id {
        Ok(s.to_owned())
    } else {
        Err("expected a room id such as room_0VcA01fZ0003KHaEwL4O0VTi (the `id` GET /rooms lists, not its customId)".to_owned())
    }
}

/// `--secret`: `whsec_` and the base64 of a key of 24 bytes or more (ours are 32, Svix's 24).
/// Checked after parsing so that a mistyped secret is not echoed in the error.
fn check_secret(secret: &str) -> Result<(), crate::client::UsageError> {
    use base64::Engine;
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok());
    match key {
        Some(key) if key.len() >= 24 => Ok(()),
        _ => Err(crate::client::UsageError(
            "--secret is not a signing secret: expected whsec_ followed by base64, as POST /webhooks returned it in `secret`".to_owned(),
        )),
    }
}

pub async fn run(args: ListenArgs) -> anyhow::Result<()> {
    if args.forward_to.is_some() {
        return forward::run(args).await;
    }
    if let Some(secret) = &args.secret {
        // A secret that cannot verify anything is refused now, not on every delivery.
        check_secret(secret)?;
    }
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!(
        "listening for webhooks on http://{}/ (ctrl-c to stop)",
        listener.local_addr()?
    );
    let router = axum::Router::new()
        .fallback(receive)
        .with_state(std::sync::Arc::new(args.secret));
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

async fn receive(
    State(secret): State<std::sync::Arc<Option<String>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    // What a receiver must do: a delivery that does not verify is refused (4xx).
    let (verdict, status) = match (secret.as_deref(), timestamp.parse::<i64>()) {
        (None, _) => ("not checked (pass --secret)".to_owned(), StatusCode::OK),
        (Some(_), Err(_)) => (
            "INVALID (no webhook-timestamp)".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (Some(secret), Ok(ts)) => {
            let now = chrono::Utc::now().timestamp();
            match collabkit_webhooks::verify(secret, &id, ts, &body, &signature, Some((now, 300))) {
                Ok(()) => ("valid".to_owned(), StatusCode::OK),
                Err(e) => (
                    format!("INVALID ({e}); answered 400"),
                    StatusCode::BAD_REQUEST,
                ),
            }
        }
    };
    let pretty = serde_json::from_slice::<serde_json::Value>(&body)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
    println!("── delivery {id}  signature: {verdict}\n{pretty}\n");
    status
}
