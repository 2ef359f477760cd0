//! Where a widget sits on the 12-column grid, per breakpoint.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a widget sits at each breakpoint. Tablet falls back to desktop; mobile stacks all
/// widgets full width in reading order unless a mobile position is given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Positions {
    pub desktop: GridRect,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tablet: Option<GridRect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<GridRect>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GridRect {
    /// Column, 0-based, 0..12.
    pub x: u8,
    /// Row, 0-based.
    pub y: u16,
    /// Width in columns, 1..=12.
    pub w: u8,
    /// Height in rows, at least 1.
    pub h: u16,
}

impl GridRect {
    /// One past the rightmost column, widened so no position can overflow.
    pub fn right(&self) -> u16 {
        u16::from(self.x) + u16::from(self.w)
    }

    /// One past the bottom row, widened so no position can overflow.
    pub fn bottom(&self) -> u32 {
        u32::from(self.y) + u32::from(self.h)
    }

    pub fn overlaps(&self, other: &GridRect) -> bool {
        u16::from(self.x) < other.right()
            && u16::from(other.x) < self.right()
            && u32::from(self.y) < other.bottom()
            && u32::from(other.y) < self.bottom()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Breakpoint {
    Desktop,
    Tablet,
    Mobile,
}

impl Breakpoint {
    pub const ALL: [Breakpoint; 3] = [Breakpoint::Desktop, Breakpoint::Tablet, Breakpoint::Mobile];

    pub fn key(self) -> &'static str {
        match self {
            Breakpoint::Desktop => "desktop",
            Breakpoint::Tablet => "tablet",
            Breakpoint::Mobile => "mobile",
        }
    }
}

impl Positions {
    /// The explicit rectangle at a breakpoint, with tablet inheriting desktop. `None` on
    /// mobile means "stacked".
    pub fn at(&self, breakpoint: Breakpoint) -> Option<GridRect> {
        match breakpoint {
            Breakpoint::Desktop => Some(self.desktop),
            Breakpoint::Tablet => Some(self.tablet.unwrap_or(self.desktop)),
            Breakpoint::Mobile => self.mobile,
        }
    }
}
