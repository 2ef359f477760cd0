//! The pages area: every page with its status and last editor; new (blank or from a
//! template), duplicate, delete and open in the builder.

use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::{auth::error_view, builder::api};

/// A slug proposal from a title: lowercase words joined by hyphens.
pub fn slug_from(title: &str) -> String {
    title
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

#[component]
pub fn PagesAdminPage() -> impl IntoView {
    let reloads = RwSignal::new(0_u32);
    let pages = Resource::new(move || reloads.get(), |_| crate::portal::api::list_pages());
    let templates = Resource::new(|| (), |_| api::list_page_templates());
    let path = use_location().pathname.get_untracked();
    let (message, set_message) = signal(None::<String>);
    view! {
        <Title text="Pages" />
        <Suspense fallback=|| view! { <p class="loading">"Loading pages…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let (pages, templates) = match (pages.await, templates.await) {
                        (Ok(pages), Ok(templates)) => (pages, templates),
                        (Err(err), _) | (_, Err(err)) => return error_view(err, path),
                    };
                    let hydrated = crate::use_hydrated();
                    view! {
                        <h1 class="page-title">"Pages"</h1>
                        <p role="status" class="form-note" hidden=move || message.with(Option::is_none)>{move || message.get()}</p>
                        <div id="pages-area" data-hydrated=move || hydrated.get().then_some("true")>
                            <NewPageForm templates set_message />
                            <section class="panel" aria-labelledby="page-list-heading">
                                <h2 id="page-list-heading">"All pages"</h2>
                                {if pages.is_empty() {
                                    view! { <p class="empty">"No pages yet. Create the first one above."</p> }.into_any()
                                } else {
                                    view! {
                                        <table class="data-table">
                                            <thead>
                                                <tr><th scope="col">"Title"</th><th scope="col">"Status"</th><th scope="col">"Last edited"</th><th scope="col">"Actions"</th></tr>
                                            </thead>
                                            <tbody>
                                                {pages.into_iter().map(|page| {
                                                    let (id, title) = (page.id, page.title.clone());
                                                    let edited = format!(
                                                        "{} by {}",
                                                        page.updated_at.format("%Y-%m-%d %H:%M UTC"),
                                                        page.updated_by.clone().unwrap_or_else(|| "unknown".to_owned())
                                                    );
                                                    let duplicate = move |_| spawn_local(async move {
                                                        match api::duplicate_page(id).await {
                                                            Ok(copy) => { set_message.set(Some(format!("Created \"{}\"", copy.title))); reloads.update(|n| *n += 1); }
                                                            Err(err) => set_message.set(Some(err.message().to_owned())),
                                                        }
                                                    });
                                                    let revision = page.version;
                                                    let ask = move |_| {
                                                        let Ok(Some(note)) = window().prompt_with_message("A note for the approver (optional):") else {
                                                            return;
                                                        };
                                                        spawn_local(async move {
                                                            match crate::admin::api::request_approval(id, revision, note).await {
                                                                Ok(_) => { set_message.set(Some("Approval requested. The page shows In review until someone decides.".to_owned())); reloads.update(|n| *n += 1); }
                                                                Err(err) => set_message.set(Some(err.summary())),
                                                            }
                                                        });
                                                    };
                                                    let review = page.review.clone().map(|review| {
                                                        let text = match (&review.status, &review.comment) {
                                                            (domain::approvals::ApprovalStatus::Rejected, Some(comment)) => format!("Rejected by {}: {comment}", review.decided_by.clone().unwrap_or_default()),
                                                            (domain::approvals::ApprovalStatus::Approved, _) => format!("Approved by {}", review.decided_by.clone().unwrap_or_default()),
                                                            (status, _) => status.label().to_owned(),
                                                        };
                                                        view! { <div class="muted" data-testid="review-state">{text}</div> }
                                                    });
                                                    let delete_title = title.clone();
                                                    let delete = move |_| {
                                                        let question = format!("Delete \"{delete_title}\"? Viewers lose it; its history stays in the audit log.");
                                                        if !window().confirm_with_message(&question).unwrap_or(false) {
                                                            return;
                                                        }
                                                        spawn_local(async move {
                                                            match api::delete_page(id).await {
                                                                Ok(()) => { set_message.set(Some("Page deleted".to_owned())); reloads.update(|n| *n += 1); }
                                                                Err(err) => set_message.set(Some(err.message().to_owned())),
                                                            }
                                                        });
                                                    };
                                                    view! {
                                                        <tr data-page-slug=page.slug.clone()>
                                                            <td><a href=format!("/builder/{id}")>{title.clone()}</a><div class="muted"><code>{format!("/p/{}", page.slug)}</code></div></td>
                                                            <td><span class="badge">{page.status.label()}</span>{review}</td>
                                                            <td>{edited}</td>
                                                            <td class="actions">
                                                                <a class="btn-secondary" href=format!("/builder/{id}") aria-label=format!("Edit {title}")>"Edit"</a>
                                                                <a class="btn-secondary" href=format!("/p/{}", page.slug)>"View"</a>
                                                                <a class="btn-secondary" href=format!("/admin/pages/{id}/history") aria-label=format!("History of {title}")>"History"</a>
                                                                <a class="btn-secondary" href=format!("/admin/pages/{id}/access") aria-label=format!("Who may use {title}")>"Access"</a>
                                                                <button type="button" class="btn-secondary" on:click=ask aria-label=format!("Request approval of {title}")>"Request approval"</button>
                                                                <button type="button" class="btn-secondary" on:click=duplicate aria-label=format!("Duplicate {title}")>"Duplicate"</button>
                                                                <button type="button" class="btn-secondary" on:click=delete aria-label=format!("Delete {title}")>"Delete"</button>
                                                            </td>
                                                        </tr>
                                                    }
                                                }).collect_view()}
                                            </tbody>
                                        </table>
                                    }.into_any()
                                }}
                            </section>
                        </div>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn NewPageForm(
    templates: Vec<domain::dto::PageTemplateSummary>,
    set_message: WriteSignal<Option<String>>,
) -> impl IntoView {
    let title = RwSignal::new(String::new());
    let slug = RwSignal::new(String::new());
    let slug_edited = RwSignal::new(false);
    let template = RwSignal::new(String::new());
    let pending = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        pending.set(true);
        spawn_local(async move {
            match api::create_page(
                title.get_untracked(),
                slug.get_untracked(),
                template.get_untracked(),
            )
            .await
            {
                Ok(page) => {
                    let _ = window()
                        .location()
                        .set_href(&format!("/builder/{}", page.id));
                }
                Err(err) => {
                    set_message.set(Some(err.summary()));
                    pending.set(false);
                }
            }
        });
    };
    view! {
        <section class="panel" aria-labelledby="new-page-heading">
            <h2 id="new-page-heading">"New page"</h2>
            <form class="new-page" on:submit=submit>
                <label class="prop-field">
                    <span>"Title"</span>
                    <input type="text" required prop:value=move || title.get() on:input=move |ev| {
                        let text = event_target_value(&ev);
                        if !slug_edited.get_untracked() { slug.set(slug_from(&text)); }
                        title.set(text);
                    } />
                </label>
                <label class="prop-field">
                    <span>"Address (/p/…)"</span>
                    <input type="text" required prop:value=move || slug.get() on:input=move |ev| {
                        slug_edited.set(true);
                        slug.set(event_target_value(&ev));
                    } />
                </label>
                <label class="prop-field">
                    <span>"Start from"</span>
                    <select on:change=move |ev| template.set(event_target_value(&ev))>
                        <option value="">"Blank page"</option>
                        {templates.into_iter().map(|t| view! { <option value=t.id.clone() title=t.description>{t.name}</option> }).collect_view()}
                    </select>
                </label>
                <button type="submit" class="btn-primary" prop:disabled=move || pending.get()>"Create and open"</button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn slugs_follow_titles() {
        assert_eq!(
            super::slug_from("Databricks Job Monitor (EU)"),
            "databricks-job-monitor-eu"
        );
        assert_eq!(super::slug_from("  "), "");
    }
}
