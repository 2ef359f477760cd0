//! Calls registered tools over HTTP and maps their answers onto widgets.
//!
//! One shared reqwest client; responses cached per identical request for the binding's TTL,
//! with concurrent identical requests coalesced into one upstream call.

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use domain::{Binding, dto::WidgetData, page::RequestSpec};
use futures::future::join_all;
use moka::{Expiry, future::Cache};
use serde_json::Value;
use url::Url;

use crate::entities::tool;

#[derive(Clone, Debug)]
pub struct ConnectorSettings {
    /// Where tools with a relative base URL (this server's own endpoints) are reached.
    pub internal_base_url: Url,
    pub request_timeout: Duration,
    pub max_response_bytes: usize,
    pub cache_capacity: u64,
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
    #[error(
        "{tool} rejected the credentials (expired or revoked) — update them in the tool settings."
    )]
    CredentialsRejected { tool: String },
    #[error("{tool} answered with HTTP {status}.")]
    Status { tool: String, status: u16 },
    #[error("{tool} answered with something other than JSON.")]
    NotJson { tool: String },
    #[error("{tool} sent more than {limit} bytes; narrow the request.")]
    TooLarge { tool: String, limit: usize },
    #[error("{tool} has an invalid address.")]
    BadUrl { tool: String },
    #[error("The data mapping for \"{target}\" failed: {reason}")]
    Mapping { target: String, reason: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct RequestKey {
    tool_id: i32,
    base_url: String,
    request: RequestSpec,
}

#[derive(Clone, Debug)]
pub struct Fetched {
    pub body: Arc<Value>,
    pub fetched_at: DateTime<Utc>,
    ttl: Duration,
}

struct PerEntryTtl;

impl Expiry<RequestKey, Fetched> for PerEntryTtl {
    fn expire_after_create(
        &self,
        _key: &RequestKey,
        value: &Fetched,
        _created_at: Instant,
    ) -> Option<Duration> {
        Some(value.ttl)
    }
}

pub struct ConnectorService {
    client: reqwest::Client,
    cache: Cache<RequestKey, Fetched>,
    settings: ConnectorSettings,
}

impl ConnectorService {
    pub fn new(settings: ConnectorSettings) -> Self {
        let client = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("platform-builder/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client configuration is valid");
        let cache = Cache::builder()
            .max_capacity(settings.cache_capacity)
            .expire_after(PerEntryTtl)
            .build();
        Self {
            client,
            cache,
            settings,
        }
    }

    /// Fetches one request, from the cache when a fresh answer is there. `force` skips the
    /// cache (the viewer's Refresh button).
    pub async fn fetch(
        &self,
        tool: &tool::Model,
        request: &RequestSpec,
        ttl_seconds: u32,
        force: bool,
    ) -> Result<Fetched, ConnectorError> {
        let key = RequestKey {
            tool_id: tool.id,
            base_url: tool.base_url.clone(),
            request: request.clone(),
        };
        if force {
            self.cache.invalidate(&key).await;
        }
        self.cache
            .try_get_with(key, async {
                let body = self.call(tool, request).await?;
                Ok(Fetched {
                    body: Arc::new(body),
                    fetched_at: Utc::now(),
                    ttl: Duration::from_secs(ttl_seconds.into()),
                })
            })
            .await
            .map_err(|err: Arc<ConnectorError>| (*err).clone())
    }

    async fn call(
        &self,
        tool: &tool::Model,
        request: &RequestSpec,
    ) -> Result<Value, ConnectorError> {
        let name = || tool.name.clone();
        let url = self
            .request_url(&tool.base_url, request)
            .ok_or_else(|| ConnectorError::BadUrl { tool: name() })?;
        let started = Instant::now();
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|err| {
                tracing::warn!(tool = %tool.slug, %url, error = %err, "tool request failed");
                if err.is_timeout() {
                    ConnectorError::Timeout {
                        tool: name(),
                        seconds: self.settings.request_timeout.as_secs(),
                    }
                } else {
                    ConnectorError::Unreachable { tool: name() }
                }
            })?;
        let status = response.status();
        tracing::debug!(tool = %tool.slug, %url, status = status.as_u16(), elapsed_ms = started.elapsed().as_millis() as u64, "tool answered");
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            return Err(ConnectorError::CredentialsRejected { tool: name() });
        }
        if !status.is_success() {
            return Err(ConnectorError::Status {
                tool: name(),
                status: status.as_u16(),
            });
        }
        let limit = self.settings.max_response_bytes;
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
        serde_json::from_slice(&bytes).map_err(|_| ConnectorError::NotJson { tool: name() })
    }

    fn request_url(&self, base_url: &str, request: &RequestSpec) -> Option<Url> {
        let mut url = if base_url.starts_with('/') {
            self.settings.internal_base_url.join(base_url).ok()?
        } else {
            Url::parse(base_url).ok()?
        };
        let path = format!("{}{}", url.path().trim_end_matches('/'), request.path);
        url.set_path(&path);
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        Some(url)
    }

    /// Resolves every bound widget: each distinct request is made once, all of them
    /// concurrently; each widget then maps the shared answer with its own expressions.
    pub async fn resolve<'a>(
        &self,
        tools: &HashMap<String, tool::Model>,
        bindings: impl IntoIterator<Item = (&'a str, &'a Binding)>,
        force: bool,
    ) -> BTreeMap<String, WidgetData> {
        let bindings: Vec<(&str, &Binding)> = bindings.into_iter().collect();
        let mut requests: Vec<(&str, &RequestSpec, u32)> = Vec::new();
        for (_, binding) in &bindings {
            match requests
                .iter_mut()
                .find(|(tool, request, _)| *tool == binding.tool && **request == binding.request)
            {
                // The shortest TTL among identical requests wins, so no widget sees older data than it asked for.
                Some(existing) => existing.2 = existing.2.min(binding.cache_ttl_seconds),
                None => requests.push((
                    binding.tool.as_str(),
                    &binding.request,
                    binding.cache_ttl_seconds,
                )),
            }
        }
        let answers = join_all(requests.iter().map(|(slug, request, ttl)| async move {
            let tool = tools
                .get(*slug)
                .ok_or_else(|| ConnectorError::UnknownTool(slug.to_string()))?;
            self.fetch(tool, request, *ttl, force).await
        }))
        .await;
        bindings
            .into_iter()
            .map(|(widget_id, binding)| {
                let index = requests
                    .iter()
                    .position(|(tool, request, _)| {
                        *tool == binding.tool && **request == binding.request
                    })
                    .expect("every binding's request was collected above");
                let data = match &answers[index] {
                    Ok(fetched) => match apply_mapping(&fetched.body, &binding.mapping) {
                        Ok(values) => WidgetData::Ready {
                            values,
                            fetched_at: fetched.fetched_at,
                        },
                        Err(err) => WidgetData::Failed {
                            message: err.to_string(),
                        },
                    },
                    Err(err) => WidgetData::Failed {
                        message: err.to_string(),
                    },
                };
                (widget_id.to_owned(), data)
            })
            .collect()
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
            let compiled = jmespath::compile(expression).map_err(|err| failed(err.to_string()))?;
            let result = compiled
                .search(body)
                .map_err(|err| failed(err.to_string()))?;
            let value = serde_json::to_value(&*result).map_err(|err| failed(err.to_string()))?;
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
