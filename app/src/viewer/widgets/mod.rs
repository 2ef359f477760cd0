//! Widget bodies, rendered identically on the server, in the browser and on the builder's
//! canvas.

mod chart;
mod container;
mod form;
mod grid;
mod inputs;
mod kpi;
mod table;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::{
    WidgetProps,
    chart::{display_value, points_from_value},
    page::{ButtonAction, RowFilter},
};
use leptos::prelude::*;
use serde_json::Value;

use super::{RefreshButton, RefreshControl};
use chart::chart_view;
pub use container::container_view;
use form::{form_dom_id, form_view};
use grid::{GridRows, data_grid_view};
use inputs::{filter_view, search_view};
use kpi::kpi_view;
use table::table_view;

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
            points_from_value(&value("points")),
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
