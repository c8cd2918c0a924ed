//! PASSIVE WAL checkpoints off the write path.
//!
//! By default SQLite checkpoints inside the commit that crosses the WAL size limit, so one
//! unlucky commit — and every caller waiting on its group — pays for copying the WAL into the
//! database. Here the writer never checkpoints automatically; this thread copies frames with
//! its own connection in PASSIVE mode (it never blocks the writer or readers), so that the
//! writer's resets of the log (see [`super::wal`]) find little left to copy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rusqlite::Connection;

use super::wal::Wal;

const EVERY: Duration = Duration::from_millis(250);

/// Stops the thread when dropped (within one period).
pub struct Checkpointer {
    stop: Arc<AtomicBool>,
}

impl Checkpointer {
    pub fn spawn(conn: Connection, wal: Arc<Wal>) -> std::io::Result<Checkpointer> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let shared = wal.clone();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    // The writer wakes it early when the log has passed its limit.
                    std::thread::park_timeout(EVERY);
                    shared.passive(&conn);
                }
            })?;
        wal.set_checkpointer(thread.thread().clone());
        Ok(Checkpointer { stop })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
