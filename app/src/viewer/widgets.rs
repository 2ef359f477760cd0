//! Widget bodies, rendered identically on the server, in the browser and on the builder's
//! canvas.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{
    WidgetProps,
    chart::{self, ChartPoint, display_value, kpi_tone},
    page::{
        ButtonAction, ChartKind, ChartProps, DataGridProps, FieldKind, FilterProps, FormProps,
        KpiProps, RowFilter, SearchProps, TableProps, row_passes, sort_rows,
    },
};
use leptos::prelude::*;
use serde_json::Value;

use super::{RefreshButton, RefreshControl};

/// Page variables set by search boxes and filters (widget id → text), seeded from the URL
/// query so filtering also works without JavaScript.
#[derive(Clone, Copy)]
pub struct PageVariables(pub RwSignal<BTreeMap<String, String>>);

/// Everything a widget body needs besides its props.
pub struct WidgetEnv<'a> {
    pub id: &'a str,
    pub values: Option<&'a BTreeMap<String, Value>>,
    /// Where a paged source goes on, for data grids that read more as they scroll.
    pub more: Option<domain::page::Continuation>,
    /// Sanitized HTML of a Markdown or HTML block.
    pub html: Option<String>,
    pub view_size: (f64, f64),
    pub rendered_at: DateTime<Utc>,
    pub control: RefreshControl,
    /// Filters other widgets put on this table.
    pub row_filters: Vec<RowFilter>,
    /// Choices for a filter whose options come from its table's data.
    pub filter_choices: Vec<String>,
}

pub fn render(props: &WidgetProps, env: WidgetEnv<'_>) -> AnyView {
    let value = |key: &str| {
        env.values
            .and_then(|values| values.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let text_or_bound = |text: &str| match value("text") {
        Value::Null => text.to_owned(),
        bound => display_value(&bound),
    };
    match props {
        WidgetProps::Text(text) => {
            view! { <p class="widget-text">{text_or_bound(&text.text)}</p> }.into_any()
        }
        WidgetProps::Heading(heading) => {
            let text = text_or_bound(&heading.text);
            match heading.level {
                1 => view! { <h1 class="widget-heading level-1">{text}</h1> }.into_any(),
                3 => view! { <h3 class="widget-heading level-3">{text}</h3> }.into_any(),
                4 => view! { <h4 class="widget-heading level-4">{text}</h4> }.into_any(),
                _ => view! { <h2 class="widget-heading level-2">{text}</h2> }.into_any(),
            }
        }
        WidgetProps::Markdown(_) | WidgetProps::Html(_) => {
            view! { <div class="rich-text" inner_html=env.html.unwrap_or_default()></div> }
                .into_any()
        }
        WidgetProps::Code(code) => {
            let language = code.language.clone();
            // Highlighted on the server; the plain source until that HTML is there.
            let body = match env.html {
                Some(highlighted) => view! { <code inner_html=highlighted></code> }.into_any(),
                None => view! { <code>{code.code.clone()}</code> }.into_any(),
            };
            view! {
                <pre class="code-block" data-language=language.clone() aria-label=format!("{language} code")>
                    {body}
                </pre>
            }
            .into_any()
        }
        WidgetProps::Card(card) => view! {
            <div class="widget-card" data-tone=card.tone.as_str()>
                {(!card.heading.is_empty()).then(|| view! { <h3 class="card-heading">{card.heading.clone()}</h3> })}
                <p>{text_or_bound(&card.text)}</p>
            </div>
        }
        .into_any(),
        WidgetProps::Button(button) => {
            let label = button.label.clone();
            let tone = button.tone.as_str();
            match &button.action {
                ButtonAction::OpenLink { url, new_tab } => {
                    let target = new_tab.then_some("_blank");
                    let rel = new_tab.then_some("noopener noreferrer");
                    view! { <a class="btn-primary widget-button" data-tone=tone href=safe_link(url) target=target rel=rel>{label}</a> }
                        .into_any()
                }
                ButtonAction::Refresh => view! { <RefreshButton control=env.control label=label /> }.into_any(),
                // The HTML `form` attribute ties the button to the form wherever it sits.
                ButtonAction::SubmitForm { form } => view! {
                    <button type="submit" class="btn-primary widget-button" data-tone=tone form=form_dom_id(form)>{label}</button>
                }
                .into_any(),
            }
        }
        WidgetProps::Link(link) => {
            view! { <a class="widget-link" href=safe_link(&link.url)>{link.text.clone()}</a> }.into_any()
        }
        WidgetProps::Image(image) => view! {
            <img class="widget-image" src=safe_link(&image.src) alt=image.alt.clone() loading="lazy" />
        }
        .into_any(),
        WidgetProps::Iframe(frame) => view! {
            <iframe
                class="widget-iframe"
                src=frame.src.clone()
                title=frame.title.clone()
                referrerpolicy="no-referrer"
                sandbox=domain::embed::sandbox(&frame.src)
                allowfullscreen=frame.allow_fullscreen
            ></iframe>
        }
        .into_any(),
        WidgetProps::Search(search) => search_view(env.id, search),
        WidgetProps::Filter(filter) => filter_view(env.id, filter, env.filter_choices),
        WidgetProps::Form(form) => form_view(env.id, form),
        WidgetProps::Kpi(kpi) => kpi_view(kpi, value("value"), value("delta")),
        WidgetProps::Table(table) => table_view(env.id, table, value("rows"), env.row_filters),
        // Drawn with their panes by `container_view`, which `widget_content` calls instead.
        WidgetProps::Tabs(_) | WidgetProps::Accordion(_) => ().into_any(),
        WidgetProps::DataGrid(grid) => data_grid_view(
            env.id,
            grid,
            GridRows {
                first: value("rows"),
                more: env.more,
            },
            env.row_filters,
            env.view_size.1,
        ),
        WidgetProps::Chart(chart) => chart_view(
            chart,
            chart::points_from_value(&value("points")),
            env.view_size,
        ),
        WidgetProps::RefreshBar(bar) => {
            let note = bar.note.clone();
            let rendered_at = env.rendered_at;
            view! {
                <div class="refresh-bar">
                    <p class="muted">
                        "Last updated "
                        <time datetime=rendered_at.to_rfc3339() data-testid="last-updated">
                            {rendered_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}
                        </time>
                        {note.map(|note| view! { <span>" · " {note}</span> })}
                    </p>
                    <RefreshButton control=env.control label="Refresh" />
                </div>
            }
            .into_any()
        }
    }
}

/// The address of a link, button or image, left out when a browser would take it somewhere
/// it must not go (pages saved before the check was as strict as it is now).
fn safe_link(url: &str) -> Option<String> {
    domain::link::is_safe_link(url).then(|| url.to_owned())
}

fn variables() -> Option<PageVariables> {
    use_context::<PageVariables>()
}

fn variable(id: &str) -> String {
    variables()
        .and_then(|vars| vars.0.read_untracked().get(id).cloned())
        .unwrap_or_default()
}

fn set_variable(id: &str, text: String) {
    if let Some(vars) = variables() {
        vars.0.update(|map| {
            map.insert(id.to_owned(), text);
        });
    }
}

/// A GET form, so the same box filters on the server when JavaScript is off.
fn search_view(id: &str, search: &SearchProps) -> AnyView {
    let name = id.to_owned();
    let on_input_id = id.to_owned();
    view! {
        <form method="get" role="search" class="widget-search" on:submit=|ev| ev.prevent_default()>
            <input
                type="search"
                name=name
                value=variable(id)
                placeholder=search.placeholder.clone()
                aria-label=if search.placeholder.is_empty() { "Search".to_owned() } else { search.placeholder.clone() }
                on:input=move |ev| set_variable(&on_input_id, event_target_value(&ev))
            />
        </form>
    }
    .into_any()
}

fn filter_view(id: &str, filter: &FilterProps, choices: Vec<String>) -> AnyView {
    let choices = if filter.options.is_empty() {
        choices
    } else {
        filter.options.clone()
    };
    let current = variable(id);
    let on_change_id = id.to_owned();
    let hydrated = crate::use_hydrated();
    view! {
        <form method="get" class="widget-filter" on:submit=|ev| ev.prevent_default()>
            <label>
                <span>{filter.label.clone()}</span>
                <select name=id.to_owned() on:change=move |ev| set_variable(&on_change_id, event_target_value(&ev))>
                    <option value="" selected=current.is_empty()>"All"</option>
                    {choices
                        .into_iter()
                        .map(|choice| {
                            let selected = choice == current;
                            let label = choice.clone();
                            view! { <option value=choice selected=selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            // Without JavaScript the choice is applied by submitting the form.
            <button type="submit" class="btn-secondary" hidden=move || hydrated.get()>"Apply"</button>
        </form>
    }
    .into_any()
}

/// Fields with the browser's required-field checks and messages of our own once hydrated.
fn form_view(id: &str, form: &FormProps) -> AnyView {
    use domain::dto::FormSubmission;
    use leptos_router::hooks::{use_params_map, use_query_map};

    // Back from a submission without JavaScript: the redirect says how it went.
    let returned = use_query_map().with_untracked(|query| {
        (query.get("form").as_deref() == Some(id))
            .then(|| {
                domain::page::form_outcome(
                    query.get("submitted").as_deref(),
                    query.get("form_error").as_deref(),
                )
            })
            .flatten()
    });
    let (status, set_status) = signal(returned);
    let (pending, set_pending) = signal(false);
    let fields = form.fields.clone();
    let field_names: Vec<(String, String, bool)> = fields
        .iter()
        .map(|field| (field.name.clone(), field.label.clone(), field.required))
        .collect();
    let form_id = id.to_owned();
    // The server finds the form in the page's own definition; the builder's canvas has none.
    let page = use_params_map().with_untracked(|params| params.get("slug"));
    let draft = use_query_map().with_untracked(|query| query.get("draft").is_some());
    let has_action = form.submit.is_some();
    // Without JavaScript the browser posts the form to the server, which answers with a
    // redirect back here (see `server::forms`).
    let action = page.clone().filter(|_| has_action).map(|slug| {
        let draft = if draft { "?draft=1" } else { "" };
        format!("/p/{slug}/forms/{id}{draft}")
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let form: web_sys::HtmlFormElement = event_target(&ev);
        let value = |name: &str| form_value(&form, &format!("{form_id}-{name}"));
        let missing: Vec<String> = field_names
            .iter()
            .filter(|(name, _, required)| *required && value(name).trim().is_empty())
            .map(|(_, label, _)| label.clone())
            .collect();
        if !missing.is_empty() {
            set_status.set(Some(format!("Please fill in: {}", missing.join(", "))));
            return;
        }
        let page = match (has_action, page.clone()) {
            (false, _) => {
                set_status.set(Some(
                    "This form has no submit action configured yet.".to_owned(),
                ));
                return;
            }
            (true, None) => {
                set_status.set(Some(
                    "Forms send their values from the page itself.".to_owned(),
                ));
                return;
            }
            (true, Some(page)) => page,
        };
        let submission = FormSubmission {
            page,
            widget: form_id.clone(),
            values: field_names
                .iter()
                .map(|(name, _, _)| (name.clone(), value(name)))
                .collect(),
            draft,
        };
        set_pending.set(true);
        set_status.set(Some("Submitting…".to_owned()));
        leptos::task::spawn_local(async move {
            let message = match super::api::submit_form(submission).await {
                Ok(submitted) => {
                    form.reset();
                    submitted.message
                }
                // Validation issues read better one by one than as the summary.
                Err(err) if !err.0.issues.is_empty() => err
                    .0
                    .issues
                    .iter()
                    .map(|issue| issue.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                Err(err) => err.message().to_owned(),
            };
            // The page may have been rebuilt (a refresh) while the tool answered.
            let _ = set_status.try_set(Some(message));
            let _ = set_pending.try_set(false);
        });
    };
    view! {
        <form class="widget-form" id=form_dom_id(id) method="post" action=action novalidate on:submit=on_submit>
            {fields
                .into_iter()
                .map(|field| {
                    let input_id = format!("{id}-{}", field.name);
                    let required = field.required;
                    let label = view! {
                        <span>{field.label.clone()} {required.then_some(view! { <abbr title="required">" *"</abbr> })}</span>
                    };
                    match field.kind {
                        FieldKind::Select => view! {
                            <label>
                                {label}
                                <select id=input_id.clone() name=input_id required=required>
                                    <option value="">"Choose…"</option>
                                    {field.options.iter().map(|option| view! { <option>{option.clone()}</option> }).collect_view()}
                                </select>
                            </label>
                        }
                        .into_any(),
                        FieldKind::Radio => view! {
                            <fieldset>
                                <legend>{label}</legend>
                                {field
                                    .options
                                    .iter()
                                    .map(|option| view! {
                                        <label class="inline-choice">
                                            <input type="radio" name=input_id.clone() value=option.clone() required=required />
                                            {option.clone()}
                                        </label>
                                    })
                                    .collect_view()}
                            </fieldset>
                        }
                        .into_any(),
                        FieldKind::Checkbox => view! {
                            <label class="inline-choice">
                                <input type="checkbox" id=input_id.clone() name=input_id required=required />
                                {label}
                            </label>
                        }
                        .into_any(),
                        kind => view! {
                            <label>
                                {label}
                                <input type=kind.as_str() id=input_id.clone() name=input_id required=required />
                            </label>
                        }
                        .into_any(),
                    }
                })
                .collect_view()}
            <button type="submit" class="btn-primary" prop:disabled=move || pending.get()>
                {form.submit_label.clone()}
            </button>
            <p role="status" class="form-status">{move || status.get()}</p>
        </form>
    }
    .into_any()
}

/// The document id of a form widget's `<form>`, which Submit buttons point at.
fn form_dom_id(widget_id: &str) -> String {
    format!("form-{widget_id}")
}

/// The value of a named control in a form (checked state for checkboxes, the chosen radio).
fn form_value(form: &web_sys::HtmlFormElement, name: &str) -> String {
    use wasm_bindgen::JsCast;
    let Some(data) = form.elements().named_item(name) else {
        return String::new();
    };
    if let Some(input) = data.dyn_ref::<web_sys::HtmlInputElement>() {
        return match input.type_().as_str() {
            "checkbox" if !input.checked() => String::new(),
            _ => input.value(),
        };
    }
    if let Some(select) = data.dyn_ref::<web_sys::HtmlSelectElement>() {
        return select.value();
    }
    if let Some(radios) = data.dyn_ref::<web_sys::RadioNodeList>() {
        return radios.value();
    }
    String::new()
}

fn kpi_view(kpi: &KpiProps, value: Value, delta: Value) -> AnyView {
    let tone = kpi_tone(kpi, &value).as_str();
    let unit = kpi.unit.clone();
    view! {
        <div class="kpi" data-tone=tone>
            <div class="kpi-value" data-testid="kpi-value">
                {display_value(&value)}
                {unit.map(|unit| view! { <span class="kpi-unit">" " {unit}</span> })}
            </div>
            <div class="kpi-label">{kpi.label.clone()}</div>
            {(!delta.is_null()).then(|| view! { <div class="kpi-delta">{display_value(&delta)}</div> })}
        </div>
    }
    .into_any()
}

/// A table whose rows follow the page's search and filter variables, sorted by a clicked
/// header and split into pages. Sort and page live in page variables seeded from the URL, so
/// the header and pager links also work without JavaScript.
fn table_view(id: &str, table: &TableProps, rows: Value, filters: Vec<RowFilter>) -> AnyView {
    let rows = rows.as_array().cloned().unwrap_or_default();
    if rows.is_empty() {
        let text = table
            .empty_text
            .clone()
            .unwrap_or_else(|| "No rows to show.".to_owned());
        return view! { <p class="empty">{text}</p> }.into_any();
    }
    let columns = table.columns.clone();
    let page_size = table.page_size.map(|size| size.max(1) as usize);
    let vars = variables();
    let (sort_var, dir_var, page_var) = (
        format!("{id}.sort"),
        format!("{id}.dir"),
        format!("{id}.page"),
    );
    let read_var = {
        move |name: &str| {
            vars.and_then(|vars| vars.0.with(|map| map.get(name).cloned()))
                .unwrap_or_default()
        }
    };
    let sort_state = {
        let (sort_var, dir_var) = (sort_var.clone(), dir_var.clone());
        move || (read_var(&sort_var), read_var(&dir_var) == "desc")
    };
    let current_page = {
        let page_var = page_var.clone();
        move || read_var(&page_var).parse::<usize>().unwrap_or(1).max(1)
    };
    let visible = {
        let columns = columns.clone();
        let sort_state = sort_state.clone();
        move || {
            let variables = vars.map(|vars| vars.0.get()).unwrap_or_default();
            let mut shown: Vec<&Value> = rows
                .iter()
                .filter(|row| row_passes(row, &columns, &filters, &variables))
                .collect();
            let (sort_key, descending) = sort_state();
            if !sort_key.is_empty() {
                sort_rows(&mut shown, &sort_key, descending);
            }
            let total = shown.len();
            let pages = page_size.map_or(1, |size| total.div_ceil(size).max(1));
            let page = current_page().min(pages);
            let cells = shown
                .into_iter()
                .skip(page_size.map_or(0, |size| (page - 1) * size))
                .take(page_size.unwrap_or(usize::MAX))
                .map(|row| {
                    columns
                        .iter()
                        .map(|column| display_value(row.get(&column.key).unwrap_or(&Value::Null)))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>();
            (cells, page, pages, total)
        }
    };
    let visible = Memo::new(move |_| visible());
    let header = columns
        .into_iter()
        .map(|column| {
            let key = column.key.clone();
            let sort_state = sort_state.clone();
            let aria_sort = {
                let (key, sort_state) = (key.clone(), sort_state.clone());
                move || match sort_state() {
                    (sorted, false) if sorted == key => "ascending",
                    (sorted, true) if sorted == key => "descending",
                    _ => "none",
                }
            };
            let next_descending = {
                let key = key.clone();
                move || {
                    let (sorted, descending) = sort_state();
                    sorted == key && !descending
                }
            };
            let href = {
                let (sort_var, dir_var, key, next_descending) = (
                    sort_var.clone(),
                    dir_var.clone(),
                    key.clone(),
                    next_descending.clone(),
                );
                move || {
                    format!(
                        "?{sort_var}={key}&{dir_var}={}",
                        if next_descending() { "desc" } else { "asc" }
                    )
                }
            };
            let (sort_var, dir_var, page_var) =
                (sort_var.clone(), dir_var.clone(), page_var.clone());
            view! {
                <th scope="col" aria-sort=aria_sort>
                    <a class="sort-link" href=href on:click=move |ev| {
                        ev.prevent_default();
                        let descending = next_descending();
                        set_variable(&sort_var, key.clone());
                        set_variable(&dir_var, if descending { "desc" } else { "asc" }.to_owned());
                        set_variable(&page_var, "1".to_owned());
                    }>{column.label}</a>
                </th>
            }
        })
        .collect_view();
    let pager = page_size.map(|_| {
        let page_link = move |page: usize| format!("?{}={page}", page_var.clone());
        let go = {
            let page_var = format!("{id}.page");
            move |page: usize| set_variable(&page_var, page.to_string())
        };
        let go_back = go.clone();
        let (back_link, next_link) = (page_link.clone(), page_link);
        view! {
            <nav class="pager" aria-label="Table pages">
                <a href=move || back_link(visible.with(|v| v.1.saturating_sub(1).max(1)))
                    aria-disabled=move || (visible.with(|v| v.1) <= 1).to_string()
                    on:click=move |ev| { ev.prevent_default(); go_back(visible.with(|v| v.1.saturating_sub(1).max(1))); }>"Previous"</a>
                <span data-testid="page-status">{move || visible.with(|(_, page, pages, total)| format!("Page {page} of {pages} · {total} rows"))}</span>
                <a href=move || next_link(visible.with(|v| (v.1 + 1).min(v.2)))
                    aria-disabled=move || visible.with(|v| v.1 >= v.2).to_string()
                    on:click=move |ev| { ev.prevent_default(); go(visible.with(|v| (v.1 + 1).min(v.2))); }>"Next"</a>
            </nav>
        }
    });
    view! {
        <div class="table-scroll">
            <table class="data-table">
                <thead>
                    <tr>{header}</tr>
                </thead>
                <tbody>
                    {move || {
                        let (cells, ..) = visible.get();
                        if cells.is_empty() {
                            view! { <tr><td class="empty" colspan="100">"No rows match."</td></tr> }.into_any()
                        } else {
                            cells
                                .into_iter()
                                .map(|cells| view! { <tr>{cells.into_iter().map(|cell| view! { <td>{cell}</td> }).collect_view()}</tr> })
                                .collect_view()
                                .into_any()
                        }
                    }}
                </tbody>
            </table>
        </div>
        {pager}
    }
    .into_any()
}

/// Tabs (links that also work without JavaScript, the choice kept in a page variable) or an
/// accordion (`<details>`, first pane open).
pub fn container_view(id: &str, tabs: bool, panes: Vec<(String, AnyView)>) -> AnyView {
    if !tabs {
        return view! {
            <div class="accordion">
                {panes
                    .into_iter()
                    .enumerate()
                    .map(|(index, (label, body))| view! {
                        <details open=index == 0>
                            <summary>{label}</summary>
                            <div class="accordion-body">{body}</div>
                        </details>
                    })
                    .collect_view()}
            </div>
        }
        .into_any();
    }
    let key = format!("{id}.tab");
    let vars = variables();
    let active = {
        let key = key.clone();
        Memo::new(move |_| {
            vars.and_then(|vars| {
                vars.0
                    .with(|map| map.get(&key).and_then(|tab| tab.parse::<usize>().ok()))
            })
            .unwrap_or(0)
        })
    };
    let (labels, bodies): (Vec<String>, Vec<AnyView>) = panes.into_iter().unzip();
    view! {
        <div class="tabs">
            <div role="tablist">
                {labels
                    .into_iter()
                    .enumerate()
                    .map(|(index, label)| {
                        let key = key.clone();
                        let href = format!("?{key}={index}");
                        view! {
                            <a role="tab" href=href aria-selected=move || (active.get() == index).to_string()
                                on:click=move |ev| {
                                    ev.prevent_default();
                                    set_variable(&key, index.to_string());
                                }>{label}</a>
                        }
                    })
                    .collect_view()}
            </div>
            {bodies
                .into_iter()
                .enumerate()
                .map(|(index, body)| view! { <div role="tabpanel" hidden=move || active.get() != index>{body}</div> })
                .collect_view()}
        </div>
    }
    .into_any()
}

/// Rows drawn beyond the visible ones, so fast scrolling does not show gaps.
const GRID_OVERSCAN: usize = 8;
/// Assumed height of a grid before the browser measures it (server rendering).
const GRID_DEFAULT_HEIGHT: f64 = 480.0;

/// A grid's rows as the page brought them, and where its paged source goes on.
struct GridRows {
    first: Value,
    more: Option<domain::page::Continuation>,
}

/// Thousands of rows in a scrolling grid: only the rows in view (plus a few) are in the
/// document; a spacer keeps the scrollbar true to the full length. A paged source is read
/// further, a few pages at a time, as the viewer nears the end (or presses "Load more").
fn data_grid_view(
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
            match super::api::more_grid_rows(request).await {
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

fn chart_view(props: &ChartProps, points: Vec<ChartPoint>, view_size: (f64, f64)) -> AnyView {
    if points.is_empty() {
        return view! { <p class="empty">"No data points to chart."</p> }.into_any();
    }
    let kind = match props.kind {
        ChartKind::Line => "Line",
        ChartKind::Bar => "Bar",
        ChartKind::Pie => "Pie",
    };
    let description = format!(
        "{kind} chart of {} by {}, {} points",
        props.y_label,
        props.x_label,
        points.len()
    );
    let aria_label = description.clone();
    let caption = format!("{} by {}", props.y_label, props.x_label);
    let body = if props.kind == ChartKind::Pie {
        pie_marks(props, &points, view_size)
    } else {
        axis_marks(props, &points, view_size)
    };
    view! {
        <figure class="chart">
            <svg viewBox=format!("0 0 {} {}", view_size.0, view_size.1) role="img" aria-label=aria_label class="chart-svg">
                <title>{description}</title>
                {body}
            </svg>
            <figcaption class="muted">{caption}</figcaption>
        </figure>
    }
    .into_any()
}

fn pie_marks(props: &ChartProps, points: &[ChartPoint], view_size: (f64, f64)) -> AnyView {
    chart::pie_slices(points, view_size)
        .into_iter()
        .enumerate()
        .map(|(index, slice)| {
            let tip = format!(
                "{}: {} ({:.0}%)",
                slice.label,
                chart::format_value(slice.value, props.y_format),
                slice.share * 100.0
            );
            view! {
                <path d=slice.path class="chart-slice" data-slice=(index % 6).to_string()>
                    <title>{tip}</title>
                </path>
            }
        })
        .collect_view()
        .into_any()
}

fn axis_marks(props: &ChartProps, points: &[ChartPoint], view_size: (f64, f64)) -> AnyView {
    let geometry = chart::layout(points, props.y_format, view_size);
    let px = |value: f64| format!("{value:.1}");
    let grid = geometry
        .y_ticks
        .iter()
        .map(|(y, label)| {
            view! {
                <line x1=px(geometry.plot_left) x2=px(geometry.plot_right) y1=px(*y) y2=px(*y) class="chart-grid" />
                <text x=px(geometry.plot_left - 6.0) y=px(y + 4.0) text-anchor="end" class="chart-tick">{label.clone()}</text>
            }
        })
        .collect_view();
    let x_labels = geometry
        .x_labels
        .iter()
        .map(|(x, label)| {
            view! { <text x=px(*x) y=px(geometry.plot_bottom + 18.0) text-anchor="middle" class="chart-tick">{label.clone()}</text> }
        })
        .collect_view();
    let marks = points
        .iter()
        .zip(&geometry.points)
        .map(|(point, (x, y))| {
            let tip = format!("{}: {}", point.label, chart::format_value(point.value, props.y_format));
            match props.kind {
                ChartKind::Bar => {
                    let width = geometry.slot_width * 0.7;
                    view! {
                        <rect x=px(x - width / 2.0) y=px(*y) width=px(width) height=px(geometry.plot_bottom - y) class="chart-bar">
                            <title>{tip}</title>
                        </rect>
                    }
                    .into_any()
                }
                _ => view! {
                    <circle cx=px(*x) cy=px(*y) r="3" class="chart-point"><title>{tip}</title></circle>
                }
                .into_any(),
            }
        })
        .collect_view();
    let line = (props.kind == ChartKind::Line)
        .then(|| view! { <polyline points=geometry.polyline() class="chart-line" fill="none" /> });
    view! {
        {grid}
        {x_labels}
        {line}
        {marks}
    }
    .into_any()
}
