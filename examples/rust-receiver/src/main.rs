//! A minimal CollabKit webhook receiver: verifies each delivery's signature, ignores the ones
//! it has already seen (deliveries are at least once), answers at once and does the work after.
//!
//! ```sh
//! COLLABKIT_WEBHOOK_SECRET=whsec_… cargo run -p collabkit-example-rust-receiver
//! collabkit listen --forward-to http://127.0.0.1:3000/webhooks   # or register this URL
//! ```

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use collabkit_webhooks::{WebhookPayload, verify_webhook};

#[derive(Clone)]
struct Receiver {
    secret: Arc<String>,
    /// Event ids already handled (a real app keeps them in its database).
    seen: Arc<Mutex<HashSet<String>>>,
}

async fn webhooks(State(rx): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let payload = match verify_webhook(&rx.secret, &headers, &body, Duration::from_secs(300)) {
        Ok(payload) => payload,
        Err(e) => {
            eprintln!("refused: {e}");
            return StatusCode::BAD_REQUEST;
        }
    };
    let id = headers["webhook-id"]
        .to_str()
        .unwrap_or_default()
        .to_owned();
    if !rx.seen.lock().unwrap().insert(id) {
        return StatusCode::NO_CONTENT; // a redelivery: already handled
    }
    // Answer now; slow work goes to a task.
    tokio::spawn(async move {
        match payload {
            // The room as of the event: the closed session is in its duration.
            WebhookPayload::SessionClosed { room, users, .. } => println!(
                "session in {} closed; {} took part, {} s in session so far",
                room.name,
                users.len(),
                room.duration_seconds
            ),
            WebhookPayload::ParticipantJoined { room, user, .. } => println!(
                "{} joined {} ({} participating)",
                user.name, room.name, room.active_participants
            ),
            WebhookPayload::UserCreated { user, .. } => println!("{} was created", user.name),
            other => println!("{other:?}"),
        }
    });
    StatusCode::NO_CONTENT
}

fn app(secret: String) -> Router {
    Router::new()
        .route("/webhooks", post(webhooks))
        .with_state(Receiver {
            secret: Arc::new(secret),
            seen: Arc::default(),
        })
}

#[tokio::main]
async fn main() {
    let secret = std::env::var("COLLABKIT_WEBHOOK_SECRET").expect("set COLLABKIT_WEBHOOK_SECRET");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:3000")
        .await
        .unwrap();
    println!("receiving webhooks on http://127.0.0.1:3000/webhooks");
    axum::serve(listener, app(secret)).await.unwrap();
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use collabkit_webhooks::Signer;
    use tower::ServiceExt;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const BODY: &str = r#"{"id":"evt_1","event":"session.started","timestamp":"2026-11-30T00:00:00.000000Z","room":{"id":"room_1","account_id":"acct_1","name":"R","custom_id":"r","created_at":"2026-11-30T00:00:00.000000Z","state":"active","duration_seconds":0,"active_participants":1,"total_users_created":1}}"#;

    fn delivery(signature: &str) -> Request<Body> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        Request::post("/webhooks")
            .header("webhook-id", "evt_1")
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", signature)
            .body(Body::from(BODY))
            .unwrap()
    }

    #[tokio::test]
    async fn verifies_and_answers_at_once() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let good = Signer::new(SECRET)
            .unwrap()
            .sign("evt_1", now, BODY.as_bytes());
        let app = app(SECRET.into());
        let answer = app.clone().oneshot(delivery(&good)).await.unwrap();
        assert_eq!(answer.status(), StatusCode::NO_CONTENT);
        let again = app.clone().oneshot(delivery(&good)).await.unwrap();
        assert_eq!(
            again.status(),
            StatusCode::NO_CONTENT,
            "a redelivery is fine too"
        );
        let forged = app.oneshot(delivery("v1,AAAA")).await.unwrap();
        assert_eq!(forged.status(), StatusCode::BAD_REQUEST);
    }
}
