//! User accounts as the users screen and its API see them: who they are, their role and
//! attributes, whether they may sign in, and the rules for what an admin may type.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{ValidationIssue, ids::UserId};

/// Attributes an admin sets on a user (department, region, …), read by access conditions.
pub type UserAttributes = BTreeMap<String, String>;

pub const MIN_PASSWORD_CHARS: usize = 8;
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_ATTRIBUTES: usize = 32;
pub const MAX_ATTRIBUTE_KEY_CHARS: usize = 40;
pub const MAX_ATTRIBUTE_VALUE_CHARS: usize = 200;
pub const MAX_NAME_CHARS: usize = 120;
/// How long a set-password link works.
pub const PASSWORD_LINK_HOURS: i64 = 72;

/// Where a user stands: may sign in, has not chosen a password yet, or is switched off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    Active,
    /// Created with a set-password link that has not been used yet.
    Invited,
    Disabled,
}

impl UserStatus {
    pub fn label(self) -> &'static str {
        match self {
            UserStatus::Active => "Active",
            UserStatus::Invited => "Invited",
            UserStatus::Disabled => "Disabled",
        }
    }
}

/// One row of the users screen. Never carries a password or its hash.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    /// The role's stored name: a built-in (`editor`) or one of the organization's.
    pub role: String,
    /// The role's name as people read it.
    pub role_label: String,
    pub status: UserStatus,
    pub attributes: UserAttributes,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Sent back with an edit; a stale one is refused (someone else changed the user).
    pub version: i32,
}

/// What the users screen's "Add user" form sends. No password means "give me a
/// set-password link for them".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewUserRequest {
    pub email: String,
    pub display_name: String,
    /// A role's name (`editor`); checked by the service, so a wrong one is named.
    pub role: String,
    pub password: Option<String>,
}

/// A user just created, with the link to hand them when no password was given.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub user: UserSummary,
    pub password_link: Option<PasswordLink>,
}

/// A one-time link to choose a password: a path on this server (the screen adds the origin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordLink {
    pub path: String,
    pub expires_at: DateTime<Utc>,
}

/// An admin's edit of a user: name, role and attributes together, against `version`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserUpdate {
    pub display_name: String,
    /// A role's name (`editor`); checked by the service, so a wrong one is named.
    pub role: String,
    #[serde(default)]
    pub attributes: UserAttributes,
    pub version: i32,
}

/// Someone choosing their password with a set-password link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPassword {
    pub token: String,
    pub password: String,
}

/// Checks a display name.
pub fn check_display_name(name: &str, issues: &mut Vec<ValidationIssue>) {
    let length = name.trim().chars().count();
    if length == 0 {
        issues.push(ValidationIssue::new(
            "display_name",
            "enter the person's name",
        ));
    } else if length > MAX_NAME_CHARS {
        issues.push(ValidationIssue::new(
            "display_name",
            format!("use at most {MAX_NAME_CHARS} characters"),
        ));
    }
}

/// Checks an email address as typed: one `@` with something on both sides and no spaces.
pub fn check_email(email: &str, issues: &mut Vec<ValidationIssue>) {
    let email = email.trim();
    let valid = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !email.chars().any(char::is_whitespace)
                && email.len() <= 254
        }
        None => false,
    };
    if !valid {
        issues.push(ValidationIssue::new(
            "email",
            "enter a valid email address, e.g. jane@example.com",
        ));
    }
}

/// Checks a new password's length.
pub fn check_password(password: &str, issues: &mut Vec<ValidationIssue>) {
    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        issues.push(ValidationIssue::new(
            "password",
            format!("passwords need at least {MIN_PASSWORD_CHARS} characters"),
        ));
    } else if length > MAX_PASSWORD_CHARS {
        issues.push(ValidationIssue::new(
            "password",
            format!("use at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
}

/// Checks attribute keys (lowercase letters, digits and `_`, starting with a letter, so a
/// condition can name them) and values (short plain text).
pub fn check_attributes(attributes: &UserAttributes, issues: &mut Vec<ValidationIssue>) {
    if attributes.len() > MAX_ATTRIBUTES {
        issues.push(ValidationIssue::new(
            "attributes",
            format!("use at most {MAX_ATTRIBUTES} attributes"),
        ));
    }
    for (key, value) in attributes {
        let path = format!("attributes.{key}");
        let well_formed = key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            && key.len() <= MAX_ATTRIBUTE_KEY_CHARS;
        if !well_formed {
            issues.push(ValidationIssue::new(
                path.clone(),
                format!(
                    "name attributes with lowercase letters, digits and _ (starting with a letter, at most {MAX_ATTRIBUTE_KEY_CHARS}), e.g. department"
                ),
            ));
        }
        if value.chars().count() > MAX_ATTRIBUTE_VALUE_CHARS {
            issues.push(ValidationIssue::new(
                path,
                format!("use at most {MAX_ATTRIBUTE_VALUE_CHARS} characters"),
            ));
        } else if value.chars().any(char::is_control) {
            issues.push(ValidationIssue::new(
                path,
                "values are one line of text without control characters",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issues_of(check: impl FnOnce(&mut Vec<ValidationIssue>)) -> Vec<String> {
        let mut issues = Vec::new();
        check(&mut issues);
        issues.into_iter().map(|issue| issue.path).collect()
    }

    #[test]
    fn emails_need_one_at_sign_a_dotted_domain_and_no_spaces() {
        for good in ["jane@example.com", " Jane.Doe+ops@corp.example.co.uk "] {
            assert!(issues_of(|i| check_email(good, i)).is_empty(), "{good}");
        }
        for bad in [
            "",
            "jane",
            "@example.com",
            "jane@",
            "jane@localhost",
            "ja ne@example.com",
            "a@b@c.com",
        ] {
            assert_eq!(issues_of(|i| check_email(bad, i)), ["email"], "{bad}");
        }
    }

    #[test]
    fn passwords_are_between_eight_and_256_characters() {
        assert_eq!(issues_of(|i| check_password("seven77", i)), ["password"]);
        assert!(issues_of(|i| check_password("eight888", i)).is_empty());
        assert!(issues_of(|i| check_password("ü".repeat(8).as_str(), i)).is_empty());
        assert_eq!(
            issues_of(|i| check_password(&"x".repeat(257), i)),
            ["password"]
        );
    }

    #[test]
    fn attribute_keys_are_identifiers_and_values_one_short_line() {
        let attributes: UserAttributes = [
            ("department", "Finance"),
            ("region_2", "EU"),
            ("Region", "EU"),
            ("2fa", "x"),
            ("cost-center", "x"),
            ("note", "two\nlines"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(
            issues_of(|i| check_attributes(&attributes, i)),
            [
                "attributes.2fa",
                "attributes.Region",
                "attributes.cost-center",
                "attributes.note"
            ]
        );
        let long: UserAttributes = [("team".to_owned(), "x".repeat(201))].into();
        assert_eq!(
            issues_of(|i| check_attributes(&long, i)),
            ["attributes.team"]
        );
    }

    #[test]
    fn names_are_required_and_bounded() {
        assert_eq!(issues_of(|i| check_display_name("  ", i)), ["display_name"]);
        assert!(issues_of(|i| check_display_name("Jane Doe", i)).is_empty());
        assert_eq!(
            issues_of(|i| check_display_name(&"x".repeat(121), i)),
            ["display_name"]
        );
    }
}
