//! SCIM 2.0 (RFC 7643/7644) as identity providers such as Entra ID send it: the User
//! and Group resources, list responses, PATCH operations, the error shape, and the one kind
//! of filter provisioning clients use (`userName eq "…"`, `displayName eq "…"`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const ENTERPRISE_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScimName {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScimEmail {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimMeta {
    pub resource_type: String,
    pub created: chrono::DateTime<chrono::Utc>,
    pub last_modified: chrono::DateTime<chrono::Utc>,
    pub location: String,
}

/// A SCIM User as sent and returned. The enterprise extension's `department` becomes the
/// user's `department` attribute.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScimUser {
    pub schemas: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<ScimName>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emails: Vec<ScimEmail>,
    pub active: Option<bool>,
    #[serde(
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<ScimMeta>,
}

impl ScimUser {
    /// The name to show: `displayName`, else `name.formatted`, else given and family names,
    /// else the user name.
    pub fn shown_name(&self) -> String {
        let name = self.name.clone().unwrap_or_default();
        let joined = [name.given_name, name.family_name]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        [self.display_name.clone(), name.formatted, Some(joined)]
            .into_iter()
            .flatten()
            .map(|name| name.trim().to_owned())
            .find(|name| !name.is_empty())
            .unwrap_or_else(|| self.user_name.clone())
    }
}

/// A member of a group as SCIM names it: the user's id, and their name when returned.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScimMember {
    pub value: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ScimGroup {
    pub schemas: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub display_name: String,
    pub members: Vec<ScimMember>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<ScimMeta>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimList<T> {
    pub schemas: Vec<String>,
    pub total_results: u64,
    pub start_index: u64,
    pub items_per_page: u64,
    #[serde(rename = "Resources")]
    pub resources: Vec<T>,
}

impl<T> ScimList<T> {
    pub fn new(resources: Vec<T>, total_results: u64, start_index: u64) -> Self {
        Self {
            schemas: vec![LIST_SCHEMA.to_owned()],
            total_results,
            start_index,
            items_per_page: resources.len() as u64,
            resources,
        }
    }
}

/// SCIM's error body (RFC 7644 §3.12).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimError {
    pub schemas: Vec<String>,
    /// The HTTP status, as a string.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<String>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&str>, detail: impl Into<String>) -> Self {
        Self {
            schemas: vec![ERROR_SCHEMA.to_owned()],
            status: status.to_string(),
            scim_type: scim_type.map(str::to_owned),
            detail: detail.into(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatchRequest {
    pub schemas: Vec<String>,
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatchOperation {
    /// `add`, `replace` or `remove`, in any case (Entra sends `Replace`).
    pub op: String,
    pub path: Option<String>,
    pub value: Value,
}

/// A filter this server answers: one attribute compared for equality. `attribute` is spelled
/// as in the list of allowed attributes it was matched against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Filter {
    pub attribute: &'static str,
    pub value: String,
}

/// Reads `userName eq "jane@example.com"` (attribute and operator in any case) for one of
/// `allowed`; anything else is refused with the reason, as SCIM's `invalidFilter`.
pub fn parse_filter(text: &str, allowed: &[&'static str]) -> Result<Filter, String> {
    let mut parts = text.trim().splitn(3, char::is_whitespace);
    let (Some(attribute), Some(operator), Some(value)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(format!(
            "use a filter such as {} eq \"value\"",
            allowed.first().copied().unwrap_or("userName")
        ));
    };
    if !operator.eq_ignore_ascii_case("eq") {
        return Err(format!("only eq is supported, not {operator}"));
    }
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|value| value.strip_suffix('"'))
        .ok_or_else(|| "put the value in double quotes".to_owned())?
        .replace("\\\"", "\"");
    let attribute = allowed
        .iter()
        .copied()
        .find(|name| name.eq_ignore_ascii_case(attribute))
        .ok_or_else(|| {
            format!(
                "filtering on {attribute} is not supported; use {}",
                allowed.join(" or ")
            )
        })?;
    Ok(Filter { attribute, value })
}

/// The member ids a PATCH names in a path such as `members[value eq "12"]`.
pub fn member_in_path(path: &str) -> Option<String> {
    let inner = path.trim().strip_prefix("members[")?.strip_suffix(']')?;
    parse_filter(inner, &["value"])
        .ok()
        .map(|filter| filter.value)
}

/// SCIM's booleans arrive as JSON booleans or, from some clients, as "True"/"False".
pub fn as_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) if text.eq_ignore_ascii_case("true") => Some(true),
        Value::String(text) if text.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A provisioning token as the admin screen lists it (the token itself is shown once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScimTokenSummary {
    pub id: i32,
    pub label: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked: bool,
}

/// A token just issued: the only time its secret is returned.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IssuedScimToken {
    pub summary: ScimTokenSummary,
    pub token: String,
}

/// A group an Admin adds by hand so the groups in sign-in tokens can grant a role before
/// (or without) SCIM provisioning.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewGroup {
    pub display_name: String,
    /// The identity provider's id for it (Entra's group object id, as tokens carry it).
    pub external_id: String,
    #[serde(default)]
    pub role: Option<String>,
}

/// A group as the admin screen lists it, with the role it grants its members.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupSummary {
    pub id: i32,
    pub display_name: String,
    pub external_id: Option<String>,
    pub members: u64,
    /// The role key members get; none if the group grants no role.
    pub role: Option<String>,
    pub role_label: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filters_name_an_attribute_and_a_quoted_value() {
        const USERS: &[&str] = &["userName", "externalId"];
        assert_eq!(
            parse_filter(r#"username eq "jane@example.com""#, USERS),
            Ok(Filter {
                attribute: "userName",
                value: "jane@example.com".into()
            })
        );
        assert_eq!(
            parse_filter(r#"externalId EQ "a \"b\"""#, USERS),
            Ok(Filter {
                attribute: "externalId",
                value: "a \"b\"".into()
            })
        );
        assert!(
            parse_filter(r#"userName co "jane""#, USERS)
                .unwrap_err()
                .contains("only eq")
        );
        assert!(
            parse_filter("userName eq jane", USERS)
                .unwrap_err()
                .contains("double quotes")
        );
        assert_eq!(
            parse_filter(r#"title eq "x""#, USERS).unwrap_err(),
            "filtering on title is not supported; use userName or externalId"
        );
        assert!(parse_filter("", USERS).is_err());
        assert_eq!(
            member_in_path(r#"members[value eq "12"]"#),
            Some("12".into())
        );
        assert_eq!(member_in_path("members"), None);
    }

    #[test]
    fn users_read_as_entra_sends_them() {
        let user: ScimUser = serde_json::from_value(json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
            "externalId": "0a1b", "userName": "jane@example.com", "active": true,
            "name": {"givenName": "Jane", "familyName": "Doe"},
            "emails": [{"value": "jane@example.com", "primary": true, "type": "work"}],
            ENTERPRISE_SCHEMA: {"department": "Finance"}
        }))
        .unwrap();
        assert_eq!(user.shown_name(), "Jane Doe");
        assert_eq!(user.enterprise.unwrap()["department"], "Finance");
        assert_eq!(as_bool(&json!("False")), Some(false));
        assert_eq!(as_bool(&json!(true)), Some(true));
        assert_eq!(as_bool(&json!(1)), None);
    }
}
