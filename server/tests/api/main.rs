//! The REST API, pages and server functions over real HTTP on SQLite and PostgreSQL, one
//! module per area; the helpers below are shared by several of them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test setup: a failed step should fail the test loudly"
)]

use axum::response::IntoResponse;
use backend::tools::NewTool;
use reqwest::{Client, StatusCode, header};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

#[path = "../common/mod.rs"]
mod common;

mod audit;
mod auth;
mod forms;
mod matrix;
mod pages;
mod rendering;
mod scim;
mod tools;
mod users;
mod workflows;

pub use common::*;

/// Expected values come from the mock tool itself, not from constants.
async fn expected_from_mocks(app: &TestApp) -> (usize, usize, Vec<String>) {
    let runs = app
        .mock("/mock/databricks/api/2.1/jobs/runs/list?limit=25")
        .await;
    let count = |state: &str| {
        runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|run| run["state"]["result_state"] == state)
            .count()
    };
    let tickets = app.mock("/mock/servicenow/api/now/table/incident?sysparm_limit=20&sysparm_offset=0&sysparm_display_value=true").await;
    let numbers = tickets["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ticket| ticket["number"].as_str().unwrap().to_owned())
        .collect();
    (count("SUCCESS"), count("FAILED"), numbers)
}

/// Every shipped template works against its demo stand-in: each endpoint answers with JSON and
/// each suggested mapping finds data in it.
/// Whether a mapped value holds something: not null, not empty, not rows of nulls only.
fn finds_data(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Array(items) => !items.is_empty() && items.iter().all(finds_data),
        Value::Object(fields) => fields.values().any(|field| !field.is_null()),
        _ => true,
    }
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF0, 0x77, 0x7B, 0xFA,
    0x1F, 0x00, 0x04, 0xDC, 0x02, 0x7A, 0xCC, 0xCE, 0x05, 0x8E, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Signs in a second editor, created through the services like the seed's users.
async fn editor(app: &TestApp, name: &str) -> Client {
    let admin = app
        .services
        .auth
        .login("admin@example.com", "Admin123!")
        .await
        .unwrap()
        .user;
    app.services
        .users
        .ensure_user(
            &domain::access::Actor::User(admin.clone()),
            admin.org_id,
            backend::users::NewUser {
                email: "editor@example.com".into(),
                display_name: name.into(),
                password: "Editor123!".into(),
                role: domain::Role::Editor,
            },
        )
        .await
        .unwrap();
    app.signed_in("editor@example.com", "Editor123!").await
}

/// A published page with an incident form and the newest incidents, created over REST.
async fn publish_incident_page(app: &TestApp, slug: &str) -> i64 {
    let definition = json!({"schema_version": 1, "layout": {"widgets": [
        {"id": "report", "type": "form", "position": {"desktop": {"x": 0, "y": 0, "w": 4, "h": 4}},
         "props": {"fields": [
             {"name": "summary", "label": "Summary", "kind": "text", "required": true},
             {"name": "urgency", "label": "Urgency", "kind": "select", "options": ["1", "2", "3"]}
           ],
           "submit": {"tool": "servicenow-demo", "reference": "result.number",
             "request": {"method": "POST", "path": "/api/now/table/incident",
               "body": {"kind": "json", "template": {"short_description": "{{summary}}", "urgency": "{{urgency}}", "impact": "1"}}}}}},
        {"id": "newest", "type": "table", "position": {"desktop": {"x": 4, "y": 0, "w": 8, "h": 4}},
         "props": {"columns": [{"key": "number", "label": "Number"}, {"key": "summary", "label": "Summary"}, {"key": "priority", "label": "Priority"}]},
         "binding": {"tool": "servicenow-demo",
           "request": {"path": "/api/now/table/incident", "query": {"sysparm_query": "ORDERBYDESCnumber", "sysparm_limit": "5", "sysparm_display_value": "true"}},
           "mapping": {"rows": "result[].{number: number, summary: short_description, priority: priority}"}}}
    ]}});
    let created = app
        .admin()
        .await
        .post(app.url("/api/pages"))
        .json(&json!({"slug": slug, "title": "Report an incident", "definition": definition, "publish": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED, "{}", app.label);
    created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap()
}
