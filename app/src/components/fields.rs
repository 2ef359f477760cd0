//! Labelled text, text-area and select fields. The label wraps its control, so the label
//! names it without an `id`; a given `id` is also set as `for`, for controls referred to
//! elsewhere.

use leptos::{html, prelude::*};

/// The error line of a field: its element id (for `aria-describedby`) and its message, if
/// any. A field with a message is marked `aria-invalid`.
#[derive(Clone)]
pub struct FieldError {
    pub id: String,
    pub message: Signal<Option<String>>,
}

impl FieldError {
    pub fn new(id: impl Into<String>, message: Signal<Option<String>>) -> Self {
        Self {
            id: id.into(),
            message,
        }
    }

    /// The error line itself; fields render it unless it is placed elsewhere.
    pub fn line(&self) -> impl IntoView + use<> {
        let message = self.message;
        view! {
            <p class="field-error" id=self.id.clone() hidden=move || message.with(Option::is_none)>
                {move || message.get()}
            </p>
        }
    }
}

/// What `aria-invalid` and `aria-describedby` say for a field.
fn aria_of(
    error: &Option<FieldError>,
    invalid: Option<Signal<bool>>,
    described_by: Option<String>,
) -> (impl Fn() -> Option<&'static str> + use<>, Option<String>) {
    let message = error.as_ref().map(|error| error.message);
    let invalid = move || {
        let invalid = invalid.is_some_and(|invalid| invalid.get())
            || message.is_some_and(|message| message.with(Option::is_some));
        invalid.then_some("true")
    };
    let described = described_by.or_else(|| error.as_ref().map(|error| error.id.clone()));
    (invalid, described)
}

/// One line of text. `commit_on_change` reports the value when the field is left (one undo
/// step per edit) instead of on every keystroke.
#[component]
pub fn TextField(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(optional)] commit_on_change: bool,
    #[prop(optional)] error: Option<FieldError>,
    /// The error line is rendered by the caller (e.g. below a row of fields).
    #[prop(optional)]
    error_elsewhere: bool,
    #[prop(optional, into)] invalid: Option<Signal<bool>>,
    #[prop(optional, into)] described_by: Option<String>,
    #[prop(default = "text")] input_type: &'static str,
    #[prop(optional, into)] id: Option<String>,
    #[prop(default = "prop-field")] class: &'static str,
    #[prop(optional)] input_class: Option<&'static str>,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] inputmode: Option<&'static str>,
    #[prop(optional)] min: Option<&'static str>,
    #[prop(optional)] max: Option<&'static str>,
    #[prop(optional)] node_ref: NodeRef<html::Input>,
) -> AnyView {
    let (aria_invalid, aria_describedby) = aria_of(&error, invalid, described_by);
    let report = move |ev| on_input.run(event_target_value(&ev));
    let input = if commit_on_change {
        view! {
            <input type=input_type id=id.clone() class=input_class placeholder=placeholder required=required
                autocomplete=autocomplete inputmode=inputmode min=min max=max node_ref=node_ref
                aria-invalid=aria_invalid aria-describedby=aria_describedby
                prop:value=move || value.get()
                on:change=report />
        }
        .into_any()
    } else {
        view! {
            <input type=input_type id=id.clone() class=input_class placeholder=placeholder required=required
                autocomplete=autocomplete inputmode=inputmode min=min max=max node_ref=node_ref
                aria-invalid=aria_invalid aria-describedby=aria_describedby
                prop:value=move || value.get()
                on:input=report />
        }
        .into_any()
    };
    view! {
        <label class=class for=id>
            <span>{move || label.get()}</span>
            {input}
        </label>
        {error.filter(|_| !error_elsewhere).map(|error| error.line())}
    }
    .into_any()
}

/// Several lines of text; see [`TextField`] for `commit_on_change`.
#[component]
pub fn TextAreaField(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] value: Signal<String>,
    on_input: Callback<String>,
    #[prop(optional)] commit_on_change: bool,
    #[prop(optional)] error: Option<FieldError>,
    #[prop(optional, into)] invalid: Option<Signal<bool>>,
    #[prop(optional, into)] described_by: Option<String>,
    #[prop(default = "4")] rows: &'static str,
    /// Code or JSON: monospaced, no spell checking.
    #[prop(optional)]
    code: bool,
    #[prop(optional)] placeholder: Option<&'static str>,
    #[prop(optional, into)] testid: Option<String>,
) -> AnyView {
    let (aria_invalid, aria_describedby) = aria_of(&error, invalid, described_by);
    let report = move |ev| on_input.run(event_target_value(&ev));
    let (class, spellcheck) = if code {
        (Some("mono"), Some("false"))
    } else {
        (None, None)
    };
    let area = if commit_on_change {
        view! {
            <textarea rows=rows class=class spellcheck=spellcheck placeholder=placeholder data-testid=testid.clone()
                aria-invalid=aria_invalid aria-describedby=aria_describedby
                prop:value=move || value.get()
                on:change=report></textarea>
        }
        .into_any()
    } else {
        view! {
            <textarea rows=rows class=class spellcheck=spellcheck placeholder=placeholder data-testid=testid.clone()
                aria-invalid=aria_invalid aria-describedby=aria_describedby
                prop:value=move || value.get()
                on:input=report></textarea>
        }
        .into_any()
    };
    view! {
        <label class="prop-field">
            <span>{move || label.get()}</span>
            {area}
        </label>
        {error.map(|error| error.line())}
    }
    .into_any()
}

/// A choice among `(value, text)` options. The current value is marked `selected` (so
/// server-rendered pages show it) and set as the select's value (so later changes show).
#[component]
pub fn SelectField(
    #[prop(into)] label: Signal<String>,
    #[prop(into)] value: Signal<String>,
    on_change: Callback<String>,
    options: Vec<(String, String)>,
) -> AnyView {
    view! {
        <label class="prop-field">
            <span>{move || label.get()}</span>
            <select prop:value=move || value.get() on:change=move |ev| on_change.run(event_target_value(&ev))>
                {options
                    .into_iter()
                    .map(|(option, text)| {
                        let current = option.clone();
                        view! { <option value=option selected=move || value.with(|value| *value == current)>{text}</option> }
                    })
                    .collect_view()}
            </select>
        </label>
    }
    .into_any()
}
