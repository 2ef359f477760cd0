//! How a tool is reached: its authentication scheme. Secrets themselves never appear here;
//! they are stored encrypted and only their presence is reported.

use serde::{Deserialize, Serialize};

use crate::ValidationIssue;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolAuth {
    #[default]
    None,
    /// The secret is sent in a header or query parameter named `name`.
    ApiKey {
        location: ApiKeyLocation,
        name: String,
    },
    /// The secret is sent as `Authorization: Bearer <secret>`.
    Bearer,
    /// The secret is the password.
    Basic { username: String },
    /// OAuth 2.0 client credentials grant; the secret is the client secret.
    Oauth2ClientCredentials {
        token_url: String,
        client_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApiKeyLocation {
    Header,
    Query,
}

impl ToolAuth {
    pub fn type_name(&self) -> &'static str {
        match self {
            ToolAuth::None => "none",
            ToolAuth::ApiKey { .. } => "api_key",
            ToolAuth::Bearer => "bearer",
            ToolAuth::Basic { .. } => "basic",
            ToolAuth::Oauth2ClientCredentials { .. } => "oauth2_client_credentials",
        }
    }

    pub fn needs_secret(&self) -> bool {
        !matches!(self, ToolAuth::None)
    }

    pub fn validate(&self) -> Result<(), Vec<ValidationIssue>> {
        let mut issues = Vec::new();
        match self {
            ToolAuth::ApiKey { name, .. } if name.trim().is_empty() => {
                issues.push(ValidationIssue::new(
                    "auth.name",
                    "name the header or query parameter that carries the key",
                ));
            }
            ToolAuth::Basic { username } if username.trim().is_empty() => {
                issues.push(ValidationIssue::new("auth.username", "enter the user name"));
            }
            ToolAuth::Oauth2ClientCredentials {
                token_url,
                client_id,
                ..
            } => {
                if !(token_url.starts_with("https://") || token_url.starts_with("http://")) {
                    issues.push(ValidationIssue::new(
                        "auth.token_url",
                        "use the http(s) URL of the token endpoint",
                    ));
                }
                if client_id.trim().is_empty() {
                    issues.push(ValidationIssue::new(
                        "auth.client_id",
                        "enter the client id",
                    ));
                }
            }
            _ => {}
        }
        crate::error::collected(issues)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn auth_round_trips_as_tagged_json() {
        let auth = ToolAuth::ApiKey {
            location: ApiKeyLocation::Header,
            name: "X-API-Key".into(),
        };
        let value = serde_json::to_value(&auth).unwrap();
        assert_eq!(
            value,
            json!({"type": "api_key", "location": "header", "name": "X-API-Key"})
        );
        assert_eq!(serde_json::from_value::<ToolAuth>(value).unwrap(), auth);
        assert_eq!(
            serde_json::from_value::<ToolAuth>(json!({"type": "none"})).unwrap(),
            ToolAuth::None
        );
    }

    #[test]
    fn incomplete_auth_is_reported_per_field() {
        let issues = ToolAuth::Oauth2ClientCredentials {
            token_url: "ftp://x".into(),
            client_id: " ".into(),
            scope: None,
        }
        .validate()
        .unwrap_err();
        let paths: Vec<_> = issues.iter().map(|issue| issue.path.as_str()).collect();
        assert_eq!(paths, ["auth.token_url", "auth.client_id"]);
        assert!(ToolAuth::Bearer.validate().is_ok());
    }
}
