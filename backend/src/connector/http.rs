//! One request over HTTP: credentials, default headers, redirects held to the tool's base
//! path, transport failures named, and the answer read within its size limit and checked.

use std::{sync::Arc, time::Duration};

use domain::{
    page::{Continuation, HttpMethod, RequestSpec},
    tool::{ApiKeyLocation, ToolAuth, ToolSettings},
};
use serde_json::Value;
// Tokio's clock, so latency follows a paused clock in tests.
use tokio::time::Instant;
use url::Url;

use super::RegisteredTool;
use super::{
    ConnectorError, ConnectorService, ToolTarget,
    guard::refusal_in,
    prepare::{AnswerCheck, Prepared},
    scope::BaseScope,
};

/// Redirects followed per request, each held to the tool's base path.
const MAX_REDIRECTS: usize = 5;

/// How much of a tool's own error message is shown.
const MAX_MESSAGE_CHARS: usize = 300;

/// A tool's answer, and for paged reads where the next page starts.
pub(super) struct Answer {
    pub(super) body: Value,
    pub(super) more: Option<Continuation>,
}

impl Answer {
    pub(super) fn whole(body: Value) -> Self {
        Self { body, more: None }
    }
}

impl ConnectorService {
    pub(super) async fn call(
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

    /// One request to `url` with the tool's credentials, checked and parsed.
    pub(super) async fn call_url(
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
        let answer: Value = match serde_json::from_slice(&bytes) {
            Ok(answer) => answer,
            // Messaging webhooks answer `ok`, `1` or nothing at all.
            Err(_) if tool.kind == super::CHANNEL_KIND => Value::String(truncate(
                &String::from_utf8_lossy(&bytes),
                MAX_MESSAGE_CHARS,
            )),
            Err(_) => return Err(ConnectorError::NotJson { tool: name() }),
        };
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
    pub(super) fn timeout_for(&self, target: &ToolTarget) -> Duration {
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
        tool: &RegisteredTool,
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
        let demo_call = self
            .demo_origin
            .as_ref()
            .is_some_and(|origin| url.origin() == *origin && url.path().starts_with("/mock/"));
        if !demo_call {
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

    pub(super) fn transport_error(
        &self,
        tool: &RegisteredTool,
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
