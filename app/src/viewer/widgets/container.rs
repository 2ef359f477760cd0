//! Tabs and accordions around other widgets.

use leptos::prelude::*;

use super::{set_variable, variables};

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
