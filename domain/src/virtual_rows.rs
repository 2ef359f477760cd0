//! Which rows of a virtually scrolled list are drawn: those in view plus a few above and
//! below. The scroll position and the rows come from different places (the browser's scroll
//! event, the filtered data), so the range is clamped to the rows there are: a position left
//! over from a longer list draws nothing instead of slicing out of bounds.

use std::ops::Range;

/// Rows `range` of `total` to draw for a list scrolled to `scroll_top` pixels, `viewport`
/// pixels tall, with rows `row_height` pixels tall and `overscan` extra rows on each side.
/// Nonsense measurements (negative, NaN, infinite, a zero row height) draw from the top.
pub fn visible_range(
    total: usize,
    scroll_top: f64,
    viewport: f64,
    row_height: f64,
    overscan: usize,
) -> Range<usize> {
    let rows_in = |pixels: f64| {
        if row_height.is_finite() && row_height > 0.0 && pixels.is_finite() && pixels > 0.0 {
            // `as` saturates at usize::MAX for huge values.
            (pixels / row_height) as usize
        } else {
            0
        }
    };
    let first = rows_in(scroll_top).saturating_sub(overscan).min(total);
    let shown = rows_in(viewport)
        .saturating_add(1)
        .saturating_add(overscan.saturating_mul(2));
    first..first.saturating_add(shown).min(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_in_view_and_the_overscan_are_drawn() {
        // 480 px of 32 px rows: 15 in view, one partly, 8 above and below.
        assert_eq!(visible_range(10_000, 0.0, 480.0, 32.0, 8), 0..32);
        assert_eq!(
            visible_range(10_000, 32.0 * 5_000.0, 480.0, 32.0, 8),
            4_992..5_024
        );
        assert_eq!(
            visible_range(10_000, 32.0 * 9_990.0, 480.0, 32.0, 8),
            9_982..10_000
        );
    }

    #[test]
    fn a_scroll_position_from_a_longer_list_draws_within_the_rows_there_are() {
        // Scrolled half-way through 10,000 rows, then a search leaves three.
        assert_eq!(visible_range(3, 32.0 * 5_000.0, 480.0, 32.0, 8), 3..3);
        assert_eq!(visible_range(0, 32.0 * 5_000.0, 480.0, 32.0, 8), 0..0);
        assert_eq!(visible_range(3, 64.0, 480.0, 32.0, 8), 0..3);
    }

    #[test]
    fn nonsense_measurements_draw_from_the_top() {
        for (scroll_top, viewport, row_height) in [
            (f64::NAN, 480.0, 32.0),
            (-500.0, 480.0, 32.0),
            (100.0, 480.0, 0.0),
            (100.0, 480.0, f64::NAN),
            (f64::INFINITY, 480.0, 32.0),
        ] {
            let range = visible_range(100, scroll_top, viewport, row_height, 8);
            assert_eq!(range.start, 0, "{scroll_top} {viewport} {row_height}");
            assert!(range.end <= 100);
        }
        assert_eq!(visible_range(100, 0.0, f64::INFINITY, 32.0, 8), 0..17);
        assert_eq!(
            visible_range(usize::MAX, 1e300, 1e300, 1e-300, usize::MAX).end,
            usize::MAX
        );
    }
}
