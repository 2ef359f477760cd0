//! Grants on one page or one tool, enforced in the services: a page shared with a group
//! does not exist for anyone else, a grant gives no more than the role allows, nobody shuts
//! themselves out, a tool shared for use keeps others from binding or managing it.

use domain::{
    audit::AuditQuery,
    dto::SaveDraft,
    grants::{AccessUpdate, GrantInput},
    scim::NewGroup,
};
use sea_orm::{ActiveModelTrait, Set};

use super::*;
use crate::entities::group_member;

/// The person as their next request sees them (with their groups).
async fn signed_in(world: &World, email: &str) -> SessionUser {
    let auth = &world.services.auth;
    let tokens = auth.login(email, "Password123!").await.unwrap();
    auth.authenticate(&tokens.access_token).await.unwrap()
}

fn update(grants: &[(&str, &str)], base_revision: i32) -> AccessUpdate {
    AccessUpdate {
        grants: grants
            .iter()
            .map(|(grantee, right)| GrantInput {
                grantee: (*grantee).into(),
                right: (*right).into(),
            })
            .collect(),
        base_revision,
    }
}

async fn finance_group(world: &World, members: &[&SessionUser]) -> String {
    let group = world
        .services
        .scim
        .add_group(
            &world.admin,
            NewGroup {
                display_name: "Finance".into(),
                external_id: "finance-object-id".into(),
                role: None,
            },
        )
        .await
        .unwrap();
    for member in members {
        group_member::ActiveModel {
            group_id: Set(group.id),
            user_id: Set(member.id.get()),
        }
        .insert(&world.services.db)
        .await
        .unwrap();
    }
    format!("group:{}", group.id)
}

fn listed(pages: &[domain::dto::PageSummary], slug: &str) -> bool {
    pages.iter().any(|page| page.slug == slug)
}

#[tokio::test]
async fn a_page_shared_with_a_group_exists_only_for_its_members_and_admins() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let pages = &world.services.pages;
        let member = user(&world, "member@example.com", "member", Role::Editor).await;
        let outsider = user(&world, "outsider@example.com", "outsider", Role::Editor).await;
        let group = finance_group(&world, &[&member]).await;
        let member = signed_in(&world, "member@example.com").await;
        let created = pages
            .create(&world.admin, page("finance-close", json!([]), true))
            .await
            .unwrap();
        assert!(listed(
            &pages.list_for(&world.viewer).await.unwrap(),
            "finance-close"
        ));

        let before = pages.access(&world.admin, created.id).await.unwrap();
        assert!(before.grants.is_empty(), "{label}");
        assert!(
            before
                .choices
                .iter()
                .any(|choice| choice.key == group && choice.kind == "Group"),
            "{label}: {:?}",
            before.choices
        );
        let shared = pages
            .set_access(&world.admin, created.id, update(&[(&group, "edit")], 0))
            .await
            .unwrap();
        assert_eq!(
            (
                shared.revision,
                shared.grants.len(),
                shared.grants[0].right.as_str()
            ),
            (1, 1, "edit"),
            "{label}"
        );

        // Everyone outside the group: not listed, not found.
        for stranger in [&world.viewer, &outsider] {
            assert!(!listed(
                &pages.list_for(stranger).await.unwrap(),
                "finance-close"
            ));
            assert!(matches!(
                pages
                    .render_by_slug(stranger, "finance-close", false, false)
                    .await,
                Err(Error::NotFound("page"))
            ));
        }
        assert!(matches!(
            pages.draft(&outsider, created.id).await,
            Err(Error::NotFound("page"))
        ));
        let saved_by_outsider = pages
            .save_draft(
                &outsider,
                created.id,
                SaveDraft {
                    definition: json!({"schema_version": 1, "layout": {"widgets": []}}),
                    base_revision: 99,
                },
            )
            .await;
        assert!(
            matches!(saved_by_outsider, Err(Error::NotFound("page"))),
            "{label}: an outsider learns nothing, not even that the revision is stale"
        );

        // The member may view and edit, not publish: Edit is what the grant gives.
        assert!(listed(
            &pages.list_for(&member).await.unwrap(),
            "finance-close"
        ));
        pages
            .render_by_slug(&member, "finance-close", false, false)
            .await
            .unwrap();
        let draft = pages.draft(&member, created.id).await.unwrap();
        assert!(matches!(
            pages.publish(&member, created.id, draft.revision).await,
            Err(Error::Forbidden(domain::Action::PublishPage))
        ));
        assert!(matches!(
            pages.set_access(&member, created.id, update(&[], 1)).await,
            Err(Error::Forbidden(domain::Action::PublishPage))
        ));
        // A copy keeps the grants: copying does not open a private page.
        let copy = pages.duplicate(&member, created.id).await.unwrap();
        assert!(
            !listed(&pages.list_for(&outsider).await.unwrap(), &copy.slug),
            "{label}"
        );
        // Admins keep every page.
        pages
            .publish(&world.admin, created.id, draft.revision)
            .await
            .unwrap();

        // The audit trail says who may use it, in words.
        let trail = world
            .services
            .audit
            .list(
                &world.admin,
                &AuditQuery {
                    action: "page.access".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(trail.records.len(), 1, "{label}");
        let words = trail.records[0].changes.join(" | ");
        assert!(
            words.contains("Finance (Group)") && words.contains("Edit"),
            "{label}: {words}"
        );

        // Back to the roles: everyone who may view pages sees it again.
        pages
            .set_access(&world.admin, created.id, update(&[], 1))
            .await
            .unwrap();
        assert!(listed(
            &pages.list_for(&world.viewer).await.unwrap(),
            "finance-close"
        ));
    }
}

#[tokio::test]
async fn grants_are_checked_before_they_are_kept() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let pages = &world.services.pages;
        let editor = user(&world, "editor@example.com", "editor", Role::Editor).await;
        let created = pages
            .create(&editor, page("ops-review", json!([]), false))
            .await
            .unwrap();
        let me = format!("user:{}", editor.id);

        let unknown = pages
            .set_access(
                &editor,
                created.id,
                update(&[("group:9999", "view"), (&me, "own")], 0),
            )
            .await;
        let Err(Error::Validation(issues)) = unknown else {
            panic!("{label}: {unknown:?}")
        };
        let paths: Vec<&str> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(paths, ["grants[1].right"], "{label}");
        let unknown = pages
            .set_access(&editor, created.id, update(&[("group:9999", "view")], 0))
            .await;
        let Err(Error::Validation(issues)) = unknown else {
            panic!("{label}: {unknown:?}")
        };
        assert_eq!(issues[0].path, "grants[0].grantee", "{label}");

        // Sharing the page only with viewers would shut its editor out.
        let locked = pages
            .set_access(
                &editor,
                created.id,
                update(&[("role:viewer", "publish")], 0),
            )
            .await;
        let Err(Error::Validation(issues)) = locked else {
            panic!("{label}: {locked:?}")
        };
        assert!(issues[0].message.contains("lose access"), "{label}");

        // A grant gives no more than the role: the screen says so.
        let shared = pages
            .set_access(
                &editor,
                created.id,
                update(&[(&me, "publish"), ("role:viewer", "publish")], 0),
            )
            .await
            .unwrap();
        let viewer_grant = shared
            .grants
            .iter()
            .find(|grant| grant.grantee.key == "role:viewer")
            .unwrap();
        assert!(
            viewer_grant
                .note
                .as_deref()
                .unwrap_or("")
                .contains("no more than “View”"),
            "{label}: {:?}",
            viewer_grant.note
        );
        assert!(matches!(
            pages.draft(&world.viewer, created.id).await,
            Err(Error::Forbidden(domain::Action::EditPage))
        ));

        // Someone who opened the old grants loses the race with a clear conflict.
        let stale = pages
            .set_access(&world.admin, created.id, update(&[], 0))
            .await;
        assert!(
            matches!(stale, Err(Error::Conflict(_))),
            "{label}: {stale:?}"
        );
    }
}

#[tokio::test]
async fn a_tool_shared_for_use_keeps_others_from_binding_or_managing_it() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let (pages, tools) = (&world.services.pages, &world.services.tools);
        let allowed = user(&world, "allowed@example.com", "allowed", Role::Editor).await;
        let other = user(&world, "other@example.com", "other", Role::Editor).await;
        let integrator = user(
            &world,
            "integrator@example.com",
            "integrator",
            Role::Integrator,
        )
        .await;
        let ops = tools
            .id_of(world.admin.org_id, "ops")
            .await
            .unwrap()
            .unwrap();
        let shared = tools
            .set_access(
                &world.admin,
                ops,
                update(&[(&format!("user:{}", allowed.id), "use")], 0),
            )
            .await
            .unwrap();
        assert_eq!(shared.grants[0].right_label, "Use in pages", "{label}");

        // The builder offers the tool only to those who may use it.
        assert!(
            tools
                .readable_endpoints(&allowed)
                .await
                .unwrap()
                .contains_key("ops")
        );
        assert!(
            !tools
                .readable_endpoints(&other)
                .await
                .unwrap()
                .contains_key("ops")
        );
        let widgets = json!([kpi("runs", 0, "/runs", "length(runs)", 60)]);
        let refused = pages
            .create(&other, page("other-runs", widgets.clone(), false))
            .await;
        let Err(Error::Validation(issues)) = refused else {
            panic!("{label}: {refused:?}")
        };
        assert!(issues[0].message.contains("“ops”"), "{label}: {issues:?}");
        let request: domain::page::RequestSpec =
            serde_json::from_value(json!({"path": "/runs"})).unwrap();
        assert!(matches!(
            pages.mapper_answer(&other, "ops", &request, false).await,
            Err(Error::Forbidden(_))
        ));

        // The one allowed builds with it; others may still edit that page around it.
        let built = pages
            .create(&allowed, page("allowed-runs", widgets.clone(), false))
            .await
            .unwrap();
        let draft = pages.draft(&other, built.id).await.unwrap();
        let mut definition = serde_json::to_value(&draft.definition).unwrap();
        definition["layout"]["widgets"][0]["props"]["label"] = json!("Runs today");
        let saved = pages
            .save_draft(
                &other,
                built.id,
                SaveDraft {
                    definition: definition.clone(),
                    base_revision: draft.revision,
                },
            )
            .await
            .unwrap();
        // …but not point the tool's widget at something else.
        definition["layout"]["widgets"][0]["binding"]["request"]["path"] = json!("/secrets");
        let repointed = pages
            .save_draft(
                &other,
                built.id,
                SaveDraft {
                    definition: definition.clone(),
                    base_revision: saved.revision,
                },
            )
            .await;
        let Err(Error::Validation(issues)) = repointed else {
            panic!("{label}: {repointed:?}")
        };
        assert_eq!(issues[0].path, "definition.widgets.runs.tool", "{label}");
        // The builder's preview does not call it for them either.
        let hits = upstream.hits.load(std::sync::atomic::Ordering::SeqCst);
        let preview = pages.preview(&other, definition).await.unwrap();
        assert!(
            matches!(&preview.data["runs"], domain::dto::WidgetData::Failed { message } if message.contains("“ops”")),
            "{label}: {:?}",
            preview.data["runs"]
        );
        assert_eq!(
            upstream.hits.load(std::sync::atomic::Ordering::SeqCst),
            hits
        );

        // Managing it needs a Manage grant even for an Integrator.
        assert!(matches!(
            tools.details(&integrator, ops).await,
            Err(Error::Forbidden(domain::Action::ManageTools))
        ));
        assert!(matches!(
            tools.set_access(&integrator, ops, update(&[], 1)).await,
            Err(Error::Forbidden(domain::Action::ManageTools))
        ));
        tools
            .set_access(
                &world.admin,
                ops,
                update(&[(&format!("user:{}", integrator.id), "manage")], 1),
            )
            .await
            .unwrap();
        tools.details(&integrator, ops).await.unwrap();
        assert!(
            !tools
                .readable_endpoints(&allowed)
                .await
                .unwrap()
                .contains_key("ops")
        );
    }
}

#[tokio::test]
async fn reverting_grants_brings_the_old_ones_back_as_a_new_version() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let pages = &world.services.pages;
        let outsider = user(&world, "outsider@example.com", "outsider", Role::Editor).await;
        let group = finance_group(&world, &[]).await;
        let created = pages
            .create(&world.admin, page("month-end", json!([]), true))
            .await
            .unwrap();
        pages
            .set_access(&world.admin, created.id, update(&[(&group, "view")], 0))
            .await
            .unwrap();
        pages
            .set_access(&world.admin, created.id, update(&[], 1))
            .await
            .unwrap();

        let history = pages
            .access_history(&world.admin, created.id, Default::default())
            .await
            .unwrap();
        let listed: Vec<(i32, &str)> = history
            .versions
            .iter()
            .map(|version| (version.version, version.note.as_str()))
            .collect();
        assert_eq!(
            listed,
            [
                (2, "grants changed"),
                (1, "grants changed"),
                (0, "as it was before")
            ],
            "{label}"
        );
        let words = history.comparison.unwrap().changes.join(" | ");
        assert!(words.contains("Finance (Group)"), "{label}: {words}");

        let reverted = pages
            .revert_access(
                &world.admin,
                created.id,
                domain::versions::RevertRequest {
                    version: 1,
                    base_revision: 2,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (reverted.revision, reverted.grants[0].grantee.key.as_str()),
            (3, group.as_str()),
            "{label}"
        );
        assert!(
            !listed_for(&world, &world.viewer, "month-end").await,
            "{label}"
        );
        let history = pages
            .access_history(&world.admin, created.id, Default::default())
            .await
            .unwrap();
        assert_eq!(history.versions[0].note, "reverted to version 1", "{label}");

        let again = pages
            .revert_access(
                &world.admin,
                created.id,
                domain::versions::RevertRequest {
                    version: 0,
                    base_revision: 2,
                },
            )
            .await;
        assert!(
            matches!(again, Err(Error::Conflict(_))),
            "{label}: {again:?}"
        );
        let missing = pages
            .revert_access(
                &world.admin,
                created.id,
                domain::versions::RevertRequest {
                    version: 99,
                    base_revision: 3,
                },
            )
            .await;
        assert!(
            matches!(missing, Err(Error::NotFound(_))),
            "{label}: {missing:?}"
        );
        // The page is private again: its history does not exist for an outsider either.
        assert!(matches!(
            pages
                .access_history(&outsider, created.id, Default::default())
                .await,
            Err(Error::NotFound("page"))
        ));
    }
}

async fn listed_for(world: &World, who: &SessionUser, slug: &str) -> bool {
    listed(&world.services.pages.list_for(who).await.unwrap(), slug)
}
