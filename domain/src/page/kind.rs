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

/// A widget's type without its props: the one place each type's name, label, palette default
/// and binding targets live, so a new widget type is one compile-checked edit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WidgetKind {
    Text,
    Kpi,
    Table,
    Chart,
    RefreshBar,
    Heading,
    Markdown,
    Html,
    Code,
    Card,
    Button,
    Link,
    Image,
    Iframe,
    Search,
    Filter,
    Form,
    DataGrid,
    Tabs,
    Accordion,
}

impl WidgetKind {
    /// Every widget type, in palette order.
    pub const ALL: &'static [WidgetKind] = &[
        WidgetKind::Text,
        WidgetKind::Kpi,
        WidgetKind::Table,
        WidgetKind::Chart,
        WidgetKind::RefreshBar,
        WidgetKind::Heading,
        WidgetKind::Markdown,
        WidgetKind::Html,
        WidgetKind::Code,
        WidgetKind::Card,
        WidgetKind::Button,
        WidgetKind::Link,
        WidgetKind::Image,
        WidgetKind::Iframe,
        WidgetKind::Search,
        WidgetKind::Filter,
        WidgetKind::Form,
        WidgetKind::DataGrid,
        WidgetKind::Tabs,
        WidgetKind::Accordion,
    ];

    /// The type's name in page JSON (`"type": "..."`).
    pub fn name(self) -> &'static str {
        match self {
            WidgetKind::Text => "text",
            WidgetKind::Kpi => "kpi",
            WidgetKind::Table => "table",
            WidgetKind::Chart => "chart",
            WidgetKind::RefreshBar => "refresh_bar",
            WidgetKind::Heading => "heading",
            WidgetKind::Markdown => "markdown",
            WidgetKind::Html => "html",
            WidgetKind::Code => "code",
            WidgetKind::Card => "card",
            WidgetKind::Button => "button",
            WidgetKind::Link => "link",
            WidgetKind::Image => "image",
            WidgetKind::Iframe => "iframe",
            WidgetKind::Search => "search",
            WidgetKind::Filter => "filter",
            WidgetKind::Form => "form",
            WidgetKind::DataGrid => "data_grid",
            WidgetKind::Tabs => "tabs",
            WidgetKind::Accordion => "accordion",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.name() == name)
    }

    /// The name people see in the palette.
    pub fn label(self) -> &'static str {
        match self {
            WidgetKind::Text => "Text",
            WidgetKind::Kpi => "KPI tile",
            WidgetKind::Table => "Table",
            WidgetKind::Chart => "Chart",
            WidgetKind::RefreshBar => "Refresh bar",
            WidgetKind::Heading => "Heading",
            WidgetKind::Markdown => "Markdown",
            WidgetKind::Html => "HTML block",
            WidgetKind::Code => "Code block",
            WidgetKind::Card => "Card",
            WidgetKind::Button => "Button",
            WidgetKind::Link => "Link",
            WidgetKind::Image => "Image",
            WidgetKind::Iframe => "Iframe",
            WidgetKind::Search => "Search",
            WidgetKind::Filter => "Filter",
            WidgetKind::Form => "Form",
            WidgetKind::DataGrid => "Data grid",
            WidgetKind::Tabs => "Tabs",
            WidgetKind::Accordion => "Accordion",
        }
    }

    /// The props a binding may fill, and which of them it must fill.
    pub fn binding_targets(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            WidgetKind::Text | WidgetKind::Heading | WidgetKind::Card => (&["text"], &["text"]),
            WidgetKind::Kpi => (&["value", "delta"], &["value"]),
            WidgetKind::Table | WidgetKind::DataGrid => (&["rows"], &["rows"]),
            WidgetKind::Chart => (&["points"], &["points"]),
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
            | WidgetKind::Accordion => (&[], &[]),
        }
    }

    /// A new widget of this type as the palette drops it: sensible props and a size in grid
    /// cells (columns, rows).
    pub fn palette_default(self) -> (WidgetProps, u8, u16) {
        match self {
            WidgetKind::Text => (
                WidgetProps::Text(TextProps {
                    text: "New text".to_owned(),
                }),
                4,
                1,
            ),
            WidgetKind::Heading => (
                WidgetProps::Heading(HeadingProps {
                    text: "Heading".to_owned(),
                    level: 2,
                }),
                6,
                1,
            ),
            WidgetKind::Markdown => (
                WidgetProps::Markdown(MarkdownProps {
                    source: "## Notes\n\nWrite *Markdown* here.".to_owned(),
                }),
                4,
                2,
            ),
            WidgetKind::Html => (
                WidgetProps::Html(HtmlProps {
                    html: "<p>HTML block</p>".to_owned(),
                }),
                4,
                2,
            ),
            WidgetKind::Code => (
                WidgetProps::Code(CodeProps {
                    code: "SELECT 1".to_owned(),
                    language: "sql".to_owned(),
                }),
                4,
                2,
            ),
            WidgetKind::Card => (
                WidgetProps::Card(CardProps {
                    heading: "Card".to_owned(),
                    text: "Card text".to_owned(),
                    tone: Emphasis::Neutral,
                }),
                3,
                2,
            ),
            WidgetKind::Button => (
                WidgetProps::Button(ButtonProps {
                    label: "Refresh data".to_owned(),
                    action: ButtonAction::Refresh,
                    tone: Emphasis::Neutral,
                }),
                2,
                1,
            ),
            WidgetKind::Link => (
                WidgetProps::Link(LinkProps {
                    text: "Open link".to_owned(),
                    url: "https://learn.microsoft.com/azure/databricks/".to_owned(),
                }),
                3,
                1,
            ),
            WidgetKind::Image => (
                WidgetProps::Image(ImageProps {
                    src: "/favicon.svg".to_owned(),
                    alt: "Image".to_owned(),
                }),
                2,
                2,
            ),
            WidgetKind::Iframe => (
                WidgetProps::Iframe(IframeProps {
                    src: "/mock/powerbi/embed/demo".to_owned(),
                    title: "Embedded report".to_owned(),
                    allow_fullscreen: true,
                }),
                6,
                4,
            ),
            WidgetKind::Kpi => (
                WidgetProps::Kpi(KpiProps {
                    label: "KPI".to_owned(),
                    unit: None,
                    trend: KpiTrend::HigherIsBetter,
                    thresholds: None,
                }),
                3,
                2,
            ),
            WidgetKind::Table => (
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
            WidgetKind::Chart => (
                WidgetProps::Chart(ChartProps {
                    kind: ChartKind::Bar,
                    x_label: "x".to_owned(),
                    y_label: "y".to_owned(),
                    y_format: ValueFormat::Number,
                }),
                6,
                4,
            ),
            WidgetKind::RefreshBar => (WidgetProps::RefreshBar(RefreshBarProps::default()), 12, 1),
            WidgetKind::Search => (
                WidgetProps::Search(SearchProps {
                    placeholder: "Search…".to_owned(),
                    targets: Vec::new(),
                }),
                4,
                1,
            ),
            WidgetKind::Filter => (
                WidgetProps::Filter(FilterProps {
                    label: "Filter".to_owned(),
                    ..Default::default()
                }),
                3,
                1,
            ),
            WidgetKind::Form => (
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
            WidgetKind::DataGrid => (
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
            WidgetKind::Tabs | WidgetKind::Accordion => {
                let container = ContainerProps {
                    panes: ["First", "Second"]
                        .map(|label| Pane {
                            label: label.to_owned(),
                            widgets: Vec::new(),
                        })
                        .to_vec(),
                };
                let props = if self == WidgetKind::Tabs {
                    WidgetProps::Tabs(container)
                } else {
                    WidgetProps::Accordion(container)
                };
                (props, 6, 4)
            }
        }
    }
}

impl WidgetProps {
    pub fn kind(&self) -> WidgetKind {
        match self {
            WidgetProps::Text(_) => WidgetKind::Text,
            WidgetProps::Kpi(_) => WidgetKind::Kpi,
            WidgetProps::Table(_) => WidgetKind::Table,
            WidgetProps::Chart(_) => WidgetKind::Chart,
            WidgetProps::RefreshBar(_) => WidgetKind::RefreshBar,
            WidgetProps::Heading(_) => WidgetKind::Heading,
            WidgetProps::Markdown(_) => WidgetKind::Markdown,
            WidgetProps::Html(_) => WidgetKind::Html,
            WidgetProps::Code(_) => WidgetKind::Code,
            WidgetProps::Card(_) => WidgetKind::Card,
            WidgetProps::Button(_) => WidgetKind::Button,
            WidgetProps::Link(_) => WidgetKind::Link,
            WidgetProps::Image(_) => WidgetKind::Image,
            WidgetProps::Iframe(_) => WidgetKind::Iframe,
            WidgetProps::Search(_) => WidgetKind::Search,
            WidgetProps::Filter(_) => WidgetKind::Filter,
            WidgetProps::Form(_) => WidgetKind::Form,
            WidgetProps::DataGrid(_) => WidgetKind::DataGrid,
            WidgetProps::Tabs(_) => WidgetKind::Tabs,
            WidgetProps::Accordion(_) => WidgetKind::Accordion,
        }
    }

    /// The props a binding may fill, and which of them it must fill.
    pub fn binding_targets(&self) -> (&'static [&'static str], &'static [&'static str]) {
        self.kind().binding_targets()
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::test_support::*;
    use crate::page::*;
    use serde_json::json;

    #[test]
    fn every_palette_type_has_valid_defaults() {
        for (index, &kind) in WidgetKind::ALL.iter().enumerate() {
            let type_name = kind.name();
            let widget = Widget {
                id: format!("w{index}"),
                ..Widget::from_palette(kind)
            };
            assert_eq!(widget.props.kind(), kind);
            assert_eq!(WidgetKind::parse(type_name), Some(kind));
            // The kind's own JSON name is the props' `type` tag.
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(type_name));
            assert_eq!(
                serde_json::to_value(&widget.props).unwrap()["type"],
                json!(type_name)
            );
            let mut page = PageDefinition {
                schema_version: SCHEMA_VERSION,
                layout: Layout {
                    row_height: DEFAULT_ROW_HEIGHT,
                    widgets: vec![widget],
                },
                access: None,
            };
            if kind == WidgetKind::Filter {
                // A filter needs a table to narrow: on its own it asks for one, and aimed at
                // a palette table's first column (as the builder aims new ones) it is valid.
                let issues = page.validate().unwrap_err();
                let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
                assert_eq!(
                    paths,
                    [format!("layout.widgets[0] (\"w{index}\").props.target")]
                );
                let mut table = Widget::from_palette(WidgetKind::Table);
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
    fn all_kinds_are_exactly_the_widget_types_of_the_schema() {
        // The schema has one alternative per `WidgetProps` variant, tagged by its type.
        let schema = serde_json::to_value(schemars::schema_for!(WidgetProps)).unwrap();
        let tags: Vec<_> = schema["oneOf"]
            .as_array()
            .expect("one alternative per widget type")
            .iter()
            .map(|alternative| alternative["properties"]["type"]["const"].as_str().unwrap())
            .collect();
        let names: Vec<_> = WidgetKind::ALL.iter().map(|kind| kind.name()).collect();
        assert_eq!(tags, names);
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
            WidgetKind::Heading.binding_targets(),
            (&["text"][..], &["text"][..])
        );
        assert_eq!(WidgetKind::Iframe.binding_targets(), (&[][..], &[][..]));
        assert_eq!(WidgetKind::parse("gauge"), None);
    }
}
