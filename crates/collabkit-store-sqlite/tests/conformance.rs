//! The storage conformance suite on SQLite: each check on a fresh database file.

use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use collabkit_domain::store::SharedStore;
use collabkit_store_conformance::{Factory, TestDatabase};
use collabkit_store_sqlite::{SqliteOptions, SqliteStore};

struct Sqlite;

struct SqliteFile {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

#[async_trait]
impl Factory for Sqlite {
    async fn create(&self) -> Box<dyn TestDatabase> {
        let dir = tempfile::tempdir().unwrap();
        Box::new(SqliteFile {
            path: dir.path().join("test.db"),
            _dir: dir,
        })
    }
}

#[async_trait]
impl TestDatabase for SqliteFile {
    async fn open(&self) -> SharedStore {
        Arc::new(
            SqliteStore::open(&self.path, &SqliteOptions::default())
                .await
                .unwrap(),
        )
    }

    fn wakes_across_handles(&self) -> bool {
        false
    }
}

fn main() -> std::process::ExitCode {
    collabkit_store_conformance::run(Sqlite)
}
