//! Single sign-on with an OpenID Connect provider (Entra ID first). A sign-in finds the
//! organization by the token's tenant, finds the person by their subject (or links an
//! account of that organization with the same email), creates them just in time if they are
//! new, takes their role from the `roles` claim or the groups an admin mapped, and their
//! attributes from the claims chosen in the settings — all through the audited change path,
//! with the organization's single sign-on as the actor — then opens a session like a password
//! sign-in does.

mod oidc;

use std::{collections::BTreeSet, net::IpAddr, sync::Arc};

use domain::{
    Action, Role,
    access::{Actor, Resource, ResourceKind},
    audit::AuditAction,
    dto::SessionUser,
    ids::{OrgId, UserId},
    sso::{
        ClaimMapping, RoleChoice, RoleOutcome, SignInOptions, SsoIdentity, SsoOrganizationSettings,
        SsoOrganizationUpdate, SsoRefusal, checked_tenant_id, identity_from_claims,
        role_from_claim, role_outcome,
    },
    versions::{CompareVersions, RevertRequest, SettingsHistory},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    sea_query::Expr,
};
use serde_json::json;

pub use oidc::{OidcSettings, PendingSignIn};

use crate::{
    Error, Result,
    auth::{AuthService, IssuedTokens},
    change::{Change, Changes},
    crypto::Keyring,
    entities::{group, group_member, organization, user},
    scim::{granted_role, group_role_rank, group_snapshot, member_ids},
    scoped,
    users::{attributes_of, keep_an_admin, lock_organization, snapshot},
    versions::{self, Versioned},
};

/// A sign-in must come back within this long.
pub const PENDING_SECONDS: i64 = 600;

/// Single sign-on as the server is configured for it.
#[derive(Clone, Debug)]
pub struct SsoSettings {
    pub oidc: Option<OidcSettings>,
    /// The provider as the button names it ("Microsoft").
    pub provider_name: String,
    pub claims: ClaimMapping,
    pub timeout: std::time::Duration,
}

impl Default for SsoSettings {
    fn default() -> Self {
        Self {
            oidc: None,
            provider_name: "Microsoft".to_owned(),
            claims: ClaimMapping::default(),
            timeout: std::time::Duration::from_secs(10),
        }
    }
}

#[derive(Clone)]
pub struct SsoService {
    db: DatabaseConnection,
    changes: Changes,
    auth: AuthService,
    keyring: Arc<Keyring>,
    oidc: Option<Arc<oidc::OidcClient>>,
    settings: SsoSettings,
}

fn refused(refusal: SsoRefusal) -> Error {
    Error::SignInRefused(refusal)
}

impl SsoService {
    pub fn new(
        db: DatabaseConnection,
        changes: Changes,
        auth: AuthService,
        keyring: Arc<Keyring>,
        settings: SsoSettings,
    ) -> Self {
        // The server checks the URLs at start-up; what is left to fail is the HTTP client.
        let oidc = settings.oidc.as_ref().and_then(|oidc| {
            oidc::OidcClient::new(oidc.clone(), settings.timeout)
                .inspect_err(|err| tracing::error!(error = %err, "single sign-on is off"))
                .ok()
                .map(Arc::new)
        });
        Self {
            db,
            changes,
            auth,
            keyring,
            oidc,
            settings,
        }
    }

    fn client(&self) -> Result<&oidc::OidcClient> {
        self.oidc
            .as_deref()
            .ok_or(refused(SsoRefusal::NotConfigured))
    }

    pub fn sign_in_options(&self) -> SignInOptions {
        SignInOptions {
            single_sign_on: self
                .oidc
                .as_ref()
                .map(|_| format!("Sign in with {}", self.settings.provider_name)),
        }
    }

    /// Starts a sign-in: the provider's authorization URL, and the sealed state the browser
    /// keeps (in a cookie) until it comes back.
    pub async fn begin(&self, next: Option<String>) -> Result<(String, String)> {
        let now = self.changes.now().timestamp();
        let (url, pending) = self.client()?.begin(next, now).await.map_err(refused)?;
        let sealed = serde_json::to_vec(&pending)
            .map_err(|err| Error::internal_from("sealing the sign-in state", err))?;
        Ok((url, self.keyring.encrypt(&sealed)))
    }

    /// Finishes a sign-in from the provider's callback. The `state` must match what this
    /// browser was given, within [`PENDING_SECONDS`]; then the code is exchanged and the ID
    /// token verified. Returns the session and where to go next.
    pub async fn finish(
        &self,
        sealed: Option<&str>,
        state: &str,
        code: &str,
        address: Option<IpAddr>,
    ) -> Result<(IssuedTokens, Option<String>)> {
        let pending: PendingSignIn = sealed
            .and_then(|sealed| self.keyring.decrypt(sealed).ok())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or(refused(SsoRefusal::State))?;
        let age = self.changes.now().timestamp() - pending.started;
        let matches = crate::auth::constant_time_eq(pending.state.as_bytes(), state.as_bytes());
        if !matches || !(0..=PENDING_SECONDS).contains(&age) {
            return Err(refused(SsoRefusal::State));
        }
        let client = self.client()?;
        let claims = client.finish(&pending, code).await.map_err(refused)?;
        let identity = identity_from_claims(client.issuer(), &claims, &self.settings.claims)
            .map_err(refused)?;
        let tokens = self.sign_in(identity, address).await?;
        Ok((tokens, pending.next))
    }

    /// Lets in the person a verified token describes (see the module docs).
    pub async fn sign_in(
        &self,
        identity: SsoIdentity,
        address: Option<IpAddr>,
    ) -> Result<IssuedTokens> {
        let tenant = identity
            .tenant
            .as_deref()
            .map(str::to_lowercase)
            .ok_or(refused(SsoRefusal::NoTenant))?;
        let organization = organization::Entity::find()
            .filter(organization::Column::SsoTenantId.eq(tenant))
            .one(&self.db)
            .await?
            .ok_or(refused(SsoRefusal::UnknownTenant))?;
        let org_id = OrgId(organization.id);
        let existing = self.find_person(&identity, org_id).await?;
        if let Some(person) = existing.as_ref().filter(|person| !person.active) {
            self.auth
                .record_failure(
                    person,
                    json!({"address": address.map(|a| a.to_string()), "reason": "account disabled", "method": "single_sign_on"}),
                )
                .await;
            return Err(refused(SsoRefusal::Disabled));
        }
        let person = self.write_person(org_id, existing, &identity).await?;
        self.auth
            .open_session(
                &person,
                json!({"address": address.map(|a| a.to_string()), "method": "single_sign_on"}),
            )
            .await
    }

    /// The account this identity signed in to before, or an account of the organization
    /// with the same email that has not been linked to another subject yet.
    async fn find_person(
        &self,
        identity: &SsoIdentity,
        org_id: OrgId,
    ) -> Result<Option<user::Model>> {
        let linked = user::Entity::find()
            .filter(user::Column::SsoSubject.eq(&identity.subject))
            .one(&self.db)
            .await?;
        let found = match linked {
            Some(linked) => Some(linked),
            None => {
                user::Entity::find()
                    .filter(user::Column::Email.eq(&identity.email))
                    .one(&self.db)
                    .await?
            }
        };
        match found {
            Some(person) if person.org_id != org_id.get() => {
                Err(refused(SsoRefusal::OtherOrganization))
            }
            found => Ok(found),
        }
    }

    /// Creates or updates the person from the token, in one audited change: their subject,
    /// name, attributes, the mapped groups they are in, and their role.
    async fn write_person(
        &self,
        org_id: OrgId,
        existing: Option<user::Model>,
        identity: &SsoIdentity,
    ) -> Result<user::Model> {
        let actor = Actor::SingleSignOn { org_id };
        let action = if existing.is_some() {
            AuditAction::UserUpdate
        } else {
            AuditAction::UserCreate
        };
        let change = self
            .changes
            .begin(actor, action, Resource::new(ResourceKind::User, org_id))
            .await?;
        lock_organization(change.txn(), org_id).await?;
        let now = change.now();
        let person = match &existing {
            Some(person) => person.clone(),
            None => user::ActiveModel {
                org_id: Set(org_id.get()),
                email: Set(identity.email.clone()),
                display_name: Set(identity.name.clone()),
                password_hash: Set(None),
                role: Set(Role::Viewer.as_str().to_owned()),
                active: Set(true),
                attributes: Set(None),
                sso_subject: Set(Some(identity.subject.clone())),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(change.txn())
            .await
            .map_err(|err| {
                Error::from_unique_violation(
                    err,
                    "This account was created a moment ago; sign in again.",
                )
            })?,
        };
        let groups_changed = !identity.groups_overage
            && sync_mapped_groups(&change, org_id, person.id, &identity.groups).await?;
        // Most tokens carry no app roles: only then are the organization's roles read.
        let from_roles_claim = if identity.roles.is_empty() {
            None
        } else {
            role_from_claim(&identity.roles, &role_choices(change.txn(), org_id).await?)
        };
        let outcome = role_outcome(
            from_roles_claim,
            granted_role(change.txn(), org_id, person.id).await?,
            identity.groups_overage,
            existing.is_some(),
            Role::Viewer.as_str(),
        );
        let role = match outcome {
            RoleOutcome::Set(role) => role,
            RoleOutcome::Keep => person.role.clone(),
            RoleOutcome::Refuse(refusal) => return Err(refused(refusal)),
        };
        let mut attributes = attributes_of(&person);
        attributes.extend(identity.attributes.clone());
        let mut row: user::ActiveModel = person.clone().into();
        row.display_name = Set(identity.name.clone());
        row.role = Set(role.clone());
        row.sso_subject = Set(Some(identity.subject.clone()));
        row.attributes = Set((!attributes.is_empty()).then(|| json!(attributes)));
        let changed = person.display_name != identity.name
            || person.role != role
            || person.sso_subject.as_deref() != Some(&identity.subject)
            || attributes_of(&person) != attributes;
        let written = if changed {
            row.version = Set(person.version + 1);
            row.updated_at = Set(now);
            row.update(change.txn()).await?
        } else {
            person.clone()
        };
        if person.role == Role::Admin.as_str() && role != person.role {
            keep_an_admin(change.txn(), org_id, UserId(person.id))
                .await
                .map_err(|_| refused(SsoRefusal::LastAdmin))?;
        }
        if existing.is_some() && !changed && !groups_changed {
            // A sign-in that changes nothing about the person leaves no user row in the
            // trail (the session row follows); dropping the change writes nothing.
            drop(change);
            return Ok(written);
        }
        change
            .commit(
                written.id,
                existing.as_ref().map(snapshot),
                Some(snapshot(&written)),
            )
            .await?;
        Ok(written)
    }

    /// The organization's single sign-on for the Provisioning screen (Admin).
    pub async fn organization_settings(
        &self,
        actor: &SessionUser,
    ) -> Result<SsoOrganizationSettings> {
        crate::authorize(
            actor,
            Action::ManageUsers,
            Resource::new(ResourceKind::Organization, actor.org_id),
        )?;
        let organization = self.organization(actor.org_id).await?;
        Ok(self.describe(&organization))
    }

    fn describe(&self, organization: &organization::Model) -> SsoOrganizationSettings {
        SsoOrganizationSettings {
            configured: self.oidc.is_some(),
            provider_name: self.settings.provider_name.clone(),
            issuer: self.settings.oidc.as_ref().map(|oidc| oidc.issuer.clone()),
            redirect_url: self
                .settings
                .oidc
                .as_ref()
                .map(|oidc| oidc.redirect_url.clone()),
            claims: self.settings.claims.clone(),
            tenant_id: organization.sso_tenant_id.clone(),
            password_sign_in: organization.password_sign_in,
        }
    }

    async fn organization(&self, org_id: OrgId) -> Result<organization::Model> {
        organization::Entity::find_by_id(org_id.get())
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("organization"))
    }

    /// Links a tenant and switches password sign-in on or off. Passwords can go off only
    /// where single sign-on can let people in (configured, and a tenant linked).
    pub async fn save_organization_settings(
        &self,
        actor: &SessionUser,
        update: SsoOrganizationUpdate,
    ) -> Result<SsoOrganizationSettings> {
        self.write_organization_settings(actor, update, "settings changed")
            .await
    }

    /// The versions of the organization's single sign-on settings, two compared (Admin).
    pub async fn settings_history(
        &self,
        actor: &SessionUser,
        compare: CompareVersions,
    ) -> Result<SettingsHistory> {
        versions::settings_history(&self.db, actor, Versioned::SSO_SETTINGS, compare).await
    }

    /// Sets an earlier version of the single sign-on settings again, as a new version, with
    /// today's checks (a tenant another organization took since is refused).
    pub async fn revert_settings(
        &self,
        actor: &SessionUser,
        request: RevertRequest,
    ) -> Result<SsoOrganizationSettings> {
        let (kept, note): (KeptSsoSettings, String) =
            versions::settings_to_revert(&self.db, actor, Versioned::SSO_SETTINGS, request).await?;
        let update = SsoOrganizationUpdate {
            tenant_id: kept.sso_tenant_id,
            password_sign_in: kept.password_sign_in,
        };
        self.write_organization_settings(actor, update, &note).await
    }

    async fn write_organization_settings(
        &self,
        actor: &SessionUser,
        update: SsoOrganizationUpdate,
        note: &str,
    ) -> Result<SsoOrganizationSettings> {
        let resource = Resource::new(ResourceKind::Organization, actor.org_id);
        crate::authorize(actor, Action::ManageUsers, resource.clone())?;
        let tenant_id = checked_tenant_id(update.tenant_id.as_deref())
            .map_err(|message| Error::validation("tenant_id", &message))?;
        if !update.password_sign_in && (self.oidc.is_none() || tenant_id.is_none()) {
            return Err(Error::validation(
                "password_sign_in",
                "keep password sign-in on until single sign-on is set up on the server and a tenant is linked, or nobody could sign in",
            ));
        }
        let before = self.organization(actor.org_id).await?;
        let change = self
            .changes
            .begin(actor, AuditAction::OrganizationSettings, resource)
            .await?;
        organization::Entity::update_many()
            .col_expr(
                organization::Column::SsoTenantId,
                Expr::value(tenant_id.clone()),
            )
            .col_expr(
                organization::Column::PasswordSignIn,
                Expr::value(update.password_sign_in),
            )
            .filter(organization::Column::Id.eq(actor.org_id.get()))
            .exec(change.txn())
            .await
            .map_err(|err| {
                Error::from_unique_violation(
                    err,
                    "Another organization here is already linked to this tenant.",
                )
            })?;
        let (before, after) = (
            json!({"sso_tenant_id": before.sso_tenant_id, "password_sign_in": before.password_sign_in}),
            json!({"sso_tenant_id": tenant_id, "password_sign_in": update.password_sign_in}),
        );
        versions::keep_settings(
            &change,
            Versioned::SSO_SETTINGS,
            actor.id,
            (&before, &after),
            note,
        )
        .await?;
        change
            .commit(actor.org_id, Some(before), Some(after))
            .await?;
        let after = self.organization(actor.org_id).await?;
        Ok(self.describe(&after))
    }
}

/// A version of the single sign-on settings, as `write_organization_settings` keeps it.
#[derive(serde::Deserialize)]
struct KeptSsoSettings {
    sso_tenant_id: Option<String>,
    password_sign_in: bool,
}

/// The organization's roles, each with how capable it is, for matching `roles` claims.
async fn role_choices(
    conn: &impl sea_orm::ConnectionTrait,
    org_id: OrgId,
) -> Result<Vec<RoleChoice>> {
    let mut choices = Vec::new();
    for role in Role::ALL {
        choices.push(RoleChoice {
            key: role.as_str().to_owned(),
            label: role.label().to_owned(),
            rank: group_role_rank(conn, org_id, role.as_str()).await?,
        });
    }
    for (key, label) in crate::roles::role_names(conn, org_id).await? {
        let rank = group_role_rank(conn, org_id, &key).await?;
        choices.push(RoleChoice { key, label, rank });
    }
    Ok(choices)
}

/// Puts the user in exactly the organization's groups (those with a provider id) that the
/// token lists; groups made here without a provider id are left as they are. Each group
/// whose members changed gets its own audit row in the same change. True if any did.
async fn sync_mapped_groups(
    change: &Change,
    org_id: OrgId,
    user_id: i32,
    claimed: &[String],
) -> Result<bool> {
    let claimed: BTreeSet<String> = claimed.iter().map(|id| id.to_lowercase()).collect();
    let groups = scoped::all_in::<group::Entity>(org_id)
        .filter(group::Column::ExternalId.is_not_null())
        .all(change.txn())
        .await?;
    let mut changed_any = false;
    for model in groups {
        let wanted = model
            .external_id
            .as_deref()
            .is_some_and(|id| claimed.contains(&id.to_lowercase()));
        let members = member_ids(change.txn(), model.id).await?;
        if members.contains(&user_id) == wanted {
            continue;
        }
        let mut after = members.clone();
        if wanted {
            after.insert(user_id);
            group_member::ActiveModel {
                group_id: Set(model.id),
                user_id: Set(user_id),
            }
            .insert(change.txn())
            .await?;
        } else {
            after.remove(&user_id);
            group_member::Entity::delete_many()
                .filter(group_member::Column::GroupId.eq(model.id))
                .filter(group_member::Column::UserId.eq(user_id))
                .exec(change.txn())
                .await?;
        }
        change
            .also(
                AuditAction::GroupUpdate,
                model.id,
                Some(group_snapshot(&model, &members)),
                Some(group_snapshot(&model, &after)),
            )
            .await?;
        changed_any = true;
    }
    Ok(changed_any)
}
