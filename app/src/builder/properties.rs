//! The property panel: typed fields per widget, its grid position and its data binding
//! with a live preview of each mapped value.

use domain::page::{Align, TextSize};
use domain::{
    Role, Widget, WidgetProps,
    dto::WidgetData,
    layout,
    page::{
        Binding, ButtonAction, ChartKind, Emphasis, FieldKind, FormField, KpiThresholds, KpiTrend,
        RequestSpec, SubmitAction, TableColumn, ValueFormat, VariableCondition, Visibility,
        binding_targets_of,
    },
    request::{JsonTemplate, RequestBody},
};
use leptos::prelude::*;
use serde_json::Value;

use super::{
    Builder, api,
    mapper::{FieldMapper, TransformFields},
};

fn widget_mut<'a>(definition: &'a mut domain::PageDefinition, id: &str) -> Option<&'a mut Widget> {
    definition.layout.find_mut(id)
}

/// Reads one value of the widget, reactively.
pub(super) fn read<T: Default>(builder: Builder, id: &str, get: impl Fn(&Widget) -> T) -> T {
    builder
        .definition
        .with(|d| d.widget(id).map(get).unwrap_or_default())
}

/// Writes one value of the widget as an undoable edit.
pub(super) fn write(builder: Builder, id: &str, set: impl FnOnce(&mut Widget) -> bool) {
    builder.edit(|definition| widget_mut(definition, id).is_some_and(set));
}

type Getter = fn(&Widget) -> String;
type Setter = fn(&mut Widget, String) -> bool;

/// A text prop of one widget variant as a (getter, setter) pair.
macro_rules! text_prop {
    ($variant:ident, $field:ident) => {
        (
            (|widget: &Widget| match &widget.props {
                WidgetProps::$variant(props) => props.$field.clone(),
                _ => String::new(),
            }) as Getter,
            (|widget: &mut Widget, value: String| match &mut widget.props {
                WidgetProps::$variant(props) if props.$field != value => {
                    props.$field = value;
                    true
                }
                _ => false,
            }) as Setter,
        )
    };
}

fn text_field(
    id: &str,
    label: &'static str,
    multiline: bool,
    (get, set): (Getter, Setter),
) -> AnyView {
    let builder = expect_context::<Builder>();
    let value = {
        let id = id.to_owned();
        move || read(builder, &id, get)
    };
    let id = id.to_owned();
    let on_change = move |ev| {
        let text = event_target_value(&ev);
        write(builder, &id, |widget| set(widget, text));
    };
    if multiline {
        view! {
            <label class="prop-field">
                <span>{label}</span>
                <textarea rows="4" prop:value=value on:change=on_change></textarea>
            </label>
        }
        .into_any()
    } else {
        view! {
            <label class="prop-field">
                <span>{label}</span>
                <input type="text" prop:value=value on:change=on_change />
            </label>
        }
        .into_any()
    }
}

fn choice_field(
    id: &str,
    label: &'static str,
    choices: Vec<(String, String)>,
    (get, set): (Getter, Setter),
) -> AnyView {
    let builder = expect_context::<Builder>();
    let current = {
        let id = id.to_owned();
        move || read(builder, &id, get)
    };
    let id = id.to_owned();
    view! {
        <label class="prop-field">
            <span>{label}</span>
            <select
                prop:value=current
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    write(builder, &id, |widget| set(widget, value));
                }
            >
                {choices
                    .into_iter()
                    .map(|(value, text)| view! { <option value=value>{text}</option> })
                    .collect_view()}
            </select>
        </label>
    }
    .into_any()
}

fn check_field(
    id: &str,
    label: &'static str,
    get: fn(&Widget) -> bool,
    set: fn(&mut Widget, bool) -> bool,
) -> AnyView {
    let builder = expect_context::<Builder>();
    let checked = {
        let id = id.to_owned();
        move || read(builder, &id, get)
    };
    let id = id.to_owned();
    view! {
        <label class="prop-check">
            <input
                type="checkbox"
                prop:checked=checked
                on:change=move |ev| {
                    let on = event_target_checked(&ev);
                    write(builder, &id, |widget| set(widget, on));
                }
            />
            <span>{label}</span>
        </label>
    }
    .into_any()
}

fn pairs<T: Copy>(values: &[T], key: fn(T) -> &'static str) -> Vec<(String, String)> {
    values
        .iter()
        .map(|value| {
            let key = key(*value);
            (key.to_owned(), key.replace('_', " "))
        })
        .collect()
}

#[component]
pub fn PropertyPanel() -> impl IntoView {
    let builder = expect_context::<Builder>();
    let sources = LocalResource::new(api::load_binding_sources);
    provide_context(sources);
    let single = Memo::new(move |_| {
        builder.selected.with(|selected| match selected.as_slice() {
            [one] => Some(one.clone()),
            _ => None,
        })
    });
    view! {
        <aside class="builder-props" aria-label="Properties">
            {move || match single.get() {
                Some(id) => {
                    let type_name = read(builder, &id, |w| Some(w.props.type_name())).unwrap_or("text");
                    view! { <WidgetProperties id type_name /> }.into_any()
                }
                None => {
                    let count = builder.selected.with(Vec::len);
                    if count > 1 {
                        view! {
                            <h2>{format!("{count} widgets selected")}</h2>
                            <div class="builder-group">
                                <button type="button" class="btn-secondary" on:click=move |_| builder.duplicate()>"Duplicate"</button>
                                <button type="button" class="btn-secondary" on:click=move |_| builder.remove_selected()>"Delete"</button>
                            </div>
                        }
                        .into_any()
                    } else {
                        view! {
                            <h2>"Properties"</h2>
                            <p class="muted">"Select a widget to edit it. Shift+click selects several."</p>
                            <p class="muted">"Keys: arrows move, Shift+arrows resize, Delete removes, Ctrl+C / Ctrl+V copy and paste, Ctrl+D duplicates, Ctrl+Z / Ctrl+Y undo and redo."</p>
                        }
                        .into_any()
                    }
                }
            }}
        </aside>
    }
}

#[component]
fn WidgetProperties(id: String, type_name: &'static str) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let title = (
        (|widget: &Widget| widget.title.clone().unwrap_or_default()) as Getter,
        (|widget: &mut Widget, value: String| {
            let value = (!value.trim().is_empty()).then_some(value);
            let changed = widget.title != value;
            widget.title = value;
            changed
        }) as Setter,
    );
    let specific = type_fields(&id, type_name);
    let bindable = binding_targets_of(type_name).is_some_and(|(allowed, _)| !allowed.is_empty());
    let remove_id = id.clone();
    let position_id = id.clone();
    view! {
        <h2>{WidgetProps::type_label(type_name)} " · " <code>{id.clone()}</code></h2>
        {text_field(&id, "Title", false, title)}
        {specific}
        {move || match container_of(builder, &position_id) {
            Some(container) => view! {
                <p class="muted">"Inside " <code>{container.clone()}</code> ". "
                    <button type="button" class="btn-link" on:click=move |_| builder.select_and_focus(vec![container.clone()])>"Select the container"</button>
                </p>
            }
            .into_any(),
            None => view! { <PositionFields id=position_id.clone() /> }.into_any(),
        }}
        {bindable.then(|| view! { <BindingFields id=id.clone() type_name /> })}
        <StyleFields id=id.clone() />
        <VisibilityFields id=id.clone() />
        <button type="button" class="btn-secondary" on:click=move |_| {
            builder.layout_edit(|layout, _| layout::remove(layout, std::slice::from_ref(&remove_id)) > 0)
        }>"Delete widget"</button>
    }
    .into_any()
}

fn type_fields(id: &str, type_name: &str) -> AnyView {
    match type_name {
        "text" => text_field(id, "Text", true, text_prop!(Text, text)),
        "heading" => view! {
            {text_field(id, "Text", false, text_prop!(Heading, text))}
            {choice_field(id, "Level", (1..=4).map(|l| (l.to_string(), format!("Level {l}"))).collect(), (
                |w: &Widget| match &w.props { WidgetProps::Heading(h) => h.level.to_string(), _ => String::new() },
                |w: &mut Widget, v: String| match (&mut w.props, v.parse()) { (WidgetProps::Heading(h), Ok(level)) => { h.level = level; true } _ => false },
            ))}
        }
        .into_any(),
        "markdown" => text_field(id, "Markdown", true, text_prop!(Markdown, source)),
        "html" => text_field(id, "HTML", true, text_prop!(Html, html)),
        "code" => view! {
            {text_field(id, "Code", true, text_prop!(Code, code))}
            {text_field(id, "Language", false, text_prop!(Code, language))}
        }
        .into_any(),
        "card" => view! {
            {text_field(id, "Heading", false, text_prop!(Card, heading))}
            {text_field(id, "Text", true, text_prop!(Card, text))}
            {emphasis_field(id)}
        }
        .into_any(),
        "button" => view! {
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
        "link" => view! {
            {text_field(id, "Text", false, text_prop!(Link, text))}
            {text_field(id, "URL", false, text_prop!(Link, url))}
        }
        .into_any(),
        "image" => view! {
            {text_field(id, "Image URL", false, text_prop!(Image, src))}
            {text_field(id, "Alternative text", false, text_prop!(Image, alt))}
        }
        .into_any(),
        "iframe" => view! {
            {text_field(id, "Embed URL", false, text_prop!(Iframe, src))}
            {text_field(id, "Frame title", false, text_prop!(Iframe, title))}
            {check_field(id, "Allow full screen",
                |w| matches!(&w.props, WidgetProps::Iframe(f) if f.allow_fullscreen),
                |w, on| match &mut w.props { WidgetProps::Iframe(f) => { f.allow_fullscreen = on; true } _ => false })}
        }
        .into_any(),
        "kpi" => view! {
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
        "table" => view! {
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
        "data_grid" => view! {
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
        "chart" => view! {
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
        "tabs" | "accordion" => view! { <PaneFields id=id.to_owned() /> }.into_any(),
        "refresh_bar" => text_field(id, "Note", false, (
            |w: &Widget| match &w.props { WidgetProps::RefreshBar(r) => r.note.clone().unwrap_or_default(), _ => String::new() },
            |w: &mut Widget, v: String| match &mut w.props { WidgetProps::RefreshBar(r) => { r.note = (!v.is_empty()).then_some(v); true } _ => false },
        )),
        "search" => view! {
            {text_field(id, "Placeholder", false, text_prop!(Search, placeholder))}
            <TableTargets id=id.to_owned() />
        }
        .into_any(),
        "filter" => view! {
            {text_field(id, "Label", false, text_prop!(Filter, label))}
            <FilterTarget id=id.to_owned() />
            {text_field(id, "Column key", false, text_prop!(Filter, column))}
            {text_field(id, "Choices (one per line; empty = values in the data)", true, (
                |w: &Widget| match &w.props { WidgetProps::Filter(f) => f.options.join("\n"), _ => String::new() },
                |w: &mut Widget, v: String| match &mut w.props { WidgetProps::Filter(f) => { f.options = lines(&v); true } _ => false },
            ))}
        }
        .into_any(),
        "form" => view! {
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
        _ => ().into_any(),
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

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `key: Label` per line; a line without a colon uses the key as its label.
fn parse_columns(text: &str) -> Vec<TableColumn> {
    lines(text)
        .into_iter()
        .map(|line| match line.split_once(':') {
            Some((key, label)) => TableColumn {
                key: key.trim().to_owned(),
                label: label.trim().to_owned(),
            },
            None => TableColumn {
                key: line.clone(),
                label: line,
            },
        })
        .collect()
}

fn submit_of(widget: &Widget) -> Option<&SubmitAction> {
    match &widget.props {
        WidgetProps::Form(form) => form.submit.as_deref(),
        _ => None,
    }
}

/// Edits a form's submit action (a JSON POST until told otherwise); an action with neither
/// tool nor path is removed.
fn edit_submit(widget: &mut Widget, change: impl FnOnce(&mut SubmitAction)) -> bool {
    let WidgetProps::Form(form) = &mut widget.props else {
        return false;
    };
    let before = form.submit.clone();
    let action = form.submit.get_or_insert_with(|| {
        Box::new(SubmitAction {
            tool: String::new(),
            request: RequestSpec::post(
                "",
                RequestBody::Json {
                    template: JsonTemplate(Value::Object(Default::default())),
                    read_only: false,
                },
            ),
            reference: None,
        })
    });
    change(action);
    if action.tool.is_empty() && action.request.path.is_empty() {
        form.submit = None;
    }
    form.submit != before
}

/// A flat JSON body as `key: value` lines; anything else as JSON.
fn format_body(request: &RequestSpec) -> String {
    let Some(RequestBody::Json { template, .. }) = &request.body else {
        return String::new();
    };
    match template.0.as_object() {
        Some(map) if map.values().all(Value::is_string) => map
            .iter()
            .map(|(key, value)| format!("{key}: {}", value.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => serde_json::to_string_pretty(&template.0).unwrap_or_default(),
    }
}

/// Reads `key: {{field}}` lines (a bare `key` sends the field of that name) or JSON.
fn parse_body(text: &str) -> Option<JsonTemplate> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).ok().map(JsonTemplate);
    }
    let body = lines(text)
        .into_iter()
        .map(|line| match line.split_once(':') {
            Some((key, value)) => (
                key.trim().to_owned(),
                Value::String(value.trim().to_owned()),
            ),
            None => (line.clone(), Value::String(format!("{{{{{line}}}}}"))),
        })
        .collect();
    Some(JsonTemplate(Value::Object(body)))
}

fn format_fields(fields: &[FormField]) -> String {
    fields
        .iter()
        .map(|field| {
            let mut parts = vec![field.label.clone(), field.kind.as_str().to_owned()];
            if field.required {
                parts.push("required".to_owned());
            }
            if !field.options.is_empty() {
                parts.push(field.options.join(", "));
            }
            parts.join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Label | kind | required | a, b` per line; the field name is the label in snake case.
fn parse_fields(text: &str) -> Vec<FormField> {
    lines(text)
        .into_iter()
        .map(|line| {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let label = parts[0].to_owned();
            let kind = parts
                .get(1)
                .and_then(|kind| FieldKind::ALL.into_iter().find(|k| k.as_str() == *kind))
                .unwrap_or(FieldKind::Text);
            let required = parts.iter().skip(2).any(|part| *part == "required");
            let options = parts
                .iter()
                .skip(2)
                .find(|part| **part != "required")
                .map(|choices| {
                    choices
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let name = label
                .to_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("_");
            FormField {
                name,
                label,
                kind,
                required,
                options,
            }
        })
        .collect()
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

#[component]
fn PositionFields(id: String) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let rect = {
        let id = id.clone();
        Memo::new(move |_| {
            builder
                .definition
                .with(|d| layout::rect_at(&d.layout, &id, builder.breakpoint.get()))
        })
    };
    let field = move |label: &'static str,
                      part: fn(domain::GridRect) -> u16,
                      set: fn(domain::GridRect, u16) -> domain::GridRect| {
        let id = id.clone();
        view! {
            <label class="prop-number">
                <span>{label}</span>
                <input type="number" min="0" prop:value=move || rect.get().map(|r| part(r).to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        let Ok(value) = event_target_value(&ev).parse::<u16>() else { return };
                        let Some(current) = rect.get_untracked() else { return };
                        let next = set(current, value);
                        let id = id.clone();
                        builder.layout_edit(move |layout, breakpoint| {
                            let moved = layout::move_to(layout, breakpoint, &id, next.x, next.y);
                            let resized = layout::resize(layout, breakpoint, &id, next.w, next.h);
                            moved | resized
                        });
                    } />
            </label>
        }
    };
    view! {
        <fieldset class="prop-grid">
            <legend>{move || format!("Position on {}", builder.breakpoint.get().key())}</legend>
            {field("Column", |r| r.x.into(), |r, v| domain::GridRect { x: v.min(11) as u8, ..r })}
            {field("Row", |r| r.y, |r, v| domain::GridRect { y: v, ..r })}
            {field("Width", |r| r.w.into(), |r, v| domain::GridRect { w: v.clamp(1, 12) as u8, ..r })}
            {field("Height", |r| r.h, |r, v| domain::GridRect { h: v.max(1), ..r })}
        </fieldset>
    }
    .into_any()
}

#[component]
fn BindingFields(id: String, type_name: &'static str) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let sources = expect_context::<LocalResource<Result<api::BindingSources, crate::AppError>>>();
    let (allowed, _) = binding_targets_of(type_name).unwrap_or((&[], &[]));
    let binding = {
        let id = id.clone();
        move || read(builder, &id, |w| w.binding.clone())
    };
    let tool_slug = {
        let binding = binding.clone();
        move || binding().map(|b| b.tool).unwrap_or_default()
    };
    let sources_now = move || sources.get().and_then(Result::ok);
    let endpoints = {
        let tool_slug = tool_slug.clone();
        move || {
            let slug = tool_slug();
            sources_now()
                .and_then(|sources| sources.endpoints.get(&slug).cloned())
                .unwrap_or_default()
        }
    };
    let choose_tool = {
        let id = id.clone();
        move |ev| {
            let slug = event_target_value(&ev);
            write(builder, &id, |w| {
                w.binding = (!slug.is_empty()).then(|| Binding {
                    tool: slug,
                    request: w
                        .binding
                        .as_ref()
                        .map(|b| b.request.clone())
                        .unwrap_or_else(|| RequestSpec::get("/")),
                    mapping: w
                        .binding
                        .as_ref()
                        .map(|b| b.mapping.clone())
                        .unwrap_or_default(),
                    transforms: w
                        .binding
                        .as_ref()
                        .map(|b| b.transforms.clone())
                        .unwrap_or_default(),
                    refresh_seconds: None,
                    cache_ttl_seconds: domain::page::DEFAULT_CACHE_TTL_SECONDS,
                });
                true
            });
        }
    };
    let choose_endpoint = {
        let (id, endpoints) = (id.clone(), endpoints.clone());
        move |ev| {
            let name = event_target_value(&ev);
            let Some(endpoint) = endpoints().into_iter().find(|e| e.name == name) else {
                return;
            };
            write(builder, &id, |w| {
                let Some(binding) = w.binding.as_mut() else {
                    return false;
                };
                binding.request = endpoint.request.clone();
                if let Some(suggested) = endpoint.suggestion_for(type_name) {
                    binding.mapping = suggested;
                }
                true
            });
        }
    };
    let path_text = |b: &Binding| {
        let query: Vec<String> = b
            .request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if query.is_empty() {
            b.request.path.clone()
        } else {
            format!("{}?{}", b.request.path, query.join("&"))
        }
    };
    let mapping_rows = allowed
        .iter()
        .map(|target| {
            let target = *target;
            let id = id.clone();
            let expression = {
                let id = id.clone();
                move || read(builder, &id, |w| w.binding.as_ref().and_then(|b| b.mapping.get(target).cloned()).unwrap_or_default())
            };
            let preview = {
                let id = id.clone();
                move || preview_of(builder, &id, target)
            };
            view! {
                <label class="prop-field">
                    <span>{format!("{target} ← JMESPath")}</span>
                    <input type="text" class="mono" prop:value=expression on:change=move |ev| {
                        let text = event_target_value(&ev);
                        write(builder, &id, |w| match w.binding.as_mut() {
                            Some(b) => { if text.trim().is_empty() { b.mapping.remove(target); } else { b.mapping.insert(target.to_owned(), text); } true }
                            None => false,
                        });
                    } />
                    <output class="mapping-preview" data-testid=format!("preview-{target}")>{preview}</output>
                </label>
            }
        })
        .collect_view();
    let has_binding = {
        let binding = binding.clone();
        move || binding().is_some()
    };
    let path_id = id.clone();
    let path_value = {
        let binding = binding.clone();
        move || binding().map(|b| path_text(&b)).unwrap_or_default()
    };
    view! {
        <fieldset class="prop-binding">
            <legend>"Data"</legend>
            <label class="prop-field">
                <span>"Tool"</span>
                <select prop:value=tool_slug on:change=choose_tool>
                    <option value="">"Not bound"</option>
                    {move || sources_now().map(|s| s.tools).unwrap_or_default().into_iter()
                        .map(|tool| view! { <option value=tool.slug.clone()>{tool.name}</option> })
                        .collect_view()}
                </select>
            </label>
            <div hidden=move || !has_binding()>
                <label class="prop-field">
                    <span>"Endpoint"</span>
                    <select on:change=choose_endpoint>
                        <option value="">"Choose an endpoint…"</option>
                        {move || endpoints().into_iter().map(|e| view! { <option value=e.name.clone()>{e.label}</option> }).collect_view()}
                    </select>
                </label>
                <label class="prop-field">
                    <span>"Path and query"</span>
                    <input type="text" class="mono" prop:value=path_value on:change=move |ev| {
                        let text = event_target_value(&ev);
                        write(builder, &path_id, |w| match w.binding.as_mut() {
                            Some(b) => {
                                let pagination = b.request.pagination.take();
                                b.request = RequestSpec { pagination, method: b.request.method, body: b.request.body.take(), ..RequestSpec::get(text.trim()) };
                                true
                            }
                            None => false,
                        });
                    } />
                </label>
                {mapping_rows}
                <FieldMapper id=id.clone() type_name=type_name targets=allowed />
                <TransformFields id=id.clone() />
                {number_field(&id, "Refresh every (seconds, 0 = off)", |b| b.refresh_seconds.unwrap_or(0), |b, v| b.refresh_seconds = (v > 0).then_some(v))}
                {number_field(&id, "Cache answers for (seconds)", |b| b.cache_ttl_seconds, |b, v| b.cache_ttl_seconds = v)}
                <PaginationFields id=id.clone() />
            </div>
        </fieldset>
    }
    .into_any()
}

fn number_field(
    id: &str,
    label: &'static str,
    get: fn(&Binding) -> u32,
    set: fn(&mut Binding, u32),
) -> AnyView {
    let builder = expect_context::<Builder>();
    let value = {
        let id = id.to_owned();
        move || {
            read(builder, &id, |w| w.binding.as_ref().map(get))
                .map(|v| v.to_string())
                .unwrap_or_default()
        }
    };
    let id = id.to_owned();
    view! {
        <label class="prop-number">
            <span>{label}</span>
            <input type="number" min="0" prop:value=value on:change=move |ev| {
                let Ok(number) = event_target_value(&ev).parse::<u32>() else { return };
                write(builder, &id, |w| match w.binding.as_mut() {
                    Some(b) if get(b) != number => { set(b, number); true }
                    _ => false,
                });
            } />
        </label>
    }
    .into_any()
}

/// The mapped value the canvas shows for one field, as short JSON, or why there is none.
fn preview_of(builder: Builder, id: &str, target: &str) -> String {
    builder.preview.with(
        |preview| match preview.as_ref().and_then(|p| p.data.get(id)) {
            Some(WidgetData::Ready { values, .. }) => match values.get(target) {
                Some(value) => {
                    let text = value.to_string();
                    if text.chars().count() > 300 {
                        format!("{}…", text.chars().take(300).collect::<String>())
                    } else {
                        text
                    }
                }
                None => "no value".to_owned(),
            },
            Some(WidgetData::Failed { message }) => message.clone(),
            None => "Waiting for data…".to_owned(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_and_field_lines_parse() {
        let columns = parse_columns("number: Number\n\nstate\n");
        assert_eq!(columns.len(), 2);
        assert_eq!(
            (columns[0].key.as_str(), columns[0].label.as_str()),
            ("number", "Number")
        );
        assert_eq!(
            (columns[1].key.as_str(), columns[1].label.as_str()),
            ("state", "state")
        );
        let fields =
            parse_fields("Short description | text | required\nPriority | select | 1, 2, 3");
        assert_eq!(fields[0].name, "short_description");
        assert!(fields[0].required);
        assert_eq!(fields[1].kind, FieldKind::Select);
        assert_eq!(fields[1].options, ["1", "2", "3"]);
        assert_eq!(parse_fields(&format_fields(&fields)), fields);
    }
}

/// Who sees the widget: roles (checked on the server) and an optional page-variable rule.
#[component]
fn VisibilityFields(id: String) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let role_boxes = Role::ALL
        .into_iter()
        .map(|role| {
            let checked = {
                let id = id.clone();
                move || {
                    read(builder, &id, |w| {
                        w.visibility
                            .as_ref()
                            .is_some_and(|v| v.roles.contains(&role))
                    })
                }
            };
            let id = id.clone();
            view! {
                <label class="prop-check">
                    <input type="checkbox" prop:checked=checked on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        write(builder, &id, |w| {
                            let visibility = w.visibility.get_or_insert_with(Visibility::default);
                            visibility.roles.retain(|r| *r != role);
                            if on {
                                visibility.roles.push(role);
                            }
                            tidy(&mut w.visibility);
                            true
                        });
                    } />
                    <span>{role.label()}</span>
                </label>
            }
        })
        .collect_view();
    let condition_field = |label: &'static str,
                           get: fn(&VariableCondition) -> String,
                           set: fn(&mut VariableCondition, String)| {
        let id = id.clone();
        let value = {
            let id = id.clone();
            move || {
                read(builder, &id, |w| {
                    w.visibility
                        .as_ref()
                        .and_then(|v| v.when.as_ref())
                        .map(get)
                        .unwrap_or_default()
                })
            }
        };
        view! {
            <label class="prop-field">
                <span>{label}</span>
                <input type="text" prop:value=value on:change=move |ev| {
                    let text = event_target_value(&ev);
                    write(builder, &id, |w| {
                        let visibility = w.visibility.get_or_insert_with(Visibility::default);
                        set(visibility.when.get_or_insert_with(VariableCondition::default), text.trim().to_owned());
                        if visibility.when.as_ref().is_some_and(|c| c.variable.is_empty() && c.equals.is_empty()) {
                            visibility.when = None;
                        }
                        tidy(&mut w.visibility);
                        true
                    });
                } />
            </label>
        }
    };
    view! {
        <fieldset class="prop-binding">
            <legend>"Visibility"</legend>
            <p class="muted">"Visible to (none checked = everyone):"</p>
            {role_boxes}
            {condition_field("Only when widget (search or filter id)", |c| c.variable.clone(), |c, v| c.variable = v)}
            {condition_field("has the value", |c| c.equals.clone(), |c, v| c.equals = v)}
        </fieldset>
    }
    .into_any()
}

/// An empty visibility rule is no rule.
fn tidy(visibility: &mut Option<Visibility>) {
    if visibility
        .as_ref()
        .is_some_and(|v| v.roles.is_empty() && v.when.is_none())
    {
        *visibility = None;
    }
}

/// The container holding a widget, if it is inside one.
fn container_of(builder: Builder, id: &str) -> Option<String> {
    builder.definition.with(|d| {
        d.layout
            .widgets
            .iter()
            .find(|widget| {
                widget
                    .props
                    .panes()
                    .unwrap_or_default()
                    .iter()
                    .any(|pane| pane.widgets.iter().any(|child| child.id == id))
            })
            .map(|widget| widget.id.clone())
    })
}

/// Panes of tabs or an accordion: labels, the widgets in each, adding and removing both.
#[component]
fn PaneFields(id: String) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let panes = {
        let id = id.clone();
        move || {
            read(builder, &id, |w| {
                w.props.panes().map(<[domain::page::Pane]>::to_vec)
            })
            .unwrap_or_default()
        }
    };
    let add_pane = {
        let id = id.clone();
        move |_| {
            write(builder, &id, |w| match w.props.panes_mut() {
                Some(panes) => {
                    let label = format!("Pane {}", panes.len() + 1);
                    panes.push(domain::page::Pane {
                        label,
                        widgets: Vec::new(),
                    });
                    true
                }
                None => false,
            })
        }
    };
    view! {
        <fieldset class="prop-binding">
            <legend>"Panes"</legend>
            {move || {
                let id = id.clone();
                panes()
                    .into_iter()
                    .enumerate()
                    .map(|(index, pane)| {
                        let (label_id, add_id, drop_id) = (id.clone(), id.clone(), id.clone());
                        let children = pane
                            .widgets
                            .iter()
                            .map(|child| {
                                let (select_id, remove_id) = (child.id.clone(), child.id.clone());
                                let name = format!("{} ({})", WidgetProps::type_label(child.props.type_name()), child.id);
                                view! {
                                    <li class="pane-child">
                                        <button type="button" class="btn-link" on:click=move |_| builder.select_only(&select_id)>{name.clone()}</button>
                                        <button type="button" class="btn-link" aria-label=format!("Remove {name}")
                                            on:click=move |_| builder.layout_edit(|layout, _| layout::remove(layout, std::slice::from_ref(&remove_id)) > 0)>"Remove"</button>
                                    </li>
                                }
                            })
                            .collect_view();
                        let pane_label = pane.label.clone();
                        view! {
                            <div class="pane-editor" data-pane=index.to_string()>
                                <label class="prop-field">
                                    <span>{format!("Pane {} label", index + 1)}</span>
                                    <input type="text" prop:value=pane.label.clone() on:change=move |ev| {
                                        let text = event_target_value(&ev);
                                        write(builder, &label_id, |w| match w.props.panes_mut().and_then(|panes| panes.get_mut(index)) {
                                            Some(pane) if pane.label != text => { pane.label = text; true }
                                            _ => false,
                                        });
                                    } />
                                </label>
                                <ul>{children}</ul>
                                <label class="prop-field">
                                    <span>{format!("Add a widget to {pane_label}")}</span>
                                    <select on:change=move |ev| {
                                        let type_name = event_target_value(&ev);
                                        let Some(mut child) = Widget::from_palette(&type_name) else { return };
                                        let mut added = String::new();
                                        builder.edit(|definition| {
                                            child.id = layout::unique_id(&definition.layout, &type_name);
                                            child.position.desktop.x = 0;
                                            child.position.desktop.w = domain::page::GRID_COLUMNS;
                                            added = child.id.clone();
                                            match definition.layout.find_mut(&add_id).and_then(|w| w.props.panes_mut()).and_then(|panes| panes.get_mut(index)) {
                                                Some(pane) => { pane.widgets.push(child); true }
                                                None => false,
                                            }
                                        });
                                        if !added.is_empty() {
                                            builder.select_only(&added);
                                        }
                                    }>
                                        <option value="">"Choose a widget…"</option>
                                        {WidgetProps::TYPE_NAMES
                                            .iter()
                                            .filter(|name| !matches!(**name, "tabs" | "accordion"))
                                            .map(|name| view! { <option value=*name>{WidgetProps::type_label(name)}</option> })
                                            .collect_view()}
                                    </select>
                                </label>
                                <button type="button" class="btn-secondary" on:click=move |_| {
                                    write(builder, &drop_id, |w| match w.props.panes_mut() {
                                        Some(panes) if panes.len() > 1 && index < panes.len() => { panes.remove(index); true }
                                        _ => false,
                                    });
                                }>{format!("Remove pane {}", index + 1)}</button>
                            </div>
                        }
                    })
                    .collect_view()
            }}
            <button type="button" class="btn-secondary" on:click=add_pane>"Add pane"</button>
        </fieldset>
    }
    .into_any()
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

/// Alignment, text size and emphasis, shared by every widget type.
#[component]
fn StyleFields(id: String) -> impl IntoView {
    view! {
        <fieldset class="prop-binding">
            <legend>"Style"</legend>
            {choice_field(&id, "Alignment", pairs(&Align::ALL, Align::as_str), (
                |w: &Widget| w.style.align.as_str().to_owned(),
                |w: &mut Widget, v: String| match Align::ALL.into_iter().find(|a| a.as_str() == v) {
                    Some(align) if align != w.style.align => { w.style.align = align; true }
                    _ => false,
                },
            ))}
            {choice_field(&id, "Text size", pairs(&TextSize::ALL, TextSize::as_str), (
                |w: &Widget| w.style.size.as_str().to_owned(),
                |w: &mut Widget, v: String| match TextSize::ALL.into_iter().find(|t| t.as_str() == v) {
                    Some(size) if size != w.style.size => { w.style.size = size; true }
                    _ => false,
                },
            ))}
            {check_field(&id, "Emphasis", |w| w.style.emphasis, |w, on| { w.style.emphasis = on; true })}
        </fieldset>
    }
    .into_any()
}

/// How a binding follows a paged source: style, where the items are, page size, how far.
#[component]
fn PaginationFields(id: String) -> impl IntoView {
    use domain::page::{Pagination, PaginationSpec};
    let builder = expect_context::<Builder>();
    let spec = {
        let id = id.clone();
        move || {
            read(builder, &id, |w| {
                w.binding
                    .as_ref()
                    .and_then(|b| b.request.pagination.clone())
            })
        }
    };
    let update = move |id: &str, change: &dyn Fn(&mut Option<PaginationSpec>)| {
        write(builder, id, |w| match w.binding.as_mut() {
            Some(binding) => {
                let before = binding.request.pagination.clone();
                change(&mut binding.request.pagination);
                binding.request.pagination != before
            }
            None => false,
        });
    };
    let style_of = |spec: &Option<PaginationSpec>| match spec.as_ref().map(|s| &s.style) {
        Some(Pagination::Offset { .. }) => "offset",
        Some(Pagination::PageNumber { .. }) => "page_number",
        Some(Pagination::Cursor { .. }) => "cursor",
        _ => "none",
    };
    let style_id = id.clone();
    let (items_id, size_id, pages_id, first_id, second_id) =
        (id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
    let param_names = move |spec: &Option<PaginationSpec>| -> (String, String) {
        match spec.as_ref().map(|s| &s.style) {
            Some(Pagination::Offset {
                limit_param,
                offset_param,
            }) => (limit_param.clone(), offset_param.clone()),
            Some(Pagination::PageNumber {
                page_param,
                size_param,
            }) => (page_param.clone(), size_param.clone()),
            Some(Pagination::Cursor {
                cursor_param,
                next_cursor,
            }) => (cursor_param.clone(), next_cursor.clone()),
            _ => (String::new(), String::new()),
        }
    };
    let set_param = move |spec: &mut Option<PaginationSpec>, first: bool, text: String| {
        if let Some(spec) = spec.as_mut() {
            match &mut spec.style {
                Pagination::Offset {
                    limit_param: a,
                    offset_param: b,
                }
                | Pagination::PageNumber {
                    page_param: a,
                    size_param: b,
                }
                | Pagination::Cursor {
                    cursor_param: a,
                    next_cursor: b,
                } => {
                    *(if first { a } else { b }) = text;
                }
                Pagination::None => {}
            }
        }
    };
    let has_pages = {
        let spec = spec.clone();
        move || spec().is_some()
    };
    let labels = {
        let spec = spec.clone();
        move || match style_of(&spec()) {
            "offset" => ("Limit parameter", "Offset parameter"),
            "page_number" => ("Page parameter", "Page size parameter"),
            _ => ("Cursor parameter", "Next cursor (JMESPath)"),
        }
    };
    let labels_second = labels.clone();
    let spec_items = spec.clone();
    let spec_size = spec.clone();
    let spec_pages = spec.clone();
    let spec_first = spec.clone();
    let spec_second = spec.clone();
    view! {
        <label class="prop-field">
            <span>"Follow pages"</span>
            <select prop:value=move || style_of(&spec()).to_owned() on:change=move |ev| {
                let style = match event_target_value(&ev).as_str() {
                    "offset" => Pagination::Offset { limit_param: "limit".into(), offset_param: "offset".into() },
                    "page_number" => Pagination::PageNumber { page_param: "page".into(), size_param: "per_page".into() },
                    "cursor" => Pagination::Cursor { cursor_param: "cursor".into(), next_cursor: "next_cursor".into() },
                    _ => Pagination::None,
                };
                update(&style_id, &|current| {
                    *current = match &style {
                        Pagination::None => None,
                        style => Some(PaginationSpec {
                            style: style.clone(),
                            items: current.as_ref().map(|c| c.items.clone()).unwrap_or_default(),
                            page_size: current.as_ref().map_or(25, |c| c.page_size),
                            max_pages: current.as_ref().map_or(5, |c| c.max_pages),
                            start: None,
                        }),
                    };
                });
            }>
                <option value="none">"No (one request)"</option>
                <option value="offset">"Offset and limit"</option>
                <option value="page_number">"Page number"</option>
                <option value="cursor">"Cursor"</option>
            </select>
        </label>
        <div class="prop-grid" hidden=move || !has_pages()>
            <label class="prop-field">
                <span>"Items at (e.g. result)"</span>
                <input type="text" class="mono" prop:value=move || spec_items().map(|s| s.items).unwrap_or_default()
                    on:change=move |ev| { let text = event_target_value(&ev); update(&items_id, &|s| if let Some(s) = s.as_mut() { s.items = text.trim().to_owned(); }); } />
            </label>
            <label class="prop-number">
                <span>"Page size"</span>
                <input type="number" min="1" prop:value=move || spec_size().map(|s| s.page_size.to_string()).unwrap_or_default()
                    on:change=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<u32>() { update(&size_id, &|s| if let Some(s) = s.as_mut() { s.page_size = n.max(1); }); } } />
            </label>
            <label class="prop-number">
                <span>"At most pages"</span>
                <input type="number" min="1" prop:value=move || spec_pages().map(|s| s.max_pages.to_string()).unwrap_or_default()
                    on:change=move |ev| { if let Ok(n) = event_target_value(&ev).parse::<u32>() { update(&pages_id, &|s| if let Some(s) = s.as_mut() { s.max_pages = n.max(1); }); } } />
            </label>
            <label class="prop-field">
                <span>{move || labels().0}</span>
                <input type="text" class="mono" prop:value=move || param_names(&spec_first()).0
                    on:change=move |ev| { let text = event_target_value(&ev); update(&first_id, &|s| set_param(s, true, text.trim().to_owned())); } />
            </label>
            <label class="prop-field">
                <span>{move || labels_second().1}</span>
                <input type="text" class="mono" prop:value=move || param_names(&spec_second()).1
                    on:change=move |ev| { let text = event_target_value(&ev); update(&second_id, &|s| set_param(s, false, text.trim().to_owned())); } />
            </label>
        </div>
    }
    .into_any()
}
