//! The users screen's rules: adding users with a password or a set-password link, edits
//! against a version, disabling ending access at once, the last Admin kept, organizations
//! kept apart, and every change audited.

use chrono::SubsecRound;
use domain::{
    ErrorCode, Role,
    access::Actor,
    ids::UserId,
    users::{NewUserRequest, SetPassword, UserAttributes, UserStatus, UserUpdate},
};

use crate::clock::Clock;
use sea_orm::{EntityTrait, QueryOrder};

use super::*;
use crate::entities::audit_log;

fn new_user(email: &str, role: Role, password: Option<&str>) -> NewUserRequest {
    NewUserRequest {
        email: email.into(),
        display_name: format!("User {}", email.trim().to_lowercase()),
        role: role.as_str().into(),
        password: password.map(str::to_owned),
    }
}

fn token_of(path: &str) -> String {
    path.strip_prefix("/set-password?token=")
        .unwrap()
        .to_owned()
}

async fn last_actions(world: &World, count: usize) -> Vec<String> {
    let mut rows = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .all(&world.services.db)
        .await
        .unwrap();
    rows.truncate(count);
    rows.into_iter().rev().map(|row| row.action).collect()
}

#[tokio::test]
async fn an_admin_adds_users_with_a_password_or_a_one_time_link() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let users = &world.services.users;
        let created = users
            .create(
                &world.admin,
                new_user(" Ed@Example.com ", Role::Editor, Some("Editor123!")),
            )
            .await
            .unwrap();
        assert_eq!(created.user.email, "ed@example.com");
        assert_eq!(created.user.status, UserStatus::Active);
        assert_eq!(created.password_link, None);
        world
            .services
            .auth
            .login("ed@example.com", "Editor123!")
            .await
            .unwrap();

        let invited = users
            .create(
                &world.admin,
                new_user("ines@example.com", Role::Viewer, None),
            )
            .await
            .unwrap();
        assert_eq!(invited.user.status, UserStatus::Invited, "{}", world.label);
        let link = invited.password_link.unwrap();
        assert_eq!(
            link.expires_at,
            world.clock.now().trunc_subsecs(6) + chrono::Duration::hours(72)
        );
        let owner = users
            .set_password(SetPassword {
                token: token_of(&link.path),
                password: "Chosen123!".into(),
            })
            .await
            .unwrap();
        assert_eq!(owner.email, "ines@example.com");
        world
            .services
            .auth
            .login("ines@example.com", "Chosen123!")
            .await
            .unwrap();
        // The link works once.
        let again = users
            .set_password(SetPassword {
                token: token_of(&link.path),
                password: "Another123!".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(again.to_body().code, ErrorCode::Validation);
        assert_eq!(
            last_actions(&world, 3).await,
            ["user.create", "user.password_set", "session.sign_in"]
        );
        let listed = users.list(&world.admin, "").await.unwrap();
        assert_eq!(
            listed
                .iter()
                .map(|user| user.display_name.as_str())
                .collect::<Vec<_>>(),
            [
                "Admin",
                "User ed@example.com",
                "User ines@example.com",
                "Viewer"
            ]
        );
        let found = users.list(&world.admin, "INES").await.unwrap();
        assert_eq!(found.len(), 1);
        assert!(
            found[0].last_login_at.is_some(),
            "{}: last login",
            world.label
        );
        assert!(users.list(&world.admin, "%").await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn bad_input_names_each_field_and_duplicates_conflict() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let users = &world.services.users;
        let err = users
            .create(
                &world.admin,
                NewUserRequest {
                    email: "not-an-email".into(),
                    display_name: " ".into(),
                    role: String::new(),
                    password: Some("short".into()),
                },
            )
            .await
            .unwrap_err();
        let Error::Validation(issues) = err else {
            panic!("{}: {err:?}", world.label);
        };
        let mut paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(paths, ["display_name", "email", "password", "role"]);
        let duplicate = users
            .create(
                &world.admin,
                new_user("VIEWER@example.com", Role::Viewer, None),
            )
            .await
            .unwrap_err();
        assert!(matches!(duplicate, Error::Taken(_)), "{duplicate:?}");
        let viewer = users.list(&world.admin, "viewer").await.unwrap().remove(0);
        let bad_attributes: UserAttributes = [("Cost Center".to_owned(), "x".to_owned())].into();
        let err = users
            .update(
                &world.admin,
                viewer.id,
                UserUpdate {
                    display_name: "Viewer".into(),
                    role: "viewer".into(),
                    attributes: bad_attributes,
                    version: viewer.version,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.to_body().issues[0].path,
            "attributes.Cost Center",
            "{}",
            world.label
        );
    }
}

#[tokio::test]
async fn edits_change_role_and_attributes_once_and_a_stale_edit_conflicts() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let users = &world.services.users;
        let viewer = users.list(&world.admin, "viewer").await.unwrap().remove(0);
        let attributes: UserAttributes = [
            ("department".to_owned(), "Finance".to_owned()),
            ("region".to_owned(), "EU".to_owned()),
        ]
        .into();
        let open_session = world
            .services
            .auth
            .login("viewer@example.com", "Viewer123!")
            .await
            .unwrap();
        let edit = UserUpdate {
            display_name: "Vera Viewer".into(),
            role: "editor".into(),
            attributes: attributes.clone(),
            version: viewer.version,
        };
        let updated = users
            .update(&world.admin, viewer.id, edit.clone())
            .await
            .unwrap();
        assert_eq!(
            (
                updated.display_name.as_str(),
                updated.role.as_str(),
                &updated.attributes,
                updated.version
            ),
            ("Vera Viewer", "editor", &attributes, viewer.version + 1)
        );
        // The new role applies to the next request of a session already open.
        let current = world
            .services
            .auth
            .authenticate(&open_session.access_token)
            .await
            .unwrap();
        assert_eq!(current.role, Role::Editor);
        let stale = users
            .update(&world.admin, viewer.id, edit)
            .await
            .unwrap_err();
        assert_eq!(stale.to_body().code, ErrorCode::Conflict, "{}", world.label);
        let record = world
            .services
            .audit
            .list(
                &world.admin,
                &domain::audit::AuditQuery {
                    action: "user.update".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap()
            .records
            .remove(0);
        assert!(
            record
                .changes
                .iter()
                .any(|line| line.contains("role") && line.contains("editor")),
            "{:?}",
            record.changes
        );
        assert!(!record.patch.to_string().contains("password"));
    }
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_at_once_and_enabling_lets_them_back() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let auth = &world.services.auth;
        let users = &world.services.users;
        let tokens = auth
            .login("viewer@example.com", "Viewer123!")
            .await
            .unwrap();
        let disabled = users
            .set_active(&world.admin, world.viewer.id, false)
            .await
            .unwrap();
        assert_eq!(disabled.status, UserStatus::Disabled);
        assert!(
            matches!(
                auth.authenticate(&tokens.access_token).await,
                Err(Error::Unauthenticated)
            ),
            "{}: access token refused",
            world.label
        );
        assert!(matches!(
            auth.refresh(&tokens.refresh_token).await,
            Err(Error::Unauthenticated)
        ));
        assert!(matches!(
            auth.login("viewer@example.com", "Viewer123!").await,
            Err(Error::InvalidCredentials)
        ));
        let err = users
            .password_link(&world.admin, world.viewer.id)
            .await
            .unwrap_err();
        assert_eq!(err.to_body().code, ErrorCode::Conflict);
        users
            .set_active(&world.admin, world.viewer.id, true)
            .await
            .unwrap();
        auth.login("viewer@example.com", "Viewer123!")
            .await
            .unwrap();
        // The refresh token revoked while disabled stays revoked.
        assert!(auth.refresh(&tokens.refresh_token).await.is_err());
        let actions = last_actions(&world, 2).await;
        assert_eq!(
            actions,
            ["user.enable", "session.sign_in"],
            "{}",
            world.label
        );
    }
}

#[tokio::test]
async fn the_last_active_admin_can_be_neither_demoted_nor_disabled() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let users = &world.services.users;
        let me = users.list(&world.admin, "admin@").await.unwrap().remove(0);
        let demote = UserUpdate {
            display_name: me.display_name.clone(),
            role: "editor".into(),
            attributes: me.attributes.clone(),
            version: me.version,
        };
        let err = users
            .update(&world.admin, me.id, demote.clone())
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::Conflict(message) if message.contains("last active Admin")),
            "{}: {err:?}",
            world.label
        );
        // Nothing of the refused change remains.
        let unchanged = users.list(&world.admin, "admin@").await.unwrap().remove(0);
        assert_eq!(unchanged, me);
        let err = users
            .set_active(&world.admin, me.id, false)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)), "{err:?}");

        // A second admin makes the first one removable, and the second then the last.
        let second = users
            .create(
                &world.admin,
                new_user("second@example.com", Role::Admin, Some("Second123!")),
            )
            .await
            .unwrap()
            .user;
        users.update(&world.admin, me.id, demote).await.unwrap();
        let second_session = world
            .services
            .auth
            .login("second@example.com", "Second123!")
            .await
            .unwrap()
            .user;
        let err = users
            .set_active(&second_session, second.id, false)
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Conflict(_)));
        // The demoted first admin may no longer manage users.
        let demoted = world
            .services
            .auth
            .login("admin@example.com", "Admin123!")
            .await
            .unwrap()
            .user;
        assert!(matches!(
            users.list(&demoted, "").await,
            Err(Error::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn another_organizations_users_do_not_exist_for_an_admin() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let users = &world.services.users;
        let other_org = users.ensure_organization("Elsewhere").await.unwrap();
        let stranger = users
            .ensure_user(
                &Actor::System,
                other_org,
                crate::users::NewUser {
                    email: "admin@elsewhere.example".into(),
                    display_name: "Elsewhere admin".into(),
                    password: "Elsewhere123!".into(),
                    role: Role::Admin,
                },
            )
            .await
            .unwrap();
        assert!(
            users
                .list(&world.admin, "elsewhere")
                .await
                .unwrap()
                .is_empty()
        );
        let update = UserUpdate {
            display_name: "Taken over".into(),
            role: "viewer".into(),
            attributes: UserAttributes::new(),
            version: 1,
        };
        for err in [
            users
                .update(&world.admin, stranger.id, update)
                .await
                .unwrap_err(),
            users
                .set_active(&world.admin, stranger.id, false)
                .await
                .unwrap_err(),
            users
                .password_link(&world.admin, stranger.id)
                .await
                .unwrap_err(),
            users
                .set_active(&world.admin, UserId(999_999), false)
                .await
                .unwrap_err(),
        ] {
            assert!(
                matches!(err, Error::NotFound("user")),
                "{}: {err:?}",
                world.label
            );
        }
        // Viewers may not manage users at all.
        assert!(matches!(
            users.list(&world.viewer, "").await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            users
                .create(&world.viewer, new_user("x@example.com", Role::Admin, None))
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn a_reset_link_replaces_older_ones_expires_and_ends_other_sessions_when_used() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let users = &world.services.users;
        let auth = &world.services.auth;
        let first = users
            .password_link(&world.admin, world.viewer.id)
            .await
            .unwrap();
        let second = users
            .password_link(&world.admin, world.viewer.id)
            .await
            .unwrap();
        let set = |link: &domain::users::PasswordLink| SetPassword {
            token: token_of(&link.path),
            password: "Renewed123!".into(),
        };
        assert!(users.set_password(set(&first)).await.is_err(), "replaced");
        // The old password keeps working until the link is used.
        auth.login("viewer@example.com", "Viewer123!")
            .await
            .unwrap();
        world.clock.advance(chrono::Duration::hours(73));
        assert!(users.set_password(set(&second)).await.is_err(), "expired");
        let session = auth
            .login("viewer@example.com", "Viewer123!")
            .await
            .unwrap();
        let third = users
            .password_link(&world.admin, world.viewer.id)
            .await
            .unwrap();
        users.set_password(set(&third)).await.unwrap();
        assert!(
            matches!(
                auth.refresh(&session.refresh_token).await,
                Err(Error::Unauthenticated)
            ),
            "{}: other sessions end",
            world.label
        );
        assert!(
            auth.login("viewer@example.com", "Viewer123!")
                .await
                .is_err()
        );
        auth.login("viewer@example.com", "Renewed123!")
            .await
            .unwrap();
    }
}
