//! The event log on PostgreSQL with concurrent writers: a row that commits after a reader has
//! passed a higher `seq` is still read, in order, instead of being skipped for good.

use collabkit_domain::store::{EventFilter, NewRoom, NewUser, PageRequest, prelude::*};
use collabkit_store_postgres::{PgOptions, PgStore, admin};
use tokio_postgres::NoTls;

async fn connect(url: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

#[tokio::test]
async fn a_late_commit_with_a_lower_position_is_not_skipped() {
    let admin_url = admin::test_server_url();
    let name = admin::fresh_database_name("collabkit_test");
    let url = admin::create_database(&admin_url, &name).await.unwrap();
    let store = PgStore::open(&url, &PgOptions::default()).await.unwrap();
    let account = collabkit_domain::accounts::create(&store, "a")
        .await
        .unwrap()
        .account
        .id;
    let room = store
        .create_room(
            &account,
            NewRoom {
                custom_id: Some("r".into()),
                name: "R".into(),
            },
        )
        .await
        .unwrap();

    // A writer (marked as one, as the pool's connections are) takes a position and has not
    // committed yet...
    let mut slow = connect(&url).await;
    slow.batch_execute(collabkit_store_postgres::MARK_WRITER)
        .await
        .unwrap();
    let tx = slow.transaction().await.unwrap();
    tx.execute(
        "INSERT INTO events (id, account_id, room_id, event, payload, created_at)
         VALUES ('evt_slow', $1, $2, 'user.created', '{}', now())",
        &[&account, &room.id],
    )
    .await
    .unwrap();
    // ...while another commits a higher one.
    let token = collabkit_domain::accounts::new_user_token();
    store
        .create_user(
            &account,
            NewUser {
                room_id: room.id.clone(),
                custom_id: Some("u".into()),
                name: "U".into(),
                profile_picture: None,
                token_sealed: "sealed".into(),
                token,
            },
            None,
        )
        .await
        .unwrap();
    // A reader paging one at a time meanwhile is not handed the higher one yet: taking it
    // would put its cursor past the lower one.
    let page = store
        .list_events(&account, EventFilter::default(), PageRequest::first(1))
        .await
        .unwrap();
    assert!(page.items.is_empty(), "{:?}", page.items);

    tx.commit().await.unwrap();
    let mut seen = Vec::new();
    let mut request = PageRequest::first(1);
    loop {
        let page = store
            .list_events(&account, EventFilter::default(), request.clone())
            .await
            .unwrap();
        seen.extend(page.items.into_iter().map(|e| e.id));
        match page.next {
            Some(next) => request.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(
        seen[0], "evt_slow",
        "the transaction that started first comes first"
    );

    drop(store);
    drop(slow);
    let _ = admin::drop_database(&admin_url, &name).await;
}

/// Pruning with concurrent writers: a delivery can take a lower position than an older event's
/// delivery, so "events before the oldest remaining delivery's event" is not a safe rule here;
/// pruning removes exactly the old events no delivery refers to.
#[tokio::test]
async fn pruning_keeps_events_that_deliveries_still_refer_to() {
    let admin_url = admin::test_server_url();
    let name = admin::fresh_database_name("collabkit_test");
    let url = admin::create_database(&admin_url, &name).await.unwrap();
    let store = PgStore::open(&url, &PgOptions::default()).await.unwrap();
    let db = connect(&url).await;
    // Three old events. The delivery of the second took the lower position than the first's,
    // both still pending; the third has no delivery left.
    db.batch_execute(
        "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES ('acct_1', 'a', 'h', now());
         INSERT INTO webhooks (id, account_id, url, events_mask, enabled, secret_sealed, created_at, updated_at)
           VALUES ('wh_1', 'acct_1', 'https://x.example/', 1, true, 's', now(), now());
         INSERT INTO events (id, account_id, room_id, event, payload, created_at)
           VALUES ('evt_a', 'acct_1', 'room_1', 'user.created', '{}', now() - interval '2 days'),
                  ('evt_b', 'acct_1', 'room_1', 'user.created', '{}', now() - interval '2 days'),
                  ('evt_c', 'acct_1', 'room_1', 'user.created', '{}', now() - interval '2 days');
         INSERT INTO deliveries (id, webhook_seq, event_seq, event_code, status, created_at, due_at)
           SELECT 'dlv_1', w.seq, e.seq, 4, 'pending', now() - interval '2 days', now()
           FROM webhooks w, events e WHERE e.id = 'evt_b';
         INSERT INTO deliveries (id, webhook_seq, event_seq, event_code, status, created_at, due_at)
           SELECT 'dlv_2', w.seq, e.seq, 4, 'pending', now() - interval '2 days', now()
           FROM webhooks w, events e WHERE e.id = 'evt_a';",
    )
    .await
    .unwrap();
    let cutoff = collabkit_domain::clock::now() - chrono::Duration::days(1);
    store.prune(cutoff, 100).await.expect("pruning succeeds");
    let left: Vec<String> = db
        .query("SELECT id FROM events ORDER BY seq", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        left,
        ["evt_a", "evt_b"],
        "referenced events stay, the other goes"
    );

    drop(store);
    drop(db);
    let _ = admin::drop_database(&admin_url, &name).await;
}
