//! Approvals: with the setting on nobody publishes directly; someone else approves the exact
//! revision asked for, and a rejection's comment reaches the requester.

use domain::{
    ErrorCode,
    approvals::{ApprovalAsk, ApprovalDecision, ApprovalStatus, PublishingSettings},
    dto::SaveDraft,
};

use super::*;

async fn editor(world: &World) -> SessionUser {
    world
        .services
        .users
        .ensure_user(
            &Actor::User(world.admin.clone()),
            world.admin.org_id,
            NewUser {
                email: "editor@example.com".into(),
                display_name: "Eddie Editor".into(),
                password: "Editor123!".into(),
                role: Role::Editor,
            },
        )
        .await
        .unwrap()
}

fn text_page(slug: &str, text: &str) -> NewPage {
    page(
        slug,
        json!([{"id": "t", "type": "text", "props": {"text": text},
                "position": {"desktop": {"x": 0, "y": 0, "w": 4, "h": 2}}}]),
        false,
    )
}

async fn approval_required(world: &World) {
    world
        .services
        .pages
        .set_publishing_settings(
            &world.admin,
            PublishingSettings {
                require_approval: true,
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn someone_else_approves_the_requested_revision_and_viewers_see_it() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let eddie = editor(&world).await;
        approval_required(&world).await;
        let created = pages
            .create(&eddie, text_page("reviewed", "hello"))
            .await
            .unwrap();
        let direct = pages.publish(&eddie, created.id, created.version).await;
        assert!(
            matches!(&direct, Err(Error::Conflict(message)) if message.contains("needs approval")),
            "{}: {direct:?}",
            world.label
        );
        let mut published_at_once = text_page("at-once", "x");
        published_at_once.publish = true;
        assert!(matches!(
            pages.create(&world.admin, published_at_once).await,
            Err(Error::Conflict(_))
        ));

        let asked = pages
            .request_approval(
                &eddie,
                created.id,
                ApprovalAsk {
                    base_revision: created.version,
                    note: "Ready for the Monday review".into(),
                },
            )
            .await
            .unwrap();
        assert_eq!(asked.status, ApprovalStatus::Pending);
        assert!(
            pages.approval_queue(&eddie).await.unwrap().is_empty(),
            "not one's own"
        );
        let queue = pages.approval_queue(&world.admin).await.unwrap();
        assert_eq!(queue.len(), 1, "{}", world.label);
        assert_eq!(queue[0].requested_by, "Eddie Editor");
        assert_eq!(queue[0].note, "Ready for the Monday review");
        assert!(
            !queue[0].changes.is_empty(),
            "the change against what viewers see"
        );

        let own = pages
            .decide(
                &eddie,
                asked.id,
                ApprovalDecision {
                    approve: true,
                    comment: String::new(),
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(&own, Error::Conflict(message) if message.contains("someone else")));
        let published = pages
            .decide(
                &world.admin,
                asked.id,
                ApprovalDecision {
                    approve: true,
                    comment: String::new(),
                },
            )
            .await
            .unwrap();
        assert_eq!(published.status, domain::dto::PageStatus::Published);
        let seen = pages
            .render_by_slug(&world.viewer, "reviewed", false, false)
            .await
            .unwrap();
        assert_eq!(seen.definition.layout.widgets.len(), 1);
        let listed = pages.list_for(&eddie).await.unwrap();
        let review = listed
            .iter()
            .find(|page| page.slug == "reviewed")
            .and_then(|page| page.review.clone())
            .unwrap();
        assert_eq!(
            (review.status, review.decided_by.as_deref()),
            (ApprovalStatus::Approved, Some("Admin"))
        );
        let again = pages
            .decide(
                &world.admin,
                asked.id,
                ApprovalDecision {
                    approve: true,
                    comment: String::new(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(again.to_body().code, ErrorCode::Conflict);
    }
}

#[tokio::test]
async fn a_changed_draft_cannot_be_approved_and_a_rejection_needs_a_comment() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        let eddie = editor(&world).await;
        approval_required(&world).await;
        let created = pages
            .create(&eddie, text_page("stale-review", "v1"))
            .await
            .unwrap();
        let asked = pages
            .request_approval(
                &eddie,
                created.id,
                ApprovalAsk {
                    base_revision: created.version,
                    note: String::new(),
                },
            )
            .await
            .unwrap();
        let draft = pages.draft(&eddie, created.id).await.unwrap();
        let mut definition = draft.definition.to_canonical_json();
        definition["layout"]["widgets"][0]["props"]["text"] = json!("v2, not reviewed");
        pages
            .save_draft(
                &eddie,
                created.id,
                SaveDraft {
                    definition,
                    base_revision: draft.revision,
                },
            )
            .await
            .unwrap();
        let stale = pages
            .decide(
                &world.admin,
                asked.id,
                ApprovalDecision {
                    approve: true,
                    comment: String::new(),
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&stale, Error::Conflict(message) if message.contains("request approval again")),
            "{}: {stale:?}",
            world.label
        );
        assert!(
            pages
                .render_by_slug(&world.viewer, "stale-review", false, false)
                .await
                .is_err(),
            "nothing was published"
        );
        let silent = pages
            .decide(
                &world.admin,
                asked.id,
                ApprovalDecision {
                    approve: false,
                    comment: "  ".into(),
                },
            )
            .await
            .unwrap_err();
        assert_eq!(silent.to_body().issues[0].path, "comment");
        pages
            .decide(
                &world.admin,
                asked.id,
                ApprovalDecision {
                    approve: false,
                    comment: "Numbers for Q4 are missing".into(),
                },
            )
            .await
            .unwrap();
        let review = pages
            .list_for(&eddie)
            .await
            .unwrap()
            .into_iter()
            .find(|page| page.slug == "stale-review")
            .and_then(|page| page.review)
            .unwrap();
        assert_eq!(review.status, ApprovalStatus::Rejected);
        assert_eq!(
            review.comment.as_deref(),
            Some("Numbers for Q4 are missing")
        );
        assert!(matches!(
            pages
                .request_approval(
                    &world.viewer,
                    created.id,
                    ApprovalAsk {
                        base_revision: 2,
                        note: String::new()
                    }
                )
                .await,
            Err(Error::Forbidden(_))
        ));
        assert!(
            pages
                .list_for(&world.viewer)
                .await
                .unwrap()
                .iter()
                .all(|page| page.review.is_none()),
            "viewers see pages, not reviews"
        );
    }
}
