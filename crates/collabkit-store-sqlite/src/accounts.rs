//! Accounts on SQLite: their rows, and the storage contract's `Accounts`.

use rusqlite::{Connection, OptionalExtension, params};

use super::errors::backend;
use super::rows::{self, ACCOUNT_COLS, ts};
use collabkit_domain::store::{Account, Cursor, Page, PageRequest, StoreError, StoreResult};
use collabkit_domain::{clock, rules};

pub fn create_account(conn: &Connection, account: &Account) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![
            account.id,
            account.name,
            account.api_key_hash,
            ts(&account.created_at)
        ],
    )
    .map_err(backend)?;
    Ok(())
}

pub fn account(conn: &Connection, account_id: &str) -> StoreResult<Account> {
    conn.prepare_cached(&format!(
        "SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"
    ))
    .and_then(|mut s| s.query_row(params![account_id], rows::account).optional())
    .map_err(backend)?
    .ok_or(StoreError::NotFound("account"))
}

/// Accounts by id; the cursor is the last id (ids follow creation).
pub fn list_accounts(conn: &Connection, page: &PageRequest) -> StoreResult<Page<Account>> {
    let after = page
        .after
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let mut accounts = conn
        .prepare_cached(&format!(
            "SELECT {ACCOUNT_COLS} FROM accounts WHERE id > ?1 ORDER BY id LIMIT ?2"
        ))
        .and_then(|mut s| {
            s.query_map(params![after, page.limit as i64 + 1], rows::account)?
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(backend)?;
    let more = accounts.len() > page.limit as usize;
    accounts.truncate(page.limit as usize);
    let last = accounts.last().map(|a| Cursor::new(a.id.clone()));
    Ok(Page {
        items: accounts,
        next: if more { last.clone() } else { None },
        last,
        total: None,
    })
}

pub fn rotate_api_key(conn: &Connection, account_id: &str, hash: &str) -> StoreResult<Account> {
    let n = conn
        .execute(
            "UPDATE accounts SET api_key_hash = ?1 WHERE id = ?2",
            params![hash, account_id],
        )
        .map_err(backend)?;
    if n == 0 {
        return Err(StoreError::NotFound("account"));
    }
    account(conn, account_id)
}

pub fn count_accounts(conn: &Connection) -> StoreResult<u64> {
    conn.query_row("SELECT COUNT(*) FROM accounts", [], |r| r.get::<_, i64>(0))
        .map(|n| n as u64)
        .map_err(backend)
}

use crate::*;

use collabkit_domain::store::Accounts;

#[async_trait]
impl Accounts for crate::SqliteStore {
    async fn create_account(&self, name: &str, api_key_hash: &str) -> StoreResult<Account> {
        let account = rules::new_account(name, api_key_hash, clock::now());
        let row = account.clone();
        self.writer
            .write(move |c| crate::accounts::create_account(c, &row))
            .await?;
        Ok(account)
    }

    async fn get_account(&self, account_id: &str) -> StoreResult<Account> {
        let id = account_id.to_owned();
        self.readers
            .read(move |c| crate::accounts::account(c, &id))
            .await
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.readers.read(crate::accounts::count_accounts).await
    }

    async fn list_accounts(&self, page: PageRequest) -> StoreResult<Page<Account>> {
        self.readers
            .read(move |c| crate::accounts::list_accounts(c, &page))
            .await
    }

    async fn rotate_api_key(&self, account_id: &str, api_key_hash: &str) -> StoreResult<Account> {
        let (a, h) = (account_id.to_owned(), api_key_hash.to_owned());
        self.writer
            .write(move |c| crate::accounts::rotate_api_key(c, &a, &h))
            .await
    }
}
