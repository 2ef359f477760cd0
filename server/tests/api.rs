//! The real router on a loopback port, over real HTTP, on SQLite and PostgreSQL.
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

mod common;

use common::*;

#[test]
fn json_login_sets_http_only_cookies_and_returns_a_token() {
    on_shared_runtime(async {
        for app in apps().await {
            let response = app
                .client()
                .post(app.url("/api/auth/login"))
                .json(&json!({"email": "admin@example.com", "password": "Admin123!"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
            let cookies: Vec<String> = response
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|value| value.to_str().unwrap().to_owned())
                .collect();
            assert!(
                cookies
                    .iter()
                    .any(|cookie| cookie.starts_with("pb_access=") && cookie.contains("HttpOnly"))
            );
            assert!(
                cookies
                    .iter()
                    .any(|cookie| cookie.starts_with("pb_refresh=") && cookie.contains("HttpOnly"))
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["token_type"], "Bearer");
            assert_eq!(body["user"]["role"], "admin");
            // The token works as a Bearer credential without cookies.
            let me = app
                .client()
                .get(app.url("/api/me"))
                .bearer_auth(body["access_token"].as_str().unwrap())
                .send()
                .await
                .unwrap();
            assert_eq!(me.status(), StatusCode::OK);
            assert_eq!(
                me.json::<Value>().await.unwrap()["email"],
                "admin@example.com"
            );
        }
    });
}

#[test]
fn wrong_password_and_unknown_user_get_the_same_401() {
    on_shared_runtime(async {
        for app in apps().await {
            let attempt = |email: &'static str, password: &'static str| {
                let client = app.client();
                let url = app.url("/api/auth/login");
                async move {
                    client
                        .post(url)
                        .json(&json!({"email": email, "password": password}))
                        .send()
                        .await
                        .unwrap()
                }
            };
            let wrong = attempt("admin@example.com", "wrong-password").await;
            let unknown = attempt("nobody@example.com", "Admin123!").await;
            assert_eq!(
                (wrong.status(), unknown.status()),
                (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED),
                "{}",
                app.label
            );
            let (wrong, unknown): (Value, Value) =
                (wrong.json().await.unwrap(), unknown.json().await.unwrap());
            assert_eq!(wrong, unknown);
            assert_eq!(error_code(&wrong), "unauthenticated");
            assert_eq!(wrong["error"]["message"], "Invalid email or password.");
        }
    });
}

#[test]
fn malformed_bodies_get_400_with_a_clear_message() {
    on_shared_runtime(async {
        for app in apps().await {
            let response = app
                .client()
                .post(app.url("/api/auth/login"))
                .header(header::CONTENT_TYPE, "application/json")
                .body("{\"email\": ")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{}", app.label);
            let body: Value = response.json().await.unwrap();
            assert_eq!(error_code(&body), "bad_request");
            assert!(body["error"]["message"].as_str().unwrap().contains("email"));

            let admin = app.admin().await;
            let response = admin
                .post(app.url("/api/pages"))
                .json(&json!({"slug": "x"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
            let body: Value = response.json().await.unwrap();
            assert!(
                body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("missing field"),
                "{body}"
            );

            let response = admin
                .get(app.url("/api/pages/abc/render"))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        }
    });
}

#[test]
fn html_form_login_redirects_by_role_and_back_on_failure() {
    on_shared_runtime(async {
        for app in apps().await {
            let post = |email: &str, password: &str, next: &str| {
                app.client()
                    .post(app.url("/api/auth/login"))
                    .form(&[("email", email), ("password", password), ("next", next)])
                    .send()
            };
            let viewer = post("viewer@example.com", "Viewer123!", "").await.unwrap();
            assert_eq!(viewer.status(), StatusCode::SEE_OTHER, "{}", app.label);
            assert_eq!(viewer.headers()[header::LOCATION], "/portal");
            let admin = post("admin@example.com", "Admin123!", "").await.unwrap();
            assert_eq!(admin.headers()[header::LOCATION], "/admin");
            let back = post("viewer@example.com", "Viewer123!", "/p/platform-overview")
                .await
                .unwrap();
            assert_eq!(back.headers()[header::LOCATION], "/p/platform-overview");
            let offsite = post("viewer@example.com", "Viewer123!", "//evil.example")
                .await
                .unwrap();
            assert_eq!(offsite.headers()[header::LOCATION], "/portal");
            let failed = post("viewer@example.com", "nope", "/p/platform-overview")
                .await
                .unwrap();
            assert_eq!(
                failed.headers()[header::LOCATION],
                "/login?error=invalid&next=%2Fp%2Fplatform-overview"
            );
        }
    });
}

#[test]
fn refresh_rotates_cookies_and_logout_revokes() {
    on_shared_runtime(async {
        for app in apps().await {
            let client = app.viewer().await;
            let refreshed = client
                .post(app.url("/api/auth/refresh"))
                .send()
                .await
                .unwrap();
            assert_eq!(refreshed.status(), StatusCode::OK, "{}", app.label);
            let logout = client
                .post(app.url("/api/auth/logout"))
                .send()
                .await
                .unwrap();
            assert_eq!(logout.status(), StatusCode::NO_CONTENT);
            assert_eq!(
                app.get_status(&client, "/api/me").await,
                StatusCode::UNAUTHORIZED
            );
            assert_eq!(
                client
                    .post(app.url("/api/auth/refresh"))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::UNAUTHORIZED
            );
        }
    });
}

#[test]
fn an_expired_access_cookie_is_renewed_from_the_refresh_cookie() {
    on_shared_runtime(async {
        for app in apps().await {
            let login: Value = app
                .client()
                .post(app.url("/api/auth/login"))
                .json(&json!({"email": "viewer@example.com", "password": "Viewer123!"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(login["access_token"].is_string());
            // Only the refresh cookie: as if the access cookie had expired.
            let raw = app
                .client()
                .post(app.url("/api/auth/login"))
                .json(&json!({"email": "viewer@example.com", "password": "Viewer123!"}))
                .send()
                .await
                .unwrap();
            let refresh_cookie = raw
                .headers()
                .get_all(header::SET_COOKIE)
                .iter()
                .map(|value| {
                    value
                        .to_str()
                        .unwrap()
                        .split(';')
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .find(|cookie| cookie.starts_with("pb_refresh="))
                .unwrap();
            let response = app
                .client()
                .get(app.url("/api/me"))
                .header(header::COOKIE, &refresh_cookie)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
            assert!(
                response
                    .headers()
                    .get_all(header::SET_COOKIE)
                    .iter()
                    .any(|value| value.to_str().unwrap().starts_with("pb_access="))
            );
        }
    });
}

#[test]
fn pages_are_listed_per_role_and_only_editors_create() {
    on_shared_runtime(async {
        for app in apps().await {
            assert_eq!(
                app.client()
                    .get(app.url("/api/pages"))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::UNAUTHORIZED,
                "{}",
                app.label
            );
            let viewer = app.viewer().await;
            let listed = app.get_json(&viewer, "/api/pages").await;
            assert_eq!(listed["pages"][0]["slug"], "platform-overview");

            let definition = json!({"schema_version": 1, "layout": {"widgets": []}});
            let new_page =
                json!({"slug": "team-notes", "title": "Team notes", "definition": definition});
            let forbidden = viewer
                .post(app.url("/api/pages"))
                .json(&new_page)
                .send()
                .await
                .unwrap();
            assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
            assert_eq!(error_code(&forbidden.json().await.unwrap()), "forbidden");

            let admin = app.admin().await;
            let created = admin
                .post(app.url("/api/pages"))
                .json(&new_page)
                .send()
                .await
                .unwrap();
            assert_eq!(created.status(), StatusCode::CREATED);
            assert_eq!(created.json::<Value>().await.unwrap()["status"], "draft");
            // Drafts stay invisible to viewers.
            let listed = app.get_json(&viewer, "/api/pages").await;
            assert_eq!(listed["pages"].as_array().unwrap().len(), 1);
            let again = admin
                .post(app.url("/api/pages"))
                .json(&new_page)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), StatusCode::CONFLICT);

            let invalid = json!({"slug": "broken", "title": "Broken", "definition": {"schema_version": 1, "layout": {"widgets": [
                {"id": "w", "type": "gauge", "position": {"desktop": {"x": 0, "y": 0, "w": 2, "h": 2}}}
            ]}}});
            let response = admin
                .post(app.url("/api/pages"))
                .json(&invalid)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body: Value = response.json().await.unwrap();
            assert_eq!(
                body["error"]["issues"][0]["path"],
                "definition.layout.widgets[0] (\"w\").type"
            );
        }
    });
}

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
fn signed_out_visitors_are_sent_to_sign_in_and_viewers_kept_out_of_admin() {
    on_shared_runtime(async {
        for app in apps().await {
            let response = app
                .client()
                .get(app.url("/p/platform-overview"))
                .header(header::ACCEPT, "text/html")
                .send()
                .await
                .unwrap();
            assert!(
                response.status().is_redirection(),
                "{}: {}",
                app.label,
                response.status()
            );
            assert_eq!(
                response.headers()[header::LOCATION],
                "/login?next=/p/platform-overview"
            );

            let viewer = app.viewer().await;
            let response = viewer.get(app.url("/admin")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::FORBIDDEN);
            assert!(response.text().await.unwrap().contains("Access denied"));

            let admin = app.admin().await;
            let response = admin.get(app.url("/admin")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let html = response.text().await.unwrap();
            assert!(html.contains("Platform Overview") && html.contains("Databricks (demo)"));
            assert_eq!(
                app.get_status(&admin, "/no/such/page").await,
                StatusCode::NOT_FOUND
            );
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
fn no_response_ever_carries_a_stored_secret() {
    on_shared_runtime(async {
        const SECRET: &str = "sk-live-PLAINTEXT-4242";
        for app in apps().await {
            let admin_user = app
                .services
                .auth
                .login("admin@example.com", "Admin123!")
                .await
                .unwrap()
                .user;
            let billing = app
                .services
                .tools
                .ensure(
                    &admin_user,
                    NewTool {
                        slug: "billing".into(),
                        name: "Billing API".into(),
                        kind: "rest".into(),
                        base_url: "/mock/databricks".into(),
                        auth: domain::tool::ToolAuth::Bearer,
                        secret: Some(SECRET.into()),
                        config: json!({"description": "uses a bearer token"}),
                    },
                )
                .await
                .unwrap();
            let mut definition = seed::page_definition("platform-overview.json").unwrap();
            definition["layout"]["widgets"][0]["binding"]["tool"] = json!("billing");
            let admin = app.admin().await;
            let created: Value = admin
                .post(app.url("/api/pages"))
                .json(&json!({"slug": "billing", "title": "Billing", "definition": definition, "publish": true}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = created["id"].as_i64().unwrap();
            let mut bodies = Vec::new();
            for path in [
                "/api/me",
                "/api/pages",
                &format!("/api/pages/{id}/render"),
                "/admin",
                "/p/billing",
                "/portal",
                "/api/tools",
                &format!("/api/tools/{}", billing.id),
                "/admin/tools",
            ] {
                bodies.push(
                    admin
                        .get(app.url(path))
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap(),
                );
            }
            // The field mapper sees the tool's answer, fetched with the secret.
            let answer = admin
                .post(app.url("/rpc/load_mapper_answer"))
                .json(&json!({"tool": "billing", "request": {"path": "/api/2.1/jobs/runs/list", "query": {"limit": "2"}}, "use_sample": false}))
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), StatusCode::OK, "{}", app.label);
            bodies.push(answer.text().await.unwrap());
            for endpoint in [
                "/rpc/load_binding_sources",
                "/rpc/admin_overview",
                "/rpc/list_pages",
                "/rpc/get_session",
                "/rpc/list_tools",
            ] {
                bodies.push(
                    admin
                        .post(app.url(endpoint))
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap(),
                );
            }
            bodies.push(created.to_string());
            assert!(
                bodies[3].contains("Billing API"),
                "{}: the admin page lists the tool",
                app.label
            );
            for (index, body) in bodies.iter().enumerate() {
                assert!(
                    !body.contains(SECRET),
                    "{}: response {index} leaks the secret",
                    app.label
                );
            }
            // The widget bound to the tool still worked: the secret reached the request.
            let rendered: Value = serde_json::from_str(&bodies[2]).unwrap();
            assert_eq!(rendered["data"]["job-successes"]["status"], "ready");
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
fn admins_test_tool_connections_and_viewers_cannot() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            let tools = app.get_json(&admin, "/api/tools").await;
            let databricks = tools["tools"]
                .as_array()
                .unwrap()
                .iter()
                .find(|tool| tool["slug"] == "databricks-demo")
                .unwrap()
                .clone();
            assert_eq!(databricks["has_secret"], false, "{}", app.label);
            let url = app.url(&format!("/api/tools/{}/test", databricks["id"]));
            let result: Value = admin.post(&url).send().await.unwrap().json().await.unwrap();
            assert_eq!(result["ok"], true, "{result}");
            assert!(result["preview"].as_str().unwrap().contains("\"runs\""));
            let missing: Value = admin
                .post(&url)
                .json(&json!({"path": "/api/2.1/nothing-here"}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(missing["ok"], false);
            assert_eq!(
                missing["message"],
                "Databricks (demo) answered with HTTP 404."
            );

            let viewer = app.viewer().await;
            assert_eq!(
                viewer.post(&url).send().await.unwrap().status(),
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                app.get_status(&viewer, "/api/tools").await,
                StatusCode::FORBIDDEN
            );
            let unknown = admin
                .post(app.url("/api/tools/99999/test"))
                .send()
                .await
                .unwrap();
            assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        }
    });
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

#[test]
fn every_connector_template_works_against_its_demo_endpoints() {
    on_shared_runtime(async {
        let app = apps().await.remove(0);
        let admin = app.admin().await;
        let listed = app.get_json(&admin, "/api/connector-templates").await;
        let kinds: Vec<&str> = listed["templates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|template| template["kind"].as_str().unwrap())
            .collect();
        for kind in [
            "databricks",
            "servicenow",
            "powerbi",
            "tableau",
            "azure-devops",
            "snowflake",
            "graphql",
            "rest",
        ] {
            assert!(kinds.contains(&kind), "{kind} template listed");
        }
        let admin_user = app
            .services
            .auth
            .login("admin@example.com", "Admin123!")
            .await
            .unwrap()
            .user;
        for template in backend::connector::templates::all() {
            if let Some(test_path) = &template.test_path {
                let probe = admin
                    .get(app.url(&format!("{}{test_path}", template.demo_base_url)))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(
                    probe.status(),
                    StatusCode::OK,
                    "{} test path",
                    template.kind
                );
            }
            // A tool made from the template, its demo settings (SQL statements) included,
            // called through the connector like any page would.
            let slug = format!("template-{}", template.kind);
            app.services
                .tools
                .create(
                    &admin_user,
                    NewTool {
                        slug: slug.clone(),
                        name: template.name.clone(),
                        kind: template.kind.clone(),
                        base_url: template.demo_base_url.clone(),
                        auth: Default::default(),
                        secret: None,
                        config: template.default_config.clone(),
                    },
                )
                .await
                .unwrap();
            let target = app
                .services
                .tools
                .target_for(admin_user.org_id, &slug)
                .await
                .unwrap()
                .unwrap();
            for endpoint in &template.endpoints {
                let what = format!("{}/{}", template.kind, endpoint.name);
                if endpoint.writes(&template.default_config) {
                    // Every placeholder gets a plausible value; the reference must be found.
                    let values = endpoint
                        .request
                        .placeholders()
                        .into_iter()
                        .map(|name| (name, json!("2")))
                        .collect();
                    let answer = app
                        .services
                        .connectors
                        .submit(&target, &endpoint.request.rendered(&values))
                        .await
                        .unwrap_or_else(|err| panic!("{what}: {err}"));
                    let reference = endpoint
                        .reference
                        .as_ref()
                        .expect("writes name a reference");
                    let found = backend::connector::apply_mapping(
                        &answer,
                        &[("reference".to_owned(), reference.clone())].into(),
                    )
                    .unwrap();
                    assert!(
                        !found["reference"].is_null(),
                        "{what}: no reference in {answer}"
                    );
                    continue;
                }
                let body = app
                    .services
                    .connectors
                    .fetch(&target, &endpoint.request, 0, true)
                    .await
                    .unwrap_or_else(|err| panic!("{what}: {err}"))
                    .body;
                assert!(!endpoint.suggestions.is_empty(), "{what} suggests mappings");
                for (widget_type, mapping) in &endpoint.suggestions {
                    let values = backend::connector::apply_mapping(&body, mapping).unwrap();
                    for (target, value) in values {
                        assert!(
                            finds_data(&value),
                            "{what} {widget_type}.{target} finds nothing: {value}"
                        );
                    }
                }
            }
        }
        let viewer = app.viewer().await;
        assert_eq!(
            app.get_status(&viewer, "/api/connector-templates").await,
            StatusCode::FORBIDDEN
        );
        // The Power BI demo embed page exists for Iframe widgets.
        let embed = admin
            .get(app.url("/mock/powerbi/embed/5b2f7a1e-0000-4000-8000-000000000001"))
            .send()
            .await
            .unwrap();
        assert!(embed.text().await.unwrap().contains("Platform costs"));
    });
}

#[test]
fn tools_are_registered_rekeyed_and_removed_over_rest() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            let new_tool = json!({
                "slug": "status-api", "name": "Status API", "base_url": "/mock/databricks",
                "auth": {"type": "api_key", "location": "header", "name": "X-API-Key"},
                "secret": "first-secret-value", "config": {"test_path": "/api/2.1/jobs/runs/list?limit=1"}
            });
            let created = admin
                .post(app.url("/api/tools"))
                .json(&new_tool)
                .send()
                .await
                .unwrap();
            assert_eq!(created.status(), StatusCode::CREATED, "{}", app.label);
            let created_text = created.text().await.unwrap();
            assert!(!created_text.contains("first-secret-value"));
            let created: Value = serde_json::from_str(&created_text).unwrap();
            assert_eq!(
                (
                    created["auth_type"].as_str(),
                    created["has_secret"].as_bool()
                ),
                (Some("api_key"), Some(true))
            );
            let id = created["id"].as_i64().unwrap();

            let again = admin
                .post(app.url("/api/tools"))
                .json(&new_tool)
                .send()
                .await
                .unwrap();
            assert_eq!(again.status(), StatusCode::CONFLICT);
            let invalid = admin
                .post(app.url("/api/tools"))
                .json(&json!({"slug": "Bad Slug", "name": "x", "base_url": "ftp://x"}))
                .send()
                .await
                .unwrap();
            assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let viewer = app.viewer().await;
            assert_eq!(
                viewer
                    .post(app.url("/api/tools"))
                    .json(&new_tool)
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::FORBIDDEN
            );

            let rekey = admin
                .put(app.url(&format!("/api/tools/{id}/secret")))
                .json(&json!({"secret": "second"}))
                .send()
                .await
                .unwrap();
            assert_eq!(rekey.status(), StatusCode::NO_CONTENT);
            let tested: Value = admin
                .post(app.url(&format!("/api/tools/{id}/test")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(tested["ok"], true, "{tested}");

            assert_eq!(
                admin
                    .delete(app.url(&format!("/api/tools/{id}")))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::NO_CONTENT
            );
            assert_eq!(
                admin
                    .post(app.url(&format!("/api/tools/{id}/test")))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::NOT_FOUND
            );
            assert_eq!(
                admin
                    .delete(app.url(&format!("/api/tools/{id}")))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::NOT_FOUND
            );
        }
    });
}

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF0, 0x77, 0x7B, 0xFA,
    0x1F, 0x00, 0x04, 0xDC, 0x02, 0x7A, 0xCC, 0xCE, 0x05, 0x8E, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

#[test]
fn tools_are_edited_with_settings_logos_and_samples_over_rest() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            let created = admin
                .post(app.url("/api/tools"))
                .json(&json!({
                    "slug": "incidents", "name": "Incidents", "kind": "servicenow",
                    "base_url": "/mock/servicenow",
                    "auth": {"type": "api_key", "location": "header", "name": "X-API-Key"},
                    "secret": "sn-secret-value",
                    "config": {"description": "Tickets", "timeout_seconds": 10, "classification": "confidential",
                               "test_path": "/api/now/table/incident?sysparm_limit=1"},
                    "sample_response": "{\"result\": [{\"number\": \"INC1\"}]}"
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(created.status(), StatusCode::CREATED, "{}", app.label);
            let created: Value = created.json().await.unwrap();
            assert_eq!(
                (
                    &created["classification"],
                    &created["has_sample"],
                    &created["status"]
                ),
                (&json!("confidential"), &json!(true), &json!("not_tested"))
            );
            let id = created["id"].as_i64().unwrap();
            let tool_url = app.url(&format!("/api/tools/{id}"));

            let details = app.get_json(&admin, &format!("/api/tools/{id}")).await;
            assert_eq!(details["edit"]["timeout_seconds"], 10);
            assert_eq!(details["edit"]["auth"]["name"], "X-API-Key");
            assert!(!details.to_string().contains("sn-secret-value"));

            let mut edit = details["edit"].clone();
            edit["timeout_seconds"] = json!(500);
            edit["default_headers"] = json!([{"name": "Cookie", "value": "x"}]);
            edit["sample_response"] = json!("{oops");
            let refused = admin.put(&tool_url).json(&edit).send().await.unwrap();
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let refused: Value = refused.json().await.unwrap();
            let paths: Vec<&str> = refused["error"]["issues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|issue| issue["path"].as_str().unwrap())
                .collect();
            assert_eq!(
                paths,
                [
                    "timeout_seconds",
                    "default_headers[0].name",
                    "sample_response"
                ]
            );

            edit["timeout_seconds"] = json!(20);
            edit["default_headers"] = json!([{"name": "X-Env", "value": "test"}]);
            edit["sample_response"] = json!(null);
            edit["description"] = json!("Open tickets of the platform team");
            let saved = admin.put(&tool_url).json(&edit).send().await.unwrap();
            assert_eq!(saved.status(), StatusCode::OK);
            let saved: Value = saved.json().await.unwrap();
            assert_eq!(saved["description"], "Open tickets of the platform team");
            assert_eq!(
                (&saved["has_sample"], &saved["has_secret"]),
                (&json!(false), &json!(true))
            );

            // Logos: the body is the image; its type comes from its bytes.
            let logo_url = app.url(&format!("/api/tools/{id}/logo"));
            let uploaded = admin
                .put(&logo_url)
                .header(header::CONTENT_TYPE, "application/octet-stream")
                .body(PNG.to_vec())
                .send()
                .await
                .unwrap();
            assert_eq!(uploaded.status(), StatusCode::OK);
            let uploaded: Value = uploaded.json().await.unwrap();
            assert_eq!(uploaded["has_logo"], true);
            let served = admin.get(&logo_url).send().await.unwrap();
            assert_eq!(served.status(), StatusCode::OK);
            assert_eq!(served.headers()[header::CONTENT_TYPE], "image/png");
            assert_eq!(served.headers()["x-content-type-options"], "nosniff");
            assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);
            let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><circle cx="1" cy="1" r="1" fill="#0ea5e9"/></svg>"##;
            let uploaded = admin
                .put(&logo_url)
                .header(header::CONTENT_TYPE, "image/svg+xml")
                .body(svg)
                .send()
                .await
                .unwrap();
            assert_eq!(uploaded.status(), StatusCode::OK);
            let served = admin.get(&logo_url).send().await.unwrap();
            assert_eq!(served.headers()[header::CONTENT_TYPE], "image/svg+xml");
            assert!(
                served.headers()[header::CONTENT_SECURITY_POLICY]
                    .to_str()
                    .unwrap()
                    .starts_with("default-src 'none'")
            );
            for (body, status, expected) in [
                (
                    b"just some text".to_vec(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "not a PNG, JPEG, SVG or WebP",
                ),
                (
                    br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#.to_vec(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "event handler",
                ),
                (
                    [PNG, &vec![0; 300 * 1024]].concat(),
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "at most 256 KB",
                ),
                (
                    vec![0; 2 * 1024 * 1024],
                    StatusCode::BAD_REQUEST,
                    "could not be read",
                ),
            ] {
                let refused = admin
                    .put(&logo_url)
                    .header(header::CONTENT_TYPE, "image/png")
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(refused.status(), status, "{}: {expected}", app.label);
                let refused: Value = refused.json().await.unwrap();
                assert!(
                    refused["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains(expected),
                    "{refused}"
                );
            }

            let viewer = app.viewer().await;
            assert_eq!(
                app.get_status(&viewer, &format!("/api/tools/{id}")).await,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                app.get_status(&viewer, &format!("/api/tools/{id}/logo"))
                    .await,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                viewer
                    .put(&tool_url)
                    .json(&edit)
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                viewer
                    .put(&logo_url)
                    .body(PNG.to_vec())
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::FORBIDDEN
            );

            // Testing the connection sets the status shown in the list.
            let tested: Value = admin
                .post(app.url(&format!("/api/tools/{id}/test")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(
                (&tested["ok"], &tested["status"]),
                (&json!(true), &json!("ok")),
                "{tested}"
            );
            let listed = app.get_json(&admin, "/api/tools").await;
            let listed = listed["tools"]
                .as_array()
                .unwrap()
                .iter()
                .find(|tool| tool["id"] == id)
                .unwrap()
                .clone();
            assert_eq!(listed["status"], "ok");
            assert!(listed["last_tested_at"].is_string());
            assert!(listed["logo_updated_at"].is_string());

            let removed = admin.delete(&logo_url).send().await.unwrap();
            assert_eq!(removed.status(), StatusCode::NO_CONTENT);
            assert_eq!(
                app.get_status(&admin, &format!("/api/tools/{id}/logo"))
                    .await,
                StatusCode::NOT_FOUND
            );

            let mut audit = backend::entities::audit_log::Entity::find()
                .all(&app.services.db)
                .await
                .unwrap();
            audit.sort_by_key(|row| row.id);
            let actions: Vec<&str> = audit
                .iter()
                .filter(|row| row.resource_type == "tool" && row.resource_id == id.to_string())
                .map(|row| row.action.as_str())
                .collect();
            assert_eq!(
                actions,
                [
                    "tool.create",
                    "tool.update",
                    "tool.logo_set",
                    "tool.logo_set",
                    "tool.logo_removed"
                ]
            );
            assert!(
                !format!("{audit:?}").contains("sn-secret-value"),
                "{}: the audit trail never holds secrets",
                app.label
            );
        }
    });
}

#[test]
fn webhooks_accept_only_correctly_signed_json() {
    use hmac::{Hmac, Mac};
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            let tools = app.get_json(&admin, "/api/tools").await;
            let id = tools["tools"][0]["id"].as_i64().unwrap();
            let setup = admin
                .post(app.url(&format!("/api/tools/{id}/webhook")))
                .send()
                .await
                .unwrap();
            assert_eq!(setup.status(), StatusCode::CREATED, "{}", app.label);
            let setup: Value = setup.json().await.unwrap();
            let path = setup["url_path"].as_str().unwrap().to_owned();
            let secret = setup["signing_secret"].as_str().unwrap().to_owned();
            let sign = |body: &[u8], key: &str| {
                let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
                mac.update(body);
                format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
            };
            let anonymous = app.client();
            let post = |path: String, body: &'static [u8], signature: Option<String>| {
                let mut request = anonymous.post(app.url(&path)).body(body);
                if let Some(signature) = signature {
                    request = request.header("x-signature-256", signature);
                }
                request.send()
            };
            let body: &[u8] = br#"{"event": "job_failed", "run_id": 880007}"#;
            // A viewer's open page listens for news about the organization's tools.
            let listener = app.viewer().await;
            let mut stream = listener.get(app.url("/api/events")).send().await.unwrap();
            assert_eq!(stream.status(), StatusCode::OK);
            let accepted = post(path.clone(), body, Some(sign(body, &secret)))
                .await
                .unwrap();
            assert_eq!(accepted.status(), StatusCode::ACCEPTED);
            let slug = tools["tools"][0]["slug"].as_str().unwrap();
            let mut received = String::new();
            while !received.contains("event: tool-updated") {
                let chunk =
                    tokio::time::timeout(std::time::Duration::from_secs(10), stream.chunk())
                        .await
                        .expect("the event arrives")
                        .unwrap()
                        .expect("the stream stays open");
                received.push_str(&String::from_utf8_lossy(&chunk));
            }
            assert!(received.contains(&format!("data: {slug}")), "{received}");
            assert!(accepted.json::<Value>().await.unwrap()["event_id"].is_i64());

            let forged = post(path.clone(), body, Some(sign(body, "not-the-secret")))
                .await
                .unwrap();
            assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
            let unsigned = post(path.clone(), body, None).await.unwrap();
            assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
            let tampered: &[u8] = br#"{"event": "job_failed", "run_id": 1}"#;
            let replayed = post(path.clone(), tampered, Some(sign(body, &secret)))
                .await
                .unwrap();
            assert_eq!(
                replayed.status(),
                StatusCode::UNAUTHORIZED,
                "the signature covers the body"
            );
            let unknown = post(
                path.replace("/api/hooks/", "/api/hooks/x"),
                body,
                Some(sign(body, &secret)),
            )
            .await
            .unwrap();
            assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
            let not_json: &[u8] = b"job failed";
            let bad_body = post(path.clone(), not_json, Some(sign(not_json, &secret)))
                .await
                .unwrap();
            assert_eq!(bad_body.status(), StatusCode::UNPROCESSABLE_ENTITY);

            let stored = backend::entities::webhook_event::Entity::find()
                .all(&app.services.db)
                .await
                .unwrap();
            assert_eq!(stored.len(), 1, "only the correctly signed event is stored");
            assert_eq!(stored[0].payload["run_id"], 880007);
            let viewer = app.viewer().await;
            assert_eq!(
                viewer
                    .post(app.url(&format!("/api/tools/{id}/webhook")))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::FORBIDDEN
            );
        }
    });
}

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
            backend::audit::AuditActor::User(&admin),
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

#[test]
fn drafts_are_saved_published_and_guarded_against_stale_revisions_over_rest() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            let eve = editor(&app, "Eve Editor").await;
            let viewer = app.viewer().await;
            let text = |words: &str| {
                json!({"schema_version": 1, "layout": {"widgets": [
                    {"id": "t", "type": "text", "props": {"text": words},
                     "position": {"desktop": {"x": 0, "y": 0, "w": 6, "h": 1}}}
                ]}})
            };
            let created: Value = admin
                .post(app.url("/api/pages"))
                .json(&json!({"slug": "runbook", "title": "Runbook", "definition": text("v0")}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = created["id"].as_i64().unwrap();
            let draft_path = format!("/api/pages/{id}/draft");
            let draft = app.get_json(&admin, &draft_path).await;
            assert_eq!(
                (&draft["revision"], &draft["published"]),
                (&json!(1), &json!(false)),
                "{}",
                app.label
            );
            assert_eq!(draft["page"]["updated_by"], "Ada Admin");

            let saved = eve
                .put(app.url(&draft_path))
                .json(&json!({"definition": text("eve's"), "base_revision": 1}))
                .send()
                .await
                .unwrap();
            assert_eq!(saved.status(), StatusCode::OK);
            assert_eq!(saved.json::<Value>().await.unwrap()["revision"], 2);

            // The admin still edits revision 1: refused, naming who saved, nothing lost.
            let stale = admin
                .put(app.url(&draft_path))
                .json(&json!({"definition": text("admin's"), "base_revision": 1}))
                .send()
                .await
                .unwrap();
            assert_eq!(stale.status(), StatusCode::CONFLICT);
            let body: Value = stale.json().await.unwrap();
            assert_eq!(error_code(&body), "conflict");
            let message = body["error"]["message"].as_str().unwrap();
            assert!(
                message.starts_with("Eve Editor saved this page at ")
                    && message.ends_with(
                        " UTC after you opened it. Reload to see their changes, or keep editing a copy."
                    ),
                "{message}"
            );
            let draft = app.get_json(&admin, &draft_path).await;
            assert_eq!(
                draft["definition"]["layout"]["widgets"][0]["props"]["text"],
                "eve's"
            );
            let copy = admin
                .post(app.url(&format!("/api/pages/{id}/save-as-copy")))
                .json(&json!({"definition": text("admin's")}))
                .send()
                .await
                .unwrap();
            assert_eq!(copy.status(), StatusCode::CREATED);
            assert_eq!(copy.json::<Value>().await.unwrap()["slug"], "runbook-copy");

            // Viewers can neither edit nor publish.
            let forbidden = viewer
                .put(app.url(&draft_path))
                .json(&json!({"definition": text("x"), "base_revision": 2}))
                .send()
                .await
                .unwrap();
            assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
            let publish = |client: &Client, revision: i64| {
                client
                    .post(app.url(&format!("/api/pages/{id}/publish")))
                    .json(&json!({"base_revision": revision}))
                    .send()
            };
            assert_eq!(
                publish(&viewer, 2).await.unwrap().status(),
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                publish(&admin, 1).await.unwrap().status(),
                StatusCode::CONFLICT
            );
            let published = publish(&admin, 2).await.unwrap();
            assert_eq!(published.status(), StatusCode::OK);
            let published: Value = published.json().await.unwrap();
            assert_eq!(
                (&published["status"], &published["version"]),
                (&json!("published"), &json!(3))
            );
            let render_path = format!("/api/pages/{id}/render");
            let seen = app.get_json(&viewer, &render_path).await;
            assert_eq!(
                seen["definition"]["layout"]["widgets"][0]["props"]["text"],
                "eve's"
            );

            let unpublished = admin
                .post(app.url(&format!("/api/pages/{id}/unpublish")))
                .send()
                .await
                .unwrap();
            assert_eq!(
                unpublished.json::<Value>().await.unwrap()["status"],
                "draft"
            );
            assert_eq!(
                app.get_status(&viewer, &render_path).await,
                StatusCode::NOT_FOUND
            );

            let duplicate = admin
                .post(app.url(&format!("/api/pages/{id}/duplicate")))
                .send()
                .await
                .unwrap();
            assert_eq!(duplicate.status(), StatusCode::CREATED);
            let duplicate: Value = duplicate.json().await.unwrap();
            assert_eq!(
                (&duplicate["slug"], &duplicate["title"]),
                (&json!("runbook-copy-2"), &json!("Runbook (copy)"))
            );

            assert_eq!(
                viewer
                    .delete(app.url(&format!("/api/pages/{id}")))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                StatusCode::FORBIDDEN
            );
            let deleted = admin
                .delete(app.url(&format!("/api/pages/{id}")))
                .send()
                .await
                .unwrap();
            assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
            assert_eq!(
                app.get_status(&admin, &draft_path).await,
                StatusCode::NOT_FOUND
            );
            let missing = admin
                .delete(app.url(&format!("/api/pages/{id}")))
                .send()
                .await
                .unwrap();
            assert_eq!(missing.status(), StatusCode::NOT_FOUND);
            assert_eq!(error_code(&missing.json().await.unwrap()), "not_found");
        }
    });
}

#[test]
fn every_page_template_renders_with_data_from_the_demo_tools() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            let listed = app.get_json(&admin, "/api/page-templates").await;
            let templates = listed["templates"].as_array().unwrap();
            assert_eq!(templates.len(), 5, "{}", app.label);
            for template in templates {
                let id = template["id"].as_str().unwrap();
                let created = admin
                    .post(app.url("/api/pages/from-template"))
                    .json(&json!({"title": template["name"], "slug": id, "template": id}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(created.status(), StatusCode::CREATED, "{id}");
                let page: Value = created.json().await.unwrap();
                let rendered = app
                    .get_json(&admin, &format!("/api/pages/{}/render", page["id"]))
                    .await;
                let widgets = rendered["definition"]["layout"]["widgets"]
                    .as_array()
                    .unwrap();
                let mut bound = 0;
                for widget in widgets {
                    let data = &rendered["data"][widget["id"].as_str().unwrap()];
                    if widget.get("binding").is_some() {
                        bound += 1;
                        assert_eq!(data["status"], "ready", "{id}/{}: {data}", widget["id"]);
                        for (target, value) in data["values"].as_object().unwrap() {
                            assert!(
                                !value.is_null()
                                    && value.as_array().is_none_or(|items| !items.is_empty()),
                                "{id}/{}.{target} is empty",
                                widget["id"]
                            );
                        }
                    } else {
                        assert!(data.is_null(), "{id}/{}: {data}", widget["id"]);
                    }
                }
                assert!(bound > 0 || id == "bi-reports-gallery", "{id} shows data");

                // The builder canvas previews the same definition unsaved.
                let preview = admin
                    .post(app.url("/api/pages/preview"))
                    .json(&rendered["definition"])
                    .send()
                    .await
                    .unwrap();
                assert_eq!(preview.status(), StatusCode::OK, "{id}");
                let preview: Value = preview.json().await.unwrap();
                assert_eq!(preview["data"].as_object().unwrap().len(), bound);
            }
            // The gallery's frames load from this server.
            let frame = admin
                .get(app.url("/mock/powerbi/embed/5b2f7a1e-0000-4000-8000-000000000002"))
                .send()
                .await
                .unwrap();
            assert_eq!(frame.status(), StatusCode::OK);

            let unknown = admin
                .post(app.url("/api/pages/from-template"))
                .json(&json!({"title": "X", "slug": "x", "template": "nope"}))
                .send()
                .await
                .unwrap();
            assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let blank = admin
                .post(app.url("/api/pages/from-template"))
                .json(&json!({"title": "Blank", "slug": "blank"}))
                .send()
                .await
                .unwrap();
            assert_eq!(blank.status(), StatusCode::CREATED);
            let embed_elsewhere = admin
                .post(app.url("/api/pages/preview"))
                .json(&json!({"schema_version": 1, "layout": {"widgets": [{"id": "f", "type": "iframe",
                    "props": {"src": "https://evil.example/x", "title": "X"},
                    "position": {"desktop": {"x": 0, "y": 0, "w": 6, "h": 3}}}]}}))
                .send()
                .await
                .unwrap();
            let body: Value = embed_elsewhere.json().await.unwrap();
            assert_eq!(body["data"]["f"]["status"], "failed");
            let viewer = app.viewer().await;
            let preview = viewer
                .post(app.url("/api/pages/preview"))
                .json(&json!({"schema_version": 1, "layout": {"widgets": []}}))
                .send()
                .await
                .unwrap();
            assert_eq!(preview.status(), StatusCode::FORBIDDEN);
        }
    });
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

#[test]
fn a_viewer_submits_a_form_through_the_server_function_and_sees_the_new_incident() {
    on_shared_runtime(async {
        for app in apps().await {
            let id = publish_incident_page(&app, "report-incident").await;
            let viewer = app.viewer().await;
            let submit = |values: Value, widget: &str| {
                viewer
                    .post(app.url("/rpc/submit_form"))
                    .json(&json!({"submission": {
                        "page": "report-incident", "widget": widget, "values": values
                    }}))
            };
            let response = submit(
                json!({"summary": "Disk full on etl-shared", "urgency": "1"}),
                "report",
            )
            .send()
            .await
            .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{}", app.label);
            let submitted: Value = response.json().await.unwrap();
            // The first incident this server creates follows the 60 seeded ones.
            assert_eq!(
                submitted,
                json!({"message": "Submitted: INC0010061", "reference": "INC0010061"})
            );
            let rendered = app
                .get_json(&viewer, &format!("/api/pages/{id}/render?refresh=1"))
                .await;
            assert_eq!(
                rendered["data"]["newest"]["values"]["rows"][0],
                json!({"number": "INC0010061", "summary": "Disk full on etl-shared", "priority": "1 - Critical"})
            );

            // The server checks required fields and choices itself.
            let refused = submit(json!({"summary": " ", "urgency": "9"}), "report")
                .send()
                .await
                .unwrap();
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body: Value = refused.json().await.unwrap();
            let paths: Vec<&str> = body["issues"]
                .as_array()
                .unwrap()
                .iter()
                .map(|issue| issue["path"].as_str().unwrap())
                .collect();
            assert_eq!(paths, ["values.summary", "values.urgency"]);
            let unknown = submit(json!({"summary": "x"}), "newest")
                .send()
                .await
                .unwrap();
            assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
            let anonymous = app
                .client()
                .post(app.url("/rpc/submit_form"))
                .json(&json!({"submission": {"page": "report-incident", "widget": "report", "values": {"summary": "x"}}}))
                .send()
                .await
                .unwrap();
            assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
            // Exactly one incident was created.
            let listed = app
                .mock("/mock/servicenow/api/now/table/incident?sysparm_query=ORDERBYDESCnumber&sysparm_limit=2")
                .await;
            assert_eq!(listed["result"][0]["number"], "INC0010061");
            assert_eq!(listed["result"][1]["number"], "INC0010060");
        }
    });
}

#[test]
fn demo_servicenow_refuses_incidents_without_a_short_description() {
    on_shared_runtime(async {
        let app = apps().await.remove(0);
        let client = app.client();
        let refused = client
            .post(app.url("/mock/servicenow/api/now/table/incident"))
            .json(&json!({"description": "no summary", "urgency": "2"}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["status"], "failure");
        assert_eq!(
            body["error"]["detail"],
            "Data Policy Exception: Short description is mandatory"
        );
        let created = client
            .post(app.url("/mock/servicenow/api/now/table/incident"))
            .json(&json!({"short_description": "VPN down", "urgency": 2, "impact": "2", "unknown_field": 1}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), StatusCode::CREATED);
        assert!(created.headers().contains_key(header::LOCATION));
        let record: Value = created.json().await.unwrap();
        assert_eq!(record["result"]["number"], "INC0010061");
        assert_eq!(record["result"]["priority"], "3");
        assert_eq!(record["result"]["state"], "1");
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
fn a_form_posted_without_javascript_is_sent_and_the_page_says_how_it_went() {
    on_shared_runtime(async {
        for app in apps().await {
            publish_incident_page(&app, "report-plain").await;
            let viewer = app.viewer().await;
            let post = |body: &'static str| {
                viewer
                    .post(app.url("/p/report-plain/forms/report"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
            };
            let location = |response: &reqwest::Response| {
                response.headers()["location"].to_str().unwrap().to_owned()
            };
            let sent = post("report-summary=Disk+full+on+etl-shared&report-urgency=2")
                .await
                .unwrap();
            assert_eq!(sent.status(), StatusCode::SEE_OTHER, "{}", app.label);
            assert_eq!(
                location(&sent),
                "/p/report-plain?form=report&submitted=INC0010061#form-report"
            );
            let page = viewer
                .get(app.url("/p/report-plain?form=report&submitted=INC0010061"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(page.contains("Submitted: INC0010061"), "{}", app.label);
            assert!(
                page.contains("Disk full on etl-shared"),
                "the new incident is listed"
            );

            let refused = post("report-summary=+&report-urgency=9").await.unwrap();
            assert_eq!(
                location(&refused),
                "/p/report-plain?form=report&form_error=invalid#form-report"
            );
            let unknown = viewer
                .post(app.url("/p/report-plain/forms/newest"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("x=1")
                .send()
                .await
                .unwrap();
            assert_eq!(
                location(&unknown),
                "/p/report-plain?form=newest&form_error=unavailable#form-newest"
            );
            let anonymous = app
                .client()
                .post(app.url("/p/report-plain/forms/report"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body("report-summary=x")
                .send()
                .await
                .unwrap();
            assert_eq!(location(&anonymous), "/login?next=%2Fp%2Freport-plain");
            // Exactly one incident was created.
            let listed = app
                .mock("/mock/servicenow/api/now/table/incident?sysparm_query=ORDERBYDESCnumber&sysparm_limit=1")
                .await;
            assert_eq!(listed["result"][0]["number"], "INC0010061");
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
