//! The audit screen (`/admin/audit`, Admin and Auditor): every change in the organization,
//! newest first, filterable and paged on the server, each with what changed in words and the
//! raw JSON Patch one click away. The filters are a plain GET form and the pager plain links,
//! so it works the same without JavaScript.

use domain::{
    ErrorCode,
    access::ResourceKind,
    audit::{AuditAction, AuditPage, AuditQuery, AuditRecord},
};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    hooks::{use_location, use_query_map},
    params::ParamsMap,
};

use super::api;
use crate::{auth::error_view, components::ListPanel};

fn query_from(params: &ParamsMap) -> AuditQuery {
    let text = |name: &str| params.get(name).unwrap_or_default();
    AuditQuery {
        resource_type: text("resource_type"),
        resource_id: text("resource_id"),
        actor: text("actor"),
        action: text("action"),
        from: text("from"),
        to: text("to"),
        page: params.get("page").and_then(|page| page.parse().ok()),
    }
}

#[component]
pub fn AuditTrailPage() -> impl IntoView {
    let params = use_query_map();
    let query = move || params.with(query_from);
    let trail = Resource::new(query, api::list_audit);
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text="Audit trail" />
        <Suspense fallback=|| view! { <p class="loading">"Loading the audit trail…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match trail.await {
                        Ok(page) => view! {
                            <h1 class="page-title">"Audit trail"</h1>
                            <Filters query=query() />
                            <Trail page query=query() />
                        }
                        .into_any(),
                        // Refused callers see only the refusal, not the screen around it.
                        Err(err) if err.code() == ErrorCode::Validation => view! {
                            <h1 class="page-title">"Audit trail"</h1>
                            <Filters query=query() />
                            <div class="panel form-error" role="alert">
                                <p>"These filters cannot be used:"</p>
                                <ul>
                                    {err.0.issues.into_iter().map(|issue| view! {
                                        <li>{format!("{}: {}", issue.path.replace('_', " "), issue.message)}</li>
                                    }).collect_view()}
                                </ul>
                            </div>
                        }
                        .into_any(),
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn Filters(query: AuditQuery) -> impl IntoView {
    let kinds = ResourceKind::ALL.map(|kind| (kind.as_str(), kind.as_str()));
    let actions = AuditAction::ALL
        .iter()
        .map(|action| (action.as_str(), action.as_str()));
    let options = |choices: Vec<(&'static str, &'static str)>, current: String| {
        choices
            .into_iter()
            .map(|(value, label)| {
                view! { <option value=value selected=current == value>{label}</option> }
            })
            .collect_view()
    };
    view! {
        <form method="get" action="/admin/audit" class="panel audit-filters" role="search" aria-label="Filter the audit trail">
            <label>"Resource type"
                <select name="resource_type">
                    <option value="">"Any"</option>
                    {options(kinds.to_vec(), query.resource_type.clone())}
                </select>
            </label>
            <label>"Resource id"
                <input type="text" name="resource_id" value=query.resource_id.clone() inputmode="numeric" size="8" />
            </label>
            <label>"User"
                <input type="search" name="actor" value=query.actor.clone() placeholder="email or part of it" />
            </label>
            <label>"Action"
                <select name="action">
                    <option value="">"Any"</option>
                    {options(actions.collect(), query.action.clone())}
                </select>
            </label>
            <label>"From" <input type="date" name="from" value=query.from.clone() /></label>
            <label>"To" <input type="date" name="to" value=query.to.clone() /></label>
            <button type="submit" class="btn-primary">"Filter"</button>
            <a href="/admin/audit" class="btn-link">"Clear"</a>
        </form>
    }
}

#[component]
fn Trail(page: AuditPage, query: AuditQuery) -> impl IntoView {
    let filters = AuditQuery {
        page: None,
        ..query.clone()
    }
    .to_query_string();
    let export = |format: &str| {
        let separator = if filters.is_empty() { "" } else { "&" };
        format!("/api/audit/export?format={format}{separator}{filters}")
    };
    let link_to = |number: u32| {
        let query = AuditQuery {
            page: Some(number),
            ..query.clone()
        }
        .to_query_string();
        format!("/admin/audit?{query}")
    };
    let summary = match page.total {
        0 => "No changes match these filters.".to_owned(),
        1 => "1 change".to_owned(),
        total => format!("{total} changes · page {} of {}", page.page, page.pages),
    };
    let exports = view! {
        <span class="builder-group">
            <a href=export("csv") download>"Export CSV"</a>
            <a href=export("json") download>"Export JSON"</a>
        </span>
    };
    view! {
        <ListPanel
            heading_id="trail-heading"
            heading=summary
            heading_test_id="audit-summary"
            columns=&["Time (UTC)", "User", "Action", "Resource", "What changed"]
            empty="Changes appear here as people make them."
            rows=page.records.into_iter().map(|record| view! { <Row record /> }.into_any()).collect()
            actions=exports.into_any()
            table_class="audit-table"
        />
        <nav class="pager" aria-label="Audit pages">
            {(page.page > 1).then(|| view! { <a href=link_to(page.page - 1) rel="prev">"← Newer"</a> })}
            {(page.page < page.pages).then(|| view! { <a href=link_to(page.page + 1) rel="next">"Older →"</a> })}
        </nav>
    }
}

#[component]
fn Row(record: AuditRecord) -> impl IntoView {
    let patch = serde_json::to_string_pretty(&record.patch).unwrap_or_default();
    let resource = format!("{} {}", record.resource_type, record.resource_id);
    let changes = if record.changes.is_empty() {
        view! { <p class="muted">"No field changed."</p> }.into_any()
    } else {
        view! {
            <ul class="change-list">
                {record.changes.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
        }
        .into_any()
    };
    view! {
        <tr data-audit-id=record.id>
            <td>{record.at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
            <td>{record.actor}</td>
            <td><span title=record.action.clone()>{record.action_label}</span></td>
            <td><code>{resource}</code></td>
            <td>
                {changes}
                <details>
                    <summary>"JSON Patch"</summary>
                    <pre class="code-block">{patch}</pre>
                </details>
            </td>
        </tr>
    }
}
