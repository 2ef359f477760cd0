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

pub mod evaluator;
pub mod guard;
pub mod scope;
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
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, Utc};
use domain::{
    Binding,
    dto::{ConnectionTest, WidgetData},
    page::{Continuation, HttpMethod, Pagination, PaginationSpec, RequestSpec},
    request::{RequestBody, Variables, bind_parameters, statements_in},
    resilience::{BreakerPolicy, CircuitBreaker},
    tool::{ApiKeyLocation, ToolAuth, ToolSettings, ToolStatus},
};
use futures::future::join_all;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use moka::{Expiry, future::Cache};
use serde_json::Value;
// Tokio's clock, so the breaker and latency follow a paused clock in tests.
use tokio::time::Instant;
use url::Url;

use self::{
    guard::{GuardedResolver, HostPolicy, refusal_in},
    scope::BaseScope,
    statements::{StatementDialect, dialect_for},
};
use crate::entities::tool;

#[derive(Clone, Debug)]
pub struct ConnectorSettings {
    /// Where tools with a relative base URL (this server's own endpoints) are reached.
    pub internal_base_url: Url,
    pub request_timeout: Duration,
    pub max_response_bytes: usize,
    pub cache_capacity: u64,
    /// Hosts that may be reached even though they resolve to internal addresses.
    pub allowed_hosts: Vec<String>,
    pub breaker: BreakerPolicy,
    /// Extra attempts after a transient failure, waiting `retry_base_delay` × 2ⁿ between.
    pub retries: u32,
    pub retry_base_delay: Duration,
    /// How long the last good answer may stand in for a failing tool.
    pub stale_for: Duration,
}

impl ConnectorSettings {
    /// Production defaults around the given self URL, timeout and allow-list.
    pub fn with_defaults(
        internal_base_url: Url,
        request_timeout: Duration,
        allowed_hosts: Vec<String>,
    ) -> Self {
        Self {
            internal_base_url,
            request_timeout,
            max_response_bytes: 8 * 1024 * 1024,
            cache_capacity: 10_000,
            allowed_hosts,
            breaker: BreakerPolicy {
                failure_threshold: 5,
                open_for_ms: 30_000,
            },
            retries: 2,
            retry_base_delay: Duration::from_millis(200),
            stale_for: Duration::from_secs(24 * 3600),
        }
    }
}

/// A tool ready to be called: its record, how it authenticates, and its decrypted secret.
#[derive(Clone)]
pub struct ToolTarget {
    pub tool: tool::Model,
    pub auth: ToolAuth,
    pub secret: Option<String>,
}

impl std::fmt::Debug for ToolTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ToolTarget")
            .field("tool", &self.tool.slug)
            .field("auth", &self.auth.type_name())
            .field("secret", &self.secret.as_ref().map(|_| "<set>"))
            .finish()
    }
}

/// Friendly, safe-to-show reasons a tool call failed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConnectorError {
    #[error("The tool \"{0}\" is not registered.")]
    UnknownTool(String),
    #[error("{tool} did not answer within {seconds} seconds.")]
    Timeout { tool: String, seconds: u64 },
    #[error("{tool} could not be reached.")]
    Unreachable { tool: String },
    #[error("{tool}: the host name could not be resolved — check the base URL.")]
    DnsFailed { tool: String },
    #[error(
        "{tool}: the secure connection failed (TLS) — check the certificate or use the right scheme."
    )]
    TlsFailed { tool: String },
    #[error(
        "{tool} rejected the credentials (expired or revoked) — update them in the tool settings."
    )]
    CredentialsRejected { tool: String },
    #[error("{tool} needs credentials; add them in the tool settings.")]
    MissingCredentials { tool: String },
    #[error("{tool} answered with HTTP {status}.")]
    Status { tool: String, status: u16 },
    #[error("{tool} answered with something other than JSON.")]
    NotJson { tool: String },
    #[error("{tool} sent more than {limit} bytes; narrow the request.")]
    TooLarge { tool: String, limit: usize },
    #[error("{tool} has an invalid address.")]
    BadUrl { tool: String },
    #[error("This request would leave the tool's base path: {tool} is only called under {base}.")]
    LeavesBasePath { tool: String, base: String },
    #[error("{tool} was not called: {reason}.")]
    Refused { tool: String, reason: String },
    #[error("{tool} is failing; calls are paused for a moment.")]
    CircuitOpen { tool: String },
    #[error("{tool} allows {per_minute} requests per minute; try again shortly.")]
    RateLimited { tool: String, per_minute: u32 },
    #[error("The data mapping for \"{target}\" failed: {reason}")]
    Mapping { target: String, reason: String },
    #[error("{tool} refused the request (HTTP {status}): {message}")]
    Rejected {
        tool: String,
        status: u16,
        message: String,
    },
    /// A GraphQL error or a failed SQL statement in an otherwise successful answer.
    #[error("{tool} reported an error: {message}")]
    Reported { tool: String, message: String },
    #[error(
        "This request would change data in {tool}, and widgets only read. Send data with a form."
    )]
    WriteInBinding { tool: String },
    #[error("{tool} is not set up for this request: {reason}.")]
    NotSetUp { tool: String, reason: String },
}

impl ConnectorError {
    /// Failures that may pass if tried again shortly.
    fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Timeout { .. } | Self::Unreachable { .. } | Self::DnsFailed { .. }
        ) || matches!(self, Self::Status { status, .. } if matches!(status, 429 | 502 | 503 | 504))
    }

    /// The status a tool shows after failing this way.
    pub fn status(&self) -> ToolStatus {
        match self {
            Self::CredentialsRejected { .. } | Self::MissingCredentials { .. } => {
                ToolStatus::CredentialsRejected
            }
            _ => ToolStatus::Failing,
        }
    }

    /// Failures that say the tool itself is unhealthy (what the circuit breaker counts).
    fn is_tool_failure(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::Unreachable { .. })
            || matches!(self, Self::Status { status, .. } if *status >= 500)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct RequestKey {
    tool_id: i32,
    base_url: String,
    /// Settings such as SQL statements shape what is sent: an edited tool starts afresh.
    tool_updated_at: DateTime<Utc>,
    /// With its placeholders filled in.
    request: RequestSpec,
}

/// What goes over the wire for one request, and how its answer is checked.
struct Prepared {
    method: reqwest::Method,
    body: Option<Value>,
    answer: AnswerCheck,
    /// Whether it only reads (may be cached and retried).
    reads: bool,
}

/// Each page of a paged answer is a plain GET.
const PAGE_GET: Prepared = Prepared {
    method: reqwest::Method::GET,
    body: None,
    answer: AnswerCheck::Plain,
    reads: true,
};

/// Redirects followed per request, each held to the tool's base path.
const MAX_REDIRECTS: usize = 5;

/// How much of a tool's own error message is shown.
const MAX_MESSAGE_CHARS: usize = 300;

#[derive(Clone, Copy)]
enum AnswerCheck {
    Plain,
    /// `errors` in a 200 answer fail the request.
    Graphql,
    Statement(&'static dyn StatementDialect),
}

#[derive(Clone, Debug)]
pub struct Fetched {
    pub body: Arc<Value>,
    pub fetched_at: DateTime<Utc>,
    /// Set when this is the last good answer standing in for a failed call: why it failed.
    pub stale: Option<String>,
    /// For a paged request that stopped before the source's end: where to read on.
    pub more: Option<Continuation>,
    ttl: Duration,
}

/// A tool's answer, and for paged reads where the next page starts.
struct Answer {
    body: Value,
    more: Option<Continuation>,
}

impl Answer {
    fn whole(body: Value) -> Self {
        Self { body, more: None }
    }
}

#[derive(Clone)]
struct AccessToken {
    value: Arc<str>,
    ttl: Duration,
}

trait TimeToLive {
    fn ttl(&self) -> Duration;
}

impl TimeToLive for Fetched {
    fn ttl(&self) -> Duration {
        self.ttl
    }
}

impl TimeToLive for AccessToken {
    fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// Each cache entry lives as long as the entry itself says.
struct PerEntryTtl;

impl<K, V: TimeToLive> Expiry<K, V> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &K,
        value: &V,
        _created_at: std::time::Instant,
    ) -> Option<Duration> {
        Some(value.ttl())
    }
}

pub struct ConnectorService {
    client: reqwest::Client,
    cache: Cache<RequestKey, Fetched>,
    /// OAuth2 access tokens per tool id.
    tokens: Cache<i32, AccessToken>,
    /// Last good answer per request, served (marked stale) when a call fails.
    last_good: Cache<RequestKey, Fetched>,
    breakers: Mutex<HashMap<i32, CircuitBreaker>>,
    /// Per tool: the configured requests per minute and its limiter.
    limiters: Mutex<HashMap<i32, (u32, Arc<DefaultDirectRateLimiter>)>>,
    started: Instant,
    /// Added to the breaker's clock: lets tests move time on without waiting for it.
    clock_offset_ms: std::sync::atomic::AtomicU64,
    hosts: HostPolicy,
    internal_origin: url::Origin,
    settings: ConnectorSettings,
    health: Arc<ToolHealth>,
}

/// What the latest real calls said about each tool, beside explicit connection tests:
/// widgets and forms exercise tools far more often than admins press Test.
#[derive(Default)]
pub struct ToolHealth {
    observed: Mutex<HashMap<i32, Observation>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Observation {
    pub status: ToolStatus,
    pub message: String,
    pub at: DateTime<Utc>,
}

impl ToolHealth {
    pub fn get(&self, tool_id: i32) -> Option<Observation> {
        self.observed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&tool_id)
            .cloned()
    }

    /// Keeps what a call says about the tool itself: an answer, rejected credentials or
    /// the tool being down. A 404 for one path or a refused value says nothing about it.
    fn record(&self, tool: &tool::Model, result: Result<(), &ConnectorError>) {
        let (status, message) = match result {
            Ok(_) => (
                ToolStatus::Ok,
                format!("{} answered a recent request.", tool.name),
            ),
            Err(err)
                if err.is_tool_failure() || err.status() == ToolStatus::CredentialsRejected =>
            {
                (err.status(), err.to_string())
            }
            Err(_) => return,
        };
        self.observed
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(
                tool.id,
                Observation {
                    status,
                    message,
                    at: Utc::now(),
                },
            );
    }
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
        let internal_origin = settings.internal_base_url.origin();
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
            internal_origin,
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

    /// One call with the tool's rate limit, up to `retries` retries of transient failures,
    /// and the circuit breaker around it.
    async fn call_guarded(
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
                    Arc::new(RateLimiter::direct(Quota::per_minute(per_minute))),
                )
            };
            let entry = limiters.entry(target.tool.id).or_insert_with(fresh);
            if entry.0 != per_minute.get() {
                *entry = fresh();
            }
            entry.1.clone()
        };
        tokio::time::timeout(self.timeout_for(target), limiter.until_ready())
            .await
            .map_err(|_| ConnectorError::RateLimited {
                tool: target.tool.name.clone(),
                per_minute: per_minute.get(),
            })
    }

    async fn call(
        &self,
        target: &ToolTarget,
        request: &RequestSpec,
    ) -> Result<Answer, ConnectorError> {
        let scope = self
            .scope_of(&target.tool.base_url)
            .ok_or_else(|| ConnectorError::BadUrl {
                tool: target.tool.name.clone(),
            })?;
        let url = scope.join(&request.path, &request.query);
        let prepared = self.prepare(target, request)?;
        match &request.pagination {
            Some(spec) if request.method == HttpMethod::Get => {
                self.call_paged(target, &scope, url, spec).await
            }
            _ => self
                .call_url(target, &scope, url, &prepared)
                .await
                .map(Answer::whole),
        }
    }

    /// The method and body to send, whether the request only reads, and how to read the
    /// answer. SQL statements come from the tool's settings; the page supplies values only.
    fn prepare(
        &self,
        target: &ToolTarget,
        request: &RequestSpec,
    ) -> Result<Prepared, ConnectorError> {
        let tool = &target.tool;
        let not_set_up = |reason: String| ConnectorError::NotSetUp {
            tool: tool.name.clone(),
            reason,
        };
        // SQL reaches a warehouse only as a statement defined on the tool: any other body
        // for its statement endpoint could carry SQL written on a page.
        if let Some(dialect) = dialect_for(&tool.kind)
            && statements::takes_sql(dialect, &request.path)
            && !matches!(request.body, Some(RequestBody::Statement { .. }))
            && request.method == HttpMethod::Post
        {
            return Err(not_set_up(
                "SQL runs only as the statements defined on the tool".to_owned(),
            ));
        }
        let (body, answer, reads) = match (&request.method, &request.body) {
            (HttpMethod::Get, _) => (None, AnswerCheck::Plain, true),
            (HttpMethod::Post, None) => (None, AnswerCheck::Plain, false),
            // Whether a JSON POST only reads is the tool's word, never the page's.
            (HttpMethod::Post, Some(RequestBody::Json { template, .. })) => (
                Some(template.0.clone()),
                AnswerCheck::Plain,
                declares_read(tool, &request.path),
            ),
            (HttpMethod::Post, Some(body @ RequestBody::Graphql { query, variables })) => {
                let mut sent = serde_json::json!({ "query": query });
                if !variables.0.is_null() {
                    sent["variables"] = variables.0.clone();
                }
                let reads = body.declared_read_only() == Some(true);
                (Some(sent), AnswerCheck::Graphql, reads)
            }
            (HttpMethod::Post, Some(RequestBody::Statement { name, parameters })) => {
                let dialect = dialect_for(&tool.kind).ok_or_else(|| {
                    not_set_up(format!("a {} tool does not run SQL statements", tool.kind))
                })?;
                let statements = statements_in(&tool.config).map_err(|issues| {
                    not_set_up(format!(
                        "its SQL statements are invalid ({})",
                        issues
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; ")
                    ))
                })?;
                let statement = statements
                    .get(name)
                    .ok_or_else(|| not_set_up(format!("it defines no SQL statement \"{name}\"")))?;
                let values = bind_parameters(statement, &parameters.0).map_err(&not_set_up)?;
                let sent = dialect.body(&tool.config, statement, &values);
                (
                    Some(sent),
                    AnswerCheck::Statement(dialect),
                    !statement.write,
                )
            }
        };
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
        };
        Ok(Prepared {
            method,
            body,
            answer,
            reads,
        })
    }

    /// Follows the tool's pages from `spec.start` (the first page when unset), at most
    /// `max_pages` of them, and returns the first answer with the items of all pages
    /// concatenated at `spec.items`, and where the next page starts if the source goes on.
    async fn call_paged(
        &self,
        target: &ToolTarget,
        scope: &BaseScope,
        url: Url,
        spec: &PaginationSpec,
    ) -> Result<Answer, ConnectorError> {
        let size = spec.page_size.max(1);
        let paging_params: Vec<&str> = match &spec.style {
            Pagination::None => vec![],
            Pagination::Offset {
                limit_param,
                offset_param,
            } => vec![limit_param, offset_param],
            Pagination::PageNumber {
                page_param,
                size_param,
            } => vec![page_param, size_param],
            Pagination::Cursor { cursor_param, .. } => vec![cursor_param],
        };
        // The binding's own query, minus what paging sets on each request.
        let base_query: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(key, _)| !paging_params.contains(&key.as_ref()))
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
        let bad_items = |reason: String| ConnectorError::Mapping {
            target: format!("pagination.items ({})", spec.items),
            reason,
        };
        let pointer = format!("/{}", spec.items.replace('.', "/"));
        let mut first: Option<Value> = None;
        let mut items = Vec::new();
        let (first_page, mut cursor) = match &spec.start {
            Some(Continuation::Page(page)) => (*page, None),
            Some(Continuation::Cursor(cursor)) => (0, Some(cursor.clone())),
            None => (0, None),
        };
        let mut next_page = first_page;
        let mut finished = false;
        for page in first_page..first_page.saturating_add(spec.max_pages.max(1)) {
            let mut page_url = url.clone();
            page_url.set_query(None);
            {
                let mut pairs = page_url.query_pairs_mut();
                pairs.extend_pairs(&base_query);
                match &spec.style {
                    Pagination::None => {}
                    Pagination::Offset {
                        limit_param,
                        offset_param,
                    } => {
                        pairs.append_pair(limit_param, &size.to_string());
                        pairs.append_pair(offset_param, &(page * size).to_string());
                    }
                    Pagination::PageNumber {
                        page_param,
                        size_param,
                    } => {
                        pairs.append_pair(size_param, &size.to_string());
                        pairs.append_pair(page_param, &(page + 1).to_string());
                    }
                    Pagination::Cursor { cursor_param, .. } => {
                        if let Some(cursor) = &cursor {
                            pairs.append_pair(cursor_param, cursor);
                        }
                    }
                }
            }
            if page_url.query() == Some("") {
                page_url.set_query(None);
            }
            let body = self.call_url(target, scope, page_url, &PAGE_GET).await?;
            let page_items = body
                .pointer(&pointer)
                .and_then(Value::as_array)
                .cloned()
                .ok_or_else(|| bad_items("the answer has no array there".to_owned()))?;
            let count = page_items.len();
            items.extend(page_items);
            cursor = match &spec.style {
                Pagination::Cursor { next_cursor, .. } => {
                    match evaluator::search(next_cursor, &body).map_err(bad_items)? {
                        Value::String(next) if !next.is_empty() => Some(next),
                        _ => None,
                    }
                }
                _ => None,
            };
            let last_page = match &spec.style {
                Pagination::None => true,
                Pagination::Offset { .. } | Pagination::PageNumber { .. } => count < size as usize,
                Pagination::Cursor { .. } => cursor.is_none(),
            };
            first.get_or_insert(body);
            next_page = page + 1;
            if last_page {
                finished = true;
                break;
            }
        }
        let mut merged = first.unwrap_or(Value::Null);
        if let Some(slot) = merged.pointer_mut(&pointer) {
            *slot = Value::Array(items);
        }
        let more = match (&spec.style, finished) {
            (_, true) | (Pagination::None, _) => None,
            (Pagination::Cursor { .. }, false) => cursor.map(Continuation::Cursor),
            (_, false) => Some(Continuation::Page(next_page)),
        };
        Ok(Answer { body: merged, more })
    }

    /// One request to `url` with the tool's credentials, checked and parsed.
    async fn call_url(
        &self,
        target: &ToolTarget,
        scope: &BaseScope,
        url: Url,
        prepared: &Prepared,
    ) -> Result<Value, ConnectorError> {
        let tool = &target.tool;
        let name = || tool.name.clone();
        let started = Instant::now();
        let (response, url) = self.send_within(target, scope, url, prepared).await?;
        let status = response.status();
        tracing::debug!(tool = %tool.slug, %url, status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "tool answered");
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(ConnectorError::CredentialsRejected { tool: name() });
        }
        let limit = self.settings.max_response_bytes;
        if status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS {
            // The tool's own explanation (a missing field, a bad value) is what people can act on.
            let explained = read_capped(response, limit.min(64 * 1024))
                .await
                .ok()
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
                .and_then(|answer| error_message(&answer));
            return Err(match explained {
                Some(message) => ConnectorError::Rejected {
                    tool: name(),
                    status: status.as_u16(),
                    message,
                },
                None => ConnectorError::Status {
                    tool: name(),
                    status: status.as_u16(),
                },
            });
        }
        if !status.is_success() {
            return Err(ConnectorError::Status {
                tool: name(),
                status: status.as_u16(),
            });
        }
        if response
            .content_length()
            .is_some_and(|length| length as usize > limit)
        {
            return Err(ConnectorError::TooLarge {
                tool: name(),
                limit,
            });
        }
        let bytes = read_capped(response, limit)
            .await
            .map_err(|err| match err {
                ReadError::TooLarge => ConnectorError::TooLarge {
                    tool: name(),
                    limit,
                },
                ReadError::Transport => ConnectorError::Unreachable { tool: name() },
            })?;
        let answer: Value =
            serde_json::from_slice(&bytes).map_err(|_| ConnectorError::NotJson { tool: name() })?;
        let failure = match prepared.answer {
            AnswerCheck::Plain => None,
            AnswerCheck::Graphql => graphql_error(&answer),
            AnswerCheck::Statement(dialect) => dialect.failure(&answer),
        };
        match failure {
            Some(message) => Err(ConnectorError::Reported {
                tool: name(),
                message: truncate(&message, MAX_MESSAGE_CHARS),
            }),
            None => Ok(answer),
        }
    }

    /// How long one request to the tool may take: its own setting, or the server default.
    fn timeout_for(&self, target: &ToolTarget) -> Duration {
        ToolSettings::lenient(&target.tool.config)
            .timeout_seconds
            .map(|seconds| Duration::from_secs(seconds.into()))
            .unwrap_or(self.settings.request_timeout)
    }

    /// `Accept: application/json` and the tool's default headers (validated when saved;
    /// anything unreadable is skipped). Auth headers are added after, so they always win.
    fn default_headers(target: &ToolTarget) -> reqwest::header::HeaderMap {
        use reqwest::header::{ACCEPT, HeaderMap, HeaderName, HeaderValue};
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for field in ToolSettings::lenient(&target.tool.config).default_headers {
            match (
                HeaderName::from_bytes(field.name.trim().as_bytes()),
                HeaderValue::from_str(&field.value),
            ) {
                (Ok(name), Ok(value)) => {
                    headers.insert(name, value);
                }
                _ => {
                    tracing::warn!(tool = %target.tool.slug, header = %field.name, "skipped an unreadable default header")
                }
            }
        }
        headers
    }

    /// Sends the request, renewing a revoked OAuth2 token once and following up to
    /// [`MAX_REDIRECTS`] redirects. Every URL — the first and each redirect's — must stay
    /// under the tool's base path and pass the SSRF guard before anything is sent to it.
    /// Returns the answer and the URL that gave it.
    async fn send_within(
        &self,
        target: &ToolTarget,
        scope: &BaseScope,
        mut url: Url,
        prepared: &Prepared,
    ) -> Result<(reqwest::Response, Url), ConnectorError> {
        let tool = &target.tool;
        let mut method = prepared.method.clone();
        let mut body = prepared.body.as_ref();
        for _ in 0..=MAX_REDIRECTS {
            self.check_destination(tool, scope, &url)?;
            let mut response = self.send(target, &url, &method, body, false).await?;
            if response.status() == reqwest::StatusCode::UNAUTHORIZED
                && matches!(target.auth, ToolAuth::Oauth2ClientCredentials { .. })
            {
                // The cached token may have been revoked early: get a new one and try once
                // more. Safe for writes too: a 401 means the tool did nothing.
                response = self.send(target, &url, &method, body, true).await?;
            }
            let status = response.status();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .filter(|_| status.is_redirection());
            let Some(location) = location else {
                return Ok((response, url));
            };
            let next = url.join(location).map_err(|_| ConnectorError::BadUrl {
                tool: tool.name.clone(),
            })?;
            // As browsers do: 303, and 301/302 after a POST, continue as a GET without body.
            if status == reqwest::StatusCode::SEE_OTHER
                || (matches!(status.as_u16(), 301 | 302) && method == reqwest::Method::POST)
            {
                method = reqwest::Method::GET;
                body = None;
            }
            url = next;
        }
        Err(ConnectorError::Refused {
            tool: tool.name.clone(),
            reason: format!("it redirected more than {MAX_REDIRECTS} times"),
        })
    }

    /// Refuses a URL off the tool's base path, or (off this server's own origin) one whose
    /// host is a literal internal address; names are checked again when they resolve.
    fn check_destination(
        &self,
        tool: &tool::Model,
        scope: &BaseScope,
        url: &Url,
    ) -> Result<(), ConnectorError> {
        if !scope.contains(url) {
            tracing::warn!(tool = %tool.slug, %url, base = %scope.base(), "refused a request off the tool's base path");
            return Err(ConnectorError::LeavesBasePath {
                tool: tool.name.clone(),
                base: scope.base().to_string(),
            });
        }
        if url.origin() != self.internal_origin {
            self.hosts
                .check_url(url)
                .map_err(|refused| ConnectorError::Refused {
                    tool: tool.name.clone(),
                    reason: refused.to_string(),
                })?;
        }
        Ok(())
    }

    /// Sends one request with the tool's credentials; `fresh_token` forces a new OAuth2 token.
    async fn send(
        &self,
        target: &ToolTarget,
        url: &Url,
        method: &reqwest::Method,
        body: Option<&Value>,
        fresh_token: bool,
    ) -> Result<reqwest::Response, ConnectorError> {
        let tool = &target.tool;
        let timeout = self.timeout_for(target);
        let secret = || {
            target
                .secret
                .clone()
                .ok_or_else(|| ConnectorError::MissingCredentials {
                    tool: tool.name.clone(),
                })
        };
        let mut builder = self
            .client
            .request(method.clone(), url.clone())
            .headers(Self::default_headers(target))
            .timeout(timeout);
        if let Some(body) = body {
            builder = builder.json(body);
        }
        builder = match &target.auth {
            ToolAuth::None => builder,
            ToolAuth::ApiKey {
                location: ApiKeyLocation::Header,
                name,
            } => builder.header(name.as_str(), secret()?),
            ToolAuth::ApiKey {
                location: ApiKeyLocation::Query,
                name,
            } => builder.query(&[(name.as_str(), secret()?)]),
            ToolAuth::Bearer => builder.bearer_auth(secret()?),
            ToolAuth::Basic { username } => builder.basic_auth(username, Some(secret()?)),
            ToolAuth::Oauth2ClientCredentials { .. } => {
                if fresh_token {
                    self.tokens.invalidate(&tool.id).await;
                }
                let token = self
                    .tokens
                    .try_get_with(tool.id, self.request_token(target))
                    .await
                    .map_err(|err: Arc<ConnectorError>| (*err).clone())?;
                builder.bearer_auth(token.value)
            }
        };
        builder
            .send()
            .await
            .map_err(|err| self.transport_error(tool, url, &err, timeout))
    }

    /// OAuth 2.0 client credentials grant (RFC 6749 §4.4).
    async fn request_token(&self, target: &ToolTarget) -> Result<AccessToken, ConnectorError> {
        let tool = &target.tool;
        let ToolAuth::Oauth2ClientCredentials {
            token_url,
            client_id,
            scope,
        } = &target.auth
        else {
            unreachable!("only OAuth2 tools request tokens");
        };
        let secret = target
            .secret
            .clone()
            .ok_or_else(|| ConnectorError::MissingCredentials {
                tool: tool.name.clone(),
            })?;
        let url = Url::parse(token_url).map_err(|_| ConnectorError::BadUrl {
            tool: tool.name.clone(),
        })?;
        self.hosts
            .check_url(&url)
            .map_err(|refused| ConnectorError::Refused {
                tool: tool.name.clone(),
                reason: refused.to_string(),
            })?;
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope.as_str()));
        }
        let timeout = self.timeout_for(target);
        let response = self
            .client
            .post(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(timeout)
            .form(&form)
            .send()
            .await
            .map_err(|err| self.transport_error(tool, &url, &err, timeout))?;
        let status = response.status();
        if matches!(status.as_u16(), 400 | 401 | 403) {
            return Err(ConnectorError::CredentialsRejected {
                tool: tool.name.clone(),
            });
        }
        if !status.is_success() {
            return Err(ConnectorError::Status {
                tool: tool.name.clone(),
                status: status.as_u16(),
            });
        }
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            access_token: String,
            expires_in: Option<u64>,
        }
        let token: TokenResponse = response.json().await.map_err(|_| ConnectorError::NotJson {
            tool: tool.name.clone(),
        })?;
        // Renew a little early so a token never expires in flight.
        let lifetime = token.expires_in.unwrap_or(3600);
        Ok(AccessToken {
            value: token.access_token.into(),
            ttl: Duration::from_secs(lifetime.saturating_sub(30).max(1)),
        })
    }

    fn transport_error(
        &self,
        tool: &tool::Model,
        url: &Url,
        err: &reqwest::Error,
        timeout: Duration,
    ) -> ConnectorError {
        if let Some(refused) = refusal_in(err) {
            return ConnectorError::Refused {
                tool: tool.name.clone(),
                reason: refused.to_string(),
            };
        }
        tracing::warn!(tool = %tool.slug, %url, error = %err, "tool request failed");
        let chain = error_chain(err);
        if chain.contains("dns error") || chain.contains("failed to lookup address") {
            return ConnectorError::DnsFailed {
                tool: tool.name.clone(),
            };
        }
        if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake") {
            return ConnectorError::TlsFailed {
                tool: tool.name.clone(),
            };
        }
        if err.is_timeout() {
            ConnectorError::Timeout {
                tool: tool.name.clone(),
                seconds: timeout.as_secs(),
            }
        } else {
            ConnectorError::Unreachable {
                tool: tool.name.clone(),
            }
        }
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
                let data = match &answers[index] {
                    Ok(fetched) => match map_values(&fetched.body, binding) {
                        Ok(values) => WidgetData::Ready {
                            values,
                            fetched_at: fetched.fetched_at,
                            stale: fetched.stale.clone(),
                            more: fetched.more.clone(),
                        },
                        Err(err) => WidgetData::Failed {
                            message: err.to_string(),
                        },
                    },
                    Err(err) => WidgetData::Failed {
                        message: err.to_string(),
                    },
                };
                ((*widget_id).to_owned(), data)
            })
            .collect()
    }
}

/// Whether the tool declares a POST of `path` with a JSON body as a read: one of its own
/// endpoints, or one of its connector template's, marked `read_only`. What a page says about
/// its own request does not count — it would let any write be retried and cached.
fn declares_read(tool: &tool::Model, path: &str) -> bool {
    let is_declared_read = |endpoint: &domain::template::EndpointTemplate| {
        endpoint.request.method == HttpMethod::Post
            && endpoint.request.path == path
            && matches!(
                endpoint.request.body,
                Some(RequestBody::Json {
                    read_only: true,
                    ..
                })
            )
    };
    ToolSettings::lenient(&tool.config)
        .endpoints
        .iter()
        .any(is_declared_read)
        || templates::of_kind(&tool.kind)
            .is_some_and(|template| template.endpoints.iter().any(is_declared_read))
}

/// The error and all its sources, lowercased, for recognising DNS and TLS failures.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = String::new();
    let mut current = Some(err);
    while let Some(error) = current {
        text.push_str(&error.to_string().to_lowercase());
        text.push('\n');
        current = error.source();
    }
    text
}

/// The first GraphQL error's message, if the answer carries any.
fn graphql_error(answer: &Value) -> Option<String> {
    let errors = answer
        .get("errors")?
        .as_array()
        .filter(|errors| !errors.is_empty())?;
    Some(
        errors[0]
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("the GraphQL request failed")
            .to_owned(),
    )
}

/// A tool's explanation of a refused request, from the common error shapes: ServiceNow
/// (`error.message` + `error.detail`), Databricks and Snowflake (`message`), GraphQL
/// (`errors[0].message`), and plain `error` strings.
fn error_message(answer: &Value) -> Option<String> {
    let text = |pointer: &str| {
        answer
            .pointer(pointer)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|text| !text.is_empty())
    };
    let message = match (text("/error/message"), text("/error/detail")) {
        (Some(message), Some(detail)) => format!("{message}: {detail}"),
        (Some(message), None) => message.to_owned(),
        (None, _) => text("/message")
            .or_else(|| text("/errors/0/message"))
            .or_else(|| text("/error"))?
            .to_owned(),
    };
    Some(truncate(&message, MAX_MESSAGE_CHARS))
}

/// At most `limit` characters, whitespace runs collapsed, `…` when cut.
fn truncate(text: &str, limit: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(limit) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

enum ReadError {
    TooLarge,
    Transport,
}

async fn read_capped(mut response: reqwest::Response, limit: usize) -> Result<Vec<u8>, ReadError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| ReadError::Transport)? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A widget's values from an answer: its binding's mapping, then its formatting steps.
pub fn map_values(
    body: &Value,
    binding: &Binding,
) -> Result<BTreeMap<String, Value>, ConnectorError> {
    let mut values = apply_mapping(body, &binding.mapping)?;
    domain::transform::apply_transforms(&mut values, &binding.transforms);
    Ok(values)
}

/// Evaluates each target's JMESPath expression against the response body.
pub fn apply_mapping(
    body: &Value,
    mapping: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, Value>, ConnectorError> {
    mapping
        .iter()
        .map(|(target, expression)| {
            let failed = |reason: String| ConnectorError::Mapping {
                target: target.clone(),
                reason,
            };
            let value = evaluator::search(expression, body).map_err(failed)?;
            Ok((target.clone(), value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mapping_evaluates_each_target() {
        let body = json!({"runs": [{"state": {"result_state": "SUCCESS"}}, {"state": {"result_state": "FAILED"}}]});
        let mapping = BTreeMap::from([
            (
                "value".to_owned(),
                "length(runs[?state.result_state=='FAILED'])".to_owned(),
            ),
            ("delta".to_owned(), "runs[0].state.result_state".to_owned()),
        ]);
        let values = apply_mapping(&body, &mapping).unwrap();
        assert_eq!(values["value"], json!(1));
        assert_eq!(values["delta"], json!("SUCCESS"));
    }

    #[test]
    fn mapping_errors_name_the_target() {
        let mapping = BTreeMap::from([("value".to_owned(), "length(`1`)".to_owned())]);
        let err = apply_mapping(&json!({}), &mapping).unwrap_err();
        assert!(
            matches!(err, ConnectorError::Mapping { ref target, .. } if target == "value"),
            "{err}"
        );
    }
}
