//! Sign-in, token refresh, sign-out and the current user.

use std::net::SocketAddr;

use axum::{
    Extension, Json,
    body::Bytes,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::CookieJar;
use backend::auth::IssuedTokens;
use domain::{
    dto::{LoginRequest, LoginResponse, SessionUser},
    users::SetPassword,
};
use serde::Deserialize;

use super::{ApiError, ApiResult, Caller, is_form, serde_urlencoded_form};
use crate::{
    AppState,
    session::{REFRESH_COOKIE, append_cookies, cleared_cookies, session_cookies},
};

/// Only paths a browser keeps on this site, normalized (so always a valid `Location`): a
/// crafted `next` cannot send users elsewhere, and a CR/LF in it is dropped, not a 500.
fn safe_next(next: Option<&str>) -> Option<String> {
    next.and_then(domain::link::same_site_path)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

fn login_response(tokens: &IssuedTokens) -> LoginResponse {
    LoginResponse {
        access_token: tokens.access_token.clone(),
        token_type: "Bearer".to_owned(),
        expires_in: tokens.access_ttl.as_secs() as u32,
        user: tokens.user.clone(),
    }
}

/// JSON clients get a token and cookies; the HTML sign-in form (which works without
/// JavaScript) gets cookies and a redirect.
pub(super) async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let address = peer.map(|Extension(ConnectInfo(peer))| peer.ip());
    if is_form(&headers) {
        let form: LoginForm = serde_urlencoded_form(&body)?;
        let next = safe_next(form.next.as_deref());
        return Ok(
            match state
                .services
                .auth
                .login_from(&form.email, &form.password, address)
                .await
            {
                Ok(tokens) => {
                    let target = next.unwrap_or_else(|| tokens.user.home_path().to_owned());
                    let mut response = Redirect::to(&target).into_response();
                    append_cookies(&mut response, session_cookies(&state.config, &tokens));
                    response
                }
                Err(
                    err @ (backend::Error::InvalidCredentials
                    | backend::Error::TooManyAttempts { .. }
                    | backend::Error::SignInRefused(_)),
                ) => {
                    let reason = match err {
                        backend::Error::TooManyAttempts { .. } => "throttled",
                        backend::Error::SignInRefused(refusal) => refusal.code(),
                        _ => "invalid",
                    };
                    let mut target = format!("/login?error={reason}");
                    if let Some(next) = next {
                        target.push_str("&next=");
                        target.push_str(
                            &url::form_urlencoded::byte_serialize(next.as_bytes())
                                .collect::<String>(),
                        );
                    }
                    Redirect::to(&target).into_response()
                }
                Err(err) => return Err(err.into()),
            },
        );
    }
    let request: LoginRequest = serde_json::from_slice(&body).map_err(|err| {
        ApiError::bad_request(format!(
            "Send JSON like {{\"email\": \"…\", \"password\": \"…\"}}: {err}"
        ))
    })?;
    let tokens = state
        .services
        .auth
        .login_from(&request.email, &request.password, address)
        .await?;
    let mut response = Json(login_response(&tokens)).into_response();
    append_cookies(&mut response, session_cookies(&state.config, &tokens));
    Ok(response)
}

pub(super) async fn refresh(State(state): State<AppState>, jar: CookieJar) -> ApiResult<Response> {
    let token = jar
        .get(REFRESH_COOKIE)
        .ok_or(backend::Error::Unauthenticated)?;
    let tokens = state.services.auth.refresh(token.value()).await?;
    let mut response = Json(login_response(&tokens)).into_response();
    append_cookies(&mut response, session_cookies(&state.config, &tokens));
    Ok(response)
}

pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> ApiResult<Response> {
    if let Some(token) = jar.get(REFRESH_COOKIE) {
        state.services.auth.logout(token.value()).await?;
    }
    let mut response = if is_form(&headers) {
        Redirect::to("/login?signed_out=1").into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    append_cookies(&mut response, cleared_cookies());
    Ok(response)
}

#[derive(Deserialize)]
struct SetPasswordForm {
    token: String,
    password: String,
    confirm: String,
}

/// Chooses a password with a set-password link. The HTML form (no JavaScript needed) is
/// sent back to the sign-in page on success, or to itself with what went wrong.
pub(super) async fn set_password(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    if is_form(&headers) {
        let form: SetPasswordForm = serde_urlencoded_form(&body)?;
        let retry = |error: &str| {
            let token: String =
                url::form_urlencoded::byte_serialize(form.token.as_bytes()).collect();
            Redirect::to(&format!("/set-password?token={token}&error={error}")).into_response()
        };
        if form.password != form.confirm {
            return Ok(retry("mismatch"));
        }
        let request = SetPassword {
            token: form.token.clone(),
            password: form.password.clone(),
        };
        return Ok(match state.services.users.set_password(request).await {
            Ok(_) => Redirect::to("/login?password_set=1").into_response(),
            Err(backend::Error::Validation(issues)) => {
                retry(if issues.iter().any(|issue| issue.path == "token") {
                    "link"
                } else {
                    "password"
                })
            }
            Err(err) => return Err(err.into()),
        });
    }
    let request: SetPassword = serde_json::from_slice(&body).map_err(|err| {
        ApiError::bad_request(format!(
            "Send JSON like {{\"token\": \"…\", \"password\": \"…\"}}: {err}"
        ))
    })?;
    let owner = state.services.users.set_password(request).await?;
    Ok(Json(serde_json::json!({"email": owner.email})).into_response())
}

pub(super) async fn me(Caller(actor): Caller) -> Json<SessionUser> {
    Json(actor)
}
