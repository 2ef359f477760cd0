//! Demo SQL warehouses: the Databricks SQL Statement Execution API and the Snowflake SQL API.
//!
//! They run no SQL. Each answers the few documented demo statements (matched by their text,
//! whitespace aside) from the same deterministic data as the other mocks, with the real
//! response shapes, and checks what the real services check: a warehouse, every parameter
//! marker bound, values that fit their declared type. Any other statement fails the way the
//! real service reports a missing table.

use axum::{Json, http::StatusCode, response::IntoResponse, response::Response};
use serde_json::{Value, json};

use super::RUNS;

/// The demo statements, exactly as the connector manifests and the seed define them.
pub const RUNS_BY_RESULT: &str = "SELECT run_name AS job, count(*) AS runs FROM demo.jobs.runs WHERE result_state = :result GROUP BY run_name ORDER BY runs DESC, job";
pub const SLOWEST_RUNS: &str = "SELECT run_id, run_name AS job, round(run_duration / 60000, 1) AS minutes FROM demo.jobs.runs WHERE run_name = :job ORDER BY run_duration DESC LIMIT :limit";
pub const WAREHOUSE_CREDITS: &str = "SELECT warehouse_name, credits_used FROM demo.usage.warehouse_credits WHERE credits_used >= ? ORDER BY credits_used DESC";

const WAREHOUSES: &[(&str, &str)] = &[
    ("ANALYTICS_WH", "412.50"),
    ("ETL_WH", "388.00"),
    ("BI_WH", "141.25"),
    ("ADHOC_WH", "37.75"),
    ("ML_WH", "12.00"),
];

fn normalized(sql: &str) -> String {
    sql.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A short, stable id for a request: the same statement and values give the same id.
fn stable_id(parts: &[&str]) -> u64 {
    // FNV-1a: deterministic across runs, unlike the std hasher.
    parts
        .iter()
        .flat_map(|part| part.bytes().chain([0]))
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

/// `:name` parameter markers in Databricks SQL, in order of appearance, outside literals.
fn named_markers(sql: &str) -> Vec<String> {
    let mut markers = Vec::new();
    let mut quoted = false;
    for (index, c) in sql.char_indices() {
        match c {
            '\'' => quoted = !quoted,
            ':' if !quoted => {
                let name: String = sql[index + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && !markers.contains(&name) {
                    markers.push(name);
                }
            }
            _ => {}
        }
    }
    markers
}

fn databricks_bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"error_code": "INVALID_PARAMETER_VALUE", "message": message})),
    )
        .into_response()
}

/// A statement that ran but failed: HTTP 200, `status.state` FAILED, as the real API answers.
fn databricks_failed(statement_id: &str, error_code: &str, message: String) -> Response {
    Json(json!({
        "statement_id": statement_id,
        "status": {"state": "FAILED", "error": {"error_code": error_code, "message": message}}
    }))
    .into_response()
}

/// `POST /api/2.0/sql/statements` with `statement`, `warehouse_id` and named `parameters`
/// (`[{name, value, type}]`, a missing value meaning NULL); answers inline `JSON_ARRAY`
/// results, every value a string as the real API sends them.
pub async fn databricks_statement(body: Option<Json<Value>>) -> Response {
    let Some(Json(body)) = body else {
        return databricks_bad_request("The request body must be JSON.");
    };
    let Some(statement) = body["statement"].as_str() else {
        return databricks_bad_request("statement is required.");
    };
    if body["warehouse_id"].as_str().is_none_or(str::is_empty) {
        return databricks_bad_request("warehouse_id is required.");
    }
    let mut values: Vec<(String, Option<String>, String)> = Vec::new();
    for parameter in body["parameters"].as_array().into_iter().flatten() {
        let Some(name) = parameter["name"].as_str() else {
            return databricks_bad_request("Every parameter needs a name.");
        };
        let value = match &parameter["value"] {
            Value::Null => None,
            Value::String(text) => Some(text.clone()),
            _ => return databricks_bad_request("Parameter values are strings."),
        };
        let sql_type = parameter["type"]
            .as_str()
            .unwrap_or("STRING")
            .to_uppercase();
        values.push((name.to_owned(), value, sql_type));
    }
    let id_parts: Vec<String> = std::iter::once(statement.to_owned())
        .chain(values.iter().map(|(n, v, _)| format!("{n}={v:?}")))
        .collect();
    let statement_id = format!(
        "01ef0000-{:016x}",
        stable_id(&id_parts.iter().map(String::as_str).collect::<Vec<_>>())
    );
    for marker in named_markers(statement) {
        if !values.iter().any(|(name, _, _)| *name == marker) {
            return databricks_failed(
                &statement_id,
                "BAD_REQUEST",
                format!(
                    "[UNBOUND_SQL_PARAMETER] Found the unbound parameter: {marker}. Please, fix `args` and provide a mapping of the parameter to a SQL literal."
                ),
            );
        }
    }
    let value_of = |name: &str| {
        values
            .iter()
            .find(|(n, _, _)| n == name)
            .and_then(|(_, v, _)| v.clone())
    };
    for (name, value, sql_type) in &values {
        if let Some(value) = value
            && matches!(sql_type.as_str(), "INT" | "BIGINT" | "LONG" | "SMALLINT")
            && value.parse::<i64>().is_err()
        {
            return databricks_failed(
                &statement_id,
                "BAD_REQUEST",
                format!(
                    "[CAST_INVALID_INPUT] The value '{value}' of the type \"STRING\" cannot be cast to \"{sql_type}\" (parameter :{name})."
                ),
            );
        }
    }
    let sql = normalized(statement);
    let (columns, rows): (&[(&str, &str)], Vec<Vec<String>>) = if sql == RUNS_BY_RESULT {
        let wanted = value_of("result");
        let mut counts: Vec<(String, usize)> = Vec::new();
        for run in RUNS
            .iter()
            .filter(|run| run["state"]["result_state"].as_str() == wanted.as_deref())
        {
            let name = run["run_name"].as_str().unwrap_or_default().to_owned();
            match counts.iter_mut().find(|(job, _)| *job == name) {
                Some((_, count)) => *count += 1,
                None => counts.push((name, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        (
            &[("job", "STRING"), ("runs", "LONG")],
            counts
                .into_iter()
                .map(|(job, count)| vec![job, count.to_string()])
                .collect(),
        )
    } else if sql == SLOWEST_RUNS {
        let job = value_of("job");
        let limit = value_of("limit")
            .and_then(|limit| limit.parse::<usize>().ok())
            .unwrap_or(usize::MAX);
        let mut runs: Vec<&Value> = RUNS
            .iter()
            .filter(|run| run["run_name"].as_str() == job.as_deref())
            .collect();
        runs.sort_by_key(|run| std::cmp::Reverse(run["run_duration"].as_i64()));
        (
            &[("run_id", "LONG"), ("job", "STRING"), ("minutes", "DOUBLE")],
            runs.into_iter()
                .take(limit)
                .map(|run| {
                    let minutes = run["run_duration"].as_f64().unwrap_or_default() / 60_000.0;
                    vec![
                        run["run_id"].to_string(),
                        run["run_name"].as_str().unwrap_or_default().to_owned(),
                        format!("{:.1}", (minutes * 10.0).round() / 10.0),
                    ]
                })
                .collect(),
        )
    } else {
        return databricks_failed(
            &statement_id,
            "BAD_REQUEST",
            "[TABLE_OR_VIEW_NOT_FOUND] The demo warehouse only answers its demo statements (see docs/extending/connectors.md).".to_owned(),
        );
    };
    let row_count = rows.len();
    Json(json!({
        "statement_id": statement_id,
        "status": {"state": "SUCCEEDED"},
        "manifest": {
            "format": "JSON_ARRAY",
            "schema": {
                "column_count": columns.len(),
                "columns": columns.iter().enumerate().map(|(position, (name, type_name))| json!({
                    "name": name, "type_text": type_name, "type_name": type_name, "position": position
                })).collect::<Vec<_>>()
            },
            "total_chunk_count": 1,
            "chunks": [{"chunk_index": 0, "row_offset": 0, "row_count": row_count}],
            "total_row_count": row_count,
            "truncated": false
        },
        "result": {"chunk_index": 0, "row_offset": 0, "row_count": row_count, "data_array": rows}
    }))
    .into_response()
}

fn snowflake_error(status: StatusCode, code: &str, message: &str, handle: &str) -> Response {
    (
        status,
        Json(json!({
            "code": code, "message": message, "sqlState": "42601", "statementHandle": handle,
            "statementStatusUrl": format!("/api/v2/statements/{handle}")
        })),
    )
        .into_response()
}

/// `POST /api/v2/statements` with `statement`, `warehouse` and positional `bindings`
/// (`{"1": {type, value}}` for each `?`); answers `jsonv2` results.
pub async fn snowflake_statement(body: Option<Json<Value>>) -> Response {
    let Some(Json(body)) = body else {
        return snowflake_error(
            StatusCode::BAD_REQUEST,
            "390142",
            "Incoming request does not contain a valid payload.",
            "",
        );
    };
    let statement = body["statement"].as_str().unwrap_or_default();
    let bindings = body["bindings"].as_object().cloned().unwrap_or_default();
    let handle = {
        let id = stable_id(&[statement, &Value::Object(bindings.clone()).to_string()]);
        format!(
            "01b0{:04x}-0000-{:04x}-0000-{:012x}",
            id >> 48,
            (id >> 32) & 0xffff,
            id & 0xffff_ffff_ffff
        )
    };
    if statement.trim().is_empty() {
        return snowflake_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "002003",
            "SQL compilation error: the statement is empty.",
            &handle,
        );
    }
    if body["warehouse"].as_str().is_none_or(str::is_empty) {
        return snowflake_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "000606",
            "No active warehouse selected in the current session. Select an active warehouse with the 'use warehouse' command.",
            &handle,
        );
    }
    let markers = statement.matches('?').count();
    for position in 1..=markers {
        if !bindings.contains_key(&position.to_string()) {
            return snowflake_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "002049",
                &format!("SQL compilation error: Bind variable ?{position} not set."),
                &handle,
            );
        }
    }
    if normalized(statement) != WAREHOUSE_CREDITS {
        return snowflake_error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "002003",
            "SQL compilation error: Object does not exist or not authorized (the demo warehouse only answers its demo statements).",
            &handle,
        );
    }
    let minimum = match bindings["1"]["value"].as_str().map(str::parse::<f64>) {
        Some(Ok(minimum)) => minimum,
        None => f64::NEG_INFINITY,
        Some(Err(_)) => {
            return snowflake_error(
                StatusCode::UNPROCESSABLE_ENTITY,
                "100038",
                "Numeric value is not recognized",
                &handle,
            );
        }
    };
    let data: Vec<Vec<&str>> = WAREHOUSES
        .iter()
        .filter(|(_, credits)| credits.parse::<f64>().unwrap_or_default() >= minimum)
        .map(|(name, credits)| vec![*name, *credits])
        .collect();
    Json(json!({
        "resultSetMetaData": {
            "numRows": data.len(),
            "format": "jsonv2",
            "partitionInfo": [{"rowCount": data.len()}],
            "rowType": [
                {"name": "WAREHOUSE_NAME", "type": "text", "nullable": false, "length": 255},
                {"name": "CREDITS_USED", "type": "fixed", "nullable": false, "precision": 38, "scale": 2}
            ]
        },
        "data": data,
        "code": "090001",
        "statementStatusUrl": format!("/api/v2/statements/{handle}"),
        "sqlState": "00000",
        "statementHandle": handle,
        "message": "Statement executed successfully.",
        "createdOn": 1_793_512_800_000_i64
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_markers_skip_string_literals() {
        assert_eq!(
            named_markers("SELECT ':nope', a FROM t WHERE b = :b AND c = :c_2 OR d = :b"),
            ["b", "c_2"]
        );
        assert_eq!(named_markers(SLOWEST_RUNS), ["job", "limit"]);
    }
}
