//! Forms: submissions through the server function and without JavaScript.

use super::*;

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
