//! How the connector is set up, and the tool a call goes to.

use std::time::Duration;

use domain::{resilience::BreakerPolicy, tool::ToolAuth};
use url::Url;

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
    /// This server's demo stand-ins are served (DEMO_TOOLS): calls to its own `/mock/…` skip
    /// the SSRF guard. Off, this server's own address is as internal as any other.
    pub demo_tools: bool,
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
            demo_tools: false,
        }
    }
}

/// What the connector needs of a registered tool: who it is and where it is reached.
#[derive(Clone, Debug, PartialEq)]
pub struct RegisteredTool {
    pub id: i32,
    pub org_id: i32,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub base_url: String,
    /// The tool's settings as stored (`domain::tool::ToolSettings` reads them).
    pub config: serde_json::Value,
    /// When the tool last changed: cached answers from before are not reused.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<&tool::Model> for RegisteredTool {
    fn from(model: &tool::Model) -> Self {
        Self {
            id: model.id,
            org_id: model.org_id,
            slug: model.slug.clone(),
            name: model.name.clone(),
            kind: model.kind.clone(),
            base_url: model.base_url.clone(),
            config: model.config.clone(),
            updated_at: model.updated_at,
        }
    }
}

/// A tool ready to be called: its record, how it authenticates, and its decrypted secret.
#[derive(Clone)]
pub struct ToolTarget {
    pub tool: RegisteredTool,
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
