//! Tools over REST: registering, editing, secrets, logos, connection tests, templates and webhooks.

use super::*;

#[test]
fn no_response_ever_carries_a_stored_secret() {
    on_shared_runtime(async {
        const SECRET: &str = "sk-live-PLAINTEXT-4242";
        for app in apps().await {
            // The tool: Databricks' answer, given only to a request carrying the stored
            // credential, so a working widget proves the secret reached the request.
            let runs = app
                .mock("/mock/databricks/api/2.1/jobs/runs/list?limit=25")
                .await;
            let tool_app = axum::Router::new().fallback(move |headers: axum::http::HeaderMap| {
                let runs = runs.clone();
                async move {
                    let sent = headers
                        .get(header::AUTHORIZATION)
                        .and_then(|value| value.to_str().ok());
                    if sent == Some(format!("Bearer {SECRET}").as_str()) {
                        axum::Json(runs).into_response()
                    } else {
                        StatusCode::UNAUTHORIZED.into_response()
                    }
                }
            });
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let tool_url = format!("http://{}", listener.local_addr().unwrap());
            tokio::spawn(async move { axum::serve(listener, tool_app).await.unwrap() });
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
                        base_url: tool_url,
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
                "/rpc/load_admin_overview",
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
            // The widget bound to the tool worked: the tool saw its credential.
            let rendered: Value = serde_json::from_str(&bodies[2]).unwrap();
            assert_eq!(rendered["data"]["job-successes"]["status"], "ready");
            let answer: Value = serde_json::from_str(&bodies[9]).unwrap();
            assert!(
                !answer.to_string().contains("Showing the tool's sample"),
                "{}: the mapper read the live answer: {answer}",
                app.label
            );
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
