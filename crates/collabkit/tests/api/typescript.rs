//! The TypeScript package `@collab-kit/utils` (`packages/utils`): built and tested from its
//! lockfile as part of this test command, and checked against what a real server delivers.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::TestApp;
use crate::receiver::Receiver;
use crate::ws::Ws;

fn package_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packages/utils")
}

fn npm(args: &[&str]) -> String {
    crate::npm::run(&package_dir(), args)
}

fn installed() {
    crate::npm::installed(&package_dir());
}

/// The package builds, its tests pass, and `npm pack` would ship the built code and its types.
#[test]
fn the_typescript_package_builds_tests_and_packs() {
    installed();
    let tested = npm(&["test"]);
    assert!(tested.contains("# fail 0"), "{tested}");
    let packed = npm(&["pack", "--dry-run"]);
    for file in ["dist/index.js", "dist/index.d.ts", "README.md"] {
        assert!(packed.contains(file), "{file} not packed:\n{packed}");
    }

    // The Node example receiver, on the package as built (a `file:` dependency).
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/node-receiver");
    let run = |program: &str, args: &[&str]| {
        let out = Command::new(program)
            .args(args)
            .current_dir(&example)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{program} {args:?}:\n{text}");
        text
    };
    run("npm", &["ci", "--no-audit", "--no-fund"]);
    let tested = run("node", &["--test", "test.mjs"]);
    assert!(tested.contains("# fail 0"), "{tested}");
}

/// A real server's deliveries of all seven events, checked against the TypeScript types (a
/// generated file assigning each body to `WebhookPayload` and narrowing on `event`, compiled
/// with `tsc --noEmit`) and against the Rust types.
#[tokio::test]
async fn delivered_payloads_match_the_typescript_and_rust_types() {
    let app = TestApp::spawn_for_delivery(|c| c.realtime.leave_grace = Duration::ZERO).await;
    let rx = Receiver::start().await;
    app.create_webhook(json!({"url": rx.url("/"), "events": [
        "participant.joined", "participant.left", "session.started", "session.closed",
        "user.created", "user.updated", "user.deleted"
    ]}))
    .await;
    let room = app.create_room("drift").await;
    let user = app.create_user(room["id"].as_str().unwrap(), "ann").await;
    let user_id = user["id"].as_str().unwrap();
    let (status, _) = app
        .patch(
            &format!("/users/{user_id}"),
            json!({"profilePicture": "https://example.com/ann.png"}),
        )
        .await;
    assert_eq!(status, 200);
    let (ws, _) = Ws::connect(&app, user["token"].as_str().unwrap()).await;
    ws.close().await;
    rx.wait_for(6, Duration::from_secs(10)).await;
    let (status, _) = app.delete(&format!("/users/{user_id}")).await;
    assert_eq!(status, 204);
    let got = rx.wait_for(7, Duration::from_secs(10)).await;

    let bodies: Vec<String> = got
        .iter()
        .map(|r| String::from_utf8(r.body.to_vec()).unwrap())
        .collect();
    let mut names: Vec<String> = Vec::new();
    for body in &bodies {
        // Rust: the one definition the server serializes with, unknown fields refused.
        let typed: collabkit_webhooks::WebhookPayload = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("the Rust types refuse {body}: {e}"));
        assert_eq!(
            serde_json::to_string(&typed).unwrap(),
            *body,
            "byte for byte"
        );
        let v: Value = serde_json::from_str(body).unwrap();
        names.push(v["event"].as_str().unwrap().to_owned());
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "participant.joined",
            "participant.left",
            "session.closed",
            "session.started",
            "user.created",
            "user.deleted",
            "user.updated"
        ]
    );

    // TypeScript: each body as an object literal typed `WebhookPayload` (excess properties are
    // errors), narrowed on its event.
    installed();
    let dir = tempfile::tempdir().unwrap();
    let src = package_dir().join("src/index.js").canonicalize().ok();
    let import = src.map_or_else(
        || package_dir().join("src/index.js").display().to_string(),
        |p| p.display().to_string(),
    );
    let mut ts = format!("import type {{ WebhookPayload }} from '{import}';\n\n");
    for (i, (body, name)) in bodies.iter().zip(&names).enumerate() {
        let member = match name.as_str() {
            "session.started" => "room.name",
            "session.closed" => "users.length",
            _ => "user.name",
        };
        ts.push_str(&format!(
            "const p{i}: WebhookPayload = {body};\nif (p{i}.event === '{name}') {{ console.log(p{i}.{member}); }}\n"
        ));
    }
    std::fs::write(dir.path().join("drift.ts"), &ts).unwrap();
    let tsc = package_dir().join("node_modules/typescript/bin/tsc");
    let out = Command::new("node")
        .arg(tsc)
        .args([
            "--noEmit",
            "--strict",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            "--target",
            "es2022",
            "--types",
            "node",
            "--typeRoots",
        ])
        .arg(package_dir().join("node_modules/@types"))
        .arg(dir.path().join("drift.ts"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "tsc refuses the delivered payloads:\n{}{}\n{ts}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A TypeScript client generated from the server's OpenAPI document (`openapi-typescript`)
/// compiles, and its types describe the API as it is used.
#[tokio::test]
async fn a_typescript_client_generated_from_the_openapi_document_compiles() {
    let app = TestApp::spawn().await;
    let doc = crate::helpers::client()
        .get(format!("{}/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    installed();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("openapi.json"), doc).unwrap();
    let generate = Command::new("node")
        .arg(package_dir().join("node_modules/openapi-typescript/bin/cli.js"))
        .arg(dir.path().join("openapi.json"))
        .arg("-o")
        .arg(dir.path().join("api.ts"))
        .output()
        .unwrap();
    assert!(
        generate.status.success(),
        "openapi-typescript: {}",
        String::from_utf8_lossy(&generate.stderr)
    );
    std::fs::write(
        dir.path().join("use.ts"),
        r#"import type { paths, components } from './api.js';
type CreateRoom = paths['/v1/accounts/{account_id}/rooms']['post']['requestBody'];
const body: NonNullable<CreateRoom>['content']['application/json'] = { name: 'Design', customId: 'design' };
type Created = paths['/v1/accounts/{account_id}/rooms']['post']['responses']['201']['content']['application/json'];
export const id = (r: Created): string => r.data.room.id;
export const error = (e: components['schemas']['ErrorBody']): string => e.error.code;
export const sent = body;
"#,
    )
    .unwrap();
    let out = Command::new("node")
        .arg(package_dir().join("node_modules/typescript/bin/tsc"))
        .args([
            "--noEmit",
            "--strict",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            "--target",
            "es2022",
        ])
        .arg(dir.path().join("use.ts"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the generated client does not compile:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
