//! Requests with a body against real HTTP servers on loopback: JSON templates, reads that
//! may be cached and retried, writes that never are, GraphQL errors and SQL statements sent
//! with bound parameters.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use axum::{
    Json, Router,
    extract::State,
    http::{HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
};
use domain::{
    Binding,
    dto::WidgetData,
    page::RequestSpec,
    request::{JsonTemplate, RequestBody, Variables},
    tool::ToolAuth,
};
use serde_json::{Value, json};

use super::{
    ConnectorError, ToolTarget,
    tests_http::{connector, target},
};

#[derive(Clone, Default)]
struct Upstream {
    hits: Arc<AtomicUsize>,
    /// `/flaky` and `/create` answer 503 while this is above zero.
    failures_left: Arc<AtomicUsize>,
    /// Every body received, in order.
    received: Arc<Mutex<Vec<Value>>>,
    /// What `/sql` answers.
    sql_answer: Arc<Mutex<Value>>,
}

impl Upstream {
    fn hit(&self, body: &Value) -> usize {
        self.received.lock().unwrap().push(body.clone());
        self.hits.fetch_add(1, Ordering::SeqCst) + 1
    }

    fn failing(&self) -> bool {
        self.failures_left
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok()
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    fn last_body(&self) -> Value {
        self.received.lock().unwrap().last().cloned().unwrap()
    }
}

async fn echo(
    State(upstream): State<Upstream>,
    method: Method,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> Json<Value> {
    upstream.hit(&body);
    Json(json!({
        "method": method.as_str(),
        "content_type": headers.get("content-type").and_then(|v| v.to_str().ok()),
        "body": body,
    }))
}

async fn flaky(State(upstream): State<Upstream>, Json(body): Json<Value>) -> Response {
    let hit = upstream.hit(&body);
    if upstream.failing() {
        StatusCode::SERVICE_UNAVAILABLE.into_response()
    } else {
        (
            StatusCode::CREATED,
            Json(json!({"result": {"number": format!("INC{hit:07}")}})),
        )
            .into_response()
    }
}

async fn refuse(State(upstream): State<Upstream>, Json(body): Json<Value>) -> Response {
    upstream.hit(&body);
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error": {"message": "Operation Failed", "detail": "Data Policy Exception: Short description is mandatory"}, "status": "failure"})),
    )
        .into_response()
}

async fn graphql(State(upstream): State<Upstream>, Json(body): Json<Value>) -> Json<Value> {
    upstream.hit(&body);
    if body["query"].as_str().unwrap_or_default().contains("nope") {
        Json(json!({"data": null, "errors": [
            {"message": "Cannot query field \"nope\" on type \"Query\".", "locations": [{"line": 1, "column": 9}]},
            {"message": "second error"}
        ]}))
    } else {
        Json(json!({"data": {"jobs": [{"id": 1, "name": body["variables"]["name"]}]}}))
    }
}

async fn sql(State(upstream): State<Upstream>, Json(body): Json<Value>) -> Json<Value> {
    upstream.hit(&body);
    Json(upstream.sql_answer.lock().unwrap().clone())
}

async fn start() -> (String, Upstream) {
    let upstream = Upstream::default();
    *upstream.sql_answer.lock().unwrap() = json!({
        "statement_id": "01ef-demo", "status": {"state": "SUCCEEDED"},
        "manifest": {"schema": {"columns": [{"name": "job", "position": 0}, {"name": "runs", "position": 1}]}},
        "result": {"data_array": [["nightly-etl", "3"]]}
    });
    let app = Router::new()
        .route("/echo", post(echo))
        .route("/flaky", post(flaky))
        .route("/create", post(flaky))
        .route("/refuse", post(refuse))
        .route("/graphql", post(graphql))
        .route("/api/2.0/sql/statements", post(sql))
        .route("/api/v2/statements", post(sql))
        .with_state(upstream.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), upstream)
}

fn json_post(path: &str, template: Value, read_only: bool) -> RequestSpec {
    RequestSpec::post(
        path,
        RequestBody::Json {
            template: JsonTemplate(template),
            read_only,
        },
    )
}

fn vars(values: Value) -> Variables {
    serde_json::from_value(values).unwrap()
}

const RUNS_BY_RESULT: &str = "SELECT run_name AS job, count(*) AS runs FROM demo.jobs.runs WHERE result_state = :result GROUP BY run_name";

/// A Databricks tool with one read statement and one write statement.
fn warehouse(base: &str) -> ToolTarget {
    let mut tool = target(7, base, ToolAuth::Bearer, Some("dapi-token"));
    tool.tool.kind = "databricks".into();
    tool.tool.config = json!({
        "warehouse_id": "wh-demo",
        "statements": {
            "runs_by_result": {"sql": RUNS_BY_RESULT, "parameters": [{"name": "result", "type": "STRING"}]},
            "forget_run": {"sql": "DELETE FROM demo.jobs.runs WHERE run_id = :run_id", "parameters": [{"name": "run_id", "type": "BIGINT"}], "write": true}
        }
    });
    tool
}

fn statement(name: &str, parameters: Value) -> RequestSpec {
    RequestSpec::post(
        "/api/2.0/sql/statements",
        RequestBody::Statement {
            name: name.into(),
            parameters: JsonTemplate(parameters),
        },
    )
}

#[tokio::test]
async fn a_post_sends_its_json_body_with_placeholders_filled_in() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(1, &base, ToolAuth::None, None);
    let request = json_post(
        "/echo",
        json!({"short_description": "{{summary}}", "urgency": "{{urgency}}", "note": "by {{who}}"}),
        false,
    )
    .rendered(&vars(
        json!({"summary": "Disk \"full\"", "urgency": 2, "who": "Ada"}),
    ));
    let answer = connector.submit(&tool, &request).await.unwrap();
    assert_eq!(answer["method"], "POST");
    assert_eq!(answer["content_type"], "application/json");
    assert_eq!(
        upstream.last_body(),
        json!({"short_description": "Disk \"full\"", "urgency": 2, "note": "by Ada"})
    );
}

#[tokio::test]
async fn writes_are_sent_once_never_retried_and_never_cached() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(2, &base, ToolAuth::None, None);
    let create = json_post("/create", json!({"short_description": "x"}), false);

    upstream.failures_left.store(1, Ordering::SeqCst);
    let failed = connector.submit(&tool, &create).await.unwrap_err();
    assert!(
        matches!(failed, ConnectorError::Status { status: 503, .. }),
        "{failed:?}"
    );
    assert_eq!(upstream.hits(), 1, "a failed write is not retried");

    let first = connector.submit(&tool, &create).await.unwrap();
    let second = connector.submit(&tool, &create).await.unwrap();
    assert_ne!(first, second, "each submission reaches the tool");
    assert_eq!(upstream.hits(), 3);

    // A widget may not send it at all.
    let refused = connector
        .fetch(&tool, &create, 60, false)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ConnectorError::WriteInBinding { .. }),
        "{refused:?}"
    );
    assert_eq!(upstream.hits(), 3);
}

/// The tool declares a POST of `path` with a JSON body as a read, as an Admin would in its
/// endpoints.
fn declaring_read(mut tool: ToolTarget, path: &str) -> ToolTarget {
    tool.tool.config = json!({"endpoints": [{
        "name": "search", "label": "Search",
        "request": {"method": "POST", "path": path,
                    "body": {"kind": "json", "read_only": true, "template": {"q": "{{q}}"}}}
    }]});
    tool
}

#[tokio::test]
async fn a_post_the_page_marks_read_only_is_a_write_unless_the_tool_declares_it() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(3, &base, ToolAuth::None, None);
    let claimed = json_post("/flaky", json!({"q": "etl"}), true);
    // A widget may not send it: it is not known to be a read.
    let refused = connector
        .fetch(&tool, &claimed, 60, false)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ConnectorError::WriteInBinding { .. }),
        "{refused:?}"
    );
    assert_eq!(upstream.hits(), 0);
    // Sent as what it is, a write: once, not retried after a transient failure.
    upstream.failures_left.store(1, Ordering::SeqCst);
    assert!(connector.submit(&tool, &claimed).await.is_err());
    assert_eq!(upstream.hits(), 1, "not retried");
    // Another tool declaring a read on another path changes nothing for this one.
    let elsewhere = declaring_read(target(3, &base, ToolAuth::None, None), "/echo");
    assert!(matches!(
        connector.fetch(&elsewhere, &claimed, 60, false).await,
        Err(ConnectorError::WriteInBinding { .. })
    ));
    assert_eq!(upstream.hits(), 1);
}

#[tokio::test]
async fn posts_the_tool_declares_as_reads_are_retried_and_cached_like_gets() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = declaring_read(target(3, &base, ToolAuth::None, None), "/flaky");
    let search = json_post("/flaky", json!({"q": "etl"}), true);
    upstream.failures_left.store(1, Ordering::SeqCst);
    let fetched = connector.fetch(&tool, &search, 60, false).await.unwrap();
    assert_eq!(fetched.body["result"]["number"], "INC0000002");
    assert_eq!(upstream.hits(), 2, "the transient failure was retried");
    connector.fetch(&tool, &search, 60, false).await.unwrap();
    assert_eq!(upstream.hits(), 2, "the second read came from the cache");
    // A different body is a different request.
    let other = json_post("/flaky", json!({"q": "ml"}), true);
    connector.fetch(&tool, &other, 60, false).await.unwrap();
    assert_eq!(upstream.hits(), 3);
}

#[tokio::test]
async fn a_successful_write_drops_the_tools_cached_reads() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = declaring_read(target(4, &base, ToolAuth::None, None), "/echo");
    let read = json_post("/echo", json!({"list": "incidents"}), true);
    connector.fetch(&tool, &read, 600, false).await.unwrap();
    connector.fetch(&tool, &read, 600, false).await.unwrap();
    assert_eq!(upstream.hits(), 1);
    connector
        .submit(&tool, &json_post("/create", json!({}), false))
        .await
        .unwrap();
    connector.fetch(&tool, &read, 600, false).await.unwrap();
    assert_eq!(
        upstream.hits(),
        3,
        "the read after the write went to the tool"
    );
}

#[tokio::test]
async fn a_refused_request_carries_the_tools_own_explanation() {
    let (base, _) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(5, &base, ToolAuth::None, None);
    let err = connector
        .submit(&tool, &json_post("/refuse", json!({}), false))
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Tool 5 refused the request (HTTP 400): Operation Failed: Data Policy Exception: Short description is mandatory"
    );
}

#[tokio::test]
async fn graphql_sends_query_and_variables_and_errors_fail_the_widget() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = target(6, &base, ToolAuth::None, None);
    let graphql = |query: &str| -> Binding {
        serde_json::from_value(json!({
            "tool": "gql", "mapping": {"rows": "data.jobs"},
            "request": {"method": "POST", "path": "/graphql",
                        "body": {"kind": "graphql", "query": query, "variables": {"name": "{{job}}"}}}
        }))
        .unwrap()
    };
    let good = graphql("query Jobs($name: String) { jobs(name: $name) { id name } }");
    let bad = graphql("query { nope }");
    let tools = HashMap::from([("gql".to_owned(), tool)]);
    let data = connector
        .resolve(
            &tools,
            [("good", &good), ("bad", &bad)],
            &vars(json!({"job": "nightly-etl"})),
            true,
        )
        .await;
    match &data["good"] {
        WidgetData::Ready { values, .. } => {
            assert_eq!(values["rows"], json!([{"id": 1, "name": "nightly-etl"}]))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        data["bad"],
        WidgetData::Failed {
            message: "Tool 6 reported an error: Cannot query field \"nope\" on type \"Query\"."
                .into()
        }
    );
    let sent = upstream.received.lock().unwrap().clone();
    assert!(sent.contains(&json!({
        "query": "query Jobs($name: String) { jobs(name: $name) { id name } }",
        "variables": {"name": "nightly-etl"}
    })));
    // A mutation changes data: refused for widgets.
    let mutation = RequestSpec::post(
        "/graphql",
        RequestBody::Graphql {
            query: "mutation { retry(id: 1) { id } }".into(),
            variables: JsonTemplate::default(),
        },
    );
    assert!(matches!(
        connector
            .fetch(&tools["gql"], &mutation, 60, false)
            .await
            .unwrap_err(),
        ConnectorError::WriteInBinding { .. }
    ));
}

#[tokio::test]
async fn sql_statements_send_the_defined_text_and_values_as_bound_parameters() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = warehouse(&base);
    let hostile = "FAILED' OR '1'='1";
    let request = statement("runs_by_result", json!({"result": "{{result}}"}))
        .rendered(&vars(json!({"result": hostile})));
    let fetched = connector.fetch(&tool, &request, 60, false).await.unwrap();
    assert_eq!(fetched.body["result"]["data_array"][0][0], "nightly-etl");
    let sent = upstream.last_body();
    assert_eq!(
        sent["statement"], RUNS_BY_RESULT,
        "the SQL text is exactly the defined statement"
    );
    assert_eq!(sent["warehouse_id"], "wh-demo");
    assert_eq!(
        sent["parameters"],
        json!([{"name": "result", "type": "STRING", "value": hostile}])
    );
    // Cached like any read.
    connector.fetch(&tool, &request, 60, false).await.unwrap();
    assert_eq!(upstream.hits(), 1);
}

#[tokio::test]
async fn statements_must_be_defined_on_the_tool_and_writes_run_only_from_forms() {
    let (base, upstream) = start().await;
    let connector = connector(&["127.0.0.1"]);
    let tool = warehouse(&base);
    let unknown = connector
        .fetch(&tool, &statement("drop_everything", json!({})), 60, false)
        .await
        .unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "Tool 7 is not set up for this request: it defines no SQL statement \"drop_everything\"."
    );
    let extra = connector
        .fetch(
            &tool,
            &statement(
                "runs_by_result",
                json!({"result": "x", "sql": "DROP TABLE runs"}),
            ),
            60,
            false,
        )
        .await
        .unwrap_err();
    assert!(
        extra.to_string().contains("no parameter \"sql\""),
        "{extra}"
    );
    let write = statement("forget_run", json!({"run_id": "{{run}}"}))
        .rendered(&vars(json!({"run": 880007})));
    assert!(matches!(
        connector.fetch(&tool, &write, 60, false).await.unwrap_err(),
        ConnectorError::WriteInBinding { .. }
    ));
    assert_eq!(upstream.hits(), 0, "nothing was sent");
    connector.submit(&tool, &write).await.unwrap();
    assert_eq!(
        upstream.last_body()["parameters"],
        json!([{"name": "run_id", "type": "BIGINT", "value": "880007"}])
    );
    // Nor can a page send SQL of its own to the statement endpoint.
    let raw = json_post(
        "/api/2.0/sql/statements/",
        json!({"statement": "DROP TABLE demo.jobs.runs", "warehouse_id": "wh-demo"}),
        true,
    );
    for attempt in [
        connector.fetch(&tool, &raw, 60, false).await.map(|_| ()),
        connector.submit(&tool, &raw).await.map(|_| ()),
    ] {
        assert_eq!(
            attempt.unwrap_err().to_string(),
            "Tool 7 is not set up for this request: SQL runs only as the statements defined on the tool."
        );
    }
    assert_eq!(upstream.hits(), 1, "only the write statement was sent");
    let mut rest = tool.clone();
    rest.tool.kind = "rest".into();
    assert!(
        connector
            .fetch(&rest, &statement("runs_by_result", json!({})), 60, false)
            .await
            .unwrap_err()
            .to_string()
            .contains("a rest tool does not run SQL statements")
    );
}

#[tokio::test]
async fn a_failed_statement_in_a_200_answer_is_a_failure() {
    let (base, upstream) = start().await;
    *upstream.sql_answer.lock().unwrap() = json!({
        "statement_id": "01ef-demo",
        "status": {"state": "FAILED", "error": {"error_code": "BAD_REQUEST", "message": "[UNRESOLVED_COLUMN] A column cannot be resolved."}}
    });
    let connector = connector(&["127.0.0.1"]);
    let err = connector
        .fetch(
            &warehouse(&base),
            &statement("runs_by_result", json!({"result": "FAILED"})),
            60,
            false,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "Tool 7 reported an error: [UNRESOLVED_COLUMN] A column cannot be resolved."
    );
}

#[tokio::test]
async fn snowflake_statements_bind_values_by_position() {
    let (base, upstream) = start().await;
    *upstream.sql_answer.lock().unwrap() = json!({"code": "090001", "data": [["OPS_WH", "12"]]});
    let connector = connector(&["127.0.0.1"]);
    let mut tool = target(8, &base, ToolAuth::Bearer, Some("jwt"));
    tool.tool.kind = "snowflake".into();
    tool.tool.config = json!({"warehouse": "OPS_WH", "statements": {"credits": {
        "sql": "SELECT warehouse_name, credits FROM usage WHERE credits >= ? AND warehouse_name LIKE ?",
        "parameters": [{"name": "min", "type": "FIXED"}, {"name": "like", "type": "TEXT"}]
    }}});
    let request = RequestSpec::post(
        "/api/v2/statements",
        RequestBody::Statement {
            name: "credits".into(),
            parameters: JsonTemplate(json!({"like": "%WH", "min": 10})),
        },
    );
    connector.fetch(&tool, &request, 60, false).await.unwrap();
    let sent = upstream.last_body();
    assert_eq!(sent["warehouse"], "OPS_WH");
    assert_eq!(
        sent["bindings"],
        json!({"1": {"type": "FIXED", "value": "10"}, "2": {"type": "TEXT", "value": "%WH"}})
    );
}

#[tokio::test]
async fn writes_pass_the_ssrf_guard_too() {
    let connector = connector(&[]);
    let tool = target(9, "http://169.254.169.254/latest", ToolAuth::None, None);
    let err = connector
        .submit(&tool, &json_post("/create", json!({}), false))
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::Refused { .. }), "{err:?}");
}
