//! The viewer: `/p/{slug}` renders a published page on the server with all its data, then
//! hydrates so Refresh and Retry reload data without a full page load.

pub mod api;
pub mod widgets;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{
    PageDefinition, Widget, WidgetProps,
    dto::{RenderedPage, WidgetData},
    page::{Breakpoint, RowFilter, distinct_values},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_params_map, use_query_map};

use crate::auth::error_view;

#[derive(Clone, Copy)]
pub struct RefreshControl {
    pub trigger: Callback<()>,
    pub pending: ReadSignal<bool>,
}

/// What widget bodies share on one rendered page: sanitized HTML blocks, the data, the
/// filters search boxes and filters put on tables, and when the data was fetched.
pub struct PageContext {
    pub html: BTreeMap<String, String>,
    pub data: BTreeMap<String, WidgetData>,
    pub row_filters: BTreeMap<String, Vec<RowFilter>>,
    pub rendered_at: DateTime<Utc>,
    pub row_height: u16,
}

impl PageContext {
    pub fn new(rendered: &RenderedPage, definition: &PageDefinition) -> Self {
        PageContext {
            html: rendered.html.clone(),
            data: rendered.data.clone(),
            row_filters: definition.row_filters(),
            rendered_at: rendered.rendered_at,
            row_height: definition.layout.row_height,
        }
    }

    /// Distinct values of a filter's column in its table's data.
    fn filter_choices(&self, props: &WidgetProps) -> Vec<String> {
        let WidgetProps::Filter(filter) = props else {
            return Vec::new();
        };
        match self.data.get(&filter.target) {
            Some(WidgetData::Ready { values, .. }) => values
                .get("rows")
                .map(|rows| distinct_values(rows, &filter.column))
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }
}

/// A widget's body: its content with data, or the reason it has none.
pub fn widget_content(widget: &Widget, context: &PageContext, control: RefreshControl) -> AnyView {
    let desktop = widget.position.desktop;
    let env = |values, more| widgets::WidgetEnv {
        id: &widget.id,
        values,
        more,
        html: context.html.get(&widget.id).cloned(),
        view_size: domain::chart::view_size(desktop.w, desktop.h, context.row_height),
        rendered_at: context.rendered_at,
        control,
        row_filters: context
            .row_filters
            .get(&widget.id)
            .cloned()
            .unwrap_or_default(),
        filter_choices: context.filter_choices(&widget.props),
    };
    if let Some(panes) = widget.props.panes() {
        let panes = panes
            .iter()
            .map(|pane| {
                let children = pane
                    .widgets
                    .iter()
                    .map(|child| {
                        let body = widget_content(child, context, control);
                        view! { <WidgetFrame widget=child.clone() body order=0 /> }
                    })
                    .collect_view()
                    .into_any();
                (pane.label.clone(), children)
            })
            .collect();
        let tabs = matches!(widget.props, WidgetProps::Tabs(_));
        return widgets::container_view(&widget.id, tabs, panes);
    }
    match (&widget.binding, context.data.get(&widget.id).cloned()) {
        (_, Some(WidgetData::Failed { message })) => view! { <WidgetError message control /> }.into_any(),
        (Some(_), None) => view! { <WidgetError message="No data was loaded for this widget.".to_owned() control /> }.into_any(),
        (_, Some(WidgetData::Ready { values, fetched_at, stale, more })) => {
            let content = widgets::render(&widget.props, env(Some(&values), more));
            match stale {
                Some(reason) => view! { <StaleNote reason fetched_at control /> {content} }.into_any(),
                None => content,
            }
        }
        (None, None) => widgets::render(&widget.props, env(None, None)),
    }
}

#[component]
pub fn ViewerPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    // `?refresh=1` is how Refresh works without JavaScript: a plain GET form.
    let refresh_in_url = use_query_map().read_untracked().get("refresh").is_some();
    let draft = use_query_map().read_untracked().get("draft").is_some();
    let refreshes = RwSignal::new(0_u32);
    let query = use_query_map().get_untracked();
    let variables = RwSignal::new(
        query
            .into_iter()
            .filter(|(key, _)| key != "refresh" && key != "draft")
            .map(|(key, value)| (key.into_owned(), value))
            .collect::<BTreeMap<String, String>>(),
    );
    provide_context(widgets::PageVariables(variables));
    let page = Resource::new(
        move || (slug(), refreshes.get()),
        move |(slug, count)| {
            // Bindings may fill page variables (filters, search) into their requests.
            let variables = domain::page::encode_variables(&variables.get_untracked());
            api::render_page(
                slug,
                refresh_in_url || count > 0,
                Some(draft),
                Some(variables),
            )
        },
    );
    // Effects run only in the browser, so the server never opens this stream.
    Effect::new(move |_| listen_for_tool_updates(refreshes));
    let (pending, set_pending) = signal(false);
    let control = RefreshControl {
        trigger: Callback::new(move |_| refreshes.update(|count| *count += 1)),
        pending,
    };
    let path = use_location().pathname.get_untracked();
    view! {
        <Transition fallback=|| view! { <p class="loading">"Loading dashboard…"</p> } set_pending=set_pending>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match page.await {
                        Ok(rendered) => view! { <Dashboard rendered control draft /> }.into_any(),
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Transition>
    }
}

/// Refreshes the page whenever one of the organization's tools pushes news through its
/// webhook (server-sent `tool-updated` events).
fn listen_for_tool_updates(refreshes: RwSignal<u32>) {
    use wasm_bindgen::{JsCast, closure::Closure};
    let Ok(source) = web_sys::EventSource::new("/api/events") else {
        return;
    };
    let on_update =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
            // The page may be gone already; then there is nothing to refresh.
            let _ = refreshes.try_update(|count| *count += 1);
        });
    let _ =
        source.add_event_listener_with_callback("tool-updated", on_update.as_ref().unchecked_ref());
    // Lives as long as the browser tab keeps the stream; see the issue notes on closing it.
    on_update.forget();
}

#[component]
fn Dashboard(rendered: RenderedPage, control: RefreshControl, draft: bool) -> impl IntoView {
    let title = rendered.page.title.clone();
    let row_height = rendered.definition.layout.row_height;
    let widgets: Vec<Widget> = rendered
        .definition
        .widgets_in_reading_order()
        .into_iter()
        .cloned()
        .collect();
    let context = PageContext::new(&rendered, &rendered.definition);
    // Polling: the page refreshes at the shortest interval any of its bindings asks for.
    // Each refresh renders a new dashboard, which schedules the next one.
    let poll_seconds = rendered
        .definition
        .layout
        .all_widgets()
        .iter()
        .filter_map(|widget| widget.binding.as_ref()?.refresh_seconds)
        .filter(|seconds| *seconds > 0)
        .min();
    Effect::new(move |_| {
        if let Some(seconds) = poll_seconds
            && let Ok(handle) = set_timeout_with_handle(
                move || control.trigger.run(()),
                std::time::Duration::from_secs(seconds.into()),
            )
        {
            on_cleanup(move || handle.clear());
        }
    });
    // A change to a variable the bindings use fetches the page's data again.
    let bound = rendered.definition.bound_variables();
    if let Some(variables) = use_context::<widgets::PageVariables>()
        && !bound.is_empty()
    {
        Effect::new(move |previous: Option<BTreeMap<String, String>>| {
            let current: BTreeMap<String, String> = variables.0.with(|all| {
                all.iter()
                    .filter(|(name, _)| bound.contains(*name))
                    .map(|(name, value)| (name.clone(), value.clone()))
                    .collect()
            });
            if previous.is_some_and(|previous| previous != current) {
                control.trigger.run(());
            }
            current
        });
    }
    let hydrated = crate::use_hydrated();
    view! {
        <Title text=title.clone() />
        <div class="dashboard-header">
            <h1 class="page-title">{title}</h1>
            {draft.then(|| view! {
                <p class="form-note" role="note" data-testid="draft-note">
                    "Preview of the draft. Viewers see the published version until you publish."
                </p>
            })}
            // Toggled by attribute, not by adding nodes: the pending state can differ between
            // the server and the first client render, and structure must match for hydration.
            <span class="muted" role="status" hidden=move || !control.pending.get()>
                "Refreshing…"
            </span>
        </div>
        <div
            class="dashboard-grid"
            style=format!("--row-h:{row_height}px")
            data-hydrated=move || hydrated.get().then_some("true")
            aria-busy=move || control.pending.get().to_string()
        >
            {widgets
                .into_iter()
                .enumerate()
                .map(|(order, widget)| {
                    let body = widget_content(&widget, &context, control);
                    view! { <WidgetFrame widget body order /> }
                })
                .collect_view()}
        </div>
    }
}

pub fn grid_style(widget: &Widget, order: usize) -> String {
    let desktop = widget.position.desktop;
    let tablet = widget.position.at(Breakpoint::Tablet).unwrap_or(desktop);
    format!(
        "--dx:{};--dy:{};--dw:{};--dh:{};--tx:{};--ty:{};--tw:{};--th:{};--order:{order}",
        u16::from(desktop.x) + 1,
        u32::from(desktop.y) + 1,
        desktop.w,
        desktop.h,
        u16::from(tablet.x) + 1,
        u32::from(tablet.y) + 1,
        tablet.w,
        tablet.h,
    )
}

#[component]
fn WidgetFrame(widget: Widget, body: AnyView, order: usize) -> impl IntoView {
    let style = grid_style(&widget, order);
    let variables = use_context::<widgets::PageVariables>();
    let shown = {
        let widget = widget.clone();
        move || variables.is_none_or(|vars| vars.0.with(|map| widget.shown_with(map)))
    };
    let label = widget
        .title
        .clone()
        .unwrap_or_else(|| widget.props.kind().label().to_owned());
    view! {
        <section
            class="widget"
            style=style
            data-widget-id=widget.id.clone()
            data-widget-type=widget.props.kind().name()
            data-align=widget.style.align.as_str()
            data-size=widget.style.size.as_str()
            data-emphasis=widget.style.emphasis.then_some("true")
            aria-label=label
            hidden=move || !shown()
        >
            {widget.title.map(|title| view! { <h2 class="widget-title">{title}</h2> })}
            <div class="widget-body">{body}</div>
        </section>
    }
}

/// Shown above data that is the tool's last good answer because the latest call failed.
#[component]
fn StaleNote(reason: String, fetched_at: DateTime<Utc>, control: RefreshControl) -> impl IntoView {
    view! {
        <div class="stale-note" role="status" data-testid="stale-note">
            <p>
                "Showing data from " {fetched_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()} ". " {reason}
            </p>
            <RefreshButton control label="Retry" />
        </div>
    }
}

/// A button that reloads the page's data: in place when hydrated, by a plain GET otherwise.
#[component]
pub fn RefreshButton(control: RefreshControl, #[prop(into)] label: String) -> impl IntoView {
    view! {
        <form
            method="get"
            class="inline"
            on:submit=move |ev| {
                ev.prevent_default();
                control.trigger.run(());
            }
        >
            <input type="hidden" name="refresh" value="1" />
            <button type="submit" class="btn-secondary" prop:disabled=move || control.pending.get()>
                {label}
            </button>
        </form>
    }
}

#[component]
fn WidgetError(message: String, control: RefreshControl) -> impl IntoView {
    view! {
        <div class="widget-error" role="alert">
            <p>"This widget could not load its data. " {message}</p>
            <RefreshButton control label="Retry" />
        </div>
    }
}
