//! Typed configuration, read once at start-up from the environment (and `.env`). Every
//! variable is listed in `.env.example`. Defaults give a working SQLite demo.

use std::{net::SocketAddr, time::Duration};

use url::Url;

/// A secret that never prints.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub jwt_secret: Secret,
    /// True when JWT_SECRET was not set: a secret generated for this installation is in use
    /// (kept in `dev_jwt_secret_file` by `from_env`), never a published one.
    pub jwt_secret_is_generated: bool,
    /// Where the generated signing secret is kept when JWT_SECRET is unset.
    pub dev_jwt_secret_file: String,
    /// `LEPTOS_ENV=PROD`: secrets must be configured, nothing is generated.
    pub production: bool,
    /// Serve the demo stand-ins for external tools under /mock (DEMO_TOOLS).
    pub demo_tools: bool,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    pub refresh_grace: Duration,
    pub cookie_secure: bool,
    pub seed_on_empty: bool,
    /// Base URL this server reaches itself on, for tools whose base URL is a bare path
    /// (the built-in demo tools). Defaults to the listen address.
    pub internal_base_url: Option<Url>,
    pub tool_timeout: Duration,
    /// Hosts tools may reach even though they resolve to internal addresses.
    pub tool_allowed_hosts: Vec<String>,
    /// Hosts iframe widgets may embed from (`*.` prefix for subdomains); paths on this server
    /// are always allowed.
    pub embed_allowed_hosts: Vec<String>,
    /// `<key id>:<base64 32 bytes>`; unset means a generated development key.
    pub encryption_key: Option<Secret>,
    /// Older keys, comma-separated, kept to read secrets not yet rotated.
    pub encryption_keys_previous: Secret,
    /// Where the generated development key is kept when ENCRYPTION_KEY is unset.
    pub dev_key_file: String,
    pub log_format: LogFormat,
    /// Single sign-on (OIDC_*); off unless issuer, client id and redirect URL are all set.
    pub sso: backend::sso::SsoSettings,
}

#[derive(Debug, thiserror::Error)]
#[error("configuration error: {name}: {message}")]
pub struct ConfigError {
    pub name: &'static str,
    pub message: String,
}

impl Config {
    /// The environment's settings; outside production a missing JWT_SECRET is generated once
    /// per installation and kept in `DEV_JWT_SECRET_FILE`, so sessions survive restarts.
    pub fn from_env() -> Result<Self, ConfigError> {
        let mut config = Self::from_lookup(|name| std::env::var(name).ok())?;
        if config.jwt_secret_is_generated {
            config.jwt_secret = Secret(kept_secret(
                "DEV_JWT_SECRET_FILE",
                &config.dev_jwt_secret_file,
                backend::auth::random_token,
            )?);
        }
        Ok(config)
    }

    /// Reads settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let seconds = |name: &'static str, default: u64| -> Result<Duration, ConfigError> {
            match get(name) {
                None => Ok(Duration::from_secs(default)),
                Some(raw) => raw
                    .trim()
                    .parse::<u64>()
                    .map(Duration::from_secs)
                    .map_err(|_| ConfigError {
                        name,
                        message: format!("expected a whole number of seconds, got {raw:?}"),
                    }),
            }
        };
        let flag = |name: &'static str, default: bool| -> Result<bool, ConfigError> {
            match get(name).as_deref().map(str::trim) {
                None => Ok(default),
                Some("1" | "true" | "yes" | "on") => Ok(true),
                Some("0" | "false" | "no" | "off") => Ok(false),
                Some(other) => Err(ConfigError {
                    name,
                    message: format!("expected true or false, got {other:?}"),
                }),
            }
        };
        let production = get("LEPTOS_ENV").is_some_and(|env| {
            let env = env.trim();
            env.eq_ignore_ascii_case("prod") || env.eq_ignore_ascii_case("production")
        });
        let jwt_secret = get("JWT_SECRET");
        if let Some(secret) = &jwt_secret
            && secret.len() < 32
        {
            return Err(ConfigError {
                name: "JWT_SECRET",
                message: "use at least 32 characters".into(),
            });
        }
        let encryption_key = get("ENCRYPTION_KEY").map(Secret);
        if production {
            // A production server never signs with a generated or published secret.
            let missing = |name: &'static str| ConfigError {
                name,
                message: "must be set when LEPTOS_ENV=PROD (see .env.example for how to make one)"
                    .into(),
            };
            if jwt_secret.is_none() {
                return Err(missing("JWT_SECRET"));
            }
            if encryption_key.is_none() {
                return Err(missing("ENCRYPTION_KEY"));
            }
        }
        let internal_base_url = get("INTERNAL_BASE_URL")
            .map(|raw| {
                Url::parse(&raw).map_err(|err| ConfigError {
                    name: "INTERNAL_BASE_URL",
                    message: err.to_string(),
                })
            })
            .transpose()?;
        let embed_allowed_hosts = match get("EMBED_ALLOWED_HOSTS") {
            None => domain::embed::DEFAULT_ALLOWED_HOSTS
                .iter()
                .map(|host| host.to_string())
                .collect(),
            Some(raw) => embed_hosts(&raw)?,
        };
        let log_format = match get("LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError {
                    name: "LOG_FORMAT",
                    message: format!("expected json or pretty, got {other:?}"),
                });
            }
        };
        Ok(Config {
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| "sqlite://data/platform-builder.db".to_owned()),
            jwt_secret_is_generated: jwt_secret.is_none(),
            jwt_secret: Secret(jwt_secret.unwrap_or_else(backend::auth::random_token)),
            dev_jwt_secret_file: get("DEV_JWT_SECRET_FILE")
                .unwrap_or_else(|| "data/dev-jwt.secret".to_owned()),
            production,
            demo_tools: flag("DEMO_TOOLS", false)?,
            access_ttl: seconds("ACCESS_TOKEN_TTL_SECONDS", 15 * 60)?,
            refresh_ttl: seconds("REFRESH_TOKEN_TTL_SECONDS", 14 * 24 * 3600)?,
            refresh_grace: seconds("REFRESH_REUSE_GRACE_SECONDS", 30)?,
            cookie_secure: flag("COOKIE_SECURE", false)?,
            seed_on_empty: flag("SEED_ON_EMPTY", true)?,
            internal_base_url,
            tool_timeout: seconds("TOOL_TIMEOUT_SECONDS", 10)?,
            tool_allowed_hosts: get("TOOL_ALLOWED_HOSTS")
                .map(|hosts| {
                    hosts
                        .split(',')
                        .map(|host| host.trim().to_owned())
                        .filter(|host| !host.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            embed_allowed_hosts,
            encryption_key,
            encryption_keys_previous: Secret(get("ENCRYPTION_KEYS_PREVIOUS").unwrap_or_default()),
            dev_key_file: get("DEV_ENCRYPTION_KEY_FILE")
                .unwrap_or_else(|| "data/dev-encryption.key".to_owned()),
            log_format,
            sso: sso_settings(&get)?,
        })
    }

    /// The keyring for secrets at rest. Without ENCRYPTION_KEY a development key is generated
    /// once and kept in `dev_key_file`, with a loud warning: fine for a demo, not for production.
    pub fn keyring(&self) -> Result<backend::crypto::Keyring, ConfigError> {
        let invalid = |name: &'static str| {
            move |err: backend::crypto::CryptoError| ConfigError {
                name,
                message: err.to_string(),
            }
        };
        let current = match &self.encryption_key {
            Some(key) => key.expose().to_owned(),
            None => {
                tracing::warn!(
                    file = %self.dev_key_file,
                    "ENCRYPTION_KEY is not set: tool credentials are encrypted with a generated development key. \
                     Set ENCRYPTION_KEY before storing real credentials."
                );
                kept_secret("DEV_ENCRYPTION_KEY_FILE", &self.dev_key_file, || {
                    backend::crypto::Keyring::generate_spec("dev")
                })?
            }
        };
        backend::crypto::Keyring::from_specs(&current, "").map_err(invalid("ENCRYPTION_KEY"))?;
        backend::crypto::Keyring::from_specs(&current, self.encryption_keys_previous.expose())
            .map_err(invalid("ENCRYPTION_KEYS_PREVIOUS"))
    }

    #[expect(
        clippy::expect_used,
        reason = "a socket address always forms a valid URL"
    )]
    pub fn internal_base_url_for(&self, listen: SocketAddr) -> Url {
        self.internal_base_url.clone().unwrap_or_else(|| {
            let host = if listen.ip().is_unspecified() {
                "127.0.0.1".to_owned()
            } else {
                listen.ip().to_string()
            };
            let host = if host.contains(':') {
                format!("[{host}]")
            } else {
                host
            };
            Url::parse(&format!("http://{host}:{}", listen.port()))
                .expect("socket addresses form valid URLs")
        })
    }
}

/// `EMBED_ALLOWED_HOSTS`: comma-separated host names, `*.example.com` for any subdomain, or
/// `none` for paths on this server only. URLs and paths are mistakes worth naming.
fn embed_hosts(raw: &str) -> Result<Vec<String>, ConfigError> {
    if raw.trim().eq_ignore_ascii_case("none") {
        return Ok(Vec::new());
    }
    raw.split(',')
        .map(str::trim)
        .filter(|host| !host.is_empty())
        .map(|host| {
            let name = host.strip_prefix("*.").unwrap_or(host);
            let valid = !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
            if valid {
                Ok(host.to_ascii_lowercase())
            } else {
                Err(ConfigError {
                    name: "EMBED_ALLOWED_HOSTS",
                    message: format!(
                        "{host:?} is not a host name; list hosts like app.powerbi.com or *.azuredatabricks.net, without scheme or path"
                    ),
                })
            }
        })
        .collect()
}

/// A secret generated once for this installation and kept in `path` (mode 0600).
fn kept_secret(
    name: &'static str,
    path: &str,
    generate: impl FnOnce() -> String,
) -> Result<String, ConfigError> {
    let fail = |message: String| ConfigError { name, message };
    if let Ok(existing) = std::fs::read_to_string(path) {
        return Ok(existing.trim().to_owned());
    }
    let spec = generate();
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|err| fail(format!("cannot create {}: {err}", parent.display())))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|err| fail(format!("cannot write {path}: {err}")))?;
    std::io::Write::write_all(&mut file, spec.as_bytes())
        .map_err(|err| fail(format!("cannot write {path}: {err}")))?;
    Ok(spec)
}

fn url_setting(name: &'static str, raw: &str) -> Result<String, ConfigError> {
    let url = Url::parse(raw.trim()).map_err(|err| ConfigError {
        name,
        message: err.to_string(),
    })?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(ConfigError {
            name,
            message: "use an https:// URL".into(),
        });
    }
    Ok(raw.trim().trim_end_matches('/').to_owned())
}

/// OIDC_ISSUER_URL, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URL, OIDC_SCOPES,
/// OIDC_PROVIDER_NAME and the claim names. Setting some of the first three but not all is a
/// mistake worth stopping for.
fn sso_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> Result<backend::sso::SsoSettings, ConfigError> {
    use domain::sso::ClaimMapping;
    let defaults = backend::sso::SsoSettings::default();
    let issuer = get("OIDC_ISSUER_URL");
    let client_id = get("OIDC_CLIENT_ID");
    let redirect = get("OIDC_REDIRECT_URL");
    let oidc = match (issuer, client_id, redirect) {
        (None, None, None) => None,
        (Some(issuer), Some(client_id), Some(redirect)) => Some(backend::sso::OidcSettings {
            // Discovery appends the well-known path to the issuer exactly as configured.
            issuer: issuer.trim().to_owned(),
            client_id: client_id.trim().to_owned(),
            client_secret: get("OIDC_CLIENT_SECRET"),
            redirect_url: url_setting("OIDC_REDIRECT_URL", &redirect)?,
            scopes: get("OIDC_SCOPES")
                .unwrap_or_else(|| "openid profile email".to_owned())
                .split([' ', ','])
                .filter(|scope| !scope.is_empty() && *scope != "openid")
                .map(str::to_owned)
                .collect(),
        }),
        (issuer, client_id, _) => {
            let name = if issuer.is_none() {
                "OIDC_ISSUER_URL"
            } else if client_id.is_none() {
                "OIDC_CLIENT_ID"
            } else {
                "OIDC_REDIRECT_URL"
            };
            return Err(ConfigError {
                name,
                message: "single sign-on needs OIDC_ISSUER_URL, OIDC_CLIENT_ID and OIDC_REDIRECT_URL together".into(),
            });
        }
    };
    if let Some(oidc) = &oidc {
        url_setting("OIDC_ISSUER_URL", &oidc.issuer)?;
    }
    let claim = |name: &str, default: String| {
        get(name)
            .map(|value| value.trim().to_owned())
            .unwrap_or(default)
    };
    let claims = ClaimMapping {
        tenant: claim("OIDC_TENANT_CLAIM", defaults.claims.tenant.clone()),
        roles: claim("OIDC_ROLES_CLAIM", defaults.claims.roles.clone()),
        groups: claim("OIDC_GROUPS_CLAIM", defaults.claims.groups.clone()),
        attributes: ClaimMapping::parse_attributes(
            &get("OIDC_ATTRIBUTE_CLAIMS").unwrap_or_default(),
        )
        .map_err(|message| ConfigError {
            name: "OIDC_ATTRIBUTE_CLAIMS",
            message,
        })?,
    };
    Ok(backend::sso::SsoSettings {
        oidc,
        provider_name: get("OIDC_PROVIDER_NAME")
            .map(|name| name.trim().to_owned())
            .unwrap_or(defaults.provider_name),
        claims,
        timeout: defaults.timeout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_give_a_sqlite_demo() {
        let config = config(&[]).unwrap();
        assert_eq!(config.database_url, "sqlite://data/platform-builder.db");
        assert!(config.jwt_secret_is_generated && config.seed_on_empty && !config.cookie_secure);
        assert!(!config.production && !config.demo_tools);
        assert_eq!(config.access_ttl, Duration::from_secs(900));
        assert_eq!(format!("{:?}", config.jwt_secret), "<redacted>");
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = config(&[("ACCESS_TOKEN_TTL_SECONDS", "soon")]).unwrap_err();
        assert_eq!(err.name, "ACCESS_TOKEN_TTL_SECONDS");
        assert_eq!(
            config(&[("JWT_SECRET", "short")]).unwrap_err().name,
            "JWT_SECRET"
        );
        assert_eq!(
            config(&[("COOKIE_SECURE", "maybe")]).unwrap_err().name,
            "COOKIE_SECURE"
        );
    }

    #[test]
    fn production_refuses_to_start_without_its_secrets() {
        let key = "k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
        let secret = "a-configured-secret-of-at-least-32-chars";
        let err = config(&[("LEPTOS_ENV", "PROD"), ("ENCRYPTION_KEY", key)]).unwrap_err();
        assert_eq!(err.name, "JWT_SECRET");
        let err = config(&[("LEPTOS_ENV", "prod"), ("JWT_SECRET", secret)]).unwrap_err();
        assert_eq!(err.name, "ENCRYPTION_KEY");
        let configured = config(&[
            ("LEPTOS_ENV", "PROD"),
            ("JWT_SECRET", secret),
            ("ENCRYPTION_KEY", key),
        ])
        .unwrap();
        assert!(configured.production && !configured.jwt_secret_is_generated);
        assert_eq!(configured.jwt_secret.expose(), secret);
    }

    #[test]
    fn an_unset_signing_secret_is_random_per_installation_never_a_published_one() {
        let first = config(&[]).unwrap();
        let second = config(&[]).unwrap();
        assert_ne!(first.jwt_secret.expose(), second.jwt_secret.expose());
        assert!(first.jwt_secret.expose().len() >= 32);
    }

    #[test]
    fn demo_tools_are_off_unless_asked_for() {
        assert!(!config(&[]).unwrap().demo_tools);
        assert!(config(&[("DEMO_TOOLS", "true")]).unwrap().demo_tools);
    }

    #[test]
    fn development_key_is_generated_once_and_reused() {
        let path = std::env::temp_dir().join(format!("pb-dev-key-{}", std::process::id()));
        let path = path.to_string_lossy().to_string();
        let _ = std::fs::remove_file(&path);
        let config = config(&[("DEV_ENCRYPTION_KEY_FILE", path.as_str())]).unwrap();
        let sealed = config.keyring().unwrap().encrypt(b"x");
        assert_eq!(
            config.keyring().unwrap().decrypt(&sealed).unwrap(),
            b"x",
            "same key after a restart"
        );
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn malformed_encryption_keys_name_the_variable() {
        let err = config(&[("ENCRYPTION_KEY", "k1:dG9vLXNob3J0")])
            .unwrap()
            .keyring()
            .unwrap_err();
        assert_eq!(err.name, "ENCRYPTION_KEY");
    }

    #[test]
    fn embed_hosts_default_to_the_bi_tools_and_reject_urls() {
        assert_eq!(
            config(&[]).unwrap().embed_allowed_hosts,
            [
                "app.powerbi.com",
                "public.tableau.com",
                "*.azuredatabricks.net"
            ]
        );
        assert_eq!(
            config(&[(
                "EMBED_ALLOWED_HOSTS",
                " Reports.Example.com, *.corp.example "
            )])
            .unwrap()
            .embed_allowed_hosts,
            ["reports.example.com", "*.corp.example"]
        );
        assert!(
            config(&[("EMBED_ALLOWED_HOSTS", "none")])
                .unwrap()
                .embed_allowed_hosts
                .is_empty()
        );
        let err = config(&[("EMBED_ALLOWED_HOSTS", "https://app.powerbi.com/x")]).unwrap_err();
        assert_eq!(err.name, "EMBED_ALLOWED_HOSTS");
    }

    #[test]
    fn internal_url_defaults_to_the_listen_address() {
        let config = config(&[]).unwrap();
        assert_eq!(
            config
                .internal_base_url_for("0.0.0.0:8080".parse().unwrap())
                .as_str(),
            "http://127.0.0.1:8080/"
        );
    }
}
