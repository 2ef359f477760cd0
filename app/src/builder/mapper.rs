//! The visual field mapper and the transform steps of a binding: the tool's answer (live or
//! its sample) as a collapsible tree, a click maps a field, suggestions per widget type, the
//! expression's result live, and formatting steps from the safe list.

use std::{collections::BTreeMap, sync::Arc};

use domain::{
    Widget, WidgetKind, WidgetProps,
    dto::{AnswerSource, MapperAnswer},
    mapper::{self, FieldNode, Suggestion},
    page::Binding,
    transform::{TRANSFORM_KINDS, Transform},
};
use leptos::{prelude::*, task::spawn_local};
use serde_json::Value;

use super::{
    Builder, api,
    properties::{read, write},
};

/// The answer each widget's mapper loaded, kept while the builder is open: the property
/// panel is rebuilt when a widget's props change, the loaded answer should not go with it.
#[derive(Clone, Copy)]
pub struct MapperAnswers(RwSignal<BTreeMap<String, Answer>>);

impl Default for MapperAnswers {
    fn default() -> Self {
        Self(RwSignal::new(BTreeMap::new()))
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Answer {
    #[default]
    Idle,
    Loading,
    Ready(MapperAnswer),
    Failed(String),
}

/// Result shown under the tree: JSON, shortened.
fn short_json(value: &Value) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    match text.char_indices().nth(1200) {
        Some((cut, _)) => format!("{}\n…", &text[..cut]),
        None => text,
    }
}

#[component]
pub fn FieldMapper(
    id: String,
    kind: WidgetKind,
    targets: &'static [&'static str],
) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let answers = expect_context::<MapperAnswers>().0;
    // A signal-like view of this widget's entry in the shared store.
    let answer = {
        let id = id.clone();
        Signal::derive(move || answers.with(|all| all.get(&id).cloned().unwrap_or_default()))
    };
    let set_answer = {
        let id = id.clone();
        move |next: Answer| {
            answers.update(|all| {
                all.insert(id.clone(), next);
            })
        }
    };
    let target = RwSignal::new(targets.first().copied().unwrap_or_default());
    let load = {
        let id = id.clone();
        move |use_sample: bool| {
            let Some(binding) = read(builder, &id, |w| w.binding.clone()) else {
                return;
            };
            set_answer(Answer::Loading);
            let set_answer = set_answer.clone();
            spawn_local(async move {
                let result =
                    api::load_mapper_answer(binding.tool, binding.request, use_sample).await;
                set_answer(match result {
                    Ok(found) => Answer::Ready(found),
                    Err(err) => Answer::Failed(err.message().to_owned()),
                });
            });
        }
    };
    let (load_live, load_sample) = (load.clone(), load);
    let answer_value = move || match answer.get() {
        Answer::Ready(found) => Some(found.answer),
        _ => None,
    };
    let map_to = {
        let id = id.clone();
        move |expression: String| {
            let target_name = target.get_untracked();
            write(builder, &id, |w| match w.binding.as_mut() {
                Some(b) if b.mapping.get(target_name) != Some(&expression) => {
                    b.mapping.insert(target_name.to_owned(), expression);
                    true
                }
                _ => false,
            });
        }
    };
    let apply_suggestion = {
        let id = id.clone();
        move |suggestion: Suggestion| {
            write(builder, &id, |w| apply(w, &suggestion));
        }
    };
    let current_expression = {
        let id = id.clone();
        move || {
            let target_name = target.get();
            read(builder, &id, |w| {
                w.binding
                    .as_ref()
                    .and_then(|b| b.mapping.get(target_name).cloned())
            })
        }
    };
    let result = {
        let current_expression = current_expression.clone();
        move || {
            let answer = answer_value()?;
            let expression = current_expression()?;
            Some(match mapper::evaluate(&expression, &answer) {
                Ok(value) => (expression, short_json(&value), false),
                Err(reason) => (expression, reason, true),
            })
        }
    };
    let status = move || match answer.get() {
        Answer::Idle => "Load the tool's answer to pick fields from it.".to_owned(),
        Answer::Loading => "Loading the tool's answer…".to_owned(),
        Answer::Failed(message) => message,
        Answer::Ready(found) => {
            let source = match (found.source, found.fetched_at) {
                (AnswerSource::Live, Some(at)) => {
                    format!("Live answer from {} UTC.", at.format("%H:%M:%S"))
                }
                (AnswerSource::Live, None) => "Live answer.".to_owned(),
                (AnswerSource::Sample, _) => "The tool's sample answer.".to_owned(),
            };
            match found.note {
                Some(note) => format!("{source} {note}"),
                None => source,
            }
        }
    };
    let failed = move || matches!(answer.get(), Answer::Failed(_));
    let suggestions = move || {
        answer_value()
            .map(|answer| mapper::suggest(kind, &answer))
            .unwrap_or_default()
    };
    view! {
        <section class="field-mapper" data-testid="field-mapper" aria-label="Field mapper">
            <div class="mapper-actions">
                <button type="button" class="btn-secondary" data-testid="mapper-load"
                    on:click=move |_| load_live(false)
                    disabled=move || answer.get() == Answer::Loading>
                    "Load answer"
                </button>
                <button type="button" class="btn-link" data-testid="mapper-sample"
                    on:click=move |_| load_sample(true)
                    disabled=move || answer.get() == Answer::Loading>
                    "Use sample"
                </button>
            </div>
            <p class="mapper-status" class:error=failed role="status" data-testid="mapper-status">{status}</p>
            <label class="prop-field" hidden=move || targets.len() < 2>
                <span>"A click maps to"</span>
                <select on:change=move |ev| {
                    let chosen = event_target_value(&ev);
                    if let Some(found) = targets.iter().find(|t| **t == chosen) {
                        target.set(found);
                    }
                }>
                    {targets.iter().map(|t| view! { <option value=*t>{*t}</option> }).collect_view()}
                </select>
            </label>
            <Show when=move || !suggestions().is_empty()>
                <div class="mapper-suggestions">
                    <span class="mapper-heading">"Suggested for this widget"</span>
                    <ul>
                        {let apply_suggestion = apply_suggestion.clone();
                        move || suggestions().into_iter().map(|suggestion| {
                            let apply_suggestion = apply_suggestion.clone();
                            let expressions = suggestion.mapping.values().cloned().collect::<Vec<_>>().join("; ");
                            let label = suggestion.label.clone();
                            view! {
                                <li>
                                    <button type="button" class="btn-secondary" data-testid="mapper-suggestion"
                                        on:click=move |_| apply_suggestion(suggestion.clone())>
                                        {label}
                                    </button>
                                    <code>{expressions}</code>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </div>
            </Show>
            {move || answer_value().map(|answer| {
                let tree = mapper::field_tree(&answer);
                view! {
                    <div class="mapper-tree" role="tree" aria-label="Fields of the answer">
                        {tree_node(tree, map_to.clone(), 0)}
                    </div>
                }
            })}
            {move || result().map(|(expression, text, error)| view! {
                <div class="mapper-result">
                    <span class="mapper-heading">{format!("{} = {expression}", target.get())}</span>
                    <pre class:error=error data-testid="mapper-result">{text}</pre>
                </div>
            })}
        </section>
    }
    .into_any()
}

/// One field and its children; objects and lists fold, every field is a button that maps it.
fn tree_node(
    node: FieldNode,
    map_to: impl Fn(String) + Clone + Send + Sync + 'static,
    depth: usize,
) -> AnyView {
    let expression = node.expression.clone();
    let pick = {
        let map_to = map_to.clone();
        let expression = expression.clone();
        move |_| map_to(expression.clone())
    };
    let field = view! {
        <button type="button" class="mapper-field" role="treeitem" data-path=expression.clone()
            title=format!("Map {expression}") on:click=pick>
            <span class="mapper-key">{node.label.clone()}</span>
            <span class="mapper-kind">{node.kind.label()}</span>
            <span class="mapper-sample">{node.sample.clone()}</span>
        </button>
    };
    if node.children.is_empty() {
        return view! { <div class="mapper-leaf">{field}</div> }.into_any();
    }
    let children = node
        .children
        .into_iter()
        .map(|child| tree_node(child, map_to.clone(), depth + 1))
        .collect_view();
    // The first levels start open; deeper ones wait for a click.
    view! {
        <details class="mapper-branch" open={depth < 3}>
            <summary>{field}</summary>
            <div class="mapper-children" role="group">{children}</div>
        </details>
    }
    .into_any()
}

/// A suggestion's mapping, and for tables its columns.
fn apply(widget: &mut Widget, suggestion: &Suggestion) -> bool {
    let Some(binding) = widget.binding.as_mut() else {
        return false;
    };
    binding.mapping.extend(suggestion.mapping.clone());
    if !suggestion.columns.is_empty() {
        match &mut widget.props {
            WidgetProps::Table(table) => table.columns = suggestion.columns.clone(),
            WidgetProps::DataGrid(grid) => grid.columns = suggestion.columns.clone(),
            _ => {}
        }
    }
    true
}

/// Fields a step can apply to: each mapped target, and each column of a table's rows.
fn transform_keys(widget: &Widget) -> Vec<String> {
    let Some(binding) = &widget.binding else {
        return Vec::new();
    };
    let mut keys: Vec<String> = binding.mapping.keys().cloned().collect();
    let columns = match &widget.props {
        WidgetProps::Table(table) => &table.columns[..],
        WidgetProps::DataGrid(grid) => &grid.columns[..],
        _ => &[],
    };
    keys.extend(columns.iter().map(|column| format!("rows.{}", column.key)));
    if matches!(widget.props, WidgetProps::Chart(_)) {
        keys.extend(["points.x".to_owned(), "points.y".to_owned()]);
    }
    keys
}

fn edit_steps(
    builder: Builder,
    id: &str,
    change: impl FnOnce(&mut BTreeMap<String, Vec<Transform>>) -> bool,
) {
    write(builder, id, |w| match w.binding.as_mut() {
        Some(Binding { transforms, .. }) => {
            let changed = change(transforms);
            transforms.retain(|_, steps| !steps.is_empty());
            changed
        }
        None => false,
    });
}

/// The binding's formatting steps: one row per step with its settings, and "add a step".
#[component]
pub fn TransformFields(id: String) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let steps = {
        let id = id.clone();
        move || {
            read(builder, &id, |w| {
                w.binding
                    .as_ref()
                    .map(|b| {
                        b.transforms
                            .iter()
                            .flat_map(|(key, steps)| {
                                steps
                                    .iter()
                                    .enumerate()
                                    .map(|(index, step)| (key.clone(), index, step.clone()))
                                    .collect::<Vec<_>>()
                            })
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default()
            })
        }
    };
    let keys = {
        let id = id.clone();
        move || read(builder, &id, transform_keys)
    };
    let new_key = RwSignal::new(String::new());
    let new_kind = RwSignal::new(TRANSFORM_KINDS[0].0.to_owned());
    let add = {
        let (id, keys) = (id.clone(), keys.clone());
        move |_| {
            let key = match new_key.get_untracked() {
                key if !key.is_empty() => key,
                _ => keys().into_iter().next().unwrap_or_default(),
            };
            let Some(step) = Transform::of_kind(&new_kind.get_untracked()) else {
                return;
            };
            if key.is_empty() {
                return;
            }
            edit_steps(builder, &id, |transforms| {
                transforms.entry(key).or_default().push(step);
                true
            });
        }
    };
    let rows_id = id.clone();
    view! {
        <fieldset class="prop-transforms" data-testid="transforms">
            <legend>"Format values"</legend>
            {move || {
                let id = rows_id.clone();
                steps().into_iter().map(|(key, index, step)| step_row(builder, &id, key, index, step)).collect_view()
            }}
            <div class="transform-add">
                <select aria-label="Field to format" data-testid="transform-field"
                    on:change=move |ev| new_key.set(event_target_value(&ev))>
                    {move || keys().into_iter().map(|key| view! { <option value=key.clone()>{key.clone()}</option> }).collect_view()}
                </select>
                <select aria-label="Step" data-testid="transform-kind"
                    on:change=move |ev| new_kind.set(event_target_value(&ev))>
                    {TRANSFORM_KINDS.iter().map(|(kind, label)| view! { <option value=*kind>{*label}</option> }).collect_view()}
                </select>
                <button type="button" class="btn-secondary" data-testid="transform-add" on:click=add>"Add step"</button>
            </div>
        </fieldset>
    }
    .into_any()
}

/// One step: what it applies to, its settings, and remove.
fn step_row(builder: Builder, id: &str, key: String, index: usize, step: Transform) -> AnyView {
    let update = {
        let (id, key) = (id.to_owned(), key.clone());
        move |change: Change| {
            let key = key.clone();
            edit_steps(builder, &id, move |transforms| {
                match transforms
                    .get_mut(&key)
                    .and_then(|steps| steps.get_mut(index))
                {
                    Some(step) => change(step),
                    None => false,
                }
            });
        }
    };
    let remove = {
        let (id, key) = (id.to_owned(), key.clone());
        move |_| {
            let key = key.clone();
            edit_steps(builder, &id, move |transforms| {
                match transforms.get_mut(&key) {
                    Some(steps) if index < steps.len() => {
                        steps.remove(index);
                        true
                    }
                    _ => false,
                }
            });
        }
    };
    let label = TRANSFORM_KINDS
        .iter()
        .find(|(kind, _)| *kind == step.kind())
        .map_or("", |(_, label)| *label);
    let problem = step.problem();
    let settings = step_settings(step, Arc::new(update));
    let key_attribute = key.clone();
    view! {
        <div class="transform-step" data-testid="transform-step" data-key=key_attribute>
            <span class="transform-title"><code>{key}</code>" · "{label}</span>
            {settings}
            <button type="button" class="btn-link" aria-label=format!("Remove {label}") on:click=remove>"Remove"</button>
            {problem.map(|p| view! { <span class="field-error">{p}</span> })}
        </div>
    }
    .into_any()
}

type Change = Box<dyn FnOnce(&mut Transform) -> bool + Send>;
type StepUpdate = Arc<dyn Fn(Change) + Send + Sync>;

fn step_settings(step: Transform, update: StepUpdate) -> AnyView {
    let decimals_input = |decimals: u8, update: StepUpdate| {
        view! {
            <label class="prop-number">
                <span>"Decimals"</span>
                <input type="number" min="0" max="6" prop:value=decimals.to_string() on:change=move |ev| {
                    let Ok(value) = event_target_value(&ev).parse::<u8>() else { return };
                    update(Box::new(move |step: &mut Transform| match step {
                        Transform::NumberFormat { decimals, .. } | Transform::Round { decimals } | Transform::Percent { decimals } if *decimals != value => { *decimals = value; true }
                        _ => false,
                    }));
                } />
            </label>
        }
    };
    match step {
        Transform::DateFormat { format } => view! {
            <label class="prop-field">
                <span>"Format (strftime, UTC)"</span>
                <input type="text" class="mono" data-testid="transform-format" prop:value=format on:change=move |ev| {
                    let value = event_target_value(&ev);
                    update(Box::new(move |step: &mut Transform| match step {
                        Transform::DateFormat { format } if *format != value => { *format = value; true }
                        _ => false,
                    }));
                } />
            </label>
        }
        .into_any(),
        Transform::NumberFormat { decimals, grouping } => {
            let grouping_update = update.clone();
            view! {
                {decimals_input(decimals, update)}
                <label class="prop-check">
                    <input type="checkbox" prop:checked=grouping on:change=move |ev| {
                        let checked = event_target_checked(&ev);
                        grouping_update(Box::new(move |step: &mut Transform| match step {
                            Transform::NumberFormat { grouping, .. } if *grouping != checked => { *grouping = checked; true }
                            _ => false,
                        }));
                    } />
                    <span>"Thousands separators"</span>
                </label>
            }
            .into_any()
        }
        Transform::Round { decimals } | Transform::Percent { decimals } => {
            decimals_input(decimals, update).into_any()
        }
        Transform::MapValues { values, otherwise } => {
            let otherwise_update = update.clone();
            let text = values
                .iter()
                .map(|(from, to)| format!("{from} = {to}"))
                .collect::<Vec<_>>()
                .join("\n");
            view! {
                <label class="prop-field">
                    <span>"Replace (one per line: value = shown as)"</span>
                    <textarea rows="3" class="mono" data-testid="transform-values" prop:value=text on:change=move |ev| {
                        let parsed = parse_value_map(&event_target_value(&ev));
                        update(Box::new(move |step: &mut Transform| match step {
                            Transform::MapValues { values, .. } if *values != parsed => { *values = parsed; true }
                            _ => false,
                        }));
                    }></textarea>
                </label>
                <label class="prop-field">
                    <span>"Anything else shown as (blank keeps it)"</span>
                    <input type="text" prop:value=otherwise.unwrap_or_default() on:change=move |ev| {
                        let value = event_target_value(&ev);
                        let value = (!value.trim().is_empty()).then_some(value);
                        otherwise_update(Box::new(move |step: &mut Transform| match step {
                            Transform::MapValues { otherwise, .. } if *otherwise != value => { *otherwise = value; true }
                            _ => false,
                        }));
                    } />
                </label>
            }
            .into_any()
        }
        Transform::Default { value } => {
            let shown = match &value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            view! {
                <label class="prop-field">
                    <span>"Shown when empty"</span>
                    <input type="text" data-testid="transform-default" prop:value=shown on:change=move |ev| {
                        let text = event_target_value(&ev);
                        update(Box::new(move |step: &mut Transform| match step {
                            Transform::Default { value } if value.as_str() != Some(text.as_str()) => { *value = Value::String(text); true }
                            _ => false,
                        }));
                    } />
                </label>
            }
            .into_any()
        }
    }
}

/// `FAILED = Failed` lines into a map; lines without `=` are skipped.
fn parse_value_map(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once('='))
        .map(|(from, to)| (from.trim().to_owned(), to.trim().to_owned()))
        .filter(|(from, _)| !from.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_maps_are_read_line_by_line() {
        let map = parse_value_map("FAILED = Failed\n\nnonsense\n = x\nSUCCESS=Succeeded = ok");
        assert_eq!(
            map,
            BTreeMap::from([
                ("FAILED".to_owned(), "Failed".to_owned()),
                ("SUCCESS".to_owned(), "Succeeded = ok".to_owned()),
            ])
        );
    }
}
