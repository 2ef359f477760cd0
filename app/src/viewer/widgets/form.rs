//! Form widgets: fields, client-side checks and submission.

use domain::page::{FieldKind, FormProps};
use leptos::prelude::*;

/// Fields with the browser's required-field checks and messages of our own once hydrated.
pub(super) fn form_view(id: &str, form: &FormProps) -> AnyView {
    use domain::dto::FormSubmission;
    use leptos_router::hooks::{use_params_map, use_query_map};

    // Back from a submission without JavaScript: the redirect says how it went.
    let returned = use_query_map().with_untracked(|query| {
        (query.get("form").as_deref() == Some(id))
            .then(|| {
                domain::page::form_outcome(
                    query.get("submitted").as_deref(),
                    query.get("form_error").as_deref(),
                )
            })
            .flatten()
    });
    let (status, set_status) = signal(returned);
    let (pending, set_pending) = signal(false);
    let fields = form.fields.clone();
    let field_names: Vec<(String, String, bool)> = fields
        .iter()
        .map(|field| (field.name.clone(), field.label.clone(), field.required))
        .collect();
    let form_id = id.to_owned();
    // The server finds the form in the page's own definition; the builder's canvas has none.
    let page = use_params_map().with_untracked(|params| params.get("slug"));
    let draft = use_query_map().with_untracked(|query| query.get("draft").is_some());
    let has_action = form.submit.is_some();
    // Without JavaScript the browser posts the form to the server, which answers with a
    // redirect back here (see `server::forms`).
    let action = page.clone().filter(|_| has_action).map(|slug| {
        let draft = if draft { "?draft=1" } else { "" };
        format!("/p/{slug}/forms/{id}{draft}")
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if pending.get_untracked() {
            return;
        }
        let form: web_sys::HtmlFormElement = event_target(&ev);
        let value = |name: &str| form_value(&form, &format!("{form_id}-{name}"));
        let missing: Vec<String> = field_names
            .iter()
            .filter(|(name, _, required)| *required && value(name).trim().is_empty())
            .map(|(_, label, _)| label.clone())
            .collect();
        if !missing.is_empty() {
            set_status.set(Some(format!("Please fill in: {}", missing.join(", "))));
            return;
        }
        let page = match (has_action, page.clone()) {
            (false, _) => {
                set_status.set(Some(
                    "This form has no submit action configured yet.".to_owned(),
                ));
                return;
            }
            (true, None) => {
                set_status.set(Some(
                    "Forms send their values from the page itself.".to_owned(),
                ));
                return;
            }
            (true, Some(page)) => page,
        };
        let submission = FormSubmission {
            page,
            widget: form_id.clone(),
            values: field_names
                .iter()
                .map(|(name, _, _)| (name.clone(), value(name)))
                .collect(),
            draft,
        };
        set_pending.set(true);
        set_status.set(Some("Submitting…".to_owned()));
        leptos::task::spawn_local(async move {
            let message = match crate::viewer::api::submit_form(submission).await {
                Ok(submitted) => {
                    form.reset();
                    submitted.message
                }
                // Validation issues read better one by one than as the summary.
                Err(err) if !err.0.issues.is_empty() => err
                    .0
                    .issues
                    .iter()
                    .map(|issue| issue.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
                Err(err) => err.message().to_owned(),
            };
            // The page may have been rebuilt (a refresh) while the tool answered.
            let _ = set_status.try_set(Some(message));
            let _ = set_pending.try_set(false);
        });
    };
    view! {
        <form class="widget-form" id=form_dom_id(id) method="post" action=action novalidate on:submit=on_submit>
            {fields
                .into_iter()
                .map(|field| {
                    let input_id = format!("{id}-{}", field.name);
                    let required = field.required;
                    let label = view! {
                        <span>{field.label.clone()} {required.then_some(view! { <abbr title="required">" *"</abbr> })}</span>
                    };
                    match field.kind {
                        FieldKind::Select => view! {
                            <label>
                                {label}
                                <select id=input_id.clone() name=input_id required=required>
                                    <option value="">"Choose…"</option>
                                    {field.options.iter().map(|option| view! { <option>{option.clone()}</option> }).collect_view()}
                                </select>
                            </label>
                        }
                        .into_any(),
                        FieldKind::Radio => view! {
                            <fieldset>
                                <legend>{label}</legend>
                                {field
                                    .options
                                    .iter()
                                    .map(|option| view! {
                                        <label class="inline-choice">
                                            <input type="radio" name=input_id.clone() value=option.clone() required=required />
                                            {option.clone()}
                                        </label>
                                    })
                                    .collect_view()}
                            </fieldset>
                        }
                        .into_any(),
                        FieldKind::Checkbox => view! {
                            <label class="inline-choice">
                                <input type="checkbox" id=input_id.clone() name=input_id required=required />
                                {label}
                            </label>
                        }
                        .into_any(),
                        kind => view! {
                            <label>
                                {label}
                                <input type=kind.as_str() id=input_id.clone() name=input_id required=required />
                            </label>
                        }
                        .into_any(),
                    }
                })
                .collect_view()}
            <button type="submit" class="btn-primary" prop:disabled=move || pending.get()>
                {form.submit_label.clone()}
            </button>
            <p role="status" class="form-status">{move || status.get()}</p>
        </form>
    }
    .into_any()
}

/// The document id of a form widget's `<form>`, which Submit buttons point at.
pub(super) fn form_dom_id(widget_id: &str) -> String {
    format!("form-{widget_id}")
}

/// The value of a named control in a form (checked state for checkboxes, the chosen radio).
fn form_value(form: &web_sys::HtmlFormElement, name: &str) -> String {
    use wasm_bindgen::JsCast;
    let Some(data) = form.elements().named_item(name) else {
        return String::new();
    };
    if let Some(input) = data.dyn_ref::<web_sys::HtmlInputElement>() {
        return match input.type_().as_str() {
            "checkbox" if !input.checked() => String::new(),
            _ => input.value(),
        };
    }
    if let Some(select) = data.dyn_ref::<web_sys::HtmlSelectElement>() {
        return select.value();
    }
    if let Some(radios) = data.dyn_ref::<web_sys::RadioNodeList>() {
        return radios.value();
    }
    String::new()
}
