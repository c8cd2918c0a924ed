//! The storage conformance suite on SQLite, each check on a fresh database file.

use std::sync::Arc;

use collabkit::store::StoreTuning;
use collabkit::store::conformance::TestStore;
use collabkit::store::sqlite::SqliteStore;

async fn fresh_sqlite() -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("test.db"), &StoreTuning::default())
        .await
        .unwrap();
    TestStore {
        store: Arc::new(store),
        guard: Box::new(dir),
    }
}

collabkit::store_conformance_tests!(fresh_sqlite());
