//! `collabkit listen`: a tiny webhook receiver for trying things out. It prints every delivery
//! and whether its signature verifies, and answers 200.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use clap::Args;

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9000")]
    listen: SocketAddr,
    /// The registration's signing secret (`whsec_…`), to verify signatures.
    #[arg(long, env = "COLLABKIT_WEBHOOK_SECRET", hide_env_values = true)]
    secret: Option<String>,
}

pub async fn run(args: ListenArgs) -> anyhow::Result<()> {
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
    let verdict = match (secret.as_deref(), timestamp.parse::<i64>()) {
        (None, _) => "not checked (pass --secret)".to_owned(),
        (Some(_), Err(_)) => "INVALID (no webhook-timestamp)".to_owned(),
        (Some(secret), Ok(ts)) => {
            let now = chrono::Utc::now().timestamp();
            match collabkit_webhooks::verify(secret, &id, ts, &body, &signature, Some((now, 300))) {
                Ok(()) => "valid".to_owned(),
                Err(e) => format!("INVALID ({e})"),
            }
        }
    };
    let pretty = serde_json::from_slice::<serde_json::Value>(&body)
        .and_then(|v| serde_json::to_string_pretty(&v))
        .unwrap_or_else(|_| String::from_utf8_lossy(&body).into_owned());
    println!("── delivery {id}  signature: {verdict}\n{pretty}\n");
    StatusCode::OK
}
