//! The dashboard (`/dashboard`) in a real browser: `dashboard/e2e/` drives Debian's Chromium
//! with playwright-core against this server, with a receiver of its own on loopback. Its
//! screenshots, every page at a laptop and a phone width, land in
//! `target/dashboard-screenshots/`; with `COLLABKIT_UPDATE_SCREENSHOTS=1` the README's are
//! refreshed from them (`docs/screenshots/`).

use std::path::{Path, PathBuf};
use std::process::Command;
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

/// The Chromium to drive: `CHROMIUM`, else Debian's.
fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "the dashboard's browser tests need Chromium at {}: `apt-get install chromium` \
         (Debian's package; `.ci/run` installs it) or set CHROMIUM",
        path.display()
    );
    path
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
    installed();
    let chromium = chromium();
    let app = TestApp::spawn_for_delivery(|c| {
        c.realtime.leave_grace = Duration::from_millis(200);
    })
    .await;
    let shots = repo().join("target/dashboard-screenshots");
    let (base, account, key) = (
        app.base.clone(),
        app.account_id.clone(),
        app.api_key.clone(),
    );
    let run = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "e2e/"])
            .current_dir(dashboard_dir())
            .env("COLLABKIT_URL", base)
            .env("COLLABKIT_ACCOUNT_ID", account)
            .env("COLLABKIT_API_KEY", key)
            .env("CHROMIUM", chromium)
            .env("SCREENSHOT_DIR", &shots)
            .output()
            .unwrap()
    })
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
        for page in ["overview", "webhook", "rooms", "webhook-created"] {
            for width in ["desktop", "phone"] {
                let name = format!("{page}-{width}.png");
                std::fs::copy(shots.join(&name), docs.join(&name)).unwrap();
            }
        }
    }
}
