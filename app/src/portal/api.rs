use domain::dto::PageSummary;
use leptos::prelude::*;

use crate::AppError;

/// Pages the caller may open.
#[server(prefix = "/rpc", endpoint = "list_pages")]
pub async fn list_pages() -> Result<Vec<PageSummary>, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.pages.list_for(&caller).await?)
}
