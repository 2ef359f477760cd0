//! Demo stand-ins for external tools, served under /mock with the response shapes of the
//! real APIs so the connector code is the same against the real services. Data is
//! deterministic: the same seed always yields the same runs and tickets; incidents created
//! through the API are kept in memory per server (numbered on from the seeded ones).

mod graphql;
mod messaging;
mod sql;

use std::sync::{Arc, LazyLock, Mutex};

use axum::{
    Json, Router,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use chrono::{DateTime, TimeZone, Utc};
use rand::{Rng, SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;

const RUN_COUNT: usize = 40;
const INCIDENT_COUNT: usize = 60;

/// Incidents created through the API that the demo keeps; older ones are dropped first,
/// so no client can grow the server's memory.
pub const MAX_CREATED_INCIDENTS: usize = 500;
/// ServiceNow's default field lengths; longer values are cut, as the real instance does.
const SHORT_DESCRIPTION_MAX: usize = 160;
const DESCRIPTION_MAX: usize = 4_000;

/// What the demo tools remember between requests: incidents created through the API, and
/// job runs failed on demand (newest first).
#[derive(Clone, Default)]
pub struct MockState {
    created: Arc<Mutex<CreatedIncidents>>,
    failed_runs: Arc<Mutex<std::collections::VecDeque<Value>>>,
}

/// Runs failed on demand that the demo keeps.
pub const MAX_FAILED_RUNS: usize = 100;

#[derive(Clone, Default)]
struct CreatedIncidents {
    kept: std::collections::VecDeque<Incident>,
    /// How many were ever created: numbers keep counting after old ones are dropped.
    total: usize,
}

fn truncated(text: String, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => text[..end].to_owned(),
        None => text,
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/databricks/api/2.1/jobs/runs/list", get(databricks_runs))
        .route("/databricks/demo/fail-job", post(databricks_fail_job))
        .route(
            "/servicenow/api/now/table/incident",
            get(servicenow_incidents).post(servicenow_create_incident),
        )
        .route(
            "/databricks/api/2.0/sql/statements",
            post(sql::databricks_statement),
        )
        .route(
            "/snowflake/api/v2/statements",
            post(sql::snowflake_statement),
        )
        .route("/graphql", post(graphql::respond))
        .route(
            "/databricks/api/2.0/clusters/list",
            get(databricks_clusters),
        )
        .route(
            "/powerbi/v1.0/myorg/groups/{group}/reports",
            get(powerbi_reports),
        )
        .route("/powerbi/embed/{report}", get(powerbi_embed))
        .route("/tableau/api/3.21/sites/{site}/views", get(tableau_views))
        .route(
            "/azure-devops/{organization}/{project}/_apis/pipelines",
            get(devops_pipelines),
        )
        .route(
            "/azure-devops/{organization}/{project}/_apis/build/builds",
            get(devops_builds),
        )
        .route("/azure/activity-log", get(azure_activity_log))
        .route("/statuspage/api/v1/components", get(statuspage_components))
        .route("/unavailable/{*rest}", get(unavailable))
        // Each router (each server, each test app) starts with the seeded incidents only.
        .with_state(MockState::default())
        .merge(messaging::routes())
}

#[expect(clippy::expect_used, reason = "a fixed, valid calendar date")]
fn anchor() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 6, 0, 0)
        .single()
        .expect("valid anchor time")
}

const JOBS: &[(i64, &str)] = &[
    (101, "nightly-etl"),
    (102, "customer-360-refresh"),
    (103, "ml-feature-store"),
    (104, "billing-export"),
    (105, "data-quality-checks"),
];

/// Runs, newest first like the real API.
static RUNS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    let mut rng = ChaCha8Rng::seed_from_u64(20261101);
    let mut runs: Vec<Value> = (0..RUN_COUNT)
        .map(|index| {
            let (job_id, name) = JOBS[index % JOBS.len()];
            let start = anchor() + chrono::Duration::minutes(index as i64 * 95 + rng.gen_range(0..20));
            let setup = rng.gen_range(20_000..90_000_i64);
            let execution = rng.gen_range(180_000..2_400_000_i64);
            let cleanup = rng.gen_range(2_000..15_000_i64);
            let result = match rng.gen_range(0..100) {
                0..=71 => "SUCCESS",
                72..=91 => "FAILED",
                92..=96 => "TIMEDOUT",
                _ => "CANCELED",
            };
            let run_id = 880_000 + index as i64 * 7;
            let total = setup + execution + cleanup;
            json!({
                "job_id": job_id,
                "run_id": run_id,
                "number_in_job": index / JOBS.len() + 1,
                "run_name": name,
                "creator_user_name": "platform-automation@example.com",
                "state": {
                    "life_cycle_state": "TERMINATED",
                    "result_state": result,
                    "state_message": if result == "SUCCESS" { "" } else { "Task failed with an error; see run output." },
                    "user_cancelled_or_timedout": result == "CANCELED" || result == "TIMEDOUT"
                },
                "start_time": start.timestamp_millis(),
                "end_time": start.timestamp_millis() + total,
                "setup_duration": setup,
                "execution_duration": execution,
                "cleanup_duration": cleanup,
                "run_duration": total,
                "trigger": "PERIODIC",
                "run_type": "JOB_RUN",
                "run_page_url": format!("https://adb-1234567890123456.7.azuredatabricks.net/?o=1234567890123456#job/{job_id}/run/{run_id}")
            })
        })
        .collect();
    runs.reverse();
    runs
});

const PEOPLE: &[&str] = &[
    "Beth Anglin",
    "David Loo",
    "Fred Luddy",
    "Abel Tuter",
    "Charlie Whitherspoon",
    "Don Goodliffe",
];
const CATEGORIES: &[&str] = &["software", "network", "database", "inquiry", "hardware"];
const PROBLEMS: &[&str] = &[
    "Databricks job nightly-etl failed",
    "Cluster failed to start: quota exceeded",
    "Power BI refresh stuck",
    "Cannot access workspace",
    "Unity Catalog permission denied",
    "SQL warehouse slow",
    "Data freshness SLA breached for sales_daily",
    "Token expired for service principal",
];

fn priority_label(priority: u8) -> &'static str {
    [
        "1 - Critical",
        "2 - High",
        "3 - Moderate",
        "4 - Low",
        "5 - Planning",
    ][priority as usize - 1]
}

fn state_label(state: u8) -> &'static str {
    match state {
        1 => "New",
        2 => "In Progress",
        3 => "On Hold",
        6 => "Resolved",
        _ => "Closed",
    }
}

#[derive(Clone)]
struct Incident {
    sys_id: String,
    number: String,
    short_description: String,
    description: String,
    priority: u8,
    state: u8,
    /// Index into `PEOPLE`; created incidents start unassigned.
    assignee: Option<usize>,
    category: String,
    opened_at: DateTime<Utc>,
}

static INCIDENTS: LazyLock<Vec<Incident>> = LazyLock::new(|| {
    let mut rng = ChaCha8Rng::seed_from_u64(20261102);
    (0..INCIDENT_COUNT)
        .map(|index| Incident {
            sys_id: format!("{:032x}", rng.r#gen::<u128>()),
            number: format!("INC{:07}", 10_001 + index),
            short_description: PROBLEMS
                .choose(&mut rng)
                .copied()
                .unwrap_or(PROBLEMS[0])
                .to_owned(),
            description: String::new(),
            priority: rng.gen_range(1..=5),
            state: [1, 2, 2, 3, 6, 7][rng.gen_range(0..6)],
            assignee: Some(rng.gen_range(0..PEOPLE.len())),
            category: CATEGORIES
                .choose(&mut rng)
                .copied()
                .unwrap_or(CATEGORIES[0])
                .to_owned(),
            opened_at: anchor() + chrono::Duration::minutes(index as i64 * 53),
        })
        .collect()
});

impl Incident {
    /// The record as the Table API returns it, with `sysparm_display_value=true` turning
    /// codes into labels and references into `{display_value, link}`.
    fn to_json(&self, display: bool) -> Value {
        let opened = self.opened_at.format("%Y-%m-%d %H:%M:%S").to_string();
        // An empty reference is "" in the Table API, not an object.
        let assigned_to = match self.assignee {
            None => json!(""),
            Some(assignee) => {
                let user_id = format!("{:032x}", assignee + 1);
                let link =
                    format!("https://example.service-now.com/api/now/table/sys_user/{user_id}");
                if display {
                    json!({"display_value": PEOPLE[assignee], "link": link})
                } else {
                    json!({"link": link, "value": user_id})
                }
            }
        };
        let (priority, state) = if display {
            (
                priority_label(self.priority).to_owned(),
                state_label(self.state).to_owned(),
            )
        } else {
            (self.priority.to_string(), self.state.to_string())
        };
        json!({
            "sys_id": self.sys_id, "number": self.number, "short_description": self.short_description,
            "description": self.description, "priority": priority, "state": state,
            "assigned_to": assigned_to, "category": self.category, "opened_at": opened
        })
    }
}

#[derive(Deserialize)]
struct RunsQuery {
    limit: Option<String>,
    offset: Option<String>,
    job_id: Option<String>,
}

fn databricks_error(message: String) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error_code": "INVALID_PARAMETER_VALUE", "message": message})),
    )
        .into_response()
}

/// `GET /api/2.1/jobs/runs/list`: `limit` 1–25 (default 20), `offset`, `job_id`.
#[derive(Deserialize, Default)]
struct FailJob {
    job_id: Option<i64>,
}

/// Demo only: a job run that just failed, listed first by `runs/list` from now on — what a
/// workflow watching for failed runs reacts to. `{"job_id": 101}` picks the job (default
/// nightly-etl).
async fn databricks_fail_job(
    State(state): State<MockState>,
    body: Option<Json<FailJob>>,
) -> Response {
    let job_id = body.and_then(|Json(body)| body.job_id).unwrap_or(JOBS[0].0);
    let Some((_, name)) = JOBS.iter().find(|(id, _)| *id == job_id) else {
        return databricks_error(format!("job {job_id} does not exist"));
    };
    let mut failed = state
        .failed_runs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let run_id = failed
        .front()
        .and_then(|run| run["run_id"].as_i64())
        .map_or(990_001, |last| last + 1);
    let now = Utc::now().timestamp_millis();
    let run = json!({
        "job_id": job_id,
        "run_id": run_id,
        "run_name": name,
        "creator_user_name": "platform-automation@example.com",
        "state": {
            "life_cycle_state": "TERMINATED",
            "result_state": "FAILED",
            "state_message": "Task failed with an error: demo failure on request.",
            "user_cancelled_or_timedout": false
        },
        "start_time": now - 60_000,
        "end_time": now,
        "run_duration": 60_000,
        "trigger": "ONE_TIME",
        "run_type": "JOB_RUN",
        "run_page_url": format!("https://adb-1234567890123456.7.azuredatabricks.net/?o=1234567890123456#job/{job_id}/run/{run_id}")
    });
    failed.push_front(run.clone());
    failed.truncate(MAX_FAILED_RUNS);
    (StatusCode::CREATED, Json(run)).into_response()
}

async fn databricks_runs(
    State(state): State<MockState>,
    Query(query): Query<RunsQuery>,
) -> Response {
    let limit = match query.limit.as_deref().map(str::parse::<usize>) {
        None => 20,
        Some(Ok(limit @ 1..=25)) => limit,
        Some(_) => return databricks_error("limit must be between 1 and 25".into()),
    };
    let offset = match query.offset.as_deref().map(str::parse::<usize>) {
        None => 0,
        Some(Ok(offset)) => offset,
        Some(Err(_)) => return databricks_error("offset must be a non-negative integer".into()),
    };
    let job_id = match query.job_id.as_deref().map(str::parse::<i64>) {
        None => None,
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => return databricks_error("job_id must be an integer".into()),
    };
    let failed: Vec<Value> = state
        .failed_runs
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .cloned()
        .collect();
    let matching: Vec<&Value> = failed
        .iter()
        .chain(RUNS.iter())
        .filter(|run| job_id.is_none_or(|id| run["job_id"] == id))
        .collect();
    let page: Vec<&Value> = matching.iter().skip(offset).take(limit).copied().collect();
    let has_more = offset + page.len() < matching.len();
    let mut body = json!({"runs": page, "has_more": has_more});
    if page.is_empty() {
        body.as_object_mut().map(|map| map.remove("runs"));
    }
    Json(body).into_response()
}

#[derive(Deserialize)]
struct TableQuery {
    sysparm_limit: Option<String>,
    sysparm_offset: Option<String>,
    sysparm_display_value: Option<String>,
    sysparm_query: Option<String>,
}

/// The sort a `sysparm_query` asks for. Of the encoded query language only `ORDERBY<field>`
/// and `ORDERBYDESC<field>` on `number`, `opened_at` and `priority` are understood; other
/// conditions are refused rather than silently ignored.
fn incident_order(query: &str) -> Result<Option<(&str, bool)>, String> {
    let mut order = None;
    for part in query.split('^').filter(|part| !part.is_empty()) {
        let (field, descending) = match part.strip_prefix("ORDERBYDESC") {
            Some(field) => (field, true),
            None => match part.strip_prefix("ORDERBY") {
                Some(field) => (field, false),
                None => {
                    return Err(format!(
                        "the demo instance only sorts (ORDERBY…); cannot apply \"{part}\""
                    ));
                }
            },
        };
        if !matches!(field, "number" | "opened_at" | "priority") {
            return Err(format!("the demo instance cannot sort by \"{field}\""));
        }
        order = Some((field, descending));
    }
    Ok(order)
}

fn table_error(status: StatusCode, message: &str, detail: Option<String>) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "detail": detail}, "status": "failure"})),
    )
        .into_response()
}

/// `GET /api/now/table/incident` with `sysparm_limit`, `sysparm_offset`,
/// `sysparm_display_value` and a sort in `sysparm_query`; the total is in `X-Total-Count` as
/// on the real instance. Incidents created through the API follow the seeded ones.
async fn servicenow_incidents(
    State(state): State<MockState>,
    Query(query): Query<TableQuery>,
) -> Response {
    let parse =
        |value: Option<&str>, default: usize| value.map(str::parse::<usize>).unwrap_or(Ok(default));
    let (Ok(limit), Ok(offset)) = (
        parse(query.sysparm_limit.as_deref(), 10_000),
        parse(query.sysparm_offset.as_deref(), 0),
    ) else {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": "Invalid sysparm_limit or sysparm_offset", "detail": null}, "status": "failure"}))).into_response();
    };
    let order = match incident_order(query.sysparm_query.as_deref().unwrap_or_default()) {
        Ok(order) => order,
        Err(detail) => {
            return table_error(
                StatusCode::BAD_REQUEST,
                "Invalid sysparm_query",
                Some(detail),
            );
        }
    };
    let display = matches!(query.sysparm_display_value.as_deref(), Some("true" | "all"));
    let created = state
        .created
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .kept
        .clone();
    let mut all: Vec<&Incident> = INCIDENTS.iter().chain(created.iter()).collect();
    if let Some((field, descending)) = order {
        all.sort_by(|a, b| {
            let ordering = match field {
                "priority" => a.priority.cmp(&b.priority),
                "opened_at" => a.opened_at.cmp(&b.opened_at),
                _ => a.number.cmp(&b.number),
            };
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
    }
    let result: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|incident| incident.to_json(display))
        .collect();
    let mut headers = HeaderMap::new();
    headers.insert("x-total-count", HeaderValue::from(all.len()));
    (headers, Json(json!({ "result": result }))).into_response()
}

/// A choice field (`urgency`, `impact`): 1 (high) to 3 (low), 3 when not given.
fn choice(body: &Value, field: &str) -> Result<u8, String> {
    let value = match &body[field] {
        Value::Null => return Ok(3),
        Value::String(text) if text.is_empty() => return Ok(3),
        Value::String(text) => text.parse::<u64>().ok(),
        Value::Number(number) => number.as_u64(),
        _ => None,
    };
    match value {
        Some(value @ 1..=3) => Ok(value as u8),
        _ => Err(format!("{field} must be 1, 2 or 3")),
    }
}

/// `POST /api/now/table/incident`: 201 with the created record (and its `Location`), the
/// number following the seeded incidents. Like an instance with the usual data policy, a
/// short description is mandatory; priority follows ServiceNow's impact × urgency matrix.
/// Unknown fields are ignored, as the real Table API does.
async fn servicenow_create_incident(
    State(state): State<MockState>,
    body: Option<Json<Value>>,
) -> Response {
    let Some(Json(body @ Value::Object(_))) = body else {
        return table_error(
            StatusCode::BAD_REQUEST,
            "Exception while reading request",
            Some("The payload is not a JSON object".into()),
        );
    };
    let text = |field: &str| {
        body[field]
            .as_str()
            .map(str::trim)
            .unwrap_or_default()
            .to_owned()
    };
    let short_description = truncated(text("short_description"), SHORT_DESCRIPTION_MAX);
    if short_description.is_empty() {
        return table_error(
            StatusCode::BAD_REQUEST,
            "Operation Failed",
            Some("Data Policy Exception: Short description is mandatory".into()),
        );
    }
    let (urgency, impact) = match (choice(&body, "urgency"), choice(&body, "impact")) {
        (Ok(urgency), Ok(impact)) => (urgency, impact),
        (Err(detail), _) | (_, Err(detail)) => {
            return table_error(StatusCode::BAD_REQUEST, "Invalid value", Some(detail));
        }
    };
    let category = Some(text("category"))
        .filter(|category| CATEGORIES.contains(&category.as_str()))
        .unwrap_or_else(|| "inquiry".to_owned());
    let mut created = state
        .created
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let index = INCIDENT_COUNT + created.total;
    let incident = Incident {
        // Deterministic: the nth created incident always gets the same id and number.
        sys_id: format!("{:032x}", (0x5e_u128 << 120) | index as u128),
        number: format!("INC{:07}", 10_001 + index),
        short_description,
        description: truncated(text("description"), DESCRIPTION_MAX),
        priority: (impact + urgency).saturating_sub(1).clamp(1, 5),
        state: 1,
        assignee: None,
        category,
        opened_at: anchor() + chrono::Duration::minutes(index as i64 * 53),
    };
    let location = format!(
        "https://example.service-now.com/api/now/table/incident/{}",
        incident.sys_id
    );
    let record = incident.to_json(false);
    created.total += 1;
    if created.kept.len() == MAX_CREATED_INCIDENTS {
        created.kept.pop_front();
    }
    created.kept.push_back(incident);
    (
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(json!({ "result": record })),
    )
        .into_response()
}

/// `GET /api/2.0/clusters/list`.
async fn databricks_clusters() -> Json<Value> {
    let clusters: Vec<Value> = [("etl-shared", "RUNNING", 8), ("ml-gpu", "TERMINATED", 0), ("bi-serving", "RUNNING", 4), ("adhoc", "PENDING", 2)]
        .iter()
        .enumerate()
        .map(|(index, (name, state, workers))| {
            json!({
                "cluster_id": format!("1122-0{index}0000-demo{index}"), "cluster_name": name, "state": state,
                "num_workers": workers, "spark_version": "15.4.x-scala2.12", "node_type_id": "Standard_DS3_v2",
                "creator_user_name": "platform-automation@example.com"
            })
        })
        .collect();
    Json(json!({ "clusters": clusters }))
}

const REPORTS: &[(&str, &str)] = &[
    ("5b2f7a1e-0000-4000-8000-000000000001", "Platform costs"),
    ("5b2f7a1e-0000-4000-8000-000000000002", "Job reliability"),
    ("5b2f7a1e-0000-4000-8000-000000000003", "Data freshness"),
];

/// `GET /v1.0/myorg/groups/{group}/reports`; embed URLs point at the demo report page below.
async fn powerbi_reports(axum::extract::Path(group): axum::extract::Path<String>) -> Json<Value> {
    let reports: Vec<Value> = REPORTS
        .iter()
        .map(|(id, name)| {
            json!({
                "id": id, "reportType": "PowerBIReport", "name": name, "datasetId": format!("ds-{id}"),
                "webUrl": format!("https://app.powerbi.com/groups/{group}/reports/{id}"),
                "embedUrl": format!("/mock/powerbi/embed/{id}")
            })
        })
        .collect();
    Json(
        json!({"@odata.context": "https://api.powerbi.com/v1.0/myorg/$metadata#reports", "value": reports}),
    )
}

/// A stand-in report page for Iframe widgets.
async fn powerbi_embed(axum::extract::Path(report): axum::extract::Path<String>) -> Response {
    let Some((_, name)) = REPORTS.iter().find(|(id, _)| *id == report) else {
        return (StatusCode::NOT_FOUND, "no such report").into_response();
    };
    axum::response::Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{name}</title></head>\
         <body style=\"font-family:sans-serif;margin:2rem\"><h1>{name}</h1><p>Demo Power BI report {report}.</p></body></html>"
    ))
    .into_response()
}

/// `GET /api/3.21/sites/{site}/views` with `pageSize` / `pageNumber`.
async fn tableau_views(Query(query): Query<std::collections::HashMap<String, String>>) -> Response {
    let names = [
        "Executive overview",
        "Pipeline health",
        "Warehouse usage",
        "Data quality",
        "Cost by team",
    ];
    let size: usize = query
        .get("pageSize")
        .and_then(|value| value.parse().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let number: usize = query
        .get("pageNumber")
        .and_then(|value| value.parse().ok())
        .unwrap_or(1)
        .max(1);
    let views: Vec<Value> = names
        .iter()
        .enumerate()
        .skip((number - 1) * size)
        .take(size)
        .map(|(index, name)| {
            let path = name.to_lowercase().replace(' ', "-");
            json!({
                "id": format!("view-{index}"), "name": name, "viewUrlName": path,
                "contentUrl": format!("PlatformOps/sheets/{path}"),
                "workbook": {"id": "wb-1", "name": "Platform Ops"}, "owner": {"id": "user-1"}
            })
        })
        .collect();
    Json(json!({
        "pagination": {"pageNumber": number.to_string(), "pageSize": size.to_string(), "totalAvailable": names.len().to_string()},
        "views": {"view": views}
    }))
    .into_response()
}

const PIPELINE_NAMES: [&str; 4] = [
    "platform-infra",
    "data-pipelines",
    "dashboards",
    "terraform-azure",
];

/// `GET {organization}/{project}/_apis/pipelines`.
async fn devops_pipelines() -> Json<Value> {
    let pipelines: Vec<Value> = PIPELINE_NAMES
        .iter()
        .enumerate()
        .map(|(index, name)| json!({"id": index + 1, "name": name, "folder": "\\platform", "revision": index + 3}))
        .collect();
    Json(json!({"count": pipelines.len(), "value": pipelines}))
}

/// `GET {organization}/{project}/_apis/build/builds` with `$top`.
async fn devops_builds(
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Json<Value> {
    let top: usize = query
        .get("$top")
        .and_then(|value| value.parse().ok())
        .unwrap_or(20)
        .clamp(1, 100);
    let mut rng = ChaCha8Rng::seed_from_u64(20261103);
    let builds: Vec<Value> = (0..30)
        .map(|index| {
            let pipeline = PIPELINE_NAMES[index % PIPELINE_NAMES.len()];
            let queued = anchor() + chrono::Duration::minutes(index as i64 * 47);
            let result = if rng.gen_range(0..10) < 2 { "failed" } else { "succeeded" };
            json!({
                "id": 5000 + index, "buildNumber": format!("20261101.{}", index + 1), "status": "completed", "result": result,
                "queueTime": queued.to_rfc3339(), "finishTime": (queued + chrono::Duration::minutes(rng.gen_range(3..25))).to_rfc3339(),
                "definition": {"id": index % PIPELINE_NAMES.len() + 1, "name": pipeline},
                "requestedFor": {"displayName": PEOPLE[index % PEOPLE.len()]}
            })
        })
        .rev()
        .take(top)
        .collect();
    Json(json!({"count": builds.len(), "value": builds}))
}

#[derive(Deserialize)]
struct ActivityQuery {
    count: Option<usize>,
}

const MAX_ACTIVITY_EVENTS: usize = 20_000;

/// A large source in the shape of the Azure Monitor activity log (`value` array), for data
/// grids: `count` events (default 1,000, at most 20,000), newest first, deterministic.
async fn azure_activity_log(Query(query): Query<ActivityQuery>) -> Response {
    let count = query.count.unwrap_or(1_000);
    if count == 0 || count > MAX_ACTIVITY_EVENTS {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "InvalidParameter", "message": format!("count must be 1 to {MAX_ACTIVITY_EVENTS}")}})),
        )
            .into_response();
    }
    const OPERATIONS: &[&str] = &[
        "Microsoft.Compute/virtualMachines/start/action",
        "Microsoft.Storage/storageAccounts/write",
        "Microsoft.Databricks/workspaces/write",
        "Microsoft.Network/networkSecurityGroups/write",
        "Microsoft.KeyVault/vaults/secrets/read",
    ];
    const GROUPS: &[&str] = &["rg-data-platform", "rg-analytics", "rg-shared-network"];
    const CALLERS: &[&str] = &[
        "ada@example.com",
        "pipeline@example.com",
        "grace@example.com",
    ];
    let mut rng = ChaCha8Rng::seed_from_u64(20261103);
    let value: Vec<Value> = (0..count)
        .map(|index| {
            let status = if rng.gen_ratio(1, 12) { "Failed" } else { "Succeeded" };
            json!({
                "eventNumber": index + 1,
                "eventTimestamp": (anchor() - chrono::Duration::seconds(index as i64 * 37)).to_rfc3339(),
                "operationName": OPERATIONS[rng.gen_range(0..OPERATIONS.len())],
                "resourceGroupName": GROUPS[rng.gen_range(0..GROUPS.len())],
                "caller": CALLERS[rng.gen_range(0..CALLERS.len())],
                "status": status,
            })
        })
        .collect();
    Json(json!({ "value": value })).into_response()
}

/// The key the demo status API accepts; a published demo value, like the seeded logins.
pub const STATUSPAGE_DEMO_KEY: &str = "demo-status-key";

/// A status page API that wants an API key in `X-API-Key`: components with their status,
/// uptime ratio and last change, and counts per status.
async fn statuspage_components(headers: HeaderMap) -> Response {
    if headers.get("x-api-key").and_then(|v| v.to_str().ok()) != Some(STATUSPAGE_DEMO_KEY) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": {"message": "Invalid or missing API key"}})),
        )
            .into_response();
    }
    const COMPONENTS: [(&str, &str, f64, i64); 6] = [
        ("Databricks workspace", "operational", 0.9987, 3),
        ("SQL warehouse", "operational", 0.9991, 26),
        ("ServiceNow integration", "degraded_performance", 0.9712, 1),
        ("Power BI gateway", "operational", 0.9999, 70),
        ("Azure DevOps agents", "operational", 0.9978, 12),
        ("Data lake storage", "operational", 1.0, 150),
    ];
    let components: Vec<Value> = COMPONENTS
        .iter()
        .enumerate()
        .map(|(index, (name, status, uptime, hours_ago))| {
            json!({
                "id": format!("cmp-{}", index + 1),
                "name": name,
                "status": status,
                "uptime": uptime,
                "updated_at": (anchor() - chrono::Duration::hours(*hours_ago)).to_rfc3339(),
            })
        })
        .collect();
    let degraded = components
        .iter()
        .filter(|c| c["status"] != "operational")
        .count();
    Json(json!({
        "summary": {"operational": components.len() - degraded, "degraded": degraded},
        "components": components,
    }))
    .into_response()
}

/// A tool that is down, for demonstrating and testing failure handling.
async fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({"error": "service unavailable"})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_data_is_deterministic_and_has_failures() {
        assert_eq!(RUNS.len(), RUN_COUNT);
        let failed = RUNS
            .iter()
            .filter(|run| run["state"]["result_state"] == "FAILED")
            .count();
        assert!(failed > 0 && failed < RUN_COUNT, "{failed} failed runs");
        // Newest first.
        assert!(RUNS[0]["start_time"].as_i64() > RUNS[1]["start_time"].as_i64());
        assert_eq!(INCIDENTS.len(), INCIDENT_COUNT);
        assert_eq!(INCIDENTS[0].number, "INC0010001");
        assert!(INCIDENTS.iter().any(|incident| incident.priority == 1));
    }

    #[test]
    fn display_values_turn_codes_into_labels() {
        let incident = &INCIDENTS[0];
        let raw = incident.to_json(false);
        let shown = incident.to_json(true);
        assert_eq!(raw["priority"], incident.priority.to_string());
        assert_eq!(shown["priority"], priority_label(incident.priority));
        assert_eq!(
            shown["assigned_to"]["display_value"],
            PEOPLE[incident.assignee.unwrap()]
        );
        assert!(raw["assigned_to"].get("display_value").is_none());
    }

    #[tokio::test]
    async fn created_incidents_are_bounded_and_keep_counting() {
        let state = MockState::default();
        let extra = 5;
        for n in 0..MAX_CREATED_INCIDENTS + extra {
            let body = json!({
                "short_description": format!("incident {n} {}", "x".repeat(500)),
                "description": "d".repeat(DESCRIPTION_MAX * 2),
            });
            let response = servicenow_create_incident(State(state.clone()), Some(Json(body))).await;
            assert_eq!(response.status(), StatusCode::CREATED);
        }
        let created = state.created.lock().unwrap();
        assert_eq!(created.kept.len(), MAX_CREATED_INCIDENTS);
        assert_eq!(created.total, MAX_CREATED_INCIDENTS + extra);
        let newest = created.kept.back().unwrap();
        let expected = 10_001 + INCIDENT_COUNT + MAX_CREATED_INCIDENTS + extra - 1;
        assert_eq!(newest.number, format!("INC{expected:07}"));
        assert_eq!(
            newest.short_description.chars().count(),
            SHORT_DESCRIPTION_MAX
        );
        assert_eq!(newest.description.chars().count(), DESCRIPTION_MAX);
        assert!(
            created
                .kept
                .front()
                .unwrap()
                .short_description
                .starts_with("incident 5 ")
        );
    }
}
