//! The OpenAPI document keeps telling the truth: schemathesis (from PyPI, installed into a
//! virtualenv under `target/` on first use) fuzzes a live server from the document for a bounded
//! time, with the checks for server errors, status codes, content types and response schemas,
//! and any finding fails the test.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::helpers::TestApp;

const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// `target/schemathesis/bin/schemathesis`, installed once.
fn schemathesis() -> PathBuf {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/schemathesis");
    let bin = venv.join("bin/schemathesis");
    if !bin.exists() {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is needed for the contract test");
        assert!(made.success(), "python3 -m venv failed");
        let out = Command::new(venv.join("bin/pip"))
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                SCHEMATHESIS,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "installing {SCHEMATHESIS} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    bin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_survives_a_fuzzer() {
    let app = TestApp::spawn().await;
    let mut doc = app.openapi().await;
    // The account in the path is the test's own (another one would only ever get 403).
    let mut paths = serde_json::Map::new();
    for (path, mut item) in doc["paths"].as_object().unwrap().clone() {
        for op in item.as_object_mut().unwrap().values_mut() {
            if let Some(params) = op.get_mut("parameters").and_then(Value::as_array_mut) {
                params.retain(|p| p["name"] != "account_id");
            }
        }
        paths.insert(path.replace("{account_id}", &app.account_id), item);
    }
    doc["paths"] = Value::Object(paths);
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("openapi.json");
    std::fs::write(&spec, doc.to_string()).unwrap();

    let bin = schemathesis();
    let bearer = format!("Authorization: Bearer {}", app.bearer());
    let base = app.base.clone();
    let workdir = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(bin)
            // Its cache of past findings goes with the run, not into the source tree.
            .current_dir(workdir)
            .arg("run")
            .arg(&spec)
            .args(["--url", &base, "--header", &bearer])
            .args([
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--max-examples",
                "25",
                "--max-time",
                "60",
                "--seed",
                "20261130",
                "--warnings",
                "off",
            ])
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && report.contains("No issues found"),
        "schemathesis found problems:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
