//! Single sign-on (OpenID Connect, Entra ID first): what a verified ID token says about a
//! person, read through the configured claim names, which role it gives them, and the
//! reasons a sign-in is refused, in words the sign-in page shows.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::users::{MAX_ATTRIBUTE_VALUE_CHARS, UserAttributes};

/// Which claims carry what. Entra's names are the defaults: `tid` (tenant), `roles` (app
/// roles), `groups` (group object ids).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimMapping {
    pub tenant: String,
    pub roles: String,
    pub groups: String,
    /// `(claim, attribute)`: the claim's value becomes the user's attribute of that name.
    pub attributes: Vec<(String, String)>,
}

impl Default for ClaimMapping {
    fn default() -> Self {
        Self {
            tenant: "tid".to_owned(),
            roles: "roles".to_owned(),
            groups: "groups".to_owned(),
            attributes: Vec::new(),
        }
    }
}

impl ClaimMapping {
    /// Reads `department,region=ctry`: a bare name maps a claim to the attribute of the same
    /// name; `attribute=claim` renames. Blank entries are skipped.
    pub fn parse_attributes(text: &str) -> Result<Vec<(String, String)>, String> {
        let mut mapped = Vec::new();
        for entry in text
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
        {
            let (attribute, claim) = match entry.split_once('=') {
                Some((attribute, claim)) => (attribute.trim(), claim.trim()),
                None => (entry, entry),
            };
            if attribute.is_empty() || claim.is_empty() {
                return Err(format!("{entry:?} needs an attribute and a claim name"));
            }
            mapped.push((claim.to_owned(), attribute.to_owned()));
        }
        Ok(mapped)
    }
}

/// What the sign-in page offers besides the password form.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInOptions {
    /// "Sign in with Microsoft" when single sign-on is set up: the button's words.
    pub single_sign_on: Option<String>,
}

/// An organization's single sign-on, as the Provisioning screen shows it. The server's
/// part (issuer, client, claim names) comes from its settings and is read-only here.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoOrganizationSettings {
    /// The server has OIDC_* settings.
    pub configured: bool,
    pub provider_name: String,
    pub issuer: Option<String>,
    pub redirect_url: Option<String>,
    pub claims: ClaimMapping,
    /// The tenant whose users sign in to this organization.
    pub tenant_id: Option<String>,
    pub password_sign_in: bool,
}

/// What an Admin changes about their organization's single sign-on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoOrganizationUpdate {
    #[serde(default)]
    pub tenant_id: Option<String>,
    pub password_sign_in: bool,
}

pub const MAX_TENANT_ID_CHARS: usize = 100;

/// The tenant id as stored (trimmed; blank is none), or what is wrong with it.
pub fn checked_tenant_id(text: Option<&str>) -> Result<Option<String>, String> {
    let Some(text) = text.map(str::trim).filter(|text| !text.is_empty()) else {
        return Ok(None);
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_');
    if text.chars().count() > MAX_TENANT_ID_CHARS || !text.chars().all(allowed) {
        return Err(format!(
            "use the tenant's id as the identity provider sends it (letters, digits, '-', '.', '_'; at most {MAX_TENANT_ID_CHARS}), e.g. 72f988bf-86f1-41af-91ab-2d7cd011db47"
        ));
    }
    Ok(Some(text.to_lowercase()))
}

/// A person as a verified ID token describes them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoIdentity {
    /// `issuer|sub`: stable for this person and this application.
    pub subject: String,
    pub email: String,
    pub name: String,
    pub tenant: Option<String>,
    pub roles: Vec<String>,
    pub groups: Vec<String>,
    /// The token could not list every group (Entra's "group overage": too many groups, a
    /// `_claim_names` reference instead of the list).
    pub groups_overage: bool,
    pub attributes: UserAttributes,
}

/// Why a single sign-on did not let someone in. Each has a code (carried to the sign-in
/// page in the URL) and a message that says what to check; none repeats what the
/// provider or the browser sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SsoRefusal {
    NotConfigured,
    /// The person cancelled or the provider refused (an `error` on the callback).
    ProviderDenied,
    /// No sign-in in progress in this browser, or its `state` did not match.
    State,
    /// The code exchange failed or the ID token did not verify (signature, issuer,
    /// audience, nonce or expiry).
    Token,
    ProviderUnreachable,
    NoEmail,
    NoTenant,
    UnknownTenant,
    Disabled,
    OtherOrganization,
    GroupOverage,
    LastAdmin,
    /// A password sign-in where the organization allows only single sign-on.
    PasswordsOff,
}

impl SsoRefusal {
    pub const ALL: [SsoRefusal; 13] = [
        SsoRefusal::NotConfigured,
        SsoRefusal::ProviderDenied,
        SsoRefusal::State,
        SsoRefusal::Token,
        SsoRefusal::ProviderUnreachable,
        SsoRefusal::NoEmail,
        SsoRefusal::NoTenant,
        SsoRefusal::UnknownTenant,
        SsoRefusal::Disabled,
        SsoRefusal::OtherOrganization,
        SsoRefusal::GroupOverage,
        SsoRefusal::LastAdmin,
        SsoRefusal::PasswordsOff,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SsoRefusal::NotConfigured => "sso_not_configured",
            SsoRefusal::ProviderDenied => "sso_denied",
            SsoRefusal::State => "sso_state",
            SsoRefusal::Token => "sso_token",
            SsoRefusal::ProviderUnreachable => "sso_unreachable",
            SsoRefusal::NoEmail => "sso_no_email",
            SsoRefusal::NoTenant => "sso_no_tenant",
            SsoRefusal::UnknownTenant => "sso_unknown_tenant",
            SsoRefusal::Disabled => "sso_disabled",
            SsoRefusal::OtherOrganization => "sso_other_organization",
            SsoRefusal::GroupOverage => "sso_group_overage",
            SsoRefusal::LastAdmin => "sso_last_admin",
            SsoRefusal::PasswordsOff => "passwords_off",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|refusal| refusal.code() == code)
    }

    pub fn message(self) -> &'static str {
        match self {
            SsoRefusal::NotConfigured => {
                "Single sign-on is not set up on this server. Sign in with your password, or ask an admin to set the OIDC_* settings."
            }
            SsoRefusal::ProviderDenied => {
                "The sign-in was cancelled or refused at your identity provider. Try again; if it repeats, ask an admin to check that this application is assigned to you."
            }
            SsoRefusal::State => {
                "This sign-in response does not belong to a sign-in started in this browser, or it took longer than 10 minutes. Start again with the button below; if it repeats, check that OIDC_REDIRECT_URL is this server's own address."
            }
            SsoRefusal::Token => {
                "The identity provider's answer could not be verified (its signature, issuer, audience, nonce or expiry did not match). Nothing was created. Start again; if it repeats, an admin should check OIDC_ISSUER_URL, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET."
            }
            SsoRefusal::ProviderUnreachable => {
                "The identity provider could not be reached. Try again in a minute; if it repeats, an admin should check OIDC_ISSUER_URL and this server's network access to it."
            }
            SsoRefusal::NoEmail => {
                "Your identity provider did not send an email address (email, preferred_username or upn). An admin should add the email claim to the application's token."
            }
            SsoRefusal::NoTenant => {
                "Your identity provider did not say which tenant you belong to. An admin should check the tenant claim (OIDC_TENANT_CLAIM, tid by default)."
            }
            SsoRefusal::UnknownTenant => {
                "Your organization's tenant is not linked to any organization here. An admin links it on the Provisioning screen (Single sign-on → Tenant ID)."
            }
            SsoRefusal::Disabled => "Your account is disabled. Ask an admin to enable it.",
            SsoRefusal::OtherOrganization => {
                "An account with your email address belongs to another organization here. Ask an admin to move or remove it."
            }
            SsoRefusal::GroupOverage => {
                "You are in too many groups for the sign-in token to list them, and it carries no app role. An admin should give you an app role in Entra ID, or provision you with SCIM first."
            }
            SsoRefusal::LastAdmin => {
                "Signing in would take the Admin role from the organization's last active Admin. An admin should give the Admin app role to this account, or to someone else first."
            }
            SsoRefusal::PasswordsOff => {
                "Your organization signs in with single sign-on only. Use the button below."
            }
        }
    }
}

/// A role the organization has, as sign-in matches claim values against it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleChoice {
    pub key: String,
    pub label: String,
    /// How capable it is (the number of actions it allows): the most capable match wins.
    pub rank: usize,
}

/// What sign-in does with the user's role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RoleOutcome {
    Set(String),
    /// Claims name no role: the user keeps the one an admin (or SCIM) gave them.
    Keep,
    Refuse(SsoRefusal),
}

fn text_of(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(text) => text.trim().to_owned(),
        Value::Number(number) => number.to_string(),
        Value::Bool(flag) => flag.to_string(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

fn texts_of(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(text_of).collect(),
        Some(single) => text_of(single).into_iter().collect(),
        None => Vec::new(),
    }
}

fn claimed_overage(claims: &Map<String, Value>, groups_claim: &str) -> bool {
    let referenced = claims
        .get("_claim_names")
        .and_then(Value::as_object)
        .is_some_and(|names| names.contains_key(groups_claim));
    referenced || claims.get("hasgroups") == Some(&Value::Bool(true))
}

/// Reads a verified ID token's claims. The email is the first of `email`,
/// `preferred_username` and `upn` that looks like one, lower-cased.
pub fn identity_from_claims(
    issuer: &str,
    claims: &Map<String, Value>,
    mapping: &ClaimMapping,
) -> Result<SsoIdentity, SsoRefusal> {
    let subject = claims
        .get("sub")
        .and_then(text_of)
        .ok_or(SsoRefusal::Token)?;
    let email = ["email", "preferred_username", "upn"]
        .iter()
        .filter_map(|name| claims.get(*name).and_then(text_of))
        .map(|value| value.to_lowercase())
        .find(|value| value.contains('@'))
        .ok_or(SsoRefusal::NoEmail)?;
    let name = claims
        .get("name")
        .and_then(text_of)
        .unwrap_or_else(|| email.clone());
    let mut attributes = UserAttributes::new();
    for (claim, attribute) in &mapping.attributes {
        if let Some(value) = claims.get(claim).and_then(text_of) {
            let value: String = value.chars().take(MAX_ATTRIBUTE_VALUE_CHARS).collect();
            attributes.insert(attribute.clone(), value);
        }
    }
    Ok(SsoIdentity {
        subject: format!("{issuer}|{subject}"),
        email,
        name,
        tenant: claims.get(&mapping.tenant).and_then(text_of),
        roles: texts_of(claims.get(&mapping.roles)),
        groups: texts_of(claims.get(&mapping.groups)),
        groups_overage: claimed_overage(claims, &mapping.groups),
        attributes,
    })
}

/// The most capable of the organization's roles that a `roles` claim value names (by key
/// or by label, ignoring case).
pub fn role_from_claim(values: &[String], roles: &[RoleChoice]) -> Option<String> {
    roles
        .iter()
        .filter(|role| {
            values.iter().any(|value| {
                value.eq_ignore_ascii_case(&role.key) || value.eq_ignore_ascii_case(&role.label)
            })
        })
        .max_by_key(|role| role.rank)
        .map(|role| role.key.clone())
}

/// Which role sign-in gives: the `roles` claim first, then the groups an admin mapped, else
/// what the user has (a new user: `default_role`). When the token could not list the groups
/// and carries no role, an existing user keeps theirs and a new one is refused.
pub fn role_outcome(
    from_roles_claim: Option<String>,
    from_groups: Option<String>,
    groups_overage: bool,
    existing_user: bool,
    default_role: &str,
) -> RoleOutcome {
    match (from_roles_claim, from_groups) {
        (Some(role), _) => RoleOutcome::Set(role),
        (None, _) if groups_overage && !existing_user => {
            RoleOutcome::Refuse(SsoRefusal::GroupOverage)
        }
        (None, _) if groups_overage => RoleOutcome::Keep,
        (None, Some(role)) => RoleOutcome::Set(role),
        (None, None) if existing_user => RoleOutcome::Keep,
        (None, None) => RoleOutcome::Set(default_role.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn claims(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    fn mapping() -> ClaimMapping {
        ClaimMapping {
            attributes: ClaimMapping::parse_attributes("department, region=ctry").unwrap(),
            ..ClaimMapping::default()
        }
    }

    #[test]
    fn an_entra_token_becomes_an_identity_with_roles_groups_and_attributes() {
        let identity = identity_from_claims(
            "https://login.microsoftonline.com/t1/v2.0",
            &claims(json!({
                "sub": "abc", "name": "Ada Lovelace", "preferred_username": "Ada@Contoso.example",
                "tid": "t1", "roles": ["Editor"], "groups": ["g1", "g2"],
                "department": "Finance", "ctry": "UK", "unmapped": "x"
            })),
            &mapping(),
        )
        .unwrap();
        assert_eq!(
            identity.subject,
            "https://login.microsoftonline.com/t1/v2.0|abc"
        );
        assert_eq!(identity.email, "ada@contoso.example");
        assert_eq!(identity.name, "Ada Lovelace");
        assert_eq!(identity.tenant.as_deref(), Some("t1"));
        assert_eq!(identity.roles, vec!["Editor"]);
        assert_eq!(identity.groups, vec!["g1", "g2"]);
        assert!(!identity.groups_overage);
        assert_eq!(
            identity.attributes,
            UserAttributes::from([
                ("department".to_owned(), "Finance".to_owned()),
                ("region".to_owned(), "UK".to_owned()),
            ])
        );
    }

    #[test]
    fn email_falls_back_through_preferred_username_and_upn_and_is_required() {
        let identity = identity_from_claims(
            "iss",
            &claims(json!({"sub": "1", "email": "", "preferred_username": "not-an-email", "upn": "u@x.example"})),
            &ClaimMapping::default(),
        )
        .unwrap();
        assert_eq!(identity.email, "u@x.example");
        assert_eq!(identity.name, "u@x.example");
        assert_eq!(
            identity_from_claims(
                "iss",
                &claims(json!({"sub": "1", "name": "No Mail"})),
                &ClaimMapping::default()
            ),
            Err(SsoRefusal::NoEmail)
        );
        assert_eq!(
            identity_from_claims(
                "iss",
                &claims(json!({"email": "a@b.example"})),
                &ClaimMapping::default()
            ),
            Err(SsoRefusal::Token)
        );
    }

    #[test]
    fn group_overage_is_recognized_from_claim_names_and_hasgroups() {
        let base = json!({"sub": "1", "email": "a@b.example"});
        let mut overage = claims(base.clone());
        overage.insert("_claim_names".into(), json!({"groups": "src1"}));
        overage.insert(
            "_claim_sources".into(),
            json!({"src1": {"endpoint": "https://graph.microsoft.com/…"}}),
        );
        assert!(
            identity_from_claims("iss", &overage, &ClaimMapping::default())
                .unwrap()
                .groups_overage
        );
        let mut implicit = claims(base.clone());
        implicit.insert("hasgroups".into(), json!(true));
        assert!(
            identity_from_claims("iss", &implicit, &ClaimMapping::default())
                .unwrap()
                .groups_overage
        );
        assert!(
            !identity_from_claims("iss", &claims(base), &ClaimMapping::default())
                .unwrap()
                .groups_overage
        );
    }

    #[test]
    fn attribute_mapping_is_parsed_with_renames_and_rejects_half_entries() {
        assert_eq!(
            ClaimMapping::parse_attributes(" department ,region=ctry,, ").unwrap(),
            vec![
                ("department".to_owned(), "department".to_owned()),
                ("ctry".to_owned(), "region".to_owned())
            ]
        );
        assert!(ClaimMapping::parse_attributes("region=").is_err());
        assert!(ClaimMapping::parse_attributes("=ctry").is_err());
    }

    #[test]
    fn the_roles_claim_picks_the_most_capable_known_role_by_key_or_label() {
        let roles = vec![
            RoleChoice {
                key: "viewer".into(),
                label: "Viewer".into(),
                rank: 1,
            },
            RoleChoice {
                key: "editor".into(),
                label: "Editor".into(),
                rank: 5,
            },
            RoleChoice {
                key: "finance-analyst".into(),
                label: "Finance analyst".into(),
                rank: 3,
            },
        ];
        assert_eq!(
            role_from_claim(&["EDITOR".into(), "viewer".into()], &roles).as_deref(),
            Some("editor")
        );
        assert_eq!(
            role_from_claim(&["Finance analyst".into()], &roles).as_deref(),
            Some("finance-analyst")
        );
        assert_eq!(role_from_claim(&["Owner".into()], &roles), None);
        assert_eq!(role_from_claim(&[], &roles), None);
    }

    #[test]
    fn role_outcome_prefers_app_roles_then_groups_and_handles_overage() {
        let set = |role: &str| RoleOutcome::Set(role.to_owned());
        assert_eq!(
            role_outcome(
                Some("editor".into()),
                Some("admin".into()),
                true,
                false,
                "viewer"
            ),
            set("editor")
        );
        assert_eq!(
            role_outcome(None, Some("integrator".into()), false, true, "viewer"),
            set("integrator")
        );
        assert_eq!(
            role_outcome(None, None, false, false, "viewer"),
            set("viewer")
        );
        assert_eq!(
            role_outcome(None, None, false, true, "viewer"),
            RoleOutcome::Keep
        );
        assert_eq!(
            role_outcome(None, Some("admin".into()), true, true, "viewer"),
            RoleOutcome::Keep
        );
        assert_eq!(
            role_outcome(None, None, true, false, "viewer"),
            RoleOutcome::Refuse(SsoRefusal::GroupOverage)
        );
    }

    #[test]
    fn tenant_ids_are_trimmed_lowercased_and_checked() {
        assert_eq!(checked_tenant_id(Some("  ")), Ok(None));
        assert_eq!(checked_tenant_id(None), Ok(None));
        assert_eq!(
            checked_tenant_id(Some(" 72F988BF-86f1-41af-91ab-2d7cd011db47 ")),
            Ok(Some("72f988bf-86f1-41af-91ab-2d7cd011db47".to_owned()))
        );
        assert!(checked_tenant_id(Some("a b")).is_err());
        assert!(checked_tenant_id(Some("<script>")).is_err());
        assert!(checked_tenant_id(Some(&"a".repeat(101))).is_err());
    }

    #[test]
    fn every_refusal_has_its_own_code_and_a_message() {
        let mut codes = std::collections::BTreeSet::new();
        for refusal in SsoRefusal::ALL {
            assert!(codes.insert(refusal.code()));
            assert_eq!(SsoRefusal::parse(refusal.code()), Some(refusal));
            assert!(refusal.message().ends_with('.'));
        }
        assert_eq!(SsoRefusal::parse("invalid"), None);
    }
}
