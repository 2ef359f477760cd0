//! Service tests, each run on SQLite and PostgreSQL.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use axum::{Json, Router, http::StatusCode, routing::get};
use domain::{
    ErrorCode, Role,
    access::Actor,
    dto::{NewPage, PageStatus, SessionUser, WidgetData},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    Error, Services,
    entities::{audit_log, version},
    test_support,
    tools::NewTool,
    users::NewUser,
};

struct Upstream {
    base_url: String,
    hits: Arc<AtomicUsize>,
}

/// A real HTTP server on loopback standing in for a tool; counts the requests it answers.
async fn upstream() -> Upstream {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let app = Router::new()
        .route(
            "/runs",
            get(move || {
                let counter = counter.clone();
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    Json(json!({"runs": [
                        {"run_id": 1, "state": {"result_state": "SUCCESS"}, "start_time": 1_761_955_200_000_i64, "run_duration": 60000},
                        {"run_id": 2, "state": {"result_state": "FAILED"}, "start_time": 1_761_958_800_000_i64, "run_duration": 120000},
                        {"run_id": 3, "state": {"result_state": "SUCCESS"}, "start_time": 1_761_962_400_000_i64, "run_duration": 90000}
                    ]}))
                }
            }),
        )
        .route("/broken", get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance") }))
        .route("/html", get(|| async { "<html>login</html>" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Upstream {
        base_url: format!("http://{addr}"),
        hits,
    }
}

struct World {
    label: &'static str,
    clock: crate::clock::ManualClock,
    services: Services,
    admin: SessionUser,
    viewer: SessionUser,
}

async fn worlds(upstream_url: &str) -> Vec<World> {
    let mut worlds = Vec::new();
    for test_db in test_support::databases().await {
        let clock = crate::clock::ManualClock::at(chrono::Utc::now());
        let services = Services::with_clock(
            test_db.db,
            test_support::settings(upstream_url),
            Arc::new(clock.clone()),
        );
        let org = services
            .users
            .ensure_organization("Test Org")
            .await
            .unwrap();
        let admin = services
            .users
            .ensure_user(
                &Actor::System,
                org,
                NewUser {
                    email: "Admin@Example.com".into(),
                    display_name: "Admin".into(),
                    password: "Admin123!".into(),
                    role: Role::Admin,
                },
            )
            .await
            .unwrap();
        let viewer = services
            .users
            .ensure_user(
                &Actor::User(admin.clone()),
                org,
                NewUser {
                    email: "viewer@example.com".into(),
                    display_name: "Viewer".into(),
                    password: "Viewer123!".into(),
                    role: Role::Viewer,
                },
            )
            .await
            .unwrap();
        services
            .tools
            .ensure(
                &admin,
                NewTool {
                    slug: "ops".into(),
                    name: "Ops API".into(),
                    kind: "rest".into(),
                    base_url: upstream_url.to_owned(),
                    auth: Default::default(),
                    secret: None,
                    config: json!({}),
                },
            )
            .await
            .unwrap();
        worlds.push(World {
            label: test_db.label,
            clock,
            services,
            admin,
            viewer,
        });
    }
    worlds
}

/// Another member of the test organization, added by its admin.
async fn user(world: &World, email: &str, name: &str, role: Role) -> SessionUser {
    world
        .services
        .users
        .ensure_user(
            &Actor::User(world.admin.clone()),
            world.admin.org_id,
            NewUser {
                email: email.into(),
                display_name: name.into(),
                password: "Password123!".into(),
                role,
            },
        )
        .await
        .unwrap()
}

fn kpi(id: &str, x: u8, path: &str, expression: &str, ttl: u32) -> Value {
    json!({"id": id, "type": "kpi", "props": {"label": id}, "position": {"desktop": {"x": x, "y": 0, "w": 3, "h": 2}},
           "binding": {"tool": "ops", "request": {"path": path}, "mapping": {"value": expression}, "cache_ttl_seconds": ttl}})
}

fn page(slug: &str, widgets: Value, publish: bool) -> NewPage {
    NewPage {
        slug: slug.into(),
        title: format!("Page {slug}"),
        definition: json!({"schema_version": 1, "layout": {"widgets": widgets}}),
        publish,
    }
}

#[tokio::test]
async fn login_accepts_right_password_and_rejects_wrong_or_unknown_alike() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let auth = &world.services.auth;
        let tokens = auth
            .login(" ADMIN@example.com ", "Admin123!")
            .await
            .unwrap();
        assert_eq!(tokens.user.role, Role::Admin, "{}", world.label);
        assert_eq!(
            auth.authenticate(&tokens.access_token).await.unwrap(),
            tokens.user
        );
        let wrong = auth
            .login("admin@example.com", "nope-nope")
            .await
            .unwrap_err();
        let unknown = auth
            .login("ghost@example.com", "Admin123!")
            .await
            .unwrap_err();
        assert!(
            matches!(wrong, Error::InvalidCredentials)
                && matches!(unknown, Error::InvalidCredentials)
        );
        assert_eq!(wrong.to_body(), unknown.to_body());
        assert!(matches!(
            auth.authenticate("garbage").await,
            Err(Error::Unauthenticated)
        ));
    }
}

#[tokio::test]
async fn refresh_rotates_and_reuse_revokes_the_whole_family() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let auth = &world.services.auth;
        let first = auth
            .login("viewer@example.com", "Viewer123!")
            .await
            .unwrap();
        let second = auth.refresh(&first.refresh_token).await.unwrap();
        assert_ne!(first.refresh_token, second.refresh_token);
        assert_eq!(second.user, world.viewer);
        // The first token was rotated away: presenting it again is treated as theft...
        assert!(
            matches!(
                auth.refresh(&first.refresh_token).await,
                Err(Error::Unauthenticated)
            ),
            "{}",
            world.label
        );
        // ...and the legitimate successor stops working too.
        assert!(matches!(
            auth.refresh(&second.refresh_token).await,
            Err(Error::Unauthenticated)
        ));
    }
}

#[tokio::test]
async fn parallel_refresh_within_grace_gets_the_same_successor_until_logout() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let mut settings = test_support::settings(&upstream.base_url);
        settings.auth.refresh_grace = std::time::Duration::from_secs(30);
        let auth = test_support::services_with(world.services.db.clone(), settings).auth;
        let first = auth
            .login("viewer@example.com", "Viewer123!")
            .await
            .unwrap();
        let a = auth.refresh(&first.refresh_token).await.unwrap();
        let b = auth.refresh(&first.refresh_token).await.unwrap();
        assert_eq!(a.refresh_token, b.refresh_token, "{}", world.label);
        auth.logout(&a.refresh_token).await.unwrap();
        assert!(matches!(
            auth.refresh(&first.refresh_token).await,
            Err(Error::Unauthenticated)
        ));
    }
}

#[tokio::test]
async fn logout_revokes_the_refresh_token() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let auth = &world.services.auth;
        let tokens = auth
            .login("viewer@example.com", "Viewer123!")
            .await
            .unwrap();
        auth.logout(&tokens.refresh_token).await.unwrap();
        assert!(matches!(
            auth.refresh(&tokens.refresh_token).await,
            Err(Error::Unauthenticated)
        ));
        auth.logout("unknown-token").await.unwrap();
    }
}

#[tokio::test]
async fn viewer_cannot_create_pages() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let err = world
            .services
            .pages
            .create(&world.viewer, page("mine", json!([]), false))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{}", world.label);
    }
}

#[tokio::test]
async fn creating_a_page_writes_version_and_audit_rows_in_one_go() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let created = world
            .services
            .pages
            .create(
                &world.admin,
                page(
                    "ops",
                    json!([kpi("runs", 0, "/runs", "length(runs)", 60)]),
                    true,
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            (created.status, created.version),
            (PageStatus::Published, 1)
        );
        let db = &world.services.db;
        let versions = version::Entity::find()
            .filter(version::Column::ResourceType.eq("page"))
            .filter(version::Column::ResourceId.eq(created.id))
            .all(db)
            .await
            .unwrap();
        assert_eq!(versions.len(), 1, "{}", world.label);
        assert_eq!(
            versions[0].snapshot["definition"]["layout"]["widgets"][0]["id"],
            json!("runs")
        );
        let audit = audit_log::Entity::find()
            .filter(audit_log::Column::ResourceType.eq("page"))
            .filter(audit_log::Column::ResourceId.eq(created.id.to_string()))
            .one(db)
            .await
            .unwrap()
            .expect("audit row");
        assert_eq!(audit.actor_email, "admin@example.com");
        assert_eq!(audit.action, "page.create_published");
        assert_eq!(
            audit.diff.unwrap(),
            json!([{"op": "replace", "path": "", "value": {
                "slug": "ops",
                "title": "Page ops",
                "status": "published",
                "definition": {"schema_version": 1, "layout": {"row_height": 80, "widgets": [{
                    "id": "runs", "type": "kpi",
                    "props": {"label": "runs", "trend": "higher_is_better"},
                    "position": {"desktop": {"x": 0, "y": 0, "w": 3, "h": 2}},
                    "binding": {"tool": "ops", "request": {"method": "GET", "path": "/runs"},
                                "mapping": {"value": "length(runs)"}, "cache_ttl_seconds": 60}
                }]}}
            }}])
        );
    }
}

#[tokio::test]
async fn duplicate_slug_is_a_conflict_and_invalid_definitions_name_the_field() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        pages
            .create(&world.admin, page("dup", json!([]), false))
            .await
            .unwrap();
        let err = pages
            .create(&world.admin, page("dup", json!([]), false))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict, "{}: {err:?}", world.label);
        assert!(err.to_body().message.contains("dup"));

        let err = pages
            .create(
                &world.admin,
                page("bad", json!([kpi("k", 0, "/runs", "length(", 60)]), false),
            )
            .await
            .unwrap_err();
        let body = err.to_body();
        assert_eq!(body.code, ErrorCode::Validation);
        assert_eq!(
            body.issues[0].path,
            "definition.layout.widgets[0] (\"k\").binding.mapping.value"
        );
        let audit_rows = audit_log::Entity::find()
            .filter(audit_log::Column::ResourceType.eq("page"))
            .count(&world.services.db)
            .await
            .unwrap();
        assert_eq!(audit_rows, 1, "failed creates leave no audit rows");
    }
}

#[tokio::test]
async fn viewers_list_only_published_pages_and_cannot_open_drafts() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        pages
            .create(&world.admin, page("live", json!([]), true))
            .await
            .unwrap();
        pages
            .create(&world.admin, page("draft", json!([]), false))
            .await
            .unwrap();
        let seen: Vec<_> = pages
            .list_for(&world.viewer)
            .await
            .unwrap()
            .into_iter()
            .map(|page| page.slug)
            .collect();
        assert_eq!(seen, ["live"], "{}", world.label);
        assert_eq!(pages.list_for(&world.admin).await.unwrap().len(), 2);
        let err = pages
            .render_by_slug(&world.viewer, "draft", false, false)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        assert!(
            pages
                .render_by_slug(&world.admin, "draft", false, false)
                .await
                .is_ok()
        );
    }
}

#[tokio::test]
async fn render_fetches_identical_requests_once_and_isolates_failing_widgets() {
    let upstream = upstream().await;
    let worlds = worlds(&upstream.base_url).await;
    for world in &worlds {
        let slug = format!("render-{}", world.label);
        let widgets = json!([
            kpi(
                "ok",
                0,
                "/runs",
                "length(runs[?state.result_state=='SUCCESS'])",
                60
            ),
            kpi(
                "failed",
                3,
                "/runs",
                "length(runs[?state.result_state=='FAILED'])",
                60
            ),
            kpi("down", 6, "/broken", "x", 60),
            kpi("html", 9, "/html", "x", 60),
        ]);
        world
            .services
            .pages
            .create(&world.admin, page(&slug, widgets, true))
            .await
            .unwrap();
        let before = upstream.hits.load(Ordering::SeqCst);
        let rendered = world
            .services
            .pages
            .render_by_slug(&world.viewer, &slug, true, false)
            .await
            .unwrap();
        assert_eq!(
            upstream.hits.load(Ordering::SeqCst) - before,
            1,
            "two widgets share one request"
        );
        let value = |id: &str| match &rendered.data[id] {
            WidgetData::Ready { values, .. } => values["value"].clone(),
            WidgetData::Failed { message } => panic!("{id} failed: {message}"),
        };
        assert_eq!((value("ok"), value("failed")), (json!(2), json!(1)));
        assert!(
            matches!(&rendered.data["down"], WidgetData::Failed { message } if message == "Ops API answered with HTTP 503.")
        );
        assert!(
            matches!(&rendered.data["html"], WidgetData::Failed { message } if message == "Ops API answered with something other than JSON."),
            "{:?}",
            rendered.data["html"]
        );

        // Within the TTL the cache answers; Refresh (force) goes upstream again.
        world
            .services
            .pages
            .render_by_slug(&world.viewer, &slug, false, false)
            .await
            .unwrap();
        assert_eq!(
            upstream.hits.load(Ordering::SeqCst) - before,
            1,
            "cached within TTL"
        );
        world
            .services
            .pages
            .render_by_slug(&world.viewer, &slug, true, false)
            .await
            .unwrap();
        assert_eq!(
            upstream.hits.load(Ordering::SeqCst) - before,
            2,
            "refresh bypasses cache"
        );
    }
}

#[tokio::test]
async fn zero_ttl_still_fetches_once_per_render() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let widgets = json!([
            kpi("a", 0, "/runs", "length(runs)", 0),
            kpi("b", 3, "/runs", "runs[0].run_id", 0)
        ]);
        world
            .services
            .pages
            .create(&world.admin, page("fresh", widgets, true))
            .await
            .unwrap();
        let before = upstream.hits.load(Ordering::SeqCst);
        world
            .services
            .pages
            .render_by_slug(&world.viewer, "fresh", false, false)
            .await
            .unwrap();
        world
            .services
            .pages
            .render_by_slug(&world.viewer, "fresh", false, false)
            .await
            .unwrap();
        assert_eq!(
            upstream.hits.load(Ordering::SeqCst) - before,
            2,
            "{}",
            world.label
        );
    }
}

#[tokio::test]
async fn unknown_tool_fails_only_its_widget() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let mut ghost = kpi("ghost", 3, "/runs", "x", 60);
        ghost["binding"]["tool"] = json!("nowhere");
        let widgets = json!([kpi("ok", 0, "/runs", "length(runs)", 60), ghost]);
        world
            .services
            .pages
            .create(&world.admin, page("ghostly", widgets, true))
            .await
            .unwrap();
        let rendered = world
            .services
            .pages
            .render_by_slug(&world.viewer, "ghostly", false, false)
            .await
            .unwrap();
        assert!(matches!(rendered.data["ok"], WidgetData::Ready { .. }));
        assert!(
            matches!(&rendered.data["ghost"], WidgetData::Failed { message } if message.contains("\"nowhere\" is not registered"))
        );
    }
}

#[tokio::test]
async fn rotating_keys_reencrypts_every_credential_and_keeps_it_readable() {
    use crate::{crypto::Keyring, entities::connection};
    use domain::tool::ToolAuth;

    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let old_key = Keyring::generate_spec("k1");
        let new_key = Keyring::generate_spec("k2");
        let with_keys = |current: &str, previous: &str| {
            let mut settings = test_support::settings(&upstream.base_url);
            settings.keyring = Keyring::from_specs(current, previous).unwrap();
            test_support::services_with(world.services.db.clone(), settings)
        };
        let before = with_keys(&old_key, "");
        before
            .tools
            .ensure(
                &world.admin,
                NewTool {
                    slug: "secured".into(),
                    name: "Secured API".into(),
                    kind: "rest".into(),
                    base_url: upstream.base_url.clone(),
                    auth: ToolAuth::Bearer,
                    secret: Some("plain-token-123".into()),
                    config: json!({}),
                },
            )
            .await
            .unwrap();
        let stored = connection::Entity::find()
            .one(&world.services.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.key_id.as_deref(), Some("k1"), "{}", world.label);
        assert!(
            !stored
                .secret_ciphertext
                .unwrap()
                .contains("plain-token-123")
        );

        let report = with_keys(&new_key, &old_key)
            .tools
            .rotate_secrets()
            .await
            .unwrap();
        assert_eq!((report.reencrypted, report.already_current), (1, 0));
        let again = with_keys(&new_key, &old_key)
            .tools
            .rotate_secrets()
            .await
            .unwrap();
        assert_eq!(
            (again.reencrypted, again.already_current),
            (0, 1),
            "rotation is idempotent"
        );

        // The old key can now be retired.
        let after = with_keys(&new_key, "");
        let target = after
            .tools
            .target_for(world.admin.org_id, "secured")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(target.secret.as_deref(), Some("plain-token-123"));
        // Neither the patch nor the states before and after.
        let audit: Vec<String> = audit_log::Entity::find()
            .all(&world.services.db)
            .await
            .unwrap()
            .into_iter()
            .map(|row| format!("{row:?}"))
            .collect();
        assert!(
            audit.iter().all(|row| !row.contains("plain-token-123")),
            "the audit trail never holds secrets"
        );
    }
}

#[tokio::test]
async fn only_tool_managers_set_secrets_and_the_change_is_audited() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let tools = &world.services.tools;
        let ops = tools
            .by_slug(world.admin.org_id, "ops")
            .await
            .unwrap()
            .unwrap()
            .id;
        let err = tools.set_secret(&world.viewer, ops, "x").await.unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden, "{}", world.label);
        tools
            .set_secret(&world.admin, ops, "new-secret-value")
            .await
            .unwrap();
        let listed = tools.list(&world.admin).await.unwrap();
        assert!(
            listed
                .iter()
                .any(|tool| tool.slug == "ops" && tool.has_secret)
        );
        let entry = audit_log::Entity::find()
            .filter(audit_log::Column::Action.eq("tool.secret_set"))
            .one(&world.services.db)
            .await
            .unwrap()
            .expect("audit row");
        assert_eq!(
            entry.diff.unwrap(),
            json!([{"op": "replace", "path": "/secret", "value": "replaced"}]),
            "the audit trail says a secret was replaced, never which"
        );
        assert_eq!(
            tools
                .set_secret(&world.admin, 99_999, "x")
                .await
                .unwrap_err()
                .code(),
            ErrorCode::NotFound
        );
    }
}

mod access;
mod approvals;
mod audit;
mod channels;
mod concurrency;
mod engine;
mod forms;
mod grants;
mod history;
mod mapper;
mod pages;
mod roles;
mod sessions;
mod settings;
mod sso;
mod tools;
mod triggers;
mod users;
mod workflows;
