//! SeaORM entities, one per table. Conversions to `domain` wire types live next to them.

pub mod approval_request;
pub mod audit_chain_head;
pub mod audit_log;
pub mod channel;
pub mod connection;
pub mod group;
pub mod group_member;
pub mod organization;
pub mod page;
pub mod password_link;
pub mod refresh_token;
pub mod role;
pub mod scim_token;
pub mod tool;
pub mod tool_check;
pub mod tool_logo;
pub mod tool_sample;
pub mod user;
pub mod version;
pub mod webhook_event;
pub mod workflow;
pub mod workflow_run;
pub mod workflow_step;
pub mod workflow_trigger;
