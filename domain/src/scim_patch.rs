//! SCIM PATCH (RFC 7644 §3.5.2) applied to a User or a Group: the operations Entra ID and
//! other provisioning clients send, as pure functions. Attributes this server does not keep
//! (title, phone numbers, addresses) are ignored, as the RFC allows, so default attribute
//! mappings of an identity provider do not fail provisioning.

use serde_json::Value;

use crate::scim::{
    ENTERPRISE_SCHEMA, PatchOperation, ScimEmail, ScimGroup, ScimMember, ScimUser, as_bool,
    member_in_path,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

fn op_of(operation: &PatchOperation) -> Result<Op, String> {
    match operation.op.to_ascii_lowercase().as_str() {
        "add" => Ok(Op::Add),
        "replace" => Ok(Op::Replace),
        "remove" => Ok(Op::Remove),
        other => Err(format!("op must be add, replace or remove, not {other:?}")),
    }
}

fn text(value: &Value, path: &str) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(text) => Ok(Some(text.trim().to_owned()).filter(|text| !text.is_empty())),
        other => Err(format!("{path} must be text, not {other}")),
    }
}

/// Applies one operation to `user`.
pub fn patch_user(user: &mut ScimUser, operation: &PatchOperation) -> Result<(), String> {
    let op = op_of(operation)?;
    match operation.path.as_deref().map(str::trim) {
        Some(path) if !path.is_empty() => {
            let value = if op == Op::Remove {
                &Value::Null
            } else {
                &operation.value
            };
            set_user_attribute(user, path, value)
        }
        _ => {
            let Value::Object(values) = &operation.value else {
                return Err("an operation without a path needs an object as its value".to_owned());
            };
            if op == Op::Remove {
                return Err("remove needs a path".to_owned());
            }
            values
                .iter()
                .try_for_each(|(path, value)| set_user_attribute(user, path, value))
        }
    }
}

fn set_user_attribute(user: &mut ScimUser, path: &str, value: &Value) -> Result<(), String> {
    let lower = path.to_ascii_lowercase();
    let enterprise = ENTERPRISE_SCHEMA.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix(&enterprise) {
        let extension = user
            .enterprise
            .get_or_insert_with(|| Value::Object(Default::default()));
        let Value::Object(fields) = extension else {
            return Err("the enterprise extension must be an object".to_owned());
        };
        match rest.strip_prefix(':') {
            // `…:User:department` — keep the attribute's own spelling.
            Some(_) => {
                let name = &path[enterprise.len() + 1..];
                match value {
                    Value::Null => fields.remove(name),
                    value => fields.insert(name.to_owned(), value.clone()),
                };
            }
            None => match value {
                Value::Object(values) => fields.extend(values.clone()),
                Value::Null => fields.clear(),
                other => return Err(format!("{path} must be an object, not {other}")),
            },
        }
        return Ok(());
    }
    match lower.as_str() {
        "active" => {
            user.active = Some(
                as_bool(value)
                    .ok_or_else(|| format!("active must be true or false, not {value}"))?,
            );
        }
        "username" => {
            user.user_name =
                text(value, path)?.ok_or_else(|| "userName cannot be removed".to_owned())?;
        }
        "displayname" => user.display_name = text(value, path)?,
        "externalid" => user.external_id = text(value, path)?,
        "name" => match value {
            Value::Object(_) => {
                let name: crate::scim::ScimName =
                    serde_json::from_value(value.clone()).map_err(|err| format!("name: {err}"))?;
                user.name = Some(name);
            }
            Value::Null => user.name = None,
            other => return Err(format!("name must be an object, not {other}")),
        },
        "name.givenname" | "name.familyname" | "name.formatted" => {
            let name = user.name.get_or_insert_with(Default::default);
            let field = match lower.as_str() {
                "name.givenname" => &mut name.given_name,
                "name.familyname" => &mut name.family_name,
                _ => &mut name.formatted,
            };
            *field = text(value, path)?;
        }
        "emails" => match value {
            Value::Array(_) => {
                user.emails = serde_json::from_value(value.clone())
                    .map_err(|err| format!("emails: {err}"))?;
            }
            Value::Null => user.emails.clear(),
            other => return Err(format!("emails must be a list, not {other}")),
        },
        // `emails[type eq "work"].value`: the one email this server keeps.
        email if email.starts_with("emails[") && email.ends_with("].value") => {
            user.emails = text(value, path)?
                .map(|value| ScimEmail {
                    value,
                    primary: Some(true),
                })
                .into_iter()
                .collect();
        }
        _ => {}
    }
    Ok(())
}

fn members_of(value: &Value) -> Result<Vec<ScimMember>, String> {
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(_) => {
            serde_json::from_value(value.clone()).map_err(|err| format!("members: {err}"))
        }
        // One member on its own, as some clients send it.
        Value::Object(_) => serde_json::from_value(value.clone())
            .map(|member| vec![member])
            .map_err(|err| format!("members: {err}")),
        other => Err(format!("members must be a list, not {other}")),
    }
}

fn add_members(group: &mut ScimGroup, members: Vec<ScimMember>) {
    for member in members {
        if !group
            .members
            .iter()
            .any(|known| known.value == member.value)
        {
            group.members.push(member);
        }
    }
}

/// Applies one operation to `group`: members added, removed or replaced, names changed.
pub fn patch_group(group: &mut ScimGroup, operation: &PatchOperation) -> Result<(), String> {
    let op = op_of(operation)?;
    let path = operation.path.as_deref().map(str::trim).unwrap_or_default();
    if path.is_empty() {
        let Value::Object(values) = &operation.value else {
            return Err("an operation without a path needs an object as its value".to_owned());
        };
        if op == Op::Remove {
            return Err("remove needs a path".to_owned());
        }
        return values.iter().try_for_each(|(path, value)| {
            patch_group(
                group,
                &PatchOperation {
                    op: operation.op.clone(),
                    path: Some(path.clone()),
                    value: value.clone(),
                },
            )
        });
    }
    if let Some(member) = member_in_path(path) {
        if op != Op::Remove {
            return Err(format!("{path} can only be removed"));
        }
        group.members.retain(|known| known.value != member);
        return Ok(());
    }
    match (path.to_ascii_lowercase().as_str(), op) {
        ("members", Op::Add) => add_members(group, members_of(&operation.value)?),
        ("members", Op::Replace) => {
            group.members.clear();
            add_members(group, members_of(&operation.value)?);
        }
        ("members", Op::Remove) => {
            let named = members_of(&operation.value)?;
            if named.is_empty() {
                group.members.clear();
            } else {
                group
                    .members
                    .retain(|known| !named.iter().any(|member| member.value == known.value));
            }
        }
        ("displayname", Op::Remove) => return Err("displayName cannot be removed".to_owned()),
        ("displayname", _) => {
            group.display_name = text(&operation.value, path)?
                .ok_or_else(|| "displayName cannot be empty".to_owned())?;
        }
        ("externalid", Op::Remove) => group.external_id = None,
        ("externalid", _) => group.external_id = text(&operation.value, path)?,
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn operation(value: Value) -> PatchOperation {
        serde_json::from_value(value).unwrap()
    }

    fn jane() -> ScimUser {
        ScimUser {
            user_name: "jane@example.com".into(),
            active: Some(true),
            ..Default::default()
        }
    }

    #[test]
    fn users_are_patched_the_way_entra_sends_it() {
        let mut user = jane();
        for sent in [
            json!({"op": "Replace", "path": "active", "value": "False"}),
            json!({"op": "replace", "path": "displayName", "value": "Jane D."}),
            json!({"op": "Add", "path": "name.givenName", "value": "Jane"}),
            json!({"op": "Add", "path": "emails[type eq \"work\"].value", "value": "jd@example.com"}),
            json!({"op": "Add", "path": format!("{ENTERPRISE_SCHEMA}:department"), "value": "Finance"}),
            json!({"op": "Add", "path": "title", "value": "Analyst"}),
            json!({"op": "Replace", "value": {"externalId": "0a1b", "userName": "jane.doe@example.com"}}),
        ] {
            patch_user(&mut user, &operation(sent.clone()))
                .unwrap_or_else(|err| panic!("{sent}: {err}"));
        }
        assert_eq!(user.active, Some(false));
        assert_eq!(user.display_name.as_deref(), Some("Jane D."));
        assert_eq!(
            user.name.as_ref().unwrap().given_name.as_deref(),
            Some("Jane")
        );
        assert_eq!(user.emails[0].value, "jd@example.com");
        assert_eq!(user.enterprise.as_ref().unwrap()["department"], "Finance");
        assert_eq!(user.external_id.as_deref(), Some("0a1b"));
        assert_eq!(user.user_name, "jane.doe@example.com");
        patch_user(
            &mut user,
            &operation(json!({"op": "Remove", "path": format!("{ENTERPRISE_SCHEMA}:department")})),
        )
        .unwrap();
        assert_eq!(user.enterprise.as_ref().unwrap().get("department"), None);
    }

    #[test]
    fn bad_user_operations_say_what_is_wrong() {
        let mut user = jane();
        let cases = [
            (
                json!({"op": "move", "path": "active", "value": true}),
                "op must be",
            ),
            (
                json!({"op": "replace", "path": "active", "value": "maybe"}),
                "active must be",
            ),
            (
                json!({"op": "remove", "path": "userName"}),
                "cannot be removed",
            ),
            (json!({"op": "replace", "value": "x"}), "needs an object"),
            (
                json!({"op": "replace", "path": "displayName", "value": 3}),
                "must be text",
            ),
        ];
        for (sent, expected) in cases {
            let err = patch_user(&mut user, &operation(sent.clone())).unwrap_err();
            assert!(err.contains(expected), "{sent}: {err}");
        }
        assert_eq!(
            user,
            jane(),
            "a refused operation changes nothing it checked"
        );
    }

    #[test]
    fn group_members_are_added_removed_and_replaced() {
        let mut group = ScimGroup {
            display_name: "Finance".into(),
            ..Default::default()
        };
        let ids = |group: &ScimGroup| {
            group
                .members
                .iter()
                .map(|m| m.value.clone())
                .collect::<Vec<_>>()
        };
        patch_group(
            &mut group,
            &operation(json!({"op": "Add", "path": "members", "value": [{"value": "1"}, {"value": "2"}, {"value": "1"}]})),
        )
        .unwrap();
        assert_eq!(ids(&group), ["1", "2"]);
        patch_group(
            &mut group,
            &operation(json!({"op": "Remove", "path": "members[value eq \"1\"]"})),
        )
        .unwrap();
        assert_eq!(ids(&group), ["2"]);
        patch_group(
            &mut group,
            &operation(json!({"op": "Remove", "path": "members", "value": [{"value": "2"}]})),
        )
        .unwrap();
        assert!(group.members.is_empty());
        patch_group(
            &mut group,
            &operation(json!({"op": "Replace", "value": {"displayName": "Finance EU", "members": [{"value": "3"}]}})),
        )
        .unwrap();
        assert_eq!(
            (group.display_name.as_str(), ids(&group)),
            ("Finance EU", vec!["3".to_owned()])
        );
        assert!(
            patch_group(
                &mut group,
                &operation(json!({"op": "Add", "path": "members[value eq \"4\"]"}))
            )
            .unwrap_err()
            .contains("can only be removed")
        );
        assert!(
            patch_group(
                &mut group,
                &operation(json!({"op": "Replace", "path": "displayName", "value": " "}))
            )
            .unwrap_err()
            .contains("cannot be empty")
        );
    }
}
