//! The panes of tabs and accordions.

use domain::{Widget, WidgetKind, layout};
use leptos::prelude::*;

use super::{read, write};
use crate::builder::Builder;

/// Panes of tabs or an accordion: labels, the widgets in each, adding and removing both.
#[component]
pub(super) fn PaneFields(id: String) -> impl IntoView {
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
                                let name = format!("{} ({})", child.props.kind().label(), child.id);
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
                                        let Some(kind) = WidgetKind::parse(&event_target_value(&ev)) else { return };
                                        let mut child = Widget::from_palette(kind);
                                        let mut added = String::new();
                                        builder.edit(|definition| {
                                            child.id = layout::unique_id(&definition.layout, kind.name());
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
                                        {WidgetKind::ALL
                                            .iter()
                                            .filter(|kind| !matches!(kind, WidgetKind::Tabs | WidgetKind::Accordion))
                                            .map(|kind| view! { <option value=kind.name()>{kind.label()}</option> })
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
