//! Loads the demo data through the services, so audit rows and versions exist like for
//! anything an admin makes. Idempotent: running it again changes nothing.
//!
//! The accounts below are for local development and demos only; change or remove them
//! before exposing an installation.

use backend::{Services, audit::AuditActor, tools::NewTool, users::NewUser};
use domain::{Role, dto::NewPage, tool::ToolAuth};
use serde::Deserialize;
use serde_json::Value;

const SEED: &str = include_str!("../fixtures/seed.json");

/// Page definitions referenced by name from seed.json.
const PAGE_FILES: &[(&str, &str)] = &[(
    "platform-overview.json",
    include_str!("../fixtures/platform-overview.json"),
)];

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("seed fixture is malformed: {0}")]
    Fixture(String),
    #[error(transparent)]
    Backend(#[from] backend::Error),
}

#[derive(Deserialize)]
struct SeedFile {
    organization: String,
    users: Vec<SeedUser>,
    tools: Vec<SeedTool>,
    pages: Vec<SeedPage>,
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
    let org_id = services
        .users
        .ensure_organization(&seed.organization)
        .await?;
    let admin_spec = seed
        .users
        .iter()
        .find(|user| user.role == Role::Admin)
        .ok_or_else(|| SeedError::Fixture("seed.json needs an admin user".into()))?;
    // The first admin is created by the system; everything else by that admin.
    let admin = services
        .users
        .ensure_user(AuditActor::System, org_id, new_user(admin_spec))
        .await?;
    for user in seed
        .users
        .iter()
        .filter(|user| user.email != admin_spec.email)
    {
        services
            .users
            .ensure_user(AuditActor::User(&admin), org_id, new_user(user))
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
    let mut report = SeedReport::default();
    for page in seed.pages {
        if services
            .pages
            .find_by_slug(org_id, &page.slug)
            .await?
            .is_some()
        {
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
        report.pages_created += 1;
    }
    tracing::info!(pages_created = report.pages_created, "seed applied");
    Ok(report)
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
                1,
                "{}",
                test_db.label
            );
            assert_eq!(run(&services).await.unwrap().pages_created, 0);
            assert_eq!(services.users.count().await.unwrap(), 2);
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
        }
    }
}
