//! Approvals over REST: the organization's publishing setting, requests, the queue and
//! decisions.

use axum::{Json, extract::State, http::StatusCode};
use domain::{
    approvals::{ApprovalAsk, ApprovalDecision, ApprovalRequest, PublishingSettings},
    dto::PageSummary,
};
use serde::Serialize;

use super::{ApiJson, ApiPath, ApiResult, Caller};
use crate::AppState;

pub(super) async fn publishing_settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<PublishingSettings>> {
    Ok(Json(
        state.services.pages.publishing_settings(&actor).await?,
    ))
}

pub(super) async fn set_publishing_settings(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(settings): ApiJson<PublishingSettings>,
) -> ApiResult<Json<PublishingSettings>> {
    Ok(Json(
        state
            .services
            .pages
            .set_publishing_settings(&actor, settings)
            .await?,
    ))
}

pub(super) async fn request_approval(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(ask): ApiJson<ApprovalAsk>,
) -> ApiResult<(StatusCode, Json<ApprovalRequest>)> {
    let request = state
        .services
        .pages
        .request_approval(&actor, id, ask)
        .await?;
    Ok((StatusCode::CREATED, Json(request)))
}

#[derive(Serialize)]
pub(super) struct ApprovalQueue {
    requests: Vec<ApprovalRequest>,
}

pub(super) async fn approval_queue(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<ApprovalQueue>> {
    let requests = state.services.pages.approval_queue(&actor).await?;
    Ok(Json(ApprovalQueue { requests }))
}

pub(super) async fn decide_approval(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(decision): ApiJson<ApprovalDecision>,
) -> ApiResult<Json<PageSummary>> {
    Ok(Json(
        state.services.pages.decide(&actor, id, decision).await?,
    ))
}
