//! SQL statement APIs: how a statement defined on a tool is sent (its SQL text from the tool's
//! settings, the page's values as the API's bound parameters — never spliced into the SQL)
//! and how a successful HTTP answer can still report a failed statement.
//!
//! One adapter per API, chosen by the tool's `kind`. Adding a warehouse with a statement API
//! is one more implementation of [`StatementDialect`].

use domain::request::{SqlStatement, StatementParameter};
use serde_json::{Map, Value, json};

/// A statement with its bound values, in the statement's declared parameter order.
pub type Bound<'a> = [(&'a StatementParameter, Option<String>)];

pub trait StatementDialect: Sync {
    /// Where the API takes statements; other bodies sent there are refused, so SQL text can
    /// only come from the tool's settings.
    fn statement_path(&self) -> &'static str;

    /// The request body that runs `statement` with `values`; `config` is the tool's settings
    /// (warehouse, catalog…).
    fn body(&self, config: &Value, statement: &SqlStatement, values: &Bound<'_>) -> Value;

    /// Why the statement failed, when the API answered 200 but the statement did not finish.
    fn failure(&self, answer: &Value) -> Option<String>;
}

/// The adapter for a tool kind, if it runs SQL statements.
pub fn dialect_for(kind: &str) -> Option<&'static dyn StatementDialect> {
    match kind {
        "databricks" => Some(&Databricks),
        "snowflake" => Some(&Snowflake),
        _ => None,
    }
}

/// Whether `path` is where the tool's API takes SQL: `/api/2.0/sql/statements`, also written
/// with doubled or trailing slashes or in another case.
pub fn takes_sql(dialect: &dyn StatementDialect, path: &str) -> bool {
    let normalized: Vec<&str> = path.split('/').filter(|part| !part.is_empty()).collect();
    let statements: Vec<&str> = dialect
        .statement_path()
        .split('/')
        .filter(|part| !part.is_empty())
        .collect();
    normalized.len() >= statements.len()
        && normalized
            .iter()
            .zip(&statements)
            .all(|(given, wanted)| given.eq_ignore_ascii_case(wanted))
}

/// Copies the named settings that are set from the tool's config into the body.
fn copy_settings(body: &mut Map<String, Value>, config: &Value, keys: &[(&str, &str)]) {
    for (config_key, body_key) in keys {
        if let Some(value) = config.get(*config_key).filter(|value| !value.is_null()) {
            body.insert((*body_key).to_owned(), value.clone());
        }
    }
}

/// Databricks SQL Statement Execution API 2.0 (`POST /api/2.0/sql/statements`): named
/// parameter markers (`:name`), results inline as JSON arrays of strings.
pub struct Databricks;

impl StatementDialect for Databricks {
    fn statement_path(&self) -> &'static str {
        "/api/2.0/sql/statements"
    }

    fn body(&self, config: &Value, statement: &SqlStatement, values: &Bound<'_>) -> Value {
        let parameters: Vec<Value> = values
            .iter()
            .map(|(parameter, value)| {
                // An omitted value binds SQL NULL.
                let mut bound = json!({"name": parameter.name, "type": parameter.sql_type});
                if let Some(value) = value {
                    bound["value"] = Value::String(value.clone());
                }
                bound
            })
            .collect();
        let mut body = Map::new();
        body.insert("statement".into(), Value::String(statement.sql.clone()));
        copy_settings(
            &mut body,
            config,
            &[
                ("warehouse_id", "warehouse_id"),
                ("catalog", "catalog"),
                ("schema", "schema"),
            ],
        );
        body.insert("parameters".into(), Value::Array(parameters));
        // Wait for the result within the request, and cancel rather than leave it running:
        // widgets cannot poll.
        body.insert("wait_timeout".into(), json!("30s"));
        body.insert("on_wait_timeout".into(), json!("CANCEL"));
        body.insert("disposition".into(), json!("INLINE"));
        body.insert("format".into(), json!("JSON_ARRAY"));
        Value::Object(body)
    }

    fn failure(&self, answer: &Value) -> Option<String> {
        let state = answer.pointer("/status/state").and_then(Value::as_str)?;
        if state == "SUCCEEDED" {
            return None;
        }
        Some(
            answer
                .pointer("/status/error/message")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .unwrap_or_else(|| format!("the statement ended {state}")),
        )
    }
}

/// Snowflake SQL API v2 (`POST /api/v2/statements`): positional `?` markers bound as
/// `bindings: {"1": {type, value}, …}` in the statement's declared parameter order.
pub struct Snowflake;

/// Snowflake's code for "executed successfully".
const SNOWFLAKE_SUCCESS: &str = "090001";
/// …and for "still running, poll the status URL".
const SNOWFLAKE_RUNNING: &str = "333334";

impl StatementDialect for Snowflake {
    fn statement_path(&self) -> &'static str {
        "/api/v2/statements"
    }

    fn body(&self, config: &Value, statement: &SqlStatement, values: &Bound<'_>) -> Value {
        let bindings: Map<String, Value> = values
            .iter()
            .enumerate()
            .map(|(index, (parameter, value))| {
                (
                    (index + 1).to_string(),
                    json!({"type": parameter.sql_type, "value": value}),
                )
            })
            .collect();
        let mut body = Map::new();
        body.insert("statement".into(), Value::String(statement.sql.clone()));
        body.insert("timeout".into(), json!(30));
        copy_settings(
            &mut body,
            config,
            &[
                ("warehouse", "warehouse"),
                ("database", "database"),
                ("schema", "schema"),
                ("role", "role"),
            ],
        );
        if !bindings.is_empty() {
            body.insert("bindings".into(), Value::Object(bindings));
        }
        Value::Object(body)
    }

    fn failure(&self, answer: &Value) -> Option<String> {
        match answer.get("code").and_then(Value::as_str) {
            None | Some(SNOWFLAKE_SUCCESS) => None,
            Some(SNOWFLAKE_RUNNING) => {
                Some("the statement is still running after 30 seconds".to_owned())
            }
            Some(code) => Some(
                answer
                    .get("message")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .unwrap_or_else(|| format!("the statement failed with code {code}")),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement() -> SqlStatement {
        SqlStatement {
            sql: "SELECT * FROM runs WHERE result = :result AND minutes > :minutes".into(),
            parameters: vec![
                StatementParameter {
                    name: "result".into(),
                    sql_type: "STRING".into(),
                },
                StatementParameter {
                    name: "minutes".into(),
                    sql_type: "INT".into(),
                },
            ],
            write: false,
            description: String::new(),
        }
    }

    #[test]
    fn databricks_sends_named_parameters_and_omits_null_values() {
        let statement = statement();
        let values = [
            (&statement.parameters[0], Some("FAILED".to_owned())),
            (&statement.parameters[1], None),
        ];
        let body = Databricks.body(&json!({"warehouse_id": "wh-1"}), &statement, &values);
        assert_eq!(body["statement"], statement.sql);
        assert_eq!(body["warehouse_id"], "wh-1");
        assert_eq!(
            body["parameters"],
            json!([{"name": "result", "type": "STRING", "value": "FAILED"}, {"name": "minutes", "type": "INT"}])
        );
        assert_eq!(
            Databricks.failure(&json!({"status": {"state": "FAILED", "error": {"message": "[PARSE_SYNTAX_ERROR]"}}})),
            Some("[PARSE_SYNTAX_ERROR]".to_owned())
        );
        assert_eq!(
            Databricks.failure(&json!({"status": {"state": "SUCCEEDED"}})),
            None
        );
    }

    #[test]
    fn the_statement_path_is_recognised_however_it_is_written() {
        for path in [
            "/api/2.0/sql/statements",
            "/api/2.0/sql/statements/",
            "//api/2.0//sql/statements",
            "/API/2.0/SQL/Statements",
            "/api/2.0/sql/statements/01ef/cancel",
        ] {
            assert!(takes_sql(&Databricks, path), "{path}");
        }
        assert!(!takes_sql(&Databricks, "/api/2.1/jobs/run-now"));
        assert!(takes_sql(&Snowflake, "/api/v2/statements"));
    }

    #[test]
    fn snowflake_binds_by_position() {
        let statement = statement();
        let values = [
            (&statement.parameters[0], Some("FAILED".to_owned())),
            (&statement.parameters[1], Some("5".to_owned())),
        ];
        let body = Snowflake.body(&json!({"warehouse": "OPS_WH"}), &statement, &values);
        assert_eq!(
            body["bindings"],
            json!({"1": {"type": "STRING", "value": "FAILED"}, "2": {"type": "INT", "value": "5"}})
        );
        assert_eq!(body["warehouse"], "OPS_WH");
        assert!(
            Snowflake
                .failure(&json!({"code": "333334"}))
                .unwrap()
                .contains("still running")
        );
    }
}
