//! A room's stores: each change numbered by its store's version (1, 2, 3, … per store and per
//! room, without gaps, even with writers on several handles at once), a batch answered write
//! by write, read back (get, list, sync) as the changes said, held within the bounds across
//! calls, synced by delta or by snapshot once deletions are forgotten, paged by key as bytes,
//! and kept within their room and account until the room goes.
//!
//! Written against the trait only: what a rule decides (versions, outcomes, the horizon) is
//! asserted exactly, because every backend stores what the rules return.

use std::collections::BTreeMap;
use std::sync::Arc;

use collabkit_domain::rules::stores::{StoreSchema, parse_schemas, value_bytes};
use collabkit_domain::store::{
    PageRequest, Storage, StoreAction, StoreChange, StoreEntry, StoreError, StoreLimits, StoreMeta,
    StoreOp, StoreRuleError, StoreSync, StoreValue, StoreWrite,
};
use serde_json::{Value, json};

use crate::{TestDatabase, account, new_room, user};

type Outcome = Result<Option<StoreChange>, StoreRuleError>;

fn op(store: &str, write: StoreWrite) -> StoreOp {
    StoreOp::new(store, write)
}

fn with_schema(store: &str, write: StoreWrite, schema: &Arc<StoreSchema>) -> StoreOp {
    StoreOp {
        schema: Some(schema.clone()),
        ..op(store, write)
    }
}

fn set(key: &str, value: Value) -> StoreWrite {
    StoreWrite::Set {
        key: key.into(),
        value,
    }
}

fn update(key: &str, value: Value) -> StoreWrite {
    StoreWrite::Update {
        key: key.into(),
        value,
    }
}

fn delete(key: &str) -> StoreWrite {
    StoreWrite::Delete { key: key.into() }
}

fn object(value: Value) -> StoreValue {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

/// The schema of `tasks` the checks declare (as a client's `defineStores` would).
fn tasks_schema() -> Arc<StoreSchema> {
    let schemas = parse_schemas(&json!({
        "tasks": {
            "title": {"type": "string", "required": true},
            "completed": {"type": "boolean", "default": false},
            "points": {"type": "number"}
        }
    }))
    .unwrap();
    Arc::new(schemas["tasks"].clone())
}

/// Writes `ops` with the default bounds; the outcomes.
async fn write(store: &dyn Storage, a: &str, room: &str, ops: Vec<StoreOp>) -> Vec<Outcome> {
    write_within(store, a, room, ops, &StoreLimits::default()).await
}

async fn write_within(
    store: &dyn Storage,
    a: &str,
    room: &str,
    ops: Vec<StoreOp>,
    limits: &StoreLimits,
) -> Vec<Outcome> {
    let n = ops.len();
    let outcomes = store
        .write_stores(a, room, None, ops, limits)
        .await
        .unwrap();
    assert_eq!(outcomes.len(), n, "one outcome per write");
    outcomes
}

/// The change a write made (it must have made one).
fn change(outcome: &Outcome) -> &StoreChange {
    outcome
        .as_ref()
        .unwrap_or_else(|e| panic!("refused: {e}"))
        .as_ref()
        .expect("a change")
}

fn versions(outcomes: &[Outcome]) -> Vec<Option<i64>> {
    outcomes
        .iter()
        .map(|o| o.as_ref().ok().and_then(|c| c.as_ref().map(|c| c.version)))
        .collect()
}

async fn meta(store: &dyn Storage, a: &str, room: &str, name: &str) -> Option<StoreMeta> {
    store
        .list_stores(a, room)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.name == name)
}

/// Every live entry of a store, through the paged list.
async fn all_entries(store: &dyn Storage, a: &str, room: &str, name: &str) -> Vec<StoreEntry> {
    store
        .list_store_entries(a, room, name, PageRequest::first(200))
        .await
        .unwrap()
        .items
}

fn keys(entries: &[StoreEntry]) -> Vec<&str> {
    entries.iter().map(|e| e.key.as_str()).collect()
}

/// The entry a change left, as every read should show it.
fn entry_of(change: &StoreChange) -> StoreEntry {
    StoreEntry {
        key: change.key.clone(),
        value: change.value.clone().expect("a live entry"),
        version: change.version,
        updated_at: change.at,
        updated_by: change.by.clone(),
    }
}

/// Changes are numbered per store: each store of a room counts its own, from 1, whether the
/// writes come in one batch or in several calls; the same store name in another room counts
/// separately. The store rows say the version, the entries and their bytes.
pub async fn store_versions_count_per_store_and_per_room(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let next_door = store.create_room(&a, new_room("next")).await.unwrap();
    assert_eq!(store.list_stores(&a, &room.id).await, Ok(vec![]));

    let first = write(
        store,
        &a,
        &room.id,
        vec![
            op("notes", set("n1", json!({"text": "one"}))),
            op("cursors", set("c1", json!({"x": 1}))),
            op("notes", set("n2", json!({"text": "two"}))),
        ],
    )
    .await;
    assert_eq!(versions(&first), [Some(1), Some(1), Some(2)]);
    let second = write(
        store,
        &a,
        &room.id,
        vec![op("notes", set("n1", json!({"text": "uno"})))],
    )
    .await;
    assert_eq!(versions(&second), [Some(3)], "a later call continues");
    let third = write(
        store,
        &a,
        &room.id,
        vec![
            op("cursors", set("c2", json!({"x": 2}))),
            op("notes", delete("n2")),
        ],
    )
    .await;
    assert_eq!(versions(&third), [Some(2), Some(4)]);
    let elsewhere = write(
        store,
        &a,
        &next_door.id,
        vec![op("notes", set("n1", json!({"text": "next door"})))],
    )
    .await;
    assert_eq!(versions(&elsewhere), [Some(1)], "each room counts its own");

    let stores = store.list_stores(&a, &room.id).await.unwrap();
    let names: Vec<&str> = stores.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["cursors", "notes"], "by name");
    let bytes = |v: Value| value_bytes(&object(v)) as u64;
    assert_eq!(
        stores[0],
        StoreMeta {
            name: "cursors".into(),
            version: 2,
            horizon: 0,
            entries: 2,
            bytes: bytes(json!({"x": 1})) + bytes(json!({"x": 2})),
            tombstones: 0,
        }
    );
    assert_eq!(
        stores[1],
        StoreMeta {
            name: "notes".into(),
            version: 4,
            horizon: 0,
            entries: 1,
            bytes: bytes(json!({"text": "uno"})),
            tombstones: 1,
        }
    );
    let next = store.list_stores(&a, &next_door.id).await.unwrap();
    assert_eq!((next.len(), next[0].version, next[0].entries), (1, 1, 1));
}

/// A batch is answered write by write, in order, each planned on the ones before it: a refused
/// write takes no version and changes nothing (the others still apply), an update after a set
/// merges into it, a deletion of nothing is `Ok(None)`, an update of a missing key is
/// `EntryNotFound`; the changes say who wrote them and when.
pub async fn a_store_batch_answers_each_write_in_order(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let ann = user(store, &a, &room.id, "ann").await;
    let tasks = tasks_schema();
    let ops = vec![
        with_schema("tasks", set("t1", json!({"title": "Ship"})), &tasks),
        with_schema("tasks", set("t2", json!({"nope": 1})), &tasks),
        with_schema("tasks", update("t1", json!({"points": 3})), &tasks),
        with_schema("tasks", delete("never"), &tasks),
        with_schema("tasks", update("missing", json!({"points": 1})), &tasks),
        op("tasks", set("", json!({"title": "no key"}))),
        op("1bad", set("k", json!({}))),
        op("tasks", set("t3", json!(["not", "an", "object"]))),
        with_schema("tasks", set("t4", json!({"title": "Four"})), &tasks),
        with_schema("tasks", delete("t4"), &tasks),
    ];
    let outcomes = store
        .write_stores(&a, &room.id, Some(&ann.id), ops, &StoreLimits::default())
        .await
        .unwrap();
    assert_eq!(
        versions(&outcomes),
        [
            Some(1),
            None,
            Some(2),
            None,
            None,
            None,
            None,
            None,
            Some(3),
            Some(4)
        ]
    );
    assert_eq!(
        outcomes[1],
        Err(StoreRuleError::UnknownField("nope".into()))
    );
    assert_eq!(outcomes[3], Ok(None), "deleting nothing changes nothing");
    assert_eq!(
        outcomes[4],
        Err(StoreRuleError::EntryNotFound("missing".into()))
    );
    assert_eq!(outcomes[5].as_ref().unwrap_err().code(), "invalid_key");
    assert_eq!(
        outcomes[6].as_ref().unwrap_err().code(),
        "invalid_store_name"
    );
    assert_eq!(outcomes[7], Err(StoreRuleError::NotAnObject("an array")));

    let merged = change(&outcomes[2]);
    assert_eq!(merged.action, StoreAction::Update);
    assert_eq!(
        merged.value,
        Some(object(
            json!({"title": "Ship", "completed": false, "points": 3})
        )),
        "the update merged into the set before it, defaults included"
    );
    assert_eq!(change(&outcomes[0]).action, StoreAction::Set);
    let deleted = change(&outcomes[9]);
    assert_eq!(
        (deleted.action, &deleted.value),
        (StoreAction::Delete, &None)
    );
    for outcome in [&outcomes[0], &outcomes[2], &outcomes[8], &outcomes[9]] {
        let c = change(outcome);
        assert_eq!(
            (c.store.as_str(), c.by.as_deref()),
            ("tasks", Some(ann.id.as_str()))
        );
    }

    // What the refused writes named holds nothing; the store holds what the changes said.
    for key in ["t2", "t3", "t4", "missing", "never"] {
        assert_eq!(
            store.get_store_entry(&a, &room.id, "tasks", key).await,
            Ok(None),
            "{key}"
        );
    }
    assert_eq!(
        store.list_stores(&a, &room.id).await.unwrap().len(),
        1,
        "no store 1bad"
    );
    let t1 = entry_of(merged);
    assert_eq!(
        store.get_store_entry(&a, &room.id, "tasks", "t1").await,
        Ok(Some(t1.clone()))
    );
    let meta = meta(store, &a, &room.id, "tasks").await.unwrap();
    assert_eq!((meta.version, meta.entries, meta.tombstones), (4, 1, 1));

    // An empty batch is answered with no outcome and writes nothing.
    assert_eq!(write(store, &a, &room.id, vec![]).await, vec![]);
    // A batch of nothing but refusals changes nothing either.
    let refused = write(
        store,
        &a,
        &room.id,
        vec![
            op("tasks", update("t9", json!({"x": 1}))),
            op("tasks", delete("t9")),
        ],
    )
    .await;
    assert_eq!(versions(&refused), [None, None]);
    assert_eq!(
        meta.version,
        self::meta(store, &a, &room.id, "tasks")
            .await
            .unwrap()
            .version
    );
    // Through the REST API: no writer.
    let rest = write(
        store,
        &a,
        &room.id,
        vec![op("tasks", update("t1", json!({"points": 4})))],
    )
    .await;
    assert_eq!(change(&rest[0]).by, None);
    assert_eq!(change(&rest[0]).version, 5);
}

/// What every read shows is what the changes said: the value, the version, when and by whom,
/// through `get`, the list and both kinds of sync.
pub async fn store_reads_agree_with_the_changes(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let bob = user(store, &a, &room.id, "bob").await;
    let by_bob = store
        .write_stores(
            &a,
            &room.id,
            Some(&bob.id),
            vec![
                op(
                    "board",
                    set(
                        "b",
                        json!({"n": 1, "nested": {"deep": [1, 2, {"x": null}]}}),
                    ),
                ),
                op(
                    "board",
                    set("a", json!({"s": "ünïcode ✓", "f": 1.5, "t": true})),
                ),
            ],
            &StoreLimits::default(),
        )
        .await
        .unwrap();
    let by_api = write(
        store,
        &a,
        &room.id,
        vec![
            op("board", update("b", json!({"n": 2}))),
            op("board", set("c", json!({}))),
        ],
    )
    .await;
    let mut expected: Vec<StoreEntry> = [&by_bob[1], &by_api[0], &by_api[1]]
        .into_iter()
        .map(|o| entry_of(change(o)))
        .collect();
    expected.sort_by(|x, y| x.key.cmp(&y.key));
    assert_eq!(keys(&expected), ["a", "b", "c"]);
    assert_eq!(
        expected[1].value,
        object(json!({"n": 2, "nested": {"deep": [1, 2, {"x": null}]}})),
        "an update without a schema merges the top-level fields"
    );
    assert_eq!(expected[0].updated_by.as_deref(), Some(bob.id.as_str()));
    assert_eq!(expected[1].updated_by, None, "rewritten through the API");

    for e in &expected {
        assert_eq!(
            store.get_store_entry(&a, &room.id, "board", &e.key).await,
            Ok(Some(e.clone()))
        );
    }
    assert_eq!(all_entries(store, &a, &room.id, "board").await, expected);
    assert_eq!(
        store.sync_store(&a, &room.id, "board", None).await,
        Ok(StoreSync::Snapshot {
            version: 4,
            entries: expected.clone()
        })
    );
    let mut since_first: Vec<StoreChange> = by_api
        .iter()
        .map(|o| StoreChange {
            // A sync says what a key holds now: a live entry is a set, whatever wrote it.
            action: StoreAction::Set,
            ..change(o).clone()
        })
        .collect();
    since_first.insert(
        0,
        StoreChange {
            action: StoreAction::Set,
            ..change(&by_bob[1]).clone()
        },
    );
    assert_eq!(
        store.sync_store(&a, &room.id, "board", Some(1)).await,
        Ok(StoreSync::Delta {
            version: 4,
            changes: since_first
        })
    );
}

/// `set` fills in the schema's defaults when the write carries a schema, and only then; an
/// update resetting a defaulted field to `null` puts the default back.
pub async fn store_schemas_fill_defaults_when_the_write_carries_one(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let tasks = tasks_schema();
    let outcomes = write(
        store,
        &a,
        &room.id,
        vec![
            with_schema("tasks", set("declared", json!({"title": "A"})), &tasks),
            op("tasks", set("bare", json!({"title": "B"}))),
            with_schema(
                "tasks",
                set("done", json!({"title": "C", "completed": true})),
                &tasks,
            ),
            with_schema("tasks", set("untitled", json!({"completed": true})), &tasks),
        ],
    )
    .await;
    assert_eq!(
        outcomes[3],
        Err(StoreRuleError::MissingField("title".into()))
    );
    let (a, room) = (&a, &room.id);
    let value = |key: &'static str| async move {
        store
            .get_store_entry(a, room, "tasks", key)
            .await
            .unwrap()
            .map(|e| Value::Object(e.value))
    };
    assert_eq!(
        value("declared").await,
        Some(json!({"title": "A", "completed": false}))
    );
    assert_eq!(
        value("bare").await,
        Some(json!({"title": "B"})),
        "no schema, no default"
    );
    assert_eq!(
        value("done").await,
        Some(json!({"title": "C", "completed": true}))
    );
    assert_eq!(value("untitled").await, None);

    let reset = write(
        store,
        a,
        room,
        vec![with_schema(
            "tasks",
            update("done", json!({"completed": null})),
            &tasks,
        )],
    )
    .await;
    assert_eq!(
        change(&reset[0]).value,
        Some(object(json!({"title": "C", "completed": false})))
    );
    assert_eq!(
        value("done").await,
        Some(json!({"title": "C", "completed": false}))
    );
}

/// The bounds hold across calls, not only within a batch: entries per store, stores per room
/// and bytes per room, counted from what is stored (deletions give room back, an overwrite
/// counts only its growth). A refused write changes nothing.
pub async fn store_bounds_hold_across_calls(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let limits = StoreLimits {
        max_entries_per_store: 2,
        max_stores_per_room: 2,
        max_room_bytes: 60,
        ..StoreLimits::default()
    };
    let small = |n: i64| json!({ "n": n }); // 7 bytes
    let one = |s: &str, write: StoreWrite| vec![op(s, write)];
    let w = |ops| write_within(store, &a, &room.id, ops, &limits);

    assert!(w(one("s1", set("a", small(1)))).await[0].is_ok());
    assert!(w(one("s1", set("b", small(2)))).await[0].is_ok());
    assert_eq!(
        w(one("s1", set("c", small(3)))).await[0],
        Err(StoreRuleError::TooManyEntries { max: 2 })
    );
    assert!(
        matches!(w(one("s1", set("a", small(9)))).await[0], Ok(Some(_))),
        "an overwrite adds no entry"
    );
    assert!(w(one("s2", set("a", small(1)))).await[0].is_ok());
    assert_eq!(
        w(one("s3", set("a", small(1)))).await[0],
        Err(StoreRuleError::TooManyStores { max: 2 })
    );
    assert_eq!(
        meta(store, &a, &room.id, "s3").await,
        None,
        "no row for a refused store"
    );
    // A deletion gives its entry back.
    assert!(w(one("s1", delete("b"))).await[0].is_ok());
    assert!(w(one("s1", set("c", small(3)))).await[0].is_ok());

    // Bytes: 3 entries of 7 bytes are stored (21 of 60).
    let big = json!({ "s": "x".repeat(30) }); // 38 bytes
    assert!(
        w(one("s2", set("b", big.clone()))).await[0].is_ok(),
        "21 + 38 bytes fit in 60"
    );
    let before = meta(store, &a, &room.id, "s2").await.unwrap();
    // Overwriting b with 48 bytes grows the room by 10, to 69.
    let bigger = json!({ "s": "x".repeat(40) });
    assert_eq!(
        w(one("s2", set("b", bigger))).await[0],
        Err(StoreRuleError::RoomFull { bytes: 69, max: 60 })
    );
    assert_eq!(
        meta(store, &a, &room.id, "s2").await.unwrap(),
        before,
        "nothing changed"
    );
    assert_eq!(
        store
            .get_store_entry(&a, &room.id, "s2", "b")
            .await
            .map(|e| e.map(|e| e.value)),
        Ok(Some(object(big)))
    );
}

/// `sync` without a version is the whole store; with one, exactly the keys changed after it,
/// each once as it is now (a deletion as `Delete` with no value), in version order; at the
/// store's version nothing; past it (a client of another database) the whole store. An
/// unknown store reads as an empty one.
pub async fn store_sync_answers_the_changes_since_a_version(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let empty = StoreSync::Snapshot {
        version: 0,
        entries: vec![],
    };
    assert_eq!(
        store.sync_store(&a, &room.id, "s", None).await,
        Ok(empty.clone())
    );
    assert_eq!(
        store.sync_store(&a, &room.id, "s", Some(0)).await,
        Ok(StoreSync::Delta {
            version: 0,
            changes: vec![]
        })
    );
    assert_eq!(
        store.sync_store(&a, &room.id, "s", Some(3)).await,
        Ok(empty)
    );

    let ops = ["a", "b", "c", "d"].map(|k| op("s", set(k, json!({ "k": k }))));
    write(store, &a, &room.id, ops.to_vec()).await; // versions 1..=4
    let seen = 4;
    let later = write(
        store,
        &a,
        &room.id,
        vec![
            op("s", update("b", json!({"n": 1}))), // 5
            op("s", delete("c")),                  // 6
            op("s", set("e", json!({"k": "e"}))),  // 7
            op("s", update("b", json!({"n": 2}))), // 8
            op("s", delete("e")),                  // 9
            op("s", delete("zz")),                 // nothing
            op("other", set("a", json!({}))),      // another store's 1
        ],
    )
    .await;
    assert_eq!(
        versions(&later),
        [Some(5), Some(6), Some(7), Some(8), Some(9), None, Some(1)]
    );
    let Ok(StoreSync::Delta { version, changes }) =
        store.sync_store(&a, &room.id, "s", Some(seen)).await
    else {
        panic!("a delta since a version the store remembers");
    };
    assert_eq!(version, 9);
    let got: Vec<(&str, StoreAction, Option<Value>, i64)> = changes
        .iter()
        .map(|c| {
            assert_eq!(c.store, "s");
            (
                c.key.as_str(),
                c.action,
                c.value.clone().map(Value::Object),
                c.version,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("c", StoreAction::Delete, None, 6),
            ("b", StoreAction::Set, Some(json!({"k": "b", "n": 2})), 8),
            ("e", StoreAction::Delete, None, 9),
        ],
        "each key once, as it is now, in version order"
    );
    let Ok(StoreSync::Delta { changes, .. }) = store.sync_store(&a, &room.id, "s", Some(7)).await
    else {
        panic!("a delta");
    };
    assert_eq!(keys_of(&changes), ["b", "e"]);
    assert_eq!(
        store.sync_store(&a, &room.id, "s", Some(9)).await,
        Ok(StoreSync::Delta {
            version: 9,
            changes: vec![]
        }),
        "up to date"
    );
    let whole = all_entries(store, &a, &room.id, "s").await;
    assert_eq!(keys(&whole), ["a", "b", "d"]);
    for since in [None, Some(10), Some(-1)] {
        assert_eq!(
            store.sync_store(&a, &room.id, "s", since).await,
            Ok(StoreSync::Snapshot {
                version: 9,
                entries: whole.clone()
            }),
            "since {since:?}"
        );
    }
}

fn keys_of(changes: &[StoreChange]) -> Vec<&str> {
    changes.iter().map(|c| c.key.as_str()).collect()
}

/// With few tombstones remembered, the oldest are forgotten and the store's horizon rises to
/// the newest forgotten: a client that saw less than it gets the whole store, one that saw
/// more still gets the changes (the deletions it missed included). Setting a deleted key again
/// takes its tombstone back.
pub async fn forgotten_deletions_send_older_clients_a_snapshot(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let limits = StoreLimits {
        max_tombstones_per_store: 4,
        ..StoreLimits::default()
    };
    let sets: Vec<StoreOp> = (0..10)
        .map(|k| op("s", set(&format!("k{k}"), json!({ "k": k }))))
        .collect();
    write_within(store, &a, &room.id, sets, &limits).await; // versions 1..=10
    // One deletion a call, k0..k5: versions 11..=16. The fifth leaves 5 tombstones, over 4:
    // down to 2, forgetting k0, k1 and k2 (versions 11..=13).
    for k in 0..6 {
        let out = write_within(
            store,
            &a,
            &room.id,
            vec![op("s", delete(&format!("k{k}")))],
            &limits,
        )
        .await;
        assert_eq!(versions(&out), [Some(11 + k)]);
    }
    let meta = meta(store, &a, &room.id, "s").await.unwrap();
    assert_eq!(
        (meta.version, meta.horizon, meta.entries, meta.tombstones),
        (16, 13, 4, 3)
    );
    let live = all_entries(store, &a, &room.id, "s").await;
    assert_eq!(keys(&live), ["k6", "k7", "k8", "k9"]);
    for since in [0, 10, 12] {
        assert_eq!(
            store.sync_store(&a, &room.id, "s", Some(since)).await,
            Ok(StoreSync::Snapshot {
                version: 16,
                entries: live.clone()
            }),
            "since {since}: the deletions it missed may be forgotten"
        );
    }
    let Ok(StoreSync::Delta { version, changes }) =
        store.sync_store(&a, &room.id, "s", Some(13)).await
    else {
        panic!("since the horizon, every deletion is remembered");
    };
    assert_eq!(version, 16);
    assert_eq!(keys_of(&changes), ["k3", "k4", "k5"]);
    assert!(
        changes
            .iter()
            .all(|c| c.action == StoreAction::Delete && c.value.is_none())
    );

    // k5 again: its tombstone goes, the entry is back, the horizon stays.
    let again = write_within(
        store,
        &a,
        &room.id,
        vec![op("s", set("k5", json!({"back": true})))],
        &limits,
    )
    .await;
    assert_eq!(versions(&again), [Some(17)]);
    let meta = self::meta(store, &a, &room.id, "s").await.unwrap();
    assert_eq!(
        (meta.version, meta.horizon, meta.entries, meta.tombstones),
        (17, 13, 5, 2)
    );
    let Ok(StoreSync::Delta { changes, .. }) = store.sync_store(&a, &room.id, "s", Some(14)).await
    else {
        panic!("a delta");
    };
    assert_eq!(keys_of(&changes), ["k4", "k5"]);
    assert_eq!(changes[1].action, StoreAction::Set);
}

/// Entries are listed by key compared as bytes (not by a locale), paged after the key a page
/// ended on, or by offset; deleted keys are not listed; the total is the store's entries.
pub async fn store_entries_page_by_key_with_the_total(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let given = ["b", "é", "a b", "Z", "10", "a", "9", "B", "gone", "_", "ab"];
    let ops = given
        .iter()
        .map(|k| op("s", set(k, json!({ "k": k }))))
        .chain([op("s", delete("gone"))])
        .collect();
    write(store, &a, &room.id, ops).await;
    let mut expected: Vec<&str> = given.iter().copied().filter(|k| *k != "gone").collect();
    expected.sort_by(|x, y| x.as_bytes().cmp(y.as_bytes()));
    assert_eq!(
        expected,
        ["10", "9", "B", "Z", "_", "a", "a b", "ab", "b", "é"]
    );

    let mut seen = Vec::new();
    let mut page = PageRequest::first(3);
    let mut pages = 0;
    loop {
        let got = store
            .list_store_entries(&a, &room.id, "s", page.clone())
            .await
            .unwrap();
        pages += 1;
        assert_eq!(got.total, Some(10), "the store's entries, on every page");
        assert!(got.items.len() <= 3);
        assert_eq!(
            got.last.is_some(),
            !got.items.is_empty(),
            "last names the page's last entry"
        );
        for e in &got.items {
            assert_eq!(Value::Object(e.value.clone()), json!({ "k": e.key }));
        }
        seen.extend(got.items.iter().map(|e| e.key.clone()));
        match got.next {
            Some(next) => page = PageRequest::after(3, next),
            None => break,
        }
    }
    assert_eq!(seen, expected);
    assert_eq!(pages, 4, "3 + 3 + 3 + 1");

    let skipped = store
        .list_store_entries(&a, &room.id, "s", PageRequest::at_offset(2, 3))
        .await
        .unwrap();
    assert_eq!(keys(&skipped.items), ["Z", "_"]);
    assert!(skipped.next.is_some());
    let end = store
        .list_store_entries(&a, &room.id, "s", PageRequest::at_offset(5, 8))
        .await
        .unwrap();
    assert_eq!(keys(&end.items), ["b", "é"]);
    assert!(end.next.is_none(), "nothing after the last");
    let exact = store
        .list_store_entries(&a, &room.id, "s", PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(exact.items.len(), 10);
    assert!(exact.next.is_none(), "a page that ends the list says so");

    let unknown = store
        .list_store_entries(&a, &room.id, "nothing", PageRequest::first(3))
        .await
        .unwrap();
    assert!(unknown.items.is_empty() && unknown.next.is_none());
    assert_eq!(unknown.total, Some(0));
}

/// Every verb on a room of another account (or none) is `NotFound("room")` and writes
/// nothing; a store of one room is not seen from another room of the same account.
pub async fn stores_stay_in_their_room_and_account(store: &dyn Storage) {
    let a = account(store).await;
    let b = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let next_door = store.create_room(&a, new_room("next")).await.unwrap();
    let theirs = store.create_room(&b, new_room("r")).await.unwrap();
    write(
        store,
        &a,
        &room.id,
        vec![op("s", set("k", json!({"v": 1})))],
    )
    .await;
    write(
        store,
        &b,
        &theirs.id,
        vec![op("s", set("k", json!({"v": 2})))],
    )
    .await;

    let not_found = Err(StoreError::NotFound("room"));
    for (account, room) in [
        (&a, theirs.id.as_str()),
        (&b, room.id.as_str()),
        (&a, "room_nope"),
    ] {
        let ops = vec![op("s", set("k", json!({"v": 3}))), op("s", delete("k"))];
        assert_eq!(
            store
                .write_stores(account, room, None, ops, &StoreLimits::default())
                .await,
            not_found.clone().map(|()| vec![])
        );
        assert_eq!(
            store.list_stores(account, room).await,
            not_found.clone().map(|()| vec![])
        );
        assert_eq!(
            store.get_store_entry(account, room, "s", "k").await,
            not_found.clone().map(|()| None)
        );
        assert_eq!(
            store
                .list_store_entries(account, room, "s", PageRequest::first(10))
                .await
                .err(),
            Some(StoreError::NotFound("room"))
        );
        assert_eq!(
            store.sync_store(account, room, "s", Some(0)).await.err(),
            Some(StoreError::NotFound("room"))
        );
    }
    // Nothing was written through those calls.
    for (account, room, v) in [(&a, &room.id, 1), (&b, &theirs.id, 2)] {
        let entry = store
            .get_store_entry(account, room, "s", "k")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((entry.value, entry.version), (object(json!({ "v": v })), 1));
    }

    assert_eq!(store.list_stores(&a, &next_door.id).await, Ok(vec![]));
    assert_eq!(
        store.get_store_entry(&a, &next_door.id, "s", "k").await,
        Ok(None)
    );
    assert_eq!(
        store.sync_store(&a, &next_door.id, "s", None).await,
        Ok(StoreSync::Snapshot {
            version: 0,
            entries: vec![]
        })
    );
    let listed = store
        .list_store_entries(&a, &next_door.id, "s", PageRequest::first(10))
        .await
        .unwrap();
    assert!(listed.items.is_empty());
    assert_eq!(listed.total, Some(0));
}

/// Deleting a room deletes its stores: every verb on it is `NotFound("room")` after, and the
/// account's other rooms keep theirs.
pub async fn deleting_a_room_deletes_its_stores(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let kept = store.create_room(&a, new_room("kept")).await.unwrap();
    for r in [&room.id, &kept.id] {
        write(
            store,
            &a,
            r,
            vec![
                op("s", set("k", json!({"v": 1}))),
                op("s", set("gone", json!({"v": 1}))),
                op("s", delete("gone")),
                op("t", set("k", json!({"v": 1}))),
            ],
        )
        .await;
    }
    store.delete_room(&a, &room.id, None).await.unwrap();
    let not_found = Some(StoreError::NotFound("room"));
    assert_eq!(
        store
            .write_stores(
                &a,
                &room.id,
                None,
                vec![op("s", set("k", json!({})))],
                &StoreLimits::default()
            )
            .await
            .err(),
        not_found
    );
    assert_eq!(store.list_stores(&a, &room.id).await.err(), not_found);
    assert_eq!(
        store.get_store_entry(&a, &room.id, "s", "k").await.err(),
        not_found
    );
    assert_eq!(
        store
            .list_store_entries(&a, &room.id, "s", PageRequest::first(10))
            .await
            .err(),
        not_found
    );
    assert_eq!(
        store.sync_store(&a, &room.id, "s", None).await.err(),
        not_found
    );

    let names: Vec<String> = store
        .list_stores(&a, &kept.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(names, ["s", "t"]);
    let Ok(StoreSync::Delta { changes, .. }) = store.sync_store(&a, &kept.id, "s", Some(0)).await
    else {
        panic!("a delta");
    };
    assert_eq!(keys_of(&changes), ["k", "gone"]);
}

/// Writers on several handles at once (several nodes, or processes): 8 of them writing 25
/// sets each to one store get the versions 1..=200, each once, and the store ends with the
/// last write of every key, as its sync says.
pub async fn concurrent_store_writes_are_numbered_without_gaps(db: &dyn TestDatabase) {
    const TASKS: usize = 8;
    const WRITES: usize = 25;
    let first = db.open().await;
    let a = account(first.as_ref()).await;
    let room = first.create_room(&a, new_room("r")).await.unwrap();
    let mut handles = vec![first];
    for _ in 1..TASKS {
        handles.push(db.open().await);
    }
    let tasks = handles.iter().enumerate().map(|(t, handle)| {
        let (handle, a, room) = (handle.clone(), a.clone(), room.id.clone());
        async move {
            // A task's writes are in flight together too (a connection sends many).
            let writes = (0..WRITES).map(|i| {
                let (handle, a, room) = (handle.clone(), a.clone(), room.clone());
                async move {
                    let key = format!("k{}", (t * WRITES + i) % 10);
                    let ops = vec![op("s", set(&key, json!({ "t": t, "i": i })))];
                    let out = handle
                        .write_stores(&a, &room, None, ops, &StoreLimits::default())
                        .await
                        .unwrap();
                    change(&out[0]).clone()
                }
            });
            futures_util::future::join_all(writes).await
        }
    });
    let changes: Vec<StoreChange> = futures_util::future::join_all(tasks)
        .await
        .into_iter()
        .flatten()
        .collect();
    let mut numbers: Vec<i64> = changes.iter().map(|c| c.version).collect();
    numbers.sort_unstable();
    let total = (TASKS * WRITES) as i64;
    assert_eq!(
        numbers,
        (1..=total).collect::<Vec<_>>(),
        "each version once, no gap"
    );

    let mut last: BTreeMap<&str, &StoreChange> = BTreeMap::new();
    for c in &changes {
        if last
            .get(c.key.as_str())
            .is_none_or(|l| l.version < c.version)
        {
            last.insert(&c.key, c);
        }
    }
    let expected: Vec<StoreEntry> = last.values().map(|c| entry_of(c)).collect();
    for handle in [&handles[0], &handles[TASKS - 1]] {
        assert_eq!(
            handle.sync_store(&a, &room.id, "s", None).await,
            Ok(StoreSync::Snapshot {
                version: total,
                entries: expected.clone()
            })
        );
    }
    let meta = meta(handles[1].as_ref(), &a, &room.id, "s").await.unwrap();
    assert_eq!((meta.version, meta.entries), (total, 10));
    assert_eq!(
        meta.bytes,
        expected
            .iter()
            .map(|e| value_bytes(&e.value) as u64)
            .sum::<u64>()
    );
}

/// Numbers come back exactly as written (floats to the last bit: a lossy parse of stored JSON
/// would move about one in ten by a unit in the last place), and updates on values read back
/// keep the store's bytes equal to the values' size.
pub async fn store_values_keep_their_numbers_and_bytes_exact(store: &dyn Storage) {
    let a = account(store).await;
    let room = store.create_room(&a, new_room("r")).await.unwrap();
    let numbers = json!({
        "a": 985.6906946328695,
        "b": 212.91890726713459,
        "c": 1.0715660391465826e-75,
        "d": -1.603964615428183e143,
        "e": 0.1,
        "f": u64::MAX,
        "g": i64::MIN,
        "h": 0.30000000000000004
    });
    let written = write(
        store,
        &a,
        &room.id,
        vec![op("n", set("k", numbers.clone()))],
    )
    .await;
    assert_eq!(change(&written[0]).value, Some(object(numbers.clone())));
    for i in 0..5 {
        // Each update merges into the value as read back from the storage.
        let patch = json!({ format!("x{i}"): 212.91890726713459 * f64::from(i) });
        write(store, &a, &room.id, vec![op("n", update("k", patch))]).await;
    }
    let entry = store
        .get_store_entry(&a, &room.id, "n", "k")
        .await
        .unwrap()
        .unwrap();
    let mut expected = object(numbers);
    for i in 0..5 {
        expected.insert(format!("x{i}"), json!(212.91890726713459 * f64::from(i)));
    }
    assert_eq!(entry.value, expected);
    let meta = meta(store, &a, &room.id, "n").await.unwrap();
    assert_eq!(meta.bytes, value_bytes(&expected) as u64);
}
