//! Server functions answer errors with the status their code stands for. `server_fn` sends
//! every error as a 500, and a failure to decode the arguments happens before the function
//! body (which sets the status of the errors it returns) runs; so the status is derived
//! here, once, from the error body itself.

use axum::{
    body::Body,
    extract::Request,
    http::StatusCode,
    middleware::Next,
    response::{IntoResponse, Response},
};
use domain::{ErrorBody, ErrorCode};
use leptos::server_fn::error::SERVER_FN_ERROR_HEADER;

/// Error bodies are small (messages are short, issues bounded); anything larger is not ours.
const ERROR_BODY_LIMIT: usize = 1024 * 1024;

pub async fn status_from_error(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let is_server_fn_error = response.headers().contains_key(SERVER_FN_ERROR_HEADER)
        && (response.status().is_client_error() || response.status().is_server_error());
    if !is_server_fn_error {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, ERROR_BODY_LIMIT).await else {
        tracing::error!("server function error body unreadable");
        return unreadable_error();
    };
    if let Some(status) = serde_json::from_slice::<ErrorBody>(&bytes)
        .ok()
        .and_then(|error| StatusCode::from_u16(error.code.http_status()).ok())
    {
        parts.status = status;
    }
    Response::from_parts(parts, Body::from(bytes))
}

fn unreadable_error() -> Response {
    let body = ErrorBody::new(
        ErrorCode::Internal,
        "Something went wrong. Please try again.",
    );
    (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
}
