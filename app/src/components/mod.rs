//! Parts shared by every screen. Form fields carry the label, the `aria-invalid` /
//! `aria-describedby` wiring and the error line once; `ListPanel` the table, its headers and
//! its empty state. Screens only say what differs.

mod fields;
mod list;

pub use fields::{FieldError, SelectField, TextAreaField, TextField};
pub use list::ListPanel;
