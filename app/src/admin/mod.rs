//! The admin home: every page with its status, and the registered tools.

pub mod api;
pub mod pages;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::auth::error_view;

#[component]
pub fn AdminHomePage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| api::get_admin_overview());
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text="Admin" />
        <Suspense fallback=|| view! { <p class="loading">"Loading…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match overview.await {
                        Ok(overview) => {
                            // The Test buttons live inside Suspense and hydrate after the shell.
                            let hydrated = crate::use_hydrated();
                            view! {
                            <h1 class="page-title">"Admin home"</h1>
                            <section class="panel" aria-labelledby="pages-heading">
                                <h2 id="pages-heading">"Pages"</h2>
                                <table class="data-table">
                                    <thead>
                                        <tr><th scope="col">"Title"</th><th scope="col">"Address"</th><th scope="col">"Status"</th><th scope="col">"Version"</th><th scope="col">"Last changed (UTC)"</th></tr>
                                    </thead>
                                    <tbody>
                                        {overview.pages.into_iter().map(|page| view! {
                                            <tr>
                                                <td><a href=format!("/p/{}", page.slug)>{page.title}</a></td>
                                                <td><code>{format!("/p/{}", page.slug)}</code></td>
                                                <td><span class="badge">{page.status.label()}</span></td>
                                                <td>{page.version}</td>
                                                <td>{page.updated_at.format("%Y-%m-%d %H:%M").to_string()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                            <section
                                    class="panel"
                                    aria-labelledby="tools-heading"
                                    id="tools-panel"
                                    data-hydrated=move || hydrated.get().then_some("true")
                                >
                                <h2 id="tools-heading">"Tools"</h2>
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

/// Tests a tool's connection in place and shows the outcome: latency and a preview of the
/// answer, or what to fix.
#[component]
fn TestToolButton(id: i32, name: String) -> impl IntoView {
    let test = ServerAction::<api::TestTool>::new();
    let pending = test.pending();
    let outcome = test.value();
    view! {
        <button
            type="button"
            class="btn-secondary"
            aria-label=format!("Test connection to {name}")
            prop:disabled=move || pending.get()
            on:click=move |_| {
                test.dispatch(api::TestTool { id });
            }
        >
            {move || if pending.get() { "Testing…" } else { "Test" }}
        </button>
        <div role="status" aria-live="polite" class="test-result">
            {move || {
                outcome
                    .get()
                    .map(|result| match result {
                        Ok(test) => {
                            let class = if test.ok { "test-ok" } else { "test-failed" };
                            view! {
                                <p class=class>{test.message}</p>
                                {test.preview.map(|preview| view! { <pre class="preview">{preview}</pre> })}
                            }
                                .into_any()
                        }
                        Err(err) => view! { <p class="test-failed">{err.message().to_owned()}</p> }.into_any(),
                    })
            }}
        </div>
    }
}
