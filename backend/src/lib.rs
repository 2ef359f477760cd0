//! Data, rules and integrations: SeaORM entities, services (one module per feature), the
//! connector framework, auth and audit. Knows nothing of Leptos or axum.

pub mod audit;
pub mod auth;
pub mod change;
pub mod clock;
pub mod connector;
pub mod crypto;
pub mod db;
pub mod entities;
pub mod error;
pub(crate) mod grants;
pub mod pages;
pub mod rich_text;
pub mod roles;
pub mod scim;
pub mod scoped;
pub mod sso;
pub mod throttle;
pub mod tools;
pub mod users;
pub mod versions;
pub mod workflows;

#[cfg(test)]
mod service_tests;

#[cfg(any(test, feature = "test-support"))]
pub mod test_support;

use std::sync::Arc;

use sea_orm::DatabaseConnection;

pub use domain::dto::SessionUser;
pub use error::{Error, Result};

/// May the user do `action` to `resource`? Another organization's resource is "not found";
/// see `domain::access::authorize`.
pub fn authorize(
    actor: &SessionUser,
    action: domain::Action,
    resource: domain::access::Resource,
) -> Result<()> {
    Ok(domain::access::authorize(
        &domain::access::Actor::User(actor.clone()),
        action,
        &resource,
    )?)
}

/// Settings the services need, gathered by the server's config at start-up.
#[derive(Clone, Debug)]
pub struct Settings {
    pub auth: auth::AuthSettings,
    pub connector: connector::ConnectorSettings,
    pub keyring: crypto::Keyring,
    /// Hosts iframe widgets may embed from (`*.` prefix for any subdomain); paths on this
    /// server are always allowed. See `domain::embed`.
    pub embed_allowed_hosts: Vec<String>,
    pub sso: sso::SsoSettings,
}

/// News about a tool, pushed to viewers of the organization (server-sent events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolEvent {
    pub org_id: domain::ids::OrgId,
    pub tool: String,
}

/// Every service, cheap to clone; the one thing UI and REST handlers hold.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub auth: auth::AuthService,
    pub users: users::UserService,
    pub roles: roles::RoleService,
    pub scim: scim::ScimService,
    pub sso: sso::SsoService,
    pub tools: tools::ToolService,
    pub pages: pages::PageService,
    pub audit: audit::AuditService,
    pub workflows: workflows::WorkflowService,
    pub channels: workflows::ChannelService,
    /// Carries workflow runs forward; the server runs it in the background.
    pub engine: workflows::Engine,
    pub connectors: Arc<connector::ConnectorService>,
    events: tokio::sync::broadcast::Sender<ToolEvent>,
}

impl Services {
    /// What the admin home shows: every page of the organization and its tools.
    pub async fn admin_overview(&self, actor: &SessionUser) -> Result<domain::dto::AdminOverview> {
        let tools = self.tools.list(actor).await?;
        let pages = self.pages.list_for(actor).await?;
        Ok(domain::dto::AdminOverview { pages, tools })
    }

    pub fn new(db: DatabaseConnection, settings: Settings) -> Self {
        Self::with_clock(db, settings, clock::system())
    }

    /// Services reading time from `clock`: tests pass a `ManualClock`.
    pub fn with_clock(
        db: DatabaseConnection,
        settings: Settings,
        clock: clock::SharedClock,
    ) -> Self {
        let connectors = Arc::new(connector::ConnectorService::new(settings.connector));
        let changes = change::Changes::new(db.clone(), clock.clone());
        let keyring = Arc::new(settings.keyring);
        let tools = tools::ToolService::new(
            db.clone(),
            changes.clone(),
            keyring.clone(),
            connectors.health(),
        );
        let channels = workflows::ChannelService::new(
            db.clone(),
            changes.clone(),
            keyring.clone(),
            connectors.clone(),
        );
        let runner = workflows::StepRunner::new(
            tools.clone(),
            channels.clone(),
            connectors.clone(),
            clock.clone(),
        );
        let engine = workflows::Engine::new(
            db.clone(),
            clock.clone(),
            runner,
            &format!("engine-{}", std::process::id()),
        );
        let auth = auth::AuthService::new(db.clone(), settings.auth, clock, changes.clone());
        Self {
            sso: sso::SsoService::new(
                db.clone(),
                changes.clone(),
                auth.clone(),
                keyring,
                settings.sso,
            ),
            auth,
            users: users::UserService::new(db.clone(), changes.clone()),
            roles: roles::RoleService::new(db.clone(), changes.clone()),
            scim: scim::ScimService::new(
                db.clone(),
                changes.clone(),
                users::UserService::new(db.clone(), changes.clone()),
            ),
            audit: audit::AuditService::new(db.clone(), changes.clone()),
            workflows: workflows::WorkflowService::new(db.clone(), changes.clone(), engine.clone()),
            engine,
            channels,
            pages: pages::PageService::new(
                db.clone(),
                changes,
                tools.clone(),
                connectors.clone(),
                settings.embed_allowed_hosts,
            ),
            tools,
            connectors,
            events: tokio::sync::broadcast::channel(256).0,
            db,
        }
    }

    /// Stores a signed webhook event, drops the tool's cached answers and tells the
    /// organization's open pages. Returns the event id.
    pub async fn receive_webhook(
        &self,
        slug: &str,
        token: &str,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<i32> {
        let event = self
            .tools
            .receive_webhook(slug, token, signature, body)
            .await?;
        self.connectors.invalidate_tool(event.tool_id);
        // No open pages means no receivers; that is not an error.
        let _ = self.events.send(ToolEvent {
            org_id: event.org_id,
            tool: slug.to_owned(),
        });
        Ok(event.id)
    }

    /// A stream of tool news for the caller's organization only: other organizations'
    /// events never leave this method, whichever adapter serves the stream.
    pub fn subscribe(
        &self,
        actor: &SessionUser,
    ) -> Result<impl futures::Stream<Item = ToolEvent> + Send + use<>> {
        crate::authorize(
            actor,
            domain::Action::ViewPublishedPage,
            domain::access::Resource::new(domain::access::ResourceKind::Page, actor.org_id),
        )?;
        let org_id = actor.org_id;
        Ok(futures::stream::unfold(
            self.events.subscribe(),
            move |mut receiver| async move {
                loop {
                    match receiver.recv().await {
                        Ok(event) if event.org_id == org_id => return Some((event, receiver)),
                        // Another organization's news, or a slow reader that missed some.
                        Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                    }
                }
            },
        ))
    }
}
