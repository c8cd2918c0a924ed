//! `collabkit trigger <event>`: causes a real event of the given kind on a server, in a scratch
//! room (customId `collabkit-trigger`), through the public API and the realtime protocol — so a
//! webhook handler can be exercised without writing a client.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use collabkit_webhooks::WebhookEventName;
use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::client::{AccountClient, ApiFailure};

#[derive(Args, Debug)]
pub struct TriggerArgs {
    /// The event to cause: participant.joined, participant.left, session.started,
    /// session.closed, user.created, user.updated or user.deleted.
    event: String,
    /// The CollabKit server: its URL, or host:port.
    #[arg(long, env = "COLLABKIT_URL", default_value = "http://127.0.0.1:8080", value_parser = crate::client::server_url)]
    server: String,
    /// The account to cause it in.
    #[arg(long, env = "COLLABKIT_ACCOUNT_ID")]
    account: String,
    /// The account's API key.
    #[arg(long, env = "COLLABKIT_API_KEY", hide_env_values = true)]
    api_key: String,
}

/// The scratch room's `customId`.
const ROOM: &str = "collabkit-trigger";

/// What `trigger` sends as its `user-agent`.
const USER_AGENT: &str = concat!("CollabKit-Trigger/", env!("CARGO_PKG_VERSION"));

/// How long `session.started` waits for the scratch room's last session to close.
const SESSION_WAIT: Duration = Duration::from_secs(60);

/// The account's API and the scratch room's helpers.
struct Api {
    client: AccountClient,
}

impl Api {
    /// The scratch room, created on first use (found by its customId: a 404 `NOT_FOUND` means
    /// there is none yet; any other failure is reported, not papered over with a new room).
    async fn room(&self) -> anyhow::Result<String> {
        let found = self
            .client
            .call(reqwest::Method::GET, &format!("/rooms/custom/{ROOM}"), None)
            .await;
        let room = match found {
            Ok(data) => data["room"].clone(),
            Err(e)
                if !e
                    .downcast_ref::<ApiFailure>()
                    .is_some_and(ApiFailure::is_not_found) =>
            {
                return Err(e);
            }
            Err(_) => self
                .client
                .call(
                    reqwest::Method::POST,
                    "/rooms",
                    Some(json!({"name": "CollabKit trigger", "customId": ROOM})),
                )
                .await?["room"]
                .clone(),
        };
        room["id"]
            .as_str()
            .map(str::to_owned)
            .context("the server did not return the scratch room")
    }

    /// Whether the room has a live session now (as the store has it, whichever node holds it).
    /// The room's own `active_participants` would not do: a participant within the leave grace
    /// has left the counter's view but not the session.
    async fn is_live(&self, room_id: &str) -> anyhow::Result<bool> {
        const PAGE: &str = "/rooms?live=true&limit=100";
        let mut path = PAGE.to_owned();
        let mut offset = 0;
        loop {
            let page = self.client.call(reqwest::Method::GET, &path, None).await?;
            let rooms = page["rooms"].as_array().context("no rooms in the answer")?;
            if rooms.iter().any(|r| r["id"] == room_id) {
                return Ok(true);
            }
            // The next page by cursor where the list has one, else by offset.
            offset += rooms.len() as u64;
            if let Some(cursor) = page["next_cursor"].as_str() {
                let cursor: String =
                    url::form_urlencoded::byte_serialize(cursor.as_bytes()).collect();
                path = format!("{PAGE}&cursor={cursor}");
            } else if !rooms.is_empty() && page["total"].as_u64().is_some_and(|t| t > offset) {
                path = format!("{PAGE}&offset={offset}");
            } else {
                return Ok(false);
            }
        }
    }

    /// Waits until the room has no live session, so that a join starts one. A user an earlier
    /// trigger connected stays a participant for the server's leave grace after it left: a
    /// join within it would only add a participant to that session.
    async fn wait_for_no_session(&self, room_id: &str) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + SESSION_WAIT;
        let mut said = false;
        while self.is_live(room_id).await? {
            if !said {
                println!(
                    "The scratch room's session is still open (an earlier trigger's user within the server's leave grace); waiting for it to close"
                );
                said = true;
            }
            anyhow::ensure!(
                tokio::time::Instant::now() < deadline,
                "the scratch room {room_id} ({ROOM}) still has a live session after {}s: someone is connected to it",
                SESSION_WAIT.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok(())
    }

    async fn new_user(&self, room_id: &str) -> anyhow::Result<Value> {
        let custom_id = format!("trigger-{}", crate::ids::random_token(8));
        Ok(self
            .client
            .call(
                reqwest::Method::POST,
                "/users",
                Some(json!({"name": "Trigger user", "roomId": room_id, "customId": custom_id})),
            )
            .await?["user"]
            .clone())
    }
}

pub async fn run(args: TriggerArgs) -> anyhow::Result<()> {
    let event = WebhookEventName::parse(&args.event).with_context(|| {
        format!(
            "`{}` is not an event; one of: {}",
            args.event,
            WebhookEventName::ALL.map(|e| e.as_str()).join(", ")
        )
    })?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let server = args.server;
    let http = reqwest::Client::builder().user_agent(USER_AGENT).build()?;
    let api = Api {
        client: AccountClient::new(http, &server, &args.account, &args.api_key),
    };
    let room_id = api.room().await?;
    if event == WebhookEventName::SessionStarted {
        api.wait_for_no_session(&room_id).await?;
    }
    let user = api.new_user(&room_id).await?;
    let user_id = user["id"].as_str().context("no user id")?.to_owned();
    let caused = match event {
        WebhookEventName::UserCreated => vec!["user.created"],
        WebhookEventName::UserUpdated => {
            api.client
                .call(
                    reqwest::Method::PATCH,
                    &format!("/users/{user_id}"),
                    Some(json!({"name": "Trigger user (renamed)"})),
                )
                .await?;
            vec!["user.created", "user.updated"]
        }
        WebhookEventName::UserDeleted => {
            api.client
                .call(reqwest::Method::DELETE, &format!("/users/{user_id}"), None)
                .await?;
            vec!["user.created", "user.deleted"]
        }
        WebhookEventName::SessionStarted
        | WebhookEventName::ParticipantJoined
        | WebhookEventName::ParticipantLeft
        | WebhookEventName::SessionClosed => {
            let token = user["token"].as_str().context("no user token")?;
            let url = format!(
                "{}/v1/connect?token={token}",
                server.replacen("http", "ws", 1)
            );
            let (mut socket, _) = tokio_tungstenite::connect_async(url)
                .await
                .context("cannot open the realtime connection")?;
            // The welcome says the user is in: the join is stored.
            tokio::time::timeout(Duration::from_secs(10), socket.next())
                .await
                .context("no welcome from the server")?;
            socket.close(None).await.ok();
            while let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_secs(2), socket.next()).await
            {}
            vec![
                "user.created",
                if event == WebhookEventName::SessionStarted {
                    "session.started"
                } else {
                    "session.started (if none was open)"
                },
                "participant.joined",
                "participant.left and session.closed once the server's leave grace has passed",
            ]
        }
    };
    println!(
        "Triggered {} in room {room_id} ({ROOM}) with user {user_id}: {}",
        event.as_str(),
        caused.join(", ")
    );
    Ok(())
}
