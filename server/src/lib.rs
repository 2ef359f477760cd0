//! The Platform Builder server: one binary serving the UI (SSR + hydration), the REST API,
//! the demo tool endpoints and health checks.

pub mod api;
pub mod config;
mod forms;
pub mod mock;
pub mod protection;
mod rpc_status;
mod scim;
pub mod session;

use std::{net::SocketAddr, sync::Arc};

use axum::{Router, extract::FromRef, routing::get};
use backend::{Services, Settings, auth::AuthSettings, connector::ConnectorSettings};
use leptos::{config::LeptosOptions, prelude::provide_context};
use leptos_axum::{AxumRouteListing, LeptosRoutes, generate_route_list};
use tower_http::{
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};
use tracing::Level;

use crate::config::{Config, LogFormat};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    pub config: Arc<Config>,
}

/// The UI's routes, found once per process. Finding them runs the app with resource loading
/// suppressed process-wide, so a page rendering at that moment would wait forever: doing it
/// once, before any router exists, means no render can overlap it (several test servers share a
/// process).
fn ui_routes() -> &'static [AxumRouteListing] {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(app::App))
}

/// The whole application router: UI routes and server functions, REST API, demo tools
/// (when DEMO_TOOLS is on).
pub fn router(state: AppState) -> Router {
    let routes = ui_routes().to_vec();
    let services = state.services.clone();
    let leptos_options = state.leptos_options.clone();
    let render_context = move || {
        provide_context(services.clone());
        protection::provide_csp_nonce();
    };
    let mut router = Router::new()
        .merge(api::routes())
        .nest("/scim/v2", scim::routes())
        .route(
            "/p/{slug}/forms/{widget}",
            axum::routing::post(forms::submit_without_js),
        );
    if state.config.demo_tools {
        router = router.nest("/mock", mock::routes());
    }
    // The WASM, JS and CSS bundle is served here, not by Leptos' file fallback: that one
    // looks its status up in whatever reactive owner its thread ran last, so a status set
    // by a concurrent server function (a 422, say) could land on the bundle.
    let pkg = format!("/{}", leptos_options.site_pkg_dir);
    let pkg_dir = format!(
        "{}/{}",
        leptos_options.site_root, leptos_options.site_pkg_dir
    );
    router = router.nest_service(
        &pkg,
        tower_http::services::ServeDir::new(pkg_dir)
            .precompressed_gzip()
            .precompressed_br(),
    );
    router
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .leptos_routes_with_context(&state, routes, render_context.clone(), move || {
            app::shell(leptos_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(
            render_context,
            app::shell,
        ))
        .layer(axum::middleware::from_fn(rpc_status::status_from_error))
        .layer(axum::middleware::from_fn_with_state(state.clone(), session::resolve_session))
        .layer(axum::middleware::from_fn(protection::same_origin_writes))
        .layer(RequestBodyLimitLayer::new(protection::MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(protection::api_error_envelope))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            protection::security_headers,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
                let request_id = request
                    .headers()
                    .get("x-request-id")
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default();
                tracing::span!(Level::INFO, "request", method = %request.method(), uri = %request.uri().path(), request_id)
            }),
        )
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

pub fn backend_settings(
    config: &Config,
    listen: SocketAddr,
    keyring: backend::crypto::Keyring,
) -> Settings {
    Settings {
        auth: AuthSettings {
            jwt_secret: config.jwt_secret.expose().to_owned(),
            access_ttl: config.access_ttl,
            refresh_ttl: config.refresh_ttl,
            refresh_grace: config.refresh_grace,
        },
        connector: ConnectorSettings {
            demo_tools: config.demo_tools,
            ..ConnectorSettings::with_defaults(
                config.internal_base_url_for(listen),
                config.tool_timeout,
                config.tool_allowed_hosts.clone(),
            )
        },
        keyring,
        embed_allowed_hosts: config.embed_allowed_hosts.clone(),
        sso: config.sso.clone(),
    }
}

/// Leptos site settings: `Leptos.toml` when present (the release binary outside
/// cargo-leptos), always overridable by `LEPTOS_*` variables.
fn leptos_options() -> Result<LeptosOptions, Box<dyn std::error::Error>> {
    let file = std::env::var("LEPTOS_CONFIG").unwrap_or_else(|_| "Leptos.toml".to_owned());
    let conf = if std::path::Path::new(&file).exists() {
        leptos::config::get_configuration(Some(&file))?
    } else {
        leptos::config::get_configuration(None)?
    };
    Ok(conf.leptos_options)
}

fn init_tracing(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .init(),
        LogFormat::Pretty => builder.init(),
    }
}

pub async fn run() -> Result<(), Box<dyn std::error::Error>> {
    dotenvy::dotenv().ok();
    let config = Config::from_env()?;
    init_tracing(config.log_format);
    if config.jwt_secret_is_generated {
        tracing::warn!(
            file = %config.dev_jwt_secret_file,
            "JWT_SECRET is not set: sessions are signed with a secret generated for this installation. Set JWT_SECRET (32+ characters) before exposing this server."
        );
    }
    if config.seed_on_empty && !config.demo_tools {
        tracing::info!("DEMO_TOOLS is off: the seeded demo tools under /mock will not answer");
    }
    let leptos_options = leptos_options()?;
    let addr = leptos_options.site_addr;
    let db = backend::db::connect_and_migrate(&config.database_url).await?;
    let services = Services::new(db, backend_settings(&config, addr, config.keyring()?));
    if config.seed_on_empty && services.users.count().await? == 0 {
        tracing::info!("empty database: loading demo data (dev-only accounts, see README)");
        seed::run(&services).await?;
    }
    let state = AppState {
        leptos_options,
        services,
        config: Arc::new(config),
    };
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!("listening on http://{addr}");
    let (stopping, mut stop_requested) = tokio::sync::watch::channel(false);
    // Workflow runs move on in the background; on shutdown the engine stops taking work.
    let engine = state.services.engine.clone();
    let engine_stop = stop_requested.clone();
    let engine_task = tokio::spawn(async move {
        engine
            .run_until_stopped(std::time::Duration::from_secs(1), engine_stop)
            .await
    });
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping.send(true);
    });
    // Event streams stay open until their clients leave; give requests a few seconds to
    // finish after the signal, then exit regardless.
    tokio::select! {
        result = std::future::IntoFuture::into_future(server) => result?,
        _ = async {
            let _ = stop_requested.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        } => tracing::warn!("connections still open 5 s after the shutdown signal; exiting"),
    }
    let _ = tokio::time::timeout(std::time::Duration::from_secs(10), engine_task).await;
    Ok(())
}

/// `platform-builder rotate-secrets`: re-encrypts every stored credential under the current
/// ENCRYPTION_KEY (with the old key listed in ENCRYPTION_KEYS_PREVIOUS), then exits.
pub async fn rotate_secrets() -> Result<(), Box<dyn std::error::Error>> {
    dotenvy::dotenv().ok();
    let config = Config::from_env()?;
    init_tracing(config.log_format);
    let db = backend::db::connect_and_migrate(&config.database_url).await?;
    let keyring = config.keyring()?;
    let listen = leptos_options()?.site_addr;
    let services = Services::new(db, backend_settings(&config, listen, keyring));
    let report = services.tools.rotate_secrets().await?;
    println!(
        "re-encrypted {} credential(s); {} already used the current key",
        report.reencrypted, report.already_current
    );
    Ok(())
}

/// `platform-builder verify-audit`: walks every organization's audit chain and names the
/// first row that does not match what was written. Exits non-zero when the chain is broken.
pub async fn verify_audit() -> Result<(), Box<dyn std::error::Error>> {
    dotenvy::dotenv().ok();
    let config = Config::from_env()?;
    let db = backend::db::connect_and_migrate(&config.database_url).await?;
    let report = backend::audit::verify(&db).await?;
    println!("{}", describe_audit_report(&report));
    match report.first_break {
        None => Ok(()),
        Some(_) => Err("the audit trail does not match what was written".into()),
    }
}

/// What `verify-audit` prints.
pub fn describe_audit_report(report: &backend::audit::ChainReport) -> String {
    let mut text = format!(
        "checked {} audit row(s) in {} organization(s)",
        report.rows_checked, report.organizations
    );
    if report.rows_unchained > 0 {
        text.push_str(&format!(
            "; {} row(s) predate the chain and carry no hash",
            report.rows_unchained
        ));
    }
    match &report.first_break {
        None => text.push_str("; the chain is intact"),
        Some(broken) => {
            let row = broken
                .row_id
                .map(|id| format!("row id {id}"))
                .unwrap_or_else(|| "the end of the chain".to_owned());
            text.push_str(&format!(
                "\nBROKEN in organization {} at seq {} ({row}): {}",
                broken.org_id, broken.seq, broken.problem
            ));
        }
    }
    text
}

async fn shutdown_signal() {
    let ctrl_c = async { tokio::signal::ctrl_c().await.ok() };
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
