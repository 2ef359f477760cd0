//! Wire types shared by the UI, the server functions and the REST API.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    PageDefinition, Role, ValidationIssue,
    ids::{OrgId, UserId},
    tool::{DataClassification, ToolAuth, ToolSettings, ToolStatus},
};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// What access conditions read (`crate::users::UserAttributes`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// The organization's role the user has instead of a built-in one: then it alone decides
    /// what they may do, and `role` is the floor (Viewer) that matches no widget role list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_role: Option<crate::roles::CustomRole>,
    /// The groups the user is in, which page and tool grants may name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<crate::ids::GroupId>,
}

impl SessionUser {
    /// May this user do `action`? Their custom role's actions, or their built-in role's.
    pub fn may(&self, action: crate::Action) -> bool {
        match &self.custom_role {
            Some(custom) => custom.actions.contains(&action),
            None => crate::policy::allows(self.role, action),
        }
    }

    /// The role's name as people read it ("Editor", "Finance analyst").
    pub fn role_label(&self) -> &str {
        match &self.custom_role {
            Some(custom) => &custom.name,
            None => self.role.label(),
        }
    }

    /// The role's stored name (`editor`, `finance-analyst`).
    pub fn role_key(&self) -> &str {
        match &self.custom_role {
            Some(custom) => &custom.key,
            None => self.role.as_str(),
        }
    }

    /// Where the user lands after signing in.
    pub fn home_path(&self) -> &'static str {
        if self.may(crate::Action::OpenAdmin) {
            "/admin"
        } else {
            "/portal"
        }
    }

    /// The user as access conditions see them.
    pub fn subject(&self) -> crate::condition::Subject<'_> {
        crate::condition::Subject {
            role: self.role_key(),
            attributes: &self.attributes,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LoginResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: u32,
    pub user: SessionUser,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageStatus {
    Draft,
    InReview,
    Published,
}

impl PageStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PageStatus::Draft => "draft",
            PageStatus::InReview => "in_review",
            PageStatus::Published => "published",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [
            PageStatus::Draft,
            PageStatus::InReview,
            PageStatus::Published,
        ]
        .into_iter()
        .find(|status| status.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            PageStatus::Draft => "Draft",
            PageStatus::InReview => "In review",
            PageStatus::Published => "Published",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageSummary {
    pub id: i32,
    pub slug: String,
    pub title: String,
    pub status: PageStatus,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
    /// Display name of the last editor, when known.
    #[serde(default)]
    pub updated_by: Option<String>,
    /// The latest approval request of the page, when there is one: pending ("In review"),
    /// or how it was decided and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<crate::approvals::ApprovalRequest>,
}

/// What the builder opens: the working definition and the revision edits are based on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PageDraft {
    pub page: PageSummary,
    pub definition: PageDefinition,
    /// The page's concurrency counter; send it back as `base_revision`.
    pub revision: i32,
    /// Whether viewers currently see a published version.
    pub published: bool,
}

/// Body of `PUT /api/pages/{id}/draft`: the edited definition and the revision it was based
/// on. A stale `base_revision` is refused with a conflict, never silently overwritten.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SaveDraft {
    pub definition: Value,
    pub base_revision: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedDraft {
    pub revision: i32,
    pub updated_at: DateTime<Utc>,
}

/// Body of `POST /api/pages/{id}/publish`.
#[derive(Clone, Copy, Debug, Serialize, Deserialize)]
pub struct PublishRequest {
    pub base_revision: i32,
}

/// A starting point for a new page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageTemplateSummary {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// Body of `POST /api/pages/from-template`; no template means a blank page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewPageFrom {
    pub title: String,
    pub slug: String,
    #[serde(default)]
    pub template: Option<String>,
}

/// Body of `POST /api/pages`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewPage {
    pub slug: String,
    pub title: String,
    pub definition: Value,
    #[serde(default)]
    pub publish: bool,
}

/// A page with every widget's data resolved, as the viewer sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RenderedPage {
    pub page: PageSummary,
    pub definition: PageDefinition,
    /// Widget id → its data; widgets without a binding are absent.
    pub data: BTreeMap<String, WidgetData>,
    /// Widget id → sanitized HTML of its Markdown or HTML block, made on the server.
    #[serde(default)]
    pub html: BTreeMap<String, String>,
    pub rendered_at: DateTime<Utc>,
}

/// A filled-in form, sent to `submit_form`: which page and form widget, and the values by
/// field name as the browser has them (the server checks and types them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSubmission {
    pub page: String,
    pub widget: String,
    #[serde(default)]
    pub values: BTreeMap<String, String>,
    /// Submit through the draft (the builder's preview); for those who may see drafts.
    #[serde(default)]
    pub draft: bool,
}

/// What a successful submission shows: `message`, and the created record's reference
/// (e.g. an incident number) when the form names where to find it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSubmitted {
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WidgetData {
    /// Mapped values per target prop.
    Ready {
        values: BTreeMap<String, Value>,
        fetched_at: DateTime<Utc>,
        /// Set when the tool failed and this is its last good answer: the reason, safe to show.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stale: Option<String>,
        /// For paged sources with more pages than were read: where a data grid reads on.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        more: Option<crate::page::Continuation>,
    },
    /// The tool could not be reached or answered badly; `message` is safe to show.
    Failed { message: String },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolSummary {
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub base_url: String,
    pub auth_type: String,
    /// Whether credentials are stored; the credentials themselves are never sent.
    pub has_secret: bool,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub classification: DataClassification,
    /// When the logo last changed; none when the tool has no logo.
    #[serde(default)]
    pub logo_updated_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub has_logo: bool,
    #[serde(default)]
    pub has_sample: bool,
    /// The outcome of the last connection test.
    #[serde(default)]
    pub status: ToolStatus,
    /// What the last test said (safe to show), when it was tested.
    #[serde(default)]
    pub status_message: Option<String>,
    #[serde(default)]
    pub last_tested_at: Option<DateTime<Utc>>,
}

impl ToolSummary {
    /// Where the logo is served; the change time in the query keeps caches honest.
    pub fn logo_src(&self) -> Option<String> {
        self.logo_updated_at.map(|changed| {
            format!(
                "/api/tools/{}/logo?v={}",
                self.id,
                changed.timestamp_millis()
            )
        })
    }

    /// The words used for the auth type in tables.
    pub fn auth_label(&self) -> &'static str {
        match self.auth_type.as_str() {
            "none" => "None",
            "api_key" => "API key",
            "bearer" => "Bearer token",
            "basic" => "Basic",
            "oauth2_client_credentials" => "OAuth2 client credentials",
            _ => "Other",
        }
    }
}

/// Everything an admin edits on an existing tool: body of `PUT /api/tools/{id}`. The secret
/// is not here (`PUT /api/tools/{id}/secret`), nor the slug and kind, which bindings rely on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolEdit {
    pub name: String,
    pub base_url: String,
    #[serde(default)]
    pub auth: ToolAuth,
    #[serde(flatten)]
    pub settings: ToolSettings,
    /// A pasted answer of the tool (JSON, at most 1 MB) used for mapping while it is
    /// unreachable; blank or absent removes it.
    #[serde(default)]
    pub sample_response: Option<String>,
    /// When the editor opened the tool (`ToolDetails.updated_at`): a save over a change made
    /// since is refused as a conflict. Without it the last save wins.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_updated_at: Option<DateTime<Utc>>,
}

impl ToolEdit {
    /// Every problem, each under the field it belongs to.
    pub fn validate(&self) -> Result<(), Vec<ValidationIssue>> {
        let mut issues = Vec::new();
        if self.name.trim().is_empty() {
            issues.push(ValidationIssue::new("name", "a tool needs a name"));
        } else if self.name.chars().count() > crate::tool::MAX_NAME_CHARS {
            issues.push(ValidationIssue::new(
                "name",
                format!(
                    "keep the name under {} characters",
                    crate::tool::MAX_NAME_CHARS
                ),
            ));
        }
        issues.extend(crate::tool::check_base_url(&self.base_url).err());
        issues.extend(self.auth.validate().err().unwrap_or_default());
        issues.extend(self.settings.validate(&self.auth).err().unwrap_or_default());
        if let Some(sample) = &self.sample_response {
            issues.extend(crate::tool::parse_sample(sample).err());
        }
        crate::error::collected(issues)
    }
}

/// A tool as the edit form opens it: its summary and its current settings (never the secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolDetails {
    pub summary: ToolSummary,
    pub edit: ToolEdit,
    /// When the tool was last changed; sent back as `ToolEdit.base_updated_at`.
    pub updated_at: DateTime<Utc>,
}

/// What the admin home shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AdminOverview {
    pub pages: Vec<PageSummary>,
    pub tools: Vec<ToolSummary>,
}

/// Outcome of `POST /api/tools/{id}/test`: whether the tool answered usefully, how fast, and
/// what to do if not.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionTest {
    pub ok: bool,
    /// The status the tool shows after this test.
    #[serde(default)]
    pub status: ToolStatus,
    pub latency_ms: u32,
    pub message: String,
    /// The start of the JSON answer, pretty-printed, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
}

/// Body of `POST /api/tools/{id}/test`; the path defaults to the tool's `test_path` setting.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ConnectionTestRequest {
    #[serde(default)]
    pub path: Option<String>,
}

/// Body of `POST /api/tools`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewToolRequest {
    pub slug: String,
    pub name: String,
    #[serde(default = "default_tool_kind")]
    pub kind: String,
    pub base_url: String,
    #[serde(default)]
    pub auth: crate::tool::ToolAuth,
    /// API key, token, password or client secret; stored encrypted, never returned.
    #[serde(default)]
    pub secret: Option<String>,
    /// Settings (`description`, `default_headers`, `rate_limit_per_minute`,
    /// `timeout_seconds`, `classification`; see `tool::ToolSettings`) and others (`test_path`).
    #[serde(default)]
    pub config: Value,
    /// A pasted answer of the tool (JSON text, at most 1 MB) for mapping while it is unreachable.
    #[serde(default)]
    pub sample_response: Option<String>,
}

impl NewToolRequest {
    /// A registration from the add form's fields.
    pub fn from_edit(slug: String, kind: String, edit: ToolEdit, secret: Option<String>) -> Self {
        let mut config = serde_json::Map::new();
        edit.settings.write_into(&mut config);
        Self {
            slug,
            name: edit.name,
            kind,
            base_url: edit.base_url,
            auth: edit.auth,
            secret,
            config: Value::Object(config),
            sample_response: edit.sample_response,
        }
    }
}

fn default_tool_kind() -> String {
    "rest".to_owned()
}

/// Body of `PUT /api/tools/{id}/secret`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SecretUpdate {
    pub secret: String,
}

/// Answer of `POST /api/tools/{id}/webhook`: where to send events and the secret to sign them
/// with (HMAC-SHA256 of the raw body, header `X-Signature-256: sha256=<hex>`). Shown once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSetup {
    pub url_path: String,
    pub signing_secret: String,
}

/// Where the field mapper's answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerSource {
    /// A call to the tool just now (or its cached answer).
    Live,
    /// The sample answer pasted on the tool.
    Sample,
}

/// A tool's answer to a binding's request, for the field mapper.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MapperAnswer {
    pub source: AnswerSource,
    pub answer: Value,
    pub fetched_at: Option<DateTime<Utc>>,
    /// Why the live answer is not shown (the call failed, or the sample was asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// More rows for a data grid whose source has more pages: `GET` them from `start`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MoreRows {
    pub page: String,
    pub widget: String,
    pub start: crate::page::Continuation,
    #[serde(default)]
    pub variables: BTreeMap<String, String>,
    #[serde(default)]
    pub draft: bool,
}

/// The next rows (mapped and transformed like the first ones) and where to go on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RowsPage {
    pub rows: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub more: Option<crate::page::Continuation>,
}
