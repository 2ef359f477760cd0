//! Who may use one page or tool: `GET /api/{pages|tools}/{id}/access` reads the grants,
//! `POST` replaces them — as JSON (`{"grants": [{"grantee": "group:4", "right": "view"}],
//! "base_revision": 0}`, answered with the new grants) or as the access screen's form
//! (repeated `grantee`/`right` pairs, answered with a redirect back saying how it went, so
//! the screen works without JavaScript). `…/access/history` and `…/access/revert` are the
//! grants' versions, like an object's history.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use domain::{
    grants::{AccessUpdate, AccessView, GrantInput},
    versions::{AccessHistory, CompareVersions},
};

use super::{ApiError, ApiPath, ApiQuery, ApiResult, Caller, is_form, pages::answer_revert};
use crate::AppState;

pub(super) async fn page_access(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<AccessView>> {
    Ok(Json(state.services.pages.access(&actor, id).await?))
}

pub(super) async fn set_page_access(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let back = format!("/admin/pages/{id}/access");
    answer(&headers, &body, &back, |update| {
        let (pages, actor) = (&state.services.pages, &actor);
        async move { pages.set_access(actor, id, update).await }
    })
    .await
}

pub(super) async fn tool_access(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<AccessView>> {
    Ok(Json(state.services.tools.access(&actor, id).await?))
}

pub(super) async fn set_tool_access(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let back = format!("/admin/tools/{id}/access");
    answer(&headers, &body, &back, |update| {
        let (tools, actor) = (&state.services.tools, &actor);
        async move { tools.set_access(actor, id, update).await }
    })
    .await
}

pub(super) async fn page_access_history(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(compare): ApiQuery<CompareVersions>,
) -> ApiResult<Json<AccessHistory>> {
    let pages = &state.services.pages;
    Ok(Json(pages.access_history(&actor, id, compare).await?))
}

/// Sets an earlier version of the page's grants again (`{version, base_revision}` as JSON, or
/// the history screen's form).
pub(super) async fn revert_page_access(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let back = format!("/admin/pages/{id}/access/history");
    answer_revert(&headers, &body, &back, |request| {
        let (pages, actor) = (&state.services.pages, &actor);
        async move { pages.revert_access(actor, id, request).await }
    })
    .await
}

pub(super) async fn tool_access_history(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiQuery(compare): ApiQuery<CompareVersions>,
) -> ApiResult<Json<AccessHistory>> {
    let tools = &state.services.tools;
    Ok(Json(tools.access_history(&actor, id, compare).await?))
}

pub(super) async fn revert_tool_access(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let back = format!("/admin/tools/{id}/access/history");
    answer_revert(&headers, &body, &back, |request| {
        let (tools, actor) = (&state.services.tools, &actor);
        async move { tools.revert_access(actor, id, request).await }
    })
    .await
}

/// Runs a change of grants sent as JSON or as the access screen's form. The form's outcome
/// travels as a fixed code (`saved`, `stale`, `locked_out`, `invalid`), never as free text.
async fn answer<F, Fut>(
    headers: &HeaderMap,
    body: &Bytes,
    back: &str,
    set: F,
) -> ApiResult<Response>
where
    F: FnOnce(AccessUpdate) -> Fut,
    Fut: std::future::Future<Output = backend::Result<AccessView>>,
{
    if !is_form(headers) {
        let update: AccessUpdate = serde_json::from_slice(body).map_err(|err| {
            ApiError::bad_request(format!(
                "Send JSON like {{\"grants\": [{{\"grantee\": \"group:4\", \"right\": \"view\"}}], \"base_revision\": 0}}: {err}"
            ))
        })?;
        return Ok(Json(set(update).await?).into_response());
    }
    let update = from_form(body)?;
    let outcome = match set(update).await {
        Ok(_) => "saved",
        Err(backend::Error::Conflict(_)) => "stale",
        Err(backend::Error::Validation(issues))
            if issues.iter().any(|issue| issue.path == "grants") =>
        {
            "locked_out"
        }
        Err(backend::Error::Validation(_)) => "invalid",
        Err(err) => return Err(err.into()),
    };
    Ok(Redirect::to(&format!("{back}?outcome={outcome}")).into_response())
}

/// The form's `grantee`/`right` pairs, in order. A row whose right is `none` is removed; the
/// "add" row left on its placeholder (no grantee) adds nobody.
fn from_form(body: &[u8]) -> ApiResult<AccessUpdate> {
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|err| ApiError::bad_request(format!("The form is incomplete: {err}")))?;
    let mut grantees = Vec::new();
    let mut rights = Vec::new();
    let mut base_revision = None;
    for (name, value) in fields {
        match name.as_str() {
            "grantee" => grantees.push(value),
            "right" => rights.push(value),
            "base_revision" => base_revision = value.parse().ok(),
            _ => {}
        }
    }
    if grantees.len() != rights.len() {
        return Err(ApiError::bad_request(
            "The form is incomplete: each grantee needs a right.",
        ));
    }
    let base_revision = base_revision.ok_or_else(|| {
        ApiError::bad_request("The form is incomplete: base_revision is missing.")
    })?;
    let grants = grantees
        .into_iter()
        .zip(rights)
        .filter(|(grantee, right)| !grantee.is_empty() && right != "none")
        .map(|(grantee, right)| GrantInput { grantee, right })
        .collect();
    Ok(AccessUpdate {
        grants,
        base_revision,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_form_pairs_grantees_with_rights_and_drops_removed_rows() {
        let Ok(update) = from_form(
            b"grantee=group%3A4&right=edit&grantee=user%3A2&right=none&grantee=&right=view&base_revision=3",
        ) else {
            panic!("a complete form is read")
        };
        assert_eq!(
            update,
            AccessUpdate {
                grants: vec![GrantInput {
                    grantee: "group:4".into(),
                    right: "edit".into()
                }],
                base_revision: 3
            }
        );
        assert!(from_form(b"grantee=group%3A4&base_revision=1").is_err());
        assert!(from_form(b"grantee=group%3A4&right=view").is_err());
    }
}
