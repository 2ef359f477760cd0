//! Roles over REST (Admin): the built-in and custom roles, and custom roles' lifecycle.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use domain::{
    roles::{RoleDraft, RoleSummary},
    versions::{CompareVersions, RoleHistory},
};
use serde::Serialize;

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, Caller, pages::answer_revert};
use crate::AppState;

#[derive(Serialize)]
pub(super) struct RoleList {
    roles: Vec<RoleSummary>,
}

pub(super) async fn list_roles(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<RoleList>> {
    let roles = state.services.roles.list(&actor).await?;
    Ok(Json(RoleList { roles }))
}

pub(super) async fn create_role(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(draft): ApiJson<RoleDraft>,
) -> ApiResult<(StatusCode, Json<RoleSummary>)> {
    let created = state.services.roles.create(&actor, draft).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `{name, actions, version}`; the key is the path's.
pub(super) async fn update_role(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(key): ApiPath<String>,
    ApiJson(draft): ApiJson<RoleDraft>,
) -> ApiResult<Json<RoleSummary>> {
    Ok(Json(
        state.services.roles.update(&actor, &key, draft).await?,
    ))
}

pub(super) async fn delete_role(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(key): ApiPath<String>,
) -> ApiResult<StatusCode> {
    state.services.roles.delete(&actor, &key).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A custom role's versions and a comparison (`?from=&to=`, by default the newest against
/// the one before it).
pub(super) async fn role_history(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(key): ApiPath<String>,
    ApiQuery(compare): ApiQuery<CompareVersions>,
) -> ApiResult<Json<RoleHistory>> {
    Ok(Json(
        state.services.roles.history(&actor, &key, compare).await?,
    ))
}

/// Reverts a custom role to `{version, base_revision}` (JSON, or the history screen's form).
pub(super) async fn revert_role(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(key): ApiPath<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let back = format!("/admin/roles/{key}/history");
    answer_revert(&headers, &body, &back, |request| {
        let roles = &state.services.roles;
        let (actor, key) = (&actor, &key);
        async move { roles.revert(actor, key, request).await }
    })
    .await
}
