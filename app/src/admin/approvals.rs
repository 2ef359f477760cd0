//! The approvals screen (`/admin/approvals`, for those who may publish): the organization's
//! setting, and the requests waiting for someone other than their requester, each with what
//! publishing it would change for viewers, to approve or to reject with a comment.

use domain::approvals::ApprovalRequest;
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::use_location;

use super::api;
use crate::auth::{error_view, use_session_resource};

#[component]
pub fn ApprovalsPage() -> impl IntoView {
    let reloads = RwSignal::new(0_u32);
    let queue = Resource::new(move || reloads.get(), |_| api::list_approvals());
    let settings = Resource::new(move || reloads.get(), |_| api::load_publishing_settings());
    let session = use_session_resource();
    let path = use_location().pathname.get_untracked();
    let notice = RwSignal::new(None::<(String, bool)>);
    let report = Callback::new(move |(text, failed): (String, bool)| {
        notice.set(Some((text, failed)));
        reloads.update(|n| *n += 1);
    });
    view! {
        <Title text="Approvals" />
        <Suspense fallback=|| view! { <p class="loading">"Loading approvals…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    let (queue, settings) = match (queue.await, settings.await) {
                        (Ok(queue), Ok(settings)) => (queue, settings),
                        (Err(err), _) | (_, Err(err)) => return error_view(err, path),
                    };
                    let admin = matches!(session.await, Ok(Some(user)) if user.may(domain::Action::ManageUsers));
                    let hydrated = crate::use_hydrated();
                    let toggle = move |ev: leptos::ev::Event| {
                        let on = event_target_checked(&ev);
                        spawn_local(async move {
                            report.run(match api::save_publishing_settings(on).await {
                                Ok(_) if on => ("Publishing now needs approval.".to_owned(), false),
                                Ok(_) => ("Pages can be published directly again.".to_owned(), false),
                                Err(err) => (err.summary(), true),
                            });
                        });
                    };
                    view! {
                        <h1 class="page-title">"Approvals"</h1>
                        <p
                            role="status"
                            data-testid="approvals-notice"
                            class=move || if notice.with(|n| n.as_ref().is_some_and(|n| n.1)) { "form-error" } else { "form-note" }
                            hidden=move || notice.with(Option::is_none)
                        >
                            {move || notice.get().map(|n| n.0)}
                        </p>
                        <div id="approvals-area" data-hydrated=move || hydrated.get().then_some("true")>
                            <section class="panel" aria-labelledby="publishing-heading">
                                <h2 id="publishing-heading">"Publishing"</h2>
                                <label class="prop-check">
                                    <input type="checkbox" checked=settings.require_approval disabled=!admin on:change=toggle />
                                    <span>"Publishing needs approval by someone other than the requester"</span>
                                </label>
                                {if admin {
                                    view! { <p><a href="/admin/settings/publishing/history" data-testid="publishing-history">"History of this setting"</a></p> }.into_any()
                                } else {
                                    view! { <p class="muted">"Admins change this setting."</p> }.into_any()
                                }}
                            </section>
                            <section class="panel" aria-labelledby="queue-heading">
                                <h2 id="queue-heading" data-testid="queue-summary">{match queue.len() {
                                    0 => "Nothing waits for your approval.".to_owned(),
                                    1 => "1 request waits for you".to_owned(),
                                    n => format!("{n} requests wait for you"),
                                }}</h2>
                                {queue.into_iter().map(|request| view! { <RequestCard request report /> }).collect_view()}
                            </section>
                        </div>
                    }
                    .into_any()
                })
            }}
        </Suspense>
    }
}

#[component]
fn RequestCard(request: ApprovalRequest, report: Callback<(String, bool)>) -> impl IntoView {
    let id = request.id;
    let title = request.page_title.clone();
    let comment = RwSignal::new(String::new());
    let decide = move |approve: bool| {
        let title = title.clone();
        spawn_local(async move {
            report.run(
                match api::decide_approval(id, approve, comment.get_untracked()).await {
                    Ok(_) if approve => (format!("Approved and published \"{title}\"."), false),
                    Ok(_) => (
                        format!("Rejected \"{title}\"; the requester sees your comment."),
                        false,
                    ),
                    Err(err) => (err.summary(), true),
                },
            );
        });
    };
    let approve = decide.clone();
    let heading = format!("{} · revision {}", request.page_title, request.revision);
    let comment_id = format!("comment-{id}");
    view! {
        <article class="approval-card" data-approval=id aria-label=format!("Request for {}", request.page_title)>
            <h3>{heading}</h3>
            <p class="muted">
                {format!("Asked by {} on {} UTC", request.requested_by, request.requested_at.format("%Y-%m-%d %H:%M"))}
                " · " <a href=format!("/builder/{}", request.page_id)>"Open the draft"</a>
            </p>
            {(!request.note.is_empty()).then(|| view! { <blockquote class="approval-note">{request.note.clone()}</blockquote> })}
            <h4>"What viewers would get"</h4>
            {if request.changes.is_empty() {
                view! { <p class="muted">"No change from what viewers see now."</p> }.into_any()
            } else {
                view! {
                    <ul class="change-list">
                        {request.changes.iter().cloned().map(|line| view! { <li>{line}</li> }).collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <label class="prop-field" for=comment_id.clone()>
                <span>"Comment (required to reject)"</span>
            </label>
            <textarea id=comment_id rows="2" prop:value=move || comment.get() on:input=move |ev| comment.set(event_target_value(&ev))></textarea>
            <div class="builder-group">
                <button type="button" class="btn-primary" on:click=move |_| approve(true)>"Approve and publish"</button>
                <button type="button" class="btn-secondary" on:click=move |_| decide(false)>"Reject"</button>
            </div>
        </article>
    }
}
