use domain::dto::AdminOverview;
use leptos::prelude::*;

use crate::AppError;

/// Pages and tools for the admin home; roles without admin access get "forbidden".
#[server(prefix = "/rpc", endpoint = "load_admin_overview")]
pub async fn load_admin_overview() -> Result<AdminOverview, AppError> {
    let caller = crate::ssr::caller().await?;
    crate::ssr::services()?
        .admin_overview(&caller)
        .await
        .map_err(AppError::from)
}

/// One page of the organization's audit trail; roles without audit access get "forbidden".
#[server(prefix = "/rpc", endpoint = "list_audit")]
pub async fn list_audit(
    query: domain::audit::AuditQuery,
) -> Result<domain::audit::AuditPage, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.audit.list(&caller, &query).await?)
}
