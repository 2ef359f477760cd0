//! Workflows (Admin, Integrator): list, create, open, save (problems and all), turn on and
//! off, delete, history and revert; start runs and read them; the channels steps send to.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::Response,
};
use domain::{
    versions::CompareVersions,
    workflow::{
        channel::{ChannelInput, ChannelSummary, ChannelTest},
        run::{ExecuteWorkflow, RunDetail, RunStarted, RunSummary},
        wire::{
            EnableWorkflow, NewWorkflow, SaveWorkflow, WorkflowDraft, WorkflowHistory,
            WorkflowSummary,
        },
    },
};
use serde::{Deserialize, Serialize};

use super::{ApiJson, ApiPath, ApiQuery, ApiResult, Caller, pages::answer_revert};
use crate::AppState;

#[derive(Serialize)]
pub(super) struct WorkflowList {
    workflows: Vec<WorkflowSummary>,
}

pub(super) async fn list_workflows(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<WorkflowList>> {
    let workflows = state.services.workflows.list(&actor).await?;
    Ok(Json(WorkflowList { workflows }))
}

/// A blank workflow (a manual start), or the `definition` given; off until turned on.
pub(super) async fn create_workflow(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewWorkflow>,
) -> ApiResult<(StatusCode, Json<WorkflowDraft>)> {
    let created = state.services.workflows.create(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The working definition and what keeps it from being turned on, each on its node.
pub(super) async fn workflow(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<WorkflowDraft>> {
    Ok(Json(state.services.workflows.get(&actor, id).await?))
}

/// Saves `{name, description, definition, base_revision}`; 409 when someone saved since.
pub(super) async fn save_workflow(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(save): ApiJson<SaveWorkflow>,
) -> ApiResult<Json<WorkflowDraft>> {
    Ok(Json(state.services.workflows.save(&actor, id, save).await?))
}

pub(super) async fn delete_workflow(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    state.services.workflows.delete(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Turns it on at `{base_revision}`; 422 lists every problem on its node.
pub(super) async fn enable_workflow(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(enable): ApiJson<EnableWorkflow>,
) -> ApiResult<Json<WorkflowSummary>> {
    Ok(Json(
        state.services.workflows.enable(&actor, id, enable).await?,
    ))
}

pub(super) async fn disable_workflow(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<WorkflowSummary>> {
    Ok(Json(state.services.workflows.disable(&actor, id).await?))
}

/// Versions, newest first, and a comparison (`?from=&to=`).
pub(super) async fn workflow_history(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(compare): ApiQuery<CompareVersions>,
) -> ApiResult<Json<WorkflowHistory>> {
    Ok(Json(
        state
            .services
            .workflows
            .history(&actor, id, compare)
            .await?,
    ))
}

/// Reverts to `{version, base_revision}` (JSON, or the history screen's form).
pub(super) async fn revert_workflow(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let back = format!("/admin/workflows/{id}/history");
    answer_revert(&headers, &body, &back, |request| {
        let (workflows, actor) = (&state.services.workflows, &actor);
        async move { workflows.revert(actor, id, request).await }
    })
    .await
}

#[derive(Deserialize)]
pub(super) struct RunInput {
    #[serde(default)]
    input: serde_json::Value,
}

#[derive(Serialize)]
pub(super) struct RunList {
    runs: Vec<RunSummary>,
}

/// "Run now": `{input}` becomes the trigger's payload; 202 with the run's id.
pub(super) async fn run_workflow(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(run): ApiJson<RunInput>,
) -> ApiResult<(StatusCode, Json<RunStarted>)> {
    let started = state
        .services
        .workflows
        .run_now(&actor, id, run.input)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

/// `{workflow, input}` (the workflow's slug) → 202 with the run's id.
pub(super) async fn execute_workflow(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(request): ApiJson<ExecuteWorkflow>,
) -> ApiResult<(StatusCode, Json<RunStarted>)> {
    let started = state.services.workflows.execute(&actor, request).await?;
    Ok((StatusCode::ACCEPTED, Json(started)))
}

pub(super) async fn workflow_runs(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<RunList>> {
    let runs = state.services.workflows.runs(&actor, id).await?;
    Ok(Json(RunList { runs }))
}

/// One run with every step's input, output, attempts and error.
pub(super) async fn workflow_run(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<RunDetail>> {
    Ok(Json(state.services.workflows.run(&actor, id).await?))
}

#[derive(Serialize)]
pub(super) struct ChannelList {
    channels: Vec<ChannelSummary>,
}

/// The organization's channels, never with their secrets.
pub(super) async fn list_channels(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<ChannelList>> {
    let channels = state.services.channels.list(&actor).await?;
    Ok(Json(ChannelList { channels }))
}

/// `{name, kind, settings, secret}`; 422 names each missing or bad field.
pub(super) async fn create_channel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(input): ApiJson<ChannelInput>,
) -> ApiResult<(StatusCode, Json<ChannelSummary>)> {
    let created = state.services.channels.create(&actor, input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Without `secret`, the stored one stays.
pub(super) async fn update_channel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(input): ApiJson<ChannelInput>,
) -> ApiResult<Json<ChannelSummary>> {
    Ok(Json(
        state.services.channels.update(&actor, id, input).await?,
    ))
}

pub(super) async fn delete_channel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    state.services.channels.delete(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// "Send test message": `{ok, message}`, the channel's own words when it refused.
pub(super) async fn test_channel(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<ChannelTest>> {
    Ok(Json(state.services.channels.test(&actor, id).await?))
}
