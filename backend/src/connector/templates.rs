//! The connector templates shipped with the server (`backend/connectors/*.json`).

use std::sync::LazyLock;

use domain::{Action, dto::SessionUser, template::ConnectorTemplate};

use crate::Result;

const MANIFESTS: &[(&str, &str)] = &[
    (
        "databricks.json",
        include_str!("../../connectors/databricks.json"),
    ),
    (
        "servicenow.json",
        include_str!("../../connectors/servicenow.json"),
    ),
    (
        "powerbi.json",
        include_str!("../../connectors/powerbi.json"),
    ),
    (
        "tableau.json",
        include_str!("../../connectors/tableau.json"),
    ),
    (
        "azure-devops.json",
        include_str!("../../connectors/azure-devops.json"),
    ),
    (
        "snowflake.json",
        include_str!("../../connectors/snowflake.json"),
    ),
    (
        "graphql.json",
        include_str!("../../connectors/graphql.json"),
    ),
    ("rest.json", include_str!("../../connectors/rest.json")),
];

/// Every shipped template, parsed once. The manifests are part of the binary and checked by
/// tests, so a malformed one is a build defect, not a runtime condition.
fn shipped() -> &'static [ConnectorTemplate] {
    static PARSED: LazyLock<Vec<ConnectorTemplate>> = LazyLock::new(|| {
        MANIFESTS
            .iter()
            .map(|(file, text)| {
                serde_json::from_str(text).unwrap_or_else(|err| panic!("connectors/{file}: {err}"))
            })
            .collect()
    });
    &PARSED
}

/// Every shipped template.
pub fn all() -> Vec<ConnectorTemplate> {
    shipped().to_vec()
}

/// The template tools of `kind` are made from, if one is shipped.
pub fn of_kind(kind: &str) -> Option<&'static ConnectorTemplate> {
    shipped().iter().find(|template| template.kind == kind)
}

/// The templates, for those who may open the admin area.
pub fn list_for(actor: &SessionUser) -> Result<Vec<ConnectorTemplate>> {
    crate::authorize(
        actor,
        Action::OpenAdmin,
        domain::access::Resource::new(domain::access::ResourceKind::Tool, actor.org_id),
    )?;
    Ok(all())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_manifest_parses_and_validates_with_a_unique_kind() {
        let templates = all();
        assert_eq!(templates.len(), MANIFESTS.len());
        let mut kinds = std::collections::BTreeSet::new();
        for template in &templates {
            assert_eq!(template.validate(), Ok(()), "{}", template.kind);
            assert!(
                kinds.insert(template.kind.clone()),
                "duplicate kind {}",
                template.kind
            );
        }
    }
}
