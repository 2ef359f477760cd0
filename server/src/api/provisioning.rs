//! Provisioning settings over REST (Admin): SCIM tokens (issued once, listed, revoked) and
//! the role each group grants.

use axum::{Json, extract::State, http::StatusCode};
use domain::scim::{GroupSummary, IssuedScimToken, ScimTokenSummary};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiPath, ApiResult, Caller};
use crate::AppState;

#[derive(Serialize)]
pub(super) struct TokenList {
    tokens: Vec<ScimTokenSummary>,
}

#[derive(Deserialize)]
pub(super) struct NewToken {
    label: String,
}

pub(super) async fn list_scim_tokens(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<TokenList>> {
    let tokens = state.services.scim.list_tokens(&actor).await?;
    Ok(Json(TokenList { tokens }))
}

pub(super) async fn issue_scim_token(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(request): ApiJson<NewToken>,
) -> ApiResult<(StatusCode, Json<IssuedScimToken>)> {
    let issued = state
        .services
        .scim
        .issue_token(&actor, &request.label)
        .await?;
    Ok((StatusCode::CREATED, Json(issued)))
}

pub(super) async fn revoke_scim_token(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<ScimTokenSummary>> {
    Ok(Json(state.services.scim.revoke_token(&actor, id).await?))
}

#[derive(Serialize)]
pub(super) struct GroupList {
    groups: Vec<GroupSummary>,
}

#[derive(Deserialize)]
pub(super) struct GroupRole {
    role: Option<String>,
}

pub(super) async fn list_groups(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<GroupList>> {
    let groups = state.services.scim.list_groups(&actor).await?;
    Ok(Json(GroupList { groups }))
}

/// `{role}`: the role key the group grants, or null for none.
pub(super) async fn set_group_role(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<GroupRole>,
) -> ApiResult<Json<GroupSummary>> {
    Ok(Json(
        state
            .services
            .scim
            .set_group_role(&actor, id, request.role.as_deref())
            .await?,
    ))
}
