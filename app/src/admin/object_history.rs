//! A custom role's history (`/admin/roles/:key/history`, Admin) and a tool's
//! (`/admin/tools/:id/history`, Tool Managers): the same screen as a page's — versions,
//! two compared in words, "Revert to this version" — and like it usable without JavaScript.

use domain::versions::CompareVersions;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_location, use_params_map, use_query_map},
    params::ParamsMap,
};

use super::{
    api,
    history::{HistoryBody, Outcome},
    id_param,
};
use crate::auth::error_view;

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

fn outcome(query: Memo<ParamsMap>, noun: &'static str) -> impl IntoView {
    view! { <Outcome reverted=asked(query, "reverted") invalid=asked(query, "invalid") stale=asked(query, "stale").is_some() live=false noun /> }
}

#[component]
pub fn RoleHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || params.with(|params| params.get("key")).unwrap_or_default();
    let compare = move || compared(query);
    let history = Resource::new(
        move || (key(), compare()),
        |(key, compare)| api::load_role_history(key, compare.from, compare.to),
    );
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text="Role history" />
        <Suspense fallback=|| view! { <p class="loading">"Loading the history…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let history = match history.await {
                        Ok(history) => history,
                        Err(err) => return error_view(err, path),
                    };
                    let role = history.role;
                    let links = view! {
                        <a href="/admin/roles">"All roles"</a>
                        <span class="muted">{format!("Held by {} user(s); they get a reverted role on their next request.", role.users)}</span>
                    }
                    .into_any();
                    view! {
                        {outcome(query, "role")}
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
                })
            }}
        </Suspense>
    }
}

#[component]
pub fn ToolHistoryPage() -> impl IntoView {
    let query = use_query_map();
    let id = id_param();
    let compare = move || compared(query);
    let history = Resource::new(
        move || (id(), compare()),
        |(id, compare)| crate::tools::api::load_tool_history(id, compare.from, compare.to),
    );
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text="Tool history" />
        <Suspense fallback=|| view! { <p class="loading">"Loading the history…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let history = match history.await {
                        Ok(history) => history,
                        Err(err) => return error_view(err, path),
                    };
                    let tool = history.tool;
                    let links = view! {
                        <a href="/admin/tools">"All tools"</a>
                        <a href=format!("/admin/audit?resource_type=tool&resource_id={}", tool.id)>"Audit trail"</a>
                        <span class="muted">"Credentials are never versioned: a revert keeps the stored ones unless the old settings use none."</span>
                    }
                    .into_any();
                    view! {
                        {outcome(query, "tool")}
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
                })
            }}
        </Suspense>
    }
}
