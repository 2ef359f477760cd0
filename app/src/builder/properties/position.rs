//! Where the widget sits on the grid, and its style.

use domain::{
    Widget, layout,
    page::{Align, TextSize},
};
use leptos::prelude::*;

use super::fields::{check_field, choice_field, pairs};
use crate::{builder::Builder, components::TextField};

#[component]
pub(super) fn PositionFields(id: String) -> impl IntoView {
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
        let value =
            Signal::derive(move || rect.get().map(|r| part(r).to_string()).unwrap_or_default());
        let on_input = Callback::new(move |text: String| {
            let Ok(value) = text.parse::<u16>() else {
                return;
            };
            let Some(current) = rect.get_untracked() else {
                return;
            };
            let next = set(current, value);
            let id = id.clone();
            builder.layout_edit(move |layout, breakpoint| {
                let moved = layout::move_to(layout, breakpoint, &id, next.x, next.y);
                let resized = layout::resize(layout, breakpoint, &id, next.w, next.h);
                moved | resized
            });
        });
        view! { <TextField label value on_input commit_on_change=true class="prop-number" input_type="number" min="0" /> }
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

/// Alignment, text size and emphasis, shared by every widget type.
#[component]
pub(super) fn StyleFields(id: String) -> impl IntoView {
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
