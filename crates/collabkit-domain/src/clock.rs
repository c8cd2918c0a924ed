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

/// A configured duration as a span of time; one too long for it (a setting of centuries) is
/// the longest span, so "now minus it" is simply long ago.
pub fn span(d: std::time::Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// `d` after `t` (a lease's end, a retry's time), or the end of time.
pub fn after(t: Timestamp, d: std::time::Duration) -> Timestamp {
    t.checked_add_signed(span(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `d` before `t` (a silence or a retention threshold), or the start of time.
pub fn before(t: Timestamp, d: std::time::Duration) -> Timestamp {
    t.checked_sub_signed(span(d))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// The time from `from` to `to` (how long until a due time, what is left of a lease), or zero
/// when `to` is not later.
pub fn between(from: Timestamp, to: Timestamp) -> std::time::Duration {
    (to - from).to_std().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    #[test]
    fn spans_saturate_instead_of_failing() {
        let t = super::parse("2026-01-01T00:00:00Z").unwrap();
        let secs = |s| super::after(t, Duration::from_secs(s));
        assert_eq!(secs(90), super::parse("2026-01-01T00:01:30Z").unwrap());
        assert_eq!(
            super::before(t, Duration::from_secs(60)),
            super::parse("2025-12-31T23:59:00Z").unwrap()
        );
        assert_eq!(
            super::after(t, Duration::MAX),
            chrono::DateTime::<chrono::Utc>::MAX_UTC
        );
        assert_eq!(
            super::before(t, Duration::MAX),
            chrono::DateTime::<chrono::Utc>::MIN_UTC
        );
        assert_eq!(super::span(Duration::MAX), chrono::Duration::MAX);
    }

    #[test]
    fn the_time_between_is_never_negative() {
        let t = super::parse("2026-01-01T00:00:00Z").unwrap();
        let later = super::parse("2026-01-01T00:00:01.5Z").unwrap();
        assert_eq!(super::between(t, later), Duration::from_millis(1500));
        assert_eq!(super::between(later, t), Duration::ZERO);
        assert_eq!(super::between(t, t), Duration::ZERO);
    }

    #[test]
    fn formats_with_z_and_round_trips() {
        let t = super::now();
        let s = super::format(&t);
        assert!(s.ends_with('Z'), "{s}");
        assert_eq!(super::parse(&s).unwrap(), t);
    }
}
