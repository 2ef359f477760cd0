//! The page builder: a widget palette, the canvas on the 12-column grid and a property
//! panel. The page JSON is edited in the browser with undo/redo and autosaved as a draft;
//! the revision it was based on guards against overwriting someone else's save.

pub mod api;
mod canvas;
mod mapper;
mod properties;

use domain::{
    ErrorCode, PageDefinition, ValidationIssue, Widget,
    dto::{PageDraft, RenderedPage, SaveDraft},
    layout::{self, History},
    page::{Breakpoint, Layout},
};
use leptos::{prelude::*, task::spawn_local};
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_navigate, use_params_map};

use crate::auth::error_view;

const HISTORY_LIMIT: usize = 200;
const AUTOSAVE_DELAY_MS: u64 = 800;
const PREVIEW_DELAY_MS: u64 = 300;

#[derive(Clone, Debug, PartialEq)]
pub enum SaveState {
    Saved,
    Unsaved,
    Saving,
    Failed(String),
    /// Someone else saved first; autosave stops until the editor chooses what to do.
    Conflict(String),
}

impl SaveState {
    fn label(&self) -> String {
        match self {
            SaveState::Saved => "All changes saved".to_owned(),
            SaveState::Unsaved => "Unsaved changes".to_owned(),
            SaveState::Saving => "Saving…".to_owned(),
            SaveState::Failed(message) => format!("Not saved: {message}"),
            SaveState::Conflict(_) => "Not saved: edit conflict".to_owned(),
        }
    }

    fn key(&self) -> &'static str {
        match self {
            SaveState::Saved => "saved",
            SaveState::Unsaved => "unsaved",
            SaveState::Saving => "saving",
            SaveState::Failed(_) => "error",
            SaveState::Conflict(_) => "conflict",
        }
    }
}

/// The editing session of one page, shared by every part of the builder.
#[derive(Clone, Copy)]
pub struct Builder {
    pub page_id: i32,
    pub slug: StoredValue<String>,
    pub definition: RwSignal<PageDefinition>,
    history: StoredValue<History<PageDefinition>>,
    pub can_undo: RwSignal<bool>,
    pub can_redo: RwSignal<bool>,
    pub selected: RwSignal<Vec<String>>,
    pub breakpoint: RwSignal<Breakpoint>,
    revision: RwSignal<i32>,
    pub published: RwSignal<bool>,
    pub save_state: RwSignal<SaveState>,
    clipboard: StoredValue<Vec<Widget>>,
    /// Bumped by every edit; autosave and the canvas preview follow it.
    edits: RwSignal<u64>,
    pub issues: RwSignal<Vec<ValidationIssue>>,
    /// The canvas data: the draft rendered by the server with live tool answers.
    pub preview: RwSignal<Option<RenderedPage>>,
    pub notice: RwSignal<Option<String>>,
}

impl Builder {
    fn new(draft: PageDraft) -> Self {
        Builder {
            page_id: draft.page.id,
            slug: StoredValue::new(draft.page.slug),
            definition: RwSignal::new(draft.definition.clone()),
            history: StoredValue::new(History::new(draft.definition, HISTORY_LIMIT)),
            can_undo: RwSignal::new(false),
            can_redo: RwSignal::new(false),
            selected: RwSignal::new(Vec::new()),
            breakpoint: RwSignal::new(Breakpoint::Desktop),
            revision: RwSignal::new(draft.revision),
            published: RwSignal::new(draft.published),
            save_state: RwSignal::new(SaveState::Saved),
            clipboard: StoredValue::new(Vec::new()),
            edits: RwSignal::new(0),
            issues: RwSignal::new(Vec::new()),
            preview: RwSignal::new(None),
            notice: RwSignal::new(None),
        }
    }

    /// Applies one edit to a copy of the page; a change becomes one undo step.
    pub fn edit(&self, change: impl FnOnce(&mut PageDefinition) -> bool) {
        let mut next = self.definition.get_untracked();
        if change(&mut next) {
            self.commit(next);
        }
    }

    /// Applies a layout operation at the breakpoint being edited.
    pub fn layout_edit(&self, change: impl FnOnce(&mut Layout, Breakpoint) -> bool) {
        let breakpoint = self.breakpoint.get_untracked();
        self.edit(|definition| change(&mut definition.layout, breakpoint));
    }

    /// Records a state (e.g. the end of a resize drag) as one undo step.
    pub fn commit(&self, next: PageDefinition) {
        let pushed = self
            .history
            .try_update_value(|history| history.push(next.clone()))
            .unwrap_or(false);
        self.definition.set(next);
        if pushed {
            self.changed();
        }
    }

    /// Shows a state without recording it (live feedback while dragging).
    pub fn show(&self, state: PageDefinition) {
        self.definition.set(state);
    }

    pub fn undo(&self) {
        if let Some(state) = self
            .history
            .try_update_value(|history| history.undo().cloned())
            .flatten()
        {
            self.definition.set(state);
            self.changed();
        }
    }

    pub fn redo(&self) {
        if let Some(state) = self
            .history
            .try_update_value(|history| history.redo().cloned())
            .flatten()
        {
            self.definition.set(state);
            self.changed();
        }
    }

    fn changed(&self) {
        self.history.with_value(|history| {
            self.can_undo.set(history.can_undo());
            self.can_redo.set(history.can_redo());
        });
        let ids: Vec<String> = self.definition.with_untracked(|d| {
            d.layout
                .all_widgets()
                .iter()
                .map(|w| w.id.clone())
                .collect()
        });
        self.selected
            .update(|selected| selected.retain(|id| ids.contains(id)));
        if !matches!(self.save_state.get_untracked(), SaveState::Conflict(_)) {
            self.save_state.set(SaveState::Unsaved);
        }
        self.edits.update(|count| *count += 1);
    }

    pub fn select_only(&self, id: &str) {
        self.selected.set(vec![id.to_owned()]);
    }

    pub fn toggle_selected(&self, id: &str) {
        self.selected.update(|selected| {
            if let Some(index) = selected.iter().position(|s| s == id) {
                selected.remove(index);
            } else {
                selected.push(id.to_owned());
            }
        });
    }

    pub fn copy(&self) {
        let selected = self.selected.get_untracked();
        let widgets: Vec<Widget> = self.definition.with_untracked(|d| {
            d.layout
                .widgets
                .iter()
                .filter(|w| selected.contains(&w.id))
                .cloned()
                .collect()
        });
        if !widgets.is_empty() {
            self.notice
                .set(Some(format!("Copied {} widget(s)", widgets.len())));
            self.clipboard.set_value(widgets);
        }
    }

    pub fn paste(&self) {
        let widgets = self.clipboard.get_value();
        if widgets.is_empty() {
            return;
        }
        let mut new_ids = Vec::new();
        self.layout_edit(|layout, breakpoint| {
            new_ids = layout::paste(layout, breakpoint, widgets);
            !new_ids.is_empty()
        });
        self.select_and_focus(new_ids);
    }

    pub fn duplicate(&self) {
        let selected = self.selected.get_untracked();
        let mut new_ids = Vec::new();
        self.layout_edit(|layout, breakpoint| {
            new_ids = layout::duplicate(layout, breakpoint, &selected);
            !new_ids.is_empty()
        });
        self.select_and_focus(new_ids);
    }

    pub fn remove_selected(&self) {
        let selected = self.selected.get_untracked();
        self.layout_edit(|layout, _| layout::remove(layout, &selected) > 0);
    }

    /// Selects widgets and moves keyboard focus to the first, once it is on the canvas.
    pub fn select_and_focus(&self, ids: Vec<String>) {
        let Some(first) = ids.first().cloned() else {
            return;
        };
        self.selected.set(ids);
        request_animation_frame(move || canvas::focus_widget(&first));
    }

    /// Saves the draft now; false if it could not be saved.
    pub async fn save_now(self) -> bool {
        if matches!(
            self.save_state.get_untracked(),
            SaveState::Saving | SaveState::Conflict(_)
        ) {
            return false;
        }
        let sent_edits = self.edits.get_untracked();
        let draft = SaveDraft {
            definition: self.definition.with_untracked(|d| d.to_canonical_json()),
            base_revision: self.revision.get_untracked(),
        };
        self.save_state.set(SaveState::Saving);
        match api::store_draft(self.page_id, draft).await {
            Ok(saved) => {
                self.revision.set(saved.revision);
                self.issues.set(Vec::new());
                if self.edits.get_untracked() == sent_edits {
                    self.save_state.set(SaveState::Saved);
                } else {
                    self.save_state.set(SaveState::Unsaved);
                    self.schedule_save();
                }
                true
            }
            Err(err) => {
                self.issues.set(err.0.issues.clone());
                if err.code() == ErrorCode::Conflict {
                    self.save_state
                        .set(SaveState::Conflict(err.message().to_owned()));
                } else if self.edits.get_untracked() != sent_edits {
                    // Edited while this save was being refused: the newer draft (a fixed
                    // expression, say) gets its own save.
                    self.save_state.set(SaveState::Unsaved);
                    self.schedule_save();
                } else {
                    self.save_state
                        .set(SaveState::Failed(err.message().to_owned()));
                }
                false
            }
        }
    }

    fn schedule_save(self) {
        let scheduled_at = self.edits.get_untracked();
        set_timeout(
            move || {
                let still_quiet = self.edits.try_get_untracked() == Some(scheduled_at);
                if still_quiet && self.save_state.get_untracked() == SaveState::Unsaved {
                    spawn_local(async move {
                        self.save_now().await;
                    });
                }
            },
            std::time::Duration::from_millis(AUTOSAVE_DELAY_MS),
        );
    }

    pub fn publish(self) {
        spawn_local(async move {
            if self.save_state.get_untracked() != SaveState::Saved && !self.save_now().await {
                return;
            }
            match api::publish_page(self.page_id, self.revision.get_untracked()).await {
                Ok(summary) => {
                    self.revision.set(summary.version);
                    self.published.set(true);
                    self.issues.set(Vec::new());
                    self.notice.set(Some("Published".to_owned()));
                }
                Err(err) => {
                    self.issues.set(err.0.issues.clone());
                    self.notice
                        .set(Some(format!("Not published: {}", err.message())));
                    if err.code() == ErrorCode::Conflict {
                        self.save_state
                            .set(SaveState::Conflict(err.message().to_owned()));
                    }
                }
            }
        });
    }

    /// Saves the draft, then asks for this revision to be published (organizations where
    /// publishing needs approval).
    pub fn request_approval(self) {
        let Ok(Some(note)) = window().prompt_with_message("A note for the approver (optional):")
        else {
            return;
        };
        spawn_local(async move {
            if self.save_state.get_untracked() != SaveState::Saved && !self.save_now().await {
                return;
            }
            let revision = self.revision.get_untracked();
            match crate::admin::api::request_approval(self.page_id, revision, note).await {
                Ok(_) => self.notice.set(Some(
                    "Approval requested: the page is published when someone else approves this revision.".to_owned(),
                )),
                Err(err) => self
                    .notice
                    .set(Some(format!("Not requested: {}", err.summary()))),
            }
        });
    }

    pub fn unpublish(self) {
        spawn_local(async move {
            match api::unpublish_page(self.page_id).await {
                Ok(summary) => {
                    self.revision.set(summary.version);
                    self.published.set(false);
                    self.notice.set(Some(
                        "Unpublished: viewers no longer see this page".to_owned(),
                    ));
                }
                Err(err) => self
                    .notice
                    .set(Some(format!("Not unpublished: {}", err.message()))),
            }
        });
    }

    fn refresh_preview(self) {
        let scheduled_at = self.edits.get_untracked();
        set_timeout(
            move || {
                if self.edits.try_get_untracked() != Some(scheduled_at) {
                    return;
                }
                let definition = self.definition.with_untracked(|d| d.to_canonical_json());
                spawn_local(async move {
                    if let Ok(rendered) = api::preview_page(definition).await
                        && self.edits.try_get_untracked() == Some(scheduled_at)
                    {
                        self.preview.set(Some(rendered));
                    }
                });
            },
            std::time::Duration::from_millis(PREVIEW_DELAY_MS),
        );
    }
}

#[component]
pub fn BuilderPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i32>().ok())
            .unwrap_or_default()
    };
    let draft = Resource::new(id, api::load_draft);
    let path = use_location().pathname.get_untracked();
    view! {
        <Title text="Page builder" />
        <Suspense fallback=|| view! { <p class="loading">"Opening the builder…"</p> }>
            {move || {
                let path = path.clone();
                Suspend::new(async move {
                    match draft.await {
                        Ok(draft) => view! { <BuilderScreen draft /> }.into_any(),
                        Err(err) => error_view(err, path),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn BuilderScreen(draft: PageDraft) -> impl IntoView {
    let title = draft.page.title.clone();
    let builder = Builder::new(draft);
    provide_context(builder);
    provide_context(mapper::MapperAnswers::default());
    provide_context(crate::viewer::widgets::PageVariables(RwSignal::new(
        Default::default(),
    )));
    // Autosave and canvas data follow the edits (effects run only in the browser).
    Effect::new(move |previous: Option<u64>| {
        let edits = builder.edits.get();
        if previous.is_some_and(|previous| previous != edits) {
            builder.schedule_save();
        }
        builder.refresh_preview();
        edits
    });
    let hydrated = crate::use_hydrated();
    // Shortcuts listen on the window: an undo may rebuild the focused widget, and the next
    // key must still reach the builder.
    let shortcuts = window_event_listener(leptos::ev::keydown, move |ev| {
        canvas::handle_shortcut(builder, ev)
    });
    on_cleanup(move || shortcuts.remove());
    view! {
        <Title text=format!("Edit {title}") />
        <div
            class="builder"
            id="builder"
            data-hydrated=move || hydrated.get().then_some("true")
        >
            <TopBar title />
            <ConflictDialog />
            <div class="builder-body">
                <canvas::Palette />
                <canvas::Canvas />
                // Problems show beside the properties: appearing above the canvas, they
                // would shift it under the pointer in the middle of a drag.
                <div class="builder-side">
                    <IssueList />
                    <properties::PropertyPanel />
                </div>
            </div>
        </div>
    }
}

#[component]
fn TopBar(title: String) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let slug = builder.slug.get_value();
    let breakpoint_button = move |breakpoint: Breakpoint, label: &'static str| {
        view! {
            <button
                type="button"
                class="btn-secondary"
                aria-pressed=move || (builder.breakpoint.get() == breakpoint).to_string()
                on:click=move |_| builder.breakpoint.set(breakpoint)
            >
                {label}
            </button>
        }
    };
    // Read after hydration: where publishing needs approval, the button asks for it instead.
    let publishing = LocalResource::new(crate::admin::api::load_publishing_settings);
    let approval_required = move || {
        publishing
            .get()
            .and_then(Result::ok)
            .is_some_and(|settings| settings.require_approval)
    };
    view! {
        <header class="builder-bar">
            <a href="/admin/pages" class="btn-link">"← Pages"</a>
            <h1 class="builder-title">{title}</h1>
            <span class="badge" data-testid="publish-state">
                {move || if builder.published.get() { "Published" } else { "Draft" }}
            </span>
            <div role="group" aria-label="Breakpoint" class="builder-group">
                {breakpoint_button(Breakpoint::Desktop, "Desktop")}
                {breakpoint_button(Breakpoint::Tablet, "Tablet")}
                {breakpoint_button(Breakpoint::Mobile, "Mobile")}
            </div>
            <div role="group" aria-label="History" class="builder-group">
                <button type="button" class="btn-secondary" aria-keyshortcuts="Control+Z"
                    prop:disabled=move || !builder.can_undo.get() on:click=move |_| builder.undo()>"Undo"</button>
                <button type="button" class="btn-secondary" aria-keyshortcuts="Control+Y"
                    prop:disabled=move || !builder.can_redo.get() on:click=move |_| builder.redo()>"Redo"</button>
            </div>
            <span role="status" class="save-state" data-testid="save-state"
                data-state=move || builder.save_state.with(SaveState::key)>
                {move || builder.save_state.with(SaveState::label)}
            </span>
            <button type="button" class="btn-secondary" on:click=move |_| {
                spawn_local(async move {
                    builder.save_now().await;
                });
            }>"Save draft"</button>
            <a class="btn-secondary" href=format!("/p/{slug}?draft=1") target="_blank">"Preview"</a>
            <a class="btn-secondary" href=format!("/admin/pages/{}/history", builder.page_id)>"History"</a>
            {move || if builder.published.get() {
                view! { <button type="button" class="btn-secondary" on:click=move |_| builder.unpublish()>"Unpublish"</button> }.into_any()
            } else if approval_required() {
                view! { <button type="button" class="btn-primary" on:click=move |_| builder.request_approval()>"Request approval"</button> }.into_any()
            } else {
                view! { <button type="button" class="btn-primary" on:click=move |_| builder.publish()>"Publish"</button> }.into_any()
            }}
            <ThemeToggle />
            <p class="builder-notice" role="status" data-testid="builder-notice">{move || builder.notice.get()}</p>
        </header>
    }
}

/// Light/dark switch; the choice is kept in the browser.
#[component]
fn ThemeToggle() -> impl IntoView {
    let toggle = move |_| {
        if let Some(root) = document().document_element() {
            let dark = root.class_list().toggle("dark").unwrap_or(false);
            if let Ok(Some(storage)) = window().local_storage() {
                let _ = storage.set_item("theme", if dark { "dark" } else { "light" });
            }
        }
    };
    view! { <button type="button" class="btn-secondary" on:click=toggle aria-label="Toggle dark mode">"◐"</button> }
}

#[component]
fn ConflictDialog() -> impl IntoView {
    let builder = expect_context::<Builder>();
    let navigate = use_navigate();
    let keep_copy = move |_| {
        let navigate = navigate.clone();
        let definition = builder.definition.with_untracked(|d| d.to_canonical_json());
        spawn_local(async move {
            match api::save_page_as_copy(builder.page_id, definition).await {
                Ok(copy) => {
                    // A full load, so the builder starts fresh on the copy.
                    let _ = window()
                        .location()
                        .set_href(&format!("/builder/{}", copy.id));
                    let _ = navigate;
                }
                Err(err) => builder
                    .notice
                    .set(Some(format!("Could not make a copy: {}", err.message()))),
            }
        });
    };
    let reload = move |_| {
        let _ = window().location().reload();
    };
    view! {
        <div role="alertdialog" aria-labelledby="conflict-title" class="conflict" data-testid="conflict"
            hidden=move || !matches!(builder.save_state.get(), SaveState::Conflict(_))>
            <h2 id="conflict-title">"Someone else changed this page"</h2>
            <p>{move || match builder.save_state.get() { SaveState::Conflict(message) => message, _ => String::new() }}</p>
            <div class="builder-group">
                <button type="button" class="btn-primary" on:click=reload>"Reload their version"</button>
                <button type="button" class="btn-secondary" on:click=keep_copy>"Keep editing a copy"</button>
            </div>
        </div>
    }
}

/// Problems the server found on save or publish; each names its widget, which a click selects.
#[component]
fn IssueList() -> impl IntoView {
    let builder = expect_context::<Builder>();
    view! {
        <ul class="issue-list" role="alert" hidden=move || builder.issues.with(Vec::is_empty)>
            {move || {
                builder
                    .issues
                    .get()
                    .into_iter()
                    .map(|issue| {
                        let widget = widget_id_in_path(&issue.path);
                        let text = format!("{}: {}", issue.path, issue.message);
                        match widget {
                            Some(id) => view! {
                                <li><button type="button" class="btn-link" on:click=move |_| builder.select_and_focus(vec![id.clone()])>{text}</button></li>
                            }
                            .into_any(),
                            None => view! { <li>{text}</li> }.into_any(),
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}

/// `definition.layout.widgets[2] ("table-1").props.columns` → `table-1`.
fn widget_id_in_path(path: &str) -> Option<String> {
    let start = path.find("(\"")? + 2;
    let end = start + path[start..].find("\")")?;
    Some(path[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::widget_id_in_path;

    #[test]
    fn issue_paths_name_their_widget() {
        assert_eq!(
            widget_id_in_path("definition.layout.widgets[2] (\"table-1\").props.columns")
                .as_deref(),
            Some("table-1")
        );
        assert_eq!(widget_id_in_path("definition.schema_version"), None);
    }
}
