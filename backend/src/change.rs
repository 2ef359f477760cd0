//! The one way anything changes: authorize the actor for the action on the resource, open a
//! transaction, let the service write, then append the audit row (before and after states)
//! and commit — or, if anything fails or the change is dropped, roll back with no trace.
//!
//! ```text
//! let page = scoped::load::<page::Entity>(&self.db, actor.org_id, id).await?;   // 404 across orgs
//! let change = self.changes.begin(actor, AuditAction::PagePublish, page.resource()).await?;
//! … writes on change.txn(), stamped change.now() …
//! change.commit(id, Some(before), Some(after)).await?;
//! ```

use chrono::{DateTime, SubsecRound, Utc};
use domain::{
    Action,
    access::{Actor, Denial, Resource, ResourceKind, authorize, within_organization},
    audit::AuditAction,
    ids::OrgId,
};
use sea_orm::{
    DatabaseConnection, DatabaseTransaction, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};
use serde_json::Value;

use crate::{
    Error, Result,
    audit::{self, AuditEntry},
    clock::SharedClock,
};

impl From<Denial> for Error {
    fn from(denial: Denial) -> Self {
        match denial {
            Denial::NotFound(kind) => Error::NotFound(kind.as_str()),
            Denial::Forbidden(action) => Error::Forbidden(action),
        }
    }
}

/// Starts changes: holds the database and the clock every change is stamped with.
#[derive(Clone)]
pub struct Changes {
    db: DatabaseConnection,
    clock: SharedClock,
}

impl Changes {
    pub fn new(db: DatabaseConnection, clock: SharedClock) -> Self {
        Self { db, clock }
    }

    /// The current time as the databases store it (to the microsecond).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(6)
    }

    /// Authorizes `action` on `resource` for `actor` and opens the change's transaction.
    pub async fn begin(
        &self,
        actor: impl Into<Actor>,
        action: AuditAction,
        resource: Resource,
    ) -> Result<Change> {
        let actor = actor.into();
        match action.requires() {
            Some(permission) => authorize(&actor, permission, &resource)?,
            None => within_organization(&actor, &resource)?,
        }
        if resource.kind != action.resource_kind() {
            return Err(Error::internal(format!(
                "{} recorded against a {}",
                action.as_str(),
                resource.kind.as_str()
            )));
        }
        Ok(Change {
            txn: self.write_transaction().await?,
            actor,
            action,
            resource,
            now: self.now(),
        })
    }

    /// A transaction that will write. On SQLite it takes the write lock as it begins
    /// (`BEGIN IMMEDIATE`): two changes that both read before writing would otherwise each
    /// hold a read lock the other's write waits for, and one would fail at once with
    /// "database is locked" instead of waiting its turn. PostgreSQL ignores the option.
    async fn write_transaction(&self) -> Result<DatabaseTransaction> {
        let options = TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        };
        Ok(self.db.begin_with_options(options).await?)
    }

    /// Starts creating an organization. Only the system does this (first boot); the change
    /// learns its organization once the row exists ([`Change::created_organization`]).
    pub async fn begin_organization(&self, actor: &Actor) -> Result<Change> {
        if *actor != Actor::System {
            return Err(Error::Forbidden(Action::ManageUsers));
        }
        Ok(Change {
            txn: self.write_transaction().await?,
            actor: actor.clone(),
            action: AuditAction::OrganizationCreate,
            resource: Resource::new(ResourceKind::Organization, OrgId::default()),
            now: self.now(),
        })
    }

    /// Records an event that changes nothing else (a form sent to a tool), on the same path.
    pub async fn record(
        &self,
        actor: impl Into<Actor>,
        action: AuditAction,
        resource: Resource,
        resource_id: impl ToString,
        after: Value,
    ) -> Result<()> {
        self.begin(actor, action, resource)
            .await?
            .commit(resource_id, None, Some(after))
            .await
    }
}

/// A change in progress. Its writes go through [`Change::txn`]; [`Change::commit`] appends
/// the audit row and commits. Dropped without committing, nothing is written.
pub struct Change {
    txn: DatabaseTransaction,
    actor: Actor,
    action: AuditAction,
    resource: Resource,
    now: DateTime<Utc>,
}

impl Change {
    pub fn txn(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// The time the whole change is stamped with.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The organization the change is recorded in.
    pub fn org_id(&self) -> OrgId {
        self.resource.org_id
    }

    /// The new organization a [`Changes::begin_organization`] change created, whose trail
    /// its audit row starts.
    pub fn created_organization(&mut self, org_id: OrgId) -> Result<()> {
        if self.action != AuditAction::OrganizationCreate {
            return Err(Error::internal(format!(
                "{} cannot move to another organization",
                self.action.as_str()
            )));
        }
        self.resource.org_id = org_id;
        Ok(())
    }

    /// Appends an audit row for a further change this one caused (a user's role changed by
    /// their group's), with the same actor and time, in the same transaction.
    pub async fn also(
        &self,
        action: AuditAction,
        resource_id: impl ToString,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Result<()> {
        audit::append(
            &self.txn,
            AuditEntry {
                org_id: self.resource.org_id,
                actor: &self.actor,
                action,
                resource_id: resource_id.to_string(),
                before,
                after,
                at: self.now,
            },
        )
        .await?;
        Ok(())
    }

    /// Appends the audit row with the states before and after, then commits.
    pub async fn commit(
        self,
        resource_id: impl ToString,
        before: Option<Value>,
        after: Option<Value>,
    ) -> Result<()> {
        let Change {
            txn,
            actor,
            action,
            resource,
            now,
        } = self;
        audit::append(
            &txn,
            AuditEntry {
                org_id: resource.org_id,
                actor: &actor,
                action,
                resource_id: resource_id.to_string(),
                before,
                after,
                at: now,
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }
}
