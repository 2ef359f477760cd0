//! Server functions of the Tool Manager: thin calls into the tool service.

use domain::dto::{ConnectionTest, NewToolRequest, ToolDetails, ToolEdit, ToolSummary};
use leptos::prelude::*;
use server_fn::codec::Json;

use crate::AppError;

/// The organization's tools, for those who manage them.
#[server(prefix = "/rpc", endpoint = "list_tools")]
pub async fn list_tools() -> Result<Vec<ToolSummary>, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.tools.list_managed(&caller).await?)
}

/// One tool's settings for the edit form (never its secret).
#[server(prefix = "/rpc", endpoint = "load_tool")]
pub async fn load_tool(id: i32) -> Result<ToolDetails, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.tools.details(&caller, id).await?)
}

#[server(prefix = "/rpc", endpoint = "create_tool", input = Json)]
pub async fn create_tool(request: NewToolRequest) -> Result<ToolSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .tools
        .create_from(&caller, request)
        .await?)
}

#[server(prefix = "/rpc", endpoint = "update_tool", input = Json)]
pub async fn update_tool(id: i32, edit: ToolEdit) -> Result<ToolSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .tools
        .update(&caller, id, edit)
        .await?)
}

#[server(prefix = "/rpc", endpoint = "set_tool_secret", input = Json)]
pub async fn set_tool_secret(id: i32, secret: String) -> Result<(), AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .tools
        .set_secret(&caller, id, &secret)
        .await?)
}

/// The image travels base64-encoded; the service judges it by its bytes.
#[server(prefix = "/rpc", endpoint = "upload_tool_logo", input = Json)]
pub async fn upload_tool_logo(id: i32, image_base64: String) -> Result<ToolSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    // Who may set logos is asked before the upload is decoded.
    backend::authorize(
        &caller,
        domain::Action::ManageTools,
        domain::access::Resource::new(domain::access::ResourceKind::Tool, caller.org_id),
    )?;
    let bytes = crate::ssr::decode_base64(&image_base64)?;
    Ok(crate::ssr::services()?
        .tools
        .set_logo(&caller, id, &bytes)
        .await?)
}

#[server(prefix = "/rpc", endpoint = "remove_tool_logo")]
pub async fn remove_tool_logo(id: i32) -> Result<(), AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .tools
        .remove_logo(&caller, id)
        .await?)
}

#[server(prefix = "/rpc", endpoint = "delete_tool")]
pub async fn delete_tool(id: i32) -> Result<(), AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.tools.delete(&caller, id).await?)
}

/// Calls a tool once with its stored credentials, records and reports the outcome.
#[server(prefix = "/rpc", endpoint = "test_tool")]
pub async fn test_tool(id: i32) -> Result<ConnectionTest, AppError> {
    let caller = crate::ssr::caller().await?;
    let services = crate::ssr::services()?;
    Ok(services
        .tools
        .test_connection(&caller, &services.connectors, id, None)
        .await?)
}

/// A tool's versions and a comparison of two of them (Tool Managers).
#[server(prefix = "/rpc", endpoint = "load_tool_history")]
pub async fn load_tool_history(
    id: i32,
    // Flat, not a struct: with neither set the browser sends nothing for them.
    from: Option<i32>,
    to: Option<i32>,
) -> Result<domain::versions::ToolHistory, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .tools
        .history(&caller, id, domain::versions::CompareVersions { from, to })
        .await?)
}
