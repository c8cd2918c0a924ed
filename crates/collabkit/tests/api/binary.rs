//! The `collabkit` binary itself: first-start bootstrap, `accounts create` next to a running
//! server, `migrate`, clear errors, and a clean exit on SIGTERM.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

const BIN: &str = env!("CARGO_BIN_EXE_collabkit");

fn database_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("bin.db").display())
}

struct Server {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    base: String,
    /// The first account's (id, key) when this start created it.
    first_account: Option<(String, String)>,
}

async fn start_server(dir: &Path) -> Server {
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--database",
            &database_url(dir),
        ])
        .env("COLLABKIT_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut id, mut key) = (None, None);
    let base = loop {
        let line = tokio::time::timeout(Duration::from_secs(30), stdout.next_line())
            .await
            .expect("the server prints its address")
            .unwrap()
            .expect("the server exited early");
        if let Some(v) = line.trim().strip_prefix("account_id:") {
            id = Some(v.trim().to_string());
        }
        if let Some(v) = line.trim().strip_prefix("api_key:") {
            key = Some(v.trim().to_string());
        }
        if let Some(rest) = line.strip_prefix("CollabKit listening on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    Server {
        child,
        stdout,
        base,
        first_account: id.zip(key),
    }
}

impl Server {
    async fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().unwrap().to_string();
        let killed = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(killed.success());
        // Drain stdout so the child never blocks on a full pipe.
        while let Ok(Some(_)) = self.stdout.next_line().await {}
        tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .expect("the server stops on SIGTERM")
            .unwrap()
    }
}

async fn can_list_rooms(base: &str, account_id: &str, key: &str) -> StatusCode {
    reqwest::Client::new()
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
    let (id, key) = server
        .first_account
        .clone()
        .expect("first start prints an account");
    assert_eq!(
        can_list_rooms(&server.base, &id, &key).await,
        StatusCode::OK
    );

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
}
