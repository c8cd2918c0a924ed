//! Stores on PostgreSQL, below what the suite sees: a room's rows go with it, and two nodes
//! writing one store take turns, so its versions stay gapless and unique.

use std::collections::BTreeSet;
use std::sync::Arc;

use collabkit_domain::store::{
    NewRoom, PageRequest, StoreError, StoreLimits, StoreOp, StoreSync, prelude::*,
};
use collabkit_store_postgres::{PgOptions, PgStore, admin};
use serde_json::json;

mod support;
use support::TestDb;

async fn room(store: &PgStore, account: &str) -> String {
    store
        .create_room(
            account,
            NewRoom {
                custom_id: None,
                name: "R".into(),
            },
        )
        .await
        .unwrap()
        .id
}

/// The rows of both tables that belong to `room_id`.
async fn rows(db: &TestDb, room_id: &str) -> i64 {
    let client = admin::admin_client(&db.url).await.unwrap();
    client
        .query_one(
            "SELECT (SELECT COUNT(*) FROM store_entries WHERE room_id = $1)
                  + (SELECT COUNT(*) FROM room_stores WHERE room_id = $1)",
            &[&room_id],
        )
        .await
        .unwrap()
        .get(0)
}

#[tokio::test]
async fn a_rooms_stores_go_with_it_and_no_other_account_sees_them() {
    let db = TestDb::create().await;
    let store = PgStore::open(&db.url, &PgOptions::default()).await.unwrap();
    let account = support::account(&store).await;
    let (gone, kept) = (room(&store, &account).await, room(&store, &account).await);
    let limits = StoreLimits::default();
    for r in [&gone, &kept] {
        let ops = vec![
            StoreOp::set("tasks", "a", json!({"v": 1})),
            StoreOp::set("tasks", "b", json!({"v": 2})),
            StoreOp::delete("tasks", "b"),
            StoreOp::set("notes", "n", json!({"v": 3})),
        ];
        let outcomes = store
            .write_stores(&account, r, None, ops, &limits)
            .await
            .unwrap();
        assert!(outcomes.iter().all(|o| matches!(o, Ok(Some(_)))));
    }
    assert_eq!(
        rows(&db, &gone).await,
        3 + 2,
        "a, b's tombstone, n; two stores"
    );

    let other = support::account(&store).await;
    let not_found = Some(StoreError::NotFound("room"));
    assert_eq!(store.list_stores(&other, &kept).await.err(), not_found);
    assert_eq!(
        store
            .get_store_entry(&other, &kept, "tasks", "a")
            .await
            .err(),
        not_found
    );
    assert_eq!(
        store
            .write_stores(
                &other,
                &kept,
                None,
                vec![StoreOp::set("x", "k", json!({}))],
                &limits
            )
            .await
            .err(),
        not_found
    );
    assert!(matches!(
        store.sync_store(&other, &kept, "tasks", None).await,
        Err(StoreError::NotFound("room"))
    ));

    store.delete_room(&account, &gone, None).await.unwrap();
    assert_eq!(rows(&db, &gone).await, 0);
    assert_eq!(rows(&db, &kept).await, 5, "another room's stay");
    assert_eq!(
        store.list_stores(&account, &gone).await,
        Err(StoreError::NotFound("room"))
    );
    drop(store);
    db.drop().await;
}

#[tokio::test]
async fn entries_are_paged_by_key_and_synced_by_delta_or_snapshot() {
    let db = TestDb::create().await;
    let store = PgStore::open(&db.url, &PgOptions::default()).await.unwrap();
    let account = support::account(&store).await;
    let r = room(&store, &account).await;
    let limits = StoreLimits {
        max_tombstones_per_store: 2,
        ..StoreLimits::default()
    };
    // Keys sort as bytes: "B" < "a" < "b" < "é".
    let keys = ["é", "b", "B", "a", "c"];
    let ops = keys
        .iter()
        .map(|k| StoreOp::set("s", k, json!({"k": k})))
        .collect();
    store
        .write_stores(&account, &r, Some("usr_1"), ops, &limits)
        .await
        .unwrap();
    store
        .write_stores(&account, &r, None, vec![StoreOp::delete("s", "c")], &limits)
        .await
        .unwrap();
    let page = |p| store.list_store_entries(&account, &r, "s", p);
    let first = page(PageRequest::first(2)).await.unwrap();
    let names = |p: &collabkit_domain::store::Page<_>| -> Vec<String> {
        p.items
            .iter()
            .map(|e: &collabkit_domain::store::StoreEntry| e.key.clone())
            .collect()
    };
    assert_eq!(names(&first), ["B", "a"]);
    assert_eq!(first.total, Some(4), "the tombstone is not an entry");
    let second = page(PageRequest::after(2, first.next.unwrap()))
        .await
        .unwrap();
    assert_eq!(names(&second), ["b", "é"]);
    assert!(second.next.is_none());
    assert_eq!(
        names(&page(PageRequest::at_offset(10, 3)).await.unwrap()),
        ["é"]
    );
    assert_eq!(first.items[0].updated_by.as_deref(), Some("usr_1"));

    // Since version 4: "c" went (6), and "a" (4) is not after it.
    match store.sync_store(&account, &r, "s", Some(4)).await.unwrap() {
        StoreSync::Delta { version, changes } => {
            assert_eq!(version, 6);
            let got: Vec<_> = changes
                .iter()
                .map(|c| {
                    (
                        c.key.as_str(),
                        c.action.as_str(),
                        c.version,
                        c.value.is_some(),
                    )
                })
                .collect();
            assert_eq!(got, [("c", "delete", 6, false)]);
            assert_eq!(changes[0].by, None);
        }
        other => panic!("{other:?}"),
    }
    // Three more deletions: four tombstones, over the bound of two, so the oldest three are
    // forgotten (down to one, half the bound) and a client from before them gets a snapshot.
    let ops = vec![
        StoreOp::delete("s", "a"),
        StoreOp::delete("s", "b"),
        StoreOp::delete("s", "B"),
    ];
    store
        .write_stores(&account, &r, None, ops, &limits)
        .await
        .unwrap();
    let meta = store.list_stores(&account, &r).await.unwrap().remove(0);
    assert_eq!(
        (meta.version, meta.horizon, meta.tombstones, meta.entries),
        (9, 8, 1, 1)
    );
    match store.sync_store(&account, &r, "s", Some(7)).await.unwrap() {
        StoreSync::Snapshot { version, entries } => {
            assert_eq!(version, 9);
            assert_eq!(entries.len(), 1);
            assert_eq!(entries[0].key, "é");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        store.sync_store(&account, &r, "s", Some(8)).await.unwrap(),
        StoreSync::Delta { version: 9, changes } if changes.len() == 1
    ));
    assert_eq!(
        store
            .sync_store(&account, &r, "unknown", Some(0))
            .await
            .unwrap(),
        StoreSync::Delta {
            version: 0,
            changes: vec![]
        }
    );
    assert_eq!(
        store.get_store_entry(&account, &r, "s", "a").await.unwrap(),
        None,
        "a tombstone holds nothing"
    );
    drop(store);
    db.drop().await;
}

#[tokio::test]
async fn two_nodes_writing_one_store_get_gapless_unique_versions() {
    let db = TestDb::create().await;
    let options = PgOptions {
        pool_size: 4,
        ..PgOptions::default()
    };
    let nodes = [
        Arc::new(PgStore::open(&db.url, &options).await.unwrap()),
        Arc::new(PgStore::open(&db.url, &options).await.unwrap()),
    ];
    let account = support::account(&nodes[0]).await;
    let r = room(&nodes[0], &account).await;
    let (writers, batches, per_batch) = (8, 10, 3);
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (node, account, r) = (nodes[w % 2].clone(), account.clone(), r.clone());
        tasks.push(tokio::spawn(async move {
            let mut versions = Vec::new();
            for b in 0..batches {
                // Each batch overwrites a shared key too, so the writers meet on rows.
                let mut ops = vec![StoreOp::set("s", "shared", json!({"w": w, "b": b}))];
                for i in 1..per_batch {
                    ops.push(StoreOp::set("s", &format!("w{w}b{b}i{i}"), json!({"i": i})));
                }
                let outcomes = node
                    .write_stores(&account, &r, None, ops, &StoreLimits::default())
                    .await
                    .unwrap();
                let mine: Vec<i64> = outcomes
                    .into_iter()
                    .map(|o| o.unwrap().unwrap().version)
                    .collect();
                // A batch's versions are consecutive: nothing came between its writes.
                assert!(mine.windows(2).all(|v| v[1] == v[0] + 1), "{mine:?}");
                versions.extend(mine);
            }
            versions
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let total = (writers * batches * per_batch) as i64;
    let unique: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len() as i64, total);
    assert_eq!(unique, (1..=total).collect(), "gapless and unique");
    let meta = nodes[1].list_stores(&account, &r).await.unwrap().remove(0);
    let entries = 1 + writers * batches * (per_batch - 1);
    assert_eq!((meta.version, meta.entries), (total, entries as u64));
    let page = nodes[1]
        .list_store_entries(&account, &r, "s", PageRequest::first(1))
        .await
        .unwrap();
    assert_eq!(page.total, Some(entries as u64));
    for node in nodes {
        drop(node);
    }
    db.drop().await;
}

#[tokio::test]
async fn a_batch_racing_the_rooms_deletion_never_outlives_it() {
    let db = TestDb::create().await;
    let store = Arc::new(PgStore::open(&db.url, &PgOptions::default()).await.unwrap());
    let account = support::account(&store).await;
    for _ in 0..10 {
        let r = room(&store, &account).await;
        let writes: Vec<_> = (0..3)
            .map(|w| {
                let (store, account, r) = (store.clone(), account.clone(), r.clone());
                tokio::spawn(async move {
                    let ops = vec![StoreOp::set("s", &format!("k{w}"), json!({"w": w}))];
                    store
                        .write_stores(&account, &r, None, ops, &StoreLimits::default())
                        .await
                })
            })
            .collect();
        store.delete_room(&account, &r, None).await.unwrap();
        for w in writes {
            let written = w.await.unwrap();
            assert!(
                matches!(&written, Ok(_) | Err(StoreError::NotFound("room"))),
                "{written:?}"
            );
        }
        assert_eq!(rows(&db, &r).await, 0);
    }
    drop(store);
    db.drop().await;
}

#[tokio::test]
async fn what_postgresql_cannot_hold_is_refused_write_by_write() {
    let db = TestDb::create().await;
    let store = PgStore::open(&db.url, &PgOptions::default()).await.unwrap();
    let account = support::account(&store).await;
    let r = room(&store, &account).await;
    let ops = vec![
        StoreOp::set("s", "nul\0key", json!({})),
        StoreOp::set("s\0", "k", json!({})),
        // A NUL inside a JSON string is an escape in the text stored, not a NUL.
        StoreOp::set("s", "k", json!({"text": "a\u{0}b"})),
    ];
    let outcomes = store
        .write_stores(&account, &r, None, ops, &StoreLimits::default())
        .await
        .unwrap();
    assert_eq!(outcomes[0].as_ref().unwrap_err().code(), "invalid_key");
    assert_eq!(
        outcomes[1].as_ref().unwrap_err().code(),
        "invalid_store_name"
    );
    let written = outcomes[2].as_ref().unwrap().as_ref().unwrap();
    let read = store
        .get_store_entry(&account, &r, "s", "k")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(Some(read.value), written.value);
    drop(store);
    db.drop().await;
}
