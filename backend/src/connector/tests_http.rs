//! Connector behaviour against real HTTP servers on loopback: every auth type, OAuth2 token
//! caching and renewal, and the SSRF guard (literal IPs, names, redirects).

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Form, Json, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use chrono::Utc;
use domain::{
    page::RequestSpec,
    resilience::BreakerPolicy,
    tool::{ApiKeyLocation, ToolAuth},
};
use serde_json::{Value, json};
use url::Url;

use super::{ConnectorError, ConnectorService, ConnectorSettings, RegisteredTool, ToolTarget};

#[derive(Clone, Default)]
struct Upstream {
    /// `/flaky` answers 503 while this is above zero, counting down per request.
    failures_left: Arc<AtomicUsize>,
    flaky_hits: Arc<AtomicUsize>,
    token_requests: Arc<AtomicUsize>,
    /// Only the newest token is accepted, so issuing another revokes the previous one.
    current_token: Arc<Mutex<String>>,
}

async fn echo(headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Json<Value> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
    };
    Json(
        json!({"authorization": header("authorization"), "x_api_key": header("x-api-key"), "query": query}),
    )
}

/// Every header as received, values of repeated headers joined with ", ".
async fn all_headers(headers: HeaderMap) -> Json<Value> {
    let mut seen: HashMap<String, Vec<String>> = HashMap::new();
    for (name, value) in &headers {
        seen.entry(name.as_str().to_owned())
            .or_default()
            .push(value.to_str().unwrap_or_default().to_owned());
    }
    Json(json!(
        seen.into_iter()
            .map(|(name, values)| (name, values.join(", ")))
            .collect::<HashMap<_, _>>()
    ))
}

async fn token(
    State(upstream): State<Upstream>,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let valid = form.get("grant_type").map(String::as_str) == Some("client_credentials")
        && form.get("client_id").map(String::as_str) == Some("pb-client")
        && form.get("client_secret").map(String::as_str) == Some("client-secret");
    if !valid {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client"})),
        )
            .into_response();
    }
    let issued = upstream.token_requests.fetch_add(1, Ordering::SeqCst) + 1;
    let value = format!("token-{issued}");
    *upstream.current_token.lock().unwrap() = value.clone();
    Json(json!({"access_token": value, "token_type": "Bearer", "expires_in": 3600})).into_response()
}

async fn protected(State(upstream): State<Upstream>, headers: HeaderMap) -> Response {
    let expected = format!("Bearer {}", upstream.current_token.lock().unwrap());
    match headers
        .get("authorization")
        .and_then(|value| value.to_str().ok())
    {
        Some(given) if given == expected => {
            Json(json!({"ok": true, "token": given})).into_response()
        }
        _ => StatusCode::UNAUTHORIZED.into_response(),
    }
}

async fn flaky(State(upstream): State<Upstream>) -> Response {
    let hit = upstream.flaky_hits.fetch_add(1, Ordering::SeqCst) + 1;
    let failing = upstream
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
            left.checked_sub(1)
        })
        .is_ok();
    if failing {
        StatusCode::SERVICE_UNAVAILABLE.into_response()
    } else {
        Json(json!({"hit": hit})).into_response()
    }
}

/// Seven items, pageable by offset/limit, page/size or an `after` cursor.
async fn paged_items(
    State(upstream): State<Upstream>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<Value> {
    upstream.flaky_hits.fetch_add(1, Ordering::SeqCst);
    let number = |key: &str| query.get(key).and_then(|value| value.parse::<usize>().ok());
    let all: Vec<usize> = (1..=7).collect();
    let (start, size) = match (number("offset"), number("page"), number("after")) {
        (Some(offset), _, _) => (offset, number("limit").unwrap_or(3)),
        (_, Some(page), _) => (
            (page - 1) * number("size").unwrap_or(3),
            number("size").unwrap_or(3),
        ),
        (_, _, Some(after)) => (after, 3),
        _ => (0, 3),
    };
    let page: Vec<usize> = all.iter().copied().skip(start).take(size).collect();
    let next = page
        .last()
        .filter(|last| **last < 7)
        .map(|last| last.to_string());
    Json(json!({"data": {"items": page}, "next": next, "tag": query.get("tag")}))
}

async fn redirect_to(Query(query): Query<HashMap<String, String>>) -> Redirect {
    Redirect::temporary(&query["to"])
}

async fn start() -> (String, Upstream) {
    let upstream = Upstream::default();
    let app = Router::new()
        .route("/echo", get(echo))
        .route("/headers", get(all_headers))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(2500)).await;
                Json(json!({"slow": true}))
            }),
        )
        .route("/token", post(token))
        .route("/protected", get(protected))
        .route("/redirect", get(redirect_to))
        .route("/flaky", get(flaky))
        .route("/items", get(paged_items))
        .route("/html", get(|| async { "<html>sign in</html>" }))
        .route("/secure", get(|| async { StatusCode::UNAUTHORIZED }))
        .with_state(upstream.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), upstream)
}

pub(super) fn connector(allowed_hosts: &[&str]) -> ConnectorService {
    ConnectorService::new(ConnectorSettings {
        breaker: BreakerPolicy {
            failure_threshold: 3,
            // Long: tests move the breaker's clock on instead of waiting.
            open_for_ms: 30_000,
        },
        retries: 1,
        retry_base_delay: Duration::from_millis(10),
        ..ConnectorSettings::with_defaults(
            Url::parse("http://127.0.0.1:9").unwrap(),
            Duration::from_secs(2),
            allowed_hosts.iter().map(|host| host.to_string()).collect(),
        )
    })
}

pub(super) fn target(id: i32, base_url: &str, auth: ToolAuth, secret: Option<&str>) -> ToolTarget {
    let now = Utc::now();
    ToolTarget {
        tool: RegisteredTool {
            id,
            org_id: 1,
            slug: format!("tool-{id}"),
            name: format!("Tool {id}"),
            kind: "rest".into(),
            base_url: base_url.into(),
            config: json!({}),
            updated_at: now,
        },
        auth,
        secret: secret.map(str::to_owned),
    }
}

fn request(path: &str) -> RequestSpec {
    RequestSpec::get(path)
}

async fn body(
    connector: &ConnectorService,
    target: &ToolTarget,
    path: &str,
) -> Result<Value, ConnectorError> {
    connector
        .fetch(target, &request(path), 0, true)
        .await
        .map(|fetched| (*fetched.body).clone())
}

#[tokio::test]
async fn every_auth_type_sends_its_credentials() {
    let (base, _) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let header_key = target(
        1,
        &base,
        ToolAuth::ApiKey {
            location: ApiKeyLocation::Header,
            name: "X-API-Key".into(),
        },
        Some("k-123"),
    );
    assert_eq!(
        body(&connector, &header_key, "/echo").await.unwrap()["x_api_key"],
        "k-123"
    );
    let query_key = target(
        2,
        &base,
        ToolAuth::ApiKey {
            location: ApiKeyLocation::Query,
            name: "api_key".into(),
        },
        Some("k-456"),
    );
    assert_eq!(
        body(&connector, &query_key, "/echo?page=2").await.unwrap()["query"],
        json!({"api_key": "k-456", "page": "2"})
    );
    let bearer = target(3, &base, ToolAuth::Bearer, Some("t-789"));
    assert_eq!(
        body(&connector, &bearer, "/echo").await.unwrap()["authorization"],
        "Bearer t-789"
    );
    let basic = target(
        4,
        &base,
        ToolAuth::Basic {
            username: "ops".into(),
        },
        Some("pa55"),
    );
    // base64("ops:pa55")
    assert_eq!(
        body(&connector, &basic, "/echo").await.unwrap()["authorization"],
        "Basic b3BzOnBhNTU="
    );
    let none = target(5, &base, ToolAuth::None, None);
    assert_eq!(
        body(&connector, &none, "/echo").await.unwrap()["authorization"],
        Value::Null
    );
}

#[tokio::test]
async fn default_headers_are_sent_and_auth_still_wins() {
    let (base, _) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let mut tool = target(
        1,
        &base,
        ToolAuth::ApiKey {
            location: ApiKeyLocation::Header,
            name: "X-API-Key".into(),
        },
        Some("k-123"),
    );
    tool.tool.config = json!({"default_headers": [
        {"name": "X-Tenant", "value": "eu-1"},
        {"name": "Accept", "value": "application/vnd.api+json"}
    ]});
    let seen = body(&connector, &tool, "/headers").await.unwrap();
    assert_eq!(seen["x-tenant"], "eu-1");
    assert_eq!(
        seen["accept"], "application/vnd.api+json",
        "a default header replaces the connector's own, never doubles it"
    );
    assert_eq!(seen["x-api-key"], "k-123");
}

#[tokio::test]
async fn each_tool_gets_its_own_timeout() {
    let (base, _) = start().await;
    // The server default is 2 s.
    let connector = connector(&["127.0.0.1"]);
    let mut patient = target(1, &base, ToolAuth::None, None);
    patient.tool.config = json!({"timeout_seconds": 5});
    let answered = connector.probe(&patient, &request("/slow")).await;
    assert!(answered.ok, "{}", answered.message);

    let mut hasty = target(2, &base, ToolAuth::None, None);
    hasty.tool.config = json!({"timeout_seconds": 1});
    let started = std::time::Instant::now();
    let failed = connector.probe(&hasty, &request("/slow")).await;
    assert!(started.elapsed() < Duration::from_millis(2000));
    assert_eq!(failed.status, domain::tool::ToolStatus::Failing);
    assert_eq!(failed.message, "Tool 2 did not answer within 1 seconds.");
}

#[tokio::test]
async fn a_tool_without_its_secret_is_not_called() {
    let (base, _) = start().await;
    let err = body(
        &connector(&["127.0.0.1"]),
        &target(1, &base, ToolAuth::Bearer, None),
        "/echo",
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::MissingCredentials {
            tool: "Tool 1".into()
        }
    );
}

fn oauth(base: &str, secret: &str) -> ToolTarget {
    let auth = ToolAuth::Oauth2ClientCredentials {
        token_url: format!("{base}/token"),
        client_id: "pb-client".into(),
        scope: Some("read".into()),
    };
    target(7, base, auth, Some(secret))
}

#[tokio::test]
async fn oauth2_tokens_are_cached_and_renewed_once_on_401() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = oauth(&base, "client-secret");
    assert_eq!(
        body(&connector, &tool, "/protected").await.unwrap()["token"],
        "Bearer token-1"
    );
    assert_eq!(
        body(&connector, &tool, "/protected").await.unwrap()["token"],
        "Bearer token-1"
    );
    assert_eq!(
        upstream.token_requests.load(Ordering::SeqCst),
        1,
        "the token is cached between calls"
    );

    // Someone else obtains a token: ours is revoked. The next call gets a 401, renews, retries.
    reqwest::Client::new()
        .post(format!("{base}/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "pb-client"),
            ("client_secret", "client-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        body(&connector, &tool, "/protected").await.unwrap()["token"],
        "Bearer token-3"
    );
    assert_eq!(upstream.token_requests.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_rejected_client_secret_reads_as_rejected_credentials() {
    let (base, _) = start().await;
    let err = body(
        &connector(&["127.0.0.1"]),
        &oauth(&base, "wrong"),
        "/protected",
    )
    .await
    .unwrap_err();
    assert_eq!(
        err,
        ConnectorError::CredentialsRejected {
            tool: "Tool 7".into()
        }
    );
}

fn refused(err: ConnectorError) -> String {
    match err {
        ConnectorError::Refused { reason, .. } => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn internal_addresses_are_refused_before_connecting() {
    let connector = connector(&[]);
    for base in [
        "http://169.254.169.254/latest",
        "http://10.0.0.1:9",
        "http://[::1]:9",
        "http://127.0.0.1:10",
    ] {
        let reason = refused(
            body(
                &connector,
                &target(1, base, ToolAuth::None, None),
                "/meta-data",
            )
            .await
            .unwrap_err(),
        );
        assert!(reason.contains("internal address"), "{base}: {reason}");
    }
}

#[tokio::test]
async fn this_servers_own_address_skips_the_guard_only_for_its_demo_tools() {
    let with_demo = |demo_tools| {
        ConnectorService::new(ConnectorSettings {
            demo_tools,
            retries: 0,
            ..ConnectorSettings::with_defaults(
                Url::parse("http://127.0.0.1:9").unwrap(),
                Duration::from_secs(2),
                Vec::new(),
            )
        })
    };
    let demo = target(1, "/mock/databricks", ToolAuth::None, None);
    let reason = refused(body(&with_demo(false), &demo, "/runs").await.unwrap_err());
    assert!(reason.contains("internal address"), "{reason}");
    let err = body(&with_demo(true), &demo, "/runs").await.unwrap_err();
    assert!(
        !matches!(err, ConnectorError::Refused { .. }),
        "the demo call went out (nothing listens there): {err:?}"
    );
    let api = target(2, "/api", ToolAuth::None, None);
    let reason = refused(body(&with_demo(true), &api, "/me").await.unwrap_err());
    assert!(reason.contains("internal address"), "{reason}");
}

#[tokio::test]
async fn names_resolving_to_internal_addresses_are_refused_unless_allow_listed() {
    let (base, _) = start().await;
    let by_name = base.replace("127.0.0.1", "localhost");
    let reason = refused(
        body(
            &connector(&[]),
            &target(1, &by_name, ToolAuth::None, None),
            "/echo",
        )
        .await
        .unwrap_err(),
    );
    assert!(
        reason.starts_with("localhost is an internal address"),
        "{reason}"
    );
    assert!(
        body(
            &connector(&["localhost"]),
            &target(1, &by_name, ToolAuth::None, None),
            "/echo"
        )
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn redirects_to_other_hosts_are_refused() {
    let (base, _) = start().await;
    // The tool itself is allow-listed (127.0.0.1); where it redirects to is not its base.
    let connector = connector(&["127.0.0.1"]);
    let tool = target(1, &base, ToolAuth::None, None);
    let port = Url::parse(&base).unwrap().port().unwrap();
    for to in [
        format!("http://localhost:{port}/echo"),
        format!("http://127.0.0.2:{port}/echo"),
        "http://169.254.169.254/".to_owned(),
    ] {
        let path = format!(
            "/redirect?to={}",
            url::form_urlencoded::byte_serialize(to.as_bytes()).collect::<String>()
        );
        let err = body(&connector, &tool, &path).await.unwrap_err();
        assert!(
            matches!(err, ConnectorError::LeavesBasePath { .. }),
            "{to}: {err:?}"
        );
    }
    // A redirect within the base is followed.
    let path = format!(
        "/redirect?to={}",
        url::form_urlencoded::byte_serialize(format!("{base}/echo").as_bytes()).collect::<String>()
    );
    assert!(body(&connector, &tool, &path).await.is_ok());
}

fn fail_next(upstream: &Upstream, count: usize) {
    upstream.failures_left.store(count, Ordering::SeqCst);
}

fn hits(upstream: &Upstream) -> usize {
    upstream.flaky_hits.load(Ordering::SeqCst)
}

#[tokio::test]
async fn transient_failures_are_retried() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    fail_next(&upstream, 1);
    let answer = body(
        &connector,
        &target(1, &base, ToolAuth::None, None),
        "/flaky",
    )
    .await
    .unwrap();
    assert_eq!(answer["hit"], 2, "one 503, then a successful retry");
}

#[tokio::test]
async fn the_breaker_opens_after_repeated_failures_and_probes_after_a_pause() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(1, &base, ToolAuth::None, None);
    fail_next(&upstream, 100);
    for _ in 0..3 {
        let err = body(&connector, &tool, "/flaky").await.unwrap_err();
        assert_eq!(
            err,
            ConnectorError::Status {
                tool: "Tool 1".into(),
                status: 503
            }
        );
    }
    // Open: no request reaches the tool.
    let before = hits(&upstream);
    assert_eq!(
        body(&connector, &tool, "/flaky").await.unwrap_err(),
        ConnectorError::CircuitOpen {
            tool: "Tool 1".into()
        }
    );
    assert_eq!(hits(&upstream), before);

    // Just before the pause ends, still open.
    connector.advance_clock(Duration::from_secs(29));
    assert_eq!(
        body(&connector, &tool, "/flaky").await.unwrap_err(),
        ConnectorError::CircuitOpen {
            tool: "Tool 1".into()
        }
    );
    assert_eq!(hits(&upstream), before);

    // After the pause one probe goes through; the tool is still failing, so it opens again.
    connector.advance_clock(Duration::from_secs(2));
    assert!(matches!(
        body(&connector, &tool, "/flaky").await.unwrap_err(),
        ConnectorError::Status { .. }
    ));
    assert_eq!(hits(&upstream), before + 2, "the probe and its one retry");
    assert_eq!(
        body(&connector, &tool, "/flaky").await.unwrap_err(),
        ConnectorError::CircuitOpen {
            tool: "Tool 1".into()
        }
    );

    // The tool recovers: the next probe closes the breaker.
    fail_next(&upstream, 0);
    connector.advance_clock(Duration::from_secs(31));
    assert!(body(&connector, &tool, "/flaky").await.is_ok());
    assert!(body(&connector, &tool, "/flaky").await.is_ok());
}

#[tokio::test]
async fn the_last_good_answer_stands_in_when_the_tool_fails() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(1, &base, ToolAuth::None, None);
    let good = connector
        .fetch(&tool, &request("/flaky"), 60, false)
        .await
        .unwrap();
    assert_eq!(good.stale, None);
    fail_next(&upstream, 100);
    let stale = connector
        .fetch(&tool, &request("/flaky"), 60, true)
        .await
        .unwrap();
    assert_eq!(stale.body, good.body);
    assert_eq!(
        stale.fetched_at, good.fetched_at,
        "it keeps its original time"
    );
    assert_eq!(
        stale.stale.as_deref(),
        Some("Tool 1 answered with HTTP 503.")
    );
}

#[tokio::test]
async fn the_rate_limit_holds_requests_back() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let mut tool = target(1, &base, ToolAuth::None, None);
    tool.tool.config = json!({"rate_limit_per_minute": 2});
    assert!(body(&connector, &tool, "/flaky").await.is_ok());
    assert!(body(&connector, &tool, "/flaky").await.is_ok());
    // The rest waits on tokio's clock: paused, it moves only as far as the waits need.
    tokio::time::pause();
    // A request with a last good answer gets it back, marked stale with the reason...
    let waited = tokio::time::Instant::now();
    let stale = connector
        .fetch(&tool, &request("/flaky"), 0, true)
        .await
        .unwrap();
    assert_eq!(
        stale.stale.as_deref(),
        Some("Tool 1 allows 2 requests per minute; try again shortly.")
    );
    assert!(
        waited.elapsed() >= Duration::from_secs(2),
        "it waited up to the request timeout first"
    );
    // ...one without fails with it.
    let err = body(&connector, &tool, "/flaky?page=2").await.unwrap_err();
    assert_eq!(
        err,
        ConnectorError::RateLimited {
            tool: "Tool 1".into(),
            per_minute: 2
        }
    );
    assert_eq!(hits(&upstream), 2);
}

#[tokio::test]
async fn probing_reports_latency_preview_and_what_to_fix() {
    let (base, _) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(1, &base, ToolAuth::Bearer, Some("t"));
    let ok = connector.probe(&tool, &request("/echo")).await;
    assert!(ok.ok, "{ok:?}");
    assert!(ok.message.starts_with("Tool 1 answered in "));
    assert!(
        ok.preview
            .unwrap()
            .contains("\"authorization\": \"Bearer t\"")
    );

    let rejected = connector.probe(&tool, &request("/secure")).await;
    assert!(!rejected.ok && rejected.preview.is_none());
    assert_eq!(
        rejected.message,
        "Tool 1 rejected the credentials (expired or revoked) — update them in the tool settings."
    );
    let html = connector.probe(&tool, &request("/html")).await;
    assert_eq!(
        html.message,
        "Tool 1 answered with something other than JSON."
    );
    let refused = connector
        .probe(
            &target(2, "http://169.254.169.254", ToolAuth::None, None),
            &request("/"),
        )
        .await;
    assert!(
        refused.message.contains("internal address"),
        "{}",
        refused.message
    );
}

#[tokio::test]
async fn ten_widgets_sharing_a_binding_make_one_request() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tools = HashMap::from([("tool-1".to_owned(), target(1, &base, ToolAuth::None, None))]);
    let binding: domain::Binding = serde_json::from_value(json!({
        "tool": "tool-1", "request": {"path": "/flaky"}, "mapping": {"value": "hit"}, "cache_ttl_seconds": 0
    }))
    .unwrap();
    let ids: Vec<String> = (0..10).map(|i| format!("w{i}")).collect();
    let data = connector
        .resolve(
            &tools,
            ids.iter().map(|id| (id.as_str(), &binding)),
            &Default::default(),
            true,
        )
        .await;
    assert_eq!(data.len(), 10);
    assert_eq!(hits(&upstream), 1);
    assert!(data.values().all(|widget| matches!(widget, domain::dto::WidgetData::Ready { values, .. } if values["value"] == 1)));
}

fn paged(style: Value, max_pages: u32) -> RequestSpec {
    let mut spec = json!({"items": "data.items", "page_size": 3, "max_pages": max_pages});
    spec.as_object_mut()
        .unwrap()
        .extend(style.as_object().unwrap().clone());
    RequestSpec {
        pagination: Some(serde_json::from_value(spec).unwrap()),
        ..RequestSpec::get("/items?tag=kept")
    }
}

#[tokio::test]
async fn each_pagination_style_collects_every_page() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(1, &base, ToolAuth::None, None);
    let styles = [
        json!({"style": "offset", "limit_param": "limit", "offset_param": "offset"}),
        json!({"style": "page_number", "page_param": "page", "size_param": "size"}),
        json!({"style": "cursor", "cursor_param": "after", "next_cursor": "next"}),
    ];
    for style in styles {
        let before = hits(&upstream);
        let fetched = connector
            .fetch(&tool, &paged(style.clone(), 10), 0, true)
            .await
            .unwrap();
        assert_eq!(
            fetched.body["data"]["items"],
            json!([1, 2, 3, 4, 5, 6, 7]),
            "{style}"
        );
        assert_eq!(
            fetched.body["tag"], "kept",
            "the binding's own query is kept on every page"
        );
        assert_eq!(hits(&upstream) - before, 3, "{style}: three pages of three");
    }
}

#[tokio::test]
async fn paging_stops_at_max_pages() {
    let (base, _) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let style = json!({"style": "offset", "limit_param": "limit", "offset_param": "offset"});
    let fetched = connector
        .fetch(
            &target(1, &base, ToolAuth::None, None),
            &paged(style, 2),
            0,
            true,
        )
        .await
        .unwrap();
    assert_eq!(fetched.body["data"]["items"], json!([1, 2, 3, 4, 5, 6]));
}

#[tokio::test]
async fn a_paged_read_says_where_to_go_on_and_resumes_there_in_every_style() {
    use domain::page::Continuation;
    let (base, _) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(1, &base, ToolAuth::None, None);
    let styles = [
        (
            json!({"style": "offset", "limit_param": "limit", "offset_param": "offset"}),
            Continuation::Page(1),
        ),
        (
            json!({"style": "page_number", "page_param": "page", "size_param": "size"}),
            Continuation::Page(1),
        ),
        (
            json!({"style": "cursor", "cursor_param": "after", "next_cursor": "next"}),
            Continuation::Cursor("3".into()),
        ),
    ];
    for (style, after_first) in styles {
        let first = connector
            .fetch(&tool, &paged(style.clone(), 1), 0, true)
            .await
            .unwrap();
        assert_eq!(first.body["data"]["items"], json!([1, 2, 3]), "{style}");
        assert_eq!(first.more, Some(after_first.clone()), "{style}");

        let mut rest = paged(style.clone(), 1);
        rest.pagination.as_mut().unwrap().start = Some(after_first);
        let second = connector.fetch(&tool, &rest, 0, true).await.unwrap();
        assert_eq!(second.body["data"]["items"], json!([4, 5, 6]), "{style}");
        assert_eq!(second.body["tag"], "kept", "{style}");
        let third_start = second.more.clone().expect("a seventh item remains");
        rest.pagination.as_mut().unwrap().start = Some(third_start);
        let last = connector.fetch(&tool, &rest, 0, true).await.unwrap();
        assert_eq!(last.body["data"]["items"], json!([7]), "{style}");
        assert_eq!(last.more, None, "{style}: the source ended");
    }
    // Reading every page leaves nothing to go on with.
    let whole = connector
        .fetch(
            &tool,
            &paged(
                json!({"style": "offset", "limit_param": "limit", "offset_param": "offset"}),
                10,
            ),
            0,
            true,
        )
        .await
        .unwrap();
    assert_eq!(whole.more, None);
}
