//! Rate limiting for logs of errors that a sender can repeat at will.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How often a repeated error is logged at most.
pub const LOG_INTERVAL: Duration = Duration::from_secs(10);

/// Lets the first occurrence of an error through, then at most one per
/// [`LOG_INTERVAL`] carrying the number of occurrences not logged since.
#[derive(Debug, Default)]
pub struct Throttle {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    last_logged: Option<Instant>,
    suppressed: u64,
}

impl Throttle {
    pub const fn new() -> Throttle {
        Throttle {
            state: Mutex::new(State {
                last_logged: None,
                suppressed: 0,
            }),
        }
    }

    /// Records one occurrence. Returns `Some(suppressed)` when this one
    /// should be logged, with the number of occurrences skipped before it.
    pub fn check(&self) -> Option<u64> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let due = state
            .last_logged
            .is_none_or(|last| now.duration_since(last) >= LOG_INTERVAL);
        if due {
            state.last_logged = Some(now);
            Some(std::mem::take(&mut state.suppressed))
        } else {
            state.suppressed += 1;
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throttle_logs_first_then_counts() {
        let throttle = Throttle::new();
        assert_eq!(throttle.check(), Some(0));
        assert_eq!(throttle.check(), None);
        assert_eq!(throttle.check(), None);
        let mut state = throttle.state.lock().unwrap();
        state.last_logged = Instant::now().checked_sub(LOG_INTERVAL);
        drop(state);
        assert_eq!(throttle.check(), Some(2));
    }
}
