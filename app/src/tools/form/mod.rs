//! The add/edit form of the Tool Manager. Fields are checked with the same domain rules the
//! server applies, so mistakes show next to their field before anything is sent; the
//! server's answer is mapped onto the same fields. The sections share one [`ToolFormState`].

mod about;
mod auth;
mod connection;
mod data;
mod state;

use base64::{Engine, engine::general_purpose::STANDARD};
use domain::dto::{NewToolRequest, ToolDetails, ToolEdit, ToolSummary};
use leptos::{prelude::*, task::spawn_local};

use super::api;
use crate::AppError;
use about::AboutSection;
use connection::ConnectionSection;
use data::{DataSection, OperationsSection};
use state::ToolFormState;

#[derive(Clone, Debug, PartialEq)]
pub enum FormMode {
    New,
    Edit(Box<ToolDetails>),
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
    let state = ToolFormState::new(existing.as_ref(), &edit, opened_at);
    let is_new = state.is_new;
    let ToolFormState {
        form_error,
        issues,
        saving,
        ..
    } = state;
    Effect::new(move |_| {
        if let Some(input) = state.name_input.get() {
            let _ = input.focus();
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        form_error.set(None);
        let edit = match state.collect() {
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
        let new_secret = Some(state.secret.get_untracked())
            .filter(|secret| !secret.is_empty() && edit.auth.needs_secret());
        let tool_name = edit.name.clone();
        spawn_local(async move {
            let saved = save(state, edit, new_secret).await;
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

    let heading = if is_new {
        "Add tool".to_owned()
    } else {
        format!("Edit {}", edit.name)
    };
    // Each section is its own component returning an `AnyView`: one view of this size
    // overflows the compiler's type depth.
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
                <AboutSection state />
                <ConnectionSection state />
                <DataSection state />
                <OperationsSection state />
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

/// Creates or updates the tool, then its secret and logo. A created tool's id is kept, so a
/// retry after a failed logo upload edits it instead of creating it twice.
async fn save(
    state: ToolFormState,
    edit: ToolEdit,
    new_secret: Option<String>,
) -> Result<ToolSummary, AppError> {
    let summary = match state.saved_id.get_untracked() {
        None => {
            let created = api::create_tool(NewToolRequest::from_edit(
                state.slug.get_untracked(),
                state.kind.get_untracked(),
                edit,
                new_secret,
            ))
            .await?;
            state.saved_id.set(Some(created.id));
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
    if let Some(bytes) = state.logo_bytes.get_untracked() {
        api::upload_tool_logo(summary.id, STANDARD.encode(bytes)).await?;
    } else if state.remove_logo.get_untracked() {
        api::remove_tool_logo(summary.id).await?;
    }
    Ok(summary)
}
