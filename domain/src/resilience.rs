//! The circuit breaker's rules, with time passed in so they are testable to the millisecond.
//!
//! Closed: calls go through; `failure_threshold` consecutive failures open it. Open: calls
//! are refused until `open_for_ms` has passed, then it turns half-open. Half-open: exactly
//! one probe call goes through; success closes the breaker, failure opens it again.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BreakerPolicy {
    pub failure_threshold: u32,
    pub open_for_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BreakerState {
    Closed { consecutive_failures: u32 },
    Open { until_ms: u64 },
    HalfOpen { probe_in_flight: bool },
}

#[derive(Clone, Debug)]
pub struct CircuitBreaker {
    policy: BreakerPolicy,
    state: BreakerState,
}

impl CircuitBreaker {
    pub fn new(policy: BreakerPolicy) -> Self {
        Self {
            policy,
            state: BreakerState::Closed {
                consecutive_failures: 0,
            },
        }
    }

    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// Whether a call may go ahead at `now_ms`; in half-open state only one probe at a time.
    pub fn try_acquire(&mut self, now_ms: u64) -> bool {
        match self.state {
            BreakerState::Closed { .. } => true,
            BreakerState::Open { until_ms } if now_ms >= until_ms => {
                self.state = BreakerState::HalfOpen {
                    probe_in_flight: true,
                };
                true
            }
            BreakerState::Open { .. } => false,
            BreakerState::HalfOpen {
                probe_in_flight: true,
            } => false,
            BreakerState::HalfOpen {
                probe_in_flight: false,
            } => {
                self.state = BreakerState::HalfOpen {
                    probe_in_flight: true,
                };
                true
            }
        }
    }

    pub fn on_success(&mut self) {
        self.state = BreakerState::Closed {
            consecutive_failures: 0,
        };
    }

    pub fn on_failure(&mut self, now_ms: u64) {
        let open = BreakerState::Open {
            until_ms: now_ms + self.policy.open_for_ms,
        };
        self.state = match self.state {
            BreakerState::Closed {
                consecutive_failures,
            } if consecutive_failures + 1 >= self.policy.failure_threshold => open,
            BreakerState::Closed {
                consecutive_failures,
            } => BreakerState::Closed {
                consecutive_failures: consecutive_failures + 1,
            },
            BreakerState::HalfOpen { .. } | BreakerState::Open { .. } => open,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerPolicy {
            failure_threshold: 3,
            open_for_ms: 1000,
        })
    }

    #[test]
    fn opens_after_consecutive_failures_only() {
        let mut breaker = breaker();
        breaker.on_failure(0);
        breaker.on_failure(0);
        breaker.on_success();
        breaker.on_failure(0);
        breaker.on_failure(0);
        assert_eq!(
            breaker.state(),
            BreakerState::Closed {
                consecutive_failures: 2
            }
        );
        breaker.on_failure(10);
        assert_eq!(breaker.state(), BreakerState::Open { until_ms: 1010 });
        assert!(!breaker.try_acquire(1009));
    }

    #[test]
    fn half_open_lets_one_probe_through_and_its_outcome_decides() {
        let mut breaker = breaker();
        for _ in 0..3 {
            breaker.on_failure(0);
        }
        assert!(breaker.try_acquire(1000), "the probe");
        assert!(!breaker.try_acquire(1000), "only one probe at a time");
        breaker.on_failure(1200);
        assert_eq!(breaker.state(), BreakerState::Open { until_ms: 2200 });
        assert!(breaker.try_acquire(2200));
        breaker.on_success();
        assert_eq!(
            breaker.state(),
            BreakerState::Closed {
                consecutive_failures: 0
            }
        );
        assert!(breaker.try_acquire(2201));
    }
}
