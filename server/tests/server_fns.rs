//! Server functions over real HTTP: a client's mistake is always a 4xx with the JSON error
//! body (`{"code", "message"}`), never a 500, on SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test setup: a failed step should fail the test loudly"
)]

mod common;

use common::*;
use reqwest::{Client, StatusCode, header};
use serde_json::Value;

const FORM: &str = "application/x-www-form-urlencoded";
const JSON: &str = "application/json";

/// Every server function, with the encoding it takes.
const SERVER_FNS: &[(&str, &str)] = &[
    ("load_admin_overview", FORM),
    ("get_session", FORM),
    ("sign_in_options", FORM),
    ("render_page", FORM),
    ("submit_form", JSON),
    ("more_grid_rows", JSON),
    ("load_draft", FORM),
    ("store_draft", JSON),
    ("publish_page", FORM),
    ("unpublish_page", FORM),
    ("preview_page", JSON),
    ("save_page_as_copy", JSON),
    ("load_binding_sources", FORM),
    ("list_page_templates", FORM),
    ("create_page", FORM),
    ("duplicate_page", FORM),
    ("delete_page", FORM),
    ("load_mapper_answer", JSON),
    ("list_tools", FORM),
    ("load_tool", FORM),
    ("create_tool", JSON),
    ("update_tool", JSON),
    ("set_tool_secret", JSON),
    ("upload_tool_logo", JSON),
    ("remove_tool_logo", FORM),
    ("delete_tool", FORM),
    ("test_tool", FORM),
    ("list_pages", FORM),
    ("list_audit", FORM),
    ("list_users", FORM),
    ("create_user", FORM),
    ("update_user", FORM),
    ("set_user_active", FORM),
    ("issue_password_link", FORM),
    ("load_page_history", FORM),
    ("list_roles", FORM),
    ("save_role", FORM),
    ("delete_role", FORM),
    ("load_publishing_settings", FORM),
    ("save_publishing_settings", FORM),
    ("request_approval", FORM),
    ("list_approvals", FORM),
    ("decide_approval", FORM),
    ("list_scim_tokens", FORM),
    ("issue_scim_token", FORM),
    ("revoke_scim_token", FORM),
    ("list_groups", FORM),
    ("set_group_role", FORM),
    ("load_sso_settings", FORM),
    ("save_sso_settings", FORM),
    ("add_group", FORM),
    ("load_role_history", FORM),
    ("load_tool_history", FORM),
    ("load_page_access", FORM),
    ("load_tool_access", FORM),
    ("load_page_access_history", FORM),
    ("load_tool_access_history", FORM),
    ("load_publishing_history", FORM),
    ("load_sso_history", FORM),
];

/// `[[[…]]]` nested `depth` deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

/// Bodies no correct client sends: wrong types, missing and unknown fields, broken syntax,
/// bytes that are not UTF-8, deep nesting, huge strings. None names a real record, so none
/// changes anything.
fn malformed_bodies() -> Vec<(&'static str, Vec<u8>)> {
    // Large, but inside the request body limit: it reaches the decoder.
    let huge = "x".repeat(512 * 1024);
    vec![
        ("wrong type", b"id=not-a-number&base_revision=many".to_vec()),
        ("json wrong type", br#"{"id": "seven", "request": 5, "draft": [], "edit": true, "submission": "x", "definition": 1, "tool": 3, "secret": {}, "image_base64": false}"#.to_vec()),
        ("json null", b"null".to_vec()),
        ("broken json", br#"{"id": "#.to_vec()),
        ("invalid utf-8", vec![b'i', b'd', b'=', 0xff, 0xfe, 0xc3, 0x28]),
        ("invalid utf-8 json", vec![b'{', b'"', 0xff, 0xfe, b'"', b':', b'1', b'}']),
        ("deeply nested json", format!(r#"{{"id": "x", "definition": {}, "request": {}}}"#, nested(5_000), nested(5_000)).into_bytes()),
        ("deeply nested form", format!("id{}=x", "[a]".repeat(1_000)).into_bytes()),
        ("huge string", format!("id={huge}&slug={huge}").into_bytes()),
        ("huge json string", format!(r#"{{"id": "{huge}", "tool": "{huge}"}}"#).into_bytes()),
    ]
}

async fn post_raw(
    app: &TestApp,
    client: &Client,
    endpoint: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String) {
    let response = client
        .post(app.url(&format!("/rpc/{endpoint}")))
        .header(header::CONTENT_TYPE, content_type)
        .header(header::ACCEPT, JSON)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.text().await.unwrap())
}

fn error_body(status: StatusCode, text: &str, context: &str) -> Value {
    let body: Value = serde_json::from_str(text)
        .unwrap_or_else(|err| panic!("{context}: {status} with a non-JSON body ({err}): {text}"));
    assert!(
        body["code"].is_string() && body["message"].is_string(),
        "{context}: {status} without the error body: {text}"
    );
    body
}

#[test]
fn malformed_arguments_to_any_server_function_are_a_4xx_with_the_error_body() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            for (endpoint, encoding) in SERVER_FNS {
                for (case, body) in malformed_bodies() {
                    for content_type in [*encoding, FORM, JSON] {
                        let context =
                            format!("{}: {endpoint} ({content_type}) with {case}", app.label);
                        let (status, text) =
                            post_raw(&app, &admin, endpoint, content_type, body.clone()).await;
                        assert!(
                            !status.is_server_error(),
                            "{context}: answered {status}: {text}"
                        );
                        if !status.is_success() {
                            assert!(status.is_client_error(), "{context}: {status}");
                            error_body(status, &text, &context);
                        }
                    }
                }
            }
        }
    });
}

#[test]
fn arguments_that_cannot_be_read_answer_400_bad_request() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            let cases: [(&str, &str, Vec<u8>); 8] = [
                ("load_tool", FORM, b"id=seven".to_vec()),
                ("load_draft", FORM, Vec::new()),
                ("load_draft", FORM, vec![b'i', b'd', b'=', 0xff, 0xfe]),
                ("create_tool", JSON, br#"{"request": 5}"#.to_vec()),
                ("store_draft", JSON, br#"{"id": 1}"#.to_vec()),
                ("submit_form", JSON, vec![b'{', 0xff, b'}']),
                (
                    "preview_page",
                    JSON,
                    format!(r#"{{"definition": {}}}"#, nested(10_000)).into_bytes(),
                ),
                (
                    "update_tool",
                    JSON,
                    br#"{"id": 1, "edit": {"name": ["not", "a", "string"]}}"#.to_vec(),
                ),
            ];
            for (endpoint, content_type, body) in cases {
                let context = format!("{}: {endpoint}", app.label);
                let (status, text) = post_raw(&app, &admin, endpoint, content_type, body).await;
                assert_eq!(status, StatusCode::BAD_REQUEST, "{context}: {text}");
                let body = error_body(status, &text, &context);
                assert_eq!(body["code"], "bad_request", "{context}");
            }
        }
    });
}

#[test]
fn service_refusals_from_server_functions_answer_with_their_status() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            let viewer = app.viewer().await;
            let anonymous = app.client();
            let cases = [
                (
                    &anonymous,
                    "list_tools",
                    "",
                    StatusCode::UNAUTHORIZED,
                    "unauthenticated",
                ),
                (
                    &viewer,
                    "list_tools",
                    "",
                    StatusCode::FORBIDDEN,
                    "forbidden",
                ),
                (
                    &admin,
                    "load_tool",
                    "id=987654",
                    StatusCode::NOT_FOUND,
                    "not_found",
                ),
                (
                    &admin,
                    "create_page",
                    "title=Bad&slug=Not%20A%20Slug&template=",
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation",
                ),
                (
                    &admin,
                    "create_page",
                    "title=Again&slug=platform-overview&template=",
                    StatusCode::CONFLICT,
                    "conflict",
                ),
            ];
            for (client, endpoint, body, expected, code) in cases {
                let context = format!("{}: {endpoint} {body}", app.label);
                let (status, text) =
                    post_raw(&app, client, endpoint, FORM, body.as_bytes().to_vec()).await;
                assert_eq!(status, expected, "{context}: {text}");
                assert_eq!(
                    error_body(status, &text, &context)["code"],
                    code,
                    "{context}"
                );
            }
        }
    });
}

#[test]
fn unreadable_sign_in_requests_are_a_400_in_the_envelope() {
    on_shared_runtime(async {
        for app in apps().await {
            let cases: [(&str, Vec<u8>); 6] = [
                (JSON, br#"{"email": 5, "password": []}"#.to_vec()),
                (JSON, br#"{"email": "admin@example.com"}"#.to_vec()),
                (JSON, vec![b'{', b'"', 0xff, b'"', b'}']),
                (
                    JSON,
                    format!(r#"{{"email": {}}}"#, nested(10_000)).into_bytes(),
                ),
                (FORM, vec![b'e', b'm', b'a', b'i', b'l', b'=', 0xff, 0xfe]),
                (FORM, b"password=only".to_vec()),
            ];
            for (content_type, body) in cases {
                let context = format!("{}: login ({content_type})", app.label);
                let response = app
                    .client()
                    .post(app.url("/api/auth/login"))
                    .header(header::CONTENT_TYPE, content_type)
                    .body(body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let text = response.text().await.unwrap();
                assert_eq!(status, StatusCode::BAD_REQUEST, "{context}: {text}");
                let body: Value = serde_json::from_str(&text).unwrap();
                assert_eq!(body["error"]["code"], "bad_request", "{context}");
            }
        }
    });
}

#[test]
fn rest_calls_without_a_session_are_refused_by_the_caller_extractor() {
    on_shared_runtime(async {
        for app in apps().await {
            let anonymous = app.client();
            for (method, path) in [
                (reqwest::Method::GET, "/api/me"),
                (reqwest::Method::GET, "/api/pages"),
                (reqwest::Method::GET, "/api/page-templates"),
                (reqwest::Method::GET, "/api/connector-templates"),
                (reqwest::Method::GET, "/api/tools/1"),
                (reqwest::Method::PUT, "/api/pages/1/draft"),
                (reqwest::Method::POST, "/api/pages/preview"),
            ] {
                let response = anonymous
                    .request(method.clone(), app.url(path))
                    .header(header::CONTENT_TYPE, JSON)
                    .body("{}")
                    .send()
                    .await
                    .unwrap();
                let context = format!("{}: {method} {path}", app.label);
                assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{context}");
                let body: Value = response.json().await.unwrap();
                assert_eq!(body["error"]["code"], "unauthenticated", "{context}");
            }
        }
    });
}

#[test]
fn unknown_pages_render_with_404() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            let response = admin.get(app.url("/no/such/screen")).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{}", app.label);
            assert!(response.text().await.unwrap().contains("Page not found"));
        }
    });
}

#[test]
fn bodies_over_the_request_limit_are_refused_with_a_4xx() {
    on_shared_runtime(async {
        for app in apps().await {
            let admin = app.admin().await;
            // Just over the 2 MB limit: the server stops reading at the limit, and a small
            // unread tail still fits the socket buffers, so the client always finishes
            // sending and reads the answer (with megabytes left over, it could be cut off
            // mid-upload instead).
            let huge = "x".repeat(2 * 1024 * 1024 + 32 * 1024);
            for (endpoint, content_type, body) in [
                (
                    "preview_page",
                    JSON,
                    format!(r#"{{"definition": "{huge}"}}"#),
                ),
                ("render_page", FORM, format!("slug={huge}&refresh=false")),
            ] {
                let context = format!("{}: {endpoint} with 2 MB and more", app.label);
                let (status, text) =
                    post_raw(&app, &admin, endpoint, content_type, body.into_bytes()).await;
                assert!(status.is_client_error(), "{context}: {status}: {text}");
                error_body(status, &text, &context);
            }
        }
    });
}
