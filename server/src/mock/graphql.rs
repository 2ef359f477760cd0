//! A demo GraphQL API over the demo Databricks jobs, `POST /mock/graphql`.
//!
//! Hand-rolled and deliberately small — it is a stand-in, not a GraphQL server. It executes
//! queries (named or shorthand `{ … }`) with nested field selections, aliases, arguments
//! given as literals or `$variables` (with defaults) and `__typename`, against this schema:
//!
//! ```graphql
//! type Query {
//!   jobs: [Job!]!
//!   job(id: Int!): Job
//!   runs(job: String, result: String, limit: Int = 10): [Run!]!
//! }
//! type Job { id: Int!  name: String!  runs(result: String, limit: Int = 5): [Run!]! }
//! type Run { runId: Int!  jobId: Int!  jobName: String!  result: String!
//!            startTime: String!  durationMs: Int! }
//! ```
//!
//! Not supported (answered with a GraphQL error): mutations, subscriptions, fragments,
//! directives, input objects and lists as arguments. Errors follow the spec's shape: HTTP 200
//! with `errors[].message` and `data: null`.

use axum::Json;
use chrono::{TimeZone, Utc};
use serde_json::{Map, Value, json};

use super::{JOBS, RUNS};

pub async fn respond(body: Option<Json<Value>>) -> Json<Value> {
    let outcome = match body {
        Some(Json(body)) => run(&body),
        None => Err("POST a JSON body with \"query\" (and optional \"variables\")".to_owned()),
    };
    Json(match outcome {
        Ok(data) => json!({ "data": data }),
        Err(message) => json!({ "errors": [{ "message": message }], "data": null }),
    })
}

fn run(body: &Value) -> Result<Value, String> {
    let query = body["query"].as_str().ok_or("Must provide query string.")?;
    let given = match &body["variables"] {
        Value::Null => Map::new(),
        Value::Object(map) => map.clone(),
        _ => return Err("Variables must be provided as an object.".to_owned()),
    };
    let operation = Parser::new(query).operation()?;
    let mut variables = operation.defaults;
    for (name, value) in given {
        if !value.is_null() {
            variables.insert(name, value);
        }
    }
    let context = Context { variables };
    resolve_selection(&context, Type::Query, &Value::Null, &operation.selection)
}

// --- parsing -------------------------------------------------------------------------------

#[derive(Debug)]
struct Operation {
    defaults: Map<String, Value>,
    selection: Vec<Field>,
}

#[derive(Debug)]
struct Field {
    alias: Option<String>,
    name: String,
    arguments: Vec<(String, Argument)>,
    selection: Option<Vec<Field>>,
}

#[derive(Debug)]
enum Argument {
    Literal(Value),
    Variable(String),
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser { text, at: 0 }
    }

    /// Skips whitespace, commas (insignificant in GraphQL) and `#` comments.
    fn skip(&mut self) {
        loop {
            let rest = &self.text[self.at..];
            let trimmed = rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
            self.at += rest.len() - trimmed.len();
            if trimmed.starts_with('#') {
                self.at += trimmed.find('\n').unwrap_or(trimmed.len());
            } else {
                return;
            }
        }
    }

    fn peek(&mut self) -> Option<char> {
        self.skip();
        self.text[self.at..].chars().next()
    }

    fn expect(&mut self, wanted: char) -> Result<(), String> {
        match self.peek() {
            Some(c) if c == wanted => {
                self.at += c.len_utf8();
                Ok(())
            }
            Some(c) => Err(format!(
                "Syntax Error: Expected \"{wanted}\", found \"{c}\"."
            )),
            None => Err(format!("Syntax Error: Expected \"{wanted}\", found <EOF>.")),
        }
    }

    fn name(&mut self) -> Result<String, String> {
        self.skip();
        let rest = &self.text[self.at..];
        let length = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if length == 0 || rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(match rest.chars().next() {
                Some('.') => "Fragments are not supported by the demo GraphQL API.".to_owned(),
                Some('@') => "Directives are not supported by the demo GraphQL API.".to_owned(),
                Some(c) => format!("Syntax Error: Expected Name, found \"{c}\"."),
                None => "Syntax Error: Expected Name, found <EOF>.".to_owned(),
            });
        }
        self.at += length;
        Ok(rest[..length].to_owned())
    }

    fn operation(&mut self) -> Result<Operation, String> {
        let mut defaults = Map::new();
        if self.peek() != Some('{') {
            match self.name()?.as_str() {
                "query" => {}
                "mutation" | "subscription" => {
                    return Err("The demo GraphQL API answers queries only.".to_owned());
                }
                other => {
                    return Err(format!("Syntax Error: Unexpected Name \"{other}\"."));
                }
            }
            if self
                .peek()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            {
                self.name()?;
            }
            if self.peek() == Some('(') {
                defaults = self.variable_definitions()?;
            }
        }
        let selection = self.selection_set()?;
        if let Some(c) = self.peek() {
            return Err(format!(
                "Syntax Error: Unexpected \"{c}\" after the operation (one operation per request)."
            ));
        }
        Ok(Operation {
            defaults,
            selection,
        })
    }

    /// `($name: Type = default, …)`; types are read and not checked, defaults are kept.
    fn variable_definitions(&mut self) -> Result<Map<String, Value>, String> {
        self.expect('(')?;
        let mut defaults = Map::new();
        while self.peek() != Some(')') {
            self.expect('$')?;
            let name = self.name()?;
            self.expect(':')?;
            self.skip_type()?;
            if self.peek() == Some('=') {
                self.expect('=')?;
                match self.argument()? {
                    Argument::Literal(value) => {
                        defaults.insert(name, value);
                    }
                    Argument::Variable(_) => {
                        return Err("Syntax Error: a default cannot be a variable.".to_owned());
                    }
                }
            }
        }
        self.expect(')')?;
        Ok(defaults)
    }

    fn skip_type(&mut self) -> Result<(), String> {
        if self.peek() == Some('[') {
            self.expect('[')?;
            self.skip_type()?;
            self.expect(']')?;
        } else {
            self.name()?;
        }
        if self.peek() == Some('!') {
            self.expect('!')?;
        }
        Ok(())
    }

    fn selection_set(&mut self) -> Result<Vec<Field>, String> {
        self.expect('{')?;
        let mut fields = Vec::new();
        while self.peek() != Some('}') {
            if self.peek().is_none() {
                return Err("Syntax Error: Expected \"}\", found <EOF>.".to_owned());
            }
            fields.push(self.field()?);
        }
        self.expect('}')?;
        if fields.is_empty() {
            return Err("Syntax Error: Expected Name, found \"}\".".to_owned());
        }
        Ok(fields)
    }

    fn field(&mut self) -> Result<Field, String> {
        let first = self.name()?;
        let (alias, name) = if self.peek() == Some(':') {
            self.expect(':')?;
            (Some(first), self.name()?)
        } else {
            (None, first)
        };
        let mut arguments = Vec::new();
        if self.peek() == Some('(') {
            self.expect('(')?;
            while self.peek() != Some(')') {
                let argument = self.name()?;
                self.expect(':')?;
                arguments.push((argument, self.argument()?));
            }
            self.expect(')')?;
        }
        if self.peek() == Some('@') {
            return Err("Directives are not supported by the demo GraphQL API.".to_owned());
        }
        let selection = match self.peek() {
            Some('{') => Some(self.selection_set()?),
            _ => None,
        };
        Ok(Field {
            alias,
            name,
            arguments,
            selection,
        })
    }

    fn argument(&mut self) -> Result<Argument, String> {
        match self.peek() {
            Some('$') => {
                self.expect('$')?;
                Ok(Argument::Variable(self.name()?))
            }
            Some('"') => {
                self.at += 1;
                let rest = &self.text[self.at..];
                let mut text = String::new();
                let mut chars = rest.char_indices();
                while let Some((index, c)) = chars.next() {
                    match c {
                        '"' => {
                            self.at += index + 1;
                            return Ok(Argument::Literal(Value::String(text)));
                        }
                        '\\' => match chars.next() {
                            Some((_, 'n')) => text.push('\n'),
                            Some((_, escaped)) => text.push(escaped),
                            None => break,
                        },
                        c => text.push(c),
                    }
                }
                Err("Syntax Error: Unterminated string.".to_owned())
            }
            Some(c) if c == '-' || c.is_ascii_digit() => {
                let rest = &self.text[self.at..];
                let length = rest
                    .find(|c: char| {
                        !(c.is_ascii_digit() || matches!(c, '-' | '.' | 'e' | 'E' | '+'))
                    })
                    .unwrap_or(rest.len());
                let number: Value = serde_json::from_str(&rest[..length]).map_err(|_| {
                    format!("Syntax Error: Invalid number \"{}\".", &rest[..length])
                })?;
                self.at += length;
                Ok(Argument::Literal(number))
            }
            Some('[' | '{') => {
                Err("Lists and input objects are not supported by the demo GraphQL API.".to_owned())
            }
            _ => Ok(Argument::Literal(match self.name()?.as_str() {
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                "null" => Value::Null,
                // An enum value; the demo schema has none, so it reads as its name.
                other => Value::String(other.to_owned()),
            })),
        }
    }
}

// --- execution -----------------------------------------------------------------------------

struct Context {
    variables: Map<String, Value>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Type {
    Query,
    Job,
    Run,
}

impl Type {
    fn name(self) -> &'static str {
        match self {
            Type::Query => "Query",
            Type::Job => "Job",
            Type::Run => "Run",
        }
    }
}

/// What a field resolves to before its selection is applied.
enum Resolved {
    Scalar(Value),
    Object(Type, Value),
    List(Type, Vec<Value>),
}

/// The arguments a field accepts: name → (type name, default).
fn accepted(on: Type, field: &str) -> &'static [(&'static str, &'static str, Option<i64>)] {
    match (on, field) {
        (Type::Query, "job") => &[("id", "Int", None)],
        (Type::Query, "runs") => &[
            ("job", "String", None),
            ("result", "String", None),
            ("limit", "Int", Some(10)),
        ],
        (Type::Job, "runs") => &[("result", "String", None), ("limit", "Int", Some(5))],
        _ => &[],
    }
}

/// The field's arguments, checked against the schema, variables substituted.
fn arguments(context: &Context, on: Type, field: &Field) -> Result<Map<String, Value>, String> {
    let schema = accepted(on, &field.name);
    let mut values = Map::new();
    for (name, argument) in &field.arguments {
        let Some((_, kind, _)) = schema.iter().find(|(accepted, _, _)| accepted == name) else {
            return Err(format!(
                "Unknown argument \"{name}\" on field \"{}.{}\".",
                on.name(),
                field.name
            ));
        };
        let value = match argument {
            Argument::Literal(value) => value.clone(),
            Argument::Variable(variable) => context
                .variables
                .get(variable)
                .cloned()
                .ok_or_else(|| format!("Variable \"${variable}\" is not defined."))?,
        };
        let fits = match (*kind, &value) {
            (_, Value::Null) => true,
            ("Int", Value::Number(number)) => number.is_i64(),
            ("String", Value::String(_)) => true,
            _ => false,
        };
        if !fits {
            return Err(format!(
                "Argument \"{name}\" on field \"{}.{}\" has invalid value {value}: expected {kind}.",
                on.name(),
                field.name
            ));
        }
        if !value.is_null() {
            values.insert(name.clone(), value);
        }
    }
    for (name, _, default) in schema {
        if let Some(default) = default {
            values.entry(*name).or_insert(json!(default));
        }
    }
    Ok(values)
}

fn run_json(run: &Value) -> Value {
    let started = Utc
        .timestamp_millis_opt(run["start_time"].as_i64().unwrap_or_default())
        .single()
        .map(|time| time.to_rfc3339())
        .unwrap_or_default();
    json!({
        "runId": run["run_id"], "jobId": run["job_id"], "jobName": run["run_name"],
        "result": run["state"]["result_state"], "startTime": started, "durationMs": run["run_duration"]
    })
}

fn runs_matching(job: Option<&str>, job_id: Option<i64>, args: &Map<String, Value>) -> Vec<Value> {
    let limit = args
        .get("limit")
        .and_then(Value::as_i64)
        .unwrap_or(10)
        .clamp(0, 100) as usize;
    let result = args.get("result").and_then(Value::as_str);
    RUNS.iter()
        .filter(|run| job.is_none_or(|job| run["run_name"] == job))
        .filter(|run| job_id.is_none_or(|id| run["job_id"] == id))
        .filter(|run| result.is_none_or(|result| run["state"]["result_state"] == result))
        .take(limit)
        .map(run_json)
        .collect()
}

fn resolve_field(
    context: &Context,
    on: Type,
    parent: &Value,
    field: &Field,
) -> Result<Resolved, String> {
    let args = arguments(context, on, field)?;
    let unknown = || {
        Err(format!(
            "Cannot query field \"{}\" on type \"{}\".",
            field.name,
            on.name()
        ))
    };
    if field.name == "__typename" {
        return Ok(Resolved::Scalar(Value::String(on.name().to_owned())));
    }
    let job = |(id, name): &(i64, &str)| json!({"id": id, "name": name});
    Ok(match (on, field.name.as_str()) {
        (Type::Query, "jobs") => Resolved::List(Type::Job, JOBS.iter().map(job).collect()),
        (Type::Query, "job") => {
            let id = args
                .get("id")
                .and_then(Value::as_i64)
                .ok_or("Argument \"id\" of type \"Int!\" is required, but it was not provided.")?;
            match JOBS.iter().find(|(job_id, _)| *job_id == id) {
                Some(found) => Resolved::Object(Type::Job, job(found)),
                None => Resolved::Scalar(Value::Null),
            }
        }
        (Type::Query, "runs") => Resolved::List(
            Type::Run,
            runs_matching(args.get("job").and_then(Value::as_str), None, &args),
        ),
        (Type::Job, "runs") => {
            Resolved::List(Type::Run, runs_matching(None, parent["id"].as_i64(), &args))
        }
        (Type::Job, "id" | "name")
        | (Type::Run, "runId" | "jobId" | "jobName" | "result" | "startTime" | "durationMs") => {
            Resolved::Scalar(parent[field.name.as_str()].clone())
        }
        _ => return unknown(),
    })
}

fn resolve_selection(
    context: &Context,
    on: Type,
    parent: &Value,
    selection: &[Field],
) -> Result<Value, String> {
    let mut object = Map::new();
    for field in selection {
        let resolved = resolve_field(context, on, parent, field)?;
        let key = field.alias.clone().unwrap_or_else(|| field.name.clone());
        let value = match (resolved, &field.selection) {
            (Resolved::Scalar(value), None) => value,
            (Resolved::Scalar(Value::Null), Some(_)) => Value::Null,
            (Resolved::Scalar(_), Some(_)) => {
                return Err(format!(
                    "Field \"{}\" must not have a selection since its type has no subfields.",
                    field.name
                ));
            }
            (Resolved::Object(kind, _) | Resolved::List(kind, _), None) => {
                return Err(format!(
                    "Field \"{}\" of type \"{}\" must have a selection of subfields.",
                    field.name,
                    kind.name()
                ));
            }
            (Resolved::Object(kind, value), Some(inner)) => {
                resolve_selection(context, kind, &value, inner)?
            }
            (Resolved::List(kind, items), Some(inner)) => Value::Array(
                items
                    .iter()
                    .map(|item| resolve_selection(context, kind, item, inner))
                    .collect::<Result<_, _>>()?,
            ),
        };
        object.insert(key, value);
    }
    Ok(Value::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask(query: &str, variables: Value) -> Value {
        match run(&json!({"query": query, "variables": variables})) {
            Ok(data) => json!({"data": data}),
            Err(message) => json!({"errors": [{"message": message}]}),
        }
    }

    #[test]
    fn queries_select_nested_fields_with_variables_defaults_and_aliases() {
        let answer = ask(
            "# demo\nquery Failed($result: String = \"FAILED\", $limit: Int) {\n  failed: runs(result: $result, limit: $limit) { runId jobName result }\n  jobs { __typename id name runs(limit: 1) { jobId } }\n}",
            json!({"limit": 2}),
        );
        let failed = answer["data"]["failed"].as_array().unwrap();
        assert_eq!(failed.len(), 2);
        assert!(failed.iter().all(|run| run["result"] == "FAILED"));
        let jobs = answer["data"]["jobs"].as_array().unwrap();
        assert_eq!(jobs.len(), JOBS.len());
        assert_eq!(jobs[0]["__typename"], "Job");
        assert_eq!(jobs[0]["runs"][0]["jobId"], jobs[0]["id"]);
        assert_eq!(
            ask("{ job(id: 101) { name } }", json!(null))["data"]["job"]["name"],
            "nightly-etl"
        );
    }

    #[test]
    fn unsupported_or_wrong_queries_answer_graphql_errors() {
        for (query, message) in [
            ("{ nope }", "Cannot query field \"nope\" on type \"Query\"."),
            (
                "{ jobs }",
                "Field \"jobs\" of type \"Job\" must have a selection of subfields.",
            ),
            (
                "mutation { retry }",
                "The demo GraphQL API answers queries only.",
            ),
            (
                "{ runs(limit: \"x\") { runId } }",
                "Argument \"limit\" on field \"Query.runs\" has invalid value \"x\": expected Int.",
            ),
            (
                "query { runs(job: $job) { runId } }",
                "Variable \"$job\" is not defined.",
            ),
            (
                "{ jobs { ...JobFields } }",
                "Fragments are not supported by the demo GraphQL API.",
            ),
            (
                "{ jobs { id }",
                "Syntax Error: Expected \"}\", found <EOF>.",
            ),
        ] {
            assert_eq!(
                ask(query, json!({}))["errors"][0]["message"],
                message,
                "{query}"
            );
        }
    }
}
