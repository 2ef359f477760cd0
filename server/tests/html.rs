//! What the server-rendered HTML carries (escaped titles, the theme script, frame sandboxes,
//! refused screens) and where sign-in sends people, against the real router over HTTP.

use std::net::SocketAddr;

use backend::test_support;
use leptos::config::LeptosOptions;
use reqwest::{Client, StatusCode, header, redirect::Policy};
use serde_json::{Value, json};
use server::{AppState, backend_settings, config::Config};

/// One runtime for every test in this file: the servers the tests start live on it.
static RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> = std::sync::LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("test runtime")
});

fn on_shared_runtime(test: impl std::future::Future<Output = ()>) {
    RUNTIME.block_on(test);
}

struct TestApp {
    label: &'static str,
    base: String,
}

impl TestApp {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Keeps cookies, does not follow redirects (so tests see them).
    fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap()
    }

    async fn signed_in(&self, email: &str, password: &str) -> Client {
        let client = self.client();
        let response = client
            .post(self.url("/api/auth/login"))
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "{}: login {email}",
            self.label
        );
        client
    }

    async fn admin(&self) -> Client {
        self.signed_in("admin@example.com", "Admin123!").await
    }

    async fn viewer(&self) -> Client {
        self.signed_in("viewer@example.com", "Viewer123!").await
    }

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

async fn spawn(db: sea_orm::DatabaseConnection, label: &'static str) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let config = Config::from_lookup(|name| match name {
        "TOOL_ALLOWED_HOSTS" => Some("127.0.0.1".to_owned()),
        _ => None,
    })
    .unwrap();
    let services = backend::Services::new(
        db,
        backend_settings(&config, addr, test_support::test_keyring()),
    );
    seed::run(&services).await.unwrap();
    let leptos_options = LeptosOptions::builder()
        .output_name("platform-builder")
        .site_addr(addr)
        .build();
    let state = AppState {
        leptos_options,
        services,
        config: std::sync::Arc::new(config),
    };
    tokio::spawn(async move { axum::serve(listener, server::router(state)).await.unwrap() });
    TestApp {
        label,
        base: format!("http://{addr}"),
    }
}

async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for test_db in test_support::databases().await {
        apps.push(spawn(test_db.db, test_db.label).await);
    }
    apps
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
