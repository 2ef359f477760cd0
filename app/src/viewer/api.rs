use domain::dto::{FormSubmission, FormSubmitted, MoreRows, RenderedPage, RowsPage};
use leptos::prelude::*;
use server_fn::codec::Json;

use crate::AppError;

/// A page with every widget's data; `refresh` skips cached tool answers, `draft` shows
/// editors the unpublished draft (the builder's Preview), `variables` (page variables as a
/// query string) fill the bindings' `{{name}}` placeholders. The last two are optional for
/// older callers.
#[server(prefix = "/rpc", endpoint = "render_page")]
pub async fn render_page(
    slug: String,
    refresh: bool,
    draft: Option<bool>,
    variables: Option<String>,
) -> Result<RenderedPage, AppError> {
    let caller = crate::ssr::caller().await?;
    crate::ssr::services()?
        .pages
        .render_by_slug_with(
            &caller,
            &slug,
            refresh,
            draft.unwrap_or(false),
            &domain::page::decode_variables(variables.as_deref().unwrap_or_default()),
        )
        .await
        .map_err(AppError::from)
}

/// Sends a form's values to the tool its submit action names; the server checks them
/// against the page's own form definition. Answers with the created record's reference.
#[server(prefix = "/rpc", endpoint = "submit_form", input = Json)]
pub async fn submit_form(submission: FormSubmission) -> Result<FormSubmitted, AppError> {
    let caller = crate::ssr::caller().await?;
    crate::ssr::services()?
        .pages
        .submit_form(&caller, submission)
        .await
        .map_err(AppError::from)
}

/// The next rows of a data grid whose source is paged, from where the last ones ended.
#[server(prefix = "/rpc", endpoint = "more_grid_rows", input = Json)]
pub async fn more_grid_rows(request: MoreRows) -> Result<RowsPage, AppError> {
    let caller = crate::ssr::caller().await?;
    crate::ssr::services()?
        .pages
        .more_rows(&caller, request)
        .await
        .map_err(AppError::from)
}
