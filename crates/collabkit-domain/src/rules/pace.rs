//! A registration's delivery rate limit (`PUT /webhooks/{id}/rate-limit`), held across nodes.
//!
//! The limit is a schedule of send times, one every `1 / per_second`, kept in the database
//! (its next free time): a node reserves a few consecutive times at once ([`chunk`]), in one
//! short transaction, and starts one attempt at each. Every node's reservations come from the
//! same schedule, so the attempts of all nodes together never start closer than the spacing,
//! whichever node holds the deliveries — no share of the rate is split between nodes, and an
//! idle node takes none. A schedule that fell behind the clock (the registration was idle)
//! restarts now: no burst is saved up.

use crate::clock::{self, Timestamp};

/// The largest limit accepted (a registration faster than that needs no limit here).
pub const MAX_PER_SECOND: u32 = 10_000;

/// Why a limit was refused, for the 400 it becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitInvalid(pub String);

/// Checks `per_second` as given (`None`: no limit).
pub fn check_rate(per_second: Option<i64>) -> Result<Option<u32>, RateLimitInvalid> {
    match per_second {
        None => Ok(None),
        Some(n) if (1..=MAX_PER_SECOND as i64).contains(&n) => Ok(Some(n as u32)),
        Some(n) => Err(RateLimitInvalid(format!(
            "`per_second` must be a whole number from 1 to {MAX_PER_SECOND} deliveries per \
             second, or null for no limit; got {n}"
        ))),
    }
}

/// How many send times a node reserves at once: about a tenth of a second's worth (so a
/// reservation is a write per tenth of a second at most, per registration and node), at least
/// one and no more than 32 (times reserved and not used are lost to the limit, never exceeded).
pub fn chunk(per_second: u32) -> u32 {
    (per_second / 10).clamp(1, 32)
}

/// The time between two sends.
pub fn spacing(per_second: u32) -> std::time::Duration {
    std::time::Duration::from_secs_f64(1.0 / f64::from(per_second.max(1)))
}

/// What a reservation got: `count` consecutive send times from `start`, one every
/// [`spacing`] of `per_second` (`count` 0: the schedule is taken until `start`, later than the
/// caller can wait; nothing was reserved, and the caller waits in the queue until then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reserved {
    pub start: Timestamp,
    pub count: u32,
    pub per_second: u32,
}

/// Reserves `count` consecutive send times from a schedule whose next free time is
/// `next_free` (`None`: never used), unless the first is more than `within` away: returns
/// what was reserved and the schedule's next free time when it moved. Only times that will be
/// used are taken, so deliveries sent back to the queue to wait never push the schedule on.
pub fn reserve(
    next_free: Option<Timestamp>,
    now: Timestamp,
    per_second: u32,
    count: u32,
    within: std::time::Duration,
) -> (Reserved, Option<Timestamp>) {
    let start = next_free.filter(|t| *t > now).unwrap_or(now);
    if start > clock::after(now, within) {
        let later = Reserved {
            start,
            count: 0,
            per_second,
        };
        return (later, None);
    }
    let span = spacing(per_second) * count;
    let got = Reserved {
        start,
        count,
        per_second,
    };
    (got, Some(clock::after(start, span)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked() {
        assert_eq!(check_rate(None), Ok(None));
        assert_eq!(check_rate(Some(1)), Ok(Some(1)));
        assert_eq!(check_rate(Some(10_000)), Ok(Some(10_000)));
        for bad in [0, -1, 10_001] {
            let e = check_rate(Some(bad)).unwrap_err();
            assert!(e.0.contains("per_second") && e.0.contains("10000"), "{e:?}");
        }
    }

    #[test]
    fn reservations_follow_one_schedule() {
        let now = clock::now();
        let second = std::time::Duration::from_secs(1);
        let (a, next) = reserve(None, now, 10, 3, second);
        assert_eq!(
            (a.start, a.count),
            (now, 3),
            "an unused schedule starts now"
        );
        let next = next.unwrap();
        assert_eq!(
            clock::between(now, next),
            std::time::Duration::from_millis(300)
        );
        // Another node right after: its times follow the first's.
        let (b, next2) = reserve(Some(next), now, 10, 2, second);
        assert_eq!((b.start, b.count), (next, 2));
        let next2 = next2.unwrap();
        assert_eq!(
            clock::between(b.start, next2),
            std::time::Duration::from_millis(200)
        );
        // Taken further ahead than the caller waits: nothing reserved, the schedule unmoved.
        let (c, moved) = reserve(
            Some(next2),
            now,
            10,
            1,
            std::time::Duration::from_millis(100),
        );
        assert_eq!((c.start, c.count, moved), (next2, 0, None));
        // Idle for a while: it restarts at the clock, with nothing saved up.
        let later = clock::after(now, std::time::Duration::from_secs(5));
        assert_eq!(reserve(Some(next2), later, 10, 1, second).0.start, later);
    }

    #[test]
    fn chunks_are_a_tenth_of_a_second_within_bounds() {
        assert_eq!(chunk(1), 1);
        assert_eq!(chunk(50), 5);
        assert_eq!(chunk(10_000), 32);
    }
}
