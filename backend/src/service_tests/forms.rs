//! Form submissions: values checked on the server against the stored form, sent once to the
//! tool, audited; who may submit on which page. SQLite and PostgreSQL.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use axum::{Json, Router, http::StatusCode, response::IntoResponse, routing::post};
use domain::{
    ErrorCode, Role,
    dto::{FormSubmission, SessionUser},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use super::{World, page, worlds};
use crate::{Error, entities::audit_log, users::NewUser};
use domain::access::Actor;

/// A ticketing tool on loopback: `POST /incidents` creates `INC0000001`, `INC0000002`… and
/// refuses a missing `short_description` like ServiceNow's data policy.
struct Tickets {
    base_url: String,
    received: Arc<Mutex<Vec<Value>>>,
}

async fn tickets() -> Tickets {
    let received = Arc::new(Mutex::new(Vec::new()));
    let seen = received.clone();
    let app = Router::new().route(
        "/incidents",
        post(move |Json(body): Json<Value>| {
            let seen = seen.clone();
            async move {
                let mut seen = seen.lock().unwrap();
                seen.push(body.clone());
                if body["short_description"].as_str().unwrap_or_default().is_empty() {
                    return (
                        StatusCode::BAD_REQUEST,
                        Json(json!({"error": {"message": "Short description is mandatory"}})),
                    )
                        .into_response();
                }
                let number = format!("INC{:07}", seen.len());
                (
                    StatusCode::CREATED,
                    Json(json!({"result": {"number": number, "short_description": body["short_description"]}})),
                )
                    .into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Tickets {
        base_url: format!("http://{addr}"),
        received,
    }
}

/// A page with an incident form sending to the `ops` tool (the loopback ticketing tool).
fn form_page(slug: &str, publish: bool) -> domain::dto::NewPage {
    page(
        slug,
        json!([{
            "id": "report", "type": "form", "position": {"desktop": {"x": 0, "y": 0, "w": 6, "h": 3}},
            "props": {
                "fields": [
                    {"name": "summary", "label": "Summary", "kind": "text", "required": true},
                    {"name": "urgency", "label": "Urgency", "kind": "select", "options": ["1", "2", "3"]},
                    {"name": "minutes", "label": "Minutes lost", "kind": "number"}
                ],
                "submit": {
                    "tool": "ops", "reference": "result.number",
                    "request": {"method": "POST", "path": "/incidents", "body": {"kind": "json", "template": {
                        "short_description": "{{summary}}", "urgency": "{{urgency}}", "minutes_lost": "{{minutes}}"
                    }}}
                }
            }
        }, {
            "id": "note", "type": "text", "props": {"text": "hello"},
            "position": {"desktop": {"x": 6, "y": 0, "w": 3, "h": 1}}
        }]),
        publish,
    )
}

fn submission(page: &str, widget: &str, values: &[(&str, &str)]) -> FormSubmission {
    FormSubmission {
        page: page.into(),
        widget: widget.into(),
        values: values
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect::<BTreeMap<_, _>>(),
        draft: false,
    }
}

async fn form_audits(world: &World) -> Vec<Value> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Action.eq("form.submit"))
        .order_by_asc(audit_log::Column::Id)
        .all(&world.services.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| {
            // The diff from nothing adds the whole entry at the root.
            row.diff.unwrap()[0]["value"].clone()
        })
        .collect()
}

async fn auditor(world: &World) -> SessionUser {
    world
        .services
        .users
        .ensure_user(
            &Actor::User(world.admin.clone()),
            world.admin.org_id,
            NewUser {
                email: "auditor@example.com".into(),
                display_name: "Auditor".into(),
                password: "Password123!".into(),
                role: Role::Auditor,
            },
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn a_viewer_submits_a_form_on_a_published_page_and_it_is_audited() {
    let tickets = tickets().await;
    for world in worlds(&tickets.base_url).await {
        let pages = &world.services.pages;
        pages
            .create(&world.admin, form_page("report-issue", true))
            .await
            .unwrap();
        let submitted = pages
            .submit_form(
                &world.viewer,
                submission(
                    "report-issue",
                    "report",
                    &[
                        ("summary", " Disk full "),
                        ("urgency", "2"),
                        ("minutes", "15"),
                    ],
                ),
            )
            .await
            .unwrap();
        assert!(
            submitted.message.starts_with("Submitted: INC"),
            "{}: {}",
            world.label,
            submitted.message
        );
        assert_eq!(
            Some(submitted.message.trim_start_matches("Submitted: ")),
            submitted.reference.as_deref()
        );
        assert_eq!(
            tickets.received.lock().unwrap().last().unwrap(),
            &json!({"short_description": "Disk full", "urgency": "2", "minutes_lost": 15})
        );
        let audits = form_audits(&world).await;
        let last = audits.last().unwrap();
        assert_eq!(last["outcome"], "submitted");
        assert_eq!(last["tool"], "ops");
        assert_eq!(last["path"], "/incidents");
        assert_eq!(last["reference"], json!(submitted.reference));
        assert_eq!(last["values"]["summary"], "Disk full");
    }
}

#[tokio::test]
async fn required_fields_and_kinds_are_enforced_on_the_server() {
    let tickets = tickets().await;
    for world in worlds(&tickets.base_url).await {
        let pages = &world.services.pages;
        pages
            .create(&world.admin, form_page("strict", true))
            .await
            .unwrap();
        let sent_before = tickets.received.lock().unwrap().len();
        let err = pages
            .submit_form(
                &world.viewer,
                submission(
                    "strict",
                    "report",
                    &[("summary", "   "), ("urgency", "7"), ("minutes", "lots")],
                ),
            )
            .await
            .unwrap_err();
        let Error::Validation(issues) = &err else {
            panic!("{}: {err:?}", world.label);
        };
        let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(
            paths,
            ["values.summary", "values.urgency", "values.minutes"]
        );
        assert_eq!(issues[0].message, "Summary is required");
        assert_eq!(
            tickets.received.lock().unwrap().len(),
            sent_before,
            "nothing was sent"
        );
        assert!(form_audits(&world).await.is_empty());
    }
}

#[tokio::test]
async fn unknown_forms_and_pages_are_not_found_and_auditors_may_not_submit() {
    let tickets = tickets().await;
    for world in worlds(&tickets.base_url).await {
        let pages = &world.services.pages;
        pages
            .create(&world.admin, form_page("visible", true))
            .await
            .unwrap();
        pages
            .create(&world.admin, form_page("unpublished", false))
            .await
            .unwrap();
        let values = [("summary", "x")];
        for (page, widget) in [
            ("visible", "missing"),
            // A widget that is not a form.
            ("visible", "note"),
            ("no-such-page", "report"),
            // Viewers do not see drafts, so neither do they their forms.
            ("unpublished", "report"),
        ] {
            let err = pages
                .submit_form(&world.viewer, submission(page, widget, &values))
                .await
                .unwrap_err();
            assert_eq!(
                err.code(),
                ErrorCode::NotFound,
                "{}: {page}/{widget}",
                world.label
            );
        }
        let mut through_draft = submission("unpublished", "report", &values);
        through_draft.draft = true;
        assert!(pages.submit_form(&world.admin, through_draft).await.is_ok());
        let auditor = auditor(&world).await;
        let err = pages
            .submit_form(&auditor, submission("visible", "report", &values))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
    }
}

#[tokio::test]
async fn a_refusing_tool_is_a_friendly_error_and_audited_as_failed() {
    let tickets = tickets().await;
    for world in worlds(&tickets.base_url).await {
        let pages = &world.services.pages;
        let mut new = form_page("refused", true);
        // The template forgets the field the tool requires.
        new.definition["layout"]["widgets"][0]["props"]["submit"]["request"]["body"]["template"] =
            json!({"description": "{{summary}}"});
        pages.create(&world.admin, new).await.unwrap();
        let err = pages
            .submit_form(
                &world.viewer,
                submission("refused", "report", &[("summary", "x")]),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Upstream, "{}", world.label);
        assert_eq!(
            err.to_body().message,
            "Ops API refused the request (HTTP 400): Short description is mandatory"
        );
        let audits = form_audits(&world).await;
        assert_eq!(audits.last().unwrap()["outcome"], "failed");
    }
}
