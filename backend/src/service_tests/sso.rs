//! Single sign-on's rules past the protocol: the tenant picks the organization, the first
//! sign-in creates the person with the role and attributes the token gives, later ones
//! follow the token, groups an admin mapped grant roles, and every refusal leaves nothing.

use domain::{
    ErrorCode,
    scim::NewGroup,
    sso::{SsoIdentity, SsoOrganizationUpdate, SsoRefusal},
    users::UserAttributes,
};
use sea_orm::QueryOrder;

use crate::clock::Clock;

use super::*;
use crate::{
    change::Changes,
    entities::{group_member, user},
    sso::{OidcSettings, SsoService, SsoSettings},
};

const TENANT: &str = "3f2a9c1e-0b7d-4e55-9a41-7c1d2e3f4a5b";

fn identity(subject: &str, email: &str) -> SsoIdentity {
    SsoIdentity {
        subject: format!("https://idp.example|{subject}"),
        email: email.to_owned(),
        name: format!("Person {subject}"),
        tenant: Some(TENANT.to_uppercase()),
        roles: Vec::new(),
        groups: Vec::new(),
        groups_overage: false,
        attributes: UserAttributes::new(),
    }
}

async fn link_tenant(world: &World) {
    world
        .services
        .sso
        .save_organization_settings(
            &world.admin,
            SsoOrganizationUpdate {
                tenant_id: Some(TENANT.to_owned()),
                password_sign_in: true,
            },
        )
        .await
        .unwrap();
}

/// The same services with single sign-on configured (the provider is never called here).
fn configured(world: &World) -> SsoService {
    SsoService::new(
        world.services.db.clone(),
        Changes::new(world.services.db.clone(), Arc::new(world.clock.clone())),
        world.services.auth.clone(),
        Arc::new(test_support::test_keyring()),
        SsoSettings {
            oidc: Some(OidcSettings {
                issuer: "https://idp.example".into(),
                client_id: "platform-builder".into(),
                client_secret: Some("secret".into()),
                redirect_url: "http://127.0.0.1:3000/api/auth/oidc/callback".into(),
                scopes: vec!["profile".into(), "email".into()],
            }),
            ..SsoSettings::default()
        },
    )
}

async fn stored(world: &World, email: &str) -> Option<user::Model> {
    user::Entity::find()
        .filter(user::Column::Email.eq(email))
        .one(&world.services.db)
        .await
        .unwrap()
}

async fn actions_since(world: &World, after_id: i32) -> Vec<(String, String)> {
    audit_log::Entity::find()
        .filter(audit_log::Column::Id.gt(after_id))
        .order_by_asc(audit_log::Column::Id)
        .all(&world.services.db)
        .await
        .unwrap()
        .into_iter()
        .map(|row| (row.action, row.actor_kind))
        .collect()
}

async fn last_audit_id(world: &World) -> i32 {
    audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .one(&world.services.db)
        .await
        .unwrap()
        .map_or(0, |row| row.id)
}

/// A second organization with its own Admin, `owner@other.example`.
pub(super) async fn other_organization_admin(world: &World) -> SessionUser {
    let other = world
        .services
        .users
        .ensure_organization("Other Org")
        .await
        .unwrap();
    world
        .services
        .users
        .ensure_user(
            &Actor::System,
            other,
            NewUser {
                email: "owner@other.example".into(),
                display_name: "Owner".into(),
                password: "Owner123!".into(),
                role: Role::Admin,
            },
        )
        .await
        .unwrap()
}

fn refusal(err: Error) -> SsoRefusal {
    match err {
        Error::SignInRefused(refusal) => refusal,
        other => panic!("expected a refused sign-in, got {other:?}"),
    }
}

#[tokio::test]
async fn the_first_sign_in_creates_the_person_with_the_tokens_role_and_attributes() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        link_tenant(&world).await;
        let sso = &world.services.sso;
        let before = last_audit_id(&world).await;
        let mut ada = identity("ada", "ada@contoso.example");
        ada.roles = vec!["editor".into(), "Unknown role".into()];
        ada.attributes = UserAttributes::from([
            ("department".to_owned(), "Finance".to_owned()),
            ("region".to_owned(), "EU".to_owned()),
        ]);
        let tokens = sso.sign_in(ada.clone(), None).await.unwrap();
        assert_eq!(tokens.user.role, Role::Editor, "{}", world.label);
        assert_eq!(tokens.user.org_id, world.admin.org_id);
        assert_eq!(
            tokens.user.attributes.get("department").map(String::as_str),
            Some("Finance")
        );
        let person = stored(&world, "ada@contoso.example").await.unwrap();
        assert_eq!(
            person.sso_subject.as_deref(),
            Some("https://idp.example|ada")
        );
        assert_eq!(person.password_hash, None);
        assert!(person.last_login_at.is_some());
        assert_eq!(
            actions_since(&world, before).await,
            vec![
                ("user.create".to_owned(), "single_sign_on".to_owned()),
                ("session.sign_in".to_owned(), "user".to_owned()),
            ]
        );

        // The token changed (the app role was removed, the region moved): the person follows,
        // keeping attributes the token does not carry.
        let mut again = ada.clone();
        again.roles = vec!["Viewer".into()];
        again.attributes = UserAttributes::from([("region".to_owned(), "UK".to_owned())]);
        let tokens = sso.sign_in(again.clone(), None).await.unwrap();
        assert_eq!(tokens.user.role, Role::Viewer);
        assert_eq!(
            tokens.user.attributes.get("region").map(String::as_str),
            Some("UK")
        );
        assert_eq!(
            tokens.user.attributes.get("department").map(String::as_str),
            Some("Finance")
        );

        // Nothing changed: only the session is recorded.
        let before = last_audit_id(&world).await;
        sso.sign_in(again, None).await.unwrap();
        assert_eq!(
            actions_since(&world, before).await,
            vec![("session.sign_in".to_owned(), "user".to_owned())]
        );
    }
}

#[tokio::test]
async fn mapped_groups_grant_their_role_and_membership_follows_the_token() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        link_tenant(&world).await;
        let ops = world
            .services
            .scim
            .add_group(
                &world.admin,
                NewGroup {
                    display_name: "Platform operations".into(),
                    external_id: "6E5D-OPS".into(),
                    role: Some("integrator".into()),
                },
            )
            .await
            .unwrap();
        let mut bob = identity("bob", "bob@contoso.example");
        bob.groups = vec!["6e5d-ops".into(), "not-mapped".into()];
        let tokens = world.services.sso.sign_in(bob.clone(), None).await.unwrap();
        assert_eq!(tokens.user.role, Role::Integrator, "{}", world.label);
        let members = group_member::Entity::find()
            .filter(group_member::Column::GroupId.eq(ops.id))
            .count(&world.services.db)
            .await
            .unwrap();
        assert_eq!(members, 1);

        // Out of the group: the membership ends; no role claim and no group leaves the role.
        bob.groups.clear();
        let tokens = world.services.sso.sign_in(bob.clone(), None).await.unwrap();
        assert_eq!(tokens.user.role, Role::Integrator);
        let members = group_member::Entity::find()
            .filter(group_member::Column::GroupId.eq(ops.id))
            .count(&world.services.db)
            .await
            .unwrap();
        assert_eq!(members, 0);

        // An app role beats the groups.
        bob.groups = vec!["6E5D-OPS".into()];
        bob.roles = vec!["Auditor".into()];
        let tokens = world.services.sso.sign_in(bob, None).await.unwrap();
        assert_eq!(tokens.user.role, Role::Auditor);

        // A group whose role does not exist is refused before anything is written.
        let err = world
            .services
            .scim
            .add_group(
                &world.admin,
                NewGroup {
                    display_name: "Ghosts".into(),
                    external_id: "ghost".into(),
                    role: Some("no-such-role".into()),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        let groups = world.services.scim.list_groups(&world.admin).await.unwrap();
        assert!(groups.iter().all(|group| group.display_name != "Ghosts"));
    }
}

#[tokio::test]
async fn refused_sign_ins_create_nothing_and_say_why() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let sso = &world.services.sso;
        // No organization answers to the tenant yet.
        let err = sso
            .sign_in(identity("eve", "eve@contoso.example"), None)
            .await
            .unwrap_err();
        assert_eq!(refusal(err), SsoRefusal::UnknownTenant, "{}", world.label);
        let mut no_tenant = identity("eve", "eve@contoso.example");
        no_tenant.tenant = None;
        assert_eq!(
            refusal(sso.sign_in(no_tenant, None).await.unwrap_err()),
            SsoRefusal::NoTenant
        );
        link_tenant(&world).await;

        // Too many groups to list and no app role: a new person is refused...
        let mut crowded = identity("eve", "eve@contoso.example");
        crowded.groups_overage = true;
        let err = sso.sign_in(crowded.clone(), None).await.unwrap_err();
        assert_eq!(refusal(err), SsoRefusal::GroupOverage);
        assert!(stored(&world, "eve@contoso.example").await.is_none());
        // ...an existing one keeps their role.
        let viewer = identity("viewer", "viewer@example.com");
        let mut crowded_viewer = viewer.clone();
        crowded_viewer.groups_overage = true;
        let tokens = sso.sign_in(crowded_viewer, None).await.unwrap();
        assert_eq!(tokens.user.id, world.viewer.id, "linked by email");
        assert_eq!(tokens.user.role, Role::Viewer);

        // A disabled account stays out, and the attempt is audited.
        world
            .services
            .users
            .set_active(&world.admin, world.viewer.id, false)
            .await
            .unwrap();
        let before = last_audit_id(&world).await;
        assert_eq!(
            refusal(sso.sign_in(viewer, None).await.unwrap_err()),
            SsoRefusal::Disabled
        );
        assert_eq!(
            actions_since(&world, before).await,
            vec![("session.sign_in_failed".to_owned(), "anonymous".to_owned())]
        );

        // An email that belongs to another organization is not taken over.
        let other_admin = other_organization_admin(&world).await;
        let err = sso
            .sign_in(identity("owner", "owner@other.example"), None)
            .await
            .unwrap_err();
        assert_eq!(refusal(err), SsoRefusal::OtherOrganization);
        let owner = stored(&world, "owner@other.example").await.unwrap();
        assert_eq!(
            (owner.org_id, owner.sso_subject),
            (other_admin.org_id.get(), None)
        );

        // The last active Admin is not demoted by a token without the Admin role.
        let mut admin = identity("admin", "admin@example.com");
        admin.roles = vec!["Viewer".into()];
        assert_eq!(
            refusal(sso.sign_in(admin, None).await.unwrap_err()),
            SsoRefusal::LastAdmin
        );
        assert_eq!(
            stored(&world, "admin@example.com").await.unwrap().role,
            "admin"
        );
    }
}

#[tokio::test]
async fn an_organization_can_switch_passwords_off_only_where_single_sign_on_works() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let off = |tenant: Option<&str>| SsoOrganizationUpdate {
            tenant_id: tenant.map(str::to_owned),
            password_sign_in: false,
        };
        // Not configured on the server: refused, or nobody could sign in.
        let err = world
            .services
            .sso
            .save_organization_settings(&world.admin, off(Some(TENANT)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation, "{}", world.label);
        let sso = configured(&world);
        let err = sso
            .save_organization_settings(&world.admin, off(None))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Validation);
        let err = sso
            .save_organization_settings(&world.admin, off(Some("not a tenant")))
            .await
            .unwrap_err();
        assert!(matches!(&err, Error::Validation(issues) if issues[0].path == "tenant_id"));
        let err = sso
            .save_organization_settings(&world.viewer, off(Some(TENANT)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);

        let saved = sso
            .save_organization_settings(&world.admin, off(Some(TENANT)))
            .await
            .unwrap();
        assert!(saved.configured && !saved.password_sign_in);
        assert_eq!(saved.tenant_id.as_deref(), Some(TENANT));
        // The right password is refused with the reason; a wrong one stays "invalid".
        let err = world
            .services
            .auth
            .login("viewer@example.com", "Viewer123!")
            .await
            .unwrap_err();
        assert_eq!(refusal(err), SsoRefusal::PasswordsOff);
        assert!(matches!(
            world
                .services
                .auth
                .login("viewer@example.com", "wrong-password")
                .await,
            Err(Error::InvalidCredentials)
        ));
        // Single sign-on still lets them in.
        let tokens = sso
            .sign_in(identity("viewer", "viewer@example.com"), None)
            .await
            .unwrap();
        assert_eq!(tokens.user.id, world.viewer.id);

        // A second organization cannot claim the same tenant.
        let other_admin = other_organization_admin(&world).await;
        let err = sso
            .save_organization_settings(
                &other_admin,
                SsoOrganizationUpdate {
                    tenant_id: Some(TENANT.to_owned()),
                    password_sign_in: true,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict);
    }
}

#[tokio::test]
async fn a_callback_without_the_browsers_pending_state_is_refused_before_the_provider_is_asked() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let sso = configured(&world);
        let err = sso.finish(None, "state", "code", None).await.unwrap_err();
        assert_eq!(refusal(err), SsoRefusal::State, "{}", world.label);
        let err = sso
            .finish(Some("v1:test:tampered"), "state", "code", None)
            .await
            .unwrap_err();
        assert_eq!(refusal(err), SsoRefusal::State);
        // A sealed state that does not match the returned one, or is too old.
        let keyring = test_support::test_keyring();
        let pending = |state: &str, started: i64| {
            keyring.encrypt(
                &serde_json::to_vec(&crate::sso::PendingSignIn {
                    state: state.into(),
                    nonce: "n".into(),
                    pkce_verifier: "v".repeat(43),
                    next: None,
                    started,
                })
                .unwrap(),
            )
        };
        let now = world.clock.now().timestamp();
        let err = sso
            .finish(Some(&pending("expected", now)), "other", "code", None)
            .await
            .unwrap_err();
        assert_eq!(refusal(err), SsoRefusal::State);
        let err = sso
            .finish(
                Some(&pending("expected", now - 601)),
                "expected",
                "code",
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(refusal(err), SsoRefusal::State);
        // Unconfigured servers say so.
        let err = world.services.sso.begin(None).await.unwrap_err();
        assert_eq!(refusal(err), SsoRefusal::NotConfigured);
    }
}
