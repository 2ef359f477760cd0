//! A page's history (`/admin/pages/:id/history`): every version with who, when and what,
//! two versions compared in words with the JSON Patch one click away, and "Revert to this
//! version". Comparing is a GET form and reverting a POST form answered with a redirect, so
//! the screen works the same without JavaScript.

use domain::versions::{CompareVersions, PageHistory, VersionComparison, VersionSummary};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use super::{api, id_param};
use crate::{auth::error_view, components::ListPanel};

#[component]
pub fn PageHistoryPage() -> impl IntoView {
    let query = use_query_map();
    let id = id_param();
    let number = move |name: &str| {
        query
            .with(|query| query.get(name))
            .and_then(|n| n.parse::<i32>().ok())
    };
    let compare = move || CompareVersions {
        from: number("from"),
        to: number("to"),
    };
    let history = Resource::new(
        move || (id(), compare()),
        |(id, compare)| api::load_page_history(id, compare.from, compare.to),
    );
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text="Page history" />
        <Suspense fallback=|| view! { <p class="loading">"Loading the history…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match history.await {
                        Ok(history) => view! {
                            <Outcome reverted=number("reverted") invalid=number("invalid") stale=number("stale").is_some() live=history.live_version.is_some() noun="page" />
                            <History history />
                        }
                        .into_any(),
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Suspense>
    }
}

/// What the last revert did, from the redirect that answered it.
#[component]
pub(super) fn Outcome(
    reverted: Option<i32>,
    invalid: Option<i32>,
    stale: bool,
    live: bool,
    /// What the history is of: "page", "role".
    noun: &'static str,
) -> impl IntoView {
    let done = reverted.map(|version| {
        let viewers = if live { " Viewers see it now." } else { "" };
        format!("Reverted to version {version}, saved as a new version.{viewers}")
    });
    let failed = if stale {
        Some(format!(
            "Someone changed the {noun} after you opened its history. This is the latest; try again."
        ))
    } else {
        invalid.map(|version| {
            format!("Version {version} cannot come back as it is: it no longer passes today's checks (for example, a tool it uses was removed). Edit the {noun} instead.")
        })
    };
    view! {
        {done.map(|text| view! { <p role="status" class="form-note" data-testid="history-outcome">{text}</p> })}
        {failed.map(|text| view! { <p role="alert" class="form-error" data-testid="history-outcome">{text}</p> })}
    }
}

#[component]
fn History(history: PageHistory) -> impl IntoView {
    let page = history.page.clone();
    let links = view! {
        <a href=format!("/builder/{}", page.id)>"Open in the builder"</a>
        <a href=format!("/p/{}", page.slug)>"View the page"</a>
        <a href=format!("/admin/audit?resource_type=page&resource_id={}", page.id)>"Audit trail"</a>
    }
    .into_any();
    view! {
        <HistoryBody
            title=format!("History of {}", page.title)
            links
            versions=history.versions
            comparison=history.comparison
            history_path=format!("/admin/pages/{}/history", page.id)
            revert_action=format!("/api/pages/{}/revert", page.id)
            revision=page.version
            live=history.live_version
            noun="page"
        />
    }
}

/// What every object's history screen shows: a heading with links, the comparison form and
/// result, and the versions with their actions.
#[component]
#[allow(clippy::too_many_arguments)]
pub(super) fn HistoryBody(
    title: String,
    links: AnyView,
    versions: Vec<VersionSummary>,
    comparison: Option<VersionComparison>,
    history_path: String,
    revert_action: String,
    /// What a revert is checked against: the object's revision the screen shows.
    revision: i32,
    live: Option<i32>,
    noun: &'static str,
) -> impl IntoView {
    let newest = versions.first().map(|version| version.version);
    let rows = versions
        .iter()
        .cloned()
        .map(|version| {
            view! {
                <VersionRow
                    version
                    history_path=history_path.clone()
                    revert_action=revert_action.clone()
                    revision
                    newest
                    live
                />
            }
            .into_any()
        })
        .collect();
    view! {
        <h1 class="page-title">{title}</h1>
        <p class="builder-group">{links}</p>
        <CompareForm versions comparison=comparison.clone() action=history_path />
        {comparison.map(|comparison| view! { <Comparison comparison /> })}
        <ListPanel
            heading_id="versions-heading"
            heading="Versions"
            columns=&["Version", "Saved (UTC)", "By", "What", "Actions"]
            empty=format!("This {noun} has no saved versions yet.")
            rows
            table_class="history-table"
        />
    }
}

/// Picks two versions to compare (a GET form, so it works without JavaScript).
#[component]
fn CompareForm(
    versions: Vec<VersionSummary>,
    comparison: Option<VersionComparison>,
    action: String,
) -> impl IntoView {
    let (from, to) = comparison.as_ref().map_or((None, None), |comparison| {
        (Some(comparison.from), Some(comparison.to))
    });
    let several = versions.len() > 1;
    let options = move |current: Option<i32>| {
        versions
            .iter()
            .map(|version| {
                let number = version.version;
                view! { <option value=number selected=current == Some(number)>{format!("Version {number} · {}", version.note)}</option> }
            })
            .collect_view()
    };
    several.then(|| view! {
        <form method="get" action=action class="panel audit-filters" aria-label="Compare versions">
            <label>"From" <select name="from">{options(from)}</select></label>
            <label>"To" <select name="to">{options(to)}</select></label>
            <button type="submit" class="btn-primary">"Compare"</button>
        </form>
    })
}

#[component]
fn Comparison(comparison: VersionComparison) -> impl IntoView {
    let patch = serde_json::to_string_pretty(&comparison.patch).unwrap_or_default();
    let heading = format!("Version {} → version {}", comparison.from, comparison.to);
    view! {
        <section class="panel" aria-labelledby="comparison-heading" data-testid="comparison">
            <h2 id="comparison-heading">{heading}</h2>
            {if comparison.changes.is_empty() {
                view! { <p class="muted">"These versions are the same."</p> }.into_any()
            } else {
                view! {
                    <ul class="change-list">
                        {comparison.changes.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <details>
                <summary>"JSON Patch"</summary>
                <pre class="code-block">{patch}</pre>
            </details>
        </section>
    }
}

/// One version with "Compare with latest" and "Revert to this version" (a POST form to
/// `revert_action`, answered with a redirect back to `history_path`).
#[component]
fn VersionRow(
    version: VersionSummary,
    history_path: String,
    revert_action: String,
    revision: i32,
    newest: Option<i32>,
    live: Option<i32>,
) -> impl IntoView {
    let number = version.version;
    let is_newest = newest == Some(number);
    let compare_link = newest
        .filter(|newest| *newest != number)
        .map(|newest| format!("{history_path}?from={number}&to={newest}"));
    view! {
        <tr data-version=number>
            <td>
                {format!("Version {number}")}
                {(live == Some(number)).then(|| view! { " " <span class="badge status-active">"Live"</span> })}
                {is_newest.then(|| view! { " " <span class="badge">"Latest"</span> })}
            </td>
            <td>{version.at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
            <td>{version.by.unwrap_or_else(|| "unknown".to_owned())}</td>
            <td>{version.note}</td>
            <td class="actions">
                {compare_link.map(|href| view! { <a class="btn-secondary" href=href aria-label=format!("Compare version {number} with the latest")>"Compare with latest"</a> })}
                {(!is_newest).then(|| view! {
                    <form method="post" action=revert_action.clone()>
                        <input type="hidden" name="version" value=number />
                        <input type="hidden" name="base_revision" value=revision />
                        <button type="submit" class="btn-secondary" aria-label=format!("Revert to version {number}")>"Revert to this version"</button>
                    </form>
                })}
            </td>
        </tr>
    }
}
