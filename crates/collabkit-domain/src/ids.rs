//! Identifiers and random tokens.
//!
//! An id is a readable prefix, 8 base62 characters of the creation time in milliseconds, 4 of a
//! per-process sequence, and 14 random characters (about 83 bits): unguessable, collision-free
//! across nodes, increasing within a process (receivers can order events of one transaction by
//! id) and roughly increasing across nodes, so index inserts land at the end of the b-tree
//! instead of on a random page — which keeps write amplification low.

use std::sync::atomic::{AtomicU64, Ordering};

use rand::Rng;
use rand::distr::Alphanumeric;

/// A random base62 string of `len` characters.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The last (milliseconds << 20 | sequence) handed out: ids made later in this process always
/// sort after earlier ones, even within one millisecond (events of one transaction, say).
static LAST: AtomicU64 = AtomicU64::new(0);

fn next_stamp() -> u64 {
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let floor = millis << 20;
    let mut prev = LAST.load(Ordering::Relaxed);
    loop {
        let next = floor.max(prev + 1);
        match LAST.compare_exchange_weak(prev, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(actual) => prev = actual,
        }
    }
}

fn push_base62(out: &mut String, mut n: u64, width: usize) {
    let mut buf = vec![b'0'; width];
    for slot in buf.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out.push_str(std::str::from_utf8(&buf).expect("base62 is ASCII"));
}

/// A new id such as `evt_0VcA01fZ0003KHaEwL4O0VTi`: prefix, creation time, sequence, 14 random
/// characters.
pub fn new_id(prefix: &str) -> String {
    ordered_token(prefix, 14)
}

/// `prefix_`, creation time and sequence (as in an id), then `random` random characters: a
/// secret that still sorts by creation, so its unique index grows at the end.
pub fn ordered_token(prefix: &str, random: usize) -> String {
    let stamp = next_stamp();
    let mut id = String::with_capacity(prefix.len() + 13 + random);
    id.push_str(prefix);
    id.push('_');
    push_base62(&mut id, stamp >> 20, 8);
    push_base62(&mut id, stamp & 0xF_FFFF, 4);
    id.push_str(&random_token(random));
    id
}

pub const ACCOUNT: &str = "acct";
pub const ROOM: &str = "room";
pub const USER: &str = "usr";
pub const EVENT: &str = "evt";
pub const WEBHOOK: &str = "wh";
pub const DELIVERY: &str = "dlv";
/// A delivery alert (to the account's alert destination).
pub const ALERT: &str = "alr";
pub const SESSION: &str = "ses";
/// One participation of a user (`CollabKitUserSession`), as the CollabKit docs name them.
pub const USER_SESSION: &str = "sess";
/// A running server (its sessions are its own).
pub const NODE: &str = "node";

#[cfg(test)]
mod tests {
    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let a = super::new_id(super::ROOM);
        let b = super::new_id(super::ROOM);
        assert!(a.starts_with("room_") && a.len() == 31, "{a}");
        assert_ne!(a, b);
        assert!(
            b > a,
            "later ids sort after earlier ones, even in the same millisecond"
        );
        let many: Vec<_> = (0..1000).map(|_| super::new_id(super::EVENT)).collect();
        assert!(many.windows(2).all(|w| w[0] < w[1]));
    }
}
