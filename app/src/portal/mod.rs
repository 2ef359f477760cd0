//! The viewer portal: the dashboards a user may open.

pub mod api;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::auth::error_view;

#[component]
pub fn PortalPage() -> impl IntoView {
    let pages = Resource::new(|| (), |_| api::list_pages());
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text="Dashboards" />
        <h1 class="page-title">"Dashboards"</h1>
        <Suspense fallback=|| view! { <p class="loading">"Loading dashboards…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match pages.await {
                        Ok(pages) if pages.is_empty() => view! {
                            <p class="empty-state">"No dashboards have been published yet."</p>
                        }
                        .into_any(),
                        Ok(pages) => view! {
                            <ul class="card-grid" aria-label="Dashboards">
                                {pages
                                    .into_iter()
                                    .map(|page| {
                                        view! {
                                            <li class="card">
                                                <a href=format!("/p/{}", page.slug) class="card-link">{page.title}</a>
                                                <span class="badge">{page.status.label()}</span>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        }
                        .into_any(),
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Suspense>
    }
}
