//! The retry schedule: N delays mean 1 + N attempts.

use std::time::Duration;

use rand::Rng;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl RetrySchedule {
    pub fn new(delays: Vec<Duration>) -> RetrySchedule {
        RetrySchedule { delays }
    }

    /// How long to wait after the `attempt`-th failed attempt of a cycle (1-based), or `None`
    /// when that was the last one. The delay gets ±20 % jitter so retries of many deliveries
    /// spread out; a receiver's `Retry-After` replaces it, kept within the schedule's bounds.
    pub fn delay_after(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let planned = *self.delays.get(attempt.checked_sub(1)? as usize)?;
        if let Some(asked) = retry_after {
            let min = self.delays.iter().min().copied().unwrap_or_default();
            let max = self.delays.iter().max().copied().unwrap_or_default();
            return Some(asked.clamp(min, max));
        }
        let factor = rand::rng().random_range(0.8..=1.2);
        Some(planned.mul_f64(factor))
    }

    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }
}

impl Default for RetrySchedule {
    fn default() -> Self {
        "5s,5m,30m,2h,5h,10h,10h"
            .parse()
            .expect("the default schedule parses")
    }
}

impl std::str::FromStr for RetrySchedule {
    type Err = String;

    /// A comma list of durations, e.g. `5s,5m,30m`; empty means no retries.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().is_empty() {
            return Ok(RetrySchedule::new(vec![]));
        }
        s.split(',')
            .map(crate::duration::parse)
            .collect::<Result<Vec<_>, _>>()
            .map(RetrySchedule::new)
    }
}

impl std::fmt::Display for RetrySchedule {
    /// The form it parses from: `5s,5m,30m`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let delays: Vec<String> = self
            .delays
            .iter()
            .map(|d| humantime::format_duration(*d).to_string())
            .collect();
        f.write_str(&delays.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_prints_as_it_parses() {
        let schedule = RetrySchedule::default();
        assert_eq!(schedule.to_string(), "5s,5m,30m,2h,5h,10h,10h");
        assert_eq!(schedule.to_string().parse::<RetrySchedule>(), Ok(schedule));
    }

    #[test]
    fn n_delays_mean_one_plus_n_attempts_with_jitter() {
        let s: RetrySchedule = "10s,100s".parse().unwrap();
        let first = s.delay_after(1, None).unwrap();
        assert!(
            first >= Duration::from_secs(8) && first <= Duration::from_secs(12),
            "{first:?}"
        );
        let second = s.delay_after(2, None).unwrap();
        assert!(second >= Duration::from_secs(80) && second <= Duration::from_secs(120));
        assert_eq!(s.delay_after(3, None), None);
    }

    #[test]
    fn retry_after_is_kept_within_the_schedule() {
        let s: RetrySchedule = "10s,100s".parse().unwrap();
        assert_eq!(
            s.delay_after(1, Some(Duration::from_secs(1))),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            s.delay_after(1, Some(Duration::from_secs(50))),
            Some(Duration::from_secs(50))
        );
        assert_eq!(
            s.delay_after(1, Some(Duration::from_secs(999))),
            Some(Duration::from_secs(100))
        );
        assert_eq!(s.delay_after(3, Some(Duration::from_secs(50))), None);
    }

    #[test]
    fn parses_and_rejects() {
        assert_eq!("".parse::<RetrySchedule>().unwrap().delays().len(), 0);
        assert_eq!(RetrySchedule::default().delays().len(), 7);
        assert!("5s,soon".parse::<RetrySchedule>().is_err());
    }
}
