//! Why a tool call failed, in words people can act on.

use domain::tool::ToolStatus;

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
    pub(super) fn is_transient(&self) -> bool {
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
    pub(super) fn is_tool_failure(&self) -> bool {
        matches!(self, Self::Timeout { .. } | Self::Unreachable { .. })
            || matches!(self, Self::Status { status, .. } if *status >= 500)
    }
}
