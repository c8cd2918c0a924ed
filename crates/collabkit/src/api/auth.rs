//! Account authentication: `Authorization: Bearer base64("{account_id}:{api_key}")`.
//!
//! 401 when the credentials are missing or wrong; 403 when they are right but the path names
//! another account (whether or not it exists, so ids cannot be probed).

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;
use base64::Engine;

use super::AppState;
use super::error::ApiError;
use crate::accounts;
use crate::store::{Account, StoreError};

/// The account a layer before the handler authenticated (see `idempotency.rs`): the handler's
/// [`AccountAuth`] takes it as it is, without asking the storage or the rate limit again.
#[derive(Clone)]
pub struct Authenticated(pub Account);

/// The authenticated account of an account-scoped request.
pub struct AccountAuth {
    pub account: Account,
}

impl AccountAuth {
    pub fn id(&self) -> &str {
        &self.account.id
    }
}

impl FromRequestParts<AppState> for AccountAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(Authenticated(account)) = parts.extensions.get::<Authenticated>() {
            return Ok(AccountAuth {
                account: account.clone(),
            });
        }
        let (account_id, api_key) = credentials(parts)?;
        let account = match state.store.get_account(&account_id).await {
            Ok(account) => account,
            Err(StoreError::NotFound(_)) => return Err(invalid_credentials()),
            Err(e) => return Err(e.into()),
        };
        if !accounts::key_matches(&account, &api_key) {
            return Err(invalid_credentials());
        }
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found("route"))?;
        let path_account = params
            .iter()
            .find(|(k, _)| *k == "account_id")
            .map(|(_, v)| v);
        if path_account != Some(account.id.as_str()) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "these credentials do not give access to that account",
            ));
        }
        super::paths::refuse_impossible_ids(&params, parts.uri.path())?;
        // Counted once the account is known to be the caller's: nobody else can spend its budget.
        if let Err(wait) = state.account_rate.take(&account.id) {
            return Err(ApiError {
                retry_after: Some(wait.as_secs().max(1)),
                ..ApiError::new(
                    axum::http::StatusCode::TOO_MANY_REQUESTS,
                    "rate_limited",
                    "this account is making requests faster than its rate limit; slow down",
                )
            });
        }
        Ok(AccountAuth { account })
    }
}

fn invalid_credentials() -> ApiError {
    ApiError::unauthorized("the account id or API key is wrong")
}

fn credentials(parts: &Parts) -> Result<(String, String), ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "missing credentials: send Authorization: Bearer base64(\"{account_id}:{api_key}\")",
            )
        })?;
    let malformed = || {
        ApiError::unauthorized(
            "malformed Authorization header: expected Bearer base64(\"{account_id}:{api_key}\")",
        )
    };
    let token = header
        .to_str()
        .ok()
        .and_then(|h| h.strip_prefix("Bearer "))
        .ok_or_else(malformed)?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(malformed)?;
    let (id, key) = decoded.split_once(':').ok_or_else(malformed)?;
    // Names no account: wrong, as an unknown id is, without asking the storage.
    if super::paths::names_nothing(&decoded) {
        return Err(invalid_credentials());
    }
    Ok((id.to_owned(), key.to_owned()))
}
