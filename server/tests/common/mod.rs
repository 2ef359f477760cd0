//! The real router on a loopback port, over real HTTP, on SQLite and PostgreSQL: the harness
//! every server test file shares.
#![allow(dead_code)]

use std::net::SocketAddr;

use backend::{Services, test_support};
use leptos::config::LeptosOptions;
use reqwest::{Client, StatusCode, redirect::Policy};
use serde_json::{Value, json};
use server::{AppState, backend_settings, config::Config};

/// One runtime for every test in a file, as in production: the servers the tests start
/// live on it, whichever test thread drives a request.
pub static RUNTIME: std::sync::LazyLock<tokio::runtime::Runtime> = std::sync::LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("test runtime")
});

pub fn on_shared_runtime(test: impl std::future::Future<Output = ()>) {
    RUNTIME.block_on(test);
}

pub struct TestApp {
    pub label: &'static str,
    pub base: String,
    pub services: Services,
    pub state: AppState,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (so tests see them).
    pub fn client(&self) -> Client {
        // A hung request should fail its test, not stall the suite.
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap()
    }

    pub async fn signed_in(&self, email: &str, password: &str) -> Client {
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

    pub async fn admin(&self) -> Client {
        self.signed_in("admin@example.com", "Admin123!").await
    }

    pub async fn viewer(&self) -> Client {
        self.signed_in("viewer@example.com", "Viewer123!").await
    }

    pub async fn get_json(&self, client: &Client, path: &str) -> Value {
        let response = client.get(self.url(path)).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "{}: GET {path} → {}",
            self.label,
            response.status()
        );
        response.json().await.unwrap()
    }

    pub async fn get_status(&self, client: &Client, path: &str) -> StatusCode {
        client.get(self.url(path)).send().await.unwrap().status()
    }

    pub async fn mock(&self, path: &str) -> Value {
        self.get_json(&self.client(), path).await
    }
}

pub async fn spawn(db: sea_orm::DatabaseConnection, label: &'static str) -> TestApp {
    spawn_with(db, label, &[]).await
}

/// A test app whose configuration also has `settings` (name, value), over the defaults.
pub async fn spawn_with(
    db: sea_orm::DatabaseConnection,
    label: &'static str,
    settings: &[(&str, &str)],
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    let config = Config::from_lookup(|name| {
        if let Some((_, value)) = settings.iter().find(|(key, _)| *key == name) {
            return Some((*value).to_owned());
        }
        match name {
            "REFRESH_REUSE_GRACE_SECONDS" => Some("0".to_owned()),
            // Test tools run on loopback; the SSRF guard would refuse them otherwise.
            "TOOL_ALLOWED_HOSTS" => Some("127.0.0.1".to_owned()),
            "DEMO_TOOLS" => Some("true".to_owned()),
            _ => None,
        }
    })
    .unwrap();
    let services = Services::new(
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
        services: services.clone(),
        config: std::sync::Arc::new(config),
    };
    let app = server::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    TestApp {
        label,
        base: format!("http://{addr}"),
        services,
        state,
    }
}

pub async fn apps() -> Vec<TestApp> {
    let mut apps = Vec::new();
    for test_db in test_support::databases().await {
        apps.push(spawn(test_db.db, test_db.label).await);
    }
    apps
}

pub fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}
