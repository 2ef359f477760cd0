//! The Tool Manager (`/admin/tools`, Admin and Integrator): every tool with its logo, kind,
//! authentication, classification and last test status; search, add, edit, test, delete.

pub mod api;
mod form;

use domain::dto::{ConnectionTest, ToolSummary};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use crate::{auth::error_view, components::TextField};
use form::{FormMode, ToolForm};

/// Whether a tool matches the search box: by name, slug or kind, ignoring case.
pub fn matches_search(tool: &ToolSummary, query: &str) -> bool {
    let query = query.trim().to_lowercase();
    query.is_empty()
        || [&tool.name, &tool.slug, &tool.kind]
            .iter()
            .any(|field| field.to_lowercase().contains(&query))
}

/// "2026-11-22 09:30 UTC", or "never".
fn tested_label(tool: &ToolSummary) -> String {
    tool.last_tested_at
        .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "never".to_owned())
}

#[component]
pub fn ToolsAdminPage() -> impl IntoView {
    let reloads = RwSignal::new(0_u32);
    let tools = Resource::new(move || reloads.get(), |_| api::list_tools());
    let path = use_location().pathname.get_untracked();
    let (message, set_message) = signal(None::<String>);
    let query = RwSignal::new(String::new());
    let mode = RwSignal::new(None::<FormMode>);
    let reload = move || reloads.update(|n| *n += 1);
    view! {
        <Title text="Tools" />
        <h1 class="page-title">"Tool Manager"</h1>
        <p role="status" class="form-note" hidden=move || message.with(Option::is_none)>{move || message.get()}</p>
        <Suspense fallback=|| view! { <p class="loading">"Loading tools…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let tools = match tools.await {
                        Ok(tools) => tools,
                        Err(err) => return error_view(err, path),
                    };
                    let hydrated = crate::use_hydrated();
                    let total = tools.len();
                    let tools = StoredValue::new(tools);
                    let open_new = move |_| {
                        set_message.set(None);
                        mode.set(Some(FormMode::New));
                    };
                    // Type-erased pieces keep the view's type shallow enough for the compiler.
                    let toolbar = view! {
                            <div class="toolbar">
                                <TextField label="Search tools" class="search-field" input_type="search"
                                    placeholder="Name or kind" value=query
                                    on_input=Callback::new(move |text| query.set(text)) />
                                <button type="button" class="btn-primary" on:click=open_new>"Add tool"</button>
                            </div>
                    }
                    .into_any();
                    view! {
                        <div id="tools-area" data-hydrated=move || hydrated.get().then_some("true")>
                            {toolbar}
                            {move || mode.get().map(|current| {
                                let on_close = Callback::new(move |()| mode.set(None));
                                let on_saved = Callback::new(move |name: String| {
                                    mode.set(None);
                                    set_message.set(Some(format!("Saved \"{name}\"")));
                                    reload();
                                });
                                view! { <ToolForm mode=current on_close on_saved /> }.into_any()
                            })}
                            <section class="panel" aria-labelledby="tool-list-heading">
                                <h2 id="tool-list-heading">"Tools"</h2>
                                {if total == 0 {
                                    view! {
                                        <div class="empty-state" data-testid="no-tools">
                                            <p>"No tools yet. Add the first one to bind widgets to its data."</p>
                                            <button type="button" class="btn-primary" on:click=open_new>"Add tool"</button>
                                        </div>
                                    }.into_any()
                                } else {
                                    view! {
                                        <ToolTable tools query mode set_message reload=Callback::new(move |()| reload()) />
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
fn ToolTable(
    tools: StoredValue<Vec<ToolSummary>>,
    query: RwSignal<String>,
    mode: RwSignal<Option<FormMode>>,
    set_message: WriteSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let visible = move || {
        let query = query.get();
        tools.with_value(|tools| {
            tools
                .iter()
                .filter(|tool| matches_search(tool, &query))
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <table class="data-table">
            <thead>
                <tr>
                    <th scope="col"><span class="sr-only">"Logo"</span></th>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Kind"</th>
                    <th scope="col">"Authentication"</th>
                    <th scope="col">"Classification"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Last tested"</th>
                    <th scope="col">"Actions"</th>
                </tr>
            </thead>
            <tbody>
                <For each=visible key=|tool| tool.id let:tool>
                    <ToolRow tool mode set_message reload />
                </For>
            </tbody>
        </table>
        <p class="empty" hidden=move || !visible().is_empty()>
            {move || format!("No tools match \"{}\".", query.get().trim())}
        </p>
    }
}

#[component]
fn ToolRow(
    tool: ToolSummary,
    mode: RwSignal<Option<FormMode>>,
    set_message: WriteSignal<Option<String>>,
    reload: Callback<()>,
) -> impl IntoView {
    let id = tool.id;
    let name = tool.name.clone();
    // A test updates the badge in place; the row is not reloaded, so its result stays shown.
    let status = RwSignal::new(tool.status);
    let tested = RwSignal::new(tested_label(&tool));
    let status_title = RwSignal::new(tool.status_message.clone().unwrap_or_default());
    let on_tested = Callback::new(move |test: ConnectionTest| {
        status.set(test.status);
        tested.set("just now".to_owned());
        status_title.set(test.message);
    });
    let loading = RwSignal::new(false);
    let edit_name = name.clone();
    let edit = move |_| {
        loading.set(true);
        let edit_name = edit_name.clone();
        spawn_local(async move {
            match api::load_tool(id).await {
                Ok(details) => {
                    set_message.set(None);
                    mode.set(Some(FormMode::Edit(Box::new(details))));
                }
                Err(err) => set_message.set(Some(format!(
                    "Could not open \"{edit_name}\": {}",
                    err.message()
                ))),
            }
            loading.set(false);
        });
    };
    let delete_name = name.clone();
    let delete = move |_| {
        let question = format!(
            "Delete \"{delete_name}\"? Widgets bound to it stop showing data until rebound; its credentials are erased."
        );
        if !window().confirm_with_message(&question).unwrap_or(false) {
            return;
        }
        let deleted_name = delete_name.clone();
        spawn_local(async move {
            match api::delete_tool(id).await {
                Ok(()) => {
                    set_message.set(Some(format!("Deleted \"{deleted_name}\"")));
                    reload.run(());
                }
                Err(err) => set_message.set(Some(err.message().to_owned())),
            }
        });
    };
    let logo = tool.logo_src();
    view! {
        <tr data-tool-slug=tool.slug.clone()>
            <td class="logo-cell">
                {match logo {
                    Some(src) => view! { <img class="tool-logo" src=src alt=format!("{name} logo") /> }.into_any(),
                    None => view! { <span class="tool-logo placeholder" aria-hidden="true">{initial(&name)}</span> }.into_any(),
                }}
            </td>
            <td>
                <span class="font-medium">{name.clone()}</span>
                <div class="muted"><code>{tool.slug.clone()}</code>" · "<code>{tool.base_url.clone()}</code></div>
                {(!tool.description.is_empty()).then(|| view! { <div class="muted">{tool.description.clone()}</div> })}
            </td>
            <td>{tool.kind.clone()}</td>
            <td>
                {tool.auth_label()}
                <div class="muted">{if tool.has_secret { "credentials stored (encrypted)" } else if tool.auth_type == "none" { "" } else { "no credentials stored" }}</div>
            </td>
            <td><span class="badge" data-classification=tool.classification.as_str()>{tool.classification.label()}</span></td>
            <td>
                <span
                    class="badge status-badge"
                    data-status=move || status.get().as_str()
                    title=move || status_title.get()
                    data-testid="tool-status"
                >
                    {move || status.get().label()}
                </span>
            </td>
            <td data-testid="last-tested">{move || tested.get()}</td>
            <td class="actions">
                <button type="button" class="btn-secondary" on:click=edit prop:disabled=move || loading.get() aria-label=format!("Edit {name}")>
                    {move || if loading.get() { "Opening…" } else { "Edit" }}
                </button>
                <TestToolButton id name=name.clone() on_tested />
                <a class="btn-secondary" href=format!("/admin/tools/{id}/history") aria-label=format!("History of {name}")>"History"</a>
                <a class="btn-secondary" href=format!("/admin/tools/{id}/access") aria-label=format!("Who may use {name}")>"Access"</a>
                <button type="button" class="btn-secondary" on:click=delete aria-label=format!("Delete {name}")>"Delete"</button>
            </td>
        </tr>
    }
}

fn initial(name: &str) -> String {
    name.chars()
        .next()
        .map(|c| c.to_uppercase().to_string())
        .unwrap_or_default()
}

/// Tests a tool's connection in place and shows the outcome: latency and a preview of the
/// answer, or what to fix. `on_tested` hears every completed test.
#[component]
pub fn TestToolButton(
    id: i32,
    name: String,
    #[prop(optional)] on_tested: Option<Callback<ConnectionTest>>,
) -> impl IntoView {
    let test = ServerAction::<api::TestTool>::new();
    let pending = test.pending();
    let outcome = test.value();
    Effect::new(move |_| {
        if let (Some(Ok(result)), Some(on_tested)) = (outcome.get(), on_tested) {
            on_tested.run(result);
        }
    });
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

#[cfg(test)]
mod tests {
    use super::*;
    use domain::tool::ToolStatus;

    fn tool(name: &str, kind: &str) -> ToolSummary {
        ToolSummary {
            id: 1,
            slug: name.to_lowercase().replace(' ', "-"),
            name: name.into(),
            kind: kind.into(),
            base_url: "/mock".into(),
            auth_type: "none".into(),
            has_secret: false,
            description: String::new(),
            classification: Default::default(),
            logo_updated_at: None,
            has_logo: false,
            has_sample: false,
            status: ToolStatus::NotTested,
            status_message: None,
            last_tested_at: None,
        }
    }

    #[test]
    fn search_matches_name_slug_or_kind_ignoring_case() {
        let jobs = tool("Databricks Jobs", "databricks");
        assert!(matches_search(&jobs, ""));
        assert!(matches_search(&jobs, "  JOBS "));
        assert!(matches_search(&jobs, "databricks-jobs"));
        assert!(!matches_search(&jobs, "servicenow"));
        assert!(matches_search(&tool("Tickets", "servicenow"), "Service"));
    }

    #[test]
    fn untested_tools_say_never() {
        assert_eq!(tested_label(&tool("A", "rest")), "never");
    }
}
