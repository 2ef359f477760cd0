//! The audit trail over REST: a page of rows as JSON, and exports as CSV or JSON files.

use axum::{
    Json,
    extract::State,
    http::header,
    response::{IntoResponse, Response},
};
use backend::audit::ExportFormat;
use domain::audit::{AuditPage, AuditQuery};
use serde::Deserialize;

use super::{ApiQuery, ApiResult, Caller};
use crate::AppState;

pub(super) async fn list_audit(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    Ok(Json(state.services.audit.list(&actor, &query).await?))
}

/// The export's file format, beside the same filters as the list.
#[derive(Deserialize)]
pub(super) struct ExportFormatQuery {
    #[serde(default)]
    format: String,
}

pub(super) async fn export_audit(
    State(state): State<AppState>,
    Caller(actor): Caller,
    ApiQuery(format): ApiQuery<ExportFormatQuery>,
    ApiQuery(filters): ApiQuery<AuditQuery>,
) -> ApiResult<Response> {
    let export = state
        .services
        .audit
        .export(&actor, &filters, ExportFormat::parse(&format.format))
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, export.content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}\"", export.file_name),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        export.body,
    )
        .into_response())
}
