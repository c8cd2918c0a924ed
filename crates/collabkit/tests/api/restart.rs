use reqwest::StatusCode;

use crate::helpers::TestApp;
use crate::helpers::untokened;

#[tokio::test]
async fn a_restart_keeps_everything() {
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    let user = app.create_user(room["id"].as_str().unwrap(), "u").await;
    // The room with its counters as the user's creation left them.
    let (_, body) = app
        .get(&format!("/rooms/{}", room["id"].as_str().unwrap()))
        .await;
    let room = body["data"]["room"].clone();
    assert_eq!(room["total_users_created"], 1);
    let user = {
        let (_, body) = app
            .get(&format!("/users/{}", user["id"].as_str().unwrap()))
            .await;
        body["data"]["user"].clone()
    };
    let events_before = app.events().await;
    let creds = (app.account_id.clone(), app.api_key.clone());
    let dir = app.stop().await;

    let app = TestApp::spawn_in(dir, Some(creds)).await;
    let (status, body) = app
        .get(&format!("/rooms/{}", room["id"].as_str().unwrap()))
        .await;
    assert_eq!(status, StatusCode::OK, "the account and its key survive");
    assert_eq!(body["data"]["room"], room);
    let (_, body) = app
        .get(&format!("/users/{}", user["id"].as_str().unwrap()))
        .await;
    assert_eq!(untokened(&body["data"]["user"]), untokened(&user));
    assert_eq!(app.events().await, events_before);
}

/// A graceful stop copies the write-ahead log into the database and leaves no log behind.
#[tokio::test]
async fn a_graceful_stop_leaves_no_wal() {
    if !crate::helpers::on_sqlite() {
        return;
    }
    let app = TestApp::spawn().await;
    let room = app.create_room("r").await;
    for i in 0..20 {
        app.create_user(room["id"].as_str().unwrap(), &format!("u{i}"))
            .await;
    }
    let dir = app.stop().await;
    let mut wal = TestApp::db_path(&dir).into_os_string();
    wal.push("-wal");
    let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(size, 0, "{} bytes left in {wal:?}", size);
}

/// A second server on a database that is being served refuses to start, saying who serves it
/// (it would close the first one's live sessions as left over from a crash); once the first
/// has stopped, it starts.
#[tokio::test]
async fn a_second_server_on_the_same_database_refuses_to_start() {
    if !crate::helpers::on_sqlite() {
        return;
    }
    let app = TestApp::spawn().await;
    let config = TestApp::config(&app.dir).await;
    let err = match collabkit::app::App::build(config.clone()).await {
        Ok(_) => panic!("a second server started on a served database"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("already served"), "{err}");
    assert!(
        err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    let dir = app.stop().await;
    collabkit::app::App::build(config)
        .await
        .expect("the database is free once its server stopped");
    drop(dir);
}
