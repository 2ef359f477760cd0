//! Formatting steps applied to a mapped value after its JMESPath expression: a fixed, safe
//! list (dates, numbers, rounding, percentages, value maps, defaults) — data, never code.
//!
//! A binding keys its steps by mapping target (`"value"`) or by a field of the objects a
//! target yields (`"rows.Started"`), so a table column can be formatted on its own.

use std::collections::BTreeMap;

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::ValidationIssue;
use crate::chart::numeric as number;

pub const MAX_DECIMALS: u8 = 6;
pub const MAX_STEPS_PER_FIELD: usize = 8;
pub const MAX_MAPPED_VALUES: usize = 100;
const MAX_FORMAT_CHARS: usize = 64;

/// Kinds offered in the builder: (kind, label).
pub const TRANSFORM_KINDS: [(&str, &str); 6] = [
    ("date_format", "Date format"),
    ("number_format", "Number format"),
    ("round", "Round"),
    ("percent", "Percent"),
    ("map_values", "Map values"),
    ("default", "Default when empty"),
];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    /// Timestamps (RFC 3339, `YYYY-MM-DD HH:MM:SS`, `YYYY-MM-DD`, or epoch milliseconds or
    /// seconds) written with a strftime `format`, in UTC.
    DateFormat { format: String },
    /// Numbers written with `decimals` places and, unless turned off, thousands separators.
    NumberFormat {
        #[serde(default)]
        decimals: u8,
        #[serde(default = "grouping_default")]
        grouping: bool,
    },
    /// Numbers rounded to `decimals` places; the result stays a number.
    Round {
        #[serde(default)]
        decimals: u8,
    },
    /// A ratio written as a percentage: 0.256 → "25.6%" with one decimal.
    Percent {
        #[serde(default)]
        decimals: u8,
    },
    /// Known values replaced (`"FAILED"` → `"Failed"`); others kept, or replaced by
    /// `otherwise` when set.
    MapValues {
        values: BTreeMap<String, String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        otherwise: Option<String>,
    },
    /// Missing, null or empty values replaced by `value`.
    Default { value: Value },
}

fn grouping_default() -> bool {
    true
}

impl Transform {
    /// A step of `kind` with sensible settings, for the builder's "add step".
    pub fn of_kind(kind: &str) -> Option<Self> {
        Some(match kind {
            "date_format" => Self::DateFormat {
                format: "%Y-%m-%d %H:%M".to_owned(),
            },
            "number_format" => Self::NumberFormat {
                decimals: 0,
                grouping: true,
            },
            "round" => Self::Round { decimals: 0 },
            "percent" => Self::Percent { decimals: 0 },
            "map_values" => Self::MapValues {
                values: BTreeMap::new(),
                otherwise: None,
            },
            "default" => Self::Default {
                value: Value::String("—".to_owned()),
            },
            _ => return None,
        })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::DateFormat { .. } => "date_format",
            Self::NumberFormat { .. } => "number_format",
            Self::Round { .. } => "round",
            Self::Percent { .. } => "percent",
            Self::MapValues { .. } => "map_values",
            Self::Default { .. } => "default",
        }
    }

    /// Why the step cannot run, if it cannot.
    pub fn problem(&self) -> Option<String> {
        match self {
            Self::DateFormat { format } => {
                if format.trim().is_empty() || format.chars().count() > MAX_FORMAT_CHARS {
                    return Some(format!(
                        "a date format needs 1 to {MAX_FORMAT_CHARS} characters"
                    ));
                }
                StrftimeItems::new(format)
                    .any(|item| matches!(item, Item::Error))
                    .then(|| format!("\"{format}\" is not a date format (use strftime codes such as %Y-%m-%d %H:%M)"))
            }
            Self::NumberFormat { decimals, .. }
            | Self::Round { decimals }
            | Self::Percent { decimals } => {
                (*decimals > MAX_DECIMALS).then(|| format!("use at most {MAX_DECIMALS} decimals"))
            }
            Self::MapValues { values, .. } => {
                if values.is_empty() {
                    Some("add at least one value to replace".to_owned())
                } else if values.len() > MAX_MAPPED_VALUES {
                    Some(format!("map at most {MAX_MAPPED_VALUES} values"))
                } else {
                    None
                }
            }
            Self::Default { value } => (value.is_array() || value.is_object())
                .then(|| "a default is a single text, number or true/false".to_owned()),
        }
    }

    /// The step applied to one value. Arrays are transformed item by item; values the step
    /// does not understand (text that is not a date, say) pass through unchanged.
    pub fn apply(&self, value: Value) -> Value {
        match value {
            Value::Array(items) => Value::Array(items.into_iter().map(|v| self.apply(v)).collect()),
            value => self.apply_scalar(value),
        }
    }

    fn apply_scalar(&self, value: Value) -> Value {
        match self {
            Self::DateFormat { format } => match timestamp(&value) {
                Some(at) => {
                    let items: Vec<Item> = StrftimeItems::new(format).collect();
                    if items.iter().any(|item| matches!(item, Item::Error)) {
                        return value;
                    }
                    Value::String(at.format_with_items(items.into_iter()).to_string())
                }
                None => value,
            },
            Self::NumberFormat { decimals, grouping } => match number(&value) {
                Some(n) => Value::String(format_number(n, *decimals, *grouping)),
                None => value,
            },
            Self::Round { decimals } => match number(&value) {
                Some(n) => rounded(n, *decimals),
                None => value,
            },
            Self::Percent { decimals } => match number(&value) {
                Some(n) => {
                    Value::String(format!("{}%", format_number(n * 100.0, *decimals, false)))
                }
                None => value,
            },
            Self::MapValues { values, otherwise } => {
                let key = match &value {
                    Value::String(text) => text.clone(),
                    Value::Null => "null".to_owned(),
                    other => other.to_string(),
                };
                match values.get(&key) {
                    Some(replacement) => Value::String(replacement.clone()),
                    None => match otherwise {
                        Some(fallback) => Value::String(fallback.clone()),
                        None => value,
                    },
                }
            }
            Self::Default { value: fallback } => match &value {
                Value::Null => fallback.clone(),
                Value::String(text) if text.trim().is_empty() => fallback.clone(),
                _ => value,
            },
        }
    }
}

/// Runs every step on the mapped values, in order. Keys name a target (`"value"`) or a field
/// of the objects in it (`"rows.Started"`); keys whose target is not mapped are ignored.
pub fn apply_transforms(
    values: &mut BTreeMap<String, Value>,
    transforms: &BTreeMap<String, Vec<Transform>>,
) {
    for (key, steps) in transforms {
        let (target, field) = split_key(key);
        let Some(value) = values.get_mut(target) else {
            continue;
        };
        let run = |value: Value| steps.iter().fold(value, |value, step| step.apply(value));
        match field {
            None => *value = run(value.take()),
            Some(field) => {
                let mut apply_to = |object: &mut serde_json::Map<String, Value>| {
                    let current = object.remove(field).unwrap_or(Value::Null);
                    let next = run(current);
                    // A missing field stays missing unless a step gave it a value.
                    if !next.is_null() {
                        object.insert(field.to_owned(), next);
                    }
                };
                match value {
                    Value::Array(items) => items
                        .iter_mut()
                        .filter_map(Value::as_object_mut)
                        .for_each(&mut apply_to),
                    Value::Object(object) => apply_to(object),
                    _ => {}
                }
            }
        }
    }
}

/// `"rows.Started"` → (`"rows"`, `Some("Started")`); `"value"` → (`"value"`, `None`).
pub fn split_key(key: &str) -> (&str, Option<&str>) {
    match key.split_once('.') {
        Some((target, field)) => (target, Some(field)),
        None => (key, None),
    }
}

/// Problems with a binding's steps, with paths under `at` (the binding's path).
pub fn check_transforms(
    at: &str,
    transforms: &BTreeMap<String, Vec<Transform>>,
    mapping: &BTreeMap<String, String>,
    issues: &mut Vec<ValidationIssue>,
) {
    for (key, steps) in transforms {
        let path = format!("{at}.transforms.{key}");
        let (target, field) = split_key(key);
        if !mapping.contains_key(target) {
            issues.push(ValidationIssue::new(
                path.clone(),
                format!("\"{target}\" has no JMESPath mapping to transform"),
            ));
        }
        if field.is_some_and(|field| field.trim().is_empty()) {
            issues.push(ValidationIssue::new(
                path.clone(),
                "name the field after the dot, e.g. rows.Started",
            ));
        }
        if steps.len() > MAX_STEPS_PER_FIELD {
            issues.push(ValidationIssue::new(
                path.clone(),
                format!("use at most {MAX_STEPS_PER_FIELD} steps per field"),
            ));
        }
        for (index, step) in steps.iter().enumerate() {
            if let Some(problem) = step.problem() {
                issues.push(ValidationIssue::new(format!("{path}[{index}]"), problem));
            }
        }
    }
}

/// Epoch values at or above this are milliseconds (it is 1973 in ms and year 5138 in s).
const EPOCH_MILLIS_FROM: f64 = 1e11;

fn timestamp(value: &Value) -> Option<DateTime<Utc>> {
    match value {
        Value::Number(n) => {
            let n = n.as_f64()?;
            let millis = if n.abs() >= EPOCH_MILLIS_FROM {
                n
            } else {
                n * 1000.0
            };
            DateTime::from_timestamp_millis(millis as i64)
        }
        Value::String(text) => {
            let text = text.trim();
            DateTime::parse_from_rfc3339(text)
                .map(|at| at.with_timezone(&Utc))
                .ok()
                .or_else(|| {
                    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
                        .ok()
                        .map(|at| at.and_utc())
                })
                .or_else(|| {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d")
                        .ok()
                        .and_then(|day| day.and_hms_opt(0, 0, 0))
                        .map(|at| at.and_utc())
                })
        }
        _ => None,
    }
}

fn rounded(n: f64, decimals: u8) -> Value {
    let decimals = decimals.min(MAX_DECIMALS);
    let scale = 10f64.powi(i32::from(decimals));
    let n = (n * scale).round() / scale;
    if decimals == 0 && n.abs() < 9.0e15 {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// `1234567.891` with 2 decimals and grouping → `"1,234,567.89"`.
pub fn format_number(n: f64, decimals: u8, grouping: bool) -> String {
    let decimals = usize::from(decimals.min(MAX_DECIMALS));
    let text = format!("{:.*}", decimals, n.abs());
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole.to_owned(), Some(fraction.to_owned())),
        None => (text, None),
    };
    let whole = if grouping {
        let digits: Vec<char> = whole.chars().collect();
        let mut grouped = String::new();
        for (index, digit) in digits.iter().enumerate() {
            if index > 0 && (digits.len() - index).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(*digit);
        }
        grouped
    } else {
        whole
    };
    let is_zero = whole.chars().all(|c| c == '0' || c == ',')
        && fraction
            .as_deref()
            .is_none_or(|f| f.chars().all(|c| c == '0'));
    let sign = if n < 0.0 && !is_zero { "-" } else { "" };
    match fraction {
        Some(fraction) => format!("{sign}{whole}.{fraction}"),
        None => format!("{sign}{whole}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn step(value: Value) -> Transform {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn dates_are_read_from_iso_servicenow_and_epoch_values() {
        let format = step(json!({"kind": "date_format", "format": "%d %b %Y %H:%M"}));
        assert_eq!(
            format.apply(json!("2026-11-03T14:05:00Z")),
            json!("03 Nov 2026 14:05")
        );
        assert_eq!(
            format.apply(json!("2026-11-03T14:05:00+02:00")),
            json!("03 Nov 2026 12:05")
        );
        assert_eq!(
            format.apply(json!("2026-11-03 14:05:00")),
            json!("03 Nov 2026 14:05")
        );
        assert_eq!(
            format.apply(json!("2026-11-03")),
            json!("03 Nov 2026 00:00")
        );
        assert_eq!(
            format.apply(json!(1_762_178_700_000_i64)),
            json!("03 Nov 2025 14:05")
        );
        assert_eq!(
            format.apply(json!(1_762_178_700)),
            json!("03 Nov 2025 14:05")
        );
        assert_eq!(format.apply(json!("not a date")), json!("not a date"));
        assert_eq!(format.apply(json!(null)), json!(null));
    }

    #[test]
    fn numbers_are_formatted_rounded_and_turned_into_percentages() {
        let grouped = step(json!({"kind": "number_format", "decimals": 2}));
        assert_eq!(grouped.apply(json!(1_234_567.891)), json!("1,234,567.89"));
        assert_eq!(grouped.apply(json!(-1234)), json!("-1,234.00"));
        assert_eq!(grouped.apply(json!("999.5")), json!("999.50"));
        assert_eq!(grouped.apply(json!("n/a")), json!("n/a"));
        let plain = step(json!({"kind": "number_format", "grouping": false}));
        assert_eq!(plain.apply(json!(1_234_567.5)), json!("1234568"));
        assert_eq!(format_number(-0.001, 2, true), "0.00");

        assert_eq!(step(json!({"kind": "round"})).apply(json!(2.5)), json!(3));
        assert_eq!(
            step(json!({"kind": "round", "decimals": 1})).apply(json!(61.84)),
            json!(61.8)
        );
        assert_eq!(
            step(json!({"kind": "percent", "decimals": 1})).apply(json!(0.2563)),
            json!("25.6%")
        );
        assert_eq!(
            step(json!({"kind": "percent"})).apply(json!(1)),
            json!("100%")
        );
    }

    #[test]
    fn values_are_mapped_and_defaults_fill_gaps() {
        let map = step(
            json!({"kind": "map_values", "values": {"FAILED": "Failed", "1": "Critical", "true": "Yes"}}),
        );
        assert_eq!(map.apply(json!("FAILED")), json!("Failed"));
        assert_eq!(map.apply(json!(1)), json!("Critical"));
        assert_eq!(map.apply(json!(true)), json!("Yes"));
        assert_eq!(map.apply(json!("SUCCESS")), json!("SUCCESS"));
        let strict = step(
            json!({"kind": "map_values", "values": {"FAILED": "Failed"}, "otherwise": "Other"}),
        );
        assert_eq!(strict.apply(json!("SUCCESS")), json!("Other"));

        let default = step(json!({"kind": "default", "value": "unassigned"}));
        assert_eq!(default.apply(json!(null)), json!("unassigned"));
        assert_eq!(default.apply(json!("  ")), json!("unassigned"));
        assert_eq!(default.apply(json!(0)), json!(0));
        assert_eq!(
            default.apply(json!(["a", null])),
            json!(["a", "unassigned"])
        );
    }

    #[test]
    fn steps_run_in_order_on_targets_and_on_fields_of_rows() {
        let mut values = BTreeMap::from([
            ("value".to_owned(), json!(0.5)),
            (
                "rows".to_owned(),
                json!([
                    {"Result": "FAILED", "Started": 1_762_178_700_000_i64},
                    {"Result": "SUCCESS"},
                    "not an object"
                ]),
            ),
        ]);
        let transforms = BTreeMap::from([
            ("value".to_owned(), vec![step(json!({"kind": "percent"}))]),
            (
                "rows.Result".to_owned(),
                vec![step(
                    json!({"kind": "map_values", "values": {"FAILED": "Failed"}}),
                )],
            ),
            (
                "rows.Started".to_owned(),
                vec![
                    step(json!({"kind": "date_format", "format": "%Y-%m-%d"})),
                    step(json!({"kind": "default", "value": "not started"})),
                ],
            ),
            ("delta".to_owned(), vec![step(json!({"kind": "round"}))]),
        ]);
        apply_transforms(&mut values, &transforms);
        assert_eq!(values["value"], json!("50%"));
        assert_eq!(
            values["rows"],
            json!([
                {"Result": "Failed", "Started": "2025-11-03"},
                {"Result": "SUCCESS", "Started": "not started"},
                "not an object"
            ])
        );
        assert!(!values.contains_key("delta"));
    }

    #[test]
    fn bad_steps_are_reported_with_their_path() {
        let transforms = BTreeMap::from([
            (
                "value".to_owned(),
                vec![
                    step(json!({"kind": "date_format", "format": "%Q"})),
                    step(json!({"kind": "round", "decimals": 9})),
                    step(json!({"kind": "map_values", "values": {}})),
                    step(json!({"kind": "default", "value": [1]})),
                ],
            ),
            ("rows.".to_owned(), vec![]),
            ("points".to_owned(), vec![]),
        ]);
        let mapping = BTreeMap::from([
            ("value".to_owned(), "count".to_owned()),
            ("rows".to_owned(), "items".to_owned()),
        ]);
        let mut issues = Vec::new();
        check_transforms("w.binding", &transforms, &mapping, &mut issues);
        let paths: Vec<&str> = issues.iter().map(|i| i.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "w.binding.transforms.points",
                "w.binding.transforms.rows.",
                "w.binding.transforms.value[0]",
                "w.binding.transforms.value[1]",
                "w.binding.transforms.value[2]",
                "w.binding.transforms.value[3]",
            ]
        );
        assert!(
            serde_json::from_value::<Transform>(json!({"kind": "script", "code": "x"})).is_err()
        );
        assert!(
            serde_json::from_value::<Transform>(
                json!({"kind": "round", "decimals": 1, "eval": "x"})
            )
            .is_err()
        );
    }

    #[test]
    fn every_offered_kind_has_valid_defaults_except_an_empty_value_map() {
        for (kind, _) in TRANSFORM_KINDS {
            let step = Transform::of_kind(kind).unwrap();
            assert_eq!(step.kind(), kind);
            assert_eq!(step.problem().is_some(), kind == "map_values", "{kind}");
        }
    }
}
