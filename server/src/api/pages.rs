//! Pages: listing, drafts, publishing, copies, templates and rendering.

use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
};
use axum::{
    body::Bytes,
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    dto::{
        NewPage, NewPageFrom, PageDraft, PageSummary, PageTemplateSummary, PublishRequest,
        RenderedPage, SaveDraft, SavedDraft,
    },
    versions::{CompareVersions, PageHistory, RevertRequest},
};
use serde::{Deserialize, Serialize};

use super::{
    ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, Caller, is_form, serde_urlencoded_form,
};
use crate::AppState;

#[derive(Serialize)]
pub(super) struct PageList {
    pages: Vec<PageSummary>,
}

pub(super) async fn list_pages(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<PageList>> {
    let pages = state.services.pages.list_for(&actor).await?;
    Ok(Json(PageList { pages }))
}

pub(super) async fn create_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewPage>,
) -> ApiResult<(StatusCode, Json<PageSummary>)> {
    let created = state.services.pages.create(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `?refresh=1` skips cached tool answers; every other query parameter is a page variable
/// (as in the viewer's address), filling `{{name}}` placeholders in the page's requests.
pub(super) async fn render_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    Query(mut variables): Query<std::collections::BTreeMap<String, String>>,
) -> ApiResult<Json<RenderedPage>> {
    let refresh = variables
        .remove("refresh")
        .is_some_and(|value| matches!(value.as_str(), "1" | "true"));
    Ok(Json(
        state
            .services
            .pages
            .render_by_id(&actor, id, refresh, &variables)
            .await?,
    ))
}

pub(super) async fn page_draft(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<PageDraft>> {
    Ok(Json(state.services.pages.draft(&actor, id).await?))
}

/// 409 with who saved last when `base_revision` is stale.
pub(super) async fn save_draft(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(save): ApiJson<SaveDraft>,
) -> ApiResult<Json<SavedDraft>> {
    let saved = state.services.pages.save_draft(&actor, id, save).await?;
    Ok(Json(saved))
}

pub(super) async fn publish_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<PublishRequest>,
) -> ApiResult<Json<PageSummary>> {
    let published = state
        .services
        .pages
        .publish(&actor, id, request.base_revision)
        .await?;
    Ok(Json(published))
}

pub(super) async fn unpublish_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<PageSummary>> {
    Ok(Json(state.services.pages.unpublish(&actor, id).await?))
}

pub(super) async fn duplicate_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<(StatusCode, Json<PageSummary>)> {
    let copy = state.services.pages.duplicate(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(copy)))
}

#[derive(Deserialize)]
pub(super) struct CopyRequest {
    definition: serde_json::Value,
}

pub(super) async fn save_page_as_copy(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(request): ApiJson<CopyRequest>,
) -> ApiResult<(StatusCode, Json<PageSummary>)> {
    let copy = state
        .services
        .pages
        .save_as_copy(&actor, id, request.definition)
        .await?;
    Ok((StatusCode::CREATED, Json(copy)))
}

pub(super) async fn delete_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    state.services.pages.delete(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
pub(super) struct PageTemplateList {
    templates: Vec<PageTemplateSummary>,
}

/// The shipped page templates, for those who work in the admin area.
pub(super) async fn list_page_templates(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<PageTemplateList>> {
    Ok(Json(PageTemplateList {
        templates: state.services.pages.templates(&actor)?,
    }))
}

pub(super) async fn create_page_from(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewPageFrom>,
) -> ApiResult<(StatusCode, Json<PageSummary>)> {
    let created = state.services.pages.create_from(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The body is an unsaved page definition; the answer has its widgets' data resolved.
pub(super) async fn preview_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(definition): ApiJson<serde_json::Value>,
) -> ApiResult<Json<RenderedPage>> {
    Ok(Json(
        state.services.pages.preview(&actor, definition).await?,
    ))
}

/// The page's versions, which one viewers see, and a comparison (`?from=&to=`, by default
/// the newest against the one before it).
pub(super) async fn page_history(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(compare): ApiQuery<CompareVersions>,
) -> ApiResult<Json<PageHistory>> {
    Ok(Json(
        state.services.pages.history(&actor, id, compare).await?,
    ))
}

/// Reverts to `{version, base_revision}`. The history screen's form (no JavaScript needed)
/// is answered with a redirect back to it saying what happened.
pub(super) async fn revert_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let back = format!("/admin/pages/{id}/history");
    answer_revert(&headers, &body, &back, |request| {
        let pages = &state.services.pages;
        let actor = &actor;
        async move { pages.revert(actor, id, request).await }
    })
    .await
}

/// Runs a revert sent as JSON (answered with the reverted object) or as the history screen's
/// form (answered with a redirect to `back` saying what happened).
pub(super) async fn answer_revert<T, F, Fut>(
    headers: &HeaderMap,
    body: &Bytes,
    back: &str,
    revert: F,
) -> ApiResult<Response>
where
    T: Serialize,
    F: FnOnce(RevertRequest) -> Fut,
    Fut: std::future::Future<Output = backend::Result<T>>,
{
    if is_form(headers) {
        let request: RevertRequest = serde_urlencoded_form(body)?;
        return Ok(match revert(request).await {
            Ok(_) => Redirect::to(&format!("{back}?reverted={}", request.version)),
            Err(backend::Error::Conflict(_)) => Redirect::to(&format!("{back}?stale=1")),
            Err(backend::Error::Validation(_)) => {
                Redirect::to(&format!("{back}?invalid={}", request.version))
            }
            Err(err) => return Err(err.into()),
        }
        .into_response());
    }
    let request: RevertRequest = serde_json::from_slice(body).map_err(|err| {
        ApiError::bad_request(format!(
            "Send JSON like {{\"version\": 3, \"base_revision\": 7}}: {err}"
        ))
    })?;
    Ok(Json(revert(request).await?).into_response())
}
