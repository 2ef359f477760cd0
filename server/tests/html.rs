//! What the server-rendered HTML carries (escaped titles, the theme script, frame sandboxes,
//! refused screens) and where sign-in sends people, against the real router over HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test setup: a failed step should fail the test loudly"
)]

mod common;

use common::*;
use reqwest::{Client, StatusCode, header};
use serde_json::{Value, json};

impl TestApp {
    /// The status and HTML of a server-rendered screen.
    async fn html(&self, client: &Client, path: &str) -> (StatusCode, String) {
        let response = client.get(self.url(path)).send().await.unwrap();
        let status = response.status();
        (status, response.text().await.unwrap())
    }

    /// Creates and publishes a page; returns its id.
    async fn publish(&self, slug: &str, title: &str, widgets: Value) -> i64 {
        let response = self
            .admin()
            .await
            .post(self.url("/api/pages"))
            .json(&json!({
                "slug": slug, "title": title, "publish": true,
                "definition": {"schema_version": 1, "layout": {"widgets": widgets}}
            }))
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{}: {body}", self.label);
        body["id"].as_i64().expect("page id")
    }

    /// Signs in through the HTML form; returns the status and where it redirects.
    async fn form_login(&self, password: &str, next: &str) -> (StatusCode, String) {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("email", "admin@example.com")
            .append_pair("password", password)
            .append_pair("next", next)
            .finish();
        let response = self
            .client()
            .post(self.url("/api/auth/login"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|value| value.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (response.status(), location)
    }
}

/// The text of the document's `<title>`.
fn title_of(html: &str) -> &str {
    let start = html.find("<title>").expect("a <title>") + "<title>".len();
    let end = start + html[start..].find("</title>").expect("a closed <title>");
    &html[start..end]
}

const SCRIPT_TITLE: &str = "</title><script>alert(1)</script>";

#[test]
fn a_page_title_is_escaped_in_the_viewer_and_the_builder() {
    on_shared_runtime(async {
        for app in apps().await {
            let id = app.publish("xss-title", SCRIPT_TITLE, json!([])).await;
            let admin = app.admin().await;
            for path in ["/p/xss-title".to_owned(), format!("/builder/{id}")] {
                let (status, html) = app.html(&admin, &path).await;
                assert_eq!(status, StatusCode::OK, "{}: {path}", app.label);
                assert!(
                    !html.contains("<script>alert"),
                    "{}: {path} runs the title as a script",
                    app.label
                );
                // The builder says "Edit …" before it.
                let title = title_of(&html);
                assert!(
                    title.ends_with(
                        "&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt; · Platform Builder"
                    ),
                    "{}: {path}: {title}",
                    app.label
                );
            }
        }
    });
}

#[test]
fn the_theme_is_applied_by_a_script_in_the_head() {
    on_shared_runtime(async {
        for app in apps().await {
            let (status, html) = app.html(&app.client(), "/login").await;
            assert_eq!(status, StatusCode::OK, "{}", app.label);
            let head = &html[..html.find("</head>").expect("a head")];
            let body = "try{if(localStorage.getItem('theme')==='dark')";
            let at = head.find(body).expect("the theme script is in the head");
            let script_open = head[..at]
                .rfind("<script")
                .expect("inside a script element");
            assert!(
                head[script_open..at].ends_with('>') && !head[script_open + 1..at].contains('<'),
                "{}: the theme code is the script's content, not an attribute: {}",
                app.label,
                &head[script_open..at + body.len()]
            );
            assert!(
                head[at..].starts_with(&format!(
                    "{body}document.documentElement.classList.add('dark')}}catch(e){{}}</script>"
                )),
                "{}: {}",
                app.label,
                &head[at..]
            );
        }
    });
}

#[test]
fn frames_of_this_server_run_scripts_without_their_own_origin() {
    on_shared_runtime(async {
        for app in apps().await {
            let frame = |id: &str, x: u8, src: &str| {
                json!({"id": id, "type": "iframe", "props": {"src": src, "title": id},
                       "position": {"desktop": {"x": x, "y": 0, "w": 6, "h": 3}}})
            };
            app.publish(
                "frames",
                "Frames",
                json!([
                    frame("local", 0, "/mock/powerbi/embed/demo"),
                    frame(
                        "remote",
                        6,
                        "https://app.powerbi.com/reportEmbed?reportId=1"
                    ),
                ]),
            )
            .await;
            let (status, html) = app.html(&app.viewer().await, "/p/frames").await;
            assert_eq!(status, StatusCode::OK, "{}", app.label);
            let sandbox_of = |title: &str| {
                let at = html
                    .find(&format!("title=\"{title}\""))
                    .unwrap_or_else(|| panic!("{}: frame {title} in {html}", app.label));
                let start = html[..at].rfind("<iframe").unwrap();
                let tag = &html[start..start + html[start..].find('>').unwrap()];
                let value = tag.split("sandbox=\"").nth(1).expect("a sandbox attribute");
                value[..value.find('"').unwrap()].to_owned()
            };
            assert_eq!(
                sandbox_of("local"),
                "allow-scripts allow-popups allow-forms"
            );
            assert_eq!(
                sandbox_of("remote"),
                "allow-scripts allow-same-origin allow-popups allow-forms"
            );
        }
    });
}

#[test]
fn sign_in_never_redirects_to_a_next_that_a_browser_reads_as_another_site() {
    on_shared_runtime(async {
        for app in apps().await {
            for next in [
                "/\t/evil.example",
                "/\n/evil.example",
                "/\r/evil.example",
                "//evil.example",
                "/\\evil.example",
                "/x\r\nSet-Cookie: pb_access=forged",
                "https://evil.example/",
            ] {
                let (status, location) = app.form_login("Admin123!", next).await;
                assert_eq!(status, StatusCode::SEE_OTHER, "{}: {next:?}", app.label);
                assert_eq!(location, "/admin", "{}: {next:?}", app.label);
                // A failed sign-in does not carry it along either.
                let (status, location) = app.form_login("wrong", next).await;
                assert_eq!(status, StatusCode::SEE_OTHER, "{}: {next:?}", app.label);
                assert_eq!(location, "/login?error=invalid", "{}: {next:?}", app.label);
            }
            let (_, location) = app
                .form_login("Admin123!", "/p/platform-overview?x=1")
                .await;
            assert_eq!(location, "/p/platform-overview?x=1", "{}", app.label);
        }
    });
}

#[test]
fn viewers_are_refused_the_pages_screen() {
    on_shared_runtime(async {
        for app in apps().await {
            let (status, html) = app.html(&app.viewer().await, "/admin/pages").await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{}", app.label);
            assert!(html.contains("data-testid=\"forbidden\""), "{}", app.label);
            assert!(!html.contains("New page"), "{}", app.label);
            let (status, html) = app.html(&app.admin().await, "/admin/pages").await;
            assert_eq!(status, StatusCode::OK, "{}", app.label);
            assert!(html.contains("New page"), "{}", app.label);
        }
    });
}
