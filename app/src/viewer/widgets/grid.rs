//! Virtualized data grids that read paged sources on as they scroll.

use domain::{
    chart::display_value,
    page::{DataGridProps, RowFilter, row_passes},
};
use leptos::prelude::*;
use serde_json::Value;

use super::variables;

/// Rows drawn beyond the visible ones, so fast scrolling does not show gaps.
const GRID_OVERSCAN: usize = 8;
/// Assumed height of a grid before the browser measures it (server rendering).
const GRID_DEFAULT_HEIGHT: f64 = 480.0;

/// A grid's rows as the page brought them, and where its paged source goes on.
pub(super) struct GridRows {
    pub(super) first: Value,
    pub(super) more: Option<domain::page::Continuation>,
}

/// Thousands of rows in a scrolling grid: only the rows in view (plus a few) are in the
/// document; a spacer keeps the scrollbar true to the full length. A paged source is read
/// further, a few pages at a time, as the viewer nears the end (or presses "Load more").
pub(super) fn data_grid_view(
    id: &str,
    grid: &DataGridProps,
    rows: GridRows,
    filters: Vec<RowFilter>,
    height: f64,
) -> AnyView {
    use leptos_router::hooks::{use_params_map, use_query_map};

    let columns = grid.columns.clone();
    let row_height = f64::from(grid.row_height);
    let vars = variables();
    let loaded = RwSignal::new(rows.first.as_array().cloned().unwrap_or_default());
    // Only a viewer page can ask for more; the builder's canvas shows the first pages.
    let page = use_params_map().with_untracked(|params| params.get("slug"));
    let draft = use_query_map().with_untracked(|query| query.get("draft").is_some());
    let more = RwSignal::new(rows.more.filter(|_| page.is_some()));
    let loading = RwSignal::new(false);
    let load_error = RwSignal::new(None::<String>);
    let widget = id.to_owned();
    let load_more = move || {
        let (Some(start), Some(page)) = (more.get_untracked(), page.clone()) else {
            return;
        };
        if loading.get_untracked() {
            return;
        }
        loading.set(true);
        let request = domain::dto::MoreRows {
            page,
            widget: widget.clone(),
            start,
            variables: vars.map(|vars| vars.0.get_untracked()).unwrap_or_default(),
            draft,
        };
        leptos::task::spawn_local(async move {
            match crate::viewer::api::more_grid_rows(request).await {
                Ok(next) => {
                    loaded.update(|rows| rows.extend(next.rows));
                    more.set(next.more);
                    load_error.set(None);
                }
                Err(err) => load_error.set(Some(err.message().to_owned())),
            }
            loading.set(false);
        });
    };
    // The values of the searches and filters on this grid, to notice when they change.
    let filter_values = {
        let names: Vec<String> = filters
            .iter()
            .map(|filter| match filter {
                RowFilter::Contains { variable } | RowFilter::Equals { variable, .. } => {
                    variable.clone()
                }
            })
            .collect();
        Memo::new(move |_| {
            vars.map(|vars| {
                vars.0.with(|map| {
                    names
                        .iter()
                        .map(|name| map.get(name).cloned())
                        .collect::<Vec<_>>()
                })
            })
            .unwrap_or_default()
        })
    };
    let shown = {
        let columns = columns.clone();
        Memo::new(move |_| {
            let variables = vars.map(|vars| vars.0.get()).unwrap_or_default();
            loaded.with(|all_rows| {
                all_rows
                    .iter()
                    .filter(|row| row_passes(row, &columns, &filters, &variables))
                    .map(|row| {
                        columns
                            .iter()
                            .map(|column| {
                                display_value(row.get(&column.key).unwrap_or(&Value::Null))
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            })
        })
    };
    let scroll_top = RwSignal::new(0.0_f64);
    // The widget's own height bounds the scrolling area, whatever the grid row grows to.
    let viewport = RwSignal::new(height.min(GRID_DEFAULT_HEIGHT));
    let body = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(element) = body.get() {
            viewport.set(f64::from(element.client_height()).max(row_height));
        }
    });
    // Other rows after a new search or filter: show them from the top. Decided while drawing,
    // so the old position is never applied to the new rows, not even for one frame.
    let drawn_for = StoredValue::new(None::<Vec<Option<String>>>);
    let window = move || {
        let scrolled = scroll_top.get();
        let current = filter_values.get();
        let changed = drawn_for.with_value(|drawn| drawn.as_ref().is_some_and(|d| *d != current));
        drawn_for.set_value(Some(current));
        let scrolled = if changed {
            if let Some(element) = body.get_untracked() {
                element.set_scroll_top(0);
            }
            0.0
        } else {
            scrolled
        };
        // The scroll position may be left over from a longer list: the range is clamped.
        domain::virtual_rows::visible_range(
            shown.with(Vec::len),
            scrolled,
            viewport.get(),
            row_height,
            GRID_OVERSCAN,
        )
    };
    let template = format!(
        "grid-template-columns:repeat({}, minmax(8rem, 1fr))",
        columns.len()
    );
    let row_template = template.clone();
    view! {
        <div class="data-grid" role="table" aria-rowcount=move || (shown.with(Vec::len) + 1).to_string()>
            <div class="data-grid-head" role="row" aria-rowindex="1" style=template>
                {columns.into_iter().map(|column| view! { <div role="columnheader">{column.label}</div> }).collect_view()}
            </div>
            <div
                class="data-grid-body"
                node_ref=body
                tabindex="0"
                data-testid="data-grid-body"
                style=format!("height:{height:.0}px")
                on:scroll={
                    let load_more = load_more.clone();
                    move |ev| {
                        let element: web_sys::HtmlElement = event_target(&ev);
                        scroll_top.set(f64::from(element.scroll_top()));
                        viewport.set(f64::from(element.client_height()).max(row_height));
                        // Within two screens of the end: read on before the rows run out.
                        let left = f64::from(element.scroll_height() - element.scroll_top() - element.client_height());
                        if left < 2.0 * f64::from(element.client_height()) {
                            load_more();
                        }
                    }
                }
            >
                <div class="data-grid-spacer" style=move || format!("height:{}px", shown.with(Vec::len) as f64 * row_height)>
                    {move || {
                        let range = window();
                        let first = range.start;
                        shown.with(|rows| {
                            rows.get(range)
                                .unwrap_or_default()
                                .iter()
                                .enumerate()
                                .map(|(offset, cells)| {
                                    let index = first + offset;
                                    let style = format!("{row_template};top:{}px;height:{row_height}px", index as f64 * row_height);
                                    view! {
                                        <div class="data-grid-row" role="row" aria-rowindex=(index + 2).to_string() style=style>
                                            {cells.iter().map(|cell| view! { <div role="cell">{cell.clone()}</div> }).collect_view()}
                                        </div>
                                    }
                                })
                                .collect_view()
                        })
                    }}
                </div>
            </div>
            <p class="muted data-grid-count" aria-live="polite" data-testid="data-grid-count">
                {move || {
                    let count = display_value(&Value::from(shown.with(Vec::len)));
                    match (more.with(Option::is_some), loading.get()) {
                        (_, true) => format!("{count} rows, loading more…"),
                        (true, false) => format!("{count} rows so far, more as you scroll"),
                        (false, false) => format!("{count} rows"),
                    }
                }}
            </p>
            <Show when=move || more.with(Option::is_some)>
                <button type="button" class="btn-secondary" data-testid="data-grid-more"
                    prop:disabled=move || loading.get() on:click={
                        let load_more = load_more.clone();
                        move |_| load_more()
                    }>
                    "Load more rows"
                </button>
            </Show>
            {move || load_error.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
        </div>
    }
    .into_any()
}
