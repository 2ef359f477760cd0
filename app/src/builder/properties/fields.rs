//! Field helpers bound to one prop of the selected widget: each reads it reactively and
//! writes it as an undoable edit.

use domain::Widget;
use leptos::prelude::*;

use super::{read, write};
use crate::{
    builder::Builder,
    components::{SelectField, TextAreaField, TextField},
};

pub(super) type Getter = fn(&Widget) -> String;
pub(super) type Setter = fn(&mut Widget, String) -> bool;

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

pub(super) fn text_field(
    id: &str,
    label: &'static str,
    multiline: bool,
    (get, set): (Getter, Setter),
) -> AnyView {
    let builder = expect_context::<Builder>();
    let value = {
        let id = id.to_owned();
        Signal::derive(move || read(builder, &id, get))
    };
    let id = id.to_owned();
    let on_input =
        Callback::new(move |text: String| write(builder, &id, |widget| set(widget, text)));
    if multiline {
        view! { <TextAreaField label value on_input commit_on_change=true /> }.into_any()
    } else {
        view! { <TextField label value on_input commit_on_change=true /> }.into_any()
    }
}

pub(super) fn choice_field(
    id: &str,
    label: &'static str,
    options: Vec<(String, String)>,
    (get, set): (Getter, Setter),
) -> AnyView {
    let builder = expect_context::<Builder>();
    let value = {
        let id = id.to_owned();
        Signal::derive(move || read(builder, &id, get))
    };
    let id = id.to_owned();
    let on_change =
        Callback::new(move |choice: String| write(builder, &id, |widget| set(widget, choice)));
    view! { <SelectField label value on_change options /> }.into_any()
}

pub(super) fn check_field(
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

pub(super) fn pairs<T: Copy>(values: &[T], key: fn(T) -> &'static str) -> Vec<(String, String)> {
    values
        .iter()
        .map(|value| {
            let key = key(*value);
            (key.to_owned(), key.replace('_', " "))
        })
        .collect()
}
