//! Single sign-on over HTTP: the start of the flow (to the identity provider, with the
//! sealed state in a short-lived cookie), the provider's callback (session cookies, or the
//! sign-in page with what to check), and the organization's settings (Admin).

use std::net::SocketAddr;

use axum::{
    Extension, Json,
    extract::{ConnectInfo, State},
    response::{IntoResponse, Redirect, Response},
};
use axum_extra::extract::{
    CookieJar,
    cookie::{Cookie, SameSite},
};
use domain::{
    scim::{GroupSummary, NewGroup},
    sso::{SsoOrganizationSettings, SsoOrganizationUpdate, SsoRefusal},
};
use serde::Deserialize;

use super::{ApiJson, ApiQuery, ApiResult, Caller};
use crate::{
    AppState,
    session::{append_cookies, session_cookies},
};

/// Holds the sealed sign-in state between the start and the callback.
const PENDING_COOKIE: &str = "pb_sso";
const CALLBACK_PATH: &str = "/api/auth/oidc";

fn pending_cookie(state: &AppState, value: String, max_age_seconds: i64) -> Cookie<'static> {
    Cookie::build((PENDING_COOKIE, value))
        .http_only(true)
        .secure(state.config.cookie_secure)
        // Lax: the provider's redirect back is a top-level navigation, which carries it.
        .same_site(SameSite::Lax)
        .path(CALLBACK_PATH)
        .max_age(cookie::time::Duration::seconds(max_age_seconds))
        .build()
}

fn to_login(refusal: SsoRefusal) -> Response {
    Redirect::to(&format!("/login?error={}", refusal.code())).into_response()
}

fn refusal_of(err: &backend::Error) -> Option<SsoRefusal> {
    match err {
        backend::Error::SignInRefused(refusal) => Some(*refusal),
        _ => None,
    }
}

#[derive(Deserialize)]
pub(super) struct StartQuery {
    #[serde(default)]
    next: Option<String>,
}

pub(super) async fn start_sign_in(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<StartQuery>,
) -> ApiResult<Response> {
    let next = query.next.as_deref().and_then(domain::link::same_site_path);
    match state.services.sso.begin(next).await {
        Ok((url, sealed)) => {
            let mut response = Redirect::to(&url).into_response();
            let max_age = backend::sso::PENDING_SECONDS;
            append_cookies(&mut response, vec![pending_cookie(&state, sealed, max_age)]);
            Ok(response)
        }
        Err(err) => match refusal_of(&err) {
            Some(refusal) => Ok(to_login(refusal)),
            None => Err(err.into()),
        },
    }
}

#[derive(Deserialize)]
pub(super) struct CallbackQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// The provider sends the browser back here. Any failure ends on the sign-in page with a
/// message naming what to check; the pending cookie is cleared either way (one use).
pub(super) async fn finish_sign_in(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    jar: CookieJar,
    ApiQuery(query): ApiQuery<CallbackQuery>,
) -> ApiResult<Response> {
    let cleared = pending_cookie(&state, String::new(), 0);
    let address = peer.map(|Extension(ConnectInfo(peer))| peer.ip());
    let outcome = match (&query.error, &query.code, &query.state) {
        (Some(error), _, _) => {
            tracing::warn!(error = %error, "identity provider refused the sign-in");
            Err(SsoRefusal::ProviderDenied)
        }
        (None, Some(code), Some(returned_state)) => {
            let sealed = jar.get(PENDING_COOKIE).map(|cookie| cookie.value());
            match state
                .services
                .sso
                .finish(sealed, returned_state, code, address)
                .await
            {
                Ok(done) => Ok(done),
                Err(err) => match refusal_of(&err) {
                    Some(refusal) => Err(refusal),
                    None => return Err(err.into()),
                },
            }
        }
        _ => Err(SsoRefusal::State),
    };
    let mut response = match outcome {
        Ok((tokens, next)) => {
            let target = next.unwrap_or_else(|| tokens.user.home_path().to_owned());
            let mut response = Redirect::to(&target).into_response();
            append_cookies(&mut response, session_cookies(&state.config, &tokens));
            response
        }
        Err(refusal) => to_login(refusal),
    };
    append_cookies(&mut response, vec![cleared]);
    Ok(response)
}

pub(super) async fn sso_settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<SsoOrganizationSettings>> {
    Ok(Json(
        state.services.sso.organization_settings(&actor).await?,
    ))
}

/// `{tenant_id, password_sign_in}`.
pub(super) async fn save_sso_settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(update): ApiJson<SsoOrganizationUpdate>,
) -> ApiResult<Json<SsoOrganizationSettings>> {
    Ok(Json(
        state
            .services
            .sso
            .save_organization_settings(&actor, update)
            .await?,
    ))
}

/// `{display_name, external_id, role}`: a group that sign-in tokens name by its id.
pub(super) async fn add_group(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(group): ApiJson<NewGroup>,
) -> ApiResult<(axum::http::StatusCode, Json<GroupSummary>)> {
    let added = state.services.scim.add_group(&actor, group).await?;
    Ok((axum::http::StatusCode::CREATED, Json(added)))
}
