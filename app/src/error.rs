use domain::{ErrorBody, ErrorCode};
use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};

/// What server functions return on failure: a stable code and a message safe to show. The
/// server answers with the code's HTTP status (400, 401, 403, 404, 409, 422, 502 or 500).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError(pub ErrorBody);

impl AppError {
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The message followed by each issue's, for a one-line notice: "invalid input: enter
    /// a valid email address; choose a role".
    pub fn summary(&self) -> String {
        let details: Vec<&str> = self
            .0
            .issues
            .iter()
            .map(|issue| issue.message.as_str())
            .collect();
        if details.is_empty() {
            self.message().to_owned()
        } else {
            format!("{}: {}", self.message(), details.join("; "))
        }
    }

    /// The HTTP status this error answers with.
    pub fn http_status(&self) -> u16 {
        self.0.code.http_status()
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for AppError {}

/// How much of a decoder's complaint is echoed back: enough to find the mistake, never the
/// whole (possibly huge) input.
const DETAIL_LIMIT: usize = 200;

fn short(detail: &str) -> String {
    match detail.char_indices().nth(DETAIL_LIMIT) {
        Some((end, _)) => format!("{}…", &detail[..end]),
        None => detail.to_owned(),
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let body = match value {
            ServerFnErrorErr::Request(_) => ErrorBody::new(
                ErrorCode::Upstream,
                "Could not reach the server. Check your connection and try again.",
            ),
            // On the server these mean the arguments could not be read (wrong types, missing
            // fields, invalid UTF-8, a body over the limit): the caller's mistake.
            ServerFnErrorErr::Args(detail)
            | ServerFnErrorErr::MissingArg(detail)
            | ServerFnErrorErr::Deserialization(detail) => ErrorBody::new(
                ErrorCode::BadRequest,
                format!("The request could not be read: {}", short(&detail)),
            ),
            _ => ErrorBody::new(
                ErrorCode::Internal,
                "Something went wrong. Please try again.",
            ),
        };
        AppError(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_arguments_are_bad_requests() {
        for error in [
            ServerFnErrorErr::Args("invalid type: string, expected i32".into()),
            ServerFnErrorErr::MissingArg("id".into()),
            ServerFnErrorErr::Deserialization("invalid utf-8 sequence".into()),
        ] {
            let error = AppError::from_server_fn_error(error);
            assert_eq!(error.code(), ErrorCode::BadRequest);
            assert_eq!(error.http_status(), 400);
        }
    }

    #[test]
    fn a_summary_lists_each_issue_after_the_message() {
        let mut body = ErrorBody::new(ErrorCode::Validation, "invalid input");
        assert_eq!(AppError(body.clone()).summary(), "invalid input");
        body.issues = vec![
            domain::ValidationIssue::new("email", "enter a valid email address"),
            domain::ValidationIssue::new("role", "choose a role"),
        ];
        assert_eq!(
            AppError(body).summary(),
            "invalid input: enter a valid email address; choose a role"
        );
    }

    #[test]
    fn decoder_details_are_shortened() {
        let error = AppError::from_server_fn_error(ServerFnErrorErr::Args("x".repeat(10_000)));
        assert!(error.message().chars().count() < DETAIL_LIMIT + 40);
        assert!(error.message().ends_with('…'));
    }
}
