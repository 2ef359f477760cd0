//! Data bindings: the request a widget sends to a tool, and how the answer maps onto its
//! props.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{DEFAULT_CACHE_TTL_SECONDS, WidgetProps};
use crate::request::Placeholders;
use crate::{
    ValidationIssue,
    request::{RequestBody, Variables, render_string},
};

/// Binds a widget to one request against a registered tool and maps the response onto the
/// widget's props with JMESPath.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// Slug of the registered tool.
    pub tool: String,
    pub request: RequestSpec,
    /// Target prop → JMESPath expression evaluated against the response body.
    pub mapping: BTreeMap<String, String>,
    /// Formatting steps after the mapping, keyed by target or `target.field`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub transforms: BTreeMap<String, Vec<crate::transform::Transform>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_seconds: Option<u32>,
    #[serde(default = "default_cache_ttl")]
    pub cache_ttl_seconds: u32,
}

fn default_cache_ttl() -> u32 {
    DEFAULT_CACHE_TTL_SECONDS
}

#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    #[serde(default)]
    pub method: HttpMethod,
    /// Path relative to the tool's base URL, starting with `/`.
    pub path: String,
    /// Values may hold `{{name}}` placeholders (page variables, form values).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// What a POST sends: JSON (with `{{name}}` placeholders), a GraphQL operation or a SQL
    /// statement defined on the tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<RequestBody>,
    /// Follow the tool's pages and concatenate their items into one answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<PaginationSpec>,
}

impl RequestSpec {
    /// A GET of `path` with its query string, e.g. `/api/2.1/jobs/runs/list?limit=1`.
    pub fn get(path_and_query: &str) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        RequestSpec {
            method: HttpMethod::Get,
            path: path.to_owned(),
            query: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            body: None,
            pagination: None,
        }
    }

    /// A POST of `path` with `body`.
    pub fn post(path: &str, body: RequestBody) -> Self {
        RequestSpec {
            method: HttpMethod::Post,
            body: Some(body),
            ..RequestSpec::get(path)
        }
    }

    /// The request with its placeholders (query values and body) filled from `variables`.
    pub fn rendered(&self, variables: &Variables) -> RequestSpec {
        RequestSpec {
            // A parameter that is only an unset variable is left out: "no filter chosen".
            query: self
                .query
                .iter()
                .filter_map(|(key, value)| match render_string(value, variables) {
                    Value::Null => None,
                    rendered => Some((key.clone(), crate::request::value_text(&rendered))),
                })
                .collect(),
            body: self.body.as_ref().map(|body| body.render(variables)),
            ..self.clone()
        }
    }

    /// Every variable its placeholders use.
    pub fn placeholders(&self) -> BTreeSet<String> {
        let mut names =
            crate::request::JsonTemplate(serde_json::to_value(&self.query).unwrap_or_default())
                .placeholders();
        if let Some(body) = &self.body {
            names.extend(body.placeholders());
        }
        names
    }

    /// Whether sending it only reads: GETs do, POSTs as their body declares; `None` when
    /// the tool decides (a SQL statement's definition).
    pub fn declared_read_only(&self) -> Option<bool> {
        match (self.method, &self.body) {
            (HttpMethod::Get, _) => Some(true),
            (HttpMethod::Post, None) => Some(false),
            (HttpMethod::Post, Some(body)) => body.declared_read_only(),
        }
    }
}

/// How an endpoint pages through results.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "style", rename_all = "snake_case")]
pub enum Pagination {
    #[default]
    None,
    Offset {
        limit_param: String,
        offset_param: String,
    },
    PageNumber {
        page_param: String,
        size_param: String,
    },
    /// The next cursor is read from each answer with `next_cursor` (JMESPath); paging stops
    /// when it is missing or empty.
    Cursor {
        cursor_param: String,
        next_cursor: String,
    },
}

/// Pagination for one binding: the style, where the items are, and how far to go.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct PaginationSpec {
    #[serde(flatten)]
    pub style: Pagination,
    /// Dotted path of the item array in each answer, e.g. `runs` or `views.view`.
    pub items: String,
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Stop after this many pages even if more remain.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Where to begin reading, when a viewer asks for more of a data grid's rows; never
    /// stored in a page.
    #[serde(skip)]
    #[schemars(skip)]
    pub start: Option<Continuation>,
}

/// Where a paged read goes on: the next page's index (0-based) or the tool's own cursor.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Continuation {
    Page(u32),
    Cursor(String),
}

fn default_page_size() -> u32 {
    25
}

fn default_max_pages() -> u32 {
    5
}

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    /// Sends the request's `body`.
    Post,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

pub(super) fn check_binding(
    path: &str,
    props: &WidgetProps,
    binding: &Binding,
    issues: &mut Vec<ValidationIssue>,
) {
    let at = format!("{path}.binding");
    if binding.tool.trim().is_empty() {
        issues.push(ValidationIssue::new(format!("{at}.tool"), "choose a tool"));
    }
    check_request(&format!("{at}.request"), &binding.request, issues);
    if binding.request.declared_read_only() == Some(false) {
        let (field, message) = match &binding.request.body {
            Some(RequestBody::Graphql { .. }) => (
                "body.query",
                "a mutation changes data, and widgets only read: send it from a form",
            ),
            _ => (
                "body",
                "this request changes data, and widgets only read: send it from a form, or mark a JSON body \"read_only\" for an endpoint the tool declares as a read",
            ),
        };
        issues.push(ValidationIssue::new(
            format!("{at}.request.{field}"),
            message,
        ));
    }
    let (allowed, required) = props.binding_targets();
    if allowed.is_empty() {
        issues.push(ValidationIssue::new(
            at.clone(),
            format!("a {} widget cannot be bound to data", props.kind().name()),
        ));
        return;
    }
    for (target, expression) in &binding.mapping {
        let field = format!("{at}.mapping.{target}");
        if !allowed.contains(&target.as_str()) {
            issues.push(ValidationIssue::new(
                field.clone(),
                format!(
                    "a {} widget has no \"{target}\" field (it has: {})",
                    props.kind().name(),
                    allowed.join(", ")
                ),
            ));
        }
        if let Err(err) = crate::expression::compile(expression) {
            issues.push(ValidationIssue::new(
                field,
                format!("invalid JMESPath expression: {err}"),
            ));
        }
    }
    for target in required {
        if !binding.mapping.contains_key(*target) {
            issues.push(ValidationIssue::new(
                format!("{at}.mapping.{target}"),
                "this field needs a JMESPath expression",
            ));
        }
    }
    crate::transform::check_transforms(&at, &binding.transforms, &binding.mapping, issues);
}

/// The rules every request follows, in bindings, form submissions and manifests alike.
pub(crate) fn check_request(at: &str, request: &RequestSpec, issues: &mut Vec<ValidationIssue>) {
    check_request_as(at, request, Placeholders::Variables, issues);
}

/// [`check_request`] for requests whose placeholders the caller checks itself.
pub(crate) fn check_request_as(
    at: &str,
    request: &RequestSpec,
    placeholders: Placeholders,
    issues: &mut Vec<ValidationIssue>,
) {
    // Shape only: whether the final URL stays under the tool's base path is decided by the
    // connector on every call, after the URL parser has resolved every dot segment.
    let request_path = &request.path;
    if !request_path.starts_with('/') || request_path.contains("://") {
        issues.push(ValidationIssue::new(
            format!("{at}.path"),
            "the path must start with / and stay under the tool's base URL",
        ));
    }
    if placeholders == Placeholders::Variables {
        for (key, value) in &request.query {
            crate::request::JsonTemplate(Value::String(value.clone()))
                .check(&format!("{at}.query.{key}"), issues);
        }
    }
    match (request.method, &request.body) {
        (HttpMethod::Get, Some(_)) => issues.push(ValidationIssue::new(
            format!("{at}.body"),
            "a GET request sends no body: choose POST",
        )),
        (_, Some(body)) => body.check_as(&format!("{at}.body"), placeholders, issues),
        (HttpMethod::Post, None) => issues.push(ValidationIssue::new(
            format!("{at}.body"),
            "a POST needs a body: JSON, a GraphQL query or a SQL statement",
        )),
        (HttpMethod::Get, None) => {}
    }
    if request.method == HttpMethod::Post && request.pagination.is_some() {
        issues.push(ValidationIssue::new(
            format!("{at}.pagination"),
            "paging is followed for GET requests only",
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
    fn bad_jmespath_names_widget_and_field() {
        let mut widget = kpi("k", 0, 0);
        widget["binding"]["mapping"]["value"] = json!("length(runs[");
        let issues = issues_of(page(json!([widget])));
        assert_eq!(issues.len(), 1);
        assert_eq!(
            issues[0].path,
            "layout.widgets[0] (\"k\").binding.mapping.value"
        );
        assert!(issues[0].message.starts_with("invalid JMESPath expression"));
    }

    #[test]
    fn mapping_to_a_field_the_widget_lacks_is_rejected() {
        let mut widget = kpi("k", 0, 0);
        widget["binding"]["mapping"] = json!({"rows": "runs"});
        let issues = issues_of(page(json!([widget])));
        let messages: Vec<_> = issues
            .iter()
            .map(|issue| (issue.path.as_str(), issue.message.as_str()))
            .collect();
        assert!(
            messages
                .iter()
                .any(|(path, msg)| path.ends_with("mapping.rows")
                    && msg.contains("has no \"rows\" field"))
        );
        assert!(
            messages
                .iter()
                .any(|(path, msg)| path.ends_with("mapping.value")
                    && msg.contains("needs a JMESPath"))
        );
    }

    #[test]
    fn bindings_only_read_and_post_bodies_are_checked() {
        let post = |body: Value| {
            let mut widget = kpi("k", 0, 0);
            widget["binding"]["request"] =
                json!({"method": "POST", "path": "/graphql", "body": body});
            issues_of(page(json!([widget])))
        };
        let write = post(json!({"kind": "json", "template": {"a": "{{x}}"}}));
        assert_eq!(
            write[0].path,
            "layout.widgets[0] (\"k\").binding.request.body"
        );
        assert!(write[0].message.contains("widgets only read"));
        let mutation = post(json!({"kind": "graphql", "query": "mutation { retry }"}));
        assert_eq!(
            mutation[0].path,
            "layout.widgets[0] (\"k\").binding.request.body.query"
        );
        let broken = post(json!({"kind": "json", "read_only": true, "template": {"a": "{{x"}}));
        assert_eq!(
            broken[0].path,
            "layout.widgets[0] (\"k\").binding.request.body.template.a"
        );
        for fine in [
            json!({"kind": "json", "read_only": true, "template": {"q": "{{search}}"}}),
            json!({"kind": "graphql", "query": "query { jobs { id } }", "variables": {"job": "{{job}}"}}),
            json!({"kind": "statement", "name": "runs_by_result", "parameters": {"result": "FAILED"}}),
        ] {
            let mut widget = kpi("k", 0, 0);
            widget["binding"]["request"] =
                json!({"method": "POST", "path": "/x", "body": fine.clone()});
            assert!(
                PageDefinition::from_json(&page(json!([widget]))).is_ok(),
                "{fine}"
            );
        }
        let mut get_with_body = kpi("k", 0, 0);
        get_with_body["binding"]["request"]["body"] =
            json!({"kind": "json", "read_only": true, "template": {}});
        assert_eq!(
            issues_of(page(json!([get_with_body])))[0].message,
            "a GET request sends no body: choose POST"
        );
    }

    #[test]
    fn rendering_a_request_fills_query_and_body_from_variables() {
        let request = RequestSpec {
            query: BTreeMap::from([("job".to_owned(), "{{job}}".to_owned())]),
            ..RequestSpec::post(
                "/graphql",
                RequestBody::Graphql {
                    query: "query($job: String) { runs(job: $job) { runId } }".into(),
                    variables: crate::request::JsonTemplate(json!({"job": "{{job}}", "limit": 5})),
                },
            )
        };
        assert_eq!(request.placeholders(), BTreeSet::from(["job".to_owned()]));
        let vars = Variables::from([("job".to_owned(), json!("nightly-etl"))]);
        let rendered = request.rendered(&vars);
        assert_eq!(rendered.query["job"], "nightly-etl");
        assert_eq!(
            rendered.body,
            Some(RequestBody::Graphql {
                query: "query($job: String) { runs(job: $job) { runId } }".into(),
                variables: crate::request::JsonTemplate(json!({"job": "nightly-etl", "limit": 5})),
            })
        );
        assert_eq!(request.declared_read_only(), Some(true));
    }

    #[test]
    fn a_query_parameter_that_is_only_an_unset_variable_is_left_out() {
        let request = RequestSpec::get("/api/2.1/jobs/runs/list?limit=25&job_id={{job}}");
        assert_eq!(request.placeholders(), BTreeSet::from(["job".to_owned()]));
        let unset = request.rendered(&Variables::new());
        assert_eq!(unset.query.keys().collect::<Vec<_>>(), ["limit"]);
        let set = request.rendered(&Variables::from([("job".to_owned(), json!("101"))]));
        assert_eq!(set.query["job_id"], "101");
    }
}
