//! The visual field mapper's logic: a tool's answer as a tree of fields, each with the
//! JMESPath expression that reaches it, and suggested mappings for a widget type.
//!
//! Arrays show one "each item" node whose fields project over every item (`runs[*].run_id`),
//! which is what tables and charts want; the array node itself selects the whole list.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::page::{TableColumn, WidgetKind};

/// Fields deeper than this are not shown; their parent is still clickable.
pub const MAX_DEPTH: usize = 8;
/// Keys of at most this many items are merged into an array's "each item" node.
const ITEMS_SAMPLED: usize = 20;
const MAX_CHILDREN: usize = 200;
const SAMPLE_CHARS: usize = 40;
const MAX_SUGGESTED_COLUMNS: usize = 6;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldNode {
    /// Key, `[*] each item`, or `(answer)` for the root.
    pub label: String,
    /// JMESPath that selects this field from the answer.
    pub expression: String,
    pub kind: FieldKind,
    /// A short rendering of an example value.
    pub sample: String,
    pub children: Vec<FieldNode>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Object,
    Array,
    Text,
    Number,
    Boolean,
    Null,
}

impl FieldKind {
    pub fn of(value: &Value) -> Self {
        match value {
            Value::Object(_) => Self::Object,
            Value::Array(_) => Self::Array,
            Value::String(_) => Self::Text,
            Value::Number(_) => Self::Number,
            Value::Bool(_) => Self::Boolean,
            Value::Null => Self::Null,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Object => "object",
            Self::Array => "list",
            Self::Text => "text",
            Self::Number => "number",
            Self::Boolean => "true/false",
            Self::Null => "empty",
        }
    }
}

/// The answer as a tree of fields.
pub fn field_tree(answer: &Value) -> FieldNode {
    node("(answer)".to_owned(), "@".to_owned(), answer, 0)
}

fn node(label: String, expression: String, value: &Value, depth: usize) -> FieldNode {
    let children = if depth >= MAX_DEPTH {
        Vec::new()
    } else {
        match value {
            Value::Object(map) => map
                .iter()
                .take(MAX_CHILDREN)
                .map(|(key, child)| {
                    node(key.clone(), child_path(&expression, key), child, depth + 1)
                })
                .collect(),
            Value::Array(items) => match merged_item(items) {
                Some(item) => vec![node(
                    format!("[*] each of {} items", items.len()),
                    format!("{}[*]", base(&expression)),
                    &item,
                    depth + 1,
                )],
                None => Vec::new(),
            },
            _ => Vec::new(),
        }
    };
    FieldNode {
        label,
        sample: sample(value),
        kind: FieldKind::of(value),
        expression,
        children,
    }
}

/// The first items merged key by key (first non-null value wins), so fields that only some
/// items carry still show; or the first item when the items are not objects.
fn merged_item(items: &[Value]) -> Option<Value> {
    let first = items.first()?;
    if !first.is_object() {
        return Some(first.clone());
    }
    let mut merged = Map::new();
    for item in items
        .iter()
        .take(ITEMS_SAMPLED)
        .filter_map(Value::as_object)
    {
        for (key, value) in item {
            let slot = merged.entry(key.clone()).or_insert(Value::Null);
            if slot.is_null() {
                *slot = value.clone();
            }
        }
    }
    Some(Value::Object(merged))
}

/// `@` is the answer itself; a child of it is just the key.
fn base(expression: &str) -> &str {
    if expression == "@" { "" } else { expression }
}

fn child_path(parent: &str, key: &str) -> String {
    match base(parent) {
        "" => identifier(key),
        parent => format!("{parent}.{}", identifier(key)),
    }
}

/// A key as a JMESPath identifier, quoted unless it is a plain one.
#[expect(clippy::expect_used, reason = "a string always serializes to JSON")]
pub fn identifier(key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        key.to_owned()
    } else {
        serde_json::to_string(key).expect("strings serialize")
    }
}

fn sample(value: &Value) -> String {
    let text = match value {
        Value::Object(map) => format!("{{{} fields}}", map.len()),
        Value::Array(items) => format!("[{} items]", items.len()),
        Value::String(text) => format!("\"{text}\""),
        other => other.to_string(),
    };
    match text.char_indices().nth(SAMPLE_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

/// A proposed mapping for one widget type, with table columns where it makes sense.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub label: String,
    pub mapping: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<TableColumn>,
}

/// Mappings that fit a widget of `kind` from the shape of the answer, best first: table rows from
/// the largest list of objects; KPI values from a number or the count of a list; chart
/// points from a time (or name) field and a numeric field of the same list; text from a text.
pub fn suggest(kind: WidgetKind, answer: &Value) -> Vec<Suggestion> {
    let lists = lists_of_objects(answer);
    let mut suggestions = Vec::new();
    match kind {
        WidgetKind::Table | WidgetKind::DataGrid => {
            for list in lists.iter().take(3) {
                let fields: Vec<&(String, String, Value)> = list
                    .fields
                    .iter()
                    .filter(|(_, _, value)| !value.is_array() && !value.is_object())
                    .take(MAX_SUGGESTED_COLUMNS)
                    .collect();
                if fields.is_empty() {
                    continue;
                }
                let projection: Vec<String> = fields
                    .iter()
                    .map(|(key, path, _)| format!("{}: {path}", identifier(key)))
                    .collect();
                suggestions.push(Suggestion {
                    label: format!("Rows from {} ({} items)", list.label(), list.len),
                    mapping: BTreeMap::from([(
                        "rows".to_owned(),
                        format!("{}[].{{{}}}", list.path, projection.join(", ")),
                    )]),
                    columns: fields
                        .iter()
                        .map(|(key, _, _)| TableColumn {
                            key: key.clone(),
                            label: humanize(key),
                        })
                        .collect(),
                });
            }
        }
        WidgetKind::Kpi => {
            for (path, _) in scalars(answer, "", 0)
                .into_iter()
                .filter(|(_, value)| value.is_number())
                .take(2)
            {
                suggestions.push(mapping_of("value", &path, format!("The number at {path}")));
            }
            for list in lists.iter().take(2) {
                suggestions.push(mapping_of(
                    "value",
                    &format!("length({})", list.path),
                    format!("Count of {} ({} now)", list.label(), list.len),
                ));
            }
        }
        WidgetKind::Chart => {
            for list in lists.iter().take(3) {
                let measures = || {
                    list.fields
                        .iter()
                        .filter(|(key, _, value)| value.is_number() && !looks_like_time(key, value))
                };
                // Identifiers are numbers too, but rarely what anyone wants to plot.
                let numeric = measures()
                    .find(|(key, _, _)| !looks_like_id(key))
                    .or_else(|| measures().next());
                let x = list
                    .fields
                    .iter()
                    .find(|(key, _, value)| looks_like_time(key, value))
                    .or_else(|| list.fields.iter().find(|(_, _, value)| value.is_string()));
                if let (Some((x_key, x_path, _)), Some((y_key, y_path, _))) = (x, numeric) {
                    suggestions.push(mapping_of(
                        "points",
                        &format!("{}[].{{x: {x_path}, y: {y_path}}}", list.path),
                        format!(
                            "{} by {} from {}",
                            humanize(y_key),
                            humanize(x_key),
                            list.label()
                        ),
                    ));
                }
            }
        }
        WidgetKind::Text | WidgetKind::Heading | WidgetKind::Card => {
            for (path, _) in scalars(answer, "", 0)
                .into_iter()
                .filter(|(_, value)| value.is_string())
                .take(3)
            {
                suggestions.push(mapping_of("text", &path, format!("The text at {path}")));
            }
        }
        WidgetKind::RefreshBar
        | WidgetKind::Markdown
        | WidgetKind::Html
        | WidgetKind::Code
        | WidgetKind::Button
        | WidgetKind::Link
        | WidgetKind::Image
        | WidgetKind::Iframe
        | WidgetKind::Search
        | WidgetKind::Filter
        | WidgetKind::Form
        | WidgetKind::Tabs
        | WidgetKind::Accordion => {}
    }
    suggestions
}

fn mapping_of(target: &str, expression: &str, label: String) -> Suggestion {
    Suggestion {
        label,
        mapping: BTreeMap::from([(target.to_owned(), expression.to_owned())]),
        columns: Vec::new(),
    }
}

struct ListOfObjects {
    /// JMESPath to the list (`@` when the answer is the list).
    path: String,
    len: usize,
    /// (key, path within an item, example value), one level of nested objects flattened.
    fields: Vec<(String, String, Value)>,
}

impl ListOfObjects {
    fn label(&self) -> String {
        if self.path == "@" {
            "the answer".to_owned()
        } else {
            self.path.clone()
        }
    }
}

/// Lists of objects anywhere in the answer (outside other lists), longest first.
fn lists_of_objects(answer: &Value) -> Vec<ListOfObjects> {
    let mut found = Vec::new();
    collect_lists(answer, "@".to_owned(), 0, &mut found);
    found.sort_by(|a, b| b.len.cmp(&a.len).then(a.path.len().cmp(&b.path.len())));
    found
}

fn collect_lists(value: &Value, path: String, depth: usize, found: &mut Vec<ListOfObjects>) {
    if depth > MAX_DEPTH {
        return;
    }
    match value {
        Value::Array(items) if items.first().is_some_and(Value::is_object) => {
            let Some(Value::Object(item)) = merged_item(items) else {
                return;
            };
            let mut fields = Vec::new();
            for (key, value) in &item {
                match value {
                    Value::Object(inner) => {
                        for (inner_key, inner_value) in inner {
                            if !inner_value.is_object() && !inner_value.is_array() {
                                fields.push((
                                    inner_key.clone(),
                                    format!("{}.{}", identifier(key), identifier(inner_key)),
                                    inner_value.clone(),
                                ));
                            }
                        }
                    }
                    _ => fields.push((key.clone(), identifier(key), value.clone())),
                }
            }
            // A nested key must not hide a top-level one of the same name.
            let mut seen = std::collections::BTreeSet::new();
            fields.retain(|(key, _, _)| seen.insert(key.clone()));
            found.push(ListOfObjects {
                path,
                len: items.len(),
                fields,
            });
        }
        Value::Object(map) => {
            for (key, child) in map {
                collect_lists(child, child_path(&path, key), depth + 1, found);
            }
        }
        _ => {}
    }
}

/// Scalars outside lists, in document order: (path, value).
fn scalars(value: &Value, path: &str, depth: usize) -> Vec<(String, Value)> {
    match value {
        Value::Object(map) if depth <= MAX_DEPTH => map
            .iter()
            .flat_map(|(key, child)| {
                let at = if path.is_empty() {
                    identifier(key)
                } else {
                    format!("{path}.{}", identifier(key))
                };
                scalars(child, &at, depth + 1)
            })
            .collect(),
        Value::Object(_) | Value::Array(_) | Value::Null => Vec::new(),
        scalar if !path.is_empty() => vec![(path.to_owned(), scalar.clone())],
        _ => Vec::new(),
    }
}

fn looks_like_time(key: &str, value: &Value) -> bool {
    let key = key.to_lowercase();
    let named = [
        "time",
        "date",
        "_at",
        "timestamp",
        "created",
        "updated",
        "opened",
    ]
    .iter()
    .any(|hint| key.contains(hint));
    let shaped = match value {
        Value::String(text) => {
            text.len() >= 10
                && text.as_bytes()[4] == b'-'
                && text.as_bytes()[7] == b'-'
                && text[..4].chars().all(|c| c.is_ascii_digit())
        }
        // Epoch milliseconds between 2001 and 2286.
        Value::Number(n) => n.as_f64().is_some_and(|n| (1e12..1e13).contains(&n)),
        _ => false,
    };
    shaped || (named && (value.is_string() || value.is_number()))
}

fn looks_like_id(key: &str) -> bool {
    key.eq_ignore_ascii_case("id") || key.to_lowercase().ends_with("_id") || key.ends_with("Id")
}

/// `result_state` → `Result state`, `startTime` → `Start time`.
pub fn humanize(key: &str) -> String {
    let mut words = String::new();
    let mut previous_lower = false;
    for c in key.chars() {
        if c == '_' || c == '-' || c == '.' {
            words.push(' ');
            previous_lower = false;
        } else if c.is_uppercase() && previous_lower {
            words.push(' ');
            words.extend(c.to_lowercase());
            previous_lower = false;
        } else {
            words.push(c);
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The expression's result on the answer, or why it has none.
pub fn evaluate(expression: &str, answer: &Value) -> Result<Value, String> {
    let compiled = crate::expression::compile(expression)?;
    let result = compiled.search(answer).map_err(|err| err.to_string())?;
    serde_json::to_value(&*result).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn runs() -> Value {
        json!({
            "has_more": true,
            "total": 40,
            "runs": [
                {"run_id": 1, "run_name": "nightly-etl", "start_time": 1_762_178_700_000_i64,
                 "run_duration": 61_000, "state": {"result_state": "SUCCESS"}},
                {"run_id": 2, "run_name": "ingest", "start_time": 1_762_182_300_000_i64,
                 "run_duration": 5_000, "state": {"result_state": "FAILED"}, "error code": "E1"}
            ]
        })
    }

    fn find<'a>(node: &'a FieldNode, label: &str) -> &'a FieldNode {
        node.children
            .iter()
            .find(|child| child.label == label)
            .unwrap_or_else(|| panic!("no {label} under {}", node.label))
    }

    #[test]
    fn every_node_carries_an_expression_that_selects_it() {
        let answer = runs();
        let tree = field_tree(&answer);
        assert_eq!(tree.expression, "@");
        let list = find(&tree, "runs");
        assert_eq!(
            (list.expression.as_str(), list.kind),
            ("runs", FieldKind::Array)
        );
        assert_eq!(list.sample, "[2 items]");
        let each = find(list, "[*] each of 2 items");
        let result = find(find(each, "state"), "result_state");
        assert_eq!(result.expression, "runs[*].state.result_state");
        assert_eq!(
            evaluate(&result.expression, &answer).unwrap(),
            json!(["SUCCESS", "FAILED"])
        );
        // A key only the second item has still shows, quoted because of its space.
        let code = find(each, "error code");
        assert_eq!(code.expression, "runs[*].\"error code\"");
        assert_eq!(evaluate(&code.expression, &answer).unwrap(), json!(["E1"]));
        assert_eq!(
            evaluate(&find(&tree, "total").expression, &answer).unwrap(),
            json!(40)
        );
    }

    #[test]
    fn a_top_level_list_and_odd_keys_are_handled() {
        let answer = json!([{"a-b": {"c": [1, 2]}}, {"a-b": null}]);
        let tree = field_tree(&answer);
        let each = &tree.children[0];
        assert_eq!(each.expression, "[*]");
        let inner = find(find(each, "a-b"), "c");
        assert_eq!(inner.expression, "[*].\"a-b\".c");
        assert_eq!(
            evaluate(&inner.expression, &answer).unwrap(),
            json!([[1, 2]])
        );
        assert_eq!(identifier("9lives"), "\"9lives\"");
        assert_eq!(identifier("say \"hi\""), "\"say \\\"hi\\\"\"");
    }

    #[test]
    fn deep_answers_stop_at_the_depth_limit() {
        let mut deep = json!(1);
        for _ in 0..20 {
            deep = json!({ "n": deep });
        }
        let mut node = field_tree(&deep);
        let mut depth = 0;
        while let Some(child) = node.children.first() {
            node = child.clone();
            depth += 1;
        }
        assert_eq!(depth, MAX_DEPTH);
    }

    #[test]
    fn tables_get_rows_and_columns_from_the_longest_list() {
        let answer = runs();
        let suggestions = suggest(WidgetKind::Table, &answer);
        let best = &suggestions[0];
        let rows = &best.mapping["rows"];
        assert_eq!(
            rows,
            "runs[].{\"error code\": \"error code\", run_duration: run_duration, run_id: run_id, run_name: run_name, start_time: start_time, result_state: state.result_state}"
        );
        let mapped = evaluate(rows, &answer).unwrap();
        assert_eq!(mapped[1]["result_state"], json!("FAILED"));
        assert_eq!(mapped[1]["error code"], json!("E1"));
        let labels: Vec<&str> = best.columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Error code",
                "Run duration",
                "Run id",
                "Run name",
                "Start time",
                "Result state"
            ]
        );
        assert!(suggest(WidgetKind::Table, &json!({"count": 1})).is_empty());
    }

    #[test]
    fn kpis_get_a_number_or_a_count() {
        let answer = runs();
        let suggestions = suggest(WidgetKind::Kpi, &answer);
        let expressions: Vec<&str> = suggestions
            .iter()
            .map(|s| s.mapping["value"].as_str())
            .collect();
        assert_eq!(expressions, ["total", "length(runs)"]);
        assert_eq!(evaluate("length(runs)", &answer).unwrap(), json!(2));
    }

    #[test]
    fn charts_pair_a_time_field_with_a_number() {
        let answer = runs();
        let chart = &suggest(WidgetKind::Chart, &answer)[0];
        assert_eq!(
            chart.mapping["points"],
            "runs[].{x: start_time, y: run_duration}"
        );
        let named = json!({"result": {"items": [{"opened_at": "2026-11-01 10:00:00", "team": "A", "count": 3}]}});
        let chart = &suggest(WidgetKind::Chart, &named)[0];
        assert_eq!(
            chart.mapping["points"],
            "result.items[].{x: opened_at, y: count}"
        );
        assert_eq!(
            evaluate(&chart.mapping["points"], &named).unwrap(),
            json!([{"x": "2026-11-01 10:00:00", "y": 3}])
        );
        let categories = json!([{"team": "A", "open": 3}]);
        assert_eq!(
            suggest(WidgetKind::Chart, &categories)[0].mapping["points"],
            "@[].{x: team, y: open}"
        );
        assert_eq!(
            evaluate("@[].{x: team, y: open}", &categories).unwrap(),
            json!([{"x": "A", "y": 3}])
        );
    }

    #[test]
    fn text_widgets_get_a_text_and_other_types_nothing() {
        let answer = json!({"service": {"name": "Databricks", "up": true}});
        assert_eq!(
            suggest(WidgetKind::Heading, &answer)[0].mapping["text"],
            "service.name"
        );
        assert!(suggest(WidgetKind::Iframe, &answer).is_empty());
    }

    #[test]
    fn keys_read_as_words() {
        assert_eq!(humanize("result_state"), "Result state");
        assert_eq!(humanize("startTime"), "Start time");
        assert_eq!(humanize("sys_id"), "Sys id");
        assert_eq!(humanize("URL"), "URL");
    }
}
