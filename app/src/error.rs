use domain::{ErrorBody, ErrorCode};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// What server functions return on failure: a stable code and a message safe to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError(pub ErrorBody);

impl AppError {
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let body = match value {
            ServerFnErrorErr::Request(_) => ErrorBody::new(
                ErrorCode::Upstream,
                "Could not reach the server. Check your connection and try again.",
            ),
            ServerFnErrorErr::Args(detail) | ServerFnErrorErr::MissingArg(detail) => {
                ErrorBody::new(
                    ErrorCode::BadRequest,
                    format!("The request was incomplete: {detail}"),
                )
            }
            _ => ErrorBody::new(
                ErrorCode::Internal,
                "Something went wrong. Please try again.",
            ),
        };
        AppError(body)
    }
}
