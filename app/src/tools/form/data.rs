//! The "Data" section (classification and sample answer) and the "Endpoints and SQL
//! statements" section (named operations as JSON).

use domain::tool::DataClassification;
use leptos::prelude::*;

use super::state::ToolFormState;
use crate::components::{SelectField, TextAreaField};

#[component]
pub(super) fn DataSection(state: ToolFormState) -> AnyView {
    let ToolFormState {
        classification,
        sample,
        sample_check,
        ..
    } = state;
    view! {
        <fieldset class="tool-form-group">
            <legend>"Data"</legend>
            <SelectField label="Data classification"
                value=Signal::derive(move || classification.get().as_str().to_owned())
                on_change=Callback::new(move |text: String| {
                    if let Some(class) = DataClassification::parse(&text) { classification.set(class); }
                })
                options=DataClassification::ALL.into_iter().map(|class| (class.as_str().to_owned(), class.label().to_owned())).collect() />
            <TextAreaField label="Sample response (JSON, used for mapping while the tool is unreachable)"
                rows="8" code=true value=sample on_input=Callback::new(move |text| sample.set(text))
                invalid=Signal::derive(move || sample_check.with(Result::is_err) || state.has_issue("sample_response"))
                described_by="sample-check" />
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
    .into_any()
}

#[component]
pub(super) fn OperationsSection(state: ToolFormState) -> AnyView {
    view! {
        <fieldset class="tool-form-group">
            <legend>"Endpoints and SQL statements"</legend>
            <p class="muted">"Named operations offered in the page builder, in the connector manifest format (docs/extending/connectors.md). SQL runs only as defined here; pages supply parameter values."</p>
            <JsonField state label="Endpoints (JSON list)" field="endpoints" text=state.endpoints_text
                hint=r#"[{"name": "open_incidents", "label": "Open incidents", "request": {"path": "/api/incidents", "query": {"state": "open"}}, "root": "result"}]"# />
            <JsonField state label="SQL statements (JSON object, by name)" field="statements" text=state.statements_text
                hint=r#"{"failed_runs": {"sql": "SELECT job, count(*) FROM runs WHERE state = :state GROUP BY job", "parameters": [{"name": "state", "type": "STRING"}]}}"# />
        </fieldset>
    }
    .into_any()
}

/// A JSON text area whose problems (paths inside the JSON) are listed below it.
#[component]
fn JsonField(
    state: ToolFormState,
    label: &'static str,
    field: &'static str,
    text: RwSignal<String>,
    hint: &'static str,
) -> AnyView {
    let described = format!("{field}-issues");
    view! {
        <TextAreaField label rows="6" code=true testid=format!("tool-{field}") placeholder=hint
            invalid=Signal::derive(move || !state.messages_under(field).is_empty())
            described_by=described.clone()
            value=text on_input=Callback::new(move |value| text.set(value)) />
        <ul id=described class="field-error" aria-live="polite">
            {move || state.messages_under(field).into_iter().map(|message| view! { <li>{message}</li> }).collect_view()}
        </ul>
    }
    .into_any()
}
