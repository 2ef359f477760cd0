//! Rendering: what a viewer, an editor or the builder's canvas gets of a page, with every
//! widget's data resolved and every rich-text block's HTML.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use domain::{
    Action, PageDefinition,
    access::{Resource, ResourceKind},
    dto::{PageStatus, PageSummary, RenderedPage, SessionUser, WidgetData},
    embed,
    request::Variables,
};
use serde_json::Value;

use super::{PageService, definition_issues, may, summarize};
use crate::{Error, Result, entities::page, scoped};

impl PageService {
    /// Renders a page by slug. With `draft`, those who may see drafts get the working
    /// definition (the builder's preview); everyone else gets what they would get anyway.
    pub async fn render_by_slug(
        &self,
        actor: &SessionUser,
        slug: &str,
        force_refresh: bool,
        draft: bool,
    ) -> Result<RenderedPage> {
        self.render_by_slug_with(actor, slug, force_refresh, draft, &BTreeMap::new())
            .await
    }

    /// [`Self::render_by_slug`] with page variables (a search or filter widget's id → its
    /// text) filling `{{name}}` placeholders in the bindings' requests.
    pub async fn render_by_slug_with(
        &self,
        actor: &SessionUser,
        slug: &str,
        force_refresh: bool,
        draft: bool,
        variables: &BTreeMap<String, String>,
    ) -> Result<RenderedPage> {
        let model = self.by_slug(actor.org_id, slug).await?;
        self.render(actor, model, force_refresh, draft, &as_values(variables))
            .await
    }

    /// Renders a page by id; `variables` (page variable → text) fill `{{name}}`
    /// placeholders in its bindings' requests.
    pub async fn render_by_id(
        &self,
        actor: &SessionUser,
        id: i32,
        force_refresh: bool,
        variables: &BTreeMap<String, String>,
    ) -> Result<RenderedPage> {
        let model = scoped::load::<page::Entity>(&self.db, actor.org_id, id).await?;
        self.render(actor, model, force_refresh, false, &as_values(variables))
            .await
    }

    /// The definition `actor` gets of a stored page: viewers the published version; editors
    /// and reviewers the draft of an unpublished page, or of any page with `draft`. Pages a
    /// user may not see are "not found", not "forbidden". Widgets for other roles are gone.
    pub(super) fn visible_definition(
        actor: &SessionUser,
        model: &page::Model,
        draft: bool,
    ) -> Result<PageDefinition> {
        let may_see_drafts = may(actor, Action::ViewDraftPage, model);
        let stored = match &model.published_definition {
            _ if draft && may_see_drafts => &model.definition,
            Some(published) if may(actor, Action::ViewPublishedPage, model) => published,
            _ if may_see_drafts => &model.definition,
            _ => return Err(Error::NotFound("page")),
        };
        let definition = PageDefinition::from_json(stored).map_err(|issues| {
            Error::internal(format!("stored page {} is invalid: {issues:?}", model.id))
        })?;
        // A page whose condition leaves the viewer out does not exist for them; those who
        // edit pages always see it.
        if !definition.viewable_by(actor) && !may(actor, Action::EditPage, model) {
            return Err(Error::NotFound("page"));
        }
        // Widgets for other roles and attributes never leave the server, nor does their data.
        Ok(definition.for_viewer(actor))
    }

    async fn render(
        &self,
        actor: &SessionUser,
        model: page::Model,
        force_refresh: bool,
        draft: bool,
        variables: &Variables,
    ) -> Result<RenderedPage> {
        let definition = Self::visible_definition(actor, &model, draft)?;
        let (data, html) = self
            .resolve(
                actor,
                &definition,
                variables,
                force_refresh,
                &BTreeSet::new(),
            )
            .await?;
        Ok(RenderedPage {
            page: summarize(&self.db, &model).await?,
            html,
            definition,
            data,
            rendered_at: self.changes.now(),
        })
    }

    /// Renders a definition that is not saved yet, for the builder's canvas: its structure is
    /// checked, not its rules, so unfinished drafts render. The summary is a placeholder (id 0).
    pub async fn preview(&self, actor: &SessionUser, definition: Value) -> Result<RenderedPage> {
        crate::authorize(
            actor,
            Action::EditPage,
            Resource::new(ResourceKind::Page, actor.org_id),
        )?;
        let definition = PageDefinition::parse(&definition).map_err(definition_issues)?;
        // Tools the editor may not use are not called for them, whoever bound them.
        let used: BTreeSet<String> = definition
            .tool_uses()
            .into_iter()
            .map(|used| used.tool)
            .collect();
        let refused: BTreeSet<String> = self
            .tools
            .unusable(actor, &used)
            .await?
            .into_iter()
            .collect();
        let (mut data, html) = self
            .resolve(actor, &definition, &Variables::new(), false, &refused)
            .await?;
        for widget in definition.layout.all_widgets() {
            if let Some(binding) = &widget.binding
                && refused.contains(&binding.tool)
            {
                data.insert(
                    widget.id.clone(),
                    WidgetData::Failed {
                        message: format!(
                            "You may not use the tool “{}” in pages, so its data is not shown here.",
                            binding.tool
                        ),
                    },
                );
            }
        }
        let now = self.changes.now();
        Ok(RenderedPage {
            page: PageSummary {
                id: 0,
                slug: String::new(),
                title: "Preview".to_owned(),
                status: PageStatus::Draft,
                version: 0,
                updated_at: now,
                updated_by: Some(actor.display_name.clone()),
                review: None,
            },
            html,
            definition,
            data,
            rendered_at: now,
        })
    }

    /// Every bound widget's data (each distinct request made once) and every rich-text
    /// block's HTML. Iframes whose host left the allow-list after the page was saved fail.
    /// Tools in `refused` are not called.
    async fn resolve(
        &self,
        actor: &SessionUser,
        definition: &PageDefinition,
        variables: &Variables,
        force_refresh: bool,
        refused: &BTreeSet<String>,
    ) -> Result<(BTreeMap<String, WidgetData>, BTreeMap<String, String>)> {
        let widgets = definition.layout.all_widgets();
        let mut tools = HashMap::new();
        for widget in &widgets {
            if let Some(binding) = &widget.binding
                && !tools.contains_key(&binding.tool)
                && !refused.contains(&binding.tool)
                && let Some(target) = self.tools.target_for(actor.org_id, &binding.tool).await?
            {
                tools.insert(binding.tool.clone(), target);
            }
        }
        let bindings = widgets.iter().filter_map(|widget| {
            widget
                .binding
                .as_ref()
                .map(|binding| (widget.id.as_str(), binding))
        });
        let mut data = self
            .connectors
            .resolve(&tools, bindings, variables, force_refresh)
            .await;
        for refusal in embed::refusals(definition, &self.embed_allowed_hosts) {
            data.insert(
                refusal.widget_id.clone(),
                WidgetData::Failed {
                    message: embed::refusal_message(&refusal),
                },
            );
        }
        Ok((data, crate::rich_text::render_blocks(definition)))
    }
}

/// Page variables as the JSON strings placeholders are filled with; an empty one (a filter
/// on "All", a cleared search) counts as unset.
pub(super) fn as_values(variables: &BTreeMap<String, String>) -> Variables {
    variables
        .iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect()
}
