//! Identifiers and random tokens.
//!
//! An id is a readable prefix, 8 base62 characters of the creation time in milliseconds, and 16
//! random base62 characters (about 95 bits): unguessable, collision-free across nodes, and
//! roughly increasing, so index inserts land at the end of the b-tree instead of on a random
//! page — which is what keeps write amplification low at tens of thousands of rows a second.

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

/// A new id such as `room_0pJx3kTM…`.
pub fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 25);
    id.push_str(prefix);
    id.push('_');
    let millis = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let mut time = [b'0'; 8];
    let mut n = millis;
    for slot in time.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    id.push_str(std::str::from_utf8(&time).expect("base62 is ASCII"));
    id.push_str(&random_token(16));
    id
}

pub const ACCOUNT: &str = "acct";
pub const ROOM: &str = "room";
pub const USER: &str = "usr";
pub const EVENT: &str = "evt";
pub const WEBHOOK: &str = "wh";
pub const DELIVERY: &str = "dlv";
pub const SESSION: &str = "ses";

#[cfg(test)]
mod tests {
    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let a = super::new_id(super::ROOM);
        let b = super::new_id(super::ROOM);
        assert!(a.starts_with("room_") && a.len() == 29, "{a}");
        assert_ne!(a, b);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let c = super::new_id(super::ROOM);
        assert!(c[..13] > a[..13], "later ids sort after earlier ones");
    }
}
