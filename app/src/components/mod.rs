//! Form fields shared by every screen. Each carries the label, the `aria-invalid` /
//! `aria-describedby` wiring and the error line once, so screens only say what differs.

mod fields;

pub use fields::{FieldError, SelectField, TextAreaField, TextField};
