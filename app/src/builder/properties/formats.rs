//! The text forms of table columns, form fields and request bodies the panel edits, and
//! the form's submit action.

use domain::{
    Widget, WidgetProps,
    page::{FieldKind, FormField, RequestSpec, SubmitAction, TableColumn},
    request::{JsonTemplate, RequestBody},
};
use serde_json::Value;

pub(super) fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `key: Label` per line; a line without a colon uses the key as its label.
pub(super) fn parse_columns(text: &str) -> Vec<TableColumn> {
    lines(text)
        .into_iter()
        .map(|line| match line.split_once(':') {
            Some((key, label)) => TableColumn {
                key: key.trim().to_owned(),
                label: label.trim().to_owned(),
            },
            None => TableColumn {
                key: line.clone(),
                label: line,
            },
        })
        .collect()
}

pub(super) fn submit_of(widget: &Widget) -> Option<&SubmitAction> {
    match &widget.props {
        WidgetProps::Form(form) => form.submit.as_deref(),
        _ => None,
    }
}

/// Edits a form's submit action (a JSON POST until told otherwise); an action with neither
/// tool nor path is removed.
pub(super) fn edit_submit(widget: &mut Widget, change: impl FnOnce(&mut SubmitAction)) -> bool {
    let WidgetProps::Form(form) = &mut widget.props else {
        return false;
    };
    let before = form.submit.clone();
    let action = form.submit.get_or_insert_with(|| {
        Box::new(SubmitAction {
            tool: String::new(),
            request: RequestSpec::post(
                "",
                RequestBody::Json {
                    template: JsonTemplate(Value::Object(Default::default())),
                    read_only: false,
                },
            ),
            reference: None,
        })
    });
    change(action);
    if action.tool.is_empty() && action.request.path.is_empty() {
        form.submit = None;
    }
    form.submit != before
}

/// A flat JSON body as `key: value` lines; anything else as JSON.
pub(super) fn format_body(request: &RequestSpec) -> String {
    let Some(RequestBody::Json { template, .. }) = &request.body else {
        return String::new();
    };
    match template.0.as_object() {
        Some(map) if map.values().all(Value::is_string) => map
            .iter()
            .map(|(key, value)| format!("{key}: {}", value.as_str().unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => serde_json::to_string_pretty(&template.0).unwrap_or_default(),
    }
}

/// Reads `key: {{field}}` lines (a bare `key` sends the field of that name) or JSON.
pub(super) fn parse_body(text: &str) -> Option<JsonTemplate> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).ok().map(JsonTemplate);
    }
    let body = lines(text)
        .into_iter()
        .map(|line| match line.split_once(':') {
            Some((key, value)) => (
                key.trim().to_owned(),
                Value::String(value.trim().to_owned()),
            ),
            None => (line.clone(), Value::String(format!("{{{{{line}}}}}"))),
        })
        .collect();
    Some(JsonTemplate(Value::Object(body)))
}

pub(super) fn format_fields(fields: &[FormField]) -> String {
    fields
        .iter()
        .map(|field| {
            let mut parts = vec![field.label.clone(), field.kind.as_str().to_owned()];
            if field.required {
                parts.push("required".to_owned());
            }
            if !field.options.is_empty() {
                parts.push(field.options.join(", "));
            }
            parts.join(" | ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `Label | kind | required | a, b` per line; the field name is the label in snake case.
pub(super) fn parse_fields(text: &str) -> Vec<FormField> {
    lines(text)
        .into_iter()
        .map(|line| {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let label = parts[0].to_owned();
            let kind = parts
                .get(1)
                .and_then(|kind| FieldKind::ALL.into_iter().find(|k| k.as_str() == *kind))
                .unwrap_or(FieldKind::Text);
            let required = parts.iter().skip(2).any(|part| *part == "required");
            let options = parts
                .iter()
                .skip(2)
                .find(|part| **part != "required")
                .map(|choices| {
                    choices
                        .split(',')
                        .map(str::trim)
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let name = label
                .to_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join("_");
            FormField {
                name,
                label,
                kind,
                required,
                options,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_and_field_lines_parse() {
        let columns = parse_columns("number: Number\n\nstate\n");
        assert_eq!(columns.len(), 2);
        assert_eq!(
            (columns[0].key.as_str(), columns[0].label.as_str()),
            ("number", "Number")
        );
        assert_eq!(
            (columns[1].key.as_str(), columns[1].label.as_str()),
            ("state", "state")
        );
        let fields =
            parse_fields("Short description | text | required\nPriority | select | 1, 2, 3");
        assert_eq!(fields[0].name, "short_description");
        assert!(fields[0].required);
        assert_eq!(fields[1].kind, FieldKind::Select);
        assert_eq!(fields[1].options, ["1", "2", "3"]);
        assert_eq!(parse_fields(&format_fields(&fields)), fields);
    }
}
