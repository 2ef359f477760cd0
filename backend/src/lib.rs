//! Data, rules and integrations: SeaORM entities, services (one module per feature), the
//! connector framework, auth and audit. Knows nothing of Leptos or axum.

pub mod audit;
pub mod auth;
pub mod connector;
pub mod crypto;
pub mod db;
pub mod entities;
pub mod error;
pub mod pages;
pub mod tools;
pub mod users;

#[cfg(test)]
mod service_tests;

#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

pub use domain::dto::SessionUser;
pub use error::{Error, Result};

/// Settings the services need, gathered by the server's config at start-up.
#[derive(Clone, Debug)]
pub struct Settings {
    pub auth: auth::AuthSettings,
    pub connector: connector::ConnectorSettings,
    pub keyring: crypto::Keyring,
}

/// Every service, cheap to clone; the one thing UI and REST handlers hold.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub auth: auth::AuthService,
    pub users: users::UserService,
    pub tools: tools::ToolService,
    pub pages: pages::PageService,
    pub connectors: Arc<connector::ConnectorService>,
}

impl Services {
    /// What the admin home shows: every page of the organization and its tools.
    pub async fn admin_overview(&self, actor: &SessionUser) -> Result<domain::dto::AdminOverview> {
        let tools = self.tools.list(actor).await?;
        let pages = self.pages.list_for(actor).await?;
        Ok(domain::dto::AdminOverview { pages, tools })
    }

    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        let connectors = Arc::new(connector::ConnectorService::new(settings.connector));
        let tools = tools::ToolService::new(db.clone(), Arc::new(settings.keyring));
        Self {
            auth: auth::AuthService::new(db.clone(), settings.auth),
            users: users::UserService::new(db.clone()),
            pages: pages::PageService::new(db.clone(), tools.clone(), connectors.clone()),
            tools,
            connectors,
            db,
        }
    }
}
