//! Accounts and their credentials.
//!
//! An API key is 32 random base62 characters (about 190 bits). Only its SHA-256 is stored: with
//! that much entropy a slow password hash buys nothing, and a fast hash keeps every request cheap.
//! Comparison is constant-time. Keys are shown once, at creation, and never logged.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::ids;
use crate::store::{Account, Store, StoreResult};

/// A newly created account and its API key, the only time the key is known in clear.
pub struct NewAccount {
    pub account: Account,
    pub api_key: String,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("account", &self.account.id)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

pub fn hash_api_key(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `key` is the key of `account`, compared in constant time.
pub fn key_matches(account: &Account, key: &str) -> bool {
    hash_api_key(key)
        .as_bytes()
        .ct_eq(account.api_key_hash.as_bytes())
        .into()
}

/// A realtime token for a user: a time-ordered head as in ids, then 40 random characters
/// (about 238 bits, as before). The head makes each new token sort after the earlier ones, so
/// the token index takes inserts at its end: wholly random tokens put every new user on a
/// random page of that index, which made user creation 20 % slower with 100,000 users.
/// What the store keeps to find a user by token: the token's time-ordered head (so the index
/// grows at its end) and the SHA-256 of the whole token. It cannot be turned back into a token.
pub fn token_lookup(token: &str) -> String {
    let head: String = token.chars().take(16).collect();
    let digest = Sha256::digest(token.as_bytes());
    let mut out = String::with_capacity(head.len() + 1 + 64);
    out.push_str(&head);
    out.push('.');
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

pub fn new_user_token() -> String {
    ids::ordered_token("utk", 40)
}

/// Creates an account with a fresh API key.
pub async fn create(store: &dyn Store, name: &str) -> StoreResult<NewAccount> {
    let api_key = format!("ck_{}", ids::random_token(32));
    let account = store.create_account(name, &hash_api_key(&api_key)).await?;
    Ok(NewAccount { account, api_key })
}

/// Gives the account a fresh API key; the old one stops working at once.
pub async fn rotate_key(store: &dyn Store, account_id: &str) -> StoreResult<NewAccount> {
    let api_key = format!("ck_{}", ids::random_token(32));
    let account = store
        .rotate_api_key(account_id, &hash_api_key(&api_key))
        .await?;
    Ok(NewAccount { account, api_key })
}

/// The Bearer token for an account: `base64("{account_id}:{api_key}")`.
pub fn bearer_token(account_id: &str, api_key: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{account_id}:{api_key}"))
}

/// On a database with no account yet, creates the first one; `None` when accounts exist.
pub async fn bootstrap(store: &dyn Store) -> StoreResult<Option<NewAccount>> {
    if store.count_accounts().await? > 0 {
        return Ok(None);
    }
    create(store, "default").await.map(Some)
}
