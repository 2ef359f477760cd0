//! Demo stand-ins for the messaging services workflow steps send to — Slack and Teams
//! incoming webhooks, PagerDuty's Events API v2, plain webhooks — taking the real payload
//! shapes and answering as the real services do. Each keeps what it received (the newest
//! 200), shown at `/mock/<service>/inbox` (HTML, or JSON when asked for), so the demo shows
//! every delivery.

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
};
use backend::rich_text::html_escape as escape;
use chrono::Utc;
use serde_json::{Value, json};

pub const KEPT_PER_INBOX: usize = 200;

#[derive(Clone, Default)]
pub struct Inboxes {
    kept: Arc<Mutex<std::collections::HashMap<&'static str, VecDeque<Value>>>>,
}

impl Inboxes {
    fn keep(&self, service: &'static str, delivery: Value) {
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let inbox = kept.entry(service).or_default();
        inbox.push_front(delivery);
        inbox.truncate(KEPT_PER_INBOX);
    }

    fn of(&self, service: &str) -> Vec<Value> {
        let kept = self
            .kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.get(service)
            .map(|inbox| inbox.iter().cloned().collect())
            .unwrap_or_default()
    }
}

const SERVICES: [&str; 4] = ["slack", "teams", "pagerduty", "webhooks"];

pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/slack/hooks/{*hook}", post(slack))
        .route("/teams/hooks/{*hook}", post(teams))
        .route("/pagerduty/v2/enqueue", post(pagerduty))
        .route("/webhooks/{name}", post(webhook))
        .route("/{service}/inbox", get(inbox))
        .with_state(Inboxes::default())
}

fn delivery(to: &str, headers: &HeaderMap, body: Value) -> Value {
    let key = headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok());
    json!({"to": to, "received_at": Utc::now(), "idempotency_key": key, "body": body})
}

/// Slack answers `ok` as plain text, or `invalid_payload` with a 400 when there is no text.
async fn slack(
    State(inboxes): State<Inboxes>,
    Path(hook): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    if !body.get("text").is_some_and(Value::is_string) && body.get("blocks").is_none() {
        return (StatusCode::BAD_REQUEST, "invalid_payload").into_response();
    }
    inboxes.keep("slack", delivery(&hook, &headers, body));
    "ok".into_response()
}

/// Teams takes a message whose attachments are Adaptive Cards, answering `1`.
async fn teams(
    State(inboxes): State<Inboxes>,
    Path(hook): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let cards = body["attachments"].as_array().is_some_and(|cards| {
        !cards.is_empty()
            && cards
                .iter()
                .all(|card| card["contentType"] == "application/vnd.microsoft.card.adaptive")
    });
    if body["type"] != "message" || !cards {
        return (
            StatusCode::BAD_REQUEST,
            "Bad payload: send a message with Adaptive Card attachments",
        )
            .into_response();
    }
    inboxes.keep("teams", delivery(&hook, &headers, body));
    "1".into_response()
}

/// Events API v2: a trigger needs a routing key, an action and a summary; the same
/// `dedup_key` is the same alert, as on the real service.
async fn pagerduty(
    State(inboxes): State<Inboxes>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Response {
    let routing_key = body["routing_key"].as_str().unwrap_or_default().to_owned();
    let valid = routing_key.len() >= 8
        && matches!(
            body["event_action"].as_str(),
            Some("trigger" | "acknowledge" | "resolve")
        )
        && body["payload"]["summary"]
            .as_str()
            .is_some_and(|s| !s.is_empty());
    if !valid {
        let errors =
            ["Event object is invalid: needs routing_key, event_action and payload.summary"];
        return (StatusCode::BAD_REQUEST, Json(json!({"status": "invalid event", "message": "Event object is invalid", "errors": errors}))).into_response();
    }
    let dedup_key = body["dedup_key"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| format!("pb-{}", Utc::now().timestamp_millis()));
    let seen = inboxes
        .of("pagerduty")
        .iter()
        .any(|kept| kept["body"]["dedup_key"] == dedup_key.as_str());
    if !seen {
        inboxes.keep("pagerduty", delivery(&routing_key, &headers, body));
    }
    (
        StatusCode::ACCEPTED,
        Json(json!({"status": "success", "message": "Event processed", "dedup_key": dedup_key})),
    )
        .into_response()
}

async fn webhook(
    State(inboxes): State<Inboxes>,
    Path(name): Path<String>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    inboxes.keep("webhooks", delivery(&name, &headers, body));
    Json(json!({"received": true}))
}

/// What a service received, newest first: JSON for `Accept: application/json`, else a page.
async fn inbox(
    State(inboxes): State<Inboxes>,
    Path(service): Path<String>,
    headers: HeaderMap,
) -> Response {
    if !SERVICES.contains(&service.as_str()) {
        return (StatusCode::NOT_FOUND, "no such inbox").into_response();
    }
    let kept = inboxes.of(&service);
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json"));
    if wants_json {
        return Json(json!({"service": service, "deliveries": kept})).into_response();
    }
    let rows: String = kept
        .iter()
        .map(|delivery| {
            format!(
                "<li><p><strong>{}</strong> · {}</p><pre>{}</pre></li>",
                escape(delivery["to"].as_str().unwrap_or_default()),
                escape(delivery["received_at"].as_str().unwrap_or_default()),
                escape(&serde_json::to_string_pretty(&delivery["body"]).unwrap_or_default()),
            )
        })
        .collect();
    let empty = if kept.is_empty() {
        "<p>Nothing received yet.</p>"
    } else {
        ""
    };
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{service} inbox (demo)</title></head>\
         <body><h1>{service} inbox (demo)</h1><p>What the demo stand-in received, newest first.</p>{empty}<ol data-testid=\"deliveries\">{rows}</ol></body></html>",
        service = escape(&service),
    ))
    .into_response()
}
