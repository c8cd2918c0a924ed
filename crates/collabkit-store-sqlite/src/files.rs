//! The files beside the database: created owner-only, and a lock that lets one server at a time
//! serve a database.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Creates the database file owner-only (0600) if it does not exist yet. SQLite gives its
/// `-wal` and `-shm` files the database file's permissions, so they are owner-only too. An
/// existing file keeps its permissions (a deployment may have chosen them); a warning says
/// when others can read it.
pub fn create_owner_only(path: &Path) -> std::io::Result<()> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let mode = std::fs::metadata(path)?.permissions().mode();
            if mode & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    mode = format!("{:o}", mode & 0o777),
                    "the database file can be read by other users; `chmod 600` it and its -wal and -shm files"
                );
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Held by a running server: a second `serve` on the same database would close the first
/// one's live sessions as left over from a crash. An advisory lock (flock) on
/// `<database>.lock`, released by the OS when the process ends however it ends. Other commands
/// (`accounts create`, `migrate`) do not take it: they may run beside a server.
#[derive(Debug)]
pub struct ServerLock {
    _file: File,
}

impl ServerLock {
    pub fn acquire(database: &Path) -> Result<ServerLock, String> {
        let mut path = database.as_os_str().to_owned();
        path.push(".lock");
        let path = PathBuf::from(path);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot open the lock file {}: {e}", path.display()))?;
        if let Err(e) = file.try_lock() {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(match e {
                std::fs::TryLockError::WouldBlock => format!(
                    "the database {} is already served by another collabkit process{} (lock file {}); \
                     stop it first, or give this server another --database",
                    database.display(),
                    if holder.is_empty() {
                        String::new()
                    } else {
                        format!(" (pid {holder})")
                    },
                    path.display()
                ),
                std::fs::TryLockError::Error(e) => {
                    format!("cannot lock {}: {e}", path.display())
                }
            });
        }
        // Who holds it, for the message above.
        let _ = file
            .set_len(0)
            .and_then(|()| file.rewind())
            .and_then(|()| writeln!(file, "{}", std::process::id()));
        Ok(ServerLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_lock_at_a_time_and_the_message_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let first = ServerLock::acquire(&db).unwrap();
        let err = ServerLock::acquire(&db).unwrap_err();
        assert!(err.contains("already served"), "{err}");
        assert!(
            err.contains(&format!("pid {}", std::process::id())),
            "{err}"
        );
        drop(first);
        ServerLock::acquire(&db).expect("free again once the holder is gone");
    }

    #[tokio::test]
    async fn new_database_files_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("new.db");
        let store = crate::SqliteStore::open(&db, &crate::SqliteOptions::default())
            .await
            .unwrap();
        for suffix in ["", "-wal", "-shm"] {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{p:?} is {mode:o}");
        }
        drop(store);
    }
}
