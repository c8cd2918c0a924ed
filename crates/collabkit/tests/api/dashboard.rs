//! The dashboard (`/dashboard`) in a real browser: `dashboard/e2e/` drives Debian's Chromium
//! with playwright-core against this server, with a receiver of its own on loopback. Its
//! screenshots, every page at a laptop and a phone width, land in
//! `target/dashboard-screenshots/`; with `COLLABKIT_UPDATE_SCREENSHOTS=1` the README's are
//! refreshed from them (`docs/screenshots/`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use reqwest::StatusCode;

use crate::helpers::TestApp;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn dashboard_dir() -> PathBuf {
    repo().join("dashboard")
}

fn npm(args: &[&str]) -> String {
    crate::npm::run(&dashboard_dir(), args)
}

fn installed() {
    crate::npm::installed(&dashboard_dir());
}

/// The Chromium to drive: `CHROMIUM`, else Debian's `chromium`, which the test installs when it
/// is missing (apt-get, through sudo when not root): the README's test command is the whole
/// set-up, on a fresh machine too.
fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    // One install for the browser tests that run at once.
    static INSTALL: Mutex<()> = Mutex::new(());
    let _one = INSTALL.lock().unwrap_or_else(|e| e.into_inner());
    if !path.exists() && std::env::var_os("CHROMIUM").is_none() {
        let tried = install_chromium();
        assert!(
            path.exists(),
            "the dashboard's browser tests need Debian's Chromium at {}, and installing it \
             failed ({tried}): `apt-get install chromium`, or set CHROMIUM to a Chromium",
            path.display()
        );
    }
    assert!(path.exists(), "CHROMIUM names no file: {}", path.display());
    path
}

/// `apt-get install chromium`, after `apt-get update` when the package lists do not have it;
/// how it ended, for the message when it did not work.
fn install_chromium() -> String {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = Command::new(if root { "apt-get" } else { "sudo" });
        if !root {
            cmd.arg("apt-get");
        }
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        match cmd.output() {
            Ok(out) if out.status.success() => Ok(()),
            Ok(out) => Err(format!(
                "apt-get {}: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )),
            Err(e) => Err(format!("apt-get {}: {e}", args.join(" "))),
        }
    };
    let install = ["install", "-y", "--no-install-recommends", "chromium"];
    eprintln!("installing Debian's chromium for the dashboard's browser tests");
    match apt(&install).or_else(|_| apt(&["update"]).and_then(|()| apt(&install))) {
        Ok(()) => "installed".to_owned(),
        Err(e) => e,
    }
}

/// Runs one file of `dashboard/e2e/` with node's test runner against `app`, and fails with its
/// output unless every test in it passed.
async fn browser_tests(app: &TestApp, file: &str, env: &[(&str, String)]) -> String {
    installed();
    let chromium = chromium();
    let shots = repo().join("target/dashboard-screenshots");
    let mut cmd = Command::new("node");
    cmd.args(["--test", "--test-reporter=spec", file])
        .current_dir(dashboard_dir())
        .env("COLLABKIT_URL", &app.base)
        .env("COLLABKIT_ACCOUNT_ID", &app.account_id)
        .env("COLLABKIT_API_KEY", &app.api_key)
        .env("CHROMIUM", chromium)
        .env("SCREENSHOT_DIR", &shots);
    for (name, value) in env {
        cmd.env(name, value);
    }
    let run = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    println!("{text}");
    assert!(run.status.success(), "the browser tests failed:\n{text}");
    assert!(text.contains("fail 0"), "{text}");
    text
}

/// The committed build is what the sources build to: nobody can change the page and forget
/// to rebuild it, or commit a build from other sources.
#[test]
fn the_embedded_dashboard_is_built_from_its_sources() {
    installed();
    let out = tempfile::tempdir().unwrap();
    npm(&["run", "build", "--", out.path().to_str().unwrap()]);
    let committed = repo().join("crates/collabkit/src/dashboard/assets");
    for file in ["index.html", "app.js", "app.css"] {
        let built = std::fs::read(out.path().join(file)).unwrap();
        let embedded = std::fs::read(committed.join(file)).unwrap();
        assert!(
            built == embedded,
            "crates/collabkit/src/dashboard/assets/{file} is not what dashboard/src builds to: \
             run `npm --prefix dashboard run build` and commit the result"
        );
    }
}

#[tokio::test]
async fn the_dashboard_is_served_from_the_binary_with_a_strict_policy() {
    let app = TestApp::spawn().await;
    let page = app
        .client
        .get(format!("{}/dashboard", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    let html = page.text().await.unwrap();
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page loads its script");
    assert!(
        script.starts_with("/dashboard/assets/app.js?v="),
        "{script}"
    );
    let js = app
        .client
        .get(format!("{}{script}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    assert!(
        js.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let css = app
        .client
        .get(format!("{}/dashboard/assets/app.css", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(css.status(), StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_works_in_a_real_browser() {
    let app = TestApp::spawn_for_delivery(|c| {
        c.realtime.leave_grace = Duration::from_millis(200);
    })
    .await;
    browser_tests(&app, "e2e/dashboard.test.mjs", &[]).await;

    let shots = repo().join("target/dashboard-screenshots");
    for page in [
        "sign-in",
        "sign-in-wrong-key",
        "overview-empty",
        "overview",
        "webhooks",
        "webhook-new",
        "webhook-created",
        "webhook-delivery-failed",
        "webhook",
        "rooms",
        "room",
        "alerts",
    ] {
        for width in ["desktop", "phone"] {
            assert!(
                shots.join(format!("{page}-{width}.png")).exists(),
                "{page}-{width}"
            );
        }
    }
    if std::env::var_os("COLLABKIT_UPDATE_SCREENSHOTS").is_some() {
        let docs = repo().join("docs/screenshots");
        std::fs::create_dir_all(&docs).unwrap();
        for page in ["overview", "webhook", "rooms", "room", "webhook-created"] {
            for width in ["desktop", "phone"] {
                let name = format!("{page}-{width}.png");
                std::fs::copy(shots.join(&name), docs.join(&name)).unwrap();
            }
        }
    }
}

/// Five tabs of live rooms and room pages share one event stream (and all of them load, which
/// two streams a tab made impossible past the third over HTTP/1.1), and sixty live rooms with a
/// burst of 240 events keep a tab within its request budget, without a 429 under an account
/// rate limit of 20 a second (`dashboard/e2e/live.test.mjs`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_shares_one_stream_between_tabs_and_keeps_to_its_budget() {
    let rate = 20;
    let app = TestApp::spawn_with(|c| {
        c.realtime.leave_grace = Duration::from_millis(200);
        c.http.account_rate_limit = rate;
    })
    .await;
    browser_tests(
        &app,
        "e2e/live.test.mjs",
        &[("COLLABKIT_ACCOUNT_RATE_LIMIT", rate.to_string())],
    )
    .await;
}
