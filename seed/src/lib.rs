//! Loads the demo data through the services, so audit rows and versions exist like for
//! anything an admin makes. Idempotent: running it again changes nothing.
//!
//! The accounts below are for local development and demos only; change or remove them
//! before exposing an installation.

use backend::{Services, tools::NewTool, users::NewUser};
use domain::access::Actor;
use domain::{
    Role,
    dto::NewPage,
    tool::ToolAuth,
    workflow::{
        channel::ChannelInput,
        wire::{EnableWorkflow, NewWorkflow},
    },
};
use serde::Deserialize;
use serde_json::Value;

const SEED: &str = include_str!("../fixtures/seed.json");

/// Workflow definitions referenced by name from seed.json.
const WORKFLOW_FILES: &[(&str, &str)] = &[(
    "databricks-job-failed.workflow.json",
    include_str!("../fixtures/databricks-job-failed.workflow.json"),
)];

/// Page definitions referenced by name from seed.json.
const PAGE_FILES: &[(&str, &str)] = &[
    (
        "platform-overview.json",
        include_str!("../fixtures/platform-overview.json"),
    ),
    (
        "finance-overview.json",
        include_str!("../fixtures/finance-overview.json"),
    ),
];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("seed fixture is malformed: {0}")]
    Fixture(String),
    #[error(transparent)]
    Backend(#[from] backend::Error),
}

/// One organization: its users (the first admin is created by the system), tools and pages.
#[derive(Deserialize)]
struct SeedOrganization {
    organization: String,
    users: Vec<SeedUser>,
    #[serde(default)]
    tools: Vec<SeedTool>,
    #[serde(default)]
    pages: Vec<SeedPage>,
    /// Where workflows send notifications (this server's demo stand-ins).
    #[serde(default)]
    channels: Vec<ChannelInput>,
    #[serde(default)]
    workflows: Vec<SeedWorkflow>,
}

#[derive(Deserialize)]
struct SeedWorkflow {
    slug: String,
    name: String,
    description: String,
    definition: String,
    enabled: bool,
}

#[derive(Deserialize)]
struct SeedFile {
    #[serde(flatten)]
    main: SeedOrganization,
    /// More organizations, each with its own admin, so isolation can be seen and tested.
    #[serde(default)]
    other_organizations: Vec<SeedOrganization>,
}

#[derive(Deserialize)]
struct SeedUser {
    email: String,
    display_name: String,
    password: String,
    role: Role,
}

#[derive(Deserialize)]
struct SeedTool {
    slug: String,
    name: String,
    kind: String,
    base_url: String,
    auth: ToolAuth,
    config: Value,
}

#[derive(Deserialize)]
struct SeedPage {
    slug: String,
    title: String,
    definition: String,
    publish: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub pages_created: usize,
}

fn fixture() -> Result<SeedFile, SeedError> {
    serde_json::from_str(SEED).map_err(|err| SeedError::Fixture(err.to_string()))
}

/// The seeded sample page definition, for tests that compare against it.
pub fn page_definition(file: &str) -> Option<Value> {
    PAGE_FILES
        .iter()
        .find(|(name, _)| *name == file)
        .and_then(|(_, text)| serde_json::from_str(text).ok())
}

pub async fn run(services: &Services) -> Result<SeedReport, SeedError> {
    let seed = fixture()?;
    let mut report = SeedReport::default();
    for organization in std::iter::once(seed.main).chain(seed.other_organizations) {
        report.pages_created += seed_organization(services, organization).await?;
    }
    tracing::info!(pages_created = report.pages_created, "seed applied");
    Ok(report)
}

/// Creates what is missing of one organization; returns how many pages it created.
async fn seed_organization(
    services: &Services,
    seed: SeedOrganization,
) -> Result<usize, SeedError> {
    let org_id = services
        .users
        .ensure_organization(&seed.organization)
        .await?;
    let admin_spec = seed
        .users
        .iter()
        .find(|user| user.role == Role::Admin)
        .ok_or_else(|| SeedError::Fixture(format!("{} needs an admin user", seed.organization)))?;
    // The first admin is created by the system; everything else by that admin.
    let admin = services
        .users
        .ensure_user(&Actor::System, org_id, new_user(admin_spec))
        .await?;
    for user in seed
        .users
        .iter()
        .filter(|user| user.email != admin_spec.email)
    {
        services
            .users
            .ensure_user(&Actor::User(admin.clone()), org_id, new_user(user))
            .await?;
    }
    for tool in seed.tools {
        services
            .tools
            .ensure(
                &admin,
                NewTool {
                    slug: tool.slug,
                    name: tool.name,
                    kind: tool.kind,
                    base_url: tool.base_url,
                    auth: tool.auth,
                    secret: None,
                    config: tool.config,
                },
            )
            .await?;
    }
    let mut created = 0;
    for page in seed.pages {
        if services.pages.id_of(org_id, &page.slug).await?.is_some() {
            continue;
        }
        let definition = page_definition(&page.definition).ok_or_else(|| {
            SeedError::Fixture(format!(
                "page file {} is missing or not JSON",
                page.definition
            ))
        })?;
        services
            .pages
            .create(
                &admin,
                NewPage {
                    slug: page.slug,
                    title: page.title,
                    definition,
                    publish: page.publish,
                },
            )
            .await?;
        created += 1;
    }
    seed_automation(services, &admin, seed.channels, seed.workflows).await?;
    Ok(created)
}

/// The channels and workflows of an organization, each made once and the workflows turned on.
async fn seed_automation(
    services: &Services,
    admin: &domain::dto::SessionUser,
    channels: Vec<ChannelInput>,
    workflows: Vec<SeedWorkflow>,
) -> Result<(), SeedError> {
    let existing = services.channels.list(admin).await?;
    for channel in channels {
        if !existing.iter().any(|known| known.name == channel.name) {
            services.channels.create(admin, channel).await?;
        }
    }
    let existing = services.workflows.list(admin).await?;
    for workflow in workflows {
        if existing.iter().any(|known| known.slug == workflow.slug) {
            continue;
        }
        let definition = WORKFLOW_FILES
            .iter()
            .find(|(name, _)| *name == workflow.definition)
            .and_then(|(_, text)| serde_json::from_str(text).ok())
            .ok_or_else(|| {
                SeedError::Fixture(format!(
                    "workflow file {} is missing or not JSON",
                    workflow.definition
                ))
            })?;
        let created = services
            .workflows
            .create(
                admin,
                NewWorkflow {
                    slug: workflow.slug,
                    name: workflow.name,
                    description: workflow.description,
                    definition: Some(definition),
                },
            )
            .await?;
        if workflow.enabled {
            let revision = created.workflow.revision;
            services
                .workflows
                .enable(
                    admin,
                    created.workflow.id,
                    EnableWorkflow {
                        base_revision: revision,
                    },
                )
                .await?;
        }
    }
    Ok(())
}

fn new_user(user: &SeedUser) -> NewUser {
    NewUser {
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        password: user.password.clone(),
        role: user.role,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn seed_is_idempotent_and_builds_the_sample_page() {
        for test_db in backend::test_support::databases().await {
            let services = backend::test_support::services(test_db.db, "http://127.0.0.1:9");
            assert_eq!(
                run(&services).await.unwrap().pages_created,
                2,
                "{}",
                test_db.label
            );
            assert_eq!(run(&services).await.unwrap().pages_created, 0);
            assert_eq!(services.users.count().await.unwrap(), 4);
            let viewer = services
                .auth
                .login("viewer@example.com", "Viewer123!")
                .await
                .unwrap()
                .user;
            let pages = services.pages.list_for(&viewer).await.unwrap();
            assert_eq!(pages.len(), 1);
            assert_eq!(
                (pages[0].slug.as_str(), pages[0].title.as_str()),
                ("platform-overview", "Platform Overview")
            );
            // The second organization sees its own page and none of the first one's.
            let finance = services
                .auth
                .login("admin@finance.example.com", "Finance123!")
                .await
                .unwrap()
                .user;
            assert_ne!(finance.org_id, viewer.org_id);
            let theirs = services.pages.list_for(&finance).await.unwrap();
            assert_eq!(
                theirs
                    .iter()
                    .map(|page| page.slug.as_str())
                    .collect::<Vec<_>>(),
                ["finance-overview"]
            );
            assert!(services.tools.list(&finance).await.unwrap().is_empty());
            // The demo workflow is there once, turned on, with its channels.
            let admin = services
                .auth
                .login("admin@example.com", "Admin123!")
                .await
                .unwrap()
                .user;
            let workflows = services.workflows.list(&admin).await.unwrap();
            assert_eq!(workflows.len(), 1);
            assert!(
                workflows[0].enabled && workflows[0].problems == 0,
                "{:?}",
                workflows[0]
            );
            assert_eq!(workflows[0].trigger.as_deref(), Some("tool_event"));
            assert_eq!(services.channels.list(&admin).await.unwrap().len(), 3);
        }
    }
}
