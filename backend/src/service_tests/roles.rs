//! Custom roles: made from actions, given to users whose rights follow them from the next
//! request on; built-ins fixed; deleting refused while assigned; kept per organization.

use domain::{
    Action, ErrorCode,
    roles::RoleDraft,
    users::{NewUserRequest, UserUpdate},
};

use super::*;

fn draft(key: &str, actions: &[&str], version: i32) -> RoleDraft {
    RoleDraft {
        key: key.into(),
        name: format!("Role {key}"),
        actions: actions.iter().map(|a| (*a).to_owned()).collect(),
        version,
    }
}

/// A user with the custom role `key`, signed in.
async fn holder(world: &World, key: &str) -> (i32, SessionUser) {
    let created = world
        .services
        .users
        .create(
            &world.admin,
            NewUserRequest {
                email: format!("{key}@example.com"),
                display_name: format!("Holder of {key}"),
                role: key.into(),
                password: Some("Holder123!".into()),
            },
        )
        .await
        .unwrap();
    let session = world
        .services
        .auth
        .login(&format!("{key}@example.com"), "Holder123!")
        .await
        .unwrap();
    (created.user.id.get(), session.user)
}

#[tokio::test]
async fn a_custom_roles_users_may_do_exactly_what_it_allows_as_it_changes() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let roles = &world.services.roles;
        let created = roles
            .create(
                &world.admin,
                draft(
                    "report-reader",
                    &["view_published_page", "open_admin", "read_audit"],
                    0,
                ),
            )
            .await
            .unwrap();
        assert_eq!(
            created.actions,
            [
                Action::ViewPublishedPage,
                Action::OpenAdmin,
                Action::ReadAudit
            ]
        );
        let (_, reader) = holder(&world, "report-reader").await;
        assert_eq!(reader.role_label(), "Role report-reader", "{}", world.label);
        world
            .services
            .audit
            .list(&reader, &Default::default())
            .await
            .unwrap();
        assert!(matches!(
            world.services.tools.list_managed(&reader).await,
            Err(Error::Forbidden(Action::ManageTools))
        ));
        assert!(matches!(
            world.services.users.list(&reader, "").await,
            Err(Error::Forbidden(Action::ManageUsers))
        ));

        roles
            .update(
                &world.admin,
                "report-reader",
                draft(
                    "report-reader",
                    &["view_published_page", "open_admin", "manage_tools"],
                    created.version,
                ),
            )
            .await
            .unwrap();
        let tokens = world
            .services
            .auth
            .login("report-reader@example.com", "Holder123!")
            .await
            .unwrap();
        let now = world
            .services
            .auth
            .authenticate(&tokens.access_token)
            .await
            .unwrap();
        world.services.tools.list_managed(&now).await.unwrap();
        assert!(matches!(
            world.services.audit.list(&now, &Default::default()).await,
            Err(Error::Forbidden(Action::ReadAudit))
        ));
        let listed = roles.list(&world.admin).await.unwrap();
        let custom = listed
            .iter()
            .find(|role| role.key == "report-reader")
            .unwrap();
        assert_eq!(
            (custom.built_in, custom.users, custom.version),
            (false, 1, 2)
        );
        assert_eq!(listed.iter().filter(|role| role.built_in).count(), 5);
        let actions: Vec<String> = world
            .services
            .audit
            .list(
                &world.admin,
                &domain::audit::AuditQuery {
                    resource_type: "role".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .records
            .into_iter()
            .map(|record| record.action)
            .collect();
        assert_eq!(actions, ["role.update", "role.create"]);
    }
}

#[tokio::test]
async fn built_ins_are_fixed_edits_are_versioned_and_assigned_roles_stay() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let roles = &world.services.roles;
        let refused = roles
            .update(
                &world.admin,
                "admin",
                draft("admin", &["view_published_page"], 0),
            )
            .await
            .unwrap_err();
        assert_eq!(refused.to_body().issues[0].path, "key", "{}", world.label);
        assert!(roles.delete(&world.admin, "viewer").await.is_err());
        let bad = roles
            .create(&world.admin, draft("ops", &["fly"], 0))
            .await
            .unwrap_err();
        assert_eq!(bad.to_body().issues[0].message, "there is no action 'fly'");

        roles
            .create(&world.admin, draft("ops", &["manage_tools"], 0))
            .await
            .unwrap();
        let duplicate = roles
            .create(&world.admin, draft("ops", &["manage_tools"], 0))
            .await
            .unwrap_err();
        assert_eq!(duplicate.to_body().code, ErrorCode::Conflict);
        let stale = roles
            .update(&world.admin, "ops", draft("ops", &["manage_tools"], 7))
            .await
            .unwrap_err();
        assert_eq!(stale.to_body().code, ErrorCode::Conflict);

        let (id, _) = holder(&world, "ops").await;
        let assigned = roles.delete(&world.admin, "ops").await.unwrap_err();
        assert!(
            matches!(&assigned, Error::Conflict(message) if message.contains("role of 1 user")),
            "{assigned:?}"
        );
        let user = world
            .services
            .users
            .list(&world.admin, "ops@")
            .await
            .unwrap()
            .remove(0);
        world
            .services
            .users
            .update(
                &world.admin,
                domain::ids::UserId(id),
                UserUpdate {
                    display_name: user.display_name,
                    role: "viewer".into(),
                    attributes: user.attributes,
                    version: user.version,
                },
            )
            .await
            .unwrap();
        roles.delete(&world.admin, "ops").await.unwrap();
        let gone = world
            .services
            .users
            .create(
                &world.admin,
                NewUserRequest {
                    email: "late@example.com".into(),
                    display_name: "Late".into(),
                    role: "ops".into(),
                    password: None,
                },
            )
            .await
            .unwrap_err();
        let message = &gone.to_body().issues[0].message;
        assert!(
            message.starts_with("there is no role 'ops'; choose one of admin, editor"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn another_organizations_roles_do_not_exist() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        world
            .services
            .roles
            .create(&world.admin, draft("analyst", &["read_audit"], 0))
            .await
            .unwrap();
        let other = world
            .services
            .users
            .ensure_organization("Role Org")
            .await
            .unwrap();
        let stranger = world
            .services
            .users
            .ensure_user(
                &Actor::System,
                other,
                NewUser {
                    email: "admin@roles.example".into(),
                    display_name: "Role admin".into(),
                    password: "RoleOrg123!".into(),
                    role: Role::Admin,
                },
            )
            .await
            .unwrap();
        let roles = &world.services.roles;
        assert!(
            roles
                .list(&stranger)
                .await
                .unwrap()
                .iter()
                .all(|role| role.key != "analyst")
        );
        assert!(matches!(
            roles
                .update(&stranger, "analyst", draft("analyst", &["read_audit"], 1))
                .await,
            Err(Error::NotFound("role"))
        ));
        assert!(matches!(
            roles.delete(&stranger, "analyst").await,
            Err(Error::NotFound("role"))
        ));
        let err = world
            .services
            .users
            .create(
                &stranger,
                NewUserRequest {
                    email: "x@roles.example".into(),
                    display_name: "X".into(),
                    role: "analyst".into(),
                    password: None,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.to_body().issues[0].path, "role", "{}", world.label);
    }
}

#[tokio::test]
async fn reverting_a_role_brings_its_old_actions_back_as_a_new_version() {
    use domain::versions::{CompareVersions, RevertRequest};
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let roles = &world.services.roles;
        roles
            .create(&world.admin, draft("desk", &["view_published_page"], 0))
            .await
            .unwrap();
        roles
            .update(
                &world.admin,
                "desk",
                draft("desk", &["view_published_page", "read_audit"], 1),
            )
            .await
            .unwrap();
        let history = roles
            .history(&world.admin, "desk", CompareVersions::default())
            .await
            .unwrap();
        let numbers: Vec<i32> = history.versions.iter().map(|v| v.version).collect();
        assert_eq!(numbers, [2, 1], "{}", world.label);
        let comparison = history.comparison.expect("newest against the one before");
        assert_eq!((comparison.from, comparison.to), (1, 2));
        assert!(
            comparison
                .changes
                .iter()
                .any(|line| line.contains("Read the audit trail")),
            "{:?}",
            comparison.changes
        );

        let reverted = roles
            .revert(
                &world.admin,
                "desk",
                RevertRequest {
                    version: 1,
                    base_revision: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            reverted.actions,
            [Action::ViewPublishedPage],
            "{}",
            world.label
        );
        assert_eq!(reverted.version, 3);
        let history = roles
            .history(&world.admin, "desk", CompareVersions::default())
            .await
            .unwrap();
        assert_eq!(history.versions[0].note, "reverted to version 1");
        assert_eq!(history.versions.len(), 3, "history is never rewritten");

        let stale = roles
            .revert(
                &world.admin,
                "desk",
                RevertRequest {
                    version: 2,
                    base_revision: 2,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(stale.to_body().code, ErrorCode::Conflict, "{}", world.label);
        assert!(matches!(
            roles
                .revert(
                    &world.admin,
                    "desk",
                    RevertRequest {
                        version: 99,
                        base_revision: 3
                    }
                )
                .await,
            Err(Error::NotFound("version"))
        ));
        roles.delete(&world.admin, "desk").await.unwrap();
        assert!(matches!(
            roles
                .revert(
                    &world.admin,
                    "desk",
                    RevertRequest {
                        version: 1,
                        base_revision: 3
                    }
                )
                .await,
            Err(Error::NotFound("role"))
        ));
    }
}
