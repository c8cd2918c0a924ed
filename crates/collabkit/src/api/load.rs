//! The API's load limiter: at most `--max-in-flight` requests are handled at once (the rest
//! are refused, see [`super::shed_overload`]), and past half of it the webhook attempts yield
//! to the API (see [`crate::delivery::dispatcher::Load`]).

use std::sync::Arc;

use tokio::sync::{Semaphore, SemaphorePermit};

/// The API's requests being handled (permits taken) and their cap; cheap to clone.
#[derive(Clone)]
pub struct ApiLoad {
    in_flight: Arc<Semaphore>,
    max: usize,
}

impl ApiLoad {
    pub fn new(max: usize) -> ApiLoad {
        let max = max.max(1);
        ApiLoad {
            in_flight: Arc::new(Semaphore::new(max)),
            max,
        }
    }

    /// A place for one more request, or `None` at the cap.
    pub fn try_enter(&self) -> Option<SemaphorePermit<'_>> {
        self.in_flight.try_acquire().ok()
    }
}

impl crate::delivery::dispatcher::Load for ApiLoad {
    fn busy(&self) -> bool {
        self.max - self.in_flight.available_permits() > self.max / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::dispatcher::Load;

    #[test]
    fn busy_past_half_and_full_at_the_cap() {
        let load = ApiLoad::new(4);
        let a = load.try_enter().unwrap();
        let b = load.try_enter().unwrap();
        assert!(!load.busy(), "half is not busy yet");
        let c = load.try_enter().unwrap();
        assert!(load.busy());
        let _d = load.try_enter().unwrap();
        assert!(load.try_enter().is_none());
        drop((a, b, c));
        assert!(!load.busy());
    }
}
