//! A PostgreSQL server other work uses too: transactions held open by other clients — in
//! another database, or a session in ours that is not a CollabKit node — hold back no reader
//! of the event log (PostgreSQL only; registered in `api_postgres` alone).

use std::time::Duration;

use crate::helpers::{Follower, TestApp};

/// A connection to `url` with a transaction that has written (it has an id) and stays open
/// until the connection is dropped.
async fn open_transaction(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute("BEGIN; SELECT pg_current_xact_id()")
        .await
        .unwrap();
    client
}

#[tokio::test]
async fn other_clients_open_transactions_hide_no_event() {
    let app = TestApp::spawn_with(|c| {
        // Only the wake-up of a change through this node may bring the event: not a poll.
        c.http.event_stream_poll = Duration::from_secs(3600);
    })
    .await;
    let own_database = crate::helpers::postgres_database(&app.dir).await;
    let elsewhere = open_transaction(&collabkit_store_postgres::admin::test_server_url()).await;
    let beside = open_transaction(&own_database).await;

    let room = app.create_room("r").await;
    let res = app
        .client
        .get(app.url("/events/stream"))
        .bearer_auth(app.bearer())
        .send()
        .await
        .unwrap();
    let mut follower = Follower::of(res);
    let user = app.create_user(room["id"].as_str().unwrap(), "u").await;
    let user_id = user["id"].as_str().unwrap();

    let events = app.events().await;
    assert_eq!(
        events.len(),
        1,
        "the new event is listed at once: {events:?}"
    );
    assert_eq!(events[0]["payload"]["user"]["id"], user_id);

    // The stream brings the event.
    follower.until(user_id).await;

    // Both transactions were open all along.
    for client in [&elsewhere, &beside] {
        client.batch_execute("SELECT 1").await.unwrap();
        client.batch_execute("COMMIT").await.unwrap();
    }
}
