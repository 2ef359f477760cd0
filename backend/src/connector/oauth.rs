//! OAuth2 client-credentials tokens, cached until shortly before they expire.

use std::{sync::Arc, time::Duration};

use domain::tool::ToolAuth;
use url::Url;

use super::{ConnectorError, ConnectorService, ToolTarget, cache::TimeToLive};

#[derive(Clone)]
pub(super) struct AccessToken {
    pub(super) value: Arc<str>,
    ttl: Duration,
}

impl TimeToLive for AccessToken {
    fn ttl(&self) -> Duration {
        self.ttl
    }
}

impl ConnectorService {
    /// OAuth 2.0 client credentials grant (RFC 6749 §4.4).
    pub(super) async fn request_token(
        &self,
        target: &ToolTarget,
    ) -> Result<AccessToken, ConnectorError> {
        let tool = &target.tool;
        let ToolAuth::Oauth2ClientCredentials {
            token_url,
            client_id,
            scope,
        } = &target.auth
        else {
            unreachable!("only OAuth2 tools request tokens");
        };
        let secret = target
            .secret
            .clone()
            .ok_or_else(|| ConnectorError::MissingCredentials {
                tool: tool.name.clone(),
            })?;
        let url = Url::parse(token_url).map_err(|_| ConnectorError::BadUrl {
            tool: tool.name.clone(),
        })?;
        self.hosts
            .check_url(&url)
            .map_err(|refused| ConnectorError::Refused {
                tool: tool.name.clone(),
                reason: refused.to_string(),
            })?;
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", secret.as_str()),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope.as_str()));
        }
        let timeout = self.timeout_for(target);
        let response = self
            .client
            .post(url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .timeout(timeout)
            .form(&form)
            .send()
            .await
            .map_err(|err| self.transport_error(tool, &url, &err, timeout))?;
        let status = response.status();
        if matches!(status.as_u16(), 400 | 401 | 403) {
            return Err(ConnectorError::CredentialsRejected {
                tool: tool.name.clone(),
            });
        }
        if !status.is_success() {
            return Err(ConnectorError::Status {
                tool: tool.name.clone(),
                status: status.as_u16(),
            });
        }
        #[derive(serde::Deserialize)]
        struct TokenResponse {
            access_token: String,
            expires_in: Option<u64>,
        }
        let token: TokenResponse = response.json().await.map_err(|_| ConnectorError::NotJson {
            tool: tool.name.clone(),
        })?;
        // Renew a little early so a token never expires in flight.
        let lifetime = token.expires_in.unwrap_or(3600);
        Ok(AccessToken {
            value: token.access_token.into(),
            ttl: Duration::from_secs(lifetime.saturating_sub(30).max(1)),
        })
    }
}
