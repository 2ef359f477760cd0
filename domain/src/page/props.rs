//! The props of each widget type, and the rules they follow.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{FieldKind, Widget, WidgetProps, form::check_submit};
use crate::ValidationIssue;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TextProps {
    #[serde(default)]
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiProps {
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Colour the tile as good or bad: "higher_is_better" (default) or "lower_is_better".
    #[serde(default)]
    pub trend: KpiTrend,
    /// Where the colour turns to warning and to critical, read in the direction of `trend`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thresholds: Option<KpiThresholds>,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KpiThresholds {
    pub warning: f64,
    pub critical: f64,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum KpiTrend {
    #[default]
    HigherIsBetter,
    LowerIsBetter,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableProps {
    pub columns: Vec<TableColumn>,
    /// Rows per page; all rows on one page when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_size: Option<u32>,
    /// Text shown when the bound data has no rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_text: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableColumn {
    /// Key of the field in each mapped row.
    pub key: String,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartProps {
    pub kind: ChartKind,
    #[serde(default)]
    pub x_label: String,
    #[serde(default)]
    pub y_label: String,
    /// How y values read on the axis: plain numbers, or milliseconds shown as durations.
    #[serde(default)]
    pub y_format: ValueFormat,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueFormat {
    #[default]
    Number,
    DurationMs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChartKind {
    Line,
    Bar,
    /// Shares of a whole; each point is a slice.
    Pie,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshBarProps {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeadingProps {
    #[serde(default)]
    pub text: String,
    /// 1 (largest) to 4.
    #[serde(default = "default_heading_level")]
    pub level: u8,
}

fn default_heading_level() -> u8 {
    2
}

/// Markdown, rendered to HTML and sanitized on the server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MarkdownProps {
    #[serde(default)]
    pub source: String,
}

/// An HTML fragment; scripts, event handlers and unsafe URLs are removed on the server.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HtmlProps {
    #[serde(default)]
    pub html: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeProps {
    #[serde(default)]
    pub code: String,
    /// Language name for highlighting, e.g. `sql`, `python`, `json`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub language: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CardProps {
    #[serde(default)]
    pub heading: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub tone: Emphasis,
}

/// Colour emphasis shared by cards and buttons.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Emphasis {
    #[default]
    Neutral,
    Info,
    Success,
    Warning,
    Danger,
}

impl Emphasis {
    pub const ALL: [Emphasis; 5] = [
        Emphasis::Neutral,
        Emphasis::Info,
        Emphasis::Success,
        Emphasis::Warning,
        Emphasis::Danger,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Emphasis::Neutral => "neutral",
            Emphasis::Info => "info",
            Emphasis::Success => "success",
            Emphasis::Warning => "warning",
            Emphasis::Danger => "danger",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ButtonProps {
    pub label: String,
    pub action: ButtonAction,
    #[serde(default)]
    pub tone: Emphasis,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ButtonAction {
    /// Opens a URL (same tab unless `new_tab`).
    OpenLink {
        url: String,
        #[serde(default)]
        new_tab: bool,
    },
    /// Reloads the data of every widget on the page.
    Refresh,
    /// Submits a form widget on the page (by its id), like the form's own button.
    SubmitForm { form: String },
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkProps {
    pub text: String,
    pub url: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageProps {
    pub src: String,
    /// Text alternative; required for accessibility, empty only for decorative images.
    #[serde(default)]
    pub alt: String,
}

/// An embedded page (BI report, runbook…). Its host must be on the embed allow-list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IframeProps {
    pub src: String,
    /// Accessible name of the frame.
    pub title: String,
    #[serde(default)]
    pub allow_fullscreen: bool,
}

/// Tabs or an accordion: panes, each holding widgets shown stacked inside the container
/// (their own positions are not used). Containers do not hold containers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerProps {
    pub panes: Vec<Pane>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pane {
    pub label: String,
    #[serde(default)]
    pub widgets: Vec<Widget>,
}

/// Many rows (tens of thousands) in a scrolling grid that keeps only the visible rows in the
/// page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataGridProps {
    pub columns: Vec<TableColumn>,
    /// Height of one row in CSS pixels.
    #[serde(default = "default_grid_row_height")]
    pub row_height: u16,
}

pub(super) fn default_grid_row_height() -> u16 {
    32
}

/// A search box; its text filters the rows of the target tables (any cell containing it).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchProps {
    #[serde(default)]
    pub placeholder: String,
    /// Ids of the table widgets it filters.
    #[serde(default)]
    pub targets: Vec<String>,
}

/// A drop-down that keeps only the target table's rows whose `column` equals the choice.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterProps {
    pub label: String,
    pub target: String,
    /// Column key of the target table.
    pub column: String,
    /// Choices; when empty, the distinct values of the column in the table's data.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

pub(super) fn check_props(path: &str, props: &WidgetProps, issues: &mut Vec<ValidationIssue>) {
    match props {
        WidgetProps::DataGrid(grid) if !(20..=120).contains(&grid.row_height) => {
            issues.push(ValidationIssue::new(
                format!("{path}.props.row_height"),
                "row height must be 20 to 120 px",
            ));
            check_columns(path, &grid.columns, issues);
        }
        WidgetProps::Table(TableProps { columns, .. })
        | WidgetProps::DataGrid(DataGridProps { columns, .. }) => {
            check_columns(path, columns, issues)
        }
        WidgetProps::Kpi(kpi) => {
            if kpi.label.trim().is_empty() {
                issues.push(ValidationIssue::new(
                    format!("{path}.props.label"),
                    "a KPI tile needs a label",
                ));
            }
            if let Some(limits) = kpi.thresholds {
                let ordered = match kpi.trend {
                    KpiTrend::LowerIsBetter => limits.warning <= limits.critical,
                    KpiTrend::HigherIsBetter => limits.warning >= limits.critical,
                };
                if !ordered {
                    issues.push(ValidationIssue::new(
                        format!("{path}.props.thresholds"),
                        match kpi.trend {
                            KpiTrend::LowerIsBetter => {
                                "when lower is better, warning must not be above critical"
                            }
                            KpiTrend::HigherIsBetter => {
                                "when higher is better, warning must not be below critical"
                            }
                        },
                    ));
                }
            }
        }
        WidgetProps::Heading(heading) if !(1..=4).contains(&heading.level) => {
            issues.push(ValidationIssue::new(
                format!("{path}.props.level"),
                "heading level must be 1 to 4",
            ));
        }
        WidgetProps::Button(button) => {
            if button.label.trim().is_empty() {
                issues.push(ValidationIssue::new(
                    format!("{path}.props.label"),
                    "a button needs a label",
                ));
            }
            if let ButtonAction::OpenLink { url, .. } = &button.action {
                check_url(&format!("{path}.props.action.url"), url, issues);
            }
        }
        WidgetProps::Link(link) => check_url(&format!("{path}.props.url"), &link.url, issues),
        WidgetProps::Image(image) => check_url(&format!("{path}.props.src"), &image.src, issues),
        WidgetProps::Iframe(frame) => {
            check_url(&format!("{path}.props.src"), &frame.src, issues);
            if frame.title.trim().is_empty() {
                issues.push(ValidationIssue::new(
                    format!("{path}.props.title"),
                    "an embed needs a title for screen readers",
                ));
            }
        }
        WidgetProps::Form(form) => {
            if form.fields.is_empty() {
                issues.push(ValidationIssue::new(
                    format!("{path}.props.fields"),
                    "a form needs at least one field",
                ));
            }
            let mut names = BTreeSet::new();
            for (index, field) in form.fields.iter().enumerate() {
                let at = format!("{path}.props.fields[{index}]");
                if field.name.trim().is_empty() {
                    issues.push(ValidationIssue::new(
                        format!("{at}.name"),
                        "field name must not be empty",
                    ));
                } else if !names.insert(field.name.as_str()) {
                    issues.push(ValidationIssue::new(
                        format!("{at}.name"),
                        format!("duplicate field name \"{}\"", field.name),
                    ));
                }
                if matches!(field.kind, FieldKind::Select | FieldKind::Radio)
                    && field.options.is_empty()
                {
                    issues.push(ValidationIssue::new(
                        format!("{at}.options"),
                        "a choice field needs options",
                    ));
                }
            }
            if let Some(submit) = &form.submit {
                check_submit(&format!("{path}.props.submit"), form, submit, issues);
            }
        }
        _ => {}
    }
}

fn check_columns(path: &str, columns: &[TableColumn], issues: &mut Vec<ValidationIssue>) {
    if columns.is_empty() {
        issues.push(ValidationIssue::new(
            format!("{path}.props.columns"),
            "a table needs at least one column",
        ));
    }
    let mut keys = BTreeSet::new();
    for (index, column) in columns.iter().enumerate() {
        if column.key.trim().is_empty() {
            issues.push(ValidationIssue::new(
                format!("{path}.props.columns[{index}].key"),
                "column key must not be empty",
            ));
        } else if !keys.insert(column.key.as_str()) {
            issues.push(ValidationIssue::new(
                format!("{path}.props.columns[{index}].key"),
                format!("duplicate column key \"{}\"", column.key),
            ));
        }
    }
}

/// Links, images and embeds may point to http(s) addresses or to paths on this server —
/// never `javascript:`, `data:`, protocol-relative URLs or anything a browser would read as
/// one (see [`crate::link`]).
pub fn is_safe_url(url: &str) -> bool {
    crate::link::is_safe_link(url)
}

fn check_url(path: &str, url: &str, issues: &mut Vec<ValidationIssue>) {
    if !is_safe_url(url) {
        issues.push(ValidationIssue::new(
            path,
            "use an http(s) address or a path on this server starting with /",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::test_support::*;
    use serde_json::json;

    #[test]
    fn unsafe_urls_are_rejected_with_the_field() {
        for bad in [
            "javascript:alert(1)",
            "//evil.example/x",
            "/\\evil.example",
            "data:text/html,hi",
            "ftp://x",
            "https://",
        ] {
            let issues = issues_of(page(json!([widget(
                "l",
                0,
                0,
                "link",
                json!({"text": "x", "url": bad})
            )])));
            assert_eq!(
                issues[0].path, "layout.widgets[0] (\"l\").props.url",
                "{bad}"
            );
        }
        for good in [
            "https://example.com/x",
            "/mock/powerbi/embed/demo",
            "http://intranet/a",
        ] {
            assert!(is_safe_url(good), "{good}");
        }
        let issues = issues_of(page(json!([widget(
            "f",
            0,
            0,
            "iframe",
            json!({"src": "javascript:x", "title": ""})
        )])));
        let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "layout.widgets[0] (\"f\").props.src",
                "layout.widgets[0] (\"f\").props.title"
            ]
        );
    }

    #[test]
    fn links_buttons_and_images_refuse_urls_a_browser_would_take_off_site() {
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            " //evil.example",
        ] {
            let issues = issues_of(page(json!([
                widget("l", 0, 0, "link", json!({"text": "x", "url": bad})),
                widget(
                    "b",
                    3,
                    0,
                    "button",
                    json!({"label": "Go", "action": {"kind": "open_link", "url": bad}})
                ),
                widget("i", 6, 0, "image", json!({"src": bad, "alt": "x"})),
            ])));
            let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
            assert_eq!(
                paths,
                [
                    "layout.widgets[0] (\"l\").props.url",
                    "layout.widgets[1] (\"b\").props.action.url",
                    "layout.widgets[2] (\"i\").props.src",
                ],
                "{bad:?}"
            );
        }
    }
}
