//! Palette and canvas: placing widgets by drag and drop or keyboard, moving, resizing,
//! selecting, and the keyboard shortcuts of the builder.

use std::collections::BTreeMap;

use domain::{
    GridRect, Widget, WidgetKind, WidgetProps,
    layout::{self, Axis, Guide},
    page::GRID_COLUMNS,
};
use leptos::{ev, html, prelude::*};
use wasm_bindgen::JsCast;

use super::Builder;
use crate::viewer::{PageContext, RefreshControl, widget_content};

/// Gap between grid cells in CSS pixels; the canvas CSS uses the same value.
const GAP: f64 = 16.0;

/// What is being dragged: a new widget from the palette or one already on the canvas
/// (with the cell offset where it was grabbed).
#[derive(Clone, Debug, PartialEq)]
enum Dragging {
    New(WidgetKind),
    Move { id: String, grab: (u8, u16) },
}

#[derive(Clone, Copy)]
struct DragState {
    dragging: StoredValue<Option<Dragging>>,
    /// Where the dragged widget would land, for the drop ghost and alignment guides.
    hint: RwSignal<Option<GridRect>>,
    canvas_width: RwSignal<f64>,
}

/// A new search box or filter starts out narrowing the first table on the page.
fn aim_at_first_table(layout: &mut domain::page::Layout, id: &str) {
    let first_table = layout
        .widgets
        .iter()
        .find_map(|widget| match &widget.props {
            WidgetProps::Table(table) => Some((
                widget.id.clone(),
                table.columns.first().map(|column| column.key.clone()),
            )),
            _ => None,
        });
    let Some((table, column)) = first_table else {
        return;
    };
    let Some(widget) = layout.widgets.iter_mut().find(|widget| widget.id == id) else {
        return;
    };
    match &mut widget.props {
        WidgetProps::Search(search) if search.targets.is_empty() => search.targets.push(table),
        WidgetProps::Filter(filter) if filter.target.is_empty() => {
            filter.target = table;
            filter.column = column.unwrap_or_default();
        }
        _ => {}
    }
}

/// Adds a palette widget at a cell (or the first free spot) and returns its id.
pub fn add_widget(
    layout: &mut domain::page::Layout,
    breakpoint: domain::page::Breakpoint,
    widget: Widget,
    at: Option<(u8, u16)>,
) -> String {
    let id = layout::place(layout, breakpoint, widget, at);
    aim_at_first_table(layout, &id);
    id
}

/// Moves keyboard focus to a widget on the canvas. A widget added or rebuilt by the last
/// edit may appear a frame or two later, so this tries again for a few frames.
pub fn focus_widget(id: &str) {
    focus_when_rendered(id.to_owned(), 10);
}

fn focus_when_rendered(id: String, frames_left: u8) {
    let element = document()
        .query_selector(&format!(".canvas-widget[data-widget-id=\"{id}\"]"))
        .ok()
        .flatten()
        .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
    match element {
        Some(element) => {
            let _ = element.focus();
        }
        None if frames_left > 0 => {
            request_animation_frame(move || focus_when_rendered(id, frames_left - 1))
        }
        None => {}
    }
}

#[component]
pub fn Palette() -> impl IntoView {
    let builder = expect_context::<Builder>();
    let drag = use_drag_state();
    view! {
        <aside class="builder-palette" aria-label="Widgets">
            <h2>"Widgets"</h2>
            <p class="muted">"Drag onto the canvas, or press Enter to add."</p>
            <ul>
                {WidgetKind::ALL
                    .iter()
                    .map(|&kind| {
                        let type_name = kind.name();
                        let label = kind.label();
                        let add = move |_| {
                            let widget = Widget::from_palette(kind);
                            let mut id = String::new();
                            builder.layout_edit(|layout, breakpoint| {
                                id = add_widget(layout, breakpoint, widget, None);
                                true
                            });
                            builder.select_and_focus(vec![id]);
                        };
                        view! {
                            <li>
                                <button
                                    type="button"
                                    class="palette-item"
                                    draggable="true"
                                    data-palette-type=type_name
                                    aria-label=format!("Add {label}")
                                    on:click=add
                                    on:dragstart=move |ev: ev::DragEvent| {
                                        if let Some(transfer) = ev.data_transfer() {
                                            let _ = transfer.set_data("text/plain", type_name);
                                            transfer.set_effect_allowed("copy");
                                        }
                                        drag.dragging.set_value(Some(Dragging::New(kind)));
                                    }
                                    on:dragend=move |_| drag.end()
                                >
                                    {label}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </aside>
    }
}

impl DragState {
    fn end(&self) {
        self.dragging.set_value(None);
        self.hint.set(None);
    }
}

fn use_drag_state() -> DragState {
    match use_context::<DragState>() {
        Some(state) => state,
        None => {
            let state = DragState {
                dragging: StoredValue::new(None),
                hint: RwSignal::new(None),
                canvas_width: RwSignal::new(1.0),
            };
            provide_context(state);
            state
        }
    }
}

/// Effective rectangles of every widget at a breakpoint (mobile: stacked unless placed).
fn rects_at(builder: Builder) -> Memo<BTreeMap<String, GridRect>> {
    Memo::new(move |_| {
        let breakpoint = builder.breakpoint.get();
        builder.definition.with(|definition| {
            definition
                .layout
                .widgets
                .iter()
                .filter_map(|widget| {
                    layout::rect_at(&definition.layout, &widget.id, breakpoint)
                        .map(|rect| (widget.id.clone(), rect))
                })
                .collect()
        })
    })
}

fn cell_style(rect: GridRect) -> String {
    format!(
        "grid-column:{} / span {};grid-row:{} / span {}",
        u16::from(rect.x) + 1,
        rect.w,
        u32::from(rect.y) + 1,
        rect.h
    )
}

#[component]
pub fn Canvas() -> impl IntoView {
    let builder = expect_context::<Builder>();
    let drag = use_drag_state();
    let canvas_ref = NodeRef::<html::Div>::new();
    let rects = rects_at(builder);
    let row_height = move || builder.definition.with(|d| d.layout.row_height);
    let cell_under = move |ev: &ev::DragEvent| -> Option<(u8, u16)> {
        let canvas = canvas_ref.get_untracked()?;
        let bounds = canvas.get_bounding_client_rect();
        drag.canvas_width.set(bounds.width());
        Some(layout::cell_at(
            f64::from(ev.client_x()) - bounds.left(),
            f64::from(ev.client_y()) - bounds.top(),
            bounds.width(),
            f64::from(builder.definition.with_untracked(|d| d.layout.row_height)),
            GAP,
        ))
    };
    let landing = move |cell: (u8, u16)| -> Option<GridRect> {
        let (w, h) = match drag.dragging.get_value()? {
            Dragging::New(kind) => {
                let (_, w, h) = kind.palette_default();
                (w, h)
            }
            Dragging::Move { ref id, .. } => {
                let rect = rects.with_untracked(|rects| rects.get(id).copied())?;
                (rect.w, rect.h)
            }
        };
        let (x, y) = match drag.dragging.get_value()? {
            Dragging::Move { grab, .. } => {
                (cell.0.saturating_sub(grab.0), cell.1.saturating_sub(grab.1))
            }
            Dragging::New(_) => cell,
        };
        let x = x.min(GRID_COLUMNS - w.min(GRID_COLUMNS));
        Some(GridRect { x, y, w, h })
    };
    let on_dragover = move |ev: ev::DragEvent| {
        if drag.dragging.with_value(Option::is_none) {
            return;
        }
        ev.prevent_default();
        let hint = cell_under(&ev).and_then(landing);
        if drag.hint.get_untracked() != hint {
            drag.hint.set(hint);
        }
    };
    let on_drop = move |ev: ev::DragEvent| {
        ev.prevent_default();
        let Some(target) = cell_under(&ev).and_then(landing) else {
            drag.end();
            return;
        };
        match drag.dragging.get_value() {
            Some(Dragging::New(kind)) => {
                let widget = Widget::from_palette(kind);
                let mut id = String::new();
                builder.layout_edit(|layout, breakpoint| {
                    id = add_widget(layout, breakpoint, widget, Some((target.x, target.y)));
                    true
                });
                builder.select_and_focus(vec![id]);
            }
            Some(Dragging::Move { id, .. }) => {
                builder.layout_edit(|layout, breakpoint| {
                    layout::move_to(layout, breakpoint, &id, target.x, target.y)
                });
                builder.select_and_focus(vec![id]);
            }
            None => {}
        }
        drag.end();
    };
    let guides = Memo::new(move |_| {
        let hint = drag.hint.get()?;
        let breakpoint = builder.breakpoint.get_untracked();
        let mut preview = builder.definition.get_untracked();
        let id = match drag.dragging.get_value()? {
            Dragging::Move { id, .. } => {
                layout::move_to(&mut preview.layout, breakpoint, &id, hint.x, hint.y);
                id
            }
            Dragging::New(kind) => {
                let widget = Widget::from_palette(kind);
                layout::place(
                    &mut preview.layout,
                    breakpoint,
                    widget,
                    Some((hint.x, hint.y)),
                )
            }
        };
        Some(layout::alignment_guides(&preview.layout, breakpoint, &id))
    });
    let widgets = move || builder.definition.with(|d| d.layout.widgets.clone());
    // Keyed by content, not position: moving a widget restyles it without rebuilding it,
    // so focus stays on it while arrows move it.
    let key = |widget: &Widget| {
        let content =
            serde_json::to_string(&(&widget.title, &widget.props, &widget.binding, &widget.style))
                .unwrap_or_default();
        (widget.id.clone(), content)
    };
    view! {
        <section class="builder-stage" aria-label="Canvas">
            <div
                class="builder-canvas"
                node_ref=canvas_ref
                data-breakpoint=move || builder.breakpoint.get().key()
                data-testid="canvas"
                style=move || {
                    // Room for a few more rows below the content, to drop new widgets into.
                    let rows = rects.with(|rects| rects.values().map(GridRect::bottom).max().unwrap_or(0)) + 4;
                    let height = f64::from(rows) * (f64::from(row_height()) + GAP);
                    format!("--row-h:{}px;--gap:{GAP}px;min-height:{height}px", row_height())
                }
                on:dragover=on_dragover
                on:drop=on_drop
                on:dragleave=move |ev: ev::DragEvent| {
                    if ev.related_target().is_none() {
                        drag.hint.set(None);
                    }
                }
                on:click=move |ev: ev::MouseEvent| {
                    if ev.target() == ev.current_target() {
                        builder.selected.set(Vec::new());
                    }
                }
            >
                <For each=widgets key=key let:widget>
                    <CanvasWidget widget rects />
                </For>
                {move || drag.hint.get().map(|rect| view! { <div class="drop-ghost" style=cell_style(rect) aria-hidden="true"></div> })}
                {move || guides.get().unwrap_or_default().into_iter().map(|guide| guide_view(guide, drag.canvas_width.get_untracked(), row_height())).collect_view()}
                <p class="canvas-empty muted" hidden=move || builder.definition.with(|d| !d.layout.widgets.is_empty())>
                    "Drag widgets here from the palette, or select one and press Enter."
                </p>
            </div>
        </section>
    }
}

fn guide_view(guide: Guide, canvas_width: f64, row_height: u16) -> impl IntoView {
    let column = (canvas_width - GAP * f64::from(GRID_COLUMNS - 1)) / f64::from(GRID_COLUMNS);
    let style = match guide.axis {
        Axis::Vertical => {
            let left = f64::from(guide.line) * (column + GAP) - GAP / 2.0;
            format!("left:{left:.1}px;top:0;bottom:0;width:1px")
        }
        Axis::Horizontal => {
            let top = f64::from(guide.line) * (f64::from(row_height) + GAP) - GAP / 2.0;
            format!("top:{top:.1}px;left:0;right:0;height:1px")
        }
    };
    view! { <div class="align-guide" style=style aria-hidden="true"></div> }
}

#[derive(Clone)]
struct ResizeStart {
    id: String,
    base: domain::PageDefinition,
    rect: GridRect,
    pointer: (f64, f64),
    cell: (f64, f64),
}

#[component]
fn CanvasWidget(widget: Widget, rects: Memo<BTreeMap<String, GridRect>>) -> impl IntoView {
    let builder = expect_context::<Builder>();
    let drag = use_drag_state();
    let id = widget.id.clone();
    let kind = widget.props.kind();
    let type_name = kind.name();
    let label = widget
        .title
        .clone()
        .unwrap_or_else(|| kind.label().to_owned());
    let style = {
        let id = id.clone();
        move || {
            rects
                .with(|rects| rects.get(&id).copied())
                .map(cell_style)
                .unwrap_or_default()
        }
    };
    let is_selected = {
        let id = id.clone();
        Memo::new(move |_| builder.selected.with(|selected| selected.contains(&id)))
    };
    let on_click = {
        let id = id.clone();
        move |ev: ev::MouseEvent| {
            if ev.shift_key() || ev.ctrl_key() || ev.meta_key() {
                builder.toggle_selected(&id);
            } else {
                builder.select_only(&id);
            }
        }
    };
    let on_focus = {
        let id = id.clone();
        move |_| {
            if !is_selected.get_untracked() {
                builder.select_only(&id);
            }
        }
    };
    let on_dragstart = {
        let id = id.clone();
        move |ev: ev::DragEvent| {
            let Some(element) = ev
                .current_target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let Some(rect) = rects.with_untracked(|rects| rects.get(&id).copied()) else {
                return;
            };
            let bounds = element.get_bounding_client_rect();
            let cell_w = (bounds.width() + GAP) / f64::from(rect.w);
            let cell_h = (bounds.height() + GAP) / f64::from(rect.h);
            let grab = (
                ((f64::from(ev.client_x()) - bounds.left()) / cell_w)
                    .floor()
                    .max(0.0) as u8,
                ((f64::from(ev.client_y()) - bounds.top()) / cell_h)
                    .floor()
                    .max(0.0) as u16,
            );
            if let Some(transfer) = ev.data_transfer() {
                let _ = transfer.set_data("text/plain", &id);
                transfer.set_effect_allowed("move");
            }
            drag.dragging.set_value(Some(Dragging::Move {
                id: id.clone(),
                grab: (grab.0.min(rect.w - 1), grab.1.min(rect.h - 1)),
            }));
            builder.select_only(&id);
        }
    };
    let resizing = StoredValue::new(None::<ResizeStart>);
    let on_resize_start = {
        let id = id.clone();
        move |ev: ev::PointerEvent| {
            ev.stop_propagation();
            ev.prevent_default();
            let Some(rect) = rects.with_untracked(|rects| rects.get(&id).copied()) else {
                return;
            };
            let Some(frame) = ev
                .current_target()
                .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
            else {
                return;
            };
            let _ = frame.set_pointer_capture(ev.pointer_id());
            let Some(widget) = frame.parent_element() else {
                return;
            };
            let bounds = widget.get_bounding_client_rect();
            resizing.set_value(Some(ResizeStart {
                id: id.clone(),
                base: builder.definition.get_untracked(),
                rect,
                pointer: (f64::from(ev.client_x()), f64::from(ev.client_y())),
                cell: (
                    (bounds.width() + GAP) / f64::from(rect.w),
                    (bounds.height() + GAP) / f64::from(rect.h),
                ),
            }));
            builder.select_only(&id);
        }
    };
    let resized = move |ev: &ev::PointerEvent| {
        let start = resizing.get_value()?;
        let dw = ((f64::from(ev.client_x()) - start.pointer.0) / start.cell.0).round() as i32;
        let dh = ((f64::from(ev.client_y()) - start.pointer.1) / start.cell.1).round() as i32;
        let w = (i32::from(start.rect.w) + dw).clamp(1, i32::from(GRID_COLUMNS)) as u8;
        let h = (i32::from(start.rect.h) + dh).max(1) as u16;
        let mut next = start.base.clone();
        layout::resize(
            &mut next.layout,
            builder.breakpoint.get_untracked(),
            &start.id,
            w,
            h,
        );
        Some(next)
    };
    let on_resize_move = move |ev: ev::PointerEvent| {
        if let Some(next) = resized(&ev)
            && next != builder.definition.get_untracked()
        {
            builder.show(next);
        }
    };
    let on_resize_end = move |ev: ev::PointerEvent| {
        if let Some(next) = resized(&ev) {
            builder.commit(next);
        }
        resizing.set_value(None);
    };
    let body = {
        let widget = widget.clone();
        move || {
            let bound = widget.binding.is_some();
            builder.preview.with(|preview| match preview {
                Some(rendered) => {
                    let context = PageContext::new(rendered, &builder.definition.get_untracked());
                    if bound && !rendered.data.contains_key(&widget.id) {
                        view! { <p class="loading">"Loading data…"</p> }.into_any()
                    } else {
                        widget_content(&widget, &context, canvas_refresh(builder))
                    }
                }
                None if bound => view! { <p class="loading">"Loading data…"</p> }.into_any(),
                None => {
                    let context = PageContext {
                        html: Default::default(),
                        data: Default::default(),
                        row_filters: Default::default(),
                        rendered_at: chrono::DateTime::UNIX_EPOCH,
                        row_height: builder.definition.with_untracked(|d| d.layout.row_height),
                    };
                    widget_content(&widget, &context, canvas_refresh(builder))
                }
            })
        }
    };
    view! {
        <div
            class="canvas-widget widget"
            class:selected=move || is_selected.get()
            style=style
            tabindex="0"
            draggable="true"
            role="group"
            aria-roledescription="widget"
            aria-label=format!("{label} ({id})")
            data-widget-id=id.clone()
            data-widget-type=type_name
            data-align=widget.style.align.as_str()
            data-size=widget.style.size.as_str()
            data-emphasis=widget.style.emphasis.then_some("true")
            data-selected=move || is_selected.get().to_string()
            on:click=on_click
            on:focus=on_focus
            on:dragstart=on_dragstart
            on:dragend=move |_| drag.end()
        >
            {widget.title.clone().map(|title| view! { <h2 class="widget-title">{title}</h2> })}
            <div class="widget-body">{body}</div>
            <span
                class="resize-handle"
                aria-hidden="true"
                title="Drag to resize (Shift+arrows)"
                on:pointerdown=on_resize_start
                on:pointermove=on_resize_move
                on:pointerup=on_resize_end
            ></span>
        </div>
    }
}

/// Refresh on the canvas re-fetches the preview.
fn canvas_refresh(builder: Builder) -> RefreshControl {
    let (pending, _) = signal(false);
    RefreshControl {
        trigger: Callback::new(move |_| builder.refresh_preview()),
        pending,
    }
}

/// Keyboard equivalents of every canvas action. Ignored while typing in a field.
pub fn handle_shortcut(builder: Builder, ev: ev::KeyboardEvent) {
    let typing = ev
        .target()
        .and_then(|target| target.dyn_into::<web_sys::Element>().ok())
        .is_some_and(|element| {
            matches!(element.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || element.closest(".builder-props").ok().flatten().is_some()
        });
    if typing {
        return;
    }
    let command = ev.ctrl_key() || ev.meta_key();
    let key = ev.key();
    let selected = builder.selected.get_untracked();
    let handled = match (command, key.as_str()) {
        (true, "z" | "Z") if ev.shift_key() => {
            builder.redo();
            true
        }
        (true, "z" | "Z") => {
            builder.undo();
            true
        }
        (true, "y" | "Y") => {
            builder.redo();
            true
        }
        (true, "c" | "C") => {
            builder.copy();
            true
        }
        (true, "v" | "V") => {
            builder.paste();
            true
        }
        (true, "d" | "D") => {
            builder.duplicate();
            true
        }
        (false, "Delete" | "Backspace") if !selected.is_empty() => {
            builder.remove_selected();
            true
        }
        (false, "Escape") => {
            builder.selected.set(Vec::new());
            true
        }
        (false, "ArrowLeft" | "ArrowRight" | "ArrowUp" | "ArrowDown") if !selected.is_empty() => {
            let (dx, dy) = match key.as_str() {
                "ArrowLeft" => (-1, 0),
                "ArrowRight" => (1, 0),
                "ArrowUp" => (0, -1),
                _ => (0, 1),
            };
            let grow = ev.shift_key();
            builder.layout_edit(|layout, breakpoint| {
                selected.iter().fold(false, |changed, id| {
                    let moved = if grow {
                        layout::grow(layout, breakpoint, id, dx, dy)
                    } else {
                        layout::nudge(layout, breakpoint, id, dx, dy)
                    };
                    changed | moved
                })
            });
            true
        }
        _ => false,
    };
    if handled {
        ev.prevent_default();
        // Keep the keyboard on the canvas when an edit rebuilt the focused widget.
        request_animation_frame(move || {
            let lost = document()
                .active_element()
                .is_none_or(|element| element.tag_name() == "BODY");
            if lost && let Some(first) = builder.selected.get_untracked().first() {
                focus_widget(first);
            }
        });
    }
}
