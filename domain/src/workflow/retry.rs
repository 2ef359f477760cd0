//! When a failed step is tried again. The engine stores the next attempt's time with the
//! step, so a retry survives a restart; this module only computes that time. Jitter comes
//! in as a number in [0, 1] so the schedule is a pure function the tests can pin.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub const MAX_ATTEMPTS: u32 = 10;
pub const MAX_DELAY_MS: u64 = 60 * 60 * 1000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Tries in all, the first included: 1 means never retry.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    /// Wait before the second try; each later wait is `factor` times longer.
    #[serde(default = "default_initial_delay")]
    pub initial_delay_ms: u64,
    #[serde(default = "default_factor")]
    pub factor: u32,
    /// No wait is longer than this.
    #[serde(default = "default_max_delay")]
    pub max_delay_ms: u64,
}

fn default_attempts() -> u32 {
    3
}

fn default_initial_delay() -> u64 {
    2_000
}

fn default_factor() -> u32 {
    2
}

fn default_max_delay() -> u64 {
    5 * 60 * 1000
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: default_attempts(),
            initial_delay_ms: default_initial_delay(),
            factor: default_factor(),
            max_delay_ms: default_max_delay(),
        }
    }
}

impl RetryPolicy {
    /// How long to wait after failed attempt `attempt` (1 for the first try) before the
    /// next, or `None` when no tries are left. Exponential, capped, with "equal jitter":
    /// half the delay is fixed and half is spread by `jitter`, so retries of many runs do
    /// not arrive together and no wait shrinks to nothing.
    pub fn delay_after(&self, attempt: u32, jitter: f64) -> Option<Duration> {
        if attempt >= self.max_attempts.min(MAX_ATTEMPTS) {
            return None;
        }
        let growth = u64::from(self.factor.max(1)).saturating_pow(attempt.saturating_sub(1));
        let full = self
            .initial_delay_ms
            .saturating_mul(growth)
            .min(self.max_delay_ms)
            .min(MAX_DELAY_MS);
        let half = full / 2;
        let spread = ((full - half) as f64 * jitter.clamp(0.0, 1.0)) as u64;
        Some(Duration::from_millis(half + spread))
    }

    /// What is wrong with the policy, as (field, message).
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        if self.max_attempts == 0 || self.max_attempts > MAX_ATTEMPTS {
            problems.push((
                "max_attempts",
                format!("tries must be between 1 and {MAX_ATTEMPTS}"),
            ));
        }
        if self.max_delay_ms > MAX_DELAY_MS {
            problems.push(("max_delay_ms", "waits are at most an hour".to_owned()));
        }
        if self.initial_delay_ms > self.max_delay_ms {
            problems.push((
                "initial_delay_ms",
                "the first wait is longer than the longest wait allowed".to_owned(),
            ));
        }
        if self.factor == 0 || self.factor > 10 {
            problems.push(("factor", "each wait grows 1 to 10 times".to_owned()));
        }
        problems
    }
}

/// Why an attempt failed, which decides whether it is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The other side is down or slow (5xx, 429, timeout, connection refused): retried.
    Unavailable,
    /// The other side refused what was sent (4xx): trying again would not help.
    Refused,
    /// Refused before sending: the address is not allowed or the tool's circuit is open.
    Blocked,
    /// The step's settings cannot be carried out (a template value is missing, say).
    Invalid,
}

impl FailureKind {
    pub fn retried(self) -> bool {
        self == FailureKind::Unavailable
    }

    /// The kind of failure an HTTP status means.
    pub fn of_status(status: u16) -> Self {
        match status {
            429 | 408 | 500..=599 => FailureKind::Unavailable,
            _ => FailureKind::Refused,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_by_the_factor_up_to_the_cap_and_stop_when_tries_run_out() {
        let policy = RetryPolicy {
            max_attempts: 5,
            initial_delay_ms: 1_000,
            factor: 3,
            max_delay_ms: 5_000,
        };
        // With the most jitter each wait is the full delay…
        let full: Vec<_> = (1..=5)
            .map(|attempt| policy.delay_after(attempt, 1.0).map(|d| d.as_millis()))
            .collect();
        assert_eq!(
            full,
            [Some(1_000), Some(3_000), Some(5_000), Some(5_000), None]
        );
        // …and with none, half of it.
        assert_eq!(
            policy.delay_after(2, 0.0),
            Some(Duration::from_millis(1_500))
        );
        assert_eq!(policy.delay_after(1, 0.5), Some(Duration::from_millis(750)));
    }

    #[test]
    fn one_try_means_no_retry() {
        let once = RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        };
        assert_eq!(once.delay_after(1, 0.3), None);
        assert_eq!(
            RetryPolicy::default().delay_after(2, 0.0),
            Some(Duration::from_millis(2_000))
        );
        assert_eq!(RetryPolicy::default().delay_after(3, 0.0), None);
    }

    #[test]
    fn huge_factors_saturate_instead_of_overflowing() {
        let policy = RetryPolicy {
            max_attempts: 10,
            initial_delay_ms: 1_000,
            factor: 10,
            max_delay_ms: MAX_DELAY_MS,
        };
        assert_eq!(
            policy.delay_after(9, 1.0),
            Some(Duration::from_millis(MAX_DELAY_MS))
        );
    }

    #[test]
    fn bad_policies_name_the_field() {
        let bad = RetryPolicy {
            max_attempts: 0,
            initial_delay_ms: 10_000,
            factor: 0,
            max_delay_ms: 1_000,
        };
        let fields: Vec<_> = bad.problems().into_iter().map(|(field, _)| field).collect();
        assert_eq!(fields, ["max_attempts", "initial_delay_ms", "factor"]);
        assert!(RetryPolicy::default().problems().is_empty());
    }

    #[test]
    fn only_unavailability_is_retried() {
        assert!(FailureKind::of_status(503).retried());
        assert!(FailureKind::of_status(429).retried());
        assert!(!FailureKind::of_status(400).retried());
        assert!(!FailureKind::of_status(404).retried());
        assert!(!FailureKind::Blocked.retried());
        assert!(!FailureKind::Invalid.retried());
    }
}
