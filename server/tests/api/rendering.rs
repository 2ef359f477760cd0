//! Rendering pages with data from the demo tools: the API, the HTML and the server function.

use super::*;

#[test]
fn render_api_resolves_the_seeded_dashboard_from_the_mock_tools() {
    on_shared_runtime(async {
        for app in apps().await {
            let (succeeded, failed, numbers) = expected_from_mocks(&app).await;
            assert!(failed > 0, "the demo data includes failures");
            let viewer = app.viewer().await;
            let pages = app.get_json(&viewer, "/api/pages").await;
            let id = pages["pages"][0]["id"].as_i64().unwrap();
            let rendered = app
                .get_json(&viewer, &format!("/api/pages/{id}/render"))
                .await;
            let data = &rendered["data"];
            assert_eq!(
                data["job-successes"]["values"]["value"],
                json!(succeeded),
                "{}",
                app.label
            );
            assert_eq!(data["job-failures"]["values"]["value"], json!(failed));
            let rows = data["tickets"]["values"]["rows"].as_array().unwrap();
            let shown: Vec<&str> = rows.iter().map(|row| row["ID"].as_str().unwrap()).collect();
            assert_eq!(shown, numbers);
            assert!(
                rows[0]["AssignedTo"].is_string()
                    && rows[0]["Priority"].as_str().unwrap().contains(" - ")
            );
            assert_eq!(
                data["run-durations"]["values"]["points"]
                    .as_array()
                    .unwrap()
                    .len(),
                25
            );
        }
    });
}

#[test]
fn a_failing_tool_fails_only_its_widget() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin_user = app
                .services
                .auth
                .login("admin@example.com", "Admin123!")
                .await
                .unwrap()
                .user;
            app.services
                .tools
                .ensure(
                    &admin_user,
                    NewTool {
                        slug: "down".into(),
                        name: "Status API".into(),
                        kind: "rest".into(),
                        base_url: "/mock/unavailable".into(),
                        auth: Default::default(),
                        secret: None,
                        config: json!({}),
                    },
                )
                .await
                .unwrap();
            let mut definition = seed::page_definition("platform-overview.json").unwrap();
            definition["layout"]["widgets"][1]["binding"] = json!({"tool": "down", "request": {"path": "/status"}, "mapping": {"value": "count"}});
            let admin = app.admin().await;
            let created: Value = admin
                .post(app.url("/api/pages"))
                .json(&json!({"slug": "partly-down", "title": "Partly down", "definition": definition, "publish": true}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let rendered = app
                .get_json(&admin, &format!("/api/pages/{}/render", created["id"]))
                .await;
            assert_eq!(
                rendered["data"]["job-failures"]["status"], "failed",
                "{}",
                app.label
            );
            assert_eq!(
                rendered["data"]["job-failures"]["message"],
                "Status API answered with HTTP 503."
            );
            assert_eq!(rendered["data"]["job-successes"]["status"], "ready");
            assert_eq!(rendered["data"]["tickets"]["status"], "ready");

            // The server-rendered page shows the error with a retry button and the rest of the data.
            let html = admin
                .get(app.url("/p/partly-down"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(html.contains("Status API answered with HTTP 503."));
            assert!(html.contains(">Retry<"));
            assert!(html.contains("INC0010001"));
        }
    });
}

#[test]
fn viewer_page_is_server_rendered_with_data_in_the_html() {
    on_shared_runtime(async {
        for app in apps().await {
            let (succeeded, failed, numbers) = expected_from_mocks(&app).await;
            let viewer = app.viewer().await;
            let response = viewer
                .get(app.url("/p/platform-overview"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
            let html = response.text().await.unwrap();
            assert!(
                html.contains(&format!("class=\"kpi-value\">{succeeded}<")),
                "success KPI in HTML"
            );
            assert!(
                html.contains(&format!("class=\"kpi-value\">{failed}<")),
                "failure KPI in HTML"
            );
            for number in &numbers {
                assert!(
                    html.contains(&format!("<td>{number}</td>")),
                    "{number} in HTML"
                );
            }
            assert!(
                html.contains("<svg") && html.contains("<polyline"),
                "chart drawn on the server"
            );
            assert!(html.contains("data-testid=\"last-updated\""));
        }
    });
}

#[test]
fn health_readiness_and_request_ids() {
    on_shared_runtime(async {
        for app in apps().await {
            let health = app.client().get(app.url("/healthz")).send().await.unwrap();
            assert_eq!(health.status(), StatusCode::OK, "{}", app.label);
            assert!(health.headers().contains_key("x-request-id"));
            let ready: Value = app
                .client()
                .get(app.url("/readyz"))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(ready["status"], "ready");
            let echoed = app
                .client()
                .get(app.url("/healthz"))
                .header("x-request-id", "abc-123")
                .send()
                .await
                .unwrap();
            assert_eq!(echoed.headers()["x-request-id"], "abc-123");
        }
    });
}

#[test]
fn server_function_returns_the_rendered_page_as_json() {
    on_shared_runtime(async {
        for app in apps().await {
            let viewer = app.viewer().await;
            let response = viewer
                .post(app.url("/rpc/render_page"))
                .form(&[("slug", "platform-overview"), ("refresh", "true")])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["page"]["slug"], "platform-overview");
            let anonymous = app
                .client()
                .post(app.url("/rpc/render_page"))
                .form(&[("slug", "platform-overview"), ("refresh", "false")])
                .send()
                .await
                .unwrap();
            assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        }
    });
}

#[test]
fn a_failing_tool_shows_its_last_good_data_marked_stale() {
    on_shared_runtime(async {
        use std::sync::{
            Arc,
            atomic::{AtomicBool, Ordering},
        };
        let healthy = Arc::new(AtomicBool::new(true));
        let switch = healthy.clone();
        let tool_app = axum::Router::new().route(
            "/count",
            axum::routing::get(move || {
                let healthy = switch.clone();
                async move {
                    if healthy.load(Ordering::SeqCst) {
                        axum::Json(json!({"count": 41})).into_response()
                    } else {
                        StatusCode::BAD_GATEWAY.into_response()
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tool_url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, tool_app).await.unwrap() });

        for app in apps().await {
            healthy.store(true, Ordering::SeqCst);
            let admin_user = app
                .services
                .auth
                .login("admin@example.com", "Admin123!")
                .await
                .unwrap()
                .user;
            app.services
                .tools
                .ensure(
                    &admin_user,
                    NewTool {
                        slug: "counter".into(),
                        name: "Counter API".into(),
                        kind: "rest".into(),
                        base_url: tool_url.clone(),
                        auth: Default::default(),
                        secret: None,
                        config: json!({}),
                    },
                )
                .await
                .unwrap();
            let definition = json!({"schema_version": 1, "layout": {"widgets": [
                {"id": "count", "type": "kpi", "props": {"label": "Count"}, "position": {"desktop": {"x": 0, "y": 0, "w": 4, "h": 2}},
                 "binding": {"tool": "counter", "request": {"path": "/count"}, "mapping": {"value": "count"}}}
            ]}});
            let admin = app.admin().await;
            let created = admin
                .post(app.url("/api/pages"))
                .json(&json!({"slug": "counter", "title": "Counter", "definition": definition, "publish": true}))
                .send()
                .await
                .unwrap();
            assert_eq!(created.status(), StatusCode::CREATED, "{}", app.label);
            let html = admin
                .get(app.url("/p/counter"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(html.contains("class=\"kpi-value\">41<") && !html.contains("stale-note"));

            healthy.store(false, Ordering::SeqCst);
            let html = admin
                .get(app.url("/p/counter?refresh=1"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(
                html.contains("class=\"kpi-value\">41<"),
                "{}: the last good value is still shown",
                app.label
            );
            assert!(html.contains("data-testid=\"stale-note\""));
            assert!(html.contains("Counter API answered with HTTP 502."));
        }
    });
}

#[test]
fn sql_and_graphql_widgets_render_from_the_demo_tools_with_page_variables() {
    on_shared_runtime(async {
        for app in apps().await {
            let statement = |id: &str, x: u8, tool: &str, path: &str, body: Value, rows: &str| {
                json!({"id": id, "type": "table", "position": {"desktop": {"x": x, "y": 0, "w": 3, "h": 4}},
                       "props": {"columns": [{"key": "name", "label": "Name"}, {"key": "count", "label": "Count"}]},
                       "binding": {"tool": tool, "request": {"method": "POST", "path": path, "body": body},
                                   "mapping": {"rows": rows}}})
            };
            let definition = json!({"schema_version": 1, "layout": {"widgets": [
                statement("by-result", 0, "databricks-demo", "/api/2.0/sql/statements",
                    json!({"kind": "statement", "name": "runs_by_result", "parameters": {"result": "{{result}}"}}),
                    "result.data_array[*].{name: [0], count: to_number([1])}"),
                statement("credits", 3, "snowflake-demo", "/api/v2/statements",
                    json!({"kind": "statement", "name": "warehouse_credits", "parameters": {"min_credits": 100}}),
                    "data[*].{name: [0], count: to_number([1])}"),
                statement("gql", 6, "graphql-demo", "/graphql",
                    json!({"kind": "graphql", "query": "query($result: String) { runs(result: $result, limit: 3) { jobName durationMs } }", "variables": {"result": "{{result}}"}}),
                    "data.runs[].{name: jobName, count: durationMs}"),
                statement("gql-broken", 9, "graphql-demo", "/graphql",
                    json!({"kind": "graphql", "query": "{ runs { nope } }"}),
                    "data.runs")
            ]}});
            let created: Value = app
                .admin()
                .await
                .post(app.url("/api/pages"))
                .json(&json!({"slug": "warehouse", "title": "Warehouse", "definition": definition, "publish": true}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let viewer = app.viewer().await;
            let path =
                |result: &str| format!("/api/pages/{}/render?result={result}", created["id"]);
            let failed = app.get_json(&viewer, &path("FAILED")).await;
            let succeeded = app.get_json(&viewer, &path("SUCCESS")).await;
            let rows = |page: &Value, id: &str| page["data"][id]["values"]["rows"].clone();
            assert!(
                rows(&failed, "by-result")
                    .as_array()
                    .is_some_and(|rows| !rows.is_empty()),
                "{}: {}",
                app.label,
                failed["data"]["by-result"]
            );
            assert_ne!(rows(&failed, "by-result"), rows(&succeeded, "by-result"));
            assert_eq!(
                rows(&failed, "credits"),
                json!([{"name": "ANALYTICS_WH", "count": 412.5}, {"name": "ETL_WH", "count": 388.0}, {"name": "BI_WH", "count": 141.25}])
            );
            assert_eq!(rows(&failed, "gql").as_array().unwrap().len(), 3);
            assert_ne!(rows(&failed, "gql"), rows(&succeeded, "gql"));
            assert_eq!(
                failed["data"]["gql-broken"],
                json!({"status": "failed", "message": "GraphQL (demo) reported an error: Cannot query field \"nope\" on type \"Run\"."})
            );
        }
    });
}

#[test]
fn a_data_grid_reads_a_paged_source_further_when_the_viewer_asks() {
    on_shared_runtime(async {
        for app in apps().await {
            let definition = json!({"schema_version": 1, "layout": {"widgets": [
                {"id": "all", "type": "data_grid", "position": {"desktop": {"x": 0, "y": 0, "w": 12, "h": 6}},
                 "props": {"columns": [{"key": "number", "label": "Number"}]},
                 "binding": {"tool": "servicenow-demo",
                   "request": {"path": "/api/now/table/incident",
                     "pagination": {"style": "offset", "limit_param": "sysparm_limit", "offset_param": "sysparm_offset",
                       "items": "result", "page_size": 20, "max_pages": 1}},
                   "mapping": {"rows": "result[].{number: number}"},
                   "transforms": {"rows.number": [{"kind": "map_values", "values": {"INC0010021": "first of page 2"}}]}}}
            ]}});
            let created = app
                .admin()
                .await
                .post(app.url("/api/pages"))
                .json(&json!({"slug": "all-incidents", "title": "All incidents", "definition": definition, "publish": true}))
                .send()
                .await
                .unwrap();
            assert_eq!(created.status(), StatusCode::CREATED, "{}", app.label);
            let id = created.json::<Value>().await.unwrap()["id"]
                .as_i64()
                .unwrap();
            let viewer = app.viewer().await;
            let rendered = app
                .get_json(&viewer, &format!("/api/pages/{id}/render"))
                .await;
            let grid = &rendered["data"]["all"];
            assert_eq!(grid["values"]["rows"].as_array().unwrap().len(), 20);
            assert_eq!(
                grid["more"],
                json!({"kind": "page", "at": 1}),
                "{}",
                app.label
            );

            let expected = |offset: usize| {
                let app = &app;
                async move {
                    let page = app
                        .mock(&format!("/mock/servicenow/api/now/table/incident?sysparm_limit=20&sysparm_offset={offset}"))
                        .await;
                    page["result"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|incident| incident["number"].as_str().unwrap().to_owned())
                        .collect::<Vec<_>>()
                }
            };
            let more = |start: Value| {
                viewer
                    .post(app.url("/rpc/more_grid_rows"))
                    .json(&json!({"request": {"page": "all-incidents", "widget": "all", "start": start}}))
                    .send()
            };
            let second: Value = more(json!({"kind": "page", "at": 1}))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let numbers: Vec<String> = second["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|row| row["number"].as_str().unwrap().to_owned())
                .collect();
            let mut wanted = expected(20).await;
            // Transforms apply to the later rows as to the first ones.
            wanted[0] = "first of page 2".to_owned();
            assert_eq!(numbers, wanted, "{}", app.label);
            assert_eq!(second["more"], json!({"kind": "page", "at": 2}));
            let third: Value = more(json!({"kind": "page", "at": 2}))
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(
                third["rows"].as_array().unwrap().len(),
                expected(40).await.len()
            );
            // The demo has 60 incidents: a full third page, then an empty fourth ends it.
            let fourth: Value = more(third["more"].clone())
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(fourth["rows"], json!([]));
            assert!(fourth.get("more").is_none(), "{fourth}");

            // Only grids with a paged source read on, and only on pages the caller sees.
            let anonymous = app
                .client()
                .post(app.url("/rpc/more_grid_rows"))
                .json(&json!({"request": {"page": "all-incidents", "widget": "all", "start": {"kind": "page", "at": 1}}}))
                .send()
                .await
                .unwrap();
            assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
            let not_a_grid = viewer
                .post(app.url("/rpc/more_grid_rows"))
                .json(&json!({"request": {"page": "all-incidents", "widget": "nope", "start": {"kind": "page", "at": 1}}}))
                .send()
                .await
                .unwrap();
            assert_eq!(not_a_grid.status(), StatusCode::NOT_FOUND);
        }
    });
}
