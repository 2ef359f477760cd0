//! Forms: their fields, what a submission sends, and how submitted values are checked.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{HttpMethod, RequestSpec, check_request};
use crate::{
    ValidationIssue,
    request::{GraphqlOperation, RequestBody, Variables, graphql_operation},
};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormProps {
    pub fields: Vec<FormField>,
    #[serde(default = "default_submit_label")]
    pub submit_label: String,
    /// Where the values go; without it the form only checks its required fields. Boxed:
    /// most forms in a page's widget list have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit: Option<Box<SubmitAction>>,
}

/// A form's submit action: one request to a tool, its body filled from the form's values
/// with `{{field_name}}` placeholders. It runs on the server, once per submission: never
/// cached, never retried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitAction {
    /// Slug of the registered tool.
    pub tool: String,
    /// A POST, e.g. `{"method": "POST", "path": "/api/now/table/incident", "body":
    /// {"kind": "json", "template": {"short_description": "{{summary}}"}}}`.
    pub request: RequestSpec,
    /// JMESPath to what identifies the created record in the tool's answer (e.g.
    /// `result.number`), shown as "Submitted: INC0010061".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Longest text a form field accepts.
pub const MAX_FIELD_CHARS: usize = 4000;

impl FormProps {
    /// Checks submitted values against the fields — on the server, whatever the browser
    /// checked — and types them for the request: numbers as JSON numbers, checkboxes as
    /// booleans, empty optional fields as `null`. Issues are located at `values.<name>`.
    pub fn typed_values(
        &self,
        values: &BTreeMap<String, String>,
    ) -> Result<Variables, Vec<ValidationIssue>> {
        let mut issues = Vec::new();
        for name in values.keys() {
            if !self.fields.iter().any(|field| &field.name == name) {
                issues.push(ValidationIssue::new(
                    format!("values.{name}"),
                    format!("this form has no field \"{name}\""),
                ));
            }
        }
        let mut typed = Variables::new();
        for field in &self.fields {
            let at = format!("values.{}", field.name);
            let text = values
                .get(&field.name)
                .map(|v| v.trim())
                .unwrap_or_default();
            let label = &field.label;
            let value = match field.kind {
                FieldKind::Checkbox => match text {
                    "on" | "true" => Value::Bool(true),
                    "" | "false" => Value::Bool(false),
                    _ => {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} is a checkbox: on or off"),
                        ));
                        continue;
                    }
                },
                _ if text.is_empty() => Value::Null,
                FieldKind::Number => match number(text) {
                    Some(number) => number,
                    None => {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} must be a number"),
                        ));
                        continue;
                    }
                },
                FieldKind::Date => {
                    if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} must be a date (YYYY-MM-DD)"),
                        ));
                        continue;
                    }
                    Value::String(text.to_owned())
                }
                FieldKind::Select | FieldKind::Radio => {
                    if !field.options.iter().any(|option| option == text) {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} must be one of: {}", field.options.join(", ")),
                        ));
                        continue;
                    }
                    Value::String(text.to_owned())
                }
                FieldKind::Text => {
                    if text.chars().count() > MAX_FIELD_CHARS {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} is too long (at most {MAX_FIELD_CHARS} characters)"),
                        ));
                        continue;
                    }
                    Value::String(text.to_owned())
                }
            };
            if field.required && matches!(value, Value::Null | Value::Bool(false)) {
                issues.push(ValidationIssue::new(at, format!("{label} is required")));
                continue;
            }
            typed.insert(field.name.clone(), value);
        }
        crate::error::collected(issues).map(|()| typed)
    }
}

/// A finite number as JSON: integers stay integers.
fn number(text: &str) -> Option<Value> {
    if let Ok(integer) = text.parse::<i64>() {
        return Some(Value::from(integer));
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

pub(super) fn default_submit_label() -> String {
    "Submit".to_owned()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Key of the value in the submitted JSON.
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Choices for select and radio fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Select,
    Radio,
    Checkbox,
}

impl FieldKind {
    pub const ALL: [FieldKind; 6] = [
        FieldKind::Text,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Select,
        FieldKind::Radio,
        FieldKind::Checkbox,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Select => "select",
            FieldKind::Radio => "radio",
            FieldKind::Checkbox => "checkbox",
        }
    }
}

/// A created record's reference fit to travel in a URL and be shown: `INC0010061`,
/// `run-42`, `PRJ.7` — at most 64 letters, digits and `_ - . :`.
pub fn is_safe_reference(reference: &str) -> bool {
    !reference.is_empty()
        && reference.len() <= 64
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// What a form says after a submission without JavaScript came back: from the redirect's
/// `submitted` reference or `form_error` code. Only fixed texts and checked references.
pub fn form_outcome(submitted: Option<&str>, error: Option<&str>) -> Option<String> {
    match (submitted, error) {
        (Some(reference), _) if is_safe_reference(reference) => {
            Some(format!("Submitted: {reference}"))
        }
        (Some(_), _) => Some("Submitted.".to_owned()),
        (None, Some("invalid")) => Some(
            "Some values are missing or not valid: check the required fields and try again."
                .to_owned(),
        ),
        (None, Some("unavailable")) => {
            Some("This form is not available to you any more.".to_owned())
        }
        (None, Some(_)) => Some(
            "The tool did not accept the submission. Try again, or tell the page's owner."
                .to_owned(),
        ),
        (None, None) => None,
    }
}

pub(super) fn check_submit(
    at: &str,
    form: &FormProps,
    submit: &SubmitAction,
    issues: &mut Vec<ValidationIssue>,
) {
    if submit.tool.trim().is_empty() {
        issues.push(ValidationIssue::new(
            format!("{at}.tool"),
            "choose the tool the form sends to",
        ));
    }
    if submit.request.method != HttpMethod::Post {
        issues.push(ValidationIssue::new(
            format!("{at}.request.method"),
            "a form sends its values with POST",
        ));
    } else {
        check_request(&format!("{at}.request"), &submit.request, issues);
    }
    if let Some(RequestBody::Graphql { query, .. }) = &submit.request.body
        && graphql_operation(query) == Some(GraphqlOperation::Query)
    {
        issues.push(ValidationIssue::new(
            format!("{at}.request.body.query"),
            "a form sends a mutation; queries belong in a widget's binding",
        ));
    }
    for name in submit.request.placeholders() {
        if !form.fields.iter().any(|field| field.name == name) {
            issues.push(ValidationIssue::new(
                format!("{at}.request"),
                format!(
                    "{{{{{name}}}}} names no field of this form (fields: {})",
                    form.fields
                        .iter()
                        .map(|field| field.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if let Some(reference) = &submit.reference
        && let Err(err) = crate::expression::compile(reference)
    {
        issues.push(ValidationIssue::new(
            format!("{at}.reference"),
            format!("invalid JMESPath expression: {err}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::test_support::*;
    use crate::page::*;
    use serde_json::json;

    #[test]
    fn form_outcomes_show_only_fixed_texts_and_checked_references() {
        assert_eq!(
            form_outcome(Some("INC0010061"), None).as_deref(),
            Some("Submitted: INC0010061")
        );
        assert_eq!(
            form_outcome(Some("<script>alert(1)</script>"), None).as_deref(),
            Some("Submitted.")
        );
        assert_eq!(form_outcome(Some(""), None).as_deref(), Some("Submitted."));
        assert!(
            form_outcome(None, Some("invalid"))
                .unwrap()
                .contains("required fields")
        );
        assert!(
            form_outcome(None, Some("Call 555-0100 now"))
                .unwrap()
                .starts_with("The tool did not accept")
        );
        assert_eq!(form_outcome(None, None), None);
    }

    #[test]
    fn form_fields_need_unique_names_and_choices() {
        let issues = issues_of(page(json!([widget(
            "form",
            0,
            0,
            "form",
            json!({"fields": [
                {"name": "a", "label": "A", "kind": "text"},
                {"name": "a", "label": "A again", "kind": "number"},
                {"name": "p", "label": "Priority", "kind": "select"},
            ]})
        )])));
        let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "layout.widgets[0] (\"form\").props.fields[1].name",
                "layout.widgets[0] (\"form\").props.fields[2].options",
            ]
        );
    }

    fn incident_form(submit: Value) -> Value {
        widget(
            "report",
            0,
            0,
            "form",
            json!({"fields": [
                {"name": "summary", "label": "Summary", "kind": "text", "required": true},
                {"name": "urgency", "label": "Urgency", "kind": "select", "options": ["1", "2", "3"]},
                {"name": "minutes", "label": "Minutes lost", "kind": "number"},
                {"name": "notify", "label": "Notify on-call", "kind": "checkbox"},
                {"name": "since", "label": "Since", "kind": "date"}
            ], "submit": submit}),
        )
    }

    fn create_incident() -> Value {
        json!({"tool": "servicenow-demo", "reference": "result.number",
               "request": {"method": "POST", "path": "/api/now/table/incident",
                           "body": {"kind": "json", "template": {"short_description": "{{summary}}", "urgency": "{{urgency}}"}}}})
    }

    #[test]
    fn a_page_names_the_tools_its_forms_and_bindings_use() {
        let definition = PageDefinition::from_json(&page(json!([
            incident_form(create_incident()),
            crate::page::test_support::kpi("runs", 0, 6)
        ])))
        .unwrap();
        let uses = definition.tool_uses();
        let named: Vec<(&str, &str)> = uses
            .iter()
            .map(|used| (used.widget.as_str(), used.tool.as_str()))
            .collect();
        assert_eq!(
            named,
            [("report", "servicenow-demo"), ("runs", "databricks-demo")]
        );
        // A changed request is a different use of the same tool.
        let mut changed = definition.clone();
        changed.layout.widgets[1]
            .binding
            .as_mut()
            .unwrap()
            .request
            .path = "/other".into();
        assert_ne!(changed.tool_uses()[1], uses[1]);
        assert_eq!(changed.tool_uses()[0], uses[0]);
    }

    #[test]
    fn form_submit_placeholders_must_name_the_forms_fields() {
        assert!(
            PageDefinition::from_json(&page(json!([incident_form(create_incident())]))).is_ok()
        );
        let mut submit = create_incident();
        submit["request"]["body"]["template"]["caller_id"] = json!("{{caller}}");
        submit["request"]["method"] = json!("GET");
        submit["reference"] = json!("result[");
        let issues = issues_of(page(json!([incident_form(submit)])));
        let found: Vec<_> = issues
            .iter()
            .map(|issue| (issue.path.as_str(), issue.message.as_str()))
            .collect();
        let at = "layout.widgets[0] (\"report\").props.submit";
        assert_eq!(
            found[0],
            (
                &*format!("{at}.request.method"),
                "a form sends its values with POST"
            )
        );
        assert_eq!(found[1].0, format!("{at}.request"));
        assert!(
            found[1]
                .1
                .starts_with("{{caller}} names no field of this form"),
            "{}",
            found[1].1
        );
        assert_eq!(found[2].0, format!("{at}.reference"));
    }

    #[test]
    fn submitted_values_are_checked_and_typed_on_the_server() {
        let definition =
            PageDefinition::from_json(&page(json!([incident_form(create_incident())]))).unwrap();
        let WidgetProps::Form(form) = &definition.widget("report").unwrap().props else {
            panic!("a form");
        };
        let values = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        let typed = form
            .typed_values(&values(&[
                ("summary", " Disk full "),
                ("urgency", "2"),
                ("minutes", "12.5"),
                ("notify", "on"),
            ]))
            .unwrap();
        assert_eq!(
            serde_json::to_value(&typed).unwrap(),
            json!({"summary": "Disk full", "urgency": "2", "minutes": 12.5, "notify": true, "since": null})
        );
        let issues = form
            .typed_values(&values(&[
                ("summary", "  "),
                ("urgency", "9"),
                ("minutes", "many"),
                ("since", "31/12/2026"),
                ("admin", "true"),
            ]))
            .unwrap_err();
        let found: Vec<_> = issues
            .iter()
            .map(|issue| (issue.path.as_str(), issue.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("values.admin", "this form has no field \"admin\""),
                ("values.summary", "Summary is required"),
                ("values.urgency", "Urgency must be one of: 1, 2, 3"),
                ("values.minutes", "Minutes lost must be a number"),
                ("values.since", "Since must be a date (YYYY-MM-DD)"),
            ]
        );
    }
}
