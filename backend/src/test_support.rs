//! Databases and services for tests: every store/service test runs on SQLite and, when
//! `TEST_POSTGRES_URL` is set, on PostgreSQL too. `REQUIRE_POSTGRES=1` (set by the test
//! command) turns a missing PostgreSQL into a failure instead of a silent SQLite-only run.
#![allow(
    clippy::expect_used,
    reason = "test fixtures: a database that cannot be set up should fail the test loudly"
)]

use std::time::Duration;

use rand::Rng;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use url::Url;

use crate::{
    Services, Settings, auth::AuthSettings, connector::ConnectorSettings, db::connect_and_migrate,
};

pub struct TestDb {
    pub label: &'static str,
    pub url: String,
    pub db: DatabaseConnection,
}

fn unique_name() -> String {
    format!(
        "pb_test_{}_{:08x}",
        std::process::id(),
        rand::thread_rng().r#gen::<u32>()
    )
}

pub async fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("{}.db", unique_name()));
    let url = format!("sqlite://{}", path.display());
    let db = connect_and_migrate(&url)
        .await
        .expect("SQLite test database");
    TestDb {
        label: "sqlite",
        url,
        db,
    }
}

/// A fresh, migrated database in the test PostgreSQL server, if one is configured.
pub async fn postgres() -> Option<TestDb> {
    let Ok(admin_url) = std::env::var("TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "REQUIRE_POSTGRES=1 but TEST_POSTGRES_URL is not set"
        );
        return None;
    };
    let name = unique_name();
    let admin = Database::connect(&admin_url)
        .await
        .expect("connect to TEST_POSTGRES_URL");
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create test database");
    admin.close().await.ok();
    let mut url = Url::parse(&admin_url).expect("TEST_POSTGRES_URL is a URL");
    url.set_path(&name);
    let db = connect_and_migrate(url.as_str())
        .await
        .expect("PostgreSQL test database");
    Some(TestDb {
        label: "postgres",
        url: url.to_string(),
        db,
    })
}

/// SQLite always, PostgreSQL when available.
pub async fn databases() -> Vec<TestDb> {
    let mut all = vec![sqlite().await];
    all.extend(postgres().await);
    all
}

pub fn settings(internal_base_url: &str) -> Settings {
    Settings {
        auth: AuthSettings {
            jwt_secret: "test-secret-test-secret-test-secret".to_owned(),
            access_ttl: Duration::from_secs(900),
            refresh_ttl: Duration::from_secs(3600),
            refresh_grace: Duration::ZERO,
        },
        connector: ConnectorSettings {
            max_response_bytes: 1024 * 1024,
            retries: 1,
            retry_base_delay: Duration::from_millis(10),
            ..ConnectorSettings::with_defaults(
                Url::parse(internal_base_url).expect("base URL"),
                Duration::from_secs(2),
                vec!["127.0.0.1".to_owned()],
            )
        },
        keyring: test_keyring(),
        embed_allowed_hosts: domain::embed::DEFAULT_ALLOWED_HOSTS
            .iter()
            .map(|host| host.to_string())
            .collect(),
        sso: crate::sso::SsoSettings::default(),
    }
}

/// A fixed keyring so tests can reopen what other tests' services sealed.
pub fn test_keyring() -> crate::crypto::Keyring {
    crate::crypto::Keyring::from_specs("test:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "")
        .expect("valid test key")
}

pub fn services(db: DatabaseConnection, internal_base_url: &str) -> Services {
    Services::new(db, settings(internal_base_url))
}

pub fn services_with(db: DatabaseConnection, settings: Settings) -> Services {
    Services::new(db, settings)
}
