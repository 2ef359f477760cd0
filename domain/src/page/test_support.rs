//! Page JSON builders shared by the page tests.

use serde_json::{Value, json};

use super::PageDefinition;
use crate::ValidationIssue;

pub(super) fn rect(x: u8, y: u16, w: u8, h: u16) -> Value {
    json!({"x": x, "y": y, "w": w, "h": h})
}

pub(super) fn page(widgets: Value) -> Value {
    json!({"schema_version": 1, "layout": {"row_height": 80, "widgets": widgets}})
}

pub(super) fn kpi(id: &str, x: u8, y: u16) -> Value {
    json!({
        "id": id, "type": "kpi", "props": {"label": "Runs"},
        "position": {"desktop": rect(x, y, 3, 2)},
        "binding": {"tool": "databricks-demo", "request": {"path": "/api/2.1/jobs/runs/list"},
                    "mapping": {"value": "length(runs)"}}
    })
}

pub(super) fn issues_of(value: Value) -> Vec<ValidationIssue> {
    PageDefinition::from_json(&value).expect_err("should be invalid")
}

pub(super) fn widget(id: &str, x: u8, y: u16, kind: &str, props: Value) -> Value {
    json!({"id": id, "type": kind, "props": props, "position": {"desktop": rect(x, y, 3, 1)}})
}
