//! A fresh database for each server the benchmark starts: a SQLite file in a temporary
//! directory, or a database created on the PostgreSQL server `--database` names and dropped
//! when the server is done.

use collabkit::config::Config;
use collabkit::store::DatabaseUrl;
use collabkit_store_postgres::admin;

pub enum BenchDatabase {
    /// The directory holding the file: removed on drop.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
        /// The database's own URL (the per-event costs read its counters).
        url: String,
    },
}

impl BenchDatabase {
    /// A fresh database and the config of a server on it.
    pub async fn create(postgres: Option<&str>) -> anyhow::Result<(BenchDatabase, Config)> {
        let Some(admin_url) = postgres else {
            let dir = tempfile::tempdir()?;
            let config = Config::new(DatabaseUrl::Sqlite(dir.path().join("bench.db")));
            return Ok((BenchDatabase::Sqlite(dir), config));
        };
        let name = admin::fresh_database_name("collabkit_bench");
        let url = admin::create_database(admin_url, &name)
            .await
            .map_err(|e| anyhow::anyhow!("cannot create the benchmark's database: {e}"))?;
        let mut config = Config::new(url.parse().map_err(anyhow::Error::msg)?);
        let db_url = url.clone();
        config.secret_key = Some(collabkit::secrets::new_key_base64().into());
        Ok((
            BenchDatabase::Postgres {
                admin_url: admin_url.to_owned(),
                name,
                url: db_url,
            },
            config,
        ))
    }
}

/// Databases of servers that are done, dropped at the end of the run ([`drop_finished`]):
/// a server's tasks may still be winding down when its handle is dropped.
static FINISHED: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

impl BenchDatabase {
    /// The PostgreSQL database's URL; `None` on SQLite.
    pub fn postgres_url(&self) -> Option<&str> {
        match self {
            BenchDatabase::Postgres { url, .. } => Some(url),
            BenchDatabase::Sqlite(_) => None,
        }
    }
}

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let BenchDatabase::Postgres {
            admin_url, name, ..
        } = self
        {
            let mut finished = FINISHED.lock().unwrap_or_else(|e| e.into_inner());
            finished.push((admin_url.clone(), name.clone()));
        }
    }
}

/// Drops the PostgreSQL databases of every server that is done.
pub async fn drop_finished() {
    let finished = std::mem::take(&mut *FINISHED.lock().unwrap_or_else(|e| e.into_inner()));
    for (url, name) in finished {
        let _ = admin::drop_database(&url, &name).await;
    }
}
