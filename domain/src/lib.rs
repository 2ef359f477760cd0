//! The pure heart of Platform Builder: the page JSON model and its validation, roles and
//! policy, workflows and their rules, chart geometry, the builder's layout editing and the
//! wire types shared by the UI and the server. No I/O, no framework; builds for wasm32 and native.

pub mod access;
pub mod approvals;
pub mod audit;
pub mod change_words;
pub mod chart;
pub mod condition;
pub mod dto;
pub mod embed;
pub mod error;
pub mod expression;
pub mod grants;
pub mod ids;
pub mod layout;
pub mod limits;
pub mod link;
pub mod logo;
pub mod mapper;
pub mod page;
pub mod policy;
pub mod request;
pub mod resilience;
pub mod roles;
pub mod scim;
pub mod scim_patch;
pub mod sso;
pub mod template;
pub mod tool;
pub mod transform;
pub mod users;
pub mod versions;
pub mod virtual_rows;
pub mod workflow;

#[cfg(test)]
mod published_schema;

pub use error::{ErrorBody, ErrorCode, ValidationIssue};
pub use page::{
    Binding, GridRect, Layout, PageDefinition, Positions, Widget, WidgetKind, WidgetProps,
};
pub use policy::{Action, Role};
