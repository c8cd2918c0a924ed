//! `collabkit listen --forward-to`: the real binary follows a real server's events over an
//! outbound connection and POSTs them, signed, to a local receiver — across a dropped connection
//! without losing or repeating one.

use std::collections::HashSet;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use collabkit_webhooks::{WebhookPayload, verify_webhook};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

use crate::helpers::{TestApp, eventually, ok_if};
use crate::receiver::Receiver;
use crate::tcp_proxy::Proxy;

const BIN: &str = env!("CARGO_BIN_EXE_collabkit");

/// `collabkit listen --forward-to <to>` following `app`'s account on `server`, signing with the
/// secret in `secret_file`, with `extra` flags; its stdout piped.
fn forward(app: &TestApp, to: &str, server: &str, secret_file: &Path, extra: &[&str]) -> Child {
    Command::new(BIN)
        .args(["listen", "--forward-to", to, "--server", server])
        .args(["--account", &app.account_id, "--api-key", &app.api_key])
        .args(extra)
        .arg("--secret-file")
        .arg(secret_file)
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Reads `listen`'s stdout until it says it is connected (panics after 20 s or if it exits);
/// returns the lines it printed.
async fn connected(lines: &mut Lines<BufReader<ChildStdout>>) -> Vec<String> {
    let mut printed = Vec::new();
    loop {
        let line = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("listen connects")
            .unwrap()
            .expect("listen exited");
        let connected = line.starts_with("Connected");
        printed.push(line);
        if connected {
            return printed;
        }
    }
}

#[tokio::test]
async fn listen_forwards_signed_events_across_a_dropped_connection() {
    let app = TestApp::spawn().await;
    let upstream = app.base.trim_start_matches("http://").to_owned();
    let proxy = Proxy::start(upstream).await;
    let rx = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("listen-secret");
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap().to_owned();
    // An event from before `listen` starts is not forwarded: it follows from now on.
    app.create_user(&room_id, "before").await;

    let server = format!("http://{}", proxy.addr);
    let mut child = forward(&app, &rx.url("/local"), &server, &secret_file, &[]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let printed = connected(&mut lines).await;
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    assert!(
        printed.iter().any(|l| l.contains(secret.trim())),
        "the secret is printed: {printed:?}"
    );
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            println!("listen: {line}");
        }
    });

    let mut expected = Vec::new();
    for i in 0..3 {
        let user = app.create_user(&room_id, &format!("a{i}")).await;
        expected.push(user["id"].as_str().unwrap().to_owned());
    }
    rx.wait_for(3, Duration::from_secs(10)).await;

    // The connection drops; events stored meanwhile arrive once it is back.
    proxy.cut();
    for i in 0..3 {
        let user = app.create_user(&room_id, &format!("b{i}")).await;
        expected.push(user["id"].as_str().unwrap().to_owned());
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    proxy.restore();
    let got = rx.wait_for(6, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got = if rx.received().len() > got.len() {
        rx.received()
    } else {
        got
    };

    let mut users = Vec::new();
    let mut ids = HashSet::new();
    for r in &got {
        assert_eq!(r.path, "/local");
        assert!(r.header("user-agent").starts_with("CollabKit-Listen/"));
        assert!(ids.insert(r.header("webhook-id").to_owned()), "repeated");
        let payload = verify_webhook(secret.trim(), &r.headers, &r.body, Duration::from_secs(300))
            .expect("signed with the printed secret");
        match payload {
            WebhookPayload::UserCreated { user, .. } => users.push(user.id),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        users, expected,
        "each event once, in order, none from before"
    );
    // Forwarded like deliveries, with the room's numbers: the one from before was #1.
    let numbers: Vec<i64> = got
        .iter()
        .map(|r| collabkit_webhooks::room_seq(&r.headers).expect("numbered"))
        .collect();
    assert_eq!(numbers, (2..=7).collect::<Vec<_>>());
    child.kill().await.unwrap();

    // The next run from this machine signs with the same secret.
    let again = forward(
        &app,
        &rx.url("/local"),
        "http://127.0.0.1:1",
        &secret_file,
        &[],
    );
    let mut lines = BufReader::new(again.stdout.unwrap()).lines();
    let mut seen_secret = false;
    for _ in 0..3 {
        if let Ok(Ok(Some(line))) =
            tokio::time::timeout(Duration::from_secs(10), lines.next_line()).await
        {
            seen_secret |= line.contains(secret.trim());
        }
    }
    assert!(seen_secret, "the same secret on the next run");
}

/// `collabkit trigger` causes each of the seven events for real, in a scratch room.
#[tokio::test]
async fn trigger_causes_each_event_for_real() {
    let app = TestApp::spawn_with(|c| c.realtime.leave_grace = Duration::ZERO).await;
    for event in [
        "user.created",
        "user.updated",
        "user.deleted",
        "session.started",
        "participant.joined",
        "participant.left",
        "session.closed",
    ] {
        let out = Command::new(BIN)
            .args(["trigger", event, "--server", &app.base])
            .args(["--account", &app.account_id, "--api-key", &app.api_key])
            .output()
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{event}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains(&format!("Triggered {event}")), "{text}");
    }
    eventually(
        Duration::from_secs(10),
        "the seven events stored",
        || async {
            let seen: HashSet<String> = app
                .events()
                .await
                .iter()
                .map(|e| e["event"].as_str().unwrap().to_owned())
                .collect();
            ok_if(seen, |seen| seen.len() == 7)
        },
    )
    .await;
    let rooms = app.get("/rooms").await.1;
    let scratch: Vec<&serde_json::Value> = rooms["data"]["rooms"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["custom_id"] == "collabkit-trigger")
        .collect();
    assert_eq!(scratch.len(), 1, "one scratch room, reused");
    let bad = Command::new(BIN)
        .args(["trigger", "user.exploded", "--server", &app.base])
        .args(["--account", &app.account_id, "--api-key", &app.api_key])
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not an event"));
}

/// `--events` and `--room` choose what is forwarded.
#[tokio::test]
async fn listen_forwards_only_the_chosen_events_and_room() {
    let app = TestApp::spawn().await;
    let rx = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let watched = app.create_room("watched").await;
    let other = app.create_room("other").await;
    let (watched, other) = (
        watched["id"].as_str().unwrap().to_owned(),
        other["id"].as_str().unwrap().to_owned(),
    );
    let mut child = forward(
        &app,
        &rx.url("/local"),
        &app.base,
        &dir.path().join("secret"),
        &["--events", "user.deleted,user.updated", "--room", &watched],
    );
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    connected(&mut lines).await;
    for room in [&watched, &other] {
        let user = app.create_user(room, "u").await;
        let id = user["id"].as_str().unwrap();
        app.delete(&format!("/users/{id}")).await;
    }
    let got = rx.wait_for(1, Duration::from_secs(10)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        rx.received().len(),
        1,
        "only the watched room's user.deleted"
    );
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["event"], "user.deleted");
    assert_eq!(body["room"]["id"], watched.as_str());
    child.kill().await.unwrap();
}

/// A proxy to `upstream` that hands the server's bytes to the client in pieces cut right after
/// the first byte of every multi-byte character: each such character arrives split across two
/// network reads, as a large event's characters do at some chunk boundary.
async fn splitting_proxy(upstream: String) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    return;
                };
                client.set_nodelay(true).unwrap();
                let (mut client_read, mut client_write) = client.into_split();
                let (mut server_read, mut server_write) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
                });
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n @ 1..) = server_read.read(&mut buf).await {
                    let mut start = 0;
                    for i in 0..n {
                        // 0b11xxxxxx starts a multi-byte character: cut after it.
                        if buf[i] >= 0xC0 || i + 1 == n {
                            if client_write.write_all(&buf[start..=i]).await.is_err() {
                                return;
                            }
                            start = i + 1;
                            // Let the client read this piece before the next one is written.
                            tokio::time::sleep(Duration::from_micros(200)).await;
                        }
                    }
                }
            });
        }
    });
    addr
}

/// Text in any script arrives as it was stored: an event full of multi-byte characters, each
/// split across network reads on its way to `listen`, is forwarded byte for byte as its
/// delivery payload, and its signature verifies.
#[tokio::test]
async fn listen_forwards_non_ascii_text_split_across_reads() {
    let app = TestApp::spawn_for_delivery(|_| {}).await;
    let proxy = splitting_proxy(app.base.trim_start_matches("http://").to_owned()).await;
    let rx = Receiver::start().await;
    // A registration too, whose delivery keeps the stored payload string.
    let hooks = Receiver::start().await;
    let hook = app
        .create_webhook(
            serde_json::json!({"url": hooks.url("/stored"), "events": ["user.created"]}),
        )
        .await;
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("listen-secret");
    let room = app.create_room("r").await;
    let room_id = room["id"].as_str().unwrap().to_owned();

    let server = format!("http://{proxy}");
    let mut child = forward(&app, &rx.url("/local"), &server, &secret_file, &[]);
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    connected(&mut lines).await;
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });

    // 2-, 3- and 4-byte characters: ~2,000 of them in the name and the picture's URL.
    let name = format!("{}{}{}", "é".repeat(90), "中".repeat(80), "😀".repeat(86));
    let picture = format!("https://example.com/{}.png", "ü".repeat(2000));
    let (status, body) = app
        .post(
            "/users",
            serde_json::json!({"name": name, "roomId": room_id, "customId": "zoé", "profilePicture": picture}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");

    let got = rx.wait_for(1, Duration::from_secs(20)).await;
    let deliveries = app.deliveries(hook["id"].as_str().unwrap()).await;
    let stored = deliveries[0]["payload"].as_str().unwrap();
    let forwarded = std::str::from_utf8(&got[0].body).expect("UTF-8");
    assert_eq!(
        forwarded.matches('\u{FFFD}').count(),
        0,
        "replacement characters in the forwarded body"
    );
    assert!(forwarded == stored, "forwarded byte for byte as stored");
    let secret = std::fs::read_to_string(&secret_file).unwrap();
    match verify_webhook(
        secret.trim(),
        &got[0].headers,
        &got[0].body,
        Duration::from_secs(300),
    )
    .expect("signed with the listen secret")
    {
        WebhookPayload::UserCreated { user, .. } => assert_eq!(user.name, name),
        other => panic!("unexpected {other:?}"),
    }
    child.kill().await.unwrap();
}

/// Runs the binary to its end (panics if it is still running after 20 s: an argument it should
/// have refused at start).
async fn run_to_end(command: &mut Command) -> std::process::Output {
    let out = command.kill_on_drop(true).output();
    tokio::time::timeout(Duration::from_secs(20), out)
        .await
        .expect("still running: the argument was not refused at start")
        .unwrap()
}

/// Every wrong argument is refused at start with exit code 2 and a message naming it, before
/// anything is forwarded (and a mistyped secret is not echoed).
#[tokio::test]
async fn listen_refuses_wrong_arguments_at_start() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    let secret_file = secret_file.to_str().unwrap();
    let ok = "http://127.0.0.1:3000/webhooks";
    let creds = [
        "--server",
        &app.base,
        "--account",
        &app.account_id,
        "--api-key",
        &app.api_key,
        "--secret-file",
        secret_file,
    ];
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["--forward-to", "localhost:3000/webhooks"],
            "--forward-to",
        ),
        (vec!["--forward-to", "ftp://example.com/"], "--forward-to"),
        (vec!["--forward-to", "http://127.0.0.1:0/hooks"], "port 0"),
        (
            vec!["--forward-to", ok, "--room", "room_1&event=user.created"],
            "--room",
        ),
        (
            vec!["--forward-to", ok, "--room", "room_nosuch"],
            "no such room",
        ),
        (
            vec!["--forward-to", ok, "--events", "user.exploded"],
            "--events",
        ),
        (
            vec!["--forward-to", ok, "--server", "ftp://x.example"],
            "--server",
        ),
    ];
    for (args, named) in cases {
        let out = run_to_end(Command::new(BIN).arg("listen").args(creds).args(&args)).await;
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains(named), "{args:?} should name {named}: {said}");
    }
    // Forwarding needs the account and its key.
    let out = run_to_end(
        Command::new(BIN)
            .args(["listen", "--forward-to", ok])
            .env_remove("COLLABKIT_ACCOUNT_ID")
            .env_remove("COLLABKIT_API_KEY"),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--account"));
    // A receiver's secret must be one: `nope` verifies nothing.
    let out = run_to_end(Command::new(BIN).args([
        "listen",
        "--listen",
        "127.0.0.1:0",
        "--secret",
        "nope",
    ]))
    .await;
    let said = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{said}");
    assert!(
        said.contains("--secret") && !said.contains("nope"),
        "{said}"
    );
}

/// `listen` says who it is on its stream request and (see above) on what it forwards.
#[tokio::test]
async fn listen_sends_its_user_agent() {
    // A stand-in for the server that refuses everything: listen gives up after one try.
    let server = Receiver::start_with(vec![crate::receiver::Reply::Status(401)]).await;
    let dir = tempfile::tempdir().unwrap();
    let out = run_to_end(
        Command::new(BIN)
            .args(["listen", "--forward-to", "http://127.0.0.1:3000/hooks"])
            .args(["--server", server.base.trim_start_matches("http://")])
            .args([
                "--account",
                "acct_x",
                "--api-key",
                "ck_x",
                "--room",
                "room_x",
            ])
            .arg("--secret-file")
            .arg(dir.path().join("secret")),
    )
    .await;
    assert!(!out.status.success());
    let asked = server.received();
    let paths: Vec<&str> = asked.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/v1/accounts/acct_x/rooms/room_x",
            "/v1/accounts/acct_x/events/stream"
        ]
    );
    for r in &asked {
        let agent = r.header("user-agent");
        assert!(agent.starts_with("CollabKit-Listen/"), "{agent:?}");
    }
}

/// `trigger session.started` right after another trigger still stores a `session.started`:
/// it waits for the scratch room's session (kept open by the earlier user's leave grace) to
/// close. `--server` takes a bare host:port too.
#[tokio::test]
async fn trigger_session_started_right_after_another_trigger_starts_a_session() {
    let app = TestApp::spawn_with(|c| c.realtime.leave_grace = Duration::from_millis(1500)).await;
    let host_port = app.base.trim_start_matches("http://").to_owned();
    for event in ["participant.joined", "session.started"] {
        let out = run_to_end(
            Command::new(BIN)
                .args(["trigger", event, "--server", &host_port])
                .args(["--account", &app.account_id, "--api-key", &app.api_key]),
        )
        .await;
        assert!(
            out.status.success(),
            "{event}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The second trigger's session starts after the first one's closed.
    let sessions = eventually(Duration::from_secs(10), "the second session", || async {
        let sessions: Vec<String> = app
            .events()
            .await
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .filter(|e| e.starts_with("session."))
            .collect();
        ok_if(sessions, |sessions| sessions.len() >= 3)
    })
    .await;
    assert_eq!(
        sessions[..3],
        ["session.started", "session.closed", "session.started"]
    );
    let bad = Command::new(BIN)
        .args(["trigger", "user.created", "--server", "ftp://x.example"])
        .args(["--account", &app.account_id, "--api-key", &app.api_key])
        .output()
        .await
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("http://127.0.0.1:8080"));
}
