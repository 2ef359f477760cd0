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

/// The organization's users whose name or email contains `search` (Admin).
#[server(prefix = "/rpc", endpoint = "list_users")]
pub async fn list_users(search: String) -> Result<Vec<domain::users::UserSummary>, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.users.list(&caller, &search).await?)
}

/// Who may view, edit and publish the page (its editors).
#[server(prefix = "/rpc", endpoint = "load_page_access")]
pub async fn load_page_access(id: i32) -> Result<domain::grants::AccessView, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.pages.access(&caller, id).await?)
}

/// Who may use the tool in pages and who may manage it (its managers).
#[server(prefix = "/rpc", endpoint = "load_tool_access")]
pub async fn load_tool_access(id: i32) -> Result<domain::grants::AccessView, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.tools.access(&caller, id).await?)
}

/// The versions of the page's grants, two compared in words.
#[server(prefix = "/rpc", endpoint = "load_page_access_history")]
pub async fn load_page_access_history(
    id: i32,
    // Flat, not a struct: with neither set the browser sends nothing for them.
    from: Option<i32>,
    to: Option<i32>,
) -> Result<domain::versions::AccessHistory, AppError> {
    let caller = crate::ssr::caller().await?;
    let compare = domain::versions::CompareVersions { from, to };
    Ok(crate::ssr::services()?
        .pages
        .access_history(&caller, id, compare)
        .await?)
}

/// The versions of the tool's grants, two compared in words.
#[server(prefix = "/rpc", endpoint = "load_tool_access_history")]
pub async fn load_tool_access_history(
    id: i32,
    from: Option<i32>,
    to: Option<i32>,
) -> Result<domain::versions::AccessHistory, AppError> {
    let caller = crate::ssr::caller().await?;
    let compare = domain::versions::CompareVersions { from, to };
    Ok(crate::ssr::services()?
        .tools
        .access_history(&caller, id, compare)
        .await?)
}

/// The versions of the organization's publishing settings (Admin).
#[server(prefix = "/rpc", endpoint = "load_publishing_history")]
pub async fn load_publishing_history(
    from: Option<i32>,
    to: Option<i32>,
) -> Result<domain::versions::SettingsHistory, AppError> {
    let caller = crate::ssr::caller().await?;
    let compare = domain::versions::CompareVersions { from, to };
    Ok(crate::ssr::services()?
        .pages
        .publishing_history(&caller, compare)
        .await?)
}

/// The versions of the organization's single sign-on settings (Admin).
#[server(prefix = "/rpc", endpoint = "load_sso_history")]
pub async fn load_sso_history(
    from: Option<i32>,
    to: Option<i32>,
) -> Result<domain::versions::SettingsHistory, AppError> {
    let caller = crate::ssr::caller().await?;
    let compare = domain::versions::CompareVersions { from, to };
    Ok(crate::ssr::services()?
        .sso
        .settings_history(&caller, compare)
        .await?)
}

/// The versions of which role each group grants (Admin).
#[server(prefix = "/rpc", endpoint = "load_group_roles_history")]
pub async fn load_group_roles_history(
    from: Option<i32>,
    to: Option<i32>,
) -> Result<domain::versions::SettingsHistory, AppError> {
    let caller = crate::ssr::caller().await?;
    let compare = domain::versions::CompareVersions { from, to };
    Ok(crate::ssr::services()?
        .scim
        .group_roles_history(&caller, compare)
        .await?)
}

/// Adds a user; without a password the answer carries a set-password link.
#[server(prefix = "/rpc", endpoint = "create_user")]
pub async fn create_user(
    request: domain::users::NewUserRequest,
) -> Result<domain::users::CreatedUser, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .users
        .create(&caller, request)
        .await?)
}

/// Saves a user's name, role and attributes against the version the screen read.
#[server(prefix = "/rpc", endpoint = "update_user")]
pub async fn update_user(
    id: domain::ids::UserId,
    update: domain::users::UserUpdate,
) -> Result<domain::users::UserSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .users
        .update(&caller, id, update)
        .await?)
}

/// Disables (ending every session) or enables a user.
#[server(prefix = "/rpc", endpoint = "set_user_active")]
pub async fn set_user_active(
    id: domain::ids::UserId,
    active: bool,
) -> Result<domain::users::UserSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .users
        .set_active(&caller, id, active)
        .await?)
}

/// A new one-time set-password link for a user (replaces older ones).
#[server(prefix = "/rpc", endpoint = "issue_password_link")]
pub async fn issue_password_link(
    id: domain::ids::UserId,
) -> Result<domain::users::PasswordLink, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .users
        .password_link(&caller, id)
        .await?)
}

/// A page's versions and a comparison of two of them (Admin and Editor).
#[server(prefix = "/rpc", endpoint = "load_page_history")]
pub async fn load_page_history(
    id: i32,
    // Flat, not a struct: with neither set the browser sends nothing for them.
    from: Option<i32>,
    to: Option<i32>,
) -> Result<domain::versions::PageHistory, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .pages
        .history(&caller, id, domain::versions::CompareVersions { from, to })
        .await?)
}

/// Built-in and custom roles with what each allows and how many users have it (Admin).
#[server(prefix = "/rpc", endpoint = "list_roles")]
pub async fn list_roles() -> Result<Vec<domain::roles::RoleSummary>, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.roles.list(&caller).await?)
}

/// Creates a custom role (`creating`) or changes one against `draft.version`.
#[server(prefix = "/rpc", endpoint = "save_role")]
pub async fn save_role(
    draft: domain::roles::RoleDraft,
    creating: bool,
) -> Result<domain::roles::RoleSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    let roles = &crate::ssr::services()?.roles;
    Ok(if creating {
        roles.create(&caller, draft).await?
    } else {
        let key = draft.key.clone();
        roles.update(&caller, &key, draft).await?
    })
}

/// Deletes a custom role nobody has.
#[server(prefix = "/rpc", endpoint = "delete_role")]
pub async fn delete_role(key: String) -> Result<(), AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.roles.delete(&caller, &key).await?)
}

/// Whether publishing needs approval in the caller's organization.
#[server(prefix = "/rpc", endpoint = "load_publishing_settings")]
pub async fn load_publishing_settings() -> Result<domain::approvals::PublishingSettings, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .pages
        .publishing_settings(&caller)
        .await?)
}

/// Turns approval before publishing on or off (Admin).
#[server(prefix = "/rpc", endpoint = "save_publishing_settings")]
pub async fn save_publishing_settings(
    require_approval: bool,
) -> Result<domain::approvals::PublishingSettings, AppError> {
    let caller = crate::ssr::caller().await?;
    let settings = domain::approvals::PublishingSettings { require_approval };
    Ok(crate::ssr::services()?
        .pages
        .set_publishing_settings(&caller, settings)
        .await?)
}

/// Asks for the page's revision `base_revision` to be published.
#[server(prefix = "/rpc", endpoint = "request_approval")]
pub async fn request_approval(
    id: i32,
    base_revision: i32,
    note: String,
) -> Result<domain::approvals::ApprovalRequest, AppError> {
    let caller = crate::ssr::caller().await?;
    let ask = domain::approvals::ApprovalAsk {
        base_revision,
        note,
    };
    Ok(crate::ssr::services()?
        .pages
        .request_approval(&caller, id, ask)
        .await?)
}

/// Requests waiting for the caller's decision.
#[server(prefix = "/rpc", endpoint = "list_approvals")]
pub async fn list_approvals() -> Result<Vec<domain::approvals::ApprovalRequest>, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .pages
        .approval_queue(&caller)
        .await?)
}

/// Approves (publishing) or rejects (with a comment) a request.
#[server(prefix = "/rpc", endpoint = "decide_approval")]
pub async fn decide_approval(
    id: i32,
    approve: bool,
    comment: String,
) -> Result<domain::dto::PageSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    let decision = domain::approvals::ApprovalDecision { approve, comment };
    Ok(crate::ssr::services()?
        .pages
        .decide(&caller, id, decision)
        .await?)
}

/// The organization's SCIM tokens, newest first, without their secrets (Admin).
#[server(prefix = "/rpc", endpoint = "list_scim_tokens")]
pub async fn list_scim_tokens() -> Result<Vec<domain::scim::ScimTokenSummary>, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.scim.list_tokens(&caller).await?)
}

/// Issues a SCIM token; the answer is the only time its secret is shown.
#[server(prefix = "/rpc", endpoint = "issue_scim_token")]
pub async fn issue_scim_token(label: String) -> Result<domain::scim::IssuedScimToken, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .scim
        .issue_token(&caller, &label)
        .await?)
}

/// Revokes a SCIM token: the identity provider's next request with it is refused.
#[server(prefix = "/rpc", endpoint = "revoke_scim_token")]
pub async fn revoke_scim_token(id: i32) -> Result<domain::scim::ScimTokenSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .scim
        .revoke_token(&caller, id)
        .await?)
}

/// Groups from the identity provider with the role each grants its members (Admin).
#[server(prefix = "/rpc", endpoint = "list_groups")]
pub async fn list_groups() -> Result<Vec<domain::scim::GroupSummary>, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?.scim.list_groups(&caller).await?)
}

/// Makes a group grant a role (a role key), or none (empty); members' roles follow at once.
#[server(prefix = "/rpc", endpoint = "set_group_role")]
pub async fn set_group_role(id: i32, role: String) -> Result<domain::scim::GroupSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .scim
        .set_group_role(&caller, id, Some(role.as_str()))
        .await?)
}

/// A custom role's versions and a comparison of two of them (Admin).
#[server(prefix = "/rpc", endpoint = "load_role_history")]
pub async fn load_role_history(
    key: String,
    // Flat, not a struct: with neither set the browser sends nothing for them.
    from: Option<i32>,
    to: Option<i32>,
) -> Result<domain::versions::RoleHistory, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .roles
        .history(
            &caller,
            &key,
            domain::versions::CompareVersions { from, to },
        )
        .await?)
}

/// The organization's single sign-on: the server's provider settings (read-only) and the
/// tenant and password switch an Admin edits.
#[server(prefix = "/rpc", endpoint = "load_sso_settings")]
pub async fn load_sso_settings() -> Result<domain::sso::SsoOrganizationSettings, AppError> {
    let caller = crate::ssr::caller().await?;
    Ok(crate::ssr::services()?
        .sso
        .organization_settings(&caller)
        .await?)
}

/// Links a tenant (blank for none) and switches password sign-in on or off.
#[server(prefix = "/rpc", endpoint = "save_sso_settings")]
pub async fn save_sso_settings(
    tenant_id: String,
    password_sign_in: bool,
) -> Result<domain::sso::SsoOrganizationSettings, AppError> {
    let caller = crate::ssr::caller().await?;
    let update = domain::sso::SsoOrganizationUpdate {
        tenant_id: Some(tenant_id),
        password_sign_in,
    };
    Ok(crate::ssr::services()?
        .sso
        .save_organization_settings(&caller, update)
        .await?)
}

/// Adds a group by its provider id, granting a role (a role key) or none (empty).
#[server(prefix = "/rpc", endpoint = "add_group")]
pub async fn add_group(
    display_name: String,
    external_id: String,
    role: String,
) -> Result<domain::scim::GroupSummary, AppError> {
    let caller = crate::ssr::caller().await?;
    let group = domain::scim::NewGroup {
        display_name,
        external_id,
        role: Some(role),
    };
    Ok(crate::ssr::services()?
        .scim
        .add_group(&caller, group)
        .await?)
}
