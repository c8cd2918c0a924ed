//! Paging through lists with cursors a backend defines.
//!
//! A [`Cursor`] is opaque outside the backend that issued it: SQLite's single writer commits in
//! sequence order, so "after this sequence number" is exact there; a backend with concurrent
//! writers, whose sequence values can commit out of order, encodes whatever position stays
//! correct for it. The API only wraps the text for the URL.

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
}

impl PageRequest {
    /// The first page of `limit` items.
    pub fn first(limit: u32) -> PageRequest {
        PageRequest { limit, after: None }
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
}
