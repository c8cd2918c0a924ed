//! Durations as people write them on a command line or in a schedule.

use std::time::Duration;

/// Parses durations written `500ms`, `5s`, `5m`, `2h`.
pub fn parse(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("invalid duration `{s}` ({e}); write e.g. 500ms, 5s, 5m or 2h"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_durations() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("5m"), Ok(Duration::from_secs(300)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
        assert!(parse("soon").is_err());
    }
}
