//! Approvals: an organization setting that makes publishing need approval, and the requests
//! to publish one revision of a page with their decisions.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    RequireApproval,
}

#[derive(DeriveIden)]
enum Pages {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum ApprovalRequests {
    Table,
    Id,
    OrgId,
    PageId,
    Revision,
    Definition,
    Title,
    Note,
    RequestedBy,
    RequestedAt,
    Status,
    DecidedBy,
    DecidedAt,
    Comment,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .add_column(boolean(Organizations::RequireApproval).default(false))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ApprovalRequests::Table)
                    .col(pk_auto(ApprovalRequests::Id))
                    .col(integer(ApprovalRequests::OrgId))
                    .col(integer(ApprovalRequests::PageId))
                    .col(integer(ApprovalRequests::Revision))
                    .col(json(ApprovalRequests::Definition))
                    .col(string(ApprovalRequests::Title))
                    .col(text(ApprovalRequests::Note))
                    .col(integer(ApprovalRequests::RequestedBy))
                    .col(timestamp_with_time_zone(ApprovalRequests::RequestedAt))
                    .col(string(ApprovalRequests::Status))
                    .col(integer_null(ApprovalRequests::DecidedBy))
                    .col(timestamp_with_time_zone_null(ApprovalRequests::DecidedAt))
                    .col(text_null(ApprovalRequests::Comment))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_requests_org")
                            .from(ApprovalRequests::Table, ApprovalRequests::OrgId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_approval_requests_page")
                            .from(ApprovalRequests::Table, ApprovalRequests::PageId)
                            .to(Pages::Table, Pages::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_approval_requests_page")
                    .table(ApprovalRequests::Table)
                    .col(ApprovalRequests::PageId)
                    .col(ApprovalRequests::Status)
                    .to_owned(),
            )
            .await
    }
}
