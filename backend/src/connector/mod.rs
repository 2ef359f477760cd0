//! Calls registered tools over HTTP and maps their answers onto widgets.
//!
//! One shared reqwest client; responses cached per identical request for the binding's TTL,
//! with concurrent identical requests coalesced into one upstream call. Every request passes
//! the SSRF guard and carries the tool's credentials (API key, Bearer, Basic or an OAuth2
//! client-credentials token, cached until shortly before it expires and renewed once on a 401).
//!
//! Resilience, per tool: a rate limit (requests per minute from the tool's settings), retries
//! with exponential backoff for transient failures (reads are idempotent), a circuit breaker
//! that stops calling a failing tool for a while, and the last good answer served — marked
//! stale — when a call fails.
//!
//! Reads and writes: GETs, read-only JSON POSTs, GraphQL queries and SQL statements not marked
//! `write` are reads (`fetch`: cached, coalesced, retried). Everything else changes data in
//! the tool and goes through `submit` only: one attempt, never cached, never coalesced.

mod cache;
mod error;
pub mod evaluator;
pub mod guard;
mod health;
mod http;
mod oauth;
mod paging;
mod prepare;
mod resilience;
pub mod scope;
mod settings;
pub mod statements;
pub mod templates;
#[cfg(test)]
mod tests_http;
#[cfg(test)]
mod tests_post;
#[cfg(test)]
mod tests_scope;

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;
use domain::{
    Binding,
    dto::{ConnectionTest, WidgetData},
    page::RequestSpec,
    request::Variables,
    resilience::CircuitBreaker,
    tool::ToolStatus,
};
use futures::future::join_all;
use moka::future::Cache;
use serde_json::Value;
// Tokio's clock, so the breaker and latency follow a paused clock in tests.
use tokio::time::Instant;
use url::Url;

pub use self::{
    cache::Fetched,
    error::ConnectorError,
    health::{Observation, ToolHealth},
    settings::{ConnectorSettings, RegisteredTool, ToolTarget},
};
use self::{
    cache::{PerEntryTtl, RequestKey},
    guard::{GuardedResolver, HostPolicy},
    oauth::AccessToken,
    scope::BaseScope,
};
use crate::pages::resolve::widget_data;
pub use crate::pages::resolve::{apply_mapping, map_values};

/// The `kind` of one-off targets that are notification channels, not tools: their answers
/// may be plain text (Slack answers `ok`).
pub const CHANNEL_KIND: &str = "channel";

pub struct ConnectorService {
    client: reqwest::Client,
    cache: Cache<RequestKey, Fetched>,
    /// OAuth2 access tokens per tool id.
    tokens: Cache<i32, AccessToken>,
    /// Last good answer per request, served (marked stale) when a call fails.
    last_good: Cache<RequestKey, Fetched>,
    breakers: Mutex<HashMap<i32, CircuitBreaker>>,
    /// Per tool: the configured requests per minute and its limiter.
    limiters: Mutex<HashMap<i32, (u32, Arc<resilience::ToolRateLimiter>)>>,
    started: Instant,
    /// Added to the breaker's clock: lets tests move time on without waiting for it.
    clock_offset_ms: std::sync::atomic::AtomicU64,
    hosts: HostPolicy,
    /// This server's own origin, when its demo stand-ins may be called without the guard.
    demo_origin: Option<url::Origin>,
    settings: ConnectorSettings,
    health: Arc<ToolHealth>,
}

impl ConnectorService {
    #[expect(
        clippy::expect_used,
        reason = "the HTTP client's fixed configuration is valid"
    )]
    pub fn new(settings: ConnectorSettings) -> Self {
        // This server's own endpoints (the built-in demo tools) are exempt by origin in
        // `call`, not by host, so other ports on the same host stay guarded.
        let hosts = HostPolicy::new(settings.allowed_hosts.clone());
        let client = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("platform-builder/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(GuardedResolver {
                policy: hosts.clone(),
            }))
            // Redirects are followed by `send_within`, which holds each hop to the tool's
            // base path and the SSRF guard before anything is sent there.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("the HTTP client configuration is valid");
        let cache = Cache::builder()
            .max_capacity(settings.cache_capacity)
            .expire_after(PerEntryTtl)
            .support_invalidation_closures()
            .build();
        let tokens = Cache::builder()
            .max_capacity(10_000)
            .expire_after(PerEntryTtl)
            .build();
        let last_good = Cache::builder()
            .max_capacity(settings.cache_capacity)
            .time_to_live(settings.stale_for)
            .build();
        let demo_origin = settings
            .demo_tools
            .then(|| settings.internal_base_url.origin());
        Self {
            client,
            cache,
            tokens,
            last_good,
            breakers: Mutex::default(),
            limiters: Mutex::default(),
            started: Instant::now(),
            clock_offset_ms: Default::default(),
            hosts,
            demo_origin,
            settings,
            health: Arc::default(),
        }
    }

    /// Moves the breaker's clock on, as if `by` had passed.
    #[cfg(test)]
    fn advance_clock(&self, by: Duration) {
        self.clock_offset_ms
            .fetch_add(by.as_millis() as u64, std::sync::atomic::Ordering::Relaxed);
    }

    /// What recent calls said about each tool; shared with the tool service's listings.
    pub fn health(&self) -> Arc<ToolHealth> {
        self.health.clone()
    }

    /// Fetches one request, from the cache when a fresh answer is there. `force` skips the
    /// cache (the viewer's Refresh button).
    /// Only reads: a request that would change data is refused (see `submit`). Placeholders
    /// must already be filled in (`RequestSpec::rendered`).
    pub async fn fetch(
        &self,
        target: &ToolTarget,
        request: &RequestSpec,
        ttl_seconds: u32,
        force: bool,
    ) -> Result<Fetched, ConnectorError> {
        if !self.prepare(target, request)?.reads {
            return Err(ConnectorError::WriteInBinding {
                tool: target.tool.name.clone(),
            });
        }
        let key = RequestKey {
            tool_id: target.tool.id,
            base_url: target.tool.base_url.clone(),
            tool_updated_at: target.tool.updated_at,
            request: request.clone(),
        };
        if force {
            self.cache.invalidate(&key).await;
        }
        let fresh = self
            .cache
            .try_get_with(key.clone(), async {
                let answer = self
                    .call_guarded(target, request, self.settings.retries)
                    .await?;
                let fetched = Fetched {
                    body: Arc::new(answer.body),
                    fetched_at: Utc::now(),
                    stale: None,
                    more: answer.more,
                    ttl: Duration::from_secs(ttl_seconds.into()),
                };
                self.last_good.insert(key.clone(), fetched.clone()).await;
                Ok(fetched)
            })
            .await
            .map_err(|err: Arc<ConnectorError>| (*err).clone());
        match fresh {
            Ok(fetched) => Ok(fetched),
            Err(err) => match self.last_good.get(&key).await {
                Some(last) => Ok(Fetched {
                    stale: Some(err.to_string()),
                    ..last
                }),
                None => Err(err),
            },
        }
    }

    /// Sends a request that changes data (a form submission): exactly one attempt through
    /// the rate limit and circuit breaker — a retry could create a second record — never
    /// cached, never shared with an identical submission. Cached answers of the tool are
    /// dropped afterwards, so the next read shows the change.
    pub async fn submit(
        &self,
        target: &ToolTarget,
        request: &RequestSpec,
    ) -> Result<Value, ConnectorError> {
        let result = self.call_guarded(target, request, 0).await;
        if result.is_ok() {
            self.invalidate_tool(target.tool.id);
        }
        result.map(|answer| answer.body)
    }

    /// Drops every cached answer of a tool, e.g. when it pushed news through its webhook.
    pub fn invalidate_tool(&self, tool_id: i32) {
        // Only fails when closures are not enabled on the cache, which they are.
        let _ = self
            .cache
            .invalidate_entries_if(move |key, _| key.tool_id == tool_id);
    }

    /// Tries one request straight at the tool — no cache, no breaker, no stale fallback — and
    /// reports what an admin needs to know.
    pub async fn probe(&self, target: &ToolTarget, request: &RequestSpec) -> ConnectionTest {
        const PREVIEW_CHARS: usize = 2000;
        let started = Instant::now();
        let outcome = self.call(target, request).await.map(|answer| answer.body);
        let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        match outcome {
            Ok(body) => {
                let pretty = serde_json::to_string_pretty(&body).unwrap_or_default();
                let preview = match pretty.char_indices().nth(PREVIEW_CHARS) {
                    Some((cut, _)) => format!("{}\n…", &pretty[..cut]),
                    None => pretty,
                };
                ConnectionTest {
                    ok: true,
                    status: ToolStatus::Ok,
                    latency_ms,
                    message: format!("{} answered in {latency_ms} ms.", target.tool.name),
                    preview: Some(preview),
                }
            }
            Err(err) => ConnectionTest {
                ok: false,
                status: err.status(),
                latency_ms,
                message: err.to_string(),
                preview: None,
            },
        }
    }

    /// Where the tool's requests may go: its base URL, relative ones on this server.
    fn scope_of(&self, base_url: &str) -> Option<BaseScope> {
        let base = if base_url.starts_with('/') {
            self.settings.internal_base_url.join(base_url).ok()?
        } else {
            Url::parse(base_url).ok()?
        };
        Some(BaseScope::of(base))
    }

    /// Resolves every bound widget: each distinct request (placeholders filled from
    /// `variables`) is made once, all of them concurrently; each widget then maps the shared
    /// answer with its own expressions.
    pub async fn resolve<'a>(
        &self,
        tools: &HashMap<String, ToolTarget>,
        bindings: impl IntoIterator<Item = (&'a str, &'a Binding)>,
        variables: &Variables,
        force: bool,
    ) -> BTreeMap<String, WidgetData> {
        let bindings: Vec<(&str, &Binding, RequestSpec)> = bindings
            .into_iter()
            .map(|(id, binding)| (id, binding, binding.request.rendered(variables)))
            .collect();
        let mut requests: Vec<(&str, &RequestSpec, u32)> = Vec::new();
        for (_, binding, request) in &bindings {
            match requests
                .iter_mut()
                .find(|entry| entry.0 == binding.tool && entry.1 == request)
            {
                // The shortest TTL among identical requests wins, so no widget sees older data than it asked for.
                Some(existing) => existing.2 = existing.2.min(binding.cache_ttl_seconds),
                None => requests.push((binding.tool.as_str(), request, binding.cache_ttl_seconds)),
            }
        }
        let answers = join_all(requests.iter().map(|(slug, request, ttl)| async move {
            let target = tools
                .get(*slug)
                .ok_or_else(|| ConnectorError::UnknownTool(slug.to_string()))?;
            self.fetch(target, request, *ttl, force).await
        }))
        .await;
        bindings
            .iter()
            .map(|(widget_id, binding, request)| {
                #[expect(
                    clippy::expect_used,
                    reason = "every binding's request was collected above"
                )]
                let index = requests
                    .iter()
                    .position(|entry| entry.0 == binding.tool && entry.1 == request)
                    .expect("every binding's request was collected above");
                let data = widget_data(&answers[index], binding);
                ((*widget_id).to_owned(), data)
            })
            .collect()
    }
}
