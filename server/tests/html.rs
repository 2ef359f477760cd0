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

/// Building another router (as every test server and a restart do) while screens render must
/// not leave a render waiting forever: the UI's routes are found once, before anything serves.
#[test]
fn screens_render_while_other_routers_are_built() {
    on_shared_runtime(async {
        let app = spawn(backend::test_support::sqlite().await.db, "sqlite").await;
        let admin = app.admin().await;
        let state = app.state.clone();
        let building = std::thread::spawn(move || {
            for _ in 0..200 {
                drop(server::router(state.clone()));
            }
        });
        let mut rendered = 0;
        while !building.is_finished() || rendered < 20 {
            let (status, html) = app.html(&admin, "/builder/1").await;
            assert_eq!(status, StatusCode::OK);
            assert!(html.contains("</html>"), "render {rendered} completed");
            rendered += 1;
        }
        building.join().unwrap();
    });
}

/// Attributes a browser follows as addresses (where a `javascript:` value would run).
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "xlink:href",
    "srcset",
    "content",
    "ping",
    "cite",
    "manifest",
];

/// Markup that would run script or take the page elsewhere: event-handler attributes,
/// `javascript:` addresses, `srcdoc`, `<base>`, refreshes, and scripts without this
/// response's nonce. Script bodies are skipped the way a browser skips them (to `</script`).
fn unsafe_markup(html: &str, nonce: &str) -> Vec<String> {
    let lower = html.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(offset) = lower[at..].find('<') {
        let start = at + offset;
        let name_end = lower[start + 1..]
            .find(|c: char| !c.is_ascii_alphanumeric())
            .map_or(lower.len(), |end| start + 1 + end);
        let name = &lower[start + 1..name_end];
        if name.is_empty() {
            at = start + 1;
            continue;
        }
        // Attributes, honouring quotes, up to the tag's end.
        let mut attributes = Vec::new();
        let mut i = name_end;
        while i < bytes.len() && bytes[i] != b'>' {
            if bytes[i].is_ascii_whitespace() || bytes[i] == b'/' {
                i += 1;
                continue;
            }
            let attribute_start = i;
            while i < bytes.len() && !b" \t\n\r=/>".contains(&bytes[i]) {
                i += 1;
            }
            let attribute = lower[attribute_start..i].to_owned();
            let mut value = String::new();
            if i < bytes.len() && bytes[i] == b'=' {
                i += 1;
                if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                    let quote = bytes[i];
                    let value_end = lower[i + 1..]
                        .find(quote as char)
                        .map_or(lower.len(), |end| i + 1 + end);
                    value = lower[i + 1..value_end].to_owned();
                    i = value_end + 1;
                } else {
                    let value_start = i;
                    while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = lower[value_start..i].to_owned();
                }
            }
            attributes.push((attribute, value));
        }
        let tag = &html[start..i.min(html.len())];
        for (attribute, value) in &attributes {
            let address = value.trim_start().replace(['\t', '\n', '\r'], "");
            let is_address = URL_ATTRIBUTES.contains(&attribute.as_str());
            if attribute.starts_with("on")
                || attribute == "srcdoc"
                || (is_address
                    && (address.starts_with("javascript:") || address.starts_with("vbscript:")))
            {
                found.push(format!("{attribute} in {tag}"));
            }
        }
        if name == "base" || (name == "meta" && attributes.iter().any(|(a, _)| a == "http-equiv")) {
            found.push(format!("<{name}> in the body: {tag}"));
        }
        at = i + 1;
        if name == "script" {
            if !attributes
                .iter()
                .any(|(attribute, value)| attribute == "nonce" && value == nonce)
            {
                found.push(format!("a script without the nonce: {tag}"));
            }
            at = lower[at.min(lower.len())..]
                .find("</script")
                .map_or(lower.len(), |end| at + end + 1);
        }
    }
    found
}

/// The payloads the browser run (end2end/tests/xss.spec.ts) uses too: 30 kinds of script
/// injection, each also after the quote or tag that would close the text around it.
fn payloads() -> Vec<String> {
    serde_json::from_str(include_str!("../../end2end/tests/xss-payloads.json")).unwrap()
}

/// How many payloads share one page (each payload fills about a dozen widgets).
const PAYLOADS_PER_PAGE: usize = 10;

/// Every text a page author writes, carrying `payload`; ids end in `n`, rows start at `y`.
fn payload_widgets(n: usize, payload: &str, y: usize) -> Vec<Value> {
    let widgets = [
        json!({"type": "text", "props": {"text": payload}}),
        json!({"type": "heading", "props": {"text": payload, "level": 2}}),
        json!({"type": "markdown", "props": {"source": payload}}),
        json!({"type": "html", "props": {"html": payload}}),
        json!({"type": "code", "props": {"code": payload, "language": "sql"}}),
        json!({"type": "card", "props": {"heading": payload, "text": payload, "tone": "neutral"}}),
        json!({"type": "button", "props": {"label": payload, "action": {"kind": "refresh"}, "tone": "neutral"}}),
        json!({"type": "link", "props": {"text": payload, "url": "https://learn.microsoft.com/"}}),
        json!({"type": "image", "props": {"src": "/favicon.svg", "alt": payload}}),
        json!({"type": "kpi", "props": {"label": payload, "trend": "higher_is_better"}}),
        json!({"type": "form", "props": {
            "fields": [
                {"name": "choice", "label": payload, "kind": "select", "options": [payload, "plain"]},
                {"name": "note", "label": payload, "kind": "text"},
            ],
            "submit_label": payload,
        }}),
    ];
    widgets
        .into_iter()
        .enumerate()
        .map(|(index, mut widget)| {
            widget["id"] = json!(format!("w{n}-{index}"));
            widget["title"] = json!(payload);
            widget["position"] =
                json!({"desktop": {"x": (index % 2) * 6, "y": y + index * 2, "w": 6, "h": 2}});
            widget
        })
        .collect()
}

/// A table and a KPI showing what the demo ServiceNow answers: the incidents whose short
/// descriptions are the payloads.
fn tool_data_widgets() -> Vec<Value> {
    let request = json!({"path": "/api/now/table/incident",
        "query": {"sysparm_limit": "1000", "sysparm_query": "ORDERBYDESCnumber"}});
    vec![
        json!({"id": "incidents", "type": "table", "title": "Incidents",
            "props": {"columns": [{"key": "summary", "label": "Summary"}]},
            "position": {"desktop": {"x": 0, "y": 0, "w": 12, "h": 4}},
            "binding": {"tool": "servicenow-demo", "request": request,
                "mapping": {"rows": "result[].{summary: short_description}"}}}),
        json!({"id": "newest", "type": "kpi", "title": "Newest",
            "props": {"label": "Newest incident"},
            "position": {"desktop": {"x": 0, "y": 4, "w": 6, "h": 2}},
            "binding": {"tool": "servicenow-demo", "request": request,
                "mapping": {"value": "result[0].short_description"}}}),
    ]
}

fn nonce_of(response: &reqwest::Response) -> String {
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    let start = policy.find("'nonce-").unwrap() + "'nonce-".len();
    let end = policy[start..].find('\'').unwrap() + start;
    policy[start..end].to_ascii_lowercase()
}

#[test]
fn no_text_an_author_writes_or_a_tool_returns_renders_as_markup_for_any_payload() {
    on_shared_runtime(async {
        let app = spawn(backend::test_support::sqlite().await.db, "sqlite").await;
        let admin = app.admin().await;
        // The check itself sees what it looks for.
        for (unsafe_html, what) in [
            ("<p><img src=x onerror=go()></p>", "onerror"),
            ("<a title='x' href=' javascript:go()'>x</a>", "javascript:"),
            ("<script>go()</script>", "nonce"),
            ("<iframe srcdoc=\"x\"></iframe>", "srcdoc"),
        ] {
            let found = unsafe_markup(unsafe_html, "n0nce");
            assert!(
                found.iter().any(|f| f.contains(what)),
                "{unsafe_html}: {found:?}"
            );
        }
        assert!(
            unsafe_markup(
                "<p title=\"a onerror=b\" aria-label=\"javascript:x\">&lt;script&gt;</p><script nonce=\"n0nce\">x</script>",
                "n0nce"
            )
            .is_empty()
        );
        let payloads = payloads();
        assert!(payloads.len() >= 100, "{} payloads", payloads.len());
        // What a tool returns is text too: the demo ServiceNow keeps each as an incident.
        for payload in &payloads {
            let created = app
                .client()
                .post(app.url("/mock/servicenow/api/now/table/incident"))
                .json(&json!({"short_description": payload}))
                .send()
                .await
                .unwrap();
            assert_eq!(created.status(), StatusCode::CREATED, "{payload}");
        }
        let mut placements = 0;
        for (group, chunk) in payloads.chunks(PAYLOADS_PER_PAGE).enumerate() {
            let slug = format!("payloads-{group}");
            let mut widgets = tool_data_widgets();
            for (n, payload) in chunk.iter().enumerate() {
                widgets.extend(payload_widgets(n, payload, 6 + n * 22));
            }
            let id = app.publish(&slug, &chunk[0], Value::Array(widgets)).await;
            for path in [format!("/p/{slug}"), format!("/builder/{id}")] {
                let response = admin.get(app.url(&path)).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK, "{path}");
                let nonce = nonce_of(&response);
                let html = response.text().await.unwrap();
                if path.starts_with("/p/") {
                    // The newest incident (the last payload) is in the table and the KPI.
                    assert!(
                        html.matches("formaction=javascript:window.__xss=1").count() >= 2,
                        "{path}: the tool's answers are on the page"
                    );
                }
                assert_eq!(
                    unsafe_markup(&html, &nonce),
                    Vec::<String>::new(),
                    "{path} with payloads {chunk:?}"
                );
                placements += chunk.len() * 14;
            }
        }
        assert!(
            placements >= 1_000,
            "{placements} payload placements checked"
        );
    });
}

#[test]
fn tool_names_and_descriptions_render_as_text_on_every_screen_that_lists_tools() {
    on_shared_runtime(async {
        let app = spawn(backend::test_support::sqlite().await.db, "sqlite").await;
        let admin = app.admin().await;
        let admin_user = app
            .services
            .auth
            .login("admin@example.com", "Admin123!")
            .await
            .unwrap()
            .user;
        for (n, payload) in payloads().iter().enumerate() {
            app.services
                .tools
                .ensure(
                    &admin_user,
                    backend::tools::NewTool {
                        slug: format!("payload-{n}"),
                        name: payload.chars().take(80).collect(),
                        kind: "rest".into(),
                        base_url: "https://tools.example.com/api".into(),
                        auth: Default::default(),
                        secret: None,
                        config: json!({"description": payload}),
                    },
                )
                .await
                .unwrap();
        }
        let id = app
            .publish(
                "tools-page",
                "Tools",
                Value::Array(payload_widgets(0, "plain", 0)),
            )
            .await;
        for path in [
            "/admin",
            "/admin/tools".to_owned().as_str(),
            &format!("/builder/{id}"),
        ] {
            let response = admin.get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let nonce = nonce_of(&response);
            let html = response.text().await.unwrap();
            assert!(
                html.contains("payload-3") || path.starts_with("/builder"),
                "{path} lists the tools"
            );
            assert_eq!(unsafe_markup(&html, &nonce), Vec::<String>::new(), "{path}");
        }
    });
}
