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
