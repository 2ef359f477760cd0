//! What a request sends besides its path and query — a JSON body, a GraphQL operation or a
//! SQL statement defined on the tool — and the `{{name}}` placeholders that fill requests in
//! from page variables and form values.
//!
//! Placeholders are substituted into parsed JSON values, never into JSON text: a string that
//! is exactly `"{{name}}"` becomes the variable's JSON value (string, number, boolean or
//! `null` when unset); a placeholder inside longer text is replaced by the value's text, and
//! the result stays one JSON string. So no value can break out of its place in the document.

use std::{
    cmp::Ordering,
    collections::{BTreeMap, BTreeSet},
    hash::{Hash, Hasher},
};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ValidationIssue;

/// Variable name → value: page variables (text) and form values (typed by field kind).
pub type Variables = BTreeMap<String, Value>;

/// A JSON document whose strings may hold `{{name}}` placeholders.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct JsonTemplate(pub Value);

// Requests are cache keys and sort in maps; JSON values do neither, their canonical text
// (object keys are sorted) does.
impl Hash for JsonTemplate {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.to_string().hash(state);
    }
}

impl PartialOrd for JsonTemplate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for JsonTemplate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.to_string().cmp(&other.0.to_string())
    }
}

impl JsonTemplate {
    /// The document with every placeholder replaced.
    pub fn render(&self, variables: &Variables) -> JsonTemplate {
        JsonTemplate(render_value(&self.0, variables))
    }

    /// The variable names its placeholders use.
    pub fn placeholders(&self) -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        visit_strings(&self.0, "", &mut |_, text| {
            if let Ok(segments) = parse(text) {
                names.extend(segments.into_iter().filter_map(|segment| match segment {
                    Segment::Variable(name) => Some(name.to_owned()),
                    Segment::Text(_) => None,
                }));
            }
        });
        names
    }

    /// Reports malformed placeholders with the JSON path of the string holding them.
    pub(crate) fn check(&self, path: &str, issues: &mut Vec<ValidationIssue>) {
        self.check_as(path, Placeholders::Variables, issues);
    }

    fn check_as(&self, path: &str, placeholders: Placeholders, issues: &mut Vec<ValidationIssue>) {
        if placeholders == Placeholders::Elsewhere {
            return;
        }
        visit_strings(&self.0, path, &mut |at, text| {
            if let Err(message) = parse(text) {
                issues.push(ValidationIssue::new(at, message));
            }
        });
    }
}

/// What the `{{…}}` in a request mean: page variables and form values (checked here), or
/// something the caller checks (a workflow's JMESPath templates).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Placeholders {
    Variables,
    Elsewhere,
}

/// The body of a POST request.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RequestBody {
    /// A JSON document sent as is, placeholders filled in. It changes data (never cached or
    /// retried) unless the tool declares the endpoint a read; `read_only` asks to treat it as
    /// one, and counts only where the tool agrees.
    Json {
        template: JsonTemplate,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        read_only: bool,
    },
    /// A GraphQL operation, sent as `{"query", "variables"}`. Queries read; mutations write.
    Graphql {
        query: String,
        #[serde(default, skip_serializing_if = "is_null_template")]
        variables: JsonTemplate,
    },
    /// A SQL statement an Admin or Integrator defined on the tool, by name, with values for
    /// its parameters. The SQL text never comes from the page; values travel as the API's
    /// bound parameters.
    Statement {
        name: String,
        #[serde(default, skip_serializing_if = "is_null_template")]
        parameters: JsonTemplate,
    },
}

fn is_null_template(template: &JsonTemplate) -> bool {
    template.0.is_null()
}

impl RequestBody {
    /// The body with every placeholder replaced.
    pub fn render(&self, variables: &Variables) -> RequestBody {
        match self {
            RequestBody::Json {
                template,
                read_only,
            } => RequestBody::Json {
                template: template.render(variables),
                read_only: *read_only,
            },
            RequestBody::Graphql {
                query,
                variables: v,
            } => RequestBody::Graphql {
                query: query.clone(),
                variables: v.render(variables),
            },
            RequestBody::Statement { name, parameters } => RequestBody::Statement {
                name: name.clone(),
                parameters: parameters.render(variables),
            },
        }
    }

    pub fn placeholders(&self) -> BTreeSet<String> {
        match self {
            RequestBody::Json { template, .. } => template.placeholders(),
            RequestBody::Graphql { variables, .. } => variables.placeholders(),
            RequestBody::Statement { parameters, .. } => parameters.placeholders(),
        }
    }

    /// Whether sending it only reads: `None` for statements, whose definition on the tool
    /// decides.
    pub fn declared_read_only(&self) -> Option<bool> {
        match self {
            RequestBody::Json { read_only, .. } => Some(*read_only),
            RequestBody::Graphql { query, .. } => {
                Some(graphql_operation(query) == Some(GraphqlOperation::Query))
            }
            RequestBody::Statement { .. } => None,
        }
    }

    /// Reports what is wrong with the body; `placeholders` says whether `{{…}}` are page
    /// variables to check here.
    pub(crate) fn check_as(
        &self,
        path: &str,
        placeholders: Placeholders,
        issues: &mut Vec<ValidationIssue>,
    ) {
        match self {
            RequestBody::Json { template, .. } => {
                template.check_as(&format!("{path}.template"), placeholders, issues)
            }
            RequestBody::Graphql { query, variables } => {
                match graphql_operation(query) {
                    None => issues.push(ValidationIssue::new(
                        format!("{path}.query"),
                        "write a GraphQL query, e.g. `query { jobs { id name } }`",
                    )),
                    Some(GraphqlOperation::Subscription) => issues.push(ValidationIssue::new(
                        format!("{path}.query"),
                        "subscriptions are not supported; use a query",
                    )),
                    Some(_) => {}
                }
                check_object(
                    &format!("{path}.variables"),
                    variables,
                    placeholders,
                    issues,
                );
            }
            RequestBody::Statement { name, parameters } => {
                if name.trim().is_empty() {
                    issues.push(ValidationIssue::new(
                        format!("{path}.name"),
                        "choose one of the statements defined on the tool",
                    ));
                }
                check_object(
                    &format!("{path}.parameters"),
                    parameters,
                    placeholders,
                    issues,
                );
            }
        }
    }
}

/// GraphQL variables and statement parameters: an object (or nothing) with placeholders.
fn check_object(
    path: &str,
    template: &JsonTemplate,
    placeholders: Placeholders,
    issues: &mut Vec<ValidationIssue>,
) {
    if !(template.0.is_null() || template.0.is_object()) {
        issues.push(ValidationIssue::new(
            path,
            "use a JSON object of names and values",
        ));
    }
    template.check_as(path, placeholders, issues);
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphqlOperation {
    Query,
    Mutation,
    Subscription,
}

/// The operation type of a GraphQL document, from its first keyword (`{` is a query's
/// shorthand); comments are skipped. `None` when it is none of them.
pub fn graphql_operation(document: &str) -> Option<GraphqlOperation> {
    let code = document
        .lines()
        .map(|line| line.split('#').next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n");
    let code = code.trim_start();
    if code.starts_with('{') {
        return Some(GraphqlOperation::Query);
    }
    let keyword: String = code
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    match keyword.as_str() {
        "query" => Some(GraphqlOperation::Query),
        "mutation" => Some(GraphqlOperation::Mutation),
        "subscription" => Some(GraphqlOperation::Subscription),
        _ => None,
    }
}

/// Replaces the placeholders in every string of `template`.
pub fn render_value(template: &Value, variables: &Variables) -> Value {
    match template {
        Value::String(text) => render_string(text, variables),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|item| render_value(item, variables))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), render_value(value, variables)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Renders `{{name}}` placeholders in text: the variable's value for a lone placeholder,
/// text otherwise. Malformed text is left as it is (validation reports it when saved).
pub fn render_string(text: &str, variables: &Variables) -> Value {
    let Ok(segments) = parse(text) else {
        return Value::String(text.to_owned());
    };
    if let [Segment::Variable(name)] = segments.as_slice() {
        return variables.get(*name).cloned().unwrap_or(Value::Null);
    }
    let mut rendered = String::new();
    for segment in segments {
        match segment {
            Segment::Text(text) => rendered.push_str(text),
            Segment::Variable(name) => {
                rendered.push_str(&value_text(variables.get(name).unwrap_or(&Value::Null)))
            }
        }
    }
    Value::String(rendered)
}

/// A value as it reads inside text: strings bare, `null` as nothing, the rest as JSON.
pub fn value_text(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Text(&'a str),
    Variable(&'a str),
}

/// A part of a text with `{{…}}` placeholders: literal text, or what stands between the
/// braces (trimmed).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Part<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// Splits text into literal parts and placeholders; `{{` always opens one.
pub(crate) fn placeholder_parts(text: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        if start > 0 {
            parts.push(Part::Text(&rest[..start]));
        }
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| "a placeholder opened with {{ is not closed with }}".to_owned())?;
        parts.push(Part::Placeholder(after[..end].trim()));
        rest = &after[end + 2..];
    }
    if !rest.is_empty() {
        parts.push(Part::Text(rest));
    }
    Ok(parts)
}

/// Splits text into literal parts and `{{name}}` placeholders naming variables.
fn parse(text: &str) -> Result<Vec<Segment<'_>>, String> {
    placeholder_parts(text)?
        .into_iter()
        .map(|part| match part {
            Part::Text(text) => Ok(Segment::Text(text)),
            Part::Placeholder(name) if is_variable_name(name) => Ok(Segment::Variable(name)),
            Part::Placeholder(name) => Err(format!(
                "\"{{{{{name}}}}}\" is not a placeholder: use {{{{name}}}} with letters, digits, _ . -"
            )),
        })
        .collect()
}

fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// SQL-safe names for statements and their parameters.
fn is_identifier(name: &str) -> bool {
    is_variable_name(name) && !name.contains(['.', '-'])
}

/// Calls `visit` with the JSON path and text of every string in `value`.
fn visit_strings(value: &Value, path: &str, visit: &mut impl FnMut(&str, &str)) {
    match value {
        Value::String(text) => visit(path, text),
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                visit_strings(item, &format!("{path}[{index}]"), visit);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let at = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                visit_strings(item, &at, visit);
            }
        }
        _ => {}
    }
}

/// A SQL statement an Admin or Integrator defined on a tool (`config.statements.<name>`).
/// Pages refer to it by name and supply only parameter values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlStatement {
    pub sql: String,
    /// In the order the API binds them (Snowflake binds by position).
    #[serde(default)]
    pub parameters: Vec<StatementParameter>,
    /// Statements that change data run only from form submissions, never for a widget.
    #[serde(default)]
    pub write: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatementParameter {
    pub name: String,
    /// The type as the API names it: `STRING`, `INT`, `DATE`… (Databricks) or `TEXT`,
    /// `FIXED`, `DATE`… (Snowflake).
    #[serde(rename = "type")]
    pub sql_type: String,
}

/// The statements defined in a tool's `config.statements`, each checked, with field paths.
pub fn statements_in(
    config: &Value,
) -> Result<BTreeMap<String, SqlStatement>, Vec<ValidationIssue>> {
    let Some(raw) = config.get("statements").filter(|value| !value.is_null()) else {
        return Ok(BTreeMap::new());
    };
    let statements: BTreeMap<String, SqlStatement> = serde_path_to_error::deserialize(raw.clone())
        .map_err(|err| {
            vec![ValidationIssue::new(
                format!("config.statements.{}", err.path()),
                err.inner().to_string(),
            )]
        })?;
    let mut issues = Vec::new();
    for (name, statement) in &statements {
        let at = format!("config.statements.{name}");
        if !is_identifier(name) {
            issues.push(ValidationIssue::new(
                at.clone(),
                "name statements with letters, digits and _",
            ));
        }
        if statement.sql.trim().is_empty() {
            issues.push(ValidationIssue::new(
                format!("{at}.sql"),
                "write the SQL text",
            ));
        }
        let mut seen = BTreeSet::new();
        for (index, parameter) in statement.parameters.iter().enumerate() {
            let field = format!("{at}.parameters[{index}]");
            if !is_identifier(&parameter.name) {
                issues.push(ValidationIssue::new(
                    format!("{field}.name"),
                    "name parameters with letters, digits and _",
                ));
            } else if !seen.insert(parameter.name.as_str()) {
                issues.push(ValidationIssue::new(
                    format!("{field}.name"),
                    format!("duplicate parameter \"{}\"", parameter.name),
                ));
            }
            if parameter.sql_type.trim().is_empty() {
                issues.push(ValidationIssue::new(
                    format!("{field}.type"),
                    "give the parameter's SQL type",
                ));
            }
        }
    }
    crate::error::collected(issues).map(|()| statements)
}

/// Parameter values for a statement, in its declared order: the value given (rendered) or
/// `None` (SQL NULL). Values the statement does not declare are refused.
pub fn bind_parameters<'a>(
    statement: &'a SqlStatement,
    values: &Value,
) -> Result<Vec<(&'a StatementParameter, Option<String>)>, String> {
    let given = match values {
        Value::Null => serde_json::Map::new(),
        Value::Object(map) => map.clone(),
        _ => return Err("statement parameters must be a JSON object".to_owned()),
    };
    if let Some(unknown) = given
        .keys()
        .find(|key| !statement.parameters.iter().any(|p| &p.name == *key))
    {
        return Err(format!("the statement has no parameter \"{unknown}\""));
    }
    Ok(statement
        .parameters
        .iter()
        .map(|parameter| {
            let value = given
                .get(&parameter.name)
                .filter(|value| !value.is_null())
                .map(value_text);
            (parameter, value)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn vars(pairs: Value) -> Variables {
        serde_json::from_value(pairs).unwrap()
    }

    #[test]
    fn lone_placeholders_keep_the_value_type_and_embedded_ones_become_text() {
        let template = JsonTemplate(json!({
            "short_description": "{{summary}}",
            "urgency": "{{ urgency }}",
            "notify": "{{notify}}",
            "missing": "{{nobody}}",
            "note": "Opened by {{who}} ({{urgency}}){{nobody}}",
            "list": ["{{summary}}", 3, null]
        }));
        let rendered = template.render(&vars(json!({
            "summary": "Disk full", "urgency": 2, "notify": true, "who": "Ada"
        })));
        assert_eq!(
            rendered.0,
            json!({
                "short_description": "Disk full", "urgency": 2, "notify": true, "missing": null,
                "note": "Opened by Ada (2)", "list": ["Disk full", 3, null]
            })
        );
        assert_eq!(
            template.placeholders(),
            BTreeSet::from(["nobody", "notify", "summary", "urgency", "who"].map(str::to_owned))
        );
    }

    #[test]
    fn values_never_escape_their_json_string() {
        let hostile = r#"x", "admin": true, "y": ""#;
        let rendered = JsonTemplate(json!({"a": "{{v}}", "b": "say {{v}}"}))
            .render(&vars(json!({"v": hostile})));
        assert_eq!(rendered.0["a"], hostile);
        assert_eq!(rendered.0["b"], format!("say {hostile}"));
        assert_eq!(rendered.0.as_object().unwrap().len(), 2);
        // A value that looks like a placeholder is not rendered again.
        let twice = render_string("{{v}}", &vars(json!({"v": "{{secret}}"})));
        assert_eq!(twice, json!("{{secret}}"));
    }

    #[test]
    fn malformed_placeholders_are_reported_with_their_path() {
        let mut issues = Vec::new();
        RequestBody::Json {
            template: JsonTemplate(
                json!({"a": {"b": ["ok {{x}}", "{{ bad name }}"]}, "c": "{{open"}),
            ),
            read_only: false,
        }
        .check_as("request.body", Placeholders::Variables, &mut issues);
        let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(
            paths,
            ["request.body.template.a.b[1]", "request.body.template.c"]
        );
    }

    #[test]
    fn graphql_operations_are_told_apart() {
        assert_eq!(
            graphql_operation("# jobs\n query Jobs { jobs { id } }"),
            Some(GraphqlOperation::Query)
        );
        assert_eq!(
            graphql_operation("{ jobs { id } }"),
            Some(GraphqlOperation::Query)
        );
        assert_eq!(
            graphql_operation("mutation { retry(id: 1) { id } }"),
            Some(GraphqlOperation::Mutation)
        );
        assert_eq!(graphql_operation("jobs"), None);
        let mutation = RequestBody::Graphql {
            query: "mutation M { retry }".into(),
            variables: JsonTemplate::default(),
        };
        assert_eq!(mutation.declared_read_only(), Some(false));
    }

    #[test]
    fn statements_are_read_from_tool_config_and_checked() {
        let config = json!({"statements": {
            "runs_by_result": {"sql": "SELECT 1 WHERE r = :result", "parameters": [{"name": "result", "type": "STRING"}]},
            "bad": {"sql": " ", "parameters": [{"name": "a", "type": "INT"}, {"name": "a", "type": ""}]}
        }});
        let paths: Vec<String> = statements_in(&config)
            .unwrap_err()
            .into_iter()
            .map(|issue| issue.path)
            .collect();
        assert_eq!(
            paths,
            [
                "config.statements.bad.sql",
                "config.statements.bad.parameters[1].name",
                "config.statements.bad.parameters[1].type"
            ]
        );
        assert!(statements_in(&json!({})).unwrap().is_empty());
        let typo = statements_in(&json!({"statements": {"s": {"sql": "x", "params": []}}}));
        assert!(typo.unwrap_err()[0].path.starts_with("config.statements.s"));
    }

    #[test]
    fn parameters_bind_in_declared_order_and_unknown_ones_are_refused() {
        let statement = SqlStatement {
            sql: "SELECT :a, :b".into(),
            parameters: vec![
                StatementParameter {
                    name: "a".into(),
                    sql_type: "INT".into(),
                },
                StatementParameter {
                    name: "b".into(),
                    sql_type: "STRING".into(),
                },
            ],
            write: false,
            description: String::new(),
        };
        let bound = bind_parameters(&statement, &json!({"b": "x", "a": 7})).unwrap();
        let values: Vec<_> = bound
            .iter()
            .map(|(p, v)| (p.name.as_str(), v.clone()))
            .collect();
        assert_eq!(
            values,
            [("a", Some("7".to_owned())), ("b", Some("x".to_owned()))]
        );
        let nulls = bind_parameters(&statement, &json!({"a": null})).unwrap();
        assert_eq!(nulls[0].1, None);
        assert!(bind_parameters(&statement, &json!({"c": 1})).is_err());
    }
}
