//! The widget types: their typed props, palette defaults, labels and binding targets.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{
    ButtonAction, ButtonProps, CardProps, ChartKind, ChartProps, CodeProps, ContainerProps,
    DataGridProps, Emphasis, FieldKind, FilterProps, FormField, FormProps, HeadingProps, HtmlProps,
    IframeProps, ImageProps, KpiProps, KpiTrend, LinkProps, MarkdownProps, Pane, RefreshBarProps,
    SearchProps, TableColumn, TableProps, TextProps, ValueFormat, form::default_submit_label,
    props::default_grid_row_height,
};

/// The widget's type and its typed props, serialized as `"type": "...", "props": {...}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", content = "props", rename_all = "snake_case")]
pub enum WidgetProps {
    Text(TextProps),
    Kpi(KpiProps),
    Table(TableProps),
    Chart(ChartProps),
    RefreshBar(RefreshBarProps),
    Heading(HeadingProps),
    Markdown(MarkdownProps),
    Html(HtmlProps),
    Code(CodeProps),
    Card(CardProps),
    Button(ButtonProps),
    Link(LinkProps),
    Image(ImageProps),
    Iframe(IframeProps),
    Search(SearchProps),
    Filter(FilterProps),
    Form(FormProps),
    DataGrid(DataGridProps),
    Tabs(ContainerProps),
    Accordion(ContainerProps),
}

impl WidgetProps {
    pub const TYPE_NAMES: [&'static str; 20] = [
        "text",
        "kpi",
        "table",
        "chart",
        "refresh_bar",
        "heading",
        "markdown",
        "html",
        "code",
        "card",
        "button",
        "link",
        "image",
        "iframe",
        "search",
        "filter",
        "form",
        "data_grid",
        "tabs",
        "accordion",
    ];

    pub fn type_name(&self) -> &'static str {
        match self {
            WidgetProps::Text(_) => "text",
            WidgetProps::Kpi(_) => "kpi",
            WidgetProps::Table(_) => "table",
            WidgetProps::Chart(_) => "chart",
            WidgetProps::RefreshBar(_) => "refresh_bar",
            WidgetProps::Heading(_) => "heading",
            WidgetProps::Markdown(_) => "markdown",
            WidgetProps::Html(_) => "html",
            WidgetProps::Code(_) => "code",
            WidgetProps::Card(_) => "card",
            WidgetProps::Button(_) => "button",
            WidgetProps::Link(_) => "link",
            WidgetProps::Image(_) => "image",
            WidgetProps::Iframe(_) => "iframe",
            WidgetProps::Search(_) => "search",
            WidgetProps::Filter(_) => "filter",
            WidgetProps::Form(_) => "form",
            WidgetProps::DataGrid(_) => "data_grid",
            WidgetProps::Tabs(_) => "tabs",
            WidgetProps::Accordion(_) => "accordion",
        }
    }

    /// The props a binding may fill, and which of them it must fill.
    pub fn binding_targets(&self) -> (&'static [&'static str], &'static [&'static str]) {
        binding_targets_of(self.type_name()).unwrap_or((&[], &[]))
    }
}

impl WidgetProps {
    /// A new widget of this type as the palette drops it: sensible props and a size in grid
    /// cells (columns, rows).
    pub fn palette_default(type_name: &str) -> Option<(WidgetProps, u8, u16)> {
        Some(match type_name {
            "text" => (
                WidgetProps::Text(TextProps {
                    text: "New text".to_owned(),
                }),
                4,
                1,
            ),
            "heading" => (
                WidgetProps::Heading(HeadingProps {
                    text: "Heading".to_owned(),
                    level: 2,
                }),
                6,
                1,
            ),
            "markdown" => (
                WidgetProps::Markdown(MarkdownProps {
                    source: "## Notes\n\nWrite *Markdown* here.".to_owned(),
                }),
                4,
                2,
            ),
            "html" => (
                WidgetProps::Html(HtmlProps {
                    html: "<p>HTML block</p>".to_owned(),
                }),
                4,
                2,
            ),
            "code" => (
                WidgetProps::Code(CodeProps {
                    code: "SELECT 1".to_owned(),
                    language: "sql".to_owned(),
                }),
                4,
                2,
            ),
            "card" => (
                WidgetProps::Card(CardProps {
                    heading: "Card".to_owned(),
                    text: "Card text".to_owned(),
                    tone: Emphasis::Neutral,
                }),
                3,
                2,
            ),
            "button" => (
                WidgetProps::Button(ButtonProps {
                    label: "Refresh data".to_owned(),
                    action: ButtonAction::Refresh,
                    tone: Emphasis::Neutral,
                }),
                2,
                1,
            ),
            "link" => (
                WidgetProps::Link(LinkProps {
                    text: "Open link".to_owned(),
                    url: "https://learn.microsoft.com/azure/databricks/".to_owned(),
                }),
                3,
                1,
            ),
            "image" => (
                WidgetProps::Image(ImageProps {
                    src: "/favicon.svg".to_owned(),
                    alt: "Image".to_owned(),
                }),
                2,
                2,
            ),
            "iframe" => (
                WidgetProps::Iframe(IframeProps {
                    src: "/mock/powerbi/embed/demo".to_owned(),
                    title: "Embedded report".to_owned(),
                    allow_fullscreen: true,
                }),
                6,
                4,
            ),
            "kpi" => (
                WidgetProps::Kpi(KpiProps {
                    label: "KPI".to_owned(),
                    unit: None,
                    trend: KpiTrend::HigherIsBetter,
                    thresholds: None,
                }),
                3,
                2,
            ),
            "table" => (
                WidgetProps::Table(TableProps {
                    columns: vec![TableColumn {
                        key: "name".to_owned(),
                        label: "Name".to_owned(),
                    }],
                    page_size: Some(10),
                    empty_text: None,
                }),
                6,
                4,
            ),
            "chart" => (
                WidgetProps::Chart(ChartProps {
                    kind: ChartKind::Bar,
                    x_label: "x".to_owned(),
                    y_label: "y".to_owned(),
                    y_format: ValueFormat::Number,
                }),
                6,
                4,
            ),
            "refresh_bar" => (WidgetProps::RefreshBar(RefreshBarProps::default()), 12, 1),
            "search" => (
                WidgetProps::Search(SearchProps {
                    placeholder: "Search…".to_owned(),
                    targets: Vec::new(),
                }),
                4,
                1,
            ),
            "filter" => (
                WidgetProps::Filter(FilterProps {
                    label: "Filter".to_owned(),
                    ..Default::default()
                }),
                3,
                1,
            ),
            "form" => (
                WidgetProps::Form(FormProps {
                    fields: vec![FormField {
                        name: "summary".to_owned(),
                        label: "Summary".to_owned(),
                        kind: FieldKind::Text,
                        required: true,
                        options: Vec::new(),
                    }],
                    submit_label: default_submit_label(),
                    submit: None,
                }),
                4,
                3,
            ),
            "data_grid" => (
                WidgetProps::DataGrid(DataGridProps {
                    columns: vec![TableColumn {
                        key: "name".to_owned(),
                        label: "Name".to_owned(),
                    }],
                    row_height: default_grid_row_height(),
                }),
                12,
                5,
            ),
            "tabs" | "accordion" => {
                let container = ContainerProps {
                    panes: ["First", "Second"]
                        .map(|label| Pane {
                            label: label.to_owned(),
                            widgets: Vec::new(),
                        })
                        .to_vec(),
                };
                let props = if type_name == "tabs" {
                    WidgetProps::Tabs(container)
                } else {
                    WidgetProps::Accordion(container)
                };
                (props, 6, 4)
            }
            _ => return None,
        })
    }

    /// The panes of a tabs or accordion widget.
    pub fn panes(&self) -> Option<&[Pane]> {
        match self {
            WidgetProps::Tabs(container) | WidgetProps::Accordion(container) => {
                Some(&container.panes)
            }
            _ => None,
        }
    }

    pub fn panes_mut(&mut self) -> Option<&mut Vec<Pane>> {
        match self {
            WidgetProps::Tabs(container) | WidgetProps::Accordion(container) => {
                Some(&mut container.panes)
            }
            _ => None,
        }
    }

    /// The columns of a table or data grid: the widgets search boxes and filters narrow.
    pub fn row_columns(&self) -> Option<&[TableColumn]> {
        match self {
            WidgetProps::Table(table) => Some(&table.columns),
            WidgetProps::DataGrid(grid) => Some(&grid.columns),
            _ => None,
        }
    }

    /// The name people see in the palette.
    pub fn type_label(type_name: &str) -> &'static str {
        match type_name {
            "text" => "Text",
            "heading" => "Heading",
            "markdown" => "Markdown",
            "html" => "HTML block",
            "code" => "Code block",
            "card" => "Card",
            "button" => "Button",
            "link" => "Link",
            "image" => "Image",
            "iframe" => "Iframe",
            "kpi" => "KPI tile",
            "table" => "Table",
            "chart" => "Chart",
            "refresh_bar" => "Refresh bar",
            "search" => "Search",
            "filter" => "Filter",
            "form" => "Form",
            "data_grid" => "Data grid",
            "tabs" => "Tabs",
            "accordion" => "Accordion",
            _ => "Widget",
        }
    }
}

/// For a widget type name: the props a binding may fill, and which it must fill.
pub fn binding_targets_of(
    type_name: &str,
) -> Option<(&'static [&'static str], &'static [&'static str])> {
    Some(match type_name {
        "text" | "heading" | "card" => (&["text"], &["text"]),
        "kpi" => (&["value", "delta"], &["value"]),
        "table" | "data_grid" => (&["rows"], &["rows"]),
        "chart" => (&["points"], &["points"]),
        "refresh_bar" | "markdown" | "html" | "code" | "button" | "link" | "image" | "iframe"
        | "search" | "filter" | "form" | "tabs" | "accordion" => (&[], &[]),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::test_support::*;
    use crate::page::*;
    use serde_json::json;

    #[test]
    fn every_palette_type_has_valid_defaults() {
        for (index, type_name) in WidgetProps::TYPE_NAMES.iter().enumerate() {
            let widget = Widget {
                id: format!("w{index}"),
                ..Widget::from_palette(type_name).expect(type_name)
            };
            assert_eq!(widget.props.type_name(), *type_name);
            assert_ne!(WidgetProps::type_label(type_name), "Widget", "{type_name}");
            let mut page = PageDefinition {
                schema_version: SCHEMA_VERSION,
                layout: Layout {
                    row_height: DEFAULT_ROW_HEIGHT,
                    widgets: vec![widget],
                },
            };
            if *type_name == "filter" {
                // A filter needs a table to narrow: on its own it asks for one, and aimed at
                // a palette table's first column (as the builder aims new ones) it is valid.
                let issues = page.validate().unwrap_err();
                let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
                assert_eq!(
                    paths,
                    [format!("layout.widgets[0] (\"w{index}\").props.target")]
                );
                let mut table = Widget::from_palette("table").unwrap();
                table.id = "t".to_owned();
                table.position.desktop.y = 1;
                let column = table.props.row_columns().unwrap()[0].key.clone();
                let WidgetProps::Filter(filter) = &mut page.layout.widgets[0].props else {
                    unreachable!("a filter");
                };
                filter.target = "t".to_owned();
                filter.column = column;
                page.layout.widgets.push(table);
            }
            page.validate()
                .unwrap_or_else(|issues| panic!("{type_name}: {issues:?}"));
            let round_trip = PageDefinition::from_json(&page.to_canonical_json()).unwrap();
            assert_eq!(round_trip, page);
        }
    }

    #[test]
    fn headings_are_bindable_and_levels_checked() {
        let issues = issues_of(page(json!([widget(
            "h",
            0,
            0,
            "heading",
            json!({"text": "x", "level": 7})
        )])));
        assert_eq!(issues[0].path, "layout.widgets[0] (\"h\").props.level");
        assert_eq!(
            binding_targets_of("heading"),
            Some((&["text"][..], &["text"][..]))
        );
        assert_eq!(binding_targets_of("iframe"), Some((&[][..], &[][..])));
    }
}
