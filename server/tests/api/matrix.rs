//! Every REST route and server function, called anonymously and as each of the five roles,
//! against the table below: no unexpected allow, no unexpected deny. The walk changes what
//! it touches (copies, deletes, disables), so every caller gets fresh apps.

use std::collections::{BTreeMap, BTreeSet};

use domain::{Action, Role};
use reqwest::Method;

use super::*;

const FORM: &str = "application/x-www-form-urlencoded";

/// A revision no page reaches here: writes guarded by it are refused as conflicts (409) once
/// authorized, so allowed roles get past the check without changing the page.
const STALE: i64 = 999;

/// [`PNG`] as the logo upload server function takes it.
const PNG_BASE64: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGPwd3v6HwAE3AJ6zM4FjgAAAABJRU5ErkJggg==";

/// Every route `api::routes()` declares, with its methods as there, plus the probes the
/// router adds. Mock tools under `/mock` and static assets are out of scope.
const ROUTES: &[(&str, &str)] = &[
    ("/api/auth/login", "POST"),
    ("/api/auth/refresh", "POST"),
    ("/api/auth/logout", "POST"),
    ("/api/auth/set-password", "POST"),
    ("/api/auth/oidc/start", "GET"),
    ("/api/auth/oidc/callback", "GET"),
    ("/api/sso", "GET PUT"),
    ("/api/sso/history", "GET"),
    ("/api/sso/revert", "POST"),
    ("/api/me", "GET"),
    ("/api/roles", "GET POST"),
    ("/api/roles/{key}", "PUT DELETE"),
    ("/api/roles/{key}/history", "GET"),
    ("/api/tools/{id}/history", "GET"),
    ("/api/tools/{id}/revert", "POST"),
    ("/api/tools/{id}/access", "GET POST"),
    ("/api/tools/{id}/access/history", "GET"),
    ("/api/tools/{id}/access/revert", "POST"),
    ("/api/roles/{key}/revert", "POST"),
    ("/api/users", "GET POST"),
    ("/api/users/{id}", "PUT"),
    ("/api/users/{id}/disable", "POST"),
    ("/api/users/{id}/enable", "POST"),
    ("/api/users/{id}/password-link", "POST"),
    ("/api/scim-tokens", "GET POST"),
    ("/api/scim-tokens/{id}/revoke", "POST"),
    ("/api/groups", "GET POST"),
    ("/api/groups/{id}/role", "PUT"),
    ("/api/groups/history", "GET"),
    ("/api/groups/revert", "POST"),
    ("/api/pages", "GET POST"),
    ("/api/pages/{id}", "DELETE"),
    ("/api/pages/{id}/render", "GET"),
    ("/api/pages/{id}/draft", "GET PUT"),
    ("/api/pages/{id}/publish", "POST"),
    ("/api/pages/{id}/unpublish", "POST"),
    ("/api/pages/{id}/duplicate", "POST"),
    ("/api/pages/{id}/history", "GET"),
    ("/api/pages/{id}/revert", "POST"),
    ("/api/pages/{id}/access", "GET POST"),
    ("/api/pages/{id}/access/history", "GET"),
    ("/api/pages/{id}/access/revert", "POST"),
    ("/api/pages/{id}/request-approval", "POST"),
    ("/api/approvals", "GET"),
    ("/api/approvals/{id}/decision", "POST"),
    ("/api/settings/publishing", "GET PUT"),
    ("/api/settings/publishing/history", "GET"),
    ("/api/settings/publishing/revert", "POST"),
    ("/api/pages/{id}/save-as-copy", "POST"),
    ("/api/pages/from-template", "POST"),
    ("/api/pages/preview", "POST"),
    ("/api/page-templates", "GET"),
    ("/api/tools", "GET POST"),
    ("/api/tools/{id}", "GET PUT DELETE"),
    ("/api/tools/{id}/logo", "GET PUT DELETE"),
    ("/api/tools/{id}/secret", "PUT"),
    ("/api/tools/{id}/webhook", "POST"),
    ("/api/hooks/{tool}/{token}", "POST"),
    ("/api/events", "GET"),
    ("/api/connector-templates", "GET"),
    ("/api/tools/{id}/test", "POST"),
    ("/api/audit", "GET"),
    ("/api/audit/export", "GET"),
    ("/healthz", "GET"),
    ("/readyz", "GET"),
    ("/api/workflows", "GET POST"),
    ("/api/workflows/{id}", "GET PUT DELETE"),
    ("/api/workflows/{id}/enable", "POST"),
    ("/api/workflows/{id}/disable", "POST"),
    ("/api/workflows/{id}/history", "GET"),
    ("/api/workflows/{id}/revert", "POST"),
    ("/api/workflows/{id}/run", "POST"),
    ("/api/workflows/{id}/runs", "GET"),
    ("/api/workflows/execute", "POST"),
    ("/api/runs/{id}", "GET"),
    ("/api/channels", "GET POST"),
    ("/api/channels/{id}", "PUT DELETE"),
    ("/api/channels/{id}/test", "POST"),
];

/// Every server function's endpoint, served at `POST /rpc/<endpoint>`; by the module of `app`
/// that declares them: auth, portal, admin, viewer, builder, tools.
const SERVER_FNS: &str = "
    get_session sign_in_options
    list_pages
    load_admin_overview list_audit list_users create_user update_user set_user_active
    issue_password_link load_page_history list_roles save_role delete_role
    load_publishing_settings save_publishing_settings request_approval list_approvals
    decide_approval list_scim_tokens issue_scim_token revoke_scim_token list_groups set_group_role
    load_role_history load_tool_history load_sso_settings save_sso_settings add_group
    load_page_access load_tool_access load_page_access_history load_tool_access_history
    load_publishing_history load_sso_history load_group_roles_history
    render_page submit_form more_grid_rows
    load_draft store_draft publish_page unpublish_page preview_page save_page_as_copy
    load_binding_sources list_page_templates create_page duplicate_page delete_page
    load_mapper_answer
    list_tools load_tool create_tool update_tool set_tool_secret upload_tool_logo
    remove_tool_logo delete_tool test_tool
";

/// Who sends the requests: nobody signed in, a user of a built-in role, or a user of the
/// custom role [`CUSTOM_ACTIONS`] describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    BuiltIn(Role),
    Custom,
}

/// Anonymous first, then each built-in role, then a custom role.
const CALLERS: [Caller; 7] = [
    Caller::Anonymous,
    Caller::BuiltIn(Role::Viewer),
    Caller::BuiltIn(Role::Editor),
    Caller::BuiltIn(Role::Integrator),
    Caller::BuiltIn(Role::Auditor),
    Caller::BuiltIn(Role::Admin),
    Caller::Custom,
];

/// The custom role's key and what it may do: read pages and the audit trail, nothing else.
const CUSTOM_KEY: &str = "report-reader";
const CUSTOM_ACTIONS: [Action; 3] = [
    Action::ViewPublishedPage,
    Action::OpenAdmin,
    Action::ReadAudit,
];

fn caller_name(caller: Caller) -> &'static str {
    match caller {
        Caller::Anonymous => "anonymous",
        Caller::BuiltIn(role) => role.as_str(),
        Caller::Custom => CUSTOM_KEY,
    }
}

/// What a status says about the authorization decision. Anything but 401 and 403 got past
/// it: a 404, 409 or 422 is the service answering a caller it let in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Unauthenticated,
    Forbidden,
}

impl Outcome {
    fn of(status: StatusCode) -> Self {
        match status {
            StatusCode::UNAUTHORIZED => Outcome::Unauthenticated,
            StatusCode::FORBIDDEN => Outcome::Forbidden,
            _ => Outcome::Allowed,
        }
    }
}

/// Who an entry lets through.
#[derive(Clone, Copy)]
enum Expect {
    /// Only these built-in roles, and a custom role with the action; anonymous callers are
    /// asked to sign in.
    Roles(&'static [Role], Action),
    /// Needs no session: every caller gets the same answer, and it is never "forbidden".
    Public,
}

// Role sets named after what they may do in `domain::policy`; spelled out here, so a change
// to the policy shows up as mismatches to review rather than passing silently.
/// `ViewPublishedPage`.
const EVERYONE_SIGNED_IN: Expect = Expect::Roles(&Role::ALL, Action::ViewPublishedPage);
/// `SubmitForm`: everyone but auditors, who only read.
const FORM_SENDERS: Expect = Expect::Roles(
    &[Role::Admin, Role::Editor, Role::Viewer, Role::Integrator],
    Action::SubmitForm,
);
/// `OpenAdmin`.
const STAFF: Expect = Expect::Roles(
    &[Role::Admin, Role::Editor, Role::Integrator, Role::Auditor],
    Action::OpenAdmin,
);
/// `CreatePage`, `EditPage` and `PublishPage`.
const PAGE_EDITORS: Expect = Expect::Roles(&[Role::Admin, Role::Editor], Action::EditPage);
/// `ManageTools`.
const PAGE_PUBLISHERS: Expect = Expect::Roles(&[Role::Admin, Role::Editor], Action::PublishPage);

const TOOL_MANAGERS: Expect = Expect::Roles(&[Role::Admin, Role::Integrator], Action::ManageTools);
/// `ReadAudit`.
const AUDIT_READERS: Expect = Expect::Roles(&[Role::Admin, Role::Auditor], Action::ReadAudit);
/// `ManageUsers`.
const USER_MANAGERS: Expect = Expect::Roles(&[Role::Admin], Action::ManageUsers);
const WORKFLOW_MANAGERS: Expect =
    Expect::Roles(&[Role::Admin, Role::Integrator], Action::ManageWorkflows);
const PUBLIC: Expect = Expect::Public;

enum Body {
    Empty,
    Json(Value),
    Form(String),
    Bytes(&'static [u8]),
}

/// One row of the table: a request and who it lets through.
struct Entry {
    method: Method,
    /// The route as declared (`/api/pages/{id}/draft`), or `/rpc/<endpoint>`.
    template: String,
    path: String,
    body: Body,
    expect: Expect,
    /// A route already tabled, checked once more with other input.
    again: bool,
}

impl Entry {
    fn new(method: Method, template: String, body: Body, expect: Expect) -> Self {
        Entry {
            method,
            path: template.clone(),
            template,
            body,
            expect,
            again: false,
        }
    }

    /// Marks a second entry for a route: same callers allowed, other input.
    fn again(mut self) -> Self {
        self.again = true;
        self
    }

    fn on(mut self, id: i64) -> Self {
        self.path = self.path.replace("{id}", &id.to_string());
        self
    }

    fn at(mut self, path: &str) -> Self {
        self.path = path.to_owned();
        self
    }

    fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }

    fn form(mut self, body: impl Into<String>) -> Self {
        self.body = Body::Form(body.into());
        self
    }

    fn bytes(mut self, body: &'static [u8]) -> Self {
        self.body = Body::Bytes(body);
        self
    }
}

fn get(template: &str, expect: Expect) -> Entry {
    Entry::new(Method::GET, template.to_owned(), Body::Empty, expect)
}

fn post(template: &str, expect: Expect) -> Entry {
    Entry::new(Method::POST, template.to_owned(), Body::Empty, expect)
}

fn put(template: &str, expect: Expect) -> Entry {
    Entry::new(Method::PUT, template.to_owned(), Body::Empty, expect)
}

fn delete(template: &str, expect: Expect) -> Entry {
    Entry::new(Method::DELETE, template.to_owned(), Body::Empty, expect)
}

/// A server function, without arguments until `form` or `json` gives some.
fn rpc(endpoint: &str, expect: Expect) -> Entry {
    let body = Body::Form(String::new());
    Entry::new(Method::POST, format!("/rpc/{endpoint}"), body, expect)
}

/// What setup made (or found) for the entries to aim at, so every id exists: a refusal then
/// shows as 403, not as a 404 from a lookup that some services do before authorizing.
#[derive(Clone, Copy, Default)]
struct Ids {
    /// The seeded, published `platform-overview`.
    published: i64,
    draft: i64,
    tool: i64,
    /// A viewer to edit, disable and send links to.
    user: i64,
    workflow: i64,
}

fn empty_definition() -> Value {
    json!({"schema_version": 1, "layout": {"widgets": []}})
}

fn new_tool(slug: &str) -> Value {
    json!({"slug": slug, "name": slug, "base_url": "/mock/databricks",
           "config": {"test_path": "/api/2.1/jobs/runs/list?limit=1"}})
}

/// A valid edit against a time before the tool existed: a conflict (409) once authorized.
fn stale_tool_edit() -> Value {
    json!({"name": "Matrix tool", "base_url": "/mock/databricks",
           "base_updated_at": "2000-01-01T00:00:00Z"})
}

/// The routes that need a session, reads first and destructive ones last.
fn protected_entries(ids: Ids) -> Vec<Entry> {
    let Ids {
        published,
        draft,
        tool,
        user,
        workflow,
    } = ids;
    let definition = empty_definition();
    vec![
        get("/api/me", EVERYONE_SIGNED_IN),
        get("/api/workflows", WORKFLOW_MANAGERS),
        // A slug each caller's fresh server has not seen: created (201) once authorized.
        post("/api/workflows", WORKFLOW_MANAGERS)
            .json(json!({"slug": "matrix-new", "name": "New"})),
        get("/api/workflows/{id}", WORKFLOW_MANAGERS).on(workflow),
        // Stale revisions: a conflict (409) once authorized, nothing changed.
        put("/api/workflows/{id}", WORKFLOW_MANAGERS)
            .on(workflow)
            .json(
                json!({"name": "Renamed", "definition": {"schema_version": 1}, "base_revision": 0}),
            ),
        post("/api/workflows/{id}/enable", WORKFLOW_MANAGERS)
            .on(workflow)
            .json(json!({"base_revision": 0})),
        post("/api/workflows/{id}/disable", WORKFLOW_MANAGERS).on(workflow),
        get("/api/workflows/{id}/history", WORKFLOW_MANAGERS).on(workflow),
        post("/api/workflows/{id}/revert", WORKFLOW_MANAGERS)
            .on(workflow)
            .json(json!({"version": 1, "base_revision": 0})),
        // The workflow is off: a 422 once authorized, nothing started.
        post("/api/workflows/{id}/run", WORKFLOW_MANAGERS)
            .on(workflow)
            .json(json!({"input": {}})),
        post("/api/workflows/execute", WORKFLOW_MANAGERS)
            .json(json!({"workflow": "matrix-workflow", "input": {}})),
        get("/api/workflows/{id}/runs", WORKFLOW_MANAGERS).on(workflow),
        // Authorized before the lookup: a 404 for those allowed.
        get("/api/runs/{id}", WORKFLOW_MANAGERS).at("/api/runs/999999"),
        get("/api/channels", WORKFLOW_MANAGERS),
        // Missing its webhook URL: a 422 once authorized, nothing added.
        post("/api/channels", WORKFLOW_MANAGERS).json(json!({"name": "Ops", "kind": "slack"})),
        // Authorized before the lookup: a 404 for those allowed.
        put("/api/channels/{id}", WORKFLOW_MANAGERS)
            .at("/api/channels/999999")
            .json(json!({"name": "Ops", "kind": "webhook", "settings": {"url": "/mock/webhooks/ops"}})),
        post("/api/channels/{id}/test", WORKFLOW_MANAGERS).at("/api/channels/999999/test"),
        delete("/api/channels/{id}", WORKFLOW_MANAGERS).at("/api/channels/999999"),
        get("/api/pages", EVERYONE_SIGNED_IN),
        // Rendering has no role check beyond seeing the page; a draft would be a 404 to
        // viewers by design ("not found", not "forbidden"), so the published page is used.
        get("/api/pages/{id}/render", EVERYONE_SIGNED_IN).on(published),
        get("/api/pages/{id}/draft", PAGE_EDITORS).on(draft),
        // Auditors may see drafts but not a page's history (it needs `EditPage`).
        get("/api/pages/{id}/history", PAGE_EDITORS).on(draft),
        get("/api/page-templates", STAFF),
        // The list (and logos) is for the whole admin area; a tool's settings, and the Tool
        // Manager's own list (`list_tools`), only for those who manage tools.
        get("/api/tools", STAFF),
        get("/api/tools/{id}", TOOL_MANAGERS).on(tool),
        // No logo yet: staff get 404 after authorization.
        get("/api/tools/{id}/logo", STAFF).on(tool),
        get("/api/connector-templates", STAFF),
        // A stream that stays open: only the status is read.
        get("/api/events", EVERYONE_SIGNED_IN),
        get("/api/audit", AUDIT_READERS),
        // No format: readers get 422, everyone else 403 (authorization comes first).
        get("/api/audit/export", AUDIT_READERS),
        get("/api/users", USER_MANAGERS),
        get("/api/roles", USER_MANAGERS),
        // Provisioning: an empty label, an unknown token or group are answered (422, 404)
        // past authorization.
        get("/api/scim-tokens", USER_MANAGERS),
        post("/api/scim-tokens", USER_MANAGERS).json(json!({"label": ""})),
        post("/api/scim-tokens/{id}/revoke", USER_MANAGERS).on(STALE),
        get("/api/groups", USER_MANAGERS),
        put("/api/groups/{id}/role", USER_MANAGERS)
            .on(STALE)
            .json(json!({"role": null})),
        rpc("list_scim_tokens", USER_MANAGERS),
        rpc("issue_scim_token", USER_MANAGERS).form("label="),
        rpc("revoke_scim_token", USER_MANAGERS).form(format!("id={STALE}")),
        rpc("list_groups", USER_MANAGERS),
        rpc("set_group_role", USER_MANAGERS).form(format!("id={STALE}&role=")),
        // Single sign-on: a malformed tenant and a group without a name are answered (422)
        // past authorization, so nothing changes.
        get("/api/sso", USER_MANAGERS),
        put("/api/sso", USER_MANAGERS)
            .json(json!({"tenant_id": "not a tenant", "password_sign_in": true})),
        post("/api/groups", USER_MANAGERS)
            .json(json!({"display_name": "", "external_id": "", "role": null})),
        rpc("load_sso_settings", USER_MANAGERS),
        rpc("save_sso_settings", USER_MANAGERS)
            .form("tenant_id=not%20a%20tenant&password_sign_in=true"),
        rpc("add_group", USER_MANAGERS).form("display_name=&external_id=&role="),
        // Settings history; a stale revert is answered (409) past authorization.
        get("/api/sso/history", USER_MANAGERS),
        rpc("load_sso_history", USER_MANAGERS),
        get("/api/groups/history", USER_MANAGERS),
        rpc("load_group_roles_history", USER_MANAGERS),
        post("/api/groups/revert", USER_MANAGERS)
            .json(json!({"version": 0, "base_revision": STALE})),
        post("/api/sso/revert", USER_MANAGERS).json(json!({"version": 0, "base_revision": STALE})),
        get("/api/settings/publishing/history", USER_MANAGERS),
        rpc("load_publishing_history", USER_MANAGERS),
        post("/api/settings/publishing/revert", USER_MANAGERS)
            .json(json!({"version": 0, "base_revision": STALE})),
        // Approvals. The setting stays off, so the publish entries below keep their meaning;
        // an unknown request and a stale revision are answered past authorization.
        get("/api/settings/publishing", STAFF),
        rpc("load_publishing_settings", STAFF),
        put("/api/settings/publishing", USER_MANAGERS).json(json!({"require_approval": false})),
        rpc("save_publishing_settings", USER_MANAGERS).form("require_approval=false"),
        post("/api/pages/{id}/request-approval", PAGE_EDITORS)
            .on(draft)
            .json(json!({"base_revision": STALE, "note": ""})),
        rpc("request_approval", PAGE_EDITORS)
            .form(format!("id={draft}&base_revision={STALE}&note=")),
        get("/api/approvals", PAGE_EDITORS),
        rpc("list_approvals", PAGE_EDITORS),
        post("/api/approvals/{id}/decision", PAGE_EDITORS)
            .at(&format!("/api/approvals/{STALE}/decision"))
            .json(json!({"approve": true})),
        rpc("decide_approval", PAGE_EDITORS).form(format!("id={STALE}&approve=true&comment=")),
        rpc("list_roles", USER_MANAGERS),
        // Roles: authorized before the draft or the role is looked at, so a stale version or
        // an unknown key is a 409, 422 or 404 for admins and a 403 for everyone else.
        post("/api/roles", USER_MANAGERS).json(json!({"key": "matrix-role", "name": "Matrix role",
            "actions": ["view_published_page"]})),
        put("/api/roles/{key}", USER_MANAGERS)
            .at("/api/roles/matrix-role")
            .json(json!({"name": "Matrix role", "actions": ["read_audit"], "version": STALE})),
        rpc("save_role", USER_MANAGERS)
            .form("draft[key]=no-such-role&draft[name]=X&creating=false"),
        rpc("delete_role", USER_MANAGERS).form("key=no-such-role"),
        get("/api/roles/{key}/history", USER_MANAGERS).at("/api/roles/no-such-role/history"),
        rpc("load_role_history", USER_MANAGERS).form("key=no-such-role"),
        post("/api/roles/{key}/revert", USER_MANAGERS)
            .at("/api/roles/no-such-role/revert")
            .json(json!({"version": 1, "base_revision": STALE})),
        delete("/api/roles/{key}", USER_MANAGERS).at("/api/roles/no-such-role"),
        rpc("list_pages", EVERYONE_SIGNED_IN),
        rpc("render_page", EVERYONE_SIGNED_IN).form("slug=platform-overview&refresh=false"),
        // Like rendering, no role check beyond seeing the page: a grid that is not there is
        // a 404 for everyone signed in.
        rpc("more_grid_rows", EVERYONE_SIGNED_IN).json(json!({"request": {
            "page": "platform-overview", "widget": "no-such-grid",
            "start": {"kind": "page", "at": 1}}})),
        rpc("load_admin_overview", STAFF),
        rpc("list_page_templates", STAFF),
        rpc("load_binding_sources", PAGE_EDITORS),
        rpc("load_draft", PAGE_EDITORS).form(format!("id={draft}")),
        rpc("load_page_history", PAGE_EDITORS).form(format!("id={draft}&from=1&to=1")),
        get("/api/pages/{id}/access", PAGE_EDITORS).on(draft),
        rpc("load_page_access", PAGE_EDITORS).form(format!("id={draft}")),
        // A stale revision of the grants: 409 past authorization, nothing changes.
        post("/api/pages/{id}/access", PAGE_PUBLISHERS)
            .on(draft)
            .json(json!({"grants": [], "base_revision": STALE})),
        get("/api/pages/{id}/access/history", PAGE_EDITORS).on(draft),
        rpc("load_page_access_history", PAGE_EDITORS).form(format!("id={draft}")),
        // No such version: 404 past authorization.
        post("/api/pages/{id}/access/revert", PAGE_PUBLISHERS)
            .on(draft)
            .json(json!({"version": STALE, "base_revision": 0})),
        rpc("load_mapper_answer", PAGE_EDITORS).json(json!({"tool": "databricks-demo",
            "request": {"path": "/api/2.1/jobs/runs/list"}, "use_sample": true})),
        rpc("list_tools", TOOL_MANAGERS),
        rpc("load_tool", TOOL_MANAGERS).form(format!("id={tool}")),
        get("/api/tools/{id}/history", TOOL_MANAGERS).on(tool),
        rpc("load_tool_history", TOOL_MANAGERS).form(format!("id={tool}")),
        get("/api/tools/{id}/access", TOOL_MANAGERS).on(tool),
        rpc("load_tool_access", TOOL_MANAGERS).form(format!("id={tool}")),
        post("/api/tools/{id}/access", TOOL_MANAGERS)
            .on(tool)
            .json(json!({"grants": [], "base_revision": STALE})),
        get("/api/tools/{id}/access/history", TOOL_MANAGERS).on(tool),
        rpc("load_tool_access_history", TOOL_MANAGERS).form(format!("id={tool}")),
        post("/api/tools/{id}/access/revert", TOOL_MANAGERS)
            .on(tool)
            .json(json!({"version": STALE, "base_revision": 0})),
        // A stale revision: 409 past authorization, nothing changes.
        post("/api/tools/{id}/revert", TOOL_MANAGERS)
            .on(tool)
            .json(json!({"version": 1, "base_revision": STALE})),
        rpc("list_audit", AUDIT_READERS).form("query[actor]=&query[page]=1"),
        rpc("list_users", USER_MANAGERS).form("search="),
        // Page writes: previews, stale revisions (409) and unpublishing a draft change
        // nothing; creations and copies get slugs of their own.
        post("/api/pages/preview", PAGE_EDITORS).json(definition.clone()),
        rpc("preview_page", PAGE_EDITORS).json(json!({"definition": definition})),
        put("/api/pages/{id}/draft", PAGE_EDITORS)
            .on(draft)
            .json(json!({"definition": definition, "base_revision": STALE})),
        rpc("store_draft", PAGE_EDITORS).json(json!({"id": draft,
            "draft": {"definition": definition, "base_revision": STALE}})),
        post("/api/pages/{id}/publish", PAGE_EDITORS)
            .on(draft)
            .json(json!({"base_revision": STALE})),
        rpc("publish_page", PAGE_EDITORS).form(format!("id={draft}&base_revision={STALE}")),
        post("/api/pages/{id}/revert", PAGE_EDITORS)
            .on(draft)
            .json(json!({"version": 1, "base_revision": STALE})),
        post("/api/pages/{id}/unpublish", PAGE_EDITORS).on(draft),
        rpc("unpublish_page", PAGE_EDITORS).form(format!("id={draft}")),
        post("/api/pages", PAGE_EDITORS).json(json!({"slug": "matrix-created",
            "title": "Matrix created", "definition": definition})),
        post("/api/pages/from-template", PAGE_EDITORS)
            .json(json!({"slug": "matrix-from-template", "title": "Matrix from template"})),
        rpc("create_page", PAGE_EDITORS).form("title=Matrix%20rpc&slug=matrix-rpc&template="),
        post("/api/pages/{id}/duplicate", PAGE_EDITORS).on(draft),
        rpc("duplicate_page", PAGE_EDITORS).form(format!("id={draft}")),
        post("/api/pages/{id}/save-as-copy", PAGE_EDITORS)
            .on(draft)
            .json(json!({"definition": definition})),
        rpc("save_page_as_copy", PAGE_EDITORS).json(json!({"id": draft, "definition": definition})),
        // No such form: senders get 404 after authorization.
        rpc("submit_form", FORM_SENDERS)
            .json(json!({"submission": {"page": "platform-overview", "widget": "no-such-form"}})),
        // Tool writes.
        post("/api/tools", TOOL_MANAGERS).json(new_tool("matrix-created-tool")),
        rpc("create_tool", TOOL_MANAGERS).json(json!({"request": new_tool("matrix-rpc-tool")})),
        put("/api/tools/{id}", TOOL_MANAGERS)
            .on(tool)
            .json(stale_tool_edit()),
        rpc("update_tool", TOOL_MANAGERS).json(json!({"id": tool, "edit": stale_tool_edit()})),
        put("/api/tools/{id}/secret", TOOL_MANAGERS)
            .on(tool)
            .json(json!({"secret": "matrix-secret"})),
        rpc("set_tool_secret", TOOL_MANAGERS).json(json!({"id": tool, "secret": "matrix-secret"})),
        put("/api/tools/{id}/logo", TOOL_MANAGERS)
            .on(tool)
            .bytes(PNG),
        rpc("upload_tool_logo", TOOL_MANAGERS)
            .json(json!({"id": tool, "image_base64": PNG_BASE64})),
        // Not base64 at all: 400 for those who may set logos, 403 for everyone else.
        rpc("upload_tool_logo", TOOL_MANAGERS)
            .json(json!({"id": tool, "image_base64": "not base64!"}))
            .again(),
        delete("/api/tools/{id}/logo", TOOL_MANAGERS).on(tool),
        rpc("remove_tool_logo", TOOL_MANAGERS).form(format!("id={tool}")),
        post("/api/tools/{id}/webhook", TOOL_MANAGERS).on(tool),
        post("/api/tools/{id}/test", TOOL_MANAGERS).on(tool),
        rpc("test_tool", TOOL_MANAGERS).form(format!("id={tool}")),
        // User writes are authorized before the body or the user is looked at: a stale
        // version is a 409 for admins and a 403 for everyone else.
        post("/api/users", USER_MANAGERS).json(json!({"email": "matrix-created@example.com",
            "display_name": "Matrix Created", "role": "viewer"})),
        rpc("create_user", USER_MANAGERS).form(
            "request[email]=matrix-rpc%40example.com&request[display_name]=Matrix%20Rpc\
             &request[role]=viewer",
        ),
        put("/api/users/{id}", USER_MANAGERS).on(user).json(json!({
            "display_name": "Matrix Target", "role": "viewer", "version": STALE})),
        rpc("update_user", USER_MANAGERS).form(format!(
            "id={user}&update[display_name]=Matrix%20Target&update[role]=viewer\
             &update[version]={STALE}"
        )),
        post("/api/users/{id}/password-link", USER_MANAGERS).on(user),
        rpc("issue_password_link", USER_MANAGERS).form(format!("id={user}")),
        // Needs the refresh cookie rather than an access token, so it sorts callers like the
        // rest; the rotated cookie keeps the caller signed in.
        post("/api/auth/refresh", EVERYONE_SIGNED_IN),
        // Destructive. Pages and tools are authorized before they are looked up, so the
        // second delete of each is a 404 for allowed roles and still a 403 for the others.
        post("/api/users/{id}/disable", USER_MANAGERS).on(user),
        post("/api/users/{id}/enable", USER_MANAGERS).on(user),
        rpc("set_user_active", USER_MANAGERS).form(format!("id={user}&active=false")),
        delete("/api/pages/{id}", PAGE_EDITORS).on(draft),
        rpc("delete_page", PAGE_EDITORS).form(format!("id={draft}")),
        delete("/api/tools/{id}", TOOL_MANAGERS).on(tool),
        rpc("delete_tool", TOOL_MANAGERS).form(format!("id={tool}")),
        delete("/api/workflows/{id}", WORKFLOW_MANAGERS).on(workflow),
    ]
}

/// The routes that need no session, run after the others; signing out is last.
fn public_entries() -> Vec<Entry> {
    vec![
        get("/healthz", PUBLIC),
        get("/readyz", PUBLIC),
        rpc("get_session", PUBLIC),
        rpc("sign_in_options", PUBLIC),
        // Not configured here: both answer with the sign-in page and its reason.
        get("/api/auth/oidc/start", PUBLIC),
        get("/api/auth/oidc/callback", PUBLIC).at("/api/auth/oidc/callback?code=c&state=s"),
        // Signed by the tool, not by a session: an unknown hook is a 404 for everyone.
        post("/api/hooks/{tool}/{token}", PUBLIC)
            .at("/api/hooks/databricks-demo/not-a-token")
            .json(json!({})),
        // A link never issued: a 422 for everyone.
        post("/api/auth/set-password", PUBLIC)
            .json(json!({"token": "not-a-link", "password": "Matrix123!"})),
        // Wrong credentials (401 for everyone), so no caller's session is replaced.
        post("/api/auth/login", PUBLIC)
            .json(json!({"email": "nobody@example.com", "password": "Wrong123!"})),
        post("/api/auth/logout", PUBLIC),
    ]
}

/// The outcome `caller` should get from an entry that lets `allowed` through.
fn expected_for(caller: Caller, allowed: &[Role], action: Action) -> Outcome {
    let allowed = match caller {
        Caller::Anonymous => return Outcome::Unauthenticated,
        Caller::BuiltIn(role) => allowed.contains(&role),
        Caller::Custom => CUSTOM_ACTIONS.contains(&action),
    };
    if allowed {
        Outcome::Allowed
    } else {
        Outcome::Forbidden
    }
}

/// The body of a 201 from `path`, created by the admin.
async fn created(app: &TestApp, admin: &Client, path: &str, body: Value) -> Value {
    let response = admin.post(app.url(path)).json(&body).send().await.unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "{}: setup POST {path} {body}",
        app.label
    );
    response.json().await.unwrap()
}

async fn setup(app: &TestApp, admin: &Client) -> Ids {
    let pages = app.get_json(admin, "/api/pages").await;
    let published = pages["pages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|page| page["slug"] == "platform-overview")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let page = json!({"slug": "matrix-draft", "title": "Matrix draft",
                      "definition": empty_definition()});
    let draft = created(app, admin, "/api/pages", page).await;
    let tool = created(app, admin, "/api/tools", new_tool("matrix-tool")).await;
    let target = json!({"email": "matrix-target@example.com", "display_name": "Matrix Target",
                        "role": "viewer"});
    let user = created(app, admin, "/api/users", target).await;
    let workflow = json!({"slug": "matrix-workflow", "name": "Matrix workflow"});
    let workflow = created(app, admin, "/api/workflows", workflow).await;
    Ids {
        published,
        draft: draft["id"].as_i64().unwrap(),
        tool: tool["id"].as_i64().unwrap(),
        user: user["user"]["id"].as_i64().unwrap(),
        workflow: workflow["workflow"]["id"].as_i64().unwrap(),
    }
}

/// A client for `caller`; editors and integrators are not seeded, so the admin adds them.
async fn sign_in(app: &TestApp, admin: &Client, caller: Caller) -> Client {
    match caller {
        Caller::Anonymous => app.client(),
        Caller::BuiltIn(Role::Admin) => admin.clone(),
        Caller::BuiltIn(Role::Viewer) => app.viewer().await,
        Caller::BuiltIn(Role::Auditor) => app.signed_in("auditor@example.com", "Auditor123!").await,
        Caller::Custom => {
            let actions: Vec<&str> = CUSTOM_ACTIONS
                .iter()
                .map(|action| action.as_str())
                .collect();
            let role = json!({"key": CUSTOM_KEY, "name": "Report reader", "actions": actions});
            created(app, admin, "/api/roles", role).await;
            let account = json!({"email": "matrix-custom@example.com", "display_name": "Report reader",
                                 "role": CUSTOM_KEY, "password": "Matrix123!"});
            created(app, admin, "/api/users", account).await;
            app.signed_in("matrix-custom@example.com", "Matrix123!")
                .await
        }
        Caller::BuiltIn(role @ (Role::Editor | Role::Integrator)) => {
            let email = format!("matrix-{}@example.com", role.as_str());
            let account = json!({"email": email, "display_name": role.label(),
                                 "role": role.as_str(), "password": "Matrix123!"});
            created(app, admin, "/api/users", account).await;
            app.signed_in(&email, "Matrix123!").await
        }
    }
}

/// The status of one entry's request, or what came back when the server failed (5xx).
async fn send(app: &TestApp, client: &Client, entry: &Entry) -> Result<StatusCode, String> {
    let request = client
        .request(entry.method.clone(), app.url(&entry.path))
        .header(header::ACCEPT, "application/json");
    let request = match &entry.body {
        Body::Empty => request,
        Body::Json(body) => request.json(body),
        Body::Form(body) => request
            .header(header::CONTENT_TYPE, FORM)
            .body(body.clone()),
        Body::Bytes(bytes) => request
            .header(header::CONTENT_TYPE, "image/png")
            .body(*bytes),
    };
    // Only the status is read unless the server failed: `/api/events` never ends its body.
    let response = request.send().await.unwrap();
    let status = response.status();
    if status.is_server_error() {
        return Err(format!(
            "{status}: {}",
            response.text().await.unwrap_or_default()
        ));
    }
    Ok(status)
}

/// Per database and public route: the first caller's outcome, which every caller must share.
type PublicOutcomes = BTreeMap<(&'static str, String), (Outcome, &'static str)>;

/// What is wrong with `outcome` for `caller`, if anything.
fn judge(
    entry: &Entry,
    caller: Caller,
    outcome: Outcome,
    label: &'static str,
    public: &mut PublicOutcomes,
) -> Option<String> {
    match entry.expect {
        Expect::Roles(allowed, action) => {
            let expected = expected_for(caller, allowed, action);
            (outcome != expected).then(|| format!("expected {expected:?}, got {outcome:?}"))
        }
        Expect::Public if outcome == Outcome::Forbidden => Some("public, yet Forbidden".into()),
        Expect::Public => {
            let (first, first_caller) = *public
                .entry((label, entry.template.clone()))
                .or_insert((outcome, caller_name(caller)));
            (outcome != first).then(|| format!("got {outcome:?}, but {first:?} as {first_caller}"))
        }
    }
}

#[test]
fn every_route_answers_each_caller_as_the_table_expects() {
    on_shared_runtime(async {
        let mut mismatches = Vec::new();
        let mut checked = BTreeMap::<&str, usize>::new();
        let mut public = PublicOutcomes::new();
        for caller in CALLERS {
            for app in apps().await {
                let admin = app.admin().await;
                let ids = setup(&app, &admin).await;
                let client = sign_in(&app, &admin, caller).await;
                for entry in protected_entries(ids).into_iter().chain(public_entries()) {
                    *checked.entry(app.label).or_default() += 1;
                    let (method, who) = (&entry.method, caller_name(caller));
                    let route = format!("[{}] {method} {} as {who}", app.label, entry.template);
                    match send(&app, &client, &entry).await {
                        Err(failure) => mismatches.push(format!("{route}: server error {failure}")),
                        Ok(status) => {
                            let outcome = Outcome::of(status);
                            if let Some(problem) =
                                judge(&entry, caller, outcome, app.label, &mut public)
                            {
                                let code = status.as_u16();
                                mismatches.push(format!("{route}: {problem} ({code})"));
                            }
                        }
                    }
                }
            }
        }
        for (label, count) in &checked {
            eprintln!("[{label}] {count} route × caller checks");
        }
        assert!(
            mismatches.is_empty(),
            "{} unexpected answers:\n{}",
            mismatches.len(),
            mismatches.join("\n")
        );
    });
}

/// A route or server function added without an entry (or an entry for one that is gone)
/// fails here, before anyone has to remember the matrix.
#[test]
fn the_table_has_one_entry_per_route_and_server_function() {
    let entries: Vec<(String, String)> = protected_entries(Ids::default())
        .into_iter()
        .chain(public_entries())
        .filter(|entry| !entry.again)
        .map(|entry| (entry.method.to_string(), entry.template))
        .collect();
    let tabled: BTreeSet<(String, String)> = entries.iter().cloned().collect();
    assert_eq!(entries.len(), tabled.len(), "a route has two entries");
    let server_fns: BTreeSet<(String, String)> = SERVER_FNS
        .split_whitespace()
        .map(|endpoint| ("POST".to_owned(), format!("/rpc/{endpoint}")))
        .collect();
    let declared: BTreeSet<(String, String)> = ROUTES
        .iter()
        .flat_map(|&(path, methods)| {
            methods
                .split(' ')
                .map(move |method| (method.to_owned(), path.to_owned()))
        })
        .chain(server_fns.iter().cloned())
        .collect();
    let missing: Vec<_> = declared.difference(&tabled).collect();
    let unknown: Vec<_> = tabled.difference(&declared).collect();
    assert!(
        missing.is_empty() && unknown.is_empty(),
        "without an entry: {missing:?}; entries for no route: {unknown:?}"
    );
    // The server functions the app registers, so the list above cannot fall behind.
    let registered: BTreeSet<(String, String)> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(path, _)| path.starts_with("/rpc/"))
        .map(|(path, method)| (method.as_str().to_owned(), path.to_owned()))
        .collect();
    assert_eq!(
        server_fns, registered,
        "SERVER_FNS is not what the app registers"
    );
}
