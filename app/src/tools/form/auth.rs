//! How the tool authenticates: the method, its settings and the stored secret.

use leptos::prelude::*;

use super::state::ToolFormState;
use crate::components::{SelectField, TextField};

const AUTH_TYPES: [(&str, &str); 5] = [
    ("none", "None"),
    ("api_key", "API key"),
    ("bearer", "Bearer token"),
    ("basic", "Basic (user name and password)"),
    ("oauth2_client_credentials", "OAuth2 client credentials"),
];

fn secret_label(auth_type: &str) -> &'static str {
    match auth_type {
        "api_key" => "API key",
        "bearer" => "Bearer token",
        "basic" => "Password",
        _ => "Client secret",
    }
}

fn setter(signal: RwSignal<String>) -> Callback<String> {
    Callback::new(move |text| signal.set(text))
}

fn options(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(value, label)| ((*value).to_owned(), (*label).to_owned()))
        .collect()
}

#[component]
pub(super) fn AuthFields(state: ToolFormState) -> AnyView {
    let auth_type = state.auth_type;
    let key_location = state.key_location;
    view! {
        <SelectField label="Authentication" value=auth_type on_change=setter(auth_type) options=options(&AUTH_TYPES) />
        {move || match auth_type.get().as_str() {
            "api_key" => view! {
                <SelectField label="Send the key in" value=key_location on_change=setter(key_location)
                    options=options(&[("header", "a header"), ("query", "a query parameter")]) />
                <TextField
                    label=Signal::derive(move || if key_location.get() == "query" { "Query parameter name" } else { "Header name" }.to_owned())
                    placeholder="X-API-Key" value=state.key_name on_input=setter(state.key_name)
                    error=state.error("auth.name") />
            }.into_any(),
            "basic" => view! {
                <TextField label="User name" autocomplete="off" value=state.username on_input=setter(state.username)
                    error=state.error("auth.username") />
            }.into_any(),
            "oauth2_client_credentials" => view! {
                <TextField label="Token URL" input_type="url" placeholder="https://login.example.com/oauth2/token"
                    value=state.token_url on_input=setter(state.token_url) error=state.error("auth.token_url") />
                <TextField label="Client ID" value=state.client_id on_input=setter(state.client_id)
                    error=state.error("auth.client_id") />
                <TextField label="Scope (optional)" value=state.scope on_input=setter(state.scope) />
            }.into_any(),
            _ => ().into_any(),
        }}
        <SecretField state />
        {move || (state.has_secret && auth_type.get() == "none").then(|| view! {
            <p class="muted">"Saving removes the stored credentials."</p>
        })}
    }
    .into_any()
}

/// The secret is write-only: a stored one is only named, and can be replaced.
#[component]
fn SecretField(state: ToolFormState) -> AnyView {
    let ToolFormState {
        has_secret,
        auth_type,
        replacing_secret,
        secret,
        ..
    } = state;
    let field = move || {
        (auth_type.get() != "none").then(|| {
            let label = secret_label(&auth_type.get());
            if replacing_secret.get() {
                view! {
                    <TextField label input_type="password" autocomplete="new-password"
                        placeholder=if has_secret { "Enter the new value" } else { "Stored encrypted, never shown again" }
                        value=secret on_input=setter(secret) />
                    {has_secret.then(|| view! {
                        <button type="button" class="btn-link" on:click=move |_| { secret.set(String::new()); replacing_secret.set(false); }>
                            "Keep the stored value"
                        </button>
                    })}
                }
                .into_any()
            } else {
                view! {
                    <p class="secret-state" data-testid="secret-state">
                        {format!("{label}: ")}<strong>"stored (encrypted)"</strong>" "
                        <button type="button" class="btn-secondary" on:click=move |_| replacing_secret.set(true)>
                            {format!("Replace {}", label.to_lowercase())}
                        </button>
                    </p>
                }
                .into_any()
            }
        })
    };
    field.into_any()
}
