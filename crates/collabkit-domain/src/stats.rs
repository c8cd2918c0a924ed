//! Delivery statistics: what the dashboard charts and the webhook health come from.
//!
//! Reading a day of the attempt log for every chart would cost as much as the traffic was
//! large. Instead recorded attempts also add to per-minute counters — per registration,
//! outcome and latency bucket — so a day of statistics is at most 1,440 rows per registration
//! and latency bucket, whatever the delivery rate. The server sums its attempts in memory and
//! adds them about once a second (one upsert per key instead of one per attempt: in-transaction
//! counting cost 15–20 % of the fan-out throughput); a crash loses at most that second of
//! statistics, never an attempt of the log. Percentiles are read from
//! those buckets, exact to within one bucket: two significant digits of milliseconds, so at
//! most 10 % high.

use chrono::{DurationRound, TimeDelta};

use crate::clock::Timestamp;
use crate::model::AttemptRecord;

/// The latency bucket of an attempt: its duration rounded up to two significant digits
/// (7 → 7, 42 → 42, 123 → 130, 4,567 → 4,600 ms).
pub fn latency_bucket(ms: u64) -> u64 {
    let mut step = 1;
    while ms / step >= 100 {
        step *= 10;
    }
    ms.div_ceil(step) * step
}

/// The start of the minute `t` falls in.
pub fn minute_of(t: Timestamp) -> Timestamp {
    t.duration_trunc(TimeDelta::minutes(1)).unwrap_or(t)
}

/// Whether an attempt counts as a success in the statistics: the receiver answered 2xx.
pub fn succeeded(status_code: Option<u16>) -> bool {
    matches!(status_code, Some(200..=299))
}

/// How many attempts of one registration fell in one minute, outcome and latency bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptCounter {
    pub webhook_id: String,
    pub minute: Timestamp,
    pub succeeded: bool,
    pub latency_bucket_ms: u64,
    pub count: u64,
}

/// Counters not yet stored, summed per key: a second of attempts of a busy registration
/// becomes a handful of rows, however many batches recorded them.
#[derive(Debug, Default)]
pub struct PendingCounters {
    counts: std::collections::HashMap<(String, Timestamp, bool, u64), u64>,
}

impl PendingCounters {
    pub fn add(&mut self, records: &[AttemptRecord]) {
        for rec in records {
            let a = &rec.attempt;
            let key = (
                rec.webhook_id.clone(),
                minute_of(a.attempted_at),
                succeeded(a.status_code),
                latency_bucket(a.duration_ms),
            );
            *self.counts.entry(key).or_default() += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    pub fn merge(&mut self, other: PendingCounters) {
        for (key, n) in other.counts {
            *self.counts.entry(key).or_default() += n;
        }
    }

    /// Everything pending, in key order (backends that lock rows take them in one order, so
    /// two nodes adding at once cannot deadlock); leaves nothing pending.
    pub fn take(&mut self) -> Vec<AttemptCounter> {
        let mut counters: Vec<AttemptCounter> = self
            .counts
            .drain()
            .map(
                |((webhook_id, minute, succeeded, latency_bucket_ms), count)| AttemptCounter {
                    webhook_id,
                    minute,
                    succeeded,
                    latency_bucket_ms,
                    count,
                },
            )
            .collect();
        counters.sort_by(|a, b| {
            (&a.webhook_id, a.minute, a.succeeded, a.latency_bucket_ms).cmp(&(
                &b.webhook_id,
                b.minute,
                b.succeeded,
                b.latency_bucket_ms,
            ))
        });
        counters
    }
}

/// The counters of some records (tests and tools; the server sums a second's worth with
/// [`PendingCounters`]).
pub fn counters_of(records: &[AttemptRecord]) -> Vec<AttemptCounter> {
    let mut pending = PendingCounters::default();
    pending.add(records);
    pending.take()
}

/// Attempts of an account (or one registration) in one minute, outcome and latency bucket,
/// summed over registrations: what a backend returns for the charts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptCount {
    pub minute: Timestamp,
    pub succeeded: bool,
    pub latency_bucket_ms: u64,
    pub count: u64,
}

/// One minute of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct MinuteStats {
    pub start: Timestamp,
    pub succeeded: u64,
    pub failed: u64,
    /// Attempt latency percentiles, in milliseconds; `None` in a minute without attempts.
    pub p50_ms: Option<u64>,
    pub p99_ms: Option<u64>,
}

/// Folds a backend's counts into one row per minute from `from` (a minute start) for `minutes`
/// minutes, minutes without attempts included, so a chart needs no gap handling.
pub fn per_minute(counts: &[AttemptCount], from: Timestamp, minutes: u32) -> Vec<MinuteStats> {
    (0..minutes)
        .map(|i| {
            let start = from + TimeDelta::minutes(i64::from(i));
            let mut buckets: Vec<(u64, u64)> = Vec::new();
            let (mut ok, mut failed) = (0, 0);
            for c in counts.iter().filter(|c| c.minute == start) {
                if c.succeeded {
                    ok += c.count;
                } else {
                    failed += c.count;
                }
                buckets.push((c.latency_bucket_ms, c.count));
            }
            buckets.sort_unstable();
            MinuteStats {
                start,
                succeeded: ok,
                failed,
                p50_ms: percentile(&buckets, 50),
                p99_ms: percentile(&buckets, 99),
            }
        })
        .collect()
}

/// The `pct`th percentile of `(bucket, count)` pairs sorted by bucket: the first bucket at
/// which the running count reaches `pct`% of the total (nearest-rank).
fn percentile(sorted: &[(u64, u64)], pct: u64) -> Option<u64> {
    let total: u64 = sorted.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return None;
    }
    let rank = (total * pct).div_ceil(100).max(1);
    let mut seen = 0;
    sorted.iter().find_map(|&(bucket, n)| {
        seen += n;
        (seen >= rank).then_some(bucket)
    })
}

/// A registration's health over a window, as a backend reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookHealth {
    pub webhook_id: String,
    pub enabled: bool,
    /// Set while the registration's latest attempts fail: the time of the first failure of
    /// the streak (a success clears it).
    pub failing_since: Option<Timestamp>,
    pub attempts: u64,
    pub succeeded: u64,
    /// The minute of the latest attempt in the window.
    pub last_attempt_minute: Option<Timestamp>,
}

impl WebhookHealth {
    /// The share of attempts that succeeded, `None` without attempts.
    pub fn success_rate(&self) -> Option<f64> {
        (self.attempts > 0).then(|| self.succeeded as f64 / self.attempts as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock;
    use crate::model::{Attempt, NextStep};

    #[test]
    fn buckets_keep_two_significant_digits() {
        let cases = [
            (0, 0),
            (7, 7),
            (99, 99),
            (100, 100),
            (101, 110),
            (123, 130),
            (999, 1000),
            (4567, 4600),
            (15_000, 15_000),
        ];
        for (ms, bucket) in cases {
            assert_eq!(latency_bucket(ms), bucket, "{ms} ms");
        }
    }

    #[test]
    fn percentiles_are_nearest_rank_over_buckets() {
        // 98 fast attempts and 2 slow ones: p50 is fast, p99 is slow.
        let buckets = [(3, 98), (900, 2)];
        assert_eq!(percentile(&buckets, 50), Some(3));
        assert_eq!(percentile(&buckets, 99), Some(900));
        assert_eq!(percentile(&[(5, 1)], 99), Some(5));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn minutes_without_attempts_are_zero_rows() {
        let from = minute_of(clock::now());
        let counts = [
            AttemptCount {
                minute: from + TimeDelta::minutes(1),
                succeeded: true,
                latency_bucket_ms: 4,
                count: 3,
            },
            AttemptCount {
                minute: from + TimeDelta::minutes(1),
                succeeded: false,
                latency_bucket_ms: 20,
                count: 1,
            },
        ];
        let rows = per_minute(&counts, from, 3);
        assert_eq!(rows.len(), 3);
        assert_eq!(
            (rows[0].succeeded, rows[0].failed, rows[0].p50_ms),
            (0, 0, None)
        );
        assert_eq!((rows[1].succeeded, rows[1].failed), (3, 1));
        assert_eq!((rows[1].p50_ms, rows[1].p99_ms), (Some(4), Some(20)));
        assert_eq!(rows[2].start, from + TimeDelta::minutes(2));
    }

    #[test]
    fn a_batch_becomes_one_counter_per_key() {
        let at = clock::now();
        let record = |webhook: &str, code: u16, ms: u64| AttemptRecord {
            delivery_id: "dlv".into(),
            lease: 1,
            webhook_id: webhook.into(),
            attempt: Attempt {
                attempted_at: at,
                status_code: Some(code),
                duration_ms: ms,
                error: None,
                response_body: String::new(),
            },
            next: NextStep::Succeeded,
            disable_if_failing_since: at,
            ordered: false,
        };
        let counters = counters_of(&[
            record("wh_a", 200, 3),
            record("wh_a", 204, 3),
            record("wh_a", 500, 3),
            record("wh_b", 200, 3),
        ]);
        assert_eq!(counters.len(), 3);
        // In key order: wh_a's failure sorts before its successes.
        assert!(!counters[0].succeeded);
        assert_eq!(
            (counters[1].webhook_id.as_str(), counters[1].count),
            ("wh_a", 2)
        );
        assert_eq!(counters[2].webhook_id, "wh_b");
        assert_eq!(counters[0].minute, minute_of(at));
    }
}
