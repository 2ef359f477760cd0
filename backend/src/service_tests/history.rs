//! A page's history: every saved state is a version, two compare in words, and reverting
//! writes the old state as a new version that viewers of a published page switch to.

use domain::{
    ErrorCode,
    dto::SaveDraft,
    versions::{CompareVersions, RevertRequest},
};

use super::*;

fn titled(title: &str) -> Value {
    json!([{"id": "tickets", "type": "text", "title": title, "props": {"text": "open"},
            "position": {"desktop": {"x": 0, "y": 0, "w": 4, "h": 2}}}])
}

/// A published page whose widget "Tickets" was renamed "Open tickets" and published again:
/// versions 1 (created and published), 2 (draft saved) and 3 (published).
async fn renamed_and_republished(world: &World, slug: &str) -> i32 {
    let pages = &world.services.pages;
    let created = pages
        .create(&world.admin, page(slug, titled("Tickets"), true))
        .await
        .unwrap();
    let draft = pages.draft(&world.admin, created.id).await.unwrap();
    let mut definition = draft.definition.to_canonical_json();
    definition["layout"]["widgets"] = titled("Open tickets");
    let saved = pages
        .save_draft(
            &world.admin,
            created.id,
            SaveDraft {
                definition,
                base_revision: draft.revision,
            },
        )
        .await
        .unwrap();
    pages
        .publish(&world.admin, created.id, saved.revision)
        .await
        .unwrap();
    created.id
}

async fn viewers_widget_title(world: &World, id: i32) -> Option<String> {
    let rendered = world
        .services
        .pages
        .render_by_id(&world.viewer, id, false, &Default::default())
        .await
        .unwrap();
    rendered.definition.layout.widgets[0].title.clone()
}

#[tokio::test]
async fn history_lists_every_saved_state_and_compares_two_in_words() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let id = renamed_and_republished(&world, "history").await;
        let pages = &world.services.pages;
        let history = pages
            .history(&world.admin, id, CompareVersions::default())
            .await
            .unwrap();
        let listed: Vec<(i32, &str, Option<&str>)> = history
            .versions
            .iter()
            .map(|v| (v.version, v.note.as_str(), v.by.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                (3, "published", Some("Admin")),
                (2, "draft saved", Some("Admin")),
                (1, "created and published", Some("Admin"))
            ],
            "{}",
            world.label
        );
        assert_eq!(history.live_version, Some(3));
        // By default the newest against the one before: publishing changed nothing.
        let default = history.comparison.unwrap();
        assert_eq!((default.from, default.to, default.changes.len()), (2, 3, 0));
        let chosen = pages
            .history(
                &world.admin,
                id,
                CompareVersions {
                    from: Some(1),
                    to: Some(3),
                },
            )
            .await
            .unwrap()
            .comparison
            .unwrap();
        assert_eq!(
            chosen.changes,
            ["Widget 'Open tickets' → title: 'Tickets' → 'Open tickets'"]
        );
        assert_eq!(
            chosen.patch,
            json!([{"op": "replace", "path": "/layout/widgets/0/title", "value": "Open tickets"}])
        );
        let missing = pages
            .history(
                &world.admin,
                id,
                CompareVersions {
                    from: Some(99),
                    to: None,
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(missing, Error::NotFound("version")), "{missing:?}");
        assert!(matches!(
            pages
                .history(&world.viewer, id, CompareVersions::default())
                .await,
            Err(Error::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn reverting_a_published_page_is_a_new_version_viewers_switch_to() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let id = renamed_and_republished(&world, "rollback").await;
        let pages = &world.services.pages;
        assert_eq!(
            viewers_widget_title(&world, id).await.as_deref(),
            Some("Open tickets")
        );
        let reverted = pages
            .revert(
                &world.admin,
                id,
                RevertRequest {
                    version: 1,
                    base_revision: 3,
                },
            )
            .await
            .unwrap();
        assert_eq!(reverted.version, 4, "{}", world.label);
        assert_eq!(
            viewers_widget_title(&world, id).await.as_deref(),
            Some("Tickets"),
            "{}: viewers see the old version",
            world.label
        );
        let history = pages
            .history(&world.admin, id, CompareVersions::default())
            .await
            .unwrap();
        assert_eq!(history.versions[0].version, 4);
        assert_eq!(history.versions[0].note, "reverted to version 1");
        assert_eq!(history.versions.len(), 4, "history is never rewritten");
        assert_eq!(history.live_version, Some(4));
        assert_eq!(
            history.comparison.unwrap().changes,
            ["Widget 'Tickets' → title: 'Open tickets' → 'Tickets'"]
        );
        let audit = world
            .services
            .audit
            .list(
                &world.admin,
                &domain::audit::AuditQuery {
                    action: "page.revert".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(audit.total, 1);
        assert!(
            audit.records[0]
                .changes
                .contains(&"Widget 'Tickets' → title: 'Open tickets' → 'Tickets'".to_owned()),
            "{:?}",
            audit.records[0].changes
        );
        // The revision moved on: an old screen's revert is refused, nothing changes.
        let stale = pages
            .revert(
                &world.admin,
                id,
                RevertRequest {
                    version: 3,
                    base_revision: 3,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(stale.to_body().code, ErrorCode::Conflict);
        assert_eq!(
            viewers_widget_title(&world, id).await.as_deref(),
            Some("Tickets")
        );
    }
}

#[tokio::test]
async fn a_revert_needs_a_page_and_version_of_ones_own_organization_and_the_right_role() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let id = renamed_and_republished(&world, "guarded").await;
        let pages = &world.services.pages;
        let revert = |version| RevertRequest {
            version,
            base_revision: 3,
        };
        assert!(matches!(
            pages.revert(&world.admin, id, revert(42)).await,
            Err(Error::NotFound("version"))
        ));
        assert!(matches!(
            pages.revert(&world.viewer, id, revert(1)).await,
            Err(Error::Forbidden(_))
        ));
        let other_org = world
            .services
            .users
            .ensure_organization("Other Org")
            .await
            .unwrap();
        let stranger = world
            .services
            .users
            .ensure_user(
                &Actor::System,
                other_org,
                NewUser {
                    email: "admin@other.example".into(),
                    display_name: "Other admin".into(),
                    password: "Other1234!".into(),
                    role: Role::Admin,
                },
            )
            .await
            .unwrap();
        assert!(matches!(
            pages.revert(&stranger, id, revert(1)).await,
            Err(Error::NotFound("page"))
        ));
        assert!(matches!(
            pages
                .history(&stranger, id, CompareVersions::default())
                .await,
            Err(Error::NotFound("page"))
        ));
        pages.delete(&world.admin, id).await.unwrap();
        assert!(matches!(
            pages.revert(&world.admin, id, revert(1)).await,
            Err(Error::NotFound("page"))
        ));
    }
}
