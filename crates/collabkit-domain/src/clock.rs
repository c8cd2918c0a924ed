//! Timestamps as the contract writes them: RFC 3339, UTC, ending in `Z`.
//!
//! Times are kept at microsecond precision everywhere, the precision PostgreSQL stores, so a value
//! read back from either backend equals the one written.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};

pub type Timestamp = DateTime<Utc>;

/// Now, truncated to microseconds.
pub fn now() -> Timestamp {
    Utc::now().trunc_subsecs(6)
}

/// `2026-11-27T07:36:03.123456Z`: fixed width, so the text sorts in time order.
pub fn format(t: &Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Parses any RFC 3339 timestamp into UTC.
pub fn parse(s: &str) -> Result<Timestamp, chrono::ParseError> {
    Ok(DateTime::parse_from_rfc3339(s)?.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_with_z_and_round_trips() {
        let t = super::now();
        let s = super::format(&t);
        assert!(s.ends_with('Z'), "{s}");
        assert_eq!(super::parse(&s).unwrap(), t);
    }
}
