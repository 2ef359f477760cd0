//! Requests stay under the tool's base path, against a real HTTP server on loopback: every
//! spelling of a dot segment, through every kind of call (widget reads, connection tests,
//! form submissions), paging and redirects — refused before anything reaches the other path.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::{
    Json, Router,
    extract::{Query, State},
    response::Redirect,
    routing::{any, get},
};
use domain::{
    page::RequestSpec,
    request::{JsonTemplate, RequestBody},
    tool::ToolAuth,
};
use serde_json::{Value, json};

use super::{
    ConnectorError, ToolTarget,
    tests_http::{connector, target},
};

#[derive(Clone, Default)]
struct Upstream {
    /// Requests that reached anything outside `/api`: each one is a failure.
    outside: Arc<AtomicUsize>,
    /// Requests to `/api/items`, and the cursors they carried.
    pages: Arc<AtomicUsize>,
}

async fn start() -> (String, Upstream) {
    let upstream = Upstream::default();
    let outside = upstream.clone();
    let app = Router::new()
        .route("/api/echo", any(|| async { Json(json!({"inside": true})) }))
        .route(
            "/api/redirect",
            any(|Query(query): Query<HashMap<String, String>>| async move {
                Redirect::temporary(&query["to"])
            }),
        )
        .route(
            "/api/loop",
            any(|| async { Redirect::temporary("/api/loop") }),
        )
        .route(
            "/api/items",
            get(
                |State(upstream): State<Upstream>, Query(query): Query<HashMap<String, String>>| async move {
                    upstream.pages.fetch_add(1, Ordering::SeqCst);
                    // The first page points "next" outside the base path.
                    let next = match query.get("after") {
                        None => json!("../../other?steal=1"),
                        Some(_) => Value::Null,
                    };
                    Json(json!({"items": [query.get("after").cloned().unwrap_or_default()], "next": next}))
                },
            ),
        )
        .fallback(move || {
            let outside = outside.clone();
            async move {
                outside.outside.fetch_add(1, Ordering::SeqCst);
                Json(json!({"outside": true}))
            }
        })
        .with_state(upstream.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), upstream)
}

/// A tool whose base URL has a path, `/api`, on the test server.
fn api_tool(base: &str) -> ToolTarget {
    target(
        1,
        &format!("{base}/api"),
        ToolAuth::Bearer,
        Some("tool-secret"),
    )
}

fn leaves_base(err: ConnectorError) {
    assert!(
        matches!(err, ConnectorError::LeavesBasePath { .. }),
        "expected the base path refusal, got {err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("This request would leave the tool's base path"),
        "{err}"
    );
}

const ESCAPES: [&str; 8] = [
    "/../other",
    "/%2e%2e/other",
    "/%2E%2E/other",
    "/.%2e/other",
    "/%2e./other",
    "/..\\other",
    "/echo/../../other",
    "/%2e%2e%2fother",
];

#[tokio::test]
async fn every_spelling_of_a_path_escape_is_refused_for_every_kind_of_call() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = api_tool(&base);
    for escape in ESCAPES {
        // A widget's read (render, preview and the field mapper all fetch).
        leaves_base(
            connector
                .fetch(&tool, &RequestSpec::get(escape), 0, true)
                .await
                .unwrap_err(),
        );
        // A connection test.
        let probed = connector.probe(&tool, &RequestSpec::get(escape)).await;
        assert!(!probed.ok, "{escape}");
        assert!(
            probed
                .message
                .starts_with("This request would leave the tool's base path"),
            "{escape}: {}",
            probed.message
        );
        // A form submission.
        let post = RequestSpec::post(
            escape,
            RequestBody::Json {
                template: JsonTemplate(json!({"x": 1})),
                read_only: false,
            },
        );
        leaves_base(connector.submit(&tool, &post).await.unwrap_err());
    }
    assert_eq!(
        upstream.outside.load(Ordering::SeqCst),
        0,
        "no request left /api"
    );
    // Paths that resolve inside the base path are sent.
    for inside in ["/echo", "/x/../echo", "/%2e/echo"] {
        let fetched = connector
            .fetch(&tool, &RequestSpec::get(inside), 0, true)
            .await
            .unwrap();
        assert_eq!(fetched.body["inside"], true, "{inside}");
    }
}

#[tokio::test]
async fn the_refusal_names_the_base_and_is_not_a_tool_failure() {
    let (base, _) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = api_tool(&base);
    let err = connector
        .fetch(&tool, &RequestSpec::get("/%2e%2e/other"), 0, true)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "This request would leave the tool's base path: Tool 1 is only called under {base}/api."
        )
    );
    assert_eq!(connector.health.get(1), None, "the tool itself is fine");
}

#[tokio::test]
async fn paging_stays_under_the_base_path() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = api_tool(&base);
    let paged = |path: &str| RequestSpec {
        pagination: Some(
            serde_json::from_value(json!({
                "style": "cursor", "cursor_param": "after", "next_cursor": "next",
                "items": "items", "page_size": 1, "max_pages": 5
            }))
            .unwrap(),
        ),
        ..RequestSpec::get(path)
    };
    // A next link pointing outside is only ever a query value on the same path.
    let fetched = connector
        .fetch(&tool, &paged("/items"), 0, true)
        .await
        .unwrap();
    assert_eq!(
        fetched.body["items"],
        json!(["", "../../other?steal=1"]),
        "the second page was asked for under /api/items"
    );
    assert_eq!(upstream.pages.load(Ordering::SeqCst), 2);
    // A paged request whose own path escapes is refused before its first page.
    leaves_base(
        connector
            .fetch(&tool, &paged("/%2e%2e/other"), 0, true)
            .await
            .unwrap_err(),
    );
    assert_eq!(upstream.outside.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_redirect_off_the_base_path_is_refused_before_it_is_followed() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = api_tool(&base);
    let redirect = |to: &str| {
        format!(
            "/redirect?to={}",
            url::form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>()
        )
    };
    let port = url::Url::parse(&base).unwrap().port().unwrap();
    for to in [
        "/other".to_owned(),
        "../other".to_owned(),
        "/api/%2e%2e/other".to_owned(),
        format!("{base}/other"),
        format!("http://localhost:{port}/api/echo"),
        "http://169.254.169.254/latest/meta-data".to_owned(),
    ] {
        leaves_base(
            connector
                .fetch(&tool, &RequestSpec::get(&redirect(&to)), 0, true)
                .await
                .unwrap_err(),
        );
        let post = RequestSpec::post(
            &redirect(&to),
            RequestBody::Json {
                template: JsonTemplate(json!({})),
                read_only: false,
            },
        );
        leaves_base(connector.submit(&tool, &post).await.unwrap_err());
    }
    assert_eq!(upstream.outside.load(Ordering::SeqCst), 0);
    // A redirect that stays under the base path is followed.
    let followed = connector
        .fetch(&tool, &RequestSpec::get(&redirect("/api/echo")), 0, true)
        .await
        .unwrap();
    assert_eq!(followed.body["inside"], true);
    // A redirect loop ends with a refusal, not a hang.
    let err = connector
        .fetch(&tool, &RequestSpec::get("/loop"), 0, true)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::Refused {
            tool: "Tool 1".into(),
            reason: "it redirected more than 5 times".into()
        }
    );
}
