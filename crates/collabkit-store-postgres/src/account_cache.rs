//! Accounts recently read, kept in memory while this node's LISTEN connection is up.
//!
//! Every API request authenticates by reading its account: one round trip and one
//! transaction of its own, per request, for a row that changes only when its key is rotated.
//! So the node keeps what it read, and a change of an account (`rotate_api_key`, on any node or
//! from the CLI) sends `NOTIFY collabkit_account` with its id in the same transaction: every
//! node's listener forgets that account. While the listener is away, notifications can be
//! lost, so the cache is emptied and not used until it is back (see `listener`); an entry also
//! expires after [`TTL`] as a last resort.
//!
//! A read racing a change could store the old row after the notification was handled: each
//! forget bumps a generation, and a read stores its row only if none happened since it began.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use collabkit_domain::store::Account;

/// How long an entry may be used without any notification.
const TTL: Duration = Duration::from_secs(60);
/// Entries at most (only accounts that authenticated get in; past this, it starts over).
const MAX_ENTRIES: usize = 10_000;

/// The `NOTIFY` channel of account changes; the payload is the account's id.
pub const CHANNEL: &str = "collabkit_account";

#[derive(Default)]
pub struct AccountCache {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Whether notifications are being received (the listener is connected and listening).
    live: bool,
    generation: u64,
    entries: HashMap<String, (Account, Instant)>,
}

/// Taken before a read, given back to [`AccountCache::put`].
#[derive(Clone, Copy)]
pub struct Ticket(u64);

impl AccountCache {
    pub fn get(&self, account_id: &str) -> Option<Account> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (account, at) = inner.entries.get(account_id).filter(|_| inner.live)?;
        (at.elapsed() < TTL).then(|| account.clone())
    }

    pub fn ticket(&self) -> Ticket {
        Ticket(
            self.inner
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .generation,
        )
    }

    /// Keeps `account` as read under `ticket`, unless something was forgotten since.
    pub fn put(&self, ticket: Ticket, account: &Account) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if !inner.live || inner.generation != ticket.0 {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            inner.entries.clear();
        }
        inner
            .entries
            .insert(account.id.clone(), (account.clone(), Instant::now()));
    }

    /// An account changed (a notification, or a change made here).
    pub fn forget(&self, account_id: &str) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.generation += 1;
        inner.entries.remove(account_id);
    }

    /// The listener connected (`live`) or lost its connection: either way what is kept may
    /// have missed a notification.
    pub fn reset(&self, live: bool) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.generation += 1;
        inner.live = live;
        inner.entries.clear();
    }
}
