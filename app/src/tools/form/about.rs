//! The "About" section: name, slug and kind (new tools only), description and logo.

use base64::{Engine, engine::general_purpose::STANDARD};
use domain::{
    logo::{MAX_LOGO_BYTES, check_logo},
    tool::KNOWN_KINDS,
};
use leptos::{prelude::*, task::spawn_local};

use super::state::ToolFormState;
use crate::{
    admin::pages::slug_from,
    components::{SelectField, TextAreaField, TextField},
};

#[component]
pub(super) fn AboutSection(state: ToolFormState) -> AnyView {
    let is_new = state.is_new;
    let on_name = Callback::new(move |text: String| {
        if is_new && !state.slug_edited.get_untracked() {
            state.slug.set(slug_from(&text));
        }
        state.name.set(text);
    });
    view! {
        <fieldset class="tool-form-group">
            <legend>"About"</legend>
            <TextField label="Name" value=state.name on_input=on_name required=true
                node_ref=state.name_input error=state.error("name") />
            {is_new.then(|| view! {
                <TextField label="Slug (used in bindings; cannot change later)" value=state.slug required=true
                    on_input=Callback::new(move |text| { state.slug_edited.set(true); state.slug.set(text); })
                    error=state.error("slug") />
                <SelectField label="Kind" value=state.kind on_change=Callback::new(move |kind| state.kind.set(kind))
                    options=KNOWN_KINDS.iter().map(|(value, label)| ((*value).to_owned(), (*label).to_owned())).collect() />
            })}
            <TextAreaField label="Description" rows="2" value=state.description
                on_input=Callback::new(move |text| state.description.set(text))
                error=state.error("description") />
            <LogoField state />
        </fieldset>
    }
    .into_any()
}

/// The logo picker: checked in the browser (size and format) before it is uploaded on save.
#[component]
fn LogoField(state: ToolFormState) -> AnyView {
    let ToolFormState {
        logo_preview,
        logo_bytes,
        remove_logo,
        logo_error,
        logo_input,
        ..
    } = state;
    let on_logo = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        logo_error.set(None);
        let refuse = move |message: String| {
            logo_error.set(Some(message));
            logo_bytes.set(None);
            input.set_value("");
        };
        if file.size() > MAX_LOGO_BYTES as f64 {
            refuse(format!(
                "{} is {} KB; logos may be at most {} KB.",
                file.name(),
                (file.size() / 1024.0).ceil(),
                MAX_LOGO_BYTES / 1024
            ));
            return;
        }
        spawn_local(async move {
            let read = wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await;
            let Ok(buffer) = read else {
                refuse(format!(
                    "{} could not be read; choose it again.",
                    file.name()
                ));
                return;
            };
            let bytes = js_sys::Uint8Array::new(&buffer).to_vec();
            match check_logo(&bytes) {
                Ok(format) => {
                    logo_preview.set(Some(format!(
                        "data:{};base64,{}",
                        format.content_type(),
                        STANDARD.encode(&bytes)
                    )));
                    logo_bytes.set(Some(bytes));
                    remove_logo.set(false);
                }
                Err(issue) => refuse(format!("{}: {}.", file.name(), issue.message)),
            }
        });
    };
    view! {
        <div class="prop-field">
            <label for="tool-logo-input">"Logo (PNG, JPEG, SVG or WebP, at most 256 KB)"</label>
            <div class="logo-picker">
                {move || logo_preview.get().filter(|_| !remove_logo.get()).map(|src| view! {
                    <img class="tool-logo large" src=src alt="Logo preview" data-testid="logo-preview" />
                })}
                <input id="tool-logo-input" type="file" node_ref=logo_input
                    accept="image/png,image/jpeg,image/svg+xml,image/webp"
                    aria-describedby="logo-error"
                    on:change=on_logo />
                {move || (logo_preview.get().is_some() && !remove_logo.get()).then(|| view! {
                    <button type="button" class="btn-secondary" on:click=move |_| {
                        remove_logo.set(true);
                        logo_bytes.set(None);
                        if let Some(input) = logo_input.get() { input.set_value(""); }
                    }>"Remove logo"</button>
                })}
            </div>
            <p class="field-error" id="logo-error" role="alert" hidden=move || logo_error.with(Option::is_none) && !state.has_issue("logo")>
                {move || logo_error.get().unwrap_or_else(|| state.message_for("logo"))}
            </p>
        </div>
    }
    .into_any()
}
