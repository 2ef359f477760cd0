use domain::dto::RenderedPage;
use leptos::prelude::*;

use crate::AppError;

/// A page with every widget's data; `refresh` skips cached tool answers, `draft` (optional
/// for older callers) shows editors the unpublished draft (the builder's Preview).
#[server(prefix = "/rpc", endpoint = "render_page")]
pub async fn render_page(
    slug: String,
    refresh: bool,
    draft: Option<bool>,
) -> Result<RenderedPage, AppError> {
    let caller = crate::ssr::caller().await?;
    crate::ssr::services()?
        .pages
        .render_by_slug(&caller, &slug, refresh, draft.unwrap_or(false))
        .await
        .map_err(crate::ssr::fail)
}
