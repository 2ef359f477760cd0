//! Per tool: the rate limit, retries of transient failures, and the circuit breaker.

use std::{num::NonZeroU32, ops::Add, sync::Arc, time::Duration};

use domain::{page::RequestSpec, resilience::CircuitBreaker, tool::ToolSettings};
use governor::{
    Quota, RateLimiter,
    clock::{Clock, Reference},
    middleware::NoOpMiddleware,
    nanos::Nanos,
    state::{InMemoryState, NotKeyed},
};

use super::{ConnectorError, ConnectorService, ToolTarget, http::Answer};

impl ConnectorService {
    /// One call with the tool's rate limit, up to `retries` retries of transient failures,
    /// and the circuit breaker around it.
    pub(super) async fn call_guarded(
        &self,
        target: &ToolTarget,
        request: &RequestSpec,
        retries: u32,
    ) -> Result<Answer, ConnectorError> {
        let tool = &target.tool;
        // Before the breaker: a probe must not be spent waiting for the rate limit.
        self.wait_for_rate_limit(target).await?;
        if !self.with_breaker(tool.id, |breaker, now| breaker.try_acquire(now)) {
            return Err(ConnectorError::CircuitOpen {
                tool: tool.name.clone(),
            });
        }
        let mut attempt = 0;
        let result = loop {
            let result = self.call(target, request).await;
            match &result {
                Err(err) if err.is_transient() && attempt < retries => {
                    tokio::time::sleep(self.settings.retry_base_delay * 2_u32.pow(attempt)).await;
                    attempt += 1;
                }
                _ => break result,
            }
        };
        match &result {
            Err(err) if err.is_tool_failure() => {
                self.with_breaker(tool.id, |breaker, now| breaker.on_failure(now))
            }
            _ => self.with_breaker(tool.id, |breaker, _| breaker.on_success()),
        }
        self.health.record(tool, result.as_ref().map(|_| ()));
        result
    }

    fn with_breaker<T>(
        &self,
        tool_id: i32,
        action: impl FnOnce(&mut CircuitBreaker, u64) -> T,
    ) -> T {
        let now = self.started.elapsed().as_millis() as u64
            + self
                .clock_offset_ms
                .load(std::sync::atomic::Ordering::Relaxed);
        let mut breakers = self
            .breakers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let breaker = breakers
            .entry(tool_id)
            .or_insert_with(|| CircuitBreaker::new(self.settings.breaker));
        action(breaker, now)
    }

    /// Waits for the tool's rate limit (`rate_limit_per_minute` in its settings), at most as
    /// long as a request may take.
    async fn wait_for_rate_limit(&self, target: &ToolTarget) -> Result<(), ConnectorError> {
        let per_minute = ToolSettings::lenient(&target.tool.config)
            .rate_limit_per_minute
            .and_then(NonZeroU32::new);
        let Some(per_minute) = per_minute else {
            return Ok(());
        };
        let limiter = {
            let mut limiters = self
                .limiters
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let fresh = || {
                (
                    per_minute.get(),
                    Arc::new(RateLimiter::direct_with_clock(
                        Quota::per_minute(per_minute),
                        TokioClock,
                    )),
                )
            };
            let entry = limiters.entry(target.tool.id).or_insert_with(fresh);
            if entry.0 != per_minute.get() {
                *entry = fresh();
            }
            entry.1.clone()
        };
        let ready = async {
            while let Err(not_until) = limiter.check() {
                tokio::time::sleep(not_until.wait_time_from(TokioClock.now())).await;
            }
        };
        tokio::time::timeout(self.timeout_for(target), ready)
            .await
            .map_err(|_| ConnectorError::RateLimited {
                tool: target.tool.name.clone(),
                per_minute: per_minute.get(),
            })
    }
}

/// A tool's rate limiter, on tokio's clock.
pub(super) type ToolRateLimiter =
    RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<TokioInstant>>;

/// The rate limiters read tokio's clock, which is the one request timeouts wait on, so a
/// test that pauses time sees both move together.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct TokioClock;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct TokioInstant(tokio::time::Instant);

impl Add<Nanos> for TokioInstant {
    type Output = Self;

    fn add(self, other: Nanos) -> Self {
        Self(self.0 + Duration::from(other))
    }
}

impl Reference for TokioInstant {
    fn duration_since(&self, earlier: Self) -> Nanos {
        self.0.saturating_duration_since(earlier.0).into()
    }

    fn saturating_sub(&self, duration: Nanos) -> Self {
        self.0
            .checked_sub(Duration::from(duration))
            .map_or(*self, Self)
    }
}

impl Clock for TokioClock {
    type Instant = TokioInstant;

    fn now(&self) -> TokioInstant {
        TokioInstant(tokio::time::Instant::now())
    }
}
