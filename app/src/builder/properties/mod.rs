//! The property panel: typed fields per widget, its grid position and its data binding
//! with a live preview of each mapped value. One file per concern.

#[macro_use]
mod fields;
mod binding;
mod formats;
mod pagination;
mod panes;
mod position;
mod visibility;
mod widget_props;

use domain::{Widget, WidgetKind, layout};
use leptos::prelude::*;

use super::{Builder, api};
use binding::BindingFields;
use fields::{Getter, Setter, text_field};
use position::{PositionFields, StyleFields};
use visibility::VisibilityFields;
use widget_props::type_fields;

fn widget_mut<'a>(definition: &'a mut domain::PageDefinition, id: &str) -> Option<&'a mut Widget> {
    definition.layout.find_mut(id)
}

/// Reads one value of the widget, reactively.
pub(in crate::builder) fn read<T: Default>(
    builder: Builder,
    id: &str,
    get: impl Fn(&Widget) -> T,
) -> T {
    builder
        .definition
        .with(|d| d.widget(id).map(get).unwrap_or_default())
}

/// Writes one value of the widget as an undoable edit.
pub(in crate::builder) fn write(builder: Builder, id: &str, set: impl FnOnce(&mut Widget) -> bool) {
    builder.edit(|definition| widget_mut(definition, id).is_some_and(set));
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
                    let kind = read(builder, &id, |w| Some(w.props.kind())).unwrap_or(WidgetKind::Text);
                    view! { <WidgetProperties id kind /> }.into_any()
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
                        let access = Signal::derive(move || builder.definition.with(|d| d.access.clone().unwrap_or_default()));
                        let set_access = Callback::new(move |text: String| {
                            builder.edit(|d| {
                                let text = text.trim().to_owned();
                                let changed = d.access.as_deref().unwrap_or_default() != text;
                                d.access = (!text.is_empty()).then_some(text);
                                changed
                            });
                        });
                        view! {
                            <h2>"Properties"</h2>
                            <fieldset class="prop-binding">
                                <legend>"Page access"</legend>
                                <p class="muted">"Empty: everyone who may view pages. Editors always see the page."</p>
                                <visibility::ConditionField label="Only users whose attributes match" value=access on_change=set_access />
                            </fieldset>
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
fn WidgetProperties(id: String, kind: WidgetKind) -> impl IntoView {
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
    let specific = type_fields(&id, kind);
    let bindable = !kind.binding_targets().0.is_empty();
    let remove_id = id.clone();
    let position_id = id.clone();
    view! {
        <h2>{kind.label()} " · " <code>{id.clone()}</code></h2>
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
        {bindable.then(|| view! { <BindingFields id=id.clone() kind /> })}
        <StyleFields id=id.clone() />
        <VisibilityFields id=id.clone() />
        <button type="button" class="btn-secondary" on:click=move |_| {
            builder.layout_edit(|layout, _| layout::remove(layout, std::slice::from_ref(&remove_id)) > 0)
        }>"Delete widget"</button>
    }
    .into_any()
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
