//! Parsing and validating a page definition, every problem reported with its JSON path.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{
    Breakpoint, ButtonAction, ButtonProps, GRID_COLUMNS, PageDefinition, Positions, SCHEMA_VERSION,
    Widget, WidgetKind, WidgetProps, binding::check_binding, props::check_props,
};
use crate::ValidationIssue;

impl PageDefinition {
    /// Parses and validates a definition, reporting every problem with its JSON path.
    pub fn from_json(value: &Value) -> Result<Self, Vec<ValidationIssue>> {
        let definition = Self::parse(value)?;
        definition.validate()?;
        Ok(definition)
    }

    /// Reads the structure only (known widget types, well-formed fields) without the rules
    /// `validate` checks: an unfinished draft still renders on the builder's canvas.
    pub fn parse(value: &Value) -> Result<Self, Vec<ValidationIssue>> {
        let type_issues = unknown_widget_types(value);
        if !type_issues.is_empty() {
            return Err(type_issues);
        }
        serde_path_to_error::deserialize(value).map_err(|err| {
            vec![ValidationIssue::new(
                err.path().to_string(),
                err.inner().to_string(),
            )]
        })
    }

    pub fn validate(&self) -> Result<(), Vec<ValidationIssue>> {
        let mut issues = Vec::new();
        if self.schema_version != SCHEMA_VERSION {
            issues.push(ValidationIssue::new(
                "schema_version",
                format!(
                    "unsupported schema version {} (expected {SCHEMA_VERSION})",
                    self.schema_version
                ),
            ));
        }
        if self.layout.row_height < 20 {
            issues.push(ValidationIssue::new(
                "layout.row_height",
                "row height must be at least 20 px",
            ));
        }
        let mut ids = BTreeSet::new();
        let checked = self.widgets_with_paths();
        if let Some(too_many) = crate::limits::check_widget_count(checked.len()) {
            issues.push(too_many);
            return crate::error::collected(issues);
        }
        for (path, widget) in &checked {
            for (p, pane) in widget.props.panes().unwrap_or_default().iter().enumerate() {
                if pane.label.trim().is_empty() {
                    issues.push(ValidationIssue::new(
                        format!("{path}.props.panes[{p}].label"),
                        "a pane needs a label",
                    ));
                }
                for (c, child) in pane.widgets.iter().enumerate() {
                    if child.props.panes().is_some() {
                        issues.push(ValidationIssue::new(
                            format!("{}.type", child_path(path, p, c, child)),
                            "tabs and accordions cannot hold tabs or accordions",
                        ));
                    }
                }
            }
        }
        for (path, widget) in &checked {
            let (path, widget) = (path.as_str(), *widget);
            if widget.id.trim().is_empty() {
                issues.push(ValidationIssue::new(
                    format!("{path}.id"),
                    "widget id must not be empty",
                ));
            } else if !ids.insert(widget.id.as_str()) {
                issues.push(ValidationIssue::new(
                    format!("{path}.id"),
                    format!("duplicate widget id \"{}\"", widget.id),
                ));
            }
            crate::limits::check_texts(path, widget, &mut issues);
            check_positions(path, &widget.position, &mut issues);
            if let Some(condition) = widget.visibility.as_ref().and_then(|v| v.when.as_ref())
                && condition.variable.trim().is_empty()
            {
                issues.push(ValidationIssue::new(
                    format!("{path}.visibility.when.variable"),
                    "name the search or filter widget whose value shows this widget",
                ));
            }
            if let Some(error) = crate::condition::check(
                widget
                    .visibility
                    .as_ref()
                    .and_then(|v| v.condition.as_deref()),
            ) {
                issues.push(ValidationIssue::new(
                    format!("{path}.visibility.condition"),
                    error.to_string(),
                ));
            }
            check_props(path, &widget.props, &mut issues);
            if let Some(binding) = &widget.binding {
                check_binding(path, &widget.props, binding, &mut issues);
            }
        }
        if let Some(error) = crate::condition::check(self.access.as_deref()) {
            issues.push(ValidationIssue::new("access", error.to_string()));
        }
        check_overlaps(&self.layout.widgets, &mut issues);
        check_references(&checked, &mut issues);
        crate::error::collected(issues)
    }

    /// Canonical JSON: keys sorted, so stored versions and exports diff cleanly.
    #[expect(
        clippy::expect_used,
        reason = "page definitions hold only JSON-representable data"
    )]
    pub fn to_canonical_json(&self) -> Value {
        // serde_json's default map is a BTreeMap, so a round trip through Value sorts keys.
        serde_json::to_value(self).expect("page definitions always serialize")
    }

    /// Every widget with the JSON path validation messages use for it, in
    /// `Layout::all_widgets` order.
    pub fn widgets_with_paths(&self) -> Vec<(String, &Widget)> {
        let mut all = Vec::new();
        for (index, widget) in self.layout.widgets.iter().enumerate() {
            let path = widget_path(index, widget);
            let mut children = Vec::new();
            for (p, pane) in widget.props.panes().unwrap_or_default().iter().enumerate() {
                for (c, child) in pane.widgets.iter().enumerate() {
                    children.push((child_path(&path, p, c, child), child));
                }
            }
            all.push((path, widget));
            all.extend(children);
        }
        all
    }

    /// A widget on the grid or inside a container.
    pub fn widget(&self, id: &str) -> Option<&Widget> {
        self.layout
            .all_widgets()
            .into_iter()
            .find(|widget| widget.id == id)
    }

    /// Widgets in reading order (top to bottom, left to right on desktop), the order they
    /// stack in on mobile.
    pub fn widgets_in_reading_order(&self) -> Vec<&Widget> {
        let mut widgets: Vec<&Widget> = self.layout.widgets.iter().collect();
        widgets.sort_by_key(|widget| (widget.position.desktop.y, widget.position.desktop.x));
        widgets
    }
}

pub(crate) fn widget_path(index: usize, widget: &Widget) -> String {
    if widget.id.is_empty() {
        format!("layout.widgets[{index}]")
    } else {
        format!("layout.widgets[{index}] (\"{}\")", widget.id)
    }
}

fn child_path(container: &str, pane: usize, index: usize, child: &Widget) -> String {
    format!(
        "{container}.props.panes[{pane}].widgets[{index}] (\"{}\")",
        child.id
    )
}

fn unknown_widget_types(value: &Value) -> Vec<ValidationIssue> {
    let Some(widgets) = value.pointer("/layout/widgets").and_then(Value::as_array) else {
        return Vec::new();
    };
    widgets
        .iter()
        .enumerate()
        .filter_map(|(index, widget)| {
            let id = widget.get("id").and_then(Value::as_str).unwrap_or_default();
            let label = if id.is_empty() {
                format!("layout.widgets[{index}]")
            } else {
                format!("layout.widgets[{index}] (\"{id}\")")
            };
            match widget.get("type").and_then(Value::as_str) {
                Some(kind) if WidgetKind::parse(kind).is_some() => None,
                Some(kind) => Some(ValidationIssue::new(
                    format!("{label}.type"),
                    format!(
                        "unknown widget type \"{kind}\" (known types: {})",
                        WidgetKind::ALL
                            .iter()
                            .map(|kind| kind.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )),
                None => Some(ValidationIssue::new(
                    format!("{label}.type"),
                    "widget type is missing",
                )),
            }
        })
        .collect()
}

fn check_positions(path: &str, positions: &Positions, issues: &mut Vec<ValidationIssue>) {
    let rects = [
        ("desktop", Some(positions.desktop)),
        ("tablet", positions.tablet),
        ("mobile", positions.mobile),
    ];
    for (name, rect) in rects {
        let Some(rect) = rect else { continue };
        let at = format!("{path}.position.{name}");
        crate::limits::check_rect(&at, &rect, issues);
        if rect.w == 0 || rect.h == 0 {
            issues.push(ValidationIssue::new(
                at.clone(),
                "width and height must be at least 1",
            ));
        }
        if rect.x as u16 + rect.w as u16 > GRID_COLUMNS as u16 {
            issues.push(ValidationIssue::new(
                at,
                format!(
                    "outside the {GRID_COLUMNS}-column grid (x {} + width {} > {GRID_COLUMNS})",
                    rect.x, rect.w
                ),
            ));
        }
    }
}

fn check_overlaps(widgets: &[Widget], issues: &mut Vec<ValidationIssue>) {
    for breakpoint in Breakpoint::ALL {
        for (i, a) in widgets.iter().enumerate() {
            let Some(rect_a) = a.position.at(breakpoint) else {
                continue;
            };
            for b in &widgets[i + 1..] {
                let Some(rect_b) = b.position.at(breakpoint) else {
                    continue;
                };
                if rect_a.overlaps(&rect_b) {
                    issues.push(ValidationIssue::new(
                        format!("{}.position.{}", widget_path(i, a), breakpoint.key()),
                        format!("overlaps widget \"{}\" on {}", b.id, breakpoint.key()),
                    ));
                }
            }
        }
    }
}

/// Search boxes and filters must point at tables on the same page, filters at one of the
/// table's columns.
fn check_references(widgets: &[(String, &Widget)], issues: &mut Vec<ValidationIssue>) {
    let table = |id: &str| {
        widgets
            .iter()
            .find(|(_, widget)| widget.id == id)
            .and_then(|(_, widget)| widget.props.row_columns())
    };
    for (path, widget) in widgets {
        match &widget.props {
            WidgetProps::Search(search) => {
                for (n, target) in search.targets.iter().enumerate() {
                    if table(target).is_none() {
                        issues.push(ValidationIssue::new(
                            format!("{path}.props.targets[{n}]"),
                            format!("there is no table \"{target}\" on this page"),
                        ));
                    }
                }
            }
            WidgetProps::Button(ButtonProps {
                action: ButtonAction::SubmitForm { form },
                ..
            }) if !widgets
                .iter()
                .any(|(_, w)| w.id == *form && matches!(w.props, WidgetProps::Form(_))) =>
            {
                issues.push(ValidationIssue::new(
                    format!("{path}.props.action.form"),
                    format!("there is no form \"{form}\" on this page"),
                ))
            }
            WidgetProps::Filter(filter) if filter.target.is_empty() => {
                issues.push(ValidationIssue::new(
                    format!("{path}.props.target"),
                    "choose the table this filter narrows",
                ))
            }
            WidgetProps::Filter(filter) => match table(&filter.target) {
                None => issues.push(ValidationIssue::new(
                    format!("{path}.props.target"),
                    format!("there is no table \"{}\" on this page", filter.target),
                )),
                Some(columns) if !columns.iter().any(|c| c.key == filter.column) => {
                    issues.push(ValidationIssue::new(
                        format!("{path}.props.column"),
                        format!(
                            "table \"{}\" has no column \"{}\"",
                            filter.target, filter.column
                        ),
                    ))
                }
                Some(_) => {}
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::test_support::*;
    use crate::page::*;
    use serde_json::json;

    #[test]
    fn valid_page_parses_and_defaults_fill_in() {
        let definition =
            PageDefinition::from_json(&page(json!([kpi("a", 0, 0), kpi("b", 3, 0)]))).unwrap();
        assert_eq!(definition.layout.widgets.len(), 2);
        let binding = definition.layout.widgets[0].binding.as_ref().unwrap();
        assert_eq!(binding.cache_ttl_seconds, DEFAULT_CACHE_TTL_SECONDS);
        assert_eq!(binding.request.method, HttpMethod::Get);
    }

    #[test]
    fn unknown_widget_type_names_the_widget_and_lists_known_types() {
        let issues = issues_of(page(
            json!([{"id": "w1", "type": "sparkle", "position": {"desktop": rect(0, 0, 2, 2)}}]),
        ));
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "layout.widgets[0] (\"w1\").type");
        assert!(
            issues[0]
                .message
                .contains("unknown widget type \"sparkle\""),
            "{}",
            issues[0].message
        );
        assert!(issues[0].message.contains("kpi"));
    }

    #[test]
    fn position_outside_the_grid_is_rejected() {
        let mut widget = kpi("wide", 10, 0);
        widget["position"]["desktop"]["w"] = json!(4);
        let issues = issues_of(page(json!([widget])));
        assert_eq!(
            issues[0].path,
            "layout.widgets[0] (\"wide\").position.desktop"
        );
        assert!(issues[0].message.contains("outside the 12-column grid"));
    }

    #[test]
    fn overlapping_widgets_are_reported_per_breakpoint() {
        let issues = issues_of(page(json!([kpi("a", 0, 0), kpi("b", 2, 1)])));
        // Tablet inherits desktop, so the overlap shows on both; mobile stacks.
        let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "layout.widgets[0] (\"a\").position.desktop",
                "layout.widgets[0] (\"a\").position.tablet"
            ]
        );
        assert!(issues[0].message.contains("overlaps widget \"b\""));
    }

    #[test]
    fn explicit_tablet_position_resolves_a_desktop_only_overlap() {
        let a = kpi("a", 0, 0);
        let mut b = kpi("b", 2, 1);
        b["position"]["desktop"] = rect(3, 0, 3, 2);
        b["position"]["tablet"] = rect(6, 0, 6, 2);
        assert!(PageDefinition::from_json(&page(json!([a, b]))).is_ok());
    }

    #[test]
    fn duplicate_ids_and_paths_without_a_leading_slash_are_rejected() {
        let mut second = kpi("a", 3, 0);
        second["binding"]["request"]["path"] = json!("../etc/passwd");
        let issues = issues_of(page(json!([kpi("a", 0, 0), second])));
        assert!(
            issues
                .iter()
                .any(|issue| issue.message.contains("duplicate widget id"))
        );
        assert!(
            issues
                .iter()
                .any(|issue| issue.path.ends_with("binding.request.path"))
        );
    }

    #[test]
    fn malformed_props_report_their_json_path() {
        let issues = issues_of(page(
            json!([{"id": "t", "type": "table", "props": {"columns": "ID"},
            "position": {"desktop": rect(0, 0, 12, 4)}}]),
        ));
        assert_eq!(issues.len(), 1);
        assert!(
            issues[0].path.contains("layout.widgets[0]"),
            "{}",
            issues[0].path
        );
    }

    #[test]
    fn unsupported_schema_version_is_rejected() {
        let mut value = page(json!([]));
        value["schema_version"] = json!(99);
        assert_eq!(issues_of(value)[0].path, "schema_version");
    }

    #[test]
    fn canonical_json_round_trips_with_sorted_keys() {
        let definition = PageDefinition::from_json(&page(json!([kpi("a", 0, 0)]))).unwrap();
        let canonical = definition.to_canonical_json();
        let text = serde_json::to_string(&canonical).unwrap();
        assert!(text.find("\"layout\"").unwrap() < text.find("\"schema_version\"").unwrap());
        assert_eq!(PageDefinition::from_json(&canonical).unwrap(), definition);
    }

    #[test]
    fn reading_order_is_top_to_bottom_then_left_to_right() {
        let definition = PageDefinition::from_json(&page(json!([
            kpi("below", 0, 2),
            kpi("right", 3, 0),
            kpi("left", 0, 0)
        ])))
        .unwrap();
        let order: Vec<_> = definition
            .widgets_in_reading_order()
            .iter()
            .map(|widget| widget.id.as_str())
            .collect();
        assert_eq!(order, ["left", "right", "below"]);
    }

    #[test]
    fn search_and_filter_must_point_at_tables_and_their_columns() {
        let table = json!({"id": "t", "type": "table", "props": {"columns": [{"key": "state", "label": "State"}]},
                           "position": {"desktop": rect(0, 2, 6, 3)}});
        let ok = page(json!([
            table.clone(),
            widget("s", 0, 0, "search", json!({"targets": ["t"]})),
            widget(
                "f",
                3,
                0,
                "filter",
                json!({"label": "State", "target": "t", "column": "state"})
            ),
        ]));
        PageDefinition::from_json(&ok).unwrap();
        let issues = issues_of(page(json!([
            table,
            widget("s", 0, 0, "search", json!({"targets": ["nope"]})),
            widget(
                "f",
                3,
                0,
                "filter",
                json!({"label": "State", "target": "t", "column": "colour"})
            ),
            widget(
                "g",
                6,
                0,
                "filter",
                json!({"label": "X", "target": "s", "column": "state"})
            ),
        ])));
        let found: Vec<_> = issues
            .iter()
            .map(|i| (i.path.as_str(), i.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "layout.widgets[1] (\"s\").props.targets[0]",
                    "there is no table \"nope\" on this page"
                ),
                (
                    "layout.widgets[2] (\"f\").props.column",
                    "table \"t\" has no column \"colour\""
                ),
                (
                    "layout.widgets[3] (\"g\").props.target",
                    "there is no table \"s\" on this page"
                ),
            ]
        );
    }

    #[test]
    fn containers_hold_widgets_with_page_wide_ids_and_no_nested_containers() {
        let child = |id: &str, kind: &str, props: Value| json!({"id": id, "type": kind, "props": props, "position": {"desktop": rect(0, 0, 12, 1)}});
        let definition = PageDefinition::from_json(&page(json!([
            {"id": "tabs", "type": "tabs", "position": {"desktop": rect(0, 0, 6, 4)}, "props": {"panes": [
                {"label": "Jobs", "widgets": [child("q", "search", json!({"targets": ["t"]}))]},
                {"label": "Tickets", "widgets": [child("t", "table", json!({"columns": [{"key": "n", "label": "N"}]}))]},
            ]}},
            child("note", "text", json!({"text": "x"})).as_object().map(|o| { let mut o = o.clone(); o["position"] = json!({"desktop": rect(6, 0, 6, 1)}); Value::Object(o) }).unwrap(),
        ])))
        .unwrap();
        assert_eq!(
            definition.widget("t").unwrap().props.kind(),
            WidgetKind::Table
        );
        let ids: Vec<&str> = definition
            .layout
            .all_widgets()
            .iter()
            .map(|w| w.id.as_str())
            .collect();
        assert_eq!(ids, ["tabs", "q", "t", "note"]);
        assert_eq!(
            definition.row_filters()["t"],
            [RowFilter::Contains {
                variable: "q".into()
            }]
        );

        let issues = issues_of(page(json!([
            {"id": "tabs", "type": "tabs", "position": {"desktop": rect(0, 0, 6, 4)}, "props": {"panes": [
                {"label": "", "widgets": [child("tabs", "text", json!({})), child("inner", "accordion", json!({"panes": []}))]},
            ]}},
        ])));
        let paths: Vec<&str> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "layout.widgets[0] (\"tabs\").props.panes[0].label",
                "layout.widgets[0] (\"tabs\").props.panes[0].widgets[1] (\"inner\").type",
                "layout.widgets[0] (\"tabs\").props.panes[0].widgets[0] (\"tabs\").id",
            ]
        );
    }

    #[test]
    fn a_submit_button_must_name_a_form_on_the_page() {
        let button = |form: &str| {
            json!({"id": "send", "type": "button", "props": {"label": "Send", "action": {"kind": "submit_form", "form": form}},
            "position": {"desktop": rect(6, 0, 2, 1)}})
        };
        let form = json!({"id": "report", "type": "form", "props": {"fields": [{"name": "a", "label": "A", "kind": "text"}]},
            "position": {"desktop": rect(0, 0, 6, 3)}});
        PageDefinition::from_json(&page(json!([form.clone(), button("report")]))).unwrap();
        let issues = issues_of(page(json!([form, button("nope")])));
        assert_eq!(
            issues[0].path,
            "layout.widgets[1] (\"send\").props.action.form"
        );
    }
}
