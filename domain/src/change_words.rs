//! What changed between two snapshots, in words a non-developer reads: "Widget 'Open
//! tickets' → title: 'Tickets' → 'Open tickets'", "Widget 'Runs' added", "Widget 'Runs' moved
//! from column 1 to 7". Page definitions are compared widget by widget (by id, so a reorder is
//! not a change); anything else field by field. The raw JSON Patch stays available beside it.

use std::collections::BTreeMap;

use serde_json::Value;

/// At most this many lines; the rest are counted in a last line.
pub const MAX_LINES: usize = 60;
const MAX_SHOWN_CHARS: usize = 80;

/// The changes from `before` to `after` (either may be `null`: created or deleted).
pub fn describe(before: &Value, after: &Value) -> Vec<String> {
    let mut lines = Vec::new();
    match (widgets_of(before), widgets_of(after)) {
        (Some(old), Some(new)) => {
            describe_widgets(&old, &new, &mut lines);
            let (mut before, mut after) = (before.clone(), after.clone());
            for side in [&mut before, &mut after] {
                if let Some(layout) = side.get_mut("layout").and_then(Value::as_object_mut) {
                    layout.remove("widgets");
                }
            }
            describe_fields(&mut Vec::new(), &before, &after, &mut lines);
        }
        _ => describe_fields(&mut Vec::new(), before, after, &mut lines),
    }
    if lines.len() > MAX_LINES {
        let more = lines.len() - MAX_LINES;
        lines.truncate(MAX_LINES);
        lines.push(format!("… and {more} more changes"));
    }
    lines
}

/// The widgets of a page definition by id, in their order.
fn widgets_of(value: &Value) -> Option<Vec<(&str, &Value)>> {
    let widgets = value.get("layout")?.get("widgets")?.as_array()?;
    Some(
        widgets
            .iter()
            .filter_map(|widget| Some((widget.get("id")?.as_str()?, widget)))
            .collect(),
    )
}

fn widget_name(widget: &Value, id: &str) -> String {
    let title = widget
        .get("title")
        .and_then(Value::as_str)
        .filter(|title| !title.trim().is_empty())
        .unwrap_or(id);
    format!("Widget {}", quoted(title))
}

fn describe_widgets(old: &[(&str, &Value)], new: &[(&str, &Value)], lines: &mut Vec<String>) {
    let before: BTreeMap<&str, &Value> = old.iter().copied().collect();
    let after: BTreeMap<&str, &Value> = new.iter().copied().collect();
    for (id, widget) in new {
        let name = widget_name(widget, id);
        let Some(previous) = before.get(id) else {
            lines.push(format!("{name} added"));
            continue;
        };
        let (mut was, mut now) = ((*previous).clone(), (*widget).clone());
        describe_position(&name, &was, &now, lines);
        for side in [&mut was, &mut now] {
            if let Some(object) = side.as_object_mut() {
                object.remove("position");
                object.remove("id");
            }
        }
        let mut path = vec![name];
        describe_fields(&mut path, &was, &now, lines);
    }
    for (id, widget) in old {
        if !after.contains_key(id) {
            lines.push(format!("{} removed", widget_name(widget, id)));
        }
    }
}

/// Moves and resizes on the desktop grid in grid words; other breakpoints field by field.
fn describe_position(name: &str, before: &Value, after: &Value, lines: &mut Vec<String>) {
    let rect = |widget: &Value| {
        let desktop = widget.get("position")?.get("desktop")?;
        let number = |key: &str| desktop.get(key).and_then(Value::as_u64);
        Some((number("x")?, number("y")?, number("w")?, number("h")?))
    };
    if let (Some((x0, y0, w0, h0)), Some((x1, y1, w1, h1))) = (rect(before), rect(after)) {
        if x0 != x1 {
            lines.push(format!("{name} moved from column {} to {}", x0 + 1, x1 + 1));
        }
        if y0 != y1 {
            lines.push(format!("{name} moved from row {} to {}", y0 + 1, y1 + 1));
        }
        if (w0, h0) != (w1, h1) {
            lines.push(format!("{name} resized from {w0}×{h0} to {w1}×{h1}"));
        }
    }
    for breakpoint in ["tablet", "mobile"] {
        let of = |widget: &Value| {
            widget
                .get("position")
                .and_then(|position| position.get(breakpoint))
                .cloned()
                .unwrap_or(Value::Null)
        };
        let mut path = vec![name.to_owned(), format!("{breakpoint} position")];
        describe_fields(&mut path, &of(before), &of(after), lines);
    }
}

fn describe_fields(path: &mut Vec<String>, before: &Value, after: &Value, lines: &mut Vec<String>) {
    if before == after {
        return;
    }
    let nothing = serde_json::Map::new();
    // A group of settings that appears or disappears reads field by field too.
    if let (Some(old), Some(new)) = (
        object_or_empty(before, after, &nothing),
        object_or_empty(after, before, &nothing),
    ) {
        let keys: std::collections::BTreeSet<&String> = old.keys().chain(new.keys()).collect();
        for key in keys {
            path.push(key.replace('_', " "));
            describe_fields(
                path,
                old.get(key).unwrap_or(&Value::Null),
                new.get(key).unwrap_or(&Value::Null),
                lines,
            );
            path.pop();
        }
        return;
    }
    match (before, after) {
        (Value::Array(old), Value::Array(new)) if old.len() == new.len() => {
            for (index, (was, now)) in old.iter().zip(new).enumerate() {
                path.push(format!("item {}", index + 1));
                describe_fields(path, was, now, lines);
                path.pop();
            }
        }
        (Value::Null, now) => lines.push(format!("{}set to {}", prefix(path), shown(now))),
        (was, Value::Null) => lines.push(format!("{}{} removed", prefix(path), shown(was))),
        (was, now) => lines.push(format!("{}{} → {}", prefix(path), shown(was), shown(now))),
    }
}

/// `value`'s fields; none when it is null and `other` has fields; else not an object.
fn object_or_empty<'a>(
    value: &'a Value,
    other: &Value,
    nothing: &'a serde_json::Map<String, Value>,
) -> Option<&'a serde_json::Map<String, Value>> {
    match value {
        Value::Null if other.is_object() => Some(nothing),
        Value::Object(map) => Some(map),
        _ => None,
    }
}

fn prefix(path: &[String]) -> String {
    if path.is_empty() {
        String::new()
    } else {
        format!("{}: ", path.join(" → "))
    }
}

fn quoted(text: &str) -> String {
    let mut shown: String = text.chars().take(MAX_SHOWN_CHARS).collect();
    if text.chars().count() > MAX_SHOWN_CHARS {
        shown.push('…');
    }
    format!("'{shown}'")
}

fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => quoted(text),
        Value::Array(items) => match items.len() {
            1 => "a list of 1 item".to_owned(),
            count => format!("a list of {count} items"),
        },
        Value::Object(_) => "a group of settings".to_owned(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(widgets: Value) -> Value {
        json!({"schema_version": 1, "layout": {"row_height": 80, "widgets": widgets}})
    }

    fn widget(id: &str, title: &str, x: u8) -> Value {
        json!({"id": id, "title": title, "type": "text", "props": {"text": "hi"},
               "position": {"desktop": {"x": x, "y": 0, "w": 4, "h": 2}}})
    }

    #[test]
    fn a_page_edit_reads_as_widget_changes() {
        let before = page(json!([widget("t", "Tickets", 0), widget("old", "Old", 4)]));
        let mut retitled = widget("t", "Open tickets", 6);
        retitled["props"]["text"] = json!("Open incidents");
        let after = page(json!([retitled, widget("new", "Runs", 0)]));
        assert_eq!(
            describe(&before, &after),
            [
                "Widget 'Open tickets' moved from column 1 to 7",
                "Widget 'Open tickets' → props → text: 'hi' → 'Open incidents'",
                "Widget 'Open tickets' → title: 'Tickets' → 'Open tickets'",
                "Widget 'Runs' added",
                "Widget 'Old' removed",
            ]
        );
    }

    #[test]
    fn reordering_widgets_is_not_a_change_but_resizing_and_layout_settings_are() {
        let before = page(json!([widget("a", "A", 0), widget("b", "B", 4)]));
        let mut bigger = widget("a", "A", 0);
        bigger["position"]["desktop"]["w"] = json!(6);
        let mut after = page(json!([widget("b", "B", 4), bigger]));
        after["layout"]["row_height"] = json!(60);
        assert_eq!(
            describe(&before, &after),
            [
                "Widget 'A' resized from 4×2 to 6×2",
                "layout → row height: 80 → 60"
            ]
        );
    }

    #[test]
    fn other_snapshots_read_field_by_field() {
        let before = json!({"name": "Ops", "settings": {"timeout_seconds": 10}, "secret": "set"});
        let after = json!({"name": "Ops API", "settings": {"timeout_seconds": 30, "description": "EU"},
                           "secret": "set", "auth": {"type": "bearer"}});
        assert_eq!(
            describe(&before, &after),
            [
                "auth → type: set to 'bearer'",
                "name: 'Ops' → 'Ops API'",
                "settings → description: set to 'EU'",
                "settings → timeout seconds: 10 → 30",
            ]
        );
        assert_eq!(
            describe(&Value::Null, &json!({"title": "New"})),
            ["title: set to 'New'"]
        );
        assert_eq!(
            describe(&json!({"status": "published"}), &json!({"status": "draft"})),
            ["status: 'published' → 'draft'"]
        );
        assert!(describe(&before, &before).is_empty());
    }

    #[test]
    fn long_texts_are_shortened_and_long_lists_of_changes_end_with_a_count() {
        let long = "x".repeat(200);
        let line = &describe(&json!({"text": "a"}), &json!({"text": long}))[0];
        assert!(line.ends_with("…'") && line.chars().count() < 110, "{line}");
        let widgets: Vec<Value> = (0..100).map(|n| widget(&format!("w{n}"), "W", 0)).collect();
        let lines = describe(&page(json!([])), &page(Value::Array(widgets)));
        assert_eq!(lines.len(), MAX_LINES + 1);
        assert_eq!(lines.last().unwrap(), "… and 40 more changes");
    }
}
