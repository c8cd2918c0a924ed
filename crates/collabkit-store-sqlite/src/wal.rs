//! Keeping the write-ahead log small.
//!
//! SQLite appends every commit to the `-wal` file and copies the log into the database at
//! checkpoints; the log starts over from its beginning only once a checkpoint has copied all of
//! it *and* no reader still reads from it. A PASSIVE checkpoint never waits for that moment, and
//! under steady load (readers and the writer always busy) it never comes by itself: the file
//! grew about 48 MB/s at 800 events/s until the disk was full, and kept its size after the load.
//!
//! So there are two kinds of checkpoints:
//! - the checkpointer thread copies frames PASSIVE-ly every 250 ms, off the write path;
//! - the writer thread, between two commit groups, resets the log: it copies what is left,
//!   waits (briefly) for readers to leave the log, and makes the next commit write from the
//!   file's start. Writes wait meanwhile, which is the price of a bounded file; the writer is
//!   the only one that can do this without competing with itself for the write lock.
//!
//! A reset must wait until no reader still reads from the log, and a pool of readers that are
//! always busy can starve it (seen: a reset gave up after a second of waiting while the log
//! grew by 80 MB). So our own readers pass a [`ReadGate`]: a reset closes it, waits for the
//! reads in progress (milliseconds) and opens it again when done. Other processes are waited
//! for with a busy timeout.
//!
//! Past the limit the writer first wakes the checkpointer and keeps committing; it resets once
//! that pass has copied the bulk (or 200 ms later at the latest), so the pause is short. That
//! reset is a RESTART: the file keeps its size and is overwritten in place (cheaper than
//! growing it again). When the writer has been idle for a second, and at start-up and
//! shutdown, it is a TRUNCATE instead, which gives the file's space back.
//!
//! Both record their outcomes in [`WalStats`], exposed as metrics.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;

use collabkit_domain::store::CheckpointCounts;

/// How long a reset waits for readers and other processes before it gives up (it is tried
/// again a moment later). The writer's usual busy timeout is much longer.
const RESET_WAIT: Duration = Duration::from_secs(1);
/// Past the limit, how long the writer waits at most for the checkpointer's pass before it
/// resets the log anyway (copying everything itself).
const PASS_WAIT: Duration = Duration::from_millis(200);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reset {
    Restart,
    Truncate,
}
/// After a checkpoint that could not finish, how long before the writer tries again; doubled
/// after each further failure (a reader that never leaves must not stall every write).
const RETRY_AFTER: Duration = Duration::from_secs(1);
const RETRY_AFTER_MAX: Duration = Duration::from_secs(60);
/// The writer's usual busy timeout, restored after a checkpoint.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Our readers read inside it; a reset closes it (see the module's docs).
#[derive(Default)]
pub struct ReadGate(std::sync::RwLock<()>);

impl ReadGate {
    /// Held while a read runs. (The lock prefers a waiting reset over new readers.)
    pub fn enter(&self) -> std::sync::RwLockReadGuard<'_, ()> {
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    fn close(&self) -> std::sync::RwLockWriteGuard<'_, ()> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct Wal {
    /// The `-wal` file beside the database.
    path: PathBuf,
    database: PathBuf,
    /// Above this many bytes the writer resets the log.
    limit: u64,
    /// Held while a checkpoint runs: SQLite refuses a second concurrent checkpoint with BUSY
    /// instead of waiting, so our own two threads take turns here.
    running: Mutex<()>,
    /// Closed by a reset, so it does not wait on our own readers.
    gate: std::sync::Arc<ReadGate>,
    /// Background passes finished so far (the writer waits for one after asking for it).
    passes: AtomicU64,
    /// The checkpointer thread, to wake it early.
    checkpointer: std::sync::OnceLock<std::thread::Thread>,
    stats: WalStats,
}

#[derive(Default)]
struct WalStats {
    bytes: AtomicU64,
    peak: AtomicU64,
    passive_complete: AtomicU64,
    passive_partial: AtomicU64,
    passive_failed: AtomicU64,
    restart_done: AtomicU64,
    restart_busy: AtomicU64,
    restart_failed: AtomicU64,
    truncate_done: AtomicU64,
    truncate_busy: AtomicU64,
    truncate_failed: AtomicU64,
    /// Microseconds the writer spent resetting the log (writes waited that long).
    reset_micros: AtomicU64,
}

impl Wal {
    pub fn new(database: &Path, limit: u64, gate: std::sync::Arc<ReadGate>) -> Wal {
        let mut path = database.as_os_str().to_owned();
        path.push("-wal");
        Wal {
            path: PathBuf::from(path),
            database: database.to_path_buf(),
            limit,
            running: Mutex::new(()),
            gate,
            passes: AtomicU64::new(0),
            checkpointer: std::sync::OnceLock::new(),
            stats: WalStats::default(),
        }
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    /// Reads the file's size, records it (and the peak), and returns it.
    pub fn measure(&self) -> u64 {
        let bytes = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        self.stats.bytes.store(bytes, Ordering::Relaxed);
        self.stats.peak.fetch_max(bytes, Ordering::Relaxed);
        bytes
    }

    /// Copies what it can without waiting for anyone (the checkpointer thread's pass).
    pub fn passive(&self, conn: &Connection) {
        let outcome = {
            let _turn = self.running.lock().unwrap_or_else(|e| e.into_inner());
            checkpoint(conn, "PASSIVE")
        };
        let counter = match outcome {
            Ok((_, log, copied)) if copied >= log => &self.stats.passive_complete,
            Ok(_) => &self.stats.passive_partial,
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed");
                &self.stats.passive_failed
            }
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.passes.fetch_add(1, Ordering::Release);
        self.measure();
    }

    /// Registers the checkpointer thread, so the writer can wake it.
    pub fn set_checkpointer(&self, thread: std::thread::Thread) {
        let _ = self.checkpointer.set(thread);
    }

    fn passes(&self) -> u64 {
        self.passes.load(Ordering::Acquire)
    }

    fn wake_checkpointer(&self) {
        if let Some(t) = self.checkpointer.get() {
            t.unpark();
        }
    }

    /// Copies the whole log, waits for readers to leave it, and restarts it: in place
    /// (`Reset::Restart`) or cutting the file to zero bytes (`Reset::Truncate`). Runs on a
    /// connection with no open transaction (the writer's, between groups). Returns whether the
    /// log was reset.
    pub fn reset(&self, conn: &Connection, how: Reset) -> bool {
        let started = Instant::now();
        let (mode, done, busy, failed) = match how {
            Reset::Restart => (
                "RESTART",
                &self.stats.restart_done,
                &self.stats.restart_busy,
                &self.stats.restart_failed,
            ),
            Reset::Truncate => (
                "TRUNCATE",
                &self.stats.truncate_done,
                &self.stats.truncate_busy,
                &self.stats.truncate_failed,
            ),
        };
        let outcome = {
            let _turn = self.running.lock().unwrap_or_else(|e| e.into_inner());
            let _no_reads = self.gate.close();
            let _ = conn.busy_timeout(RESET_WAIT);
            let outcome = checkpoint(conn, mode);
            let _ = conn.busy_timeout(BUSY_TIMEOUT);
            outcome
        };
        let reset = match outcome {
            Ok((0, _, _)) => {
                done.fetch_add(1, Ordering::Relaxed);
                true
            }
            Ok(_) => {
                busy.fetch_add(1, Ordering::Relaxed);
                tracing::debug!("WAL reset waited for readers in vain; trying again soon");
                false
            }
            Err(e) => {
                failed.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, "WAL reset failed");
                false
            }
        };
        self.stats
            .reset_micros
            .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
        self.measure();
        reset
    }

    pub fn counts(&self) -> CheckpointCounts {
        let s = &self.stats;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        CheckpointCounts {
            passive_complete: get(&s.passive_complete),
            passive_partial: get(&s.passive_partial),
            passive_failed: get(&s.passive_failed),
            restart_done: get(&s.restart_done),
            restart_busy: get(&s.restart_busy),
            restart_failed: get(&s.restart_failed),
            truncate_done: get(&s.truncate_done),
            truncate_busy: get(&s.truncate_busy),
            truncate_failed: get(&s.truncate_failed),
            reset_seconds: get(&s.reset_micros) as f64 / 1e6,
        }
    }

    pub fn bytes(&self) -> u64 {
        self.stats.bytes.load(Ordering::Relaxed)
    }

    pub fn peak(&self) -> u64 {
        self.stats.peak.load(Ordering::Relaxed)
    }

    pub fn database_bytes(&self) -> u64 {
        std::fs::metadata(&self.database)
            .map(|m| m.len())
            .unwrap_or(0)
    }
}

/// `(busy, frames in the log, frames copied)`, as SQLite reports them.
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}

/// The writer's side: when to reset the log.
pub struct WriterWal {
    wal: std::sync::Arc<Wal>,
    /// Past the limit: when the writer asked for a pass, and how many passes had finished then.
    asked: Option<(Instant, u64)>,
    /// No reset before this moment (after one that could not finish).
    not_before: Option<Instant>,
    /// Resets in a row that could not finish.
    failures: u32,
}

/// The writer resets an idle log after this long without a commit.
pub const IDLE: Duration = Duration::from_secs(1);

impl WriterWal {
    pub fn new(wal: std::sync::Arc<Wal>) -> WriterWal {
        WriterWal {
            wal,
            asked: None,
            not_before: None,
            failures: 0,
        }
    }

    /// After a commit: past the limit, asks for a pass, then resets once it is done (or the
    /// file has grown a quarter past the limit meanwhile: that is the hard bound). One `stat`
    /// per commit group (about a microsecond) keeps the bound exact between checkpointer passes.
    pub fn after_commit(&mut self, conn: &Connection) {
        let bytes = self.wal.measure();
        if bytes <= self.wal.limit {
            return;
        }
        match self.asked {
            None => {
                self.asked = Some((Instant::now(), self.wal.passes()));
                self.wal.wake_checkpointer();
            }
            // A pass that ended after the request copied nearly everything (it may have
            // started just before the request: then it copied most of it).
            Some((at, passes))
                if self.wal.passes() > passes
                    || at.elapsed() >= PASS_WAIT
                    || bytes > self.wal.limit + self.wal.limit / 4 =>
            {
                if self.reset(conn, Reset::Restart) {
                    self.asked = None;
                }
            }
            Some(_) => {}
        }
    }

    /// When idle: gives the log's space back.
    pub fn when_idle(&mut self, conn: &Connection) {
        if self.wal.measure() > 0 {
            self.reset(conn, Reset::Truncate);
        }
    }

    /// Whether the file holds anything to give back.
    pub fn dirty(&self) -> bool {
        self.wal.bytes() > 0
    }

    /// Truncates now, whatever the size (start-up and shutdown).
    pub fn force(&mut self, conn: &Connection) {
        self.wal.reset(conn, Reset::Truncate);
    }

    fn reset(&mut self, conn: &Connection, how: Reset) -> bool {
        if self.not_before.is_some_and(|t| Instant::now() < t) {
            return false;
        }
        if self.wal.reset(conn, how) {
            self.failures = 0;
            self.not_before = None;
            true
        } else {
            let wait = RETRY_AFTER
                .saturating_mul(1 << self.failures.min(6))
                .min(RETRY_AFTER_MAX);
            self.failures += 1;
            self.not_before = Some(Instant::now() + wait);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::{SqliteOptions, SqliteStore, Synchronous};
    use collabkit_domain::store::{EventFilter, NewRoom, NewUser, PageRequest, prelude::*};

    const LIMIT: u64 = 1024 * 1024;

    /// One writer appending without pause while readers keep reading (what kept the log from
    /// ever restarting): the file stays near the limit, and is given back once writes stop.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_while_a_writer_keeps_appending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db");
        let tuning = SqliteOptions {
            synchronous: Synchronous::Normal,
            wal_limit: LIMIT,
            // A busy machine must not shed this test's writes: it measures the log, not load.
            max_write_wait: std::time::Duration::from_secs(30),
            ..SqliteOptions::default()
        };
        let store = Arc::new(SqliteStore::open(&path, &tuning).await.unwrap());
        let account = collabkit_domain::accounts::create(store.as_ref(), "wal")
            .await
            .unwrap()
            .account
            .id;
        let room = store
            .create_room(
                &account,
                NewRoom {
                    custom_id: Some("r".into()),
                    name: "R".into(),
                },
            )
            .await
            .unwrap();

        let stop = Arc::new(AtomicBool::new(false));
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let (store, stop, account) = (store.clone(), stop.clone(), account.clone());
                tokio::spawn(async move {
                    let page = PageRequest::first(50);
                    while !stop.load(Ordering::Relaxed) {
                        store
                            .list_events(&account, EventFilter::default(), page.clone())
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        let wal_file = dir.path().join("wal.db-wal");
        let mut largest_seen = 0;
        for i in 0..3000 {
            let user = NewUser {
                room_id: room.id.clone(),
                custom_id: Some(format!("u{i}")),
                name: "A name long enough to make the rows count".into(),
                profile_picture: None,
                token: collabkit_domain::accounts::new_user_token(),
                token_sealed: "sealed".into(),
            };
            store.create_user(&account, user, None).await.unwrap();
            let size = std::fs::metadata(&wal_file).map(|m| m.len()).unwrap_or(0);
            largest_seen = largest_seen.max(size);
        }
        stop.store(true, Ordering::Relaxed);
        for r in readers {
            r.await.unwrap();
        }

        let stats = store.storage_stats();
        assert!(
            stats.checkpoints.restart_done >= 5,
            "the log was reset again and again: {stats:?}"
        );
        assert!(
            stats.wal_peak_bytes <= 2 * LIMIT && largest_seen <= 2 * LIMIT,
            "the log stayed near its limit: seen {largest_seen} bytes, limit {LIMIT}: {stats:?}"
        );
        assert_eq!(
            stats.checkpoints.restart_busy, 0,
            "our own readers never make a reset wait in vain"
        );
        assert!(stats.database_bytes > 0);

        // Idle: the space is given back within about a second.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while std::fs::metadata(&wal_file).map(|m| m.len()).unwrap_or(0) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "an idle store gives the log's space back"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(store.storage_stats().wal_bytes, 0);
    }
}
