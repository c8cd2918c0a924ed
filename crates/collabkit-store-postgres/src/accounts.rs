//! Accounts on PostgreSQL: their rows, and the storage contract's `Accounts`.

use collabkit_domain::clock;
use collabkit_domain::rules;
use collabkit_domain::store::{Account, Cursor, Page, PageRequest, StoreError, StoreResult};
use deadpool_postgres::GenericClient;

use crate::rows::{self, ACCOUNT_COLS};

use crate::sql::{execute, query, query_one, query_opt};

pub async fn create_account<C: GenericClient + Sync>(c: &C, a: &Account) -> StoreResult<()> {
    execute(
        c,
        "INSERT INTO accounts (id, name, api_key_hash, created_at) VALUES ($1, $2, $3, $4)",
        &[&a.id, &a.name, &a.api_key_hash, &a.created_at],
    )
    .await?;
    Ok(())
}

pub async fn account<C: GenericClient + Sync>(c: &C, account_id: &str) -> StoreResult<Account> {
    query_opt(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = $1"),
        &[&account_id],
    )
    .await?
    .map(|r| rows::account(&r))
    .ok_or(StoreError::NotFound("account"))
}

/// Accounts by id; the cursor is the last id (ids follow creation).
pub async fn list_accounts<C: GenericClient + Sync>(
    c: &C,
    page: &PageRequest,
) -> StoreResult<Page<Account>> {
    let after = page
        .after
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .unwrap_or_default();
    let mut accounts: Vec<Account> = query(
        c,
        &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id > $1 ORDER BY id LIMIT $2"),
        &[&after, &(page.limit as i64 + 1)],
    )
    .await?
    .iter()
    .map(rows::account)
    .collect();
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

pub async fn rotate_api_key<C: GenericClient + Sync>(
    c: &C,
    account_id: &str,
    hash: &str,
) -> StoreResult<Account> {
    let n = execute(
        c,
        "UPDATE accounts SET api_key_hash = $1 WHERE id = $2",
        &[&hash, &account_id],
    )
    .await?;
    if n == 0 {
        return Err(StoreError::NotFound("account"));
    }
    // Every node forgets the old key when this commits (see `account_cache`).
    execute(
        c,
        "SELECT pg_notify($1, $2)",
        &[&crate::account_cache::CHANNEL, &account_id],
    )
    .await?;
    account(c, account_id).await
}

pub async fn count_accounts<C: GenericClient + Sync>(c: &C) -> StoreResult<u64> {
    let row = query_one(c, "SELECT COUNT(*) FROM accounts", &[]).await?;
    Ok(row.get::<_, i64>(0) as u64)
}

use crate::*;

use collabkit_domain::store::Accounts;

#[async_trait]
impl Accounts for crate::PgStore {
    async fn create_account(&self, name: &str, api_key_hash: &str) -> StoreResult<Account> {
        self.within(async {
            let account = rules::new_account(name, api_key_hash, clock::now());
            let client = self.client().await?;
            crate::accounts::create_account(&client, &account).await?;
            Ok(account)
        })
        .await
    }

    async fn get_account(&self, account_id: &str) -> StoreResult<Account> {
        if let Some(account) = self.accounts.get(account_id) {
            return Ok(account);
        }
        let ticket = self.accounts.ticket();
        let account = self
            .within(async { crate::accounts::account(&self.client().await?, account_id).await })
            .await?;
        self.accounts.put(ticket, &account);
        Ok(account)
    }

    async fn count_accounts(&self) -> StoreResult<u64> {
        self.within(async { crate::accounts::count_accounts(&self.client().await?).await })
            .await
    }

    async fn list_accounts(&self, page: PageRequest) -> StoreResult<Page<Account>> {
        self.within(async { crate::accounts::list_accounts(&self.client().await?, &page).await })
            .await
    }

    async fn rotate_api_key(&self, account_id: &str, api_key_hash: &str) -> StoreResult<Account> {
        let rotated = in_tx!(self, tx => {
            crate::accounts::rotate_api_key(&tx, account_id, api_key_hash).await?
        });
        self.accounts.forget(account_id);
        rotated
    }
}
