//! Connector templates: one manifest per kind of tool (Databricks, ServiceNow, Power BI…)
//! describing how the real service is reached, where its demo stand-in lives, and its named
//! endpoints with suggested mappings per widget type. Adding a connector is adding a manifest;
//! see docs/extending/connectors.md.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    ValidationIssue,
    page::Pagination,
    page::{RequestSpec, WidgetKind, check_request},
    request::{RequestBody, SqlStatement, statements_in},
    tool::ToolAuth,
};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorTemplate {
    /// Stable identifier, also the `kind` of tools made from it.
    pub kind: String,
    pub name: String,
    pub description: String,
    /// How the real service authenticates (field values are placeholders to fill in).
    pub auth: ToolAuth,
    /// What a real base URL looks like, shown as a hint.
    pub base_url_hint: String,
    /// This server's demo stand-in, so the template works out of the box.
    pub demo_base_url: String,
    /// A cheap request for "Test connection".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_path: Option<String>,
    /// Settings a tool made from this template starts with, e.g. the demo warehouse and SQL
    /// `statements` (see `domain::request::SqlStatement`).
    #[serde(default, skip_serializing_if = "Value::is_null")]
    pub default_config: Value,
    #[serde(default)]
    pub endpoints: Vec<EndpointTemplate>,
}

/// A named operation of a tool: in a connector manifest, or defined on one tool by an Admin
/// or Integrator in the same format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointTemplate {
    pub name: String,
    pub label: String,
    pub request: RequestSpec,
    #[serde(default)]
    pub pagination: Pagination,
    /// Widget type → target prop → JMESPath expression.
    #[serde(default)]
    pub suggestions: BTreeMap<String, BTreeMap<String, String>>,
    /// For endpoints that create something (forms): JMESPath to the created record's
    /// reference in the answer, e.g. `result.number`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// JMESPath to the records in the answer (`result`, `value`); mappings start from it
    /// when the endpoint suggests none for a widget type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<String>,
}

impl EndpointTemplate {
    /// Whether calling it changes data (a form's submit action) rather than reading (a
    /// widget's binding); statements are writes only when their definition says so.
    pub fn writes(&self, default_config: &Value) -> bool {
        self.writes_with(&statements_in(default_config).unwrap_or_default())
    }

    /// [`Self::writes`] against statements already read.
    pub fn writes_with(&self, statements: &BTreeMap<String, SqlStatement>) -> bool {
        match (&self.request.declared_read_only(), &self.request.body) {
            (Some(read_only), _) => !read_only,
            (None, Some(RequestBody::Statement { name, .. })) => {
                statements.get(name).is_some_and(|s| s.write)
            }
            (None, _) => false,
        }
    }

    /// The mapping to start a widget of `kind` with: the endpoint's own suggestion,
    /// or one built on its `root` (rows, a count, points).
    pub fn suggestion_for(&self, kind: WidgetKind) -> Option<BTreeMap<String, String>> {
        if let Some(suggested) = self.suggestions.get(kind.name()) {
            return Some(suggested.clone());
        }
        let root = self.root.as_deref()?;
        let (target, expression) = match kind {
            WidgetKind::Table | WidgetKind::DataGrid => ("rows", root.to_owned()),
            WidgetKind::Kpi => ("value", format!("length({root})")),
            WidgetKind::Chart => ("points", root.to_owned()),
            _ => return None,
        };
        Some(BTreeMap::from([(target.to_owned(), expression)]))
    }
}

/// Checks named endpoints (names unique, requests safe, statements defined, expressions
/// valid); `statements_at` names where the statements live, for messages.
pub fn check_endpoints(
    endpoints: &[EndpointTemplate],
    statements: &BTreeMap<String, SqlStatement>,
    statements_at: &str,
    issues: &mut Vec<ValidationIssue>,
) {
    let mut names = BTreeSet::new();
    for (index, endpoint) in endpoints.iter().enumerate() {
        let at = format!("endpoints[{index}] (\"{}\")", endpoint.name);
        if endpoint.name.trim().is_empty() {
            issues.push(ValidationIssue::new(
                format!("{at}.name"),
                "name the endpoint",
            ));
        } else if !names.insert(endpoint.name.as_str()) {
            issues.push(ValidationIssue::new(
                format!("{at}.name"),
                "endpoint names must be unique",
            ));
        }
        if endpoint.label.trim().is_empty() {
            issues.push(ValidationIssue::new(
                format!("{at}.label"),
                "give the endpoint a label people will recognise",
            ));
        }
        check_request(&format!("{at}.request"), &endpoint.request, issues);
        if let Some(RequestBody::Statement { name, .. }) = &endpoint.request.body
            && !statements.contains_key(name)
        {
            issues.push(ValidationIssue::new(
                format!("{at}.request.body.name"),
                format!("{statements_at} has no statement \"{name}\""),
            ));
        }
        for (field, expression) in [
            ("reference", endpoint.reference.as_deref()),
            ("root", endpoint.root.as_deref()),
        ] {
            if let Some(expression) = expression
                && let Err(err) = crate::expression::compile(expression)
            {
                issues.push(ValidationIssue::new(
                    format!("{at}.{field}"),
                    format!("invalid JMESPath expression: {err}"),
                ));
            }
        }
        if let Pagination::Cursor { next_cursor, .. } = &endpoint.pagination
            && let Err(err) = crate::expression::compile(next_cursor)
        {
            issues.push(ValidationIssue::new(
                format!("{at}.pagination.next_cursor"),
                format!("invalid JMESPath expression: {err}"),
            ));
        }
        for (widget_type, mapping) in &endpoint.suggestions {
            let Some((allowed, _)) =
                WidgetKind::parse(widget_type).map(WidgetKind::binding_targets)
            else {
                issues.push(ValidationIssue::new(
                    format!("{at}.suggestions.{widget_type}"),
                    "unknown widget type",
                ));
                continue;
            };
            for (target, expression) in mapping {
                let field = format!("{at}.suggestions.{widget_type}.{target}");
                if !allowed.contains(&target.as_str()) {
                    issues.push(ValidationIssue::new(
                        field.clone(),
                        format!("a {widget_type} widget has no \"{target}\" field"),
                    ));
                }
                if let Err(err) = crate::expression::compile(expression) {
                    issues.push(ValidationIssue::new(
                        field,
                        format!("invalid JMESPath expression: {err}"),
                    ));
                }
            }
        }
    }
}

impl ConnectorTemplate {
    pub fn validate(&self) -> Result<(), Vec<ValidationIssue>> {
        let mut issues = Vec::new();
        let is_slug = |text: &str| {
            !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if !is_slug(&self.kind) {
            issues.push(ValidationIssue::new(
                "kind",
                "use lowercase letters, digits and hyphens",
            ));
        }
        if !self.demo_base_url.starts_with('/') {
            issues.push(ValidationIssue::new(
                "demo_base_url",
                "the demo lives on this server: start with /",
            ));
        }
        if let Err(auth) = self.auth.validate() {
            issues.extend(auth);
        }
        let statements = match statements_in(&self.default_config) {
            Ok(statements) => statements,
            Err(found) => {
                issues.extend(found.into_iter().map(|issue| {
                    ValidationIssue::new(format!("default_{}", issue.path), issue.message)
                }));
                Default::default()
            }
        };
        check_endpoints(
            &self.endpoints,
            &statements,
            "default_config.statements",
            &mut issues,
        );
        crate::error::collected(issues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template(endpoints: serde_json::Value) -> ConnectorTemplate {
        serde_json::from_value(json!({
            "kind": "ops-api", "name": "Ops API", "description": "d", "auth": {"type": "bearer"},
            "base_url_hint": "https://ops.example.com", "demo_base_url": "/mock/ops", "endpoints": endpoints
        }))
        .unwrap()
    }

    #[test]
    fn a_sound_template_validates() {
        let ok = template(
            json!([{"name": "runs", "label": "Runs", "request": {"path": "/runs"},
            "pagination": {"style": "cursor", "cursor_param": "page_token", "next_cursor": "next_page_token"},
            "suggestions": {"kpi": {"value": "length(runs)"}, "table": {"rows": "runs"}}}]),
        );
        assert_eq!(ok.validate(), Ok(()));
    }

    #[test]
    fn problems_are_reported_with_their_place() {
        let bad = template(json!([
            {"name": "a", "label": "A", "request": {"path": "runs"}, "suggestions": {"gauge": {"value": "x"}, "kpi": {"rows": "length("}}},
            {"name": "a", "label": "A again", "request": {"path": "/x"}}
        ]));
        let paths: Vec<String> = bad
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|issue| issue.path)
            .collect();
        assert_eq!(
            paths,
            [
                "endpoints[0] (\"a\").request.path",
                "endpoints[0] (\"a\").suggestions.gauge",
                "endpoints[0] (\"a\").suggestions.kpi.rows",
                "endpoints[0] (\"a\").suggestions.kpi.rows",
                "endpoints[1] (\"a\").name",
            ]
        );
    }
}
