//! The single writer: one thread owns the write connection and commits in groups.
//!
//! SQLite allows one writer at a time, so instead of many connections fighting over the lock,
//! every write is a job sent to this thread. The thread takes all jobs queued at that moment,
//! runs each inside its own SAVEPOINT (a failing job rolls back alone), and commits them in one
//! transaction: one fsync for the whole group. Replies are sent only after the commit, so a
//! caller that got `Ok` knows its change is durable.

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::wal::{self, WriterWal};
use collabkit_domain::store::{StoreError, StoreResult};

/// The most jobs committed together; bounds the latency one commit adds to the first job.
const MAX_GROUP: usize = 512;
/// How long a busy writer waits to fill a group.
const LINGER: std::time::Duration = std::time::Duration::from_micros(250);

trait Job: Send {
    fn run(&mut self, conn: &Connection);
    fn finish(self: Box<Self>, commit: &StoreResult<()>);
    /// Whether it may be refused, having waited longer than `max_wait`.
    fn overdue(&self, max_wait: std::time::Duration) -> bool;
    /// Answers `Overloaded` without running.
    fn refuse(self: Box<Self>);
}

struct TypedJob<T, F> {
    work: Option<F>,
    outcome: Option<StoreResult<T>>,
    reply: oneshot::Sender<StoreResult<T>>,
    /// When it was queued, if it may be refused for waiting too long (API changes: the
    /// client gets a 503 and retries; the engine's own writes are never refused).
    sheddable_since: Option<std::time::Instant>,
}

impl<T, F> Job for TypedJob<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> StoreResult<T> + Send,
{
    fn run(&mut self, conn: &Connection) {
        let work = self.work.take().expect("a job runs once");
        let outcome = match run_cached(conn, "SAVEPOINT job") {
            Err(e) => Err(e),
            Ok(()) => {
                let result = work(conn);
                let end = if result.is_ok() {
                    run_cached(conn, "RELEASE job")
                } else {
                    run_cached(conn, "ROLLBACK TO job")
                        .and_then(|()| run_cached(conn, "RELEASE job"))
                };
                end.and(result)
            }
        };
        self.outcome = Some(outcome);
    }

    fn overdue(&self, max_wait: std::time::Duration) -> bool {
        self.sheddable_since.is_some_and(|t| t.elapsed() > max_wait)
    }

    fn refuse(self: Box<Self>) {
        let _ = self.reply.send(Err(StoreError::Overloaded));
    }

    fn finish(self: Box<Self>, commit: &StoreResult<()>) {
        let outcome = match commit {
            Ok(()) => self
                .outcome
                .unwrap_or_else(|| Err(StoreError::backend("job did not run"))),
            Err(e) => Err(e.clone()),
        };
        // The caller may have given up waiting; the change is committed either way.
        let _ = self.reply.send(outcome);
    }
}

/// What the writer thread is asked to do.
enum Message {
    Job(Box<dyn Job>),
    /// Reset the WAL now (on shutdown), then answer.
    ResetWal(oneshot::Sender<()>),
}

/// A handle to the writer thread; the thread stops when the last handle is dropped.
#[derive(Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Message>,
}

impl Writer {
    /// `max_wait`: how long a sheddable job may wait in the queue before it is refused.
    pub fn spawn(
        conn: Connection,
        wal: WriterWal,
        max_wait: std::time::Duration,
    ) -> std::io::Result<Writer> {
        let (jobs, queue) = mpsc::channel::<Message>();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(conn, queue, wal, max_wait))?;
        Ok(Writer { jobs })
    }

    /// Copies the WAL into the database and truncates it, after the jobs queued before.
    pub async fn reset_wal(&self) -> StoreResult<()> {
        let (reply, done) = oneshot::channel();
        self.jobs
            .send(Message::ResetWal(reply))
            .map_err(|_| StoreError::backend("the SQLite writer has stopped"))?;
        done.await
            .map_err(|_| StoreError::backend("the SQLite writer stopped"))
    }

    /// Runs `work` in a transaction (possibly shared with other jobs) and returns its result once committed.
    pub async fn write<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.submit(work, false).await
    }

    /// Like [`Writer::write`], but refused with `Overloaded` (without running) if it waited in
    /// the queue past the writer's `max_wait`: under overload, API changes get a prompt 503
    /// instead of queueing for seconds.
    pub async fn write_or_shed<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        self.submit(work, true).await
    }

    async fn submit<T, F>(&self, work: F, sheddable: bool) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(TypedJob {
            work: Some(work),
            outcome: None,
            reply,
            sheddable_since: sheddable.then(std::time::Instant::now),
        });
        self.jobs
            .send(Message::Job(job))
            .map_err(|_| StoreError::backend("the SQLite writer has stopped"))?;
        answer
            .await
            .map_err(|_| StoreError::backend("the SQLite writer dropped a job"))?
    }
}

fn run(
    conn: Connection,
    queue: mpsc::Receiver<Message>,
    mut wal: WriterWal,
    max_wait: std::time::Duration,
) {
    let mut busy = false;
    loop {
        // While the log holds something, wait only so long: an idle writer gives it back.
        let first = if wal.dirty() {
            match queue.recv_timeout(wal::IDLE) {
                Ok(m) => m,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    wal.when_idle(&conn);
                    continue;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        } else {
            match queue.recv() {
                Ok(m) => m,
                Err(_) => break,
            }
        };
        let mut group: Vec<Box<dyn Job>> = Vec::new();
        let mut reset = None;
        // A job that waited too long is refused, not run: its caller has been told to retry.
        let take = |job: Box<dyn Job>, group: &mut Vec<Box<dyn Job>>| {
            if job.overdue(max_wait) {
                job.refuse();
            } else {
                group.push(job);
            }
        };
        match first {
            Message::Job(job) => take(job, &mut group),
            Message::ResetWal(reply) => reset = Some(reply),
        }
        // Under load, wait a moment for more jobs: every commit rewrites the pages it touched,
        // so a bigger group writes each hot page once for more changes. When idle, commit at once.
        let linger = busy.then(|| std::time::Instant::now() + LINGER);
        while reset.is_none() && group.len() < MAX_GROUP {
            let next = match linger {
                Some(until) => {
                    let left = until.saturating_duration_since(std::time::Instant::now());
                    queue.recv_timeout(left).ok()
                }
                None => queue.try_recv().ok(),
            };
            match next {
                Some(Message::Job(job)) => take(job, &mut group),
                Some(Message::ResetWal(reply)) => reset = Some(reply),
                None => break,
            }
        }
        busy = group.len() > 1;
        if !group.is_empty() {
            let commit = commit_group(&conn, &mut group);
            for job in group {
                job.finish(&commit);
            }
            wal.after_commit(&conn);
        }
        if let Some(reply) = reset {
            wal.force(&conn);
            let _ = reply.send(());
        }
    }
    // Every handle is gone: leave no log behind.
    wal.force(&conn);
}

fn commit_group(conn: &Connection, group: &mut [Box<dyn Job>]) -> StoreResult<()> {
    run_cached(conn, "BEGIN IMMEDIATE")?;
    for job in group.iter_mut() {
        job.run(conn);
    }
    run_cached(conn, "COMMIT").inspect_err(|_| {
        let _ = conn.execute_batch("ROLLBACK");
    })
}

/// Runs a parameterless statement, prepared once per connection: these run for every job.
fn run_cached(conn: &Connection, sql: &str) -> StoreResult<()> {
    conn.prepare_cached(sql)
        .and_then(|mut s| s.execute([]))
        .map(|_| ())
        .map_err(super::errors::backend)
}
