//! Server-side glue for server functions: the request's services and caller, and error
//! mapping that also sets the HTTP status of server-rendered pages. The one place in `app`
//! that exists only with the `ssr` feature.

use axum::Extension;
use backend::{Services, auth::RequestSession};
use domain::dto::SessionUser;
use http::StatusCode;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;

use crate::AppError;

pub fn services() -> Result<Services, AppError> {
    Ok(use_context::<Services>()
        .ok_or_else(|| backend::Error::internal("services missing from context"))?)
}

pub async fn session() -> Result<RequestSession, AppError> {
    let Extension(session) = leptos_axum::extract::<Extension<RequestSession>>()
        .await
        .map_err(|err| backend::Error::internal(format!("session missing: {err}")))?;
    Ok(session)
}

/// The signed-in caller, or an "unauthenticated" error.
pub async fn caller() -> Result<SessionUser, AppError> {
    Ok(session().await?.require().cloned()?)
}

/// Sets the status of the response being built, when there is one (server-rendered pages
/// and server-function calls).
pub fn set_status(code: u16) {
    if let (Some(response), Ok(status)) =
        (use_context::<ResponseOptions>(), StatusCode::from_u16(code))
    {
        response.set_status(status);
    }
}

/// Converts a backend error for the wire: logged once if internal, status set for SSR.
impl From<backend::Error> for AppError {
    fn from(err: backend::Error) -> Self {
        if err.is_internal() {
            tracing_error(&err);
        }
        let body = err.to_body();
        set_status(body.code.http_status());
        AppError(body)
    }
}

/// Bytes sent base64-encoded inside a server function's JSON; garbage is a bad request.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, AppError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| {
            set_status(400);
            AppError(domain::ErrorBody::new(
                domain::ErrorCode::BadRequest,
                "The file could not be read; choose it again.",
            ))
        })
}

fn tracing_error(err: &backend::Error) {
    tracing::error!(error = %err, "server function failed");
}

/// leptos_meta writes the server-rendered `<title>` as it is given, so a title an editor
/// wrote is escaped here.
pub fn title_for_head(title: String) -> String {
    let mut escaped = String::with_capacity(title.len());
    for c in title.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}
