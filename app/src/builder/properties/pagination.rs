//! How a binding follows a paged source.

use leptos::prelude::*;

use super::{read, write};
use crate::builder::Builder;

/// How a binding follows a paged source: style, where the items are, page size, how far.
#[component]
pub(super) fn PaginationFields(id: String) -> impl IntoView {
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
