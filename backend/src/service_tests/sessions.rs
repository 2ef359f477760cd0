//! Who a request is: current role and status on every request, sign-in throttling, and
//! organization-scoped event streams.

use std::net::IpAddr;

use futures::StreamExt;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

use super::*;
use crate::{ToolEvent, entities::user};

async fn set_user(world: &World, id: i32, change: impl FnOnce(&mut user::ActiveModel)) {
    let mut row = user::Entity::find_by_id(id)
        .one(&world.services.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    change(&mut row);
    row.update(&world.services.db).await.unwrap();
}

#[tokio::test]
async fn a_demoted_or_disabled_user_loses_rights_with_a_still_valid_token() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let auth = &world.services.auth;
        let tokens = auth.login("admin@example.com", "Admin123!").await.unwrap();
        set_user(&world, world.admin.id.get(), |row| {
            row.role = Set("viewer".into())
        })
        .await;
        let demoted = auth.authenticate(&tokens.access_token).await.unwrap();
        assert_eq!(demoted.role, Role::Viewer, "{}: role read now", world.label);
        assert!(matches!(
            world.services.tools.list(&demoted).await,
            Err(Error::Forbidden(_))
        ));
        set_user(&world, world.admin.id.get(), |row| row.active = Set(false)).await;
        assert!(
            matches!(
                auth.authenticate(&tokens.access_token).await,
                Err(Error::Unauthenticated)
            ),
            "{}: disabled",
            world.label
        );
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_until_the_window_passes() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let auth = &world.services.auth;
        let address: IpAddr = "198.51.100.7".parse().unwrap();
        for _ in 0..5 {
            let err = auth
                .login_from("admin@example.com", "wrong", Some(address))
                .await
                .unwrap_err();
            assert!(matches!(err, Error::InvalidCredentials), "{}", world.label);
        }
        let locked = auth
            .login_from("admin@example.com", "Admin123!", Some(address))
            .await
            .unwrap_err();
        let Error::TooManyAttempts {
            retry_after_seconds,
        } = locked
        else {
            panic!("{}: expected a lock-out, got {locked:?}", world.label);
        };
        assert_eq!(retry_after_seconds, 15 * 60);
        assert_eq!(locked.to_body().code, ErrorCode::TooManyRequests);
        assert_eq!(locked.to_body().retry_after_seconds, Some(900));
        // Another account from elsewhere is not affected.
        auth.login("viewer@example.com", "Viewer123!")
            .await
            .unwrap();
        world.clock.advance(chrono::Duration::minutes(15));
        auth.login_from("admin@example.com", "Admin123!", Some(address))
            .await
            .expect("the window has passed");
    }
}

#[tokio::test]
async fn event_streams_carry_only_the_subscribers_organization() {
    let upstream = upstream().await;
    let world = worlds(&upstream.base_url).await.remove(0);
    let stream = world.services.subscribe(&world.viewer).unwrap();
    futures::pin_mut!(stream);
    let other_org = domain::ids::OrgId(world.viewer.org_id.get() + 1);
    for (org_id, tool) in [(other_org, "theirs"), (world.viewer.org_id, "ours")] {
        world
            .services
            .events
            .send(ToolEvent {
                org_id,
                tool: tool.into(),
            })
            .unwrap();
    }
    let first = stream.next().await.unwrap();
    assert_eq!(first.tool, "ours");
    assert_eq!(first.org_id, world.viewer.org_id);
}
