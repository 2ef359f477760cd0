//! Resolves who is calling: a Bearer token, the access cookie, or — when the access token
//! has expired — a silent refresh with the refresh cookie, whose new cookies ride on the
//! response. Handlers and server functions read the result as `Extension<RequestSession>`.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};
use axum_extra::extract::cookie::{Cookie, CookieJar, SameSite};
use backend::auth::{IssuedTokens, RequestSession};

use crate::{AppState, config::Config};

pub const ACCESS_COOKIE: &str = "pb_access";
pub const REFRESH_COOKIE: &str = "pb_refresh";

/// Paths that never need a session; skipping them keeps asset requests from racing to
/// rotate the refresh token.
fn is_public_asset(path: &str) -> bool {
    ["/pkg/", "/mock/", "/favicon", "/healthz", "/readyz"]
        .iter()
        .any(|prefix| path.starts_with(prefix))
}

fn bearer(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
}

pub async fn resolve_session(
    State(state): State<AppState>,
    jar: CookieJar,
    mut request: Request,
    next: Next,
) -> Response {
    if is_public_asset(request.uri().path()) {
        request.extensions_mut().insert(RequestSession::default());
        return next.run(request).await;
    }
    let auth = &state.services.auth;
    let bearer = bearer(&request).map(str::to_owned);
    let access = bearer.clone().or_else(|| {
        jar.get(ACCESS_COOKIE)
            .map(|cookie| cookie.value().to_owned())
    });
    let mut user = match access {
        Some(token) => match auth.authenticate(&token).await {
            Ok(user) => Some(user),
            Err(err) => {
                if err.is_internal() {
                    tracing::error!(error = %err, "session check failed");
                }
                None
            }
        },
        None => None,
    };
    let mut rotated = None;
    let mut clear = false;
    if user.is_none()
        && bearer.is_none()
        && let Some(refresh) = jar.get(REFRESH_COOKIE)
    {
        match auth.refresh(refresh.value()).await {
            Ok(tokens) => {
                user = Some(tokens.user.clone());
                rotated = Some(tokens);
            }
            Err(err) => {
                if err.is_internal() {
                    tracing::error!(error = %err, "session refresh failed");
                }
                clear = true;
            }
        }
    }
    request.extensions_mut().insert(RequestSession { user });
    let mut response = next.run(request).await;
    let cookies = match (rotated, clear) {
        (Some(tokens), _) => session_cookies(&state.config, &tokens),
        (None, true) => cleared_cookies(),
        (None, false) => Vec::new(),
    };
    append_cookies(&mut response, cookies);
    response
}

pub fn append_cookies(response: &mut Response, cookies: Vec<Cookie<'static>>) {
    for cookie in cookies {
        if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
}

fn cookie(
    config: &Config,
    name: &'static str,
    value: String,
    max_age_seconds: u64,
) -> Cookie<'static> {
    Cookie::build((name, value))
        .http_only(true)
        .secure(config.cookie_secure)
        .same_site(SameSite::Lax)
        .path("/")
        .max_age(time_seconds(max_age_seconds))
        .build()
}

fn time_seconds(seconds: u64) -> cookie::time::Duration {
    cookie::time::Duration::seconds(seconds as i64)
}

pub fn session_cookies(config: &Config, tokens: &IssuedTokens) -> Vec<Cookie<'static>> {
    vec![
        cookie(
            config,
            ACCESS_COOKIE,
            tokens.access_token.clone(),
            tokens.access_ttl.as_secs(),
        ),
        cookie(
            config,
            REFRESH_COOKIE,
            tokens.refresh_token.clone(),
            tokens.refresh_ttl.as_secs(),
        ),
    ]
}

pub fn cleared_cookies() -> Vec<Cookie<'static>> {
    [ACCESS_COOKIE, REFRESH_COOKIE]
        .into_iter()
        .map(|name| {
            Cookie::build((name, ""))
                .path("/")
                .max_age(time_seconds(0))
                .http_only(true)
                .build()
        })
        .collect()
}
