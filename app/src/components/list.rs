//! The list every admin screen shows: a titled panel with a table of rows, or a plain
//! sentence when there are none. Headers, the empty state and the table markup live here once.

use leptos::prelude::*;

/// A panel listing rows under `columns`; `empty` says what to do when there are none.
/// `actions` sit beside the heading (a "Manage" link, export links).
#[component]
pub fn ListPanel(
    /// The heading's id, which labels the panel for screen readers.
    heading_id: &'static str,
    #[prop(into)] heading: String,
    columns: &'static [&'static str],
    #[prop(into)] empty: String,
    rows: Vec<AnyView>,
    #[prop(optional)] actions: Option<AnyView>,
    /// Extra classes for the table (e.g. `audit-table`).
    #[prop(optional)]
    table_class: &'static str,
    /// The heading's test id, for screens whose heading says how many rows match.
    #[prop(optional)]
    heading_test_id: Option<&'static str>,
) -> impl IntoView {
    let body = if rows.is_empty() {
        view! { <p class="empty">{empty}</p> }.into_any()
    } else {
        view! {
            <table class=format!("data-table {table_class}")>
                <thead>
                    <tr>{columns.iter().map(|column| view! { <th scope="col">{*column}</th> }).collect_view()}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <section class="panel" aria-labelledby=heading_id>
            <div class="panel-heading">
                <h2 id=heading_id data-testid=heading_test_id>{heading}</h2>
                {actions}
            </div>
            {body}
        </section>
    }
}
