//! What the suite cannot see on SQLite: the plans of the reads and that no row outlives its
//! room.

use collabkit_domain::store::{StoreLimits, StoreOp, StoreWrite, prelude::*};
use rusqlite::Connection;
use serde_json::json;

use super::read::{DELTA, ENTRIES_PAGE};
use super::write::TOMBSTONES_TO_PRUNE;
use crate::tests::query_plan;

fn assert_no_temp_b_tree(plan: &[String]) {
    assert!(!plan.iter().any(|l| l.contains("TEMP B-TREE")), "{plan:#?}");
}

/// A page by key walks the primary key from the cursor; a delta seeks the version index; the
/// pruning reads the tombstones' partial index. None sorts.
#[test]
fn store_reads_seek_their_index_in_order() {
    let page = query_plan(ENTRIES_PAGE, 5);
    assert!(
        page.iter().any(|l| l.starts_with(
            "SEARCH store_entries USING PRIMARY KEY (room_id=? AND store=? AND key>?)"
        )),
        "{page:#?}"
    );
    assert_no_temp_b_tree(&page);

    let delta = query_plan(DELTA, 3);
    assert!(
        delta.iter().any(|l| l.starts_with(
            "SEARCH store_entries USING INDEX store_entries_by_version (room_id=? AND store=? AND version>?)"
        )),
        "{delta:#?}"
    );
    assert_no_temp_b_tree(&delta);

    let prune = query_plan(TOMBSTONES_TO_PRUNE, 3);
    assert!(
        prune.iter().any(|l| l
            .contains("USING COVERING INDEX store_tombstones (room_id=? AND store=?)")
            || l.contains("USING INDEX store_tombstones (room_id=? AND store=?)")),
        "{prune:#?}"
    );
    assert_no_temp_b_tree(&prune);
}

/// Deleting a room leaves neither its store rows nor its entries (tombstones included), and
/// the other rooms' stay.
#[tokio::test]
async fn deleting_a_room_deletes_its_stores_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stores.db");
    let (store, account, room) = crate::tests::store_with_room(&path).await;
    let other = store
        .create_room(
            &account,
            collabkit_domain::store::NewRoom {
                custom_id: None,
                name: "Other".into(),
            },
        )
        .await
        .unwrap();
    let op = |s: &str, write: StoreWrite| StoreOp {
        store: s.into(),
        write,
        schema: None,
    };
    let set = |key: &str| StoreWrite::Set {
        key: key.into(),
        value: json!({"v": key}),
    };
    let ops = vec![
        op("a", set("1")),
        op("a", set("2")),
        op("b", set("1")),
        op("a", StoreWrite::Delete { key: "2".into() }),
    ];
    let limits = StoreLimits::default();
    for r in [&room.id, &other.id] {
        let outcomes = store
            .write_stores(&account, r, None, ops.clone(), &limits)
            .await
            .unwrap();
        assert!(
            outcomes.iter().all(|o| matches!(o, Ok(Some(_)))),
            "{outcomes:?}"
        );
    }
    let counts = || -> (i64, i64) {
        let conn = Connection::open(&path).unwrap();
        let count = |table: &str| {
            conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
                .unwrap()
        };
        (count("room_stores"), count("store_entries"))
    };
    assert_eq!(
        counts(),
        (4, 6),
        "two stores and three rows (one a tombstone) per room"
    );
    store.delete_room(&account, &room.id, None).await.unwrap();
    assert_eq!(counts(), (2, 3), "only the other room's");
}
