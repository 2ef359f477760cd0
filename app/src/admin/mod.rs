//! The admin home: every page with its status, and the registered tools.

pub mod access;
pub mod api;
pub mod approvals;
pub mod audit;
pub mod history;
pub mod object_history;
pub mod pages;
pub mod provisioning;
pub mod roles;
pub mod single_sign_on;
pub mod users;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::{
    auth::{error_view, use_session_resource},
    components::ListPanel,
    tools::TestToolButton,
};

#[component]
pub fn AdminHomePage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| api::load_admin_overview());
    let session = use_session_resource();
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text="Admin" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let manages_tools = matches!(
                        session.await,
                        Ok(Some(user)) if user.may(domain::Action::ManageTools)
                    );
                    match overview.await {
                        Ok(overview) => {
                            // The Test buttons live inside Suspense and hydrate after the shell.
                            let hydrated = crate::use_hydrated();
                            view! {
                            <h1 class="page-title">"Admin home"</h1>
                            <ListPanel
                                heading_id="pages-heading"
                                heading="Pages"
                                columns=&["Title", "Address", "Status", "Version", "Last changed (UTC)"]
                                empty="No pages yet. Create one under Pages."
                                rows=overview.pages.into_iter().map(|page| view! {
                                    <tr>
                                        <td><a href=format!("/p/{}", page.slug)>{page.title}</a></td>
                                        <td><code>{format!("/p/{}", page.slug)}</code></td>
                                        <td><span class="badge">{page.status.label()}</span></td>
                                        <td>{page.version}</td>
                                        <td>{page.updated_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                    </tr>
                                }.into_any()).collect()
                            />
                            <section
                                    class="panel"
                                    aria-labelledby="tools-heading"
                                    id="tools-panel"
                                    data-hydrated=move || hydrated.get().then_some("true")
                                >
                                <div class="panel-heading">
                                    <h2 id="tools-heading">"Tools"</h2>
                                    {manages_tools.then(|| view! { <a href="/admin/tools">"Manage tools"</a> })}
                                </div>
                                <table class="data-table">
                                    <thead>
                                        <tr><th scope="col">"Name"</th><th scope="col">"Kind"</th><th scope="col">"Base URL"</th><th scope="col">"Authentication"</th><th scope="col">"Credentials"</th><th scope="col">"Connection"</th></tr>
                                    </thead>
                                    <tbody>
                                        {overview.tools.into_iter().map(|tool| view! {
                                            <tr>
                                                <td>{tool.name.clone()}</td>
                                                <td>{tool.kind}</td>
                                                <td><code>{tool.base_url}</code></td>
                                                <td>{tool.auth_type.replace('_', " ")}</td>
                                                <td>{if tool.has_secret { "stored (encrypted)" } else { "none" }}</td>
                                                <td><TestToolButton id=tool.id name=tool.name /></td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                            }
                            .into_any()
                        }
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Suspense>
    }
}

/// The `:id` of the current route as a number (0 when it is not one, which no object has).
pub(crate) fn id_param() -> impl Fn() -> i32 + Copy {
    let params = leptos_router::hooks::use_params_map();
    move || {
        params
            .with(|params| params.get("id"))
            .and_then(|id| id.parse::<i32>().ok())
            .unwrap_or_default()
    }
}
