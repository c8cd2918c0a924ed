//! A small pool of read connections. WAL lets them read while the writer commits.

use std::sync::{Arc, Mutex};

use rusqlite::Connection;
use tokio::sync::Semaphore;

use super::wal::ReadGate;
use collabkit_domain::store::{StoreError, StoreResult};

pub struct Readers {
    slots: Arc<Vec<Mutex<Connection>>>,
    /// Every read runs inside it, so a WAL reset can wait for reads to finish.
    gate: Arc<ReadGate>,
    /// One permit per slot, so a task that holds a permit always finds a free slot.
    permits: Semaphore,
}

impl Readers {
    pub fn new(conns: Vec<Connection>, gate: Arc<ReadGate>) -> Readers {
        let permits = Semaphore::new(conns.len());
        Readers {
            slots: Arc::new(conns.into_iter().map(Mutex::new).collect()),
            gate,
            permits,
        }
    }

    /// Runs `work` on a free read connection, on the blocking thread pool.
    pub async fn read<T, F>(&self, work: F) -> StoreResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> StoreResult<T> + Send + 'static,
    {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| StoreError::backend("read pool closed"))?;
        let (slots, gate) = (self.slots.clone(), self.gate.clone());
        tokio::task::spawn_blocking(move || {
            let conn = slots
                .iter()
                .find_map(|slot| match slot.try_lock() {
                    Ok(guard) => Some(guard),
                    // A panic while reading leaves nothing half-written: the connection is fine.
                    Err(std::sync::TryLockError::Poisoned(p)) => Some(p.into_inner()),
                    Err(std::sync::TryLockError::WouldBlock) => None,
                })
                .expect("a permit guarantees a free read connection");
            let _reading = gate.enter();
            work(&conn)
        })
        .await
        .map_err(|e| StoreError::backend(format!("read task failed: {e}")))?
    }
}
