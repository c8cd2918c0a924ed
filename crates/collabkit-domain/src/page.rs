//! Paging through lists with cursors a backend defines.
//!
//! A [`Cursor`] is opaque outside the backend that issued it: SQLite's single writer commits in
//! sequence order, so "after this sequence number" is exact there; a backend with concurrent
//! writers, whose sequence values can commit out of order, encodes whatever position stays
//! correct for it. The API only wraps the text for the URL.

use crate::error::{StoreError, StoreResult};

/// A position in a list, issued by the backend that returned the page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor(String);

impl Cursor {
    /// For backends: wraps their own encoding of a position.
    pub fn new(position: impl Into<String>) -> Cursor {
        Cursor(position.into())
    }

    /// For backends: their encoding, to decode.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For backends whose position is one integer.
    pub fn from_seq(seq: i64) -> Cursor {
        Cursor(seq.to_string())
    }

    /// The integer a [`Cursor::from_seq`] holds, or `None` for text that no such backend
    /// issued (a cursor is untrusted input: it comes back from clients).
    pub fn seq(&self) -> Option<i64> {
        self.0.parse().ok().filter(|n: &i64| *n >= 0)
    }
}

/// Which page of a list to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub limit: u32,
    /// Only items after this position (exclusive).
    pub after: Option<Cursor>,
    /// Without a cursor: how many items of the list's start to skip (`?offset=`). Its cost
    /// grows with it; very long lists are paged with the cursor instead.
    pub offset: u64,
}

impl PageRequest {
    /// The first page of `limit` items.
    pub fn first(limit: u32) -> PageRequest {
        PageRequest {
            limit,
            after: None,
            offset: 0,
        }
    }

    /// The page of `limit` items after the first `offset` ones.
    pub fn at_offset(limit: u32, offset: u64) -> PageRequest {
        PageRequest {
            limit,
            after: None,
            offset,
        }
    }

    /// The page after a cursor.
    pub fn after(limit: u32, cursor: Cursor) -> PageRequest {
        PageRequest {
            limit,
            after: Some(cursor),
            offset: 0,
        }
    }

    /// The rows a backend skips: the offset, unless a cursor says where the page starts.
    pub fn skip(&self) -> u64 {
        if self.after.is_some() { 0 } else { self.offset }
    }

    /// For backends whose positions are integers: the one an ascending page starts after
    /// (0: from the start); `InvalidCursor` for a cursor no such backend issued.
    pub fn after_seq(&self) -> StoreResult<i64> {
        Ok(self.cursor_seq()?.unwrap_or(0))
    }

    /// The same for a descending (newest first) page: the position it starts before.
    pub fn before_seq(&self) -> StoreResult<i64> {
        Ok(self.cursor_seq()?.unwrap_or(i64::MAX))
    }

    fn cursor_seq(&self) -> StoreResult<Option<i64>> {
        self.after
            .as_ref()
            .map(|c| c.seq().ok_or(StoreError::InvalidCursor))
            .transpose()
    }
}

impl<T> Page<T> {
    /// For backends whose positions are integers: turns `limit + 1` rows read after a position
    /// into a page (the extra row only says that there is more).
    pub fn from_seq_rows(mut rows: Vec<(i64, T)>, limit: u32) -> Page<T> {
        let more = rows.len() > limit as usize;
        rows.truncate(limit as usize);
        let last = rows.last().map(|(seq, _)| Cursor::from_seq(*seq));
        Page {
            items: rows.into_iter().map(|(_, item)| item).collect(),
            next: if more { last.clone() } else { None },
            last,
            total: None,
        }
    }

    /// The page with the size of the whole list (the lists paged by offset answer it).
    pub fn with_total(mut self, total: u64) -> Page<T> {
        self.total = Some(total);
        self
    }
}

#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// The position to pass as `after` for the next page; `None` at the end.
    pub next: Option<Cursor>,
    /// The position of the last item, even at the end: where a reader that follows the list as
    /// it grows (the event stream) resumes.
    pub last: Option<Cursor>,
    /// How many items the whole list holds (with its filters), where the list answers it.
    pub total: Option<u64>,
}
