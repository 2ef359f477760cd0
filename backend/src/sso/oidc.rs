//! The OpenID Connect protocol, through the `openidconnect` crate: discovery (cached, so a
//! provider's key rotation is picked up within minutes), the authorization-code flow with
//! PKCE (S256), `state` and `nonce`, the code exchange, and ID-token verification
//! (signature from the provider's JWKS, issuer, audience, expiry, nonce). What the verified
//! token says is handed on as plain JSON claims.

use std::time::{Duration, Instant};

use openidconnect::{
    AdditionalClaims, AuthenticationFlow, AuthorizationCode, Client, ClientId, ClientSecret,
    CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields,
    IssuerUrl, Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    StandardErrorResponse, StandardTokenResponse, TokenResponse,
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
        CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreProviderMetadata,
        CoreResponseType, CoreRevocableToken, CoreRevocationErrorResponse,
        CoreTokenIntrospectionResponse, CoreTokenType,
    },
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use domain::sso::SsoRefusal;

/// Every claim the token carries beyond the standard ones (roles, groups, tid, department…).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    pub claims: Map<String, Value>,
}

impl AdditionalClaims for OtherClaims {}

type IdFields = IdTokenFields<
    OtherClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type Tokens = StandardTokenResponse<IdFields, CoreTokenType>;
type DiscoveredClient = Client<
    OtherClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    Tokens,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// How long discovered metadata and keys are reused before asking the provider again.
const DISCOVERY_TTL: Duration = Duration::from_secs(15 * 60);

/// The provider as configured (OIDC_* settings).
#[derive(Clone)]
pub struct OidcSettings {
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub redirect_url: String,
    pub scopes: Vec<String>,
}

impl std::fmt::Debug for OidcSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcSettings")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("redirect_url", &self.redirect_url)
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// What the browser must bring back to finish a sign-in: kept sealed in a short-lived
/// cookie, never on the server (no session table to fill or clean).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next: Option<String>,
    /// Unix seconds when the sign-in started.
    pub started: i64,
}

pub struct OidcClient {
    settings: OidcSettings,
    http: openidconnect::reqwest::Client,
    discovered: Mutex<Option<(Instant, DiscoveredClient)>>,
}

fn unreachable(err: impl std::fmt::Display) -> SsoRefusal {
    tracing::warn!(error = %err, "identity provider unreachable or misconfigured");
    SsoRefusal::ProviderUnreachable
}

impl OidcClient {
    pub fn new(settings: OidcSettings, timeout: Duration) -> Result<Self, String> {
        IssuerUrl::new(settings.issuer.clone()).map_err(|err| format!("OIDC_ISSUER_URL: {err}"))?;
        RedirectUrl::new(settings.redirect_url.clone())
            .map_err(|err| format!("OIDC_REDIRECT_URL: {err}"))?;
        let http = openidconnect::reqwest::Client::builder()
            // Following redirects would let a provider's answer send us anywhere (SSRF).
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(|err| format!("OIDC HTTP client: {err}"))?;
        Ok(Self {
            settings,
            http,
            discovered: Mutex::new(None),
        })
    }

    pub fn issuer(&self) -> &str {
        &self.settings.issuer
    }

    async fn client(&self) -> Result<DiscoveredClient, SsoRefusal> {
        let mut discovered = self.discovered.lock().await;
        if let Some((at, client)) = discovered.as_ref()
            && at.elapsed() < DISCOVERY_TTL
        {
            return Ok(client.clone());
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone()).map_err(unreachable)?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &self.http)
            .await
            .map_err(unreachable)?;
        let client = DiscoveredClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            self.settings.client_secret.clone().map(ClientSecret::new),
        )
        .set_redirect_uri(
            RedirectUrl::new(self.settings.redirect_url.clone()).map_err(unreachable)?,
        );
        *discovered = Some((Instant::now(), client.clone()));
        Ok(client)
    }

    /// Where to send the browser, and what to keep until it comes back.
    pub async fn begin(
        &self,
        next: Option<String>,
        now: i64,
    ) -> Result<(String, PendingSignIn), SsoRefusal> {
        let client = self.client().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok((
            url.to_string(),
            PendingSignIn {
                state: state.secret().clone(),
                nonce: nonce.secret().clone(),
                pkce_verifier: verifier.secret().clone(),
                next,
                started: now,
            },
        ))
    }

    /// Exchanges the code (with the PKCE verifier) and verifies the ID token against the
    /// nonce; returns the token's claims, standard and other, as one JSON object.
    pub async fn finish(
        &self,
        pending: &PendingSignIn,
        code: &str,
    ) -> Result<Map<String, Value>, SsoRefusal> {
        let client = self.client().await?;
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(unreachable)?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()));
        let tokens = request.request_async(&self.http).await.map_err(|err| {
            tracing::warn!(error = %err, "OIDC code exchange refused");
            SsoRefusal::Token
        })?;
        let id_token = tokens.id_token().ok_or_else(|| {
            tracing::warn!("OIDC token response carried no ID token");
            SsoRefusal::Token
        })?;
        let claims = id_token
            .claims(
                &client.id_token_verifier(),
                &Nonce::new(pending.nonce.clone()),
            )
            .map_err(|err| {
                tracing::warn!(error = %err, "OIDC ID token refused");
                SsoRefusal::Token
            })?;
        match serde_json::to_value(claims) {
            Ok(Value::Object(claims)) => Ok(claims),
            _ => Err(SsoRefusal::Token),
        }
    }
}
