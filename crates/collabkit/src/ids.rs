//! Random identifiers and secrets.
//!
//! Ids are a readable prefix plus 22 base62 characters (about 131 bits), so they are unguessable
//! and never collide, on one node or many.

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

/// A new id such as `room_3kTMd9…`.
pub fn new_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 23);
    id.push_str(prefix);
    id.push('_');
    id.push_str(&random_token(22));
    id
}

pub const ACCOUNT: &str = "acct";
pub const ROOM: &str = "room";
pub const USER: &str = "usr";
pub const EVENT: &str = "evt";
pub const WEBHOOK: &str = "wh";
pub const DELIVERY: &str = "dlv";

#[cfg(test)]
mod tests {
    #[test]
    fn ids_carry_their_prefix_and_differ() {
        let a = super::new_id(super::ROOM);
        let b = super::new_id(super::ROOM);
        assert!(a.starts_with("room_") && a.len() == 27);
        assert_ne!(a, b);
    }
}
