//! The "Connection" section: where the tool lives, how it authenticates, the headers sent
//! with every request and its limits.

use domain::tool::HeaderField;
use leptos::prelude::*;

use super::{auth::AuthFields, state::ToolFormState};
use crate::components::TextField;

#[component]
pub(super) fn ConnectionSection(state: ToolFormState) -> AnyView {
    view! {
        <fieldset class="tool-form-group">
            <legend>"Connection"</legend>
            <TextField label="Base URL" required=true placeholder="https://api.example.com or /mock/servicenow"
                value=state.base_url on_input=Callback::new(move |text| state.base_url.set(text))
                error=state.error("base_url") />
            <TextField label="Test path (what the Test button calls; default /)" placeholder="/"
                value=state.test_path on_input=Callback::new(move |text| state.test_path.set(text))
                error=state.error("test_path") />
            <AuthFields state />
            <HeaderRows state />
            <LimitFields state />
        </fieldset>
    }
    .into_any()
}

/// Default headers as editable name/value rows.
#[component]
fn HeaderRows(state: ToolFormState) -> AnyView {
    let headers = state.headers;
    let error = state.error("default_headers");
    view! {
        <div class="prop-field">
            <span id="headers-label">"Default headers (sent with every request)"</span>
            <ul class="header-rows" aria-labelledby="headers-label">
                <For each=move || headers.get() key=|row| row.key let:row>
                    {
                        let position = move || headers.with(|rows| rows.iter().position(|other| other.key == row.key).unwrap_or(0));
                        let name_path = move || format!("default_headers[{}].name", position());
                        let value_path = move || format!("default_headers[{}].value", position());
                        view! {
                            <li class="header-row">
                                <input type="text" placeholder="X-Tenant"
                                    aria-label=move || format!("Header {} name", position() + 1)
                                    aria-invalid=move || state.has_issue(&name_path()).then_some("true")
                                    prop:value=move || row.name.get()
                                    on:input=move |ev| row.name.set(event_target_value(&ev)) />
                                <input type="text" placeholder="value"
                                    aria-label=move || format!("Header {} value", position() + 1)
                                    aria-invalid=move || state.has_issue(&value_path()).then_some("true")
                                    prop:value=move || row.value.get()
                                    on:input=move |ev| row.value.set(event_target_value(&ev)) />
                                <button type="button" class="btn-secondary"
                                    aria-label=move || format!("Remove header {}", position() + 1)
                                    on:click=move |_| headers.update(|rows| rows.retain(|other| other.key != row.key))>
                                    "Remove"
                                </button>
                                <p class="field-error" hidden=move || state.message_for(&name_path()).is_empty() && state.message_for(&value_path()).is_empty()>
                                    {move || [state.message_for(&name_path()), state.message_for(&value_path())].into_iter().filter(|text| !text.is_empty()).collect::<Vec<_>>().join("; ")}
                                </p>
                            </li>
                        }
                    }
                </For>
            </ul>
            <button type="button" class="btn-secondary self-start"
                on:click=move |_| headers.update(|rows| rows.push(state.header_row(HeaderField::default())))>
                "Add header"
            </button>
            {error.line()}
        </div>
    }
    .into_any()
}

/// Rate limit and timeout side by side; their error lines follow the row.
#[component]
fn LimitFields(state: ToolFormState) -> AnyView {
    let (rate_error, timeout_error) = (
        state.error("rate_limit_per_minute"),
        state.error("timeout_seconds"),
    );
    view! {
        <div class="tool-form-row">
            <TextField label="Rate limit (requests per minute)" input_type="number" min="1" inputmode="numeric"
                placeholder="no limit" value=state.rate_limit on_input=Callback::new(move |text| state.rate_limit.set(text))
                error=rate_error.clone() error_elsewhere=true />
            <TextField label="Timeout (seconds, 1–120)" input_type="number" min="1" max="120" inputmode="numeric"
                placeholder="server default" value=state.timeout on_input=Callback::new(move |text| state.timeout.set(text))
                error=timeout_error.clone() error_elsewhere=true />
        </div>
        {rate_error.line()}
        {timeout_error.line()}
    }
    .into_any()
}
