//! Form submissions: values a user filled in, checked against the page's own definition of
//! the form (never the browser's), sent once to the form's tool and recorded in the audit log.

use domain::{
    Action, WidgetProps,
    access::{Resource, ResourceKind},
    audit::AuditAction,
    chart::display_value,
    dto::{FormSubmission, FormSubmitted, SessionUser},
};
use serde_json::{Value, json};

use super::PageService;
use crate::{Error, Result, connector::ConnectorError, entities::page, scoped::OrgScoped};

impl PageService {
    /// Sends a form's values to its tool. The page is the one the caller sees (published,
    /// or the draft for editors asking for it); a form on a page or for a role the caller
    /// may not see is "not found". Values are checked and typed per field on the server; the
    /// request is a write: one attempt, no cache.
    pub async fn submit_form(
        &self,
        actor: &SessionUser,
        submission: FormSubmission,
    ) -> Result<FormSubmitted> {
        crate::authorize(
            actor,
            Action::SubmitForm,
            Resource::new(ResourceKind::Page, actor.org_id),
        )?;
        let model = self.by_slug(actor.org_id, &submission.page).await?;
        let definition = Self::visible_definition(actor, &model, submission.draft)?;
        let form = match definition.widget(&submission.widget).map(|w| &w.props) {
            Some(WidgetProps::Form(form)) => form,
            _ => return Err(Error::NotFound("form")),
        };
        let submit = form.submit.as_ref().ok_or_else(|| {
            Error::validation("widget", "this form has no submit action configured yet")
        })?;
        let values = form
            .typed_values(&submission.values)
            .map_err(Error::Validation)?;
        let target = self
            .tools
            .target_for(actor.org_id, &submit.tool)
            .await?
            .ok_or_else(|| Error::Upstream(ConnectorError::UnknownTool(submit.tool.clone())))?;
        let request = submit.request.rendered(&values);
        let outcome = self.connectors.submit(&target, &request).await;
        let reference = match (&outcome, &submit.reference) {
            (Ok(answer), Some(expression)) => reference_in(answer, expression),
            _ => None,
        };
        // After the call, so the outcome is on record. A failed audit write must not turn a
        // created record into an error: people would submit it again.
        let entry = json!({
            "widget": submission.widget,
            "tool": submit.tool,
            "method": request.method.as_str(),
            "path": request.path,
            "values": values,
            "outcome": if outcome.is_ok() { "submitted" } else { "failed" },
            "reference": reference,
            "error": outcome.as_ref().err().map(ToString::to_string),
        });
        if let Err(err) = self
            .changes
            .record(
                actor,
                AuditAction::FormSubmit,
                page::Entity::resource(&model),
                model.id,
                entry,
            )
            .await
        {
            tracing::error!(error = %err, page = model.id, widget = %submission.widget, "form submission not audited");
        }
        match outcome {
            Ok(_) => Ok(FormSubmitted {
                message: match &reference {
                    Some(reference) => format!("Submitted: {reference}"),
                    None => "Submitted.".to_owned(),
                },
                reference,
            }),
            Err(err) => Err(Error::Upstream(err)),
        }
    }
}

/// The created record's reference in the tool's answer, as text.
fn reference_in(answer: &Value, expression: &str) -> Option<String> {
    let value = crate::connector::evaluator::search(expression, answer).ok()?;
    (!value.is_null()).then(|| display_value(&value))
}
