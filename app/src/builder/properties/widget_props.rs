//! The fields specific to each widget type.

use domain::{
    Widget, WidgetKind, WidgetProps,
    dto::WidgetData,
    page::{ButtonAction, ChartKind, Emphasis, KpiThresholds, KpiTrend, TableColumn, ValueFormat},
    request::RequestBody,
};
use leptos::prelude::*;
use serde_json::Value;

use super::{
    fields::{Getter, Setter, check_field, choice_field, pairs, text_field},
    formats::{
        edit_submit, format_body, format_fields, lines, parse_body, parse_columns, parse_fields,
        submit_of,
    },
    panes::PaneFields,
    read, write,
};
use crate::builder::Builder;

pub(super) fn type_fields(id: &str, kind: WidgetKind) -> AnyView {
    match kind {
        WidgetKind::Text => text_field(id, "Text", true, text_prop!(Text, text)),
        WidgetKind::Heading => view! {
            {text_field(id, "Text", false, text_prop!(Heading, text))}
            {choice_field(id, "Level", (1..=4).map(|l| (l.to_string(), format!("Level {l}"))).collect(), (
                |w: &Widget| match &w.props { WidgetProps::Heading(h) => h.level.to_string(), _ => String::new() },
                |w: &mut Widget, v: String| match (&mut w.props, v.parse()) { (WidgetProps::Heading(h), Ok(level)) => { h.level = level; true } _ => false },
            ))}
        }
        .into_any(),
        WidgetKind::Markdown => text_field(id, "Markdown", true, text_prop!(Markdown, source)),
        WidgetKind::Html => text_field(id, "HTML", true, text_prop!(Html, html)),
        WidgetKind::Code => view! {
            {text_field(id, "Code", true, text_prop!(Code, code))}
            {text_field(id, "Language", false, text_prop!(Code, language))}
        }
        .into_any(),
        WidgetKind::Card => view! {
            {text_field(id, "Heading", false, text_prop!(Card, heading))}
            {text_field(id, "Text", true, text_prop!(Card, text))}
            {emphasis_field(id)}
        }
        .into_any(),
        WidgetKind::Button => view! {
            {text_field(id, "Label", false, text_prop!(Button, label))}
            {choice_field(id, "Action", vec![("refresh".into(), "Refresh the page's data".into()), ("open_link".into(), "Open a link".into()), ("submit_form".into(), "Submit a form".into())], (
                |w: &Widget| match &w.props { WidgetProps::Button(b) => match b.action { ButtonAction::Refresh => "refresh", ButtonAction::OpenLink { .. } => "open_link", ButtonAction::SubmitForm { .. } => "submit_form" }.to_owned(), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props {
                    WidgetProps::Button(b) => {
                        b.action = match v.as_str() {
                            "open_link" => ButtonAction::OpenLink { url: "https://example.com".into(), new_tab: true },
                            "submit_form" => ButtonAction::SubmitForm { form: String::new() },
                            _ => ButtonAction::Refresh,
                        };
                        true
                    }
                    _ => false,
                },
            ))}
            {text_field(id, "Link URL", false, (
                |w: &Widget| match &w.props { WidgetProps::Button(b) => match &b.action { ButtonAction::OpenLink { url, .. } => url.clone(), _ => String::new() }, _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Button(b) => match &mut b.action { ButtonAction::OpenLink { url, .. } => { *url = v; true } _ => false }, _ => false },
            ))}
            {text_field(id, "Form to submit (its id)", false, (
                |w: &Widget| match &w.props { WidgetProps::Button(b) => match &b.action { ButtonAction::SubmitForm { form } => form.clone(), _ => String::new() }, _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Button(b) => match &mut b.action { ButtonAction::SubmitForm { form } => { *form = v.trim().to_owned(); true } _ => false }, _ => false },
            ))}
            {emphasis_field(id)}
        }
        .into_any(),
        WidgetKind::Link => view! {
            {text_field(id, "Text", false, text_prop!(Link, text))}
            {text_field(id, "URL", false, text_prop!(Link, url))}
        }
        .into_any(),
        WidgetKind::Image => view! {
            {text_field(id, "Image URL", false, text_prop!(Image, src))}
            {text_field(id, "Alternative text", false, text_prop!(Image, alt))}
        }
        .into_any(),
        WidgetKind::Iframe => view! {
            {text_field(id, "Embed URL", false, text_prop!(Iframe, src))}
            {text_field(id, "Frame title", false, text_prop!(Iframe, title))}
            {check_field(id, "Allow full screen",
                |w| matches!(&w.props, WidgetProps::Iframe(f) if f.allow_fullscreen),
                |w, on| match &mut w.props { WidgetProps::Iframe(f) => { f.allow_fullscreen = on; true } _ => false })}
        }
        .into_any(),
        WidgetKind::Kpi => view! {
            {text_field(id, "Label", false, text_prop!(Kpi, label))}
            {text_field(id, "Unit", false, (
                |w: &Widget| match &w.props { WidgetProps::Kpi(k) => k.unit.clone().unwrap_or_default(), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Kpi(k) => { k.unit = (!v.is_empty()).then_some(v); true } _ => false },
            ))}
            {choice_field(id, "Good when", vec![("higher_is_better".into(), "Higher is better".into()), ("lower_is_better".into(), "Lower is better".into())], (
                |w: &Widget| match &w.props { WidgetProps::Kpi(k) => if k.trend == KpiTrend::LowerIsBetter { "lower_is_better" } else { "higher_is_better" }.to_owned(), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Kpi(k) => { k.trend = if v == "lower_is_better" { KpiTrend::LowerIsBetter } else { KpiTrend::HigherIsBetter }; true } _ => false },
            ))}
            {text_field(id, "Warning at", false, (
                |w: &Widget| match &w.props { WidgetProps::Kpi(k) => k.thresholds.map(|t| t.warning.to_string()).unwrap_or_default(), _ => String::new() },
                |w: &mut Widget, v: String| set_threshold(w, &v, |t, n| t.warning = n),
            ))}
            {text_field(id, "Critical at", false, (
                |w: &Widget| match &w.props { WidgetProps::Kpi(k) => k.thresholds.map(|t| t.critical.to_string()).unwrap_or_default(), _ => String::new() },
                |w: &mut Widget, v: String| set_threshold(w, &v, |t, n| t.critical = n),
            ))}
        }
        .into_any(),
        WidgetKind::Table => view! {
            {text_field(id, "Columns (key: Label, one per line)", true, (
                |w: &Widget| match &w.props { WidgetProps::Table(t) => t.columns.iter().map(|c| format!("{}: {}", c.key, c.label)).collect::<Vec<_>>().join("\n"), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Table(t) => { t.columns = parse_columns(&v); true } _ => false },
            ))}
            <ColumnsFromData id=id.to_owned() />
            {text_field(id, "Rows per page (empty = all)", false, (
                |w: &Widget| match &w.props { WidgetProps::Table(t) => t.page_size.map(|n| n.to_string()).unwrap_or_default(), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Table(t) => { t.page_size = v.trim().parse().ok().filter(|n| *n > 0); true } _ => false },
            ))}
            {text_field(id, "Text when empty", false, (
                |w: &Widget| match &w.props { WidgetProps::Table(t) => t.empty_text.clone().unwrap_or_default(), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Table(t) => { t.empty_text = (!v.is_empty()).then_some(v); true } _ => false },
            ))}
        }
        .into_any(),
        WidgetKind::DataGrid => view! {
            {text_field(id, "Columns (key: Label, one per line)", true, (
                |w: &Widget| w.props.row_columns().map(|columns| columns.iter().map(|c| format!("{}: {}", c.key, c.label)).collect::<Vec<_>>().join("\n")).unwrap_or_default(),
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::DataGrid(g) => { g.columns = parse_columns(&v); true } _ => false },
            ))}
            <ColumnsFromData id=id.to_owned() />
            {text_field(id, "Row height (px)", false, (
                |w: &Widget| match &w.props { WidgetProps::DataGrid(g) => g.row_height.to_string(), _ => String::new() },
                |w: &mut Widget, v: String| match (&mut w.props, v.trim().parse()) { (WidgetProps::DataGrid(g), Ok(height)) => { g.row_height = height; true } _ => false },
            ))}
        }
        .into_any(),
        WidgetKind::Chart => view! {
            {choice_field(id, "Chart type", vec![("line".into(), "Line".into()), ("bar".into(), "Bar".into()), ("pie".into(), "Pie".into())], (
                |w: &Widget| match &w.props { WidgetProps::Chart(c) => match c.kind { ChartKind::Line => "line", ChartKind::Bar => "bar", ChartKind::Pie => "pie" }.to_owned(), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Chart(c) => { c.kind = match v.as_str() { "line" => ChartKind::Line, "pie" => ChartKind::Pie, _ => ChartKind::Bar }; true } _ => false },
            ))}
            {text_field(id, "X axis label", false, text_prop!(Chart, x_label))}
            {text_field(id, "Y axis label", false, text_prop!(Chart, y_label))}
            {choice_field(id, "Y values", vec![("number".into(), "Numbers".into()), ("duration_ms".into(), "Durations (ms)".into())], (
                |w: &Widget| match &w.props { WidgetProps::Chart(c) => if c.y_format == ValueFormat::DurationMs { "duration_ms" } else { "number" }.to_owned(), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Chart(c) => { c.y_format = if v == "duration_ms" { ValueFormat::DurationMs } else { ValueFormat::Number }; true } _ => false },
            ))}
        }
        .into_any(),
        WidgetKind::Tabs | WidgetKind::Accordion => view! { <PaneFields id=id.to_owned() /> }.into_any(),
        WidgetKind::RefreshBar => text_field(id, "Note", false, (
            |w: &Widget| match &w.props { WidgetProps::RefreshBar(r) => r.note.clone().unwrap_or_default(), _ => String::new() },
            |w: &mut Widget, v: String| match &mut w.props { WidgetProps::RefreshBar(r) => { r.note = (!v.is_empty()).then_some(v); true } _ => false },
        )),
        WidgetKind::Search => view! {
            {text_field(id, "Placeholder", false, text_prop!(Search, placeholder))}
            <TableTargets id=id.to_owned() />
        }
        .into_any(),
        WidgetKind::Filter => view! {
            {text_field(id, "Label", false, text_prop!(Filter, label))}
            <FilterTarget id=id.to_owned() />
            {text_field(id, "Column key", false, text_prop!(Filter, column))}
            {text_field(id, "Choices (one per line; empty = values in the data)", true, (
                |w: &Widget| match &w.props { WidgetProps::Filter(f) => f.options.join("\n"), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Filter(f) => { f.options = lines(&v); true } _ => false },
            ))}
        }
        .into_any(),
        WidgetKind::Form => view! {
            {text_field(id, "Fields (Label | kind | required | choice, choice)", true, (
                |w: &Widget| match &w.props { WidgetProps::Form(f) => format_fields(&f.fields), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Form(f) => { f.fields = parse_fields(&v); true } _ => false },
            ))}
            {text_field(id, "Submit label", false, text_prop!(Form, submit_label))}
            {text_field(id, "Send to tool (slug)", false, (
                |w: &Widget| submit_of(w).map(|a| a.tool.clone()).unwrap_or_default(),
                |w: &mut Widget, v: String| edit_submit(w, |a| a.tool = v.trim().to_owned()),
            ))}
            {text_field(id, "Send to path (POST)", false, (
                |w: &Widget| submit_of(w).map(|a| a.request.path.clone()).unwrap_or_default(),
                |w: &mut Widget, v: String| edit_submit(w, |a| a.request.path = v.trim().to_owned()),
            ))}
            {text_field(id, "Body (key: {{field}} per line, or JSON)", true, (
                |w: &Widget| submit_of(w).map(|a| format_body(&a.request)).unwrap_or_default(),
                |w: &mut Widget, v: String| match parse_body(&v) {
                    Some(template) => edit_submit(w, |a| {
                        a.request.body = Some(RequestBody::Json { template, read_only: false })
                    }),
                    None => false,
                },
            ))}
            {text_field(id, "Reference in the answer (JMESPath)", false, (
                |w: &Widget| submit_of(w).and_then(|a| a.reference.clone()).unwrap_or_default(),
                |w: &mut Widget, v: String| {
                    edit_submit(w, |a| a.reference = Some(v.trim().to_owned()).filter(|r| !r.is_empty()))
                },
            ))}
        }
        .into_any(),
    }
}

fn emphasis_field(id: &str) -> AnyView {
    choice_field(
        id,
        "Colour",
        pairs(&Emphasis::ALL, Emphasis::as_str),
        (
            |w: &Widget| match &w.props {
                WidgetProps::Card(c) => c.tone.as_str().to_owned(),
                WidgetProps::Button(b) => b.tone.as_str().to_owned(),
                _ => String::new(),
            },
            |w: &mut Widget, v: String| {
                let Some(tone) = Emphasis::ALL.into_iter().find(|e| e.as_str() == v) else {
                    return false;
                };
                match &mut w.props {
                    WidgetProps::Card(c) => c.tone = tone,
                    WidgetProps::Button(b) => b.tone = tone,
                    _ => return false,
                }
                true
            },
        ),
    )
}

/// Sets one KPI threshold; an empty value clears both, a first value sets both.
fn set_threshold(widget: &mut Widget, text: &str, set: fn(&mut KpiThresholds, f64)) -> bool {
    let WidgetProps::Kpi(kpi) = &mut widget.props else {
        return false;
    };
    if text.trim().is_empty() {
        kpi.thresholds = None;
        return true;
    }
    let Ok(number) = text.trim().parse::<f64>() else {
        return false;
    };
    let thresholds = kpi.thresholds.get_or_insert(KpiThresholds {
        warning: number,
        critical: number,
    });
    set(thresholds, number);
    true
}

/// Table ids on the page, for search and filter targets.
fn table_ids(builder: Builder) -> Vec<String> {
    builder.definition.with(|d| {
        d.layout
            .widgets
            .iter()
            .filter(|w| matches!(w.props, WidgetProps::Table(_)))
            .map(|w| w.id.clone())
            .collect()
    })
}

#[component]
fn TableTargets(id: String) -> impl IntoView {
    let builder = expect_context::<Builder>();
    view! {
        <fieldset class="prop-field">
            <legend>"Filters tables"</legend>
            {move || {
                let id = id.clone();
                table_ids(builder)
                    .into_iter()
                    .map(|table| {
                        let checked = {
                            let (id, table) = (id.clone(), table.clone());
                            move || read(builder, &id, |w| matches!(&w.props, WidgetProps::Search(s) if s.targets.contains(&table)))
                        };
                        let (id, label) = (id.clone(), table.clone());
                        view! {
                            <label class="prop-check">
                                <input type="checkbox" prop:checked=checked on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    let table = table.clone();
                                    write(builder, &id, move |w| match &mut w.props {
                                        WidgetProps::Search(s) => {
                                            s.targets.retain(|t| *t != table);
                                            if on { s.targets.push(table); }
                                            true
                                        }
                                        _ => false,
                                    });
                                } />
                                <span>{label}</span>
                            </label>
                        }
                    })
                    .collect_view()
            }}
        </fieldset>
    }
}

#[component]
fn FilterTarget(id: String) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let current = {
        let id = id.clone();
        move || {
            read(builder, &id, |w| match &w.props {
                WidgetProps::Filter(f) => f.target.clone(),
                _ => String::new(),
            })
        }
    };
    view! {
        <label class="prop-field">
            <span>"Filters table"</span>
            <select prop:value=current on:change=move |ev| {
                let table = event_target_value(&ev);
                write(builder, &id, |w| match &mut w.props {
                    WidgetProps::Filter(f) => { f.target = table; true }
                    _ => false,
                });
            }>
                <option value="">"Choose a table…"</option>
                {move || table_ids(builder).into_iter().map(|table| view! { <option value=table.clone()>{table.clone()}</option> }).collect_view()}
            </select>
        </label>
    }
}

/// Sets a table's columns from the keys of the first row its binding returns.
#[component]
fn ColumnsFromData(id: String) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let keys = {
        let id = id.clone();
        move || {
            builder.preview.with(
                |preview| match preview.as_ref().and_then(|p| p.data.get(&id)) {
                    Some(WidgetData::Ready { values, .. }) => values
                        .get("rows")
                        .and_then(|rows| rows.get(0))
                        .and_then(Value::as_object)
                        .map(|row| row.keys().cloned().collect::<Vec<_>>())
                        .unwrap_or_default(),
                    _ => Vec::new(),
                },
            )
        }
    };
    let available = keys.clone();
    view! {
        <button type="button" class="btn-secondary" prop:disabled=move || available().is_empty() on:click=move |_| {
            let keys = keys();
            let columns: Vec<TableColumn> = keys.into_iter().map(|key| TableColumn { label: key.clone(), key }).collect();
            write(builder, &id, |w| match &mut w.props {
                WidgetProps::Table(domain::page::TableProps { columns: current, .. })
                | WidgetProps::DataGrid(domain::page::DataGridProps { columns: current, .. }) => {
                    *current = columns;
                    true
                }
                _ => false,
            });
        }>"Use columns from the data"</button>
    }
}
