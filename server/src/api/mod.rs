//! REST API under /api: thin handlers that resolve the caller, call one service and map the
//! result. Every error answers with the same envelope: `{"error": {"code", "message", "issues"}}`.

mod access;
mod approvals;
mod audit;
mod auth;
mod events;
mod health;
mod pages;
mod provisioning;
mod roles;
mod settings;
mod sso;
mod tools;
mod users;
mod workflows;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{
        DefaultBodyLimit, FromRequest, FromRequestParts,
        rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection},
    },
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{delete, get, post, put},
};
use backend::auth::RequestSession;
use domain::{ErrorBody, ErrorCode, dto::SessionUser};
use serde_json::json;

use crate::AppState;
use access::{
    page_access, page_access_history, revert_page_access, revert_tool_access, set_page_access,
    set_tool_access, tool_access, tool_access_history,
};
use approvals::{
    approval_queue, decide_approval, publishing_settings, request_approval, set_publishing_settings,
};
use audit::{export_audit, list_audit};
use auth::{login, logout, me, refresh, set_password};
use events::{enable_webhook, events, receive_webhook};
pub use health::{healthz, readyz};
use pages::{
    create_page, create_page_from, delete_page, duplicate_page, list_page_templates, list_pages,
    page_draft, page_history, preview_page, publish_page, render_page, revert_page, save_draft,
    save_page_as_copy, unpublish_page,
};
use tools::{
    create_tool, delete_tool, list_templates, list_tools, remove_tool_logo, revert_tool,
    set_tool_logo, set_tool_secret, test_tool, tool_details, tool_history, tool_logo, update_tool,
};

use provisioning::{
    issue_scim_token, list_groups, list_scim_tokens, revoke_scim_token, set_group_role,
};
use roles::{create_role, delete_role, list_roles, revert_role, role_history, update_role};
use settings::{
    group_roles_history, publishing_history, revert_group_roles, revert_publishing, revert_sso,
    sso_history,
};
use sso::{add_group, finish_sign_in, save_sso_settings, sso_settings, start_sign_in};
use users::{create_user, disable_user, enable_user, issue_password_link, list_users, update_user};
use workflows::{
    create_channel, create_workflow, delete_channel, delete_workflow, disable_workflow,
    enable_workflow, execute_workflow, list_channels, list_workflows, revert_workflow,
    run_workflow, save_workflow, test_channel, update_channel, workflow, workflow_history,
    workflow_run, workflow_runs,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/refresh", post(refresh))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/set-password", post(set_password))
        .route("/api/auth/oidc/start", get(start_sign_in))
        .route("/api/auth/oidc/callback", get(finish_sign_in))
        .route("/api/sso", get(sso_settings).put(save_sso_settings))
        .route("/api/sso/history", get(sso_history))
        .route("/api/sso/revert", post(revert_sso))
        .route("/api/me", get(me))
        .route("/api/roles", get(list_roles).post(create_role))
        .route("/api/roles/{key}", put(update_role).delete(delete_role))
        .route("/api/roles/{key}/history", get(role_history))
        .route("/api/roles/{key}/revert", post(revert_role))
        .route("/api/users", get(list_users).post(create_user))
        .route(
            "/api/scim-tokens",
            get(list_scim_tokens).post(issue_scim_token),
        )
        .route("/api/scim-tokens/{id}/revoke", post(revoke_scim_token))
        .route("/api/groups", get(list_groups).post(add_group))
        .route("/api/groups/{id}/role", put(set_group_role))
        .route("/api/groups/history", get(group_roles_history))
        .route("/api/groups/revert", post(revert_group_roles))
        .route("/api/users/{id}", put(update_user))
        .route("/api/users/{id}/disable", post(disable_user))
        .route("/api/users/{id}/enable", post(enable_user))
        .route("/api/users/{id}/password-link", post(issue_password_link))
        .route("/api/pages", get(list_pages).post(create_page))
        .route("/api/pages/{id}", delete(delete_page))
        .route("/api/pages/{id}/render", get(render_page))
        .route("/api/pages/{id}/draft", get(page_draft).put(save_draft))
        .route("/api/pages/{id}/publish", post(publish_page))
        .route("/api/pages/{id}/unpublish", post(unpublish_page))
        .route("/api/pages/{id}/duplicate", post(duplicate_page))
        .route("/api/pages/{id}/history", get(page_history))
        .route("/api/pages/{id}/revert", post(revert_page))
        .route(
            "/api/pages/{id}/access",
            get(page_access).post(set_page_access),
        )
        .route("/api/pages/{id}/access/history", get(page_access_history))
        .route("/api/pages/{id}/access/revert", post(revert_page_access))
        .route("/api/pages/{id}/request-approval", post(request_approval))
        .route("/api/approvals", get(approval_queue))
        .route("/api/approvals/{id}/decision", post(decide_approval))
        .route(
            "/api/settings/publishing",
            get(publishing_settings).put(set_publishing_settings),
        )
        .route("/api/settings/publishing/history", get(publishing_history))
        .route("/api/settings/publishing/revert", post(revert_publishing))
        .route("/api/pages/{id}/save-as-copy", post(save_page_as_copy))
        .route("/api/pages/from-template", post(create_page_from))
        .route("/api/pages/preview", post(preview_page))
        .route("/api/page-templates", get(list_page_templates))
        .route("/api/tools", get(list_tools).post(create_tool))
        .route(
            "/api/tools/{id}",
            get(tool_details)
                .put(update_tool)
                .delete(delete_tool)
                // A 1 MB sample answer grows when escaped inside the JSON body.
                .layer(DefaultBodyLimit::max(3 * 1024 * 1024)),
        )
        .route(
            "/api/tools/{id}/logo",
            get(tool_logo)
                .put(set_tool_logo)
                .delete(remove_tool_logo)
                // Above the 256 KB limit, so larger logos get the service's clear message.
                .layer(DefaultBodyLimit::max(1024 * 1024)),
        )
        .route("/api/tools/{id}/secret", put(set_tool_secret))
        .route("/api/tools/{id}/history", get(tool_history))
        .route("/api/tools/{id}/revert", post(revert_tool))
        .route(
            "/api/tools/{id}/access",
            get(tool_access).post(set_tool_access),
        )
        .route("/api/tools/{id}/access/history", get(tool_access_history))
        .route("/api/tools/{id}/access/revert", post(revert_tool_access))
        .route("/api/tools/{id}/webhook", post(enable_webhook))
        .route("/api/hooks/{tool}/{token}", post(receive_webhook))
        .route("/api/events", get(events))
        .route("/api/workflows", get(list_workflows).post(create_workflow))
        .route(
            "/api/workflows/{id}",
            get(workflow).put(save_workflow).delete(delete_workflow),
        )
        .route("/api/workflows/{id}/enable", post(enable_workflow))
        .route("/api/workflows/{id}/disable", post(disable_workflow))
        .route("/api/workflows/{id}/history", get(workflow_history))
        .route("/api/workflows/{id}/revert", post(revert_workflow))
        .route("/api/workflows/{id}/run", post(run_workflow))
        .route("/api/workflows/{id}/runs", get(workflow_runs))
        .route("/api/workflows/execute", post(execute_workflow))
        .route("/api/runs/{id}", get(workflow_run))
        .route("/api/channels", get(list_channels).post(create_channel))
        .route(
            "/api/channels/{id}",
            put(update_channel).delete(delete_channel),
        )
        .route("/api/channels/{id}/test", post(test_channel))
        .route("/api/connector-templates", get(list_templates))
        .route("/api/tools/{id}/test", post(test_tool))
        .route("/api/audit", get(list_audit))
        .route("/api/audit/export", get(export_audit))
}

pub struct ApiError(ErrorBody);

impl From<backend::Error> for ApiError {
    fn from(err: backend::Error) -> Self {
        if err.is_internal() {
            tracing::error!(error = %err, "request failed");
        }
        ApiError(err.to_body())
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        ApiError::bad_request(format!(
            "The request body is not valid JSON for this endpoint: {}",
            rejection.body_text()
        ))
    }
}

impl ApiError {
    fn bad_request(message: impl Into<String>) -> Self {
        ApiError(ErrorBody::new(ErrorCode::BadRequest, message))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(self.0)
    }
}

/// The API's error envelope with the status its code stands for.
pub fn error_response(body: ErrorBody) -> Response {
    let status =
        StatusCode::from_u16(body.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let retry_after = body.retry_after_seconds;
    let mut response = (status, Json(json!({ "error": body }))).into_response();
    if let Some(seconds) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
    }
    response
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        ApiError::bad_request(format!(
            "The request body could not be read: {}",
            rejection.body_text()
        ))
    }
}

/// The raw request body, with rejections (e.g. too large) in the API's error envelope.
pub struct ApiBytes(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for ApiBytes {
    type Rejection = ApiError;

    async fn from_request(request: axum::extract::Request, state: &S) -> ApiResult<Self> {
        Ok(ApiBytes(Bytes::from_request(request, state).await?))
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::bad_request(format!("The URL is not valid: {}", rejection.body_text()))
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request(format!(
            "The query string is not valid for this endpoint: {}",
            rejection.body_text()
        ))
    }
}

/// `Query` whose rejections use the API's error envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `Path` whose rejections use the API's error envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Json` whose rejections use the API's error envelope (400 with a clear message).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

type ApiResult<T> = Result<T, ApiError>;

/// Whether the body is an HTML form post (which works without JavaScript and is answered
/// with a redirect) rather than JSON.
fn is_form(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

fn serde_urlencoded_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_urlencoded::from_bytes(body)
        .map_err(|err| ApiError::bad_request(format!("The form is incomplete: {err}")))
}

/// The signed-in caller, taken from the session the middleware resolved. Requests without
/// one are refused with the envelope's 401 before the handler runs.
pub struct Caller(pub SessionUser);

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> ApiResult<Self> {
        let session = parts
            .extensions
            .get::<RequestSession>()
            .ok_or_else(|| backend::Error::internal("no session resolved for this request"))?;
        Ok(Caller(session.require()?.clone()))
    }
}
