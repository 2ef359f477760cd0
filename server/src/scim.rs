//! SCIM 2.0 over HTTP at `/scim/v2` for identity providers (Entra ID provisioning): bearer
//! token auth, `application/scim+json` in and out, and SCIM's error shape. The rules live in
//! `backend::scim`; this module only reads requests and writes answers.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{FromRequestParts, Path, Query, State},
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
    routing::get,
};
use backend::scim::{FILTER_PATH, ListWindow};
use domain::{
    ErrorCode,
    access::Actor,
    scim::{PatchRequest, ScimError, ScimGroup, ScimUser},
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::{Value, json};

use crate::AppState;

const SCIM_JSON: &str = "application/scim+json";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/Users", get(list_users).post(create_user))
        .route(
            "/Users/{id}",
            get(get_user)
                .put(replace_user)
                .patch(patch_user)
                .delete(delete_user),
        )
        .route("/Groups", get(list_groups).post(create_group))
        .route(
            "/Groups/{id}",
            get(get_group)
                .put(replace_group)
                .patch(patch_group)
                .delete(delete_group),
        )
        .route("/ServiceProviderConfig", get(service_provider_config))
        .fallback(|| async {
            ScimFailure::new(
                StatusCode::NOT_FOUND,
                None,
                "There is no SCIM resource at this path.",
            )
        })
}

/// A SCIM answer: the body as `application/scim+json`.
struct Scim<T>(StatusCode, T);

impl<T: Serialize> IntoResponse for Scim<T> {
    fn into_response(self) -> Response {
        let mut response = (self.0, Json(self.1)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
        response
    }
}

struct ScimFailure(ScimError);

impl ScimFailure {
    fn new(status: StatusCode, scim_type: Option<&str>, detail: impl Into<String>) -> Self {
        ScimFailure(ScimError::new(status.as_u16(), scim_type, detail))
    }
}

impl From<backend::Error> for ScimFailure {
    fn from(err: backend::Error) -> Self {
        if err.is_internal() {
            tracing::error!(error = %err, "SCIM request failed");
        }
        let body = err.to_body();
        // SCIM answers every bad request with 400 (RFC 7644 §3.12), never 422.
        let status = match body.code {
            ErrorCode::Validation => StatusCode::BAD_REQUEST,
            code => StatusCode::from_u16(code.http_status())
                .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        };
        let scim_type = match &err {
            backend::Error::Taken(_) => Some("uniqueness"),
            backend::Error::Validation(issues)
                if issues.iter().any(|issue| issue.path == FILTER_PATH) =>
            {
                Some("invalidFilter")
            }
            backend::Error::Validation(_) => Some("invalidValue"),
            _ => None,
        };
        let detail = match &err {
            backend::Error::Validation(issues) => issues
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
            _ if body.code == ErrorCode::Unauthenticated => {
                "Send the SCIM token an admin issued as 'Authorization: Bearer …'.".to_owned()
            }
            _ => body.message,
        };
        ScimFailure::new(status, scim_type, detail)
    }
}

impl IntoResponse for ScimFailure {
    fn into_response(self) -> Response {
        let status = self.0.status.parse().unwrap_or(500);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = Scim(status, self.0).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

type ScimResult<T> = Result<Scim<T>, ScimFailure>;

/// The organization's provisioning actor, from the bearer token.
struct Provisioner(Actor);

impl FromRequestParts<AppState> for Provisioner {
    type Rejection = ScimFailure;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ScimFailure> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| {
                value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
            })
            .ok_or(backend::Error::Unauthenticated)?;
        Ok(Provisioner(state.services.scim.authenticate(token).await?))
    }
}

/// A JSON body whatever its content type says (`application/scim+json` or
/// `application/json`); unreadable bodies are SCIM's `invalidSyntax`.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ScimFailure> {
    serde_json::from_slice(bytes).map_err(|err| {
        ScimFailure::new(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            format!("The body is not a SCIM resource: {err}"),
        )
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    filter: Option<String>,
    start_index: Option<u64>,
    count: Option<u64>,
    excluded_attributes: Option<String>,
}

impl ListQuery {
    fn window(&self) -> ListWindow {
        ListWindow::new(self.start_index, self.count)
    }
}

async fn list_users(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Query(query): Query<ListQuery>,
) -> ScimResult<impl Serialize> {
    let list = state
        .services
        .scim
        .list_users(&actor, query.filter.as_deref(), query.window())
        .await?;
    Ok(Scim(StatusCode::OK, list))
}

async fn create_user(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    bytes: Bytes,
) -> ScimResult<ScimUser> {
    let user = state
        .services
        .scim
        .create_user(&actor, body(&bytes)?)
        .await?;
    Ok(Scim(StatusCode::CREATED, user))
}

async fn get_user(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Path(id): Path<String>,
) -> ScimResult<ScimUser> {
    Ok(Scim(
        StatusCode::OK,
        state.services.scim.get_user(&actor, &id).await?,
    ))
}

async fn replace_user(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ScimResult<ScimUser> {
    let user = state
        .services
        .scim
        .replace_user(&actor, &id, body(&bytes)?)
        .await?;
    Ok(Scim(StatusCode::OK, user))
}

async fn patch_user(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ScimResult<ScimUser> {
    let patch: PatchRequest = body(&bytes)?;
    let user = state.services.scim.patch_user(&actor, &id, patch).await?;
    Ok(Scim(StatusCode::OK, user))
}

async fn delete_user(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Path(id): Path<String>,
) -> Result<StatusCode, ScimFailure> {
    state.services.scim.delete_user(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn list_groups(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Query(query): Query<ListQuery>,
) -> ScimResult<impl Serialize> {
    let without_members = query
        .excluded_attributes
        .as_deref()
        .is_some_and(|excluded| {
            excluded
                .split(',')
                .any(|name| name.trim().eq_ignore_ascii_case("members"))
        });
    let list = state
        .services
        .scim
        .list_groups_scim(
            &actor,
            query.filter.as_deref(),
            query.window(),
            without_members,
        )
        .await?;
    Ok(Scim(StatusCode::OK, list))
}

async fn create_group(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    bytes: Bytes,
) -> ScimResult<ScimGroup> {
    let group = state
        .services
        .scim
        .create_group(&actor, body(&bytes)?)
        .await?;
    Ok(Scim(StatusCode::CREATED, group))
}

async fn get_group(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Path(id): Path<String>,
) -> ScimResult<ScimGroup> {
    Ok(Scim(
        StatusCode::OK,
        state.services.scim.get_group(&actor, &id).await?,
    ))
}

async fn replace_group(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ScimResult<ScimGroup> {
    let group = state
        .services
        .scim
        .replace_group(&actor, &id, body(&bytes)?)
        .await?;
    Ok(Scim(StatusCode::OK, group))
}

async fn patch_group(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ScimResult<ScimGroup> {
    let patch: PatchRequest = body(&bytes)?;
    let group = state.services.scim.patch_group(&actor, &id, patch).await?;
    Ok(Scim(StatusCode::OK, group))
}

async fn delete_group(
    State(state): State<AppState>,
    Provisioner(actor): Provisioner,
    Path(id): Path<String>,
) -> Result<StatusCode, ScimFailure> {
    state.services.scim.delete_group(&actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What this server supports, so a client need not guess (RFC 7643 §5).
async fn service_provider_config() -> Scim<Value> {
    Scim(
        StatusCode::OK,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": backend::scim::MAX_PAGE_SIZE},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "A token an Admin issues on the Provisioning screen."
            }]
        }),
    )
}
