//! `{{…}}` templates in step settings. Between the braces is a JMESPath expression over the
//! run's context:
//!
//! ```json
//! {"trigger": <the trigger's payload>, "steps": {"<step id>": <its output>, …},
//!  "run": {"id": …, "started_at": …}, "workflow": {"slug": …, "name": …}}
//! ```
//!
//! A template that is exactly one placeholder inside a JSON document becomes the value
//! itself (number, object…); anywhere else the value's text is put in. A placeholder whose
//! value is missing (`null`) fails the step and names the first part of the path that is
//! not there; `{{ a || 'fallback' }}` gives a default instead. Values are put into parsed
//! JSON, never into JSON text, and into request paths percent-encoded, so a value cannot
//! change the shape of what is sent.

use std::collections::BTreeSet;

use jmespath::ast::Ast;
use serde_json::Value;

use crate::ValidationIssue;
use crate::page::RequestSpec;
use crate::request::{JsonTemplate, RequestBody, value_text};

/// Context roots a template may read.
pub const ROOTS: [&str; 4] = ["trigger", "steps", "run", "workflow"];

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// The value is missing: `missing` is the first part of the path that is not there.
    #[error("“{{{{{expression}}}}}” has no value: {missing} is missing")]
    Missing { expression: String, missing: String },
    #[error("“{{{{{expression}}}}}”: {message}")]
    Invalid { expression: String, message: String },
}

use crate::request::{Part as Segment, placeholder_parts};

/// Splits text into literal parts and `{{expression}}` placeholders.
fn segments(text: &str) -> Result<Vec<Segment<'_>>, String> {
    let parts = placeholder_parts(text)?;
    if parts.contains(&Segment::Placeholder("")) {
        return Err(
            "“{{}}” is empty: put a value between the braces, e.g. {{ trigger.id }}".to_owned(),
        );
    }
    Ok(parts)
}

/// The value of one placeholder, or why it has none.
pub fn evaluate(expression: &str, context: &Value) -> Result<Value, TemplateError> {
    let invalid = |message: String| TemplateError::Invalid {
        expression: expression.to_owned(),
        message,
    };
    let compiled = crate::expression::compile(expression).map_err(invalid)?;
    let found = compiled
        .search(context)
        .map_err(|err| invalid(err.to_string()))?;
    let value = serde_json::to_value(&*found).map_err(|err| invalid(err.to_string()))?;
    if value.is_null() {
        return Err(TemplateError::Missing {
            expression: expression.to_owned(),
            missing: first_missing(compiled.as_ast(), context)
                .unwrap_or_else(|| expression.to_owned()),
        });
    }
    Ok(value)
}

/// For a plain path (`steps.incident.result.number`), the first part that is not there.
fn first_missing(ast: &Ast, context: &Value) -> Option<String> {
    let path = field_chain(ast)?;
    let mut at = context;
    for (depth, name) in path.iter().enumerate() {
        match at.get(name) {
            Some(next) if !next.is_null() => at = next,
            _ => return Some(path[..=depth].join(".")),
        }
    }
    None
}

/// The field names of an expression that is only fields joined by dots.
fn field_chain(ast: &Ast) -> Option<Vec<String>> {
    match ast {
        Ast::Field { name, .. } => Some(vec![name.clone()]),
        Ast::Subexpr { lhs, rhs, .. } => {
            let mut chain = field_chain(lhs)?;
            chain.extend(field_chain(rhs)?);
            Some(chain)
        }
        _ => None,
    }
}

/// Renders text: every placeholder replaced by its value's text.
pub fn render_text(text: &str, context: &Value) -> Result<String, TemplateError> {
    render_text_with(text, context, &|text| text)
}

fn render_text_with(
    text: &str,
    context: &Value,
    encode: &dyn Fn(String) -> String,
) -> Result<String, TemplateError> {
    let parts = segments(text).map_err(|message| TemplateError::Invalid {
        expression: text.to_owned(),
        message,
    })?;
    let mut rendered = String::new();
    for part in parts {
        match part {
            Segment::Text(text) => rendered.push_str(text),
            Segment::Placeholder(expression) => {
                rendered.push_str(&encode(value_text(&evaluate(expression, context)?)));
            }
        }
    }
    Ok(rendered)
}

/// Renders every string of a JSON document; a string that is one placeholder becomes the
/// value itself.
pub fn render_json(template: &Value, context: &Value) -> Result<Value, TemplateError> {
    Ok(match template {
        Value::String(text) => {
            if let Ok(parts) = segments(text)
                && let [Segment::Placeholder(expression)] = parts.as_slice()
            {
                evaluate(expression, context)?
            } else {
                Value::String(render_text(text, context)?)
            }
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| render_json(item, context))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| Ok((key.clone(), render_json(value, context)?)))
                .collect::<Result<_, TemplateError>>()?,
        ),
        other => other.clone(),
    })
}

/// A tool request with its templates filled in: values in the path percent-encoded, query
/// values as text, bodies as JSON. GraphQL documents and statement names are not templates.
pub fn render_request(
    request: &RequestSpec,
    context: &Value,
) -> Result<RequestSpec, TemplateError> {
    let render_body = |template: &JsonTemplate| -> Result<JsonTemplate, TemplateError> {
        Ok(JsonTemplate(render_json(&template.0, context)?))
    };
    Ok(RequestSpec {
        method: request.method,
        path: render_text_with(&request.path, context, &|text| {
            form_urlencoded::byte_serialize(text.as_bytes())
                .collect::<String>()
                .replace('+', "%20")
        })?,
        query: request
            .query
            .iter()
            .map(|(key, value)| Ok((key.clone(), render_text(value, context)?)))
            .collect::<Result<_, TemplateError>>()?,
        body: match &request.body {
            None => None,
            Some(RequestBody::Json {
                template,
                read_only,
            }) => Some(RequestBody::Json {
                template: render_body(template)?,
                read_only: *read_only,
            }),
            Some(RequestBody::Graphql { query, variables }) => Some(RequestBody::Graphql {
                query: query.clone(),
                variables: render_body(variables)?,
            }),
            Some(RequestBody::Statement { name, parameters }) => Some(RequestBody::Statement {
                name: name.clone(),
                parameters: render_body(parameters)?,
            }),
        },
        pagination: request.pagination.clone(),
    })
}

/// Reports malformed placeholders and placeholders that read something no earlier step
/// provides. `earlier` holds the ids of the steps that can run before this one.
pub(super) fn check_text(
    text: &str,
    at: &str,
    earlier: &BTreeSet<&str>,
    issues: &mut Vec<ValidationIssue>,
) {
    let parts = match segments(text) {
        Ok(parts) => parts,
        Err(message) => {
            issues.push(ValidationIssue::new(at, message));
            return;
        }
    };
    for part in parts {
        let Segment::Placeholder(expression) = part else {
            continue;
        };
        match crate::expression::compile(expression) {
            Err(message) => issues.push(ValidationIssue::new(
                at,
                format!("“{{{{{expression}}}}}” is not a valid expression: {message}"),
            )),
            Ok(_) => {
                for problem in unprovided_reads(expression, earlier) {
                    issues.push(ValidationIssue::new(
                        at,
                        format!("“{{{{{expression}}}}}” {problem}"),
                    ));
                }
            }
        }
    }
}

/// What a JMESPath expression over the run's context reads that no earlier step provides.
pub(super) fn unprovided_reads(expression: &str, earlier: &BTreeSet<&str>) -> Vec<String> {
    let Ok(compiled) = crate::expression::compile(expression) else {
        return Vec::new();
    };
    let mut reads = Vec::new();
    references(compiled.as_ast(), &mut reads);
    reads
        .iter()
        .filter_map(|read| unprovided(read, earlier))
        .collect()
}

/// [`check_text`] for every string of a JSON document.
pub(super) fn check_json(
    value: &Value,
    at: &str,
    earlier: &BTreeSet<&str>,
    issues: &mut Vec<ValidationIssue>,
) {
    match value {
        Value::String(text) => check_text(text, at, earlier, issues),
        Value::Array(items) => items
            .iter()
            .for_each(|item| check_json(item, at, earlier, issues)),
        Value::Object(map) => map
            .values()
            .for_each(|item| check_json(item, at, earlier, issues)),
        _ => {}
    }
}

/// Why a read of the context cannot be satisfied, if it cannot.
fn unprovided(read: &[String], earlier: &BTreeSet<&str>) -> Option<String> {
    let root = read.first()?;
    if !ROOTS.contains(&root.as_str()) {
        return Some(format!(
            "reads “{root}”, which nothing provides: start with trigger., steps.<step id>., run. or workflow."
        ));
    }
    if root == "steps"
        && let Some(step) = read.get(1)
        && !earlier.contains(step.as_str())
    {
        return Some(format!(
            "reads step “{step}”, which does not run before this one"
        ));
    }
    None
}

/// The paths (first two names) an expression reads from the root of the context; parts
/// that read from a projected or filtered element are relative and not included.
fn references(ast: &Ast, out: &mut Vec<Vec<String>>) {
    match ast {
        Ast::Field { .. } | Ast::Subexpr { .. } | Ast::Index { .. } => {
            if let Some(path) = leading_path(ast)
                && !path.is_empty()
            {
                out.push(path);
            }
            if let Ast::Subexpr { lhs, .. } = ast
                && leading_path(lhs).is_none()
            {
                references(lhs, out);
            }
        }
        Ast::Projection { lhs, .. } => references(lhs, out),
        Ast::Flatten { node, .. } | Ast::ObjectValues { node, .. } | Ast::Not { node, .. } => {
            references(node, out)
        }
        Ast::Comparison { lhs, rhs, .. } | Ast::And { lhs, rhs, .. } | Ast::Or { lhs, rhs, .. } => {
            references(lhs, out);
            references(rhs, out);
        }
        Ast::Condition {
            predicate, then, ..
        } => {
            references(predicate, out);
            references(then, out);
        }
        Ast::Function { args, .. } => args.iter().for_each(|arg| references(arg, out)),
        Ast::MultiList { elements, .. } => elements.iter().for_each(|item| references(item, out)),
        Ast::MultiHash { elements, .. } => elements
            .iter()
            .for_each(|pair| references(&pair.value, out)),
        Ast::Identity { .. } | Ast::Expref { .. } | Ast::Literal { .. } | Ast::Slice { .. } => {}
    }
}

/// Up to the first two field names of a chain starting at the root (`steps.incident…`).
fn leading_path(ast: &Ast) -> Option<Vec<String>> {
    match ast {
        Ast::Field { name, .. } => Some(vec![name.clone()]),
        Ast::Index { .. } => Some(Vec::new()),
        Ast::Subexpr { lhs, rhs, .. } => {
            let mut path = leading_path(lhs)?;
            if path.len() == 1
                && let Ast::Field { name, .. } = rhs.as_ref()
            {
                path.push(name.clone());
            }
            Some(path)
        }
        Ast::Projection { lhs, .. } | Ast::Flatten { node: lhs, .. } => leading_path(lhs),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn context() -> Value {
        json!({
            "trigger": {"run_id": 42, "run_name": "nightly etl", "state": {"result_state": "FAILED"}},
            "steps": {"incident": {"result": {"number": "INC0010001", "sys_id": "a1"}}},
            "run": {"id": 7}
        })
    }

    #[test]
    fn text_gets_each_value_as_text() {
        assert_eq!(
            render_text(
                "Run {{ trigger.run_id }} of {{trigger.run_name}} is {{ trigger.state.result_state }}: {{ steps.incident.result.number }}",
                &context()
            ),
            Ok("Run 42 of nightly etl is FAILED: INC0010001".to_owned())
        );
        assert_eq!(
            render_text("no placeholders", &context()),
            Ok("no placeholders".to_owned())
        );
    }

    #[test]
    fn a_lone_placeholder_in_json_keeps_the_value_s_type() {
        let rendered = render_json(
            &json!({"run": "{{ trigger.run_id }}", "state": "{{ trigger.state }}", "note": "run {{ trigger.run_id }}", "n": 1}),
            &context(),
        )
        .unwrap();
        assert_eq!(
            rendered,
            json!({"run": 42, "state": {"result_state": "FAILED"}, "note": "run 42", "n": 1})
        );
    }

    #[test]
    fn a_missing_value_fails_and_names_the_part_that_is_missing() {
        let err = render_text("{{ steps.incident.result.assignee }}", &context()).unwrap_err();
        assert_eq!(
            err,
            TemplateError::Missing {
                expression: "steps.incident.result.assignee".into(),
                missing: "steps.incident.result.assignee".into()
            }
        );
        let err = render_json(&json!(["{{ steps.teams.id }}"]), &context()).unwrap_err();
        assert!(
            matches!(&err, TemplateError::Missing { missing, .. } if missing == "steps.teams"),
            "{err:?}"
        );
        assert!(err.to_string().contains("steps.teams is missing"), "{err}");
        // A default keeps the step going.
        assert_eq!(
            render_text("{{ steps.teams.id || 'none' }}", &context()),
            Ok("none".to_owned())
        );
    }

    #[test]
    fn values_in_a_request_path_cannot_leave_their_segment() {
        let mut request = RequestSpec::get("/api/runs?run_id={{ trigger.run_id }}");
        request.path = "/api/runs/{{ trigger.run_name }}".into();
        let context = json!({"trigger": {"run_name": "../admin?x=1", "run_id": 5}});
        let rendered = render_request(&request, &context).unwrap();
        assert_eq!(rendered.path, "/api/runs/..%2Fadmin%3Fx%3D1");
        assert_eq!(rendered.query["run_id"], "5");
    }

    fn check(text: &str, earlier: &[&str]) -> Vec<String> {
        let earlier: BTreeSet<&str> = earlier.iter().copied().collect();
        let mut issues = Vec::new();
        check_text(text, "nodes.post.text", &earlier, &mut issues);
        issues.into_iter().map(|issue| issue.message).collect()
    }

    #[test]
    fn placeholders_must_read_what_earlier_steps_provide() {
        assert!(
            check(
                "{{ trigger.a }} {{ steps.incident.result.number }} {{ run.id }}",
                &["incident"]
            )
            .is_empty()
        );
        assert!(
            check(
                "{{ join(', ', steps.incident.tags[].name) }}",
                &["incident"]
            )
            .is_empty()
        );
        // Expressions inside projections and filters read the element, not the context.
        assert!(check("{{ trigger.runs[?state == 'FAILED'].name | [0] }}", &[]).is_empty());

        let later = check("{{ steps.email.id }}", &["incident"]);
        assert_eq!(later.len(), 1);
        assert!(
            later[0].contains("step “email”, which does not run before this one"),
            "{later:?}"
        );

        let unknown = check("{{ job.id }}", &[]);
        assert!(unknown[0].contains("reads “job”"), "{unknown:?}");

        let in_function = check("{{ length(steps.nope.items) }}", &[]);
        assert!(in_function[0].contains("“nope”"), "{in_function:?}");
    }

    #[test]
    fn malformed_placeholders_are_reported() {
        assert!(check("{{ trigger.a ", &[])[0].contains("not closed"));
        assert!(check("{{ }}", &[])[0].contains("empty"));
        assert!(check("{{ trigger.[ }}", &[])[0].contains("not a valid expression"));
    }
}
