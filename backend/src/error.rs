use domain::{Action, ErrorBody, ErrorCode, ValidationIssue, sso::SsoRefusal};
use sea_orm::{DbErr, SqlErr};

use crate::connector::ConnectorError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Any error kept as the cause of an internal failure.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The backend's one error type. `to_body` turns it into the safe, user-facing envelope;
/// internal details are logged, never shown.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid input")]
    Validation(Vec<ValidationIssue>),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("sign-in required")]
    Unauthenticated,
    /// Too many failed sign-ins for the account or from the address.
    #[error("too many sign-in attempts; retry in {retry_after_seconds} s")]
    TooManyAttempts { retry_after_seconds: u32 },
    #[error("not allowed to {0:?}")]
    Forbidden(Action),
    /// A sign-in refused for a reason the person can act on (single sign-on, or passwords
    /// switched off for their organization).
    #[error("sign-in refused: {}", .0.code())]
    SignInRefused(SsoRefusal),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// Another resource already has this name, email or key (a unique constraint).
    #[error("{0}")]
    Taken(String),
    /// A tool failed or refused; its message is safe to show.
    #[error(transparent)]
    Upstream(#[from] ConnectorError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// Something broke on our side. The context and its cause go to the log (the `Display`
    /// carries both); callers see a generic message.
    #[error("internal error: {context}{}", cause_suffix(.source.as_deref()))]
    Internal {
        context: String,
        #[source]
        source: Option<BoxError>,
    },
}

fn cause_suffix(source: Option<&(dyn std::error::Error + Send + Sync + 'static)>) -> String {
    source.map(|cause| format!(": {cause}")).unwrap_or_default()
}

impl Error {
    /// An internal failure with no underlying error (a broken invariant).
    pub fn internal(context: impl Into<String>) -> Self {
        Error::Internal {
            context: context.into(),
            source: None,
        }
    }

    /// An internal failure caused by `source`, kept for the log.
    pub fn internal_from(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Internal {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    pub fn validation(path: &str, message: &str) -> Self {
        Error::Validation(vec![ValidationIssue::new(path, message)])
    }

    /// Checks a page or tool slug, with the one message both use.
    pub fn check_slug(slug: &str) -> Result<()> {
        if domain::page::is_valid_slug(slug) {
            Ok(())
        } else {
            Err(Error::validation(
                "slug",
                "use 1–80 lowercase letters, digits and single hyphens, e.g. platform-overview",
            ))
        }
    }

    /// Maps a unique-constraint violation to a conflict with a readable message, and any other
    /// database error through unchanged.
    pub fn from_unique_violation(err: DbErr, message: impl Into<String>) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => Error::Taken(message.into()),
            _ => Error::Db(err),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation(_) => ErrorCode::Validation,
            Error::InvalidCredentials | Error::Unauthenticated => ErrorCode::Unauthenticated,
            Error::TooManyAttempts { .. } => ErrorCode::TooManyRequests,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::SignInRefused(SsoRefusal::ProviderUnreachable) => ErrorCode::Upstream,
            Error::SignInRefused(SsoRefusal::State | SsoRefusal::Token) => {
                ErrorCode::Unauthenticated
            }
            Error::SignInRefused(_) => ErrorCode::Forbidden,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) | Error::Taken(_) => ErrorCode::Conflict,
            Error::Upstream(_) => ErrorCode::Upstream,
            Error::Db(_) | Error::Internal { .. } => ErrorCode::Internal,
        }
    }

    pub fn is_internal(&self) -> bool {
        self.code() == ErrorCode::Internal
    }

    pub fn to_body(&self) -> ErrorBody {
        let message = match self {
            Error::Validation(issues) if issues.len() == 1 => issues[0].to_string(),
            Error::Validation(issues) => format!("{} problems need fixing", issues.len()),
            Error::InvalidCredentials => "Invalid email or password.".to_owned(),
            Error::Unauthenticated => "Please sign in.".to_owned(),
            Error::TooManyAttempts {
                retry_after_seconds,
            } => format!(
                "Too many failed sign-ins. Try again in {}.",
                wait_in_words(*retry_after_seconds)
            ),
            Error::Forbidden(_) => "You do not have permission to do that.".to_owned(),
            Error::SignInRefused(refusal) => refusal.message().to_owned(),
            Error::NotFound(what) => format!("{} not found.", capitalize(what)),
            Error::Conflict(message) | Error::Taken(message) => message.clone(),
            Error::Upstream(err) => err.to_string(),
            Error::Db(_) | Error::Internal { .. } => {
                "Something went wrong on our side. Please try again.".to_owned()
            }
        };
        let mut body = ErrorBody::new(self.code(), message);
        match self {
            Error::Validation(issues) => body.issues = issues.clone(),
            Error::TooManyAttempts {
                retry_after_seconds,
            } => body.retry_after_seconds = Some(*retry_after_seconds),
            _ => {}
        }
        body
    }
}

fn wait_in_words(seconds: u32) -> String {
    match seconds {
        0..=60 => "a minute".to_owned(),
        _ => format!("{} minutes", seconds.div_ceil(60)),
    }
}

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_keep_their_cause_for_the_log_but_not_for_the_caller() {
        let cause = std::io::Error::other("disk on fire");
        let err = Error::internal_from("reading tool 7", cause);
        assert_eq!(
            err.to_string(),
            "internal error: reading tool 7: disk on fire"
        );
        assert_eq!(
            std::error::Error::source(&err).map(ToString::to_string),
            Some("disk on fire".to_owned())
        );
        let body = err.to_body();
        assert_eq!(body.code, ErrorCode::Internal);
        assert!(!body.message.contains("disk"), "{}", body.message);
    }

    #[test]
    fn database_errors_are_internal_and_say_nothing_of_the_query() {
        let err = Error::from(DbErr::Custom("SELECT secret FROM users".into()));
        assert!(err.is_internal());
        assert!(!err.to_body().message.contains("SELECT"));
    }

    #[test]
    fn tool_failures_show_the_connector_message() {
        let err = Error::from(ConnectorError::Unreachable {
            tool: "ServiceNow".into(),
        });
        let body = err.to_body();
        assert_eq!(body.code, ErrorCode::Upstream);
        assert_eq!(body.message, "ServiceNow could not be reached.");
    }
}
