//! Forms submitted without JavaScript: the browser posts the form to
//! `/p/{slug}/forms/{widget}`; the page service checks and sends it exactly as for the
//! `submit_form` server function, and a redirect back to the page says how it went.
//! Outcomes travel as fixed codes (and a checked reference), never as free text, so a
//! crafted link cannot make a page say anything else.

use axum::{
    Extension, Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use backend::auth::RequestSession;
use domain::{ErrorCode, dto::FormSubmission};
use serde::Deserialize;

use crate::AppState;

#[derive(Deserialize)]
pub struct DraftQuery {
    #[serde(default)]
    draft: Option<String>,
}

/// What the page shows after a form came back without JavaScript: `form` names the
/// widget, then `submitted` (the created record's reference, may be empty) or `form_error`.
pub async fn submit_without_js(
    State(state): State<AppState>,
    Extension(session): Extension<RequestSession>,
    Path((slug, widget)): Path<(String, String)>,
    Query(query): Query<DraftQuery>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    // Both end up in the redirect's Location header: no page has any other slug, and a
    // widget id that is not a plain name gets no fragment.
    if !domain::page::is_valid_slug(&slug) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let draft = query.draft.is_some();
    let page = format!("/p/{slug}");
    let Ok(user) = session.require() else {
        let next = serde_urlencoded::to_string([("next", page.as_str())]).unwrap_or_default();
        return Redirect::to(&format!("/login?{next}")).into_response();
    };
    let prefix = format!("{widget}-");
    let values = fields
        .into_iter()
        .filter_map(|(name, value)| Some((name.strip_prefix(&prefix)?.to_owned(), value)))
        .collect();
    let submission = FormSubmission {
        page: slug,
        widget: widget.clone(),
        values,
        draft,
    };
    let outcome = match state.services.pages.submit_form(user, submission).await {
        Ok(submitted) => (
            "submitted",
            submitted
                .reference
                .filter(|reference| domain::page::is_safe_reference(reference))
                .unwrap_or_default(),
        ),
        Err(err) => {
            let code = match err.code() {
                ErrorCode::Validation => "invalid",
                ErrorCode::Forbidden | ErrorCode::NotFound => "unavailable",
                _ => "failed",
            };
            ("form_error", code.to_owned())
        }
    };
    let mut query = vec![("form", widget.as_str()), (outcome.0, outcome.1.as_str())];
    if draft {
        query.insert(0, ("draft", "1"));
    }
    let query = serde_urlencoded::to_string(&query).unwrap_or_default();
    let fragment = if is_plain_name(&widget) {
        format!("#form-{widget}")
    } else {
        String::new()
    };
    Redirect::to(&format!("{page}?{query}{fragment}")).into_response()
}

fn is_plain_name(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}
