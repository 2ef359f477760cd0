//! Tables with sorting, paging and row filters.

use domain::{
    chart::display_value,
    page::{RowFilter, TableProps, row_passes, sort_rows},
};
use leptos::prelude::*;
use serde_json::Value;

use super::{set_variable, variables};

/// A table whose rows follow the page's search and filter variables, sorted by a clicked
/// header and split into pages. Sort and page live in page variables seeded from the URL, so
/// the header and pager links also work without JavaScript.
pub(super) fn table_view(
    id: &str,
    table: &TableProps,
    rows: Value,
    filters: Vec<RowFilter>,
) -> AnyView {
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
