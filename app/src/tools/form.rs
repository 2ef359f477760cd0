//! The add/edit form of the Tool Manager. Fields are checked with the same domain rules the
//! server applies, so mistakes show next to their field before anything is sent; the
//! server's answer is mapped onto the same fields.

use base64::{Engine, engine::general_purpose::STANDARD};
use domain::{
    ValidationIssue,
    dto::{NewToolRequest, ToolDetails, ToolEdit, ToolSummary},
    logo::{MAX_LOGO_BYTES, check_logo},
    tool::{
        ApiKeyLocation, DataClassification, HeaderField, KNOWN_KINDS, ToolAuth, ToolSettings,
        parse_sample,
    },
};
use leptos::{html, prelude::*, task::spawn_local};

use super::api;
use crate::{AppError, admin::pages::slug_from};

#[derive(Clone, Debug, PartialEq)]
pub enum FormMode {
    New,
    Edit(Box<ToolDetails>),
}

#[derive(Clone, Copy)]
struct HeaderRow {
    key: u32,
    name: RwSignal<String>,
    value: RwSignal<String>,
}

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

/// A number field: blank is "not set".
fn optional_number(text: &str, path: &str, issues: &mut Vec<ValidationIssue>) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    match text.parse::<u32>() {
        Ok(number) => Some(number),
        Err(_) => {
            issues.push(ValidationIssue::new(path, "enter a whole number"));
            None
        }
    }
}

/// Pretty JSON for a textarea, or nothing when there is nothing to show.
fn json_or_blank<T: serde::Serialize>(value: &T, is_empty: fn(&T) -> bool) -> String {
    if is_empty(value) {
        String::new()
    } else {
        serde_json::to_string_pretty(value).unwrap_or_default()
    }
}

/// A JSON textarea read as `T` (blank = empty), naming the place of a syntax or shape error.
fn parse_json_field<T: serde::de::DeserializeOwned + Default>(
    text: &str,
    path: &str,
    issues: &mut Vec<ValidationIssue>,
) -> T {
    if text.trim().is_empty() {
        return T::default();
    }
    let mut reader = serde_json::Deserializer::from_str(text);
    match serde_path_to_error::deserialize(&mut reader) {
        Ok(value) => value,
        Err(err) => {
            let at = match err.path().to_string() {
                at if at == "." => String::new(),
                at if at.starts_with('[') => at,
                at => format!(".{at}"),
            };
            issues.push(ValidationIssue::new(
                format!("{path}{at}"),
                err.inner().to_string(),
            ));
            T::default()
        }
    }
}

#[component]
pub fn ToolForm(
    mode: FormMode,
    on_close: Callback<()>,
    on_saved: Callback<String>,
) -> impl IntoView {
    let (existing, edit, opened_at): (Option<ToolSummary>, ToolEdit, _) = match mode {
        FormMode::New => (None, ToolEdit::default(), None),
        FormMode::Edit(details) => (
            Some(details.summary),
            details.edit,
            Some(details.updated_at),
        ),
    };
    let is_new = existing.is_none();
    // Set once a new tool is created, so a retry after a failed logo upload edits it.
    let saved_id = RwSignal::new(existing.as_ref().map(|tool| tool.id));
    let has_secret = existing.as_ref().is_some_and(|tool| tool.has_secret);

    let name = RwSignal::new(edit.name.clone());
    let slug = RwSignal::new(String::new());
    let slug_edited = RwSignal::new(false);
    let kind = RwSignal::new("rest".to_owned());
    let description = RwSignal::new(edit.settings.description.clone());
    let base_url = RwSignal::new(edit.base_url.clone());
    let test_path = RwSignal::new(edit.settings.test_path.clone().unwrap_or_default());
    let auth_type = RwSignal::new(edit.auth.type_name().to_owned());
    let key_location = RwSignal::new("header".to_owned());
    let key_name = RwSignal::new(String::new());
    let username = RwSignal::new(String::new());
    let token_url = RwSignal::new(String::new());
    let client_id = RwSignal::new(String::new());
    let scope = RwSignal::new(String::new());
    match &edit.auth {
        ToolAuth::ApiKey { location, name } => {
            key_location.set(
                if *location == ApiKeyLocation::Query {
                    "query"
                } else {
                    "header"
                }
                .to_owned(),
            );
            key_name.set(name.clone());
        }
        ToolAuth::Basic { username: user } => username.set(user.clone()),
        ToolAuth::Oauth2ClientCredentials {
            token_url: url,
            client_id: id,
            scope: wanted,
        } => {
            token_url.set(url.clone());
            client_id.set(id.clone());
            scope.set(wanted.clone().unwrap_or_default());
        }
        ToolAuth::None | ToolAuth::Bearer => {}
    }
    let replacing_secret = RwSignal::new(!has_secret);
    let secret = RwSignal::new(String::new());
    let next_key = StoredValue::new(0_u32);
    let new_row = move |header: HeaderField| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        HeaderRow {
            key,
            name: RwSignal::new(header.name),
            value: RwSignal::new(header.value),
        }
    };
    let headers = RwSignal::new(
        edit.settings
            .default_headers
            .iter()
            .cloned()
            .map(new_row)
            .collect::<Vec<_>>(),
    );
    let rate_limit = RwSignal::new(
        edit.settings
            .rate_limit_per_minute
            .map(|n| n.to_string())
            .unwrap_or_default(),
    );
    let timeout = RwSignal::new(
        edit.settings
            .timeout_seconds
            .map(|n| n.to_string())
            .unwrap_or_default(),
    );
    let classification = RwSignal::new(edit.settings.classification);
    let sample = RwSignal::new(edit.sample_response.clone().unwrap_or_default());
    let endpoints_text = RwSignal::new(json_or_blank(&edit.settings.endpoints, Vec::is_empty));
    let statements_text = RwSignal::new(json_or_blank(
        &edit.settings.statements,
        std::collections::BTreeMap::is_empty,
    ));

    let logo_preview = RwSignal::new(existing.as_ref().and_then(ToolSummary::logo_src));
    let logo_bytes = RwSignal::new(None::<Vec<u8>>);
    let remove_logo = RwSignal::new(false);
    let logo_error = RwSignal::new(None::<String>);
    let logo_input = NodeRef::<html::Input>::new();

    let issues = RwSignal::new(Vec::<ValidationIssue>::new());
    let form_error = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let name_input = NodeRef::<html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = name_input.get() {
            let _ = input.focus();
        }
    });

    let message_for = move |path: String| {
        issues.with(|all| {
            all.iter()
                .filter(|issue| issue.path == path)
                .map(|issue| issue.message.clone())
                .collect::<Vec<_>>()
                .join("; ")
        })
    };
    let has_issue = move |path: &str| issues.with(|all| all.iter().any(|issue| issue.path == path));
    // Endpoint and statement problems point inside the JSON: list them under its field.
    let messages_under = move |prefix: &'static str| {
        issues.with(|all| {
            all.iter()
                .filter(|issue| issue.path.starts_with(prefix))
                .map(|issue| issue.to_string())
                .collect::<Vec<_>>()
        })
    };

    let sample_check =
        Memo::new(move |_| sample.with(|text| parse_sample(text).map(|parsed| parsed.is_some())));

    let auth_from_fields = move || match auth_type.get_untracked().as_str() {
        "api_key" => ToolAuth::ApiKey {
            location: if key_location.get_untracked() == "query" {
                ApiKeyLocation::Query
            } else {
                ApiKeyLocation::Header
            },
            name: key_name.get_untracked().trim().to_owned(),
        },
        "bearer" => ToolAuth::Bearer,
        "basic" => ToolAuth::Basic {
            username: username.get_untracked().trim().to_owned(),
        },
        "oauth2_client_credentials" => ToolAuth::Oauth2ClientCredentials {
            token_url: token_url.get_untracked().trim().to_owned(),
            client_id: client_id.get_untracked().trim().to_owned(),
            scope: Some(scope.get_untracked().trim().to_owned()).filter(|scope| !scope.is_empty()),
        },
        _ => ToolAuth::None,
    };

    // Everything the form holds, checked by the domain's rules.
    let collect = move || -> Result<ToolEdit, Vec<ValidationIssue>> {
        let mut found = Vec::new();
        let rate_limit_per_minute = optional_number(
            &rate_limit.get_untracked(),
            "rate_limit_per_minute",
            &mut found,
        );
        let timeout_seconds =
            optional_number(&timeout.get_untracked(), "timeout_seconds", &mut found);
        let endpoints = parse_json_field(&endpoints_text.get_untracked(), "endpoints", &mut found);
        let statements =
            parse_json_field(&statements_text.get_untracked(), "statements", &mut found);
        let edit = ToolEdit {
            name: name.get_untracked().trim().to_owned(),
            base_url: base_url.get_untracked().trim().to_owned(),
            auth: auth_from_fields(),
            settings: ToolSettings {
                description: description.get_untracked().trim().to_owned(),
                default_headers: headers
                    .get_untracked()
                    .iter()
                    .map(|row| HeaderField {
                        name: row.name.get_untracked().trim().to_owned(),
                        value: row.value.get_untracked(),
                    })
                    .collect(),
                rate_limit_per_minute,
                timeout_seconds,
                classification: classification.get_untracked(),
                test_path: Some(test_path.get_untracked().trim().to_owned())
                    .filter(|path| !path.is_empty()),
                endpoints,
                statements,
            },
            sample_response: Some(sample.get_untracked()),
            base_updated_at: opened_at,
        };
        if is_new
            && saved_id.get_untracked().is_none()
            && !domain::page::is_valid_slug(&slug.get_untracked())
        {
            found.push(ValidationIssue::new(
                "slug",
                "use 1–80 lowercase letters, digits and single hyphens, e.g. servicenow-eu",
            ));
        }
        if let Err(more) = edit.validate() {
            found.extend(more);
        }
        if found.is_empty() {
            Ok(edit)
        } else {
            Err(found)
        }
    };

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form_error.set(None);
        let edit = match collect() {
            Ok(edit) => edit,
            Err(found) => {
                form_error.set(Some(format!(
                    "{} to fix before saving.",
                    if found.len() == 1 {
                        "One problem".to_owned()
                    } else {
                        format!("{} problems", found.len())
                    }
                )));
                issues.set(found);
                return;
            }
        };
        issues.set(Vec::new());
        saving.set(true);
        let new_secret = Some(secret.get_untracked())
            .filter(|secret| !secret.is_empty() && edit.auth.needs_secret());
        let tool_name = edit.name.clone();
        spawn_local(async move {
            let saved: Result<ToolSummary, AppError> = async {
                let summary = match saved_id.get_untracked() {
                    None => {
                        let created = api::create_tool(NewToolRequest::from_edit(
                            slug.get_untracked(),
                            kind.get_untracked(),
                            edit,
                            new_secret,
                        ))
                        .await?;
                        saved_id.set(Some(created.id));
                        created
                    }
                    Some(id) => {
                        let updated = api::update_tool(id, edit).await?;
                        if let Some(secret) = new_secret {
                            api::set_tool_secret(id, secret).await?;
                        }
                        updated
                    }
                };
                if let Some(bytes) = logo_bytes.get_untracked() {
                    api::upload_tool_logo(summary.id, STANDARD.encode(bytes)).await?;
                } else if remove_logo.get_untracked() {
                    api::remove_tool_logo(summary.id).await?;
                }
                Ok(summary)
            }
            .await;
            saving.set(false);
            match saved {
                Ok(_) => on_saved.run(tool_name),
                Err(err) => {
                    form_error.set(Some(err.message().to_owned()));
                    issues.set(err.0.issues.clone());
                }
            }
        });
    };

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

    let heading = if is_new {
        "Add tool".to_owned()
    } else {
        format!("Edit {}", edit.name)
    };
    let field = |path: &'static str| {
        (
            path,
            format!("error-{}", path.replace(['.', '[', ']'], "-")),
        )
    };
    let error_line = move |(path, id): (&'static str, String)| {
        view! {
            <p class="field-error" id=id hidden=move || !has_issue(path)>{move || message_for(path.to_owned())}</p>
        }
    };
    let invalid = move |path: &'static str| move || has_issue(path).then_some("true");

    // Each part is type-erased: one view of this size overflows the compiler's type depth.
    let about_view = view! {
                <fieldset class="tool-form-group">
                    <legend>"About"</legend>
                    <label class="prop-field">
                        <span>"Name"</span>
                        <input type="text" node_ref=name_input required
                            aria-invalid=invalid("name") aria-describedby=field("name").1
                            prop:value=move || name.get()
                            on:input=move |ev| {
                                let text = event_target_value(&ev);
                                if is_new && !slug_edited.get_untracked() { slug.set(slug_from(&text)); }
                                name.set(text);
                            } />
                    </label>
                    {error_line(field("name"))}
                    {is_new.then(|| view! {
                        <label class="prop-field">
                            <span>"Slug (used in bindings; cannot change later)"</span>
                            <input type="text" required
                                aria-invalid=invalid("slug") aria-describedby=field("slug").1
                                prop:value=move || slug.get()
                                on:input=move |ev| { slug_edited.set(true); slug.set(event_target_value(&ev)); } />
                        </label>
                        {error_line(field("slug"))}
                        <label class="prop-field">
                            <span>"Kind"</span>
                            <select on:change=move |ev| kind.set(event_target_value(&ev))>
                                {KNOWN_KINDS.iter().map(|(value, label)| view! {
                                    <option value=*value selected=move || kind.get() == *value>{*label}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    })}
                    <label class="prop-field">
                        <span>"Description"</span>
                        <textarea rows="2" aria-invalid=invalid("description") aria-describedby=field("description").1
                            prop:value=move || description.get()
                            on:input=move |ev| description.set(event_target_value(&ev))></textarea>
                    </label>
                    {error_line(field("description"))}
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
                        <p class="field-error" id="logo-error" role="alert" hidden=move || logo_error.with(Option::is_none) && !has_issue("logo")>
                            {move || logo_error.get().unwrap_or_else(|| message_for("logo".to_owned()))}
                        </p>
                    </div>
                </fieldset>
    }
    .into_any();
    let headers_view = view! {
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
                                                aria-invalid=move || issues.with(|all| all.iter().any(|issue| issue.path == name_path())).then_some("true")
                                                prop:value=move || row.name.get()
                                                on:input=move |ev| row.name.set(event_target_value(&ev)) />
                                            <input type="text" placeholder="value"
                                                aria-label=move || format!("Header {} value", position() + 1)
                                                aria-invalid=move || issues.with(|all| all.iter().any(|issue| issue.path == value_path())).then_some("true")
                                                prop:value=move || row.value.get()
                                                on:input=move |ev| row.value.set(event_target_value(&ev)) />
                                            <button type="button" class="btn-secondary"
                                                aria-label=move || format!("Remove header {}", position() + 1)
                                                on:click=move |_| headers.update(|rows| rows.retain(|other| other.key != row.key))>
                                                "Remove"
                                            </button>
                                            <p class="field-error" hidden=move || message_for(name_path()).is_empty() && message_for(value_path()).is_empty()>
                                                {move || [message_for(name_path()), message_for(value_path())].into_iter().filter(|text| !text.is_empty()).collect::<Vec<_>>().join("; ")}
                                            </p>
                                        </li>
                                    }
                                }
                            </For>
                        </ul>
                        <button type="button" class="btn-secondary self-start"
                            on:click=move |_| headers.update(|rows| rows.push(new_row(HeaderField::default())))>
                            "Add header"
                        </button>
                        {error_line(field("default_headers"))}
                    </div>
    }
    .into_any();
    let limits_view = view! {
                    <div class="tool-form-row">
                        <label class="prop-field">
                            <span>"Rate limit (requests per minute)"</span>
                            <input type="number" min="1" inputmode="numeric" placeholder="no limit"
                                aria-invalid=invalid("rate_limit_per_minute") aria-describedby=field("rate_limit_per_minute").1
                                prop:value=move || rate_limit.get()
                                on:input=move |ev| rate_limit.set(event_target_value(&ev)) />
                        </label>
                        <label class="prop-field">
                            <span>"Timeout (seconds, 1–120)"</span>
                            <input type="number" min="1" max="120" inputmode="numeric" placeholder="server default"
                                aria-invalid=invalid("timeout_seconds") aria-describedby=field("timeout_seconds").1
                                prop:value=move || timeout.get()
                                on:input=move |ev| timeout.set(event_target_value(&ev)) />
                        </label>
                    </div>
                    {error_line(field("rate_limit_per_minute"))}
                    {error_line(field("timeout_seconds"))}
    }
    .into_any();
    let connection_view = view! {
                <fieldset class="tool-form-group">
                    <legend>"Connection"</legend>
                    <label class="prop-field">
                        <span>"Base URL"</span>
                        <input type="text" required placeholder="https://api.example.com or /mock/servicenow"
                            aria-invalid=invalid("base_url") aria-describedby=field("base_url").1
                            prop:value=move || base_url.get()
                            on:input=move |ev| base_url.set(event_target_value(&ev)) />
                    </label>
                    {error_line(field("base_url"))}
                    <label class="prop-field">
                        <span>"Test path (what the Test button calls; default /)"</span>
                        <input type="text" placeholder="/"
                            aria-invalid=invalid("test_path") aria-describedby=field("test_path").1
                            prop:value=move || test_path.get()
                            on:input=move |ev| test_path.set(event_target_value(&ev)) />
                    </label>
                    {error_line(field("test_path"))}
                    <label class="prop-field">
                        <span>"Authentication"</span>
                        <select on:change=move |ev| auth_type.set(event_target_value(&ev))>
                            {AUTH_TYPES.iter().map(|(value, label)| view! {
                                <option value=*value selected=move || auth_type.get() == *value>{*label}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    {move || match auth_type.get().as_str() {
                        "api_key" => view! {
                            <label class="prop-field">
                                <span>"Send the key in"</span>
                                <select on:change=move |ev| key_location.set(event_target_value(&ev))>
                                    <option value="header" selected=move || key_location.get() == "header">"a header"</option>
                                    <option value="query" selected=move || key_location.get() == "query">"a query parameter"</option>
                                </select>
                            </label>
                            <label class="prop-field">
                                <span>{move || if key_location.get() == "query" { "Query parameter name" } else { "Header name" }}</span>
                                <input type="text" placeholder="X-API-Key"
                                    aria-invalid=invalid("auth.name") aria-describedby=field("auth.name").1
                                    prop:value=move || key_name.get()
                                    on:input=move |ev| key_name.set(event_target_value(&ev)) />
                            </label>
                            {error_line(field("auth.name"))}
                        }.into_any(),
                        "basic" => view! {
                            <label class="prop-field">
                                <span>"User name"</span>
                                <input type="text" autocomplete="off"
                                    aria-invalid=invalid("auth.username") aria-describedby=field("auth.username").1
                                    prop:value=move || username.get()
                                    on:input=move |ev| username.set(event_target_value(&ev)) />
                            </label>
                            {error_line(field("auth.username"))}
                        }.into_any(),
                        "oauth2_client_credentials" => view! {
                            <label class="prop-field">
                                <span>"Token URL"</span>
                                <input type="url" placeholder="https://login.example.com/oauth2/token"
                                    aria-invalid=invalid("auth.token_url") aria-describedby=field("auth.token_url").1
                                    prop:value=move || token_url.get()
                                    on:input=move |ev| token_url.set(event_target_value(&ev)) />
                            </label>
                            {error_line(field("auth.token_url"))}
                            <label class="prop-field">
                                <span>"Client ID"</span>
                                <input type="text"
                                    aria-invalid=invalid("auth.client_id") aria-describedby=field("auth.client_id").1
                                    prop:value=move || client_id.get()
                                    on:input=move |ev| client_id.set(event_target_value(&ev)) />
                            </label>
                            {error_line(field("auth.client_id"))}
                            <label class="prop-field">
                                <span>"Scope (optional)"</span>
                                <input type="text" prop:value=move || scope.get() on:input=move |ev| scope.set(event_target_value(&ev)) />
                            </label>
                        }.into_any(),
                        _ => ().into_any(),
                    }}
                    {move || (auth_type.get() != "none").then(|| {
                        let label = secret_label(&auth_type.get());
                        if replacing_secret.get() {
                            view! {
                                <label class="prop-field">
                                    <span>{label}</span>
                                    <input type="password" autocomplete="new-password"
                                        placeholder=if has_secret { "Enter the new value" } else { "Stored encrypted, never shown again" }
                                        prop:value=move || secret.get()
                                        on:input=move |ev| secret.set(event_target_value(&ev)) />
                                </label>
                                {has_secret.then(|| view! {
                                    <button type="button" class="btn-link" on:click=move |_| { secret.set(String::new()); replacing_secret.set(false); }>
                                        "Keep the stored value"
                                    </button>
                                })}
                            }.into_any()
                        } else {
                            view! {
                                <p class="secret-state" data-testid="secret-state">
                                    {format!("{label}: ")}<strong>"stored (encrypted)"</strong>" "
                                    <button type="button" class="btn-secondary" on:click=move |_| replacing_secret.set(true)>
                                        {format!("Replace {}", label.to_lowercase())}
                                    </button>
                                </p>
                            }.into_any()
                        }
                    })}
                    {move || (has_secret && auth_type.get() == "none").then(|| view! {
                        <p class="muted">"Saving removes the stored credentials."</p>
                    })}
                    {headers_view}
                    {limits_view}
                </fieldset>
    }
    .into_any();
    let data_view = view! {
                <fieldset class="tool-form-group">
                    <legend>"Data"</legend>
                    <label class="prop-field">
                        <span>"Data classification"</span>
                        <select on:change=move |ev| {
                            if let Some(class) = DataClassification::parse(&event_target_value(&ev)) { classification.set(class); }
                        }>
                            {DataClassification::ALL.into_iter().map(|class| view! {
                                <option value=class.as_str() selected=move || classification.get() == class>{class.label()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label class="prop-field">
                        <span>"Sample response (JSON, used for mapping while the tool is unreachable)"</span>
                        <textarea rows="8" class="mono" spellcheck="false"
                            aria-invalid=move || (sample_check.with(Result::is_err) || has_issue("sample_response")).then_some("true")
                            aria-describedby="sample-check"
                            prop:value=move || sample.get()
                            on:input=move |ev| sample.set(event_target_value(&ev))></textarea>
                    </label>
                    <p id="sample-check" aria-live="polite" data-testid="sample-check"
                        class=move || if sample_check.with(Result::is_err) { "field-error" } else { "muted" }>
                        {move || match sample_check.get() {
                            Ok(true) => "Valid JSON.".to_owned(),
                            Ok(false) => "No sample.".to_owned(),
                            Err(issue) => issue.message,
                        }}
                    </p>
                </fieldset>
    }
    .into_any();
    let json_field = move |label: &'static str,
                           field: &'static str,
                           text: RwSignal<String>,
                           hint: &'static str| {
        let described = format!("{field}-issues");
        view! {
            <label class="prop-field">
                <span>{label}</span>
                <textarea rows="6" class="mono" spellcheck="false" data-testid=format!("tool-{field}")
                    placeholder=hint
                    aria-invalid=move || (!messages_under(field).is_empty()).then_some("true")
                    aria-describedby=described.clone()
                    prop:value=move || text.get()
                    on:input=move |ev| text.set(event_target_value(&ev))></textarea>
            </label>
            <ul id=described class="field-error" aria-live="polite">
                {move || messages_under(field).into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
            </ul>
        }
    };
    let operations_view = view! {
        <fieldset class="tool-form-group">
            <legend>"Endpoints and SQL statements"</legend>
            <p class="muted">"Named operations offered in the page builder, in the connector manifest format (docs/extending/connectors.md). SQL runs only as defined here; pages supply parameter values."</p>
            {json_field("Endpoints (JSON list)", "endpoints", endpoints_text,
                r#"[{"name": "open_incidents", "label": "Open incidents", "request": {"path": "/api/incidents", "query": {"state": "open"}}, "root": "result"}]"#)}
            {json_field("SQL statements (JSON object, by name)", "statements", statements_text,
                r#"{"failed_runs": {"sql": "SELECT job, count(*) FROM runs WHERE state = :state GROUP BY job", "parameters": [{"name": "state", "type": "STRING"}]}}"#)}
        </fieldset>
    }
    .into_any();
    view! {
        <section
            class="panel tool-form-panel"
            aria-labelledby="tool-form-heading"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                if ev.key() == "Escape" {
                    on_close.run(());
                }
            }
        >
            <h2 id="tool-form-heading">{heading}</h2>
            <form class="tool-form" on:submit=submit novalidate>
                <div role="alert" class="form-error" hidden=move || form_error.with(Option::is_none)>{move || form_error.get()}</div>
                {about_view}
                {connection_view}
                {data_view}
                {operations_view}
                <div class="form-actions">
                    <button type="submit" class="btn-primary" prop:disabled=move || saving.get()>
                        {move || if saving.get() { "Saving…" } else if is_new { "Add tool" } else { "Save changes" }}
                    </button>
                    <button type="button" class="btn-secondary" on:click=move |_| on_close.run(())>"Cancel"</button>
                </div>
            </form>
        </section>
    }
}
