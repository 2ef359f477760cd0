//! Versions of an organization's settings (Admin): `GET /api/settings/publishing/history`,
//! `GET /api/sso/history` and `GET /api/groups/history` (the roles groups grant) list them with two compared in words; `POST …/revert` sets an
//! earlier version again (`{version, base_revision}` as JSON, or the history screen's form,
//! answered with a redirect back).

use axum::{Json, body::Bytes, extract::State, http::HeaderMap, response::Response};
use domain::versions::{CompareVersions, SettingsHistory};

use super::{ApiQuery, ApiResult, Caller, pages::answer_revert};
use crate::AppState;

pub(super) async fn publishing_history(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(compare): ApiQuery<CompareVersions>,
) -> ApiResult<Json<SettingsHistory>> {
    let pages = &state.services.pages;
    Ok(Json(pages.publishing_history(&actor, compare).await?))
}

pub(super) async fn revert_publishing(
    State(state): State<AppState>,
    Caller(actor): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    answer_revert(
        &headers,
        &body,
        "/admin/settings/publishing/history",
        |request| {
            let (pages, actor) = (&state.services.pages, &actor);
            async move { pages.revert_publishing_settings(actor, request).await }
        },
    )
    .await
}

pub(super) async fn sso_history(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(compare): ApiQuery<CompareVersions>,
) -> ApiResult<Json<SettingsHistory>> {
    let sso = &state.services.sso;
    Ok(Json(sso.settings_history(&actor, compare).await?))
}

pub(super) async fn revert_sso(
    State(state): State<AppState>,
    Caller(actor): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    answer_revert(&headers, &body, "/admin/settings/sso/history", |request| {
        let (sso, actor) = (&state.services.sso, &actor);
        async move { sso.revert_settings(actor, request).await }
    })
    .await
}

pub(super) async fn group_roles_history(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(compare): ApiQuery<CompareVersions>,
) -> ApiResult<Json<SettingsHistory>> {
    let scim = &state.services.scim;
    Ok(Json(scim.group_roles_history(&actor, compare).await?))
}

pub(super) async fn revert_group_roles(
    State(state): State<AppState>,
    Caller(actor): Caller,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    answer_revert(
        &headers,
        &body,
        "/admin/settings/group_roles/history",
        |request| {
            let (scim, actor) = (&state.services.scim, &actor);
            async move { scim.revert_group_roles(actor, request).await }
        },
    )
    .await
}
