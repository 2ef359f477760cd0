//! The audit trail over REST: who may read it, what a page edit looks like in it, filters,
//! paging and exports; and organizations that never see each other's pages, tools or rows.

use super::*;

fn widget(title: &str) -> Value {
    json!({"id": "tickets", "type": "text", "title": title, "props": {"text": "open"},
           "position": {"desktop": {"x": 0, "y": 0, "w": 4, "h": 2}}})
}

/// A published page whose one widget was then renamed "Tickets" → "Open tickets".
async fn edited_page(app: &TestApp, admin: &Client, slug: &str) -> i64 {
    let created = admin
        .post(app.url("/api/pages"))
        .json(
            &json!({"slug": slug, "title": "Service desk", "publish": true,
            "definition": {"schema_version": 1, "layout": {"widgets": [widget("Tickets")]}}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED, "{}", app.label);
    let id = created.json::<Value>().await.unwrap()["id"]
        .as_i64()
        .unwrap();
    let draft = app.get_json(admin, &format!("/api/pages/{id}/draft")).await;
    let saved = admin
        .put(app.url(&format!("/api/pages/{id}/draft")))
        .json(&json!({"base_revision": draft["revision"],
            "definition": {"schema_version": 1, "layout": {"widgets": [widget("Open tickets")]}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::OK, "{}", app.label);
    id
}

#[tokio::test]
async fn a_page_edit_reads_in_words_for_admins_and_auditors_and_nobody_else() {
    for app in apps().await {
        let admin = app.admin().await;
        let id = edited_page(&app, &admin, "service-desk").await;
        let path = format!("/api/audit?resource_type=page&resource_id={id}");
        let auditor = app.signed_in("auditor@example.com", "Auditor123!").await;
        for reader in [&admin, &auditor] {
            let trail = app.get_json(reader, &path).await;
            assert_eq!(trail["total"], 2, "{}: {trail}", app.label);
            let newest = &trail["records"][0];
            assert_eq!(newest["action"], "page.save_draft");
            assert_eq!(newest["action_label"], "saved the draft");
            assert_eq!(newest["actor"], "admin@example.com");
            assert_eq!(
                newest["changes"],
                json!(["Widget 'Open tickets' → title: 'Tickets' → 'Open tickets'"])
            );
            assert_eq!(
                newest["patch"],
                json!([{"op": "replace", "path": "/layout/widgets/0/title", "value": "Open tickets"}])
            );
            assert_eq!(trail["records"][1]["action"], "page.create_published");
        }
        assert_eq!(
            app.get_status(&app.viewer().await, &path).await,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get_status(&app.client(), &path).await,
            StatusCode::UNAUTHORIZED
        );
        // Another organization's admin reads their own trail, which has none of these rows.
        let finance = app
            .signed_in("admin@finance.example.com", "Finance123!")
            .await;
        let theirs = app.get_json(&finance, "/api/audit").await;
        let actions: Vec<&str> = theirs["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|record| record["action"].as_str().unwrap())
            .collect();
        assert!(
            actions.contains(&"organization.create") && !actions.contains(&"page.save_draft"),
            "{}: {actions:?}",
            app.label
        );
        assert!(
            theirs["records"]
                .as_array()
                .unwrap()
                .iter()
                .all(|record| record["actor"] != "admin@example.com")
        );
    }
}

#[tokio::test]
async fn bad_filters_are_refused_by_name_and_pages_stay_in_range() {
    for app in apps().await {
        let admin = app.admin().await;
        for (query, field) in [
            ("from=yesterday", "from"),
            ("to=2026-13-40", "to"),
            ("action=page.explode", "action"),
            ("resource_type=planet", "resource_type"),
            ("from=2026-12-02&to=2026-12-01", "to"),
        ] {
            let response = admin
                .get(app.url(&format!("/api/audit?{query}")))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{}: {query}",
                app.label
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["issues"][0]["path"], field, "{query}: {body}");
        }
        let not_a_number = admin
            .get(app.url("/api/audit?page=many"))
            .send()
            .await
            .unwrap();
        assert_eq!(not_a_number.status(), StatusCode::BAD_REQUEST);
        let last = app.get_json(&admin, "/api/audit?page=9999").await;
        assert_eq!(last["page"], last["pages"], "{}", app.label);
        let today = chrono::Utc::now().format("%Y-%m-%d");
        let dated = app
            .get_json(&admin, &format!("/api/audit?from={today}&to={today}"))
            .await;
        let all = app.get_json(&admin, "/api/audit").await;
        assert_eq!(dated["total"], all["total"], "everything happened today");
        let none = app
            .get_json(&admin, "/api/audit?from=2000-01-01&to=2000-01-31")
            .await;
        assert_eq!(
            (none["total"].as_u64(), none["pages"].as_u64()),
            (Some(0), Some(1))
        );
    }
}

#[tokio::test]
async fn exports_hold_the_filtered_rows_as_csv_or_json() {
    for app in apps().await {
        let admin = app.admin().await;
        let id = edited_page(&app, &admin, "exported").await;
        let filters = format!("resource_type=page&resource_id={id}");
        let csv = admin
            .get(app.url(&format!("/api/audit/export?format=csv&{filters}")))
            .send()
            .await
            .unwrap();
        assert_eq!(csv.status(), StatusCode::OK, "{}", app.label);
        assert_eq!(
            csv.headers()[header::CONTENT_TYPE],
            "text/csv; charset=utf-8"
        );
        assert!(
            csv.headers()[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .starts_with("attachment; filename=\"audit-")
        );
        let text = csv.text().await.unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            [
                "id",
                "seq",
                "time",
                "actor",
                "action",
                "what",
                "resource_type",
                "resource_id",
                "changes",
                "json_patch"
            ]
        );
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2, "{text}");
        assert_eq!(&rows[0][4], "page.save_draft");
        assert_eq!(
            &rows[0][8],
            "Widget 'Open tickets' → title: 'Tickets' → 'Open tickets'"
        );

        let json = app
            .get_json(&admin, &format!("/api/audit/export?format=json&{filters}"))
            .await;
        assert_eq!(json.as_array().unwrap().len(), 2);
        assert_eq!(json[1]["action"], "page.create_published");

        let unknown = admin
            .get(app.url("/api/audit/export?format=xlsx"))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let viewer = app.viewer().await;
        assert_eq!(
            app.get_status(&viewer, "/api/audit/export?format=csv")
                .await,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn another_organizations_pages_and_tools_do_not_exist_for_its_neighbours() {
    for app in apps().await {
        let admin = app.admin().await;
        let id = edited_page(&app, &admin, "ours").await;
        let tools = app.get_json(&admin, "/api/tools").await;
        let tool = tools["tools"][0]["id"].as_i64().unwrap();
        let finance = app
            .signed_in("admin@finance.example.com", "Finance123!")
            .await;
        for path in [
            format!("/api/pages/{id}/draft"),
            format!("/api/pages/{id}/render"),
            format!("/api/tools/{tool}"),
        ] {
            let response = finance.get(app.url(&path)).send().await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::NOT_FOUND,
                "{}: {path}",
                app.label
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(error_code(&body), "not_found");
        }
        let publish = finance
            .post(app.url(&format!("/api/pages/{id}/publish")))
            .json(&json!({"base_revision": 2}))
            .send()
            .await
            .unwrap();
        assert_eq!(publish.status(), StatusCode::NOT_FOUND, "{}", app.label);
        let listed = app.get_json(&finance, "/api/pages").await;
        assert_eq!(
            listed["pages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|page| page["slug"].as_str().unwrap())
                .collect::<Vec<_>>(),
            ["finance-overview"]
        );
    }
}
