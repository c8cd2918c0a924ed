//! `?limit=&offset=` (answers: `total`, `limit`, `offset`) and `?cursor=` / `next_cursor`: the
//! list conventions of the contract.
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
/// The most items a page of a list holds (the documented bound).
pub const MAX_LIMIT: u32 = 100;
/// The most events a page of the event log holds: it is read by machines catching up, whose
/// pages are worth making larger.
pub const MAX_EVENT_LIMIT: u32 = 200;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page (not with `offset`).
    pub cursor: Option<String>,
}

/// `?limit=`, or `default` without it: 1 to `max`.
pub fn limit(asked: Option<u32>, default: u32, max: u32) -> Result<u32, ApiError> {
    let limit = asked.unwrap_or(default);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "`limit` must be between 1 and {max}"
        )));
    }
    Ok(limit)
}

impl PageQuery {
    /// The page asked for, at most [`MAX_LIMIT`] items.
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        self.to_request_within(MAX_LIMIT)
    }

    /// The page asked for, at most `max` items.
    pub fn to_request_within(&self, max: u32) -> Result<PageRequest, ApiError> {
        let limit = limit(self.limit, DEFAULT_LIMIT, max)?;
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok(PageRequest { limit, after })
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
        .ok_or_else(|| ApiError::bad_request("`cursor` is not a cursor this server returned"))
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
