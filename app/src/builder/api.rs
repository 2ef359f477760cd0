//! Server functions of the builder and the pages area: thin calls into the page service.

use domain::{
    dto::{
        PageDraft, PageSummary, PageTemplateSummary, RenderedPage, SaveDraft, SavedDraft,
        ToolSummary,
    },
    template::ConnectorTemplate,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use server_fn::codec::Json;

use crate::AppError;

/// What the binding panel offers: the organization's tools, the endpoints defined on them
/// and those their connector templates describe.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BindingSources {
    pub tools: Vec<ToolSummary>,
    pub templates: Vec<ConnectorTemplate>,
    /// Per tool (by slug): the endpoints its widgets may read from, its own first.
    pub endpoints: std::collections::BTreeMap<String, Vec<domain::template::EndpointTemplate>>,
}

#[server(prefix = "/rpc", endpoint = "load_draft")]
pub async fn load_draft(id: i32) -> Result<PageDraft, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.pages.draft(&caller, id).await?)
}

#[server(prefix = "/rpc", endpoint = "store_draft", input = Json)]
pub async fn store_draft(id: i32, draft: SaveDraft) -> Result<SavedDraft, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .pages
        .save_draft(&caller, id, draft)
        .await?)
}

#[server(prefix = "/rpc", endpoint = "publish_page")]
pub async fn publish_page(id: i32, base_revision: i32) -> Result<PageSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .pages
        .publish(&caller, id, base_revision)
        .await?)
}

#[server(prefix = "/rpc", endpoint = "unpublish_page")]
pub async fn unpublish_page(id: i32) -> Result<PageSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.pages.unpublish(&caller, id).await?)
}

/// Renders an unsaved definition with live data, for the canvas.
#[server(prefix = "/rpc", endpoint = "preview_page", input = Json)]
pub async fn preview_page(definition: Value) -> Result<RenderedPage, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .pages
        .preview(&caller, definition)
        .await?)
}

/// After a conflicting save: keeps the local edits as a new page.
#[server(prefix = "/rpc", endpoint = "save_page_as_copy", input = Json)]
pub async fn save_page_as_copy(id: i32, definition: Value) -> Result<PageSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .pages
        .save_as_copy(&caller, id, definition)
        .await?)
}

#[server(prefix = "/rpc", endpoint = "load_binding_sources")]
pub async fn load_binding_sources() -> Result<BindingSources, AppError> {
    let caller = crate::ssr::caller().await?;
    let services = crate::ssr::services()?;
    let tools = services.tools.list(&caller).await?;
    let templates = backend::connector::templates::list_for(&caller)?;
    let endpoints = services.tools.readable_endpoints(&caller).await?;
    Ok(BindingSources {
        tools,
        templates,
        endpoints,
    })
}

#[server(prefix = "/rpc", endpoint = "list_page_templates")]
pub async fn list_page_templates() -> Result<Vec<PageTemplateSummary>, AppError> {
    let actor = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.pages.templates(&actor)?)
}

#[server(prefix = "/rpc", endpoint = "create_page")]
pub async fn create_page(
    title: String,
    slug: String,
    template: String,
) -> Result<PageSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    let template = (!template.is_empty()).then_some(template);
    Ok(crate::ssr::services()?
        .pages
        .create_from(
            &caller,
            domain::dto::NewPageFrom {
                title,
                slug,
                template,
            },
        )
        .await?)
}

#[server(prefix = "/rpc", endpoint = "duplicate_page")]
pub async fn duplicate_page(id: i32) -> Result<PageSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.pages.duplicate(&caller, id).await?)
}

#[server(prefix = "/rpc", endpoint = "delete_page")]
pub async fn delete_page(id: i32) -> Result<(), AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.pages.delete(&caller, id).await?)
}

/// The tool's answer to a binding's request (or its pasted sample), for the field mapper.
#[server(prefix = "/rpc", endpoint = "load_mapper_answer", input = Json)]
pub async fn load_mapper_answer(
    tool: String,
    request: domain::page::RequestSpec,
    use_sample: bool,
) -> Result<domain::dto::MapperAnswer, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .pages
        .mapper_answer(&caller, &tool, &request, use_sample)
        .await?)
}
