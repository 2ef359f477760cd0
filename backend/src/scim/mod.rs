//! SCIM 2.0 provisioning: an identity provider creates, changes, disables and removes users
//! and groups with a bearer token an admin issued (`tokens`). Users in `users`, groups and
//! the roles they grant in `groups`. Every change runs as the organization's provisioning
//! actor through the one audited path, so the audit trail shows what the provider did.

mod group_roles;
mod groups;
mod tokens;
mod users;

use domain::{
    ValidationIssue,
    access::Actor,
    ids::OrgId,
    scim::{Filter, ScimMeta, parse_filter},
};
use sea_orm::DatabaseConnection;

use crate::{Error, Result, change::Changes, users::UserService};

pub use groups::group_role_rank;
pub(crate) use groups::{granted_role, group_snapshot, member_ids};

/// The most resources one list returns, whatever `count` asks for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// Which part of a list a client asked for: SCIM's 1-based `startIndex` and `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListWindow {
    pub start_index: u64,
    pub count: u64,
}

impl ListWindow {
    pub fn new(start_index: Option<u64>, count: Option<u64>) -> Self {
        Self {
            start_index: start_index.unwrap_or(1).max(1),
            count: count.unwrap_or(MAX_PAGE_SIZE).min(MAX_PAGE_SIZE),
        }
    }

    fn offset(self) -> u64 {
        self.start_index - 1
    }
}

#[derive(Clone)]
pub struct ScimService {
    db: DatabaseConnection,
    changes: Changes,
    users: UserService,
}

impl ScimService {
    pub fn new(db: DatabaseConnection, changes: Changes, users: UserService) -> Self {
        Self { db, changes, users }
    }
}

/// The organization a provisioning call acts in.
fn organization_of(actor: &Actor) -> Result<OrgId> {
    match actor {
        Actor::Provisioning { org_id } => Ok(*org_id),
        Actor::User(user) => Ok(user.org_id),
        Actor::System | Actor::Anonymous { .. } | Actor::SingleSignOn { .. } => {
            Err(Error::Unauthenticated)
        }
    }
}

fn invalid(path: &str, message: impl Into<String>) -> Error {
    Error::Validation(vec![ValidationIssue::new(path, message.into())])
}

/// The path of a validation issue about the filter: the edge answers it as `invalidFilter`.
pub const FILTER_PATH: &str = "filter";

fn filter_of(text: Option<&str>, allowed: &[&'static str]) -> Result<Option<Filter>> {
    match text.map(str::trim).filter(|text| !text.is_empty()) {
        None => Ok(None),
        Some(text) => parse_filter(text, allowed)
            .map(Some)
            .map_err(|message| invalid(FILTER_PATH, message)),
    }
}

/// A resource id as the URL carries it; anything that is not one of ours is simply not found.
fn id_of(text: &str, what: &'static str) -> Result<i32> {
    text.trim().parse().map_err(|_| Error::NotFound(what))
}

fn meta(
    resource_type: &str,
    id: i32,
    created: chrono::DateTime<chrono::Utc>,
    last_modified: chrono::DateTime<chrono::Utc>,
) -> ScimMeta {
    ScimMeta {
        resource_type: resource_type.to_owned(),
        created,
        last_modified,
        location: format!("/scim/v2/{resource_type}s/{id}"),
    }
}
