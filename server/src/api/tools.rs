//! Tools (connections to other systems): settings, logo, secret, templates and tests.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use domain::dto::{
    ConnectionTest, ConnectionTestRequest, NewToolRequest, SecretUpdate, ToolDetails, ToolEdit,
    ToolSummary,
};
use domain::versions::{CompareVersions, ToolHistory};
use serde::Serialize;

use super::{
    ApiBytes, ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, Caller, pages::answer_revert,
};
use crate::AppState;

#[derive(Serialize)]
pub(super) struct ToolList {
    tools: Vec<ToolSummary>,
}

pub(super) async fn list_tools(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<ToolList>> {
    let tools = state.services.tools.list(&actor).await?;
    Ok(Json(ToolList { tools }))
}

pub(super) async fn create_tool(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewToolRequest>,
) -> ApiResult<(StatusCode, Json<ToolSummary>)> {
    let created = state.services.tools.create_from(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

pub(super) async fn tool_details(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<ToolDetails>> {
    Ok(Json(state.services.tools.details(&actor, id).await?))
}

pub(super) async fn update_tool(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(edit): ApiJson<ToolEdit>,
) -> ApiResult<Json<ToolSummary>> {
    Ok(Json(state.services.tools.update(&actor, id, edit).await?))
}

/// The logo as stored. SVG is a document that could run script when opened on its own: it
/// was checked on upload, and the policy header keeps it inert regardless.
pub(super) async fn tool_logo(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Response> {
    let logo = state.services.tools.logo(&actor, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, logo.content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; sandbox".to_owned(),
            ),
            // Private; the UI adds the change time to the URL, so revalidating is enough.
            (header::CACHE_CONTROL, "private, no-cache".to_owned()),
        ],
        logo.bytes,
    )
        .into_response())
}

/// The body is the image itself (any Content-Type; the type is read from the bytes):
/// PNG, JPEG, SVG or WebP, at most 256 KB.
pub(super) async fn set_tool_logo(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Json<ToolSummary>> {
    Ok(Json(
        state.services.tools.set_logo(&actor, id, &body).await?,
    ))
}

pub(super) async fn remove_tool_logo(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    state.services.tools.remove_logo(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn set_tool_secret(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(update): ApiJson<SecretUpdate>,
) -> ApiResult<StatusCode> {
    state
        .services
        .tools
        .set_secret(&actor, id, &update.secret)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn delete_tool(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    state.services.tools.delete(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub(super) struct TemplateList {
    templates: Vec<domain::template::ConnectorTemplate>,
}

pub(super) async fn list_templates(Caller(actor): Caller) -> ApiResult<Json<TemplateList>> {
    let templates = backend::connector::templates::list_for(&actor)?;
    Ok(Json(TemplateList { templates }))
}

/// Calls the tool once; an empty body tests its default path.
pub(super) async fn test_tool(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    body: Bytes,
) -> ApiResult<Json<ConnectionTest>> {
    let request: ConnectionTestRequest = if body.is_empty() {
        ConnectionTestRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|err| {
            ApiError::bad_request(format!("Send JSON like {{\"path\": \"/…\"}}: {err}"))
        })?
    };
    let services = &state.services;
    let result = services
        .tools
        .test_connection(&actor, &services.connectors, id, request.path)
        .await?;
    Ok(Json(result))
}

/// A tool's versions and a comparison (`?from=&to=`, by default the newest against the one
/// before it).
pub(super) async fn tool_history(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(compare): ApiQuery<CompareVersions>,
) -> ApiResult<Json<ToolHistory>> {
    Ok(Json(
        state.services.tools.history(&actor, id, compare).await?,
    ))
}

/// Reverts a tool's settings to `{version, base_revision}` (JSON, or the history screen's
/// form).
pub(super) async fn revert_tool(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let back = format!("/admin/tools/{id}/history");
    answer_revert(&headers, &body, &back, |request| {
        let tools = &state.services.tools;
        let actor = &actor;
        async move { tools.revert(actor, id, request).await }
    })
    .await
}
