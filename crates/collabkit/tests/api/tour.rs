//! The README's five-minute tour, run as written: its shell lines are extracted from the
//! README and pasted into bash against the real binary (the servers it starts in its own
//! terminals are started by the test, on free ports).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_collabkit");

/// The shell lines of the tour's code blocks, in order (comments and the prompts of long-running
/// commands left out; `cargo run --release --` is the binary under test).
fn tour_lines() -> Vec<String> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let start = readme.find("## Five-minute tour").expect("the tour");
    // The tour ends where the next section begins.
    let end = start + 1 + readme[start + 1..].find("\n## ").expect("its end");
    let mut lines = Vec::new();
    let (mut in_block, mut first_of_block, mut transcript) = (false, false, false);
    let mut continued = String::new();
    for line in readme[start..end].lines() {
        if line.starts_with("```") {
            in_block = line == "```sh";
            first_of_block = in_block;
            continue;
        }
        // A block that starts with a `$ ` prompt is a transcript (a command and its output).
        if first_of_block {
            transcript = line.starts_with("$ ");
            first_of_block = false;
        }
        if !in_block || transcript || line.trim_start().starts_with('#') {
            continue;
        }
        let line = line.replace("cargo run --release --", BIN);
        if let Some(head) = line.strip_suffix('\\') {
            continued.push_str(head);
            continue;
        }
        lines.push(format!("{continued}{line}"));
        continued.clear();
    }
    lines
}

async fn bash(script: &str) -> String {
    let out = Command::new("bash")
        .args(["-euo", "pipefail", "-c", script])
        .output()
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the tour fails:\n{script}\n---\n{text}"
    );
    text
}

async fn free_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn the_readme_tour_runs_as_written() {
    let lines = tour_lines();
    assert!(lines.len() > 10, "{lines:?}");
    let dir = tempfile::tempdir().unwrap();
    let (port, hooks_port) = (free_port().await, free_port().await);
    let address = format!("127.0.0.1:{port}");

    // Terminal 1: the server (the tour restarts it with --allow-private-destinations; here it
    // starts with it, on the same database the tour's commands use).
    let mut server = Command::new(BIN)
        .args([
            "serve",
            "--allow-private-destinations",
            "--listen",
            &address,
        ])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = BufReader::new(server.stdout.take().unwrap()).lines();
    let (mut account, mut key) = (String::new(), String::new());
    while let Some(line) = tokio::time::timeout(Duration::from_secs(30), out.next_line())
        .await
        .unwrap()
        .unwrap()
    {
        if let Some(v) = line.trim().strip_prefix("account_id:") {
            account = v.trim().to_owned();
        }
        if let Some(v) = line.trim().strip_prefix("api_key:") {
            key = v.trim().to_owned();
        }
        if line.starts_with("CollabKit listening on") {
            break;
        }
    }
    assert!(!account.is_empty() && !key.is_empty());

    // The tour's lines with this run's account, key and ports.
    let adapt = |line: &str| {
        let line = if line.starts_with("ACCOUNT=") {
            format!("ACCOUNT={account}")
        } else if line.starts_with("KEY=") {
            format!("KEY={key}")
        } else {
            line.to_owned()
        };
        line.replace("127.0.0.1:8080", &address)
            .replace("127.0.0.1:9000", &format!("127.0.0.1:{hooks_port}"))
    };
    let shell: Vec<String> = lines
        .iter()
        .filter(|l| !l.contains(&format!("{BIN} serve")))
        .map(|l| adapt(l))
        .collect();
    // Up to the webhook's registration (its response shows the secret the next step uses).
    let listen_at = shell
        .iter()
        .position(|l| l.contains(&format!("{BIN} listen")))
        .expect("the tour starts the receiver");
    let first = shell[..listen_at].join("\n");
    let said = bash(&first).await;
    assert!(
        said.contains("\"user.created\""),
        "the stored event is listed: {said}"
    );
    let secret = said
        .split("\"secret\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the registration shows its secret")
        .to_owned();

    // Terminal 3: the receiver, with that secret.
    let listen = shell[listen_at].replace("'whsec_…'", &format!("'{secret}'"));
    let mut receiver = Command::new("bash")
        .args(["-c", &format!("exec {listen}")])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut printed = BufReader::new(receiver.stdout.take().unwrap()).lines();
    let ready = tokio::time::timeout(Duration::from_secs(10), printed.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(ready.starts_with("listening for webhooks"), "{ready}");

    // The rest, in the same shell state (the variables of the first part are set again).
    let setup: Vec<&String> = shell[..listen_at]
        .iter()
        .filter(|l| {
            l.starts_with("ACCOUNT=")
                || l.starts_with("KEY=")
                || l.starts_with("API=")
                || l.starts_with("AUTH=")
                || l.starts_with("ROOM=")
        })
        .collect();
    let rest = format!(
        "{}\n{}",
        setup
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        shell[listen_at + 1..].join("\n")
    );
    let said = bash(&format!("{rest}\nsleep 1")).await;
    assert!(
        said.contains("\"attempts\""),
        "the attempts of the delivery: {said}"
    );
    assert!(
        said.contains("invalid_body"),
        "bad input is refused: {said}"
    );

    let mut deliveries = Vec::new();
    while let Ok(Ok(Some(line))) =
        tokio::time::timeout(Duration::from_secs(5), printed.next_line()).await
    {
        if line.starts_with("── delivery") {
            deliveries.push(line);
            break;
        }
    }
    assert!(
        deliveries.iter().any(|l| l.ends_with("signature: valid")),
        "a signed delivery arrives: {deliveries:?}"
    );
    receiver.kill().await.ok();
    server.kill().await.ok();
}
