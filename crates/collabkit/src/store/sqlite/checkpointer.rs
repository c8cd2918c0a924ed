//! WAL checkpoints off the write path.
//!
//! By default SQLite checkpoints inside the commit that crosses the WAL size limit, so one
//! unlucky commit — and every caller waiting on its group — pays for copying the WAL into the
//! database. Here the writer never checkpoints; this thread does, with its own connection, in
//! PASSIVE mode (it never blocks the writer or readers).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;

const EVERY: Duration = Duration::from_millis(250);

/// Stops the thread when dropped.
pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Checkpointer {
    pub fn spawn(conn: Connection) -> std::io::Result<Checkpointer> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EVERY);
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
            })?;
        Ok(Checkpointer { stop })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
