//! Reading the audit trail: the organization's rows, filtered and paged on the server, each
//! with its change in words and its JSON Patch, and the same rows exported as CSV or JSON.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use domain::{
    Action, ValidationIssue,
    access::{Resource, ResourceKind},
    audit::{AUDIT_PAGE_SIZE, AuditAction, AuditPage, AuditQuery, AuditRecord},
    change_words,
    dto::SessionUser,
};
use sea_orm::{ColumnTrait, DatabaseConnection, PaginatorTrait, QueryFilter, QueryOrder, Select};
use serde_json::Value;

use crate::{Error, Result, change::Changes, entities::audit_log, scoped};

/// Most rows one export holds; narrow the filters for more.
pub const MAX_EXPORT_ROWS: u64 = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "csv" => Some(ExportFormat::Csv),
            "json" => Some(ExportFormat::Json),
            _ => None,
        }
    }
}

/// A file ready to download.
pub struct Export {
    pub content_type: &'static str,
    pub file_name: String,
    pub body: Vec<u8>,
}

#[derive(Clone)]
pub struct AuditService {
    db: DatabaseConnection,
    changes: Changes,
}

/// The filters of a query, checked.
struct Filter {
    resource_type: Option<ResourceKind>,
    resource_id: Option<String>,
    actor: Option<String>,
    action: Option<AuditAction>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
}

fn trail_of(actor: &SessionUser) -> Resource {
    Resource::new(ResourceKind::Audit, actor.org_id)
}

fn set(value: &str) -> Option<&str> {
    Some(value.trim()).filter(|value| !value.is_empty())
}

fn day(field: &str, value: &str, issues: &mut Vec<ValidationIssue>) -> Option<NaiveDate> {
    let value = set(value)?;
    match NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            issues.push(ValidationIssue::new(
                field,
                format!("use a date such as 2026-12-01 (got \"{value}\")"),
            ));
            None
        }
    }
}

impl Filter {
    fn parse(query: &AuditQuery) -> Result<Self> {
        let mut issues = Vec::new();
        let resource_type = set(&query.resource_type).and_then(|value| {
            let kind = ResourceKind::parse(value);
            if kind.is_none() {
                issues.push(ValidationIssue::new(
                    "resource_type",
                    format!("there is no resource type \"{value}\""),
                ));
            }
            kind
        });
        let action = set(&query.action).and_then(|value| {
            let action = AuditAction::parse(value);
            if action.is_none() {
                issues.push(ValidationIssue::new(
                    "action",
                    format!("there is no action \"{value}\""),
                ));
            }
            action
        });
        let from = day("from", &query.from, &mut issues).map(|date| date.and_time(NaiveTime::MIN));
        let to = day("to", &query.to, &mut issues)
            .and_then(|date| date.succ_opt())
            .map(|date| date.and_time(NaiveTime::MIN));
        if let (Some(from), Some(to)) = (from, to)
            && from >= to
        {
            issues.push(ValidationIssue::new(
                "to",
                "the end date is before the start date",
            ));
        }
        if !issues.is_empty() {
            return Err(Error::Validation(issues));
        }
        Ok(Filter {
            resource_type,
            resource_id: set(&query.resource_id).map(str::to_owned),
            actor: set(&query.actor).map(str::to_lowercase),
            action,
            from: from.map(|time| time.and_utc()),
            to: to.map(|time| time.and_utc()),
        })
    }

    fn select(&self, actor: &SessionUser) -> Select<audit_log::Entity> {
        let mut select = scoped::all_in::<audit_log::Entity>(actor.org_id);
        if let Some(kind) = self.resource_type {
            select = select.filter(audit_log::Column::ResourceType.eq(kind.as_str()));
        }
        if let Some(id) = &self.resource_id {
            select = select.filter(audit_log::Column::ResourceId.eq(id));
        }
        if let Some(actor) = &self.actor {
            select = select.filter(audit_log::Column::ActorEmail.contains(actor));
        }
        if let Some(action) = self.action {
            select = select.filter(audit_log::Column::Action.eq(action.as_str()));
        }
        if let Some(from) = self.from {
            select = select.filter(audit_log::Column::CreatedAt.gte(from));
        }
        if let Some(to) = self.to {
            select = select.filter(audit_log::Column::CreatedAt.lt(to));
        }
        select
            .order_by_desc(audit_log::Column::CreatedAt)
            .order_by_desc(audit_log::Column::Id)
    }
}

fn record(row: audit_log::Model) -> AuditRecord {
    let before = row.before_state.unwrap_or(Value::Null);
    let after = row.after_state.unwrap_or(Value::Null);
    AuditRecord {
        id: row.id,
        seq: row.seq,
        at: row.created_at,
        changes: change_words::describe(&before, &after),
        action_label: AuditAction::parse(&row.action)
            .map(AuditAction::label)
            .unwrap_or("changed")
            .to_owned(),
        actor: row.actor_email,
        actor_kind: row.actor_kind,
        action: row.action,
        resource_type: row.resource_type,
        resource_id: row.resource_id,
        patch: row.diff.unwrap_or(Value::Array(Vec::new())),
    }
}

impl AuditService {
    pub fn new(db: DatabaseConnection, changes: Changes) -> Self {
        Self { db, changes }
    }

    /// One page of the organization's trail, newest first.
    pub async fn list(&self, actor: &SessionUser, query: &AuditQuery) -> Result<AuditPage> {
        crate::authorize(actor, Action::ReadAudit, trail_of(actor))?;
        let filter = Filter::parse(query)?;
        let paginator = filter
            .select(actor)
            .paginate(&self.db, u64::from(AUDIT_PAGE_SIZE));
        let counts = paginator.num_items_and_pages().await?;
        let pages = u32::try_from(counts.number_of_pages.max(1)).unwrap_or(u32::MAX);
        let page = query.page.unwrap_or(1).clamp(1, pages);
        let rows = paginator.fetch_page(u64::from(page - 1)).await?;
        Ok(AuditPage {
            records: rows.into_iter().map(record).collect(),
            total: counts.number_of_items,
            page,
            pages,
        })
    }

    /// Every row matching the filters (up to [`MAX_EXPORT_ROWS`]) as a file.
    pub async fn export(
        &self,
        actor: &SessionUser,
        query: &AuditQuery,
        format: Option<ExportFormat>,
    ) -> Result<Export> {
        crate::authorize(actor, Action::ReadAudit, trail_of(actor))?;
        let format = format.ok_or_else(|| Error::validation("format", "choose csv or json"))?;
        let filter = Filter::parse(query)?;
        let select = filter.select(actor);
        let count = select.clone().count(&self.db).await?;
        if count > MAX_EXPORT_ROWS {
            return Err(Error::validation(
                "from",
                &format!(
                    "{count} rows match; an export holds at most {MAX_EXPORT_ROWS}: narrow the dates"
                ),
            ));
        }
        let records: Vec<AuditRecord> = select
            .all(&self.db)
            .await?
            .into_iter()
            .map(record)
            .collect();
        let stem = format!("audit-{}", self.changes.now().format("%Y%m%d-%H%M%S"));
        match format {
            ExportFormat::Json => Ok(Export {
                content_type: "application/json",
                file_name: format!("{stem}.json"),
                body: serde_json::to_vec_pretty(&records)
                    .map_err(|err| Error::internal_from("audit export", err))?,
            }),
            ExportFormat::Csv => Ok(Export {
                content_type: "text/csv; charset=utf-8",
                file_name: format!("{stem}.csv"),
                body: csv_of(&records)?,
            }),
        }
    }
}

fn csv_of(records: &[AuditRecord]) -> Result<Vec<u8>> {
    let failed = |err: csv::Error| Error::internal_from("audit export", err);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record([
            "id",
            "seq",
            "time",
            "actor",
            "action",
            "what",
            "resource_type",
            "resource_id",
            "changes",
            "json_patch",
        ])
        .map_err(failed)?;
    for record in records {
        writer
            .write_record([
                record.id.to_string(),
                record.seq.map(|seq| seq.to_string()).unwrap_or_default(),
                record.at.to_rfc3339(),
                spreadsheet_safe(&record.actor),
                record.action.clone(),
                record.action_label.clone(),
                record.resource_type.clone(),
                spreadsheet_safe(&record.resource_id),
                spreadsheet_safe(&record.changes.join("\n")),
                spreadsheet_safe(&record.patch.to_string()),
            ])
            .map_err(failed)?;
    }
    writer
        .into_inner()
        .map_err(|err| Error::internal_from("audit export", err.into_error()))
}

/// Text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR) starts with a
/// quote instead, so opening the export never executes what someone typed.
fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_safe;

    #[test]
    fn formulas_in_exported_text_are_defused() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-2+3", "@SUM(A1)", "\tx"] {
            assert_eq!(spreadsheet_safe(formula), format!("'{formula}"));
        }
        assert_eq!(spreadsheet_safe("page.publish"), "page.publish");
    }
}
