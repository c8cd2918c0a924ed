//! Token buckets: `rate` a second, bursts up to twice that.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One bucket (a WebSocket connection's messages, an account's requests).
#[derive(Debug, Clone)]
pub struct TokenBucket {
    rate: f64,
    tokens: f64,
    last: Instant,
}

impl TokenBucket {
    pub fn new(rate: u32) -> TokenBucket {
        TokenBucket {
            rate: rate as f64,
            tokens: rate as f64 * 2.0,
            last: Instant::now(),
        }
    }

    /// Takes a token if there is one; otherwise says how long until there is.
    pub fn take(&mut self) -> Result<(), Duration> {
        let now = Instant::now();
        let refill = now.duration_since(self.last).as_secs_f64() * self.rate;
        self.tokens = (self.tokens + refill).min(self.rate * 2.0);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - self.tokens) / self.rate))
        }
    }
}

/// A bucket per key (an account id), made on first use; `rate` 0 means no limit.
pub struct KeyedLimiter {
    rate: u32,
    buckets: Mutex<HashMap<String, TokenBucket>>,
}

impl KeyedLimiter {
    pub fn new(rate: u32) -> KeyedLimiter {
        KeyedLimiter {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn take(&self, key: &str) -> Result<(), Duration> {
        if self.rate == 0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(bucket) = buckets.get_mut(key) {
            return bucket.take();
        }
        let mut bucket = TokenBucket::new(self.rate);
        let taken = bucket.take();
        buckets.insert(key.to_owned(), bucket);
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursts_of_twice_the_rate_then_the_rate() {
        let limiter = KeyedLimiter::new(5);
        for _ in 0..10 {
            assert!(limiter.take("a").is_ok());
        }
        let wait = limiter.take("a").unwrap_err();
        assert!(wait <= Duration::from_millis(200), "{wait:?}");
        assert!(limiter.take("b").is_ok(), "keys are independent");
        std::thread::sleep(Duration::from_millis(250));
        assert!(limiter.take("a").is_ok(), "refilled at the rate");
        assert!(KeyedLimiter::new(0).take("a").is_ok());
    }
}
