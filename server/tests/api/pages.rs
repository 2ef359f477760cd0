//! Pages over REST: listing, creating, drafts, publishing and templates.

use super::*;

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
