//! `?limit=&cursor=` and `next_cursor`: the list conventions of the contract.
//!
//! A cursor is the URL-safe encoding of the position the storage backend returned (opaque to
//! the API too: the backend decides what a position is and refuses one it did not issue).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use utoipa::IntoParams;

use super::error::ApiError;
use crate::store::{Cursor, PageRequest};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// `?limit=`, or `default` without it: 1 to [`MAX_LIMIT`] on every route that takes one.
pub fn limit(asked: Option<u32>, default: u32) -> Result<u32, ApiError> {
    let limit = asked.unwrap_or(default);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::invalid(format!(
            "`limit` must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(limit)
}

impl PageQuery {
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let limit = limit(self.limit, DEFAULT_LIMIT)?;
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok(PageRequest {
            limit,
            after,
            offset: 0,
        })
    }
}

/// `p` + the backend's position, so cursors issued before positions were the backend's
/// (`p<seq>`) still work.
pub fn encode_cursor(position: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("p{}", position.as_str()))
}

pub(crate) fn decode_cursor(cursor: &str) -> Result<Cursor, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|s| s.strip_prefix('p').map(Cursor::new))
        .ok_or_else(|| ApiError::invalid("`cursor` is not a cursor this server returned"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_rejected() {
        let position = Cursor::from_seq(42);
        assert_eq!(decode_cursor(&encode_cursor(&position)).unwrap(), position);
        assert!(decode_cursor("nope!").is_err());
    }
}
