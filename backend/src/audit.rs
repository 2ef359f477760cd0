//! The audit trail: every change writes one row, in the same transaction as the change, with
//! the states before and after it (so it can be shown as a diff and reverted) and the JSON
//! Patch between them for display.
//!
//! Rows are append-only (database triggers refuse UPDATE and DELETE) and hash-chained per
//! organization: a row's hash covers its canonical content and the previous row's hash, and
//! the organization's head row holds the last `seq` and hash. Appends serialize on the head
//! row, so concurrent changes cannot fork the chain. [`verify`] walks every chain.

use chrono::{DateTime, Utc};
use domain::{access::Actor, audit::AuditAction, ids::OrgId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set, Statement,
    sea_query::{Expr, ExprTrait},
};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::entities::{audit_chain_head, audit_log};

mod trail;
pub use trail::{AuditService, Export, ExportFormat, MAX_EXPORT_ROWS};

/// The hash a chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub struct AuditEntry<'a> {
    pub org_id: OrgId,
    pub actor: &'a Actor,
    pub action: AuditAction,
    pub resource_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub at: DateTime<Utc>,
}

/// Appends `entry` to its organization's chain, on `conn` (the change's transaction).
pub(crate) async fn append(
    conn: &impl ConnectionTrait,
    entry: AuditEntry<'_>,
) -> Result<(), DbErr> {
    let org_id = entry.org_id.get();
    let backend = conn.get_database_backend();
    // The first row of an organization creates its head; every append then updates it first,
    // which takes the write lock (SQLite) or the row lock (PostgreSQL) until commit.
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DatabaseBackend::Postgres => {
                "INSERT INTO audit_chain_heads (org_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (org_id) DO NOTHING"
            }
            _ => "INSERT INTO audit_chain_heads (org_id, seq, hash) VALUES (?, 0, ?) ON CONFLICT (org_id) DO NOTHING",
        },
        [org_id.into(), GENESIS.into()],
    ))
    .await?;
    audit_chain_head::Entity::update_many()
        .col_expr(
            audit_chain_head::Column::Seq,
            Expr::col(audit_chain_head::Column::Seq).add(1),
        )
        .filter(audit_chain_head::Column::OrgId.eq(org_id))
        .exec(conn)
        .await?;
    let head = audit_chain_head::Entity::find_by_id(org_id)
        .one(conn)
        .await?
        .ok_or_else(|| {
            DbErr::RecordNotFound(format!("audit chain head of organization {org_id}"))
        })?;
    let before = entry.before.unwrap_or(Value::Null);
    let after = entry.after.unwrap_or(Value::Null);
    let diff = serde_json::to_value(json_patch::diff(&before, &after))
        .map_err(|err| DbErr::Custom(err.to_string()))?;
    let before = (before != Value::Null).then_some(before);
    let after = (after != Value::Null).then_some(after);
    let at = stored_time(entry.at);
    let actor_kind = entry.actor.kind().as_str();
    let actor_id = entry.actor.user_id().map(i32::from);
    let resource_type = entry.action.resource_kind().as_str();
    let hash = row_hash(&ChainedRow {
        org_id,
        seq: head.seq,
        prev_hash: &head.hash,
        at,
        actor_kind,
        actor_id,
        actor_label: entry.actor.label(),
        action: entry.action.as_str(),
        resource_type,
        resource_id: &entry.resource_id,
        before: before.as_ref(),
        after: after.as_ref(),
    });
    audit_log::ActiveModel {
        org_id: Set(org_id),
        actor_kind: Set(actor_kind.to_owned()),
        actor_id: Set(actor_id),
        actor_email: Set(entry.actor.label().to_owned()),
        action: Set(entry.action.as_str().to_owned()),
        resource_type: Set(resource_type.to_owned()),
        resource_id: Set(entry.resource_id),
        diff: Set(Some(diff)),
        before_state: Set(before),
        after_state: Set(after),
        created_at: Set(at),
        seq: Set(Some(head.seq)),
        prev_hash: Set(Some(head.hash)),
        hash: Set(Some(hash.clone())),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit_chain_head::Entity::update_many()
        .col_expr(audit_chain_head::Column::Hash, Expr::value(hash))
        .filter(audit_chain_head::Column::OrgId.eq(org_id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Times as both databases store them: to the microsecond.
fn stored_time(at: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    at.trunc_subsecs(6)
}

/// What a row's hash covers: everything but its database id and its own hash.
struct ChainedRow<'a> {
    org_id: i32,
    seq: i64,
    prev_hash: &'a str,
    at: DateTime<Utc>,
    actor_kind: &'a str,
    actor_id: Option<i32>,
    actor_label: &'a str,
    action: &'a str,
    resource_type: &'a str,
    resource_id: &'a str,
    before: Option<&'a Value>,
    after: Option<&'a Value>,
}

impl<'a> ChainedRow<'a> {
    fn of_stored(row: &'a audit_log::Model, seq: i64, prev_hash: &'a str) -> Self {
        ChainedRow {
            org_id: row.org_id,
            seq,
            prev_hash,
            at: row.created_at,
            actor_kind: &row.actor_kind,
            actor_id: row.actor_id,
            actor_label: &row.actor_email,
            action: &row.action,
            resource_type: &row.resource_type,
            resource_id: &row.resource_id,
            before: row.before_state.as_ref(),
            after: row.after_state.as_ref(),
        }
    }
}

/// SHA-256 over the row's canonical JSON (keys sorted, no whitespace), as hex.
fn row_hash(row: &ChainedRow<'_>) -> String {
    let content = serde_json::json!({
        "org_id": row.org_id,
        "seq": row.seq,
        "prev_hash": row.prev_hash,
        "at": row.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        "actor_kind": row.actor_kind,
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "action": row.action,
        "resource_type": row.resource_type,
        "resource_id": row.resource_id,
        "before": row.before,
        "after": row.after,
    });
    let mut canonical = String::new();
    write_canonical(&content, &mut canonical);
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// Where a chain stops matching what was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainBreak {
    pub org_id: i32,
    /// The first row that does not match, when the problem is a row (not the chain's end).
    pub row_id: Option<i32>,
    pub seq: i64,
    pub problem: String,
}

/// What `verify` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChainReport {
    pub organizations: usize,
    pub rows_checked: usize,
    /// Rows written before the chain existed; they carry no hash.
    pub rows_unchained: usize,
    pub first_break: Option<ChainBreak>,
}

/// Walks every organization's chain in order and names the first row that does not match:
/// a changed row (its hash or the next row's link differs), a missing row (a gap in `seq`),
/// or missing rows at the end (the head is ahead of the last row).
pub async fn verify(conn: &impl ConnectionTrait) -> Result<ChainReport, DbErr> {
    let mut report = ChainReport::default();
    let heads = audit_chain_head::Entity::find()
        .order_by_asc(audit_chain_head::Column::OrgId)
        .all(conn)
        .await?;
    report.rows_unchained = audit_log::Entity::find()
        .filter(audit_log::Column::Seq.is_null())
        .all(conn)
        .await?
        .len();
    for head in heads {
        report.organizations += 1;
        let rows = audit_log::Entity::find()
            .filter(audit_log::Column::OrgId.eq(head.org_id))
            .filter(audit_log::Column::Seq.is_not_null())
            .order_by_asc(audit_log::Column::Seq)
            .all(conn)
            .await?;
        if let Some(broken) = verify_chain(&head, &rows, &mut report.rows_checked) {
            report.first_break = Some(broken);
            return Ok(report);
        }
    }
    Ok(report)
}

fn verify_chain(
    head: &audit_chain_head::Model,
    rows: &[audit_log::Model],
    checked: &mut usize,
) -> Option<ChainBreak> {
    let broken = |row: Option<&audit_log::Model>, seq: i64, problem: String| ChainBreak {
        org_id: head.org_id,
        row_id: row.map(|row| row.id),
        seq,
        problem,
    };
    let mut prev_hash = GENESIS.to_owned();
    let mut expected_seq = 1;
    for row in rows {
        let seq = row.seq.unwrap_or_default();
        if seq != expected_seq {
            return Some(broken(
                Some(row),
                seq,
                format!("rows {expected_seq}–{} are missing (deleted?)", seq - 1),
            ));
        }
        if row.prev_hash.as_deref() != Some(prev_hash.as_str()) {
            return Some(broken(
                Some(row),
                seq,
                "its link to the previous row does not match (the previous row was replaced?)"
                    .to_owned(),
            ));
        }
        let recomputed = row_hash(&ChainedRow::of_stored(row, seq, &prev_hash));
        if row.hash.as_deref() != Some(recomputed.as_str()) {
            return Some(broken(
                Some(row),
                seq,
                "its content does not match its hash (the row was changed)".to_owned(),
            ));
        }
        *checked += 1;
        prev_hash = recomputed;
        expected_seq += 1;
    }
    if head.seq != expected_seq - 1 || head.hash != prev_hash {
        return Some(broken(
            None,
            expected_seq,
            format!(
                "the chain ends at row {} but {} rows were written (the last rows were deleted?)",
                expected_seq - 1,
                head.seq
            ),
        ));
    }
    None
}
