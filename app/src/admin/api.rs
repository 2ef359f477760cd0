use domain::dto::AdminOverview;
use leptos::prelude::*;

use crate::AppError;

/// Pages and tools for the admin home; roles without admin access get "forbidden".
#[server(prefix = "/rpc", endpoint = "admin_overview")]
pub async fn get_admin_overview() -> Result<AdminOverview, AppError> {
    let caller = crate::ssr::caller().await?;
    crate::ssr::services()?
        .admin_overview(&caller)
        .await
        .map_err(crate::ssr::fail)
}

/// Calls a tool once with its stored credentials and reports the outcome.
#[server(prefix = "/rpc", endpoint = "test_tool")]
pub async fn test_tool(id: i32) -> Result<domain::dto::ConnectionTest, AppError> {
    let caller = crate::ssr::caller().await?;
    let services = crate::ssr::services()?;
    services
        .tools
        .test_connection(&caller, &services.connectors, id, None)
        .await
        .map_err(crate::ssr::fail)
}
