//! A tool's credentials and webhook signing secret: stored encrypted under the current key,
//! replaced through an audited change, re-encrypted when keys rotate, never returned.

use chrono::{DateTime, Utc};
use domain::{Action, audit::AuditAction, dto::SessionUser};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::json;

use super::{CREDENTIALS, RotationReport, ToolService, tools_of};
use crate::{
    Error, Result,
    crypto::Keyring,
    entities::{connection, tool, tool_check},
    scoped::OrgScoped,
};

impl ToolService {
    /// Replaces a tool's credentials. The audit trail records that they changed, never what
    /// they are.
    pub async fn set_secret(&self, actor: &SessionUser, tool_id: i32, secret: &str) -> Result<()> {
        crate::authorize(actor, Action::ManageTools, tools_of(actor))?;
        if secret.is_empty() {
            return Err(Error::validation("secret", "enter the credential"));
        }
        let tool = self.in_org(actor, tool_id, Action::ManageTools).await?;
        let had_secret = self.stored_secret(tool.id, CREDENTIALS).await?.is_some();
        let change = self
            .changes
            .begin(
                actor,
                AuditAction::ToolSecretSet,
                tool::Entity::resource(&tool),
            )
            .await?;
        self.store_secret(change.txn(), tool.id, CREDENTIALS, secret, change.now())
            .await?;
        // The last test judged the old credentials.
        tool_check::Entity::delete_by_id(tool.id)
            .exec(change.txn())
            .await?;
        change
            .commit(
                tool.id,
                Some(json!({"secret": if had_secret { "set" } else { "none" }})),
                Some(json!({"secret": "replaced"})),
            )
            .await?;
        Ok(())
    }

    pub(super) async fn store_secret(
        &self,
        conn: &impl ConnectionTrait,
        tool_id: i32,
        name: &str,
        secret: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let envelope = self.keyring.encrypt(secret.as_bytes());
        let existing = connection::Entity::find()
            .filter(connection::Column::ToolId.eq(tool_id))
            .filter(connection::Column::Name.eq(name))
            .one(conn)
            .await?;
        match existing {
            Some(row) => {
                let mut row: connection::ActiveModel = row.into();
                row.secret_ciphertext = Set(Some(envelope));
                row.key_id = Set(Some(self.keyring.current_key_id().to_owned()));
                row.updated_at = Set(now);
                row.update(conn).await?;
            }
            None => {
                connection::ActiveModel {
                    tool_id: Set(tool_id),
                    name: Set(name.to_owned()),
                    secret_ciphertext: Set(Some(envelope)),
                    key_id: Set(Some(self.keyring.current_key_id().to_owned())),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(conn)
                .await?;
            }
        }
        Ok(())
    }

    pub(super) async fn stored_secret(&self, tool_id: i32, name: &str) -> Result<Option<String>> {
        Ok(connection::Entity::find()
            .filter(connection::Column::ToolId.eq(tool_id))
            .filter(connection::Column::Name.eq(name))
            .one(&self.db)
            .await?
            .and_then(|row| row.secret_ciphertext))
    }

    /// Re-encrypts every stored credential under the current key, in one transaction: after
    /// it, previous keys can be retired. Run by `platform-builder rotate-secrets`.
    /// Not an audited change: every value stays what it was, only its encryption changes.
    pub async fn rotate_secrets(&self) -> Result<RotationReport> {
        let now = self.changes.now();
        let txn = self.db.begin().await?;
        let rows = connection::Entity::find()
            .filter(connection::Column::SecretCiphertext.is_not_null())
            .all(&txn)
            .await?;
        let mut report = RotationReport::default();
        for row in rows {
            let envelope = row.secret_ciphertext.clone().unwrap_or_default();
            if Keyring::key_id_of(&envelope) == Some(self.keyring.current_key_id()) {
                report.already_current += 1;
                continue;
            }
            let plain = self
                .keyring
                .decrypt(&envelope)
                .map_err(|err| Error::internal_from(format!("connection {}", row.id), err))?;
            let mut active: connection::ActiveModel = row.into();
            active.secret_ciphertext = Set(Some(self.keyring.encrypt(&plain)));
            active.key_id = Set(Some(self.keyring.current_key_id().to_owned()));
            active.updated_at = Set(now);
            active.update(&txn).await?;
            report.reencrypted += 1;
        }
        txn.commit().await?;
        Ok(report)
    }
}
