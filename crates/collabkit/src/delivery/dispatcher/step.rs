//! What follows an attempt, decided from its answer alone: a pure rule, tested here.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock;
use crate::delivery::RetrySchedule;
use crate::delivery::sender::Response;
use crate::store::NextStep;

/// A 2xx without a transport error succeeded; 410 Gone disables the registration; anything
/// else is retried on the schedule (after the receiver's `Retry-After` on 429 and 503, within
/// the schedule's bounds) until it is exhausted. `attempts` counts the cycle's attempts
/// before this one.
pub fn next_step(
    schedule: &RetrySchedule,
    attempts: u32,
    r: &Response,
    now: DateTime<Utc>,
) -> NextStep {
    match r.status {
        Some(s) if (200..300).contains(&s) && r.error.is_none() => return NextStep::Succeeded,
        Some(410) => return NextStep::Gone,
        _ => {}
    }
    let retry_after = match r.status {
        Some(429) | Some(503) => r.retry_after,
        _ => None,
    };
    match schedule.delay_after(attempts + 1, retry_after) {
        Some(delay) => NextStep::RetryAt(clock::after(now, delay)),
        None => NextStep::Failed,
    }
}

/// The answer of an attempt that could not be made (no signature).
pub fn not_sent(error: String) -> Response {
    Response {
        status: None,
        body: String::new(),
        error: Some(error),
        duration: Duration::ZERO,
        retry_after: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: Option<u16>, error: Option<&str>, retry_after: Option<u64>) -> Response {
        Response {
            status,
            body: String::new(),
            error: error.map(str::to_owned),
            duration: Duration::from_millis(3),
            retry_after: retry_after.map(Duration::from_secs),
        }
    }

    fn schedule() -> RetrySchedule {
        "10s,1m".parse().unwrap()
    }

    /// A retry within the schedule's ±20 % jitter of `secs` from now.
    fn retry_near(step: NextStep, secs: i64) -> bool {
        let NextStep::RetryAt(at) = step else {
            return false;
        };
        let ms = (at - now()).num_milliseconds();
        (secs * 800..=secs * 1200).contains(&ms)
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    #[test]
    fn a_2xx_succeeds_unless_the_transfer_failed() {
        let s = schedule();
        assert_eq!(
            next_step(&s, 0, &answer(Some(204), None, None), now()),
            NextStep::Succeeded
        );
        let cut = next_step(&s, 0, &answer(Some(200), Some("body cut"), None), now());
        assert!(retry_near(cut, 10), "{cut:?}");
    }

    #[test]
    fn gone_is_final() {
        assert_eq!(
            next_step(&schedule(), 2, &answer(Some(410), None, None), now()),
            NextStep::Gone
        );
    }

    #[test]
    fn failures_follow_the_schedule_until_it_is_exhausted() {
        let s = schedule();
        assert!(retry_near(
            next_step(&s, 0, &answer(Some(500), None, None), now()),
            10
        ));
        assert!(retry_near(
            next_step(&s, 1, &answer(None, Some("refused"), None), now()),
            60
        ));
        assert_eq!(
            next_step(&s, 2, &answer(Some(500), None, None), now()),
            NextStep::Failed
        );
    }

    /// The receiver's delay replaces the planned one (without jitter) on 429 and 503 only.
    #[test]
    fn retry_after_counts_on_429_and_503_only() {
        let s = schedule();
        for status in [429, 503] {
            assert_eq!(
                next_step(&s, 0, &answer(Some(status), None, Some(30)), now()),
                NextStep::RetryAt(now() + chrono::Duration::seconds(30))
            );
        }
        let ignored = next_step(&s, 0, &answer(Some(500), None, Some(30)), now());
        assert!(retry_near(ignored, 10), "{ignored:?}");
    }
}
