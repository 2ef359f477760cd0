use domain::{Action, ErrorBody, ErrorCode, ValidationIssue};
use sea_orm::{DbErr, SqlErr};

pub type Result<T, E = Error> = std::result::Result<T, E>;

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
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// A tool failed or refused; the message is safe to show.
    #[error("{0}")]
    Upstream(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
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
            Some(SqlErr::UniqueConstraintViolation(_)) => Error::Conflict(message.into()),
            _ => Error::Db(err),
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation(_) => ErrorCode::Validation,
            Error::InvalidCredentials | Error::Unauthenticated => ErrorCode::Unauthenticated,
            Error::TooManyAttempts { .. } => ErrorCode::TooManyRequests,
            Error::Forbidden(_) => ErrorCode::Forbidden,
            Error::NotFound(_) => ErrorCode::NotFound,
            Error::Conflict(_) => ErrorCode::Conflict,
            Error::Upstream(_) => ErrorCode::Upstream,
            Error::Db(_) | Error::Internal(_) => ErrorCode::Internal,
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
            Error::NotFound(what) => format!("{} not found.", capitalize(what)),
            Error::Conflict(message) | Error::Upstream(message) => message.clone(),
            Error::Db(_) | Error::Internal(_) => {
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
