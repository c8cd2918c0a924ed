//! The `collabkit` binary itself: first-start bootstrap, `accounts create` next to a running
//! server, `migrate`, clear errors, and a clean exit on SIGTERM.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_collabkit");

pub use crate::helpers::{Server, start_binary};
use crate::helpers::{eventually, ok_if, session_event_names};
use serde_json::json;

fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("bin.db").display())
}

async fn start_server(dir: &Path) -> Server {
    start_server_with(dir, &[]).await
}

async fn start_server_with(dir: &Path, extra: &[&str]) -> Server {
    start_binary(&database_url(dir), dir.join("server.log"), extra).await
}

async fn can_list_rooms(base: &str, account_id: &str, key: &str) -> StatusCode {
    crate::helpers::client()
        .get(format!("{base}/v1/accounts/{account_id}/rooms"))
        .bearer_auth(collabkit::accounts::bearer_token(account_id, key))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn serve_bootstraps_once_and_accounts_create_works_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let server = start_server(dir.path()).await;
    let mut server = server;
    let (id, key) = server
        .first_account
        .clone()
        .expect("first start prints an account");
    assert_eq!(
        can_list_rooms(&server.base, &id, &key).await,
        StatusCode::OK
    );
    // Where to go next, with the address it is really on.
    let next = server.stdout.next_line().await.unwrap().unwrap();
    let base = &server.base;
    assert_eq!(
        next,
        format!("Dashboard: {base}/dashboard   API reference: {base}/docs")
    );
    let page = crate::helpers::client()
        .get(format!("{base}/dashboard"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    let out = Command::new(BIN)
        .args(["accounts", "create", "--name", "second"])
        .env("COLLABKIT_DATABASE", database_url(dir.path()))
        .env("COLLABKIT_LOG", "warn")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    let created: Value = serde_json::from_str(stdout.trim()).unwrap();
    let (id2, key2) = (
        created["account_id"].as_str().unwrap(),
        created["api_key"].as_str().unwrap(),
    );
    assert_eq!(
        can_list_rooms(&server.base, id2, key2).await,
        StatusCode::OK,
        "the new account is usable at once by the running server"
    );
    let said = String::from_utf8_lossy(&out.stderr);
    let bearer = collabkit::accounts::bearer_token(id2, key2);
    assert!(said.contains(&format!("Bearer token: {bearer}")), "{said}");
    assert!(said.contains("Try it: curl"), "{said}");

    let run = |args: &'static [&'static str]| {
        let db = database_url(dir.path());
        async move {
            let out = Command::new(BIN)
                .args(args)
                .env("COLLABKIT_DATABASE", db)
                .env("COLLABKIT_LOG", "warn")
                .output()
                .await
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap()
        }
    };
    let listed = run(&["accounts", "list"]).await;
    assert_eq!(listed.lines().count(), 2, "{listed}");
    assert!(
        listed.contains(id2) && listed.contains("\"second\""),
        "{listed}"
    );
    assert!(!listed.contains(key2), "keys are never listed");

    // A leaked key is replaced: the old one stops working at once, the new one works.
    let out = Command::new(BIN)
        .args(["accounts", "rotate-key", "--account", id2])
        .env("COLLABKIT_DATABASE", database_url(dir.path()))
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rotated: Value = serde_json::from_slice(&out.stdout).unwrap();
    let new_key = rotated["api_key"].as_str().unwrap();
    assert_eq!(
        can_list_rooms(&server.base, id2, key2).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        can_list_rooms(&server.base, id2, new_key).await,
        StatusCode::OK
    );

    let status = server.terminate().await;
    assert!(status.success(), "SIGTERM is a clean exit: {status:?}");

    let again = start_server(dir.path()).await;
    assert!(
        again.first_account.is_none(),
        "only an empty database gets a first account"
    );
    assert_eq!(can_list_rooms(&again.base, &id, &key).await, StatusCode::OK);
    assert!(again.terminate().await.success());
}

#[tokio::test]
async fn migrate_and_bad_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["migrate", "--database", &database_url(dir.path())])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    assert!(dir.path().join("bin.db").exists());
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("created the schema"), "{said}");
    let again = Command::new(BIN)
        .args(["migrate", "--database", &database_url(dir.path())])
        .output()
        .await
        .unwrap();
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(said.contains("was up to date: nothing applied"), "{said}");

    // Logs to a pipe or a file carry no colour codes; the unusual settings are said at start.
    let mut serving = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &database_url(dir.path()),
        ])
        .args([
            "--allow-private-destinations",
            "--sqlite-synchronous",
            "normal",
        ])
        .env("COLLABKIT_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut log = BufReader::new(serving.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(20), log.next_line()).await
    {
        let done = line.contains("listening");
        seen.push(line);
        if done {
            break;
        }
    }
    let seen = seen.join("\n");
    assert!(seen.contains("listening"), "{seen}");
    assert!(
        !seen.contains('\u{1b}'),
        "colour codes in a piped log: {seen:?}"
    );
    assert!(seen.contains("private destinations"), "{seen}");
    assert!(seen.contains("synchronous=normal"), "{seen}");
    serving.kill().await.unwrap();

    let out = Command::new(BIN)
        .args(["serve", "--database", "mysql://nope"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unsupported database URL"));

    let out = Command::new(BIN)
        .args(["serve", "--shutdown-timeout", "soon"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("500ms"));

    // A count of 0 would deliver or accept nothing: refused, naming the flag, not raised to 1.
    for flag in [
        "--delivery-concurrency",
        "--webhook-concurrency",
        "--ws-rate-limit",
        "--max-webhooks-per-account",
    ] {
        let out = Command::new(BIN)
            .args(["serve", flag, "0"])
            .output()
            .await
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag}: {said}");
        assert!(said.contains(flag), "{flag}: {said}");
        assert!(said.contains("invalid value '0'"), "{flag}: {said}");
    }
}

/// The crash test: SIGKILL while deliveries are in flight and events are being created, restart,
/// and every acknowledged event is delivered.
#[tokio::test]
async fn every_acknowledged_event_is_delivered_across_a_crash() {
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};

    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "--allow-private-destinations",
        "--retry-schedule",
        "100ms,200ms,400ms,800ms,1s,1s,1s,1s",
        "--delivery-timeout",
        "1s",
        // A small share per registration builds a backlog the crash cuts off.
        "--webhook-concurrency",
        "2",
    ];
    // A slowish receiver, so deliveries are in flight when the server dies.
    let rx = crate::receiver::Receiver::start_with(vec![crate::receiver::Reply::Slow(
        Duration::from_millis(20),
    )])
    .await;
    let server = start_server_with(dir.path(), &flags).await;
    let (account, key) = server.first_account.clone().unwrap();
    let api = format!("{}/v1/accounts/{account}", server.base);
    let bearer = collabkit::accounts::bearer_token(&account, &key);
    let client = crate::helpers::client();
    let room: Value = client
        .post(format!("{api}/rooms"))
        .bearer_auth(&bearer)
        .json(&serde_json::json!({"name": "r", "customId": "r"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room_id = room["data"]["room"]["id"].as_str().unwrap().to_string();
    let hook = client
        .post(format!("{api}/webhooks"))
        .bearer_auth(&bearer)
        .json(&serde_json::json!({"url": rx.url("/crash"), "events": ["user.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), StatusCode::CREATED);

    // Writers keep creating users; only 201s count as acknowledged.
    let acknowledged = Arc::new(Mutex::new(HashSet::<String>::new()));
    let writers: Vec<_> = (0..6)
        .map(|w| {
            let (client, api, bearer, room_id, acked) =
                (client.clone(), api.clone(), bearer.clone(), room_id.clone(), acknowledged.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    let resp = client
                        .post(format!("{api}/users"))
                        .bearer_auth(&bearer)
                        .json(&serde_json::json!({"name": "n", "roomId": room_id, "customId": format!("{w}-{i}")}))
                        .send()
                        .await;
                    let Ok(resp) = resp else { break };
                    if resp.status() != StatusCode::CREATED {
                        break;
                    }
                    let Ok(body) = resp.json::<Value>().await else { break };
                    let id = body["data"]["user"]["id"].as_str().unwrap().to_string();
                    acked.lock().unwrap().insert(id);
                }
            })
        })
        .collect();

    rx.wait_for(30, Duration::from_secs(30)).await;
    // Slow the receiver down until a backlog waits, so the crash strands acknowledged events
    // whatever this machine's speed (a receiver that keeps up leaves nothing to recover).
    rx.set_script(vec![crate::receiver::Reply::Slow(Duration::from_millis(
        300,
    ))]);
    eventually(Duration::from_secs(30), "a backlog built up", || async {
        let (acked, delivered) = (acknowledged.lock().unwrap().len(), rx.received().len());
        if acked >= delivered + 20 {
            Ok(())
        } else {
            Err(format!("{acked} acknowledged, {delivered} delivered"))
        }
    })
    .await;
    let mut server = server;
    server.child.start_kill().unwrap(); // SIGKILL
    server.child.wait().await.unwrap();
    rx.set_script(vec![crate::receiver::Reply::Status(200)]);
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let delivered_before = rx.received().len();
    assert!(
        acknowledged.len() > delivered_before,
        "the crash must leave acknowledged events undelivered ({} acknowledged, {delivered_before} delivered)",
        acknowledged.len()
    );

    let restarted = start_server_with(dir.path(), &flags).await;
    rx.wait_for_users(
        &acknowledged,
        Duration::from_secs(60),
        &format!("every acknowledged event delivered (had {delivered_before} before the crash)"),
    )
    .await;
    let status = restarted.terminate().await;
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap_or_default();
    assert!(status.success(), "{status:?}: {log}");
}

#[tokio::test]
async fn listen_prints_deliveries_and_checks_signatures() {
    let secret = collabkit::secrets::new_webhook_secret();
    let mut child = Command::new(BIN)
        .args(["listen", "--listen", "127.0.0.1:0", "--secret", &secret])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().unwrap();
    let url = first
        .strip_prefix("listening for webhooks on ")
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let body = r#"{"id":"evt_1","event":"session.started"}"#;
    let ts = chrono::Utc::now().timestamp();
    let good = collabkit_webhooks::Signer::new(&secret)
        .unwrap()
        .sign("evt_1", ts, body.as_bytes());
    for (signature, expected) in [
        (good.as_str(), StatusCode::OK),
        ("v1,Zm9yZ2Vk", StatusCode::BAD_REQUEST),
    ] {
        let resp = crate::helpers::client()
            .post(&url)
            .header("webhook-id", "evt_1")
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), expected, "a forged delivery is refused");
    }
    let mut verdicts = vec![];
    while verdicts.len() < 2 {
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if line.starts_with("── delivery evt_1") {
            verdicts.push(line);
        }
    }
    assert!(verdicts[0].ends_with("signature: valid"), "{verdicts:?}");
    assert!(verdicts[1].contains("INVALID"), "{verdicts:?}");

    // A secret that cannot verify anything is refused at start.
    let refused = Command::new(BIN)
        .args(["listen", "--listen", "127.0.0.1:0", "--secret", "whsec_***"])
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("not a signing secret"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

/// Sessions left open by a killed server are closed, with their events, by the next start
/// (a leave grace after it starts, for nobody came back) — exactly once.
#[tokio::test]
async fn a_crash_leaves_no_session_open() {
    let dir = tempfile::tempdir().unwrap();
    let grace = ["--leave-grace", "200ms"];
    let server = start_server_with(dir.path(), &grace).await;
    let (account, key) = server.first_account.clone().unwrap();
    let api = format!("{}/v1/accounts/{account}", server.base);
    let bearer = collabkit::accounts::bearer_token(&account, &key);
    let client = crate::helpers::client();
    let post = |path: &str, body: Value| {
        client
            .post(format!("{api}{path}"))
            .bearer_auth(&bearer)
            .json(&body)
    };
    let room: Value = post("/rooms", serde_json::json!({"name": "r", "customId": "r"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let room_id = room["data"]["room"]["id"].as_str().unwrap().to_string();
    let mut sockets = vec![];
    for name in ["a", "b"] {
        let user: Value = post(
            "/users",
            serde_json::json!({"name": name, "customId": name, "roomId": room_id}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let url = format!(
            "{}/v1/connect?token={}",
            server.base.replace("http://", "ws://"),
            user["data"]["token"].as_str().unwrap()
        );
        sockets.push(tokio_tungstenite::connect_async(url).await.unwrap().0);
    }
    let names = |events: &Value| -> Vec<String> {
        events["data"]["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_string())
            .filter(|e| !e.starts_with("user."))
            .collect()
    };
    let events_of = |base: String| {
        let (client, bearer, account) = (client.clone(), bearer.clone(), account.clone());
        async move {
            client
                .get(format!("{base}/v1/accounts/{account}/events"))
                .bearer_auth(&bearer)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    // Both joins are stored before the welcome is sent, and the sockets are open.
    eventually(Duration::from_secs(10), "both joins stored", || async {
        ok_if(names(&events_of(server.base.clone()).await), |names| {
            names.len() >= 3
        })
    })
    .await;
    let mut server = server;
    server.child.start_kill().unwrap();
    server.child.wait().await.unwrap();
    drop(sockets);

    let restarted = start_server_with(dir.path(), &grace).await;
    let after = eventually(Duration::from_secs(10), "the orphans closed", || async {
        ok_if(names(&events_of(restarted.base.clone()).await), |names| {
            names.len() >= 6
        })
    })
    .await;
    assert_eq!(
        after,
        [
            "session.started",
            "participant.joined",
            "participant.joined",
            "participant.left",
            "participant.left",
            "session.closed"
        ]
    );
    assert!(restarted.terminate().await.success());
    let mut again = start_server_with(dir.path(), &grace).await;
    // Past the next start's grace, nothing more was closed.
    let _ = tokio::time::timeout(Duration::from_millis(600), again.stdout.next_line()).await;
    assert_eq!(
        names(&events_of(again.base.clone()).await).len(),
        6,
        "closed once only"
    );
    assert!(again.terminate().await.success());
}

/// The first account's REST API on a server of the binary, at whichever address it serves now.
struct Api {
    client: reqwest::Client,
    account: String,
    bearer: String,
}

impl Api {
    fn of(server: &Server) -> Api {
        let (account, key) = server.first_account.clone().expect("a first account");
        Api {
            client: crate::helpers::client(),
            bearer: collabkit::accounts::bearer_token(&account, &key),
            account,
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Value {
        let resp = req.bearer_auth(&self.bearer).send().await.unwrap();
        resp.json().await.unwrap()
    }

    async fn post(&self, base: &str, path: &str, body: Value) -> Value {
        let url = format!("{base}/v1/accounts/{}{path}", self.account);
        self.send(self.client.post(url).json(&body)).await
    }

    async fn get(&self, base: &str, path: &str) -> Value {
        let url = format!("{base}/v1/accounts/{}{path}", self.account);
        self.send(self.client.get(url)).await
    }
}

/// After a crash (SIGKILL), users whose clients reconnect within the leave grace resume their
/// participation: `resumed: true`, and no `participant.left`/`participant.joined` pair; the one
/// who does not come back leaves when the grace is over, and those back are told.
#[tokio::test]
async fn a_crash_then_a_quick_reconnect_resumes_the_participations() {
    use crate::ws::Ws;
    let dir = tempfile::tempdir().unwrap();
    let grace = ["--leave-grace", "1500ms"];
    let server = start_server_with(dir.path(), &grace).await;
    let api = Api::of(&server);
    let room = api.post(&server.base, "/rooms", json!({"name": "r"})).await;
    let room_id = room["data"]["room"]["id"].as_str().unwrap().to_string();
    let mut tokens = vec![];
    for name in ["ada", "bob", "cy"] {
        let body = json!({"name": name, "customId": name, "roomId": room_id});
        let user = api.post(&server.base, "/users", body).await;
        tokens.push(user["data"]["token"].as_str().unwrap().to_string());
    }
    let mut sockets = vec![];
    for token in &tokens {
        sockets.push(Ws::joined(&server.base, token).await.0);
    }
    let events_path = format!("/events?room_id={room_id}");
    let events = |base: String| {
        let (api, path) = (&api, &events_path);
        async move { session_event_names(&api.get(&base, path).await) }
    };
    let joined = [
        "session.started",
        "participant.joined:ada",
        "participant.joined:bob",
        "participant.joined:cy",
    ];
    assert_eq!(events(server.base.clone()).await, joined);
    let mut server = server;
    server.child.start_kill().unwrap(); // SIGKILL
    server.child.wait().await.unwrap();
    drop(sockets);

    // Ada and Bob come back at once; Cy does not.
    let restarted = start_server_with(dir.path(), &grace).await;
    let (mut ada, welcome) = Ws::joined(&restarted.base, &tokens[0]).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    let listed: Vec<&str> = welcome["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["user"]["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["bob", "cy"], "the earlier run's participants");
    let (_bob, welcome) = Ws::joined(&restarted.base, &tokens[1]).await;
    assert_eq!(welcome["resumed"], true, "{welcome}");
    assert_eq!(events(restarted.base.clone()).await, joined);

    // Cy's grace runs out: Ada hears Cy left (and never that Bob did), and that is stored.
    let left = ada.recv_type("participant_left").await;
    assert_eq!(left["user"]["custom_id"], "cy", "{left}");
    let mut after = joined.map(String::from).to_vec();
    after.push("participant.left:cy".into());
    assert_eq!(events(restarted.base.clone()).await, after);
    assert!(restarted.terminate().await.success());
}

/// The real binary closes slow and silent clients (its flags reach the server), refuses a
/// second server on the same database, and says why.
#[tokio::test]
async fn the_binary_closes_slow_clients_and_refuses_a_second_server() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let server = start_server_with(
        dir.path(),
        &[
            "--header-read-timeout",
            "300ms",
            "--idle-timeout",
            "600ms",
            "--ws-heartbeat",
            "200ms",
        ],
    )
    .await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut half = tokio::net::TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"GET /healthz HTT").await.unwrap();
    let silent = tokio::net::TcpStream::connect(&addr).await.unwrap();
    for mut stream in [half, silent] {
        let mut buf = [0u8; 256];
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(_) => continue,
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "the binary kept a dawdling connection open");
    }

    let out = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &database_url(dir.path()),
        ])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success(), "a second server started");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("already served"), "{stderr}");
    server.terminate().await;
}

/// `accounts list`, `accounts rotate-key` and `nodes` only read what is there: on a mistyped
/// path, a file without our schema or one with an older schema they fail, naming the database,
/// and create or migrate nothing.
#[tokio::test]
async fn read_only_commands_create_and_migrate_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let commands: [&[&str]; 3] = [
        &["accounts", "list"],
        &["accounts", "rotate-key", "--account", "acct_x"],
        &["nodes"],
    ];
    let run = |args: &'static [&'static str], database: String| async move {
        Command::new(BIN)
            .args(args)
            .args(["--database", &database])
            .env("COLLABKIT_LOG", "warn")
            .output()
            .await
            .unwrap()
    };

    // A mistyped path.
    let typo = dir.path().join("colabkit.db");
    for args in commands {
        let out = run(args, format!("sqlite://{}", typo.display())).await;
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            said.contains(&format!("no database at {}", typo.display())),
            "{args:?}: {said}"
        );
        assert!(!typo.exists(), "{args:?} created {}", typo.display());
    }

    // A file that is not a CollabKit database yet (empty), and one of an older schema.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    let old = dir.path().join("old.db");
    rusqlite::Connection::open(&old)
        .unwrap()
        .execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL);
             INSERT INTO schema_migrations VALUES (1, '2026-01-01T00:00:00Z');",
        )
        .unwrap();
    for args in commands {
        let out = run(args, format!("sqlite://{}", empty.display())).await;
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(said.contains("has no CollabKit schema"), "{args:?}: {said}");
        assert!(said.contains(&empty.display().to_string()), "{said}");
        assert_eq!(
            std::fs::metadata(&empty).unwrap().len(),
            0,
            "{args:?} wrote"
        );

        let out = run(args, format!("sqlite://{}", old.display())).await;
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(
            said.contains("has schema version 1") && said.contains("collabkit migrate"),
            "{args:?}: {said}"
        );
        let versions: i64 = rusqlite::Connection::open(&old)
            .unwrap()
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(versions, 1, "{args:?} migrated");
    }

    // An empty PostgreSQL database is left empty.
    use collabkit_store_postgres::admin;
    let admin_url = admin::test_server_url();
    let name = admin::fresh_database_name("collabkit_api_readonly");
    let url = admin::create_database(&admin_url, &name).await.unwrap();
    for args in commands {
        let out = run(args, url.clone()).await;
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}");
        assert!(said.contains("has no CollabKit schema"), "{args:?}: {said}");
    }
    let tables: i64 = admin::admin_client(&url)
        .await
        .unwrap()
        .query_one(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    admin::drop_database(&admin_url, &name).await.unwrap();
    assert_eq!(tables, 0, "a read-only command created tables");

    // On a real database they work (see serve_bootstraps_once_and_accounts_create_works_beside_it).
    let db = format!("sqlite://{}", dir.path().join("real.db").display());
    let out = Command::new(BIN)
        .args(["migrate", "--database", &db])
        .output()
        .await
        .unwrap();
    assert!(out.status.success());
    for args in [&["accounts", "list"][..], &["nodes"][..]] {
        let out = run(args, db.clone()).await;
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Each command's `--help` lists the flags it uses, and says what a first-time operator must
/// know (`--secret-key` is required with PostgreSQL).
#[tokio::test]
async fn help_lists_the_flags_that_apply() {
    let help = |args: &'static [&'static str]| async move {
        let out = Command::new(BIN)
            .args(args)
            .arg("--help")
            .output()
            .await
            .unwrap();
        assert!(out.status.success(), "{args:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let tuning = [
        "--sqlite-synchronous",
        "--sqlite-wal-limit-mib",
        "--sqlite-cache-mib",
        "--max-write-wait",
        "--pg-pool-size",
    ];
    let serve = help(&["serve"]).await;
    for flag in tuning {
        assert!(serve.contains(flag), "serve --help lacks {flag}");
    }
    let secret_key = serve
        .split("--secret-key")
        .nth(1)
        .and_then(|rest| rest.split("\n  --").next())
        .unwrap();
    assert!(
        secret_key.contains("Required with PostgreSQL"),
        "{secret_key}"
    );
    let one_shot: [&[&str]; 5] = [
        &["accounts", "create"],
        &["accounts", "list"],
        &["accounts", "rotate-key"],
        &["migrate"],
        &["nodes"],
    ];
    for args in one_shot {
        let text = help(args).await;
        assert!(text.contains("--database"), "{args:?}");
        for flag in tuning {
            assert!(!text.contains(flag), "{args:?} --help lists {flag}");
        }
    }
}

/// With `--initial-credentials-file`, the first start writes the first account's id and key to
/// an owner-only file and prints no key (stdout ends up in journald or docker logs); later
/// starts leave the file alone.
#[tokio::test]
async fn the_first_key_can_go_to_a_file_instead_of_stdout() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("first-account.json");
    let start = || async {
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--database", &database_url(dir.path())])
            .arg("--initial-credentials-file")
            .arg(&creds)
            .env("COLLABKIT_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.path().join("server.log")).unwrap())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut printed = Vec::new();
        let base = loop {
            let line = tokio::time::timeout(Duration::from_secs(30), stdout.next_line())
                .await
                .expect("the server prints its address")
                .unwrap()
                .expect("the server exited early");
            printed.push(line.clone());
            if let Some(rest) = line.strip_prefix("CollabKit listening on ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // Drained: a closed pipe would fail the server's next line.
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        (child, base, printed.join("\n"))
    };
    let (mut child, base, printed) = start().await;
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&creds).unwrap()).unwrap();
    let (id, key) = (
        written["account_id"].as_str().unwrap(),
        written["api_key"].as_str().unwrap(),
    );
    let mode = std::fs::metadata(&creds).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "owner-only");
    assert!(!printed.contains(key), "the key was printed: {printed}");
    assert!(printed.contains(&creds.display().to_string()), "{printed}");
    assert_eq!(can_list_rooms(&base, id, key).await, StatusCode::OK);
    child.kill().await.unwrap();
    let log = std::fs::read_to_string(dir.path().join("server.log")).unwrap();
    assert!(!log.contains(key), "the key was logged");

    let before = std::fs::read(&creds).unwrap();
    let (mut again, _, printed) = start().await;
    assert!(!printed.contains("first account"), "{printed}");
    assert_eq!(
        std::fs::read(&creds).unwrap(),
        before,
        "a later start leaves it"
    );
    assert!(!dir.path().join("first-account.json.partial").exists());
    again.kill().await.unwrap();
}

/// At the default log level a request writes no log line (one INFO line per request was ~720 MB
/// an hour at 800 requests/s); `--access-log` brings the lines back.
#[tokio::test]
async fn the_access_log_is_opt_in() {
    let dir = tempfile::tempdir().unwrap();
    for (flags, logged) in [(&[][..], false), (&["--access-log"][..], true)] {
        let log = dir.path().join("server.log");
        let mut child = Command::new(BIN)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--database", &database_url(dir.path())])
            .args(flags)
            .env_remove("COLLABKIT_LOG")
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = stdout
                .next_line()
                .await
                .unwrap()
                .expect("the server starts");
            if let Some(rest) = line.strip_prefix("CollabKit listening on ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        for path in ["/healthz", "/v1/accounts/acct_x/rooms"] {
            crate::helpers::client()
                .get(format!("{base}{path}"))
                .send()
                .await
                .unwrap();
        }
        // Its last line (`stopped`) comes after every request's.
        let pid = child.id().unwrap().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .await
                .unwrap()
                .success()
        );
        while let Ok(Some(_)) = stdout.next_line().await {}
        assert!(child.wait().await.unwrap().success());
        let text = std::fs::read_to_string(&log).unwrap();
        assert!(text.contains("stopped"), "{text}");
        assert_eq!(
            text.contains("finished processing request"),
            logged,
            "{flags:?}: {text}"
        );
        assert_eq!(text.contains("/v1/accounts/acct_x/rooms"), logged, "{text}");
    }
}

/// User tokens never reach the log, whichever protocol carries them (the URL of version 1,
/// the first frame of version 2), and neither does a refused one — at DEBUG with the access
/// log on.
#[tokio::test]
async fn user_tokens_never_reach_the_log() {
    use crate::ws::Ws;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("trace.log");
    let server = crate::helpers::start_binary_logging(
        &database_url(dir.path()),
        log.clone(),
        &["--access-log"],
        "debug",
    )
    .await;
    let api = Api::of(&server);
    let room = api.post(&server.base, "/rooms", json!({"name": "r"})).await;
    let body = json!({"name": "ada", "roomId": room["data"]["room"]["id"]});
    let user = api.post(&server.base, "/users", body).await;
    let token = user["data"]["token"].as_str().unwrap().to_string();
    let (v1, _) = Ws::connect_to(&server.base, &token).await;
    v1.close().await;
    let (v2, _) = Ws::joined(&server.base, &token).await;
    v2.close().await;
    let forged = format!("{token}x");
    let mut refused = Ws::open_v2(&server.base).await;
    refused
        .send(serde_json::json!({"type": "auth", "token": forged}))
        .await;
    assert_eq!(refused.recv().await["type"], "auth_failed");
    assert!(server.terminate().await.success());
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("/v1/connect"), "the access log ran: {text}");
    // The signature is the secret part; no piece of the token is logged.
    let signature = token.rsplit('.').next().unwrap();
    assert!(!text.contains(signature), "a token in the log");
    assert!(
        !text.contains(&token[..token.len() / 2]),
        "a token in the log"
    );
}
