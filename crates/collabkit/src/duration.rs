//! Durations as people write them on a command line or in a schedule.

use std::time::Duration;

/// Parses durations written `500ms`, `5s`, `5m`, `2h`. Also the value parser of every duration
/// flag, so its error shows how to write one.
pub fn parse(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("invalid duration `{s}` ({e}); write e.g. 500ms, 5s, 5m or 2h"))
}

/// A duration as a flag's `[default: …]` shows it and [`parse`] reads it back (`15s`, `5days`).
/// Clap keeps a default as a `&'static str`, so each use makes its text once.
macro_rules! shown {
    ($d:expr) => {{
        static SHOWN: ::std::sync::OnceLock<String> = ::std::sync::OnceLock::new();
        SHOWN
            .get_or_init(|| ::humantime::format_duration($d).to_string())
            .as_str()
    }};
}
pub(crate) use shown;

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

    #[test]
    fn a_default_shows_as_it_parses() {
        let five_days = Duration::from_secs(5 * 24 * 3600);
        assert_eq!(shown!(five_days), "5days");
        assert_eq!(
            parse(shown!(Duration::from_millis(1500))),
            Ok(Duration::from_millis(1500))
        );
    }
}
