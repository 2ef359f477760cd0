//! REST API under /api: thin handlers that resolve the caller, call one service and map the
//! result. Every error answers with the same envelope: `{"error": {"code", "message", "issues"}}`.

use std::net::SocketAddr;

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::{
        ConnectInfo, DefaultBodyLimit, FromRequest, FromRequestParts, Query, State,
        rejection::{BytesRejection, JsonRejection, PathRejection},
    },
    http::{HeaderMap, StatusCode, header},
    response::{
        IntoResponse, Redirect, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::{delete, get, post, put},
};
use axum_extra::extract::CookieJar;
use backend::auth::{IssuedTokens, RequestSession};
use domain::{
    ErrorBody, ErrorCode,
    dto::{
        ConnectionTest, ConnectionTestRequest, LoginRequest, LoginResponse, NewPage, NewPageFrom,
        NewToolRequest, PageDraft, PageSummary, PageTemplateSummary, PublishRequest, RenderedPage,
        SaveDraft, SavedDraft, SecretUpdate, SessionUser, ToolDetails, ToolEdit, ToolSummary,
    },
};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{
    AppState,
    session::{REFRESH_COOKIE, append_cookies, cleared_cookies, session_cookies},
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/auth/login", post(login))
        .route("/api/auth/refresh", post(refresh))
        .route("/api/auth/logout", post(logout))
        .route("/api/me", get(me))
        .route("/api/pages", get(list_pages).post(create_page))
        .route("/api/pages/{id}", delete(delete_page))
        .route("/api/pages/{id}/render", get(render_page))
        .route("/api/pages/{id}/draft", get(page_draft).put(save_draft))
        .route("/api/pages/{id}/publish", post(publish_page))
        .route("/api/pages/{id}/unpublish", post(unpublish_page))
        .route("/api/pages/{id}/duplicate", post(duplicate_page))
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
        .route("/api/tools/{id}/webhook", post(enable_webhook))
        .route("/api/hooks/{tool}/{token}", post(receive_webhook))
        .route("/api/events", get(events))
        .route("/api/connector-templates", get(list_templates))
        .route("/api/tools/{id}/test", post(test_tool))
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

/// `Path` whose rejections use the API's error envelope.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// `Json` whose rejections use the API's error envelope (400 with a clear message).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

type ApiResult<T> = Result<T, ApiError>;

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

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

/// Only paths a browser keeps on this site, normalized (so always a valid `Location`): a
/// crafted `next` cannot send users elsewhere, and a CR/LF in it is dropped, not a 500.
fn safe_next(next: Option<&str>) -> Option<String> {
    next.and_then(domain::link::same_site_path)
}

#[derive(Deserialize)]
struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

fn login_response(tokens: &IssuedTokens) -> LoginResponse {
    LoginResponse {
        access_token: tokens.access_token.clone(),
        token_type: "Bearer".to_owned(),
        expires_in: tokens.access_ttl.as_secs() as u32,
        user: tokens.user.clone(),
    }
}

/// JSON clients get a token and cookies; the HTML sign-in form (which works without
/// JavaScript) gets cookies and a redirect.
async fn login(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let address = peer.map(|Extension(ConnectInfo(peer))| peer.ip());
    if is_form(&headers) {
        let form: LoginForm = serde_urlencoded_form(&body)?;
        let next = safe_next(form.next.as_deref());
        return Ok(
            match state
                .services
                .auth
                .login_from(&form.email, &form.password, address)
                .await
            {
                Ok(tokens) => {
                    let target = next.unwrap_or_else(|| tokens.user.role.home_path().to_owned());
                    let mut response = Redirect::to(&target).into_response();
                    append_cookies(&mut response, session_cookies(&state.config, &tokens));
                    response
                }
                Err(
                    err @ (backend::Error::InvalidCredentials
                    | backend::Error::TooManyAttempts { .. }),
                ) => {
                    let reason = if matches!(err, backend::Error::TooManyAttempts { .. }) {
                        "throttled"
                    } else {
                        "invalid"
                    };
                    let mut target = format!("/login?error={reason}");
                    if let Some(next) = next {
                        target.push_str("&next=");
                        target.push_str(
                            &url::form_urlencoded::byte_serialize(next.as_bytes())
                                .collect::<String>(),
                        );
                    }
                    Redirect::to(&target).into_response()
                }
                Err(err) => return Err(err.into()),
            },
        );
    }
    let request: LoginRequest = serde_json::from_slice(&body).map_err(|err| {
        ApiError::bad_request(format!(
            "Send JSON like {{\"email\": \"…\", \"password\": \"…\"}}: {err}"
        ))
    })?;
    let tokens = state
        .services
        .auth
        .login_from(&request.email, &request.password, address)
        .await?;
    let mut response = Json(login_response(&tokens)).into_response();
    append_cookies(&mut response, session_cookies(&state.config, &tokens));
    Ok(response)
}

fn serde_urlencoded_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_urlencoded::from_bytes(body)
        .map_err(|err| ApiError::bad_request(format!("The form is incomplete: {err}")))
}

async fn refresh(State(state): State<AppState>, jar: CookieJar) -> ApiResult<Response> {
    let token = jar
        .get(REFRESH_COOKIE)
        .ok_or(backend::Error::Unauthenticated)?;
    let tokens = state.services.auth.refresh(token.value()).await?;
    let mut response = Json(login_response(&tokens)).into_response();
    append_cookies(&mut response, session_cookies(&state.config, &tokens));
    Ok(response)
}

async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    jar: CookieJar,
) -> ApiResult<Response> {
    if let Some(token) = jar.get(REFRESH_COOKIE) {
        state.services.auth.logout(token.value()).await?;
    }
    let mut response = if is_form(&headers) {
        Redirect::to("/login?signed_out=1").into_response()
    } else {
        StatusCode::NO_CONTENT.into_response()
    };
    append_cookies(&mut response, cleared_cookies());
    Ok(response)
}

async fn me(Caller(actor): Caller) -> Json<SessionUser> {
    Json(actor)
}

#[derive(Serialize)]
struct PageList {
    pages: Vec<PageSummary>,
}

async fn list_pages(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<PageList>> {
    let pages = state.services.pages.list_for(&actor).await?;
    Ok(Json(PageList { pages }))
}

async fn create_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewPage>,
) -> ApiResult<(StatusCode, Json<PageSummary>)> {
    let created = state.services.pages.create(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `?refresh=1` skips cached tool answers; every other query parameter is a page variable
/// (as in the viewer's address), filling `{{name}}` placeholders in the page's requests.
async fn render_page(
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

async fn page_draft(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<PageDraft>> {
    Ok(Json(state.services.pages.draft(&actor, id).await?))
}

/// 409 with who saved last when `base_revision` is stale.
async fn save_draft(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(save): ApiJson<SaveDraft>,
) -> ApiResult<Json<SavedDraft>> {
    let saved = state.services.pages.save_draft(&actor, id, save).await?;
    Ok(Json(saved))
}

async fn publish_page(
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

async fn unpublish_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<PageSummary>> {
    Ok(Json(state.services.pages.unpublish(&actor, id).await?))
}

async fn duplicate_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<(StatusCode, Json<PageSummary>)> {
    let copy = state.services.pages.duplicate(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(copy)))
}

#[derive(Deserialize)]
struct CopyRequest {
    definition: serde_json::Value,
}

async fn save_page_as_copy(
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

async fn delete_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    state.services.pages.delete(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct PageTemplateList {
    templates: Vec<PageTemplateSummary>,
}

/// The shipped page templates, for those who work in the admin area.
async fn list_page_templates(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<PageTemplateList>> {
    Ok(Json(PageTemplateList {
        templates: state.services.pages.templates(&actor)?,
    }))
}

async fn create_page_from(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewPageFrom>,
) -> ApiResult<(StatusCode, Json<PageSummary>)> {
    let created = state.services.pages.create_from(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The body is an unsaved page definition; the answer has its widgets' data resolved.
async fn preview_page(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(definition): ApiJson<serde_json::Value>,
) -> ApiResult<Json<RenderedPage>> {
    Ok(Json(
        state.services.pages.preview(&actor, definition).await?,
    ))
}

#[derive(Serialize)]
struct ToolList {
    tools: Vec<ToolSummary>,
}

async fn list_tools(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Json<ToolList>> {
    let tools = state.services.tools.list(&actor).await?;
    Ok(Json(ToolList { tools }))
}

async fn create_tool(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiJson(new): ApiJson<NewToolRequest>,
) -> ApiResult<(StatusCode, Json<ToolSummary>)> {
    let created = state.services.tools.create_from(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn tool_details(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<Json<ToolDetails>> {
    Ok(Json(state.services.tools.details(&actor, id).await?))
}

async fn update_tool(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiJson(edit): ApiJson<ToolEdit>,
) -> ApiResult<Json<ToolSummary>> {
    Ok(Json(state.services.tools.update(&actor, id, edit).await?))
}

/// The logo as stored. SVG is a document that could run script when opened on its own: it
/// was checked on upload, and the policy header keeps it inert regardless.
async fn tool_logo(
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
        logo.data,
    )
        .into_response())
}

/// The body is the image itself (any Content-Type; the type is read from the bytes):
/// PNG, JPEG, SVG or WebP, at most 256 KB.
async fn set_tool_logo(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Json<ToolSummary>> {
    Ok(Json(
        state.services.tools.set_logo(&actor, id, &body).await?,
    ))
}

async fn remove_tool_logo(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    state.services.tools.remove_logo(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn set_tool_secret(
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

async fn enable_webhook(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<(StatusCode, Json<domain::dto::WebhookSetup>)> {
    let setup = state.services.tools.enable_webhook(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(setup)))
}

/// Inbound events from tools; authenticated by the HMAC signature, not by a session.
async fn receive_webhook(
    State(state): State<AppState>,
    ApiPath((tool, token)): ApiPath<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<serde_json::Value>)> {
    let signature = headers
        .get("x-signature-256")
        .and_then(|value| value.to_str().ok());
    let event_id = state
        .services
        .receive_webhook(&tool, &token, signature, &body)
        .await?;
    Ok((StatusCode::ACCEPTED, Json(json!({ "event_id": event_id }))))
}

/// Server-sent events: `tool-updated` with the tool's slug whenever a tool of the caller's
/// organization pushed news, so open dashboards refresh without reloading.
async fn events(
    State(state): State<AppState>,
    Caller(actor): Caller,
) -> ApiResult<Sse<impl futures::Stream<Item = Result<Event, std::convert::Infallible>>>> {
    let stream = state
        .services
        .subscribe(&actor)?
        .map(|event| Ok(Event::default().event("tool-updated").data(event.tool)));
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

async fn delete_tool(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiPath(id): ApiPath<i32>,
) -> ApiResult<StatusCode> {
    state.services.tools.delete(&actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize)]
struct TemplateList {
    templates: Vec<domain::template::ConnectorTemplate>,
}

async fn list_templates(Caller(actor): Caller) -> ApiResult<Json<TemplateList>> {
    let templates = backend::connector::templates::list_for(&actor)?;
    Ok(Json(TemplateList { templates }))
}

/// Calls the tool once; an empty body tests its default path.
async fn test_tool(
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

pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.services.db.ping().await {
        Ok(()) => Json(json!({"status": "ready"})).into_response(),
        Err(err) => {
            tracing::warn!(error = %err, "database not reachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "reason": "database not reachable"})),
            )
                .into_response()
        }
    }
}
