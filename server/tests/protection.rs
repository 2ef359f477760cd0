//! What every response and every request goes through: security headers, the same-origin
//! check for writes, the error envelope for the router's own answers, body limits, sign-in
//! throttling and the demo tools' switch.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test setup: a failed step should fail the test loudly"
)]

mod common;

use backend::test_support;
use common::*;
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

#[test]
fn demo_tools_answer_only_when_switched_on() {
    on_shared_runtime(async {
        let off = spawn_with(
            test_support::sqlite().await.db,
            "sqlite",
            &[("DEMO_TOOLS", "false")],
        )
        .await;
        let on = spawn(test_support::sqlite().await.db, "sqlite").await;
        let path = "/mock/servicenow/api/now/table/incident";
        assert_eq!(
            off.get_status(&off.client(), path).await,
            StatusCode::NOT_FOUND
        );
        let created = off
            .client()
            .post(off.url(path))
            .json(&json!({"short_description": "grow the heap"}))
            .send()
            .await
            .unwrap();
        assert!(created.status().is_client_error(), "{}", created.status());
        assert_eq!(on.get_status(&on.client(), path).await, StatusCode::OK);
    });
}

fn nonce_of(policy: &str) -> &str {
    let start = policy.find("'nonce-").expect("policy names a nonce") + "'nonce-".len();
    let end = policy[start..].find('\'').unwrap() + start;
    &policy[start..end]
}

#[test]
fn html_answers_carry_a_content_security_policy_whose_nonce_the_scripts_carry() {
    on_shared_runtime(async {
        let app = spawn(test_support::sqlite().await.db, "sqlite").await;
        let viewer = app.viewer().await;
        let mut nonces = Vec::new();
        for path in ["/login", "/p/platform-overview", "/no-such-page"] {
            let response = viewer.get(app.url(path)).send().await.unwrap();
            let headers = response.headers().clone();
            let policy = headers[header::CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .to_owned();
            assert!(
                policy.contains("frame-ancestors 'self'"),
                "{path}: {policy}"
            );
            assert!(policy.contains("object-src 'none'"), "{path}: {policy}");
            assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert!(headers.contains_key(header::REFERRER_POLICY));
            let nonce = nonce_of(&policy).to_owned();
            let html = response.text().await.unwrap();
            let scripts = html.matches("<script").count();
            assert!(scripts > 0, "{path}: the page has scripts");
            assert_eq!(
                html.matches(&format!("nonce=\"{nonce}\"")).count(),
                scripts,
                "{path}: every script carries this response's nonce"
            );
            nonces.push(nonce);
        }
        nonces.dedup();
        assert_eq!(nonces.len(), 3, "a new nonce for every response");
        let json = viewer.get(app.url("/api/me")).send().await.unwrap();
        assert_eq!(json.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(!json.headers().contains_key(header::CONTENT_SECURITY_POLICY));
    });
}

async fn envelope(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let content_type = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/json"),
        "{status}: {content_type}"
    );
    (status, response.json().await.unwrap())
}

/// Announces a body of `length` bytes and sends none of it: the server must answer from the
/// announced length, as it would for a client waiting on `Expect: 100-continue`.
async fn announce_body(app: &TestApp, path: &str, length: usize) -> (String, String) {
    use std::io::{Read, Write};
    let host = app.base.trim_start_matches("http://").to_owned();
    // Blocking I/O on the test's own thread; the server runs on the shared runtime's workers.
    let mut stream = std::net::TcpStream::connect(&host).unwrap();
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    let answer = String::from_utf8(answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    (head.to_owned(), body.to_owned())
}

#[test]
fn the_routers_own_answers_use_the_api_error_envelope() {
    on_shared_runtime(async {
        let app = spawn(test_support::sqlite().await.db, "sqlite").await;
        let admin = app.admin().await;
        let (status, body) = envelope(
            admin
                .get(app.url("/api/no-such-thing"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::NOT_FOUND, "not_found")
        );
        let (status, body) = envelope(
            admin
                .post(app.url("/rpc/no_such_function"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::NOT_FOUND, "not_found")
        );
        let response = admin.delete(app.url("/api/me")).send().await.unwrap();
        assert!(response.headers().contains_key(header::ALLOW));
        let (status, body) = envelope(response).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::METHOD_NOT_ALLOWED, "bad_request")
        );
        for path in ["/api/pages", "/rpc/save_draft"] {
            let (head, body) = announce_body(&app, path, 5 * 1024 * 1024).await;
            assert!(head.starts_with("HTTP/1.1 413"), "{path}: {head}");
            assert!(
                head.to_ascii_lowercase()
                    .contains("content-type: application/json"),
                "{path}: {head}"
            );
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(error_code(&body), "payload_too_large", "{path}");
        }
    });
}

#[test]
fn writes_a_browser_sends_from_another_site_are_refused() {
    on_shared_runtime(async {
        let app = spawn(test_support::sqlite().await.db, "sqlite").await;
        let admin = app.admin().await;
        let own_origin = app.base.clone();
        let before = app.get_json(&admin, "/api/pages").await["pages"]
            .as_array()
            .unwrap()
            .len();
        let refused = [
            ("origin", "https://evil.example"),
            ("origin", "null"),
            ("sec-fetch-site", "cross-site"),
        ];
        for (name, value) in refused {
            let response = admin
                .post(app.url("/rpc/delete_page"))
                .header(name, value)
                .form(&[("id", "1")])
                .send()
                .await
                .unwrap();
            let (status, body) = envelope(response).await;
            assert_eq!(
                (status, error_code(&body)),
                (StatusCode::FORBIDDEN, "forbidden"),
                "{name}: {value}"
            );
        }
        let pages = app.get_json(&admin, "/api/pages").await;
        assert_eq!(
            pages["pages"].as_array().unwrap().len(),
            before,
            "nothing was deleted"
        );
        let logout = admin
            .post(app.url("/api/auth/logout"))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_eq!(logout.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            app.get_status(&admin, "/api/me").await,
            StatusCode::OK,
            "still signed in"
        );
        let same_site = admin
            .post(app.url("/api/auth/logout"))
            .header("origin", own_origin)
            .header("sec-fetch-site", "same-origin")
            .send()
            .await
            .unwrap();
        assert!(same_site.status().is_success() || same_site.status().is_redirection());
        let reads = admin
            .get(app.url("/api/me"))
            .header("origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert_ne!(
            reads.status(),
            StatusCode::FORBIDDEN,
            "reads are not refused"
        );
    });
}

#[test]
fn repeated_failed_sign_ins_get_429_with_retry_after_and_the_form_says_so() {
    on_shared_runtime(async {
        let app = spawn(test_support::sqlite().await.db, "sqlite").await;
        let client = app.client();
        for _ in 0..5 {
            let response = client
                .post(app.url("/api/auth/login"))
                .json(&json!({"email": "admin@example.com", "password": "guess"}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        let response = client
            .post(app.url("/api/auth/login"))
            .json(&json!({"email": "admin@example.com", "password": "Admin123!"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u32 = response.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry_after > 0 && retry_after <= 900);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "too_many_requests");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("Try again in")
        );
        let form = client
            .post(app.url("/api/auth/login"))
            .form(&[("email", "admin@example.com"), ("password", "Admin123!")])
            .send()
            .await
            .unwrap();
        assert_eq!(form.headers()[header::LOCATION], "/login?error=throttled");
        let page = client
            .get(app.url("/login?error=throttled"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("Too many failed sign-ins"));
        // The viewer's account is not locked by the admin's.
        app.viewer().await;
    });
}

#[test]
fn control_characters_in_form_paths_get_a_clear_answer_not_a_500() {
    on_shared_runtime(async {
        let app = spawn(test_support::sqlite().await.db, "sqlite").await;
        let viewer = app.viewer().await;
        for path in [
            "/p/platform-overview/forms/a%0D%0ASet-Cookie:%20x=1",
            "/p/platform-overview/forms/%0A",
            "/p/bad%0D%0Aslug/forms/x",
        ] {
            let response = viewer
                .post(app.url(path))
                .form(&[("x", "1")])
                .send()
                .await
                .unwrap();
            let status = response.status();
            assert!(
                status.is_redirection() || status == StatusCode::NOT_FOUND,
                "{path}: {status}"
            );
            assert!(
                !response.headers().contains_key("set-cookie")
                    || !response.headers()[header::SET_COOKIE]
                        .to_str()
                        .unwrap()
                        .starts_with("x=")
            );
            if let Some(location) = response.headers().get(header::LOCATION) {
                let location = location.to_str().unwrap();
                assert!(
                    location.starts_with("/p/platform-overview?"),
                    "{path}: {location}"
                );
                assert!(!location.contains('\n') && !location.contains('\r'));
            }
        }
    });
}

/// Bodies a careless or hostile client sends, each small enough to be written whole before
/// the server answers (the size limits have their own tests).
fn malformed_bodies() -> Vec<Vec<u8>> {
    vec![
        Vec::new(),
        b"{".to_vec(),
        b"null".to_vec(),
        b"[]".to_vec(),
        b"\"text\"".to_vec(),
        b"{\"slug\": \"\xff\xfe\", \"title\": \"\xc3\x28\"}".to_vec(),
        "[".repeat(10_000).into_bytes(),
        br#"{"base_revision": 1e400, "id": 18446744073709551616, "definition": -1}"#.to_vec(),
        json!({"slug": "a".repeat(2_000), "title": "t".repeat(2_000), "name": "n".repeat(2_000),
               "base_url": "h".repeat(2_000), "kind": "rest", "definition": {}})
        .to_string()
        .into_bytes(),
        json!({"slug": "far", "title": "Far", "definition": {"schema_version": 1, "layout": {"widgets": [
            {"id": "w", "type": "text", "props": {"text": "x"},
             "position": {"desktop": {"x": 65535, "y": 65535, "w": 65535, "h": 65535}}}]}}})
        .to_string()
        .into_bytes(),
    ]
}

#[test]
fn no_rest_route_answers_malformed_input_with_a_500_or_a_dropped_connection() {
    on_shared_runtime(async {
        let app = spawn(test_support::sqlite().await.db, "sqlite").await;
        let admin = app.admin().await;
        let token = app
            .services
            .auth
            .login("admin@example.com", "Admin123!")
            .await
            .unwrap()
            .access_token;
        // A new connection per request: what is measured is each answer, not connection reuse.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let routes: &[(&str, &str)] = &[
            ("POST", "/api/auth/login"),
            ("POST", "/api/auth/refresh"),
            ("GET", "/api/me"),
            ("GET", "/api/pages"),
            ("POST", "/api/pages"),
            ("GET", "/api/pages/{id}/render"),
            ("GET", "/api/pages/{id}/draft"),
            ("PUT", "/api/pages/{id}/draft"),
            ("POST", "/api/pages/{id}/publish"),
            ("POST", "/api/pages/{id}/unpublish"),
            ("POST", "/api/pages/{id}/duplicate"),
            ("POST", "/api/pages/{id}/save-as-copy"),
            ("POST", "/api/pages/from-template"),
            ("POST", "/api/pages/preview"),
            ("GET", "/api/page-templates"),
            ("GET", "/api/tools"),
            ("POST", "/api/tools"),
            ("GET", "/api/tools/{id}"),
            ("PUT", "/api/tools/{id}"),
            ("GET", "/api/tools/{id}/logo"),
            ("PUT", "/api/tools/{id}/logo"),
            ("PUT", "/api/tools/{id}/secret"),
            ("POST", "/api/tools/{id}/webhook"),
            ("POST", "/api/hooks/{id}/{id}"),
            ("GET", "/api/connector-templates"),
            ("POST", "/api/tools/{id}/test"),
            ("DELETE", "/api/tools/{id}/logo"),
            ("DELETE", "/api/pages/{id}"),
            ("DELETE", "/api/tools/{id}"),
            ("POST", "/api/auth/logout"),
        ];
        let ids = ["1", "abc", "99999999999999999999", "-1", "%00", "1%0D%0A"];
        let bodies = malformed_bodies();
        let mut requests = 0;
        for (method, route) in routes {
            let paths: Vec<String> = if route.contains("{id}") {
                ids.iter().map(|id| route.replace("{id}", id)).collect()
            } else {
                vec![(*route).to_owned()]
            };
            for path in paths {
                for body in &bodies {
                    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
                    let response = client
                        .request(method.clone(), app.url(&path))
                        .bearer_auth(&token)
                        .header(header::CONTENT_TYPE, "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap_or_else(|err| {
                            panic!(
                                "{method} {path} ({} bytes): connection failed: {err:?}",
                                body.len()
                            )
                        });
                    let status = response.status();
                    assert!(
                        !status.is_server_error(),
                        "{method} {path} with {:?}… answered {status}",
                        String::from_utf8_lossy(&body[..body.len().min(60)])
                    );
                    requests += 1;
                }
            }
        }
        assert!(requests > 1_000, "{requests} requests");
        assert_eq!(
            app.get_status(&admin, "/api/me").await,
            StatusCode::OK,
            "the server still answers"
        );
    });
}
