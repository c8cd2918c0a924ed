//! Failures an operator must notice are logged at WARN, but at most once a minute per
//! registration and kind, with the count of lines left out: a receiver that is down for a day
//! must not flood the log with one line per attempt.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many keys, those quiet for a whole window are forgotten.
const MAX_KEYS: usize = 10_000;

pub struct Warnings {
    window: Duration,
    /// Per key: when a line was last logged, and how many were left out since.
    seen: Mutex<HashMap<String, (Instant, u64)>>,
}

impl Warnings {
    pub fn new(window: Duration) -> Warnings {
        Warnings {
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// `Some(lines left out since the last one)` when a line for `key` may be logged now.
    pub fn allow(&self, key: &str) -> Option<u64> {
        let now = Instant::now();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((last, skipped)) = seen.get_mut(key) {
            if now.duration_since(*last) < self.window {
                *skipped += 1;
                return None;
            }
            let left_out = *skipped;
            *last = now;
            *skipped = 0;
            return Some(left_out);
        }
        if seen.len() >= MAX_KEYS {
            let window = self.window;
            seen.retain(|_, (last, _)| now.duration_since(*last) < window);
        }
        seen.insert(key.to_owned(), (now, 0));
        Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_window_and_key_with_the_count_left_out() {
        let w = Warnings::new(Duration::from_millis(50));
        assert_eq!(w.allow("a"), Some(0));
        assert_eq!(w.allow("a"), None);
        assert_eq!(w.allow("a"), None);
        assert_eq!(w.allow("b"), Some(0), "keys are independent");
        std::thread::sleep(Duration::from_millis(60));
        assert_eq!(
            w.allow("a"),
            Some(2),
            "the next line says how many were left out"
        );
        assert_eq!(w.allow("a"), None);
    }
}
