//! Sign-in throttling: failed attempts are counted per account and per client address in a
//! fixed window; past the limit, sign-in is refused (even with the right password) until the
//! window that started with the first failure has passed.

use std::{collections::HashMap, net::IpAddr, sync::Mutex};

use chrono::{DateTime, Duration, Utc};

#[derive(Clone, Copy, Debug)]
pub struct ThrottleLimits {
    pub per_account: u32,
    pub per_address: u32,
    pub window: Duration,
}

impl Default for ThrottleLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 20,
            window: Duration::minutes(15),
        }
    }
}

/// Most keys tracked at once; beyond it, expired windows are dropped first and then the
/// oldest, so a flood of made-up accounts cannot grow memory without bound.
const MAX_TRACKED: usize = 50_000;

#[derive(Clone, Copy, Debug)]
struct Window {
    started: DateTime<Utc>,
    failures: u32,
}

#[derive(Debug, Default)]
pub struct SignInThrottle {
    limits: ThrottleLimits,
    windows: Mutex<HashMap<String, Window>>,
}

/// Which limit refused a sign-in, and when it may be tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after_seconds: u32,
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

fn address_key(address: IpAddr) -> String {
    format!("address:{address}")
}

impl SignInThrottle {
    pub fn new(limits: ThrottleLimits) -> Self {
        Self {
            limits,
            windows: Mutex::default(),
        }
    }

    fn keys(&self, email: &str, address: Option<IpAddr>) -> Vec<(String, u32)> {
        let mut keys = vec![(account_key(email), self.limits.per_account)];
        if let Some(address) = address {
            keys.push((address_key(address), self.limits.per_address));
        }
        keys
    }

    /// Refuses when the account or the address has used up its failures in this window.
    pub fn check(
        &self,
        email: &str,
        address: Option<IpAddr>,
        now: DateTime<Utc>,
    ) -> Result<(), Throttled> {
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        let wait = self
            .keys(email, address)
            .into_iter()
            .filter_map(|(key, limit)| {
                let window = windows.get(&key)?;
                let ends = window.started + self.limits.window;
                (window.failures >= limit && ends > now).then(|| (ends - now).num_seconds())
            })
            .max();
        match wait {
            Some(seconds) => Err(Throttled {
                retry_after_seconds: u32::try_from(seconds.max(1)).unwrap_or(u32::MAX),
            }),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, email: &str, address: Option<IpAddr>, now: DateTime<Utc>) {
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= MAX_TRACKED {
            let window = self.limits.window;
            windows.retain(|_, kept| kept.started + window > now);
            if windows.len() >= MAX_TRACKED
                && let Some(oldest) = windows
                    .iter()
                    .min_by_key(|(_, kept)| kept.started)
                    .map(|(key, _)| key.clone())
            {
                windows.remove(&oldest);
            }
        }
        for (key, _) in self.keys(email, address) {
            let window = windows.entry(key).or_insert(Window {
                started: now,
                failures: 0,
            });
            if window.started + self.limits.window <= now {
                *window = Window {
                    started: now,
                    failures: 0,
                };
            }
            window.failures += 1;
        }
    }

    /// A successful sign-in clears the account's count (not the address's: one good
    /// password must not reset guessing at other accounts from the same place).
    pub fn record_success(&self, email: &str) {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&account_key(email));
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.windows.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn limits() -> ThrottleLimits {
        ThrottleLimits {
            per_account: 3,
            per_address: 5,
            window: Duration::minutes(15),
        }
    }

    #[test]
    fn an_account_is_refused_after_its_failures_until_the_window_ends() {
        let throttle = SignInThrottle::new(limits());
        let now = start();
        for _ in 0..3 {
            assert!(throttle.check("a@x", None, now).is_ok());
            throttle.record_failure("a@x", None, now);
        }
        assert_eq!(
            throttle.check("a@x", None, now + Duration::minutes(5)),
            Err(Throttled {
                retry_after_seconds: 600
            })
        );
        assert!(throttle.check("b@x", None, now).is_ok(), "other accounts");
        assert!(
            throttle
                .check("a@x", None, now + Duration::minutes(15))
                .is_ok()
        );
    }

    #[test]
    fn one_address_guessing_many_accounts_is_refused() {
        let throttle = SignInThrottle::new(limits());
        let address: IpAddr = "203.0.113.9".parse().unwrap();
        let now = start();
        for n in 0..5 {
            throttle.record_failure(&format!("user{n}@x"), Some(address), now);
        }
        assert!(throttle.check("fresh@x", Some(address), now).is_err());
        assert!(
            throttle
                .check("fresh@x", Some("203.0.113.10".parse().unwrap()), now)
                .is_ok()
        );
    }

    #[test]
    fn success_clears_the_account_but_not_the_address() {
        let throttle = SignInThrottle::new(limits());
        let address: IpAddr = "203.0.113.9".parse().unwrap();
        let now = start();
        for _ in 0..2 {
            throttle.record_failure("a@x", Some(address), now);
        }
        throttle.record_success("a@x");
        throttle.record_failure("a@x", Some(address), now);
        throttle.record_failure("a@x", Some(address), now);
        assert!(throttle.check("a@x", None, now).is_ok(), "count restarted");
        throttle.record_failure("a@x", Some(address), now);
        assert!(throttle.check("z@x", Some(address), now).is_err());
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_names() {
        let throttle = SignInThrottle::new(limits());
        let now = start();
        for n in 0..(MAX_TRACKED + 10) {
            throttle.record_failure(&format!("u{n}"), None, now);
        }
        assert!(throttle.tracked() <= MAX_TRACKED);
    }
}
