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
    let mut ts = format!(
        "import type {{ WebhookPayload }} from '{}';\n\n",
        package_import()
    );
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
    let file = dir.path().join("drift.ts");
    std::fs::write(&file, &ts).unwrap();
    tsc(&file, &ts, Tsc::NODE, "tsc refuses the delivered payloads");
}

/// How [`tsc`] compiles, besides strictly, as ES2022 Node modules.
#[derive(Clone, Copy)]
struct Tsc<'a> {
    /// With Node's types (the package's `@types/node`), for code that runs in Node.
    node_types: bool,
    /// Where the JavaScript goes; without it nothing is emitted (a check only).
    out_dir: Option<&'a Path>,
}

impl Tsc<'_> {
    /// A check of code that runs in Node.
    const NODE: Tsc<'static> = Tsc {
        node_types: true,
        out_dir: None,
    };
}

/// Compiles `file` with the package's TypeScript as `how` says; panics with `refused`, the
/// compiler's output and `source` (the file's text) when it refuses it.
fn tsc(file: &Path, source: &str, how: Tsc, refused: &str) {
    let mut command = Command::new("node");
    command
        .arg(package_dir().join("node_modules/typescript/bin/tsc"))
        .args([
            "--strict",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            "--target",
            "es2022",
        ]);
    if how.node_types {
        command
            .args(["--types", "node", "--typeRoots"])
            .arg(package_dir().join("node_modules/@types"));
    }
    match how.out_dir {
        Some(dir) => command.arg("--outDir").arg(dir),
        None => command.arg("--noEmit"),
    };
    let out = command.arg(file).output().unwrap();
    assert!(
        out.status.success(),
        "{refused}:\n{}{}\n{source}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The package's entry point as a TypeScript import path.
fn package_import() -> String {
    let src = package_dir().join("src/index.js");
    src.canonicalize().unwrap_or(src).display().to_string()
}

/// Real answers of every kind (created, listed, read with sub-lists, each error class) are the
/// envelope of the Rust types (`ServerResponse`, `ServerError`, unknown fields refused; the
/// rooms and users in them `CollabKitRoom`, `CollabKitUser`, `WebhookUser`,
/// `CollabKitUserSession`) and of the TypeScript ones (each body an object literal of its
/// `ServerResponse<…>` type, so an extra or a missing field fails `tsc`).
#[tokio::test]
async fn api_answers_match_the_typescript_and_rust_envelope_types() {
    use collabkit_webhooks::{
        CollabKitRoom, CollabKitUser, CollabKitUserSession, ServerError, ServerResponse,
        WebhookUser,
    };
    let app = TestApp::spawn().await;
    let mut answers: Vec<(&str, Value)> = Vec::new();
    let (status, created) = app
        .post(
            "/rooms",
            json!({"name": "Envelope", "customId": "envelope"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let room_id = created["data"]["room"]["id"].as_str().unwrap().to_owned();
    answers.push(("{ room: CollabKitRoom }", created));
    let (status, bare) = app.post("/rooms", json!({"name": "No custom id"})).await;
    assert_eq!(status, 201, "{bare}");
    assert_eq!(bare["data"]["room"]["custom_id"], Value::Null);
    answers.push(("{ room: CollabKitRoom }", bare));
    let (status, user) = app
        .post(
            "/users",
            json!({"name": "Ann", "roomId": room_id, "customId": "ann", "profilePicture": "https://example.com/a.png"}),
        )
        .await;
    assert_eq!(status, 201, "{user}");
    assert_eq!(user["data"]["token"], user["data"]["user"]["token"]);
    let user_id = user["data"]["user"]["id"].as_str().unwrap().to_owned();
    answers.push(("{ user: CollabKitUser; token: string }", user));
    let rooms_list = "{ rooms: CollabKitRoom[]; total: number; limit: number; offset: number; next_cursor: string | null }";
    answers.push((rooms_list, app.get("/rooms").await.1));
    let room_with_users = "{ room: CollabKitRoom; users: WebhookUser[]; usersTotal: number; limit: number; offset: number }";
    answers.push((
        room_with_users,
        app.get(&format!("/rooms/{room_id}")).await.1,
    ));
    answers.push((room_with_users, app.get("/rooms/custom/envelope").await.1));
    let users_list = "{ users: CollabKitUser[]; total: number; limit: number; offset: number; next_cursor: string | null }";
    answers.push((
        users_list,
        app.get(&format!("/users?roomId={room_id}")).await.1,
    ));
    let user_with_sessions = "{ user: CollabKitUser; sessions: CollabKitUserSession[] }";
    answers.push((
        user_with_sessions,
        app.get(&format!("/users/{user_id}?roomId={room_id}"))
            .await
            .1,
    ));
    answers.push((
        user_with_sessions,
        app.get(&format!("/users/custom/ann?roomId={room_id}"))
            .await
            .1,
    ));
    // The error classes: not found, a body of the wrong shape, a broken rule, a conflict, bad
    // query, malformed JSON.
    let failure = "Record<string, never>";
    let mut errors = vec![
        ("NOT_FOUND", app.get("/rooms/custom/nope").await),
        (
            "VALIDATION_ERROR",
            app.post("/rooms", json!({"name": 5})).await,
        ),
        (
            "VALIDATION_ERROR",
            app.post("/rooms", json!({"name": ""})).await,
        ),
        (
            "CONFLICT",
            app.post("/rooms", json!({"name": "Again", "customId": "envelope"}))
                .await,
        ),
        ("BAD_REQUEST", app.get("/rooms?limit=1000").await),
    ];
    let malformed = app
        .send(
            app.client
                .post(app.url("/rooms"))
                .header("content-type", "application/json")
                .body("{"),
        )
        .await;
    errors.push(("BAD_REQUEST", malformed));
    for (code, (status, body)) in errors {
        assert_eq!(body["error"]["code"], code, "{status} {body}");
        answers.push((failure, body));
    }

    for (_, body) in &answers {
        // Rust: the envelope, and the resources inside it with their own types.
        let typed: ServerResponse<Value> = serde_json::from_value(body.clone())
            .unwrap_or_else(|e| panic!("the Rust envelope refuses {body}: {e}"));
        assert_eq!(typed.success, typed.error.is_none(), "{body}");
        assert!(!typed.request_id.is_empty(), "{body}");
        if let Some(error) = &typed.error {
            let _: ServerError = error.clone();
            assert_eq!(typed.data, json!({}), "data is {{}} on failure: {body}");
        }
        let data = &body["data"];
        if let Some(room) = data.get("room") {
            serde_json::from_value::<CollabKitRoom>(room.clone())
                .unwrap_or_else(|e| panic!("CollabKitRoom refuses {room}: {e}"));
        }
        for room in data["rooms"].as_array().into_iter().flatten() {
            serde_json::from_value::<CollabKitRoom>(room.clone())
                .unwrap_or_else(|e| panic!("CollabKitRoom refuses {room}: {e}"));
        }
        if let Some(user) = data.get("user") {
            serde_json::from_value::<CollabKitUser>(user.clone())
                .unwrap_or_else(|e| panic!("CollabKitUser refuses {user}: {e}"));
        }
        let users = data["users"].as_array().into_iter().flatten();
        for user in users {
            // A room's users have no token; a list of users has them.
            if data.get("room").is_some() {
                serde_json::from_value::<WebhookUser>(user.clone())
                    .unwrap_or_else(|e| panic!("WebhookUser refuses {user}: {e}"));
            } else {
                serde_json::from_value::<CollabKitUser>(user.clone())
                    .unwrap_or_else(|e| panic!("CollabKitUser refuses {user}: {e}"));
            }
        }
        for session in data["sessions"].as_array().into_iter().flatten() {
            serde_json::from_value::<CollabKitUserSession>(session.clone())
                .unwrap_or_else(|e| panic!("CollabKitUserSession refuses {session}: {e}"));
        }
    }

    // TypeScript: each answer as an object literal of its type.
    installed();
    let mut ts = format!(
        "import type {{ CollabKitRoom, CollabKitUser, CollabKitUserSession, ServerResponse, WebhookUser }} from '{}';\n\n",
        package_import()
    );
    for (i, (data, body)) in answers.iter().enumerate() {
        ts.push_str(&format!(
            "export const a{i}: ServerResponse<{data}> = {body};\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("envelope.ts");
    std::fs::write(&file, &ts).unwrap();
    tsc(&file, &ts, Tsc::NODE, "tsc refuses it");
}

/// A third-party app backend written in TypeScript from the public docs (`ServerResponse`,
/// `CollabKitRoom`, `CollabKitUser` of `@collab-kit/utils`), compiled with `tsc` and run with
/// Node against the real binary: find-or-create of a room by customId (`GET
/// /rooms/custom/{customId}`, a 404 `NOT_FOUND`, then `POST /rooms`) and of a user in it (`GET
/// /users/custom/{customId}?roomId=`, 404, `POST /users`), reading `data.room` and the token at
/// `data.data.token` and `data.data.user.token`; a second run finds both.
#[tokio::test]
async fn a_backend_written_from_the_docs_finds_or_creates_against_the_binary() {
    installed();
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}", dir.path().join("collabkit.db").display());
    let server = crate::helpers::start_binary(&database, dir.path().join("server.log"), &[]).await;
    let (account, key) = server.first_account.clone().expect("a first account");

    let source = format!(
        r#"import type {{ CollabKitRoom, CollabKitUser, ServerResponse }} from '{import}';

const SERVER = process.argv[2];
const ACCOUNT_ID = process.argv[3];
const API_KEY = process.argv[4];
const api = `${{SERVER}}/v1/accounts/${{ACCOUNT_ID}}`;
const headers = {{ authorization: `Bearer ${{btoa(`${{ACCOUNT_ID}}:${{API_KEY}}`)}}`, 'content-type': 'application/json' }};

async function call<T>(method: string, path: string, body?: unknown): Promise<[number, ServerResponse<T>]> {{
  const res = await fetch(`${{api}}${{path}}`, {{ method, headers, body: body === undefined ? undefined : JSON.stringify(body) }});
  return [res.status, (await res.json()) as ServerResponse<T>];
}}

async function findOrCreateRoom(customId: string): Promise<[CollabKitRoom, boolean]> {{
  const [status, found] = await call<{{ room: CollabKitRoom }}>('GET', `/rooms/custom/${{encodeURIComponent(customId)}}`);
  if (status === 200) return [found.data.room, false];
  if (status !== 404 || found.error?.code !== 'NOT_FOUND' || found.success) throw new Error(JSON.stringify(found));
  const [created, made] = await call<{{ room: CollabKitRoom }}>('POST', '/rooms', {{ name: 'Whiteboard', customId }});
  if (created !== 201 || made.description !== 'Room created') throw new Error(JSON.stringify(made));
  return [made.data.room, true];
}}

async function findOrCreateUser(room: CollabKitRoom, customId: string): Promise<[CollabKitUser, boolean]> {{
  const [status, found] = await call<{{ user: CollabKitUser }}>('GET', `/users/custom/${{customId}}?roomId=${{room.id}}`);
  if (status === 200) return [found.data.user, false];
  if (status !== 404 || found.error?.code !== 'NOT_FOUND') throw new Error(JSON.stringify(found));
  const [created, made] = await call<{{ user: CollabKitUser; token: string }}>('POST', '/users', {{
    name: 'Ann', roomId: room.id, customId, profilePicture: 'https://example.com/ann.png',
  }});
  if (created !== 201 || made.data.token !== made.data.user.token) throw new Error(JSON.stringify(made));
  return [made.data.user, true];
}}

const [room, roomCreated] = await findOrCreateRoom('board-1');
const [user, userCreated] = await findOrCreateUser(room, 'ann');
console.log(JSON.stringify({{ roomCreated, userCreated, room: room.id, custom: room.custom_id, state: room.state,
  user: user.id, status: user.status, picture: user.profile_picture, token: user.token.length > 0 }}));
"#,
        import = package_import()
    );
    let work = tempfile::tempdir().unwrap();
    // An ES module (top-level await), as a Worker's or a modern Node app's code is.
    std::fs::write(work.path().join("package.json"), r#"{"type":"module"}"#).unwrap();
    let file = work.path().join("backend.ts");
    std::fs::write(&file, &source).unwrap();
    // Type-checked (strict) and compiled for Node in one go (the type-only import is erased).
    let out = work.path().join("out");
    let emit = Tsc {
        node_types: true,
        out_dir: Some(&out),
    };
    tsc(&file, &source, emit, "tsc refuses the backend");
    // Under `out/`, at the path of the sources' common directory (the package's files, which
    // the type import names, are in the program too).
    fn find(dir: &Path, name: &str) -> Option<PathBuf> {
        std::fs::read_dir(dir).ok()?.flatten().find_map(|e| {
            let path = e.path();
            if path.is_dir() {
                find(&path, name)
            } else {
                (path.file_name()? == name).then_some(path)
            }
        })
    }
    let script = find(&out, "backend.js").expect("tsc wrote backend.js");
    let run = |round: &str| {
        let out = Command::new("node")
            .arg(&script)
            .args([&server.base, &account, &key])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{round}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let first = run("first run");
    assert_eq!(
        (
            &first["roomCreated"],
            &first["userCreated"],
            &first["custom"],
            &first["state"],
            &first["status"],
            &first["picture"],
            &first["token"],
        ),
        (
            &json!(true),
            &json!(true),
            &json!("board-1"),
            &json!("active"),
            &json!("offline"),
            &json!("https://example.com/ann.png"),
            &json!(true)
        ),
        "{first}"
    );
    let second = run("second run");
    assert_eq!(
        (&second["roomCreated"], &second["userCreated"]),
        (&json!(false), &json!(false)),
        "found the second time: {second}"
    );
    assert_eq!(
        (&second["room"], &second["user"]),
        (&first["room"], &first["user"])
    );
    let mut server = server;
    server.child.kill().await.ok();
}

/// A TypeScript client generated from the server's OpenAPI document (`openapi-typescript`)
/// compiles, and its types describe the API as it is used.
#[tokio::test]
async fn a_typescript_client_generated_from_the_openapi_document_compiles() {
    let app = TestApp::spawn().await;
    let doc = app.openapi().await.to_string();
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
    let uses = r#"import type { paths, components } from './api.js';
type CreateRoom = paths['/v1/accounts/{account_id}/rooms']['post']['requestBody'];
const body: NonNullable<CreateRoom>['content']['application/json'] = { name: 'Design', customId: 'design' };
type Created = paths['/v1/accounts/{account_id}/rooms']['post']['responses']['201']['content']['application/json'];
export const id = (r: Created): string => r.data.room.id;
export const error = (e: components['schemas']['ErrorBody']): string => e.error.code;
export const sent = body;
"#;
    let file = dir.path().join("use.ts");
    std::fs::write(&file, uses).unwrap();
    let check = Tsc {
        node_types: false,
        out_dir: None,
    };
    tsc(&file, uses, check, "the generated client does not compile");
}
