//! The page JSON model: page definition → layout on a 12-column grid → widgets with a
//! position per breakpoint, typed props and an optional data binding.
//!
//! Definitions are stored and exported as canonical JSON (keys sorted) so that versions diff
//! and merge cleanly; `schema_version` lets later releases upgrade older documents.
//!
//! This module holds the page, its layout and widgets; `kind` the widget types, `props` their
//! props, `form` forms, `binding` data bindings, `grid` positions, `validate` the rules and
//! `rows` how rows are filtered and sorted.

mod binding;
mod form;
mod grid;
mod kind;
mod props;
mod rows;
#[cfg(test)]
mod test_support;
mod validate;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use binding::{Binding, Continuation, HttpMethod, Pagination, PaginationSpec, RequestSpec};
pub(crate) use binding::{check_request, check_request_as};
pub use form::{
    FieldKind, FormField, FormProps, MAX_FIELD_CHARS, SubmitAction, form_outcome, is_safe_reference,
};
pub use grid::{Breakpoint, GridRect, Positions};
pub use kind::{WidgetKind, WidgetProps};
pub use props::{
    ButtonAction, ButtonProps, CardProps, ChartKind, ChartProps, CodeProps, ContainerProps,
    DataGridProps, Emphasis, FilterProps, HeadingProps, HtmlProps, IframeProps, ImageProps,
    KpiProps, KpiThresholds, KpiTrend, LinkProps, MarkdownProps, Pane, RefreshBarProps,
    SearchProps, TableColumn, TableProps, TextProps, ValueFormat, is_safe_url,
};
pub use rows::{
    RowFilter, decode_variables, distinct_values, encode_variables, row_passes, sort_rows,
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
    /// Who may view the page, as an access condition on user attributes such as
    /// `department == 'Finance'` (see `crate::condition`); everyone who may view pages when
    /// absent. Those who may edit pages always see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<String>,
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
    /// An access condition on user attributes (`crate::condition`), checked on the server
    /// like the roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<String>,
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
    pub fn from_palette(kind: WidgetKind) -> Widget {
        let (props, w, h) = kind.palette_default();
        Widget {
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
        }
    }

    /// Whether this user may see the widget at all: their role is among the widget's roles
    /// and their attributes meet its condition.
    pub fn visible_to(&self, user: &crate::dto::SessionUser) -> bool {
        self.visibility.as_ref().is_none_or(|visibility| {
            (visibility.roles.is_empty()
                || (user.custom_role.is_none() && visibility.roles.contains(&user.role)))
                && crate::condition::allows(visibility.condition.as_deref(), &user.subject())
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
    /// The page as this user may receive it: widgets for other roles or attributes removed.
    pub fn for_viewer(mut self, user: &crate::dto::SessionUser) -> Self {
        self.layout.widgets.retain(|widget| widget.visible_to(user));
        for widget in &mut self.layout.widgets {
            for pane in widget.props.panes_mut().into_iter().flatten() {
                pane.widgets.retain(|child| child.visible_to(user));
            }
        }
        self
    }

    /// Whether the page's access condition lets this user view it.
    pub fn viewable_by(&self, user: &crate::dto::SessionUser) -> bool {
        crate::condition::allows(self.access.as_deref(), &user.subject())
    }

    /// Every use of a tool on the page: each widget's binding (what it reads) and each
    /// form's submit action (what it sends).
    pub fn tool_uses(&self) -> Vec<ToolUse> {
        let mut uses = Vec::new();
        for widget in self.layout.all_widgets() {
            if let Some(binding) = &widget.binding {
                uses.push(ToolUse::new(&widget.id, &binding.tool, binding));
            }
            if let WidgetProps::Form(form) = &widget.props
                && let Some(submit) = &form.submit
            {
                uses.push(ToolUse::new(&widget.id, &submit.tool, submit));
            }
        }
        uses
    }
}

/// One widget's use of a tool, with the binding or submit action as it is written, so two
/// definitions can tell whether a use changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolUse {
    pub widget: String,
    pub tool: String,
    pub spec: String,
}

impl ToolUse {
    fn new(widget: &str, tool: &str, spec: &impl Serialize) -> Self {
        Self {
            widget: widget.to_owned(),
            tool: tool.to_owned(),
            spec: serde_json::to_string(spec).unwrap_or_default(),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::test_support::*;
    use serde_json::json;

    #[test]
    fn published_json_schema_matches_the_model() {
        crate::published_schema::assert_published(&json_schema(), "page-definition.schema.json");
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
            ids(&definition
                .clone()
                .for_viewer(&someone(crate::Role::Viewer, &[]))),
            ["all", "p1"]
        );
        assert_eq!(
            ids(&definition
                .clone()
                .for_viewer(&someone(crate::Role::Editor, &[]))),
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

    fn someone(role: crate::Role, attributes: &[(&str, &str)]) -> crate::dto::SessionUser {
        crate::dto::SessionUser {
            id: crate::ids::UserId(1),
            org_id: crate::ids::OrgId(1),
            email: "someone@example.com".into(),
            display_name: "Someone".into(),
            role,
            custom_role: None,
            groups: Vec::new(),
            attributes: attributes
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn pages_and_widgets_carry_access_conditions_on_attributes() {
        let mut definition = PageDefinition::from_json(&page(json!([
            {"id": "all", "type": "text", "props": {"text": "a"}, "position": {"desktop": rect(0, 0, 3, 1)}},
            {"id": "eu", "type": "text", "props": {"text": "b"}, "position": {"desktop": rect(3, 0, 3, 1)},
             "visibility": {"condition": "region in ['EU', 'UK']"}},
            {"id": "eu-editors", "type": "text", "props": {"text": "c"}, "position": {"desktop": rect(6, 0, 3, 1)},
             "visibility": {"roles": ["editor"], "condition": "region == 'EU'"}},
        ])))
        .unwrap();
        definition.access = Some("department == 'Finance'".into());
        let ids = |user: &crate::dto::SessionUser| {
            definition
                .clone()
                .for_viewer(user)
                .layout
                .widgets
                .iter()
                .map(|w| w.id.clone())
                .collect::<Vec<_>>()
        };
        let finance_eu = someone(
            crate::Role::Viewer,
            &[("department", "Finance"), ("region", "EU")],
        );
        let hr_us = someone(
            crate::Role::Editor,
            &[("department", "HR"), ("region", "US")],
        );
        let editor_eu = someone(crate::Role::Editor, &[("region", "EU")]);
        assert_eq!(ids(&finance_eu), ["all", "eu"]);
        assert_eq!(ids(&hr_us), ["all"]);
        assert_eq!(ids(&editor_eu), ["all", "eu", "eu-editors"]);
        assert!(definition.viewable_by(&finance_eu));
        assert!(!definition.viewable_by(&hr_us));
        assert!(definition.validate().is_ok());

        let mut broken = definition.clone();
        broken.access = Some("department = 'Finance'".into());
        broken.layout.widgets[1]
            .visibility
            .as_mut()
            .unwrap()
            .condition = Some("region in 'EU'".into());
        let issues = broken.validate().unwrap_err();
        let found: Vec<(&str, &str)> = issues
            .iter()
            .map(|issue| (issue.path.as_str(), issue.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "layout.widgets[1] (\"eu\").visibility.condition",
                    "at column 11: expected a list such as ['EU', 'UK'] instead of the text 'EU'"
                ),
                ("access", "at column 12: use == to compare"),
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
}
