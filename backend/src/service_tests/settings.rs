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
