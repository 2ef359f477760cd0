//! Roles over REST (Admin): the built-in and custom roles, and custom roles' lifecycle.

use axum::{Json, extract::State, http::StatusCode};
use domain::roles::{RoleDraft, RoleSummary};
use serde::Serialize;

use super::{ApiJson, ApiPath, ApiResult, Caller};
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
