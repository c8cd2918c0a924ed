//! The list filters' `WHERE` clauses, shared by the room and user lists.

/// The ASCII-folding "contains" of `like_pattern` on a column (PostgreSQL's `lower` would also
/// fold other letters, which SQLite's `LIKE` does not).
pub(crate) fn folded(column: &str) -> String {
    format!("translate({column}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')")
}

/// A `WHERE` clause with only the conditions a filter sets, and their parameters: each
/// combination is its own prepared statement, so an unfiltered list keeps its plain ordered
/// seek of the scope's index (a condition such as `($2 IS NULL OR …)` makes a generic plan
/// read and sort the whole scope, thinking it selective).
pub(crate) struct Conditions<'a> {
    pub(crate) clause: String,
    pub(crate) params: Vec<&'a (dyn tokio_postgres::types::ToSql + Sync)>,
}

impl<'a> Conditions<'a> {
    pub(crate) fn new(
        scope: &str,
        params: Vec<&'a (dyn tokio_postgres::types::ToSql + Sync)>,
    ) -> Self {
        Conditions {
            clause: scope.to_owned(),
            params,
        }
    }

    /// `AND` the condition `sql` writes for the next parameter's placeholder, when `value` is
    /// set.
    pub(crate) fn and<T: tokio_postgres::types::ToSql + Sync>(
        &mut self,
        value: &'a Option<T>,
        sql: impl FnOnce(&str) -> String,
    ) {
        if let Some(v) = value {
            self.params.push(v);
            let placeholder = format!("${}", self.params.len());
            self.clause.push_str(" AND ");
            self.clause.push_str(&sql(&placeholder));
        }
    }

    /// The next parameter's placeholder, for a value the caller adds after the conditions.
    pub(crate) fn next(&mut self, value: &'a (dyn tokio_postgres::types::ToSql + Sync)) -> String {
        self.params.push(value);
        format!("${}", self.params.len())
    }
}
