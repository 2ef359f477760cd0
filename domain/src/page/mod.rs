//! The page JSON model: page definition → layout on a 12-column grid → widgets with a
//! position per breakpoint, typed props and an optional data binding.
//!
//! Definitions are stored and exported as canonical JSON (keys sorted) so that versions diff
//! and merge cleanly; `schema_version` lets later releases upgrade older documents.

use std::collections::{BTreeMap, BTreeSet};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    ValidationIssue,
    request::{GraphqlOperation, RequestBody, Variables, graphql_operation, render_string},
};

pub const SCHEMA_VERSION: u32 = 1;
pub const GRID_COLUMNS: u8 = 12;
pub const DEFAULT_ROW_HEIGHT: u16 = 80;
pub const DEFAULT_CACHE_TTL_SECONDS: u32 = 60;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PageDefinition {
    /// Version of this document format; older versions are upgraded on load.
    pub schema_version: u32,
    pub layout: Layout,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Height of one grid row in CSS pixels.
    #[serde(default = "default_row_height")]
    pub row_height: u16,
    pub widgets: Vec<Widget>,
}

fn default_row_height() -> u16 {
    DEFAULT_ROW_HEIGHT
}

impl Layout {
    /// Every widget: those on the grid and, after each container, the widgets in its panes.
    pub fn all_widgets(&self) -> Vec<&Widget> {
        let mut all = Vec::new();
        for widget in &self.widgets {
            all.push(widget);
            for pane in widget.props.panes().unwrap_or_default() {
                all.extend(pane.widgets.iter());
            }
        }
        all
    }

    /// A widget on the grid or inside a container.
    pub fn find_mut(&mut self, id: &str) -> Option<&mut Widget> {
        for widget in &mut self.widgets {
            if widget.id == id {
                return Some(widget);
            }
            if let Some(found) = widget
                .props
                .panes_mut()
                .into_iter()
                .flatten()
                .flat_map(|pane| pane.widgets.iter_mut())
                .find(|child| child.id == id)
            {
                return Some(found);
            }
        }
        None
    }

    pub fn id_taken(&self, id: &str) -> bool {
        self.all_widgets().iter().any(|widget| widget.id == id)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Widget {
    /// Stable identifier, unique within the page; bindings and page state refer to it.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub position: Positions,
    #[serde(flatten)]
    pub props: WidgetProps,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binding: Option<Binding>,
    /// Who sees the widget; everyone when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// How the widget's content is set: alignment, text size, emphasis.
    #[serde(default, skip_serializing_if = "WidgetStyle::is_default")]
    pub style: WidgetStyle,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WidgetStyle {
    #[serde(default)]
    pub align: Align,
    #[serde(default)]
    pub size: TextSize,
    /// A stronger frame and bolder text, for the widget that matters most.
    #[serde(default)]
    pub emphasis: bool,
}

impl WidgetStyle {
    pub fn is_default(&self) -> bool {
        *self == WidgetStyle::default()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    #[default]
    Start,
    Center,
    End,
}

impl Align {
    pub const ALL: [Align; 3] = [Align::Start, Align::Center, Align::End];

    pub fn as_str(self) -> &'static str {
        match self {
            Align::Start => "start",
            Align::Center => "center",
            Align::End => "end",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TextSize {
    Small,
    #[default]
    Normal,
    Large,
}

impl TextSize {
    pub const ALL: [TextSize; 3] = [TextSize::Small, TextSize::Normal, TextSize::Large];

    pub fn as_str(self) -> &'static str {
        match self {
            TextSize::Small => "small",
            TextSize::Normal => "normal",
            TextSize::Large => "large",
        }
    }
}

/// Limits who sees a widget: by role (enforced on the server, so hidden widgets and their
/// data never reach the browser) and by a page variable (e.g. a filter's choice).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Visibility {
    /// Roles that see the widget; all roles when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<crate::Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<VariableCondition>,
}

/// Shows a widget only while a page variable (a search or filter widget's id) has a value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableCondition {
    pub variable: String,
    pub equals: String,
}

impl Widget {
    /// A new widget of a palette type at the top-left corner, without an id yet (placing
    /// it on a layout gives it one).
    pub fn from_palette(type_name: &str) -> Option<Widget> {
        let (props, w, h) = WidgetProps::palette_default(type_name)?;
        Some(Widget {
            id: String::new(),
            title: None,
            position: Positions {
                desktop: GridRect { x: 0, y: 0, w, h },
                tablet: None,
                mobile: None,
            },
            props,
            binding: None,
            visibility: None,
            style: WidgetStyle::default(),
        })
    }

    /// Whether a user of `role` may see this widget at all.
    pub fn visible_to(&self, role: crate::Role) -> bool {
        self.visibility.as_ref().is_none_or(|visibility| {
            visibility.roles.is_empty() || visibility.roles.contains(&role)
        })
    }

    /// Whether the page variables currently show this widget.
    pub fn shown_with(&self, variables: &BTreeMap<String, String>) -> bool {
        match self.visibility.as_ref().and_then(|v| v.when.as_ref()) {
            Some(condition) => variables.get(&condition.variable) == Some(&condition.equals),
            None => true,
        }
    }
}

impl PageDefinition {
    /// The page as a user of `role` may receive it: widgets for other roles removed.
    pub fn for_role(mut self, role: crate::Role) -> Self {
        self.layout.widgets.retain(|widget| widget.visible_to(role));
        for widget in &mut self.layout.widgets {
            for pane in widget.props.panes_mut().into_iter().flatten() {
                pane.widgets.retain(|child| child.visible_to(role));
            }
        }
        self
    }
}

/// Where a widget sits at each breakpoint. Tablet falls back to desktop; mobile stacks all
/// widgets full width in reading order unless a mobile position is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Positions {
    pub desktop: GridRect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tablet: Option<GridRect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<GridRect>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GridRect {
    /// Column, 0-based, 0..12.
    pub x: u8,
    /// Row, 0-based.
    pub y: u16,
    /// Width in columns, 1..=12.
    pub w: u8,
    /// Height in rows, at least 1.
    pub h: u16,
}

impl GridRect {
    /// One past the rightmost column, widened so no position can overflow.
    pub fn right(&self) -> u16 {
        u16::from(self.x) + u16::from(self.w)
    }

    /// One past the bottom row, widened so no position can overflow.
    pub fn bottom(&self) -> u32 {
        u32::from(self.y) + u32::from(self.h)
    }

    pub fn overlaps(&self, other: &GridRect) -> bool {
        u16::from(self.x) < other.right()
            && u16::from(other.x) < self.right()
            && u32::from(self.y) < other.bottom()
            && u32::from(other.y) < self.bottom()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Breakpoint {
    Desktop,
    Tablet,
    Mobile,
}

impl Breakpoint {
    pub const ALL: [Breakpoint; 3] = [Breakpoint::Desktop, Breakpoint::Tablet, Breakpoint::Mobile];

    pub fn key(self) -> &'static str {
        match self {
            Breakpoint::Desktop => "desktop",
            Breakpoint::Tablet => "tablet",
            Breakpoint::Mobile => "mobile",
        }
    }
}

impl Positions {
    /// The explicit rectangle at a breakpoint, with tablet inheriting desktop. `None` on
    /// mobile means "stacked".
    pub fn at(&self, breakpoint: Breakpoint) -> Option<GridRect> {
        match breakpoint {
            Breakpoint::Desktop => Some(self.desktop),
            Breakpoint::Tablet => Some(self.tablet.unwrap_or(self.desktop)),
            Breakpoint::Mobile => self.mobile,
        }
    }
}

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

fn default_grid_row_height() -> u16 {
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

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormProps {
    pub fields: Vec<FormField>,
    #[serde(default = "default_submit_label")]
    pub submit_label: String,
    /// Where the values go; without it the form only checks its required fields. Boxed:
    /// most forms in a page's widget list have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit: Option<Box<SubmitAction>>,
}

/// A form's submit action: one request to a tool, its body filled from the form's values
/// with `{{field_name}}` placeholders. It runs on the server, once per submission: never
/// cached, never retried.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitAction {
    /// Slug of the registered tool.
    pub tool: String,
    /// A POST, e.g. `{"method": "POST", "path": "/api/now/table/incident", "body":
    /// {"kind": "json", "template": {"short_description": "{{summary}}"}}}`.
    pub request: RequestSpec,
    /// JMESPath to what identifies the created record in the tool's answer (e.g.
    /// `result.number`), shown as "Submitted: INC0010061".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Longest text a form field accepts.
pub const MAX_FIELD_CHARS: usize = 4000;

impl FormProps {
    /// Checks submitted values against the fields — on the server, whatever the browser
    /// checked — and types them for the request: numbers as JSON numbers, checkboxes as
    /// booleans, empty optional fields as `null`. Issues are located at `values.<name>`.
    pub fn typed_values(
        &self,
        values: &BTreeMap<String, String>,
    ) -> Result<Variables, Vec<ValidationIssue>> {
        let mut issues = Vec::new();
        for name in values.keys() {
            if !self.fields.iter().any(|field| &field.name == name) {
                issues.push(ValidationIssue::new(
                    format!("values.{name}"),
                    format!("this form has no field \"{name}\""),
                ));
            }
        }
        let mut typed = Variables::new();
        for field in &self.fields {
            let at = format!("values.{}", field.name);
            let text = values
                .get(&field.name)
                .map(|v| v.trim())
                .unwrap_or_default();
            let label = &field.label;
            let value = match field.kind {
                FieldKind::Checkbox => match text {
                    "on" | "true" => Value::Bool(true),
                    "" | "false" => Value::Bool(false),
                    _ => {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} is a checkbox: on or off"),
                        ));
                        continue;
                    }
                },
                _ if text.is_empty() => Value::Null,
                FieldKind::Number => match number(text) {
                    Some(number) => number,
                    None => {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} must be a number"),
                        ));
                        continue;
                    }
                },
                FieldKind::Date => {
                    if chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err() {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} must be a date (YYYY-MM-DD)"),
                        ));
                        continue;
                    }
                    Value::String(text.to_owned())
                }
                FieldKind::Select | FieldKind::Radio => {
                    if !field.options.iter().any(|option| option == text) {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} must be one of: {}", field.options.join(", ")),
                        ));
                        continue;
                    }
                    Value::String(text.to_owned())
                }
                FieldKind::Text => {
                    if text.chars().count() > MAX_FIELD_CHARS {
                        issues.push(ValidationIssue::new(
                            at,
                            format!("{label} is too long (at most {MAX_FIELD_CHARS} characters)"),
                        ));
                        continue;
                    }
                    Value::String(text.to_owned())
                }
            };
            if field.required && matches!(value, Value::Null | Value::Bool(false)) {
                issues.push(ValidationIssue::new(at, format!("{label} is required")));
                continue;
            }
            typed.insert(field.name.clone(), value);
        }
        crate::error::collected(issues).map(|()| typed)
    }
}

/// A finite number as JSON: integers stay integers.
fn number(text: &str) -> Option<Value> {
    if let Ok(integer) = text.parse::<i64>() {
        return Some(Value::from(integer));
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

fn default_submit_label() -> String {
    "Submit".to_owned()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormField {
    /// Key of the value in the submitted JSON.
    pub name: String,
    pub label: String,
    pub kind: FieldKind,
    #[serde(default)]
    pub required: bool,
    /// Choices for select and radio fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Text,
    Number,
    Date,
    Select,
    Radio,
    Checkbox,
}

impl FieldKind {
    pub const ALL: [FieldKind; 6] = [
        FieldKind::Text,
        FieldKind::Number,
        FieldKind::Date,
        FieldKind::Select,
        FieldKind::Radio,
        FieldKind::Checkbox,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Number => "number",
            FieldKind::Date => "date",
            FieldKind::Select => "select",
            FieldKind::Radio => "radio",
            FieldKind::Checkbox => "checkbox",
        }
    }
}

/// Binds a widget to one request against a registered tool and maps the response onto the
/// widget's props with JMESPath.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    /// Slug of the registered tool.
    pub tool: String,
    pub request: RequestSpec,
    /// Target prop → JMESPath expression evaluated against the response body.
    pub mapping: BTreeMap<String, String>,
    /// Formatting steps after the mapping, keyed by target or `target.field`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub transforms: BTreeMap<String, Vec<crate::transform::Transform>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_seconds: Option<u32>,
    #[serde(default = "default_cache_ttl")]
    pub cache_ttl_seconds: u32,
}

fn default_cache_ttl() -> u32 {
    DEFAULT_CACHE_TTL_SECONDS
}

#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct RequestSpec {
    #[serde(default)]
    pub method: HttpMethod,
    /// Path relative to the tool's base URL, starting with `/`.
    pub path: String,
    /// Values may hold `{{name}}` placeholders (page variables, form values).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// What a POST sends: JSON (with `{{name}}` placeholders), a GraphQL operation or a SQL
    /// statement defined on the tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<RequestBody>,
    /// Follow the tool's pages and concatenate their items into one answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<PaginationSpec>,
}

impl RequestSpec {
    /// A GET of `path` with its query string, e.g. `/api/2.1/jobs/runs/list?limit=1`.
    pub fn get(path_and_query: &str) -> Self {
        let (path, query) = path_and_query
            .split_once('?')
            .unwrap_or((path_and_query, ""));
        RequestSpec {
            method: HttpMethod::Get,
            path: path.to_owned(),
            query: form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect(),
            body: None,
            pagination: None,
        }
    }

    /// A POST of `path` with `body`.
    pub fn post(path: &str, body: RequestBody) -> Self {
        RequestSpec {
            method: HttpMethod::Post,
            body: Some(body),
            ..RequestSpec::get(path)
        }
    }

    /// The request with its placeholders (query values and body) filled from `variables`.
    pub fn rendered(&self, variables: &Variables) -> RequestSpec {
        RequestSpec {
            // A parameter that is only an unset variable is left out: "no filter chosen".
            query: self
                .query
                .iter()
                .filter_map(|(key, value)| match render_string(value, variables) {
                    Value::Null => None,
                    rendered => Some((key.clone(), crate::request::value_text(&rendered))),
                })
                .collect(),
            body: self.body.as_ref().map(|body| body.render(variables)),
            ..self.clone()
        }
    }

    /// Every variable its placeholders use.
    pub fn placeholders(&self) -> BTreeSet<String> {
        let mut names =
            crate::request::JsonTemplate(serde_json::to_value(&self.query).unwrap_or_default())
                .placeholders();
        if let Some(body) = &self.body {
            names.extend(body.placeholders());
        }
        names
    }

    /// Whether sending it only reads: GETs do, POSTs as their body declares; `None` when
    /// the tool decides (a SQL statement's definition).
    pub fn declared_read_only(&self) -> Option<bool> {
        match (self.method, &self.body) {
            (HttpMethod::Get, _) => Some(true),
            (HttpMethod::Post, None) => Some(false),
            (HttpMethod::Post, Some(body)) => body.declared_read_only(),
        }
    }
}

/// How an endpoint pages through results.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "style", rename_all = "snake_case")]
pub enum Pagination {
    #[default]
    None,
    Offset {
        limit_param: String,
        offset_param: String,
    },
    PageNumber {
        page_param: String,
        size_param: String,
    },
    /// The next cursor is read from each answer with `next_cursor` (JMESPath); paging stops
    /// when it is missing or empty.
    Cursor {
        cursor_param: String,
        next_cursor: String,
    },
}

/// Pagination for one binding: the style, where the items are, and how far to go.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
pub struct PaginationSpec {
    #[serde(flatten)]
    pub style: Pagination,
    /// Dotted path of the item array in each answer, e.g. `runs` or `views.view`.
    pub items: String,
    #[serde(default = "default_page_size")]
    pub page_size: u32,
    /// Stop after this many pages even if more remain.
    #[serde(default = "default_max_pages")]
    pub max_pages: u32,
    /// Where to begin reading, when a viewer asks for more of a data grid's rows; never
    /// stored in a page.
    #[serde(skip)]
    #[schemars(skip)]
    pub start: Option<Continuation>,
}

/// Where a paged read goes on: the next page's index (0-based) or the tool's own cursor.
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum Continuation {
    Page(u32),
    Cursor(String),
}

fn default_page_size() -> u32 {
    25
}

fn default_max_pages() -> u32 {
    5
}

#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpMethod {
    #[default]
    Get,
    /// Sends the request's `body`.
    Post,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
        }
    }
}

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
            check_props(path, &widget.props, &mut issues);
            if let Some(binding) = &widget.binding {
                check_binding(path, &widget.props, binding, &mut issues);
            }
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

/// How a search box or filter narrows a table's rows, keyed by the page variable it sets
/// (the search or filter widget's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowFilter {
    /// Rows where any column contains the variable's text, ignoring case.
    Contains { variable: String },
    /// Rows whose `column` shows exactly the variable's value.
    Equals { variable: String, column: String },
}

impl PageDefinition {
    /// Table id → the filters that search and filter widgets put on it.
    pub fn row_filters(&self) -> BTreeMap<String, Vec<RowFilter>> {
        let mut filters: BTreeMap<String, Vec<RowFilter>> = BTreeMap::new();
        for widget in self.layout.all_widgets() {
            match &widget.props {
                WidgetProps::Search(search) => {
                    for target in &search.targets {
                        filters
                            .entry(target.clone())
                            .or_default()
                            .push(RowFilter::Contains {
                                variable: widget.id.clone(),
                            });
                    }
                }
                WidgetProps::Filter(filter) => filters
                    .entry(filter.target.clone())
                    .or_default()
                    .push(RowFilter::Equals {
                        variable: widget.id.clone(),
                        column: filter.column.clone(),
                    }),
                _ => {}
            }
        }
        filters
    }
}

/// Page variables to and from a URL query string (`a=1&b=x+y`).
pub fn encode_variables(variables: &BTreeMap<String, String>) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(variables)
        .finish()
}

pub fn decode_variables(query: &str) -> BTreeMap<String, String> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

impl PageDefinition {
    /// Names of the page variables the page's bindings fill into their requests.
    pub fn bound_variables(&self) -> BTreeSet<String> {
        self.layout
            .all_widgets()
            .iter()
            .filter_map(|widget| widget.binding.as_ref())
            .flat_map(|binding| binding.request.placeholders())
            .collect()
    }
}

/// Whether a table row passes every filter, given the page variables; an empty or unset
/// variable does not filter.
pub fn row_passes(
    row: &Value,
    columns: &[TableColumn],
    filters: &[RowFilter],
    variables: &BTreeMap<String, String>,
) -> bool {
    let cell = |key: &str| crate::chart::display_value(row.get(key).unwrap_or(&Value::Null));
    filters.iter().all(|filter| {
        let variable = match filter {
            RowFilter::Contains { variable } | RowFilter::Equals { variable, .. } => variable,
        };
        let wanted = variables
            .get(variable)
            .map(|v| v.trim())
            .unwrap_or_default();
        if wanted.is_empty() {
            return true;
        }
        match filter {
            RowFilter::Contains { .. } => {
                let wanted = wanted.to_lowercase();
                columns
                    .iter()
                    .any(|column| cell(&column.key).to_lowercase().contains(&wanted))
            }
            RowFilter::Equals { column, .. } => cell(column) == wanted,
        }
    })
}

/// Orders rows by one column: numbers numerically, everything else by its display text;
/// missing values last. Stable, so equal rows keep their order.
pub fn sort_rows(rows: &mut [&Value], key: &str, descending: bool) {
    use std::cmp::Ordering;
    let sort_key = |row: &Value| -> Option<Result<f64, String>> {
        match row.get(key)? {
            Value::Null => None,
            Value::Number(number) => number.as_f64().map(Ok),
            other => {
                let text = crate::chart::display_value(other);
                Some(text.parse::<f64>().map_err(|_| text.to_lowercase()))
            }
        }
    };
    rows.sort_by(|a, b| {
        let ordering = match (sort_key(a), sort_key(b)) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(Ok(x)), Some(Ok(y))) => x.total_cmp(&y),
            (Some(Ok(_)), Some(Err(_))) => Ordering::Less,
            (Some(Err(_)), Some(Ok(_))) => Ordering::Greater,
            (Some(Err(x)), Some(Err(y))) => x.cmp(&y),
        };
        if descending {
            ordering.reverse()
        } else {
            ordering
        }
    });
}

/// The distinct display values of one column, sorted: a filter's choices when none are set.
pub fn distinct_values(rows: &Value, column: &str) -> Vec<String> {
    let values: BTreeSet<String> = rows
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row.get(column))
        .map(crate::chart::display_value)
        .collect();
    values.into_iter().collect()
}

/// A created record's reference fit to travel in a URL and be shown: `INC0010061`,
/// `run-42`, `PRJ.7` — at most 64 letters, digits and `_ - . :`.
pub fn is_safe_reference(reference: &str) -> bool {
    !reference.is_empty()
        && reference.len() <= 64
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
}

/// What a form says after a submission without JavaScript came back: from the redirect's
/// `submitted` reference or `form_error` code. Only fixed texts and checked references.
pub fn form_outcome(submitted: Option<&str>, error: Option<&str>) -> Option<String> {
    match (submitted, error) {
        (Some(reference), _) if is_safe_reference(reference) => {
            Some(format!("Submitted: {reference}"))
        }
        (Some(_), _) => Some("Submitted.".to_owned()),
        (None, Some("invalid")) => Some(
            "Some values are missing or not valid: check the required fields and try again."
                .to_owned(),
        ),
        (None, Some("unavailable")) => {
            Some("This form is not available to you any more.".to_owned())
        }
        (None, Some(_)) => Some(
            "The tool did not accept the submission. Try again, or tell the page's owner."
                .to_owned(),
        ),
        (None, None) => None,
    }
}

/// Slugs name pages and tools in URLs and bindings: 1–80 lowercase letters and digits in
/// words joined by single hyphens.
pub fn is_valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= 80
        && slug.split('-').all(|part| {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// JSON Schema of the page definition, published in docs/.
#[expect(clippy::expect_used, reason = "a generated schema is plain JSON")]
pub fn json_schema() -> Value {
    serde_json::to_value(schemars::schema_for!(PageDefinition)).expect("schema serializes")
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
                Some(kind) if WidgetProps::TYPE_NAMES.contains(&kind) => None,
                Some(kind) => Some(ValidationIssue::new(
                    format!("{label}.type"),
                    format!(
                        "unknown widget type \"{kind}\" (known types: {})",
                        WidgetProps::TYPE_NAMES.join(", ")
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

fn check_props(path: &str, props: &WidgetProps, issues: &mut Vec<ValidationIssue>) {
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

fn check_binding(
    path: &str,
    props: &WidgetProps,
    binding: &Binding,
    issues: &mut Vec<ValidationIssue>,
) {
    let at = format!("{path}.binding");
    if binding.tool.trim().is_empty() {
        issues.push(ValidationIssue::new(format!("{at}.tool"), "choose a tool"));
    }
    check_request(&format!("{at}.request"), &binding.request, issues);
    if binding.request.declared_read_only() == Some(false) {
        let (field, message) = match &binding.request.body {
            Some(RequestBody::Graphql { .. }) => (
                "body.query",
                "a mutation changes data, and widgets only read: send it from a form",
            ),
            _ => (
                "body",
                "this request changes data, and widgets only read: send it from a form, or mark a JSON body \"read_only\" for an endpoint the tool declares as a read",
            ),
        };
        issues.push(ValidationIssue::new(
            format!("{at}.request.{field}"),
            message,
        ));
    }
    let (allowed, required) = props.binding_targets();
    if allowed.is_empty() {
        issues.push(ValidationIssue::new(
            at.clone(),
            format!("a {} widget cannot be bound to data", props.type_name()),
        ));
        return;
    }
    for (target, expression) in &binding.mapping {
        let field = format!("{at}.mapping.{target}");
        if !allowed.contains(&target.as_str()) {
            issues.push(ValidationIssue::new(
                field.clone(),
                format!(
                    "a {} widget has no \"{target}\" field (it has: {})",
                    props.type_name(),
                    allowed.join(", ")
                ),
            ));
        }
        if let Err(err) = crate::expression::compile(expression) {
            issues.push(ValidationIssue::new(
                field,
                format!("invalid JMESPath expression: {err}"),
            ));
        }
    }
    for target in required {
        if !binding.mapping.contains_key(*target) {
            issues.push(ValidationIssue::new(
                format!("{at}.mapping.{target}"),
                "this field needs a JMESPath expression",
            ));
        }
    }
    crate::transform::check_transforms(&at, &binding.transforms, &binding.mapping, issues);
}

/// The rules every request follows, in bindings, form submissions and manifests alike.
pub(crate) fn check_request(at: &str, request: &RequestSpec, issues: &mut Vec<ValidationIssue>) {
    // Shape only: whether the final URL stays under the tool's base path is decided by the
    // connector on every call, after the URL parser has resolved every dot segment.
    let request_path = &request.path;
    if !request_path.starts_with('/') || request_path.contains("://") {
        issues.push(ValidationIssue::new(
            format!("{at}.path"),
            "the path must start with / and stay under the tool's base URL",
        ));
    }
    for (key, value) in &request.query {
        crate::request::JsonTemplate(Value::String(value.clone()))
            .check(&format!("{at}.query.{key}"), issues);
    }
    match (request.method, &request.body) {
        (HttpMethod::Get, Some(_)) => issues.push(ValidationIssue::new(
            format!("{at}.body"),
            "a GET request sends no body: choose POST",
        )),
        (_, Some(body)) => body.check(&format!("{at}.body"), issues),
        (HttpMethod::Post, None) => issues.push(ValidationIssue::new(
            format!("{at}.body"),
            "a POST needs a body: JSON, a GraphQL query or a SQL statement",
        )),
        (HttpMethod::Get, None) => {}
    }
    if request.method == HttpMethod::Post && request.pagination.is_some() {
        issues.push(ValidationIssue::new(
            format!("{at}.pagination"),
            "paging is followed for GET requests only",
        ));
    }
}

fn check_submit(
    at: &str,
    form: &FormProps,
    submit: &SubmitAction,
    issues: &mut Vec<ValidationIssue>,
) {
    if submit.tool.trim().is_empty() {
        issues.push(ValidationIssue::new(
            format!("{at}.tool"),
            "choose the tool the form sends to",
        ));
    }
    if submit.request.method != HttpMethod::Post {
        issues.push(ValidationIssue::new(
            format!("{at}.request.method"),
            "a form sends its values with POST",
        ));
    } else {
        check_request(&format!("{at}.request"), &submit.request, issues);
    }
    if let Some(RequestBody::Graphql { query, .. }) = &submit.request.body
        && graphql_operation(query) == Some(GraphqlOperation::Query)
    {
        issues.push(ValidationIssue::new(
            format!("{at}.request.body.query"),
            "a form sends a mutation; queries belong in a widget's binding",
        ));
    }
    for name in submit.request.placeholders() {
        if !form.fields.iter().any(|field| field.name == name) {
            issues.push(ValidationIssue::new(
                format!("{at}.request"),
                format!(
                    "{{{{{name}}}}} names no field of this form (fields: {})",
                    form.fields
                        .iter()
                        .map(|field| field.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if let Some(reference) = &submit.reference
        && let Err(err) = crate::expression::compile(reference)
    {
        issues.push(ValidationIssue::new(
            format!("{at}.reference"),
            format!("invalid JMESPath expression: {err}"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rect(x: u8, y: u16, w: u8, h: u16) -> Value {
        json!({"x": x, "y": y, "w": w, "h": h})
    }

    fn page(widgets: Value) -> Value {
        json!({"schema_version": 1, "layout": {"row_height": 80, "widgets": widgets}})
    }

    fn kpi(id: &str, x: u8, y: u16) -> Value {
        json!({
            "id": id, "type": "kpi", "props": {"label": "Runs"},
            "position": {"desktop": rect(x, y, 3, 2)},
            "binding": {"tool": "databricks-demo", "request": {"path": "/api/2.1/jobs/runs/list"},
                        "mapping": {"value": "length(runs)"}}
        })
    }

    fn issues_of(value: Value) -> Vec<ValidationIssue> {
        PageDefinition::from_json(&value).expect_err("should be invalid")
    }

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
    fn bad_jmespath_names_widget_and_field() {
        let mut widget = kpi("k", 0, 0);
        widget["binding"]["mapping"]["value"] = json!("length(runs[");
        let issues = issues_of(page(json!([widget])));
        assert_eq!(issues.len(), 1);
        assert_eq!(
            issues[0].path,
            "layout.widgets[0] (\"k\").binding.mapping.value"
        );
        assert!(issues[0].message.starts_with("invalid JMESPath expression"));
    }

    #[test]
    fn form_outcomes_show_only_fixed_texts_and_checked_references() {
        assert_eq!(
            form_outcome(Some("INC0010061"), None).as_deref(),
            Some("Submitted: INC0010061")
        );
        assert_eq!(
            form_outcome(Some("<script>alert(1)</script>"), None).as_deref(),
            Some("Submitted.")
        );
        assert_eq!(form_outcome(Some(""), None).as_deref(), Some("Submitted."));
        assert!(
            form_outcome(None, Some("invalid"))
                .unwrap()
                .contains("required fields")
        );
        assert!(
            form_outcome(None, Some("Call 555-0100 now"))
                .unwrap()
                .starts_with("The tool did not accept")
        );
        assert_eq!(form_outcome(None, None), None);
    }

    #[test]
    fn mapping_to_a_field_the_widget_lacks_is_rejected() {
        let mut widget = kpi("k", 0, 0);
        widget["binding"]["mapping"] = json!({"rows": "runs"});
        let issues = issues_of(page(json!([widget])));
        let messages: Vec<_> = issues
            .iter()
            .map(|issue| (issue.path.as_str(), issue.message.as_str()))
            .collect();
        assert!(
            messages
                .iter()
                .any(|(path, msg)| path.ends_with("mapping.rows")
                    && msg.contains("has no \"rows\" field"))
        );
        assert!(
            messages
                .iter()
                .any(|(path, msg)| path.ends_with("mapping.value")
                    && msg.contains("needs a JMESPath"))
        );
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
    fn published_json_schema_matches_the_model() {
        let schema = serde_json::to_string_pretty(&json_schema()).unwrap() + "\n";
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../docs/page-definition.schema.json"
        );
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::write(path, &schema).unwrap();
        }
        let published = std::fs::read_to_string(path).expect(
            "docs/page-definition.schema.json exists; run with UPDATE_SCHEMA=1 to write it",
        );
        assert_eq!(
            published, schema,
            "docs/page-definition.schema.json is stale; run `UPDATE_SCHEMA=1 cargo test -p domain`"
        );
    }

    fn widget(id: &str, x: u8, y: u16, kind: &str, props: Value) -> Value {
        json!({"id": id, "type": kind, "props": props, "position": {"desktop": rect(x, y, 3, 1)}})
    }

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
    fn form_fields_need_unique_names_and_choices() {
        let issues = issues_of(page(json!([widget(
            "form",
            0,
            0,
            "form",
            json!({"fields": [
                {"name": "a", "label": "A", "kind": "text"},
                {"name": "a", "label": "A again", "kind": "number"},
                {"name": "p", "label": "Priority", "kind": "select"},
            ]})
        )])));
        let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "layout.widgets[0] (\"form\").props.fields[1].name",
                "layout.widgets[0] (\"form\").props.fields[2].options",
            ]
        );
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

    #[test]
    fn search_and_filter_variables_narrow_table_rows() {
        let definition = PageDefinition::from_json(&page(json!([
            {"id": "t", "type": "table", "props": {"columns": [{"key": "number", "label": "No"}, {"key": "state", "label": "State"}]},
             "position": {"desktop": rect(0, 2, 6, 3)}},
            widget("q", 0, 0, "search", json!({"targets": ["t"]})),
            widget("st", 3, 0, "filter", json!({"label": "State", "target": "t", "column": "state"})),
        ])))
        .unwrap();
        let filters = definition.row_filters();
        assert_eq!(
            filters["t"],
            [
                RowFilter::Contains {
                    variable: "q".into()
                },
                RowFilter::Equals {
                    variable: "st".into(),
                    column: "state".into()
                },
            ]
        );
        let WidgetProps::Table(table) = &definition.widget("t").unwrap().props else {
            unreachable!()
        };
        let rows = json!([
            {"number": "INC001", "state": "New"},
            {"number": "INC002", "state": {"display_value": "Closed", "value": "7"}},
            {"number": "CHG003", "state": "New"},
        ]);
        let passing = |vars: &[(&str, &str)]| -> Vec<usize> {
            let vars = vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            rows.as_array()
                .unwrap()
                .iter()
                .enumerate()
                .filter(|(_, row)| row_passes(row, &table.columns, &filters["t"], &vars))
                .map(|(index, _)| index)
                .collect()
        };
        assert_eq!(passing(&[]), [0, 1, 2]);
        assert_eq!(passing(&[("q", "inc")]), [0, 1]);
        assert_eq!(passing(&[("q", "  ")]), [0, 1, 2]);
        assert_eq!(passing(&[("st", "Closed")]), [1]);
        assert_eq!(passing(&[("q", "inc"), ("st", "New")]), [0]);
        assert_eq!(distinct_values(&rows, "state"), ["Closed", "New"]);
    }

    #[test]
    fn rows_sort_numbers_numerically_text_alphabetically_and_blanks_last() {
        let rows = json!([
            {"n": 10, "s": "beta"},
            {"n": 9, "s": "Alpha"},
            {"s": "gamma"},
            {"n": "100", "s": null},
        ]);
        let all: Vec<&Value> = rows.as_array().unwrap().iter().collect();
        let order = |key: &str, descending: bool| {
            let mut sorted = all.clone();
            sort_rows(&mut sorted, key, descending);
            sorted
                .iter()
                .map(|row| all.iter().position(|r| std::ptr::eq(*r, *row)).unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(order("n", false), [1, 0, 3, 2]);
        assert_eq!(order("n", true), [3, 0, 1, 2]);
        assert_eq!(order("s", false), [1, 0, 2, 3]);
    }

    #[test]
    fn visibility_by_role_and_by_page_variable() {
        let definition = PageDefinition::from_json(&page(json!([
            {"id": "all", "type": "text", "props": {"text": "a"}, "position": {"desktop": rect(0, 0, 3, 1)}},
            {"id": "ops", "type": "text", "props": {"text": "b"}, "position": {"desktop": rect(3, 0, 3, 1)},
             "visibility": {"roles": ["admin", "editor"]}},
            {"id": "p1", "type": "text", "props": {"text": "c"}, "position": {"desktop": rect(6, 0, 3, 1)},
             "visibility": {"when": {"variable": "prio", "equals": "1"}}},
        ])))
        .unwrap();
        let ids = |d: &PageDefinition| {
            d.layout
                .widgets
                .iter()
                .map(|w| w.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&definition.clone().for_role(crate::Role::Viewer)),
            ["all", "p1"]
        );
        assert_eq!(
            ids(&definition.clone().for_role(crate::Role::Editor)),
            ["all", "ops", "p1"]
        );
        let conditional = definition.widget("p1").unwrap();
        let vars = |v: &str| BTreeMap::from([("prio".to_owned(), v.to_owned())]);
        assert!(conditional.shown_with(&vars("1")));
        assert!(!conditional.shown_with(&vars("2")));
        assert!(!conditional.shown_with(&BTreeMap::new()));
        let issues = issues_of(page(
            json!([{"id": "x", "type": "text", "props": {}, "position": {"desktop": rect(0, 0, 1, 1)},
            "visibility": {"when": {"variable": " ", "equals": "1"}}}]),
        ));
        assert_eq!(
            issues[0].path,
            "layout.widgets[0] (\"x\").visibility.when.variable"
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
        assert_eq!(definition.widget("t").unwrap().props.type_name(), "table");
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
    fn style_is_kept_and_the_default_style_is_not_written() {
        let styled = PageDefinition::from_json(&page(json!([{"id": "t", "type": "text", "props": {"text": "x"},
            "position": {"desktop": rect(0, 0, 3, 1)}, "style": {"align": "center", "size": "large", "emphasis": true}}])))
        .unwrap();
        let style = styled.widget("t").unwrap().style;
        assert_eq!(
            (style.align, style.size, style.emphasis),
            (Align::Center, TextSize::Large, true)
        );
        let plain = PageDefinition::from_json(&page(
            json!([{"id": "t", "type": "text", "props": {"text": "x"},
            "position": {"desktop": rect(0, 0, 3, 1)}}]),
        ))
        .unwrap();
        assert!(
            plain.to_canonical_json()["layout"]["widgets"][0]
                .get("style")
                .is_none()
        );
    }

    fn incident_form(submit: Value) -> Value {
        widget(
            "report",
            0,
            0,
            "form",
            json!({"fields": [
                {"name": "summary", "label": "Summary", "kind": "text", "required": true},
                {"name": "urgency", "label": "Urgency", "kind": "select", "options": ["1", "2", "3"]},
                {"name": "minutes", "label": "Minutes lost", "kind": "number"},
                {"name": "notify", "label": "Notify on-call", "kind": "checkbox"},
                {"name": "since", "label": "Since", "kind": "date"}
            ], "submit": submit}),
        )
    }

    fn create_incident() -> Value {
        json!({"tool": "servicenow-demo", "reference": "result.number",
               "request": {"method": "POST", "path": "/api/now/table/incident",
                           "body": {"kind": "json", "template": {"short_description": "{{summary}}", "urgency": "{{urgency}}"}}}})
    }

    #[test]
    fn bindings_only_read_and_post_bodies_are_checked() {
        let post = |body: Value| {
            let mut widget = kpi("k", 0, 0);
            widget["binding"]["request"] =
                json!({"method": "POST", "path": "/graphql", "body": body});
            issues_of(page(json!([widget])))
        };
        let write = post(json!({"kind": "json", "template": {"a": "{{x}}"}}));
        assert_eq!(
            write[0].path,
            "layout.widgets[0] (\"k\").binding.request.body"
        );
        assert!(write[0].message.contains("widgets only read"));
        let mutation = post(json!({"kind": "graphql", "query": "mutation { retry }"}));
        assert_eq!(
            mutation[0].path,
            "layout.widgets[0] (\"k\").binding.request.body.query"
        );
        let broken = post(json!({"kind": "json", "read_only": true, "template": {"a": "{{x"}}));
        assert_eq!(
            broken[0].path,
            "layout.widgets[0] (\"k\").binding.request.body.template.a"
        );
        for fine in [
            json!({"kind": "json", "read_only": true, "template": {"q": "{{search}}"}}),
            json!({"kind": "graphql", "query": "query { jobs { id } }", "variables": {"job": "{{job}}"}}),
            json!({"kind": "statement", "name": "runs_by_result", "parameters": {"result": "FAILED"}}),
        ] {
            let mut widget = kpi("k", 0, 0);
            widget["binding"]["request"] =
                json!({"method": "POST", "path": "/x", "body": fine.clone()});
            assert!(
                PageDefinition::from_json(&page(json!([widget]))).is_ok(),
                "{fine}"
            );
        }
        let mut get_with_body = kpi("k", 0, 0);
        get_with_body["binding"]["request"]["body"] =
            json!({"kind": "json", "read_only": true, "template": {}});
        assert_eq!(
            issues_of(page(json!([get_with_body])))[0].message,
            "a GET request sends no body: choose POST"
        );
    }

    #[test]
    fn form_submit_placeholders_must_name_the_forms_fields() {
        assert!(
            PageDefinition::from_json(&page(json!([incident_form(create_incident())]))).is_ok()
        );
        let mut submit = create_incident();
        submit["request"]["body"]["template"]["caller_id"] = json!("{{caller}}");
        submit["request"]["method"] = json!("GET");
        submit["reference"] = json!("result[");
        let issues = issues_of(page(json!([incident_form(submit)])));
        let found: Vec<_> = issues
            .iter()
            .map(|issue| (issue.path.as_str(), issue.message.as_str()))
            .collect();
        let at = "layout.widgets[0] (\"report\").props.submit";
        assert_eq!(
            found[0],
            (
                &*format!("{at}.request.method"),
                "a form sends its values with POST"
            )
        );
        assert_eq!(found[1].0, format!("{at}.request"));
        assert!(
            found[1]
                .1
                .starts_with("{{caller}} names no field of this form"),
            "{}",
            found[1].1
        );
        assert_eq!(found[2].0, format!("{at}.reference"));
    }

    #[test]
    fn submitted_values_are_checked_and_typed_on_the_server() {
        let definition =
            PageDefinition::from_json(&page(json!([incident_form(create_incident())]))).unwrap();
        let WidgetProps::Form(form) = &definition.widget("report").unwrap().props else {
            panic!("a form");
        };
        let values = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>()
        };
        let typed = form
            .typed_values(&values(&[
                ("summary", " Disk full "),
                ("urgency", "2"),
                ("minutes", "12.5"),
                ("notify", "on"),
            ]))
            .unwrap();
        assert_eq!(
            serde_json::to_value(&typed).unwrap(),
            json!({"summary": "Disk full", "urgency": "2", "minutes": 12.5, "notify": true, "since": null})
        );
        let issues = form
            .typed_values(&values(&[
                ("summary", "  "),
                ("urgency", "9"),
                ("minutes", "many"),
                ("since", "31/12/2026"),
                ("admin", "true"),
            ]))
            .unwrap_err();
        let found: Vec<_> = issues
            .iter()
            .map(|issue| (issue.path.as_str(), issue.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("values.admin", "this form has no field \"admin\""),
                ("values.summary", "Summary is required"),
                ("values.urgency", "Urgency must be one of: 1, 2, 3"),
                ("values.minutes", "Minutes lost must be a number"),
                ("values.since", "Since must be a date (YYYY-MM-DD)"),
            ]
        );
    }

    #[test]
    fn rendering_a_request_fills_query_and_body_from_variables() {
        let request = RequestSpec {
            query: BTreeMap::from([("job".to_owned(), "{{job}}".to_owned())]),
            ..RequestSpec::post(
                "/graphql",
                RequestBody::Graphql {
                    query: "query($job: String) { runs(job: $job) { runId } }".into(),
                    variables: crate::request::JsonTemplate(json!({"job": "{{job}}", "limit": 5})),
                },
            )
        };
        assert_eq!(request.placeholders(), BTreeSet::from(["job".to_owned()]));
        let vars = Variables::from([("job".to_owned(), json!("nightly-etl"))]);
        let rendered = request.rendered(&vars);
        assert_eq!(rendered.query["job"], "nightly-etl");
        assert_eq!(
            rendered.body,
            Some(RequestBody::Graphql {
                query: "query($job: String) { runs(job: $job) { runId } }".into(),
                variables: crate::request::JsonTemplate(json!({"job": "nightly-etl", "limit": 5})),
            })
        );
        assert_eq!(request.declared_read_only(), Some(true));
    }

    #[test]
    fn page_variables_travel_as_a_query_string() {
        let vars = BTreeMap::from([
            ("prio".to_owned(), "1 - Critical".to_owned()),
            ("q".to_owned(), "a&b=c".to_owned()),
        ]);
        let encoded = encode_variables(&vars);
        assert_eq!(encoded, "prio=1+-+Critical&q=a%26b%3Dc");
        assert_eq!(decode_variables(&encoded), vars);
    }

    #[test]
    fn a_query_parameter_that_is_only_an_unset_variable_is_left_out() {
        let request = RequestSpec::get("/api/2.1/jobs/runs/list?limit=25&job_id={{job}}");
        assert_eq!(request.placeholders(), BTreeSet::from(["job".to_owned()]));
        let unset = request.rendered(&Variables::new());
        assert_eq!(unset.query.keys().collect::<Vec<_>>(), ["limit"]);
        let set = request.rendered(&Variables::from([("job".to_owned(), json!("101"))]));
        assert_eq!(set.query["job_id"], "101");
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
