//! Versions of an organization's settings: every change of the publishing and single sign-on
//! settings is kept, two compare in words, and a revert sets old settings again as a new
//! version through the same checks as any change.

use domain::{
    approvals::PublishingSettings,
    sso::SsoOrganizationUpdate,
    versions::{CompareVersions, RevertRequest},
};

use super::*;

fn notes(history: &domain::versions::SettingsHistory) -> Vec<(i32, &str)> {
    history
        .versions
        .iter()
        .map(|version| (version.version, version.note.as_str()))
        .collect()
}

#[tokio::test]
async fn publishing_settings_keep_their_versions_and_revert() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let pages = &world.services.pages;
        for require_approval in [true, false] {
            pages
                .set_publishing_settings(&world.admin, PublishingSettings { require_approval })
                .await
                .unwrap();
        }
        let history = pages
            .publishing_history(&world.admin, CompareVersions::default())
            .await
            .unwrap();
        assert_eq!(
            notes(&history),
            [
                (2, "settings changed"),
                (1, "settings changed"),
                (0, "as it was before")
            ],
            "{label}"
        );
        let words = history.comparison.unwrap().changes.join(" | ");
        assert!(
            words.contains("require approval: true → false"),
            "{label}: {words}"
        );

        let reverted = pages
            .revert_publishing_settings(
                &world.admin,
                RevertRequest {
                    version: 1,
                    base_revision: 2,
                },
            )
            .await
            .unwrap();
        assert!(reverted.require_approval, "{label}");
        assert!(
            pages
                .publishing_settings(&world.admin)
                .await
                .unwrap()
                .require_approval
        );
        let history = pages
            .publishing_history(&world.admin, CompareVersions::default())
            .await
            .unwrap();
        assert_eq!(notes(&history)[0], (3, "reverted to version 1"), "{label}");
        let stale = pages
            .revert_publishing_settings(
                &world.admin,
                RevertRequest {
                    version: 0,
                    base_revision: 2,
                },
            )
            .await;
        assert!(
            matches!(stale, Err(Error::Conflict(_))),
            "{label}: {stale:?}"
        );
        assert!(matches!(
            pages
                .publishing_history(&world.viewer, CompareVersions::default())
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn single_sign_on_settings_keep_their_versions_and_revert_with_todays_checks() {
    const TENANT: &str = "3f2a9c1e-0b7d-4e55-9a41-7c1d2e3f4a5b";
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let sso = &world.services.sso;
        for tenant in [Some(TENANT), None] {
            sso.save_organization_settings(
                &world.admin,
                SsoOrganizationUpdate {
                    tenant_id: tenant.map(str::to_owned),
                    password_sign_in: true,
                },
            )
            .await
            .unwrap();
        }
        let history = sso
            .settings_history(&world.admin, CompareVersions::default())
            .await
            .unwrap();
        assert_eq!(history.revision, 2, "{label}");
        let reverted = sso
            .revert_settings(
                &world.admin,
                RevertRequest {
                    version: 1,
                    base_revision: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(reverted.tenant_id.as_deref(), Some(TENANT), "{label}");

        // Unlinked again, and another organization takes the tenant: bringing the old link
        // back is refused, and nothing is kept.
        sso.save_organization_settings(
            &world.admin,
            SsoOrganizationUpdate {
                tenant_id: None,
                password_sign_in: true,
            },
        )
        .await
        .unwrap();
        let other = super::sso::other_organization_admin(&world).await;
        sso.save_organization_settings(
            &other,
            SsoOrganizationUpdate {
                tenant_id: Some(TENANT.to_owned()),
                password_sign_in: true,
            },
        )
        .await
        .unwrap();
        let taken = sso
            .revert_settings(
                &world.admin,
                RevertRequest {
                    version: 1,
                    base_revision: 4,
                },
            )
            .await;
        assert!(matches!(taken, Err(Error::Taken(_))), "{label}: {taken:?}");
        let history = sso
            .settings_history(&world.admin, CompareVersions::default())
            .await
            .unwrap();
        assert_eq!(history.revision, 4, "{label}");
    }
}

#[tokio::test]
async fn the_roles_groups_grant_keep_their_versions_and_revert_in_one_change() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let scim = &world.services.scim;
        let group = |name: &str, role: Option<&str>| domain::scim::NewGroup {
            display_name: name.into(),
            external_id: format!("{name}-id"),
            role: role.map(str::to_owned),
        };
        let ops = scim
            .add_group(&world.admin, group("Ops", Some("integrator")))
            .await
            .unwrap();
        let finance = scim
            .add_group(&world.admin, group("Finance", None))
            .await
            .unwrap();
        scim.set_group_role(&world.admin, ops.id, Some("editor"))
            .await
            .unwrap();
        scim.set_group_role(&world.admin, finance.id, Some("viewer"))
            .await
            .unwrap();
        let history = scim
            .group_roles_history(&world.admin, CompareVersions::default())
            .await
            .unwrap();
        // A group added without a role changes nothing groups grant, so keeps no version.
        assert_eq!(
            notes(&history),
            [
                (3, "group role changed"),
                (2, "group role changed"),
                (1, "group role changed"),
                (0, "as it was before")
            ],
            "{label}"
        );
        let words = history.comparison.unwrap().changes.join(" | ");
        assert!(words.contains("Finance"), "{label}: {words}");

        let audit_rows = || async {
            audit_log::Entity::find()
                .filter(audit_log::Column::Action.eq("group.update"))
                .count(&world.services.db)
                .await
                .unwrap()
        };
        let rows_before = audit_rows().await;
        let groups = scim
            .revert_group_roles(
                &world.admin,
                RevertRequest {
                    version: 1,
                    base_revision: 3,
                },
            )
            .await
            .unwrap();
        let role_of = |name: &str| {
            groups
                .iter()
                .find(|group| group.display_name == name)
                .and_then(|group| group.role.clone())
        };
        assert_eq!(role_of("Ops").as_deref(), Some("integrator"), "{label}");
        assert_eq!(role_of("Finance"), None, "{label}");
        // Both groups changed in one change: one new version, a row per group.
        let history = scim
            .group_roles_history(&world.admin, CompareVersions::default())
            .await
            .unwrap();
        assert_eq!(notes(&history)[0], (4, "reverted to version 1"), "{label}");
        assert_eq!(history.versions.len(), 5, "{label}");
        assert_eq!(audit_rows().await, rows_before + 2, "{label}");

        let stale = scim
            .revert_group_roles(
                &world.admin,
                RevertRequest {
                    version: 2,
                    base_revision: 3,
                },
            )
            .await;
        assert!(
            matches!(stale, Err(Error::Conflict(_))),
            "{label}: {stale:?}"
        );
        assert!(matches!(
            scim.group_roles_history(&world.viewer, CompareVersions::default())
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}
