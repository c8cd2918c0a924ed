//! A fresh database for each server the benchmark starts: a SQLite file in a temporary
//! directory, or a database created on the PostgreSQL server `--database` names and dropped
//! when the server is done.

use collabkit::config::Config;
use collabkit::store::DatabaseUrl;
use tokio_postgres::NoTls;

pub enum BenchDatabase {
    /// The directory holding the file: removed on drop.
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres {
        admin_url: String,
        name: String,
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
        let name = format!(
            "collabkit_bench_{}",
            collabkit::ids::random_token(10).to_lowercase()
        );
        admin(admin_url)
            .await?
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await?;
        let url = collabkit_store_postgres::url_with_database(admin_url, &name);
        let mut config = Config::new(url.parse().map_err(anyhow::Error::msg)?);
        config.secret_key = Some(collabkit::secrets::new_key_base64());
        Ok((
            BenchDatabase::Postgres {
                admin_url: admin_url.to_owned(),
                name,
            },
            config,
        ))
    }
}

async fn admin(url: &str) -> anyhow::Result<tokio_postgres::Client> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.map_err(|e| {
        anyhow::anyhow!("cannot reach PostgreSQL to create the benchmark's database: {e}")
    })?;
    tokio::spawn(connection);
    Ok(client)
}

/// Databases of servers that are done, dropped at the end of the run ([`drop_finished`]):
/// a server's tasks may still be winding down when its handle is dropped.
static FINISHED: std::sync::Mutex<Vec<(String, String)>> = std::sync::Mutex::new(Vec::new());

impl Drop for BenchDatabase {
    fn drop(&mut self) {
        if let BenchDatabase::Postgres { admin_url, name } = self {
            let mut finished = FINISHED.lock().unwrap_or_else(|e| e.into_inner());
            finished.push((admin_url.clone(), name.clone()));
        }
    }
}

/// Drops the PostgreSQL databases of every server that is done.
pub async fn drop_finished() {
    let finished = std::mem::take(&mut *FINISHED.lock().unwrap_or_else(|e| e.into_inner()));
    for (url, name) in finished {
        if let Ok(client) = admin(&url).await {
            let _ = client
                .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await;
        }
    }
}
