//! Size bounds on a page definition, part of its contract: how many widgets, where they may
//! sit, how long their texts may be. Checked with the rest of page validation, each problem
//! reported at its field path.

use serde_json::Value;

use crate::{
    ValidationIssue, Widget, WidgetProps,
    page::{ButtonAction, FormProps, GridRect, TableColumn},
};

/// Widgets on one page, counting those inside tabs and accordions.
pub const MAX_WIDGETS: usize = 500;
/// The lowest row a widget may start on (0-based).
pub const MAX_ROW: u16 = 10_000;
/// The most rows one widget may span.
pub const MAX_WIDGET_ROWS: u16 = 200;
/// Widget ids, used in URLs and page variables.
pub const MAX_ID_CHARS: usize = 100;
/// Titles, labels, headings, column names and choices.
pub const MAX_LABEL_CHARS: usize = 200;
/// Link, image and embed addresses.
pub const MAX_URL_CHARS: usize = 2048;
/// Any other text in a widget's props (Markdown, HTML, code, paragraphs).
pub const MAX_TEXT_CHARS: usize = 100_000;
/// Page titles.
pub const MAX_PAGE_TITLE_CHARS: usize = MAX_LABEL_CHARS;

/// One issue when the page has more widgets than allowed; the other checks are skipped then,
/// so a 10,000-widget document costs no more than a glance.
pub fn check_widget_count(count: usize) -> Option<ValidationIssue> {
    (count > MAX_WIDGETS).then(|| {
        ValidationIssue::new(
            "layout.widgets",
            format!("a page holds at most {MAX_WIDGETS} widgets (this one has {count})"),
        )
    })
}

/// A rectangle's row and height bounds; `at` is its path (`….position.desktop`).
pub fn check_rect(at: &str, rect: &GridRect, issues: &mut Vec<ValidationIssue>) {
    if rect.y > MAX_ROW {
        issues.push(ValidationIssue::new(
            format!("{at}.y"),
            format!("a widget may start at row {MAX_ROW} at the lowest"),
        ));
    }
    if rect.h > MAX_WIDGET_ROWS {
        issues.push(ValidationIssue::new(
            format!("{at}.h"),
            format!("a widget may be at most {MAX_WIDGET_ROWS} rows tall"),
        ));
    }
}

/// A page title as stored: trimmed, not empty, not too long.
pub fn page_title(title: &str) -> Result<String, ValidationIssue> {
    let title = title.trim();
    if title.is_empty() {
        return Err(ValidationIssue::new("title", "a page needs a title"));
    }
    if title.chars().count() > MAX_PAGE_TITLE_CHARS {
        return Err(ValidationIssue::new(
            "title",
            format!("a page title has at most {MAX_PAGE_TITLE_CHARS} characters"),
        ));
    }
    Ok(title.to_owned())
}

/// The title of a copy, "… (copy)", shortened so it is still a valid title.
pub fn copy_title(title: &str) -> String {
    const SUFFIX: &str = " (copy)";
    let keep = MAX_PAGE_TITLE_CHARS - SUFFIX.chars().count();
    let base: String = title.trim().chars().take(keep).collect();
    format!("{} {}", base.trim_end(), SUFFIX.trim_start())
}

/// Text lengths of one widget (its id, title and props; widgets inside a container are
/// checked as widgets of their own). `path` is the widget's path.
pub fn check_texts(path: &str, widget: &Widget, issues: &mut Vec<ValidationIssue>) {
    let mut check = |field: String, text: &str, max: usize| {
        let count = text.chars().count();
        if count > max {
            issues.push(ValidationIssue::new(
                field,
                format!("at most {max} characters (this has {count})"),
            ));
        }
    };
    check(format!("{path}.id"), &widget.id, MAX_ID_CHARS);
    if let Some(title) = &widget.title {
        check(format!("{path}.title"), title, MAX_LABEL_CHARS);
    }
    let at = |field: &str| format!("{path}.props.{field}");
    let label = MAX_LABEL_CHARS;
    match &widget.props {
        WidgetProps::Heading(heading) => check(at("text"), &heading.text, label),
        WidgetProps::Kpi(kpi) => check(at("label"), &kpi.label, label),
        WidgetProps::Card(card) => check(at("heading"), &card.heading, label),
        WidgetProps::Button(button) => {
            check(at("label"), &button.label, label);
            if let ButtonAction::OpenLink { url, .. } = &button.action {
                check(at("action.url"), url, MAX_URL_CHARS);
            }
        }
        WidgetProps::Link(link) => {
            check(at("text"), &link.text, label);
            check(at("url"), &link.url, MAX_URL_CHARS);
        }
        WidgetProps::Image(image) => {
            check(at("alt"), &image.alt, label);
            check(at("src"), &image.src, MAX_URL_CHARS);
        }
        WidgetProps::Iframe(frame) => {
            check(at("title"), &frame.title, label);
            check(at("src"), &frame.src, MAX_URL_CHARS);
        }
        WidgetProps::Search(search) => check(at("placeholder"), &search.placeholder, label),
        WidgetProps::Filter(filter) => {
            check(at("label"), &filter.label, label);
            for (n, option) in filter.options.iter().enumerate() {
                check(at(&format!("options[{n}]")), option, label);
            }
        }
        WidgetProps::Table(table) => columns(&at("columns"), &table.columns, &mut check),
        WidgetProps::DataGrid(grid) => columns(&at("columns"), &grid.columns, &mut check),
        WidgetProps::Form(form) => form_texts(&at(""), form, &mut check),
        WidgetProps::Tabs(container) | WidgetProps::Accordion(container) => {
            for (n, pane) in container.panes.iter().enumerate() {
                check(at(&format!("panes[{n}].label")), &pane.label, label);
            }
            // The widgets in the panes are checked on their own.
            return;
        }
        _ => {}
    }
    // Every other text of the props (bodies, notes, request templates) gets the long bound.
    if let Ok(props) = serde_json::to_value(&widget.props) {
        long_texts(
            &at(""),
            props.get("props").unwrap_or(&Value::Null),
            &mut check,
        );
    }
}

fn columns(at: &str, columns: &[TableColumn], check: &mut impl FnMut(String, &str, usize)) {
    for (n, column) in columns.iter().enumerate() {
        check(format!("{at}[{n}].key"), &column.key, MAX_LABEL_CHARS);
        check(format!("{at}[{n}].label"), &column.label, MAX_LABEL_CHARS);
    }
}

/// `at` ends with the `props.` prefix.
fn form_texts(at: &str, form: &FormProps, check: &mut impl FnMut(String, &str, usize)) {
    check(
        format!("{at}submit_label"),
        &form.submit_label,
        MAX_LABEL_CHARS,
    );
    for (n, field) in form.fields.iter().enumerate() {
        check(
            format!("{at}fields[{n}].name"),
            &field.name,
            MAX_LABEL_CHARS,
        );
        check(
            format!("{at}fields[{n}].label"),
            &field.label,
            MAX_LABEL_CHARS,
        );
        for (o, option) in field.options.iter().enumerate() {
            check(
                format!("{at}fields[{n}].options[{o}]"),
                option,
                MAX_LABEL_CHARS,
            );
        }
    }
}

/// `at` ends with `.` (or is a path inside the props).
fn long_texts(at: &str, value: &Value, check: &mut impl FnMut(String, &str, usize)) {
    match value {
        Value::String(text) => check(at.trim_end_matches('.').to_owned(), text, MAX_TEXT_CHARS),
        Value::Array(items) => {
            let at = at.trim_end_matches('.');
            for (n, item) in items.iter().enumerate() {
                long_texts(&format!("{at}[{n}]."), item, check);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                long_texts(&format!("{at}{key}."), item, check);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::PageDefinition;

    fn rect(x: u16, y: u32, w: u16, h: u32) -> Value {
        json!({"x": x, "y": y, "w": w, "h": h})
    }

    fn page(widgets: Value) -> Value {
        json!({"schema_version": 1, "layout": {"widgets": widgets}})
    }

    fn text(id: &str, y: u32, h: u32) -> Value {
        json!({"id": id, "type": "text", "props": {"text": "x"},
               "position": {"desktop": rect(0, y, 3, h)}})
    }

    fn paths(value: Value) -> Vec<String> {
        PageDefinition::from_json(&value)
            .expect_err("should be invalid")
            .into_iter()
            .map(|issue| issue.path)
            .collect()
    }

    #[test]
    fn rows_and_heights_at_the_integer_limit_are_refused_not_overflowed() {
        // Both at u16::MAX: `y + h` would overflow in the overlap check.
        let issues = paths(page(json!([
            text("a", 65_535, 65_535),
            text("b", 65_535, 65_535)
        ])));
        for expected in [
            "layout.widgets[0] (\"a\").position.desktop.y",
            "layout.widgets[0] (\"a\").position.desktop.h",
            "layout.widgets[1] (\"b\").position.desktop.y",
            "layout.widgets[1] (\"b\").position.desktop.h",
            // Widened arithmetic still sees that the two cover the same cells.
            "layout.widgets[0] (\"a\").position.desktop",
        ] {
            assert!(
                issues.iter().any(|path| path == expected),
                "{expected}: {issues:?}"
            );
        }
        let tablet = json!({"id": "t", "type": "text", "props": {"text": "x"},
            "position": {"desktop": rect(0, 0, 3, 1), "tablet": rect(0, 10_001, 3, 201)}});
        assert_eq!(
            paths(page(json!([tablet]))),
            [
                "layout.widgets[0] (\"t\").position.tablet.y",
                "layout.widgets[0] (\"t\").position.tablet.h"
            ]
        );
        let lowest = json!([text("a", u32::from(MAX_ROW), u32::from(MAX_WIDGET_ROWS))]);
        assert!(PageDefinition::from_json(&page(lowest)).is_ok());
    }

    #[test]
    fn rects_far_down_do_not_overlap_rects_above() {
        let low = GridRect {
            x: 0,
            y: u16::MAX,
            w: 3,
            h: u16::MAX,
        };
        let high = GridRect {
            x: 0,
            y: 0,
            w: 3,
            h: u16::MAX,
        };
        assert!(!low.overlaps(&high));
        assert!(low.overlaps(&low));
        assert!(!high.overlaps(&GridRect { x: 3, ..high }));
    }

    #[test]
    fn too_many_widgets_is_one_clear_issue() {
        let widgets: Vec<Value> = (0..=MAX_WIDGETS)
            .map(|n| text(&format!("w{n}"), n as u32, 1))
            .collect();
        let issues = PageDefinition::from_json(&page(Value::Array(widgets))).unwrap_err();
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].path, "layout.widgets");
        assert!(
            issues[0].message.contains("at most 500 widgets"),
            "{}",
            issues[0].message
        );
        let widgets: Vec<Value> = (0..MAX_WIDGETS)
            .map(|n| text(&format!("w{n}"), (n % 9_000) as u32, 1))
            .collect();
        assert!(PageDefinition::from_json(&page(Value::Array(widgets))).is_ok());
    }

    #[test]
    fn long_texts_are_refused_at_their_field() {
        let long = |n: usize| "x".repeat(n);
        let widgets = json!([
            {"id": long(101), "type": "text", "props": {"text": "x"}, "position": {"desktop": rect(0, 0, 3, 1)}},
            {"id": "k", "title": long(201), "type": "kpi", "props": {"label": long(201)}, "position": {"desktop": rect(3, 0, 3, 1)}},
            {"id": "l", "type": "link", "props": {"text": "x", "url": format!("/{}", long(2048))}, "position": {"desktop": rect(6, 0, 3, 1)}},
            {"id": "m", "type": "markdown", "props": {"source": long(MAX_TEXT_CHARS + 1)}, "position": {"desktop": rect(9, 0, 3, 1)}},
            {"id": "t", "type": "table", "props": {"columns": [{"key": "a", "label": long(201)}]}, "position": {"desktop": rect(0, 1, 3, 1)}},
            {"id": "tabs", "type": "tabs", "props": {"panes": [{"label": long(201), "widgets": [
                {"id": "inner", "title": long(201), "type": "text", "props": {"text": "x"}, "position": {"desktop": rect(0, 0, 3, 1)}}
            ]}]}, "position": {"desktop": rect(3, 1, 3, 1)}}
        ]);
        let issues = paths(page(widgets));
        let id = format!("layout.widgets[0] (\"{}\").id", long(101));
        assert_eq!(
            issues,
            [
                id.as_str(),
                "layout.widgets[1] (\"k\").title",
                "layout.widgets[1] (\"k\").props.label",
                "layout.widgets[2] (\"l\").props.url",
                "layout.widgets[3] (\"m\").props.source",
                "layout.widgets[4] (\"t\").props.columns[0].label",
                "layout.widgets[5] (\"tabs\").props.panes[0].label",
                "layout.widgets[5] (\"tabs\").props.panes[0].widgets[0] (\"inner\").title",
            ]
        );
    }

    #[test]
    fn page_titles_are_trimmed_and_bounded_and_copies_stay_valid() {
        assert_eq!(page_title("  Ops  ").unwrap(), "Ops");
        assert_eq!(page_title(" ").unwrap_err().path, "title");
        let long = "t".repeat(MAX_PAGE_TITLE_CHARS + 1);
        assert!(
            page_title(&long)
                .unwrap_err()
                .message
                .contains("at most 200")
        );
        assert_eq!(copy_title("Ops"), "Ops (copy)");
        let copy = copy_title(&"t".repeat(MAX_PAGE_TITLE_CHARS));
        assert!(copy.ends_with(" (copy)"));
        assert!(page_title(&copy).is_ok(), "{copy}");
    }
}
