//! Changes that run at the same moment: each one waits for the other instead of failing. On
//! SQLite a change's transaction takes the write lock when it begins, so two changes that
//! read before they write never deadlock on upgrading their locks ("database is locked").

use domain::scim::NewGroup;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changes_that_read_before_they_write_can_run_at_the_same_moment() {
    let upstream = upstream().await;
    for world in worlds(&upstream.base_url).await {
        let label = world.label;
        let add = |n: usize| {
            let (scim, admin) = (world.services.scim.clone(), world.admin.clone());
            tokio::spawn(async move {
                scim.add_group(
                    &admin,
                    NewGroup {
                        display_name: format!("Team {n}"),
                        external_id: format!("team-{n}"),
                        role: None,
                    },
                )
                .await
            })
        };
        let running: Vec<_> = (0..12).map(add).collect();
        for (n, handle) in running.into_iter().enumerate() {
            let outcome = handle.await.unwrap();
            assert!(outcome.is_ok(), "{label}: group {n}: {outcome:?}");
        }
        let groups = world.services.scim.list_groups(&world.admin).await.unwrap();
        assert_eq!(groups.len(), 12, "{label}");
    }
}
