//! A custom role's history (`/admin/roles/:key/history`, Admin): every version with who,
//! when and what, two compared in words, and "Revert to this version" — the same screen as a
//! page's, and like it usable without JavaScript.

use domain::versions::{CompareVersions, RoleHistory};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use super::{
    api,
    history::{CompareForm, Comparison, Outcome, VersionRow},
};
use crate::{auth::error_view, components::ListPanel};

#[component]
pub fn RoleHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || params.with(|params| params.get("key")).unwrap_or_default();
    let number = move |name: &str| {
        query
            .with(|query| query.get(name))
            .and_then(|n| n.parse::<i32>().ok())
    };
    let compare = move || CompareVersions {
        from: number("from"),
        to: number("to"),
    };
    let history = Resource::new(
        move || (key(), compare()),
        |(key, compare)| api::load_role_history(key, compare),
    );
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text="Role history" />
        <Suspense fallback=|| view! { <p class="loading">"Loading the history…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match history.await {
                        Ok(history) => view! {
                            <Outcome reverted=number("reverted") invalid=number("invalid") stale=number("stale").is_some() live=false noun="role" />
                            <History history />
                        }
                        .into_any(),
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn History(history: RoleHistory) -> impl IntoView {
    let role = history.role.clone();
    let history_path = format!("/admin/roles/{}/history", role.key);
    let newest = history.versions.first().map(|version| version.version);
    let rows = history
        .versions
        .iter()
        .cloned()
        .map(|version| {
            view! {
                <VersionRow
                    version
                    history_path=history_path.clone()
                    revert_action=format!("/api/roles/{}/revert", role.key)
                    revision=role.version
                    newest
                    live=None
                />
            }
            .into_any()
        })
        .collect();
    view! {
        <h1 class="page-title">{format!("History of the role {}", role.name)}</h1>
        <p class="builder-group">
            <a href="/admin/roles">"All roles"</a>
            <span class="muted">{format!("Held by {} user(s); they get a reverted role on their next request.", role.users)}</span>
        </p>
        <CompareForm versions=history.versions.clone() comparison=history.comparison.clone() action=history_path.clone() />
        {history.comparison.map(|comparison| view! { <Comparison comparison /> })}
        <ListPanel
            heading_id="versions-heading"
            heading="Versions"
            columns=&["Version", "Saved (UTC)", "By", "What", "Actions"]
            empty="This role has no saved versions yet."
            rows
            table_class="history-table"
        />
    }
}
