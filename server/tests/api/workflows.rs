//! Workflows over HTTP against this server's own demo stand-ins: channels added through the
//! API, a workflow built and turned on through it, a run started with "Run now", and every
//! delivery visible in the stand-ins' inboxes.

use super::*;

async fn created(app: &TestApp, client: &Client, path: &str, body: Value) -> Value {
    let response = client.post(app.url(path)).json(&body).send().await.unwrap();
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert!(
        status.is_success(),
        "{}: POST {path} → {status}: {answer}",
        app.label
    );
    answer
}

/// What a demo stand-in received, newest first.
async fn inbox(app: &TestApp, service: &str) -> Value {
    let response = app
        .client()
        .get(app.url(&format!("/mock/{service}/inbox")))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    response.json::<Value>().await.unwrap()["deliveries"].clone()
}

#[test]
fn a_run_started_by_hand_reaches_slack_teams_and_pagerduty_stand_ins() {
    on_shared_runtime(async {
        for app in apps().await {
            let label = app.label;
            let admin = app.admin().await;
            for channel in [
                json!({"name": "hand-slack", "kind": "slack", "secret": "/mock/slack/hooks/T000/B000/ops"}),
                json!({"name": "hand-teams", "kind": "teams", "secret": "/mock/teams/hooks/ops?sig=demo"}),
                json!({"name": "hand-pager", "kind": "pagerduty", "secret": "demo-routing-key", "settings": {"url": "/mock/pagerduty"}}),
            ] {
                let summary = created(&app, &admin, "/api/channels", channel).await;
                assert_eq!(summary["has_secret"], true, "{label}");
                assert!(summary.get("secret").is_none(), "{label}: {summary}");
            }
            let definition = json!({"schema_version": 1,
                "nodes": [
                    {"id": "start", "step": {"type": "manual", "sample": {"job": "nightly-etl"}}},
                    {"id": "slack", "step": {"type": "slack", "channel": "hand-slack", "text": "<b>{{ trigger.job }}</b> failed"}},
                    {"id": "teams", "step": {"type": "teams", "channel": "hand-teams", "title": "{{ trigger.job }} failed", "text": "See the runs page."}},
                    {"id": "page", "step": {"type": "pagerduty", "channel": "hand-pager", "summary": "{{ trigger.job }} failed", "severity": "critical"}}
                ],
                "edges": [{"from": "start", "to": "slack"}, {"from": "start", "to": "teams"}, {"from": "start", "to": "page"}]});
            let draft = created(&app, &admin, "/api/workflows",
                json!({"slug": "notify-on-call", "name": "Notify on-call", "definition": definition})).await;
            assert_eq!(draft["issues"], json!([]), "{label}: {draft}");
            let id = draft["workflow"]["id"].as_i64().unwrap();
            created(
                &app,
                &admin,
                &format!("/api/workflows/{id}/enable"),
                json!({"base_revision": 1}),
            )
            .await;
            let started = created(
                &app,
                &admin,
                "/api/workflows/execute",
                json!({"workflow": "notify-on-call", "input": {"job": "nightly-etl"}}),
            )
            .await;
            let run = started["run_id"].as_i64().unwrap();

            app.services.engine.run_due().await.unwrap();
            let detail = app.get_json(&admin, &format!("/api/runs/{run}")).await;
            assert_eq!(detail["run"]["status"], "succeeded", "{label}: {detail}");
            assert_eq!(detail["input"], json!({"job": "nightly-etl"}), "{label}");

            let slack = inbox(&app, "slack").await;
            assert_eq!(
                slack[0]["body"],
                json!({"text": "<b>nightly-etl</b> failed"}),
                "{label}"
            );
            assert_eq!(
                slack[0]["idempotency_key"],
                format!("run-{run}-slack"),
                "{label}"
            );
            let teams = inbox(&app, "teams").await;
            assert_eq!(
                teams[0]["body"]["attachments"][0]["content"]["body"][0]["text"],
                "nightly-etl failed",
                "{label}"
            );
            let pages = inbox(&app, "pagerduty").await;
            assert_eq!(
                pages[0]["body"]["dedup_key"],
                format!("run-{run}-page"),
                "{label}"
            );

            // The inbox page shows what arrived, escaped.
            let page = app
                .client()
                .get(app.url("/mock/slack/inbox"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                page.contains("&lt;b&gt;nightly-etl&lt;/b&gt; failed"),
                "{label}"
            );
            assert!(!page.contains("<b>nightly-etl</b>"), "{label}");
        }
    });
}

/// The seeded demo: a Databricks job failing on request is noticed by the enabled workflow's
/// next poll, which opens a ServiceNow incident and posts it to Teams and Slack.
#[test]
fn a_databricks_job_failed_on_request_opens_an_incident_and_tells_teams_and_slack() {
    on_shared_runtime(async {
        for app in apps().await {
            let label = app.label;
            let admin = app.admin().await;
            let engine = &app.services.engine;
            // The first poll learns the runs that failed before.
            assert_eq!(engine.fire_due_triggers().await.unwrap(), 0, "{label}");

            let failed = created(
                &app,
                &app.client(),
                "/mock/databricks/demo/fail-job",
                json!({"job_id": 101}),
            )
            .await;
            let run_id = failed["run_id"].as_i64().unwrap();
            // One polling interval later (the trigger's due time moved instead of waiting).
            backend::entities::workflow_trigger::Entity::update_many()
                .col_expr(
                    backend::entities::workflow_trigger::Column::NextDueAt,
                    sea_orm::sea_query::Expr::value(
                        chrono::Utc::now() - chrono::Duration::seconds(1),
                    ),
                )
                .exec(&app.services.db)
                .await
                .unwrap();
            assert_eq!(engine.fire_due_triggers().await.unwrap(), 1, "{label}");
            assert_eq!(
                engine.fire_due_triggers().await.unwrap(),
                0,
                "{label}: fired once"
            );
            engine.run_due().await.unwrap();

            let workflows = app.get_json(&admin, "/api/workflows").await;
            let id = workflows["workflows"][0]["id"].as_i64().unwrap();
            let runs = app
                .get_json(&admin, &format!("/api/workflows/{id}/runs"))
                .await;
            let run = runs["runs"][0]["id"].as_i64().unwrap();
            let detail = app.get_json(&admin, &format!("/api/runs/{run}")).await;
            assert_eq!(detail["run"]["status"], "succeeded", "{label}: {detail}");
            assert_eq!(detail["input"]["run_id"], run_id, "{label}");
            let number = detail["steps"][0]["output"]["result"]["number"]
                .as_str()
                .unwrap()
                .to_owned();

            let incidents = app
                .mock("/mock/servicenow/api/now/table/incident?sysparm_limit=5&sysparm_query=ORDERBYDESCnumber")
                .await;
            let incident = &incidents["result"][0];
            assert_eq!(incident["number"], number.as_str(), "{label}: {incidents}");
            assert_eq!(
                incident["short_description"], "Databricks job nightly-etl failed",
                "{label}"
            );

            let slack = inbox(&app, "slack").await;
            assert!(
                slack[0]["body"]["text"].as_str().unwrap().contains(&number),
                "{label}: {slack}"
            );
            let teams = inbox(&app, "teams").await;
            let title = teams[0]["body"]["attachments"][0]["content"]["body"][0]["text"]
                .as_str()
                .unwrap();
            assert_eq!(title, format!("{number}: nightly-etl failed"), "{label}");
        }
    });
}
