//! `collabkit listen --forward-to URL`: the account's events, followed over an outbound
//! connection and POSTed, signed, to a local URL.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use collabkit_webhooks::{Signer, WebhookPayload};
use futures_util::StreamExt;
use serde_json::Value;

use super::ListenArgs;
use crate::accounts::bearer_token;

/// One message of an event stream.
#[derive(Debug, Default, PartialEq, Eq)]
struct Message {
    id: Option<String>,
    event: Option<String>,
    data: String,
}

/// Splits complete messages off the front of `buffer` (Server-Sent Events framing: fields on
/// lines, a blank line ends a message, lines starting with `:` are comments).
///
/// The buffer holds bytes, not text: a network chunk may end inside a multi-byte character, so
/// only a complete message is decoded (a blank line never falls inside a UTF-8 sequence, whose
/// bytes are all 0x80 or above). A message that is not UTF-8 is dropped, not patched with
/// replacement characters that the signature would then cover.
fn take_messages(buffer: &mut Vec<u8>) -> Vec<Message> {
    let mut out = Vec::new();
    while let Some(end) = buffer.windows(2).position(|w| w == b"\n\n") {
        let block: Vec<u8> = buffer.drain(..end + 2).collect();
        let Ok(block) = std::str::from_utf8(&block) else {
            println!("A message of the event stream is not UTF-8; skipped");
            continue;
        };
        let mut message = Message::default();
        for line in block.lines() {
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "id" => message.id = Some(value.to_owned()),
                "event" => message.event = Some(value.to_owned()),
                "data" => {
                    if !message.data.is_empty() {
                        message.data.push('\n');
                    }
                    message.data.push_str(value);
                }
                _ => {}
            }
        }
        if message.id.is_some() || !message.data.is_empty() {
            out.push(message);
        }
    }
    out
}

/// This machine's listen secret: created once (mode 0600) and reused, so the local app is
/// configured once.
fn machine_secret(path: Option<PathBuf>) -> anyhow::Result<(String, PathBuf)> {
    let path = match path {
        Some(p) => p,
        None => {
            let home = std::env::var_os("HOME").context("HOME is not set; pass --secret-file")?;
            PathBuf::from(home).join(".config/collabkit/listen-secret")
        }
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let secret = text.trim().to_owned();
            Signer::new(&secret).map_err(|e| {
                anyhow::anyhow!("{} does not hold a signing secret: {e}", path.display())
            })?;
            Ok((secret, path))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let secret = crate::secrets::new_webhook_secret();
            crate::secrets::write_private(&path, &secret)
                .with_context(|| format!("cannot write {}", path.display()))?;
            Ok((secret, path))
        }
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

pub async fn run(args: ListenArgs) -> anyhow::Result<()> {
    let forward_to = args.forward_to.clone().expect("forward mode");
    let account = args
        .account
        .clone()
        .context("--account (or COLLABKIT_ACCOUNT_ID) is needed with --forward-to")?;
    let api_key = args
        .api_key
        .clone()
        .context("--api-key (or COLLABKIT_API_KEY) is needed with --forward-to")?;
    let (secret, secret_path) = machine_secret(args.secret_file.clone())?;
    let signer = Signer::new(&secret)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .user_agent(super::USER_AGENT)
        .build()?;
    let bearer = bearer_token(&account, &api_key);
    if let Some(room) = &args.room {
        let url = account_url(&args.server, &account, &["rooms", room])?;
        check_room(&http, url, &bearer, room).await?;
    }
    println!(
        "Forwarding the events of {account} from {} to {forward_to}",
        args.server
    );
    println!(
        "Signing with {secret} (this machine's listen secret, kept in {}): configure your app with it.",
        secret_path.display()
    );
    let mut url = account_url(&args.server, &account, &["events", "stream"])?;
    {
        // Encoded as query values: nothing a flag holds can add a parameter.
        let mut query = url.query_pairs_mut();
        if let [only] = args.events.as_slice() {
            query.append_pair("event", only);
        }
        if let Some(room) = &args.room {
            query.append_pair("room_id", room);
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    let bearer = bearer_token(&account, &api_key);
    // The position after the last event handled: where a new connection resumes.
    let mut cursor: Option<String> = None;
    loop {
        let mut request = http.get(url.clone()).bearer_auth(&bearer);
        if let Some(c) = &cursor {
            request = request.header("last-event-id", c);
        }
        match request.send().await {
            Ok(resp) if resp.status().is_success() => {
                println!("Connected; waiting for events (ctrl-c to stop)");
                let mut body = resp.bytes_stream();
                let mut buffer = Vec::new();
                while let Some(chunk) = body.next().await {
                    let Ok(chunk) = chunk else { break };
                    buffer.extend_from_slice(&chunk);
                    for message in take_messages(&mut buffer) {
                        forward(&http, &signer, &forward_to, &args.events, &message).await;
                        if let Some(id) = message.id {
                            cursor = Some(id);
                        }
                    }
                }
                println!("Connection lost; reconnecting");
            }
            Ok(resp) if resp.status().is_client_error() => {
                let status = resp.status();
                let text = resp.text().await.unwrap_or_default();
                let failure = crate::client::ApiFailure::parse("GET", url.path(), status, &text);
                anyhow::bail!("the server refused the stream: {failure}");
            }
            Ok(resp) => println!("The server answered {}; retrying", resp.status()),
            Err(e) => println!("Cannot reach {}: {e}; retrying", args.server),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// `{server}/v1/accounts/{account}/{tail…}`, each segment percent-encoded.
fn account_url(server: &str, account: &str, tail: &[&str]) -> anyhow::Result<url::Url> {
    let mut url = url::Url::parse(server).with_context(|| format!("--server {server}"))?;
    url.path_segments_mut()
        .map_err(|()| anyhow::anyhow!("--server {server} cannot hold a path"))?
        .pop_if_empty()
        .extend(["v1", "accounts", account])
        .extend(tail);
    Ok(url)
}

/// `--room` names a room of the account: otherwise no event would ever match and nothing would
/// be forwarded, without a word. A server that cannot be asked now is left to the stream's
/// retries.
async fn check_room(
    http: &reqwest::Client,
    url: url::Url,
    bearer: &str,
    room: &str,
) -> anyhow::Result<()> {
    match http.get(url).bearer_auth(bearer).send().await {
        Ok(resp) if resp.status() == reqwest::StatusCode::NOT_FOUND => {
            Err(crate::client::UsageError(format!(
                "--room {room}: the account has no such room (GET /rooms lists their ids)"
            ))
            .into())
        }
        _ => Ok(()),
    }
}

/// Prints the event and POSTs its payload, signed, to the local URL.
async fn forward(
    http: &reqwest::Client,
    signer: &Signer,
    url: &str,
    only: &[String],
    message: &Message,
) {
    let Ok(record) = serde_json::from_str::<Value>(&message.data) else {
        return;
    };
    let name = record["event"].as_str().unwrap_or("");
    if !only.is_empty() && !only.iter().any(|n| n == name) {
        return;
    }
    let event_id = record["id"].as_str().unwrap_or("").to_owned();
    // Re-serialized with the server's own types: the same bytes a delivery would carry. A
    // payload stored before the current shapes (camelCase rooms and users, kept as stored) is
    // forwarded as the stream gave it, its fields in the JSON text's sorted order.
    let body = match serde_json::from_value::<WebhookPayload>(record["payload"].clone()) {
        Ok(payload) => serde_json::to_string(&payload).expect("payloads serialize"),
        Err(_) if record["payload"].is_object() => record["payload"].to_string(),
        Err(_) => {
            println!("{event_id} {name}: no payload in the stream's message; skipped");
            return;
        }
    };
    let timestamp = chrono::Utc::now().timestamp();
    let signature = signer.sign(&event_id, timestamp, body.as_bytes());
    let started = Instant::now();
    let mut request = http
        .post(url)
        .header("content-type", "application/json")
        .header("webhook-id", &event_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature);
    let room_seq = record["room_seq"].as_i64();
    if let Some(n) = room_seq {
        request = request.header(collabkit_webhooks::ROOM_SEQ_HEADER, n);
    }
    let outcome = request.body(body).send().await;
    let room = match room_seq {
        Some(n) => format!("{} #{n}", record["room_id"].as_str().unwrap_or("")),
        None => record["room_id"].as_str().unwrap_or("").to_owned(),
    };
    let took = started.elapsed().as_millis();
    match outcome {
        Ok(resp) => println!(
            "{} {name:<18} {event_id} room {room} → {} ({took} ms)",
            record["created_at"].as_str().unwrap_or(""),
            resp.status().as_u16()
        ),
        Err(e) => println!("{name} {event_id} → not delivered to {url}: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_split_as_they_complete() {
        let mut buffer =
            b": keep-alive\n\nid: p1\nevent: user.created\ndata: {\"a\":1}\n\nid: p2\nda".to_vec();
        let messages = take_messages(&mut buffer);
        assert_eq!(
            messages,
            [Message {
                id: Some("p1".into()),
                event: Some("user.created".into()),
                data: "{\"a\":1}".into()
            }]
        );
        assert_eq!(buffer, b"id: p2\nda");
        buffer.extend_from_slice(b"ta: x\n\n");
        assert_eq!(take_messages(&mut buffer)[0].data, "x");
    }

    #[test]
    fn a_character_split_across_chunks_arrives_whole() {
        let message = "id: p1\ndata: {\"name\":\"Zoé 😀\"}\n\n".as_bytes();
        // Every cut, including those inside `é` (2 bytes) and `😀` (4 bytes).
        for cut in 1..message.len() {
            let mut buffer = message[..cut].to_vec();
            let mut got = take_messages(&mut buffer);
            buffer.extend_from_slice(&message[cut..]);
            got.extend(take_messages(&mut buffer));
            assert_eq!(got.len(), 1, "cut at {cut}");
            assert_eq!(got[0].data, "{\"name\":\"Zoé 😀\"}", "cut at {cut}");
        }
    }
}
