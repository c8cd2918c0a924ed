//! The hot path's round trips and transactions on PostgreSQL (issue 22), guarded so that a
//! change cannot add one silently: the store talks to the database through a proxy that holds
//! every answer back for [`DELAY`], so a call's duration counts the times it waited for the
//! server. Statements sent together (pipelined) wait once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use collabkit_domain::clock;
use collabkit_domain::store::{
    Attempt, AttemptRecord, InlineLease, NewRoom, NewUser, NewWebhook, NextStep, PageRequest,
    StoreLimits, StoreOp, StoreSync, prelude::*,
};
use collabkit_store_postgres::{PgOptions, PgStore, admin};
use collabkit_webhooks::WebhookEventName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

mod support;
use support::TestDb;

/// What the proxy adds to every round trip: large beside the machine's own noise.
const DELAY: Duration = Duration::from_millis(250);

/// Forwards to `upstream`; what the server sends reaches the client `DELAY` later (each chunk
/// on its own schedule, so answers sent together arrive together).
async fn slow_proxy(upstream: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let upstream = upstream.clone();
            tokio::spawn(async move {
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    return;
                };
                client.set_nodelay(true).unwrap();
                server.set_nodelay(true).unwrap();
                let (mut from_client, mut to_client) = client.into_split();
                let (mut from_server, mut to_server) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut from_client, &mut to_server).await;
                });
                let (chunks, mut delayed) = tokio::sync::mpsc::unbounded_channel();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(n) = from_server.read(&mut buf).await {
                        if n == 0
                            || chunks
                                .send((Instant::now() + DELAY, buf[..n].to_vec()))
                                .is_err()
                        {
                            break;
                        }
                    }
                });
                while let Some((due, bytes)) = delayed.recv().await {
                    tokio::time::sleep_until(due.into()).await;
                    if to_client.write_all(&bytes).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

/// What `call` returned and how long it took.
async fn timed<T>(call: impl std::future::Future<Output = T>) -> (T, Duration) {
    let started = Instant::now();
    let out = call.await;
    (out, started.elapsed())
}

/// Waits the call took, in round trips through the proxy (rounded down).
fn waits(took: Duration) -> u32 {
    (took.as_secs_f64() / DELAY.as_secs_f64()) as u32
}

struct Setup {
    store: Arc<PgStore>,
    db: TestDb,
    account: String,
    room: String,
}

/// A fresh database reached through the slow proxy (one pooled connection, so every call finds
/// its statements prepared once warmed), with a room and one registration for `user.created`.
async fn setup() -> Setup {
    let db = TestDb::create().await;
    let url = db.url.clone();
    let config: tokio_postgres::Config = url.parse().unwrap();
    let host = match &config.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        #[cfg(unix)]
        other => panic!("the test server must be reached over TCP, not {other:?}"),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let upstream = format!("{host}:{port}");
    let proxy = slow_proxy(upstream.clone()).await;
    let via_proxy = url.replacen(&upstream, &proxy, 1);
    assert_ne!(
        via_proxy, url,
        "the test server's URL names its port: {url}"
    );
    let options = PgOptions {
        pool_size: 1,
        timeout: Duration::from_secs(30),
    };
    let store = Arc::new(PgStore::open(&via_proxy, &options).await.unwrap());
    let account = support::account(&store).await;
    let room = store
        .create_room(
            &account,
            NewRoom {
                custom_id: None,
                name: "r".into(),
            },
        )
        .await
        .unwrap()
        .id;
    store
        .create_webhook(
            &account,
            NewWebhook {
                url: "https://example.com/hook".into(),
                events: vec![WebhookEventName::UserCreated],
                room_id: None,
                enabled: true,
                secret_sealed: "sealed".into(),
            },
        )
        .await
        .unwrap();
    Setup {
        store,
        db,
        account,
        room,
    }
}

fn new_user(room_id: &str) -> NewUser {
    NewUser {
        room_id: room_id.to_owned(),
        custom_id: None,
        name: "U".into(),
        profile_picture: None,
        token: collabkit_domain::accounts::new_user_token(),
        token_sealed: "sealed".into(),
    }
}

fn lease() -> Option<InlineLease> {
    Some(InlineLease {
        until: clock::after(clock::now(), Duration::from_secs(60)),
        token: 7,
    })
}

#[tokio::test]
async fn a_user_creation_is_one_transaction_of_two_round_trips() {
    let s = setup().await;
    // The first creation prepares the statements on the connection.
    s.store
        .create_user(&s.account, new_user(&s.room), lease())
        .await
        .unwrap();
    let started = Instant::now();
    let made = s
        .store
        .create_user(&s.account, new_user(&s.room), lease())
        .await
        .unwrap();
    let took = started.elapsed();
    // BEGIN, the room and the registrations; then the user, the event with its delivery, COMMIT.
    assert_eq!(waits(took), 2, "a user creation took {took:?}");
    assert_eq!(made.leased.len(), 1, "its delivery is leased inline");

    // One transaction wrote the user, its event and its delivery.
    let db = admin::admin_client(&s.db.url).await.unwrap();
    let xids = db
        .query_one(
            "SELECT u.xmin::text, e.txid::text, d.xmin::text
             FROM users u, events e, deliveries d
             WHERE u.id = $1 AND e.id = $2 AND d.event_seq = e.seq",
            &[&made.value.id, &made.events[0].id],
        )
        .await
        .unwrap();
    let (user, event, delivery): (String, String, String) = (xids.get(0), xids.get(1), xids.get(2));
    assert_eq!(user, event);
    assert_eq!(event, delivery);
    drop(db);
    drop(s.store);
    s.db.drop().await;
}

#[tokio::test]
async fn an_outcome_is_recorded_in_three_round_trips() {
    let s = setup().await;
    let mut records = Vec::new();
    for _ in 0..2 {
        let made = s
            .store
            .create_user(&s.account, new_user(&s.room), lease())
            .await
            .unwrap();
        let d = &made.leased[0];
        records.push(AttemptRecord {
            delivery_id: d.delivery_id.clone(),
            lease: d.lease,
            webhook_id: d.webhook_id.clone(),
            attempt: Attempt {
                attempted_at: clock::now(),
                status_code: Some(200),
                duration_ms: 1,
                error: None,
                response_body: String::new(),
            },
            next: NextStep::Succeeded,
            disable_if_failing_since: clock::now(),
            ordered: false,
        });
    }
    let second = records.pop().unwrap();
    // The first outcome prepares the statements.
    s.store.record_attempts(records).await.unwrap();
    let started = Instant::now();
    s.store.record_attempts(vec![second]).await.unwrap();
    let took = started.elapsed();
    // BEGIN; the outcome with its attempt and the registration's health; COMMIT.
    assert_eq!(waits(took), 3, "recording an outcome took {took:?}");
    drop(s.store);
    s.db.drop().await;
}

#[tokio::test]
async fn an_account_is_read_from_the_database_once_until_it_changes() {
    let s = setup().await;
    let first = s.store.get_account(&s.account).await.unwrap();
    let started = Instant::now();
    let again = s.store.get_account(&s.account).await.unwrap();
    assert_eq!(
        waits(started.elapsed()),
        0,
        "a second read asks the database"
    );
    assert_eq!(again.api_key_hash, first.api_key_hash);

    // A key rotated elsewhere (the CLI, another node): this node hears of it and reads again.
    let other = PgStore::open(&s.db.url, &PgOptions::default())
        .await
        .unwrap();
    other.rotate_api_key(&s.account, "rotated").await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = s.store.get_account(&s.account).await.unwrap();
        if now.api_key_hash == "rotated" {
            break;
        }
        assert!(Instant::now() < deadline, "the old key is still served");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    drop(other);
    drop(s.store);
    s.db.drop().await;
}

#[tokio::test]
async fn a_join_and_a_leave_are_one_transaction_of_two_round_trips_each() {
    let s = setup().await;
    register_sessions(&s.store, &s.account).await;
    let (first, second) = (
        s.store
            .create_user(&s.account, new_user(&s.room), None)
            .await
            .unwrap()
            .value
            .id,
        s.store
            .create_user(&s.account, new_user(&s.room), None)
            .await
            .unwrap()
            .value
            .id,
    );
    // The first join and leave prepare the statements on the connection (and start, then
    // close, a session).
    s.store
        .join_session(&s.account, &s.room, &first, "n1", lease())
        .await
        .unwrap();
    s.store
        .leave_session(&s.account, &s.room, &first, "n1", lease())
        .await
        .unwrap();
    s.store
        .session_participants(&s.account, &s.room)
        .await
        .unwrap();

    // BEGIN, the room (locked), the user, the session's state and the registrations; then the
    // session, the hold, the user joining, the events with their deliveries, COMMIT.
    let (joined, took) = timed(
        s.store
            .join_session(&s.account, &s.room, &first, "n1", lease()),
    )
    .await;
    assert_eq!(waits(took), 2, "a join that starts a session took {took:?}");
    let joined = joined.unwrap();
    let kinds: Vec<_> = joined.events.iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        [
            WebhookEventName::SessionStarted,
            WebhookEventName::ParticipantJoined
        ]
    );
    assert_eq!(joined.leased.len(), 2, "both deliveries are leased inline");

    let (second_join, took) =
        timed(
            s.store
                .join_session(&s.account, &s.room, &second, "n1", lease()),
        )
        .await;
    second_join.unwrap();
    assert_eq!(waits(took), 2, "a second participant's join took {took:?}");

    let (left, took) = timed(
        s.store
            .leave_session(&s.account, &s.room, &second, "n1", lease()),
    )
    .await;
    assert_eq!(
        waits(took),
        2,
        "a leave that keeps the session took {took:?}"
    );
    assert_eq!(left.unwrap().events.len(), 1);

    // The last leave closes the session in the same two round trips, in one transaction.
    let (closed, took) = timed(
        s.store
            .leave_session(&s.account, &s.room, &first, "n1", lease()),
    )
    .await;
    assert_eq!(
        waits(took),
        2,
        "a leave that closes the session took {took:?}"
    );
    let closed = closed.unwrap();
    let kinds: Vec<_> = closed.events.iter().map(|e| e.event).collect();
    assert_eq!(
        kinds,
        [
            WebhookEventName::ParticipantLeft,
            WebhookEventName::SessionClosed
        ]
    );
    let db = admin::admin_client(&s.db.url).await.unwrap();
    let txids: Vec<String> = db
        .query(
            "SELECT DISTINCT txid::text FROM events WHERE id = ANY($1)",
            &[&closed
                .events
                .iter()
                .map(|e| e.id.clone())
                .collect::<Vec<_>>()],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(txids.len(), 1, "the leave's events are one transaction's");
    let open: i64 = db
        .query_one("SELECT COUNT(*) FROM sessions WHERE closed_at IS NULL", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(open, 0, "the session closed");

    // A participant read on a shared backend (before every join): one round trip.
    let (listed, took) = timed(s.store.session_participants(&s.account, &s.room)).await;
    assert_eq!(waits(took), 1, "reading the participants took {took:?}");
    assert!(listed.unwrap().is_empty());
    drop(db);
    drop(s.store);
    s.db.drop().await;
}

/// A room with `users` users, and a registration for the session events (account-wide).
async fn rooms_with_users(
    store: &PgStore,
    account: &str,
    rooms: usize,
    users: usize,
) -> Vec<(String, Vec<String>)> {
    let mut made = Vec::new();
    for i in 0..rooms {
        let room = store
            .create_room(
                account,
                NewRoom {
                    custom_id: None,
                    name: format!("g{i}"),
                },
            )
            .await
            .unwrap()
            .id;
        let mut ids = Vec::new();
        for _ in 0..users {
            ids.push(
                store
                    .create_user(account, new_user(&room), None)
                    .await
                    .unwrap()
                    .value
                    .id,
            );
        }
        made.push((room, ids));
    }
    made
}

async fn register_sessions(store: &PgStore, account: &str) {
    store
        .create_webhook(
            account,
            NewWebhook {
                url: "https://example.com/sessions".into(),
                events: vec![
                    WebhookEventName::SessionStarted,
                    WebhookEventName::ParticipantJoined,
                    WebhookEventName::ParticipantLeft,
                    WebhookEventName::SessionClosed,
                ],
                room_id: None,
                enabled: true,
                secret_sealed: "sealed".into(),
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn joins_of_many_rooms_at_once_share_transactions() {
    let s = setup().await;
    register_sessions(&s.store, &s.account).await;
    let rooms = rooms_with_users(&s.store, &s.account, 24, 1).await;
    let joins = rooms.iter().map(|(room, users)| {
        let (store, account) = (s.store.clone(), s.account.clone());
        let (room, user) = (room.clone(), users[0].clone());
        async move {
            store
                .join_session(&account, &room, &user, "n1", lease())
                .await
                .unwrap()
        }
    });
    let joined = futures_util::future::join_all(joins).await;
    let ids: Vec<String> = joined
        .iter()
        .flat_map(|c| c.events.iter().map(|e| e.id.clone()))
        .collect();
    assert_eq!(ids.len(), 48, "each join started a session and joined");
    let db = admin::admin_client(&s.db.url).await.unwrap();
    let txids: i64 = db
        .query_one(
            "SELECT COUNT(DISTINCT txid) FROM events WHERE id = ANY($1)",
            &[&ids],
        )
        .await
        .unwrap()
        .get(0);
    // Four lanes, each writing whatever queued while its last group was written: 24 joins one
    // by one would be 24 transactions.
    assert!(txids <= 8, "24 joins took {txids} transactions");
    drop(db);
    drop(s.store);
    s.db.drop().await;
}

/// Joins of one room that queue up together are one transaction, each planned on the one
/// before: one session, every user in it in the order they came, the room's counters and its
/// events as if they had joined one by one.
#[tokio::test]
async fn joins_of_one_room_at_once_share_a_transaction() {
    let s = setup().await;
    register_sessions(&s.store, &s.account).await;
    let rooms = rooms_with_users(&s.store, &s.account, 1, 12).await;
    let (room, users) = &rooms[0];
    let joined = futures_util::future::join_all(users.iter().map(|user| {
        let (store, account, room) = (s.store.clone(), s.account.clone(), room.clone());
        async move {
            store
                .join_session(&account, &room, user, "n1", lease())
                .await
                .unwrap()
        }
    }))
    .await;
    let kinds: Vec<Vec<_>> = joined
        .iter()
        .map(|c| c.events.iter().map(|e| e.event).collect())
        .collect();
    use WebhookEventName::*;
    assert_eq!(kinds[0], [SessionStarted, ParticipantJoined]);
    for k in &kinds[1..] {
        assert_eq!(k, &[ParticipantJoined]);
    }
    let ids: Vec<String> = joined
        .iter()
        .flat_map(|c| c.events.iter().map(|e| e.id.clone()))
        .collect();
    let db = admin::admin_client(&s.db.url).await.unwrap();
    let txids: i64 = db
        .query_one(
            "SELECT COUNT(DISTINCT txid) FROM events WHERE id = ANY($1)",
            &[&ids],
        )
        .await
        .unwrap()
        .get(0);
    // The first goes alone (its lane was idle); the eleven that queued behind it go together.
    // One by one, it was twelve.
    assert!(txids <= 3, "12 joins of one room took {txids} transactions");
    let seqs: Vec<i64> = db
        .query(
            "SELECT room_seq FROM events WHERE id = ANY($1) ORDER BY room_seq",
            &[&ids],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let first = seqs[0];
    assert_eq!(seqs, (first..first + 13).collect::<Vec<_>>());
    let sessions: i64 = db
        .query_one("SELECT COUNT(*) FROM sessions", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(sessions, 1, "one session for the room");
    let listed = s
        .store
        .session_participants(&s.account, room)
        .await
        .unwrap();
    let listed: Vec<_> = listed.iter().map(|u| u.id.clone()).collect();
    assert_eq!(&listed, users, "all take part, in join order");
    let got = s.store.get_room(&s.account, room).await.unwrap();
    assert_eq!(got.counters.participants, 12);
    drop(db);
    drop(s.store);
    s.db.drop().await;
}

/// Grouped joins and leaves leave every room as one by one would: sessions started and closed,
/// every participant paired, each room's events numbered 1, 2… in order.
#[tokio::test]
async fn grouped_joins_and_leaves_keep_every_room_right() {
    let test_db = TestDb::create().await;
    let store = Arc::new(
        PgStore::open(&test_db.url, &PgOptions::default())
            .await
            .unwrap(),
    );
    let account = support::account(&store).await;
    register_sessions(&store, &account).await;
    let rooms = rooms_with_users(&store, &account, 40, 2).await;
    let all = |joining: bool, which: usize| {
        futures_util::future::join_all(rooms.iter().map(|(room, users)| {
            let (store, account) = (store.clone(), account.clone());
            let (room, user) = (room.clone(), users[which].clone());
            async move {
                let change = if joining {
                    store.join_session(&account, &room, &user, "n1", None).await
                } else {
                    store
                        .leave_session(&account, &room, &user, "n1", None)
                        .await
                };
                change
                    .unwrap()
                    .events
                    .iter()
                    .map(|e| e.event)
                    .collect::<Vec<_>>()
            }
        }))
    };
    use WebhookEventName::*;
    for kinds in all(true, 0).await {
        assert_eq!(kinds, [SessionStarted, ParticipantJoined]);
    }
    for kinds in all(true, 1).await {
        assert_eq!(kinds, [ParticipantJoined]);
    }
    for kinds in all(true, 1).await {
        assert!(kinds.is_empty(), "joining twice is a no-op");
    }
    let (room0, users0) = &rooms[0];
    let listed = store.session_participants(&account, room0).await.unwrap();
    let listed: Vec<_> = listed.iter().map(|u| u.id.clone()).collect();
    assert_eq!(&listed, users0, "both take part, in join order");
    assert!(store.get_user(&account, &users0[1]).await.unwrap().online);
    for kinds in all(false, 0).await {
        assert_eq!(kinds, [ParticipantLeft]);
    }
    for kinds in all(false, 1).await {
        assert_eq!(kinds, [ParticipantLeft, SessionClosed]);
    }
    for kinds in all(false, 1).await {
        assert!(kinds.is_empty(), "leaving twice is a no-op");
    }
    assert!(!store.get_user(&account, &users0[1]).await.unwrap().online);
    let db = admin::admin_client(&test_db.url).await.unwrap();
    let row = db
        .query_one(
            "SELECT (SELECT COUNT(*) FROM sessions WHERE closed_at IS NULL),
                    (SELECT COUNT(*) FROM sessions),
                    (SELECT COUNT(*) FROM participants),
                    (SELECT COUNT(*) FROM user_sessions WHERE left_at IS NULL),
                    (SELECT COUNT(*) FROM user_sessions)",
            &[],
        )
        .await
        .unwrap();
    let counts: Vec<i64> = (0..5).map(|i| row.get(i)).collect();
    assert_eq!(counts, [0, 40, 0, 0, 80]);
    // Each room: six events numbered 1‥6, in the order they happened.
    let rows = db
        .query(
            "SELECT room_id, array_agg(event ORDER BY room_seq), array_agg(room_seq ORDER BY room_seq)
             FROM events WHERE event LIKE 'session.%' OR event LIKE 'participant.%'
             GROUP BY room_id",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 40);
    for r in rows {
        let events: Vec<String> = r.get(1);
        let seqs: Vec<i64> = r.get(2);
        assert_eq!(
            events,
            [
                "session.started",
                "participant.joined",
                "participant.joined",
                "participant.left",
                "participant.left",
                "session.closed"
            ]
        );
        let first = seqs[0];
        assert_eq!(
            seqs,
            (first..first + 6).collect::<Vec<_>>(),
            "numbered in order"
        );
    }
    // Every event has its delivery.
    let missing: i64 = db
        .query_one(
            "SELECT COUNT(*) FROM events e WHERE (e.event LIKE 'session.%' OR e.event LIKE 'participant.%')
             AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_seq = e.seq)",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(missing, 0);
    drop(db);
    drop(store);
    test_db.drop().await;
}

#[tokio::test]
async fn a_batch_of_store_writes_is_one_transaction_of_two_round_trips() {
    let s = setup().await;
    // Few tombstones remembered, so the batch below prunes too.
    let limits = StoreLimits {
        max_tombstones_per_store: 2,
        ..StoreLimits::default()
    };
    let by = Some("usr_writer");
    // The first batch prepares the statements on the connection.
    let first: Vec<StoreOp> = (0..4)
        .map(|i| StoreOp::set("tasks", &format!("k{i}"), serde_json::json!({"i": i})))
        .collect();
    s.store
        .write_stores(&s.account, &s.room, by, first, &limits)
        .await
        .unwrap();
    // And each read's.
    let (a, r) = (&s.account, &s.room);
    s.store.get_store_entry(a, r, "tasks", "k0").await.unwrap();
    s.store.list_stores(a, r).await.unwrap();
    let first_page = PageRequest::first(10);
    s.store
        .list_store_entries(a, r, "tasks", first_page)
        .await
        .unwrap();
    s.store.sync_store(a, r, "tasks", Some(1)).await.unwrap();

    // BEGIN, the room's store lock, the room, its stores and the touched rows; then the
    // entries, the stores with the pruning, COMMIT.
    let batch = vec![
        StoreOp::set("tasks", "k0", serde_json::json!({"i": 10})),
        StoreOp::update("tasks", "k0", serde_json::json!({"done": true})),
        StoreOp::delete("tasks", "k1"),
        StoreOp::delete("tasks", "k2"),
        StoreOp::delete("tasks", "k3"),
        StoreOp::delete("tasks", "nothing"),
        StoreOp::set("notes", "n", serde_json::json!({"text": "hi"})),
        StoreOp::set("bad-name", "n", serde_json::json!({})),
    ];
    let (outcomes, took) = timed(
        s.store
            .write_stores(&s.account, &s.room, by, batch, &limits),
    )
    .await;
    assert_eq!(waits(took), 2, "a batch of store writes took {took:?}");
    let versions: Vec<_> = outcomes
        .unwrap()
        .into_iter()
        .map(|o| o.map(|c| c.map(|c| c.version)).map_err(|e| e.code()))
        .collect();
    assert_eq!(
        versions,
        [
            Ok(Some(5)),
            Ok(Some(6)),
            Ok(Some(7)),
            Ok(Some(8)),
            Ok(Some(9)),
            Ok(None),
            Ok(Some(1)),
            Err("invalid_store_name")
        ]
    );

    // One transaction wrote every row the batch changed.
    let db = admin::admin_client(&s.db.url).await.unwrap();
    let xids: Vec<String> = db
        .query(
            "SELECT xmin::text FROM store_entries WHERE version > 4 OR store = 'notes'
             UNION ALL SELECT xmin::text FROM room_stores",
            &[],
        )
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        xids.len(),
        3 + 2,
        "k0, one tombstone kept of three, n; two stores"
    );
    assert!(xids.iter().all(|x| *x == xids[0]), "{xids:?}");
    drop(db);

    // Each read is one statement: one round trip.
    let (entry, took) = timed(s.store.get_store_entry(&s.account, &s.room, "tasks", "k0")).await;
    assert_eq!(waits(took), 1, "reading an entry took {took:?}");
    assert_eq!(entry.unwrap().unwrap().version, 6);
    let (stores, took) = timed(s.store.list_stores(&s.account, &s.room)).await;
    assert_eq!(waits(took), 1, "listing the stores took {took:?}");
    let stores = stores.unwrap();
    assert_eq!(stores[1].name, "tasks");
    assert_eq!((stores[1].horizon, stores[1].tombstones), (8, 1));
    let (page, took) =
        timed(
            s.store
                .list_store_entries(&s.account, &s.room, "tasks", PageRequest::first(10)),
        )
        .await;
    assert_eq!(waits(took), 1, "a page of entries took {took:?}");
    assert_eq!(page.unwrap().total, Some(1));
    let (sync, took) = timed(s.store.sync_store(&s.account, &s.room, "tasks", Some(8))).await;
    assert_eq!(waits(took), 1, "a delta took {took:?}");
    assert!(
        matches!(sync.unwrap(), StoreSync::Delta { version: 9, changes } if changes.len() == 1)
    );
    drop(s.store);
    s.db.drop().await;
}
