//! History screens beside a page's: a custom role's (`/admin/roles/:key/history`, Admin), a
//! tool's (`/admin/tools/:id/history`, Tool Managers), who could use a page or tool
//! (`/admin/{pages|tools}/:id/access/history`) and the organization's settings
//! (`/admin/settings/{publishing|sso}/history`, Admin). Each is the page history's
//! `HistoryBody` — versions, two compared in words, "Revert to this version" — and like it
//! usable without JavaScript.

use std::future::Future;

use domain::versions::{AccessHistory, CompareVersions, RoleHistory, SettingsHistory, ToolHistory};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_location, use_params_map, use_query_map},
    params::ParamsMap,
};
use serde::{Serialize, de::DeserializeOwned};

use super::{
    api,
    history::{HistoryBody, Outcome},
    id_param,
};
use crate::{auth::error_view, error::AppError};

/// The `?from=&to=` comparison and the `?reverted=`, `?invalid=`, `?stale=` outcome of a
/// history screen's URL.
fn asked(query: Memo<ParamsMap>, name: &str) -> Option<i32> {
    query
        .with(|query| query.get(name))
        .and_then(|n| n.parse::<i32>().ok())
}

fn compared(query: Memo<ParamsMap>) -> CompareVersions {
    CompareVersions {
        from: asked(query, "from"),
        to: asked(query, "to"),
    }
}

fn outcome(query: Memo<ParamsMap>, noun: &'static str) -> AnyView {
    view! { <Outcome reverted=asked(query, "reverted") invalid=asked(query, "invalid") stale=asked(query, "stale").is_some() live=false noun /> }
    .into_any()
}

/// What every history screen does around its body: load the history for the route's `key`
/// and the URL's comparison, say that it is loading, show an error, or `screen` of it
/// (given the outcome line of the last revert and the screen's own path).
fn history_screen<K, T, Fut>(
    title: &'static str,
    key: impl Fn() -> K + Send + Sync + Copy + 'static,
    load: impl Fn(K, CompareVersions) -> Fut + Send + Sync + Copy + 'static,
    screen: impl Fn(T, &dyn Fn(&'static str) -> AnyView, String) -> AnyView
    + Send
    + Sync
    + Copy
    + 'static,
) -> impl IntoView
where
    K: Clone + PartialEq + Send + Sync + 'static,
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
{
    let query = use_query_map();
    let history = Resource::new(
        move || (key(), compared(query)),
        move |(key, compare)| load(key, compare),
    );
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text=title />
        <Suspense fallback=|| view! { <p class="loading">"Loading the history…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match history.await {
                        Ok(history) => screen(history, &|noun| outcome(query, noun), path),
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn RoleHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let key = move || params.with(|params| params.get("key")).unwrap_or_default();
    history_screen(
        "Role history",
        key,
        |key, compare| api::load_role_history(key, compare.from, compare.to),
        |history: RoleHistory, outcome, _| {
            let role = history.role;
            let links = view! {
                <a href="/admin/roles">"All roles"</a>
                <span class="muted">{format!("Held by {} user(s); they get a reverted role on their next request.", role.users)}</span>
            }
            .into_any();
            view! {
                {outcome("role")}
                <HistoryBody
                    title=format!("History of the role {}", role.name)
                    links
                    versions=history.versions
                    comparison=history.comparison
                    history_path=format!("/admin/roles/{}/history", role.key)
                    revert_action=format!("/api/roles/{}/revert", role.key)
                    revision=role.version
                    live=None
                    noun="role"
                />
            }
            .into_any()
        },
    )
}

#[component]
pub fn ToolHistoryPage() -> impl IntoView {
    history_screen(
        "Tool history",
        id_param(),
        |id, compare| crate::tools::api::load_tool_history(id, compare.from, compare.to),
        |history: ToolHistory, outcome, _| {
            let tool = history.tool;
            let links = view! {
                <a href="/admin/tools">"All tools"</a>
                <a href=format!("/admin/audit?resource_type=tool&resource_id={}", tool.id)>"Audit trail"</a>
                <span class="muted">"Credentials are never versioned: a revert keeps the stored ones unless the old settings use none."</span>
            }
            .into_any();
            view! {
                {outcome("tool")}
                <HistoryBody
                    title=format!("History of {}", tool.name)
                    links
                    versions=history.versions
                    comparison=history.comparison
                    history_path=format!("/admin/tools/{}/history", tool.id)
                    revert_action=format!("/api/tools/{}/revert", tool.id)
                    revision=history.revision
                    live=None
                    noun="tool"
                />
            }
            .into_any()
        },
    )
}

#[component]
pub fn PageAccessHistoryPage() -> impl IntoView {
    history_screen(
        "History of who may use the page",
        id_param(),
        |id, compare| api::load_page_access_history(id, compare.from, compare.to),
        |history, outcome, _| access_history(history, "page", outcome),
    )
}

#[component]
pub fn ToolAccessHistoryPage() -> impl IntoView {
    history_screen(
        "History of who may use the tool",
        id_param(),
        |id, compare| api::load_tool_access_history(id, compare.from, compare.to),
        |history, outcome, _| access_history(history, "tool", outcome),
    )
}

/// Every version of who may use a page or tool (`noun`).
fn access_history(
    history: AccessHistory,
    noun: &'static str,
    outcome: &dyn Fn(&'static str) -> AnyView,
) -> AnyView {
    let base = format!("/admin/{noun}s/{}", history.id);
    let links = view! {
        <a href=format!("{base}/access")>"Who may use it now"</a>
        <a href=format!("/admin/audit?resource_type={noun}&resource_id={}&action={noun}.access", history.id)>"Audit trail"</a>
    }
    .into_any();
    view! {
        {outcome("set of grants")}
        <HistoryBody
            title=format!("Who could use {}, over time", history.name)
            links
            versions=history.versions
            comparison=history.comparison
            history_path=format!("{base}/access/history")
            revert_action=format!("/api/{noun}s/{}/access/revert", history.id)
            revision=history.revision
            live=None
            noun="set of grants"
        />
    }
    .into_any()
}

/// The history of one of the organization's settings (`/admin/settings/:kind/history`,
/// `publishing`, `sso` or `group_roles`, Admin).
#[component]
pub fn SettingsHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let kind = move || params.with(|params| params.get("kind")).unwrap_or_default();
    history_screen(
        "Settings history",
        kind,
        |kind, compare| async move {
            match kind.as_str() {
                "publishing" => api::load_publishing_history(compare.from, compare.to).await,
                "sso" => api::load_sso_history(compare.from, compare.to).await,
                "group_roles" => api::load_group_roles_history(compare.from, compare.to).await,
                _ => Err(AppError(domain::ErrorBody::new(
                    domain::ErrorCode::NotFound,
                    "Settings not found.",
                ))),
            }
        },
        |history: SettingsHistory, outcome, path| {
            let (title, back, revert, audit) = if path.contains("/publishing/") {
                (
                    "History of the publishing settings",
                    "/admin/approvals",
                    "/api/settings/publishing/revert",
                    "/admin/audit?action=organization.settings",
                )
            } else if path.contains("/group_roles/") {
                (
                    "History of the roles groups grant",
                    "/admin/provisioning",
                    "/api/groups/revert",
                    "/admin/audit?action=group.update",
                )
            } else {
                (
                    "History of the single sign-on settings",
                    "/admin/provisioning",
                    "/api/sso/revert",
                    "/admin/audit?action=organization.settings",
                )
            };
            let links = view! {
                <a href=back>"The settings now"</a>
                <a href=audit>"Audit trail"</a>
            }
            .into_any();
            view! {
                {outcome("settings")}
                <HistoryBody
                    title=title.to_owned()
                    links
                    versions=history.versions
                    comparison=history.comparison
                    history_path=path
                    revert_action=revert.to_owned()
                    revision=history.revision
                    live=None
                    noun="settings"
                />
            }
            .into_any()
        },
    )
}
