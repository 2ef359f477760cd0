//! The page templates shipped with the server (`backend/page-templates/*.json`): starting
//! points bound to the demo tools the seed registers.

use serde::Deserialize;
use serde_json::{Value, json};

const FILES: &[(&str, &str)] = &[
    (
        "databricks-job-monitor.json",
        include_str!("../../page-templates/databricks-job-monitor.json"),
    ),
    (
        "servicenow-incident-view.json",
        include_str!("../../page-templates/servicenow-incident-view.json"),
    ),
    (
        "bi-reports-gallery.json",
        include_str!("../../page-templates/bi-reports-gallery.json"),
    ),
    (
        "platform-health.json",
        include_str!("../../page-templates/platform-health.json"),
    ),
    (
        "workflow-console.json",
        include_str!("../../page-templates/workflow-console.json"),
    ),
];

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PageTemplate {
    pub id: String,
    pub name: String,
    pub description: String,
    pub definition: Value,
}

/// Every shipped template. They are part of the binary and checked by tests, so a malformed
/// one is a build defect, not a runtime condition.
pub(crate) fn all() -> Vec<PageTemplate> {
    FILES
        .iter()
        .map(|(file, text)| {
            serde_json::from_str(text).unwrap_or_else(|err| panic!("page-templates/{file}: {err}"))
        })
        .collect()
}

pub(crate) fn find(id: &str) -> Option<PageTemplate> {
    all().into_iter().find(|template| template.id == id)
}

/// The definition of a page with nothing on it yet.
pub(crate) fn blank() -> Value {
    json!({"schema_version": domain::page::SCHEMA_VERSION, "layout": {"widgets": []}})
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use domain::{PageDefinition, embed};

    use super::*;

    #[test]
    fn every_template_is_a_valid_page_with_a_unique_id_matching_its_file() {
        let defaults: Vec<String> = embed::DEFAULT_ALLOWED_HOSTS
            .iter()
            .map(|host| host.to_string())
            .collect();
        let mut ids = BTreeSet::new();
        for ((file, _), template) in FILES.iter().zip(all()) {
            assert_eq!(format!("{}.json", template.id), *file);
            assert!(
                ids.insert(template.id.clone()),
                "duplicate id {}",
                template.id
            );
            assert!(!template.name.is_empty() && !template.description.is_empty());
            let definition = PageDefinition::from_json(&template.definition)
                .unwrap_or_else(|issues| panic!("{file}: {issues:#?}"));
            assert_eq!(
                embed::check(&definition, &defaults),
                [],
                "{file} embeds only what the default allow-list permits"
            );
        }
        assert_eq!(ids.len(), 5);
        PageDefinition::from_json(&blank()).unwrap();
    }

    #[test]
    fn templates_bind_only_the_seeded_demo_tools() {
        for template in all() {
            let definition = PageDefinition::from_json(&template.definition).unwrap();
            for widget in &definition.layout.widgets {
                if let Some(binding) = &widget.binding {
                    assert!(
                        ["databricks-demo", "servicenow-demo"].contains(&binding.tool.as_str()),
                        "{}: {} binds {}",
                        template.id,
                        widget.id,
                        binding.tool
                    );
                }
            }
        }
    }
}
