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
use crate::clock::Timestamp;
use crate::store::{Cursor, Page, PageRequest};

pub const DEFAULT_LIMIT: u32 = 50;
/// The most items a page of a list holds (the documented bound).
pub const MAX_LIMIT: u32 = 100;
/// The most events a page of the event log holds: it is read by machines catching up, whose
/// pages are worth making larger.
pub const MAX_EVENT_LIMIT: u32 = 200;

/// `?limit=&offset=` or `?limit=&cursor=`: the lists that answer `total`, `limit` and `offset`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// How many items of the list to skip (default 0; not with `cursor`).
    #[param(minimum = 0)]
    pub offset: Option<u64>,
    /// The `next_cursor` of the previous page (not with `offset`): for very long lists, whose
    /// pages far from the start an offset makes slow.
    pub cursor: Option<String>,
}

/// `?limit=&cursor=`: the lists paged by cursor only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CursorQuery {
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
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
    /// The page asked for: at most [`MAX_LIMIT`] items, after the cursor or the offset (both
    /// at once are refused: they would say two different things).
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let limit = limit(self.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
        if self.cursor.is_some() && self.offset.is_some() {
            return Err(ApiError::bad_request(
                "`cursor` and `offset` cannot be used together: page by one or the other",
            ));
        }
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok(PageRequest {
            limit,
            after,
            offset: self.offset.unwrap_or(0),
        })
    }
}

impl CursorQuery {
    /// The page asked for, at most [`MAX_LIMIT`] items.
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        self.to_request_within(MAX_LIMIT)
    }

    /// The page asked for, at most `max` items.
    pub fn to_request_within(&self, max: u32) -> Result<PageRequest, ApiError> {
        let limit = limit(self.limit, DEFAULT_LIMIT, max)?;
        let after = self.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok(PageRequest {
            limit,
            after,
            offset: 0,
        })
    }
}

/// `total`, `limit` and `offset` of a page, beside its items. `total` is the whole list's size
/// (with its filters); `offset` is where the page starts when it was asked by offset (0 for a
/// page asked by cursor).
pub fn total_of<T>(page: &Page<T>, asked: &PageRequest) -> u64 {
    // Every offset-paged list of the store answers it; a backend that did not would still
    // give a count that is right for what the client saw.
    page.total
        .unwrap_or_else(|| asked.skip() + page.items.len() as u64)
}

/// `?search=`: trimmed of nothing, at most [`MAX_SEARCH`] characters, no control characters;
/// empty means no search.
pub fn search(value: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(value) = value.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_SEARCH {
        return Err(ApiError::bad_request(format!(
            "`search` must be at most {MAX_SEARCH} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(ApiError::bad_request(
            "`search` must not contain control characters",
        ));
    }
    Ok(Some(value))
}

/// The longest `?search=`.
pub const MAX_SEARCH: usize = 256;

/// `?from=` / `?to=`: an RFC 3339 time, or a date (`2026-05-29`), which bounds the day it names
/// inclusively: from its first instant (`from`) or to its last (`to`).
pub fn time_bound(
    name: &str,
    value: Option<&str>,
    end_of_day: bool,
) -> Result<Option<Timestamp>, ApiError> {
    let Some(value) = value.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    if let Ok(t) = crate::clock::parse(value) {
        return Ok(Some(t));
    }
    let bad = || {
        ApiError::bad_request(format!(
            "`{name}` must be an RFC 3339 time (2026-05-29T10:00:00Z) or a date (2026-05-29)"
        ))
    };
    let date = chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| bad())?;
    let time = if end_of_day {
        chrono::NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999)
    } else {
        chrono::NaiveTime::from_hms_opt(0, 0, 0)
    }
    .ok_or_else(bad)?;
    Ok(Some(date.and_time(time).and_utc()))
}

/// `from` and `to` together, refused when `from` is after `to`.
pub fn time_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(Option<Timestamp>, Option<Timestamp>), ApiError> {
    let from = time_bound("from", from, false)?;
    let to = time_bound("to", to, true)?;
    if let (Some(f), Some(t)) = (&from, &to)
        && f > t
    {
        return Err(ApiError::bad_request("`from` must not be after `to`"));
    }
    Ok((from, to))
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

    #[test]
    fn cursor_and_offset_together_are_refused() {
        let both = PageQuery {
            limit: None,
            offset: Some(10),
            cursor: Some(encode_cursor(&Cursor::from_seq(1))),
        };
        assert!(both.to_request().is_err());
        let offset = PageQuery {
            offset: Some(10),
            ..PageQuery::default()
        };
        let asked = offset.to_request().unwrap();
        assert_eq!((asked.limit, asked.offset, asked.after), (50, 10, None));
        for bad in [0, 101] {
            let q = PageQuery {
                limit: Some(bad),
                ..PageQuery::default()
            };
            assert!(q.to_request().is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_bound_whole_days() {
        let (from, to) = time_range(Some("2026-05-29"), Some("2026-05-29")).unwrap();
        assert_eq!(
            crate::clock::format(&from.unwrap()),
            crate::clock::format(&crate::clock::parse("2026-05-29T00:00:00Z").unwrap())
        );
        assert!(to.unwrap() > crate::clock::parse("2026-05-29T23:59:59Z").unwrap());
        assert!(time_range(Some("2026-05-30"), Some("2026-05-29")).is_err());
        assert!(time_range(Some("yesterday"), None).is_err());
        let (exact, _) = time_range(Some("2026-05-29T10:00:00Z"), None).unwrap();
        assert_eq!(
            exact,
            Some(crate::clock::parse("2026-05-29T10:00:00Z").unwrap())
        );
    }
}
