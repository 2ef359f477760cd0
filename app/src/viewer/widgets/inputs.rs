//! Search boxes and filters, which set page variables.

use domain::page::{FilterProps, SearchProps};
use leptos::prelude::*;

use super::{set_variable, variable};

/// A GET form, so the same box filters on the server when JavaScript is off.
pub(super) fn search_view(id: &str, search: &SearchProps) -> AnyView {
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

pub(super) fn filter_view(id: &str, filter: &FilterProps, choices: Vec<String>) -> AnyView {
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
