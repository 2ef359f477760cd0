//! Turning mapped data into what widgets draw: chart geometry for server-rendered SVG and
//! display text for cells and tiles. Pure, so SSR and the browser draw the same thing.

use chrono::DateTime;
use serde_json::Value;

use crate::page::{KpiProps, KpiTrend, ValueFormat};

#[derive(Clone, Debug, PartialEq)]
pub struct ChartPoint {
    pub label: String,
    pub value: f64,
}

/// Reads chart points from a mapped value: an array of `{"x": .., "y": ..}` objects or of
/// `[x, y]` pairs. Entries without a numeric y are skipped; epoch-millisecond x values become
/// `MM-DD HH:MM` labels.
pub fn points_from_value(value: &Value) -> Vec<ChartPoint> {
    let Some(items) = value.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let (x, y) = match item {
                Value::Object(map) => (map.get("x")?, map.get("y")?),
                Value::Array(pair) if pair.len() == 2 => (&pair[0], &pair[1]),
                _ => return None,
            };
            Some(ChartPoint {
                label: axis_label(x),
                value: numeric(y)?,
            })
        })
        .collect()
}

/// A number, also when a transform already wrote it as text (`"1,234"`, `"25%"`).
pub fn numeric(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(text) => text
            .trim()
            .trim_end_matches('%')
            .replace(',', "")
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite()),
        _ => None,
    }
}

fn axis_label(x: &Value) -> String {
    match x.as_i64() {
        Some(millis) if millis > 100_000_000_000 => DateTime::from_timestamp_millis(millis)
            .map(|time| time.format("%m-%d %H:%M").to_string())
            .unwrap_or_else(|| millis.to_string()),
        _ => display_value(x),
    }
}

/// Human text for any JSON value: strings as they are, whole numbers without decimals,
/// ServiceNow-style reference objects by their display value, missing values as a dash.
pub fn display_value(value: &Value) -> String {
    match value {
        Value::Null => "—".to_owned(),
        Value::String(text) => text.clone(),
        Value::Bool(flag) => if *flag { "Yes" } else { "No" }.to_owned(),
        Value::Number(number) => match number.as_i64() {
            Some(whole) => group_thousands(whole),
            None => format!("{:.2}", number.as_f64().unwrap_or_default()),
        },
        Value::Object(map) => match map.get("display_value").or_else(|| map.get("value")) {
            Some(inner) => display_value(inner),
            None => value.to_string(),
        },
        Value::Array(_) => value.to_string(),
    }
}

fn group_thousands(number: i64) -> String {
    let digits = number.unsigned_abs().to_string();
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if number < 0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// How a KPI tile is coloured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Neutral,
    Good,
    Warning,
    Bad,
}

impl Tone {
    pub fn as_str(self) -> &'static str {
        match self {
            Tone::Neutral => "neutral",
            Tone::Good => "good",
            Tone::Warning => "warning",
            Tone::Bad => "bad",
        }
    }
}

/// The tile's colour. With thresholds: past critical is bad, past warning is a warning,
/// otherwise good ("past" in the direction the trend calls worse). Without: any failure is bad
/// news when lower is better; any success is good news otherwise.
pub fn kpi_tone(kpi: &KpiProps, value: &Value) -> Tone {
    let Some(number) = numeric(value) else {
        return Tone::Neutral;
    };
    let worse = |limit: f64| match kpi.trend {
        KpiTrend::LowerIsBetter => number >= limit,
        KpiTrend::HigherIsBetter => number <= limit,
    };
    match (kpi.thresholds, kpi.trend) {
        (Some(limits), _) if worse(limits.critical) => Tone::Bad,
        (Some(limits), _) if worse(limits.warning) => Tone::Warning,
        (Some(_), _) => Tone::Good,
        (None, KpiTrend::LowerIsBetter) if number > 0.0 => Tone::Bad,
        (None, KpiTrend::LowerIsBetter) => Tone::Good,
        (None, KpiTrend::HigherIsBetter) if number > 0.0 => Tone::Good,
        (None, KpiTrend::HigherIsBetter) => Tone::Neutral,
    }
}

/// Milliseconds as a short duration: 900ms, 45s, 12.5m, 1.5h.
pub fn compact_duration_ms(millis: f64) -> String {
    let (scaled, suffix) = if millis >= 3_600_000.0 {
        (millis / 3_600_000.0, "h")
    } else if millis >= 60_000.0 {
        (millis / 60_000.0, "m")
    } else if millis >= 1000.0 {
        (millis / 1000.0, "s")
    } else {
        (millis, "ms")
    };
    let text = format!("{scaled:.1}");
    format!("{}{suffix}", text.strip_suffix(".0").unwrap_or(&text))
}

pub fn format_value(value: f64, format: ValueFormat) -> String {
    match format {
        ValueFormat::Number => compact_number(value),
        ValueFormat::DurationMs => compact_duration_ms(value),
    }
}

/// Short tick labels: 950, 1.5k, 2.4M.
pub fn compact_number(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "B")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let text = format!("{scaled:.1}");
    let text = text.strip_suffix(".0").unwrap_or(&text);
    format!("{text}{suffix}")
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChartGeometry {
    pub width: f64,
    pub height: f64,
    pub plot_left: f64,
    pub plot_top: f64,
    pub plot_right: f64,
    pub plot_bottom: f64,
    /// Data points in SVG coordinates, in input order.
    pub points: Vec<(f64, f64)>,
    /// Bar slot width for bar charts.
    pub slot_width: f64,
    pub y_ticks: Vec<(f64, String)>,
    /// At most a handful of x labels so they never collide.
    pub x_labels: Vec<(f64, String)>,
}

impl ChartGeometry {
    pub fn polyline(&self) -> String {
        self.points
            .iter()
            .map(|(x, y)| format!("{x:.1},{y:.1}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;
const Y_TICKS: usize = 4;
const MAX_X_LABELS: usize = 6;

/// View-box size for a chart in a widget of `columns` × `rows` grid cells, so that the SVG is
/// drawn close to 1:1 and its text keeps a readable size.
pub fn view_size(columns: u8, rows: u16, row_height: u16) -> (f64, f64) {
    let width = (f64::from(columns) * 100.0).max(320.0);
    let height = (f64::from(rows) * f64::from(row_height) - 96.0).max(160.0);
    (width, height)
}

/// Lays points out on a `width`×`height` view box with a zero-based y axis rounded up to a
/// "nice" maximum.
pub fn layout(
    points: &[ChartPoint],
    y_format: ValueFormat,
    (width, height): (f64, f64),
) -> ChartGeometry {
    let (plot_left, plot_right, plot_top, plot_bottom) =
        (LEFT, width - RIGHT, TOP, height - BOTTOM);
    let plot_width = plot_right - plot_left;
    let plot_height = plot_bottom - plot_top;
    let max = points
        .iter()
        .map(|point| point.value)
        .fold(0.0_f64, f64::max);
    let top_value = nice_ceiling(max);
    let slot_width = if points.is_empty() {
        plot_width
    } else {
        plot_width / points.len() as f64
    };
    let to_y = |value: f64| plot_bottom - (value.max(0.0) / top_value) * plot_height;
    let coordinates = points
        .iter()
        .enumerate()
        .map(|(index, point)| {
            (
                plot_left + slot_width * (index as f64 + 0.5),
                to_y(point.value),
            )
        })
        .collect::<Vec<_>>();
    let y_ticks = (0..=Y_TICKS)
        .map(|step| {
            let value = top_value * step as f64 / Y_TICKS as f64;
            (to_y(value), format_value(value, y_format))
        })
        .collect();
    let stride = points.len().div_ceil(MAX_X_LABELS).max(1);
    let x_labels = points
        .iter()
        .zip(&coordinates)
        .step_by(stride)
        .map(|(point, (x, _))| (*x, point.label.clone()))
        .collect();
    ChartGeometry {
        width,
        height,
        plot_left,
        plot_top,
        plot_right,
        plot_bottom,
        points: coordinates,
        slot_width,
        y_ticks,
        x_labels,
    }
}

/// Smallest of 1, 2, 2.5, 5 × 10^n that is ≥ value (1 for empty or non-positive data).
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let exponent = value.log10().floor();
    let base = 10f64.powf(exponent);
    [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * base)
        .find(|candidate| *candidate >= value)
        .unwrap_or(10.0 * base)
}

/// One slice of a pie chart: its SVG path, and its share of the whole (0..=1).
#[derive(Clone, Debug, PartialEq)]
pub struct PieSlice {
    pub path: String,
    pub label: String,
    pub value: f64,
    pub share: f64,
}

/// Slices for the positive points, clockwise from 12 o'clock, centred in the view box.
pub fn pie_slices(points: &[ChartPoint], (width, height): (f64, f64)) -> Vec<PieSlice> {
    let positive: Vec<&ChartPoint> = points.iter().filter(|point| point.value > 0.0).collect();
    let total: f64 = positive.iter().map(|point| point.value).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let (cx, cy) = (width / 2.0, height / 2.0);
    let radius = (width.min(height) / 2.0 - 8.0).max(10.0);
    let at = |fraction: f64| {
        let angle = fraction * std::f64::consts::TAU - std::f64::consts::FRAC_PI_2;
        (cx + radius * angle.cos(), cy + radius * angle.sin())
    };
    let mut start = 0.0;
    positive
        .into_iter()
        .map(|point| {
            let share = point.value / total;
            let path = if share >= 0.999_999 {
                // A full circle cannot be one arc: draw two halves.
                format!(
                    "M {:.1} {:.1} A {radius:.1} {radius:.1} 0 1 1 {:.1} {:.1} A {radius:.1} {radius:.1} 0 1 1 {:.1} {:.1} Z",
                    cx,
                    cy - radius,
                    cx,
                    cy + radius,
                    cx,
                    cy - radius
                )
            } else {
                let (x1, y1) = at(start);
                let (x2, y2) = at(start + share);
                let large_arc = u8::from(share > 0.5);
                format!(
                    "M {cx:.1} {cy:.1} L {x1:.1} {y1:.1} A {radius:.1} {radius:.1} 0 {large_arc} 1 {x2:.1} {y2:.1} Z"
                )
            };
            start += share;
            PieSlice {
                path,
                label: point.label.clone(),
                value: point.value,
                share,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::page::KpiThresholds;
    use serde_json::json;

    #[test]
    fn numbers_written_by_transforms_still_count() {
        assert_eq!(numeric(&json!("1,234.5")), Some(1234.5));
        assert_eq!(numeric(&json!("25%")), Some(25.0));
        assert_eq!(numeric(&json!("n/a")), None);
        let points = points_from_value(&json!([{"x": "a", "y": "1,200"}]));
        assert_eq!(points[0].value, 1200.0);
    }

    #[test]
    fn points_accept_objects_and_pairs_and_skip_non_numeric() {
        let points =
            points_from_value(&json!([{"x": "a", "y": 1}, ["b", 2.5], {"x": "c", "y": null}, 7]));
        assert_eq!(
            points,
            vec![
                ChartPoint {
                    label: "a".into(),
                    value: 1.0
                },
                ChartPoint {
                    label: "b".into(),
                    value: 2.5
                }
            ]
        );
    }

    #[test]
    fn epoch_millis_become_date_labels() {
        let points = points_from_value(&json!([{"x": 1_761_955_200_000_i64, "y": 1}]));
        assert_eq!(points[0].label, "11-01 00:00");
    }

    #[test]
    fn display_values_are_human() {
        assert_eq!(display_value(&json!("INC0010001")), "INC0010001");
        assert_eq!(display_value(&json!(1234567)), "1,234,567");
        assert_eq!(display_value(&json!(-1000)), "-1,000");
        assert_eq!(display_value(&json!(0.5)), "0.50");
        assert_eq!(display_value(&json!(null)), "—");
        assert_eq!(
            display_value(&json!({"display_value": "Beth Anglin", "link": "x"})),
            "Beth Anglin"
        );
    }

    #[test]
    fn kpi_tone_follows_the_trend_and_thresholds() {
        let kpi = |trend, thresholds| KpiProps {
            label: "x".into(),
            unit: None,
            trend,
            thresholds,
        };
        let lower = kpi(KpiTrend::LowerIsBetter, None);
        assert_eq!(kpi_tone(&lower, &json!(3)), Tone::Bad);
        assert_eq!(kpi_tone(&lower, &json!(0)), Tone::Good);
        let higher = kpi(KpiTrend::HigherIsBetter, None);
        assert_eq!(kpi_tone(&higher, &json!(12)), Tone::Good);
        assert_eq!(kpi_tone(&higher, &json!("n/a")), Tone::Neutral);
        // Failed runs: 0-2 fine, 3-4 warning, 5+ critical.
        let failures = kpi(
            KpiTrend::LowerIsBetter,
            Some(KpiThresholds {
                warning: 3.0,
                critical: 5.0,
            }),
        );
        let tones: Vec<Tone> = [0, 2, 3, 4, 5, 9]
            .iter()
            .map(|n| kpi_tone(&failures, &json!(n)))
            .collect();
        assert_eq!(
            tones,
            [
                Tone::Good,
                Tone::Good,
                Tone::Warning,
                Tone::Warning,
                Tone::Bad,
                Tone::Bad
            ]
        );
        // Availability %: 99+ fine, 95-99 warning, below 95 critical.
        let uptime = kpi(
            KpiTrend::HigherIsBetter,
            Some(KpiThresholds {
                warning: 99.0,
                critical: 95.0,
            }),
        );
        let tones: Vec<Tone> = [99.9, 99.0, 97.0, 95.0, 80.0]
            .iter()
            .map(|n| kpi_tone(&uptime, &json!(n)))
            .collect();
        assert_eq!(
            tones,
            [
                Tone::Good,
                Tone::Warning,
                Tone::Warning,
                Tone::Bad,
                Tone::Bad
            ]
        );
    }

    #[test]
    fn compact_numbers_are_short() {
        assert_eq!(compact_number(950.0), "950");
        assert_eq!(compact_number(1500.0), "1.5k");
        assert_eq!(compact_number(2_000_000.0), "2M");
        assert_eq!(compact_duration_ms(900.0), "900ms");
        assert_eq!(compact_duration_ms(45_000.0), "45s");
        assert_eq!(compact_duration_ms(750_000.0), "12.5m");
        assert_eq!(compact_duration_ms(5_400_000.0), "1.5h");
    }

    #[test]
    fn layout_scales_to_a_nice_maximum_and_keeps_points_inside_the_plot() {
        let points: Vec<_> = (1..=3)
            .map(|n| ChartPoint {
                label: n.to_string(),
                value: n as f64 * 30.0,
            })
            .collect();
        let geometry = layout(&points, ValueFormat::Number, (640.0, 240.0));
        // max 90 → nice ceiling 100, so the highest point sits 10% below the top.
        let expected_top = geometry.plot_bottom - 0.9 * (geometry.plot_bottom - geometry.plot_top);
        assert!((geometry.points[2].1 - expected_top).abs() < 1e-9);
        assert_eq!(geometry.y_ticks.last().unwrap().1, "100");
        for (x, y) in &geometry.points {
            assert!(*x > geometry.plot_left && *x < geometry.plot_right);
            assert!(*y >= geometry.plot_top && *y <= geometry.plot_bottom);
        }
        assert_eq!(geometry.polyline().split(' ').count(), 3);
    }

    #[test]
    fn many_points_get_at_most_six_x_labels() {
        let points: Vec<_> = (0..30)
            .map(|n| ChartPoint {
                label: n.to_string(),
                value: 1.0,
            })
            .collect();
        assert!(
            layout(&points, ValueFormat::Number, (640.0, 240.0))
                .x_labels
                .len()
                <= 6
        );
    }

    #[test]
    fn view_size_follows_the_widget_with_a_floor() {
        assert_eq!(view_size(12, 4, 80), (1200.0, 224.0));
        assert_eq!(view_size(2, 1, 80), (320.0, 160.0));
    }

    #[test]
    fn empty_data_still_has_an_axis() {
        let geometry = layout(&[], ValueFormat::Number, (640.0, 240.0));
        assert!(geometry.points.is_empty());
        assert_eq!(geometry.y_ticks.len(), 5);
    }

    #[test]
    fn pie_slices_share_the_whole_and_skip_non_positive_points() {
        let points =
            [("a", 1.0), ("b", 3.0), ("c", 0.0), ("d", -2.0)].map(|(label, value)| ChartPoint {
                label: label.to_owned(),
                value,
            });
        let slices = pie_slices(&points, (200.0, 200.0));
        assert_eq!(slices.len(), 2);
        assert_eq!((slices[0].share, slices[1].share), (0.25, 0.75));
        // First slice starts at 12 o'clock and ends at 3 o'clock (a quarter turn).
        assert_eq!(
            slices[0].path,
            "M 100.0 100.0 L 100.0 8.0 A 92.0 92.0 0 0 1 192.0 100.0 Z"
        );
        // The three-quarter slice needs the large-arc flag.
        assert!(slices[1].path.contains(" 0 1 1 "), "{}", slices[1].path);
        let whole = pie_slices(&points[..1], (200.0, 200.0));
        assert_eq!(whole.len(), 1);
        assert_eq!(whole[0].path.matches(" A ").count(), 2);
        assert!(pie_slices(&points[2..], (200.0, 200.0)).is_empty());
    }
}
