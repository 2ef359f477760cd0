//! Layout editing for the drag-and-drop page builder: placing, moving and resizing widgets on
//! the 12-column grid with react-grid-layout-style push-down collision handling, plus a
//! bounded undo/redo history. Pure, so the browser and tests run the same code.
//!
//! Every operation keeps the layout valid for [`PageDefinition::validate`]: no overlaps at
//! any breakpoint and every rect inside the grid.
//!
//! [`PageDefinition::validate`]: crate::page::PageDefinition::validate

use std::collections::{BTreeSet, VecDeque};

use crate::{
    limits::{MAX_ROW, MAX_WIDGET_ROWS},
    page::{Breakpoint, GRID_COLUMNS, GridRect, Layout, Widget, WidgetProps},
};

/// Rows below the lowest row a widget may start on; edits keep widgets above it, so what the
/// builder makes still passes validation.
const ROW_LIMIT: i64 = MAX_ROW as i64;
/// The most rows a widget may span.
const HEIGHT_LIMIT: i64 = MAX_WIDGET_ROWS as i64;

/// The widget's effective rect: desktop; tablet falls back to desktop; mobile falls back to
/// its place in the stacked mobile layout.
pub fn rect_at(layout: &Layout, id: &str, breakpoint: Breakpoint) -> Option<GridRect> {
    let index = index_of(layout, id)?;
    Some(effective_rects(layout, breakpoint)[index])
}

/// The implicit mobile layout: widgets in reading order (desktop y, then x), each full width
/// with its desktop height, one below the other.
pub fn stacked_rects(layout: &Layout) -> Vec<(String, GridRect)> {
    let stacked = stacked_by_index(layout);
    reading_order(layout)
        .into_iter()
        .map(|index| (layout.widgets[index].id.clone(), stacked[index]))
        .collect()
}

/// The topmost, then leftmost, free rect of the given size (width clamped to 1..=12, height
/// at least 1).
pub fn first_free_spot(layout: &Layout, breakpoint: Breakpoint, w: u8, h: u16) -> GridRect {
    free_spot_among(&effective_rects(layout, breakpoint), w, h)
}

/// `"{type_name}-{n}"` with the smallest n ≥ 1 not used by any widget.
#[expect(
    clippy::expect_used,
    reason = "an unbounded sequence of suffixes always has a free one"
)]
pub fn unique_id(layout: &Layout, type_name: &str) -> String {
    let base = if type_name.is_empty() {
        "widget"
    } else {
        type_name
    };
    (1..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !layout.id_taken(candidate))
        .expect("some suffix is free")
}

/// Adds a widget sized by its `position.desktop` w/h. With `at` it goes there (clamped into
/// the grid) and pushes colliding widgets down; otherwise to the first free spot. The rect is
/// written for `breakpoint`; placing at tablet or mobile puts it at the first free desktop
/// spot too. An empty or taken id is replaced by [`unique_id`]. Returns the id.
pub fn place(
    layout: &mut Layout,
    breakpoint: Breakpoint,
    widget: Widget,
    at: Option<(u8, u16)>,
) -> String {
    insert(layout, breakpoint, widget, at, None)
}

/// Moves a widget's top-left corner (clamped into the grid). See [`nudge`] for the rules.
pub fn move_to(layout: &mut Layout, breakpoint: Breakpoint, id: &str, x: u8, y: u16) -> bool {
    edit(layout, breakpoint, id, |rect| {
        fit_position(x.into(), y.into(), rect.w, rect.h)
    })
}

/// Sets a widget's size, keeping its top-left corner; width is clamped to the columns right of
/// it, height to at least 1.
pub fn resize(layout: &mut Layout, breakpoint: Breakpoint, id: &str, w: u8, h: u16) -> bool {
    edit(layout, breakpoint, id, |rect| {
        fit_size(rect.x, rect.y, w.into(), h.into())
    })
}

/// Moves a widget by whole cells (arrow keys), stopping at the grid's edges.
///
/// Like [`move_to`], [`resize`] and [`grow`]: widgets the new rect would overlap are pushed
/// down, cascading (the edited widget keeps its spot); returns false and leaves the layout
/// untouched for an unknown id or when nothing would change. Pushes only happen at
/// `breakpoint`. For live dragging, apply the move to the layout from the start of the drag,
/// not cumulatively, or pushed widgets never come back up.
pub fn nudge(layout: &mut Layout, breakpoint: Breakpoint, id: &str, dx: i32, dy: i32) -> bool {
    edit(layout, breakpoint, id, |rect| {
        fit_position(
            i64::from(rect.x) + i64::from(dx),
            i64::from(rect.y) + i64::from(dy),
            rect.w,
            rect.h,
        )
    })
}

/// Changes a widget's size by whole cells (shift+arrows): width within 1..=12-x, height ≥ 1.
pub fn grow(layout: &mut Layout, breakpoint: Breakpoint, id: &str, dw: i32, dh: i32) -> bool {
    edit(layout, breakpoint, id, |rect| {
        fit_size(
            rect.x,
            rect.y,
            i64::from(rect.w) + i64::from(dw),
            i64::from(rect.h) + i64::from(dh),
        )
    })
}

/// Removes the widgets with these ids; returns how many were removed. References to them
/// (search targets, filter targets) are left for validation to report.
pub fn remove(layout: &mut Layout, ids: &[String]) -> usize {
    let before = layout.all_widgets().len();
    layout.widgets.retain(|widget| !ids.contains(&widget.id));
    // Widgets inside tabs and accordions go too.
    for widget in &mut layout.widgets {
        for pane in widget.props.panes_mut().into_iter().flatten() {
            pane.widgets.retain(|child| !ids.contains(&child.id));
        }
    }
    before - layout.all_widgets().len()
}

/// Copies the widgets (unknown ids are skipped) with fresh ids, each at the first free spot.
/// A copied search or filter that points at a table copied in the same call points at the
/// copy. Returns the new ids in order.
pub fn duplicate(layout: &mut Layout, breakpoint: Breakpoint, ids: &[String]) -> Vec<String> {
    if breakpoint == Breakpoint::Mobile {
        // So copies take the size they show on mobile, not their desktop size.
        materialize_mobile(layout);
    }
    let mut seen = BTreeSet::new();
    let originals: Vec<Widget> = ids
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .filter_map(|id| layout.widgets.iter().find(|widget| &widget.id == id))
        .cloned()
        .collect();
    let mut renames = Vec::new();
    for original in originals {
        let old = original.id.clone();
        let copy = Widget {
            id: String::new(),
            ..original
        };
        renames.push((old, insert(layout, breakpoint, copy, None, None)));
    }
    retarget(layout, &renames);
    renames.into_iter().map(|(_, new)| new).collect()
}

/// Adds widgets from the clipboard (possibly from another page). Ids that are empty or taken
/// are replaced, and searches and filters among them follow renamed tables. If their
/// arrangement is valid on its own, the group keeps it and goes below the existing content;
/// otherwise each goes to the first free spot. Returns the new ids in order.
pub fn paste(layout: &mut Layout, breakpoint: Breakpoint, widgets: Vec<Widget>) -> Vec<String> {
    if breakpoint == Breakpoint::Mobile {
        materialize_mobile(layout);
    }
    let mut clipboard = Layout {
        row_height: layout.row_height,
        widgets,
    };
    if breakpoint == Breakpoint::Mobile {
        // Their stacked shape among themselves is the arrangement to keep.
        materialize_mobile(&mut clipboard);
    }
    let at = arranged_below(layout, &clipboard, breakpoint);
    let desktop_at = match breakpoint {
        Breakpoint::Desktop => None,
        _ => arranged_below(layout, &clipboard, Breakpoint::Desktop),
    };
    let mut renames = Vec::new();
    for (index, widget) in clipboard.widgets.into_iter().enumerate() {
        let old = widget.id.clone();
        let new = insert(
            layout,
            breakpoint,
            widget,
            at.as_ref().map(|spots| spots[index]),
            desktop_at.as_ref().map(|spots| spots[index]),
        );
        renames.push((old, new));
    }
    retarget(layout, &renames);
    renames.into_iter().map(|(_, new)| new).collect()
}

/// The grid cell under a pixel offset inside the canvas: 12 columns sharing the width with a
/// `gap` between neighbours (rows likewise). Clamped to columns 0..=11 and rows ≥ 0.
pub fn cell_at(px_x: f64, px_y: f64, canvas_width: f64, row_height: f64, gap: f64) -> (u8, u16) {
    let columns = f64::from(GRID_COLUMNS);
    let column_pitch = (canvas_width - gap * (columns - 1.0)) / columns + gap;
    let row_pitch = row_height + gap;
    // `as` saturates and maps NaN to 0, which is the clamp we want for degenerate input.
    let column = if column_pitch > 0.0 {
        (px_x / column_pitch).floor()
    } else {
        0.0
    };
    let row = if row_pitch > 0.0 {
        (px_y / row_pitch).floor()
    } else {
        0.0
    };
    (
        (column.max(0.0) as u8).min(GRID_COLUMNS - 1),
        row.max(0.0) as u16,
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Axis {
    /// A column line, x = `line`.
    Vertical,
    /// A row line, y = `line`.
    Horizontal,
}

/// A grid line to highlight while dragging.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Guide {
    pub axis: Axis,
    pub line: u16,
}

/// Lines where the widget's left or right edge (vertical) or top or bottom edge (horizontal)
/// coincides with an edge of another widget; vertical first, each sorted, no duplicates.
pub fn alignment_guides(layout: &Layout, breakpoint: Breakpoint, id: &str) -> Vec<Guide> {
    let Some(index) = index_of(layout, id) else {
        return Vec::new();
    };
    let rects = effective_rects(layout, breakpoint);
    let own = rects[index];
    let vertical = |r: &GridRect| [u16::from(r.x), u16::from(r.x) + u16::from(r.w)];
    let horizontal = |r: &GridRect| [r.y, r.y.saturating_add(r.h)];
    let mut guides = BTreeSet::new();
    for (other_index, other) in rects.iter().enumerate() {
        if other_index == index {
            continue;
        }
        for (axis, mine, theirs) in [
            (Axis::Vertical, vertical(&own), vertical(other)),
            (Axis::Horizontal, horizontal(&own), horizontal(other)),
        ] {
            for line in mine.into_iter().filter(|line| theirs.contains(line)) {
                guides.insert(Guide { axis, line });
            }
        }
    }
    guides.into_iter().collect()
}

/// Undo/redo over whole states (e.g. a `Layout`), keeping at most `limit` undo steps.
#[derive(Clone, Debug)]
pub struct History<T> {
    past: VecDeque<T>,
    present: T,
    future: Vec<T>,
    limit: usize,
}

impl<T: Clone + PartialEq> History<T> {
    pub fn new(initial: T, limit: usize) -> Self {
        Self {
            past: VecDeque::new(),
            present: initial,
            future: Vec::new(),
            limit,
        }
    }

    pub fn current(&self) -> &T {
        &self.present
    }

    /// Records a new state; false (nothing recorded) when it equals the current one. Drops
    /// the redo branch.
    pub fn push(&mut self, state: T) -> bool {
        if state == self.present {
            return false;
        }
        let previous = std::mem::replace(&mut self.present, state);
        self.past.push_back(previous);
        while self.past.len() > self.limit {
            self.past.pop_front();
        }
        self.future.clear();
        true
    }

    /// Steps back; returns the now-current state, or None when there is nothing to undo.
    pub fn undo(&mut self) -> Option<&T> {
        let previous = self.past.pop_back()?;
        let undone = std::mem::replace(&mut self.present, previous);
        self.future.push(undone);
        Some(&self.present)
    }

    /// Steps forward again; None when there is nothing to redo.
    pub fn redo(&mut self) -> Option<&T> {
        let next = self.future.pop()?;
        let redone = std::mem::replace(&mut self.present, next);
        self.past.push_back(redone);
        Some(&self.present)
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }

    /// A new baseline with no undo or redo, e.g. after reloading from the server.
    pub fn reset(&mut self, state: T) {
        self.present = state;
        self.past.clear();
        self.future.clear();
    }
}

fn index_of(layout: &Layout, id: &str) -> Option<usize> {
    layout.widgets.iter().position(|widget| widget.id == id)
}

/// Indices in reading order; a stable sort, like `PageDefinition::widgets_in_reading_order`.
fn reading_order(layout: &Layout) -> Vec<usize> {
    let mut order: Vec<usize> = (0..layout.widgets.len()).collect();
    order.sort_by_key(|&index| {
        let desktop = layout.widgets[index].position.desktop;
        (desktop.y, desktop.x)
    });
    order
}

/// Stacked mobile rects, indexed like `layout.widgets`.
fn stacked_by_index(layout: &Layout) -> Vec<GridRect> {
    let mut rects = vec![
        GridRect {
            x: 0,
            y: 0,
            w: GRID_COLUMNS,
            h: 1
        };
        layout.widgets.len()
    ];
    let mut y: u16 = 0;
    for index in reading_order(layout) {
        let h = layout.widgets[index].position.desktop.h.max(1);
        rects[index] = GridRect {
            x: 0,
            y,
            w: GRID_COLUMNS,
            h,
        };
        y = y.saturating_add(h);
    }
    rects
}

/// Effective rects at a breakpoint, indexed like `layout.widgets`.
fn effective_rects(layout: &Layout, breakpoint: Breakpoint) -> Vec<GridRect> {
    match breakpoint {
        Breakpoint::Desktop | Breakpoint::Tablet => layout
            .widgets
            .iter()
            .map(|widget| {
                widget
                    .position
                    .at(breakpoint)
                    .unwrap_or(widget.position.desktop)
            })
            .collect(),
        Breakpoint::Mobile => layout
            .widgets
            .iter()
            .zip(stacked_by_index(layout))
            .map(|(widget, stacked)| widget.position.mobile.unwrap_or(stacked))
            .collect(),
    }
}

fn set_rect(widget: &mut Widget, breakpoint: Breakpoint, rect: GridRect) {
    match breakpoint {
        Breakpoint::Desktop => widget.position.desktop = rect,
        Breakpoint::Tablet => widget.position.tablet = Some(rect),
        Breakpoint::Mobile => widget.position.mobile = Some(rect),
    }
}

fn content_bottom(rects: &[GridRect]) -> u16 {
    rects
        .iter()
        .map(|rect| rect.y.saturating_add(rect.h))
        .max()
        .unwrap_or(0)
}

fn clamp_size(w: i64, h: i64) -> (u8, u16) {
    (
        w.clamp(1, GRID_COLUMNS.into()) as u8,
        h.clamp(1, HEIGHT_LIMIT) as u16,
    )
}

/// Keeps the (clamped) size and shifts the rect into the grid.
fn fit_position(x: i64, y: i64, w: u8, h: u16) -> GridRect {
    let (w, h) = clamp_size(w.into(), h.into());
    GridRect {
        x: x.clamp(0, i64::from(GRID_COLUMNS - w)) as u8,
        y: y.clamp(0, ROW_LIMIT) as u16,
        w,
        h,
    }
}

/// Keeps the top-left corner and shrinks the size into the grid.
fn fit_size(x: u8, y: u16, w: i64, h: i64) -> GridRect {
    let x = x.min(GRID_COLUMNS - 1);
    let y = y.min(MAX_ROW);
    GridRect {
        x,
        y,
        w: w.clamp(1, i64::from(GRID_COLUMNS - x)) as u8,
        h: h.clamp(1, HEIGHT_LIMIT) as u16,
    }
}

fn free_spot_among(rects: &[GridRect], w: u8, h: u16) -> GridRect {
    let (w, h) = clamp_size(w.into(), h.into());
    let bottom = content_bottom(rects);
    for y in 0..=bottom {
        for x in 0..=GRID_COLUMNS - w {
            let candidate = GridRect { x, y, w, h };
            if !rects.iter().any(|rect| rect.overlaps(&candidate)) {
                return candidate;
            }
        }
    }
    unreachable!("the row at the bottom of the content is free")
}

/// Moves `rect` down until it overlaps none of `settled`.
fn drop_below(mut rect: GridRect, settled: &[GridRect]) -> GridRect {
    while let Some(bottom) = settled
        .iter()
        .filter(|other| other.overlaps(&rect))
        .map(|other| other.y.saturating_add(other.h))
        .max()
    {
        // At the very last row there is nowhere further down to go.
        if bottom <= rect.y {
            break;
        }
        rect.y = bottom;
    }
    rect
}

/// react-grid-layout's collision handling without compaction: everything overlapping
/// `rects[moved]` goes just below it, recursively; `moved` itself never moves. Returns which
/// rects changed (including `moved`).
fn push_down(rects: &mut [GridRect], moved: usize) -> Vec<bool> {
    let mut changed = vec![false; rects.len()];
    changed[moved] = true;
    push_from(rects, moved, moved, &mut changed);
    changed
}

fn push_from(rects: &mut [GridRect], pusher: usize, winner: usize, changed: &mut [bool]) {
    let mut order: Vec<usize> = (0..rects.len())
        .filter(|&index| index != pusher && index != winner)
        .collect();
    order.sort_by_key(|&index| (rects[index].y, rects[index].x, index));
    for index in order {
        let above = rects[pusher];
        if !rects[index].overlaps(&above) {
            continue;
        }
        let y = (i64::from(above.y) + i64::from(above.h)).min(ROW_LIMIT) as u16;
        // Only ever downwards, so the recursion ends even at the (unreachable) row limit.
        if y <= rects[index].y {
            continue;
        }
        rects[index].y = y;
        changed[index] = true;
        push_from(rects, index, winner, changed);
    }
}

/// Gives every widget without a mobile rect its stacked rect, moved down past any explicit
/// mobile rect it would overlap, so edits on mobile start from what the user sees.
fn materialize_mobile(layout: &mut Layout) {
    if layout
        .widgets
        .iter()
        .all(|widget| widget.position.mobile.is_some())
    {
        return;
    }
    let stacked = stacked_by_index(layout);
    let mut settled: Vec<GridRect> = layout
        .widgets
        .iter()
        .filter_map(|widget| widget.position.mobile)
        .collect();
    for index in reading_order(layout) {
        if layout.widgets[index].position.mobile.is_none() {
            let rect = drop_below(stacked[index], &settled);
            layout.widgets[index].position.mobile = Some(rect);
            settled.push(rect);
        }
    }
}

/// A desktop change can move a widget that inherits its tablet rect onto a widget with an
/// explicit one; such inheritors get an explicit tablet rect further down.
fn reconcile_tablet(layout: &mut Layout) {
    let mut settled: Vec<GridRect> = layout
        .widgets
        .iter()
        .filter_map(|widget| widget.position.tablet)
        .collect();
    if settled.is_empty() {
        return;
    }
    for index in reading_order(layout) {
        let position = &mut layout.widgets[index].position;
        if position.tablet.is_none() {
            let rect = drop_below(position.desktop, &settled);
            if rect != position.desktop {
                position.tablet = Some(rect);
            }
            settled.push(rect);
        }
    }
}

/// Applies `target` to the widget's rect at `breakpoint` and pushes colliders down. Works on
/// a copy so a no-op leaves even the mobile materialization undone.
fn edit(
    layout: &mut Layout,
    breakpoint: Breakpoint,
    id: &str,
    target: impl FnOnce(GridRect) -> GridRect,
) -> bool {
    let Some(index) = index_of(layout, id) else {
        return false;
    };
    let mut next = layout.clone();
    if breakpoint == Breakpoint::Mobile {
        materialize_mobile(&mut next);
    }
    let mut rects = effective_rects(&next, breakpoint);
    let wanted = target(rects[index]);
    if wanted == rects[index] {
        return false;
    }
    rects[index] = wanted;
    write_pushed(&mut next, breakpoint, &mut rects, index);
    *layout = next;
    true
}

/// Resolves collisions around `rects[moved]`, writes the changed rects at `breakpoint` and
/// repairs tablet inheritance.
fn write_pushed(layout: &mut Layout, breakpoint: Breakpoint, rects: &mut [GridRect], moved: usize) {
    let changed = push_down(rects, moved);
    for (index, widget) in layout.widgets.iter_mut().enumerate() {
        if changed[index] {
            set_rect(widget, breakpoint, rects[index]);
        }
    }
    reconcile_tablet(layout);
}

/// Adds a widget at `breakpoint` (at `at`, pushing, or at the first free spot). Its size
/// there is its rect at that breakpoint, falling back to desktop; `desktop_at` places it on
/// desktop when editing another breakpoint.
#[expect(
    clippy::expect_used,
    reason = "an unbounded sequence of suffixes always has a free one"
)]
fn insert(
    layout: &mut Layout,
    breakpoint: Breakpoint,
    mut widget: Widget,
    at: Option<(u8, u16)>,
    desktop_at: Option<(u8, u16)>,
) -> String {
    if widget.id.trim().is_empty() || layout.id_taken(&widget.id) {
        widget.id = unique_id(layout, widget.props.kind().name());
    }
    // Copies of a container bring their own widgets, which need ids of their own too.
    let mut taken: BTreeSet<String> = BTreeSet::from([widget.id.clone()]);
    for pane in widget.props.panes_mut().into_iter().flatten() {
        for child in &mut pane.widgets {
            if child.id.trim().is_empty() || layout.id_taken(&child.id) || taken.contains(&child.id)
            {
                child.id = (1..)
                    .map(|n| format!("{}-{n}", child.props.kind().name()))
                    .find(|candidate| !layout.id_taken(candidate) && !taken.contains(candidate))
                    .expect("some suffix is free");
            }
            taken.insert(child.id.clone());
        }
    }
    if breakpoint == Breakpoint::Mobile {
        materialize_mobile(layout);
    }
    let desktop = widget.position.desktop;
    let size = match breakpoint {
        Breakpoint::Desktop => desktop,
        Breakpoint::Tablet => widget.position.tablet.unwrap_or(desktop),
        Breakpoint::Mobile => widget.position.mobile.unwrap_or(desktop),
    };
    if breakpoint != Breakpoint::Desktop {
        widget.position.desktop = match desktop_at {
            Some((x, y)) => fit_position(x.into(), y.into(), desktop.w, desktop.h),
            None => first_free_spot(layout, Breakpoint::Desktop, desktop.w, desktop.h),
        };
    }
    if breakpoint != Breakpoint::Tablet {
        // A tablet rect from elsewhere means nothing here; inherit the new desktop rect.
        widget.position.tablet = None;
    }
    if breakpoint != Breakpoint::Mobile {
        // Keep mobile all-explicit or all-stacked, so the new widget does not land on top of
        // explicit mobile rects.
        let explicit = layout.widgets.iter().any(|w| w.position.mobile.is_some());
        widget.position.mobile = explicit.then(|| {
            let mobile = widget.position.mobile.unwrap_or(GridRect {
                w: GRID_COLUMNS,
                ..desktop
            });
            first_free_spot(layout, Breakpoint::Mobile, mobile.w, mobile.h)
        });
    }
    let mut rects = effective_rects(layout, breakpoint);
    let rect = match at {
        Some((x, y)) => fit_position(x.into(), y.into(), size.w, size.h),
        None => free_spot_among(&rects, size.w, size.h),
    };
    set_rect(&mut widget, breakpoint, rect);
    let id = widget.id.clone();
    layout.widgets.push(widget);
    rects.push(rect);
    write_pushed(layout, breakpoint, &mut rects, layout.widgets.len() - 1);
    id
}

/// Spots that keep the group's arrangement at `breakpoint`, moved below the existing
/// content; None when the group's rects overlap or leave the grid.
fn arranged_below(
    layout: &Layout,
    group: &Layout,
    breakpoint: Breakpoint,
) -> Option<Vec<(u8, u16)>> {
    let rects = effective_rects(group, breakpoint);
    let fits = rects.iter().enumerate().all(|(index, rect)| {
        rect.w >= 1
            && rect.h >= 1
            && u16::from(rect.x) + u16::from(rect.w) <= u16::from(GRID_COLUMNS)
            && !rects[index + 1..].iter().any(|other| other.overlaps(rect))
    });
    if !fits {
        return None;
    }
    let top = rects.iter().map(|rect| rect.y).min()?;
    let bottom = content_bottom(&effective_rects(layout, breakpoint));
    rects
        .iter()
        .map(|rect| {
            let y = (rect.y - top).checked_add(bottom)?;
            y.checked_add(rect.h).map(|_| (rect.x, y))
        })
        .collect()
}

/// Points searches and filters among the `renames` (old id, new id) at the renamed copies of
/// tables that were copied along with them.
fn retarget(layout: &mut Layout, renames: &[(String, String)]) {
    let renamed = |target: &str| {
        renames
            .iter()
            .find(|(old, new)| old == target && old != new)
            .map(|(_, new)| new.clone())
    };
    for (_, new) in renames {
        let Some(index) = index_of(layout, new) else {
            continue;
        };
        match &mut layout.widgets[index].props {
            WidgetProps::Search(search) => {
                for target in &mut search.targets {
                    if let Some(new_target) = renamed(target) {
                        *target = new_target;
                    }
                }
            }
            WidgetProps::Filter(filter) => {
                if let Some(new_target) = renamed(&filter.target) {
                    filter.target = new_target;
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::{
        DEFAULT_ROW_HEIGHT, FilterProps, PageDefinition, Positions, SCHEMA_VERSION, SearchProps,
        TableColumn, TableProps, TextProps, WidgetKind,
    };
    use Breakpoint::{Desktop, Mobile, Tablet};

    fn r(x: u8, y: u16, w: u8, h: u16) -> GridRect {
        GridRect { x, y, w, h }
    }

    fn with_props(id: &str, desktop: GridRect, props: WidgetProps) -> Widget {
        Widget {
            visibility: None,
            style: Default::default(),
            id: id.to_owned(),
            title: None,
            position: Positions {
                desktop,
                tablet: None,
                mobile: None,
            },
            props,
            binding: None,
        }
    }

    fn text(id: &str, desktop: GridRect) -> Widget {
        let props = WidgetProps::Text(TextProps {
            text: format!("text of {id}"),
        });
        with_props(id, desktop, props)
    }

    fn table(id: &str, desktop: GridRect) -> Widget {
        let props = WidgetProps::Table(TableProps {
            columns: vec![TableColumn {
                key: "state".to_owned(),
                label: "State".to_owned(),
            }],
            page_size: None,
            empty_text: None,
        });
        with_props(id, desktop, props)
    }

    fn filter(id: &str, target: &str, desktop: GridRect) -> Widget {
        let props = WidgetProps::Filter(FilterProps {
            label: "State".to_owned(),
            target: target.to_owned(),
            column: "state".to_owned(),
            options: Vec::new(),
        });
        with_props(id, desktop, props)
    }

    fn search(id: &str, targets: &[&str], desktop: GridRect) -> Widget {
        let props = WidgetProps::Search(SearchProps {
            placeholder: String::new(),
            targets: targets.iter().map(|target| target.to_string()).collect(),
        });
        with_props(id, desktop, props)
    }

    fn layout(widgets: Vec<Widget>) -> Layout {
        let layout = Layout {
            row_height: DEFAULT_ROW_HEIGHT,
            widgets,
        };
        assert_valid(&layout);
        layout
    }

    #[track_caller]
    fn assert_valid(layout: &Layout) {
        let page = PageDefinition {
            schema_version: SCHEMA_VERSION,
            layout: layout.clone(),
            access: None,
        };
        if let Err(issues) = page.validate() {
            panic!("invalid layout: {issues:#?}\n{layout:#?}");
        }
    }

    fn ids(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|id| id.to_string()).collect()
    }

    fn widget_ids(layout: &Layout) -> Vec<&str> {
        layout.widgets.iter().map(|w| w.id.as_str()).collect()
    }

    fn desktops(layout: &Layout) -> Vec<GridRect> {
        layout.widgets.iter().map(|w| w.position.desktop).collect()
    }

    fn tablets(layout: &Layout) -> Vec<Option<GridRect>> {
        layout.widgets.iter().map(|w| w.position.tablet).collect()
    }

    fn mobiles(layout: &Layout) -> Vec<Option<GridRect>> {
        layout.widgets.iter().map(|w| w.position.mobile).collect()
    }

    fn widget<'a>(layout: &'a Layout, id: &str) -> &'a Widget {
        layout.widgets.iter().find(|w| w.id == id).unwrap()
    }

    #[test]
    fn stacked_rects_follow_reading_order_at_full_width() {
        let page = layout(vec![
            text("b", r(6, 0, 6, 3)),
            text("c", r(0, 3, 12, 1)),
            text("a", r(0, 0, 6, 2)),
        ]);
        let stacked = stacked_rects(&page);
        assert_eq!(
            stacked,
            [
                ("a".to_owned(), r(0, 0, 12, 2)),
                ("b".to_owned(), r(0, 2, 12, 3)),
                ("c".to_owned(), r(0, 5, 12, 1)),
            ]
        );
        assert!(stacked_rects(&layout(vec![])).is_empty());
    }

    #[test]
    fn rect_at_falls_back_per_breakpoint() {
        let mut page = layout(vec![text("a", r(0, 0, 6, 2)), text("b", r(6, 0, 6, 3))]);
        assert_eq!(rect_at(&page, "b", Desktop), Some(r(6, 0, 6, 3)));
        assert_eq!(rect_at(&page, "b", Tablet), Some(r(6, 0, 6, 3)));
        assert_eq!(rect_at(&page, "b", Mobile), Some(r(0, 2, 12, 3)));
        page.widgets[1].position.tablet = Some(r(0, 2, 12, 1));
        page.widgets[1].position.mobile = Some(r(0, 7, 6, 1));
        assert_eq!(rect_at(&page, "b", Tablet), Some(r(0, 2, 12, 1)));
        assert_eq!(rect_at(&page, "b", Mobile), Some(r(0, 7, 6, 1)));
        assert_eq!(rect_at(&page, "nope", Desktop), None);
    }

    #[test]
    fn first_free_spot_is_topmost_then_leftmost() {
        let page = layout(vec![text("a", r(0, 0, 6, 2)), text("b", r(8, 0, 4, 1))]);
        assert_eq!(first_free_spot(&page, Desktop, 2, 1), r(6, 0, 2, 1));
        assert_eq!(first_free_spot(&page, Desktop, 4, 1), r(6, 1, 4, 1));
        assert_eq!(first_free_spot(&page, Desktop, 12, 1), r(0, 2, 12, 1));
        // Sizes are clamped into 1..=12 columns and at least one row.
        assert_eq!(first_free_spot(&page, Desktop, 20, 1), r(0, 2, 12, 1));
        assert_eq!(first_free_spot(&page, Desktop, 0, 0), r(6, 0, 1, 1));
        // Mobile stacks a (rows 0-1) and b (row 2) full width.
        assert_eq!(first_free_spot(&page, Mobile, 3, 2), r(0, 3, 3, 2));
        assert_eq!(
            first_free_spot(&layout(vec![]), Tablet, 5, 3),
            r(0, 0, 5, 3)
        );
    }

    #[test]
    fn unique_id_takes_the_first_free_number() {
        let page = layout(vec![
            text("table-1", r(0, 0, 1, 1)),
            text("table-3", r(1, 0, 1, 1)),
            text("kpi", r(2, 0, 1, 1)),
        ]);
        assert_eq!(unique_id(&page, "table"), "table-2");
        assert_eq!(unique_id(&page, "kpi"), "kpi-1");
        assert_eq!(unique_id(&page, ""), "widget-1");
    }

    #[test]
    fn place_without_position_uses_the_first_free_spot() {
        let mut page = layout(vec![text("a", r(0, 0, 6, 2))]);
        let first = place(&mut page, Desktop, text("", r(3, 9, 4, 1)), None);
        assert_valid(&page);
        let second = place(&mut page, Desktop, text("", r(0, 0, 4, 1)), None);
        assert_valid(&page);
        assert_eq!((first.as_str(), second.as_str()), ("text-1", "text-2"));
        assert_eq!(
            desktops(&page),
            [r(0, 0, 6, 2), r(6, 0, 4, 1), r(6, 1, 4, 1)]
        );
        // Desktop placement leaves tablet inheriting and mobile stacked.
        assert_eq!(tablets(&page), [None, None, None]);
        assert_eq!(mobiles(&page), [None, None, None]);
    }

    #[test]
    fn place_at_a_position_pushes_colliders_down_in_a_cascade() {
        let mut page = layout(vec![
            text("a", r(0, 0, 4, 2)),
            text("b", r(0, 2, 4, 2)),
            text("c", r(2, 4, 4, 1)),
            text("d", r(6, 0, 6, 3)),
        ]);
        let id = place(&mut page, Desktop, text("new", r(0, 0, 6, 2)), Some((0, 0)));
        assert_valid(&page);
        assert_eq!(id, "new");
        assert_eq!(
            desktops(&page),
            [
                r(0, 2, 4, 2),
                r(0, 4, 4, 2),
                r(2, 6, 4, 1),
                r(6, 0, 6, 3),
                r(0, 0, 6, 2),
            ]
        );
    }

    #[test]
    fn place_clamps_into_the_grid() {
        let mut page = layout(vec![]);
        place(&mut page, Desktop, text("a", r(0, 0, 4, 2)), Some((10, 3)));
        assert_valid(&page);
        place(&mut page, Desktop, text("b", r(0, 0, 20, 0)), Some((5, 0)));
        assert_valid(&page);
        assert_eq!(desktops(&page), [r(8, 3, 4, 2), r(0, 0, 12, 1)]);
    }

    #[test]
    fn place_replaces_empty_and_taken_ids() {
        let mut page = layout(vec![text("a", r(0, 0, 1, 1))]);
        assert_eq!(
            place(&mut page, Desktop, text("a", r(0, 0, 1, 1)), None),
            "text-1"
        );
        assert_eq!(
            place(&mut page, Desktop, text(" ", r(0, 0, 1, 1)), None),
            "text-2"
        );
        assert_eq!(
            place(&mut page, Desktop, text("mine", r(0, 0, 1, 1)), None),
            "mine"
        );
        assert_valid(&page);
        assert_eq!(widget_ids(&page), ["a", "text-1", "text-2", "mine"]);
        assert_eq!(desktops(&page)[3], r(3, 0, 1, 1));
    }

    #[test]
    fn place_on_tablet_writes_tablet_and_finds_a_desktop_spot() {
        let mut page = layout(vec![text("a", r(0, 0, 12, 2))]);
        let id = place(&mut page, Tablet, text("n", r(5, 5, 4, 1)), Some((0, 0)));
        assert_valid(&page);
        assert_eq!(id, "n");
        // a is pushed on tablet only, so it gets its own tablet rect.
        assert_eq!(desktops(&page), [r(0, 0, 12, 2), r(0, 2, 4, 1)]);
        assert_eq!(tablets(&page), [Some(r(0, 1, 12, 2)), Some(r(0, 0, 4, 1))]);
        assert_eq!(mobiles(&page), [None, None]);
    }

    #[test]
    fn place_on_mobile_materializes_stacking_and_later_placements_follow() {
        let mut page = layout(vec![text("a", r(0, 0, 6, 2)), text("b", r(6, 0, 6, 1))]);
        place(&mut page, Mobile, text("n", r(0, 0, 4, 1)), None);
        assert_valid(&page);
        assert_eq!(
            mobiles(&page),
            [
                Some(r(0, 0, 12, 2)),
                Some(r(0, 2, 12, 1)),
                Some(r(0, 3, 4, 1))
            ]
        );
        assert_eq!(desktops(&page)[2], r(6, 1, 4, 1));
        assert_eq!(tablets(&page), [None, None, None]);
        // Mobile is explicit now, so a desktop drop gets a full-width mobile rect as well.
        place(&mut page, Desktop, text("d", r(0, 0, 2, 1)), None);
        assert_valid(&page);
        assert_eq!(desktops(&page)[3], r(10, 1, 2, 1));
        assert_eq!(mobiles(&page)[3], Some(r(0, 4, 12, 1)));
    }

    #[test]
    fn move_on_desktop_pushes_and_keeps_tablet_inheriting() {
        let mut page = layout(vec![
            text("a", r(0, 0, 6, 2)),
            text("b", r(6, 0, 6, 2)),
            text("c", r(0, 2, 12, 1)),
        ]);
        assert!(move_to(&mut page, Desktop, "b", 0, 0));
        assert_valid(&page);
        assert_eq!(
            desktops(&page),
            [r(0, 2, 6, 2), r(0, 0, 6, 2), r(0, 4, 12, 1)]
        );
        assert_eq!(tablets(&page), [None, None, None]);
        assert_eq!(mobiles(&page), [None, None, None]);
        // Same spot again is a no-op; a full-width widget can only sit at x 0.
        assert!(!move_to(&mut page, Desktop, "b", 0, 0));
        assert!(move_to(&mut page, Desktop, "c", 5, 10));
        assert_valid(&page);
        assert_eq!(desktops(&page)[2], r(0, 10, 12, 1));
    }

    #[test]
    fn move_on_tablet_materializes_only_the_moved_and_pushed_widgets() {
        let mut page = layout(vec![
            text("a", r(0, 0, 6, 2)),
            text("b", r(6, 0, 6, 2)),
            text("c", r(0, 2, 12, 1)),
            text("d", r(0, 3, 3, 1)),
            text("e", r(6, 4, 6, 1)),
        ]);
        let before = desktops(&page);
        assert!(move_to(&mut page, Tablet, "c", 0, 1));
        assert_valid(&page);
        assert_eq!(desktops(&page), before);
        assert_eq!(
            tablets(&page),
            [
                Some(r(0, 2, 6, 2)),
                Some(r(6, 2, 6, 2)),
                Some(r(0, 1, 12, 1)),
                Some(r(0, 4, 3, 1)),
                None,
            ]
        );
        assert_eq!(rect_at(&page, "e", Tablet), Some(r(6, 4, 6, 1)));
        assert_eq!(mobiles(&page), [None; 5]);
    }

    #[test]
    fn move_on_mobile_materializes_every_widget_first() {
        let mut page = layout(vec![
            text("a", r(0, 0, 6, 2)),
            text("b", r(6, 0, 6, 1)),
            text("c", r(0, 2, 12, 1)),
        ]);
        // c already sits at (0, 3) in the stacking: nothing to do, nothing materialized.
        assert!(!move_to(&mut page, Mobile, "c", 0, 3));
        assert_eq!(mobiles(&page), [None, None, None]);
        let before = page.clone();
        assert!(move_to(&mut page, Mobile, "c", 0, 0));
        assert_valid(&page);
        assert_eq!(
            mobiles(&page),
            [
                Some(r(0, 1, 12, 2)),
                Some(r(0, 3, 12, 1)),
                Some(r(0, 0, 12, 1))
            ]
        );
        assert_eq!(desktops(&page), desktops(&before));
        assert_eq!(tablets(&page), [None, None, None]);
    }

    #[test]
    fn mobile_materialization_settles_around_explicit_mobile_rects() {
        let mut page = layout(vec![
            text("a", r(0, 0, 6, 1)),
            text("b", r(6, 0, 6, 2)),
            text("c", r(0, 1, 6, 1)),
        ]);
        page.widgets[1].position.mobile = Some(r(0, 0, 12, 1));
        assert_valid(&page);
        assert!(nudge(&mut page, Mobile, "c", 0, 1));
        assert_valid(&page);
        // a's stacked row 0 is taken by b's explicit rect, so a settles just below it.
        assert_eq!(
            mobiles(&page),
            [
                Some(r(0, 1, 12, 1)),
                Some(r(0, 0, 12, 1)),
                Some(r(0, 4, 12, 1))
            ]
        );
    }

    #[test]
    fn nudge_moves_by_cells_and_stops_at_edges() {
        let mut page = layout(vec![text("a", r(0, 0, 4, 1)), text("b", r(4, 0, 4, 1))]);
        assert!(!nudge(&mut page, Desktop, "a", -1, 0));
        assert!(!nudge(&mut page, Desktop, "a", 0, -1));
        assert!(nudge(&mut page, Desktop, "b", 5, 0));
        assert_valid(&page);
        assert_eq!(desktops(&page), [r(0, 0, 4, 1), r(8, 0, 4, 1)]);
        assert!(!nudge(&mut page, Desktop, "b", 1, 0));
        assert!(nudge(&mut page, Desktop, "b", -4, 0));
        assert!(nudge(&mut page, Desktop, "a", 1, 0));
        assert_valid(&page);
        assert_eq!(desktops(&page), [r(1, 0, 4, 1), r(4, 1, 4, 1)]);
        // On tablet b goes back up and pushes a there, desktop stays.
        assert!(nudge(&mut page, Tablet, "b", 0, -1));
        assert_valid(&page);
        assert_eq!(desktops(&page), [r(1, 0, 4, 1), r(4, 1, 4, 1)]);
        assert_eq!(tablets(&page), [Some(r(1, 1, 4, 1)), Some(r(4, 0, 4, 1))]);
        assert!(nudge(&mut page, Mobile, "a", 0, 3));
        assert_valid(&page);
        assert_eq!(mobiles(&page), [Some(r(0, 3, 12, 1)), Some(r(0, 1, 12, 1))]);
    }

    #[test]
    fn unknown_ids_change_nothing() {
        let mut page = layout(vec![text("a", r(0, 0, 4, 1))]);
        let before = page.clone();
        assert!(!move_to(&mut page, Desktop, "x", 1, 1));
        assert!(!resize(&mut page, Tablet, "x", 2, 2));
        assert!(!nudge(&mut page, Mobile, "x", 1, 0));
        assert!(!grow(&mut page, Mobile, "x", 1, 0));
        assert_eq!(page, before);
        assert!(alignment_guides(&page, Desktop, "x").is_empty());
    }

    #[test]
    fn resize_keeps_the_corner_and_clamps_to_the_grid() {
        let mut page = layout(vec![text("a", r(8, 0, 2, 2)), text("b", r(8, 2, 4, 1))]);
        assert!(resize(&mut page, Desktop, "a", 6, 3));
        assert_valid(&page);
        assert_eq!(desktops(&page), [r(8, 0, 4, 3), r(8, 3, 4, 1)]);
        assert!(!resize(&mut page, Desktop, "a", 4, 3));
        assert!(resize(&mut page, Desktop, "a", 0, 0));
        assert_valid(&page);
        // Pushed widgets stay where they were pushed; there is no compaction.
        assert_eq!(desktops(&page), [r(8, 0, 1, 1), r(8, 3, 4, 1)]);
        assert!(resize(&mut page, Tablet, "b", 2, 1));
        assert_valid(&page);
        assert_eq!(tablets(&page), [None, Some(r(8, 3, 2, 1))]);
        assert!(resize(&mut page, Mobile, "a", 6, 2));
        assert_valid(&page);
        // Mobile stacking: a (1 row), then b; a's growth pushes b.
        assert_eq!(mobiles(&page), [Some(r(0, 0, 6, 2)), Some(r(0, 2, 12, 1))]);
    }

    #[test]
    fn grow_clamps_width_to_the_right_edge_and_height_to_one() {
        let mut page = layout(vec![text("a", r(10, 0, 1, 1)), text("b", r(8, 1, 4, 1))]);
        assert!(grow(&mut page, Desktop, "a", 5, 0));
        assert_valid(&page);
        assert_eq!(desktops(&page)[0], r(10, 0, 2, 1));
        assert!(!grow(&mut page, Desktop, "a", 1, 0));
        assert!(!grow(&mut page, Desktop, "a", 0, -1));
        assert!(grow(&mut page, Tablet, "a", 0, 1));
        assert_valid(&page);
        assert_eq!(desktops(&page), [r(10, 0, 2, 1), r(8, 1, 4, 1)]);
        assert_eq!(tablets(&page), [Some(r(10, 0, 2, 2)), Some(r(8, 2, 4, 1))]);
        assert!(grow(&mut page, Desktop, "a", -5, 2));
        assert_valid(&page);
        assert_eq!(desktops(&page), [r(10, 0, 1, 3), r(8, 3, 4, 1)]);
        assert!(grow(&mut page, Mobile, "b", -6, 0));
        assert_valid(&page);
        assert_eq!(mobiles(&page), [Some(r(0, 0, 12, 3)), Some(r(0, 3, 6, 1))]);
    }

    #[test]
    fn three_stacked_widgets_cascade_and_reorder() {
        let stack = vec![
            text("a", r(0, 0, 4, 2)),
            text("b", r(0, 2, 4, 2)),
            text("c", r(0, 4, 4, 2)),
            text("x", r(4, 0, 4, 2)),
        ];
        let mut page = layout(stack.clone());
        assert!(move_to(&mut page, Desktop, "x", 0, 0));
        assert_valid(&page);
        assert_eq!(
            desktops(&page),
            [r(0, 2, 4, 2), r(0, 4, 4, 2), r(0, 6, 4, 2), r(0, 0, 4, 2)]
        );
        // Dragging the bottom one to the top reorders the column.
        let mut page = layout(stack);
        assert!(move_to(&mut page, Desktop, "c", 0, 0));
        assert_valid(&page);
        assert_eq!(
            desktops(&page),
            [r(0, 2, 4, 2), r(0, 4, 4, 2), r(0, 0, 4, 2), r(4, 0, 4, 2)]
        );
    }

    #[test]
    fn desktop_edits_keep_inherited_tablet_rects_off_explicit_ones() {
        let mut page = layout(vec![
            text("a", r(0, 0, 6, 2)),
            text("b", r(6, 0, 6, 2)),
            text("c", r(0, 4, 6, 1)),
        ]);
        page.widgets[0].position.tablet = Some(r(0, 0, 12, 2));
        page.widgets[1].position.tablet = Some(r(0, 2, 12, 2));
        assert_valid(&page);
        assert!(move_to(&mut page, Desktop, "c", 0, 2));
        assert_valid(&page);
        assert_eq!(desktops(&page)[2], r(0, 2, 6, 1));
        assert_eq!(tablets(&page)[2], Some(r(0, 4, 6, 1)));
    }

    #[test]
    fn remove_counts_what_it_removed() {
        let mut page = layout(vec![
            text("a", r(0, 0, 1, 1)),
            text("b", r(1, 0, 1, 1)),
            text("c", r(2, 0, 1, 1)),
        ]);
        assert_eq!(remove(&mut page, &ids(&["a", "c", "nope"])), 2);
        assert_valid(&page);
        assert_eq!(widget_ids(&page), ["b"]);
        assert_eq!(remove(&mut page, &[]), 0);
        assert_eq!(widget_ids(&page), ["b"]);
    }

    #[test]
    fn duplicate_copies_to_free_spots_with_fresh_ids() {
        let mut page = layout(vec![text("a", r(0, 0, 6, 2)), text("b", r(6, 0, 3, 1))]);
        page.widgets[0].title = Some("Sales".to_owned());
        let new = duplicate(&mut page, Desktop, &ids(&["a", "b", "a", "nope"]));
        assert_valid(&page);
        assert_eq!(new, ["text-1", "text-2"]);
        assert_eq!(
            desktops(&page),
            [r(0, 0, 6, 2), r(6, 0, 3, 1), r(6, 1, 6, 2), r(9, 0, 3, 1)]
        );
        let copy = widget(&page, "text-1");
        assert_eq!(copy.title.as_deref(), Some("Sales"));
        assert_eq!(copy.props, page.widgets[0].props);
        // On tablet the copy keeps its tablet size and gets a desktop spot of its own.
        page.widgets[1].position.tablet = Some(r(0, 3, 2, 1));
        let new = duplicate(&mut page, Tablet, &ids(&["b"]));
        assert_valid(&page);
        assert_eq!(new, ["text-3"]);
        let copy = widget(&page, "text-3");
        assert_eq!(copy.position.tablet, Some(r(6, 0, 2, 1)));
        assert_eq!(copy.position.desktop, r(0, 2, 3, 1));
    }

    #[test]
    fn duplicate_points_copied_filters_at_copied_tables() {
        let mut page = layout(vec![
            table("t", r(0, 0, 6, 3)),
            filter("f", "t", r(6, 0, 3, 1)),
            search("s", &["t"], r(9, 0, 3, 1)),
        ]);
        let new = duplicate(&mut page, Desktop, &ids(&["t", "f"]));
        assert_valid(&page);
        assert_eq!(new, ["table-1", "filter-1"]);
        let WidgetProps::Filter(copy) = &widget(&page, "filter-1").props else {
            unreachable!()
        };
        assert_eq!(copy.target, "table-1");
        // Copied alone, a search keeps pointing at the original table.
        assert_eq!(duplicate(&mut page, Desktop, &ids(&["s"])), ["search-1"]);
        assert_valid(&page);
        let WidgetProps::Search(copy) = &widget(&page, "search-1").props else {
            unreachable!()
        };
        assert_eq!(copy.targets, ["t"]);
        assert_eq!(
            desktops(&page)[3..],
            [r(6, 1, 6, 3), r(0, 3, 3, 1), r(3, 3, 3, 1)]
        );
    }

    #[test]
    fn paste_keeps_the_arrangement_below_the_content_and_renames_clashes() {
        let mut page = layout(vec![text("a", r(0, 0, 6, 2)), text("b", r(6, 0, 6, 1))]);
        let mut x = text("x", r(6, 5, 3, 2));
        x.position.tablet = Some(r(0, 9, 12, 2));
        let new = paste(&mut page, Desktop, vec![text("a", r(2, 5, 4, 1)), x]);
        assert_valid(&page);
        assert_eq!(new, ["text-1", "x"]);
        assert_eq!(desktops(&page)[2..], [r(2, 2, 4, 1), r(6, 2, 3, 2)]);
        // A tablet rect from the other page means nothing here.
        assert_eq!(tablets(&page), [None; 4]);
    }

    #[test]
    fn paste_retargets_filters_to_renamed_tables() {
        let mut page = layout(vec![table("t", r(0, 0, 12, 2))]);
        let clipboard = vec![table("t", r(0, 0, 6, 2)), filter("f", "t", r(6, 0, 3, 1))];
        let new = paste(&mut page, Desktop, clipboard);
        assert_valid(&page);
        assert_eq!(new, ["table-1", "f"]);
        let WidgetProps::Filter(pasted) = &widget(&page, "f").props else {
            unreachable!()
        };
        assert_eq!(pasted.target, "table-1");
        assert_eq!(desktops(&page)[1..], [r(0, 2, 6, 2), r(6, 2, 3, 1)]);
    }

    #[test]
    fn paste_of_an_overlapping_group_uses_free_spots() {
        let mut page = layout(vec![text("a", r(0, 0, 6, 2))]);
        let new = paste(
            &mut page,
            Desktop,
            vec![text("p", r(0, 0, 6, 1)), text("p", r(0, 0, 6, 1))],
        );
        assert_valid(&page);
        assert_eq!(new, ["p", "text-1"]);
        assert_eq!(desktops(&page)[1..], [r(6, 0, 6, 1), r(6, 1, 6, 1)]);
    }

    #[test]
    fn paste_on_tablet_arranges_tablet_and_desktop_separately() {
        let mut page = layout(vec![text("a", r(0, 0, 12, 2))]);
        page.widgets[0].position.tablet = Some(r(0, 0, 6, 4));
        let clipboard = vec![text("a", r(0, 7, 3, 1)), text("b", r(3, 7, 3, 1))];
        let new = paste(&mut page, Tablet, clipboard);
        assert_valid(&page);
        assert_eq!(new, ["text-1", "b"]);
        assert_eq!(desktops(&page)[1..], [r(0, 2, 3, 1), r(3, 2, 3, 1)]);
        assert_eq!(
            tablets(&page)[1..],
            [Some(r(0, 4, 3, 1)), Some(r(3, 4, 3, 1))]
        );
    }

    #[test]
    fn paste_on_mobile_stacks_the_group_below_the_content() {
        let mut page = layout(vec![text("a", r(0, 0, 6, 2))]);
        let clipboard = vec![text("q", r(6, 0, 6, 1)), text("p", r(0, 0, 6, 3))];
        assert_eq!(paste(&mut page, Mobile, clipboard), ["q", "p"]);
        assert_valid(&page);
        assert_eq!(
            mobiles(&page),
            [
                Some(r(0, 0, 12, 2)),
                Some(r(0, 5, 12, 1)),
                Some(r(0, 2, 12, 3))
            ]
        );
        assert_eq!(desktops(&page)[1..], [r(6, 2, 6, 1), r(0, 2, 6, 3)]);
    }

    #[test]
    fn cell_at_snaps_to_the_cell_under_the_pointer() {
        // 1190 px wide with 10 px gaps: 90 px columns every 100 px; rows every 90 px.
        let cell = |x, y| cell_at(x, y, 1190.0, 80.0, 10.0);
        assert_eq!(cell(0.0, 0.0), (0, 0));
        assert_eq!(cell(99.9, 89.9), (0, 0));
        assert_eq!(cell(100.0, 90.0), (1, 1));
        assert_eq!(cell(1189.0, 905.0), (11, 10));
        assert_eq!(cell(5000.0, -20.0), (11, 0));
        assert_eq!(cell(-5.0, 3.0), (0, 0));
        assert_eq!(cell(f64::NAN, f64::INFINITY), (0, u16::MAX));
        assert_eq!(cell_at(600.0, 160.0, 1200.0, 80.0, 0.0), (6, 2));
    }

    #[test]
    fn alignment_guides_mark_shared_edges() {
        let page = layout(vec![
            text("a", r(0, 0, 4, 2)),
            text("b", r(4, 0, 4, 3)),
            text("c", r(0, 3, 8, 1)),
            text("d", r(10, 5, 2, 1)),
        ]);
        let v = |line| Guide {
            axis: Axis::Vertical,
            line,
        };
        let h = |line| Guide {
            axis: Axis::Horizontal,
            line,
        };
        assert_eq!(alignment_guides(&page, Desktop, "a"), [v(0), v(4), h(0)]);
        assert_eq!(alignment_guides(&page, Desktop, "c"), [v(0), v(8), h(3)]);
        assert!(alignment_guides(&page, Desktop, "d").is_empty());
        // Stacked on mobile: a rows 0-1, b 2-4, c 5, d 6, all full width.
        assert_eq!(
            alignment_guides(&page, Mobile, "b"),
            [v(0), v(12), h(2), h(5)]
        );
    }

    #[test]
    fn random_edit_sequences_always_leave_a_valid_layout() {
        // A fixed LCG keeps this deterministic without a dependency.
        let mut seed: u64 = 0x5eed;
        let mut next = move |bound: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % bound
        };
        let mut page = layout(vec![]);
        for _ in 0..3000 {
            let breakpoint = Breakpoint::ALL[next(3) as usize];
            let id = match page.widgets.len() {
                0 => "none".to_owned(),
                n => page.widgets[next(n as u64) as usize].id.clone(),
            };
            let (a, b) = (next(14) as i32 - 7, next(6) as i32 - 3);
            // Removals keep the page near 16 widgets, so the test stays fast.
            let op = if page.widgets.len() >= 16 {
                8
            } else {
                next(10)
            };
            match op {
                0 | 1 => {
                    let size = r(0, 0, next(13) as u8, next(4) as u16);
                    let at = (next(2) == 0).then(|| (next(14) as u8, next(10) as u16));
                    place(&mut page, breakpoint, text("", size), at);
                }
                2 => {
                    move_to(&mut page, breakpoint, &id, a as u8, next(12) as u16);
                }
                3 => {
                    resize(&mut page, breakpoint, &id, next(14) as u8, next(4) as u16);
                }
                4 => {
                    nudge(&mut page, breakpoint, &id, a, b);
                }
                5 => {
                    grow(&mut page, breakpoint, &id, a, b);
                }
                6 => {
                    duplicate(&mut page, breakpoint, &[id]);
                }
                7 => {
                    let mut clipboard: Vec<Widget> = page
                        .widgets
                        .iter()
                        .filter(|w| w.id == id)
                        .cloned()
                        .collect();
                    for copied in &mut clipboard {
                        copied.position.desktop.y %= 4;
                    }
                    clipboard.push(text("", r(next(12) as u8, next(3) as u16, 3, 1)));
                    paste(&mut page, breakpoint, clipboard);
                }
                9 => {
                    // Back to inherited tablet or stacked mobile rects, both always valid.
                    for widget in &mut page.widgets {
                        match breakpoint {
                            Desktop => {}
                            Tablet => widget.position.tablet = None,
                            Mobile => widget.position.mobile = None,
                        }
                    }
                }
                _ => {
                    remove(&mut page, &[id]);
                }
            }
            assert_valid(&page);
        }
    }

    #[test]
    fn history_undoes_and_redoes() {
        let mut history = History::new(0, 10);
        assert!(!history.can_undo() && !history.can_redo());
        assert!(history.push(1));
        assert!(!history.push(1));
        assert!(history.push(2));
        assert_eq!(history.undo(), Some(&1));
        assert_eq!(history.undo(), Some(&0));
        assert_eq!(history.undo(), None);
        assert_eq!(*history.current(), 0);
        assert!(!history.can_undo() && history.can_redo());
        assert_eq!(history.redo(), Some(&1));
        // A new edit drops the redo branch (2).
        assert!(history.push(5));
        assert!(!history.can_redo());
        assert_eq!(history.redo(), None);
        assert_eq!(history.undo(), Some(&1));
        assert_eq!(history.undo(), Some(&0));
    }

    #[test]
    fn history_keeps_at_most_limit_steps_and_resets() {
        let mut history = History::new(0, 2);
        for state in 1..=3 {
            history.push(state);
        }
        assert_eq!(history.undo(), Some(&2));
        assert_eq!(history.undo(), Some(&1));
        assert_eq!(history.undo(), None);
        assert_eq!(*history.current(), 1);
        history.redo();
        history.reset(9);
        assert_eq!(*history.current(), 9);
        assert!(!history.can_undo() && !history.can_redo());
        let mut none = History::new("a", 0);
        assert!(none.push("b"));
        assert!(!none.can_undo());
        assert_eq!(*none.current(), "b");
    }

    #[test]
    fn history_restores_layouts_exactly() {
        let mut page = layout(vec![text("a", r(0, 0, 4, 1)), text("b", r(0, 1, 4, 1))]);
        let mut history = History::new(page.clone(), 50);
        assert!(move_to(&mut page, Mobile, "b", 0, 0));
        assert!(history.push(page.clone()));
        assert!(!history.push(page.clone()));
        let original = history.undo().unwrap().clone();
        assert_eq!(mobiles(&original), [None, None]);
        assert_eq!(history.redo(), Some(&page));
    }

    #[test]
    fn copies_of_containers_give_their_widgets_fresh_ids() {
        let mut tabs = Widget::from_palette(WidgetKind::Tabs);
        tabs.id = "tabs-1".into();
        let mut inner = Widget::from_palette(WidgetKind::Text);
        inner.id = "text-1".into();
        tabs.props.panes_mut().unwrap()[0].widgets.push(inner);
        let mut layout = Layout {
            row_height: 80,
            widgets: vec![tabs],
        };
        assert_eq!(unique_id(&layout, "text"), "text-2");
        let copies = duplicate(&mut layout, Breakpoint::Desktop, &["tabs-1".to_owned()]);
        assert_eq!(copies, ["tabs-2"]);
        let ids: Vec<&str> = layout.all_widgets().iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["tabs-1", "text-1", "tabs-2", "text-2"]);
        assert_valid(&layout);
    }

    #[test]
    fn removing_reaches_widgets_inside_containers() {
        let mut tabs = Widget::from_palette(WidgetKind::Tabs);
        tabs.id = "tabs-1".into();
        for id in ["text-1", "text-2"] {
            let mut child = Widget::from_palette(WidgetKind::Text);
            child.id = id.into();
            tabs.props.panes_mut().unwrap()[0].widgets.push(child);
        }
        let mut layout = Layout {
            row_height: 80,
            widgets: vec![tabs],
        };
        assert_eq!(
            remove(&mut layout, &["text-1".to_owned(), "nope".to_owned()]),
            1
        );
        let ids: Vec<&str> = layout.all_widgets().iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["tabs-1", "text-2"]);
        // Removing a container removes what it holds.
        assert_eq!(remove(&mut layout, &["tabs-1".to_owned()]), 2);
        assert!(layout.widgets.is_empty());
        assert_valid(&layout);
    }
}
