//! The audit trail as a whole: one row per change with before and after, stamped by the
//! injected clock, hash-chained per organization, append-only in the database, and a verifier
//! that names the first row that was changed or removed behind the product's back.

use domain::{ErrorCode, access::Actor, dto::SaveDraft, ids::OrgId};
use sea_orm::{ConnectionTrait, DatabaseBackend, EntityTrait, QueryOrder};
use serde_json::json;

use super::{World, page, upstream, worlds};
use crate::{
    audit::{self, ChainBreak},
    entities::audit_log,
};

async fn rows(world: &World) -> Vec<audit_log::Model> {
    audit_log::Entity::find()
        .order_by_asc(audit_log::Column::Id)
        .all(&world.services.db)
        .await
        .unwrap()
}

/// Lifts the append-only triggers, as someone with direct database access could.
async fn drop_protection(world: &World) {
    let db = &world.services.db;
    let statements: &[&str] = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            &["ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only"]
        }
        _ => &[
            "DROP TRIGGER audit_logs_no_update",
            "DROP TRIGGER audit_logs_no_delete",
        ],
    };
    for statement in statements {
        db.execute_unprepared(statement).await.unwrap();
    }
}

/// A few changes of different kinds, so the chain has something to walk.
async fn some_changes(world: &World) {
    let pages = &world.services.pages;
    let created = pages
        .create(&world.admin, page("chained", json!([]), false))
        .await
        .unwrap();
    let draft = pages.draft(&world.admin, created.id).await.unwrap();
    let mut definition = draft.definition.to_canonical_json();
    definition["layout"]["widgets"] = json!([{"id": "t", "type": "text", "props": {"text": "hello"},
        "position": {"desktop": {"x": 0, "y": 0, "w": 4, "h": 2}}}]);
    pages
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
        .publish(&world.admin, created.id, draft.revision + 1)
        .await
        .unwrap();
}

#[tokio::test]
async fn every_change_is_one_chained_row_with_its_states_and_the_clock_time() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        world.clock.advance(chrono::Duration::minutes(5));
        let before = rows(&world).await.len();
        some_changes(&world).await;
        let all = rows(&world).await;
        let new = &all[before..];
        assert_eq!(
            new.iter()
                .map(|row| row.action.as_str())
                .collect::<Vec<_>>(),
            ["page.create", "page.save_draft", "page.publish"],
            "{}",
            world.label
        );
        let publish = &new[2];
        assert_eq!(publish.actor_kind, "user");
        assert_eq!(publish.actor_id, Some(world.admin.id.get()));
        assert_eq!(publish.before_state, Some(json!({})));
        assert_eq!(
            publish.after_state.as_ref().unwrap()["layout"]["widgets"][0]["props"]["text"],
            "hello"
        );
        let now = chrono::SubsecRound::trunc_subsecs(crate::clock::Clock::now(&world.clock), 6);
        assert_eq!(publish.created_at, now, "stamped by the injected clock");
        // One chain: seq counts up from 1 and each row links to the one before.
        let seqs: Vec<i64> = all.iter().map(|row| row.seq.unwrap()).collect();
        assert_eq!(seqs, (1..=all.len() as i64).collect::<Vec<_>>());
        for pair in all.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash, "{}", world.label);
        }
        assert_eq!(all[0].actor_kind, "system", "the organization came first");
        let report = audit::verify(&world.services.db).await.unwrap();
        assert_eq!(report.first_break, None, "{}", world.label);
        assert_eq!(report.rows_checked, all.len());
    }
}

#[tokio::test]
async fn a_row_changed_behind_the_products_back_is_named_by_the_verifier() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        some_changes(&world).await;
        let all = rows(&world).await;
        let target = &all[all.len() - 2];
        drop_protection(&world).await;
        let mut forged = target.after_state.clone().unwrap();
        forged["layout"]["widgets"][0]["props"]["text"] = json!("forged");
        audit_log::Entity::update(audit_log::ActiveModel {
            id: sea_orm::Set(target.id),
            after_state: sea_orm::Set(Some(forged)),
            ..Default::default()
        })
        .exec(&world.services.db)
        .await
        .unwrap();
        let report = audit::verify(&world.services.db).await.unwrap();
        assert_eq!(
            report.first_break,
            Some(ChainBreak {
                org_id: target.org_id,
                row_id: Some(target.id),
                seq: target.seq.unwrap(),
                problem: "its content does not match its hash (the row was changed)".into(),
            }),
            "{}",
            world.label
        );
    }
}

#[tokio::test]
async fn deleted_rows_in_the_middle_or_at_the_end_are_named_by_the_verifier() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        some_changes(&world).await;
        let all = rows(&world).await;
        drop_protection(&world).await;
        let last = all.last().unwrap();
        audit_log::Entity::delete_by_id(last.id)
            .exec(&world.services.db)
            .await
            .unwrap();
        let report = audit::verify(&world.services.db).await.unwrap();
        let broken = report.first_break.unwrap();
        assert_eq!(
            (broken.row_id, broken.seq),
            (None, last.seq.unwrap()),
            "{}: {}",
            world.label,
            broken.problem
        );
        assert!(broken.problem.contains("the last rows were deleted"));

        let middle = &all[2];
        audit_log::Entity::delete_by_id(middle.id)
            .exec(&world.services.db)
            .await
            .unwrap();
        let broken = audit::verify(&world.services.db)
            .await
            .unwrap()
            .first_break
            .unwrap();
        assert_eq!(
            (broken.row_id, broken.seq),
            (Some(all[3].id), all[3].seq.unwrap()),
            "{}",
            world.label
        );
        assert_eq!(broken.problem, "rows 3–3 are missing (deleted?)");
    }
}

#[tokio::test]
async fn the_database_refuses_to_update_or_delete_audit_rows() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let db = &world.services.db;
        for statement in [
            "UPDATE audit_logs SET action = 'page.delete'",
            "DELETE FROM audit_logs",
        ] {
            let err = db.execute_unprepared(statement).await.unwrap_err();
            assert!(
                err.to_string().contains("audit rows are append-only"),
                "{}: {statement}: {err}",
                world.label
            );
        }
        if db.get_database_backend() == DatabaseBackend::Postgres {
            let err = db
                .execute_unprepared("TRUNCATE audit_logs")
                .await
                .unwrap_err();
            assert!(err.to_string().contains("append-only"), "{err}");
        }
        assert!(!rows(&world).await.is_empty(), "{}", world.label);
    }
}

#[tokio::test]
async fn concurrent_changes_extend_one_chain_without_forks() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let creates = (0..8).map(|n| {
            let pages = world.services.pages.clone();
            let admin = world.admin.clone();
            tokio::spawn(async move {
                pages
                    .create(&admin, page(&format!("racing-{n}"), json!([]), false))
                    .await
            })
        });
        let mut created = 0;
        for outcome in futures::future::join_all(creates).await {
            match outcome.unwrap() {
                Ok(_) => created += 1,
                // SQLite may turn a writer away after its busy wait; nothing is half-written.
                Err(err) => assert_eq!(err.code(), ErrorCode::Conflict, "{}", world.label),
            }
        }
        assert!(created > 0);
        let report = audit::verify(&world.services.db).await.unwrap();
        assert_eq!(report.first_break, None, "{}", world.label);
        let page_rows = rows(&world)
            .await
            .into_iter()
            .filter(|row| row.action == "page.create")
            .count();
        assert_eq!(page_rows, created, "{}", world.label);
    }
}

#[tokio::test]
async fn a_change_that_fails_leaves_no_row_and_no_link() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let pages = &world.services.pages;
        pages
            .create(&world.admin, page("taken", json!([]), false))
            .await
            .unwrap();
        let before = rows(&world).await;
        let err = pages
            .create(&world.admin, page("taken", json!([]), false))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Conflict);
        assert_eq!(rows(&world).await, before, "{}", world.label);
        assert_eq!(
            audit::verify(&world.services.db).await.unwrap().first_break,
            None
        );
    }
}

#[tokio::test]
async fn only_the_system_creates_organizations_and_each_has_its_own_chain() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let other = world
            .services
            .users
            .ensure_organization("Second Org")
            .await
            .unwrap();
        assert_ne!(other, world.admin.org_id);
        let other_admin = world
            .services
            .users
            .ensure_user(
                &Actor::System,
                other,
                crate::users::NewUser {
                    email: "admin@second.example".into(),
                    display_name: "Second admin".into(),
                    password: "Second123!".into(),
                    role: domain::Role::Admin,
                },
            )
            .await
            .unwrap();
        // An admin of one organization cannot add users to another.
        let err = world
            .services
            .users
            .ensure_user(
                &Actor::User(world.admin.clone()),
                other,
                crate::users::NewUser {
                    email: "intruder@example.com".into(),
                    display_name: "Intruder".into(),
                    password: "Intruder123!".into(),
                    role: domain::Role::Admin,
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound, "{}", world.label);
        let second: Vec<_> = rows(&world)
            .await
            .into_iter()
            .filter(|row| OrgId(row.org_id) == other)
            .collect();
        assert_eq!(
            second
                .iter()
                .map(|row| (
                    row.seq.unwrap(),
                    row.action.as_str(),
                    row.actor_kind.as_str()
                ))
                .collect::<Vec<_>>(),
            [
                (1, "organization.create", "system"),
                (2, "user.create", "system")
            ]
        );
        assert_eq!(other_admin.org_id, other);
        let report = audit::verify(&world.services.db).await.unwrap();
        assert_eq!((report.organizations, report.first_break), (2, None));
    }
}

#[tokio::test]
async fn sign_ins_failed_sign_ins_and_sign_outs_are_on_the_trail() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let auth = &world.services.auth;
        let before = rows(&world).await.len();
        let address = "203.0.113.7".parse().ok();
        let tokens = auth
            .login_from("admin@example.com", "Admin123!", address)
            .await
            .unwrap();
        auth.login("admin@example.com", "not-the-password")
            .await
            .unwrap_err();
        // An unknown account belongs to no organization's trail.
        auth.login("ghost@example.com", "Whatever123!")
            .await
            .unwrap_err();
        auth.logout(&tokens.refresh_token).await.unwrap();
        auth.logout(&tokens.refresh_token).await.unwrap();
        let session: Vec<_> = rows(&world).await[before..]
            .iter()
            .map(|row| {
                (
                    row.action.clone(),
                    row.actor_kind.clone(),
                    row.actor_email.clone(),
                    row.resource_id.clone(),
                    row.after_state.clone(),
                )
            })
            .collect();
        let admin = world.admin.id.to_string();
        assert_eq!(
            session,
            [
                (
                    "session.sign_in".into(),
                    "user".into(),
                    "admin@example.com".into(),
                    admin.clone(),
                    Some(json!({"address": "203.0.113.7", "method": "password"}))
                ),
                (
                    "session.sign_in_failed".into(),
                    "anonymous".into(),
                    "admin@example.com".into(),
                    admin.clone(),
                    Some(json!({"address": null, "reason": "wrong password"}))
                ),
                (
                    "session.sign_out".into(),
                    "user".into(),
                    "admin@example.com".into(),
                    admin,
                    None
                ),
            ],
            "{}",
            world.label
        );
        assert!(auth.refresh(&tokens.refresh_token).await.is_err());
        assert_eq!(
            audit::verify(&world.services.db).await.unwrap().first_break,
            None
        );
    }
}
