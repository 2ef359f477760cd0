//! Users over REST (Admin): list and search, add, edit, disable and enable, and
//! set-password links.

use axum::{Json, extract::State, http::StatusCode};
use domain::{
    ids::UserId,
    users::{CreatedUser, NewUserRequest, PasswordLink, UserSummary, UserUpdate},
};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, Caller};
use crate::AppState;

#[derive(Deserialize)]
pub(super) struct UserSearch {
    #[serde(default)]
    q: String,
}

#[derive(Serialize)]
pub(super) struct UserList {
    users: Vec<UserSummary>,
}

pub(super) async fn list_users(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(search): ApiQuery<UserSearch>,
) -> ApiResult<Json<UserList>> {
    let users = state.services.users.list(&actor, &search.q).await?;
    Ok(Json(UserList { users }))
}

pub(super) async fn create_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(request): ApiJson<NewUserRequest>,
) -> ApiResult<(StatusCode, Json<CreatedUser>)> {
    let created = state.services.users.create(&actor, request).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub(super) async fn update_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(update): ApiJson<UserUpdate>,
) -> ApiResult<Json<UserSummary>> {
    Ok(Json(
        state
            .services
            .users
            .update(&actor, UserId(id), update)
            .await?,
    ))
}

pub(super) async fn disable_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<UserSummary>> {
    Ok(Json(
        state
            .services
            .users
            .set_active(&actor, UserId(id), false)
            .await?,
    ))
}

pub(super) async fn enable_user(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<UserSummary>> {
    Ok(Json(
        state
            .services
            .users
            .set_active(&actor, UserId(id), true)
            .await?,
    ))
}

pub(super) async fn issue_password_link(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<PasswordLink>> {
    Ok(Json(
        state
            .services
            .users
            .password_link(&actor, UserId(id))
            .await?,
    ))
}
