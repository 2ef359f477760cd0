//! Tool news: inbound webhooks and the server-sent events that pass them to open pages.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::sse::{Event, KeepAlive, Sse},
};
use futures::StreamExt;
use serde_json::json;

use super::{ApiPath, ApiResult, Caller};
use crate::AppState;

pub(super) async fn enable_webhook(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<(StatusCode, Json<domain::dto::WebhookSetup>)> {
    let setup = state.services.tools.enable_webhook(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(setup)))
}

/// Inbound events from tools; authenticated by the HMAC signature, not by a session.
pub(super) async fn receive_webhook(
    State(state): State<AppState>,
    ApiPath((tool, token)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let signature = headers
        .get("x-signature-256")
        .and_then(|value| value.to_str().ok());
    let event_id = state
        .services
        .receive_webhook(&tool, &token, signature, &body)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "event_id": event_id }))))
}

/// Server-sent events: `tool-updated` with the tool's slug whenever a tool of the caller's
/// organization pushed news, so open dashboards refresh without reloading.
pub(super) async fn events(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Sse<impl futures::Stream<Item = Result<Event, std::convert::Infallible>>>> {
    let stream = state
        .services
        .subscribe(&actor)?
        .map(|event| Ok(Event::default().event("tool-updated").data(event.tool)));
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
