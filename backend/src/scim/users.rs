//! SCIM Users: create, read, list with `userName eq`, PATCH and PUT, delete. A provisioned
//! user has no password (they sign in through the identity provider) and starts as a Viewer
//! unless a group grants them a role.

use domain::{
    Role,
    access::{Actor, Resource, ResourceKind},
    audit::AuditAction,
    ids::UserId,
    scim::{ENTERPRISE_SCHEMA, PatchRequest, ScimEmail, ScimList, ScimName, ScimUser, USER_SCHEMA},
    scim_patch::patch_user,
    users::UserAttributes,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::{Map, Value};

use super::{ListWindow, ScimService, filter_of, id_of, invalid, meta, organization_of};
use crate::{
    Error, Result,
    auth::revoke_user_sessions,
    entities::user,
    scoped::{self, OrgScoped},
    users::{attributes_of, keep_an_admin, lock_organization, password::expire_links, snapshot},
};

pub const USER_FILTERS: &[&str] = &["userName", "externalId"];

/// Enterprise extension attributes kept as user attributes (which access conditions read),
/// as (SCIM name, attribute key).
const ENTERPRISE_ATTRIBUTES: &[(&str, &str)] = &[
    ("department", "department"),
    ("division", "division"),
    ("organization", "organization"),
    ("costCenter", "cost_center"),
    ("employeeNumber", "employee_number"),
];

fn scim_user(model: &user::Model) -> ScimUser {
    let attributes = attributes_of(model);
    let enterprise: Map<String, Value> = ENTERPRISE_ATTRIBUTES
        .iter()
        .filter_map(|(scim, ours)| {
            attributes
                .get(*ours)
                .map(|value| ((*scim).to_owned(), Value::String(value.clone())))
        })
        .collect();
    let mut schemas = vec![USER_SCHEMA.to_owned()];
    if !enterprise.is_empty() {
        schemas.push(ENTERPRISE_SCHEMA.to_owned());
    }
    ScimUser {
        schemas,
        id: Some(model.id.to_string()),
        external_id: model.external_id.clone(),
        user_name: model.email.clone(),
        name: Some(ScimName {
            formatted: Some(model.display_name.clone()),
            ..Default::default()
        }),
        display_name: Some(model.display_name.clone()),
        emails: vec![ScimEmail {
            value: model.email.clone(),
            primary: Some(true),
        }],
        active: Some(model.active),
        enterprise: (!enterprise.is_empty()).then_some(Value::Object(enterprise)),
        meta: Some(meta("User", model.id, model.created_at, model.updated_at)),
    }
}

/// What a SCIM user asks the row to be, checked like the users screen checks an edit.
struct Wanted {
    email: String,
    display_name: String,
    external_id: Option<String>,
    active: bool,
    attributes: UserAttributes,
}

fn wanted(user: &ScimUser, mut attributes: UserAttributes) -> Result<Wanted> {
    let email = user.user_name.trim().to_lowercase();
    let display_name = user.shown_name();
    let mut issues = Vec::new();
    domain::users::check_email(&email, &mut issues);
    domain::users::check_display_name(&display_name, &mut issues);
    let extension = user.enterprise.as_ref().and_then(Value::as_object);
    for (scim, ours) in ENTERPRISE_ATTRIBUTES {
        match extension
            .and_then(|fields| fields.get(*scim))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|value| !value.is_empty())
        {
            Some(value) => attributes.insert((*ours).to_owned(), value.to_owned()),
            None => attributes.remove(*ours),
        };
    }
    domain::users::check_attributes(&attributes, &mut issues);
    if !issues.is_empty() {
        // The screen's field names, in SCIM's words.
        for issue in &mut issues {
            issue.path = match issue.path.as_str() {
                "email" => "userName".to_owned(),
                "display_name" => "displayName".to_owned(),
                other => other.to_owned(),
            };
        }
        return Err(Error::Validation(issues));
    }
    Ok(Wanted {
        email,
        display_name,
        external_id: user.external_id.clone().filter(|id| !id.trim().is_empty()),
        active: user.active.unwrap_or(true),
        attributes,
    })
}

fn taken(email: &str) -> impl FnOnce(sea_orm::DbErr) -> Error + '_ {
    move |err| {
        Error::from_unique_violation(err, format!("A user with userName {email} already exists."))
    }
}

fn attributes_json(attributes: &UserAttributes) -> Option<Value> {
    (!attributes.is_empty()).then(|| serde_json::to_value(attributes).unwrap_or_default())
}

impl ScimService {
    pub async fn create_user(&self, actor: &Actor, user: ScimUser) -> Result<ScimUser> {
        let org_id = organization_of(actor)?;
        let wanted = wanted(&user, UserAttributes::new())?;
        let change = self
            .changes
            .begin(
                actor.clone(),
                AuditAction::UserCreate,
                Resource::new(ResourceKind::User, org_id),
            )
            .await?;
        let now = change.now();
        let created = user::ActiveModel {
            org_id: Set(org_id.get()),
            email: Set(wanted.email.clone()),
            display_name: Set(wanted.display_name),
            password_hash: Set(None),
            role: Set(Role::Viewer.as_str().to_owned()),
            active: Set(wanted.active),
            attributes: Set(attributes_json(&wanted.attributes)),
            external_id: Set(wanted.external_id),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(change.txn())
        .await
        .map_err(taken(&wanted.email))?;
        change
            .commit(created.id, None, Some(snapshot(&created)))
            .await?;
        Ok(scim_user(&created))
    }

    pub async fn get_user(&self, actor: &Actor, id: &str) -> Result<ScimUser> {
        let org_id = organization_of(actor)?;
        let model = scoped::load::<user::Entity>(&self.db, org_id, id_of(id, "user")?).await?;
        domain::access::authorize(
            actor,
            domain::Action::ManageUsers,
            &user::Entity::resource(&model),
        )?;
        Ok(scim_user(&model))
    }

    pub async fn list_users(
        &self,
        actor: &Actor,
        filter: Option<&str>,
        window: ListWindow,
    ) -> Result<ScimList<ScimUser>> {
        let org_id = organization_of(actor)?;
        domain::access::authorize(
            actor,
            domain::Action::ManageUsers,
            &Resource::new(ResourceKind::User, org_id),
        )?;
        let mut select = scoped::all_in::<user::Entity>(org_id);
        if let Some(filter) = filter_of(filter, USER_FILTERS)? {
            select = match filter.attribute {
                "userName" => select.filter(user::Column::Email.eq(filter.value.to_lowercase())),
                _ => select.filter(user::Column::ExternalId.eq(filter.value)),
            };
        }
        let total = select.clone().count(&self.db).await?;
        let found = select
            .order_by_asc(user::Column::Id)
            .offset(window.offset())
            .limit(window.count)
            .all(&self.db)
            .await?;
        Ok(ScimList::new(
            found.iter().map(scim_user).collect(),
            total,
            window.start_index,
        ))
    }

    /// Applies a PATCH's operations in order; any refused operation refuses them all.
    pub async fn patch_user(
        &self,
        actor: &Actor,
        id: &str,
        patch: PatchRequest,
    ) -> Result<ScimUser> {
        let org_id = organization_of(actor)?;
        let target = scoped::load::<user::Entity>(&self.db, org_id, id_of(id, "user")?).await?;
        let mut user = scim_user(&target);
        for (n, operation) in patch.operations.iter().enumerate() {
            patch_user(&mut user, operation)
                .map_err(|message| invalid(&format!("Operations[{n}]"), message))?;
        }
        self.write_user(actor, target, &user).await
    }

    /// PUT: the user becomes what was sent (attributes it leaves out are cleared).
    pub async fn replace_user(&self, actor: &Actor, id: &str, user: ScimUser) -> Result<ScimUser> {
        let org_id = organization_of(actor)?;
        let target = scoped::load::<user::Entity>(&self.db, org_id, id_of(id, "user")?).await?;
        self.write_user(actor, target, &user).await
    }

    async fn write_user(
        &self,
        actor: &Actor,
        target: user::Model,
        user: &ScimUser,
    ) -> Result<ScimUser> {
        let org_id = organization_of(actor)?;
        let wanted = wanted(user, attributes_of(&target))?;
        let action = match (target.active, wanted.active) {
            (true, false) => AuditAction::UserDisable,
            (false, true) => AuditAction::UserEnable,
            _ => AuditAction::UserUpdate,
        };
        let change = self
            .changes
            .begin(actor.clone(), action, user::Entity::resource(&target))
            .await?;
        lock_organization(change.txn(), org_id).await?;
        let now = change.now();
        let mut row: user::ActiveModel = target.clone().into();
        row.email = Set(wanted.email.clone());
        row.display_name = Set(wanted.display_name);
        row.external_id = Set(wanted.external_id);
        row.active = Set(wanted.active);
        row.attributes = Set(attributes_json(&wanted.attributes));
        row.version = Set(target.version + 1);
        row.updated_at = Set(now);
        let updated = row
            .update(change.txn())
            .await
            .map_err(taken(&wanted.email))?;
        if action == AuditAction::UserDisable {
            if target.role == Role::Admin.as_str() {
                keep_an_admin(change.txn(), org_id, UserId(target.id)).await?;
            }
            revoke_user_sessions(change.txn(), target.id, now).await?;
            expire_links(change.txn(), target.id, now).await?;
        }
        change
            .commit(target.id, Some(snapshot(&target)), Some(snapshot(&updated)))
            .await?;
        Ok(scim_user(&updated))
    }

    pub async fn delete_user(&self, actor: &Actor, id: &str) -> Result<()> {
        let org_id = organization_of(actor)?;
        self.users
            .delete_as(actor, org_id, UserId(id_of(id, "user")?))
            .await
    }
}
